"""The what-if's comparison (DOMAIN.md "Comparing policies and runs"), as the policy editor opens it:
the rating on screen against the same customers rated with the edited policy.

The level migration matrix (rows: the level now, columns: the level after the edited policy; the
diagonal, the customers whose level stays, shaded; totals), how many customers' level, term, limit
and route change, the total eligible limit and the approvals (sales manager, CFO) before and after.
只看变动客户 shows the changed customers in the results table with their values after the edit
beside the ones now; a matrix cell shows the customers of that move. The engine sends only the
changed customers (``WhatIfDone.comparison``): a diagonal cell's customers are the window's.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desktop.core.compare import Comparison
from desktop.ui.colors import blend, colours, hex_name, rgb
from desktop.ui.i18n import ZH
from desktop.ui.models import amount_text
from desktop.ui.screen import fit_to_screen

CHANGE_WORDS = (("level", "Level"), ("term", "Recommended term"), ("limit", "Eligible limit"), ("route", "Route"))


def before_after(a: int, b: int, amount: bool = False) -> str:
    """"3 → 5 (+2)", amounts as the window writes them."""
    show = amount_text if amount else (lambda v: f"{v:,}")
    diff = b - a
    return f"{show(a)} → {show(b)}" + (f" ({'+' if diff > 0 else '−'}{show(abs(diff))})" if diff else "")


class WhatIfPanel(QDialog):
    """The comparison of one what-if; ``show_customers`` asks the window for the customers of a move
    (None: every changed customer; (level now, level after): that cell's)."""

    show_customers = Signal(object)

    def __init__(self, comparison: Comparison, lang: str = "zh", parent=None):
        super().__init__(parent)
        self.lang = lang
        self.setObjectName("what_if")
        self.comparison = comparison
        self.setWindowTitle(self.t("What-if: the rating compared"))
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.matrix_note = QLabel(self.t("Rows: the level now; columns: the level with the edited policy. Click a "
                                         "number to see those customers in the results table."))
        self.matrix_note.setWordWrap(True)
        self.matrix = QTableWidget()
        self.matrix.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.matrix.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.matrix.cellClicked.connect(self._cell_clicked)
        self.matrix.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.matrix.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.matrix.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.matrix.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.changes = QFormLayout()
        self.show_button = QPushButton(self.t("Show changed customers only"))
        self.show_button.setToolTip(self.t("The results table shows only the customers the edited policy changes, "
                                           "with their values after it; Clear filters (or Esc in the search box) "
                                           "shows every customer again"))
        self.show_button.clicked.connect(lambda: self.show_customers.emit(None))
        self.close_button = QPushButton(self.t("Close"))
        self.close_button.clicked.connect(self.close)
        for b in (self.show_button, self.close_button):
            b.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.show_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.matrix_note)
        layout.addWidget(self.matrix)
        layout.addLayout(self.changes)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.set_comparison(comparison)
        fit_to_screen(self, (620, 460))

    def t(self, source: str) -> str:
        return ZH.get(source, source) if self.lang == "zh" else source

    def set_comparison(self, comparison: Comparison) -> None:
        """Show ``comparison`` (a new what-if replaces the last one's figures)."""
        self.comparison = c = comparison
        self.heading.setText(self.t("{0} customers compared: the rating on screen ({1}) and the same customers "
                                    "rated with the edited policy.").format(c.both, c.a.policy or c.a.label))
        self._fill_matrix()
        while self.changes.rowCount():
            self.changes.removeRow(0)
        self.change_labels: dict[str, QLabel] = {}
        for key, words in CHANGE_WORDS:
            label = QLabel(self.t("{0} customers").format(f"{c.changed.get(key, 0):,}"))
            self.change_labels[key] = label
            self.changes.addRow(self.t("Changed: {0}").format(self.t(words)), label)
        self.limit_label = QLabel(before_after(*c.total_limit, amount=True))
        self.changes.addRow(self.t("Total eligible limit (CNY)"), self.limit_label)
        a, b = c.approvals
        self.approval_labels = {key: QLabel(before_after(a.get(key, 0), b.get(key, 0))) for key in ("sales_manager", "cfo")}
        # the sales manager signs the CFO's special applications too: more than the status bar's route count
        self.changes.addRow(self.t("Signed by the sales manager (the CFO's too)"), self.approval_labels["sales_manager"])
        self.changes.addRow(self.t("Approvals by the CFO"), self.approval_labels["cfo"])
        self.show_button.setEnabled(bool(c.customers))

    def _fill_matrix(self) -> None:
        c, m = self.comparison, self.matrix
        levels = list(c.levels)
        total = self.t("Total")
        m.clear()
        m.setRowCount(len(levels) + 1)
        m.setColumnCount(len(levels) + 1)
        m.setHorizontalHeaderLabels([self.t("After: {0}").format(lv) for lv in levels] + [total])
        m.setVerticalHeaderLabels([self.t("Now: {0}").format(lv) for lv in levels] + [total])
        palette = colours()
        shade = QColor(palette.header)  # the diagonal: customers whose level stays
        muted = QColor(palette.muted)
        bold = QFont()
        bold.setBold(True)
        column_totals = [sum(c.matrix.get(la, {}).get(lb, 0) for la in levels) for lb in levels]
        for r, la in enumerate(levels):
            row = c.matrix.get(la, {})
            for k, lb in enumerate(levels):
                n = row.get(lb, 0)
                item = QTableWidgetItem(f"{n:,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setData(Qt.ItemDataRole.UserRole, (la, lb))
                if la == lb:
                    item.setBackground(shade)
                if n == 0:
                    item.setForeground(muted)
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
                else:
                    item.setToolTip(self.t("{0} → {1}: {2} customers; click to see them in the results table")
                                    .format(la, lb, f"{n:,}"))
                    if la != lb:
                        item.setFont(bold)
                m.setItem(r, k, item)
            m.setItem(r, len(levels), self._total_item(sum(row.get(lb, 0) for lb in levels), bold))
        for k, n in enumerate(column_totals):
            m.setItem(len(levels), k, self._total_item(n, bold))
        m.setItem(len(levels), len(levels), self._total_item(sum(column_totals), bold))
        m.resizeRowsToContents()
        m.setCurrentItem(None)  # no cell looks chosen before the clerk clicks one

    def _total_item(self, n: int, font: QFont) -> QTableWidgetItem:
        item = QTableWidgetItem(f"{n:,}")
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        item.setFont(font)
        item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsSelectable)
        item.setBackground(QColor(hex_name(blend(rgb(colours().base), rgb(colours().text), 0.06))))
        return item

    def count(self, now: str, after: str) -> int:
        """The matrix's count of customers moving from level ``now`` to ``after``, as shown."""
        r, k = list(self.comparison.levels).index(now), list(self.comparison.levels).index(after)
        return int(self.matrix.item(r, k).text().replace(",", ""))

    def _cell_clicked(self, row: int, column: int) -> None:
        item = self.matrix.item(row, column)
        move = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if move is not None and item.text() not in ("0", ""):
            self.show_customers.emit(tuple(move))
