"""Long work off the GUI: a worker whose thread hands one request to the engine process and
turns the engine's messages into signals (started/progress/result/error/finished). It never
touches widgets; the job stops at its next checkpoint when cancelled."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.diagnostics import log_exception
from desktop.engine import Done, Engine, EngineStopped, Failed, NeedPassword, Progress, WasCancelled
from desktop.session import AFTER_COMMIT


class Worker(QObject):
    started = Signal()
    progress = Signal(str, float)  # stage, fraction done
    result = Signal(object)  # the use case's result (desktop.session): the job was committed
    error = Signal(object, str)  # message (a str, or {language: text}), kind ("input", "output", "policy", "stale",
    # "bug", "engine",
    # "engine_after_commit": the engine died; the message is its exit code, the window words it;
    # "bug", "bug_after_commit": a bug, before or at/after the commit point; the message is the log
    # file holding its traceback, "" when none could be written; the window words it)
    cancelled = Signal()  # stopped before its commit point: nothing changed
    password_needed = Signal(str, object)  # file, message ({language: text}, or a str)
    engine_restarted = Signal()  # the job ran in a new engine process: the session it had is gone
    finished = Signal()

    def __init__(self, engine: Engine, request: Any):
        super().__init__()
        self._engine = engine
        self.request = request
        self._job = engine.begin(request)  # on the GUI thread: a Cancel from now on reaches this job
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True
        self._engine.cancel()

    @property
    def cancelling(self) -> bool:
        return self._cancel

    @Slot()
    def run(self) -> None:
        self.started.emit()
        generation = self._engine.generation
        finished = False  # the job reported it had passed its commit point
        try:
            for message in self._engine.run(self._job):
                if generation and self._engine.generation != generation:
                    generation = self._engine.generation
                    self.engine_restarted.emit()
                if isinstance(message, Progress):
                    finished = finished or message.stage in AFTER_COMMIT
                    self.progress.emit(message.stage, message.fraction)
                elif isinstance(message, Done):  # committed: shown even when Cancel came too late
                    self.result.emit(message.value)
                elif isinstance(message, WasCancelled):
                    self.cancelled.emit()
                elif isinstance(message, NeedPassword):
                    self.password_needed.emit(message.file, message.texts or message.message)
                elif isinstance(message, Failed) and message.kind == "bug":
                    self.error.emit(message.log, "bug_after_commit" if message.committed or finished else "bug")
                elif isinstance(message, Failed):
                    self.error.emit(message.texts or message.message, message.kind)
        except EngineStopped as exc:
            self.engine_restarted.emit()
            self.error.emit(str(exc), "engine_after_commit" if finished else "engine")
        except Exception as exc:  # a bug on this side (the engine could not start): logged; the window lives on
            log = log_exception(exc, f"window: job {type(self.request).__name__}")
            self.error.emit(str(log or ""), "bug_after_commit" if finished else "bug")
        finally:
            self.finished.emit()


def start_worker(engine: Engine, request: Any) -> tuple[Worker, QThread]:
    """A worker and its thread for ``request`` in the engine; the caller connects signals, then starts the thread.

    Both objects belong to Python (no Qt parent, no deleteLater): the caller keeps them until
    the thread has finished (``thread.wait()``), so neither is deleted while the other still runs.
    """
    thread = QThread()
    worker = Worker(engine, request)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    return worker, thread
