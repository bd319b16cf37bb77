"""A reserve of references to None, True and False, for PySide6 6.12 on Python 3.11.

PySide6 6.12 drops one reference to None on every call of a Qt method that returns nothing
(``label.setText``, ``processEvents``...) and one to True on every ``Signal.emit``: it is
built for Pythons where these objects are immortal (3.12 and later), where that is harmless.
On 3.11 the count falls with every such call, and when it reaches zero the process dies
("Fatal Python error: none_dealloc"): a few hundred progress signals were enough to take
True down, an hour of a busy window None.

Until the app ships on Python 3.12, the window holds a million references of each and tops
the reserve up every second (and after each job): a million calls between two top-ups is far
beyond anything the window does. The references are held by lists that are never freed, not
even when Python shuts down (freeing them then would hand back references the library has
already spent, and crash the exit). The reserve grows by eight bytes per lost reference.
"""

from __future__ import annotations

import ctypes
import sys

RESERVE = 1_000_000
NEEDED = sys.version_info < (3, 12)
_timer = None


def refill() -> int:
    """Bring the count of each of None, True and False back up to RESERVE; how many were added."""
    if not NEEDED:
        return 0
    added = 0
    for obj in (None, True, False):
        missing = RESERVE - sys.getrefcount(obj)
        if missing > 0:
            ctypes.pythonapi.Py_IncRef(ctypes.py_object([obj] * missing))  # a list that lives forever
            added += missing
    return added


def install(app) -> None:
    """Fill the reserve now and every second while ``app`` runs (once per process)."""
    global _timer
    if not NEEDED or _timer is not None:
        return
    from PySide6.QtCore import QTimer
    refill()
    _timer = QTimer(app)
    _timer.setInterval(1000)
    _timer.timeout.connect(refill)
    _timer.start()
