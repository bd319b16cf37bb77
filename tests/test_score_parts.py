"""The scorecard turns the metrics into records a part of the customers at a time
(rating.SCORE_PART): parts of any size give the very decisions one part gives, whatever the
order of the customers and whether a customer has ledger lines or none."""

import random
from datetime import date, timedelta

import pytest
from builders import customer, ledger, no_receipts

from desktop.core import rating
from desktop.core.groups import find_groups
from desktop.core.metrics import compute_metrics
from desktop.io.policy_file import load_policy

AS_OF = date(2026, 6, 30)


def _book(seed: int):
    rng = random.Random(seed)
    customers = [customer(f"C{n:03d}", current_term_days=rng.choice([None, 30, 60]),
                          requested_term_days=rng.choice([None, 45, 120])) for n in range(40)]
    rng.shuffle(customers)
    rows = []
    for c in customers[:30]:  # ten customers have no ledger line at all
        for k in range(rng.randrange(1, 6)):
            d = AS_OF - timedelta(days=rng.randrange(1, 700))
            paid = rng.random() < 0.6
            rows.append({"customer_id": c.customer_id, "invoice_date": d, "amount": rng.choice([1000.0, 25_000.5, -300.0]),
                         "term_days": 30, "paid_date": d + timedelta(days=rng.randrange(0, 90)) if paid else None,
                         "invoice_no": rng.choice([None, f"F{k}", "F1"])})
    return customers, ledger(rows)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("part", [1, 7, 30])
def test_parts_give_the_decisions_one_part_gives(seed, part, monkeypatch):
    customers, book = _book(seed)
    policy = load_policy()
    # the reference: every customer's metrics as records at once, as the scorecard once did
    table, _ = compute_metrics(book, no_receipts(), rating.current_terms(customers), policy, AS_OF)
    rows = table.to_dict("index")
    alone = [rating.decide(c, rating.customer_metrics(c, rows.get(c.customer_id), policy, AS_OF), policy, AS_OF)
             for c in customers]
    whole, _ = rating.apply_group_rules(alone, find_groups(customers), policy, AS_OF)
    monkeypatch.setattr(rating, "SCORE_PART", part)
    parted, _ = rating.rate(customers, book, no_receipts(), policy, AS_OF)
    assert [d.customer_id for d in parted.decisions] == [c.customer_id for c in customers]
    assert list(parted.decisions) == list(whole)
    assert any(d.metrics.orders == 0 for d in whole) and any(d.metrics.orders > 1 for d in whole)
