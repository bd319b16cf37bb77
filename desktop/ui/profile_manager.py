"""The saved column mapping profiles: see each one (the sheet it was saved from, the sheets it
read last, its columns), rename it, delete it. Opened from the mapping dialog and from
文件 > 映射方案…; a change applies from the next import."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
)

from desktop.errors import CreditDeskError
from desktop.io.mapping_profiles import MappingProfile, ProfileStore
from desktop.messages import text
from desktop.ui.screen import fit_to_screen

NAME, KIND, SAVED_FROM, LAST_READ = range(4)


class ProfileManager(QDialog):
    changed = Signal()  # a profile was renamed or deleted

    def __init__(self, folder: Path, words: dict[str, str], parent=None, *, lang: str = "zh"):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Mapping profiles"))
        self.store = ProfileStore(folder)
        self.words, self.lang = words, lang
        self.profiles: list[MappingProfile] = []
        self.confirm_box: QMessageBox | None = None
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("Profile"), self.tr("Sheet kind"), self.tr("Saved from"),
                                              self.tr("Last read")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(80)
        self.table.itemChanged.connect(self._name_edited)
        self.table.itemSelectionChanged.connect(self._show_detail)
        self.detail = QTextBrowser()
        self.detail.setMinimumHeight(60)
        self.empty = QLabel(self.tr("No mapping profile has been saved."))
        self.note = QLabel()
        self.note.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setChildrenCollapsible(False)
        self.rename_button = QPushButton(self.tr("Rename"))
        self.delete_button = QPushButton(self.tr("Delete"))
        self.rename_button.clicked.connect(self.start_rename)
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.rename_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(split, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
        self.reload()
        fit_to_screen(self, (900, 420))

    # ------------------------------------------------------------ showing
    def reload(self) -> None:
        self.profiles = self.store.load()
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.profiles))
        for r, p in enumerate(self.profiles):
            last = p.used[0] if p.used else None
            cells = [p.name, self.words.get(f"kind.{p.kind}", p.kind), self._place(p.saved_from),
                     self._place(last) if last else self.tr("Not used since it was saved")]
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                if c != NAME:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        self.empty.setVisible(not self.profiles)
        if self.profiles and not self.table.selectedItems():
            self.table.selectRow(0)
        self._show_detail()

    def _place(self, where: dict) -> str:
        """A table cell: the file and sheet, and when."""
        if not where:
            return ""
        return text("mapping.profile_place", self.lang, file=where.get("file", ""), sheet=where.get("sheet", ""),
                    at=where.get("at", ""))

    def _where(self, saved: dict) -> str:
        if not saved:
            return ""
        return text("mapping.profile_saved_from", self.lang, file=saved.get("file", ""), sheet=saved.get("sheet", ""),
                    at=saved.get("at", ""))

    def selected_row(self) -> int:
        rows = {i.row() for i in self.table.selectedItems()}
        return min(rows) if rows else -1

    def _show_detail(self) -> None:
        row = self.selected_row()
        has = 0 <= row < len(self.profiles)
        self.rename_button.setEnabled(has)
        self.delete_button.setEnabled(has)
        if not has:
            self.detail.clear()
            return
        p = self.profiles[row]
        sep = "、" if self.lang == "zh" else ", "
        columns = sep.join(f"{self.words.get(f, f)} ← {h}" for f, h in p.columns.items())
        lines = [self._where(p.saved_from),
                 text("mapping.profile_columns", self.lang, kind=self.words.get(f"kind.{p.kind}", p.kind),
                      count=len(p.columns), columns=columns)]
        if p.absent:
            lines.append(text("mapping.profile_absent", self.lang, fields=sep.join(self.words.get(f, f)
                                                                                   for f in p.absent)))
        lines.append(self.tr("Last read:") if p.used else self.tr("Not used since it was saved"))
        lines += [text("mapping.profile_used", self.lang, at=u.get("at", ""), file=u.get("file", ""),
                       sheet=u.get("sheet", "")) for u in p.used]
        self.detail.setPlainText("\n".join(line for line in lines if line))

    # ------------------------------------------------------------ renaming and deleting
    def start_rename(self) -> None:
        row = self.selected_row()
        if row >= 0:
            self.table.editItem(self.table.item(row, NAME))

    def rename(self, row: int, new: str) -> bool:
        """Rename the profile of ``row``; a blank name or one in use is refused, and said."""
        old = self.profiles[row].name
        new = new.strip()
        if new == old:
            return True
        try:
            ok = self.store.rename(old, new)
        except (OSError, CreditDeskError):
            self.note.setText(text("mapping.profile_not_written", self.lang, file=str(self.store.path)))
            self.reload()
            return False
        if not ok:
            self.note.setText(text("mapping.profile_name_taken", self.lang, name=new) if new else
                              self.tr("A profile needs a name."))
        self._changed(ok)
        self.reload()
        if ok:
            self.table.selectRow(next(i for i, p in enumerate(self.profiles) if p.name == new))
        return ok

    def _name_edited(self, item: QTableWidgetItem) -> None:
        if item.column() == NAME and 0 <= item.row() < len(self.profiles):
            self.rename(item.row(), item.text())

    def delete(self, row: int) -> bool:
        try:
            ok = self.store.delete(self.profiles[row].name)
        except (OSError, CreditDeskError):
            self.note.setText(text("mapping.profile_not_written", self.lang, file=str(self.store.path)))
            return False
        self._changed(ok)
        self.reload()
        return ok

    def delete_selected(self) -> None:
        """Ask, naming the profile, then delete it."""
        row = self.selected_row()
        if row < 0:
            return
        name = self.profiles[row].name
        box = QMessageBox(QMessageBox.Icon.Question, self.windowTitle(),
                          text("mapping.profile_delete", self.lang, name=name),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        self.confirm_box = box

        def answered(_result: int) -> None:
            self.confirm_box = None
            if box.standardButton(box.clickedButton()) == QMessageBox.StandardButton.Yes:
                index = next((i for i, p in enumerate(self.profiles) if p.name == name), -1)
                if index >= 0:
                    self.delete(index)
        box.finished.connect(answered)
        box.open()

    def _changed(self, ok: bool) -> None:
        if ok:
            self.note.setText(text("mapping.profile_changed", self.lang))
            self.changed.emit()


PROFILE_PREFIX = "profile: "  # how the importer says a sheet was read with a profile (SheetSource.chosen_by)


def record_uses(folder: Path, sheets) -> None:
    """Note in the profile store which sheets an import read with which profile; a store that
    cannot be written costs the record only, never the import."""
    from datetime import datetime
    uses = [(s.chosen_by[len(PROFILE_PREFIX):], s.file, s.path, s.sheet) for s in sheets
            if isinstance(getattr(s, "chosen_by", None), str) and s.chosen_by.startswith(PROFILE_PREFIX)]
    if not uses:
        return
    try:
        ProfileStore(folder).record_use(uses, datetime.now().strftime("%Y-%m-%d %H:%M"))
    except (OSError, CreditDeskError):
        import logging
        logging.getLogger(__name__).warning("could not record the mapping profiles' uses", exc_info=True)
