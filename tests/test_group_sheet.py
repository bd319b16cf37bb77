"""Groups in the results workbook: the 集团 sheet and the group columns of the results sheet are
live formulas that LibreOffice recalculates to the engine's values, and that follow an auditor's
edit (a sued member no longer sued, a member's sales changed) the way the engine rates the edited
data: the early warning comes and goes, the total-amount control scales or stops scaling.

A small portfolio of its own (the bundled samples change): 华远集团, one member sued by its
suppliers (forced to C) and the others warned (AA capped at B), one of them linked by its actual
controller only; 大盛集团, whose limits are above 20 % of the run's total (scaled) and whose
requests too; a group "12" whose requests alone are over the ceiling; and groups whose names are
formulas (=1+1, +cmd, @x), wildcards (华*, ~1?) or look like numbers (0012 beside 12): text on
every sheet, and each matches only its own group (the formulas find a group by its number).
"""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest
import xlsx_xml
from libreoffice import soffice
from test_recompute import LAB, LEDGER_HEADER, RESULTS, Office, Scored, expected_row, mismatches, rerate_all, same

from desktop import services, session
from desktop.core.models import Decision, Rating

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
]

AS_OF = date(2026, 6, 30)
GROUPS = LAB("sheet.groups")
HEADER = ["客户编号", "客户名称", "业务员", "首次合作日期", "注册资本（万元）", "年度合作协议", "营业执照", "税务登记证",
          "组织机构代码证", "经营状况", "营业额趋势", "被其他供应商起诉", "资产总额(万元)", "负债总额(万元)", "流动资产(万元)",
          "流动负债(万元)", "申请额度(元)", "所属集团", "实际控制人"]
ODD_NAMES = ["=1+1", "+cmd", "@x", "华*", "~1?", "0012", "12"]


def row(cid: str, group: str = "", controller: str = "", sued: str = "否", request: float | None = None) -> list:
    return [cid, f"{cid}贸易有限公司", "测试员", "2020-01-01", 2000, "是", "是", "是", "是", "良好", "平稳", sued,
            10000, 5000, 3000, 2000, request, group, controller]


# (customer row, 12-month sales in three invoices paid on time)
PORTFOLIO = [
    (row("A1", "华远集团", "王五"), 1_200_000), (row("A2", "华远集团", sued="是"), 1_000_000),
    (row("A3", controller="王五"), 1_500_000),  # linked to 华远集团 by its actual controller only
    (row("D1", "大盛集团"), 6_000_000), (row("D2", "大盛集团", request=5_000_000), 3_000_000),
    (row("N1", "=1+1"), 600_000), (row("N2", "=1+1"), 600_000), (row("N3", "+cmd"), 600_000),
    (row("N4", "+cmd"), 600_000), (row("N5", "@x"), 600_000), (row("N6", "@x"), 600_000),
    (row("W1", "华*", sued="是"), 600_000), (row("W2", "华*"), 600_000),
    (row("W3", "~1?"), 600_000), (row("W4", "~1?"), 600_000),
    (row("Z1", "0012", sued="是"), 600_000), (row("Z2", "0012"), 600_000),
    (row("Z3", "12", request=4_000_000), 600_000), (row("Z4", "12"), 600_000),
    *((row(f"S{n}", "无"), 2_000_000) for n in range(1, 9)),  # 无 links nobody
]


def write_portfolio(folder: Path, portfolio=PORTFOLIO) -> list[Path]:
    """The customer sheet as UTF-8 CSV (a cell reading =1+1 stays text in it) and the ledger as xlsx."""
    cust = folder / "集团客户.csv"
    with cust.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows([c for c, _ in portfolio])
    led = openpyxl.Workbook()
    ws = led.active
    ws.title = "销售明细"
    ws.append(LEDGER_HEADER)
    for c, sales in portfolio:
        for n in range(3):
            day = date(2025, 9, 1) + timedelta(days=40 * n)
            due = day + timedelta(days=30)
            ws.append([c[0], c[1], f"{c[0]}-{n}", day, sales / 3, due, due, sales / 3])
    path = folder / "集团销售明细.xlsx"
    led.save(path)
    return [cust, path]


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Office:
    return Office(tmp_path_factory.mktemp("office"))


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Scored:
    base = tmp_path_factory.mktemp("groups")
    out = base / "评级结果 集团.xlsx"
    result = services.score(session.ScoreRequest(inputs=write_portfolio(base), as_of=AS_OF, out=out,
                                                  register=base / "r.db"))
    return Scored(result, out)


def by_id(rating: Rating) -> dict[str, Decision]:
    return {d.customer_id: d for d in rating.decisions}


def test_the_portfolio_is_what_it_says(run):
    d = by_id(run.result.rating)
    groups = {g.name: g for g in run.result.rating.groups}
    assert list(groups) == ["华远集团", "大盛集团", *ODD_NAMES]
    assert groups["华远集团"].members == ("A1", "A2", "A3") and groups["华远集团"].forced_c == ("A2",)
    warned = {cid for cid, x in d.items() if "CAP_B_GROUP_WARNING" in [h.code for h in x.caps]}
    assert warned == {"A1", "A3", "W2", "Z2"}
    assert (d["A1"].raw_level, d["A1"].level, d["A2"].level) == ("AA", "B", "C")
    assert groups["大盛集团"].reduced and not any(g.reduced for n, g in groups.items() if n != "大盛集团")
    assert d["D1"].eligible_limit < d["D1"].limit_before_rules
    over = {n for n, g in groups.items() if g.requests_over}
    assert over == {"大盛集团", "12"}
    assert d["Z4"].exceeds == ("group_limit",) and d["Z1"].exceeds == ()


def test_every_formula_of_the_results_and_groups_sheets_recalculates_to_its_value(run, office):
    recalculated, _ = office.recalculate(run.out)
    checked, bad = mismatches(run, recalculated)
    cells, _ = xlsx_xml_formulas(run.out)
    assert len(cells[GROUPS]) > 10 * len(run.result.rating.groups)  # sums, references, the named cells
    assert checked > 30 * len(run.result.rating.decisions)
    assert not bad, "\n".join(bad[:40])


def xlsx_xml_formulas(path: Path):
    from test_recompute import formula_cells
    return formula_cells(path)


def test_odd_group_names_are_text_and_each_matches_only_its_own_group(run):
    # on the results and groups sheets ("12" is left to the check below: a formula's value may be 12)
    payloads = [n for n in ODD_NAMES if n != "12"]
    assert xlsx_xml.assert_text_not_formula(run.out, payloads) >= 2 * len(payloads)
    wb = openpyxl.load_workbook(run.out)
    ws = wb[RESULTS]
    head = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(head)}
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    for cid in ("N1", "W1", "Z1", "Z3"):
        cell = rows[cid][col[LAB("group_name")]]
        assert cell.data_type == "s" and cell.value in ODD_NAMES
    # the group number written on the row is what the formulas look the group up by
    numbers = {cid: r[col[LAB("group_no")]].value for cid, r in rows.items()}
    order = [g.name for g in run.result.rating.groups]
    assert numbers["Z1"] == order.index("0012") + 1 and numbers["Z3"] == order.index("12") + 1
    assert numbers["S1"] is None
    lookup = rows["Z1"][col[LAB("group_forced")]].value
    # by the number (bisection over the ascending numbers of the groups sheet), never by the name
    assert lookup.startswith("=IF(ISNUMBER(") and "MATCH(D" in lookup and "-0.5,GroupNos,1)" in lookup
    gs = wb[GROUPS]
    numbered = [(r[0].value, r[1].value, r[2].value) for r in gs.iter_rows(min_row=8) if isinstance(r[0].value, int)]
    assert [name for _, name, cid in numbered if cid is None] == order  # the group rows, in order
    assert [k for k, _, _ in numbered] == sorted(k for k, _, _ in numbered)  # every row numbered, ascending
    of = {m: k for k, g in enumerate(run.result.rating.groups, start=1) for m in g.members}
    assert all(k == of[cid] for k, _, cid in numbered if cid is not None)
    # recalculated as cached: 0012's sued member warns Z2 and not 12's members, 华*'s W1 warns W2 alone
    d = by_id(run.result.rating)
    assert [len(d[c].caps) for c in ("Z2", "Z3", "Z4", "W2", "W4", "A1")] == [1, 0, 0, 1, 0, 1]


# ---------------------------------------------------------------- an auditor's edits

EDITS = {  # customer -> (results sheet header, value typed, the same change on the engine's data)
    "A2": ("被其他供应商起诉", "否", lambda c, r: (replace(c, sued_by_suppliers=False), r)),
    "D1": ("近12个月销售额(元)", 1_200_000, lambda c, r: (c, {**r, "sales_12m": 1_200_000.0})),
    "Z4": ("被其他供应商起诉", "是", lambda c, r: (replace(c, sued_by_suppliers=True), r)),
}


@pytest.fixture(scope="module")
def edited(run, office, tmp_path_factory):
    wb = openpyxl.load_workbook(run.out)
    ws = wb[RESULTS]
    col = {c.value: i + 1 for i, c in enumerate(ws[1])}
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for cid, (header, value, _) in EDITS.items():
        cell = ws.cell(rows[cid], col[header])
        assert not str(cell.value).startswith("=")
        cell.value = value
    path = tmp_path_factory.mktemp("edited") / "集团 已修改.xlsx"
    wb.save(path)
    recalculated, _ = office.recalculate(path)
    after = rerate_all(run.result.rating, run.result.policy, {k: v[2] for k, v in EDITS.items()})
    return recalculated, after, col, rows


def test_the_edits_mean_what_they_say(run, edited):
    _, after, _, _ = edited
    d, groups = by_id(after), {g.name: g for g in after.groups}
    assert not d["A1"].caps and (d["A1"].level, d["A3"].level) == ("AA", "AA")  # no member sued: no warning
    assert not groups["大盛集团"].reduced and not d["D1"].limit_rules  # under the ceiling now
    assert [h.code for h in d["Z3"].caps] == ["CAP_B_GROUP_WARNING"] and d["Z4"].level == "C"  # Z4 sued warns Z3
    assert not d["Z2"].caps[1:] and [h.code for h in d["Z2"].caps] == ["CAP_B_GROUP_WARNING"]  # 0012: as it was


def test_an_auditors_edit_moves_the_group_rules_as_the_engine_decides(run, edited):
    recalculated, after, col, rows = edited
    policy = run.result.policy
    ws = openpyxl.load_workbook(recalculated, data_only=True)[RESULTS]
    figures = {g.members[0]: (k, g) for k, g in enumerate(after.groups, start=1)}
    bad = []
    for d in after.decisions:
        want = expected_row(d, policy, next((v for k, v in figures.items() if d.group and d.group.members[0] == k),
                                            None))
        got = {h: ws.cell(rows[d.customer_id], i).value for h, i in col.items()}
        header = EDITS.get(d.customer_id, (None,))[0]
        bad += [f"{d.customer_id} {h!r}: recalculated {got[h]!r}, engine {w!r}" for h, w in want.items()
                if h != header and not same(w, got[h], is_date=isinstance(w, date))]
    assert not bad, "\n".join(bad[:40])
    gs = openpyxl.load_workbook(recalculated, data_only=True)[GROUPS]
    group_rows = [r for r in gs.iter_rows(min_row=8, values_only=True) if isinstance(r[0], int) and r[2] is None]
    assert [(r[1], r[11], r[13], r[14], r[16]) for r in group_rows] == [
        (g.name, g.eligible_limit_before, LAB.yes_no(g.reduced), g.eligible_limit, LAB.yes_no(g.requests_over))
        for g in after.groups]


def test_a_filtered_export_keeps_the_whole_runs_group_figures_and_recalculates_to_them(run, office, tmp_path):
    """A filter showing some members only (A1 without A2, the sued member whose force-C warns it; D2
    without D1, whose limit makes 大盛集团 exceed the ceiling; Z4 without Z3, whose request is over)
    still states the rules as the run decided them: T and each group's figures are the whole run's,
    written as values, only the members shown are listed, and LibreOffice recalculates every formula
    to the value written - the warning, the scaled limit and exceeds policy included."""
    from desktop.io.writers.results import write_results

    r = run.result
    shown = frozenset({"A1", "D2", "Z4", "S1"})
    subset = services._only(r.rating, shown)
    assert [g.name for g in subset.groups] == ["华远集团", "大盛集团", "12"]
    out = tmp_path / "筛选导出.xlsx"
    write_results(str(out), subset, r.policy, r.sheets, r.issues, r.run, "zh", filtered=(len(r.rating.decisions), "测试"))
    d = by_id(r.rating)
    assert "CAP_B_GROUP_WARNING" in [h.code for h in d["A1"].caps] and d["D2"].limit_rules and d["Z4"].exceeds
    recalculated, _ = office.recalculate(out)
    checked, bad = mismatches(Scored(replace(r, rating=subset), out), recalculated)
    assert checked > 30 * len(subset.decisions) and not bad, "\n".join(bad[:40])
    ws = openpyxl.load_workbook(out, read_only=True)[GROUPS]
    rows = [list(x) for x in ws.iter_rows(values_only=True)]
    t_cell = next(x for x in rows if x[0] == LAB("group_total_limit"))
    assert max(v for v in t_cell[1:] if isinstance(v, (int, float))) == r.rating.groups[0].total_limit  # a value
    listed = [x[2] for x in rows if x[2] in {dd.customer_id for dd in r.rating.decisions}]
    assert listed == ["A1", "D2", "Z4"]  # the members shown, each once beneath its group
    huayuan = next(x for x in rows if x[1] == "华远集团")
    assert 3 in huayuan  # the group's member count is the run's, not the one member shown


# ---------------------------------------------------------------- every setting of the group rules

def policy_file(folder: Path, warning: bool, control: bool) -> Path:
    from test_groups import policy_text
    path = folder / "政策.toml"
    path.write_text(policy_text(f"warning = {str(warning).lower()}\nconcentration = {str(control).lower()}\n"),
                    encoding="utf-8")
    return path


# Every customer is AA with the same sales unless sued: an AA limit is 1,200,000 / 5 = 240,000 (one
# unit), and the run's total is ten units whatever the warning does (a sued member's limit is 0,
# the warned W2 sells too little for a limit at AA or B). 正好集团 has two units: exactly 20 %.
SETTINGS_PORTFOLIO = [
    (row("E1", "正好集团"), 1_200_000), (row("E2", "正好集团"), 1_200_000),
    (row("B1", "超限集团"), 1_200_000), (row("B2", "超限集团", request=100_000), 1_200_000),
    (row("B3", "超限集团"), 1_200_000),
    (row("R1", controller="赵六", request=3_000_000), 1_200_000), (row("R2", controller="赵六"), 1_200_000),
    (row("F1", "全C集团", sued="是"), 600_000), (row("F2", "全C集团", sued="是"), 600_000),
    (row("W1", "预警集团", sued="是"), 600_000), (row("W2", "预警集团"), 3_000),
    *((row(f"S{n}", "无"), 1_200_000) for n in range(1, 4)),
]


@pytest.mark.parametrize("warning,control", [(True, True), (False, True), (True, False), (False, False)],
                         ids=["both-on", "warning-off", "control-off", "both-off"])
def test_every_setting_of_the_group_rules_recalculates_to_the_engines_values(tmp_path, office, warning, control):
    """Each rule on and off: a group exactly at the ceiling (not scaled), one above it (scaled), a
    group whose members are all forced to C (no warning), a warned member, and a group whose one
    request is over the ceiling beside a member without one. LibreOffice recalculates every formula
    of every sheet to the engine's value, and a rule switched off leaves no formula of the results
    sheet looking at the 集团 sheet for it."""
    out = tmp_path / "评级结果.xlsx"
    result = services.score(session.ScoreRequest(inputs=write_portfolio(tmp_path, SETTINGS_PORTFOLIO), as_of=AS_OF,
                                                  out=out, policy_path=policy_file(tmp_path, warning, control)))
    d, groups = by_id(result.rating), {g.name: g for g in result.rating.groups}
    assert list(groups) == ["正好集团", "超限集团", "赵六", "全C集团", "预警集团"]
    assert {g.total_limit for g in groups.values()} == {2_400_000}
    assert (groups["正好集团"].eligible_limit_before, groups["正好集团"].reduced) == (480_000, False)
    assert groups["超限集团"].reduced is control and groups["赵六"].requests_over is control
    assert [d[c].eligible_limit for c in ("B1", "B2", "B3")] == [160_000 if control else 240_000] * 3
    assert (d["R1"].exceeds, d["R2"].exceeds) == ((("limit", "group_limit"), ("group_limit",)) if control
                                                  else (("limit",), ()))
    assert groups["全C集团"].forced_c == ("F1", "F2") and not any(d[c].caps for c in ("F1", "F2"))
    assert (d["W2"].level, [h.code for h in d["W2"].caps]) == (("B", ["CAP_B_GROUP_WARNING"]) if warning
                                                               else ("AA", []))
    recalculated, _ = office.recalculate(out)
    checked, bad = mismatches(Scored(result, out), recalculated)
    assert checked > 30 * len(result.rating.decisions) and not bad, "\n".join(bad[:40])
    cells, _ = xlsx_xml_formulas(out)
    text = " ".join(c.formula for c in cells[RESULTS].values())
    assert ("GroupForcedC" in text) is warning
    assert ("GroupLimitBefore" in text) is control and ("GroupRequestsOver" in text) is control
    assert "GroupNos" in text or not (warning or control)
