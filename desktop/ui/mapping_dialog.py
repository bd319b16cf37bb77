"""Column mapping: the detected mapping next to a preview of the first rows; map by hand,
and save the mapping as a profile for files of the same shape.

Nothing is lost in silence: once the clerk says what the sheet is, every column whose header
is a known alias is mapped already (also when detection failed because the required headers
were renamed); the columns that hold data and are mapped to nothing are listed; and the
mapping is complete only when every field the rating reads under the policy in use is mapped
or the clerk has confirmed the sheet does not hold it ("无此数据"). OK with fields neither
mapped nor confirmed asks first, naming them.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.io.headers import (
    ALIASES,
    CUSTOMERS,
    HEADER_SCAN_ROWS,
    KINDS,
    REQUIRED,
    column_letter,
    column_list,
    known_headers,
    match_row,
    rating_fields,
    unused_columns,
)
from desktop.io.mapping_profiles import MappingProfile, ProfileStore, header_columns, occurrences, signature
from desktop.io.sheets import SheetChoice
from desktop.io.workbook import RawSheet
from desktop.messages import text
from desktop.ui.colors import colours
from desktop.ui.screen import fit_to_screen

PREVIEW_ROWS = 12
FIELD, COLUMN, ABSENT = range(3)  # the columns of the fields table


class MappingDialog(QDialog):
    """``policy``: the policy the rating uses (its items and rules say which fields count; the
    shipped default when None); ``in_use``: (header row, field -> header as written) the last
    import read the sheet with; ``profiles``: the folder of saved mapping profiles."""

    def __init__(self, path, sheet: RawSheet, kind: str | None, field_words: dict[str, str], parent=None,
                 *, lang: str = "zh", policy=None, in_use: tuple[int | None, dict[str, str]] | None = None,
                 profiles=None):
        super().__init__(parent)
        self.lang = lang
        self.setWindowTitle(text("mapping.title", lang, file=path.name, sheet=sheet.name))
        self.path, self.sheet, self.field_words = path, sheet, field_words
        if policy is None:
            from desktop.io.policy_file import load_policy
            policy = load_policy()
        self.policy = policy
        self.profiles = profiles
        self.rows = sheet.head(max(PREVIEW_ROWS, HEADER_SCAN_ROWS))
        self._confirmed: set[str] = set()  # fields the clerk confirmed the sheet does not hold
        self.combos: dict[str, QComboBox] = {}
        self.absent_boxes: dict[str, QTableWidgetItem] = {}
        self.confirm_box: QMessageBox | None = None
        given = kind if kind in KINDS else None
        start_kind, start_row, start_cols = self._start(given, in_use)
        saved = self._saved_profile()
        if saved is not None and saved.kind == start_kind:
            self._confirmed.update(saved.absent)

        self.kind = QComboBox()
        for k in KINDS:
            self.kind.addItem(field_words.get(f"kind.{k}", k), k)
        self.kind.setCurrentIndex(KINDS.index(start_kind))
        self.header_row = QSpinBox()
        self.header_row.setRange(1, max(1, min(len(self.rows), HEADER_SCAN_ROWS)))
        self.header_row.setValue(start_row + 1)
        self.profile_name = QLineEdit()
        self.profile_name.setPlaceholderText(self.tr("Name to save this mapping as a profile (optional)"))
        self.manage_button = QPushButton(self.tr("Mapping profiles…"))
        self.manage_button.clicked.connect(self.manage_profiles)
        self.manage_button.setVisible(profiles is not None)
        profile_row = QHBoxLayout()
        profile_row.addWidget(self.profile_name, 1)
        profile_row.addWidget(self.manage_button)
        self.preview = QTableWidget()
        self.fields = QTableWidget()
        self.fields.setColumnCount(3)
        self.fields.setHorizontalHeaderLabels([self.tr("Field"), self.tr("Column"), self.tr("Not in the sheet")])
        self.fields.horizontalHeaderItem(ABSENT).setToolTip(
            self.tr("Tick a field the rating uses when the sheet has no column for it"))
        self.fields.itemChanged.connect(self._absent_toggled)
        for table in (self.fields, self.preview):
            table.setMinimumHeight(120)  # on a small screen the page scrolls, the tables are not squeezed away
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.unused_label = QLabel()
        self.unused_label.setWordWrap(True)
        self.unused_label.setStyleSheet(f"color: {colours().warning};")
        self.profile_note = QLabel(text("mapping.profile_matches", lang, name=saved.name) if saved else "")
        self.profile_note.setVisible(saved is not None)

        form = QFormLayout()
        form.addRow(self.tr("Sheet kind"), self.kind)
        form.addRow(self.tr("Header row"), self.header_row)
        form.addRow(self.tr("Profile"), profile_row)
        form.addRow(self.profile_note)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(form)
        lv.addWidget(self.fields, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.preview)
        split.setChildrenCollapsible(False)
        split.setSizes([460, 560])
        page = QWidget()
        pv = QVBoxLayout(page)
        pv.setContentsMargins(0, 0, 0, 0)
        pv.addWidget(split, 1)
        scroll = QScrollArea()  # everything but the messages and the buttons scrolls on a small screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(page)
        messages = QWidget()
        mv = QVBoxLayout(messages)
        mv.setContentsMargins(0, 0, 0, 0)
        mv.addWidget(self.status)
        mv.addWidget(self.unused_label)
        self.messages = QScrollArea()  # at most a few lines high: the buttons below stay on screen
        self.messages.setWidgetResizable(True)
        self.messages.setFrameShape(QFrame.Shape.NoFrame)
        self.messages.setWidget(messages)
        self.messages.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.messages)
        layout.addWidget(buttons)
        self._fill_preview()
        self._fill_fields(start_cols)
        self.kind.currentIndexChanged.connect(lambda _: self._kind_changed())
        self.header_row.valueChanged.connect(lambda _: self._row_changed())
        fit_to_screen(self, (1080, 560))

    # ------------------------------------------------------------ where to start
    def _start(self, given: str | None, in_use) -> tuple[str, int, dict[str, int]]:
        """Kind, header row and columns to open with: what the last import read the sheet with,
        else the headers detection knows (of the kind the clerk gave), else nothing."""
        if given is not None and in_use is not None and in_use[0]:
            row = in_use[0] - 1
            cells = self.rows[row] if row < len(self.rows) else []
            cols = header_columns(cells, in_use[1])  # a header written twice: left for the clerk
            if cols:
                return given, row, cols
        found = known_headers(self.rows, given)
        if found is None:
            return given or CUSTOMERS, 0, {}
        return found.kind, found.header_row, dict(found.columns)

    def _saved_profile(self) -> MappingProfile | None:
        if self.profiles is None:
            return None
        hit = ProfileStore(self.profiles).match(self.rows)
        return hit[0] if hit is not None else None

    def _kind_changed(self) -> None:
        """The clerk says what the sheet is: every header known for that kind is mapped; when the
        header row holds none of them, the row that holds the most is taken."""
        kind = self.kind.currentData()
        row = self.header_row.value() - 1
        match = match_row(self.rows[row], kind, row) if row < len(self.rows) else None
        if match is None or not match.columns:
            guess = known_headers(self.rows, kind)
            if guess is not None:
                self.header_row.blockSignals(True)
                self.header_row.setValue(guess.header_row + 1)
                self.header_row.blockSignals(False)
                match = guess
        self._fill_fields(match.columns if match else {})

    def _row_changed(self) -> None:
        row = self.header_row.value() - 1
        match = match_row(self.rows[row], self.kind.currentData(), row) if row < len(self.rows) else None
        self._fill_fields(match.columns if match else {})

    # ------------------------------------------------------------ tables
    def _headers(self) -> list[str]:
        row = self.header_row.value() - 1
        cells = self.rows[row] if row < len(self.rows) else []
        return ["" if c is None else str(c).strip() for c in cells]

    def _filled(self) -> list[bool]:
        """For each column: does it hold anything in the rows below the header row (of those read)?"""
        below = self.rows[self.header_row.value():]
        width = max((len(r) for r in self.rows), default=0)
        return [any(c < len(r) and r[c] is not None and str(r[c]).strip() for r in below) for c in range(width)]

    def _fill_preview(self) -> None:
        rows = self.rows[:PREVIEW_ROWS]
        width = max((len(r) for r in rows), default=0)
        self.preview.setRowCount(len(rows))
        self.preview.setColumnCount(width)
        self.preview.setHorizontalHeaderLabels([column_letter(c) for c in range(width)])
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                self.preview.setItem(r, c, QTableWidgetItem("" if v is None else str(v)))

    def _word(self, fld: str) -> str:
        return self.field_words.get(fld, fld)

    def _fill_fields(self, columns: dict[str, int]) -> None:
        kind = self.kind.currentData()
        fields = list(ALIASES[kind])
        headers = self._headers()
        self._headers_now = headers
        self._filled_now = self._filled()
        used = {f for group in self.used_groups() for f in group}
        required = {f for group in REQUIRED[kind] for f in group}
        width = max(len(headers), len(self._filled_now))
        choices = [self.tr("(not mapped)")] + [
            f"{column_letter(c)} {headers[c] if c < len(headers) else ''}".strip() for c in range(width)]
        self.fields.blockSignals(True)
        self.fields.clearContents()
        self.fields.setRowCount(len(fields))
        self.combos, self.absent_boxes = {}, {}
        for r, f in enumerate(fields):
            item = QTableWidgetItem(self._word(f) + (" *" if f in required else ""))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            if f in used:
                item.setToolTip(self.tr("The rating uses this field"))
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.fields.setItem(r, FIELD, item)
            combo = QComboBox()
            combo.addItems(choices)
            if f in columns and columns[f] < width:
                combo.setCurrentIndex(columns[f] + 1)
            combo.currentIndexChanged.connect(lambda _: self._validate())
            self.fields.setCellWidget(r, COLUMN, combo)
            self.combos[f] = combo
            if f in used and f not in required:
                box = QTableWidgetItem()
                box.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                box.setCheckState(Qt.CheckState.Checked if f in self._confirmed else Qt.CheckState.Unchecked)
                box.setData(Qt.ItemDataRole.UserRole, f)
                self.fields.setItem(r, ABSENT, box)
                self.absent_boxes[f] = box
            else:
                blank = QTableWidgetItem()
                blank.setFlags(Qt.ItemFlag.NoItemFlags)
                self.fields.setItem(r, ABSENT, blank)
        self.fields.blockSignals(False)
        self.fields.resizeColumnsToContents()
        self._validate()

    def _absent_toggled(self, item: QTableWidgetItem) -> None:
        fld = item.data(Qt.ItemDataRole.UserRole)
        if item.column() != ABSENT or not fld:
            return
        if item.checkState() == Qt.CheckState.Checked:
            self._confirmed.add(fld)
        else:
            self._confirmed.discard(fld)
        self._validate()

    # ------------------------------------------------------------ what is mapped, missing, unused
    def columns(self) -> dict[str, int]:
        return {f: c.currentIndex() - 1 for f, c in self.combos.items() if c.currentIndex() > 0}

    def used_groups(self) -> list[tuple[str, ...]]:
        """The fields the rating reads from a sheet of this kind under the policy (groups: any one will do)."""
        return rating_fields(self.kind.currentData(), self.policy)

    def missing(self) -> list[str]:
        """Fields the rating uses, not required, neither mapped nor confirmed absent."""
        cols = self.columns()
        required = {f for group in REQUIRED[self.kind.currentData()] for f in group}
        return [f for group in self.used_groups() for f in group
                if f not in required and not any(g in cols for g in group) and f not in self._confirmed]

    def absent(self) -> list[str]:
        """The fields the clerk confirmed the sheet does not hold (and left unmapped)."""
        cols = self.columns()
        return [f for f in ALIASES[self.kind.currentData()] if f in self._confirmed and f not in cols]

    def unused(self) -> list[tuple[int, str]]:
        """(column, header) of the columns that hold data and are mapped to no field."""
        return unused_columns(self._headers_now, self.columns().values(), self._filled_now)

    def _join(self, words: list[str]) -> str:
        return ("、" if self.lang == "zh" else ", ").join(words)

    def _required_missing(self) -> list[str]:
        cols = self.columns()
        return [" / ".join(self._word(f) for f in group) for group in REQUIRED[self.kind.currentData()]
                if not any(f in cols for f in group)]

    def _duplicated(self) -> bool:
        cols = self.columns()
        return len(set(cols.values())) != len(cols)

    def _validate(self) -> None:
        cols = self.columns()
        for f, box in self.absent_boxes.items():  # a mapped field needs no confirmation
            flags = Qt.ItemFlag.ItemIsUserCheckable | (Qt.ItemFlag.NoItemFlags if f in cols else Qt.ItemFlag.ItemIsEnabled)
            self.fields.blockSignals(True)
            box.setFlags(flags)
            self.fields.blockSignals(False)
        required, missing = self._required_missing(), self.missing()
        if required:
            self.status.setText(text("mapping.required", self.lang, fields=self._join(required)))
        elif self._duplicated():
            self.status.setText(self.tr("One column is mapped to two fields"))
        elif missing:
            self.status.setText(text("mapping.missing", self.lang, fields=self._join([self._word(f) for f in missing])))
        else:
            self.status.setText(self.tr("Mapping complete"))
        unused = self.unused()
        self.unused_label.setText(text("mapping.unused", self.lang, columns=column_list(
            unused, self.tr("(no header)"), "、" if self.lang == "zh" else ", ")) if unused else "")
        self.unused_label.setVisible(bool(unused))
        self._mark_preview(cols, unused)
        self.ok_button.setEnabled(not required and not self._duplicated())

    def _mark_preview(self, cols: dict[str, int], unused: list[tuple[int, str]]) -> None:
        """In the preview's header row: mapped columns green, unused ones (data, no field) orange."""
        row = self.header_row.value() - 1
        mapped, spare = set(cols.values()), {c for c, _ in unused}
        pal = colours()  # green and orange tints of the palette's base: the text on them reads in dark mode too
        for r in {getattr(self, "_marked_row", row), row}:
            for c in range(self.preview.columnCount()):
                item = self.preview.item(r, c) if r < self.preview.rowCount() else None
                if item is None:
                    continue
                colour = ("mapped" if c in mapped else "unused" if c in spare else None) if r == row else None
                item.setBackground(QBrush(pal.qcolor(colour)) if colour else QBrush())
        self._marked_row = row

    # ------------------------------------------------------------ OK
    def accept(self) -> None:
        if self._required_missing() or self._duplicated() or self._name_taken():
            return
        missing = self.missing()
        if not missing:
            super().accept()
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(),
                          text("mapping.confirm_absent", self.lang, fields=self._join([self._word(f) for f in missing])),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirm_box = box

        def answered(_result: int) -> None:
            self.confirm_box = None
            if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
                self._confirmed.update(missing)
                self._fill_fields(self.columns())
                super(MappingDialog, self).accept()
        box.finished.connect(answered)
        box.open()

    def _name_taken(self) -> bool:
        """A profile name another sheet's profile has: refused, said (saving would replace that one)."""
        mine = self.profile()
        if mine is None or self.profiles is None:
            return False
        taken = any(p.name == mine.name and (p.signature, p.kind) != (mine.signature, mine.kind)
                    for p in ProfileStore(self.profiles).load())
        if taken:
            self.status.setText(text("mapping.profile_name_taken", self.lang, name=mine.name))
            self.profile_name.setFocus()
        return taken

    def choice(self) -> SheetChoice:
        return SheetChoice(self.path, self.sheet.name, self.kind.currentData(), self.header_row.value() - 1,
                           self.columns())

    def profile(self) -> MappingProfile | None:
        name = self.profile_name.text().strip()
        if not name:
            return None
        headers = self._headers()
        columns = {f: c for f, c in self.columns().items() if c < len(headers)}
        return MappingProfile(name, self.kind.currentData(), signature(headers),
                              {f: headers[c] for f, c in columns.items()},
                              absent=self.absent(), occurrence=occurrences(headers, columns),
                              saved_from={"file": self.path.name, "path": str(self.path), "sheet": self.sheet.name,
                                          "at": datetime.now().strftime("%Y-%m-%d %H:%M")})

    def manage_profiles(self):
        from desktop.ui.profile_manager import ProfileManager
        manager = ProfileManager(self.profiles, self.field_words, self, lang=self.lang)
        self._manager = manager  # tests drive it
        if hasattr(self.parent(), "_profiles_changed"):  # the window reads its sheets again
            manager.changed.connect(self.parent()._profiles_changed)
        manager.open()
        return manager
