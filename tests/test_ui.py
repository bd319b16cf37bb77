"""The window, driven offscreen the way a clerk uses it. Tests wait on signals, never on sleeps."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QAbstractItemModelTester  # noqa: E402
from PySide6.QtWidgets import QFileDialog  # noqa: E402
from window_helpers import load, open_window, rate  # noqa: E402

from desktop.paths import samples_dir  # noqa: E402
from desktop.ui.i18n import Language  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402
from desktop.ui.settings import Settings  # noqa: E402

SAMPLES = sorted(samples_dir().iterdir())
TIMEOUT = 30_000


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    yield w
    w.close()


def backup_copy(tmp_path: Path) -> Path:
    """A workbook whose second sheet is an old copy of the customer sheet: auto-classified as
    customers, which makes every ID a duplicate until the clerk says it is not used."""
    path = tmp_path / "客户资料 备份.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("旧版备份")
    ws.write_row(0, 0, ["客户编号", "客户名称"])
    for n in range(1, 43):
        ws.write_row(n, 0, [f"C{n:04d}", f"旧名称{n}"])
    wb.close()
    return path


def test_whole_flow(qtbot, window, tmp_path, monkeypatch):
    w = window
    load(qtbot, w, SAMPLES + [backup_copy(tmp_path)])
    kinds = {s.sheet: s.kind for s in w.sheets_model._rows}
    assert kinds["旧版备份"] == "customers"
    assert sum("duplicate customer ID" in i.problem for i in w.issues_model._rows) > 80

    # fix the classification: the backup sheet is not used
    row = next(i for i, s in enumerate(w.sheets_model._rows) if s.sheet == "旧版备份")
    index = w.sheets_model.index(row, w.sheets_model.KIND_COLUMN)
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        assert w.sheets_model.setData(index, "不使用")
    assert {s.sheet: s.kind for s in w.sheets_model._rows}["旧版备份"] == "ignored"
    # only the sample's own duplicated C0015 is left
    assert sum("duplicate customer ID" in i.problem for i in w.issues_model._rows) == 2

    rate(qtbot, w)
    decisions = w.result.rating.decisions
    assert len(decisions) == 42 and w.results_model.rowCount() == 42
    assert "显示 42 / 42 个客户" in w.counts.text()

    # filter by level, then by salesperson, then search
    w.level_filter.setCurrentIndex(w.level_filter.findData("C"))
    assert w.results_model.rowCount() == sum(d.level == "C" for d in decisions)
    w.level_filter.setCurrentIndex(0)
    w.sales_filter.setCurrentIndex(w.sales_filter.findData("王磊"))
    assert w.results_model.rowCount() == sum(d.customer.salesperson == "王磊" for d in decisions)
    w.sales_filter.setCurrentIndex(0)
    w.exceeds_filter.setChecked(True)
    assert w.results_model.rowCount() == sum(d.exceeds_policy for d in decisions)
    w.exceeds_filter.setChecked(False)
    qtbot.keyClicks(w.search, "C0007")
    assert w.results_model.rowCount() == 1

    # select the customer: the detail pane explains the decision
    w.table.selectRow(0)
    assert w.selected_decision().customer_id == "C0007"
    html = w.detail.toPlainText()
    assert "远大机械有限公司" in html and "加权平均逾期 4.2 天" in html and "87" in html
    assert "特殊付款期限申请(财务总监)" in html and "480,000" in html

    # export both workbooks
    results, forms = tmp_path / "out" / "结果.xlsx", tmp_path / "out" / "审批表.xlsx"
    targets = iter([results, forms])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(next(targets)), ""))
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT) as sig:
        w.export_results()
    assert sig.args[0] == [results] and results.exists()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        w.export_forms()
    assert forms.exists()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)

    # a sales manager fills the approval workbook in Excel; the clerk reads it back
    from test_approvals import approve, form_sheet, layout_cells
    wb = openpyxl.load_workbook(forms)
    approve(form_sheet(wb, "C0003"), layout_cells(wb)["credit_application"], when=datetime.now())  # rated today
    filled = tmp_path / "out" / "审批表 已填.xlsx"
    wb.save(filled)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(filled)], ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda parent, caption, proposed, *a, **k: (proposed, ""))
    with qtbot.waitSignal(w.approvals_read, timeout=TIMEOUT) as sig:
        w.read_approvals()
    result = sig.args[0]
    assert next(f for f in result.outcome.finals if f.customer_id == "C0003").status == "approved"
    dialog = w._approvals_dialog
    assert dialog.decisions.rowCount() == len(result.outcome.finals)
    statuses = {dialog.decisions.item(r, 0).text(): dialog.decisions.item(r, 2).text()
                for r in range(dialog.decisions.rowCount())}
    assert statuses["C0003"] == "已批准"
    dialog.close()


def test_cancel_mid_rating_changes_nothing(qtbot, window):
    w = window
    load(qtbot, w, SAMPLES)
    with qtbot.waitSignal(w.cancelled, timeout=TIMEOUT):
        w.rate()
        w.cancel()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    assert w.result is None and w.results_model.rowCount() == 0
    assert w.act_rate.isEnabled() and not w.cancel_button.isVisible()
    rate(qtbot, w)  # and the window still works
    assert w.results_model.rowCount() == 42


def test_an_output_error_from_the_engine_is_shown_with_its_hint(qtbot, window, tmp_path, monkeypatch):
    # The export runs in the engine process, so the fault must be a real one there: a target
    # in a "folder" that is a file. (The Excel lock itself is tested on the service, test_faults.)
    w = window
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    blocker = tmp_path / "not a folder"
    blocker.write_bytes(b"previous")
    target = blocker / "结果.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.export_results()
    message, kind = sig.args
    assert kind == "output" and str(target) in message
    # the hint does not send the clerk to Excel for a file that is not open anywhere
    assert w._last_error_box.informativeText() == "请换一个文件名或文件夹，或在占用该文件的程序中关闭它，然后重试。"
    assert blocker.read_bytes() == b"previous"
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    rate(qtbot, w)  # the engine goes on after the error


def test_invalid_policy_edit_is_caught_as_you_type(qtbot, window):
    w = window
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    editor = w.edit_policy()
    assert editor.problems.count() == 0 and editor.save_button.isEnabled()
    editor.items_list.setCurrentRow(0)  # payment timeliness
    editor.bands.item(1, 0).setText("(0, 8]")  # overlaps (7, 15]
    assert not editor.save_button.isEnabled()
    # in the clerk's words: the item by its name, the band by its number, the line of the file
    assert editor.problem_texts() == ["评分项目“付款及时性”的分档：分档 (0, 8] 与 (7, 15] 重叠（第 18 行）"]
    assert editor.difference_list() == ["付款及时性 第 2 档 区间：逾期 > 0 天且 ≤ 7 天 → 逾期 > 0 天且 ≤ 8 天"]
    editor.bands.item(1, 0).setText("(0, 7]")
    assert editor.problems.count() == 0 and editor.save_button.isEnabled()

    # what if AA started at 88?
    editor.levels.item(1, 0).setText("88")
    with qtbot.waitSignal(w.what_if_done, timeout=TIMEOUT) as sig:
        editor.what_if_button.click()
    changed, total = sig.args
    before = {d.customer_id: d for d in w.result.rating.decisions}
    expected = sum(1 for d in before.values() if d.level == "AA" and d.total < 88)
    assert (changed, total) == (expected, 42) and changed >= 1
    assert f"{total} 个客户中有 {changed} 个" in editor.status.text()


def test_saved_policy_keeps_comments_and_loads(qtbot, window, tmp_path):
    editor = window.edit_policy()
    editor.levels.item(2, 1).setText("50")  # A: 50 days
    saved = editor.save_to(tmp_path / "我的政策.toml")
    assert saved.terms.base_days["A"] == 50
    text = (tmp_path / "我的政策.toml").read_text(encoding="utf-8")
    assert "# Credit Desk default credit policy" in text and "A = 50" in text


def test_models_pass_qt_model_tester(qtbot, window):
    w = window
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    for model in (w.results_model, w.issues_model, w.sheets_model):
        QAbstractItemModelTester(model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    m = w.results_model
    level, total = m.KEYS.index("level"), m.KEYS.index("total")
    w.level_filter.setCurrentIndex(w.level_filter.findData("B"))
    assert m.rowCount() and {m.index(r, level).data() for r in range(m.rowCount())} == {"B"}
    w.table.selectRow(m.rowCount() - 1)
    chosen = w.selected_decision()
    m.sort(total, Qt.SortOrder.DescendingOrder)
    totals = [int(m.index(r, total).data()) for r in range(m.rowCount())]
    assert totals == sorted(totals, reverse=True) and totals
    assert w.selected_decision() is chosen  # the selection follows the customer through the sort
    w.level_filter.setCurrentIndex(0)  # every level again, still sorted by score
    totals = [int(m.index(r, total).data()) for r in range(m.rowCount())]
    assert len(totals) == m.total_rows == 42 and totals == sorted(totals, reverse=True)
    assert w.selected_decision() is chosen
    rate(qtbot, w)  # a reset under the tester


def test_mapping_dialog_maps_by_hand_and_saves_a_profile(qtbot, window, tmp_path):
    w = window
    odd = tmp_path / "往来.xlsx"
    wb = xlsxwriter.Workbook(odd)
    ws = wb.add_worksheet("往来")
    ws.write_row(0, 0, ["单位", "票号", "开具日", "含税价"])
    ws.write_row(1, 0, ["C0001", "X1", "2026/6/1", 1000])
    wb.close()
    load(qtbot, w, SAMPLES + [odd])
    source = next(s for s in w.sheets_model._rows if s.sheet == "往来")
    assert source.kind == "ignored"
    dialog = w.map_columns(source)
    dialog.kind.setCurrentIndex(dialog.kind.findData("ledger"))
    assert not dialog.ok_button.isEnabled()
    for field, col in (("customer_id", 0), ("invoice_no", 1), ("invoice_date", 2), ("amount", 3)):
        dialog.combos[field].setCurrentIndex(col + 1)
    # the sheet has no due date, term or payment columns: complete once the clerk confirms each
    assert dialog.ok_button.isEnabled() and dialog.status.text() != "映射完整"
    for field in ("due_date", "term_days", "paid_date", "paid_amount"):
        dialog.absent_boxes[field].setCheckState(Qt.CheckState.Checked)
    assert dialog.ok_button.isEnabled() and dialog.status.text() == "映射完整"
    dialog.profile_name.setText("往来账")
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        dialog.accept()
    assert next(s for s in w.sheets_model._rows if s.sheet == "往来").kind == "ledger"
    # the profile applies to the next file of the same shape, without the dialog
    second = tmp_path / "往来 二月.xlsx"
    shutil.copy(odd, second)
    w.choices.clear()
    load(qtbot, w, [second])
    again = [s for s in w.sheets_model._rows if s.file == second.name]
    assert again[0].kind == "ledger" and again[0].chosen_by == "profile: 往来账"


def test_language_switch_recent_files_and_layout_are_remembered(qtbot, window, qapp):
    w = window
    load(qtbot, w, SAMPLES[:1])
    assert w.act_rate.text() == "评级(&R)"
    w.switch_language("en")
    assert w.act_rate.text() == "&Rate" and w.results_model.headerData(0, Qt.Orientation.Horizontal) == \
        "Customer ID"
    assert w.settings.language() == "en"
    assert w.settings.recent_files()[0] == str(SAMPLES[0])
    assert [a.text() for a in w.recent_menu.actions()][0] == str(SAMPLES[0])
    w.issues_dock.hide()  # the clerk closed the issues panel
    w.close()
    again = MainWindow(Language(qapp, w.settings.language()), Settings())
    qtbot.addWidget(again)
    again.show()
    assert again.issues_dock.isHidden() and not again.sheets_dock.isHidden()
    assert again.act_rate.text() == "&Rate"
    again.switch_language("zh")


def test_smoke_test_entry_point_is_stable(tmp_path):
    """The packaged app's smoke test, from source, three times: a worker thread whose objects
    were freed twice used to crash the process now and then at the end of a job."""
    import subprocess
    import sys
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")  # its report, read from a pipe
    for n in range(3):
        out = tmp_path / f"run{n}"
        proc = subprocess.run([sys.executable, "-m", "desktop", "--smoke-test", str(out)], env=env,
                              capture_output=True, text=True, encoding="utf-8", timeout=300)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "42 customers rated" in proc.stdout
        assert sorted(p.name for p in out.iterdir()) == ["smoke-test.txt", "审批表.xlsx", "评级结果.xlsx"]


def test_a_dead_engine_is_reported_and_replaced(qtbot, window, tmp_path, monkeypatch):
    w = window
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    # killed while idle (e.g. by the task manager): the next job starts a new engine, which no
    # longer has the rating, and says so instead of exporting something else
    w.engine._process.kill()
    w.engine._process.join(10)
    target = tmp_path / "结果.xlsx"
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.export_results(target)
    assert sig.args == ["这次评级的结果已不可用，请按 F5 重新评级。", "stale"]  # in the window's language
    assert not target.exists()
    # the table still shows the rating, marked out of date, and nothing exports it
    assert w.stale and w.banner.isVisible() and not w.act_export.isEnabled() and not w.act_forms.isEnabled()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    # killed in the middle of a job: the clerk is told, and the window goes on
    w.progress_shown.connect(lambda stage, f: w.engine._process.kill() if stage == "policy" else None)
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.rate()
    assert sig.args[1] == "bug" and "后台评级进程意外退出" in sig.args[0] and "未写入任何文件" in sig.args[0]
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    w.progress_shown.disconnect()
    rate(qtbot, w)
    assert len(w.result.rating.decisions) == 42
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        w.export_results(target)
    assert target.exists()


def test_working_papers_of_the_selected_customers(qtbot, qapp, tmp_path):
    """File > Export working papers of the selected customers: click a row, Ctrl+click another, and the
    workbook holds those two customers' lines and totals, and no one else's."""
    w = open_window(qtbot, qapp, tmp_path)
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    wanted = []
    for r, key in ((2, Qt.KeyboardModifier.NoModifier), (6, Qt.KeyboardModifier.ControlModifier)):
        qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, key,
                         w.table.visualRect(w.results_model.index(r, 0)).center())
        wanted.append(w.results_model.row_object(r).customer_id)
    assert sorted(d.customer_id for d in w.selected_decisions()) == sorted(wanted)
    target = tmp_path / "明细 底稿.xlsx"
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        w.export_detail(target, selected=True)
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    wb = openpyxl.load_workbook(target, read_only=True)
    lines = wb[wb.sheetnames[1]]
    ids = {row[1] for row in lines.iter_rows(min_row=2, values_only=True) if row[1]}
    assert ids == set(wanted)
    totals = [row for row in wb[wb.sheetnames[0]].iter_rows(min_row=2, values_only=True) if row[1] in set(wanted)]
    wb.close()
    assert len(totals) == 2
