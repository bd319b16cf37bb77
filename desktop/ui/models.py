"""Table models: thin adapters over the core's records, colour by role, reset around reloads.

The window's tables work like the spreadsheet a clerk knows: amounts read 1,236,000 in every
column, Chinese text sorts in pinyin order (Qt's collation for zh_CN; customer IDs with their
numbers as numbers, C2 before C10), blanks sort last both ways, every text cell has its full
text as a tooltip, and a selection copies as tab-separated cells (``selection_text``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCollator, QLocale, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from desktop.core.models import Decision, RowIssue, Totals, totals_of
from desktop.io.sheets import SheetSource
from desktop.ui.colors import colours

Index = QModelIndex | QPersistentModelIndex
LEVEL_ORDER = {lv: n for n, lv in enumerate(("AAA", "AA", "A", "B", "C"))}  # best first, as the policy lists them


def amount_text(v: float | int | None) -> str:
    """An amount as the window shows it everywhere: whole yuan with thousands separators,
    1,236,000 (half a yuan rounds up, as a clerk rounds; the copy keeps the exact value)."""
    if v is None or isinstance(v, bool) or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if isinstance(v, int) or float(v).is_integer():
        text = f"{int(v):,}"
    else:
        text = f"{Decimal(repr(float(v))).quantize(Decimal(1), ROUND_HALF_UP):,}"
    return "0" if text == "-0" else text


def _blank(v: Any) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


_FORMULA_START = ("=", "+", "-", "@")
# Text Excel would turn into something else when pasted: a number (00123 loses its zeros, 1E3 is
# 1000, (5) is -5), a date or time (1-2, 1/2, 3:4), a percentage, a currency, TRUE/FALSE, or text
# already led by an apostrophe (Excel would swallow it). Quoted too, so an ID stays as written.
_EXCEL_WOULD_CONVERT = __import__("re").compile(
    r"^(?:\s*[-+(]?[$¥￥]?\s*[\d][\d\s.,/:\-eE]*%?\)?\s*|\s*(?i:true|false)\s*|'.*)$")


def clipboard_cell(v: Any) -> str:
    """One cell as Excel is to paste it: numbers plain (no thousands separator), text on one line
    (tabs and line breaks would split the cell) and never run as a formula (a leading = + - @
    is quoted with an apostrophe, as a clerk types it to keep text)."""
    if _blank(v):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, date):
        return v.isoformat()
    text = str(v).replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return "'" + text if text.startswith(_FORMULA_START) or _EXCEL_WOULD_CONVERT.match(text) else text


def selection_text(model: _Table, ranges: Sequence[tuple[int, int, int, int]], headers: bool = True) -> str:
    """The cells of ``ranges`` (top, bottom, left, right; rows and columns of ``model``) as
    tab-separated lines, with the column headers first when ``headers``. Several ranges are
    copied as Excel copies them: every row and column that holds a selected cell, the others blank."""
    rows = sorted({r for top, bottom, _, _ in ranges for r in range(top, bottom + 1) if 0 <= r < model.rowCount()})
    columns = sorted({c for _, _, left, right in ranges for c in range(left, right + 1)
                      if 0 <= c < model.columnCount()})
    if not rows or not columns:
        return ""
    whole = len(ranges) == 1

    def chosen(r: int, c: int) -> bool:
        return whole or any(top <= r <= bottom and left <= c <= right for top, bottom, left, right in ranges)

    lines = ["\t".join(clipboard_cell(model.headers[c]) for c in columns)] if headers else []
    for r in rows:
        obj = model.row_object(r)
        lines.append("\t".join(clipboard_cell(model.copy_value(obj, c)) if chosen(r, c) else "" for c in columns))
    return "\n".join(lines)


_COLLATORS: dict[bool, QCollator] = {}


def collator(numeric: bool = False) -> QCollator:
    """Chinese text in pinyin order (阿 < 北 < 长 < 中), Latin letters regardless of case;
    ``numeric``: digits compared as numbers (C2 before C10)."""
    found = _COLLATORS.get(numeric)
    if found is None:
        found = QCollator(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        found.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        found.setNumericMode(numeric)
        _COLLATORS[numeric] = found
    return found


def pinyin_sorted(texts: Iterable[str], numeric: bool = False) -> list[str]:
    return sorted(texts, key=collator(numeric).sortKey)


class _Table(QAbstractTableModel):
    """Rows of records, a header, and a function giving a cell's display value.

    ``_all`` holds every record, ``_rows`` those shown (filtered, then sorted); sorting is one
    pass over the records in Python, not a call from Qt per comparison (a QSortFilterProxyModel
    asks for every row, and every comparison, through a Python override: seconds of a frozen
    window on a hundred thousand rows).
    """

    headers: list[str] = []
    amount_columns: frozenset[int] = frozenset()  # shown as 1,236,000
    numeric_columns: frozenset[int] = frozenset()  # text sorted with its digits as numbers (IDs)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._all: list[Any] = []
        self._rows: list[Any] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None  # None: the order the records came in
        self._ranks: dict[int, dict[str, int]] = {}  # column -> each text's place in pinyin order

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._all = list(rows)
        self._ranks = {}
        self._rows = self._visible()
        self.endResetModel()

    def refresh(self) -> None:
        """The same records shown again (the words changed: another language)."""
        self.set_rows(self._all)

    def row_object(self, row: int) -> Any:
        return self._rows[row]

    def all_rows(self) -> list[Any]:
        return self._all

    @property
    def total_rows(self) -> int:
        return len(self._all)

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

    def copy_value(self, obj: Any, column: int) -> Any:
        """What a copy puts in the clipboard for a cell: the exact number, or the text shown."""
        return self.value(obj, column)

    def sort_value(self, obj: Any, column: int) -> Any:
        return self.value(obj, column)

    def tooltip(self, obj: Any, column: int, v: Any) -> str | None:
        """The full text of a cell, which a narrow column cuts off; an amount's exact value when
        the cell shows it rounded to the yuan."""
        if isinstance(v, str):
            return v or None
        if column in self.amount_columns and isinstance(v, float) and math.isfinite(v) and not v.is_integer():
            return f"{v:,.2f}"
        return None

    def display(self, column: int, v: Any) -> str | None:
        if _blank(v):
            return None
        if column in self.amount_columns and isinstance(v, (int, float)) and not isinstance(v, bool):
            return amount_text(v)
        if isinstance(v, float):
            return format(v, ",.15g") if math.isfinite(v) else None
        return str(v)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)) or \
                not (0 <= index.column() < len(self.headers)):
            return None
        obj = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.display(index.column(), self.value(obj, index.column()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(obj, index.column(), self.value(obj, index.column()))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            v = self.value(obj, index.column())
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        return self.extra(obj, index.column(), role)

    def extra(self, obj: Any, column: int, role: int) -> Any:
        return None

    # ------------------------------------------------------------ filter and sort
    def _filtered(self, rows: list[Any]) -> list[Any]:
        return rows

    def _visible(self) -> list[Any]:
        rows = self._filtered(self._all)
        return self._sorted(rows) if self._sort is not None else list(rows)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if column < 0:  # no sort indicator: the order the records came in
            if self._sort is not None:
                self._sort = None
                self._relayout(self._visible())
            return
        if column >= len(self.headers):
            return
        self._sort = (column, order)
        self._relayout(self._sorted(self._rows))

    def _rank(self, column: int, texts: set[str]) -> dict[str, int]:
        """Each text of ``column`` and its place in pinyin order, worked out once for every record
        (a filter or the other direction sorts again at the speed of numbers)."""
        known = self._ranks.get(column)
        if known is None or not texts <= known.keys():
            every = {v for v in (self.sort_value(o, column) for o in self._all) if isinstance(v, str)} | texts
            known = {t: n for n, t in enumerate(pinyin_sorted(every, column in self.numeric_columns))}
            self._ranks[column] = known
        return known

    def _sorted(self, rows: list[Any]) -> list[Any]:
        """Numbers as numbers, dates as dates, text in pinyin order; blanks last either way (as Excel)."""
        column, order = self._sort
        filled, blank = [], []
        for obj in rows:
            v = self.sort_value(obj, column)
            (blank if _blank(v) else filled).append((v, obj))
        texts = {v for v, _ in filled if isinstance(v, str)}
        rank = self._rank(column, texts) if texts else {}

        def key(pair: tuple[Any, Any]) -> tuple[int, Any]:
            v = pair[0]
            if isinstance(v, str):
                return 2, rank[v]
            if isinstance(v, date):
                return 1, v.toordinal()
            return 0, v
        filled.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        return [obj for _, obj in filled] + [obj for _, obj in blank]

    def _relayout(self, rows: list[Any]) -> None:
        """Show ``rows``, keeping the selection on the same records when they are still shown."""
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        kept = [self._rows[i.row()] if 0 <= i.row() < len(self._rows) else None for i in old]
        self._rows = rows
        if old:
            where = {id(d): n for n, d in enumerate(rows)}
            self.changePersistentIndexList(old, [self.index(where[id(d)], i.column()) if d is not None and id(d) in where
                                                 else QModelIndex() for d, i in zip(kept, old)])
        self.layoutChanged.emit()


class ResultsModel(_Table):
    """One row per rated customer; filters and sorts itself (see _Table)."""

    KEYS = ("customer_id", "name", "salesperson", "group", "total", "raw_level", "level", "rules", "recommended_term",
            "eligible_limit", "requested_term", "requested_limit", "open_ar", "overdue", "route", "exceeds",
            "next_review")
    AMOUNTS = ("eligible_limit", "requested_limit", "open_ar", "overdue")
    amount_columns = frozenset(map(KEYS.index, AMOUNTS))
    numeric_columns = frozenset({KEYS.index("customer_id")})
    NO_FILTER: dict[str, Any] = {"level": None, "salesperson": None, "route": None, "group": None, "exceeds_only": False,
                                 "text": "", "changed": None}
    # the what-if's columns after the edited policy, each beside its column of the rating on screen
    AFTER = {"level": "level_after", "recommended_term": "term_after", "eligible_limit": "limit_after",
             "route": "route_after"}
    _AFTER_ORDER = ("level_after", "term_after", "limit_after", "route_after")  # as _after_of gives them
    OUTSIDE_GROUPS = ""  # the group filter's value for the customers in no group (a group's is its first member's ID)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.route_words: dict[str, str] = {}
        self.yes_no = ("Yes", "No")
        self.code_words = lambda code: code
        self._filter: dict[str, Any] = dict(self.NO_FILTER)
        self._all_totals: Totals | None = None  # of every row, as the session added them up
        self._base_headers: list[str] = []
        self.after_headers: dict[str, str] = {}  # AFTER's keys -> their headers
        self._after: dict[str, Any] = {}  # customer ID -> its desktop.core.compare.Snap after the edited policy
        self.keys: tuple[str, ...] = self.KEYS  # the columns shown: KEYS, with AFTER's beside theirs while the
        # changed filter is on
        self._getters: dict[str, Callable[[Decision], Any]] = {
            "customer_id": lambda d: d.customer_id, "name": lambda d: d.customer.name,
            "salesperson": lambda d: d.customer.salesperson, "group": lambda d: d.group.name if d.group else "",
            "total": lambda d: d.total,
            "raw_level": lambda d: d.raw_level, "level": lambda d: d.level, "rules": self.rule_words,
            "recommended_term": lambda d: d.recommended_term_days, "eligible_limit": lambda d: d.eligible_limit,
            "requested_term": lambda d: d.requested_term_days, "requested_limit": lambda d: d.requested_limit,
            "open_ar": lambda d: d.metrics.open_ar, "overdue": lambda d: d.metrics.overdue_balance,
            "route": lambda d: self.route_words.get(d.approval_route, d.approval_route),
            "exceeds": lambda d: self.yes_no[0] if d.exceeds_policy else self.yes_no[1],
            "next_review": lambda d: d.next_review.isoformat(),
            "level_after": lambda d: self._after_of(d)[0], "term_after": lambda d: self._after_of(d)[1],
            "limit_after": lambda d: self._after_of(d)[2],
            "route_after": lambda d: self.route_words.get(self._after_of(d)[3], self._after_of(d)[3]),
        }
        self._sort_getters: dict[str, Callable[[Decision], Any]] = {  # what a column sorts by, where not its text
            "raw_level": lambda d: LEVEL_ORDER.get(d.raw_level, len(LEVEL_ORDER)),
            "level": lambda d: LEVEL_ORDER.get(d.level, len(LEVEL_ORDER)),  # AAA, AA, A, B, C: not A, AA, AAA
            "level_after": lambda d: LEVEL_ORDER.get(self._after_of(d)[0], len(LEVEL_ORDER)),
            "next_review": lambda d: d.next_review,
        }

    def _after_of(self, d: Decision) -> tuple[str, int, int, str]:
        """Level, term, limit and route of ``d`` after the edited policy: its own where they do not change."""
        s = self._after.get(d.customer_id)
        if s is None:
            return d.level, d.recommended_term_days, d.eligible_limit, d.approval_route
        return s.level, s.term_days, s.limit, s.route

    def _before_of(self, d: Decision) -> tuple[str, int, int, str]:
        return d.level, d.recommended_term_days, d.eligible_limit, d.approval_route

    def _set_columns(self) -> None:
        """The columns for the filter now: AFTER's shown while the changed filter is on."""
        sort_key = self.keys[self._sort[0]] if self._sort is not None and self._sort[0] < len(self.keys) else None
        on = self._filter.get("changed") is not None
        self.keys = tuple(k for key in self.KEYS for k in ((key, self.AFTER[key]) if on and key in self.AFTER
                                                           else (key,)))
        self.headers = [h for key, h in zip(self.KEYS, self._base_headers or list(self.KEYS))
                        for h in ((h, self.after_headers.get(self.AFTER[key], self.AFTER[key]))
                                  if on and key in self.AFTER else (h,))]
        self.amount_columns = frozenset(n for n, k in enumerate(self.keys)
                                        if k in self.AMOUNTS or k == "limit_after")
        self.numeric_columns = frozenset({self.keys.index("customer_id")})
        self._ranks = {}
        self._sort = (self.keys.index(sort_key), self._sort[1]) if sort_key in self.keys else None

    def rules(self, d: Decision) -> list[str]:
        return [self.code_words(h.code) for h in d.rules]

    def rule_words(self, d: Decision) -> str:
        return "；".join(self.rules(d))

    def set_headers(self, headers: list[str], route_words: dict[str, str], yes_no: tuple[str, str],
                    after_headers: dict[str, str] | None = None) -> None:
        """The headers of KEYS (and of AFTER's columns, by their keys)."""
        self.beginResetModel()
        self._base_headers = list(headers)
        if after_headers is not None:
            self.after_headers = dict(after_headers)
        self.route_words = route_words
        self.yes_no = yes_no
        self._set_columns()  # the words changed, and their order with them
        self._rows = self._visible()
        self.endResetModel()

    def set_rows(self, rows: Sequence[Any], totals: Totals | None = None) -> None:
        """A new run: every decision, in customer-sheet order, under the current filter; ``totals``:
        their Totals, when the session added them up."""
        self._sort = None
        self._all_totals = totals
        super().set_rows(rows)

    def refresh(self) -> None:
        self.set_rows(self._all, self._all_totals)

    def set_filter(self, **kw: Any) -> None:
        """Filter by level, salesperson, route, group (None: every customer; OUTSIDE_GROUPS: those in
        no group; a group's first member's ID: that group's members), exceeds policy and free text
        (ID, name, salesperson, 所属集团 as written and the identified group's name); ``changed``: the
        IDs of the what-if's customers to show (see ``show_changed``), None for every customer."""
        was = self._filter.get("changed") is not None
        self._filter.update(kw)
        if (self._filter.get("changed") is not None) != was:  # the after columns come or go
            self.beginResetModel()
            if self._filter.get("changed") is None:
                self._after = {}
            self._set_columns()
            self._rows = self._visible()
            self.endResetModel()
            return
        self._relayout(self._visible())

    def show_changed(self, ids: Iterable[str], after: dict[str, Any]) -> None:
        """Only the customers ``ids`` (of the what-if), with AFTER's columns from ``after`` (customer ID ->
        desktop.core.compare.Snap; a customer not in it keeps its values). Cleared with the other filters."""
        self.beginResetModel()
        self._after = dict(after)
        self._filter["changed"] = frozenset(ids)
        self._set_columns()
        self._rows = self._visible()
        self.endResetModel()

    def clear_filter(self) -> None:
        self.set_filter(**self.NO_FILTER)

    @property
    def filter_active(self) -> bool:
        return self._filter != self.NO_FILTER

    @property
    def showing_changed(self) -> bool:
        """The what-if's customers are shown (``show_changed``), with the columns after the edited policy."""
        return self._filter.get("changed") is not None

    def copy_value(self, obj: Any, column: int) -> Any:
        """The next review as a date (Excel pastes it as one, to sort and filter), the rest as shown."""
        if self.keys[column] == "next_review":
            return obj.next_review
        return super().copy_value(obj, column)

    def shown_ids(self) -> list[str]:
        """The customer IDs on screen, top to bottom."""
        return [d.customer_id for d in self._rows]

    def row_of(self, customer_id: str) -> int:
        """The row showing ``customer_id``; -1 when the filter hides it or it was not rated."""
        return next((n for n, d in enumerate(self._rows) if d.customer_id == customer_id), -1)

    def totals(self) -> Totals:
        """Over the rows shown: the limits, open AR and overdue added up, and the rows by level and
        by route. With every row shown, the session's (added up in the engine: a hundred thousand
        decisions take the window about 140 ms)."""
        if self._all_totals is not None and len(self._rows) == len(self._all):  # filters only take rows out
            return self._all_totals
        return totals_of(self._rows)

    def _filtered(self, rows: list[Decision]) -> list[Decision]:
        f = self._filter
        if f["level"]:
            rows = [d for d in rows if d.level == f["level"]]
        if f["salesperson"]:
            rows = [d for d in rows if (d.customer.salesperson or "") == f["salesperson"]]
        if f["route"]:
            rows = [d for d in rows if d.approval_route == f["route"]]
        if f["group"] is not None:  # a group is known by its first member: two groups can carry one name
            rows = [d for d in rows if (d.group.members[0] if d.group else self.OUTSIDE_GROUPS) == f["group"]]
        if f["exceeds_only"]:
            rows = [d for d in rows if d.exceeds_policy]
        if f["changed"] is not None:
            rows = [d for d in rows if d.customer_id in f["changed"]]
        if f["text"]:
            text = f["text"].lower()
            rows = [d for d in rows if text in " ".join((d.customer_id, d.customer.name, d.customer.salesperson or "",
                                                         d.customer.group or "", d.group.name if d.group else "")).lower()]
        return rows

    def value(self, d: Decision, column: int) -> Any:
        return self._getters[self.keys[column]](d)

    def sort_value(self, d: Decision, column: int) -> Any:
        get = self._sort_getters.get(self.keys[column])
        return get(d) if get is not None else self.value(d, column)

    def tooltip(self, d: Decision, column: int, v: Any) -> str | None:
        if self.keys[column] == "rules":
            return "\n".join(self.rules(d)) or None  # one rule a line: the cell shows them joined
        return super().tooltip(d, column, v)

    def extra(self, d: Decision, column: int, role: int) -> Any:
        key = self.keys[column]
        if key in self._AFTER_ORDER and role == Qt.ItemDataRole.FontRole:
            n = self._AFTER_ORDER.index(key)
            if self._after_of(d)[n] != self._before_of(d)[n]:  # what the edited policy changes stands out
                font = QFont()
                font.setBold(True)
                return font
        if key in ("level", "raw_level", "level_after"):
            level = d.level if key == "level" else d.raw_level if key == "raw_level" else self._after_of(d)[0]
            if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
                found = colours().level_colours(level)  # the palette's now: it follows a switch to dark mode
                if found is not None:
                    return QColor(found[0] if role == Qt.ItemDataRole.BackgroundRole else found[1])
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
        if key == "exceeds" and role == Qt.ItemDataRole.ForegroundRole and d.exceeds_policy:
            return colours().qcolor("error")
        return None


class IssuesModel(_Table):
    """Row issues, in the interface language; filtered by severity, sorted by any column."""

    SEVERITY_COLUMN = 0
    numeric_columns = frozenset({1, 2})  # file and sheet names: 明细2 before 明细10

    def __init__(self, parent=None):
        super().__init__(parent)
        self.words = lambda text: text
        self.severity_words: dict[str, str] = {}
        self._severity: str | None = None  # None: every issue; "error" or "warning"

    @property
    def severity(self) -> str | None:
        return self._severity

    def set_severity(self, severity: str | None) -> None:
        self._severity = severity
        self._relayout(self._visible())

    def _filtered(self, rows: list[RowIssue]) -> list[RowIssue]:
        return rows if self._severity is None else [i for i in rows if i.severity == self._severity]

    def value(self, i: RowIssue, column: int) -> Any:
        return (self.severity_words.get(i.severity, i.severity), i.file, i.sheet, i.row, i.column, i.value,
                self.words(i.problem), self.words(i.action))[column]

    def sort_value(self, i: RowIssue, column: int) -> Any:
        if column == self.SEVERITY_COLUMN:
            return 0 if i.severity == "error" else 1  # errors first
        return self.value(i, column)

    def extra(self, i: RowIssue, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and i.severity == "error":
            return colours().qcolor("error")
        return None


class SheetsModel(_Table):
    """How each sheet was classified; the kind column is editable (customers, ledger, ...)."""

    KIND_COLUMN = 2

    def __init__(self, parent=None):
        super().__init__(parent)
        self.kind_words: dict[str, str] = {}
        self.on_kind_changed = None  # callable(SheetSource, kind)
        self.lang = "zh"  # of an unreadable file's error

    def error(self, s: SheetSource) -> str:
        """Why the file could not be read, in the window's language."""
        return s.error_texts.get(self.lang) or s.error

    def value(self, s: SheetSource, column: int) -> Any:
        # why it could not be read, where a sheet would be (the file is in the first column already)
        sheet = self.error(s).removeprefix(f"{s.path}: ").replace(s.path, s.file) if s.kind == "unreadable" \
            else s.sheet
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

    def tooltip(self, s: SheetSource, column: int, v: Any) -> str | None:
        if s.kind == "unreadable":
            return self.error(s)
        return super().tooltip(s, column, v)

    def extra(self, s: SheetSource, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.EditRole and column == self.KIND_COLUMN:
            return self.kind_words.get(s.kind, s.kind)
        if role == Qt.ItemDataRole.ForegroundRole and s.kind == "ignored":
            return colours().qcolor("muted")
        if s.kind == "unreadable" and role == Qt.ItemDataRole.ForegroundRole:
            return colours().qcolor("error")
        return None
