"""The window's engine: a process of its own that hosts the window's rating session.

Reading a million-row ledger is a series of long calls into pandas, Arrow and the workbook
reader, each holding Python's interpreter lock for up to a second: in a thread of the window's
process they froze the window for that long. In a process of its own they cannot.

The engine is a generic host: it keeps one ``desktop.session.Session`` and runs each request
the window sends as ``session.run(request, progress, cancel)``, the same call the command
line makes. The tables and the rating stay in the session (what-if and the exports use them
there); the window receives what it shows, the long lists in batches so that unpacking one
message never holds the window up for long.

Messages, one typed record each: the window sends a ``Job``; the engine answers with any
number of ``Progress`` and ``Batch`` and then one of ``Done``, ``Failed``, ``NeedPassword``
or ``WasCancelled``.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import multiprocessing
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

BATCH = 500  # records per message: unpacking a batch of decisions takes about 20 ms
LOG = logging.getLogger("credit_desk.engine")  # in engine.log (desktop.diagnostics)


class EngineStopped(Exception):
    """The engine process ended in the middle of a job (killed, or out of memory)."""


class _WindowGone(BaseException):
    """The window's end of the pipe closed in the middle of a job: the job stops (through every
    ``except Exception``: it is no bug, and there is nobody left to tell)."""


@dataclass(frozen=True)
class Job:
    number: int
    request: Any  # one of desktop.session's requests


@dataclass(frozen=True)
class Progress:
    stage: str
    fraction: float


@dataclass(frozen=True)
class Batch:
    name: str  # "decisions" | "issues"
    items: list


@dataclass(frozen=True)
class Done:
    value: Any  # the use case's result (its long lists sent before, in batches)


@dataclass(frozen=True)
class Failed:
    message: str  # in English; a bug: one line (its traceback is in the engine's log, never in a message)
    kind: str  # "input" | "output" | "register" | "policy" | "stale" | "bug"
    log: str = ""  # a bug: the log file holding its traceback ("" when none could be written)
    committed: bool = False  # a bug at or after the job's commit point: its files and register entry may stand
    texts: dict[str, str] = dataclasses.field(default_factory=dict)  # the message by language: the window's is shown


@dataclass(frozen=True)
class NeedPassword:
    file: str
    message: str  # in English
    texts: dict[str, str] = dataclasses.field(default_factory=dict)  # the message by language


@dataclass(frozen=True)
class WasCancelled:
    """The job stopped before its commit point: nothing changed."""


Final = Done | Failed | NeedPassword | WasCancelled


# ---------------------------------------------------------------- the engine's side

def serve(conn, cancel_flag) -> None:
    """The engine process: run each job the window sends, until it sends None.

    Ctrl+C in the terminal that started the window reaches this process too: it is ignored
    here, the window decides (it closes, and its close cancels the job). A bug is written to
    the engine's log with its traceback; the window gets one line.
    """
    from desktop.diagnostics import install_hooks, log_exception, setup_logging

    if threading.current_thread() is threading.main_thread():  # (a test may host it in a thread)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    setup_logging("engine")  # at CREDIT_DESK_LOG_LEVEL, inherited from the window
    install_hooks()
    LOG.debug("engine started")
    try:
        _serve(conn, cancel_flag)
    except Exception as exc:  # a bug outside any job: logged, and the engine ends without printing it
        log_exception(exc, "engine")
        raise SystemExit(70) from None  # the window's next job starts another engine


def _serve(conn, cancel_flag) -> None:
    gc.disable()  # the records of a run hold no cycles; see services.big_job
    import desktop.services  # noqa: F401  (pandas, Arrow, the readers: loaded while the clerk picks files)
    from desktop.core.cancel import CancelToken
    from desktop.session import Session

    session = Session()
    cancel = CancelToken(cancel_flag)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the window is gone
            return
        if job is None:
            return
        try:
            outcome = _outcome(session, job, cancel, conn)
            LOG.debug("job %d (%s): %s", job.number, type(job.request).__name__, type(outcome).__name__)
            conn.send(outcome)
        except (EOFError, OSError, _WindowGone):  # the window is gone
            return
        except Exception as exc:  # the job committed, but its result could not be sent (a bug)
            conn.send(_bug(exc, job, committed=True))
        gc.collect()


def _bug(exc: BaseException, job: Job, committed: bool) -> Failed:
    """A bug in ``job``: its traceback to the engine's log, one line to the window."""
    from desktop.diagnostics import internal_error_line, log_exception
    log = log_exception(exc, f"engine job {job.number} ({type(job.request).__name__})")
    return Failed(internal_error_line(exc, committed), "bug", str(log or ""), committed)


def _outcome(session, job: Job, cancel, conn) -> Final:
    """Run ``job``; the last message of its outcome (its long lists sent before, in batches)."""
    from desktop.errors import (
        Cancelled,
        CreditDeskError,
        OutputFileError,
        PolicyError,
        RunNotRegistered,
        StaleRatingError,
    )
    from desktop.io.register import RegisterError
    from desktop.io.workbook import PasswordRequired
    from desktop.session import AFTER_COMMIT

    committed = False  # a stage after the commit point was reported

    def progress(stage: str, fraction: float) -> None:
        nonlocal committed
        committed = committed or stage in AFTER_COMMIT
        try:
            conn.send(Progress(stage, fraction))
        except OSError as exc:
            raise _WindowGone() from exc

    cancel.committing = False  # not the last job's: a bug before this job's run is before its commit
    try:
        value = session.run(job.request, progress, cancel)
    except Cancelled:
        return WasCancelled()
    except PasswordRequired as exc:
        return NeedPassword(str(exc.path), str(exc), exc.texts())
    except CreditDeskError as exc:
        kinds = ((PolicyError, "policy"), (RunNotRegistered, "needs_results"), (RegisterError, "register"),
                 (OutputFileError, "output"), (StaleRatingError, "stale"))
        kind = next((k for cls, k in kinds if isinstance(exc, cls)), "input")
        return Failed(str(exc), kind, texts=exc.texts())
    except Exception as exc:  # a bug: logged, told in one line; the engine stays alive
        return _bug(exc, job, committed or cancel.committing)  # committing: past the last checkpoint
    # committed: the result stands even if Cancel was pressed after the commit point
    value, lists = _without_lists(value)
    for name, items in lists.items():
        for start in range(0, len(items), BATCH):
            conn.send(Batch(name, items[start:start + BATCH]))
    return Done(value)


def _without_lists(value: Any) -> tuple[Any, dict[str, Any]]:
    """``value`` without its long lists (decisions, row issues), and those lists by name."""
    from desktop.session import Imported, RateDone
    if isinstance(value, RateDone):
        return dataclasses.replace(value, issues=[], rating=dataclasses.replace(value.rating, decisions=())), \
            {"decisions": value.rating.decisions, "issues": value.issues}
    if isinstance(value, Imported):
        return dataclasses.replace(value, issues=[]), {"issues": value.issues}
    return value, {}


def _with_lists(value: Any, lists: dict[str, list]) -> Any:
    """``value`` with the lists that came in batches put back."""
    from desktop.session import Imported, RateDone
    if isinstance(value, RateDone):
        return dataclasses.replace(value, issues=lists.get("issues", []), rating=dataclasses.replace(
            value.rating, decisions=tuple(lists.get("decisions", ()))))
    if isinstance(value, Imported):
        return dataclasses.replace(value, issues=lists.get("issues", []))
    return value


# ---------------------------------------------------------------- the window's side

class Engine:
    """The engine process, seen from the window: start it, run a job, cancel, stop.

    One job at a time. ``begin`` is called on the GUI thread when a job is handed over (it
    clears the cancel flag, so a Cancel pressed from then on always reaches that job); ``run``
    is called from a thread of the window's process (never the GUI thread: it waits for the
    engine's messages) and yields them as they come, a rating's decisions already put back
    together into its result.
    """

    def __init__(self, serve_function=None) -> None:
        """``serve_function``: the engine process's main function (default ``serve``; a test may
        give one that wraps it, as a module-level function the spawned process can import)."""
        self._serve = serve_function or serve
        self._ctx = multiprocessing.get_context("spawn")  # a fresh interpreter on every system
        self._process = None
        self._conn = None
        self._cancel = self._ctx.Event()
        self._lock = threading.Lock()
        self._jobs = 0
        self.generation = 0  # engine processes started: a new one holds no session yet
        self.pid: int | None = None  # the last engine process started (its log records carry it)

    def start(self) -> None:
        """Start the engine now (it takes a second to load its libraries); run() starts it anyway."""
        with self._lock:
            if self._process is not None and self._process.is_alive():
                return
            parent, child = self._ctx.Pipe()
            process = self._ctx.Process(target=self._serve, args=(child, self._cancel), name="credit-desk-engine",
                                        daemon=True)
            process.start()
            child.close()
            self._process, self._conn = process, parent
            self.pid = process.pid
            self.generation += 1

    def begin(self, request: Any) -> Job:
        """A new job for ``request``; from now on ``cancel()`` stops it (or it never starts)."""
        self._cancel.clear()
        self._jobs += 1
        return Job(self._jobs, request)

    def cancel(self) -> None:
        self._cancel.set()

    def run(self, job: Job) -> Iterator[Progress | Batch | Final]:
        self.start()
        try:
            self._conn.send(job)
        except (BrokenPipeError, OSError) as exc:
            code = self._process.exitcode if self._process is not None else None
            self._process = None  # the next job starts a new engine
            raise EngineStopped(str(code)) from exc
        lists: dict[str, list] = {}
        was_enabled = gc.isenabled()
        gc.disable()  # unpacking a hundred thousand records: no collections on the way
        try:
            while True:
                try:
                    message = self._conn.recv()
                except (EOFError, OSError) as exc:
                    code = None
                    if self._process is not None:
                        self._process.join(2)  # reaped, so its exit code is known
                        code = self._process.exitcode
                    self._process = None  # the next job starts a new engine
                    self._conn.close()
                    raise EngineStopped(str(code)) from exc
                if isinstance(message, Batch):
                    lists.setdefault(message.name, []).extend(message.items)
                    continue
                if isinstance(message, Done):
                    message = Done(_with_lists(message.value, lists))
                    # Out of the collector's sight: a full collection walking a hundred thousand
                    # decisions would stop the window for a few hundred milliseconds, now or later.
                    # They hold no cycles and are freed as usual when the next rating replaces them.
                    gc.freeze()
                yield message
                if not isinstance(message, Progress):
                    return
        finally:
            if was_enabled:
                gc.enable()

    def stop(self, timeout: float = 5.0) -> None:
        with self._lock:
            process, conn, self._process, self._conn = self._process, self._conn, None, None
        if process is None:
            return
        self._cancel.set()
        try:
            conn.send(None)
        except OSError:
            pass
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(timeout)
        conn.close()
