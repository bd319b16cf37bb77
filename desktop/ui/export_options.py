"""Export options: passwords, the approval workbook split, and who gets an application form.

Held for the window's lifetime only: passwords are never saved (not in QSettings, not in a file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout

from desktop.ui.screen import fit_to_screen


@dataclass(frozen=True)
class ExportOptions:
    open_password: str = ""  # encrypts every exported workbook (needed to open it)
    protect_password: str = ""  # locks the workbooks' structure
    forms_password: str = ""  # protects the form sheets (default: protected without a password)
    split: str | None = None  # None | "salesperson" | "manager": one approval workbook each
    forms_for: str = "route"  # "route": forms where the route needs one; plus "selected" / "shown" customers


class ExportOptionsDialog(QDialog):
    SPLITS = ((None, "One approval workbook"), ("salesperson", "One workbook per salesperson"),
              ("manager", "One workbook per sales manager"))
    SCOPES = (("route", "Customers whose route needs an approval"),
              ("selected", "… and the selected customer"),
              ("shown", "… and every customer shown by the filters"))

    def __init__(self, options: ExportOptions, t: Callable[[str], str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(t("Export options"))
        self.open_password, self.protect_password, self.forms_password = QLineEdit(), QLineEdit(), QLineEdit()
        for edit, value in ((self.open_password, options.open_password),
                            (self.protect_password, options.protect_password),
                            (self.forms_password, options.forms_password)):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setText(value)
        self.split = QComboBox()
        for data, text in self.SPLITS:
            self.split.addItem(t(text), data)
        self.split.setCurrentIndex(max(self.split.findData(options.split), 0))
        self.scope = QComboBox()
        for data, text in self.SCOPES:
            self.scope.addItem(t(text), data)
        self.scope.setCurrentIndex(max(self.scope.findData(options.forms_for), 0))
        form = QFormLayout()
        form.addRow(t("Password to open the workbooks"), self.open_password)
        form.addRow(t("Password to change the sheets"), self.protect_password)
        form.addRow(t("Password of the form sheets"), self.forms_password)
        form.addRow(t("Approval workbook"), self.split)
        form.addRow(t("Application forms for"), self.scope)
        note = QLabel(t("Passwords are kept until the program closes and are never saved."))
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        # a row's label above its field when the dialog is narrower than both side by side
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        fit_to_screen(self, (max(self.sizeHint().width(), 480), self.sizeHint().height()), centred=True)

    def options(self) -> ExportOptions:
        return ExportOptions(self.open_password.text(), self.protect_password.text(), self.forms_password.text(),
                             self.split.currentData(), self.scope.currentData() or "route")
