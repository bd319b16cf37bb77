"""Windows and dialogs that fit the screen they open on (1366x768, 150 % and 200 % scale).

``fit_to_screen(widget, want)`` gives a top-level widget the size it asks for, bounded by the
free area of its screen (the taskbar excluded) less the frame the system draws around it, and
moves it inside that area. Contents that need more room scroll: put them in a scroll area or
a table. ``tests/test_screens.py`` checks every dialog at three screen sizes.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QLabel, QToolTip, QWidget

FRAME = QSize(16, 40)  # the window frame and title bar the system adds around a top-level window


def breakable(text: str) -> str:
    """``text`` with a zero-width space after each path separator, for a label or message box: a
    long path without spaces then wraps at its folders instead of widening its box beyond the
    screen (Qt breaks no line after a backslash, and a Windows path has nothing else)."""
    return text.replace("\\", "\\\u200b").replace("/", "/\u200b")


def free_area(widget: QWidget) -> QRect:
    """The free area of the widget's screen (its parent's, else the primary screen's)."""
    screen = widget.screen() or (widget.parentWidget().screen() if widget.parentWidget() else None) \
        or QApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 728)


def largest(widget: QWidget) -> QSize:
    free = free_area(widget).size()
    return QSize(max(free.width() - FRAME.width(), 320), max(free.height() - FRAME.height(), 200))


def fit_to_screen(widget: QWidget, want: QSize | tuple[int, int], *, bounded: bool = True,
                  centred: bool = False) -> None:
    """Size ``widget`` to ``want`` or less, never beyond the free screen area, and keep it inside.

    ``bounded=False`` fits it once and sets no maximum size: a main window, which the clerk may
    maximize or take to a larger screen. ``centred`` puts it in the middle of the free area."""
    want = QSize(*want) if isinstance(want, tuple) else want
    most = largest(widget)
    if bounded:
        widget.setMaximumSize(most)
    minimum = widget.minimumSize().boundedTo(most)
    widget.setMinimumSize(minimum)
    widget.resize(want.boundedTo(most).expandedTo(minimum))
    area = free_area(widget)
    pos = widget.pos()
    if centred:
        pos = area.center() - QPoint((widget.width() + FRAME.width()) // 2, (widget.height() + FRAME.height()) // 2)
    x = min(max(pos.x(), area.left()), area.right() - widget.width() - FRAME.width() + 1)
    y = min(max(pos.y(), area.top()), area.bottom() - widget.height() - FRAME.height() + 1)
    widget.move(QPoint(max(x, area.left()), max(y, area.top())))


class ElidedLabel(QLabel):
    """A one-line label that gives way first in a narrow toolbar or bar: it asks for at most
    ``most`` pixels, can shrink to a few characters, shows its text elided in the middle (the
    start and the end, a file's extension, stay readable) and the whole text in its tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None, most: int = 320) -> None:
        super().__init__(text, parent)
        self.most = most

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.most), hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        hint = super().minimumSizeHint()
        least = self.fontMetrics().horizontalAdvance(self.text()[:4] + "…") + self.contentsMargins().left() \
            + self.contentsMargins().right()
        return QSize(min(hint.width(), least), hint.height())

    def shown_text(self) -> str:
        """The text as it is painted at the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideMiddle, self.contentsRect().width())

    def elided(self) -> bool:
        return self.shown_text() != self.text()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(), int(self.alignment() | Qt.AlignmentFlag.AlignVCenter),
                                  self.palette(), self.isEnabled(), self.shown_text(), self.foregroundRole())

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and not self.toolTip() and self.elided():
            QToolTip.showText(event.globalPos(), self.text(), self)
            return True
        return super().event(event)
