"""What a clerk can hand to IT, and the policy file Notepad saved as ANSI.

The internal-error box (a slot, the engine raising, the engine dying) says one line in the
clerk's language with the log's location, and 复制诊断信息 puts what IT needs on the clipboard:
the version, Python and Qt, the system and its code pages, the log folder, the time and the
traceback. The logs exist after a command-line run and after the window rated; ``--log-level``
(and ``CREDIT_DESK_LOG_LEVEL`` for the window) says how much they hold. A policy file saved as
ANSI (GBK) on a Chinese PC is read by the one reader, so the window, the policy editor and the
command line agree; bytes that are not Chinese text are refused with the file's name and how to
save it as UTF-8 in Notepad. Tests wait on signals and conditions, never on sleeps.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton  # noqa: E402
from window_helpers import TIMEOUT, load, open_window, rate  # noqa: E402

from desktop import __version__, app, diagnostics  # noqa: E402
from desktop.cli import main  # noqa: E402
from desktop.engine import Engine  # noqa: E402
from desktop.errors import PolicyError  # noqa: E402
from desktop.io.policy_file import ANSI, UTF8, file_encoding, load_policy  # noqa: E402
from desktop.paths import default_policy_path, samples_dir  # noqa: E402
from desktop.ui import main_window  # noqa: E402

FILES = sorted(samples_dir().iterdir())  # the window is given paths
SAMPLES = [str(p) for p in FILES]  # the command line, words
PLANT = "CREDIT_DESK_TEST_PLANT"
# the exit code of an engine process killed: multiprocessing's kill is SIGKILL, on Windows TerminateProcess,
# which it reports as -SIGTERM
KILLED = -15 if sys.platform == "win32" else -9
SHIPPED = default_policy_path().read_text(encoding="utf-8")


# ---------------------------------------------------------------- the engines these tests host

def planted_serve(conn, cancel_flag) -> None:
    """The real engine, with what the environment variable PLANT says: "rate" (scoring raises) or
    "start" (the engine raises before it serves a job: it logs and ends with exit code 70).
    Imported by name in the spawned engine process (tests/ is on its sys.path)."""
    from desktop import engine, services, session

    plant = os.environ.get(PLANT, "")
    rate_imported = services.rate_imported

    def planted_rate(*args, **kwargs):
        if plant == "rate":
            raise LookupError("planted: the engine fails while rating")
        return rate_imported(*args, **kwargs)

    class PlantedSession(session.Session):
        def __init__(self) -> None:
            raise RuntimeError("planted: the engine fails as it starts")

    services.rate_imported = planted_rate
    if plant == "start":
        session.Session = PlantedSession
    engine.serve(conn, cancel_flag)


# ---------------------------------------------------------------- helpers

@pytest.fixture(autouse=True)
def _own_hooks_and_log(own_diagnostics):
    """Each test's hooks and log (conftest's ``own_diagnostics``)."""


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path, Engine(planted_serve))
    yield w
    w.close()


def logs() -> Path:
    return Path(os.environ["CREDIT_DESK_LOG_DIR"])


def reporting(w) -> Path:
    """What desktop.app.main does at start-up: the window's log, and uncaught exceptions shown by ``w``."""
    log = diagnostics.setup_logging("window")
    app.report_errors_to(w)
    assert log is not None
    return log


def button(box: QMessageBox, name: str) -> QPushButton:
    [found] = [b for b in box.buttons() if b.objectName() == name]
    return found


def flat(text: str) -> str:
    return text.replace("\u200b", "")  # the zero-width breaks a long path gets to wrap at its folders


def cli(args: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    return code, capsys.readouterr().err


def records(log: Path, level: str) -> list[str]:
    return [line for line in log.read_text(encoding="utf-8").splitlines() if re.match(rf"\S+ \S+ \d+ {level} ", line)]


def policy_file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def gbk_policy(tmp_path: Path) -> Path:
    """The shipped policy as Notepad saves it with 编码 ANSI on a Chinese PC."""
    assert re.search(r"[\u4e00-\u9fff]", SHIPPED)  # Chinese in it: the test is not of ASCII
    return policy_file(tmp_path, "华东区政策（ANSI）.toml", SHIPPED.encode("gbk"))


def latin1_policy(tmp_path: Path) -> Path:
    """A policy written on a Western PC: its Chinese replaced by French, saved as Latin-1."""
    text = re.sub(r"[^\x00-\x7f]+", "Crédit par défaut", SHIPPED)
    return policy_file(tmp_path, "politique.toml", text.encode("latin-1"))


# ---------------------------------------------------------------- the internal-error box

def test_a_crash_in_a_slot_is_logged_and_shown_with_the_log_and_the_details_for_it(qtbot, window):
    w = window
    log = reporting(w)
    trigger = QPushButton("planted", w)

    def broken_slot():
        raise ZeroDivisionError("planted: a bug in a slot")
    trigger.clicked.connect(broken_slot)
    trigger.show()
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        qtbot.mouseClick(trigger, Qt.MouseButton.LeftButton)
    message, kind = sig.args
    assert kind == "bug" and message == f"窗口发生内部错误，当前显示的内容可能不完整。详细信息已记入日志文件：{log}"
    logged = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged and "in broken_slot" in logged
    assert "ZeroDivisionError: planted: a bug in a slot" in logged
    box = w._internal_box
    qtbot.waitUntil(box.isVisible)
    assert box.text() == message and box.windowTitle() == "内部错误" and "Traceback" not in box.text()
    copy = button(box, "copy_details")
    assert copy.text() == "复制诊断信息" and button(box, "open_log_folder").text() == "打开日志文件夹"
    QGuiApplication.clipboard().setText("something else")
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    pasted = QGuiApplication.clipboard().text()
    assert pasted.startswith(f"Credit Desk {__version__}\n")
    assert f"Log folder: {logs()}\n" in pasted and f"Log file: {log}\n" in pasted
    assert "Traceback (most recent call last)" in pasted and "in broken_slot" in pasted
    assert "ZeroDivisionError: planted: a bug in a slot" in pasted
    assert re.search(r"^Python: 3\.\d+\.\d+ ", pasted, re.M) and re.search(r"^Qt: PySide6 \S+, Qt 6\.", pasted, re.M)
    assert re.search(r"^Encodings: preferred \S+, filesystem \S+", pasted, re.M) and "Frozen: no" in pasted
    assert re.search(r"^Time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", pasted, re.M)
    assert "Problem: An internal error happened in the window" in pasted
    assert box.isVisible()  # still open: the clerk may open the log folder next
    assert box.informativeText() == "请将该日志文件发给系统管理员。\n诊断信息已复制到剪贴板，请粘贴到邮件或消息中发给系统管理员。"
    box.done(0)


def test_open_log_folder_opens_the_folder_the_box_names(qtbot, window, monkeypatch):
    w = window
    reporting(w)
    opened: list[QUrl] = []
    monkeypatch.setattr(main_window.QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT):
        QTimer.singleShot(0, lambda: [][1])
    box = w._internal_box
    qtbot.mouseClick(button(box, "open_log_folder"), Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [logs()] and box.isVisible()
    box.done(0)


def test_a_bug_in_the_engine_is_in_its_log_and_its_traceback_in_the_details(qtbot, window, monkeypatch):
    w = window
    monkeypatch.setenv(PLANT, "rate")
    reporting(w)
    load(qtbot, w, FILES)
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.rate()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    engine_log = logs() / "engine.log"
    message, kind = sig.args
    assert kind == "bug" and message == f"发生内部错误，未做任何更改。详细信息已记入日志文件：{engine_log}"
    logged = engine_log.read_text(encoding="utf-8")
    assert "LookupError: planted: the engine fails while rating" in logged and "in planted_rate" in logged
    box = w._internal_box
    assert box.text() == message and w.engine._process.is_alive()  # one job failed; the engine goes on
    # the traceback is the engine's, read from its log: the window's process never saw it
    assert "in planted_rate" in w.diagnostics and "LookupError: planted" in w.diagnostics
    assert f"log: {engine_log}" in w.diagnostics and diagnostics.last_traceback() == ""
    qtbot.mouseClick(button(box, "copy_details"), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == w.diagnostics
    box.done(0)


def test_the_engine_dying_in_a_job_is_the_same_box(qtbot, window):
    w = window
    log = reporting(w)
    load(qtbot, w, FILES)
    w.progress_shown.connect(lambda stage, f: w.engine._process.kill() if stage == "policy" else None)
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.rate()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    w.progress_shown.disconnect()
    message, kind = sig.args
    assert kind == "bug" and message == (f"处理中断：后台评级进程意外退出（退出码 {KILLED}）。未写入任何文件，请重试。"
                                         f"详细信息已记入日志文件：{log}")
    box = w._internal_box
    assert box.text() == message and box.windowTitle() == "内部错误" and button(box, "copy_details")
    assert f"the engine process ended unexpectedly (exit code {KILLED}) during a job (RateRequest)" in log.read_text(
        encoding="utf-8")
    assert f"Problem: The work stopped: the engine process ended unexpectedly (exit code {KILLED})" in w.diagnostics
    box.done(0)
    rate(qtbot, w)  # a new engine
    assert len(w.result.rating.decisions) == 42


def test_an_engine_that_raises_before_any_job_ends_with_its_traceback_in_its_log(qtbot, window, monkeypatch):
    w = window
    monkeypatch.setenv(PLANT, "start")
    log = reporting(w)
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.add_files(FILES)
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    assert sig.args[0] == (f"处理中断：后台评级进程意外退出（退出码 70）。未写入任何文件，请重试。"
                           f"详细信息已记入日志文件：{log}")
    logged = (logs() / "engine.log").read_text(encoding="utf-8")
    assert "RuntimeError: planted: the engine fails as it starts" in logged and " ERROR credit_desk: engine: " in logged
    # the window's log says when it died; the details carry the engine's last traceback
    assert "RuntimeError: planted: the engine fails as it starts" in w.diagnostics and "in __init__" in w.diagnostics
    w._internal_box.done(0)


def test_the_start_up_box_has_the_details_too(qtbot, qapp, monkeypatch):
    from desktop.ui.i18n import Language
    diagnostics.setup_logging("window")
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    try:
        raise KeyError("planted: the window cannot be built")
    except KeyError as exc:
        assert app._could_not_start(Language(qapp, "zh"), exc) == 1
    [box] = shown
    assert box.text().startswith("程序因内部错误无法启动。详细信息已记入日志文件：")
    button(box, "copy_details").click()
    pasted = QGuiApplication.clipboard().text()
    assert "KeyError: 'planted: the window cannot be built'" in pasted and "Problem: The window could not start" in pasted


def test_details_name_the_windows_code_pages():
    class Kernel32:  # what a Chinese Windows 10 answers
        @staticmethod
        def GetACP():  # noqa: N802
            return 936

        @staticmethod
        def GetOEMCP():  # noqa: N802
            return 936

        @staticmethod
        def GetConsoleOutputCP():  # noqa: N802
            return 65001
    assert diagnostics.windows_code_pages(Kernel32) == \
        "ANSI code page 936, OEM code page 936, console output code page 65001"

    class Broken:
        def __getattr__(self, name):
            raise OSError("no kernel32")
    assert diagnostics.windows_code_pages(Broken()).startswith("code pages unknown")


@pytest.mark.skipif(sys.platform != "win32", reason="the ANSI and OEM code pages are asked of Windows itself")
def test_details_on_windows_carry_the_real_code_pages():
    import ctypes
    assert f"ANSI code page {ctypes.windll.kernel32.GetACP()}, OEM code page" in diagnostics.details()


def test_the_last_traceback_is_found_in_another_processs_log(tmp_path):
    log = tmp_path / "engine.log"
    log.write_text(
        "2026-06-30 09:00:00,001 11 ERROR credit_desk: engine job 1 (RateRequest): Traceback (most recent call last):\n"
        '  File "x.py", line 1, in first\nKeyError: \'first\'\n\n'
        "2026-06-30 09:00:01,002 11 ERROR credit_desk: engine job 2 (RateRequest): Traceback (most recent call last):\n"
        '  File "x.py", line 2, in second\nValueError: second\n\n'
        "2026-06-30 09:00:02,003 11 INFO credit_desk.session: wrote a.xlsx\n"
        "2026-06-30 09:00:03,004 11 ERROR credit_desk: no traceback here\n", encoding="utf-8")
    found = diagnostics.last_logged_traceback(log)
    assert found.startswith("2026-06-30 09:00:01,002 11 ERROR") and found.endswith("ValueError: second")
    assert diagnostics.last_logged_traceback(tmp_path / "none.log") == ""


def test_an_engine_that_died_silently_is_not_sent_with_an_older_engines_traceback(tmp_path):
    log = tmp_path / "engine.log"
    log.write_text(
        "2026-06-28 09:00:00,001 11 ERROR credit_desk: engine job 1 (RateRequest): Traceback (most recent call last):\n"
        '  File "x.py", line 1, in first\nKeyError: \'days ago\'\n\n'
        "2026-06-30 09:00:01,002 22 INFO credit_desk: engine started\n", encoding="utf-8")
    assert diagnostics.last_logged_traceback(log, pid=22) == ""  # the engine that died (22) logged none
    assert diagnostics.last_logged_traceback(log, pid=11).endswith("KeyError: 'days ago'")


def test_a_log_another_process_holds_open_keeps_its_records_when_it_cannot_be_rotated(tmp_path, monkeypatch):
    """Windows refuses to rename a log file another process has open (a second window, a command line):
    the rotation fails, and every later record must still be written, not dropped."""
    monkeypatch.setenv("CREDIT_DESK_LOG_DIR", str(tmp_path))
    path = diagnostics.setup_logging("cli")
    try:
        handler = next(h for h in diagnostics.LOG.handlers if isinstance(h, diagnostics._LogFile))
        handler.maxBytes = 200

        def held(src, dst):
            raise PermissionError(32, "The process cannot access the file because it is being used by another process")
        monkeypatch.setattr(os, "rename", held)
        for n in range(20):
            diagnostics.LOG.warning("record %d %s", n, "x" * 40)
        text = path.read_text(encoding="utf-8")
        assert all(f"record {n} " in text for n in range(20))
        assert diagnostics.log_file() == path  # the clerk is not told that no log could be written
    finally:
        monkeypatch.undo()
        diagnostics.setup_logging("cli")


# ---------------------------------------------------------------- the logs and their level

def test_the_log_exists_after_a_command_line_run_and_says_what_it_did(tmp_path, capsys):
    out = tmp_path / "结果.xlsx"
    code, err = cli(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--no-register"], capsys)
    assert code == 0 and err == ""
    log = logs() / "cli.log"
    info = records(log, "INFO")
    assert any("rated 42 customers as of 2026-06-30 with the policy 默认信用政策" in line for line in info)
    assert any(line.endswith(f"wrote {out}") for line in info)
    assert records(log, "DEBUG") == []  # info by default


def test_debug_logs_each_stage_and_warning_none_of_the_info(tmp_path, capsys, monkeypatch):
    register = tmp_path / "register.sqlite"
    run = ["score", *SAMPLES, "--as-of", "2026-06-30", "--register", str(register)]
    code, _ = cli([*run, "--out", str(tmp_path / "a.xlsx"), "--forms", str(tmp_path / "f.xlsx"),
                   "--log-level", "debug"], capsys)
    assert code == 0
    debug = "\n".join(records(logs() / "cli.log", "DEBUG"))
    for stage in ("ImportRequest: stage read", "客户信用资料 2026.xlsx / 客户信用资料: customers, 45 rows",
                  "42 customers, 617 ledger lines", "RateRequest: stage policy", "RateRequest: stage scoring", "RateRequest: stage register", f"write written to a temporary file "
                  f"for {tmp_path / 'a.xlsx'}", f"forms written to a temporary file for {tmp_path / 'f.xlsx'}"):
        assert stage in debug, stage
    info = "\n".join(records(logs() / "cli.log", "INFO"))
    assert re.search(rf"recorded in the rating register {re.escape(str(register))} as #\d+ [0-9a-f]{{64}}$", info, re.M)
    assert "rated 42 customers" in info
    # before the subcommand too; warning: none of the info lines
    monkeypatch.setenv("CREDIT_DESK_LOG_DIR", str(tmp_path / "quiet"))
    code, _ = cli(["--log-level", "WARNING", *run, "--out", str(tmp_path / "b.xlsx")], capsys)
    assert code == 0 and (tmp_path / "b.xlsx").exists()
    quiet = (tmp_path / "quiet" / "cli.log").read_text(encoding="utf-8")
    assert "rated 42" not in quiet and " INFO " not in quiet and " DEBUG " not in quiet


@pytest.mark.parametrize("args", [["score", *SAMPLES, "--out", "r.xlsx", "--log-level", "verbose"],
                                  ["--log-level", "5", "history", "C001"], ["verify-register", "--log-level"]])
def test_an_invalid_log_level_is_a_usage_error(tmp_path, capsys, args):
    code, err = cli(args, capsys)
    assert code == 2 and "--log-level" in err and "Traceback" not in err
    assert not (tmp_path / "r.xlsx").exists()


def test_the_environment_sets_the_level_of_the_window_and_its_engine(qtbot, qapp, tmp_path, monkeypatch):
    monkeypatch.setenv(diagnostics.LEVEL_VARIABLE, "debug")
    w = open_window(qtbot, qapp, tmp_path)  # the real engine, started by the first job with this environment
    try:
        window_log = reporting(w)
        assert diagnostics.LOG.getEffectiveLevel() == logging.DEBUG
        load(qtbot, w, FILES)
        rate(qtbot, w)
        assert window_log.exists()
        engine_log = logs() / "engine.log"
        logged = engine_log.read_text(encoding="utf-8")
        assert "DEBUG credit_desk.session: RateRequest: stage scoring" in logged and "engine started" in logged
        assert "INFO credit_desk.session: rated 42 customers" in logged
    finally:
        w.close()
    monkeypatch.setenv(diagnostics.LEVEL_VARIABLE, "loud")  # not a level: info, and the log says why
    diagnostics.setup_logging("window")
    assert diagnostics.LOG.getEffectiveLevel() == logging.INFO
    assert "CREDIT_DESK_LOG_LEVEL='loud' is not one of debug, info, warning, error" in (
        logs() / "window.log").read_text(encoding="utf-8")


def test_the_log_exists_after_the_window_rated_at_the_default_level(qtbot, qapp, tmp_path, monkeypatch):
    monkeypatch.delenv(diagnostics.LEVEL_VARIABLE, raising=False)
    w = open_window(qtbot, qapp, tmp_path)
    try:
        reporting(w)
        load(qtbot, w, FILES)
        rate(qtbot, w)
        engine_log = logs() / "engine.log"
        assert "rated 42 customers" in engine_log.read_text(encoding="utf-8")
        assert records(engine_log, "DEBUG") == [] and (logs() / "window.log").exists()
    finally:
        w.close()


# ---------------------------------------------------------------- the About box

def test_the_about_box_names_the_log_folder_with_a_link_in_both_languages(qtbot, window):
    w = window
    diagnostics.setup_logging("window")  # the folder exists: its path is a link
    box = w.about()
    qtbot.waitUntil(box.isVisible)
    link = f"<a href='{QUrl.fromLocalFile(str(logs())).toString()}'>"
    assert f"<b>日志文件夹</b>：{link}" in box.text() and str(logs()) in flat(box.text())
    box.close()
    w.switch_language("en")
    box = w.about()
    assert f"<b>Log folder</b>: {link}" in box.text()
    box.close()
    w.switch_language("zh")


# ---------------------------------------------------------------- the policy file Notepad saved as ANSI

def test_a_policy_saved_as_ansi_is_read_with_the_digest_of_its_bytes(tmp_path, caplog, monkeypatch):
    path = gbk_policy(tmp_path)
    monkeypatch.setattr(diagnostics.LOG, "propagate", True)  # caplog listens at the root
    with caplog.at_level(logging.WARNING, logger="credit_desk"):
        policy = load_policy(path)
    shipped = load_policy()
    assert policy.name == shipped.name == "默认信用政策" and policy.items == shipped.items
    assert policy.levels == shipped.levels
    assert policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() != shipped.sha256
    assert f"the policy file {path} is not UTF-8: read as GB18030" in caplog.text
    assert file_encoding(path) == ANSI and file_encoding(default_policy_path()) == UTF8


def test_an_ansi_policy_with_a_chinese_word_between_two_levels_is_read(tmp_path):
    # "A或B", "AAA至C": common Chinese (both bytes of GBK above 0x80) between Latin letters, not a Western é
    text = SHIPPED.replace("\n", "\n# 等级 A或B、AAA至C 的客户\n", 1)
    path = policy_file(tmp_path, "华东区政策（ANSI）.toml", text.encode("gbk"))
    assert load_policy(path).items == load_policy().items and file_encoding(path) == ANSI


def test_a_policy_saved_as_utf8_with_bom_loads(tmp_path):
    path = policy_file(tmp_path, "bom.toml", b"\xef\xbb\xbf" + SHIPPED.encode("utf-8"))
    assert load_policy(path).items == load_policy().items and file_encoding(path) == UTF8


@pytest.mark.parametrize("kind", ["latin-1", "utf-16", "garbage"])
def test_a_policy_that_is_not_chinese_text_is_refused_naming_the_file_and_how_to_save_it(tmp_path, kind):
    path = {"latin-1": lambda: latin1_policy(tmp_path),
            "utf-16": lambda: policy_file(tmp_path, "unicode.toml", SHIPPED.encode("utf-16")),  # Notepad's "Unicode"
            "garbage": lambda: policy_file(tmp_path, "garbage.toml", bytes(range(256)) * 4)}[kind]()
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    [line] = refused.value.lines("zh")
    assert "不是 UTF-8 编码的文本" in line and "“文件 → 另存为”，在“编码”中选 UTF-8 后保存" in line
    assert path.name in refused.value.text("zh") and "Save as" in refused.value.text("en")
    assert file_encoding(path) is None


def test_the_command_line_reads_an_ansi_policy_and_says_so_once(tmp_path, capsys):
    path = gbk_policy(tmp_path)
    out = tmp_path / "r.xlsx"
    code, err = cli(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--no-register",
                     "--policy", str(path), "--lang", "zh"], capsys)
    assert code == 0 and out.exists()
    assert err == (f"credit-desk: 政策文件“{path}”不是 UTF-8 编码，已按中文 ANSI（GBK）编码读取；"
                   f"在信用政策编辑器中保存后将存为 UTF-8 编码。\n")
    refused = latin1_policy(tmp_path)
    code, err = cli(["score", *SAMPLES, "--out", str(tmp_path / "x.xlsx"), "--no-register", "--policy",
                     str(refused)], capsys)
    assert code == 3 and not (tmp_path / "x.xlsx").exists()
    assert "politique.toml" in err and "open it in Notepad, choose File → Save as, pick UTF-8" in err


def test_the_window_rates_with_an_ansi_policy_chosen_and_says_so(qtbot, window, tmp_path, monkeypatch):
    w = window
    path = gbk_policy(tmp_path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    w.choose_policy()
    assert w.policy_path == path and w._last_info_box.isVisible()
    assert w._last_info_box.text() == (f"政策文件“{path.name}”不是 UTF-8 编码，已按中文 ANSI（GBK）编码读取；"
                                       f"在信用政策编辑器中保存后将存为 UTF-8 编码。")
    w._last_info_box.done(0)
    load(qtbot, w, FILES)
    rate(qtbot, w)
    assert w.result.policy.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(w.result.rating.decisions) == 42


def test_ctrl_p_opens_an_ansi_policy_in_the_editor_which_saves_it_as_utf8(qtbot, window, tmp_path):
    w = window
    path = gbk_policy(tmp_path)
    w.policy_path = path  # the policy file in use, as the settings name it
    w.act_policy.trigger()  # Ctrl+P
    editor = w._policy_editor
    qtbot.waitUntil(editor.isVisible)
    assert editor.load_error is None and editor.encoding == ANSI and editor.policy is not None
    assert editor.encoding_note.isVisible() and path.name in editor.encoding_note.text()
    assert editor.items_list.count() == len(load_policy().items)  # read, not an empty document
    saved = tmp_path / "utf8.toml"
    editor.save_to(saved)
    assert saved.read_bytes().decode("utf-8") and file_encoding(saved) == UTF8
    assert not editor.encoding_note.isVisible()
    assert load_policy(saved).items == load_policy(path).items
    editor.done(0)


def test_ctrl_p_on_a_latin1_policy_lists_the_refusal(qtbot, window, tmp_path):
    w = window
    w.policy_path = latin1_policy(tmp_path)
    w.act_policy.trigger()
    editor = w._policy_editor
    qtbot.waitUntil(editor.isVisible)
    assert editor.load_error is not None and not editor.encoding_note.isVisible()
    [line] = editor.load_error.lines("zh")
    assert "另存为" in line and "UTF-8" in line and "politique.toml" in editor.windowTitle()
    editor.done(0)
