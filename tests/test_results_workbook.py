"""The results workbook, read back: sheets, formulas with cached values, text never a formula."""

from __future__ import annotations

import json
import re
from datetime import date

import openpyxl
import pytest
import xlsx_xml
from test_readers import xlsx

from desktop import services, session
from desktop.io.importer import SheetChoice


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory, samples):
    out = tmp_path_factory.mktemp("run") / "评级结果 2026.xlsx"
    req = session.ScoreRequest(inputs=samples, as_of=date(2026, 6, 30), out=out, json_out=out.with_suffix(".json"),
                                operator="测试员")
    return services.score(req), out


@pytest.fixture(scope="session")
def samples():
    from desktop.paths import samples_dir
    return sorted(samples_dir().iterdir())


def test_sheets_and_results_columns(sample_run):
    result, out = sample_run
    wb = openpyxl.load_workbook(out)
    visible = [w.title for w in wb.worksheets if w.sheet_state == "visible"]
    assert visible == ["汇总", "评级结果", "集团", "应收账龄", "异常清单", "审计信息"]
    assert wb["_facts"].sheet_state == "veryHidden"  # machine copy the approval forms are checked against
    ws = wb["评级结果"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["客户编号", "客户名称", "业务员", "集团序号", "集团名称"]
    assert header[5].startswith("付款及时性")
    assert ws.freeze_panes == "C2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.max_row == len(result.rating.decisions) + 1
    assert ws["A1"].font.name == "等线"


def test_total_and_levels_are_formulas_with_cached_values(sample_run):
    result, out = sample_run
    ws_f = openpyxl.load_workbook(out)["评级结果"]
    ws_v = openpyxl.load_workbook(out, data_only=True)["评级结果"]
    header = [c.value for c in ws_f[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    for r, d in enumerate(result.rating.decisions, start=2):
        assert ws_f.cell(r, col["总分"]).value.startswith("=SUM(")
        assert ws_f.cell(r, col["系统等级"]).value.startswith("=INDEX(LevelNames")
        assert ws_f.cell(r, col["最终等级"]).value.startswith("=IF(")
        assert ws_v.cell(r, col["总分"]).value == d.total
        assert ws_v.cell(r, col["系统等级"]).value == d.raw_level
        assert ws_v.cell(r, col["最终等级"]).value == d.level
        items = [ws_v.cell(r, c).value for c in range(6, 15)]
        assert items == [i.points for i in d.items] and sum(items) == d.total


def test_worked_example_row_in_the_sample(sample_run):
    result, out = sample_run
    ws = openpyxl.load_workbook(out, data_only=True)["评级结果"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "C0007")
    v = dict(zip(header, row))
    assert (v["总分"], v["最终等级"], v["建议账期(天)"], v["可授信额度(元)"], v["申请账期(天)"]) == (87, "AA", 60, 480000, 120)
    assert v["审批路径"] == "特殊付款期限申请(财务总监)" and v["超出政策"] == "是"


def test_audit_sheet_traces_policy_inputs_and_rows(sample_run):
    result, out = sample_run
    ws = openpyxl.load_workbook(out, data_only=True)["审计信息"]
    cells = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert cells["政策文件SHA-256"] == result.policy.sha256
    assert cells["操作人"] == "测试员" and cells["运行编号"] == result.run.run_id
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "文件")
    inputs = [r for r in rows[start + 1:] if r[0]]
    files = {r[0] for r in inputs}
    assert files == {s.file for s in result.sheets} and len(files) == 3
    for r in inputs:
        if r[2] != "未使用":
            assert r[4] == r[5] + r[6] and r[8] == "✓"
            assert re.fullmatch(r"[0-9a-f]{64}", r[9])
    bands = [r for r in rows if r[0] == "付款及时性"]
    assert [r[3] for r in bands][:2] == ["按时", "逾期 > 0 天且 ≤ 7 天"] and bands[-1][3] == "无付款记录"
    # the bounds the formulas use, as numerator and denominator (-1 / 0: minus infinity), included, points
    assert [r[4:11] for r in bands][:2] == [(-1, 0, 0, 0, 1, 1, 30), (0, 1, 0, 7, 1, 1, 25)]
    debt = [r[4:11] for r in rows if r[0] == "资产负债率"]
    assert debt[3] == (7, 10, 0, 17, 20, 1, 2)  # (0.7, 0.85]: 7/10 excluded, 17/20 included, 2 points


def test_exceptions_sheet_lists_every_issue(sample_run):
    result, out = sample_run
    ws = openpyxl.load_workbook(out)["异常清单"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(result.issues) > 5
    assert any(r[6] == "客户编号不在客户信用资料中" and r[5] == "C9999" for r in rows)
    # every problem and action of the samples reads in Chinese on a Chinese workbook
    import re
    assert all(re.search(r"[\u4e00-\u9fff]", r[6]) and re.search(r"[\u4e00-\u9fff]", r[7]) for r in rows)


def test_summary_counts_are_formulas_matching_the_rating(sample_run):
    result, out = sample_run
    ws_f = openpyxl.load_workbook(out)["汇总"]
    ws_v = openpyxl.load_workbook(out, data_only=True)["汇总"]
    counts = {}
    for rf, rv in zip(ws_f.iter_rows(), ws_v.iter_rows()):
        if isinstance(rf[1].value, str) and rf[1].value.startswith("=COUNTIF("):
            counts[rv[0].value.split()[0]] = rv[1].value
    expected = {lv.level: sum(d.level == lv.level for d in result.rating.decisions) for lv in result.policy.levels}
    assert counts == expected
    assert ws_f._charts  # the level chart


def test_json_summary_shape(sample_run):
    result, out = sample_run
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["as_of"] == "2026-06-30" and data["policy"]["sha256"] == result.policy.sha256
    c = next(c for c in data["customers"] if c["customer_id"] == "C0007")
    assert c["items"] == {"payment_timeliness": 25, "cooperation_years": 10, "sales_12m": 12, "sales_growth": 4,
                          "operating_status": 15, "debt_ratio": 8, "current_ratio": 4, "registered_capital": 4,
                          "documents": 5}
    assert (c["score"], c["level"], c["eligible_limit"], c["approval_route"]) == (87, "AA", 480000, "cfo_special")
    assert set(c["metrics"]) == {"orders", "sales_12m", "sales_prev_12m", "avg_days_late", "open_ar",
                                 "overdue_balance", "aging", "due_invoices", "due_amount", "late_amount_days",
                                 "cooperation_days", "first_trade_date", "first_trade_from"}
    m = c["metrics"]  # the worked example: 4.2 days late on 2,400,000 due (10 invoices), since 2019-03-01
    assert (m["due_invoices"], m["due_amount"], m["late_amount_days"]) == (10, 2_400_000, 10_080_000)
    assert m["late_amount_days"] / m["due_amount"] == pytest.approx(m["avg_days_late"]) == 4.2
    assert (m["first_trade_date"], m["first_trade_from"], m["cooperation_days"]) == ("2019-03-01", "sheet", 2678)
    assert set(data["exceptions"][0]) == {"file", "sheet", "row", "column", "value", "problem", "action"}


def test_text_from_inputs_is_never_a_formula(tmp_path):
    evil = ["=HYPERLINK(\"http://x.invalid\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "=1+1"]
    rows = [["客户编号", "客户名称", "业务员"]] + [[f"C{i}", name, name] for i, name in enumerate(evil)]
    src = xlsx(tmp_path / "evil.xlsx", {"客户": rows})
    out = tmp_path / "out.xlsx"
    services.score(session.ScoreRequest(inputs=[src], as_of=date(2026, 6, 30), out=out))
    cells = [c for c in xlsx_xml.cells(out) if c.part == "xl/worksheets/sheet2.xml"]
    formulas = [c.formula for c in cells if c.formula is not None]
    ours = ("SUM(", "INDEX(", "IF(", "MID(", "EDATE(", "LimStep*", "ROUND(", "(")  # "" : a cell sharing the formula above
    assert formulas and all(f == "" or f.startswith(ours) or re.fullmatch(r"[A-Z]+\d+", f) for f in formulas)
    assert not any(p.lstrip("=+-@") in f for f in formulas for p in evil)
    assert xlsx_xml.assert_text_not_formula(out, evil) >= 2 * len(evil)  # name and salesperson columns
    ws = openpyxl.load_workbook(out)["评级结果"]
    assert [ws.cell(r, 2).value for r in range(2, 7)] == evil
    assert all(ws.cell(r, 2).data_type == "s" for r in range(2, 7))


def test_english_labels(tmp_path, samples):
    out = tmp_path / "results-en.xlsx"
    services.score(session.ScoreRequest(inputs=samples, as_of=date(2026, 6, 30), out=out, lang="en"))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Results", "Groups", "AR aging", "Exceptions", "Audit", "_facts"]
    assert [c.value for c in wb["Results"][1]][:2] == ["Customer ID", "Customer name"]


def test_explicit_sheets_on_the_command_path(tmp_path, samples):
    cust = next(p for p in samples if p.name.startswith("客户"))
    out = tmp_path / "o.xlsx"
    r = services.score(session.ScoreRequest(choices=[SheetChoice(cust, "客户信用资料", "customers")],
                                             as_of=date(2026, 6, 30), out=out))
    assert len(r.rating.decisions) == 42 and not any(d.metrics.invoices for d in r.rating.decisions)


def test_formula_preparation_shortcut_matches_xlsxwriter(tmp_path, samples):
    """The results writer skips xlsxwriter's dynamic-array prefix pass; for every formula it
    writes, the stock pass must return the formula unchanged (else the shortcut is wrong)."""
    from xlsxwriter.worksheet import Worksheet

    from desktop.io.writers.xlsx import FastWorksheet
    out = tmp_path / "r.xlsx"
    services.score(session.ScoreRequest(inputs=samples, as_of=date(2026, 6, 30), out=out))
    formulas = {c.formula for c in xlsx_xml.cells(out) if c.formula}
    assert len(formulas) > 45  # each results column's formula once (shared below), the summary, aging, audit
    assert {f.split("(")[0] for f in formulas} >= {"SUM", "INDEX", "IF", "MID", "EDATE", "COUNTIF"}
    assert any("SUMPRODUCT(" in f for f in formulas) and any("IFERROR(" in f for f in formulas)
    stock, ours = Worksheet(), FastWorksheet()
    for f in formulas:
        assert ours._prepare_formula("=" + f) == stock._prepare_formula("=" + f) == f
