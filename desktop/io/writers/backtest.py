"""The back-test workbook (回测报告) and its JSON (DOMAIN.md "Back-testing")."""

from __future__ import annotations

import math
from typing import Any


def _num(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _iso(x: Any) -> str | None:
    if x is None:
        return None
    try:
        import pandas as pd
        if pd.isna(x):
            return None
        return pd.Timestamp(x).date().isoformat()
    except (TypeError, ValueError):
        return str(x)


def backtest_json(result) -> dict[str, Any]:
    """The issue's JSON: evaluation date, the outcome rule, the runs, the tables and the cases."""
    rep = result.report
    cases = rep.cases
    seen = cases[cases["observable"]] if cases is not None and len(cases) else None
    case_rows = []
    if seen is not None:
        for r in seen.itertuples(index=False):
            bad = bool(r.bad)
            case_rows.append({"run_id": r.run_id, "as_of": _iso(r.as_of), "customer_id": r.customer_id,
                              "level": r.level, "score": int(r.score), "bad": bad,
                              "invoice": (None if not bad else (str(r.invoice_no) if r.invoice_no is not None
                                                                else f"#row{int(r.invoice_row)}")),
                              "invoice_row": int(r.invoice_row) if bad else None,
                              "days_past_due": int(r.days_past_due) if bad else None,
                              "unpaid": round(float(r.unpaid), 2) if bad else None,
                              "bad_on": _iso(r.bad_on) if bad else None})
    return {
        "evaluation_date": rep.evaluation_date.isoformat(),
        "horizon_months": rep.rule.horizon_months, "late_days": rep.rule.late_days,
        "tolerance": rep.rule.tolerance_fen / 100, "source": rep.source,
        "runs": [{"run_id": r.run_id, "as_of": r.as_of.isoformat(), "cases": r.cases, "observable": r.observable,
                  **({"superseded_by": r.superseded_by} if r.superseded_by else {})} for r in rep.runs],
        "levels": [{"level": lv.level, "cases": lv.cases, "bad": lv.bad, "bad_rate": _num(lv.bad_rate),
                    "ci_low": _num(lv.ci_low), "ci_high": _num(lv.ci_high)} for lv in rep.levels],
        "monotonic": rep.monotonic, "auc": _num(rep.auc), "ks": _num(rep.ks),
        "items": {key: [{"band": b.key, "points": b.points, "cases": b.cases, "bad": b.bad,
                         "bad_rate": _num(b.bad_rate)} for b in rows] for key, rows in rep.items.items()},
        "rules": [{"code": r.key, "cases": r.cases, "bad": r.bad, "bad_rate": _num(r.bad_rate)} for r in rep.rules],
        "psi": {"value": _num(rep.psi), "reading": rep.psi_reading,
                "from_run": rep.psi_runs[0] if rep.psi_runs else None,
                "to_run": rep.psi_runs[1] if rep.psi_runs else None},
        "not_observable": rep.not_observable, "not_trading": rep.not_trading,
        "customer_facts_today": "customer_facts_today" in rep.notes,
        "register_head": result.register_head,
        "cases": case_rows,
    }


def write_backtest(path: str, result, lang: str = "zh", tick=lambda: None) -> None:
    raise NotImplementedError  # the workbook: see the issue (summary with charts, a sheet per table, cases, audit)
