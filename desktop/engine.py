"""The window's engine: a process of its own that runs the window's jobs and keeps their data.

Reading a million-row ledger is a series of long calls into pandas, Arrow and the workbook
reader, each holding Python's interpreter lock for up to a second: in a thread of the window's
process they froze the window for that long. In a process of its own they cannot.

The engine keeps what a job produced (the imported tables, the last rating) for the jobs that
follow (what-if, exports), so those never travel between processes. The window receives
what it shows: the sheets, the row issues and the decisions, the long lists in batches so
that unpacking one message never holds the window up for long.

Messages from the engine to the window, one tuple each:
    ("progress", stage, fraction)   ("batch", list name, items)   ("result", value)
    ("cancelled",)   ("password", file, message)   ("error", message, kind)
"""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

BATCH = 500  # records per message: unpacking a batch of decisions takes about 20 ms


class Cancelled(Exception):
    """The clerk pressed Cancel; raised at the next progress checkpoint."""


class EngineStopped(Exception):
    """The engine process ended in the middle of a job (killed, or out of memory)."""


@dataclass
class ImportView:
    """What the window shows of an import: how each sheet was read and the row issues."""

    sheets: list
    issues: list


@dataclass
class RatedView:
    """What the window shows of a rating run (the tables themselves stay in the engine)."""

    run: Any  # RunFacts
    policy: Any  # Policy
    sheets: list
    issues: list
    rating: Any  # Rating
    inputs: list[Path]
    counts: dict  # by level and route, salespeople, rows not used: one pass here, none in the window


@dataclass
class WhatIf:
    changed: int
    total: int
    moves: dict[str, int]


# ---------------------------------------------------------------- the jobs (engine side)

def _import(state: dict, progress, files, choices, as_of: date, folder, passwords) -> ImportView:
    from desktop import services
    imported = services.import_inputs(files, choices, as_of, progress, folder, passwords)
    state.clear()
    state["imported"] = imported
    return ImportView(imported.sheets, imported.issues)


def _rate(state: dict, progress, files, choices, as_of: date, folder, passwords, policy, policy_path,
          register) -> RatedView:
    from desktop import services
    from desktop.io.policy_file import load_policy
    progress("policy", 0.0)
    policy = policy or load_policy(policy_path)
    imported = services.import_inputs(files, choices, as_of, progress, folder, passwords)
    state.clear()
    state["imported"] = imported
    rated = services.rate_imported(imported, policy, as_of, files + [c.path for c in choices], None, progress,
                                   register)
    state["rated"] = rated
    decisions = rated.rating.decisions
    counts = {"levels": Counter(d.level for d in decisions), "routes": Counter(d.approval_route for d in decisions),
              "salespeople": sorted({d.customer.salesperson for d in decisions} - {None, ""}),
              "errors": sum(i.severity == "error" for i in rated.issues)}
    return RatedView(rated.run, rated.policy, imported.sheets, rated.issues, rated.rating, rated.inputs, counts)


def _rated(state: dict):
    rated = state.get("rated")
    if rated is None:  # the engine was restarted since the rating: nothing to export from
        from desktop.errors import NothingToRateError
        raise NothingToRateError("The rating is no longer available; rate again.")
    return rated


def _what_if(state: dict, progress, policy) -> WhatIf:
    from desktop import services
    before = _rated(state)
    after = services.rate_imported(before.imported, policy, before.rating.as_of, before.inputs, None, progress)
    was = {d.customer_id: d.level for d in before.rating.decisions}
    moves: dict[str, int] = {}
    for d in after.rating.decisions:
        if was.get(d.customer_id) != d.level:
            key = f"{was.get(d.customer_id)}→{d.level}"
            moves[key] = moves.get(key, 0) + 1
    return WhatIf(sum(moves.values()), len(was), moves)


def _export_results(state: dict, progress, path: Path, lang: str) -> list[Path]:
    from desktop import services
    progress("write", 0.2)
    return [services.export_results(_rated(state), path, lang)]


def _export_forms(state: dict, progress, path: Path, lang: str) -> list[Path]:
    from desktop import services
    progress("forms", 0.2)
    return services.export_forms(_rated(state), path, lang)


def _read_approvals(state: dict, progress, request) -> Any:
    from desktop import services
    return services.read_approvals(request, progress)


JOBS: dict[str, Callable[..., Any]] = {
    "import": _import, "rate": _rate, "what_if": _what_if, "export_results": _export_results,
    "export_forms": _export_forms, "read_approvals": _read_approvals,
}


def serve(conn, cancel) -> None:
    """The engine process: run each job the window sends, until it sends None."""
    gc.disable()  # the records of a run hold no cycles; see services.big_job
    import desktop.services  # noqa: F401  (pandas, Arrow, the readers: loaded while the clerk picks files)
    state: dict[str, Any] = {}
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the window is gone
            return
        if request is None:
            return
        name, kwargs = request

        def progress(stage: str, fraction: float) -> None:
            if cancel.is_set():
                raise Cancelled()
            conn.send(("progress", stage, fraction))

        conn.send(_outcome(JOBS[name], state, progress, kwargs, cancel, conn))
        gc.collect()


def _outcome(job: Callable[..., Any], state: dict, progress, kwargs: dict, cancel, conn) -> tuple:
    """Run ``job``; the last message of its outcome (its long lists sent before, in batches)."""
    from desktop.errors import CreditDeskError, OutputFileError, PolicyError
    from desktop.io.workbook import PasswordRequired
    try:
        value = job(state, progress, **kwargs)
        if cancel.is_set():
            return ("cancelled",)
        value, lists = _without_lists(value)
        for name, items in lists.items():
            for start in range(0, len(items), BATCH):
                conn.send(("batch", name, items[start:start + BATCH]))
        return ("result", value)
    except Cancelled:
        return ("cancelled",)
    except PasswordRequired as exc:
        return ("password", str(exc.path), str(exc))
    except CreditDeskError as exc:
        kind = "policy" if isinstance(exc, PolicyError) else "output" if isinstance(exc, OutputFileError) else "input"
        return ("error", str(exc), kind)
    except Exception:  # a bug: report it, keep the engine alive
        return ("error", traceback.format_exc(limit=8), "bug")


def _without_lists(value: Any) -> tuple[Any, dict[str, Any]]:
    """``value`` without its long lists (decisions, row issues), and those lists by name."""
    if isinstance(value, RatedView):
        return dataclasses.replace(value, issues=[], rating=dataclasses.replace(value.rating, decisions=())), \
            {"decisions": value.rating.decisions, "issues": value.issues}
    if isinstance(value, ImportView):
        return dataclasses.replace(value, issues=[]), {"issues": value.issues}
    return value, {}


def _with_lists(value: Any, lists: dict[str, list]) -> Any:
    """``value`` with the lists that came in batches put back."""
    if isinstance(value, RatedView):
        return dataclasses.replace(value, issues=lists.get("issues", []), rating=dataclasses.replace(
            value.rating, decisions=tuple(lists.get("decisions", ()))))
    if isinstance(value, ImportView):
        return dataclasses.replace(value, issues=lists.get("issues", []))
    return value


# ---------------------------------------------------------------- the window's side

class Engine:
    """The engine process, seen from the window: start it, run a job, cancel, stop.

    One job at a time; ``run`` is called from a thread of the window's process (never the GUI
    thread: it waits for the engine's messages) and yields them as they come, the decisions of
    a rating already put back together into the final value.
    """

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("spawn")  # a fresh interpreter on every system
        self._process = None
        self._conn = None
        self._cancel = self._ctx.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the engine now (it takes a second to load its libraries); run() starts it anyway."""
        with self._lock:
            if self._process is not None and self._process.is_alive():
                return
            parent, child = self._ctx.Pipe()
            process = self._ctx.Process(target=serve, args=(child, self._cancel), name="credit-desk-engine",
                                        daemon=True)
            process.start()
            child.close()
            self._process, self._conn = process, parent

    def cancel(self) -> None:
        self._cancel.set()

    def run(self, name: str, kwargs: dict[str, Any]) -> Iterator[tuple]:
        self.start()
        self._cancel.clear()
        try:
            self._conn.send((name, kwargs))
        except (BrokenPipeError, OSError) as exc:
            raise EngineStopped(str(exc)) from exc
        lists: dict[str, list] = {}
        was_enabled = gc.isenabled()
        gc.disable()  # unpacking a hundred thousand records: no collections on the way
        try:
            while True:
                try:
                    message = self._conn.recv()
                except (EOFError, OSError) as exc:
                    code = self._process.exitcode if self._process is not None else None
                    self._process = None  # the next job starts a new engine
                    self._conn.close()
                    raise EngineStopped(f"the engine process ended unexpectedly (exit code {code})") from exc
                if message[0] == "batch":
                    lists.setdefault(message[1], []).extend(message[2])
                    continue
                if message[0] == "result":
                    message = ("result", _with_lists(message[1], lists))
                    # Out of the collector's sight: a full collection walking a hundred thousand
                    # decisions would stop the window for a few hundred milliseconds, now or later.
                    # They hold no cycles and are freed as usual when the next rating replaces them.
                    gc.freeze()
                yield message
                if message[0] != "progress":
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
