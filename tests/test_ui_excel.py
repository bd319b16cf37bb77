"""The window works like the spreadsheet a clerk knows: copy a range with its headers and paste it
into Excel as cells, export what the filters show, Ctrl+F, 清除筛选 and Esc, tooltips, pinyin order,
amounts as 1,236,000, totals of the rows shown, and an issues panel that filters, sorts, exports
and jumps to its customer. Driven offscreen on the sample workbooks; waits on signals, never sleeps."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QToolBar  # noqa: E402
from window_helpers import TIMEOUT, load, open_window, rate  # noqa: E402

from desktop.core.models import totals_of  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402
from desktop.ui.models import IssuesModel, ResultsModel, amount_text, clipboard_cell  # noqa: E402

SAMPLES = sorted(samples_dir().iterdir())
COLUMN = {key: n for n, key in enumerate(ResultsModel.KEYS)}


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    yield w
    w.close()


def odd_names(tmp_path: Path) -> list[Path]:
    """The samples, with a customer named like a formula (=1+2 恒信化工, C0004), a name holding a tab
    and a line break (C0005), and a salesperson starting with @ (C0005)."""
    source = next(p for p in SAMPLES if p.name.startswith("客户"))
    wb = openpyxl.load_workbook(source)
    ws = wb.active
    ws["B7"] = "=1+2 恒信化工"
    ws["B7"].data_type = "s"  # text, as a clerk's sheet holds it, not a formula
    ws["B8"] = "恒信\t食品\n有限公司"
    ws["D8"] = "@王磊"
    target = tmp_path / "odd" / source.name
    target.parent.mkdir()
    wb.save(target)
    return [target if p == source else p for p in SAMPLES]


def select(view, *spans: tuple[int, int, int, int]) -> None:
    """Select ``spans`` (top, bottom, left, right) as Shift+click and Ctrl+Shift+click would."""
    m = view.model()
    chosen = QItemSelection()
    for top, bottom, left, right in spans:
        chosen.select(m.index(top, left), m.index(bottom, right))
    view.selectionModel().select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def row_of(w, customer_id: str) -> int:
    return w.results_model.row_of(customer_id)


# ---------------------------------------------------------------- copy

def test_ctrl_c_copies_a_range_with_its_headers_as_excel_pastes_it(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    load(qtbot, w, odd_names(tmp_path))
    rate(qtbot, w)
    first = row_of(w, "C0003")
    assert [w.results_model.row_object(first + n).customer_id for n in range(3)] == ["C0003", "C0004", "C0005"]
    # ID to salesperson of three rows, and (Ctrl+Shift+click) their eligible limits
    select(w.table, (first, first + 2, 0, 2), (first, first + 2, COLUMN["eligible_limit"], COLUMN["eligible_limit"]))
    QGuiApplication.clipboard().clear()
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == (
        "客户编号\t客户名称\t业务员\t可授信额度\n"
        "C0003\t天成化工有限公司\t陈静\t1236000\n"  # the number as a number: no thousands separator
        "C0004\t'=1+2 恒信化工\t陈静\t0\n"  # never run as a formula
        "C0005\t恒信 食品 有限公司\t'@王磊\t0")  # one cell: no tab or line break inside
    assert w.results_model.index(first, COLUMN["eligible_limit"]).data() == "1,236,000"  # as the window shows it

    # the context menu: 复制 (no headers, Ctrl+Shift+C) and 复制（含表头）
    copy, with_headers = (a for a in w.table.actions() if a.text() in ("复制（不含表头）", "复制（含表头）"))
    assert (copy.text(), with_headers.text()) == ("复制（不含表头）", "复制（含表头）")
    assert w.table.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    select(w.table, (first, first, COLUMN["requested_limit"], COLUMN["requested_limit"]))
    copy.trigger()
    assert QGuiApplication.clipboard().text() == "1000000"  # shown as 1,000,000
    with_headers.trigger()
    assert QGuiApplication.clipboard().text() == "申请额度\n1000000"
    w.close()


def test_the_issues_panel_copies_its_cells_too(qtbot, window):
    w = window
    m = w.issues_model
    row = next(r for r in range(m.rowCount()) if m.row_object(r).value == "约一万")
    select(w.issues_view, (row, row, 3, 6))  # row, column, value, problem
    w.issues_view.setFocus()
    qtbot.keyClick(w.issues_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    issue = m.row_object(row)
    assert QGuiApplication.clipboard().text() == f"行号\t列\t值\t问题\n{issue.row}\t{issue.column}\t约一万\t{m.index(row, 6).data()}"


def test_clipboard_cells():
    assert [clipboard_cell(v) for v in (1236000, 1236000.0, 1234.56, -500.0, None, float("nan"), "-5%", "+86", "a\r\nb")] \
        == ["1236000", "1236000", "1234.56", "-500", "", "", "'-5%", "'+86", "a b"]



@pytest.mark.parametrize("text", ["00123", "1-2", "1E3", "1e5", "1/2", "3-4", "3:4", "(5)", "12%", "¥100", "1 000",
                                  "TRUE", "false", "'lead", "2026-06-30"])
def test_text_excel_would_turn_into_a_number_date_or_truth_value_is_kept_as_text(text):
    """An ID 00123 pasted into Excel must stay 00123, a name 3-4 must not become 4 March."""
    assert clipboard_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["C0001", "天成医药", "北京1号", "ABC-1", "A 1"])
def test_text_excel_keeps_as_text_is_copied_as_it_is(text):
    assert clipboard_cell(text) == text


# ---------------------------------------------------------------- export what the filters show

def _sheet_rows(path: Path, sheet: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def test_export_of_the_filtered_view_holds_the_shown_customers_and_says_it_is_filtered(qtbot, window, tmp_path):
    w = window
    w.sales_filter.setCurrentIndex(w.sales_filter.findData("王磊"))
    shown = w.results_model.shown_ids()
    assert 0 < len(shown) < 42
    assert w.act_export_shown.isEnabled() and w.act_export_shown.text() == "导出当前筛选结果…"
    results = tmp_path / "王磊" / "评级结果.xlsx"
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT) as sig:
        w.export_results(results, shown=True)
    assert sig.args[0] == [results]
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    rows = _sheet_rows(results, "评级结果")
    assert rows[0][:3] == ("客户编号", "客户名称", "业务员")
    assert [r[0] for r in rows[1:]] == shown and {r[2] for r in rows[1:]} == {"王磊"}
    summary = {r[0]: r[1] for r in _sheet_rows(results, "汇总") if r and r[0]}
    assert summary["导出范围"] == f"仅筛选结果：本次评级 42 个客户中的 {len(shown)} 个"
    assert summary["筛选条件"] == "业务员：王磊"
    assert summary["已评级客户数"] == len(shown)
    aging = [r[0] for r in _sheet_rows(results, "应收账龄")[1:-1]]  # the last row: totals
    assert aging == shown
    # the audit sheet, every printed page and the workbook's title say it too
    audit = {r[0]: r[1] for r in _sheet_rows(results, "审计信息") if r and r[0]}
    assert audit["导出范围"].startswith(f"仅筛选结果：本次评级 42 个客户中的 {len(shown)} 个")
    assert "整次评级" in audit["导出范围"] and audit["筛选条件"] == "业务员：王磊"
    wb = openpyxl.load_workbook(results)
    assert all("仅筛选结果" in "".join(part.text or "" for part in (ws.oddFooter.left, ws.oddFooter.center,
                                                                    ws.oddFooter.right))
               for ws in wb.worksheets if ws.sheet_state == "visible")
    assert "导出范围" in wb.properties.title

    # the approval forms of the shown customers only, with the form IDs of the whole run's workbook
    everyone, mine = tmp_path / "全部审批表.xlsx", tmp_path / "王磊" / "审批表.xlsx"
    for path, shown_only in ((everyone, False), (mine, True)):
        with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
            w.export_forms(path, shown=shown_only)
        qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    every_id = [d.customer_id for d in w.result.rating.decisions]

    def forms(path: Path) -> dict[str, set]:
        """Customer ID -> the index rows of its forms (form ID, form, customer, ...; not the row number)."""
        out: dict[str, set] = {}
        for r in _sheet_rows(path, "目录"):
            cid = next((c for c in every_id if c in r), None)
            if cid is not None:
                out.setdefault(cid, set()).add(r[1:])
        return out
    everyone_forms, my_forms = forms(everyone), forms(mine)
    index = [r[0] for r in _sheet_rows(mine, "目录")[:4] if r and r[0]]
    assert any(str(v).startswith(f"导出范围：仅筛选结果：本次评级 42 个客户中的 {len(shown)} 个") for v in index)
    assert not any("导出范围" in str(r[0]) for r in _sheet_rows(everyone, "目录")[:4] if r and r[0])
    assert my_forms and set(my_forms) == set(everyone_forms) & set(shown)
    assert all(my_forms[c] == everyone_forms[c] for c in my_forms)  # the same form IDs as the whole run's

    # no filter: the whole run, and no "filtered" line; a filter showing nobody: told, nothing written
    w.clear_filters()
    full = tmp_path / "全部.xlsx"
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        w.export_results(full, shown=True)
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    assert "导出范围" not in {r[0] for r in _sheet_rows(full, "汇总") if r}
    assert len(_sheet_rows(full, "评级结果")) == 43
    w.search.setText("没有这个客户")
    nobody = tmp_path / "无.xlsx"
    w.export_results(nobody, shown=True)
    assert w._last_info_box.text() == "当前筛选条件下没有客户：请先修改或清除筛选。" and not nobody.exists()
    w._last_info_box.close()


# ---------------------------------------------------------------- find, clear, a new rating

def test_ctrl_f_focuses_the_search_and_esc_clears_every_filter(qtbot, window):
    w = window
    w.activateWindow()
    w.table.setFocus()
    w.level_filter.setCurrentIndex(w.level_filter.findData("B"))
    w.exceeds_filter.setChecked(True)
    assert w.clear_filter_button.isEnabled()
    qtbot.keyClick(w.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is w.search
    qtbot.keyClicks(w.search, "C001")
    assert w.results_model.rowCount() < 42
    qtbot.keyClick(w.search, Qt.Key.Key_Escape)
    assert w.results_model.rowCount() == 42 and not w.results_model.filter_active
    assert (w.level_filter.currentIndex(), w.exceeds_filter.isChecked(), w.search.text()) == (0, False, "")
    assert "显示 42 / 42 个客户" in w.counts.text() and not w.clear_filter_button.isEnabled()
    # the button does the same
    w.route_filter.setCurrentIndex(w.route_filter.findData("cfo_special"))
    assert w.results_model.rowCount() < 42
    w.clear_filter_button.click()
    assert w.results_model.rowCount() == 42 and w.route_filter.currentIndex() == 0


def test_a_new_rating_clears_the_filters_and_says_so(qtbot, window):
    w = window
    w.sales_filter.setCurrentIndex(w.sales_filter.findData("王磊"))
    qtbot.keyClicks(w.search, "C00")
    assert 0 < w.results_model.rowCount() < 42
    rate(qtbot, w)
    assert w.results_model.rowCount() == 42 and w.sales_filter.currentIndex() == 0 and w.search.text() == ""
    assert "显示 42 / 42 个客户" in w.counts.text()
    said = w.statusBar().currentMessage()
    head = w.result.run.register_head
    assert said == (f"新的评级结果：已清除筛选条件，显示全部客户。已登记到评级登记簿 {w.settings.register_path()}，"
                    f"记录号 {head.split()[0]} {head.split()[1][:12]}…。")
    w.statusBar().clearMessage()
    rate(qtbot, w)  # no filter was on: nothing to say of filters, only where the run was recorded
    said = w.statusBar().currentMessage()
    assert said.startswith("已登记到评级登记簿 ") and w.result.run.register_head.split()[0] in said


def test_the_detail_pane_clears_when_the_filter_hides_its_customer(qtbot, window):
    w = window
    w.table.selectRow(row_of(w, "C0007"))
    assert "远大机械有限公司" in w.detail.toPlainText()
    w.level_filter.setCurrentIndex(w.level_filter.findData("C"))  # C0007 is not C
    assert row_of(w, "C0007") < 0
    assert "远大机械有限公司" not in w.detail.toPlainText() and "选择一个客户" in w.detail.toPlainText()


# ---------------------------------------------------------------- sorting, amounts, totals, tooltips

def _decision(cid: str, name: str, limit: int | None, salesperson: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(customer_id=cid, customer=SimpleNamespace(name=name, salesperson=salesperson),
                           eligible_limit=limit)


def test_chinese_text_sorts_in_pinyin_order_ids_and_amounts_as_numbers():
    m = ResultsModel()
    m.set_headers([k for k in ResultsModel.KEYS], {}, ("是", "否"))
    m.set_rows([_decision("C10", "中原贸易", 10000, "张伟"), _decision("C2", "长城机械", 900),
                _decision("C1", "北方食品", None, "李娜"), _decision("C3", "阿里五金", 25000, "王磊")])

    def column(key: str) -> list:
        return [m.sort_value(m.row_object(r), COLUMN[key]) for r in range(m.rowCount())]

    m.sort(COLUMN["name"], Qt.SortOrder.AscendingOrder)
    assert column("name") == ["阿里五金", "北方食品", "长城机械", "中原贸易"]  # a, bei, chang, zhong: not code points
    m.sort(COLUMN["name"], Qt.SortOrder.DescendingOrder)
    assert column("name") == ["中原贸易", "长城机械", "北方食品", "阿里五金"]
    m.sort(COLUMN["customer_id"], Qt.SortOrder.AscendingOrder)
    assert column("customer_id") == ["C1", "C2", "C3", "C10"]
    m.sort(COLUMN["eligible_limit"], Qt.SortOrder.AscendingOrder)
    assert column("eligible_limit") == [900, 10000, 25000, None]  # numbers as numbers, the blank last
    m.sort(COLUMN["eligible_limit"], Qt.SortOrder.DescendingOrder)
    assert column("eligible_limit") == [25000, 10000, 900, None]  # ... either way, as in Excel
    m.sort(COLUMN["salesperson"], Qt.SortOrder.AscendingOrder)
    assert column("salesperson") == ["李娜", "王磊", "张伟", None]


def test_the_tables_sort_levels_best_first_and_names_by_pinyin(qtbot, window):
    w = window
    m = w.results_model
    w.table.sortByColumn(COLUMN["level"], Qt.SortOrder.AscendingOrder)
    levels = [m.row_object(r).level for r in range(m.rowCount())]
    order = ["AAA", "AA", "A", "B", "C"]
    assert levels == sorted(levels, key=order.index)
    w.table.sortByColumn(COLUMN["name"], Qt.SortOrder.AscendingOrder)
    names = [m.row_object(r).customer.name for r in range(m.rowCount())]
    assert names[0].startswith("安泰") and names[-1].startswith("中联")  # an … zhong
    # the issues panel: by row number as a number
    w.issues_view.sortByColumn(3, Qt.SortOrder.AscendingOrder)
    rows = [w.issues_model.row_object(r).row for r in range(w.issues_model.rowCount())]
    assert [r for r in rows if r is not None] == sorted(r for r in rows if r is not None)


def test_amounts_read_the_same_everywhere_and_the_status_bar_adds_up_the_shown_rows(qtbot, window):
    w = window
    m = w.results_model
    r = row_of(w, "C0003")
    cells = {key: m.index(r, COLUMN[key]).data() for key in ResultsModel.AMOUNTS}
    assert cells == {"eligible_limit": "1,236,000", "requested_limit": "1,000,000", "open_ar": "609,600",
                     "overdue": "0"}
    w.table.selectRow(r)
    detail = w.detail.toPlainText()
    for label, value in (("可授信额度(元)", "1,236,000"), ("申请额度(元)", "1,000,000"), ("应收余额(元)", "609,600"),
                         ("逾期余额(元)", "0")):
        assert f"{label}\n{value}\n" in detail
    assert amount_text(1235999.5) == "1,236,000" and amount_text(-0.4) == "0"

    def expected() -> str:
        shown = [m.row_object(n) for n in range(m.rowCount())]
        return (f"显示的客户合计：可授信额度 {amount_text(sum(d.eligible_limit for d in shown))} · "
                f"应收余额 {amount_text(sum(d.metrics.open_ar for d in shown))} · "
                f"逾期余额 {amount_text(sum(d.metrics.overdue_balance for d in shown))}")
    everyone = w.totals.text()
    # 2,606,000 before the total-amount control, less the 210,000 it takes off 恒信控股(HX) in the samples
    assert everyone == expected() and "可授信额度 2,396,000" in everyone
    # every row shown: the engine's totals, not added up again in the window; they are the shown rows'
    assert m.totals() is w.result.counts["totals"] == totals_of(m.row_object(n) for n in range(m.rowCount()))
    w.table.sortByColumn(COLUMN["eligible_limit"], Qt.SortOrder.DescendingOrder)  # sorted: still every row
    assert m.totals() is w.result.counts["totals"] and w.totals.text() == everyone
    w.switch_language("en")  # the rows shown again in other words keep the engine's totals
    assert m.totals() is w.result.counts["totals"]
    w.switch_language("zh")
    w.sales_filter.setCurrentIndex(w.sales_filter.findData("刘洋"))
    assert w.totals.text() == expected() != everyone
    # the level and route counts beside them are the shown rows' too, not the whole run's
    shown = [m.row_object(n) for n in range(m.rowCount())]
    levels = " ".join(f"{lv} {sum(d.level == lv for d in shown)}" for lv in ("AAA", "AA", "A", "B", "C"))
    assert w.counts.text().startswith(f"显示 {len(shown)} / 42 个客户 · {levels} · "
                                      f"{sum(d.approval_route == 'sales_manager' for d in shown)} 个需销售部经理审批")
    w.search.setText("没有这个客户")
    assert w.totals.text() == "显示的客户合计：可授信额度 0 · 应收余额 0 · 逾期余额 0"


def test_cut_off_cells_and_toolbar_buttons_have_tooltips(qtbot, window):
    w = window
    m = w.results_model
    tip = Qt.ItemDataRole.ToolTipRole
    for r in range(m.rowCount()):
        d = m.row_object(r)
        assert m.index(r, COLUMN["name"]).data(tip) == d.customer.name
        rules = m.index(r, COLUMN["rules"]).data(tip)
        assert (rules or "").split("\n") == (m.rule_words(d).split("；") if m.rule_words(d) else [""])
    assert any("\n" in (m.index(r, COLUMN["rules"]).data(tip) or "") for r in range(m.rowCount()))
    issues = w.issues_model
    for r in range(issues.rowCount()):
        for c in (6, 7):  # problem, action: the whole text, in Chinese
            assert issues.index(r, c).data(tip) == issues.index(r, c).data()
    toolbar = w.findChild(QToolBar, "main")
    buttons = [a for a in toolbar.actions() if a.text() and not a.isSeparator()]
    assert buttons
    for a in buttons:
        keys = a.shortcut().toString()
        assert a.toolTip() and "&" not in a.toolTip() and (not keys or a.toolTip().endswith(f"（{keys}）")), a.toolTip()
    assert w.act_rate.toolTip() == "评级（F5）"


# ---------------------------------------------------------------- the issues panel

def test_the_issues_panel_filters_by_severity_and_exports_what_it_shows(qtbot, window, tmp_path):
    w = window
    m = w.issues_model
    every = m.total_rows
    errors = sum(i.severity == "error" for i in m.all_rows())
    assert [w.severity_filter.itemText(i) for i in range(w.severity_filter.count())] == ["全部", "错误", "警告"]
    w.severity_filter.setCurrentIndex(w.severity_filter.findData("error"))
    assert m.rowCount() == errors and {m.row_object(r).severity for r in range(m.rowCount())} == {"error"}
    assert w.issues_shown.text() == f"显示 {errors} / {every} 条"
    w.issues_view.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # by row, the last first
    shown = [m.row_object(r) for r in range(m.rowCount())]
    target = tmp_path / "问题" / "数据问题.xlsx"
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT) as sig:
        w.export_issues(target)
    assert sig.args[0] == [target]
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    rows = _sheet_rows(target, "异常清单")
    assert rows[0] == ("级别", "文件", "工作表", "行号", "列", "值", "问题", "处理")
    assert [(r[0], r[1], r[3]) for r in rows[1:]] == [("错误(未使用)", i.file, i.row) for i in shown]
    assert [r[6] for r in rows[1:]] == [m.index(n, 6).data() for n in range(m.rowCount())]
    w.severity_filter.setCurrentIndex(w.severity_filter.findData("warning"))
    assert m.rowCount() == every - errors
    w.severity_filter.setCurrentIndex(0)
    assert m.rowCount() == every and w.issues_shown.text() == f"显示 {every} / {every} 条"


def test_a_double_click_on_an_issue_selects_its_customer_clearing_the_filters_that_hide_it(qtbot, window):
    w = window
    m = w.issues_model
    # the invalid credit code on row 9 of the customer sheet is C0006's
    row = next(r for r in range(m.rowCount()) if m.row_object(r).row == 9 and m.row_object(r).file.startswith("客户"))
    w.search.setText("C0007")
    assert row_of(w, "C0006") < 0
    index = m.index(row, 6)
    w.issues_view.scrollTo(index)
    assert w.issues_view.viewport().rect().contains(w.issues_view.visualRect(index).center())
    at = w.issues_view.visualRect(index).center()
    qtbot.mouseClick(w.issues_view.viewport(), Qt.MouseButton.LeftButton, pos=at)  # the press a double-click starts with
    qtbot.mouseDClick(w.issues_view.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert w.selected_decision().customer_id == "C0006"
    assert not w.results_model.filter_active and w.search.text() == "" and w.results_model.rowCount() == 42
    assert w.statusBar().currentMessage() == "已清除筛选条件，以显示客户 C0006。"
    assert "C0006" in w.detail.toPlainText()
    # a ledger row naming a rated customer's ID; an issue about no rated customer says so
    ledger = next(r for r in range(m.rowCount()) if m.row_object(r).value == "C9999")
    assert not w.show_issue_customer(m.index(ledger, 0))
    assert w.statusBar().currentMessage() == "此数据问题不涉及已评级的客户。"
    assert w.selected_decision().customer_id == "C0006"  # nothing else moved


def test_the_issues_model_sorts_mixed_values_numbers_first_blanks_last():
    from desktop.core.models import RowIssue
    m = IssuesModel()
    m.headers = ["级别", "文件", "工作表", "行号", "列", "值", "问题", "处理"]
    said = ("negative amount", "treated as blank")  # words the readers use (each row issue has its Chinese)
    m.set_rows([RowIssue("b.xlsx", "明细10", 3, "", "中", *said), RowIssue("a.xlsx", "明细2", None, "", 5.5, *said),
                RowIssue("a.xlsx", "明细2", 1, "", None, *said, "error"), RowIssue("c.xlsx", "明细1", 2, "", "阿", *said)])
    m.sort(5, Qt.SortOrder.AscendingOrder)
    assert [m.row_object(r).value for r in range(4)] == [5.5, "阿", "中", None]
    m.sort(2, Qt.SortOrder.AscendingOrder)
    assert [m.row_object(r).sheet for r in range(4)] == ["明细1", "明细2", "明细2", "明细10"]
    m.sort(0, Qt.SortOrder.AscendingOrder)
    assert m.row_object(0).severity == "error"
    m.sort(-1, Qt.SortOrder.AscendingOrder)  # no sort indicator: as found
    assert [m.row_object(r).file for r in range(4)] == ["b.xlsx", "a.xlsx", "a.xlsx", "c.xlsx"]


def test_the_issues_of_an_import_are_exported_before_any_rating(tmp_path):
    """The engine's side of 导出数据问题…: no rating needed, the output checked like any other."""
    from datetime import date

    from desktop.errors import OutputFileError
    from desktop.session import ExportIssues, ImportRequest, Session

    s = Session()
    imported = s.run(ImportRequest(tuple(SAMPLES), as_of=date(2026, 6, 30)))
    errors = tuple(i for i in imported.issues if i.severity == "error")
    target = tmp_path / "问题.xlsx"
    assert s.run(ExportIssues(target, errors, "en")).paths == [target]
    rows = _sheet_rows(target, "Exceptions")
    assert rows[0][0] == "Severity" and len(rows) == len(errors) + 1
    assert {r[0] for r in rows[1:]} == {"Error (not used)"}
    with pytest.raises(OutputFileError):  # never written over an input
        s.run(ExportIssues(SAMPLES[0], errors))


def test_the_next_review_is_copied_as_a_date_excel_can_sort(window):
    from desktop.ui.models import selection_text
    m = window.results_model
    column = m.KEYS.index("next_review")
    text = selection_text(m, [(0, 0, column, column)], headers=False)
    assert text == m.row_object(0).next_review.isoformat()  # no apostrophe: Excel takes it as a date
