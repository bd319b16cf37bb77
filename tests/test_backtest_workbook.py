"""The back-test workbook (回测报告) and the comparison workbook (评级对比): read back, their
numbers are the report's; the charts draw the cells that hold them; a spreadsheet program that
recalculates agrees; names from the user's files stay text; each language speaks only itself."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from builders import customer, ledger, no_receipts
from libreoffice import convert, soffice
from test_workbook_words import _foreign, _texts
from xlsx_xml import assert_text_not_formula

from desktop import evaluate
from desktop.core.backtest import Z95, report
from desktop.io.importer import ImportResult
from desktop.io.policy_file import load_policy
from desktop.io.sheets import SheetSource
from desktop.io.writers.backtest import write_backtest
from desktop.io.writers.compare import write_compare
from desktop.messages import has_cjk

EVALUATION = date(2026, 6, 30)
DATES = (date(2025, 6, 30), date(2025, 12, 31))
HOSTILE = '=HYPERLINK("http://evil.example/x","点我")'
NEWCOMER = "C7"  # first trade after the first date: left out of that run


def _invoices(cid: str, late_days: int, unpaid_last: float = 0.0, start: date = date(2024, 7, 1),
              count: int = 24) -> list[dict]:
    """One invoice a month from ``start``, due 30 days later, each paid ``late_days`` late; the
    last ``unpaid_last`` 元 of the one due in July 2025 left unpaid."""
    rows = []
    for k in range(count):
        d = (pd.Timestamp(start) + pd.DateOffset(months=k)).date()
        due = (pd.Timestamp(d) + pd.Timedelta(days=30)).date()
        amount = 120_000.0
        unpaid = unpaid_last if due.year == 2025 and due.month == 7 else 0.0
        paid = (pd.Timestamp(due) + pd.Timedelta(days=late_days)).date()
        rows.append({"customer_id": cid, "invoice_no": f"{cid}-{k:02d}", "invoice_date": d, "amount": amount,
                     "due_date": due, "paid_date": paid if amount - unpaid > 0 else None,
                     "paid_amount": amount - unpaid})
    return rows


def _tables() -> ImportResult:
    customers = [
        customer("C1"),  # pays on time
        customer("C2"),  # leaves 50,000 unpaid on an invoice due in July 2025: bad in the first run
        customer("C3", operating_status="poor"),  # pays 10 days late, forced to C
        customer("C4", name=HOSTILE),  # leaves 80 元 unpaid: under the tolerance, never bad
        customer("C5", total_liabilities=9000.0),  # pays 40 days late: bad in both runs
        customer("C6", license=False, tax_registration=False, org_code=False),  # 3 days late, capped
        customer(NEWCOMER, first_trade_date=date(2025, 9, 1)),  # trades from September 2025
    ]
    rows = (_invoices("C1", 0) + _invoices("C2", 0, unpaid_last=50_000.0) + _invoices("C3", 10)
            + _invoices("C4", 0, unpaid_last=80.0) + _invoices("C5", 40) + _invoices("C6", 3)
            + _invoices(NEWCOMER, 0, start=date(2025, 9, 10), count=9))
    sheets = [SheetSource("客户.xlsx", "/in/客户.xlsx", "a" * 64, "客户", "customers", "auto", 1, rows_read=7,
                          rows_used=7),
              SheetSource("明细.xlsx", "/in/明细.xlsx", "b" * 64, "明细", "ledger", "auto", 1, rows_read=len(rows),
                          rows_used=len(rows))]
    return ImportResult(customers, ledger(rows), no_receipts(), [], sheets)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    folder = tmp_path_factory.mktemp("backtest")
    policy = load_policy()
    tables = _tables()
    result = evaluate.backtest(tables, policy, EVALUATION, evaluate.outcome_rule(policy), rerate_at=DATES,
                               inputs=[Path("/in/客户.xlsx")], operator="审计员")
    # policy B: levels 5 points harder and half the limit factors, so that levels and limits move
    levels = tuple(replace(lv, min_score=lv.min_score + 5) if lv.min_score else lv for lv in policy.levels)
    policy_b = replace(policy, version="2026.9", levels=levels,
                       limit=replace(policy.limit, factors={k: v / 2 for k, v in policy.limit.factors.items()}))
    compared = evaluate.compare_policies(tables, policy, policy_b, EVALUATION, operator="审计员")
    paths = {}
    for lang in ("zh", "en"):
        paths[f"bt-{lang}"] = folder / f"回测 {lang}.xlsx"
        write_backtest(str(paths[f"bt-{lang}"]), result, lang)
        paths[f"cmp-{lang}"] = folder / f"对比 {lang}.xlsx"
        write_compare(str(paths[f"cmp-{lang}"]), compared, lang)
    return result, compared, paths, folder


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def _facts(ws) -> dict:
    """Column A label -> the row's other cells (the summary and audit sheets)."""
    return {r[0]: r[1:] for r in ws.iter_rows(values_only=True) if r and r[0] is not None}


# ---------------------------------------------------------------- the back-test workbook


def test_the_small_input_has_what_the_tests_need(made):
    """Guard: bad and good cases, a newcomer left out, rules caught, two runs for the PSI."""
    rep = made[0].report
    seen = rep.cases[rep.cases["observable"]]
    assert 0 < int(seen["bad"].sum()) < len(seen)
    assert rep.not_trading == 1 and rep.not_observable == 0
    assert rep.rules and rep.psi is not None and rep.auc is not None and len(rep.roc) >= 3
    hostile = seen[seen["customer_id"] == "C4"]
    assert len(hostile) == 2 and not hostile["bad"].any()  # 80 元 unpaid: under the tolerance
    assert seen.loc[seen["customer_id"] == "C2", "bad"].tolist() == [True, True]  # still unpaid at the second date


def test_the_level_table_holds_the_reports_numbers_and_formulas_over_the_case_list(made):
    result, _, paths, _ = made
    rep = result.report
    wb = openpyxl.load_workbook(paths["bt-zh"], data_only=True)
    rows = _rows(wb["按等级"])
    assert rows[0][:6] == ("等级", "案例数", "违约数", "违约率", "95%区间下限", "95%区间上限")
    for lv, row in zip(rep.levels, rows[1:]):
        assert row[0] == lv.level and row[1] == lv.cases and row[2] == lv.bad
        if lv.cases:
            assert row[3] == pytest.approx(lv.bad_rate) and row[4] == pytest.approx(lv.ci_low)
            assert row[5] == pytest.approx(lv.ci_high)
            assert row[6] == pytest.approx(lv.ci_high - lv.bad_rate) and row[7] == pytest.approx(lv.bad_rate - lv.ci_low)
        else:
            assert row[3] in ("", None)
    total = rows[1 + len(rep.levels)]
    assert total[0] == "合计" and total[1] == sum(lv.cases for lv in rep.levels)
    assert next(r for r in rows if r[0] == "z 值(95% 区间)")[1] == pytest.approx(Z95)
    formulas = openpyxl.load_workbook(paths["bt-zh"])["按等级"]
    assert formulas["B2"].value == "=COUNTIFS('案例明细'!$E$2:$E$" + str(len(_seen(rep)) + 1) + ",A2)"
    assert formulas["C2"].value.endswith(',"是")') and formulas["D2"].value == '=IF(B2>0,C2/B2,"")'
    en = openpyxl.load_workbook(paths["bt-en"])["By level"]
    assert en["C2"].value.endswith(',"Yes")')  # the case list says Yes / No in English


def _seen(rep):
    return rep.cases[rep.cases["observable"]]


def test_the_case_list_is_every_observable_case_with_its_outcome(made):
    result, _, paths, _ = made
    seen = _seen(result.report)
    ws = openpyxl.load_workbook(paths["bt-zh"], data_only=True)["案例明细"]
    rows = _rows(ws)
    assert rows[0] == ("运行编号", "评估基准日", "客户编号", "客户名称", "等级", "总分", "违约", "发票号码",
                       "明细行号", "到期日", "首次违约日", "逾期天数", "未付余额(元)")
    assert len(rows) - 1 == len(seen)
    for row, case in zip(rows[1:], seen.itertuples(index=False)):
        assert row[:6] == (case.run_id, pd.Timestamp(case.as_of).to_pydatetime(), case.customer_id, case.name,
                           case.level, case.score)
        assert row[6] == ("是" if case.bad else "否")
        if case.bad:
            assert row[7] == case.invoice_no and row[8] == int(case.invoice_row)
            assert row[9] == pd.Timestamp(case.due).to_pydatetime()
            assert row[10] == pd.Timestamp(case.bad_on).to_pydatetime()
            assert row[11] == case.days_past_due and row[12] == pytest.approx(case.unpaid)
        else:
            assert row[7:] == (None,) * 6
    c2 = next(r for r in rows if r[2] == "C2" and r[6] == "是")
    assert c2[7] == "C2-11" and c2[12] == pytest.approx(50_000.0)  # the invoice due in July 2025


def test_the_summary_says_the_rule_the_source_and_the_readings(made):
    result, _, paths, _ = made
    rep = result.report
    zh = _facts(openpyxl.load_workbook(paths["bt-zh"], data_only=True)["回测摘要"])
    assert zh["违约定义"][0] == "评级后 6 个月内，任一发票逾期超过 30 天且未付余额超过 100 元，即为违约（坏）"
    assert zh["案例来源"][0] == "按以下基准日重新评级：2025-06-30、2025-12-31"
    assert "客户资料(财务数据、经营状况等)是当前的，而非各基准日当时的" in zh["请注意"][0]
    assert zh["计入的评级"][0] == f"2 次评级，共 {len(_seen(rep))} 个案例"
    assert zh["未计入的客户"][0] == 1 and zh["尚不可观察的案例"][0] == 0
    assert zh["AUC(总分区分违约的能力)"][0] == pytest.approx(rep.auc)
    assert zh["KS"][0] == pytest.approx(rep.ks)
    assert zh["PSI(等级分布稳定性)"][0] == pytest.approx(rep.psi)
    word = {"stable": "稳定", "shifting": "有所变化", "unstable": "不稳定"}[rep.psi_reading]
    assert zh["PSI(等级分布稳定性)"][1].startswith(f"{word}：比较 {rep.psi_runs[0]} 与 {rep.psi_runs[1]} 的等级分布")
    assert zh["单调性"][0] == {True: "违约率从最好的等级到最差的等级逐级不降：等级排序与风险一致",
                              False: "违约率没有随等级变差而逐级上升：等级排序与风险不一致，请查看按等级表",
                              None: "有案例的等级不足两个，或没有一例违约，无法判断"}[rep.monotonic]
    en = _facts(openpyxl.load_workbook(paths["bt-en"], data_only=True)["Back-test summary"])
    assert en["Outcome rule"][0] == ("Bad: within 6 months after the rating, an invoice more than 30 days past "
                                     "due with more than 100 CNY unpaid")
    assert "not those of each date" in en["Note"][0]
    assert en["PSI (stability of the level mix)"][1].startswith(f"{rep.psi_reading}: the level mix of")


def test_the_item_rule_and_mix_sheets_hold_the_report(made):
    result, _, paths, _ = made
    rep, policy = result.report, result.policy
    wb = openpyxl.load_workbook(paths["bt-zh"], data_only=True)
    items = _rows(wb["按评分项"])[1:]
    want = [(policy.item(k).label_zh, b.points, b.cases, b.bad) for k, bands in rep.items.items() for b in bands]
    assert [(r[0], r[2], r[3], r[4]) for r in items] == want
    timeliness = [r[1] for r in items if r[0] == "付款及时性"]
    assert "按时" in timeliness and all("inf" not in b and "(" not in b for b in timeliness)
    assert [r[1] for r in items if r[0] == "经营状况"] and "poor" not in {r[1] for r in items}  # categories in words
    rules = _rows(wb["按规则"])[1:]
    assert [(r[0], r[2], r[3]) for r in rules] == [(x.key, x.cases, x.bad) for x in rep.rules]
    assert next(r for r in rules if r[0] == "FORCE_C_OPERATING")[1] == "经营状况不良，强制C级"
    mix = _rows(wb["评级分布"])
    levels = [lv.level for lv in rep.levels]
    assert list(mix[0][4:4 + len(levels)]) == levels
    counts = rep.cases.groupby(["run_id", "level"]).size()
    for row in mix[1:1 + len(rep.runs)]:
        assert row[3] == sum(row[4:4 + len(levels)])
        assert list(row[4:4 + len(levels)]) == [int(counts.get((row[0], lv), 0)) for lv in levels]
    assert next(r for r in mix if r[0] == "PSI 合计")[3] == pytest.approx(rep.psi)


def test_an_old_register_run_without_bands_shows_the_points(made, tmp_path):
    """Runs recorded before the register kept each item's band: the item table shows "N 分"."""
    result = made[0]
    cases = result.report.cases.copy()
    for col in [c for c in cases if c.startswith("band:")]:
        cases[col] = None
    rep = result.report
    old = report(cases, rep.runs, [lv.level for lv in rep.levels], list(rep.items), rep.evaluation_date, rep.rule,
                 "register")
    out = tmp_path / "old.xlsx"
    write_backtest(str(out), replace(result, report=old, rerate_at=()), "zh")
    rows = _rows(openpyxl.load_workbook(out, data_only=True)["按评分项"])[1:]
    assert rows and all(r[1] == f"{r[2]} 分" for r in rows)
    summary = _facts(openpyxl.load_workbook(out, data_only=True)["回测摘要"])
    assert summary["案例来源"][0].startswith("评级登记簿中的历次评级") and "请注意" not in summary


def _chart_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode("utf-8") for n in sorted(z.namelist()) if re.match(r"xl/charts/chart\d+\.xml$", n)]


def test_the_charts_draw_the_level_table_with_its_intervals_and_the_roc_points(made):
    result, _, paths, _ = made
    rep = result.report
    n, m = len(rep.levels), len(rep.roc)
    bars, roc = _chart_xml(paths["bt-zh"])
    assert "<c:barChart>" in bars and "<c:errBars>" in bars and "<c:errValType val=\"cust\"/>" in bars
    assert f"<c:cat><c:strRef><c:f>'按等级'!$A$2:$A${n + 1}</c:f>" in bars
    assert f"<c:val><c:numRef><c:f>'按等级'!$D$2:$D${n + 1}</c:f>" in bars
    assert f"<c:plus><c:numRef><c:f>'按等级'!$G$2:$G${n + 1}</c:f>" in bars
    assert f"<c:minus><c:numRef><c:f>'按等级'!$H$2:$H${n + 1}</c:f>" in bars
    assert "<c:scatterChart>" in roc and roc.count("<c:ser>") == 2
    assert roc.count(f"<c:xVal><c:numRef><c:f>'ROC曲线'!$B$2:$B${m + 1}</c:f>") == 2
    assert f"<c:yVal><c:numRef><c:f>'ROC曲线'!$C$2:$C${m + 1}</c:f>" in roc
    assert f"<c:yVal><c:numRef><c:f>'ROC曲线'!$B$2:$B${m + 1}</c:f>" in roc  # the diagonal
    with zipfile.ZipFile(paths["bt-zh"]) as z:  # both on the summary sheet, the first
        assert "drawing" in z.read("xl/worksheets/_rels/sheet1.xml.rels").decode()
        assert z.read("xl/drawings/drawing1.xml").decode().count("<c:chart ") == 2
    points = _rows(openpyxl.load_workbook(paths["bt-zh"], data_only=True)["ROC曲线"])[1:m + 1]
    assert [(r[1], r[2]) for r in points] == [pytest.approx(p) for p in rep.roc]
    assert points[0][0] is None and [r[0] for r in points[1:]] == sorted(set(_seen(rep)["score"]))


def test_a_formula_in_a_customers_name_is_text(made):
    _, _, paths, _ = made
    assert assert_text_not_formula(paths["bt-zh"], [HOSTILE]) == 2  # a case in each run
    assert assert_text_not_formula(paths["cmp-zh"], [HOSTILE]) == 1


def test_tick_is_the_cancel_checkpoint_of_a_long_case_list(made, tmp_path):
    result = made[0]
    cases = pd.concat([result.report.cases] * 400, ignore_index=True)  # about 10,000 cases
    big = replace(result, report=replace(result.report, cases=cases))
    calls = []
    write_backtest(str(tmp_path / "big.xlsx"), big, "zh", lambda: calls.append(1))
    assert len(calls) >= len(cases) // 2000
    book = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=True)
    assert len(_rows(book["案例明细"])) == len(cases) + 1
    book.close()

    class Cancelled(Exception):
        pass

    def cancel():
        calls.append(1)
        if len(calls) > 3:
            raise Cancelled
    calls.clear()
    with pytest.raises(Cancelled):
        write_backtest(str(tmp_path / "cancelled.xlsx"), big, "zh", cancel)
    assert not (tmp_path / "cancelled.xlsx").exists()


# ---------------------------------------------------------------- the comparison workbook


def test_the_comparison_workbook_holds_the_comparison(made):
    _, compared, paths, _ = made
    c = compared.comparison
    assert c.changed["level"] and c.changed["limit"]  # guard: policy B moves levels and limits
    wb = openpyxl.load_workbook(paths["cmp-zh"], data_only=True)
    s = _facts(wb["对比摘要"])
    assert s["标签"][:2] == (c.a.label, c.b.label) and s["客户数"] == (len(c.a.snaps), len(c.b.snaps), 0)
    assert s["两边都有的客户"][0] == c.both and s["仅 A 中有的客户"][0] == len(c.only_a)
    assert [s[k][0] for k in ("等级变化", "账期变化", "额度变化", "审批路径变化")] == \
        [c.changed[k] for k in ("level", "term", "limit", "route")]
    assert s["可授信额度合计(元)"] == (c.total_limit[0], c.total_limit[1], c.total_limit[1] - c.total_limit[0])
    assert s["需销售部经理审批"][:2] == (c.approvals[0]["sales_manager"], c.approvals[1]["sales_manager"])
    assert s["需财务总监审批"][:2] == (c.approvals[0]["cfo"], c.approvals[1]["cfo"])
    matrix = _rows(wb["等级迁移"])
    head = next(i for i, r in enumerate(matrix) if r[0] == "A 等级 ＼ B 等级")
    assert list(matrix[head][1:]) == [*c.levels, "合计"]
    for la, row in zip(c.levels, matrix[head + 1:]):
        assert row[0] == la and list(row[1:-1]) == [c.matrix[la][lb] for lb in c.levels]
        assert row[-1] == sum(c.matrix[la].values())
    assert matrix[head + 1 + len(c.levels)][-1] == c.both
    shaded = openpyxl.load_workbook(paths["cmp-zh"])["等级迁移"]
    fills = {(i, j): shaded.cell(head + 2 + i, 2 + j).fill.fgColor.rgb for i in range(len(c.levels))
             for j in range(len(c.levels))}
    assert {v for (i, j), v in fills.items() if i == j} == {"FFD9D9D9"}
    assert "FFD9D9D9" not in {v for (i, j), v in fills.items() if i != j}
    changed = _rows(wb["变化客户"])
    assert len(changed) - 1 == len(c.customers)
    for row, x in zip(changed[1:], c.customers):
        assert row[:2] == (x.a.customer_id, x.a.name)
        assert row[3:11] == (x.a.total, x.b.total, x.a.level, x.b.level, x.a.term_days, x.b.term_days, x.a.limit,
                             x.b.limit)
        for i in x.items:
            assert f"{compared.policies[0].item(i.key).label_zh} {i.a}→{i.b}" in row[13]


def test_the_comparison_names_the_items_and_rules_that_differ(made, tmp_path):
    """A customer newly capped in B: its rule by name, its item "付款及时性 25→15" style."""
    from desktop.core.compare import Side, Snap, compare
    a = Snap("X1", "甲公司", "AA", 85, 60, 100_000, "sales_manager", {"payment_timeliness": 25, "documents": 5}, ())
    b = Snap("X1", "甲公司", "A", 75, 45, 50_000, "sales_manager", {"payment_timeliness": 15, "documents": 5},
             ("CAP_A_DOCUMENTS",))
    policy = load_policy()
    c = compare(Side("甲", (a,), "2026-06-30", "p1"), Side("乙", (b,), "2026-06-30", "p2"), ["AAA", "AA", "A", "B", "C"])
    out = tmp_path / "c.xlsx"
    write_compare(str(out), evaluate.CompareResult(c, [], [], (policy, policy)), "zh")
    row = _rows(openpyxl.load_workbook(out, data_only=True)["变化客户"])[1]
    assert row[2] == "等级变化、账期变化、额度变化"
    assert row[13] == "付款及时性 25→15" and row[14] == "关键资料不全，等级封顶" and row[15] in ("", None)


def test_the_audit_sheets_name_every_input_and_policy(made):
    result, compared, paths, _ = made
    audit = _facts(openpyxl.load_workbook(paths["bt-zh"], data_only=True)["审计信息"])
    assert audit["政策文件SHA-256"][0] == result.policy.sha256 and audit["操作人"][0] == "审计员"
    assert audit["重新评级的基准日"][0] == "2025-06-30、2025-12-31" and audit["观察期(月)"][0] == 6
    sheets = openpyxl.load_workbook(paths["bt-zh"], data_only=True)["审计信息"]
    shas = [r[9] for r in sheets.iter_rows(values_only=True) if r[0] in ("客户.xlsx", "明细.xlsx")]
    assert shas == ["a" * 64, "b" * 64]
    cmp_audit = _facts(openpyxl.load_workbook(paths["cmp-zh"], data_only=True)["审计信息"])
    assert cmp_audit["政策版本(A方)"][0] == "2026.1" and cmp_audit["政策版本(B方)"][0] == "2026.9"


# ---------------------------------------------------------------- the words


def _user_words(result, compared) -> list[str]:
    """Text that comes from the user's files (names, policy names, file and sheet names)."""
    names = [c.name for c in _tables().customers]
    policies = [p.name for p in compared.policies if p is not None] + [result.policy.name]
    files = [s.file for s in result.sheets] + [s.sheet for s in result.sheets]
    return sorted(set(names + policies + files + [result.operator]), key=len, reverse=True)


@pytest.mark.parametrize("kind", ["bt", "cmp"])
def test_each_language_speaks_only_itself(made, kind):
    result, compared, paths, _ = made
    user = _user_words(result, compared)

    def own(text: str) -> str:
        for w in user:
            text = text.replace(w, "")
        return text

    zh = [(where, own(s)) for where, s in _texts(paths[f"{kind}-zh"])]
    en = [(where, own(s)) for where, s in _texts(paths[f"{kind}-en"])]
    assert len(zh) > 40 and len(en) > 40
    assert _foreign(zh) == []
    assert [(where, s) for where, s in en if has_cjk(s)] == []


# ---------------------------------------------------------------- a real spreadsheet program

needs_lo = [pytest.mark.libreoffice, pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")]


def _formula_cells(path: Path) -> dict[tuple[str, str], object]:
    """(sheet, cell) -> the value written with each formula."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    return {(ws.title, c.coordinate): values[ws.title][c.coordinate].value for ws in formulas.worksheets
            for row in ws.iter_rows() for c in row if c.data_type == "f"}  # not a name that looks like one


def _same(a, b) -> bool:
    if a in ("", None) or b in ("", None):
        return a in ("", None) and b in ("", None)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return b == pytest.approx(a, rel=1e-9, abs=1e-12)
    return a == b


@pytest.mark.parametrize("name", ["bt-zh", "bt-en", "cmp-zh"])
@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_recalculates_every_formula_to_the_value_written(made, name):
    _, _, paths, folder = made
    written = _formula_cells(paths[name])
    assert len(written) > 15
    again = openpyxl.load_workbook(convert(paths[name], "xlsx", folder / f"recalc-{name}", folder / f"lo-{name}"),
                                   data_only=True)
    differ = {k: (v, again[k[0]][k[1]].value) for k, v in written.items() if not _same(v, again[k[0]][k[1]].value)}
    assert differ == {}


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_the_level_table_follows_an_edited_case_list(made):
    """An auditor marks one good case bad: the level's bad count, rate and interval follow."""
    result, _, paths, folder = made
    wb = openpyxl.load_workbook(paths["bt-zh"])
    cases = wb["案例明细"]
    row = next(r for r in range(2, cases.max_row + 1) if cases.cell(r, 7).value == "否")
    level = cases.cell(row, 5).value
    cases.cell(row, 7).value = "是"
    edited = folder / "edited.xlsx"
    wb.save(edited)
    table = openpyxl.load_workbook(convert(edited, "xlsx", folder / "recalc-edited", folder / "lo-edited"),
                                   data_only=True)["按等级"]
    lv = next(x for x in result.report.levels if x.level == level)
    got = next(r for r in table.iter_rows(values_only=True) if r[0] == level)
    from desktop.core.backtest import wilson
    low, high = wilson(lv.bad + 1, lv.cases)
    assert got[1:6] == (lv.cases, lv.bad + 1, pytest.approx((lv.bad + 1) / lv.cases), pytest.approx(low),
                        pytest.approx(high))


def test_a_back_test_with_nothing_observable_yet_says_so(tmp_path):
    """Rated three months before the evaluation date: no case has its six months yet."""
    policy = load_policy()
    result = evaluate.backtest(_tables(), policy, EVALUATION, evaluate.outcome_rule(policy),
                               rerate_at=(date(2026, 3, 31),))
    assert result.report.not_observable == 7 and result.report.auc is None  # guard
    out = tmp_path / "none.xlsx"
    write_backtest(str(out), result, "zh")
    wb = openpyxl.load_workbook(out, data_only=True)
    facts = _facts(wb["回测摘要"])
    assert facts["尚不可观察的案例"][0] == 7 and facts["计入的评级"][0] == "0 次评级，共 0 个案例"
    assert facts["AUC(总分区分违约的能力)"] == (None, "无法计算：需要同时有违约和未违约的案例")
    assert facts["PSI(等级分布稳定性)"][1] == "无法计算：需要至少两次计入的评级"
    assert "没有可观察的案例，未绘制图表。" in facts and _chart_xml(out) == []
    assert len(_rows(wb["案例明细"])) == 1
    assert [r[2] for r in _rows(wb["评级分布"])[1:]] == ["尚不可观察，未计入"]


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_case_list_longer_than_a_sheet_goes_on_to_the_next_and_every_case_is_counted(made, tmp_path, monkeypatch):
    """More cases than an Excel sheet's rows (1,048,575 under the header; 3 here): the list goes on
    to 案例明细 (2), (3)...; no case is dropped, and the level table counts over every part, also
    when LibreOffice recalculates it."""
    import desktop.io.writers.backtest as bt
    result = made[0]
    seen = _seen(result.report)
    monkeypatch.setattr(bt, "CASE_ROWS", 3)
    path = tmp_path / "分页.xlsx"
    write_backtest(str(path), result, "zh")
    wb = openpyxl.load_workbook(path, data_only=True)
    parts = [n for n in wb.sheetnames if n.startswith("案例明细")]
    assert parts == ["案例明细"] + [f"案例明细 ({p})" for p in range(2, -(-len(seen) // 3) + 1)]
    ids = [r[2] for n in parts for r in _rows(wb[n])[1:]]
    assert ids == seen["customer_id"].tolist()  # every case once, in order
    assert all(len(_rows(wb[n])) <= 4 for n in parts)
    formula = openpyxl.load_workbook(path)["按等级"]["B2"].value
    assert formula.count("COUNTIFS(") == len(parts) and "'案例明细 (2)'!$E$2:$E$4" in formula
    again = openpyxl.load_workbook(convert(path, "xlsx", tmp_path / "recalc", tmp_path / "lo"), data_only=True)["按等级"]
    for lv, row in zip(result.report.levels, list(again.iter_rows(values_only=True))[1:]):
        assert (row[0], row[1], row[2]) == (lv.level, lv.cases, lv.bad)
