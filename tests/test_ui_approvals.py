"""Reading filled approval workbooks back in the window: against the rating register, against
the results workbook when the register does not hold the run, conflicts resolved by the clerk.

The forms are filled the way test_approvals fills them, dated today: the window reads them back
on the day it runs (the run was rated today too, so neither "before the run" nor "after the
read-back" applies). Run as a script, this file shows the dialog on a screen of a given size
and scale (a child process: the screen is fixed when the application starts).
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog  # noqa: E402
from test_approvals import approve, day, fill, form_sheet, layout_cells, run_score  # noqa: E402
from window_helpers import TIMEOUT, open_window  # noqa: E402

from desktop import services, session  # noqa: E402
from desktop.io.register import Register  # noqa: E402
from desktop.io.writers.labels import Labels  # noqa: E402
from desktop.ui.colors import colours  # noqa: E402

ZH = Labels("zh")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


@pytest.fixture(scope="module")
def registered(tmp_path_factory) -> Path:
    """A run of the bundled samples recorded in its register (folder/register.sqlite)."""
    folder = tmp_path_factory.mktemp("registered")
    run_score(folder)
    return folder


@pytest.fixture(scope="module")
def unregistered(tmp_path_factory) -> Path:
    """A run of the bundled samples recorded in no register: only its results workbook knows it."""
    folder = tmp_path_factory.mktemp("unregistered")
    run_score(folder, register=False)
    return folder


def filled(folder: Path, out: Path, c0003: str = "同意", c0007: bool = False) -> Path:
    """The run's approval workbook with C0003 decided (``c0003``) and C0013 rejected, today;
    ``c0007``: C0007's 120 days approved by the sales manager alone (an error: it needs the CFO;
    the customer stays pending)."""
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    approve(form_sheet(wb, "C0003"), cells, when=day(0), manager_decision=c0003)
    if c0007:
        approve(form_sheet(wb, "C0007"), cells, term=120, when=day(0), manager_reason="年度框架协议")
    fill(form_sheet(wb, "C0013"), cells, {"manager_decision": "不同意", "manager_signer": "赵经理",
                                         "manager_date": day(0)})
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def own_register(folder: Path, tmp_path: Path) -> Path:
    """A copy of the run's register for one test: what it records, the other tests never see."""
    copy = tmp_path / "register.sqlite"
    shutil.copy(folder / "register.sqlite", copy)
    return copy


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    yield w
    dialog = getattr(w, "_approvals_dialog", None)
    if dialog is not None:
        dialog.close()
    w.close()


def pick(monkeypatch, files: list[Path], results: list[Path | None] | None = None,
         save: Path | None | bool = True) -> dict[str, list]:
    """The file dialogs answer ``files`` (the filled workbooks), then where to save the decisions
    (``save``: True the name proposed, a path, or None: Cancel), and then, one per question,
    ``results`` (None: Cancel). A results question that is not expected fails the test."""
    asked: dict[str, list] = {"filled": [], "results": [], "save": []}
    answers = list(results or [])

    def save_name(parent, caption, proposed, filters, *a, **k):
        asked["save"].append(proposed)
        return (proposed if save is True else str(save) if save else ""), ""

    def open_names(parent, caption, folder, filters, *a, **k):
        asked["filled"].append(filters)
        return [str(f) for f in files], ""

    def open_name(parent, caption, folder, filters, *a, **k):
        asked["results"].append((caption, folder, filters))
        assert answers, "the window asked for a results workbook"
        answer = answers.pop(0)
        return (str(answer) if answer else ""), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", open_names)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_name)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    return asked


def read_back(qtbot, w) -> session.ApprovalsDone:
    """Read the forms the file dialog answers back; the result (an error box fails the test with its text)."""
    failed = []
    w.failed.connect(lambda message, kind: failed.append((kind, message)))
    with qtbot.waitSignal(w.approvals_read, timeout=TIMEOUT, raising=False) as sig:
        w.read_approvals()
    assert sig.signal_triggered and not failed, failed
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    return sig.args[0]


def column(table, c: int) -> dict[str, str]:
    return {table.item(r, 0).text(): table.item(r, c).text() for r in range(table.rowCount())}


def status_column(dialog) -> dict[str, str]:
    return column(dialog.decisions, 2)


def test_forms_of_a_registered_run_are_checked_against_the_register_without_asking_for_results(
        qtbot, window, registered, tmp_path, monkeypatch):
    w = window
    w.settings.save_register_path(str(own_register(registered, tmp_path)))
    assert w.results_path is None
    path = filled(registered, tmp_path / "已填 审批表.xlsx", c0007=True)
    asked = pick(monkeypatch, [path])  # no results workbook: asking for one fails
    result = read_back(qtbot, w)

    assert asked["filled"] == ["审批表 (*.xlsx *.xlsm *.xls *.ods)"] and asked["results"] == []
    assert result.source == "register"
    dialog = w._approvals_dialog
    assert dialog.isVisible()
    statuses = status_column(dialog)
    assert statuses["C0003"] == ZH("status.approved") == "已批准" and statuses["C0013"] == "不同意"
    assert statuses["C0007"] == ZH("status.pending")  # the special term waits for the CFO: an error, and noted
    assert column(dialog.decisions, 7)["C0007"] == ZH("note.awaiting_cfo")
    assert set(statuses.values()) <= {ZH(f"status.{s}") for s in ("approved", "rejected", "returned", "pending",
                                                                    "invalid", "conflict")}
    assert dialog.source_line.text() == ZH("decisions.checked_against.register")
    assert colours().warning_background not in dialog.source_line.styleSheet()  # no warning box
    # every word of the tables is Chinese, the problems' severities included
    severities = {dialog.problems.item(r, 0).text() for r in range(dialog.problems.rowCount())}
    assert ZH("severity.approval_error") in severities and severities <= {ZH("severity.approval_error"), ZH("severity.approval_warning"),
                                         ZH("severity.note")}
    for table in (dialog.decisions, dialog.problems):
        headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
        assert not any(LATIN_WORD.search(h) for h in headers), headers
    for r in range(dialog.decisions.rowCount()):
        for c in (2, 7):  # status, notes
            assert not LATIN_WORD.search(dialog.decisions.item(r, c).text())
    assert dialog.tabs.count() == 2  # no conflict: no conflicts tab
    assert (tmp_path / "已填 审批表 审批结果.xlsx").exists()


def test_a_run_not_in_the_register_asks_for_its_results_workbook_and_warns(qtbot, window, unregistered, tmp_path,
                                                                            monkeypatch):
    w = window
    register = tmp_path / "其他登记簿.sqlite"  # holds no run at all: not even created by the read-back
    w.settings.save_register_path(str(register))
    path = filled(unregistered, tmp_path / "forms" / "已填.xlsx")
    results = unregistered / "results.xlsx"
    asked = pick(monkeypatch, [path], [None, results])
    read = []
    w.approvals_read.connect(read.append)

    # Cancel in the results question's file dialog: nothing read, written or recorded
    w.read_approvals()
    qtbot.waitUntil(lambda: getattr(w, "_results_question", None) is not None and w._results_question.isVisible(),
                    timeout=TIMEOUT)
    box = w._results_question
    assert "登记簿" in box.text() and "结果工作簿" in box.text() and not LATIN_WORD.search(box.text())
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    box.defaultButton().click()
    assert len(asked["results"]) == 1
    caption, folder, filters = asked["results"][0]
    assert folder == str(path.parent) and "*.xlsx" in filters
    assert w.worker is None and read == [] and not (path.parent / "已填 审批结果.xlsx").exists()
    assert not register.exists()

    # the same again, this time the clerk chooses the results workbook
    w.read_approvals()
    qtbot.waitUntil(lambda: w._results_question is not box and w._results_question.isVisible(), timeout=TIMEOUT)
    with qtbot.waitSignal(w.approvals_read, timeout=TIMEOUT) as sig:
        w._results_question.defaultButton().click()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    result = sig.args[0]
    assert result.source == "results" and w._approvals_request.results == results
    dialog = w._approvals_dialog
    assert dialog.source_line.text() == ZH("decisions.checked_against.results")
    assert "登记簿无法确认" in dialog.source_line.text() \
        and colours().warning_background in dialog.source_line.styleSheet()
    assert status_column(dialog)["C0003"] == "已批准"
    warnings = [dialog.problems.item(r, 1).text() for r in range(dialog.problems.rowCount())
                if dialog.problems.item(r, 0).text() == ZH("severity.approval_warning")]
    assert any("登记簿无法确认" in text for text in warnings)


def test_a_conflict_with_a_decision_read_back_before_is_shown_until_the_clerk_prefers_a_file(
        qtbot, window, registered, tmp_path, monkeypatch):
    w = window
    register = own_register(registered, tmp_path)
    w.settings.save_register_path(str(register))
    first = filled(registered, tmp_path / "第一次.xlsx")
    pick(monkeypatch, [first])
    read_back(qtbot, w)
    assert status_column(w._approvals_dialog)["C0003"] == "已批准"
    w._approvals_dialog.close()

    second = filled(registered, tmp_path / "第二次.xlsx", c0003="不同意")
    pick(monkeypatch, [second])
    result = read_back(qtbot, w)
    assert next(f for f in result.outcome.finals if f.customer_id == "C0003").status == "conflict"
    dialog = w._approvals_dialog
    assert status_column(dialog)["C0003"] == ZH("status.conflict")
    assert dialog.tabs.currentIndex() == 0 and dialog.tabs.tabText(0).startswith("决定冲突")
    assert dialog.conflicts.rowCount() == 1
    assert [(c, Path(p).name) for c, p in dialog.conflict_rows] == [("C0003", "第二次.xlsx")]
    text = dialog.conflicts.item(0, 3).text()
    assert "已批准" in text and "不同意" in text and "第一次.xlsx" in text
    button = dialog.prefer_button
    assert button.text() == "以此文件的决定为准" and button.toolTip() and not LATIN_WORD.search(button.toolTip())
    assert not button.isEnabled()  # nothing chosen yet
    with Register(register, readonly=True) as reg:
        assert [a["status"] for a in reg.history("C0003")[-1]["approvals"]] == ["approved"]

    dialog.conflicts.selectRow(0)
    assert button.isEnabled()
    with qtbot.waitSignal(w.approvals_read, timeout=TIMEOUT) as sig:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    assert not dialog.isVisible() and w._approvals_dialog is not dialog
    assert w._approvals_request.prefer == (second,)
    assert next(f for f in sig.args[0].outcome.finals if f.customer_id == "C0003").status == "rejected"
    assert status_column(w._approvals_dialog)["C0003"] == "不同意" and w._approvals_dialog.tabs.count() == 2
    with Register(register, readonly=True) as reg:
        approvals = reg.history("C0003")[-1]["approvals"]
    assert [a["status"] for a in approvals] == ["approved", "rejected"] and approvals[1]["replaces"]


def test_copies_that_disagree_list_each_file_and_the_one_chosen_prevails(qtbot, window, registered, tmp_path,
                                                                         monkeypatch):
    w = window
    w.settings.save_register_path(str(own_register(registered, tmp_path)))
    a = filled(registered, tmp_path / "a.xlsx")
    c = filled(registered, tmp_path / "c.xlsx", c0003="不同意")
    pick(monkeypatch, [a, c])
    read_back(qtbot, w)
    dialog = w._approvals_dialog
    assert [(c, Path(p).name) for c, p in dialog.conflict_rows] == [("C0003", "a.xlsx"), ("C0003", "c.xlsx")]
    assert "同意" in dialog.conflicts.item(0, 3).text()
    dialog.conflicts.selectRow(1)
    with qtbot.waitSignal(w.approvals_read, timeout=TIMEOUT) as sig:
        dialog.prefer_button.click()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    assert w._approvals_request.prefer == (c,)
    assert next(f for f in sig.args[0].outcome.finals if f.customer_id == "C0003").status == "rejected"
    assert status_column(w._approvals_dialog)["C0003"] == "不同意"


def test_an_english_window_shows_the_english_words(qtbot, qapp, registered, tmp_path):
    from desktop.ui.approvals_dialog import ApprovalsDialog
    from desktop.ui.i18n import Language
    done = services.read_approvals(session.ApprovalsRequest(
        filled=[filled(registered, tmp_path / "filled.xlsx", c0007=True)], register=own_register(registered, tmp_path),
        out=tmp_path / "decisions.xlsx"))
    dialog = ApprovalsDialog(done, Language(None, "en"))
    qtbot.addWidget(dialog)
    en = Labels("en")
    statuses = status_column(dialog)
    assert (statuses["C0003"], statuses["C0013"], statuses["C0007"]) == ("approved", "rejected", "pending")
    assert column(dialog.decisions, 7)["C0007"] == en("note.awaiting_cfo")
    assert dialog.source_line.text() == en("decisions.checked_against.register")
    assert {dialog.problems.item(r, 0).text() for r in range(dialog.problems.rowCount())} == \
        {en("severity.approval_error")}
    assert dialog.problems.item(0, 1).text() == done.problems[0]["problem"]  # worded in the forms' language


# ---------------------------------------------------------------- files that hold no approval form

def _not_forms(kind: str, folder: Path, registered: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "results":  # the results workbook, picked by mistake
        path = folder / "评级结果.xlsx"
        shutil.copy(registered / "results.xlsx", path)
    elif kind == "random":
        path = folder / "会议记录.xlsx"
        wb = openpyxl.Workbook()
        wb.active["A1"] = "会议记录"
        wb.save(path)
    else:  # a text file renamed .xlsx
        path = folder / "备忘（文本）.xlsx"
        path.write_text("这不是工作簿\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("kind", ["results", "random", "text"])
def test_a_file_that_holds_no_approval_form_is_named_in_chinese_and_nothing_is_written(
        qtbot, window, registered, tmp_path, monkeypatch, kind):
    from desktop.messages import english_sentences
    w = window
    w.settings.save_register_path(str(own_register(registered, tmp_path)))
    path = _not_forms(kind, tmp_path / "收到的文件", registered)
    before = sorted(p.name for p in path.parent.iterdir())
    asked = pick(monkeypatch, [path])
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.read_approvals()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    message, what = sig.args
    assert what == "input" and message == w._last_error_box.text().replace("\u200b", "")  # the path may wrap at its folders
    assert path.name in message and "没有读到任何审批表" in message
    words = message.replace(str(path.parent), "")
    assert not english_sentences(words) and "calamine" not in words and "Traceback" not in words, message
    assert not english_sentences(w._last_error_box.informativeText())
    # asked where the decisions would go (proposed beside the forms), and nothing written there or anywhere
    assert asked["save"] == [str(path.with_name(f"{path.stem} 审批结果.xlsx"))]
    assert sorted(p.name for p in path.parent.iterdir()) == before
    assert getattr(w, "_approvals_dialog", None) is None


def test_the_decisions_workbook_goes_where_the_clerk_chooses(qtbot, window, registered, tmp_path, monkeypatch):
    w = window
    w.settings.save_register_path(str(own_register(registered, tmp_path)))
    path = filled(registered, tmp_path / "收到" / "已填.xlsx")
    chosen = tmp_path / "归档" / "本月审批结果.xlsx"
    chosen.parent.mkdir()
    pick(monkeypatch, [path], save=chosen)
    result = read_back(qtbot, w)
    assert result.written == [chosen] and chosen.exists()
    assert sorted(p.name for p in path.parent.iterdir()) == ["已填.xlsx"]

    # Cancel where to save: nothing is read, recorded or written
    pick(monkeypatch, [path], save=None)
    w.read_approvals()
    assert w.worker is None and not w._pending
    assert sorted(p.name for p in path.parent.iterdir()) == ["已填.xlsx"]


# ---------------------------------------------------------------- on a small screen

SCREENS = {"1366x768": (1366, 768, "1"), "1366x768@200%": (1366, 768, "2")}


@pytest.fixture(scope="module")
def crowded(registered, unregistered, tmp_path_factory) -> Path:
    """A read-back with everything the dialog shows: checked against the results only, copies in
    conflict, problems; pickled for the child process."""
    folder = tmp_path_factory.mktemp("crowded")
    a = filled(unregistered, folder / "销售部 审批表 第一份.xlsx", c0007=True)
    c = filled(unregistered, folder / "销售部 审批表 第二份.xlsx", c0003="不同意")
    done = services.read_approvals(session.ApprovalsRequest(
        filled=[a, c], results=unregistered / "results.xlsx", register=folder / "none.sqlite",
        out=folder / "decisions.xlsx"))
    path = folder / "done.pickle"
    path.write_bytes(pickle.dumps(done))
    return path


def show_on_screen(done: Path, screen: str, shot: Path) -> dict:
    """The dialog shown on a screen of ``screen`` (SCREENS), in a child process; its geometry."""
    width, height, scale = SCREENS[screen]
    config = shot.with_suffix(".json")
    config.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}), encoding="utf-8")
    # the screen file by its name in the child's working folder: Qt splits the platform's arguments at
    # every ":", and a Windows path has one after its drive letter
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config.name}", QT_SCALE_FACTOR=scale,
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), str(Path(__file__).parents[1])]),
               PYTHONIOENCODING="utf-8")  # its lines are read from this test's pipe as UTF-8
    out = subprocess.run([sys.executable, __file__, str(done), str(shot)], env=env, capture_output=True, text=True,
                         encoding="utf-8", timeout=120, cwd=config.parent)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_dialog_and_its_buttons_stay_on_a_small_screen(crowded, screen, tmp_path):
    seen = show_on_screen(crowded, screen, tmp_path / "approvals.png")
    free = seen["free"]

    def inside(rect) -> bool:
        x, y, w, h = rect
        return x >= free[0] and y >= free[1] and x + w <= free[0] + free[2] and y + h <= free[1] + free[3]
    assert inside(seen["dialog"]), seen
    assert inside(seen["close"]) and inside(seen["prefer"]), seen
    assert seen["prefer_tooltip"] and (tmp_path / "approvals.png").stat().st_size > 0


def _show(done_path: str, shot: str) -> None:
    """The child process: the dialog over a maximised window, its geometry printed as JSON."""
    from PySide6.QtWidgets import QApplication, QMainWindow

    from desktop.ui.approvals_dialog import ApprovalsDialog
    from desktop.ui.i18n import Language

    app = QApplication([])
    language = Language(app, "zh")
    main = QMainWindow()
    main.showMaximized()
    done = pickle.loads(Path(done_path).read_bytes())
    dialog = ApprovalsDialog(done, language, main)
    dialog.open()
    for _ in range(5):
        app.processEvents()

    def rect(widget) -> list[int]:
        top = widget.mapToGlobal(widget.rect().topLeft())
        return [top.x(), top.y(), widget.width(), widget.height()]
    close = dialog.buttons.buttons()[0]
    free = dialog.screen().availableGeometry()
    Path(shot).parent.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(shot)
    for i in range(1, dialog.tabs.count()):  # the other tabs beside it, to look at
        dialog.tabs.setCurrentIndex(i)
        app.processEvents()
        dialog.grab().save(str(Path(shot).with_name(f"{Path(shot).stem}-{i}.png")))
    dialog.tabs.setCurrentIndex(0)
    frame = dialog.frameGeometry()
    print(json.dumps({"free": [free.x(), free.y(), free.width(), free.height()],
                      "dialog": [frame.x(), frame.y(), frame.width(), frame.height()],
                      "close": rect(close), "prefer": rect(dialog.prefer_button),
                      "prefer_tooltip": dialog.prefer_button.toolTip()}))


if __name__ == "__main__":
    _show(sys.argv[1], sys.argv[2])
