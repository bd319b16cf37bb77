"""Frozen records the rules run on, and the decisions they produce."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from desktop.core.credit_code import is_valid_credit_code

if TYPE_CHECKING:  # pandas loads where tables are read, not where records are shown
    import pandas as pd

    from desktop.core.groups import Group, GroupFigures


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record came from: file name, sheet and Excel row number (1-based)."""

    file: str
    sheet: str
    row: int


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A rejected or doubtful cell (or row), and what the program did about it."""

    file: str
    sheet: str
    row: int | None
    column: str
    value: Any
    problem: str
    action: str
    severity: str = "warning"  # "error": the row or customer was not used; "warning": used

    def as_dict(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (int, float, str, bool)):
            value = str(value)
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column,
                "value": value, "problem": self.problem, "action": self.action}


@dataclass(frozen=True)
class Customer:
    """One row of the customer credit sheet, typed. Amounts in 万元 unless named otherwise."""

    customer_id: str
    name: str
    source: SourceRef
    credit_code: str | None = None
    salesperson: str | None = None
    sales_manager: str | None = None
    group: str | None = None
    controller: str | None = None  # 实际控制人: common control by a person links a group too
    first_trade_date: date | None = None
    registered_capital: float | None = None
    agreement: bool | None = None
    license: bool | None = None
    tax_registration: bool | None = None
    org_code: bool | None = None
    operating_status: str | None = None  # good | fair | poor
    revenue_trend: str | None = None  # growth | stable | decline | sustained_decline
    sued_by_suppliers: bool | None = None
    total_assets: float | None = None
    total_liabilities: float | None = None
    current_assets: float | None = None
    current_liabilities: float | None = None
    current_term_days: int | None = None
    requested_term_days: int | None = None
    requested_limit: float | None = None  # 元
    request_reason: str | None = None

    @cached_property
    def credit_code_valid(self) -> bool:
        """A valid 18-character unified social credit code (checked once: the rules ask several times)."""
        return is_valid_credit_code(self.credit_code)


# The dates a rating can be about: an assessment date, and any date read from a sheet, lies in
# these years (beyond them a date is a typing error, and date arithmetic would overflow).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)


def check_as_of(day: date) -> date:
    """``day`` if it can be an assessment date, else ValueError saying which dates can."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"the assessment date {day.isoformat()} is outside {FIRST_DAY.isoformat()} to "
                         f"{LAST_DAY.isoformat()}")
    return day


LEDGER_COLUMNS = {
    # column: dtype of the typed ledger table
    "customer_id": "object",
    "invoice_no": "str",  # Arrow text, NA when blank: a ledger's millions of numbers in one buffer
    "invoice_date": "datetime64[s]",
    "amount": "float64",
    "due_date": "datetime64[s]",
    "term_days": "float64",
    "paid_date": "datetime64[s]",
    "paid_amount": "float64",
    "row": "int64",  # Excel row number, for tracing
}
RECEIPT_COLUMNS = {"customer_id": "object", "date": "datetime64[s]", "amount": "float64", "row": "int64"}


def text_objects(column: pd.Series):
    """A text column (Arrow text or objects) as a numpy array of Python strings, None where
    missing: what record builders and writers take (Arrow text gives NaN for a missing value)."""
    import numpy as np
    return np.where(column.notna().to_numpy(), column.to_numpy(dtype=object), None)


@dataclass(frozen=True)
class Table:
    """A typed, column-wise table read from one sheet (ledger or receipts)."""

    frame: pd.DataFrame
    file: str
    sheet: str

    @staticmethod
    def empty(columns: dict[str, str]) -> pd.DataFrame:
        import pandas as pd
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


@dataclass(frozen=True, slots=True)  # no __dict__: one of these per customer, item or rule
class ItemScore:
    """Points of one scorecard item and the data behind them."""

    key: str
    value: Any  # the basis value (None when missing)
    band: str  # the band or category that matched, or "missing"
    points: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)  # no __dict__: one of these per customer, item or rule
class RuleHit:
    """A rule that fired: its code and the data that triggered it."""

    code: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)  # no __dict__: one of these per customer, item or rule
class Metrics:
    orders: int
    sales_12m: float
    sales_prev_12m: float
    sales_growth: float | None
    avg_days_late: float | None
    cooperation_years: float | None
    first_trade_date: date | None
    open_ar: float
    overdue_balance: float
    aging: dict[str, float]
    dso: float | None
    debt_ratio: float | None
    current_ratio: float | None
    invoices: int
    # The data behind payment timeliness and cooperation years, exact, for the workbook and
    # for placing a value exactly on a band edge (see desktop.core.exact).
    due_invoices: int = 0  # invoices that count for payment timeliness
    due_fen: int = 0  # their amount-weight, in fen
    late_fen_days: int | None = 0  # sum of fen x days late (None: beyond int64, float only)
    late_fen_days_float: float = 0.0
    cooperation_days: int | None = None
    first_trade_from: str | None = None  # "sheet" | "ledger"
    first_invoice_date: date | None = None  # the ledger's earliest invoice (used when the sheet has no date)


@dataclass(frozen=True)
class Decision:
    """The full rating of one customer: items, level, rules, terms, limit and route."""

    customer: Customer
    metrics: Metrics
    items: tuple[ItemScore, ...]
    total: int
    raw_level: str
    level: str
    overrides: tuple[RuleHit, ...]
    caps: tuple[RuleHit, ...]
    term_rules: tuple[RuleHit, ...]
    base_term_days: int
    recommended_term_days: int
    eligible_limit: int
    requested_term_days: int
    requested_limit: float
    request_given: bool
    approval_route: str  # none | sales_manager | cfo_special
    exceeds_policy: bool
    exceeds: tuple[str, ...]  # "term", "limit", "group_limit" (the group's requests above its ceiling)
    next_review: date
    group: Group | None = None  # the group the customer belongs to (desktop.core.groups)
    limit_rules: tuple[RuleHit, ...] = ()  # LIMIT_GROUP_CONCENTRATION

    @property
    def customer_id(self) -> str:
        return self.customer.customer_id

    @property
    def limit_before_rules(self) -> int:
        """The eligible limit by level, term and sales, before the total-amount control."""
        return next((h.data["limit_before"] for h in self.limit_rules if "limit_before" in h.data), self.eligible_limit)

    @property
    def rules(self) -> tuple[RuleHit, ...]:
        """Every rule that fired, in the order they apply: force C, caps, terms, limits."""
        return (*self.overrides, *self.caps, *self.term_rules, *self.limit_rules)

    def points(self, key: str) -> int:
        return next(i.points for i in self.items if i.key == key)


class Totals(NamedTuple):
    """What the window shows under its results table, of the customers shown: the eligible limits,
    open AR and overdue balances added up (a blank counts as nothing), and how many customers
    there are at each level and on each approval route."""

    eligible_limit: float
    open_ar: float
    overdue: float
    by_level: dict[str, int]
    by_route: dict[str, int]


def _figure(v: Any) -> float:
    return 0.0 if v is None or v == "" or v != v else v  # (NaN is not equal to itself)


def totals_of(decisions: Iterable[Decision]) -> Totals:
    """The Totals of ``decisions``, in one pass."""
    limit = open_ar = overdue = 0.0
    by_level: dict[str, int] = {}
    by_route: dict[str, int] = {}
    for d in decisions:
        m = d.metrics
        limit += _figure(d.eligible_limit)
        open_ar += _figure(m.open_ar)
        overdue += _figure(m.overdue_balance)
        by_level[d.level] = by_level.get(d.level, 0) + 1
        by_route[d.approval_route] = by_route.get(d.approval_route, 0) + 1
    return Totals(limit, open_ar, overdue, by_level, by_route)


@dataclass(frozen=True)
class Rating:
    """A rating run's decisions, in customer-sheet order."""

    as_of: date
    decisions: tuple[Decision, ...]
    groups: tuple[GroupFigures, ...] = ()  # every group's figures, in the order of its first member

