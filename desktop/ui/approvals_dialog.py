"""Decisions and problems read back from filled approval workbooks."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout

from desktop.io.writers.decisions import STATUS_WORDS


class ApprovalsDialog(QDialog):
    def __init__(self, result, language, parent=None):
        super().__init__(parent)
        t = language.text
        self.setWindowTitle(t("Approvals read back"))
        o = result.outcome
        self.decisions = QTableWidget(len(o.finals), 7)
        self.decisions.setHorizontalHeaderLabels([t("Customer ID"), t("Name"), t("Status"), t("Approved term"),
                                                  t("Approved limit"), t("Final level"), t("Approvers")])
        for r, f in enumerate(o.finals):
            status = STATUS_WORDS[f.status] if language.code == "zh" else f.status
            for c, v in enumerate((f.customer_id, f.name, status, f.approved_term_days, f.approved_limit,
                                   f.final_level, "、".join(dict.fromkeys(f.approvers)))):
                self.decisions.setItem(r, c, QTableWidgetItem("" if v is None else
                                                              (f"{v:,.2f}" if isinstance(v, float) else str(v))))
        problems = [(p.severity, p.file, p.sheet, p.form_id, p.cell, p.problem) for p in o.problems] + \
            [("error", u.file, u.sheet, "", "", u.problem) for u in result.unreadable]
        self.problems = QTableWidget(len(problems), 6)
        self.problems.setHorizontalHeaderLabels([t("Severity"), t("File"), t("Sheet"), t("Form"), t("Cell"),
                                                 t("Problem")])
        for r, row in enumerate(problems):
            for c, v in enumerate(row):
                self.problems.setItem(r, c, QTableWidgetItem(str(v)))
        for table in (self.decisions, self.problems):
            table.resizeColumnsToContents()
            table.horizontalHeader().setStretchLastSection(True)
        tabs = QTabWidget()
        tabs.addTab(self.decisions, t("Decisions") + f" ({len(o.finals)})")
        tabs.addTab(self.problems, t("Problems") + f" ({len(problems)})")
        summary = QLabel(t("Run {0}: {1} forms read.").format(result.run_id, len(o.records)) +
                         "".join(f" <a href='{p.as_uri()}'>{p.name}</a>" for p in result.written))
        summary.linkActivated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(tabs)
        layout.addWidget(buttons)
        self.resize(900, 520)
