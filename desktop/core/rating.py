"""A rating run: metrics for every customer, then each customer's decision."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import date

import pandas as pd

from desktop.core.metrics import compute_metrics
from desktop.core.models import Customer, Decision, Metrics, Rating
from desktop.core.policy import Policy
from desktop.core.scoring import cap_rules, final_level, force_c_rules, ratio, score_items
from desktop.core.terms import approval_route, eligible_limit, next_review, recommended_term

Progress = Callable[[str, float], None]


def _none_if_nan(v: object) -> object:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT else v


def customer_metrics(c: Customer, row: dict | None, policy: Policy, as_of: date) -> Metrics:
    row = row or {}
    first, first_from = c.first_trade_date, "sheet" if c.first_trade_date is not None else None
    first_inv = _none_if_nan(row.get("first_invoice_date"))
    if first_inv is not None:  # a Timestamp from the metrics table; .date() without a new Timestamp
        first_inv = (first_inv if isinstance(first_inv, pd.Timestamp) else pd.Timestamp(first_inv)).date()
    if first is None and first_inv is not None:
        first, first_from = first_inv, "ledger"
    years = days = None
    if first is not None and first <= as_of:
        days = (as_of - first).days
        years = days / policy.days_per_year
    s12 = float(row.get("sales_12m", 0.0))
    prev = float(row.get("sales_prev_12m", 0.0))
    avg = _none_if_nan(row.get("avg_days_late"))
    open_ar = float(row.get("open_ar", 0.0))
    return Metrics(
        orders=int(row.get("orders", 0)), sales_12m=s12, sales_prev_12m=prev,
        sales_growth=(s12 - prev) / prev if prev > 0 else None,
        avg_days_late=None if avg is None else float(avg),
        cooperation_years=years, first_trade_date=first,
        open_ar=open_ar, overdue_balance=float(row.get("overdue_balance", 0.0)),
        aging={b: float(row.get(f"aging:{b}", 0.0)) for b in policy.aging_buckets()},
        dso=open_ar / s12 * 365 if s12 > 0 else None,
        debt_ratio=ratio(c.total_liabilities, c.total_assets),
        current_ratio=ratio(c.current_assets, c.current_liabilities),
        invoices=int(row.get("invoices", 0)),
        due_invoices=int(row.get("due_invoices", 0)), due_fen=int(row.get("due_fen", 0)),
        late_fen_days=int(row.get("late_fen_days", 0)) if row.get("late_exact", True) else None,
        late_fen_days_float=float(row.get("late_fen_days_float", 0.0)),
        cooperation_days=days, first_trade_from=first_from,
        first_invoice_date=first_inv,
    )


def decide(c: Customer, m: Metrics, policy: Policy, as_of: date) -> Decision:
    """Score one customer and derive level, term, limit, route and review date."""
    items = score_items(c, m, policy)
    total = sum(i.points for i in items)
    raw = policy.level_for(total)
    overrides = force_c_rules(c, items, policy)
    caps = cap_rules(c, m, policy)
    level = final_level(raw, overrides, caps, policy)
    base, term, term_rules = recommended_term(level, c, m, policy)
    limit = eligible_limit(m.sales_12m, term, level, policy)
    given = c.requested_term_days is not None or c.requested_limit is not None
    req_term = c.requested_term_days if c.requested_term_days is not None else term
    req_limit = c.requested_limit if c.requested_limit is not None else float(limit)
    exceeds = tuple(k for k, over in (("term", req_term > term), ("limit", req_limit > limit)) if over)
    return Decision(
        customer=c, metrics=m, items=items, total=total, raw_level=raw, level=level,
        overrides=overrides, caps=caps, term_rules=term_rules, base_term_days=base,
        recommended_term_days=term, eligible_limit=limit, requested_term_days=req_term,
        requested_limit=req_limit, request_given=given, approval_route=approval_route(req_term, policy),
        exceeds_policy=bool(exceeds), exceeds=exceeds, next_review=next_review(as_of, level, policy))


def current_terms(customers: Sequence[Customer]) -> pd.Series:
    """Customer id -> current term (days): what due dates fall back on (the metrics and the working papers)."""
    return pd.Series({c.customer_id: c.current_term_days for c in customers}, dtype="float64")


def rate(customers: Sequence[Customer], ledger: pd.DataFrame, receipts: pd.DataFrame,
         policy: Policy, as_of: date, progress: Progress | None = None) -> tuple[Rating, pd.DataFrame]:
    """Rate every customer; returns the rating and the receipts no open invoice took."""
    progress = progress or (lambda stage, frac: None)
    progress("metrics", 0.0)
    table, unapplied = compute_metrics(ledger, receipts, current_terms(customers), policy, as_of)
    progress("scoring", 0.5)
    rows = table.to_dict("index")
    decisions = []
    for n, c in enumerate(customers):
        decisions.append(decide(c, customer_metrics(c, rows.get(c.customer_id), policy, as_of), policy, as_of))
        if n % 5000 == 4999:
            progress("scoring", 0.5 + 0.5 * n / len(customers))
    progress("scoring", 1.0)
    return Rating(as_of=as_of, decisions=tuple(decisions)), unapplied
