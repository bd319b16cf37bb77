"""Comparing two ratings of the same customers (DOMAIN.md "Comparing policies and runs"): every
figure of the comparison checked against the two ratings' decisions, customer by customer."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from desktop.core.compare import Side, Snap, compare, snap
from desktop.core.policy import Band, LevelDef
from desktop.core.rating import rate
from desktop.core.terms import ROUTE_CFO, ROUTE_NONE, ROUTE_SALES_MANAGER
from desktop.evaluate import compare_policies
from desktop.io.importer import ImportResult, import_files
from desktop.paths import samples_dir

AS_OF = date(2026, 6, 30)
LEVELS = ["AAA", "AA", "A", "B", "C"]


@pytest.fixture(scope="module")
def tables() -> ImportResult:
    return import_files(sorted(samples_dir().iterdir()), None, AS_OF)


def raised_cut_off(policy, level: str = "AA", to: int = 85):
    levels = tuple(LevelDef(lv.level, lv.label_zh, to if lv.level == level else lv.min_score) for lv in policy.levels)
    return replace(policy, levels=levels, version=f"{policy.version}-{level}{to}")


def harsher_timeliness(policy):
    """Payment timeliness (30, 60] days late earns 5 points instead of 10: at or below 5 points,
    the force-C timeliness rule fires for those customers too."""
    item = policy.item("payment_timeliness")
    bands = tuple(Band(b.interval, 5) if b.interval.text == "(30, 60]" else b for b in item.bands)
    items = tuple(replace(it, bands=bands) if it.key == item.key else it for it in policy.items)
    return replace(policy, items=items, version=f"{policy.version}-late")


def expected(policy_a, policy_b, t):
    """The comparison worked out from the two ratings' decisions."""
    ra, _ = rate(t.customers, t.ledger, t.receipts, policy_a, AS_OF)
    rb, _ = rate(t.customers, t.ledger, t.receipts, policy_b, AS_OF)
    a = {x.customer_id: x for x in ra.decisions}
    b = {x.customer_id: x for x in rb.decisions}
    assert a.keys() == b.keys()
    moves = Counter((a[c].level, b[c].level) for c in a)
    changed = {"level": sum(a[c].level != b[c].level for c in a),
               "term": sum(a[c].recommended_term_days != b[c].recommended_term_days for c in a),
               "limit": sum(a[c].eligible_limit != b[c].eligible_limit for c in a),
               "route": sum(a[c].approval_route != b[c].approval_route for c in a)}

    def approvals(ds):
        routes = [x.approval_route for x in ds]
        return {"sales_manager": sum(r in (ROUTE_SALES_MANAGER, ROUTE_CFO) for r in routes),
                "cfo": sum(r == ROUTE_CFO for r in routes)}
    per_customer = {}
    for c in a:
        if (a[c].level, a[c].recommended_term_days, a[c].eligible_limit, a[c].approval_route) == \
                (b[c].level, b[c].recommended_term_days, b[c].eligible_limit, b[c].approval_route):
            continue
        pa, pb = {i.key: i.points for i in a[c].items}, {i.key: i.points for i in b[c].items}
        ca, cb = [h.code for h in a[c].rules], [h.code for h in b[c].rules]
        per_customer[c] = ({k: (pa[k], pb[k]) for k in pa if pa[k] != pb[k]},
                           [x for x in cb if x not in ca], [x for x in ca if x not in cb])
    return (moves, changed, (sum(x.eligible_limit for x in ra.decisions), sum(x.eligible_limit for x in rb.decisions)),
            (approvals(ra.decisions), approvals(rb.decisions)), per_customer, ra, rb)


def check(comparison, policy_a, policy_b, t):
    moves, changed, total, appr, per_customer, ra, rb = expected(policy_a, policy_b, t)
    assert comparison.levels == tuple(LEVELS)
    assert {(la, lb): n for la, row in comparison.matrix.items() for lb, n in row.items() if n} == dict(moves)
    assert sum(n for row in comparison.matrix.values() for n in row.values()) == len(t.customers) == comparison.both
    assert comparison.changed == changed
    assert comparison.total_limit == total
    assert comparison.approvals == appr
    got = {c.a.customer_id: ({i.key: (i.a, i.b) for i in c.items}, list(c.rules_added), list(c.rules_removed))
           for c in comparison.customers}
    assert got == per_customer
    for c in comparison.customers:  # each change named is a real difference, and every one is named
        diffs = {"level": c.a.level != c.b.level, "term": c.a.term_days != c.b.term_days,
                 "limit": c.a.limit != c.b.limit, "route": c.a.route != c.b.route}
        assert set(c.changed) == {k for k, v in diffs.items() if v} != set()
    assert comparison.only_a == comparison.only_b == ()
    assert [s.customer_id for s in comparison.a.snaps] == [x.customer_id for x in ra.decisions]
    assert comparison.changed_ids == frozenset(per_customer)
    return moves, per_customer


def test_a_raised_cut_off(policy, tables):
    """B from 60 to 63 points: the B customers with 60-62 points fall to C, nobody else moves."""
    b = raised_cut_off(policy, "B", 63)
    res = compare_policies(tables, policy, b, AS_OF)
    moves, per_customer = check(res.comparison, policy, b, tables)
    assert moves[("B", "C")] >= 3
    assert all(la == lb for (la, lb), n in moves.items() if (la, lb) != ("B", "C"))
    assert all(items == {} for items, _, _ in per_customer.values())  # no item's points moved, only the level
    assert res.comparison.changed["level"] == moves[("B", "C")]
    assert res.comparison.a.label == f"{policy.name} {policy.version}" and res.comparison.b.label.endswith("-B63")
    assert res.policies == (policy, b)
    # A B customer without a request went from 30 days (sales manager) to 0 (no approval); the CFO's
    # special applications (requests over 90 days) stay, and count for the sales manager too.
    (sm_a, cfo_a), (sm_b, cfo_b) = (tuple(x.values()) for x in res.comparison.approvals)
    assert sm_a > cfo_a > 0 and (sm_b, cfo_b) == (sm_a - 1, cfo_a)
    # The eligible limits fall (C's factor is 0).
    assert res.comparison.total_limit[1] < res.comparison.total_limit[0]


def test_a_raised_cut_off_at_the_top(policy, tables):
    """AA from 80 to 88: the two 87-point AA customers fall to A (60 -> 45 days, 1.2 -> 1.0)."""
    b = raised_cut_off(policy, "AA", 88)
    moves, _ = check(compare_policies(tables, policy, b, AS_OF).comparison, policy, b, tables)
    assert moves[("AA", "A")] == 2


def test_harsher_timeliness_names_the_items_and_rules(policy, tables):
    b = harsher_timeliness(policy)
    res = compare_policies(tables, policy, b, AS_OF)
    _, per_customer = check(res.comparison, policy, b, tables)
    assert any(items == {"payment_timeliness": (10, 5)} and "FORCE_C_TIMELINESS" in added
               for items, added, _ in per_customer.values())


def test_the_same_policy_twice_changes_nothing(policy, tables):
    res = compare_policies(tables, policy, policy, AS_OF)
    check(res.comparison, policy, policy, tables)
    c = res.comparison
    assert c.customers == () and set(c.changed.values()) == {0} and c.total_limit[0] == c.total_limit[1]
    assert all(n == 0 for la, row in c.matrix.items() for lb, n in row.items() if la != lb)


def one(cid, level, route=ROUTE_NONE, limit=100_000, term=45, items=None, rules=()):
    return Snap(cid, f"客户{cid}", level, 70, term, limit, route, items or {"a": 10, "b": 5}, tuple(rules))


def test_customers_in_one_rating_only_are_listed_and_not_in_the_matrix():
    a = Side("R1", (one("C1", "A"), one("C2", "AA", ROUTE_SALES_MANAGER), one("C3", "B", ROUTE_CFO, limit=7)))
    b = Side("R2", (one("C4", "AAA", ROUTE_CFO, limit=50), one("C2", "A", ROUTE_CFO, items={"a": 6, "b": 5, "c": 1},
                                                                 rules=("CAP_A_DOCUMENTS",), term=30),
                    one("C1", "A")))
    c = compare(a, b, LEVELS)
    assert (c.only_a, c.only_b, c.both) == (("C3",), ("C4",), 2)
    assert {(la, lb): n for la, row in c.matrix.items() for lb, n in row.items() if n} == {("A", "A"): 1, ("AA", "A"): 1}
    assert c.changed == {"level": 1, "term": 1, "limit": 0, "route": 1}
    assert [(x.a.customer_id, x.changed) for x in c.customers] == [("C2", ("level", "term", "route"))]
    assert [(i.key, i.a, i.b) for i in c.customers[0].items] == [("a", 10, 6), ("c", None, 1)]
    assert (c.customers[0].rules_added, c.customers[0].rules_removed) == (("CAP_A_DOCUMENTS",), ())
    # Totals and approvals are each rating's own (customers of one side only included).
    assert c.total_limit == (100_000 + 100_000 + 7, 50 + 100_000 + 100_000)
    assert c.approvals == ({"sales_manager": 2, "cfo": 1}, {"sales_manager": 2, "cfo": 2})


def test_a_level_found_only_in_the_data_goes_last():
    c = compare(Side("a", (one("C1", "A"),)), Side("b", (one("C1", "D"),)), LEVELS)
    assert c.levels == (*LEVELS, "D") and c.matrix["A"]["D"] == 1


def test_snap_of_a_decision(policy, tables):
    rating, _ = rate(tables.customers, tables.ledger, tables.receipts, policy, AS_OF)
    d = rating.decisions[0]
    s = snap(d)
    assert (s.customer_id, s.level, s.total, s.term_days, s.limit, s.route) == \
        (d.customer_id, d.level, d.total, d.recommended_term_days, d.eligible_limit, d.approval_route)
    assert dict(s.items) == {i.key: i.points for i in d.items} and s.rules == tuple(h.code for h in d.rules)


def test_two_runs_of_the_register(tmp_path):
    """As the register recorded them: C3 only in R1, C4 only in R2; the register unchanged."""
    from desktop.evaluate import compare_runs
    from desktop.io.register import Register

    def rec(cid, level, route="none", limit=100000, items=None, rules=()):
        return {"customer_id": cid, "name": f"客户{cid}", "total": 70, "level": level, "term_days": 45, "limit": limit,
                "route": route, "next_review": "2026-12-31", "rules": list(rules), "items": items or {"x": 3}}
    path = tmp_path / "r.sqlite"
    with Register(path) as reg:
        reg.record_run({"run_id": "R1", "as_of": "2025-12-31", "policy": "默认信用政策 2026.1"},
                       [rec("C1", "A"), rec("C2", "AA", "sales_manager"), rec("C3", "B")])
        reg.record_run({"run_id": "R2", "as_of": "2026-06-30", "policy": "默认信用政策 2026.1"},
                       [rec("C2", "B", "cfo_special", 5, {"x": 1}, ("FORCE_C_LITIGATION",)), rec("C1", "A"),
                        rec("C4", "C")])
    data = path.read_bytes()
    res = compare_runs(path, "R1", "R2", LEVELS)
    c = res.comparison
    assert (c.a.label, c.a.as_of, c.b.label, c.b.as_of) == ("R1", "2025-12-31", "R2", "2026-06-30")
    assert (c.only_a, c.only_b, c.both) == (("C3",), ("C4",), 2)
    assert {(la, lb): n for la, row in c.matrix.items() for lb, n in row.items() if n} == {("A", "A"): 1, ("AA", "B"): 1}
    assert c.changed == {"level": 1, "term": 0, "limit": 1, "route": 1}
    (ch,) = c.customers
    assert (ch.a.customer_id, ch.changed, [(i.key, i.a, i.b) for i in ch.items], ch.rules_added) == \
        ("C2", ("level", "limit", "route"), [("x", 3, 1)], ("FORCE_C_LITIGATION",))
    assert c.approvals == ({"sales_manager": 1, "cfo": 0}, {"sales_manager": 1, "cfo": 1})
    assert res.policies == (None, None) and res.register_head is not None
    assert path.read_bytes() == data
