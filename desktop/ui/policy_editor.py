"""Policy editor: items, bands, points, level thresholds, terms and factors, validated as you
type, saved as a new policy file (comments kept), compared with the shipped default, and
tried out on the loaded data (how many customers change level)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import tomlkit
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.policy import Policy, build_policy
from desktop.errors import PolicyError
from desktop.io.policy_file import parse_policy
from desktop.io.safe_write import write_atomic
from desktop.paths import default_policy_path


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


def spin_value(value: Any, spin: QSpinBox) -> int:
    """What a spin box can show of a number from the file. A value it cannot hold (nan, inf,
    text, 10**400, beyond its range) shows as the nearest it can while the file keeps the
    value and the Problems list names it; the editor opens on any file without a traceback."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float)
                                                                         and math.isnan(value)):
        return spin.minimum()
    return int(min(max(value, spin.minimum()), spin.maximum()))


def differences(doc: dict, default: dict) -> list[tuple[str, Any, Any]]:
    a, b = flatten(default), flatten(doc)
    return [(k, a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]


class PolicyEditor(QDialog):
    what_if_requested = Signal(object)  # a valid Policy
    use_requested = Signal(object)  # (Policy, path or None)

    def __init__(self, path: Path | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Credit policy editor"))
        self.source_path = Path(path) if path else default_policy_path()
        self.text = self.source_path.read_text(encoding="utf-8-sig")
        self.doc = tomlkit.parse(self.text)
        self.default = tomlkit.parse(default_policy_path().read_text(encoding="utf-8-sig")).unwrap()
        self.policy: Policy | None = None
        self.saved_path: Path | None = None
        self._loading = False

        self.items_list = QListWidget()
        self.item_points = QSpinBox()
        self.item_missing = QSpinBox()
        for s in (self.item_points, self.item_missing):
            s.setRange(0, 100)
        self.bands = QTableWidget(0, 2)
        self.bands.setHorizontalHeaderLabels([self.tr("Range"), self.tr("Points")])
        self.bands.horizontalHeader().setStretchLastSection(True)
        add_band, del_band = QPushButton(self.tr("Add band")), QPushButton(self.tr("Remove band"))
        add_band.clicked.connect(self._add_band)
        del_band.clicked.connect(self._remove_band)
        item_form = QFormLayout()
        item_form.addRow(self.tr("Points (maximum)"), self.item_points)
        item_form.addRow(self.tr("Points when data is missing"), self.item_missing)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addLayout(item_form)
        rv.addWidget(self.bands)
        bh = QHBoxLayout()
        bh.addWidget(add_band)
        bh.addWidget(del_band)
        bh.addStretch(1)
        rv.addLayout(bh)
        items_tab = QSplitter()
        items_tab.addWidget(self.items_list)
        items_tab.addWidget(right)
        items_tab.setSizes([220, 520])

        self.levels = QTableWidget(0, 4)
        self.levels.setHorizontalHeaderLabels([self.tr("Minimum score"), self.tr("Base term (days)"),
                                               self.tr("Limit factor"), self.tr("Review (months)")])
        self.levels.horizontalHeader().setStretchLastSection(True)

        self.rule_widgets: dict[str, QWidget] = {}
        rules_tab = QWidget()
        rf = QFormLayout(rules_tab)
        for path, label in (("rules.force_c.timeliness", self.tr("Force C on poor timeliness")),
                            ("rules.force_c.timeliness_max_points", self.tr("… at or below this many points")),
                            ("rules.force_c.operating_poor", self.tr("Force C on poor operating status")),
                            ("rules.force_c.revenue_decline", self.tr("Force C on sustained revenue decline")),
                            ("rules.force_c.litigation", self.tr("Force C when sued by suppliers")),
                            ("rules.cap.new_customer", self.tr("Cap new customers")),
                            ("rules.cap.new_customer_min_orders", self.tr("… fewer orders than")),
                            ("rules.cap.documents", self.tr("Cap when key documents are incomplete")),
                            ("terms.new_customer_cash_orders", self.tr("Cash before delivery for the first orders")),
                            ("terms.require_agreement", self.tr("Terms need a signed annual agreement")),
                            ("approval.sales_manager_max_days", self.tr("Sales manager approves up to (days)")),
                            ("limit.round_down_to", self.tr("Round limits down to (CNY)"))):
            value = self._get(path)
            if isinstance(value, bool):
                w = QCheckBox()
                w.setChecked(value)
                w.toggled.connect(lambda v, p=path: self._set(p, bool(v)))
            else:
                w = QSpinBox()
                w.setRange(0, 10_000_000)
                w.setValue(spin_value(value, w))
                w.valueChanged.connect(lambda v, p=path: self._set(p, int(v)))
            self.rule_widgets[path] = w
            rf.addRow(label, w)

        tabs = QTabWidget()
        tabs.addTab(items_tab, self.tr("Scorecard items"))
        tabs.addTab(self.levels, self.tr("Levels, terms and factors"))
        tabs.addTab(rules_tab, self.tr("Rules"))
        self.problems = QListWidget()
        self.changes = QListWidget()
        self.status = QLabel()
        self.status.setWordWrap(True)
        lower = QSplitter()
        pg, cg = QGroupBox(self.tr("Problems")), QGroupBox(self.tr("Differences from the shipped default"))
        QVBoxLayout(pg).addWidget(self.problems)
        QVBoxLayout(cg).addWidget(self.changes)
        lower.addWidget(pg)
        lower.addWidget(cg)
        self.save_button = QPushButton(self.tr("Save as…"))
        self.what_if_button = QPushButton(self.tr("What if? Re-rate with this policy"))
        self.use_button = QPushButton(self.tr("Use for rating"))
        close = QPushButton(self.tr("Close"))
        self.save_button.clicked.connect(self._save_as)
        self.what_if_button.clicked.connect(lambda: self.policy and self.what_if_requested.emit(self.policy))
        self.use_button.clicked.connect(lambda: self.policy and self.use_requested.emit((self.policy,
                                                                                          self.saved_path)))
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        for b in (self.save_button, self.what_if_button, self.use_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(tabs)
        split.addWidget(lower)
        split.setSizes([420, 180])
        layout.addWidget(split)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(980, 720)

        for key, item in self.doc["items"].items():
            self.items_list.addItem(f"{item.get('label_zh', key)}  ({key})")
        self.item_keys = list(self.doc["items"].keys())
        self.items_list.currentRowChanged.connect(self._show_item)
        self.item_points.valueChanged.connect(lambda v: self._set_item("points", int(v)))
        self.item_missing.valueChanged.connect(lambda v: self._set_item("missing_points", int(v)))
        self.bands.itemChanged.connect(self._band_edited)
        self.levels.itemChanged.connect(self._level_edited)
        self._fill_levels()
        self.items_list.setCurrentRow(0)
        self.validate()

    # -- reading and writing the document --------------------------------------------------
    def _get(self, path: str) -> Any:
        node: Any = self.doc
        for part in path.split("."):
            node = node[part]
        return node.unwrap() if hasattr(node, "unwrap") else node

    def _set(self, path: str, value: Any) -> None:
        parts = path.split(".")
        node: Any = self.doc
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
        self.validate()

    def _current_item(self) -> Any:
        row = self.items_list.currentRow()
        return self.doc["items"][self.item_keys[row]] if row >= 0 else None

    def _set_item(self, key: str, value: Any) -> None:
        if self._loading or self._current_item() is None:
            return
        self._current_item()[key] = value
        self.validate()

    def _show_item(self, row: int) -> None:
        item = self._current_item()
        if item is None:
            return
        self._loading = True
        self.item_points.setValue(spin_value(item.get("points"), self.item_points))
        self.item_missing.setValue(spin_value(item.get("missing_points"), self.item_missing))
        entries = [(str(b["range"]), b["points"]) for b in item["bands"]] if "bands" in item else \
            [(k, v) for k, v in item["categories"].items()]
        self.bands.setRowCount(len(entries))
        for r, (rng, pts) in enumerate(entries):
            cell = QTableWidgetItem(rng)
            if "categories" in item:
                cell.setFlags(cell.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.bands.setItem(r, 0, cell)
            self.bands.setItem(r, 1, QTableWidgetItem(str(pts)))
        self._loading = False

    @staticmethod
    def _number(text: str) -> Any:
        text = text.strip()
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                return text  # kept as typed: the validation names it

    def _band_edited(self, cell: QTableWidgetItem) -> None:
        item = self._current_item()
        if self._loading or item is None:
            return
        value = cell.text() if cell.column() == 0 else self._number(cell.text())
        if "bands" in item:
            item["bands"][cell.row()]["range" if cell.column() == 0 else "points"] = value
        elif cell.column() == 1:
            key = self.bands.item(cell.row(), 0).text()
            item["categories"][key] = value
        self.validate()

    def _add_band(self) -> None:
        item = self._current_item()
        if item is None or "bands" not in item:
            return
        band = tomlkit.inline_table()
        band.update({"range": "(0, 1)", "points": 0})
        item["bands"].append(band)
        self._show_item(self.items_list.currentRow())
        self.validate()

    def _remove_band(self) -> None:
        item = self._current_item()
        row = self.bands.currentRow()
        if item is None or "bands" not in item or row < 0:
            return
        del item["bands"][row]
        self._show_item(self.items_list.currentRow())
        self.validate()

    def _fill_levels(self) -> None:
        self._loading = True
        levels = self.doc["levels"]
        self.levels.setRowCount(len(levels))
        self.levels.setVerticalHeaderLabels([str(lv["level"]) for lv in levels])
        for r, lv in enumerate(levels):
            name = str(lv["level"])
            for c, v in enumerate((lv["min_score"], self.doc["terms"]["base_days"].get(name, ""),
                                   self.doc["limit"]["factors"].get(name, ""),
                                   self.doc["review"]["months"].get(name, ""))):
                self.levels.setItem(r, c, QTableWidgetItem(str(v)))
        self._loading = False

    def _level_edited(self, cell: QTableWidgetItem) -> None:
        if self._loading:
            return
        name = str(self.doc["levels"][cell.row()]["level"])
        value = self._number(cell.text())
        if cell.column() == 0:
            self.doc["levels"][cell.row()]["min_score"] = value
        else:
            table = [self.doc["terms"]["base_days"], self.doc["limit"]["factors"],
                     self.doc["review"]["months"]][cell.column() - 1]
            table[name] = value
        self.validate()

    # -- validation, differences, saving -----------------------------------------------------
    def validate(self) -> bool:
        plain = self.doc.unwrap()
        self.problems.clear()
        try:
            self.policy = build_policy(plain)
        except PolicyError as exc:
            self.policy = None
            for path, _line, message in exc.problems:
                self.problems.addItem(f"{path}: {message}")
                self.problems.item(self.problems.count() - 1).setForeground(QColor("#C00000"))
        self.changes.clear()
        for path, old, new in differences(plain, self.default):
            self.changes.addItem(f"{path}: {old} → {new}")
        ok = self.policy is not None
        for b in (self.save_button, self.what_if_button, self.use_button):
            b.setEnabled(ok)
        self.status.setText(self.tr("The policy is valid.") if ok else self.tr("Fix the problems to save or use it."))
        return ok

    def dump(self) -> str:
        return tomlkit.dumps(self.doc)

    def save_to(self, path: Path) -> Policy:
        text = self.dump()
        policy = parse_policy(text.encode("utf-8"), str(path))  # validated before anything is written
        write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        self.saved_path = Path(path)
        self.policy = policy
        return policy

    def _save_as(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Save policy as"),
                                              str(self.source_path.with_name("my-policy.toml")),
                                              self.tr("Policy files (*.toml)"))
        if name:
            self.save_to(Path(name))
            self.status.setText(self.tr("Saved to ") + name)

    def show_what_if(self, changed: int, total: int, moves: dict[str, int]) -> None:
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(moves.items()))
        self.status.setText(self.tr("What if: {0} of {1} customers would change level.").format(changed, total)
                            + (f" ({detail})" if detail else ""))
