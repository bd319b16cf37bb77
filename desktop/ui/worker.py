"""Long work off the GUI thread: a worker with started/progress/result/error/finished
signals that never touches widgets and stops at the next checkpoint when cancelled."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from desktop.errors import CreditDeskError
from desktop.io.workbook import PasswordRequired


class Cancelled(Exception):
    """The clerk pressed Cancel; raised at the next progress checkpoint."""


class Worker(QObject):
    started = Signal()
    progress = Signal(str, float)  # stage, fraction done
    result = Signal(object)
    error = Signal(str, str)  # message for the clerk, kind ("input", "output", "policy", "bug")
    cancelled = Signal()
    password_needed = Signal(str, str)  # file, message
    finished = Signal()

    def __init__(self, job: Callable[[Callable[[str, float], None]], Any]):
        super().__init__()
        self._job = job
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    def _checkpoint(self, stage: str, fraction: float) -> None:
        if self._cancel:
            raise Cancelled()
        self.progress.emit(stage, fraction)

    @Slot()
    def run(self) -> None:
        self.started.emit()
        try:
            value = self._job(self._checkpoint)
        except Cancelled:
            self.cancelled.emit()
        except PasswordRequired as exc:
            self.password_needed.emit(str(exc.path), str(exc))
        except CreditDeskError as exc:
            from desktop.errors import OutputFileError, PolicyError
            kind = "policy" if isinstance(exc, PolicyError) else "output" if isinstance(exc, OutputFileError) \
                else "input"
            self.error.emit(str(exc), kind)
        except Exception:  # a bug: show it, keep the window alive
            self.error.emit(traceback.format_exc(limit=6), "bug")
        else:
            if self._cancel:
                self.cancelled.emit()
            else:
                self.result.emit(value)
        finally:
            self.finished.emit()


def start_worker(job: Callable[[Callable[[str, float], None]], Any]) -> tuple[Worker, QThread]:
    """A worker and its thread for ``job(progress)``; the caller connects signals, then starts the thread.

    Both objects belong to Python (no Qt parent, no deleteLater): the caller keeps them until
    the thread has finished (``thread.wait()``), so neither is deleted while the other still runs.
    """
    thread = QThread()
    worker = Worker(job)
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    return worker, thread
