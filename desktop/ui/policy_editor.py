"""Policy editor: every setting of the policy file (items, bands, points, level thresholds, terms,
factors, rules, aging, limits), validated as you type, with undo and redo, compared with the
shipped default in the clerk's words, saved as a new policy file (comments kept; never into
the program's own folder), and tried out on the loaded data (how many customers change level).

A file that does not load opens too: its problems are listed, in the clerk's words with their
line numbers; one that cannot be read as a policy file at all (not text, broken syntax) can
be replaced by the shipped default (恢复默认) and saved elsewhere.

The document is the TOML text itself (tomlkit keeps comments and layout). Every edit changes
the document and leaves a snapshot of its text behind: undo and redo step through them.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import tomlkit
from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import policy as P
from desktop.core.policy import Policy, build_policy, category_word, parse_interval, place
from desktop.errors import PolicyError
from desktop.io.policy_file import ANSI, UTF8, decode_policy, load_policy, parse_policy, with_lines
from desktop.io.safe_write import write_atomic
from desktop.messages import Message
from desktop.messages import text as _say
from desktop.paths import default_policy_path, templates_dir
from desktop.ui.colors import colours
from desktop.ui.i18n import ZH
from desktop.ui.screen import fit_to_screen


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"a.b[0].c": 1, ...} for comparing two policy documents."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


def spin_value(value: Any, spin: QSpinBox | QDoubleSpinBox) -> int | float:
    """What a spin box can show of a number from the file. A value it cannot hold (nan, inf,
    text, 10**400, beyond its range) shows as the nearest it can while the file keeps the
    value and the Problems list names it; the editor opens on any file without a traceback."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float)
                                                                         and math.isnan(value)):
        return spin.minimum()
    clamped = min(max(value, spin.minimum()), spin.maximum())
    return float(clamped) if isinstance(spin, QDoubleSpinBox) else int(clamped)


def differences(doc: dict, default: dict) -> list[tuple[str, Any, Any]]:
    """(key path, default value or None, value or None) of every setting that differs."""
    a, b = flatten(default), flatten(doc)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


def _basis_of(path: str, doc: dict) -> str | None:
    """The data basis of the item a band's path is in (items.<key>.bands[n].range), for its words."""
    m = re.match(r"items\.([^.\[]+)\.", path)
    item = doc.get("items", {}).get(m.group(1)) if m and isinstance(doc.get("items"), dict) else None
    basis = item.get("basis") if isinstance(item, dict) else None
    return basis if isinstance(basis, str) else None


def value_text(path: str, value: Any, lang: str, basis: str | None = None) -> str:
    """A setting's value as the list of differences shows it: 是/否, 1,000, a band as a clerk
    writes it (desktop.io.writers.labels: 0 < 值 ≤ 7)."""
    if isinstance(value, bool):
        return _say("policy.yes" if value else "policy.no", lang)
    if path in SHARES and isinstance(value, (int, float)) and abs(value) <= 100:  # not nan, inf or 10**400
        from desktop.io.writers.labels import percent
        return percent(value, SHARE_DECIMALS)  # as the editor shows it: 20%, not 0.2
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return format(value, ",.10g") if math.isfinite(value) else str(value)
    if isinstance(value, str) and path.endswith(".range"):
        from desktop.io.writers.labels import Labels
        try:
            return Labels(lang).band(parse_interval(value), basis)
        except ValueError:
            return value
    return str(value)


def difference_texts(doc: dict, default: dict, lang: str) -> list[str]:
    """The differences of ``doc`` from ``default`` in the clerk's words:
    "付款及时性 第 2 档 得分：25 → 30" (never "items.payment_timeliness.bands[1].points")."""
    out = []
    for path, old, new in differences(doc, default):
        where = place(path, doc if new is not None else default, brief=True) or Message("policy.where.top")
        basis = _basis_of(path, doc) or _basis_of(path, default)
        if old is None:
            out.append(_say("policy.change.added", lang, where=where, new=value_text(path, new, lang, basis)))
        elif new is None:
            out.append(_say("policy.change.removed", lang, where=where, old=value_text(path, old, lang, basis)))
        else:
            out.append(_say("policy.change", lang, where=where, old=value_text(path, old, lang, basis),
                            new=value_text(path, new, lang, basis)))
    return out


def shipped_folder() -> Path:
    """The program's own folder of templates (the shipped policy among them): never written to."""
    return templates_dir().resolve()


def in_shipped_folder(path: Path) -> bool:
    target, shipped = Path(path).resolve(), shipped_folder()
    return target == shipped or shipped in target.parents


def documents_folder() -> Path:
    """The user's documents folder (where Save as starts)."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


# The settings with a widget of their own (the items and levels have theirs): key path, kind, range.
# kind: "text", "int", "float", "bool", "level" (one of the levels), "days" (a list of days), "share"
# (a share of 1 shown and typed as a percentage: 20 % is 0.2 in the file).
SCALARS: dict[str, tuple[tuple[str, str, Any], ...]] = {
    "general": (("name", "text", None), ("version", "text", None), ("description", "text", None),
                ("total_points", "int", P.TOTAL_POINTS)),
    "force_c": (("rules.force_c.timeliness", "bool", None),
                ("rules.force_c.timeliness_max_points", "int", P.ITEM_POINTS),
                ("rules.force_c.operating_poor", "bool", None), ("rules.force_c.revenue_decline", "bool", None),
                ("rules.force_c.litigation", "bool", None)),
    "cap": (("rules.cap.level", "level", None), ("rules.cap.new_customer", "bool", None),
            ("rules.cap.new_customer_min_orders", "int", P.ORDER_COUNT),
            ("rules.cap.new_customer_min_years", "float", P.YEARS), ("rules.cap.documents", "bool", None)),
    "terms": (("terms.new_customer_cash_orders", "int", P.ORDER_COUNT), ("terms.require_agreement", "bool", None),
              ("terms.require_documents", "bool", None),
              ("approval.sales_manager_max_days", "int", P.TERM_DAYS)),
    "limit": (("limit.round_down_to", "int", P.ROUND_DOWN_TO), ("limit.months_per_year", "int", P.MONTHS_PER_YEAR),
              ("limit.days_per_month", "int", P.DAYS_PER_MONTH)),
    "aging": (("aging.bucket_upper_days", "days", P.BUCKET_DAYS), ("metrics.days_per_year", "float", P.DAYS_PER_YEAR)),
    "group": (("rules.group.warning", "bool", None), ("rules.group.warning_level", "level", None),
              ("rules.group.concentration", "bool", None), ("rules.group.concentration_share", "share", P.GROUP_SHARE)),
    "backtest": (("backtest.horizon_months", "int", P.HORIZON_MONTHS), ("backtest.late_days", "int", P.LATE_DAYS),
                 ("backtest.tolerance", "float", P.TOLERANCE)),
}
SHARE_DECIMALS = 2  # of the percentage: the file's share to 4 places (GROUP_SHARE)
SHARES = frozenset(path for group in SCALARS.values() for path, kind, _spec in group if kind == "share")
LEVEL_COLUMNS = ("min_score", "terms.base_days", "limit.factors", "review.months", "level", "label_zh")
_SPLIT = re.compile(r"[\s,，、;；]+")


def _scroll(content: QWidget) -> QScrollArea:
    """A tab's content that scrolls when the dialog is smaller than it (a small screen, 200 %)."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


def _cell(value: Any) -> str:
    """A number of the file as its cell shows it; text where a number belongs in quotes, as the
    file has it (typing the number replaces it)."""
    return f'"{value}"' if isinstance(value, str) else str(value)


def _number(typed: str) -> Any:
    typed = typed.strip()
    try:
        return int(typed)
    except ValueError:
        try:
            return float(typed)
        except ValueError:
            return typed  # kept as typed: the validation names it


class PolicyEditor(QDialog):
    what_if_requested = Signal(object)  # a valid Policy
    show_changed = Signal(object)  # the what-if panel's 只看变动客户 (None) or a matrix cell (level now, after)
    use_requested = Signal(object)  # (Policy, the file holding exactly that policy, or None: unsaved edits)
    changed = Signal()  # the document changed (an edit, undo, redo, 恢复默认)
    saved = Signal(object)  # the Path saved to

    def __init__(self, path: Path | None = None, parent=None, lang: str | None = None):
        super().__init__(parent)
        language = getattr(parent, "language", None)
        self.lang = lang or getattr(language, "code", None) or "zh"
        self.source_path = Path(path) if path else default_policy_path()
        self.default_text = default_policy_path().read_bytes().decode("utf-8-sig")
        self.default = tomlkit.parse(self.default_text).unwrap()
        self.load_error: PolicyError | None = None  # the file could not be read as a policy file at all
        self.encoding = UTF8  # how the file was read: ANSI for one Notepad saved as ANSI (GBK); saved as UTF-8
        self.doc, file_text = self._read(self.source_path)
        if self.load_error is None and (self._complete_group_rules() | self._complete_backtest()):
            file_text = self.dump()  # the settings shown are the file's: opening is no edit
        self._current = file_text  # the document's text now
        self._saved_text = file_text  # the text of the file the editor shows (saved or opened)
        self.file_path: Path | None = self.source_path if self.load_error is None else None
        self.saved_path: Path | None = None
        self._undo: list[str] = []
        self._redo: list[str] = []
        self.policy: Policy | None = None
        self._loading = False
        self._closing = False
        self.discard_box: QMessageBox | None = None
        self.message_box: QMessageBox | None = None
        self._build()
        self._refresh()
        self.validate()
        self._log_problems()
        fit_to_screen(self, (980, 720))

    # -- reading ---------------------------------------------------------------------------
    def _read(self, path: Path) -> tuple[Any, str]:
        """The document of ``path`` and its text; a file that is not a TOML document gives an
        empty one, with ``load_error`` saying why (in the clerk's words, by line)."""
        try:
            raw, self.encoding = decode_policy(path.read_bytes(), str(path))
            doc = tomlkit.parse(raw)
            doc.unwrap()  # a value tomlkit reads but cannot hand over (10**5000) fails here, not later
            return doc, raw
        except Exception as exc:  # noqa: BLE001  (unreadable, not UTF-8, broken syntax: said below)
            try:
                load_policy(path)
                self.load_error = PolicyError(str(path), [P.PolicyProblem(
                    "(syntax)", None, Message("policy.file.syntax"), None, str(exc))])
            except PolicyError as refused:
                self.load_error = refused
            return tomlkit.document(), ""

    def _complete_group_rules(self) -> bool:
        """A file written before the group rules ([rules.group] missing, or some of its keys) gets
        them as the policy reads it without them (on, B, 20 %), so the editor shows them and saving
        writes them; True when something was added."""
        rules = self.doc.get("rules")
        if not isinstance(rules, dict):
            return False  # no rules table: the Problems list says so
        names = self._level_names()
        level = P.default_warning_level(names)
        if "group" not in rules:
            table = tomlkit.parse(self.default_text)["rules"]["group"]  # with the shipped file's comments
            table["warning_level"] = level
            rules["group"] = table
            return True
        group = rules["group"]
        if not isinstance(group, dict):
            return False  # not a table: the Problems list says so
        defaults = {"warning": P.GroupRules.warning, "warning_level": level,
                    "concentration": P.GroupRules.concentration,
                    "concentration_share": P.GroupRules.concentration_share}
        missing = [k for k in defaults if k not in group]
        for key in missing:
            group[key] = defaults[key]
        return bool(missing)

    def _complete_backtest(self) -> bool:
        """A file written before the back-test settings ([backtest] missing, or some of its keys) gets
        them as the policy reads it without them (6 months, 30 days, 100 元); True when something was added."""
        if not isinstance(self.doc, dict) or "rules" not in self.doc:
            return False  # not a policy: the Problems list says so
        if "backtest" not in self.doc:
            self.doc["backtest"] = tomlkit.parse(self.default_text)["backtest"]  # with the shipped file's comments
            return True
        table = self.doc["backtest"]
        if not isinstance(table, dict):
            return False
        defaults = {"horizon_months": P.BacktestRules.horizon_months, "late_days": P.BacktestRules.late_days,
                    "tolerance": P.BacktestRules.tolerance}
        missing = [k for k in defaults if k not in table]
        for key in missing:
            table[key] = defaults[key]
        return bool(missing)

    # -- the window ---------------------------------------------------------------------------
    def t(self, source: str) -> str:
        """A word of the window in the editor's language (desktop.ui.i18n)."""
        return ZH.get(source, source) if self.lang == "zh" else source

    def _t(self, code: str, **values: Any) -> str:
        return _say(code, self.lang, **values)

    def _field(self, path: str) -> str:
        """A setting's title as a label or a column header (the English one capitalised)."""
        title = self._t(f"policy.field.{path}")
        return title[:1].upper() + title[1:]

    def _build(self) -> None:
        self.setWindowTitle(self.t("Credit policy editor") + f" — {self.source_path.name}")
        self.fields: dict[str, QWidget] = {}

        # scorecard items
        self.items_list = QListWidget()
        self.item_label_zh, self.item_label_en = QLineEdit(), QLineEdit()
        self.item_basis = QComboBox()
        self.item_points, self.item_missing = QSpinBox(), QSpinBox()
        for s in (self.item_points, self.item_missing):
            s.setRange(P.ITEM_POINTS.lo, P.ITEM_POINTS.hi)
            s.setKeyboardTracking(False)
        self.bands = QTableWidget(0, 3)
        self.bands.setHorizontalHeaderLabels([self._t("policy.field.band.range"), self._t("policy.field.band.points"),
                                              self.t("Meaning")])
        self.bands.horizontalHeader().setStretchLastSection(True)
        self.bands.setMinimumHeight(120)
        self.add_band, self.del_band = QPushButton(self.t("Add band")), QPushButton(self.t("Remove band"))
        self.add_band.clicked.connect(self._add_band)
        self.del_band.clicked.connect(self._remove_band)
        item_form = QFormLayout()
        for key, widget in (("label_zh", self.item_label_zh), ("label_en", self.item_label_en),
                            ("basis", self.item_basis), ("points", self.item_points), ("missing_points", self.item_missing)):
            item_form.addRow(self._field(f"item.{key}"), widget)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addLayout(item_form)
        rv.addWidget(self.bands, 1)
        bh = QHBoxLayout()
        bh.addWidget(self.add_band)
        bh.addWidget(self.del_band)
        bh.addStretch(1)
        rv.addLayout(bh)
        items_tab = QSplitter()
        items_tab.addWidget(self.items_list)
        items_tab.addWidget(_scroll(right))
        items_tab.setStretchFactor(1, 1)
        items_tab.setSizes([200, 560])

        # levels, with their terms, factors and review intervals
        self.levels = QTableWidget(0, len(LEVEL_COLUMNS))
        self.levels.setHorizontalHeaderLabels([
            self._field("level.min_score"), self._field("terms.base_days.level"), self._field("limit.factors.level"),
            self._field("review.months.level"), self._field("level.level"), self._field("level.label_zh")])
        self.levels.horizontalHeader().setStretchLastSection(True)

        tabs = QTabWidget()
        tabs.addTab(_scroll(self._form_page(("general", "backtest"), ("limit", "aging"))), self.t("General"))
        tabs.addTab(items_tab, self.t("Scorecard items"))
        tabs.addTab(self.levels, self.t("Levels, terms and factors"))
        tabs.addTab(_scroll(self._form_page(("force_c", "cap"), ("terms", "group"))), self.t("Rating rules"))
        self.tabs = tabs

        self.problems = QListWidget()
        self.problems.setWordWrap(True)
        self.changes = QListWidget()
        self.changes.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        lower = QSplitter()
        pg, cg = QGroupBox(self.t("Problems")), QGroupBox(self.t("Differences from the shipped default"))
        QVBoxLayout(pg).addWidget(self.problems)
        QVBoxLayout(cg).addWidget(self.changes)
        lower.addWidget(pg)
        lower.addWidget(cg)

        self.undo_button, self.redo_button = QPushButton(self.t("Undo")), QPushButton(self.t("Redo"))
        self.reset_button = QPushButton(self.t("Restore default"))
        self.save_button = QPushButton(self.t("Save as…"))
        self.what_if_button = QPushButton(self.t("What if? Re-rate with this policy"))
        self.use_button = QPushButton(self.t("Use for rating"))
        self.close_button = QPushButton(self.t("Close"))
        self.undo_button.setToolTip(self.t("Undo the last change") + " (Ctrl+Z)")
        self.redo_button.setToolTip(self.t("Redo the change undone") + " (Ctrl+Y)")
        self.reset_button.setToolTip(self.t("Start again from the shipped default policy (can be undone)"))
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        self.reset_button.clicked.connect(self.restore_default)
        self.save_button.clicked.connect(self._save_as)
        self.what_if_button.clicked.connect(lambda: self.policy and self.what_if_requested.emit(self.policy))
        self.use_button.clicked.connect(self._use)
        self.close_button.clicked.connect(self.close)
        for button in (self.undo_button, self.redo_button, self.reset_button, self.save_button, self.what_if_button,
                       self.use_button, self.close_button):
            button.setAutoDefault(False)
        self.act_undo = QAction(self, shortcut=QKeySequence("Ctrl+Z"), triggered=self.undo)
        self.act_redo = QAction(self, triggered=self.redo)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])
        for action in (self.act_undo, self.act_redo):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        buttons = QHBoxLayout()
        for b in (self.undo_button, self.redo_button, self.reset_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.save_button, self.what_if_button, self.use_button, self.close_button):
            buttons.addWidget(b)

        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(tabs)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self.encoding_note = QLabel(self._t("policy.file.read_as_ansi", file=self.source_path.name))
        self.encoding_note.setWordWrap(True)
        self.encoding_note.setVisible(self.encoding == ANSI and self.load_error is None)
        layout.addWidget(self.encoding_note)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.items_list.currentRowChanged.connect(self._show_item)
        self.item_label_zh.editingFinished.connect(lambda: self._set_item("label_zh", self.item_label_zh.text()))
        self.item_label_en.editingFinished.connect(lambda: self._set_item("label_en", self.item_label_en.text()))
        self.item_basis.activated.connect(lambda _i: self._set_item("basis", self.item_basis.currentData()))
        self.item_points.valueChanged.connect(lambda v: self._set_item("points", int(v)))
        self.item_missing.valueChanged.connect(lambda v: self._set_item("missing_points", int(v)))
        self.bands.itemChanged.connect(self._band_edited)
        self.levels.itemChanged.connect(self._level_edited)

    def _form_page(self, left: tuple[str, ...], right: tuple[str, ...]) -> QWidget:
        """Two columns of group boxes, one form row per setting."""
        titles = {"general": self.t("Policy"), "force_c": self._field("rules.force_c"), "cap": self._field("rules.cap"),
                  "terms": self.t("Terms and approval"), "limit": self._field("limit"), "aging": self.t("Aging and metrics"),
                  "group": self._field("rules.group"), "backtest": self._field("backtest")}
        page = QWidget()
        row = QHBoxLayout(page)
        for groups in (left, right):
            column = QVBoxLayout()
            for group in groups:
                box = QGroupBox(titles[group])
                form = QFormLayout(box)
                for path, kind, spec in SCALARS[group]:
                    widget = self._scalar_widget(path, kind, spec)
                    self.fields[path] = widget
                    if isinstance(widget, QCheckBox):  # a yes/no setting is its own label
                        widget.setText(self._field(path))
                        form.addRow(widget)
                    else:
                        form.addRow(self._field(path), widget)
                column.addWidget(box)
            column.addStretch(1)
            row.addLayout(column, 1)
        return page

    def _scalar_widget(self, path: str, kind: str, spec: Any) -> QWidget:
        if kind == "bool":
            w = QCheckBox()
            w.toggled.connect(lambda v, p=path: self._set(p, bool(v)))
        elif kind == "int":
            w = QSpinBox()
            w.setRange(int(spec.lo), int(spec.hi))
            w.setGroupSeparatorShown(spec.hi >= 10_000)
            w.valueChanged.connect(lambda v, p=path: self._set(p, int(v)))
        elif kind == "float":
            w = QDoubleSpinBox()
            w.setDecimals(2)
            w.setRange(float(spec.lo), float(spec.hi))
            w.setSingleStep(0.5 if spec.hi <= 100 else 1.0)
            w.valueChanged.connect(lambda v, p=path: self._set(p, round(float(v), 2)))
        elif kind == "share":  # shown as 20 %, written as 0.2
            w = QDoubleSpinBox()
            w.setDecimals(SHARE_DECIMALS)
            w.setRange(float(spec.lo) * 100, float(spec.hi) * 100)
            w.setSingleStep(1.0)
            w.setSuffix(" %")
            w.setProperty("share", True)
            w.valueChanged.connect(lambda v, p=path: self._set(p, round(float(v) / 100, SHARE_DECIMALS + 2)))
        elif kind == "level":
            w = QComboBox()
            w.activated.connect(lambda _i, p=path, c=w: self._set(p, c.currentData()))
        elif kind == "days":
            w = QLineEdit()
            w.setPlaceholderText("30, 60, 90, 180, 365")
            w.editingFinished.connect(lambda p=path, e=w: self._set(p, [_number(t) for t in _SPLIT.split(e.text())
                                                                           if t]))
        else:
            w = QLineEdit()
            w.editingFinished.connect(lambda p=path, e=w: self._set(p, e.text()))
        if isinstance(w, QAbstractSpinBox):
            w.setKeyboardTracking(False)  # one change per value typed, not per keystroke (undo steps)
        return w

    # -- the document ------------------------------------------------------------------------
    def _node(self, *keys: str | int) -> Any:
        node: Any = self.doc
        for key in keys:
            if isinstance(key, int):
                if not isinstance(node, list) or not 0 <= key < len(node):
                    return None
            elif not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def _value(self, path: str) -> Any:
        node = self._node(*path.split("."))
        return node.unwrap() if hasattr(node, "unwrap") else node

    def _set(self, path: str, value: Any) -> None:
        if self._loading:
            return
        parts = path.split(".")
        node: Any = self.doc
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = tomlkit.table()
            node = node[part]
        if node.get(parts[-1]) == value and type(node.get(parts[-1])) is type(value):
            return
        node[parts[-1]] = value
        self._edited()

    def _items(self) -> Any:
        items = self._node("items")
        return items if isinstance(items, dict) else {}

    def _current_item(self) -> Any:
        row = self.items_list.currentRow()
        if not 0 <= row < len(self.item_keys):
            return None
        item = self._items().get(self.item_keys[row])
        return item if isinstance(item, dict) else None

    def _set_item(self, key: str, value: Any) -> None:
        item = self._current_item()
        if self._loading or item is None or (item.get(key) == value and type(item.get(key)) is type(value)):
            return
        item[key] = value
        if key in ("label_zh", "label_en"):
            self._refresh_item_names()
        self._edited()

    def _edited(self) -> None:
        """After every edit: a snapshot for undo, then validation."""
        new = self.dump()
        if new != self._current:
            self._undo.append(self._current)
            self._redo.clear()
            self._current = new
            self.changed.emit()
        self.validate()

    def dump(self) -> str:
        return tomlkit.dumps(self.doc)

    def is_modified(self) -> bool:
        """The document is not the file it was opened from or last saved to."""
        return self._current != self._saved_text

    # -- undo, redo, the shipped default ---------------------------------------------------
    def _show_text(self, doc_text: str) -> None:
        self._current = doc_text
        self.doc = tomlkit.parse(doc_text) if doc_text else tomlkit.document()
        self._refresh()
        self.validate()
        self.changed.emit()

    def undo(self) -> None:
        if self._undo:
            self._redo.append(self._current)
            self._show_text(self._undo.pop())

    def redo(self) -> None:
        if self._redo:
            self._undo.append(self._current)
            self._show_text(self._redo.pop())

    def restore_default(self) -> None:
        """恢复默认: the shipped default policy, as one edit (undo brings the document back)."""
        if self._current != self.default_text:
            self._undo.append(self._current)
            self._redo.clear()
            self._show_text(self.default_text)

    # -- showing the document ----------------------------------------------------------------
    def _refresh(self) -> None:
        """Every widget from the document (after opening, undo, redo, 恢复默认)."""
        self._loading = True
        try:
            for path, widget in self.fields.items():
                value = self._value(path)
                if isinstance(widget, QCheckBox):
                    widget.setChecked(value is True)
                elif widget.property("share"):
                    number = isinstance(value, (int, float)) and not isinstance(value, bool)
                    widget.setValue(spin_value(value * 100 if number else value, widget))
                elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
                    widget.setValue(spin_value(value, widget))
                elif isinstance(widget, QComboBox):
                    self._fill_level_combo(widget, value)
                elif path == "aging.bucket_upper_days":
                    widget.setText(", ".join(str(v) for v in value) if isinstance(value, list) else "")
                else:
                    widget.setText(value if isinstance(value, str) else "")
            row = max(self.items_list.currentRow(), 0)
            self.item_keys = list(self._items().keys())
            self.items_list.clear()
            self._refresh_item_names()
            self._fill_levels()
        finally:
            self._loading = False
        self.items_list.setCurrentRow(min(row, len(self.item_keys) - 1))
        self._show_item(self.items_list.currentRow())
        broken = self.load_error is not None and not self._current
        self.tabs.setEnabled(not broken)

    def _refresh_item_names(self) -> None:
        loading, self._loading = self._loading, True
        for n, key in enumerate(self.item_keys):
            item = self._items().get(key)
            label = item.get("label_zh" if self.lang == "zh" else "label_en") if isinstance(item, dict) else None
            label = label if isinstance(label, str) and label.strip() else key
            if n < self.items_list.count():
                self.items_list.item(n).setText(label)
            else:
                self.items_list.addItem(label)
        self._loading = loading

    def _level_names(self) -> list[str]:
        levels = self._node("levels")
        return [str(lv["level"]) for lv in levels if isinstance(lv, dict) and isinstance(lv.get("level"), str)] \
            if isinstance(levels, list) else []

    def _show_item(self, row: int) -> None:
        item = self._current_item()
        self._loading = True
        try:
            if item is None:
                self.bands.setRowCount(0)
                return
            self.item_label_zh.setText(str(item.get("label_zh", "")))
            self.item_label_en.setText(str(item.get("label_en", "")))
            categories = isinstance(item.get("categories"), dict) or item.get("basis") in P.CATEGORY_BASES
            self.item_basis.clear()
            from desktop.io.writers.labels import Labels
            words = Labels(self.lang)
            for basis in (tuple(P.CATEGORY_BASES) if categories else P.NUMERIC_BASES):
                self.item_basis.addItem(words.basis(basis), basis)
            basis = item.get("basis")
            if isinstance(basis, str) and self.item_basis.findData(basis) < 0:
                self.item_basis.addItem(basis, basis)
            self.item_basis.setCurrentIndex(self.item_basis.findData(basis) if isinstance(basis, str) else -1)
            self.item_points.setValue(spin_value(item.get("points"), self.item_points))
            self.item_missing.setValue(spin_value(item.get("missing_points"), self.item_missing))
            if categories:
                cats = item.get("categories")
                entries = [(k, v, category_word(k).text(self.lang)) for k, v in cats.items()] \
                    if isinstance(cats, dict) else []
            else:
                bands = item.get("bands")
                entries = [(str(b.get("range", "")), b.get("points", ""), self._band_meaning(b.get("range")))
                           for b in bands if isinstance(b, dict)] if isinstance(bands, list) else []
            self.bands.setRowCount(len(entries))
            for r, (rng, pts, meaning) in enumerate(entries):
                cell = QTableWidgetItem(rng)
                if categories:
                    cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.bands.setItem(r, 0, cell)
                self.bands.setItem(r, 1, QTableWidgetItem(_cell(pts)))
                shown = QTableWidgetItem(meaning)
                shown.setFlags(shown.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.bands.setItem(r, 2, shown)
            self.add_band.setEnabled(not categories)
            self.del_band.setEnabled(not categories)
        finally:
            self._loading = False

    def _fill_level_combo(self, widget: QComboBox, value: Any) -> None:
        """A level setting's choices: the policy's levels, and the file's value if it is none of them
        (shown, so the Problems list can name it)."""
        widget.clear()
        for name in self._level_names():
            widget.addItem(name, name)
        if isinstance(value, str) and widget.findData(value) < 0:
            widget.addItem(value, value)
        widget.setCurrentIndex(widget.findData(value) if isinstance(value, str) else -1)

    def _band_meaning(self, rng: Any) -> str:
        if not isinstance(rng, str):
            return ""
        from desktop.io.writers.labels import Labels
        item = self._current_item()
        basis = item.get("basis") if isinstance(item, dict) and isinstance(item.get("basis"), str) else None
        try:
            return Labels(self.lang).band(parse_interval(rng), basis)
        except ValueError:
            return ""

    def _band_edited(self, cell: QTableWidgetItem) -> None:
        item = self._current_item()
        if self._loading or item is None or cell.column() > 1:
            return
        value = cell.text() if cell.column() == 0 else _number(cell.text())
        if isinstance(item.get("bands"), list) and cell.row() < len(item["bands"]):
            band = item["bands"][cell.row()]
            band["range" if cell.column() == 0 else "points"] = value
            if cell.column() == 0:
                self._loading = True
                meaning = self.bands.item(cell.row(), 2)
                if meaning is not None:
                    meaning.setText(self._band_meaning(value))
                self._loading = False
        elif isinstance(item.get("categories"), dict) and cell.column() == 1:
            item["categories"][self.bands.item(cell.row(), 0).text()] = value
        self._edited()

    def _add_band(self) -> None:
        item = self._current_item()
        if item is None or not isinstance(item.get("bands"), list):
            return
        band = tomlkit.inline_table()
        band.update({"range": "(0, 1)", "points": 0})
        item["bands"].append(band)
        self._show_item(self.items_list.currentRow())
        self._edited()

    def _remove_band(self) -> None:
        item = self._current_item()
        row = self.bands.currentRow()
        if item is None or not isinstance(item.get("bands"), list) or not 0 <= row < len(item["bands"]):
            return
        del item["bands"][row]
        self._show_item(self.items_list.currentRow())
        self._edited()

    def _fill_levels(self) -> None:
        levels = self._node("levels")
        levels = [lv for lv in levels if isinstance(lv, dict)] if isinstance(levels, list) else []
        self.levels.setRowCount(len(levels))
        self.levels.setVerticalHeaderLabels([f"{lv.get('level', '')} {lv.get('label_zh', '')}".strip()
                                             for lv in levels])
        for r, lv in enumerate(levels):
            name = str(lv.get("level", ""))
            for c, column in enumerate(LEVEL_COLUMNS):
                if "." in column:
                    table = self._node(*column.split("."))
                    v = table.get(name, "") if isinstance(table, dict) else ""
                else:
                    v = lv.get(column, "")
                self.levels.setItem(r, c, QTableWidgetItem(_cell(v) if c < 4 else str(v)))
        self.levels.resizeColumnsToContents()

    def _level_edited(self, cell: QTableWidgetItem) -> None:
        levels = self._node("levels")
        if self._loading or not isinstance(levels, list) or cell.row() >= len(levels):
            return
        level = levels[cell.row()]
        name = str(level.get("level", ""))
        column = LEVEL_COLUMNS[cell.column()]
        if column == "level":
            self._rename_level(name, cell.text().strip())
        elif column == "label_zh":
            level["label_zh"] = cell.text()
        elif column == "min_score":
            level["min_score"] = _number(cell.text())
        else:
            parent_key, key = column.split(".")
            parent = self.doc.get(parent_key)
            if not isinstance(parent, dict):
                self.doc[parent_key] = parent = tomlkit.table()
            if not isinstance(parent.get(key), dict):
                parent[key] = tomlkit.inline_table()
            parent[key][name] = _number(cell.text())
        self._edited()
        if column in ("level", "label_zh"):
            self._loading = True
            self._fill_levels()
            self._loading = False
            self._refresh_fields_of_kind("level")

    def _rename_level(self, old: str, new: str) -> None:
        """A level's new name, in the level list and every table with a value per level (and the cap level)."""
        if not new or new == old:
            return
        for lv in self._node("levels") or []:
            if isinstance(lv, dict) and lv.get("level") == old:
                lv["level"] = new
        for column in LEVEL_COLUMNS:
            if "." not in column:
                continue
            parent_key, key = column.split(".")
            table = self._node(parent_key, key)
            if isinstance(table, dict) and old in table:
                renamed = tomlkit.inline_table()
                for k, v in table.items():
                    renamed[new if k == old else k] = v
                self.doc[parent_key][key] = renamed
        if self._value("rules.cap.level") == old:
            self.doc["rules"]["cap"]["level"] = new

    def _refresh_fields_of_kind(self, kind: str) -> None:
        self._loading = True
        for group in SCALARS.values():
            for path, k, _spec in group:
                if k == kind:
                    self._fill_level_combo(self.fields[path], self._value(path))
        self._loading = False

    # -- validation, differences ---------------------------------------------------------------
    def problem_texts(self) -> list[str]:
        return [self.problems.item(i).text() for i in range(self.problems.count())]

    def difference_list(self) -> list[str]:
        return [self.changes.item(i).text() for i in range(self.changes.count())]

    def validate(self) -> bool:
        self.problems.clear()
        self.changes.clear()
        broken = self.load_error is not None and not self._current
        if broken:  # the file could not be read as a policy file: its problems, nothing to edit
            self.policy = None
            lines = self.load_error.lines(self.lang)
        else:
            plain = self.doc.unwrap()
            try:
                self.policy = build_policy(plain)
                lines = []
            except PolicyError as exc:
                self.policy = None
                lines = [p.text(self.lang) for p in with_lines(exc.issues, self._current)]
            self.changes.addItems(difference_texts(plain, self.default, self.lang))
        for line in lines:
            self.problems.addItem(line[:1].upper() + line[1:])  # an English line starts with a capital
            self.problems.item(self.problems.count() - 1).setForeground(colours().qcolor("error"))
        ok = self.policy is not None
        for b in (self.save_button, self.what_if_button, self.use_button):
            b.setEnabled(ok)
        self.undo_button.setEnabled(bool(self._undo))
        self.redo_button.setEnabled(bool(self._redo))
        self.reset_button.setEnabled(self._current != self.default_text)
        if broken:
            self.status.setText(self.t("This file cannot be read as a policy file: correct it at the lines listed "
                                        "(in Notepad, say), or press Restore default to start again from the shipped "
                                        "policy and save it under another name."))
        else:
            self.status.setText(self.t("The policy is valid.") if ok else self.t("Fix the problems to save or use it."))
        title = self.t("Credit policy editor") + f" — {(self.saved_path or self.source_path).name}"
        self.setWindowTitle(title + (" *" if self.is_modified() else ""))
        return ok

    def _log_problems(self) -> None:
        """The problems of the file opened, with their key paths, to the log (never on screen)."""
        issues = self.load_error.issues if self.load_error is not None else []
        if not issues and self.policy is None:
            try:
                build_policy(self.doc.unwrap())
            except PolicyError as exc:
                issues = with_lines(exc.issues, self._current)
        if issues:
            from desktop.diagnostics import LOG
            LOG.info("policy editor opened %s with %d problems: %s", self.source_path, len(issues),
                     "; ".join(p.technical() for p in issues))

    # -- saving and using ----------------------------------------------------------------------
    def save_to(self, path: Path) -> Policy:
        """Write the document to ``path`` (validated first; never into the program's own folder)."""
        path = Path(path)
        if in_shipped_folder(path):
            raise PermissionError(f"{path} is in the program's own folder")
        doc_text = self.dump()
        policy = parse_policy(doc_text.encode("utf-8"), str(path))  # validated before anything is written
        write_atomic(path, lambda tmp: Path(tmp).write_bytes(doc_text.encode("utf-8")))
        self.saved_path = self.file_path = path
        self.encoding_note.hide()  # the file shown is UTF-8 now
        self._saved_text = doc_text
        self.policy = policy
        self.validate()
        self.saved.emit(path)
        return policy

    def suggested_path(self) -> Path:
        """Where Save as starts: the file opened when it is the clerk's own, else the documents folder."""
        current = self.saved_path or self.source_path
        if not in_shipped_folder(current) and current.parent.is_dir():
            return current
        folder = documents_folder()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            folder = Path.home()
        name = current.name if not in_shipped_folder(current) else self.t("my credit policy") + ".toml"
        return folder / name

    def _save_as(self) -> bool:
        name, _ = QFileDialog.getSaveFileName(self, self.t("Save policy as"), str(self.suggested_path()),
                                              self.t("Policy files (*.toml)"))
        if not name:
            return False
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".toml")
        if in_shipped_folder(path):
            self._tell(self._t("policy.save.shipped_folder", folder=str(shipped_folder())))
            return False
        try:
            self.save_to(path)
        except PolicyError as exc:  # not reached: the buttons are off while the policy is invalid
            self._tell("\n".join(exc.lines(self.lang)))
            return False
        except OSError as exc:
            from desktop.diagnostics import LOG
            LOG.info("policy editor could not save %s: %s", path, exc)
            self._tell(self._t("policy.save.failed", file=str(path)))
            return False
        self.status.setText(self._t("policy.save.done", file=str(path)))
        return True

    def _tell(self, message: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, self.t("Credit policy editor"), message,
                          QMessageBox.StandardButton.Ok, self)
        self.message_box = box
        box.open()

    def _use(self) -> None:
        if self.policy is None:
            return
        exact = self.file_path if not self.is_modified() and self.file_path is not None else None
        policy = self.policy
        if exact is not None:
            try:
                policy = load_policy(exact)  # with the file's name and digest, as the register records it
            except PolicyError:
                exact = None  # the file changed on disk since: the policy on screen is used, unsaved
        self.use_requested.emit((policy, exact))

    def show_what_if(self, changed: int, total: int, moves: dict[str, int], comparison=None) -> None:
        """The what-if's count on the status line; its comparison (desktop.core.compare.Comparison of
        the changed customers) in the what-if panel (desktop.ui.what_if), opened beside the editor."""
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(moves.items()))
        self.status.setText(self._t("policy.what_if", changed=changed, total=total,
                                    moves=f"（{detail}）" if detail and self.lang == "zh" else
                                    f" ({detail})" if detail else ""))
        if comparison is None:
            return
        from desktop.ui.what_if import WhatIfPanel
        panel = getattr(self, "what_if_panel", None)
        if panel is None:
            panel = self.what_if_panel = WhatIfPanel(comparison, self.lang, self)
            panel.show_customers.connect(self.show_changed)
            self.finished.connect(panel.close)  # the editor's: closed with it (the table's filter stays)
        else:
            panel.set_comparison(comparison)
        panel.show()
        panel.raise_()

    # -- closing ---------------------------------------------------------------------------------
    def reject(self) -> None:  # Close, Esc and the window's close button all come here
        if self._closing or not self.is_modified():
            super().reject()
            return
        self.ask_before_closing()

    def ask_before_closing(self) -> QMessageBox:
        """保存 / 不保存 / 取消, without blocking (the answer arrives as a click)."""
        box = QMessageBox(QMessageBox.Icon.Question, self.t("Credit policy editor"),
                          self.t("The policy has changes that are not saved. Save them before closing?"),
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        for button, words in ((QMessageBox.StandardButton.Save, "Save"),
                              (QMessageBox.StandardButton.Discard, "Don't save"),
                              (QMessageBox.StandardButton.Cancel, "Cancel")):
            box.button(button).setText(self.t(words))
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(lambda b: self._closing_answer(box.standardButton(b)))
        self.discard_box = box
        box.open()
        return box

    def _closing_answer(self, answer: QMessageBox.StandardButton) -> None:
        if answer == QMessageBox.StandardButton.Save:
            if not self._save_as():
                return  # not saved (cancelled, refused): the editor stays open with its edits
        elif answer != QMessageBox.StandardButton.Discard:
            return
        self._closing = True
        try:
            self.reject()
        finally:
            self._closing = False
