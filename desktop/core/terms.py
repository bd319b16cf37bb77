"""Payment terms, eligible credit limit, approval route and next review date."""

from __future__ import annotations

import calendar
from datetime import date

from desktop.core.exact import fen, written
from desktop.core.models import Customer, Metrics, RuleHit
from desktop.core.policy import Policy
from desktop.core.scoring import key_documents_missing

ROUTE_NONE, ROUTE_SALES_MANAGER, ROUTE_CFO = "none", "sales_manager", "cfo_special"


def recommended_term(level: str, customer: Customer, m: Metrics,
                     policy: Policy) -> tuple[int, int, tuple[RuleHit, ...]]:
    """(base term of the level, recommended term, rules that set it to 0 days)."""
    t = policy.terms
    base = t.base_days[level]
    hits: list[RuleHit] = []
    if m.orders < t.new_customer_cash_orders:
        hits.append(RuleHit("TERM_NEW_CUSTOMER_CASH", {"orders": m.orders,
                                                       "cash_orders": t.new_customer_cash_orders}))
    else:
        if t.require_agreement and customer.agreement is not True:
            hits.append(RuleHit("TERM_NO_AGREEMENT", {"agreement": customer.agreement}))
        missing = key_documents_missing(customer)
        if t.require_documents and missing:
            hits.append(RuleHit("TERM_DOCUMENTS_INCOMPLETE", {"missing": missing}))
    return base, (0 if hits else base), tuple(hits)


def eligible_limit(sales_12m: float, term_days: int, level: str, policy: Policy) -> int:
    """sales_12m / 12 x (term / 30) x level factor, rounded down to the policy's step.

    In whole numbers: fen x term x the factor as written (1.2 = 6/5), floor-divided by
    12 x 30 x 100 x the step, so 7,535,000 / 12 x 2 x 1.2 is exactly 1,507,000."""
    lim = policy.limit
    factor = written(lim.factors[level])
    numerator = max(fen(sales_12m), 0) * term_days * factor.numerator
    denominator = lim.months_per_year * lim.days_per_month * 100 * factor.denominator * lim.round_down_to
    return numerator // denominator * lim.round_down_to


def approval_route(requested_term_days: int, policy: Policy) -> str:
    if requested_term_days <= 0:
        return ROUTE_NONE
    if requested_term_days <= policy.sales_manager_max_days:
        return ROUTE_SALES_MANAGER
    return ROUTE_CFO


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def next_review(as_of: date, level: str, policy: Policy) -> date:
    return add_months(as_of, policy.review_months[level])
