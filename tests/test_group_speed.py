"""The group rules at the benchmark's scale, without timing anything: find_groups normalises
each distinct writing once and gives what linking every pair of customers would give; the early
warning's short cut (a member already at or below the warning level keeps its term and limit)
and the cheap copy of a decision give exactly what deciding again and dataclasses.replace give."""

from __future__ import annotations

import dataclasses
import random

import pytest
from builders import customer, ledger, no_receipts
from test_groups import D, member, rules_as

import desktop.core.groups as groups_module
from desktop.core.credit_code import check_char
from desktop.core.groups import find_groups, link_key
from desktop.core.rating import _decided, _with, rate


def test_each_writing_is_normalised_once(monkeypatch):
    """A holding of 20,000 writing its name three ways and 10,000 others (a word for none, or a
    controller of their own): link_key runs once per distinct writing, not once per customer."""
    calls = []

    def counting(text):
        calls.append(text)
        return link_key(text)

    monkeypatch.setattr(groups_module, "link_key", counting)
    writings = ["ZL中联集团", "ＺＬ中联集团", "zl 中联集团"]
    people = [customer(f"{n:05d}", group=writings[n % 3]) for n in range(20_000)]
    people += [customer(f"X{n:05d}", group="无", controller=f"控制人{n}") for n in range(10_000)]
    found = find_groups(people)
    assert [(g.name, len(g.members)) for g in found] == [("ZL中联集团", 20_000)]
    assert sorted(calls) == sorted([*writings, "无", *(f"控制人{n}" for n in range(10_000))])


def _code(n: int) -> str:
    body = f"9131000{n:010d}"
    return body + check_char(body)


def _reference(people) -> list[tuple[tuple[str, ...], set]]:
    """Groups by linking every pair that shares a value, the slow obvious way."""
    def keys(c):
        return {("group", link_key(c.group)), ("controller", link_key(c.controller)),
                ("credit_code", c.credit_code.strip().upper() if c.credit_code and c.credit_code_valid else None)}

    own = [{k for k in keys(c) if k[1] is not None} for c in people]
    seen, out = set(), []
    for start in range(len(people)):
        if start in seen:
            continue
        comp, todo = {start}, [start]
        while todo:
            i = todo.pop()
            for j in range(len(people)):
                if j not in comp and own[i] & own[j]:
                    comp.add(j)
                    todo.append(j)
        seen |= comp
        if len(comp) > 1:
            links = {(f, tuple(people[j].customer_id for j in sorted(comp) if (f, v) in own[j]))
                     for j in comp for f, v in own[j]}
            out.append((tuple(people[j].customer_id for j in sorted(comp)), {k for k in links if len(k[1]) > 1}))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_groups_are_what_linking_every_pair_gives(seed):
    """Random sheets of 60 customers drawing 所属集团, credit codes (some invalid) and controllers
    from pools sparse enough that groups form apart and later links bridge them (a union that
    loses track of a merged root fails here), with words for none and other writings."""
    rng = random.Random(seed)
    names = [f"{k}集团" for k in range(8)] + ["ＡＢ集团", "ab 集团", "无", ""] + [None] * 8
    codes = [_code(k) for k in range(6)] + [_code(2).lower(), _code(3)[:-1] + "0"] + [None] * 10
    bosses = [f"控制人{k}" for k in range(6)] + [" 控制人1", "-"] + [None] * 12
    people = [customer(f"{n:03d}", group=rng.choice(names), credit_code=rng.choice(codes),
                       controller=rng.choice(bosses)) for n in range(60)]
    got = [(g.members, {(k.field, k.customers) for k in g.links}) for g in find_groups(people)]
    assert got == _reference(people)


def test_warning_short_cut_and_copy_equal_deciding_again(policy):
    """Members at AA (lowered to B: decided again), at B and at C by score (already at or below
    B: only the hit is added) of a group with a member sued by its suppliers: each is what
    deciding it again with the hit among its caps gives, with its group."""
    policy = rules_as(policy, concentration=False)
    people = [member("S", "FORCE_C_LITIGATION", group="甲集团"), member("AA", "AA", group="甲集团"),
              member("B", "B", group="甲集团"), member("C", "C_score", group="甲集团")]
    rating = rate([c for c, _ in people], ledger([r for _, rs in people for r in rs]), no_receipts(), policy, D)[0]
    got = {d.customer_id: d for d in rating.decisions}
    assert {k: (d.raw_level, d.level) for k, d in got.items()} == {
        "S": ("AA", "C"), "AA": ("AA", "B"), "B": ("B", "B"), "C": ("C", "C")}
    for cid in ("AA", "B", "C"):
        d = got[cid]
        assert [h.code for h in d.caps] == ["CAP_B_GROUP_WARNING"]
        again = _decided(d.customer, d.metrics, d.items, d.total, d.raw_level, d.overrides, d.caps, policy, D)
        assert dataclasses.replace(again, group=d.group) == d
        assert d.group is not None and d.group.members == ("S", "AA", "B", "C")


def test_copy_is_replace_and_refuses_what_is_not_a_field(policy):
    d = rate([member("A")[0]], ledger(member("A")[1]), no_receipts(), policy, D)[0].decisions[0]
    g = find_groups([customer("A", group="甲"), customer("B", group="甲")])[0]
    copied = _with(d, group=g, eligible_limit=1000)
    assert copied == dataclasses.replace(d, group=g, eligible_limit=1000)
    assert type(copied) is type(d) and d.group is None and d.eligible_limit != 1000  # the original stands
    with pytest.raises(dataclasses.FrozenInstanceError):
        copied.group = None
    with pytest.raises(TypeError, match="eligible_limt"):
        _with(d, eligible_limt=1000)


def test_the_basis_digest_hashes_a_groups_members_once_per_group(policy, monkeypatch):
    """The register seals every decision of a run with its basis digest, which covers the
    member's group: a holding of 20,000 must not hash its 20,000 IDs again for each member (that
    was 2.8 GB hashed, 15 ms a member). Counted in bytes given to SHA-256, not timed. The digest
    still follows the members: the same members give the same digest, one member more another."""
    import hashlib

    import desktop.core.forms as forms
    from desktop.core.groups import Group, GroupLink

    hashed = []

    class Counting:
        @staticmethod
        def sha256(data=b""):
            hashed.append(len(data))
            return hashlib.sha256(data)

    monkeypatch.setattr(forms, "hashlib", Counting)
    ids = tuple(f"C{n:06d}" for n in range(20_000))
    holding = Group("ZL中联集团", ids, (GroupLink("group", "ZL中联集团", ids),))
    d = rate([member("C000000")[0]], ledger(member("C000000")[1]), no_receipts(), policy, D)[0].decisions[0]
    alone = forms.basis_digest(d, D, None)
    one = hashed.pop()  # the bytes of one decision outside groups
    d = _with(d, group=holding)
    digests = {forms.basis_digest(d, D, None) for _ in ids}  # as register_rows does for every member
    assert len(digests) == 1 and alone not in digests
    assert sum(hashed) < len(ids) * (one + 200) + 10 * len("\x1f".join(ids)), "the members were hashed per member"
    same = Group("ZL中联集团", tuple(ids), holding.links)  # another run's group of the same members
    bigger = Group("ZL中联集团", (*ids, "C999999"), holding.links)
    assert forms.basis_digest(_with(d, group=same), D, None) in digests
    assert forms.basis_digest(_with(d, group=bigger), D, None) not in digests


def test_a_members_form_writes_only_the_names_it_shows(policy):
    """An application form cuts the group's members and forced members short (the first that fit,
    then how many in all): for a group of 20,000 with 2,000 forced to C it looks up only about as
    many members as could fit, not all 22,000 for each of the group's forms (113 ms a form)."""
    from collections import UserDict

    from desktop.core.forms import fact_values
    from desktop.core.groups import Group, GroupFigures, GroupLink
    from desktop.core.models import RuleHit
    from desktop.io.writers.forms import form_words
    from desktop.io.writers.labels import Labels

    d = rate([member("C000000")[0]], ledger(member("C000000")[1]), no_receipts(), policy, D)[0].decisions[0]
    ids = tuple(f"C{n:06d}" for n in range(20_000))
    holding = Group("ZL中联集团", ids, (GroupLink("group", "ZL中联集团", ids),))
    forced = ids[::10]
    figures = GroupFigures(holding, 1.0, 1.0, 0.0, 1000, 1000, 1000.0, None, 5000, "C", forced, False, False)
    sued = _with(d, overrides=(RuleHit("FORCE_C_LITIGATION", {}),))

    class Counting(UserDict):
        looked = 0

        def get(self, key, default=None):
            Counting.looked += 1
            return super().get(key, default)

    peers = Counting({cid: (sued if cid in set(forced[:300]) else d) for cid in ids[:3000]})
    facts = fact_values(_with(d, group=holding), D, form_words(Labels("zh")), figures, peers)
    assert Counting.looked < 400, f"{Counting.looked} members looked up for one form"
    assert facts["group_members"].startswith("C000000 ") and facts["group_members"].endswith("共 20,000 户")
    assert facts["group_forced_c"].startswith("C000000 ") and facts["group_forced_c"].endswith("共 2,000 户")
    assert "强制" in facts["group_forced_c"] or "起诉" in facts["group_forced_c"]
    assert facts["group_links"].endswith("共 20,000 户")
