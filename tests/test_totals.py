"""The totals the window shows under its results table (``desktop.core.models.totals_of``)."""

from __future__ import annotations

import math
from types import SimpleNamespace

from desktop.core.models import Totals, totals_of


def _d(limit, open_ar, overdue, level="A", route="none"):
    return SimpleNamespace(eligible_limit=limit, level=level, approval_route=route,
                           metrics=SimpleNamespace(open_ar=open_ar, overdue_balance=overdue))


def test_blanks_count_as_nothing_and_every_level_and_route_is_counted():
    rows = [_d(100_000, 1.5, 0.0, "AA", "sales_manager"), _d(0, None, math.nan, "C"), _d(50_000, "", 2.25, "C"),
            _d(None, 0.5, None, "B", "cfo_special")]
    t = totals_of(rows)
    assert t == Totals(150_000.0, 2.0, 2.25, {"AA": 1, "C": 2, "B": 1},
                       {"sales_manager": 1, "none": 2, "cfo_special": 1})
    assert not any(map(math.isnan, t[:3]))  # one NaN would make the whole sum NaN
    assert totals_of([]) == Totals(0.0, 0.0, 0.0, {}, {})
    assert totals_of(iter(rows)) == t  # one pass: a generator will do
