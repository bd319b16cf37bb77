"""Column mapping: the detected mapping next to a preview of the first rows; map by hand,
and save the mapping as a profile for files of the same shape."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.io.headers import ALIASES, CUSTOMERS, HEADER_SCAN_ROWS, KINDS, REQUIRED, column_letter, detect_header
from desktop.io.mapping_profiles import MappingProfile, signature
from desktop.io.sheets import SheetChoice
from desktop.io.workbook import RawSheet

PREVIEW_ROWS = 12


class MappingDialog(QDialog):
    def __init__(self, path, sheet: RawSheet, kind: str | None, field_words: dict[str, str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Column mapping") + f" — {path.name} / {sheet.name}")
        self.path, self.sheet, self.field_words = path, sheet, field_words
        self.rows = sheet.head(max(PREVIEW_ROWS, HEADER_SCAN_ROWS))
        detected = detect_header(self.rows, kind if kind in KINDS else None)
        self.kind = QComboBox()
        for k in KINDS:
            self.kind.addItem(field_words.get(f"kind.{k}", k), k)
        self.kind.setCurrentIndex(KINDS.index(detected.kind if detected else (kind if kind in KINDS else CUSTOMERS)))
        self.header_row = QSpinBox()
        self.header_row.setRange(1, max(1, min(len(self.rows), HEADER_SCAN_ROWS)))
        self.header_row.setValue((detected.header_row + 1) if detected else 1)
        self.profile_name = QLineEdit()
        self.profile_name.setPlaceholderText(self.tr("Name to save this mapping as a profile (optional)"))
        self.preview = QTableWidget()
        self.fields = QTableWidget()
        self.fields.setColumnCount(2)
        self.fields.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Column")])
        self.status = QLabel()
        form = QFormLayout()
        form.addRow(self.tr("Sheet kind"), self.kind)
        form.addRow(self.tr("Header row"), self.header_row)
        form.addRow(self.tr("Profile"), self.profile_name)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addLayout(form)
        lv.addWidget(self.fields)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setSizes([360, 640])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)
        self.resize(1080, 560)
        self._fill_preview()
        self._fill_fields(detected.columns if detected else {})
        self.kind.currentIndexChanged.connect(lambda _: self._redetect())
        self.header_row.valueChanged.connect(lambda _: self._redetect())

    def _headers(self) -> list[str]:
        row = self.header_row.value() - 1
        cells = self.rows[row] if row < len(self.rows) else []
        return ["" if c is None else str(c).strip() for c in cells]

    def _fill_preview(self) -> None:
        rows = self.rows[:PREVIEW_ROWS]
        width = max((len(r) for r in rows), default=0)
        self.preview.setRowCount(len(rows))
        self.preview.setColumnCount(width)
        self.preview.setHorizontalHeaderLabels([column_letter(c) for c in range(width)])
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                self.preview.setItem(r, c, QTableWidgetItem("" if v is None else str(v)))

    def _redetect(self) -> None:
        from desktop.io.headers import match_row
        row = self.header_row.value() - 1
        kind = self.kind.currentData()
        match = match_row(self.rows[row], kind, row) if row < len(self.rows) else None
        self._fill_fields(match.columns if match else {})

    def _fill_fields(self, columns: dict[str, int]) -> None:
        kind = self.kind.currentData()
        fields = list(ALIASES[kind])
        headers = self._headers()
        choices = [self.tr("(not mapped)")] + [f"{column_letter(c)} {h}" for c, h in enumerate(headers)]
        self.fields.setRowCount(len(fields))
        self.combos: dict[str, QComboBox] = {}
        for r, f in enumerate(fields):
            self.fields.setItem(r, 0, QTableWidgetItem(self.field_words.get(f, f)))
            combo = QComboBox()
            combo.addItems(choices)
            if f in columns:
                combo.setCurrentIndex(columns[f] + 1)
            combo.currentIndexChanged.connect(lambda _: self._validate())
            self.fields.setCellWidget(r, 1, combo)
            self.combos[f] = combo
        self.fields.resizeColumnsToContents()
        self._validate()

    def columns(self) -> dict[str, int]:
        return {f: c.currentIndex() - 1 for f, c in self.combos.items() if c.currentIndex() > 0}

    def _validate(self) -> None:
        kind = self.kind.currentData()
        cols = self.columns()
        missing = [" / ".join(self.field_words.get(f, f) for f in group) for group in REQUIRED[kind]
                   if not any(f in cols for f in group)]
        dup = len(set(cols.values())) != len(cols)
        if missing:
            self.status.setText(self.tr("Required: ") + ", ".join(missing))
        elif dup:
            self.status.setText(self.tr("One column is mapped to two fields"))
        else:
            self.status.setText(self.tr("Mapping complete"))
        self.ok_button.setEnabled(not missing and not dup)

    def choice(self) -> SheetChoice:
        return SheetChoice(self.path, self.sheet.name, self.kind.currentData(), self.header_row.value() - 1,
                           self.columns())

    def profile(self) -> MappingProfile | None:
        name = self.profile_name.text().strip()
        if not name:
            return None
        headers = self._headers()
        return MappingProfile(name, self.kind.currentData(), signature(headers),
                              {f: headers[c] for f, c in self.columns().items()})
