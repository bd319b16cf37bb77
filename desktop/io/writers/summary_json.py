"""The machine-readable summary of a rating run (JSON)."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

from desktop.core.groups import GroupFigures
from desktop.core.models import Rating, RowIssue
from desktop.core.policy import Policy
from desktop.core.scoring import GROUP_WARNING


def _clean(v: Any) -> Any:
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "inf"
        return round(v, 6)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    return v


def group_dict(g: GroupFigures) -> dict[str, Any]:
    """A group's figures: members, sums, the limits before and after the total-amount control,
    the ceiling (None when the control is off) and the worst final level."""
    return {"name": g.name, "members": list(g.members), "links": [k.as_dict() for k in g.group.links],
            "sales_12m": g.sales_12m, "open_ar": g.open_ar, "overdue_balance": g.overdue_balance,
            "eligible_limit_before": g.eligible_limit_before, "eligible_limit": g.eligible_limit,
            "requested_limit": g.requested_limit, "ceiling": None if g.ceiling is None else float(g.ceiling),
            "total_limit": g.total_limit, "worst_level": g.worst_level, "forced_c": list(g.forced_c),
            "reduced": g.reduced, "requests_over": g.requests_over}


LISTED_MEMBERS = 500  # above this, a customer's group names the group, and the members are listed once, in groups


def member_group(group, n: int) -> dict[str, Any]:
    """A customer's group: name, members and links, its size and its place in the top-level
    "groups" (0-based). A group of more than LISTED_MEMBERS has its members and links there only
    (null here): on every member they would grow the file with the square of the group's size."""
    small = len(group.members) <= LISTED_MEMBERS
    return {"name": group.name, "members": list(group.members) if small else None,
            "links": [k.as_dict() for k in group.links] if small else None,
            "size": len(group.members), "index": n}


def summary_dict(rating: Rating, policy: Policy, issues: list[RowIssue]) -> dict[str, Any]:
    index = {id(g.group): n for n, g in enumerate(rating.groups)}
    customers = []
    for d in rating.decisions:
        m = d.metrics
        customers.append({
            "customer_id": d.customer_id, "name": d.customer.name, "score": d.total,
            "items": {i.key: i.points for i in d.items},
            "raw_level": d.raw_level, "level": d.level,
            "overrides": [h.code for h in d.overrides], "caps": [h.code for h in d.caps],
            "term_rules": [h.code for h in d.term_rules], "limit_rules": [h.code for h in d.limit_rules],
            # the group warning's forced members are the group's forced_c (top-level groups), not
            # repeated on every member it caps
            "rule_data": {h.code: ({k: v for k, v in h.data.items() if k not in ("members", "names")}
                                   if h.code == GROUP_WARNING else h.data) for h in d.rules},
            "group": None if d.group is None else member_group(d.group, index[id(d.group)]),
            "recommended_term_days": d.recommended_term_days, "eligible_limit": d.eligible_limit,
            "requested_term_days": d.requested_term_days, "requested_limit": d.requested_limit,
            "approval_route": d.approval_route, "exceeds_policy": d.exceeds_policy,
            "next_review": d.next_review,
            "metrics": {"orders": m.orders, "sales_12m": m.sales_12m, "sales_prev_12m": m.sales_prev_12m,
                        "avg_days_late": m.avg_days_late, "open_ar": m.open_ar,
                        "overdue_balance": m.overdue_balance, "aging": m.aging,
                        "due_invoices": m.due_invoices, "due_amount": m.due_fen / 100,
                        "late_amount_days": m.late_fen_days_float / 100, "cooperation_days": m.cooperation_days,
                        "first_trade_date": m.first_trade_date, "first_trade_from": m.first_trade_from},
        })
    return _clean({
        "as_of": rating.as_of,
        "policy": {"name": policy.name, "version": policy.version, "sha256": policy.sha256},
        "customers": customers,
        "groups": [group_dict(g) for g in rating.groups],
        "exceptions": [i.as_dict() for i in issues],
    })


def write_summary_json(path: Path, rating: Rating, policy: Policy, issues: list[RowIssue]) -> None:
    text = json.dumps(summary_dict(rating, policy, issues), ensure_ascii=False, indent=1)
    path.write_text(text, encoding="utf-8")
