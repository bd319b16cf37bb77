"""Windows and dialogs that fit the screen they open on (1366x768, 150 % and 200 % scale).

``fit_to_screen(widget, want)`` gives a top-level widget the size it asks for, bounded by the
free area of its screen (the taskbar excluded) less the frame the system draws around it, and
moves it inside that area. Contents that need more room scroll: put them in a scroll area or
a table. ``tests/test_screens.py`` checks every dialog at three screen sizes.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QApplication, QWidget

FRAME = QSize(16, 40)  # the window frame and title bar the system adds around a top-level window


def free_area(widget: QWidget) -> QRect:
    """The free area of the widget's screen (its parent's, else the primary screen's)."""
    screen = widget.screen() or (widget.parentWidget().screen() if widget.parentWidget() else None) \
        or QApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)


def largest(widget: QWidget) -> QSize:
    free = free_area(widget).size()
    return QSize(max(free.width() - FRAME.width(), 320), max(free.height() - FRAME.height(), 200))


def fit_to_screen(widget: QWidget, want: QSize | tuple[int, int]) -> None:
    """Size ``widget`` to ``want`` or less, never beyond the free screen area, and keep it inside."""
    want = QSize(*want) if isinstance(want, tuple) else want
    most = largest(widget)
    widget.setMaximumSize(most)
    minimum = widget.minimumSize().boundedTo(most)
    widget.setMinimumSize(minimum)
    widget.resize(want.boundedTo(most).expandedTo(minimum))
    area = free_area(widget)
    pos = widget.pos()
    x = min(max(pos.x(), area.left()), area.right() - widget.width() - FRAME.width() + 1)
    y = min(max(pos.y(), area.top()), area.bottom() - widget.height() - FRAME.height() + 1)
    widget.move(QPoint(max(x, area.left()), max(y, area.top())))
