"""Orders, as the scorecard and the working papers count them (metrics.first_of_order): a
customer's distinct order/invoice numbers among its lines of a positive amount, and each such
line without a number as an order of its own. Checked against a count by hand on random ledgers
with repeated numbers, numbers shared between customers, credit notes, and lines without a
number that carry the same row number (two ledger sheets)."""

import random

import numpy as np
import pandas as pd
import pytest

from desktop.core import metrics
from desktop.core.metrics import first_of_order


def _by_hand(lines: list[tuple[str, str | None, int]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for cid, no, fen in lines:
        counts.setdefault(cid, 0)
        if fen <= 0:
            continue
        if no is None:
            counts[cid] += 1
        elif (cid, no) not in seen:
            seen.add((cid, no))
            counts[cid] += 1
    return counts


@pytest.mark.parametrize("part", [500_000, 3])  # one part; customers in parts of a few lines
@pytest.mark.parametrize("dtype", ["object", "str"])  # as a test builds it; as the importer gives it (Arrow text)
@pytest.mark.parametrize("seed", range(12))
def test_orders_are_distinct_numbers_and_unnumbered_lines(seed, dtype, part, monkeypatch):
    monkeypatch.setattr(metrics, "ORDER_PART_LINES", part)
    rng = random.Random(seed)
    lines = [(rng.choice(["C1", "C2", "C3", "客户4"]), rng.choice([None, "FP1", "FP2", "fp1", "FP3", "=1"]),
              rng.choice([-500, 0, 100, 250_00])) for _ in range(rng.randrange(1, 80))]
    invoices = pd.DataFrame({"customer_id": np.array([c for c, _, _ in lines], dtype=object),
                             "invoice_no": pd.Series([n for _, n, _ in lines], dtype=dtype),
                             "amount_fen": np.array([f for _, _, f in lines], dtype="int64"),
                             "row": np.array([5] * len(lines), dtype="int64")})  # one row number: two sheets' row 5
    first = first_of_order(invoices)
    got = pd.Series(first).groupby(invoices["customer_id"].to_numpy()).sum().to_dict()
    assert got == _by_hand(lines)
    # the first line of each order is the one marked
    marked = {(lines[i][0], lines[i][1]) for i in np.flatnonzero(first) if lines[i][1] is not None}
    for i in np.flatnonzero(first):
        cid, no, fen = lines[i]
        assert fen > 0
        if no is not None:
            assert all(not (c == cid and n == no and f > 0) for c, n, f in lines[:i])
    assert len(marked) == len({(c, n) for c, n, f in lines if n is not None and f > 0})
