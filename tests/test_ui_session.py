"""The window shows what the session holds: Cancel changes nothing, a changed input marks the
rating out of date at once, a broken file does not block the others.

The engine is the real one, hosted by ``pausing_engine.serve``, which can hold a job still at a
chosen stage (or N checkpoints into it) until the window's Cancel arrives: a cancel "while
writing" is then certain, not a race. Tests wait on signals and conditions, never on sleeps.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

import pausing_engine  # noqa: E402
from PySide6.QtCore import QDate, Qt  # noqa: E402
from window_helpers import TIMEOUT, load, open_window, rate  # noqa: E402

from desktop.engine import Engine  # noqa: E402
from desktop.io.approvals_reader import read_results_snapshot  # noqa: E402
from desktop.io.policy_file import load_policy  # noqa: E402
from desktop.io.register import Register  # noqa: E402
from desktop.messages import english_sentences  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402
from desktop.session import ExportResults  # noqa: E402
from desktop.ui.export_options import ExportOptions  # noqa: E402

SAMPLES = sorted(samples_dir().iterdir())
BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def env(tmp_path, monkeypatch):
    """The engine's temporary folder and the pause control file, both the test's own."""
    control = tmp_path / "pause.txt"
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setenv("CREDIT_DESK_TEST_PAUSE_FILE", str(control))
    for name in ("TMPDIR", "TEMP", "TMP"):  # the engine process is spawned with these
        monkeypatch.setenv(name, str(system_temp))
    return control, system_temp


@pytest.fixture
def window(qtbot, qapp, tmp_path, env):
    w = open_window(qtbot, qapp, tmp_path, Engine(pausing_engine.serve))
    yield w
    w.close()


def copies(tmp_path: Path, files=SAMPLES) -> list[Path]:
    folder = tmp_path / "输入 文件"
    folder.mkdir(exist_ok=True)
    out = []
    for f in files:
        shutil.copy(f, folder / f.name)
        out.append(folder / f.name)
    return out


def export(qtbot, w, path: Path) -> None:
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        w.export_results(path)
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)


def register_head():
    path = Path(os.environ["CREDIT_DESK_REGISTER"])
    if not path.exists():
        return None
    with Register(path) as reg:
        return reg.head()


def cancel_when_paused(qtbot, w, control: Path, spec: str, start) -> str:
    """Arm the pause, start the job, press Cancel once the engine holds it; where it was held."""
    paused = Path(str(control) + ".paused")
    paused.unlink(missing_ok=True)
    control.write_text(spec, encoding="utf-8")
    try:
        with qtbot.waitSignal(w.cancelled, timeout=TIMEOUT):
            start()
            qtbot.waitUntil(paused.exists, timeout=TIMEOUT)
            w.cancel()
        qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    finally:
        control.unlink(missing_ok=True)
    return paused.read_text(encoding="utf-8")


def assert_nothing_changed(w, head, run_id: str, system_temp: Path, out_dir: Path, keep: dict[Path, bytes]) -> None:
    assert register_head() == head  # nothing appended to the register
    for path, data in keep.items():
        assert path.read_bytes() == data  # every target byte-identical
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.name for p in keep)  # no stray file beside them
    assert list(system_temp.iterdir()) == []  # ours and xlsxwriter's temporary files are gone
    assert w.result.run.run_id == run_id and w.results_model.rowCount() == 42 and not w.stale
    assert w.act_rate.isEnabled() and w.act_export.isEnabled() and not w.cancel_button.isVisible()


def rated_and_exported(qtbot, w, tmp_path):
    load(qtbot, w, copies(tmp_path))
    rate(qtbot, w)
    out_dir = tmp_path / "输出"
    out_dir.mkdir()
    target = out_dir / "评级结果.xlsx"
    export(qtbot, w, target)
    return target, target.read_bytes(), w.result.run.run_id, register_head()


def test_cancel_while_reading_changes_nothing(qtbot, window, tmp_path, env):
    w, (control, system_temp) = window, env
    target, data, run_id, head = rated_and_exported(qtbot, w, tmp_path)
    ledger = next(f for f in w.files if f.name.startswith("销售"))
    os.utime(ledger, (time.time() + 5, time.time() + 5))  # saved again in Excel: the rating must read it again
    cancel_when_paused(qtbot, w, control, "read", w.rate)
    assert_nothing_changed(w, head, run_id, system_temp, target.parent, {target: data})
    # the next export is still the previous rating
    again = tmp_path / "再次导出.xlsx"
    export(qtbot, w, again)
    assert read_results_snapshot(again).run_id == run_id


def test_cancel_while_scoring_changes_nothing(qtbot, window, tmp_path, env):
    w, (control, system_temp) = window, env
    target, data, run_id, head = rated_and_exported(qtbot, w, tmp_path)
    cancel_when_paused(qtbot, w, control, "scoring", w.rate)
    assert_nothing_changed(w, head, run_id, system_temp, target.parent, {target: data})
    export(qtbot, w, target)  # and the next export writes the rating on screen
    assert read_results_snapshot(target).run_id == run_id


def test_cancel_while_writing_the_results_workbook_keeps_the_old_file(qtbot, window, tmp_path, env):
    w, (control, system_temp) = window, env
    target, data, run_id, head = rated_and_exported(qtbot, w, tmp_path)
    # three checkpoints into writing: the results and aging sheets are written, the temporary file exists
    where = cancel_when_paused(qtbot, w, control, "write:3", lambda: w.export_results(target))
    assert where == "write:3"
    assert_nothing_changed(w, head, run_id, system_temp, target.parent, {target: data})


def test_a_cancelled_re_rate_keeps_the_previous_rating_for_export(qtbot, window, tmp_path, env):
    """15 of 42 customers had another level than the table showed, after a cancelled re-rate."""
    w, (control, system_temp) = window, env
    target, data, run_id, head = rated_and_exported(qtbot, w, tmp_path)
    levels = {d.customer_id: d.level for d in w.result.rating.decisions}
    w.as_of.setDate(QDate(2026, 12, 31))  # another assessment date rates differently
    assert w.stale and not w.act_export.isEnabled()
    cancel_when_paused(qtbot, w, control, "scoring", w.rate)
    assert register_head() == head and w.result.run.run_id == run_id and list(system_temp.iterdir()) == []
    assert w.stale  # the settings still differ from the rating's: still out of date, still not exportable
    w.export_results(target)
    assert w.worker is None and target.read_bytes() == data  # refused at once, nothing written
    assert w._last_info_box.text() == "评级之后数据或设置已更改，请按 F5 重新评级。"
    w._last_info_box.close()
    w.as_of.setDate(QDate(2026, 6, 30))  # back to what was rated: the rating on screen is current again
    assert not w.stale and w.act_export.isEnabled()
    export(qtbot, w, target)
    snapshot = read_results_snapshot(target)
    assert snapshot.run_id == run_id
    assert {cid: f["system_level"] for cid, f in snapshot.facts.items()} == levels


@pytest.fixture(scope="module")
def five_thousand(tmp_path_factory) -> list[Path]:
    sys.path.insert(0, str(BENCH))
    try:
        from data import make
    finally:
        sys.path.remove(str(BENCH))
    return list(make(tmp_path_factory.mktemp("five-thousand"), 5000, 20000, seed=11))


def test_cancel_while_writing_five_thousand_forms_keeps_the_old_workbook(qtbot, window, tmp_path, env, five_thousand):
    w, (control, system_temp) = window, env
    load(qtbot, w, five_thousand)
    rate(qtbot, w)
    run_id, head = w.result.run.run_id, register_head()
    assert w.results_model.rowCount() >= 4900
    out_dir = tmp_path / "审批"
    out_dir.mkdir()
    target = out_dir / "审批表.xlsx"
    target.write_bytes(b"the previous approval workbook")
    w.export_options = ExportOptions(forms_for="shown")  # a form for every customer shown: about 5,000
    # 100 checkpoints into the forms (one every 20 forms): about 2,000 forms written when Cancel comes
    where = cancel_when_paused(qtbot, w, control, "forms:100", lambda: w.export_forms(target))
    assert where == "forms:100"
    assert register_head() == head and w.result.run.run_id == run_id
    assert target.read_bytes() == b"the previous approval workbook"
    assert [p.name for p in out_dir.iterdir()] == ["审批表.xlsx"] and list(system_temp.iterdir()) == []


def test_cancelling_an_import_puts_the_files_back(qtbot, window, tmp_path, env):
    w, (control, _) = window, env
    files = copies(tmp_path)
    load(qtbot, w, files[:-1])
    rate(qtbot, w)
    sheets = [(s.file, s.sheet, s.kind) for s in w.sheets_model._rows]
    cancel_when_paused(qtbot, w, control, "read", lambda: w.add_files([files[-1]]))
    assert w.files == files[:-1] and not w.stale and w.act_export.isEnabled()
    assert [(s.file, s.sheet, s.kind) for s in w.sheets_model._rows] == sheets


CHANGES = ["add a file", "sheet kind", "column mapping", "as-of date", "policy"]


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_of_an_input_marks_the_rating_out_of_date(qtbot, window, tmp_path, change):
    w = window
    files = copies(tmp_path)
    load(qtbot, w, files[:-1] if change == "add a file" else files)
    rate(qtbot, w)
    old_run = w.result.run.run_id
    assert not w.stale and not w.banner.isVisible() and w.act_export.isEnabled()
    stale_seen: list[bool] = []
    w.stale_changed.connect(stale_seen.append)
    if change == "add a file":
        with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
            w.add_files([files[-1]])
    elif change == "sheet kind":
        row = next(i for i, s in enumerate(w.sheets_model._rows) if s.kind == "receipts")
        with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
            assert w.sheets_model.setData(w.sheets_model.index(row, w.sheets_model.KIND_COLUMN), "不使用")
    elif change == "column mapping":
        source = next(s for s in w.sheets_model._rows if s.kind == "ledger")
        dialog = w.map_columns(source)
        with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
            dialog.accept()
    elif change == "as-of date":
        w.as_of.setDate(QDate(2026, 7, 31))
    else:
        w._use_policy((load_policy(), None))  # an edited policy handed over by the editor
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    # marked at once, and it stays marked: no export writes the rating the inputs no longer give
    assert stale_seen[:1] == [True] and w.stale and w.banner.isVisible()
    assert "请重新评级 (F5)" in w.banner_text.text()
    assert not w.act_export.isEnabled() and not w.act_forms.isEnabled()
    target = tmp_path / "不应写出.xlsx"
    w.export_results(target)
    w.export_forms(target)
    assert w.worker is None and not target.exists()
    # the session, too, refuses to export a rating it no longer holds, whatever the window asks
    if change in ("add a file", "sheet kind", "column mapping"):
        with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
            w._run(ExportResults(target, run_id=old_run), w._exported)
        assert sig.args[1] == "stale" and not target.exists()
        qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    rate(qtbot, w)  # F5: a new rating, current again
    assert not w.stale and not w.banner.isVisible() and w.act_export.isEnabled()
    assert w.result.run.run_id != old_run
    export(qtbot, w, target)
    assert read_results_snapshot(target).run_id == w.result.run.run_id


def test_a_broken_file_is_listed_and_removable_and_the_good_ones_are_rated(qtbot, window, tmp_path):
    w = window
    broken = tmp_path / "坏的 文件.xlsx"
    broken.write_bytes(b"this is not a workbook")
    load(qtbot, w, [*SAMPLES, broken])
    row = next(i for i, s in enumerate(w.sheets_model._rows) if s.file == broken.name)
    source = w.sheets_model.row_object(row)
    assert source.kind == "unreadable" and broken.name in source.error
    m = w.sheets_model
    assert m.index(row, m.KIND_COLUMN).data() == "无法读取"
    assert m.index(row, 0).data() == broken.name  # the file, and its error where the sheet name would be
    zh = source.error_texts["zh"]  # the error in the window's language, the file named
    assert m.index(row, 1).data() and m.index(row, 1).data() == zh.replace(source.path, source.file)
    assert broken.name in m.index(row, 1).data() and not english_sentences(m.index(row, 1).data())
    assert m.index(row, 0).data(Qt.ItemDataRole.ToolTipRole) == zh
    assert not m.setData(m.index(row, m.KIND_COLUMN), "客户信用资料")  # no sheet to read another way
    problems = [i for i in w.issues_model._rows if i.file == broken.name]
    assert [(i.problem, i.severity) for i in problems] == [("file cannot be read", "error")]
    rate(qtbot, w)  # the other files are rated
    assert len(w.result.rating.decisions) == 42
    # the clerk removes the broken file on its own; the others stay
    w.sheets_view.selectRow(row)
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        w.act_remove.trigger()
    assert broken not in w.files and len(w.files) == len(SAMPLES)
    assert all(s.kind != "unreadable" for s in w.sheets_model._rows)
    rate(qtbot, w)
    assert len(w.result.rating.decisions) == 42 and not w.stale


def test_f5_while_the_files_are_read_rates_them_next(qtbot, window, tmp_path, env):
    w, (control, _) = window, env
    paused = Path(str(control) + ".paused")
    control.write_text("read", encoding="utf-8")
    w.add_files(copies(tmp_path))
    qtbot.waitUntil(paused.exists, timeout=TIMEOUT)  # the import is in progress
    assert w.act_rate.isEnabled() and not w.act_export.isEnabled()
    with qtbot.waitSignal(w.rated, timeout=TIMEOUT):
        w.act_rate.trigger()
        assert len(w._pending) == 1 and "文件读取完成后将开始评级" in w.statusBar().currentMessage()
        control.unlink()  # let the import go on
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    assert len(w.result.rating.decisions) == 42 and not w.stale


def test_export_options_encrypt_split_and_choose_the_forms(qtbot, window, tmp_path):
    import openpyxl

    w = window
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    w.export_options = ExportOptions(open_password="密码 123")
    encrypted = tmp_path / "加密.xlsx"
    export(qtbot, w, encrypted)
    assert encrypted.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # Office encryption, not a plain zip
    assert read_results_snapshot(encrypted, "密码 123").run_id == w.result.run.run_id

    # one approval workbook per salesperson, with a form also for the selected customer
    no_route = next(r for r in range(w.results_model.rowCount())
                    if w.results_model.row_object(r).approval_route == "none")
    w.table.selectRow(no_route)
    chosen = w.selected_decision().customer_id
    dialog = w.edit_export_options()
    dialog.split.setCurrentIndex(dialog.split.findData("salesperson"))
    dialog.scope.setCurrentIndex(dialog.scope.findData("selected"))
    dialog.open_password.clear()
    dialog.accept()
    assert w.export_options == ExportOptions(split="salesperson", forms_for="selected")
    base = tmp_path / "审批" / "审批表.xlsx"
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT) as sig:
        w.export_forms(base)
    paths = sig.args[0]
    salespeople = {d.customer.salesperson or "未指定" for d in w.result.rating.decisions
                   if d.approval_route != "none" or d.customer_id == chosen}
    assert sorted(p.name for p in paths) == sorted(f"审批表-{s}.xlsx" for s in salespeople)
    sheets = []
    for p in paths:
        wb = openpyxl.load_workbook(p, read_only=True)  # holds its file open until closed
        sheets += wb.sheetnames
        wb.close()
    assert any(chosen in name for name in sheets)
