"""Table models: thin adapters over the core's records, colour by role, reset around reloads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from desktop.core.models import Decision, RowIssue
from desktop.io.sheets import SheetSource
from desktop.io.writers.xlsx import LEVEL_COLOURS, LEVEL_FONT

Index = QModelIndex | QPersistentModelIndex


class _Table(QAbstractTableModel):
    """Rows of records, a header, and a function giving a cell's display value."""

    headers: list[str] = []

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_object(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def value(self, obj: Any, column: int) -> Any:
        raise NotImplementedError

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or \
                not (0 <= index.column() < len(self.headers)):
            return None
        obj = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            v = self.value(obj, index.column())
            if isinstance(v, float):
                return f"{v:,.2f}"
            return None if v is None else str(v)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            v = self.value(obj, index.column())
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        return self.extra(obj, index.column(), role)

    def extra(self, obj: Any, column: int, role: int) -> Any:
        return None


class ResultsModel(_Table):
    """One row per rated customer; filters and sorts itself.

    The table may hold a hundred thousand customers: filtering and sorting are one pass over
    the records in Python, not a call from Qt per row (a QSortFilterProxyModel asks for every
    row, and every comparison, through a Python override: seconds of a frozen window).
    """

    KEYS = ("customer_id", "name", "salesperson", "total", "raw_level", "level", "rules", "recommended_term",
            "eligible_limit", "requested_term", "requested_limit", "route", "exceeds", "next_review")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.route_words: dict[str, str] = {}
        self.yes_no = ("Yes", "No")
        self.code_words = lambda code: code
        self._all: list[Decision] = []
        self._filter: dict[str, Any] = {"level": None, "salesperson": None, "route": None, "exceeds_only": False,
                                        "text": ""}
        self._sort: tuple[int, Qt.SortOrder] | None = None  # None: customer-sheet order
        self._getters = {
            "customer_id": lambda d: d.customer_id, "name": lambda d: d.customer.name,
            "salesperson": lambda d: d.customer.salesperson, "total": lambda d: d.total,
            "raw_level": lambda d: d.raw_level, "level": lambda d: d.level, "rules": self.rule_words,
            "recommended_term": lambda d: d.recommended_term_days, "eligible_limit": lambda d: d.eligible_limit,
            "requested_term": lambda d: d.requested_term_days, "requested_limit": lambda d: d.requested_limit,
            "route": lambda d: self.route_words.get(d.approval_route, d.approval_route),
            "exceeds": lambda d: self.yes_no[0] if d.exceeds_policy else self.yes_no[1],
            "next_review": lambda d: d.next_review.isoformat(),
        }

    def rule_words(self, d: Decision) -> str:
        return "；".join(self.code_words(h.code) for h in (*d.overrides, *d.caps, *d.term_rules))

    def set_headers(self, headers: list[str], route_words: dict[str, str], yes_no: tuple[str, str]) -> None:
        self.beginResetModel()
        self.headers = headers
        self.route_words = route_words
        self.yes_no = yes_no
        self.endResetModel()

    def set_rows(self, rows: Sequence[Any]) -> None:
        """A new run: every decision, in customer-sheet order, under the current filter."""
        self.beginResetModel()
        self._all = list(rows)
        self._sort = None
        self._rows = self._visible()
        self.endResetModel()

    @property
    def total_rows(self) -> int:
        return len(self._all)

    def all_rows(self) -> list[Decision]:
        return self._all

    def set_filter(self, **kw: Any) -> None:
        """Filter by level, salesperson, route, exceeds policy and free text (ID, name, salesperson, group)."""
        self._filter.update(kw)
        self._relayout(self._visible())

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.KEYS):
            return
        self._sort = (column, order)
        self._relayout(self._sorted(self._rows))

    def _visible(self) -> list[Decision]:
        f = self._filter
        rows = self._all
        if f["level"]:
            rows = [d for d in rows if d.level == f["level"]]
        if f["salesperson"]:
            rows = [d for d in rows if (d.customer.salesperson or "") == f["salesperson"]]
        if f["route"]:
            rows = [d for d in rows if d.approval_route == f["route"]]
        if f["exceeds_only"]:
            rows = [d for d in rows if d.exceeds_policy]
        if f["text"]:
            text = f["text"].lower()
            rows = [d for d in rows if text in " ".join((d.customer_id, d.customer.name, d.customer.salesperson or "",
                                                         d.customer.group or "")).lower()]
        return self._sorted(rows) if self._sort is not None else list(rows)

    def _sorted(self, rows: list[Decision]) -> list[Decision]:
        column, order = self._sort
        get = self._getters[self.KEYS[column]]

        def key(d: Decision):
            v = get(d)
            return (v is None, v.lower() if isinstance(v, str) else (0 if v is None else v))
        return sorted(rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder)

    def _relayout(self, rows: list[Decision]) -> None:
        """Show ``rows``, keeping the selection on the same customer when it is still shown."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        kept = [self._rows[i.row()] for i in old]
        self._rows = rows
        if old:
            where = {id(d): n for n, d in enumerate(rows)}
            self.changePersistentIndexList(old, [self.index(where[id(d)], i.column()) if id(d) in where
                                                 else QModelIndex() for d, i in zip(kept, old)])
        self.layoutChanged.emit()

    def value(self, d: Decision, column: int) -> Any:
        return self._getters[self.KEYS[column]](d)

    def extra(self, d: Decision, column: int, role: int) -> Any:
        key = self.KEYS[column]
        if key in ("level", "raw_level"):
            level = d.level if key == "level" else d.raw_level
            if role == Qt.ItemDataRole.BackgroundRole and level in LEVEL_COLOURS:
                return QColor(LEVEL_COLOURS[level])
            if role == Qt.ItemDataRole.ForegroundRole and level in LEVEL_FONT:
                return QColor(LEVEL_FONT[level])
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
        if key == "exceeds" and role == Qt.ItemDataRole.ForegroundRole and d.exceeds_policy:
            return QColor("#C00000")
        return None


class IssuesModel(_Table):
    """Row issues, in the interface language."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.words = lambda text: text
        self.severity_words: dict[str, str] = {}

    def value(self, i: RowIssue, column: int) -> Any:
        return (self.severity_words.get(i.severity, i.severity), i.file, i.sheet, i.row, i.column, i.value,
                self.words(i.problem), self.words(i.action))[column]

    def extra(self, i: RowIssue, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and i.severity == "error":
            return QColor("#C00000")
        return None


class SheetsModel(_Table):
    """How each sheet was classified; the kind column is editable (customers, ledger, ...)."""

    KIND_COLUMN = 2

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind_words: dict[str, str] = {}
        self.on_kind_changed = None  # callable(SheetSource, kind)

    def value(self, s: SheetSource, column: int) -> Any:
        # why it could not be read, where a sheet would be (the file is in the first column already)
        sheet = s.error.removeprefix(f"{s.path}: ") if s.kind == "unreadable" else s.sheet
        return (s.file, sheet, self.kind_words.get(s.kind, s.kind), s.header_row, s.rows_read, s.rows_used,
                s.rows_rejected)[column]

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.KIND_COLUMN and self._rows[index.row()].kind != "unreadable":
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or index.column() != self.KIND_COLUMN or role != Qt.ItemDataRole.EditRole:
            return False
        kind = next((k for k, w in self.kind_words.items() if w == value or k == value), None)
        if kind is None:
            return False
        s: SheetSource = self._rows[index.row()]
        if s.kind == "unreadable":  # nothing was read: there is no sheet to read another way
            return False
        if kind != s.kind and self.on_kind_changed is not None:
            self.on_kind_changed(s, kind)
        return True

    def extra(self, s: SheetSource, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.EditRole and column == self.KIND_COLUMN:
            return self.kind_words.get(s.kind, s.kind)
        if role == Qt.ItemDataRole.ForegroundRole and s.kind == "ignored":
            return QColor("#808080")
        if s.kind == "unreadable":
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor("#C00000")
            if role == Qt.ItemDataRole.ToolTipRole:
                return s.error
        return None
