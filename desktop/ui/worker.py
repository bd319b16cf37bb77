"""Long work off the GUI: a worker whose thread hands a job to the engine process and turns
the engine's messages into signals (started/progress/result/error/finished). It never
touches widgets; the job stops at its next checkpoint when cancelled."""

from __future__ import annotations

import traceback
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.engine import Engine, EngineStopped


class Worker(QObject):
    started = Signal()
    progress = Signal(str, float)  # stage, fraction done
    result = Signal(object)
    error = Signal(str, str)  # message for the clerk, kind ("input", "output", "policy", "bug")
    cancelled = Signal()
    password_needed = Signal(str, str)  # file, message
    finished = Signal()

    def __init__(self, engine: Engine, job: str, kwargs: dict[str, Any]):
        super().__init__()
        self._engine, self._job, self._kwargs = engine, job, kwargs
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
        try:
            for message in self._engine.run(self._job, self._kwargs):
                kind = message[0]
                if kind == "progress":
                    self.progress.emit(message[1], message[2])
                elif kind == "cancelled" or (kind == "result" and self._cancel):
                    self.cancelled.emit()
                elif kind == "result":
                    self.result.emit(message[1])
                elif kind == "password":
                    self.password_needed.emit(message[1], message[2])
                else:
                    self.error.emit(message[1], message[2])
        except EngineStopped as exc:
            self.error.emit(f"The work stopped: {exc}. Nothing was written; try again.", "bug")
        except Exception:  # a bug on this side (the engine could not start): show it, keep the window alive
            self.error.emit(traceback.format_exc(limit=6), "bug")
        finally:
            self.finished.emit()


def start_worker(engine: Engine, job: str, kwargs: dict[str, Any]) -> tuple[Worker, QThread]:
    """A worker and its thread for ``job`` in the engine; the caller connects signals, then starts the thread.

    Both objects belong to Python (no Qt parent, no deleteLater): the caller keeps them until
    the thread has finished (``thread.wait()``), so neither is deleted while the other still runs.
    """
    thread = QThread()
    worker = Worker(engine, job, kwargs)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    return worker, thread
