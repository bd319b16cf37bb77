"""Decisions and problems read back from filled approval workbooks.

Every word a clerk reads is the window's language: headings from the window's catalogue
(desktop.ui.i18n), statuses, severities, notes and the line saying what the forms were checked
against from the forms' catalogue (desktop.io.writers.labels). The problems' own texts arrive
already worded in the forms' language (session.ApprovalsDone.problems).

Customers whose decisions conflict are listed with the files the decisions came from; the
clerk picks the file whose decision prevails and ``prefer_file`` (the file's name) asks the
main window to read the same forms back again with that file preferred.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.io.writers.labels import Labels, approval_text
from desktop.ui.colors import colours
from desktop.ui.screen import fit_to_screen

SEVERITIES = {"error": "severity.approval_error", "warning": "severity.approval_warning", "note": "severity.note"}
CONFLICT_CODES = ("copies_conflict", "conflict_with_recorded")
COLUMN_CAP = 320  # px: a long text is read in its tooltip (or wrapped), not in a column wider than the screen
LAST_COLUMN_CAP = 480  # px: the problem or conflict texts wrap, the last column stretches to the dialog's width
MIN_TEXT_WIDTH = 200  # px: narrower, a wrapped text is a column of single characters


def _cell(value) -> QTableWidgetItem:
    text = "" if value is None else (f"{value:,.2f}" if isinstance(value, float) else str(value))
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if len(text) > 20:
        item.setToolTip(text)
    return item


def _fill(table: QTableWidget, rows: list[tuple]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            table.setItem(r, c, _cell(v))


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    return table


def _fit_columns(table: QTableWidget, text: int | None = None) -> None:
    """Columns as wide as their contents, at most COLUMN_CAP; ``text`` (default: the last), the column
    of long texts, at most LAST_COLUMN_CAP, wrapped. The last column stretches to the table's width."""
    table.resizeColumnsToContents()
    last = table.columnCount() - 1
    text = last if text is None else text
    for c in range(last + 1):
        table.setColumnWidth(c, min(table.columnWidth(c), LAST_COLUMN_CAP if c == text else COLUMN_CAP))
    table.horizontalHeader().setStretchLastSection(True)


class ApprovalsDialog(QDialog):
    prefer_file = Signal(str)  # the name of the file whose decisions are to prevail

    def __init__(self, result, language, parent=None):
        super().__init__(parent)
        t = language.text
        lab = Labels(language.code if language.code in ("zh", "en") else "zh")
        self.setWindowTitle(t("Approvals read back"))
        o = result.outcome
        self.result = result
        pal = colours()  # the palette's: readable in dark mode too

        # what the forms were checked against: the register, or only the results workbook
        self.source_line = QLabel(lab(f"decisions.checked_against.{result.source}"))
        self.source_line.setWordWrap(True)
        if result.source == "results":
            self.source_line.setObjectName("approvalsWarning")
            self.source_line.setStyleSheet(f"#approvalsWarning {{ background: {pal.warning_background}; "
                                           f"border: 1px solid {pal.warning_border}; color: {pal.warning}; "
                                           "padding: 4px; }")

        self.decisions = _table([t("Customer ID"), t("Name"), t("Status"), t("Approved term"), t("Approved limit"),
                                 t("Final level"), t("Approvers"), t("Notes")])
        _fill(self.decisions, [(f.customer_id, f.name, lab(f"status.{f.status}"), f.approved_term_days,
                                f.approved_limit, f.final_level, "、".join(dict.fromkeys(f.approvers)),
                                "；".join(approval_text(code, tuple(args), lab.lang) for code, args in f.notes))
                               for f in o.finals])
        for r, f in enumerate(o.finals):
            if f.status in ("conflict", "invalid"):
                self.decisions.item(r, 2).setForeground(pal.qcolor("error"))
            elif f.status == "pending":
                self.decisions.item(r, 2).setForeground(pal.qcolor("muted"))

        problems = list(result.problems)
        # the problem's text next to its severity, where it was found after it: what a small screen shows
        self.problems = _table([t("Severity"), t("Problem"), t("File"), t("Sheet"), t("Cell"), t("Form")])
        _fill(self.problems, [(lab(SEVERITIES[p["severity"]]) if p["severity"] in SEVERITIES else p["severity"],
                               p["problem"], p["file"], p["sheet"], p["cell"], p["form_id"]) for p in problems])
        for r, p in enumerate(problems):
            if p["severity"] in ("error", "warning"):
                self.problems.item(r, 0).setForeground(pal.qcolor(p["severity"]))

        # conflicts: one row per customer and file its decision was read from
        conflicted = [f for f in o.finals if f.status == "conflict"]
        self.conflict_rows: list[tuple[str, str]] = []  # (customer ID, file's full path) of each row
        rows = []
        for f in conflicted:
            paths = f.paths if len(f.paths) == len(f.files) else f.files
            for name, path in zip(f.files, paths) if f.files else [("", "")]:
                rows.append((f.customer_id, f.name, name, self._conflict_text(f, name, problems)))
                self.conflict_rows.append((f.customer_id, path))
        self.conflicts = _table([t("Customer ID"), t("Name"), t("File"), t("Conflict")])
        _fill(self.conflicts, rows)
        self.conflicts.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.prefer_button = QPushButton(t("Let this file's decision prevail"))
        self.prefer_button.setToolTip(t("The decisions in the selected file prevail in every conflict it is part of "
                                        "(the other copies, or the decision recorded before, give way); the forms "
                                        "are read back again and the decisions recorded in the register."))
        self.prefer_button.setEnabled(False)
        self.prefer_button.clicked.connect(self._prefer)
        self.conflicts.itemSelectionChanged.connect(
            lambda: self.prefer_button.setEnabled(self._selected_file() is not None))

        _fit_columns(self.decisions)
        _fit_columns(self.problems, text=1)
        _fit_columns(self.conflicts)
        for table in (self.decisions, self.problems, self.conflicts):
            table.resizeRowsToContents()

        tabs = QTabWidget()
        self.tabs = tabs
        if conflicted:
            page = QWidget()
            box = QVBoxLayout(page)
            hint = QLabel(t("Nothing is applied for these customers until you choose which file's decision "
                            "prevails: select its row, then press “{0}”.").format(self.prefer_button.text()))
            hint.setWordWrap(True)
            row = QHBoxLayout()  # the button beside its explanation: one line less on a small screen
            row.addWidget(hint, 1)
            row.addWidget(self.prefer_button, 0, Qt.AlignmentFlag.AlignBottom)
            box.addLayout(row)
            box.addWidget(self.conflicts, 1)
            tabs.addTab(page, t("Conflicts") + f" ({len(conflicted)})")
        tabs.addTab(self.decisions, t("Decisions") + f" ({len(o.finals)})")
        tabs.addTab(self.problems, t("Problems") + f" ({len(problems)})")

        summary = QLabel(t("Run {0}: {1} forms read.").format(result.run_id, len(o.records)) +
                         "".join(f" <a href='{p.as_uri()}'>{p.name}</a>" for p in result.written))
        summary.setWordWrap(True)
        summary.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.summary = summary
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.source_line)
        layout.addWidget(tabs, 1)
        layout.addWidget(buttons)
        self._rewrap = QTimer(self, singleShot=True, interval=0)  # once the sizes have settled
        self._rewrap.timeout.connect(self._wrap_texts)
        self._fit_screen()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._rewrap.start()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._rewrap.start()

    def _wrap_texts(self) -> None:
        """The long texts (a conflict, a problem) as wide as the table shows without scrolling, at
        least MIN_TEXT_WIDTH, and their rows as tall as the wrapped texts."""
        for table, col in ((self.conflicts, self.conflicts.columnCount() - 1), (self.problems, 1)):
            before = sum(table.columnWidth(c) for c in range(col))
            free = table.viewport().width() - before
            table.setColumnWidth(col, max(MIN_TEXT_WIDTH, min(free, LAST_COLUMN_CAP) if col == 1 else free))
            table.resizeRowsToContents()

    @staticmethod
    def _conflict_text(f, name: str, problems: list[dict]) -> str:
        """The conflict's own problem texts for this customer and file (both decisions, files, dates)."""
        forms = set(f.forms)
        texts = [p["problem"] for p in problems if p["code"] in CONFLICT_CODES
                 and name in p["file"].split(", ") and forms & set(p["form_id"].split(", "))]
        return "；".join(dict.fromkeys(texts))

    def _selected_file(self) -> str | None:
        rows = {i.row() for i in self.conflicts.selectedItems()}
        if len(rows) != 1:
            return None
        name = self.conflict_rows[rows.pop()][1]
        return name or None

    def _prefer(self) -> None:
        name = self._selected_file()
        if name is not None:
            self.prefer_file.emit(name)

    def _fit_screen(self) -> None:
        """As large as is useful, never larger than the screen's free area (1366x768 at 200 %
        leaves 683x384): the tables scroll, the buttons stay on screen."""
        fit_to_screen(self, QSize(1000, 600), centred=True)
