"""The log file and the last line of defence: no traceback ever reaches a clerk.

Every front end (the command line, the window, the window's engine process) calls
``setup_logging`` once at start-up and ``install_hooks``: an exception nobody caught, in the
main thread, in another thread, or raised where Python can only print it (``__del__``, a
garbage-collected generator) is written with its traceback to the log file, and the user sees
one line that names the log. The log lives in the user's data folder (``logs/``), one file per
front end, rotated at 1 MB; ``CREDIT_DESK_LOG_DIR`` points it elsewhere (tests, locked-down
PCs whose profile folder is read-only). ``CREDIT_DESK_LOG_LEVEL`` (debug, info, warning, error;
the command line's ``--log-level``) says how much is written: info by default, debug adds each
stage of a job.

``details`` is what a clerk copies for IT from the internal-error box: the program, Python, the
system and its code pages, the log folder, the time and the last traceback (technical, in
English: it is for IT, never shown as a message).
"""

from __future__ import annotations

import locale
import logging
import os
import platform
import re
import sys
import threading
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG = logging.getLogger("credit_desk")
_state: dict[str, Path | None] = {"file": None}
_last: dict[str, str] = {}  # the last traceback this process logged ("traceback"), for ``details``
LEVEL_VARIABLE = "CREDIT_DESK_LOG_LEVEL"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def log_folder() -> Path:
    """``logs/`` in the user's data folder, or ``CREDIT_DESK_LOG_DIR`` (desktop.paths.logs_folder)."""
    from desktop.paths import logs_folder
    return logs_folder()


def log_path(name: str) -> Path:
    """The log file of front end ``name`` ("window", "engine", "cli")."""
    return log_folder() / f"{name}.log"


class _LogFile(RotatingFileHandler):
    """The log file; a write that fails (disk full, file locked) is dropped without a word on stderr."""

    def doRollover(self) -> None:  # noqa: N802
        """Rotate; when another process holds the file open (Windows refuses to rename it: a second
        window, the engine of another window, a command line at the same time), keep appending to it
        rather than lose every later record (a rotation is tried again at the next record over the size)."""
        try:
            super().doRollover()
        except OSError:
            if self.stream is None:
                self.stream = self._open()

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        if _state["file"] == Path(self.baseFilename):
            _state["file"] = None  # from now on the user is told that no log could be written


def setup_logging(name: str) -> Path | None:
    """Log to ``<log folder>/<name>.log``; returns the file, or None when no folder can be written.

    A front end that cannot write its log still runs: the technical detail is then lost, the
    clerk's message is not. Called again (another folder), it replaces the previous file.
    """
    for old in [h for h in LOG.handlers if isinstance(h, (RotatingFileHandler, logging.NullHandler))]:
        LOG.removeHandler(old)
        old.close()
    _state["file"] = None
    LOG.propagate = False  # never to stderr, where a user would read it, even without a file
    folder = log_folder()
    path = log_path(name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8"):  # writable now, not only at the first error
            pass
        handler = _LogFile(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8", delay=True)
    except OSError:
        LOG.addHandler(logging.NullHandler())  # else logging's last resort prints the traceback
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    LOG.addHandler(handler)
    _state["file"] = Path(handler.baseFilename)  # absolute: the user is told where it is
    asked = os.environ.get(LEVEL_VARIABLE, "").strip().lower()
    set_level(asked if asked in LEVELS else "info")
    if asked and asked not in LEVELS:
        LOG.warning("%s=%r is not one of %s: info is used", LEVEL_VARIABLE, asked, ", ".join(LEVELS))
    return _state["file"]


def set_level(name: str) -> None:
    """How much the log holds from now on: ``name`` one of LEVELS (debug adds each stage of a job)."""
    LOG.setLevel(LEVELS[name])


def log_file() -> Path | None:
    """The log file of this process (None before ``setup_logging`` or when it could not be made)."""
    return _state["file"]


def log_exception(exc: BaseException, context: str = "") -> Path | None:
    """Write ``exc`` with its traceback to the log; returns the log file (None if there is none)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    _last["traceback"] = text  # kept for the details IT is sent, even when no log can be written
    try:
        LOG.error("%s%s", f"{context}: " if context else "", text)
    except Exception:  # noqa: BLE001  (a full disk must not turn one problem into two)
        return None
    return log_file()


def internal_error_line(exc: BaseException, committed: bool = False) -> str:
    """The one line a user sees for a bug: what kind of thing failed, and where the detail is.

    ``committed``: the bug came at or after the job's commit point, so "nothing was written"
    would not be true.
    """
    where = log_file()
    detail = f"the details are in {where}" if where else "no log file could be written"
    done = ("it came after the job had started to save its work: check the files and the register"
            if committed else "nothing was written or recorded")
    return f"internal error ({type(exc).__name__}); {done}; {detail}"


def last_traceback() -> str:
    """The traceback this process logged last ("" when none)."""
    return _last.get("traceback", "")


_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (?P<pid>\d+) (?P<level>[A-Z]+) ", re.MULTILINE)


def last_logged_traceback(path: str | Path, tail: int = 512_000, pid: int | None = None) -> str:
    """The last error with a traceback in the log file ``path`` (another process's: the engine's),
    the whole record with its time and process; "" when there is none or the file cannot be read.
    ``pid``: only that process's (an engine that died without a word must not be sent with an older
    engine's unrelated traceback)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - tail))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    starts = list(_RECORD.finditer(text))
    for n in range(len(starts) - 1, -1, -1):
        record = text[starts[n].start():starts[n + 1].start() if n + 1 < len(starts) else len(text)]
        if pid is not None and int(starts[n]["pid"]) != pid:
            continue
        if starts[n]["level"] == "ERROR" and "Traceback (most recent call last)" in record:
            return record.rstrip()
    return ""


def windows_code_pages(kernel32=None) -> str:
    """The ANSI, OEM and console code pages Windows uses for this process ("" elsewhere):
    936 on a Chinese PC, where a file "saved as ANSI" by Notepad is GBK."""
    if kernel32 is None:
        if sys.platform != "win32":
            return ""
        import ctypes
        kernel32 = ctypes.windll.kernel32
    try:
        return (f"ANSI code page {kernel32.GetACP()}, OEM code page {kernel32.GetOEMCP()}, "
                f"console output code page {kernel32.GetConsoleOutputCP()}")
    except Exception as exc:  # noqa: BLE001  (the details are best effort: they must not fail)
        return f"code pages unknown ({exc!r})"


def details(problem: str = "", error: str | None = None, extra: dict[str, str] | None = None) -> str:
    """What IT needs to look into a problem, as text a clerk pastes into a mail: the program and
    its version, Python, ``extra`` (the window adds Qt), the system and its code pages, frozen or
    not, the log folder, the time, ``problem`` (one line) and ``error`` (a traceback; the last this
    process logged when None). Technical and in English: for IT, never shown as a message."""
    from datetime import datetime

    from desktop import __version__

    def safely(get) -> str:
        try:
            return str(get())
        except Exception as exc:  # noqa: BLE001
            return f"unknown ({exc!r})"

    frozen = getattr(sys, "frozen", False) or hasattr(sys, "_MEIPASS")
    encodings = (f"preferred {safely(lambda: locale.getpreferredencoding(False))}, "
                 f"filesystem {sys.getfilesystemencoding()}, "
                 f"stdout {getattr(sys.stdout, 'encoding', None)}, UTF-8 mode {sys.flags.utf8_mode}")
    pages = windows_code_pages()
    lines = [f"Credit Desk {__version__}",
             f"Time: {datetime.now().astimezone().isoformat(timespec='seconds')}",
             f"Python: {platform.python_version()} ({platform.python_implementation()}, "
             f"{platform.architecture()[0]}) {sys.executable}",
             *(f"{name}: {value}" for name, value in (extra or {}).items()),
             f"System: {safely(platform.platform)}",
             f"Encodings: {encodings}" + (f"; {pages}" if pages else ""),
             f"Locale: {safely(lambda: locale.getlocale())}",
             f"Frozen: {'yes' if frozen else 'no'} ({sys.executable if frozen else Path(__file__).resolve().parent})",
             f"Log folder: {log_folder()}",
             f"Log file: {log_file() or 'none could be written'}",
             f"Process: {os.getpid()}"]
    if problem:
        lines.append(f"Problem: {problem}")
    error = last_traceback() if error is None else error
    lines += ["", error.rstrip() if error else "No traceback was recorded."]
    return "\n".join(lines) + "\n"


def install_hooks(report: Callable[[str], None] | None = None) -> None:
    """Uncaught exceptions go to the log; ``report(line)`` (if given) tells the user in one line.

    Covers the main thread (``sys.excepthook``), other threads (``threading.excepthook``) and
    exceptions Python can only print (``sys.unraisablehook``: a ``ZipFile.__del__`` on a full
    disk, say). KeyboardInterrupt in the main thread keeps its own meaning (a cancel) and is
    left to the front end. ``report`` may be called on any thread (``threading.excepthook``).
    """
    def excepthook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            return
        if exc is None:
            exc = exc_type()
        exc.__traceback__ = exc.__traceback__ or tb
        log_exception(exc, "uncaught")
        if report is not None:
            try:
                report(internal_error_line(exc))
            except Exception:  # noqa: BLE001
                pass

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def unraisable_hook(u) -> None:
        exc = u.exc_value
        if exc is None:
            return
        try:
            LOG.warning("ignored in %r: %s", u.object, "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__)))
        except Exception:  # noqa: BLE001
            pass

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    sys.unraisablehook = unraisable_hook
