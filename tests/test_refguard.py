"""The window keeps a reserve of references to None and True (PySide6 6.12 on Python 3.11
drops one on every Qt call that returns nothing and on every signal emitted)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel

from desktop.ui import refguard

pytestmark = pytest.mark.skipif(not refguard.NEEDED, reason="None and True are immortal from Python 3.12 on")


class _Emitter(QObject):
    ping = Signal(int)


def test_the_reserve_makes_up_for_what_qt_calls_lose(qapp):
    refguard.refill()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    label, emitter = QLabel(), _Emitter()
    for n in range(20_000):
        label.setText("x")
        emitter.ping.emit(n)
    # what the library loses (when this fails, PySide6 is fixed and refguard can go)
    assert sys.getrefcount(None) <= none_before - 19_000
    assert sys.getrefcount(True) <= true_before - 19_000
    deficit = sum(max(0, refguard.RESERVE - sys.getrefcount(o)) for o in (None, True, False))
    assert deficit > 0  # True, at least: nothing else holds a million references to it
    assert abs(refguard.refill() - deficit) <= 10  # a frame or two may hold a None meanwhile
    assert min(sys.getrefcount(o) for o in (None, True, False)) >= refguard.RESERVE


def test_the_window_installs_the_reserve(qtbot, qapp):
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings
    w = MainWindow(Language(qapp, "zh"), Settings())
    qtbot.addWidget(w)
    assert refguard._timer is not None and refguard._timer.isActive() and refguard._timer.interval() == 1000
    assert sys.getrefcount(None) >= refguard.RESERVE - 100_000
