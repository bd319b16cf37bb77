"""The cancel token every use case takes: checked between stages and inside long loops."""

from __future__ import annotations

import threading
from typing import Protocol

from desktop.errors import Cancelled


class _Flag(Protocol):
    def is_set(self) -> bool: ...
    def set(self) -> None: ...


class CancelToken:
    """A flag the front end sets (Cancel button, Ctrl+C, SIGTERM) and the job checks.

    Wraps any event-like flag: a ``threading.Event`` on the command line, a
    ``multiprocessing`` event shared between the window and its engine process.
    """

    def __init__(self, flag: _Flag | None = None):
        self._flag = flag if flag is not None else threading.Event()
        self.reason = ""  # "SIGINT", "SIGTERM", "" (the Cancel button)
        self.committing = False  # past the job's last checkpoint: a cancel now changes nothing

    def cancel(self, reason: str = "") -> None:
        self.reason = self.reason or reason
        self._flag.set()

    @property
    def cancelled(self) -> bool:
        return self._flag.is_set()

    def check(self) -> None:
        """Raise ``Cancelled`` when the job was cancelled: call it wherever stopping is safe."""
        if self._flag.is_set():
            raise Cancelled()

    def last_check(self) -> None:
        """The commit point: a last ``check()``, then nothing may interrupt the job (a second Ctrl+C
        included) until it has committed."""
        self.check()
        self.committing = True


class _Never(CancelToken):
    def cancel(self, reason: str = "") -> None:
        raise TypeError("this token cannot be cancelled")

    def last_check(self) -> None:  # shared by every job that has no token: keeps no state
        return None


NEVER = _Never()
