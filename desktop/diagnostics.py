"""The log file and the last line of defence: no traceback ever reaches a clerk.

Every front end (the command line, the window, the window's engine process) calls
``setup_logging`` once at start-up and ``install_hooks``: an exception nobody caught, in the
main thread, in another thread, or raised where Python can only print it (``__del__``, a
garbage-collected generator) is written with its traceback to the log file, and the user sees
one line that names the log. The log lives in the user's data folder (``logs/``), one file per
front end, rotated at 1 MB; ``CREDIT_DESK_LOG_DIR`` points it elsewhere (tests, locked-down
PCs whose profile folder is read-only).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG = logging.getLogger("credit_desk")
_state: dict[str, Path | None] = {"file": None}


def log_folder() -> Path:
    override = os.environ.get("CREDIT_DESK_LOG_DIR")
    if override:
        return Path(override)
    from desktop.paths import user_data_folder
    return user_data_folder() / "logs"


class _LogFile(RotatingFileHandler):
    """The log file; a write that fails (disk full, file locked) is dropped without a word on stderr."""

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
    path = folder / f"{name}.log"
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
    LOG.setLevel(logging.INFO)
    _state["file"] = Path(handler.baseFilename)  # absolute: the user is told where it is
    return _state["file"]


def log_file() -> Path | None:
    """The log file of this process (None before ``setup_logging`` or when it could not be made)."""
    return _state["file"]


def log_exception(exc: BaseException, context: str = "") -> Path | None:
    """Write ``exc`` with its traceback to the log; returns the log file (None if there is none)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
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
