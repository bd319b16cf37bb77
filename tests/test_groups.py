"""Groups and related parties (DOMAIN.md "Groups and related parties"), one table per promise:
who is linked to whom, the early warning, the total-amount control, both rules off giving the
results of before, the [rules.group] table of the policy file, and what the importer reads.

Every case builds its own small customers and ledgers. The profiles below are rated by the
default policy (each row of PROFILES says its score); with sales between 500,000 and 1,000,000
an "AA" customer's eligible limit is sales x 60/30 / 12 x 1.2 = sales / 5, rounded down to 1,000."""

from __future__ import annotations

import dataclasses
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import xlsxwriter
from builders import customer, ledger, no_receipts

from desktop.core.credit_code import check_char
from desktop.core.groups import find_groups, link_key
from desktop.core.models import Rating
from desktop.core.policy import GroupRules
from desktop.core.rating import decide, rate
from desktop.errors import PolicyError
from desktop.io.importer import import_files
from desktop.io.policy_file import parse_policy
from desktop.io.writers.labels import issue_text
from desktop.io.writers.summary_json import summary_dict
from desktop.paths import default_policy_path

D = date(2026, 6, 30)
TEXT = default_policy_path().read_text(encoding="utf-8")


def code(first17: str) -> str:
    """A valid unified social credit code with these first 17 characters."""
    return first17 + check_char(first17)


CODE_X, CODE_Y = code("91310000MA1FL0000"), code("91440300MA5G00001")
BAD_CODE = CODE_X[:-1] + ("0" if CODE_X[-1] != "0" else "1")

# name -> (customer fields, days every invoice is paid late); the score and level each gets
# with 500,000 of sales in the last twelve months (and as much in the year before).
PROFILES = {
    "AAA": ({"total_liabilities": 4000.0, "registered_capital": 5000.0, "current_assets": 6000.0}, 0),  # 90
    "AA": ({}, 0),  # 86
    "A": ({"operating_status": "fair"}, 5),  # 75
    "B": ({"operating_status": "fair"}, 20),  # 65
    "C_score": ({"operating_status": "fair", "total_liabilities": 9000.0, "registered_capital": 10.0}, 40),  # 49
    "cap_documents": ({"tax_registration": False}, 0),  # 84 AA, CAP_A_DOCUMENTS holds it at A
    "FORCE_C_TIMELINESS": ({}, 70),  # 61 B, forced to C
    "FORCE_C_OPERATING": ({"operating_status": "poor"}, 0),  # 71 A, forced to C
    "FORCE_C_REVENUE_DECLINE": ({"revenue_trend": "sustained_decline"}, 0),  # 86 AA, forced to C
    "FORCE_C_LITIGATION": ({"sued_by_suppliers": True}, 0),  # 86 AA, forced to C
}


def trade(cid: str, sales: int, late: int = 0) -> list[dict]:
    """Ledger rows: ``sales`` in the year before (on time) and again in the last twelve months
    in three invoices paid ``late`` days after their due date (four orders)."""
    rows = [{"customer_id": cid, "invoice_date": date(2025, 3, 1), "amount": float(sales),
             "due_date": date(2025, 5, 1), "paid_date": date(2025, 5, 1), "paid_amount": float(sales)}]
    third = sales // 3
    for day, amount in ((date(2025, 9, 1), third), (date(2025, 12, 1), third), (date(2026, 2, 1), sales - 2 * third)):
        due = day + timedelta(days=60)
        rows.append({"customer_id": cid, "invoice_date": day, "amount": float(amount), "due_date": due,
                     "paid_date": due + timedelta(days=late), "paid_amount": float(amount)})
    return rows


def member(cid: str, profile: str = "AA", sales: int = 500_000, **fields):
    """(customer, its ledger rows) of a profile; ``fields`` (group, requested_limit, ...) on top."""
    kw, late = PROFILES[profile]
    return customer(cid, **{**kw, **fields}), trade(cid, sales, late)


def rated(people, policy, step: int | None = None) -> Rating:
    """Rate ``people`` ((customer, rows) pairs) in one run, limits rounded down to ``step``."""
    if step is not None:
        policy = dataclasses.replace(policy, limit=dataclasses.replace(policy.limit, round_down_to=step))
    rows = [r for _, rs in people for r in rs]
    return rate([c for c, _ in people], ledger(rows), no_receipts(), policy, D)[0]


def run(people, policy, step: int | None = None) -> dict:
    """customer ID -> Decision of ``people`` rated in one run."""
    return {d.customer_id: d for d in rated(people, policy, step).decisions}


def rules_as(policy, **kw):
    return dataclasses.replace(policy, group=dataclasses.replace(policy.group, **kw))


def codes(d) -> list[str]:
    return [h.code for h in d.rules]


def test_profiles_rate_as_their_names_say(policy):
    """The tables below rely on these levels: if the default policy changes, this fails first."""
    got = run([member(name, name) for name in PROFILES], rules_as(policy, warning=False, concentration=False))
    assert {k: (d.total, d.raw_level, d.level) for k, d in got.items()} == {
        "AAA": (90, "AAA", "AAA"), "AA": (86, "AA", "AA"), "A": (75, "A", "A"), "B": (65, "B", "B"),
        "C_score": (49, "C", "C"), "cap_documents": (84, "AA", "A"), "FORCE_C_TIMELINESS": (61, "B", "C"),
        "FORCE_C_OPERATING": (71, "A", "C"), "FORCE_C_REVENUE_DECLINE": (86, "AA", "C"),
        "FORCE_C_LITIGATION": (86, "AA", "C")}
    assert {k: codes(d)[:1] for k, d in got.items() if k.startswith(("FORCE", "cap"))} == {
        "cap_documents": ["CAP_A_DOCUMENTS"], **{k: [k] for k in PROFILES if k.startswith("FORCE")}}


# ---------------------------------------------------------------------------------- linking
# Each customer: (ID, 所属集团, credit code, 实际控制人); expected: [(name, members, links)] with
# links as (field, value, customers).
def people(*rows) -> list:
    return [customer(cid, group=g, credit_code=cc, controller=ctl) for cid, g, cc, ctl in rows]


LINKING = [
    pytest.param(people(("A", "ABC集团", None, None), ("B", "ABC集团", None, None), ("C", None, None, None)),
                 [("ABC集团", ("A", "B"), [("group", "ABC集团", ("A", "B"))])], id="by-group-name"),
    pytest.param(people(("A", None, CODE_X, None), ("B", None, CODE_X, None)),
                 [(CODE_X, ("A", "B"), [("credit_code", CODE_X, ("A", "B"))])], id="by-credit-code-under-two-ids"),
    pytest.param(people(("A", None, CODE_X, None), ("B", None, CODE_X.lower(), None)),
                 [(CODE_X, ("A", "B"), [("credit_code", CODE_X, ("A", "B"))])], id="credit-code-capitals"),
    pytest.param(people(("A", None, None, "张三"), ("B", None, None, " 张三 ")),
                 [("张三", ("A", "B"), [("controller", "张三", ("A", "B"))])], id="by-controller"),
    pytest.param(people(("A", "ABC集团", None, None), ("B", "ABC集团", CODE_X, None), ("C", None, CODE_X, None)),
                 [("ABC集团", ("A", "B", "C"), [("group", "ABC集团", ("A", "B")),
                                              ("credit_code", CODE_X, ("B", "C"))])], id="transitive-name-then-code"),
    pytest.param(people(("A", "甲集团", None, None), ("B", None, CODE_X, "李四"), ("C", "甲集团", CODE_X, None),
                        ("D", None, None, "李四")),
                 [("甲集团", ("A", "B", "C", "D"), [("group", "甲集团", ("A", "C")), ("credit_code", CODE_X, ("B", "C")),
                                                 ("controller", "李四", ("B", "D"))])], id="transitive-all-three-fields"),
    pytest.param(people(("A", "ＡＢＣ集团", None, None), ("B", "ABC集团", None, None)),
                 [("ＡＢＣ集团", ("A", "B"), [("group", "ＡＢＣ集团", ("A", "B"))])], id="full-width-tie-first-written"),
    pytest.param(people(("A", "ABC集团", None, None), ("B", "ＡＢＣ集团", None, None), ("C", "ＡＢＣ集团", None, None)),
                 [("ＡＢＣ集团", ("A", "B", "C"), [("group", "ＡＢＣ集团", ("A", "B", "C"))])], id="most-frequent-writing"),
    pytest.param(people(("A", " ABC集团 ", None, None), ("B", "ABC 集团", None, None), ("C", "ABC\u3000集团", None, None),
                        ("D", "abc集团", None, None), ("E", "Ａｂｃ　集团", None, None)),
                 [("ABC集团", ("A", "B", "C", "D", "E"), [("group", "ABC集团", ("A", "B", "C", "D", "E"))])],
                 id="spaces-ideographic-space-capitals"),
    pytest.param(people(("A", "ABC\u200b集团", None, None), ("B", "\ufeffABC集团", None, None)),
                 [("ABC集团", ("A", "B"), [("group", "ABC集团", ("A", "B"))])], id="zero-width-characters"),
    pytest.param(people(("A", "ABC集团", None, None), ("B", "ABD集团", None, None)), [], id="different-names"),
    pytest.param(people(("A", None, BAD_CODE, None), ("B", None, BAD_CODE, None)), [], id="invalid-code-links-nobody"),
    pytest.param(people(("A", "ABC集团", None, None), ("B", None, None, None)), [], id="lone-member-is-no-group"),
    pytest.param(people(("A", None, CODE_X, "王五"), ("B", None, CODE_X, "王五")),
                 [(CODE_X, ("A", "B"), [("credit_code", CODE_X, ("A", "B")), ("controller", "王五", ("A", "B"))])],
                 id="no-group-name-named-by-code"),
    pytest.param(people(("A", "甲集团", CODE_X, None), ("B", "乙集团", CODE_X, None)),
                 [("甲集团", ("A", "B"), [("credit_code", CODE_X, ("A", "B"))])], id="two-names-one-each-first-written"),
    pytest.param(people(("C3", "ABC集团", None, None), ("X", None, None, None), ("C1", "ABC集团", None, None),
                        ("C2", "abc集团", None, None)),
                 [("ABC集团", ("C3", "C1", "C2"), [("group", "ABC集团", ("C3", "C1", "C2"))])], id="members-in-sheet-order"),
    pytest.param(people(("A", "甲集团", None, None), ("P", None, CODE_X, None), ("B", "甲集团", None, None),
                        ("Q", None, CODE_X, None), ("R", None, CODE_Y, None)),
                 [("甲集团", ("A", "B"), [("group", "甲集团", ("A", "B"))]),
                  (CODE_X, ("P", "Q"), [("credit_code", CODE_X, ("P", "Q"))])], id="two-groups-stay-separate"),
]


@pytest.mark.parametrize("customers,expected", LINKING)
def test_linking(customers, expected):
    got = [(g.name, g.members, [(k.field, k.value, k.customers) for k in g.links]) for g in find_groups(customers)]
    assert got == expected


@pytest.mark.parametrize("none", ["", "   ", "\u3000", "无", " 无 ", "-", "－", "--", "—", "/", "／", "N/A", "n/a",
                                  "Ｎ／Ａ", "NA", "None", "null", "暂无", "不适用"])
def test_words_for_none_link_nobody(none):
    same = people(("A", none, None, none), ("B", none, None, none), ("C", None, None, None))
    assert link_key(none) is None
    assert find_groups(same) == []


@pytest.mark.parametrize("a,b,same", [
    ("ABC集团", "ＡＢＣ集团", True), ("ABC集团", " abc 集团\u3000", True), ("中建三局", "中建 三局", True),
    ("中建三局", "中建四局", False), ("无锡集团", "锡集团", False), ("A-B集团", "AB集团", False)])
def test_link_key(a, b, same):
    assert (link_key(a) == link_key(b)) is same


# ---------------------------------------------------------------------------- early warning
# A group "G" of (ID, profile) members and one customer outside it ("OUT", AA, with the same
# controller as nobody). expected: ID -> (level, members listed by its CAP_B_GROUP_WARNING or None).
WARNING = [
    *[pytest.param([("F", rule), ("M", "AA")], {"F": ("C", None), "M": ("B", ["F"]), "OUT": ("AA", None)},
                   id=f"fires-on-{rule}") for rule in PROFILES if rule.startswith("FORCE_C")],
    pytest.param([("K", "cap_documents"), ("M", "AA")], {"K": ("A", None), "M": ("AA", None), "OUT": ("AA", None)},
                 id="not-on-a-cap"),
    pytest.param([("S", "C_score"), ("M", "AA")], {"S": ("C", None), "M": ("AA", None), "OUT": ("AA", None)},
                 id="not-on-c-by-score"),
    pytest.param([("F", "FORCE_C_LITIGATION"), ("M1", "AAA"), ("M2", "AA"), ("M3", "A"), ("M4", "B"), ("S", "C_score"),
                  ("K", "cap_documents")],
                 {"F": ("C", None), "M1": ("B", ["F"]), "M2": ("B", ["F"]), "M3": ("B", ["F"]), "M4": ("B", ["F"]),
                  "S": ("C", ["F"]), "K": ("B", ["F"]), "OUT": ("AA", None)}, id="every-level-capped-at-b-or-below"),
    pytest.param([("F1", "FORCE_C_LITIGATION"), ("M", "AA"), ("F2", "FORCE_C_OPERATING")],
                 {"F1": ("C", None), "M": ("B", ["F1", "F2"]), "F2": ("C", None), "OUT": ("AA", None)},
                 id="two-forced-neither-carries-it"),
]


@pytest.mark.parametrize("members,expected", WARNING)
def test_early_warning(policy, members, expected):
    group = [member(cid, profile, group="G集团") for cid, profile in members]
    got = run([*group, member("OUT")], rules_as(policy, concentration=False))
    warned = {cid: next((h.data for h in d.caps if h.code == "CAP_B_GROUP_WARNING"), None) for cid, d in got.items()}
    assert {cid: (d.level, warned[cid] and warned[cid]["members"]) for cid, d in got.items()} == expected
    names = {cid: d.customer.name for cid, d in got.items()}
    assert all(w == {"group": "G集团", "members": w["members"], "names": [names[f] for f in w["members"]], "level": "B"}
               for w in warned.values() if w)
    assert got["OUT"].group is None and all(got[cid].group.members == tuple(c for c, _ in members) for cid, _ in members)


# The level the warning leaves decides everything after it: (profile, term, limit, next review,
# term rules) of a member of a group whose other member is sued by its suppliers.
AFTER_WARNING = [
    pytest.param("AAA", "B", 30, 33_000, date(2026, 9, 30), [], id="aaa-becomes-b"),
    pytest.param("AA", "B", 30, 33_000, date(2026, 9, 30), [], id="aa-becomes-b"),
    pytest.param("B", "B", 30, 33_000, date(2026, 9, 30), [], id="b-keeps-b"),
    pytest.param("C_score", "C", 0, 0, date(2026, 7, 30), [], id="c-keeps-c"),
    pytest.param("cap_documents", "B", 0, 0, date(2026, 9, 30), ["TERM_DOCUMENTS_INCOMPLETE"], id="capped-a-to-b"),
]


@pytest.mark.parametrize("profile,level,term,limit,review,term_rules", AFTER_WARNING)
def test_term_limit_and_review_follow_the_warned_level(policy, profile, level, term, limit, review, term_rules):
    d = run([member("F", "FORCE_C_LITIGATION", group="G"), member("M", profile, group="G")],
            rules_as(policy, concentration=False))["M"]
    # 500,000 / 12 x 30/30 x 0.8 = 33,333 -> 33,000; B reviews in 3 months, C in 1
    assert (d.level, d.recommended_term_days, d.eligible_limit, d.next_review) == (level, term, limit, review)
    assert [h.code for h in d.term_rules] == term_rules
    assert d.approval_route == ("none" if term == 0 else "sales_manager") and not d.exceeds_policy
    assert "CAP_B_GROUP_WARNING" in [h.code for h in d.caps]


# [rules.group] as written -> the levels of an AAA, AA, A and B member next to a
# member sued by its suppliers, and whether they carry the rule.
WARNING_POLICY = [
    pytest.param("concentration = false", {"AAA": "B", "AA": "B", "A": "B", "B": "B"}, True, id="default-b"),
    pytest.param("warning = false\nconcentration = false", {"AAA": "AAA", "AA": "AA", "A": "A", "B": "B"}, False,
                 id="warning-off"),
    pytest.param('warning_level = "A"\nconcentration = false', {"AAA": "A", "AA": "A", "A": "A", "B": "B"}, True,
                 id="warning-level-a"),
    pytest.param('warning_level = "C"\nconcentration = false', {"AAA": "C", "AA": "C", "A": "C", "B": "C"}, True,
                 id="warning-level-c"),
]


@pytest.mark.parametrize("group_rules,levels,carried", WARNING_POLICY)
def test_warning_switch_and_level_from_the_policy_file(group_rules, levels, carried):
    p = parse_policy(policy_text(group_rules).encode("utf-8"), "p.toml")
    got = run([member("F", "FORCE_C_LITIGATION", group="G"), *[member(lv, lv, group="G") for lv in levels]], p)
    assert {lv: got[lv].level for lv in levels} == levels
    assert {lv: "CAP_B_GROUP_WARNING" in codes(got[lv]) for lv in levels} == dict.fromkeys(levels, carried)
    assert got["F"].level == "C" and "CAP_B_GROUP_WARNING" not in codes(got["F"])


def test_no_cascade_members_warned_down_to_c_trigger_nothing(policy):
    """Warned down to C (warning_level C), a member is not forced: it triggers no warning, its
    group's forced members stay the one sued, and a customer outside stays as it was."""
    rating = rated([member("F", "FORCE_C_LITIGATION", group="G"), member("M", "AA", group="G"), member("OUT", "AA")],
                   rules_as(policy, warning_level="C", concentration=False))
    got = {d.customer_id: d for d in rating.decisions}
    assert got["M"].level == "C" and got["M"].overrides == ()
    assert [h.data["members"] for h in got["M"].caps if h.code == "CAP_B_GROUP_WARNING"] == [["F"]]
    assert codes(got["F"]) == ["FORCE_C_LITIGATION"] and codes(got["OUT"]) == []
    assert [g.forced_c for g in rating.groups] == [("F",)]


def test_two_groups_named_alike_keep_their_own_forced_members(policy):
    """A group linked by 实际控制人 张三 and another whose 所属集团 is 张三 are two groups with one
    name; each group's figures list its own forced member, and the warning reaches only its own."""
    rating = rated([member("A1", "FORCE_C_LITIGATION", controller="张三"), member("A2", controller="张三"),
                    member("B1", group="张三"), member("B2", group="张三")], rules_as(policy, concentration=False))
    got = {d.customer_id: d for d in rating.decisions}
    assert [(g.members, g.forced_c, g.worst_level) for g in rating.groups] == [
        (("A1", "A2"), ("A1",), "C"), (("B1", "B2"), (), "AA")]
    assert (got["A2"].level, got["B1"].level, got["B2"].level) == ("B", "AA", "AA")


# ------------------------------------------------------------------------ total-amount control
# The group's members' sales (each an AA customer: limit = sales / 5, rounded down to the step),
# the others' sales, the share, the step; expected: the members' limits after the rule and the
# group's S, T and ceiling, all worked out by hand.
CONCENTRATION = [
    pytest.param([500_000, 500_000], [500_000] * 8, 0.20, 1000, [100_000, 100_000], (200_000, 1_000_000, 200_000),
                 False, id="exactly-20-percent-no-reduction"),
    pytest.param([500_000, 500_000], [500_000] * 8, 0.20, 1, [100_000, 100_000], (200_000, 1_000_000, 200_000),
                 False, id="exactly-20-percent-step-1"),
    # S = 100,001 + 100,000 = 200,001; T = 200,001 + 7 x 100,000 + 99,999 = 1,000,000: ceiling 200,000.
    # 100,001 x 200,000 / 200,001 = 100,000.5 -> 100,000; 100,000 x 200,000 / 200,001 = 99,999.5 -> 99,999
    pytest.param([500_005, 500_000], [500_000] * 7 + [499_995], 0.20, 1, [100_000, 99_999],
                 (200_001, 1_000_000, 200_000), True, id="one-yuan-over-reduced"),
    # S = 300,000 + 200,000 + 100,000 = 600,000; T = 1,600,000: ceiling 320,000; x 320/600:
    # 160,000; 106,666.7 -> 106,000; 53,333.3 -> 53,000
    pytest.param([1_500_000, 1_000_000, 500_000], [500_000] * 10, 0.20, 1000, [160_000, 106_000, 53_000],
                 (600_000, 1_600_000, 320_000), True, id="proportional-rounded-down-to-1000"),
    # S = 3 x 300,000 = 900,000; T = 1,400,000. 20 %: 280,000, 300,000 x 280/900 = 93,333 -> 93,000
    pytest.param([1_500_000] * 3, [500_000] * 5, 0.20, 1000, [93_000] * 3, (900_000, 1_400_000, 280_000), True,
                 id="share-20"),
    # 50 %: 700,000, 300,000 x 700/900 = 233,333 -> 233,000
    pytest.param([1_500_000] * 3, [500_000] * 5, 0.5, 1000, [233_000] * 3, (900_000, 1_400_000, 700_000), True,
                 id="share-50"),
    pytest.param([1_500_000] * 3, [], 1.0, 1000, [300_000] * 3, (900_000, 900_000, 900_000), False,
                 id="share-100-a-group-alone"),
    pytest.param([1_500_000] * 3, [], 0.20, 1000, [60_000] * 3, (900_000, 900_000, 180_000), True,
                 id="share-20-a-group-alone"),
    # 0.3333 x 900,000 = 299,970; 300,000 x 299,970 / 900,000 = 99,990 -> 99,000
    pytest.param([1_500_000] * 3, [], 0.3333, 1000, [99_000] * 3, (900_000, 900_000, 299_970), True,
                 id="share-with-four-decimals"),
]


@pytest.mark.parametrize("group_sales,other_sales,share,step,limits,figures,reduced", CONCENTRATION)
def test_total_amount_control(policy, group_sales, other_sales, share, step, limits, figures, reduced):
    people_ = [member(f"G{n}", sales=s, group="大集团") for n, s in enumerate(group_sales, 1)]
    people_ += [member(f"O{n}", sales=s) for n, s in enumerate(other_sales, 1)]
    p = rules_as(policy, concentration_share=share)
    got = run(people_, p, step=step)
    members = [got[f"G{n}"] for n in range(1, len(group_sales) + 1)]
    assert [d.eligible_limit for d in members] == limits
    before = [s // 5 // step * step for s in group_sales]
    assert [d.limit_before_rules for d in members] == before
    hits = [[h.data for h in d.limit_rules] for d in members]
    s, t, ceiling = figures
    assert hits == ([[{"group": "大集团", "group_total": s, "total": t, "share": share, "ceiling": ceiling,
                       "limit_before": b}] for b in before] if reduced else [[]] * len(members))
    assert all(d.limit_rules == () and d.eligible_limit == s_ // 5 // step * step
               for d, s_ in zip((got[f"O{n}"] for n in range(1, len(other_sales) + 1)), other_sales))
    assert all(d.requested_limit == d.eligible_limit and not d.exceeds_policy for d in members)


def test_total_is_taken_after_the_warning(policy):
    """T counts every limit after the early warning: the sued member's 0 and the warned members'
    B limits (33,000 each), so T = 0 + 33,000 + 33,000 + 2 x 100,000 = 266,000, the ceiling 53,200,
    S = 66,000 and each warned member 33,000 x 53,200 / 66,000 = 26,600 -> 26,000."""
    got = run([member("F", "FORCE_C_LITIGATION", group="G"), member("M1", group="G"), member("M2", group="G"),
               member("O1"), member("O2")], policy)
    assert [(got[k].level, got[k].eligible_limit, got[k].limit_before_rules) for k in ("F", "M1", "M2")] == [
        ("C", 0, 0), ("B", 26_000, 33_000), ("B", 26_000, 33_000)]
    data = got["M1"].limit_rules[0].data
    assert (data["group_total"], data["total"], data["ceiling"]) == (66_000, 266_000, 53_200)
    assert codes(got["M1"]) == ["CAP_B_GROUP_WARNING", "LIMIT_GROUP_CONCENTRATION"]
    assert got["M1"].rules == got["M1"].caps + got["M1"].limit_rules


# A group of AA members and eight others of 100,000 each. requests: each member's requested limit
# (None: none asked); expected: each member's exceeds.
REQUESTS = [
    # limits 100,000 + 100,000, T 1,000,000, ceiling 200,000 (no reduction)
    pytest.param([500_000, 500_000], [150_000, 50_000], [("limit",), ()], id="requests-exactly-at-the-ceiling"),
    pytest.param([500_000, 500_000], [150_000, 50_000.01], [("limit", "group_limit"), ("group_limit",)],
                 id="one-fen-over-the-ceiling"),
    pytest.param([500_000, 500_000], [None, 100_000.01], [("group_limit",), ("limit", "group_limit")],
                 id="no-request-counts-its-limit"),
    pytest.param([500_000, 500_000], [None, None], [(), ()], id="no-requests-at-all"),
    # reduced to 160,000, 106,000, 53,000 (ceiling 320,000): the ones without a request count with these
    pytest.param([1_500_000, 1_000_000, 500_000], [None, None, 54_000], [(), (), ("limit",)],
                 id="after-reduction-at-the-ceiling"),
    pytest.param([1_500_000, 1_000_000, 500_000], [None, None, 54_001], [("group_limit",)] * 2 + [("limit", "group_limit")],
                 id="after-reduction-one-yuan-over"),
]


@pytest.mark.parametrize("group_sales,requests,exceeds", REQUESTS)
def test_group_requests_above_the_ceiling_exceed_policy(policy, group_sales, requests, exceeds):
    others = 10 if len(group_sales) == 3 else 8
    got = run([*(member(f"G{n}", sales=s, group="G", requested_limit=r)
                 for n, (s, r) in enumerate(zip(group_sales, requests), 1)),
               *(member(f"O{n}") for n in range(others))], policy)
    members = [got[f"G{n}"] for n in range(1, len(group_sales) + 1)]
    assert [d.exceeds for d in members] == exceeds
    assert [d.exceeds_policy for d in members] == [bool(e) for e in exceeds]
    assert [d.requested_limit for d in members] == [float(d.eligible_limit) if r is None else r
                                                   for d, r in zip(members, requests)]


def test_concentration_off_changes_no_limit_and_marks_no_request(policy):
    people_ = [member("G1", sales=1_500_000, group="G", requested_limit=900_000.0), member("G2", sales=1_500_000, group="G")]
    got = run(people_, rules_as(policy, concentration=False))
    assert [(d.eligible_limit, d.limit_rules, d.exceeds) for d in got.values()] == [
        (300_000, (), ("limit",)), (300_000, (), ())]


# ------------------------------------------------------------------------- both rules off
def mixed_portfolio():
    """Groups by name, by code and by controller with forced, capped and C members, requests
    above the ceiling, and customers outside any group."""
    return [
        member("P1", "FORCE_C_LITIGATION", group="甲集团"), member("P2", "AAA", group="甲集团", requested_limit=500_000.0),
        member("P3", "AA", sales=900_000, group="ＪＪ集团"), member("P4", "cap_documents", credit_code=CODE_X),
        member("P5", "B", group="甲 集团", credit_code=CODE_X), member("P6", "FORCE_C_TIMELINESS", controller="钱七"),
        member("P7", "AA", sales=1_900_000, controller="钱七", requested_limit=2_000_000.0),
        member("P8", "A", group="jj集团"), member("P9", "C_score"), member("P10", "AA", group="无"),
        member("P11", "FORCE_C_REVENUE_DECLINE"), member("P12", "AA", sales=700_000, requested_limit=1.0),
    ]


def test_both_rules_off_give_todays_results_exactly(policy):
    off = rules_as(policy, warning=False, concentration=False)
    portfolio = mixed_portfolio()
    together = run(portfolio, off)
    alone = {c.customer_id: run([(c, rows)], off)[c.customer_id] for c, rows in portfolio}
    # every field of every decision, the group apart, is what the customer gets on its own
    assert {k: dataclasses.replace(d, group=None) for k, d in together.items()} == alone
    assert all(d == decide(d.customer, d.metrics, off, D) for d in alone.values())
    assert {k for k, d in together.items() if d.group} == {"P1", "P2", "P4", "P5", "P3", "P8", "P6", "P7"}
    # and the same portfolio with the rules on is not today's: both rules act on it
    on = run(portfolio, policy)
    assert {k for k, d in on.items() if "CAP_B_GROUP_WARNING" in codes(d)} == {"P2", "P4", "P5", "P7"}
    assert {k for k, d in on.items() if d.limit_rules or "group_limit" in d.exceeds} != set()


TODAYS_CUSTOMER_KEYS = {"customer_id", "name", "score", "items", "raw_level", "level", "overrides", "caps",
                        "term_rules", "recommended_term_days", "eligible_limit", "requested_term_days",
                        "requested_limit", "approval_route", "exceeds_policy", "next_review", "metrics"}
NEW_CUSTOMER_KEYS = {"group", "limit_rules", "rule_data"}


def test_both_rules_off_give_todays_json_apart_from_the_new_keys(policy):
    off = rules_as(policy, warning=False, concentration=False)
    portfolio = mixed_portfolio()
    rows = [r for _, rs in portfolio for r in rs]
    rating, _ = rate([c for c, _ in portfolio], ledger(rows), no_receipts(), off, D)
    alone = Rating(as_of=D, decisions=tuple(run([(c, rs)], off)[c.customer_id] for c, rs in portfolio))
    got, today = summary_dict(rating, off, []), summary_dict(alone, off, [])
    assert set(got) - set(today) == set() and len(got["groups"]) == 3 and today["groups"] == []
    for doc in (got, today):
        doc.pop("groups")
        for cust in doc["customers"]:
            assert set(cust) == TODAYS_CUSTOMER_KEYS | NEW_CUSTOMER_KEYS
            for k in NEW_CUSTOMER_KEYS:
                cust.pop(k)
    assert got == today


# ------------------------------------------------------------------------------ policy file
def policy_text(group_table: str | None) -> str:
    """The default policy with its [rules.group] table replaced (None: removed)."""
    block = re.search(r"(?:#[^\n]*\n)*\[rules\.group\]\n(?:.*\n)*?\n", TEXT)
    return TEXT.replace(block.group(0), "" if group_table is None else f"[rules.group]\n{group_table}\n")


@pytest.mark.parametrize("table,expected", [
    pytest.param(None, GroupRules(True, "B", True, 0.20), id="absent-gives-defaults"),
    pytest.param("", GroupRules(True, "B", True, 0.20), id="empty-gives-defaults"),
    pytest.param("warning = false", GroupRules(False, "B", True, 0.20), id="warning-off"),
    pytest.param("concentration = false\nconcentration_share = 0.5", GroupRules(True, "B", False, 0.5), id="share"),
    pytest.param("concentration_share = 1", GroupRules(True, "B", True, 1.0), id="share-whole-one"),
    pytest.param('warning_level = "A"', GroupRules(True, "A", True, 0.20), id="level-a"),
])
def test_group_table_read(table, expected):
    assert parse_policy(policy_text(table).encode("utf-8"), "p.toml").group == expected


@pytest.mark.parametrize("table,path,words", [
    pytest.param('warning = "yes"', "rules.group.warning", "yes", id="warning-text"),
    pytest.param("warning = 1", "rules.group.warning", "1", id="warning-number"),
    pytest.param("concentration = 0", "rules.group.concentration", "0", id="concentration-number"),
    pytest.param("warning_level = 2", "rules.group.warning_level", "2", id="level-number"),
    pytest.param('warning_level = "D"', "rules.group.warning_level", "D", id="level-unknown"),
    pytest.param('warning_level = "b"', "rules.group.warning_level", "b", id="level-lower-case"),
    pytest.param("concentration_share = 0", "rules.group.concentration_share", "0", id="share-0"),
    pytest.param("concentration_share = 1.5", "rules.group.concentration_share", "1.5", id="share-1.5"),
    pytest.param('concentration_share = "20%"', "rules.group.concentration_share", "20%", id="share-percent-text"),
    pytest.param("concentration_share = 20", "rules.group.concentration_share", "20", id="share-as-percent"),
    pytest.param("concentration_share = true", "rules.group.concentration_share", "true", id="share-bool"),
    pytest.param("concentration_share = nan", "rules.group.concentration_share", "nan", id="share-nan"),
    pytest.param("concentration_share = 0.12345", "rules.group.concentration_share", "0.12345", id="share-5-decimals"),
    pytest.param("share = 0.2", "rules.group.share", "concentration_share", id="unknown-key"),
])
def test_group_table_refused_with_the_key_path(table, path, words):
    text = policy_text(table)
    with pytest.raises(PolicyError) as exc:
        parse_policy(text.encode("utf-8"), "p.toml")
    ((got_path, line, message),) = exc.value.problems
    assert got_path == path and words.lower() in message.lower()
    assert line == next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith(path.rsplit(".", 1)[1]))


def test_group_table_not_a_table():
    text = TEXT.replace("[rules.force_c]", "[rules]\ngroup = 5\n\n[rules.force_c]")
    text = re.sub(r"(?:#[^\n]*\n)*\[rules\.group\]\n(?:.*\n)*?\n", "", text)
    with pytest.raises(PolicyError) as exc:
        parse_policy(text.encode("utf-8"), "p.toml")
    assert [p[0] for p in exc.value.problems] == ["rules.group"]


@pytest.mark.parametrize("table,expected", [
    pytest.param("", "中", id="no-b-level-above-the-worst"),
    pytest.param('warning_level = "甲"', "甲", id="no-b-level-written"),
])
def test_levels_without_b(table, expected):
    """Levels named 优, 良, 中, 差: the warning holds at the level above the worst unless written."""
    text = policy_text(table)
    for old, new in (("AAA", "优"), ("AA", "良"), ("A", "甲"), ("B", "中"), ("C", "差")):
        text = re.sub(rf'^(level = "){old}"', rf'\g<1>{new}"', text, flags=re.M)  # [[levels]], [rules.cap]
        text = re.sub(rf'([{{,] ){old} = ', rf'\g<1>"{new}" = ', text)  # base_days, factors, months
    p = parse_policy(text.encode("utf-8"), "p.toml")
    assert [lv.level for lv in p.levels] == ["优", "良", "甲", "中", "差"]
    assert p.group.warning_level == expected
    got = run([member("F", "FORCE_C_LITIGATION", group="G"), member("M", "AA", group="G")],
              rules_as(p, concentration=False))
    assert (got["F"].level, got["M"].level) == ("差", expected)


# --------------------------------------------------------------------------------- importer
def xlsx(path: Path, rows: list[list]) -> Path:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("客户")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, v) if isinstance(v, str) else ws.write(r, c, v)
    wb.close()
    return path


@pytest.mark.parametrize("header", ["实际控制人", "实控人", "最终控制人", "Actual Controller"])
def test_controller_column_read(tmp_path, header):
    p = xlsx(tmp_path / "客户.xlsx", [["客户编号", "客户名称", header], ["C1", "甲", " 张三 "], ["C2", "乙", "张三"],
                                    ["C3", "丙", None], ["C4", "丁", "=HYPERLINK(\"x\")"]])
    r = import_files([p])
    assert [(c.customer_id, c.controller) for c in r.customers] == [
        ("C1", "张三"), ("C2", "张三"), ("C3", None), ("C4", '=HYPERLINK("x")')]
    assert [(g.name, g.members) for g in find_groups(r.customers)] == [("张三", ("C1", "C2"))]


def test_one_credit_code_under_two_ids_warns_on_both_rows_and_rates_both(tmp_path, policy):
    p = xlsx(tmp_path / "客户.xlsx", [
        ["客户编号", "客户名称", "所属集团", "统一社会信用代码"],
        ["C1", "甲", None, CODE_X], ["C2", "乙", None, CODE_Y], ["C3", "甲（华东）", None, CODE_X.lower()],
        ["C4", "丙", None, BAD_CODE], ["C5", "丁", None, BAD_CODE]])
    r = import_files([p])
    same = [i for i in r.issues if "same unified social credit code" in i.problem]
    assert [(i.row, i.column, i.value, i.problem, i.action, i.severity) for i in same] == [
        (2, "D 统一社会信用代码", CODE_X, "the same unified social credit code as customer C3",
         "both rated, as members of one group", "warning"),
        (4, "D 统一社会信用代码", CODE_X, "the same unified social credit code as customer C1",
         "both rated, as members of one group", "warning")]
    assert [(issue_text(i.problem, "zh"), issue_text(i.action, "zh")) for i in same] == [
        ("统一社会信用代码与客户 C3 相同", "均参与评级，并视为同一集团的成员"),
        ("统一社会信用代码与客户 C1 相同", "均参与评级，并视为同一集团的成员")]
    rating, _ = rate(r.customers, r.ledger, r.receipts, policy, D)
    assert [d.customer_id for d in rating.decisions] == ["C1", "C2", "C3", "C4", "C5"]
    assert [(g.name, g.members) for g in rating.groups] == [(CODE_X, ("C1", "C3"))]


def test_three_ids_with_one_code_each_name_the_other_two(tmp_path):
    p = xlsx(tmp_path / "客户.xlsx", [["客户编号", "客户名称", "统一社会信用代码"], ["C1", "甲", CODE_X],
                                    ["C2", "乙", CODE_X], ["C3", "丙", CODE_X]])
    same = [i for i in import_files([p]).issues if "same unified social credit code" in i.problem]
    assert [(i.row, issue_text(i.problem, "zh")) for i in same] == [
        (2, "统一社会信用代码与客户 C2, C3 相同"), (3, "统一社会信用代码与客户 C1, C3 相同"),
        (4, "统一社会信用代码与客户 C1, C2 相同")]


def test_same_code_in_two_files_of_one_name_points_at_each_files_own_column(tmp_path):
    """Two customer files both called 客户.xlsx (from two folders), the code in column C of one
    and column E of the other: each warning names its own file's column."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = xlsx(tmp_path / "a" / "客户.xlsx", [["客户编号", "客户名称", "统一社会信用代码"], ["C1", "甲", CODE_X]])
    b = xlsx(tmp_path / "b" / "客户.xlsx", [["客户编号", "客户名称", "业务员", "所属集团", "统一社会信用代码"],
                                           ["C2", "乙", "小王", None, CODE_X]])
    r = import_files([a, b])
    same = [i for i in r.issues if "same unified social credit code" in i.problem]
    assert [(i.row, i.column, i.problem) for i in same] == [
        (2, "C 统一社会信用代码", "the same unified social credit code as customer C2"),
        (2, "E 统一社会信用代码", "the same unified social credit code as customer C1")]


def test_no_english_left_in_the_chinese_group_issues():
    for text in ("the same unified social credit code as customer C0007, C0123",
                 "both rated, as members of one group"):
        zh = issue_text(text, "zh")
        assert not re.search(r"[A-Za-z]{2,}", re.sub(r"C\d+", "", zh)), zh


@pytest.mark.parametrize("size", [500, 501])
def test_json_lists_a_group_on_each_member_up_to_500_and_above_that_once_in_groups(policy, size):
    """Each member's "group" names its group, its size and its place in "groups"; up to 500 members
    it also lists the members and links, above that they are in "groups" only (on every member
    they would grow the file with the square of the group's size)."""
    people = [member(f"M{n:04d}", "A", group="大集团") for n in range(size)] + [member("X1", "A")]
    out = summary_dict(rated(people, policy), policy, [])
    by_id = {c["customer_id"]: c for c in out["customers"]}
    assert by_id["X1"]["group"] is None
    first = by_id["M0000"]["group"]
    assert (first["name"], first["size"], first["index"]) == ("大集团", size, 0)
    assert out["groups"][0]["members"] == [f"M{n:04d}" for n in range(size)]
    if size <= 500:
        assert first["members"] == out["groups"][0]["members"] and first["links"] == out["groups"][0]["links"]
    else:
        assert first["members"] is None and first["links"] is None
