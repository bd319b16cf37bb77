"""The group feature against hostile files and careless clerks (issue 21, DOMAIN.md "Groups and
related parties"): values shared by thousands of rows, group and controller names that are
formulas, wildcards, numbers, invisible or "same as above", and what reaches the outputs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import xlsxwriter
from builders import customer
from test_groups import CODE_X

from desktop.core.groups import find_groups, link_key
from desktop.io.importer import import_files
from desktop.io.writers.labels import issue_text


def sheet(path: Path, header: list[str], rows: list[list]) -> Path:
    wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet("客户")
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row):
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def issues_like(result, words: str) -> list:
    return [i for i in result.issues if words in i.problem]


# ------------------------------------------------------------ one value on thousands of rows
def test_a_credit_code_on_a_thousand_ids_names_five_others_and_counts_the_rest(tmp_path):
    """A clerk pasted the company's own credit code down the column: each row's warning named
    every other ID (999 on each of 1,000 rows; 20,000 rows took 881 s, 13 GB and a 3.2 GB JSON)."""
    n = 1000
    p = sheet(tmp_path / "客户.xlsx", ["客户编号", "客户名称", "统一社会信用代码"],
              [[f"C{k:04d}", f"客户{k}", CODE_X] for k in range(n)])
    r = import_files([p])
    same = issues_like(r, "same unified social credit code")
    assert len(same) == n
    assert same[0].problem == "the same unified social credit code as customer C0001, C0002, C0003, C0004, C0005 " \
                              "and 994 more"
    assert same[3].problem == "the same unified social credit code as customer C0000, C0001, C0002, C0004, C0005 " \
                              "and 994 more"
    assert same[-1].problem == "the same unified social credit code as customer C0000, C0001, C0002, C0003, C0004 " \
                               "and 994 more"
    assert issue_text(same[0].problem, "zh") == "统一社会信用代码与客户 C0001, C0002, C0003, C0004, C0005 及另外 994 户相同"
    assert max(len(i.problem) for i in same) < 120
    assert [(g.name, len(g.members)) for g in find_groups(r.customers)] == [(CODE_X, n)]


@pytest.mark.parametrize("n,named,more", [(2, "C0001", ""), (6, "C0001, C0002, C0003, C0004, C0005", ""),
                                          (7, "C0001, C0002, C0003, C0004, C0005", " and 1 more")])
def test_the_count_starts_where_the_names_stop(tmp_path, n, named, more):
    p = sheet(tmp_path / "客户.xlsx", ["客户编号", "客户名称", "统一社会信用代码"],
              [[f"C{k:04d}", f"客户{k}", CODE_X] for k in range(n)])
    first = issues_like(import_files([p]), "same unified social credit code")[0]
    assert first.problem == f"the same unified social credit code as customer {named}{more}"


def test_one_id_on_a_thousand_rows_names_five_rows_and_counts_the_rest(tmp_path):
    n = 1000
    p = sheet(tmp_path / "客户.xlsx", ["客户编号", "客户名称"], [["C1", f"客户{k}"] for k in range(n)])
    r = import_files([p])
    dup = issues_like(r, "duplicate customer ID")
    assert len(dup) == n and r.customers == []
    assert dup[0].problem == "duplicate customer ID (also on row 客户!3, 客户!4, 客户!5, 客户!6, 客户!7 and 994 more)"
    assert dup[2].problem == "duplicate customer ID (also on row 客户!2, 客户!3, 客户!5, 客户!6, 客户!7 and 994 more)"
    assert issue_text(dup[0].problem, "zh") == "客户编号重复（另见 客户!3, 客户!4, 客户!5, 客户!6, 客户!7 行及另外 994 行）"
    assert max(len(i.problem) for i in dup) < 120


def test_a_duplicated_id_does_not_link_the_code_it_shares(tmp_path):
    """C2 is on two rows (both rejected): the code C1 shares with it links nobody, and C1's row
    has no "same credit code" warning naming a customer that was not rated."""
    p = sheet(tmp_path / "客户.xlsx", ["客户编号", "客户名称", "统一社会信用代码"],
              [["C1", "甲", CODE_X], ["C2", "乙", CODE_X], ["C2", "乙二", CODE_X.lower()]])
    r = import_files([p])
    assert [c.customer_id for c in r.customers] == ["C1"]
    assert issues_like(r, "same unified social credit code") == [] and find_groups(r.customers) == []
    assert len(issues_like(r, "duplicate customer ID")) == 2


def test_ids_differing_only_in_capitals_name_five_and_count_the_rest(tmp_path):
    ids = [f"{a}{b}" for a in ("x", "X") for b in ("yz", "yZ", "Yz", "YZ")]  # 8 writings of one ID
    p = sheet(tmp_path / "客户.xlsx", ["客户编号", "客户名称"], [[i, f"客户{i}"] for i in ids])
    caps = issues_like(import_files([p]), "only in capitals")
    assert len(caps) == 8
    assert caps[0].problem == "customer ID differs from xyZ, xYz, xYZ, Xyz, XyZ and 2 more only in capitals"
    assert issue_text(caps[0].problem, "zh") == "客户编号与 xyZ, xYz, xYZ, Xyz, XyZ 及另外 2 个编号仅大小写不同"


def test_many_group_names_joined_by_one_controller_are_named_without_a_search_per_name():
    """30,000 customers, each its own 所属集团, one 实际控制人: one group whose name is the first
    of 30,000 names written once each (searching the list for each name took 40 s)."""
    people = [customer(f"C{k:05d}", group=f"集团{k}", controller="张三") for k in range(30_000)]
    start = time.perf_counter()
    (g,) = find_groups(people)
    assert time.perf_counter() - start < 10
    assert (g.name, len(g.members), [(k.field, k.value) for k in g.links]) == ("集团0", 30_000, [("controller", "张三")])


# ------------------------------------------------------------------ what a clerk writes
DITTO = ["同上", "同 上", "同上。", "见上", "如上", "同前", "同左", "〃", '"', "ditto", "Same as above"]


@pytest.mark.parametrize("text", DITTO)
def test_same_as_above_links_nobody(text):
    """"同上" (same as above) under a group's name does not say which group: five rows writing it
    were one group named 同上, capping each other when one was sued. It links nobody (the
    importer says so on the row)."""
    assert link_key(text) is None
    people = [customer("C1", group="中联集团"), customer("C2", group=text), customer("C3", group=text),
              customer("C4", controller=text), customer("C5", controller=text)]
    assert find_groups(people) == []


@pytest.mark.parametrize("text", ["未知", "不详", "不明", "無", "#N/A", "―", "…", "...", "空白"])
def test_words_for_unknown_link_nobody(text):
    assert link_key(text) is None
    assert find_groups([customer("C1", group=text), customer("C2", group=text)]) == []


@pytest.mark.parametrize("text", ["中联\x07集团", "中联\x00集团", "中联集团\x7f", "\x1b中联集团", "中联\x85集团"])
def test_control_characters_do_not_keep_one_group_apart(text):
    (g,) = find_groups([customer("C1", group="中联集团"), customer("C2", group=text)])
    assert g.members == ("C1", "C2")


def test_the_importer_says_same_as_above_links_nobody(tmp_path):
    p = sheet(tmp_path / "客户.xlsx", ["客户编号", "客户名称", "所属集团", "实际控制人"],
              [["C1", "甲", "中联集团", "张三"], ["C2", "乙", "同上", None], ["C3", "丙", "中联集团", "〃"]])
    r = import_files([p])
    said = [(i.row, i.column, i.value, i.severity) for i in r.issues if "same as above" in i.problem]
    assert said == [(3, "C 所属集团", "同上", "warning"), (4, "D 实际控制人", "〃", "warning")]
    first = next(i for i in r.issues if "same as above" in i.problem)
    assert issue_text(first.problem, "zh") == "“同上”等字样未写明是哪个集团或控制人"
    assert issue_text(first.action, "zh") == "不与任何客户关联：请写明名称"
    assert [g.members for g in find_groups(r.customers)] == [("C1", "C3")]


# ------------------------------------------------------------------- names as people see them
def test_a_right_to_left_override_does_not_pass_one_group_off_as_another():
    """"\\u202e团集联中" shows as 中联集团 in Excel but is another group: its name is shown
    without the override (团集联中), so the two cannot be taken for one."""
    people = [customer("C1", group="中联集团"), customer("C2", group="中联集团"),
              customer("C3", group="\u202e团集联中"), customer("C4", group="\u202e团集联中")]
    assert [(g.name, g.members, [k.value for k in g.links]) for g in find_groups(people)] == [
        ("中联集团", ("C1", "C2"), ["中联集团"]), ("团集联中", ("C3", "C4"), ["团集联中"])]


@pytest.mark.parametrize("written,name", [("中\u200b联集团", "中联集团"), ("甲\n乙集团", "甲 乙集团"), ("甲\t\t乙", "甲 乙"),
                                          ("\ufeff中联\u2066集团\u2069", "中联集团"), ("中联\x07集团", "中联集团")])
def test_invisible_characters_and_line_breaks_leave_the_name_and_the_link(written, name):
    (g,) = find_groups([customer("C1", group=written), customer("C2", group=written, controller=written),
                        customer("C3", controller=written)])
    assert g.name == name and [k.value for k in g.links] == [name, name]


def test_a_link_written_several_ways_says_so():
    """中联集团, ＺＬ中联集团-style full-width and capitals are one group by design: the link lists
    every writing, most frequent first, so a clerk sees which two were taken for one."""
    people = [customer("C1", group="ZL中联集团"), customer("C2", group="ＺＬ中联集团"), customer("C3", group="zl 中联集团"),
              customer("C4", group="ZL中联集团"), customer("C5", controller="张三"), customer("C6", controller="张三")]
    g1, g2 = find_groups(people)
    (link,) = g1.links
    assert (link.value, link.writings) == ("ZL中联集团", ("ZL中联集团", "ＺＬ中联集团", "zl 中联集团"))
    assert link.as_dict() == {"field": "group", "value": "ZL中联集团", "customers": ["C1", "C2", "C3", "C4"],
                              "writings": ["ZL中联集团", "ＺＬ中联集团", "zl 中联集团"]}
    assert g2.links[0].writings == () and "writings" not in g2.links[0].as_dict()


# ------------------------------------------------------- a column holding something other than groups
@pytest.mark.parametrize(("in_group", "others", "warned"), [
    (25, 5, True),    # 25 of 30: the company's own name pasted down the column
    (20, 19, True),   # just over half, and 20 members: warned
    (19, 0, False),   # all of them, but only 19: a small customer list of one real group
    (20, 20, False),  # exactly half: not "most"
])
def test_a_group_holding_most_customers_is_said_on_its_first_row(tmp_path, in_group, others, warned):
    """Every limit of a group is held to its ceiling and one member's suit caps all others: a group
    of nearly everyone is far more often a column misused than a real group, so the clerk is told,
    on the first member's row, in words a Chinese reader reads; the run rates it as found."""
    from desktop import services

    rows = [[f"G{n:03d}", f"甲{n}", "本公司"] for n in range(in_group)] + [[f"O{n:03d}", f"乙{n}", None]
                                                                        for n in range(others)]
    p = sheet(tmp_path / "客户.xlsx", ["客户编号", "客户名称", "所属集团"], rows)
    imported = import_files([p])
    from datetime import date

    from desktop.io.policy_file import default_policy_path, load_policy
    rated = services.rate_imported(imported, load_policy(default_policy_path()), date(2026, 6, 30), [p])
    said = [i for i in rated.issues if "one group holds" in i.problem]
    assert [(i.row, i.value, i.severity) for i in said] == ([(2, "本公司", "warning")] if warned else [])
    if warned:
        assert issue_text(said[0].problem, "zh") == f"一个集团包含了全部 {in_group + others} 个已评级客户中的 {in_group} 个"
        assert "本公司名称" in issue_text(said[0].action, "zh")
    assert len(rated.rating.groups) == 1 and len(rated.rating.groups[0].members) == in_group
