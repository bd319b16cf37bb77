"""The comparison workbook (评级对比) and its JSON (DOMAIN.md "Comparing policies and runs")."""

from __future__ import annotations

from typing import Any

from desktop.core.compare import Snap


def _side(s: Snap) -> dict[str, Any]:
    return {"level": s.level, "total": s.total, "term_days": s.term_days, "limit": s.limit, "route": s.route}


def compare_json(result) -> dict[str, Any]:
    c = result.comparison
    return {
        "a": {"label": c.a.label, "as_of": c.a.as_of, "policy": c.a.policy, "customers": len(c.a.snaps)},
        "b": {"label": c.b.label, "as_of": c.b.as_of, "policy": c.b.policy, "customers": len(c.b.snaps)},
        "matrix": c.matrix,
        "changed": c.changed,
        "total_limit": {"a": c.total_limit[0], "b": c.total_limit[1]},
        "approvals": {"a": c.approvals[0], "b": c.approvals[1]},
        "both": c.both, "only_a": list(c.only_a), "only_b": list(c.only_b),
        "customers": [{"customer_id": x.a.customer_id, "name": x.a.name, "changed": list(x.changed),
                       "a": _side(x.a), "b": _side(x.b),
                       "items": [{"key": i.key, "a": i.a, "b": i.b} for i in x.items],
                       "rules": [{"code": r, "a": False, "b": True} for r in x.rules_added]
                       + [{"code": r, "a": True, "b": False} for r in x.rules_removed]}
                      for x in c.customers],
    }


def write_compare(path: str, result, lang: str = "zh", tick=lambda: None) -> None:
    raise NotImplementedError  # the workbook: matrix, counts, changed customers, audit
