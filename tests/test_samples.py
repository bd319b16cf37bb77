"""The bundled samples show what the README says they show: the worked example C0007 on its
own, a group of three where one member sued by its suppliers caps the two others at B, and a
group whose limits the total-amount control scales down, its members linked by 所属集团
written three ways, by 实际控制人 and by one credit code under two IDs. Nobody else is grouped."""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from fractions import Fraction

import pytest

from desktop.core.groups import link_key
from desktop.core.rating import rate
from desktop.io.importer import import_files
from desktop.io.policy_file import load_policy
from desktop.paths import samples_dir

D = date(2026, 6, 30)
LEVELS = ["AAA", "AA", "A", "B", "C"]


@pytest.fixture(scope="module")
def samples():
    r = import_files(sorted(samples_dir().iterdir()))
    policy = load_policy()
    off = dataclasses.replace(policy, group=dataclasses.replace(policy.group, warning=False, concentration=False))
    on_rating, _ = rate(r.customers, r.ledger, r.receipts, policy, D)
    off_rating, _ = rate(r.customers, r.ledger, r.receipts, off, D)
    return r, on_rating, {d.customer_id: d for d in on_rating.decisions}, \
        {d.customer_id: d for d in off_rating.decisions}


def codes(d) -> list[str]:
    return [h.code for h in d.rules]


def test_the_worked_example_stands_alone_with_its_figures(samples):
    _, _, on, _ = samples
    d = on["C0007"]
    assert (d.total, d.raw_level, d.level, d.recommended_term_days, d.eligible_limit) == (87, "AA", "AA", 60, 480_000)
    assert d.group is None and codes(d) == [] and d.approval_route == "cfo_special" and d.exceeds_policy


def test_only_the_two_designed_groups_and_no_one_else(samples):
    r, rating, on, off = samples
    assert {g.name: g.members for g in rating.groups} == {
        "嘉禾集团": ("C0025", "C0033", "C0035"),
        "恒信控股(HX)": ("C0004", "C0005", "C0019", "C0026", "C0031", "C0034")}
    grouped = {m for g in rating.groups for m in g.members}
    assert {cid for cid, d in on.items() if d.group} == grouped
    # the group rules touch the members only: everyone else rates exactly as with both rules off
    assert {cid for cid in on if on[cid] != dataclasses.replace(off[cid], group=on[cid].group)} <= grouped
    written = {c.customer_id: c.group for c in r.customers}
    assert {written[c] for c in ("C0010", "C0022", "C0041")} == {"无", "独立"}  # words for none link nobody


def test_one_member_sued_caps_the_two_others_at_b(samples):
    _, _, on, off = samples
    sued = on["C0025"]
    assert [h.code for h in sued.overrides] == ["FORCE_C_LITIGATION"] and sued.customer.sued_by_suppliers
    for cid in ("C0033", "C0035"):
        alone, warned = off[cid], on[cid]
        assert LEVELS.index(alone.level) <= LEVELS.index("A"), (cid, alone.level)  # A or better on its own
        assert warned.level == "B" and "CAP_B_GROUP_WARNING" in codes(warned)
        hit = next(h for h in warned.caps if h.code == "CAP_B_GROUP_WARNING")
        assert hit.data["group"] == "嘉禾集团" and hit.data["members"] == ["C0025"]


def test_the_second_group_is_scaled_down_to_its_ceiling(samples):
    _, rating, on, off = samples
    g = next(g for g in rating.groups if g.name == "恒信控股(HX)")
    total = sum(d.eligible_limit for d in off.values())  # T: no warning changes a limit in the samples
    before = sum(off[m].eligible_limit for m in g.members)
    assert g.total_limit == total and g.eligible_limit_before == before
    assert before > 0.20 * total and g.reduced  # 730,000 of 2,606,000: 28 %
    ceiling = Fraction(total) / 5
    assert g.ceiling == ceiling
    scaled = [m for m in g.members if off[m].eligible_limit]
    assert scaled == ["C0026", "C0034"]
    for m in g.members:
        want = math.floor(off[m].eligible_limit * ceiling / before / 1000) * 1000
        assert on[m].eligible_limit == want < off[m].eligible_limit or on[m].eligible_limit == want == 0, m
        assert [h.code for h in on[m].limit_rules] == ["LIMIT_GROUP_CONCENTRATION"]
    assert sum(on[m].eligible_limit for m in g.members) <= ceiling < before
    assert all("group_limit" in on[m].exceeds for m in g.members)  # 5,000,000 requested


def test_the_second_group_is_linked_every_way(samples):
    r, rating, _, _ = samples
    g = next(g for g in rating.groups if g.name == "恒信控股(HX)")
    links = {(link.field, link.customers) for link in g.group.links}
    assert links == {("group", ("C0004", "C0005", "C0019", "C0034")), ("credit_code", ("C0005", "C0031")),
                     ("controller", ("C0004", "C0026"))}
    by_id = {c.customer_id: c for c in r.customers}
    written = {by_id[m].group for m in ("C0004", "C0005", "C0019", "C0034")}
    assert len(written) == 3 and {link_key(w) for w in written} == {"恒信控股(hx)"}  # full-width, spaces, small
    assert by_id["C0026"].group is None and by_id["C0031"].group is None
    assert by_id["C0031"].credit_code == by_id["C0005"].credit_code and by_id["C0005"].credit_code_valid
    same_code = [i for i in r.issues if i.problem.startswith("the same unified social credit code")]
    assert len(same_code) == 2  # a warning on both rows
