"""No traceback ever reaches the clerk: a bug in the engine, in a slot, in a thread or in a
``__del__`` is written with its traceback to the log file (desktop.diagnostics), and the clerk
sees one line in their language that says an internal error happened, whether anything was
changed, and where the log is, in one box however many errors follow it.

The engine is the real one, hosted by ``faulty_serve``, which plants a bug in the rating
(before its commit point) or just after its commit point when the control file says so, read
at every job. Tests wait on signals and conditions, never on sleeps.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402
from window_helpers import TIMEOUT, load, open_window, rate  # noqa: E402

from desktop import app, diagnostics  # noqa: E402
from desktop.engine import Engine  # noqa: E402
from desktop.io.register import Register  # noqa: E402
from desktop.paths import samples_dir, settings_file  # noqa: E402
from desktop.ui.main_window import MainWindow  # noqa: E402

SAMPLES = sorted(samples_dir().iterdir())
ROOT = Path(__file__).resolve().parents[1]
FAULT = "CREDIT_DESK_TEST_FAULT_FILE"
CJK = re.compile(r"[\u4e00-\u9fff]")


def faulty_serve(conn, cancel_flag) -> None:
    """The engine, with a bug planted where the control file says: "before" (scoring raises a
    KeyError) or "after" (the rating's result raises after the commit point). Imported by name
    in the spawned engine process (tests/ is on its sys.path)."""
    from desktop import engine, services, session

    control = os.environ.get(FAULT, "")

    def armed(where: str) -> bool:
        try:
            return Path(control).read_text(encoding="utf-8").strip() == where
        except OSError:
            return False

    rate_imported, done = services.rate_imported, session._done

    def buggy_rate(*args, **kwargs):
        if armed("before"):
            raise KeyError("planted: a bug while scoring")
        return rate_imported(*args, **kwargs)

    def buggy_done(*args, **kwargs):
        if armed("after"):
            raise ZeroDivisionError("planted: a bug after the commit")
        return done(*args, **kwargs)

    services.rate_imported, session._done = buggy_rate, buggy_done
    engine.serve(conn, cancel_flag)


@pytest.fixture
def fault(tmp_path, monkeypatch) -> Path:
    """The control file: write "before" or "after" to it to plant the bug in the next jobs."""
    control = tmp_path / "fault.txt"
    monkeypatch.setenv(FAULT, str(control))
    return control


@pytest.fixture
def hooks(own_diagnostics):
    """The test's own hooks and log (conftest's ``own_diagnostics``)."""


@pytest.fixture
def window(qtbot, qapp, tmp_path, fault):
    w = open_window(qtbot, qapp, tmp_path, Engine(faulty_serve))
    yield w
    w.close()


def reporting(w) -> Path | None:
    """What app.main does at start-up: the window's log, and uncaught exceptions shown by ``w``."""
    log = diagnostics.setup_logging("window")
    app.report_errors_to(w)
    return log


def boxes(w) -> list[QMessageBox]:
    return [b for b in w.findChildren(QMessageBox) if b.isVisible()]


def logs() -> Path:
    return Path(os.environ["CREDIT_DESK_LOG_DIR"])


def register_head():
    path = Path(os.environ["CREDIT_DESK_REGISTER"])
    if not path.exists():
        return None
    with Register(path) as reg:
        return reg.head()


def assert_clerk_line(message: str, log: Path | None) -> None:
    """One line, no traceback, no source file; in Chinese but for the log file's path."""
    assert "\n" not in message and "Traceback" not in message and not re.search(r"\.py\b", message)
    if log is not None:
        assert str(log) in message
    rest = message.replace(str(log), "") if log is not None else message
    assert CJK.search(rest) and not re.search(r"[A-Za-z]", rest), rest


def rate_with_bug(qtbot, w, fault: Path, where: str) -> str:
    fault.write_text(where, encoding="utf-8")
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.rate()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    fault.unlink()
    message, kind = sig.args
    assert kind == "bug"
    return message


def test_a_bug_in_the_engine_shows_one_chinese_line_and_the_log_holds_the_traceback(qtbot, window, fault):
    w = window
    load(qtbot, w, SAMPLES)
    engine_pid = w.engine._process.pid
    message = rate_with_bug(qtbot, w, fault, "before")
    engine_log = logs() / "engine.log"
    assert_clerk_line(message, engine_log)
    assert "发生内部错误，未做任何更改" in message
    [box] = boxes(w)
    assert box.text() == message and box.windowTitle() == "内部错误"
    assert box.informativeText() == "请将该日志文件发给系统管理员。"
    logged = engine_log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged and "in buggy_rate" in logged
    assert "KeyError: 'planted: a bug while scoring'" in logged and "RateRequest" in logged
    assert register_head() is None  # before the commit point: nothing recorded
    assert w.result is None and w.act_rate.isEnabled()
    box.done(0)
    rate(qtbot, w)  # the same engine goes on
    assert w.engine._process.pid == engine_pid and len(w.result.rating.decisions) == 42


def test_a_bug_after_the_commit_point_does_not_say_that_nothing_was_changed(qtbot, window, fault):
    w = window
    load(qtbot, w, SAMPLES)
    message = rate_with_bug(qtbot, w, fault, "after")
    assert_clerk_line(message, logs() / "engine.log")
    assert "未做任何更改" not in message and "请先核对文件和评级登记簿" in message
    assert register_head() is not None  # it was recorded: the line must not say otherwise
    logged = (logs() / "engine.log").read_text(encoding="utf-8")
    assert "ZeroDivisionError: planted: a bug after the commit" in logged and "in buggy_done" in logged


def test_a_slot_that_raises_shows_one_box_and_logs_the_traceback(qtbot, window, hooks, monkeypatch, capfd):
    w = window
    log = reporting(w)
    load(qtbot, w, SAMPLES)

    def broken(self):
        raise AttributeError("planted: a bug in a slot")
    monkeypatch.setattr(MainWindow, "_update_counts", broken)
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.rate()  # the rating arrives in a queued slot, _rated, which fails half-way
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    message, kind = sig.args
    assert kind == "bug" and message.startswith("窗口发生内部错误")
    assert_clerk_line(message, log)
    assert [b.text() for b in boxes(w)] == [message]
    logged = log.read_text(encoding="utf-8")
    assert "AttributeError: planted: a bug in a slot" in logged and "in _rated" in logged
    err = capfd.readouterr().err
    assert "Traceback" not in err and "planted" not in err  # nothing printed to a console either
    monkeypatch.undo()
    w._internal_box.done(0)
    rate(qtbot, w)  # the window still works
    assert w.results_model.rowCount() == 42 and boxes(w) == []


def test_two_errors_in_a_row_show_one_box_until_it_is_closed(qtbot, window, hooks):
    w = window
    log = reporting(w)
    seen: list[str] = []
    w.failed.connect(lambda message, kind: seen.append(message))

    def boom(n: int):
        raise RuntimeError(f"planted error {n}")
    QTimer.singleShot(0, lambda: boom(1))
    QTimer.singleShot(0, lambda: boom(2))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=TIMEOUT)
    [first] = boxes(w)
    logged = log.read_text(encoding="utf-8")
    assert "planted error 1" in logged and "planted error 2" in logged  # the second is logged, not shown
    first.done(0)
    qtbot.waitUntil(lambda: boxes(w) == [], timeout=TIMEOUT)
    QTimer.singleShot(0, lambda: boom(3))
    qtbot.waitUntil(lambda: len(seen) == 3, timeout=TIMEOUT)
    [again] = boxes(w)  # closed: the next error has a box of its own
    assert again is not first and again.text() == seen[2]


def test_an_exception_in_another_thread_goes_to_the_log_and_one_box(qtbot, window, hooks):
    w = window
    log = reporting(w)

    def background():
        raise ValueError("planted: a bug in a thread")
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        thread = threading.Thread(target=background, name="planted-thread")
        thread.start()
        thread.join()
    assert_clerk_line(sig.args[0], log)
    assert len(boxes(w)) == 1  # made on the GUI thread (a widget made in the thread would crash)
    logged = log.read_text(encoding="utf-8")
    assert "ValueError: planted: a bug in a thread" in logged and "in background" in logged


def test_an_exception_python_can_only_ignore_goes_to_the_log(qtbot, qapp, window, hooks, capfd):
    w = window
    log = reporting(w)
    seen: list[str] = []
    w.failed.connect(lambda message, kind: seen.append(message))

    class Leaky:
        def __del__(self):
            raise OSError("planted: a bug in __del__")
    leaky = Leaky()
    del leaky  # Python can only print this one (sys.unraisablehook)
    logged = log.read_text(encoding="utf-8")
    assert "OSError: planted: a bug in __del__" in logged and "Leaky" in logged
    assert "planted" not in capfd.readouterr().err
    qapp.processEvents()  # a report would have been queued to the GUI thread: delivered now
    assert seen == [] and boxes(w) == []  # a warning for the log, not a box for the clerk


def test_an_unwritable_log_folder_does_not_stop_the_window(qtbot, qapp, tmp_path, fault, hooks, monkeypatch, capfd):
    not_a_folder = tmp_path / "logs-is-a-file"
    not_a_folder.write_text("", encoding="utf-8")
    monkeypatch.setenv("CREDIT_DESK_LOG_DIR", str(not_a_folder))
    w = open_window(qtbot, qapp, tmp_path, Engine(faulty_serve))
    try:
        assert reporting(w) is None
        load(qtbot, w, SAMPLES)
        message = rate_with_bug(qtbot, w, fault, "before")
        assert_clerk_line(message, None)
        assert message == "发生内部错误，未做任何更改。无法写入日志文件。"
        assert w._last_error_box.informativeText() == "请告诉系统管理员出错时您正在进行的操作。"
        w._last_error_box.done(0)
        rate(qtbot, w)
        assert len(w.result.rating.decisions) == 42
        # a folder that could be written at start-up and no longer can (the file became a folder)
        monkeypatch.setenv("CREDIT_DESK_LOG_DIR", str(tmp_path / "logs"))
        log = diagnostics.setup_logging("window")
        log.unlink()
        log.mkdir()
        with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
            QTimer.singleShot(0, lambda: 1 / 0)
        assert sig.args[0] == "窗口发生内部错误，当前显示的内容可能不完整。无法写入日志文件。"
        err = capfd.readouterr().err
        assert "Traceback" not in err and "Logging error" not in err
    finally:
        w.close()


def test_the_english_window_shows_english(qtbot, window, fault):
    w = window
    w.switch_language("en")
    load(qtbot, w, SAMPLES)
    message = rate_with_bug(qtbot, w, fault, "before")
    log = logs() / "engine.log"
    assert message == f"An internal error happened; nothing was changed. The details are in the log file {log}."
    assert not CJK.search(message) and "Traceback" not in message
    [box] = boxes(w)
    assert box.windowTitle() == "Internal error"
    assert box.informativeText() == "Please send the log file to your administrator."


def test_a_bug_on_the_window_side_of_a_job_is_logged_in_the_window_log(qtbot, window, hooks, monkeypatch):
    w = window
    log = reporting(w)
    load(qtbot, w, SAMPLES)
    w.engine.stop()

    def cannot_start():
        raise RuntimeError("planted: the engine cannot start")
    monkeypatch.setattr(w.engine, "start", cannot_start)
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.rate()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    message, kind = sig.args
    assert kind == "bug" and message.startswith("发生内部错误，未做任何更改")
    assert_clerk_line(message, log)
    logged = log.read_text(encoding="utf-8")
    assert "RuntimeError: planted: the engine cannot start" in logged and "window: job RateRequest" in logged


DRIVER = """
import sys
from pathlib import Path
from PySide6.QtCore import QTimer
from desktop import app
from desktop.ui.main_window import MainWindow

shown = MainWindow.show
def show(self):
    shown(self)
    # up when the first import is done (the engine has passed its start-up and ignores Ctrl+C) and
    # the window has been left idle a while (its repaints done): the case where Qt kept the signal
    self.imported.connect(lambda result: QTimer.singleShot(1000, lambda: print("up", flush=True)))
    self.add_files([Path(sys.argv[1])])
MainWindow.show = show
sys.exit(app.main([]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="a terminal's Ctrl+C to the process group: POSIX")
def test_ctrl_c_in_the_terminal_closes_the_window_without_a_traceback(tmp_path):
    """Ctrl+C reaches the window and its engine (the terminal's whole process group). The window
    was idle in Qt's event loop: it must still close at once, as its close button would, and
    neither process prints a traceback."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    customers = next(p for p in SAMPLES if p.suffix == ".xlsx")
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(customers)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            start_new_session=True)
    try:
        up = proc.stdout.readline().strip()
        if up == "up":
            os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)  # idle, it used to wait for the next event: forever
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert up == "up" and proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err[-2000:]
    settings = settings_file()  # the window's settings.ini in the data folder (the child has this test's)
    assert "geometry" in settings.read_text(encoding="utf-8", errors="replace")
