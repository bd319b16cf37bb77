"""A rating run: metrics for every customer, then each customer's decision."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date

import pandas as pd

from desktop.core.groups import CONCENTRATION, Group, GroupFigures, concentration, find_groups, requests_over
from desktop.core.metrics import compute_metrics
from desktop.core.models import Customer, Decision, Metrics, Rating, RuleHit
from desktop.core.policy import Policy
from desktop.core.scoring import GROUP_WARNING, cap_rules, final_level, force_c_rules, ratio, score_items
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
    """Score one customer and derive level, term, limit, route and review date (before the
    group rules, which ``rate`` applies to the members of groups)."""
    items = score_items(c, m, policy)
    total = sum(i.points for i in items)
    raw = policy.level_for(total)
    overrides = force_c_rules(c, items, policy)
    caps = cap_rules(c, m, policy)
    return _decided(c, m, items, total, raw, overrides, caps, policy, as_of)


def _decided(c: Customer, m: Metrics, items, total: int, raw: str, overrides, caps, policy: Policy,
             as_of: date) -> Decision:
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


def _with_limit(d: Decision, limit: int, hit: RuleHit | None, group_over: bool, **changes) -> Decision:
    """``d`` with the eligible limit the total-amount control left (``hit``), the request that
    counts following it, and "group_limit" among the exceeded when the group's requests are over
    (and ``changes``, the group rules' other changes, in the same copy)."""
    c = d.customer
    req_limit = c.requested_limit if c.requested_limit is not None else float(limit)
    exceeds = tuple(k for k, over in (("term", d.requested_term_days > d.recommended_term_days),
                                      ("limit", req_limit > limit), ("group_limit", group_over)) if over)
    return _with(d, eligible_limit=limit, requested_limit=req_limit, exceeds=exceeds, exceeds_policy=bool(exceeds),
                 limit_rules=d.limit_rules + ((hit,) if hit else ()), **changes)


_DECISION_FIELDS = frozenset(f.name for f in fields(Decision))


def _with(d: Decision, **changes) -> Decision:
    """``d`` with ``changes``, as ``dataclasses.replace`` gives it without its per-field work (a
    Decision has no ``__post_init__`` and nothing derived at construction): the group rules
    change every member of a group, and a group can have tens of thousands."""
    if not changes.keys() <= _DECISION_FIELDS:
        raise TypeError(f"not fields of Decision: {sorted(changes.keys() - _DECISION_FIELDS)}")
    new = object.__new__(Decision)
    new.__dict__.update(d.__dict__, **changes)
    return new


def apply_group_rules(decisions: list[Decision], groups: list[Group], policy: Policy,
                      as_of: date) -> tuple[list[Decision], tuple[GroupFigures, ...]]:
    """The group rules over a run's decisions (DOMAIN.md, in its order): early warning, then the
    level's term and limit again, then total-amount control over the run's total T; every
    member carries its group. Customers outside groups are returned as they were."""
    if not groups:
        return decisions, ()
    at = {d.customer.customer_id: n for n, d in enumerate(decisions)}
    rules = policy.group
    # Each member is copied once, at the end, with everything the rules changed on it (its
    # group, the warning among its caps, the limit the control left); only a member whose
    # level the warning lowers is decided again first (its term, limit and route follow).
    caps_of: dict[int, tuple[RuleHit, ...]] = {}  # position -> caps with the warning, level unchanged
    positions: list[list[int]] = []
    forced_of: list[tuple[str, ...]] = []
    for g in groups:
        pos = [at[cid] for cid in g.members]
        positions.append(pos)
        forced = tuple(decisions[p].customer_id for p in pos if decisions[p].overrides)
        forced_of.append(forced)
        if not (rules.warning and forced):
            continue
        # one hit for the whole group, its data shared by every member it caps (a group of
        # thousands with hundreds forced to C must not hold a list per member)
        hit = RuleHit(GROUP_WARNING, {"group": g.name, "members": list(forced),
                                      "names": [decisions[at[f]].customer.name for f in forced],
                                      "level": rules.warning_level})
        for p in pos:
            d = decisions[p]
            if d.overrides:
                continue
            caps = d.caps + (hit,)
            if final_level(d.raw_level, d.overrides, caps, policy) == d.level:
                caps_of[p] = caps  # already at or below B: term, limit and route stand
            else:
                decisions[p] = _decided(d.customer, d.metrics, d.items, d.total, d.raw_level, d.overrides, caps,
                                        policy, as_of)
    total = sum(d.eligible_limit for d in decisions)  # T, before the total-amount control
    figures = []
    for g, pos, forced in zip(groups, positions, forced_of):
        before = [decisions[p].eligible_limit for p in pos]
        ceiling = None
        reduced = requests = False
        after = before
        if rules.concentration:
            ceiling, reduced, after = concentration(before, total, policy)
            reqs = [r if (r := decisions[p].customer.requested_limit) is not None else float(a)
                    for p, a in zip(pos, after)]
            requests = requests_over(reqs, ceiling)
        data = {"group": g.name, "group_total": sum(before), "total": total, "share": rules.concentration_share,
                "ceiling": None if ceiling is None else float(ceiling)}
        members = []
        for p, a in zip(pos, after):
            d = decisions[p]
            changes = {"group": g} if p not in caps_of else {"group": g, "caps": caps_of[p]}
            if reduced or requests:
                hit = RuleHit(CONCENTRATION, {**data, "limit_before": d.eligible_limit}) if reduced else None
                d = _with_limit(d, a, hit, requests, **changes)
            else:
                d = _with(d, **changes)
            decisions[p] = d
            members.append(d)
        figures.append(GroupFigures(
            group=g, sales_12m=sum(d.metrics.sales_12m for d in members),
            open_ar=sum(d.metrics.open_ar for d in members),
            overdue_balance=sum(d.metrics.overdue_balance for d in members),
            eligible_limit_before=sum(before), eligible_limit=sum(d.eligible_limit for d in members),
            requested_limit=sum(d.requested_limit for d in members), ceiling=ceiling, total_limit=total,
            worst_level=max({d.level for d in members}, key=policy.rank), forced_c=forced,
            reduced=reduced, requests_over=requests))
    return decisions, tuple(figures)


def current_terms(customers: Sequence[Customer]) -> pd.Series:
    """Customer id -> current term (days): what due dates fall back on (the metrics and the working papers)."""
    return pd.Series({c.customer_id: c.current_term_days for c in customers}, dtype="float64")


SCORE_PART = 10_000  # customers whose metrics are turned into records at a time


def rate(customers: Sequence[Customer], ledger: pd.DataFrame, receipts: pd.DataFrame,
         policy: Policy, as_of: date, progress: Progress | None = None) -> tuple[Rating, pd.DataFrame]:
    """Rate every customer; returns the rating and the receipts no open invoice took."""
    progress = progress or (lambda stage, frac: None)
    progress("metrics", 0.0)
    table, unapplied = compute_metrics(ledger, receipts, current_terms(customers), policy, as_of)
    progress("scoring", 0.5)
    # The metrics as records a part of the customers at a time (100,000 customers' records at
    # once held about 170 MB beside the table).
    at = table.index.get_indexer([c.customer_id for c in customers])  # -1: no ledger line
    decisions = []
    for a in range(0, len(customers), SCORE_PART):
        part = at[a:a + SCORE_PART]
        rows = table.iloc[part[part >= 0]].to_dict("index")
        for n in range(a, min(a + SCORE_PART, len(customers))):
            c = customers[n]
            decisions.append(decide(c, customer_metrics(c, rows.get(c.customer_id), policy, as_of), policy, as_of))
            if n % 5000 == 4999:
                progress("scoring", 0.5 + 0.5 * n / len(customers))
    decisions, groups = apply_group_rules(decisions, find_groups(customers), policy, as_of)
    progress("scoring", 1.0)
    return Rating(as_of=as_of, decisions=tuple(decisions), groups=groups), unapplied
