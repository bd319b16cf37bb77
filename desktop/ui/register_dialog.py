"""The rating register in the window: where it is (a file on this computer, or the team's register on a
database server, with a connection test) and the team's views of it (reviews due, a customer's history
with who rated and who approved).

Every reading runs in the engine process (desktop.session's RegisterCheck, ReviewsDueRequest,
HistoryRequest through the main window's job queue): the window never opens the register itself,
never loads the database driver, and a server that does not answer is waited for by the engine (a
few seconds' connect timeout), not by the window.

Passwords: a team register's address is shown everywhere as ``shown(url)`` (the password as ***). A
password typed in the address is moved to the password field (shown as dots) and kept in memory for
this session only, never in the settings file (plain text that backups, support copies and other
accounts may read): the pgpass file or PGPASSWORD, set up by IT, is the way not to type it again.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.io.register import is_team_url, is_url, shown, url_password, without_password
from desktop.ui.colors import colours
from desktop.ui.models import amount_text
from desktop.ui.screen import fit_to_screen


def with_password(url: str, password: str) -> str:
    """``url`` with ``password`` for libpq (as ``password=`` in its query; percent-encoded), for the
    engine only: nothing shows this text (``shown`` masks it)."""
    if not password or url_password(url):
        return url
    return f"{url}{'&' if '?' in url else '?'}password={quote(password, safe='')}"


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if v is None else str(v)))  # data as text, never markup
    table.resizeColumnsToContents()


class RegisterSettings(QDialog):
    """文件 > 评级登记簿设置…: a file on this computer, or the team's register on a database server
    (its address and, optionally, a password for this session), and 连接测试."""

    tested = Signal(str)  # what the result line now says (tests wait on it)

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        t = self.t = window.t
        self.setWindowTitle(t("Rating register settings"))
        current = window.settings.register_path()

        self.use_file = QRadioButton(t("A file on this computer (one clerk)"))
        self.use_team = QRadioButton(t("The team's register on a database server"))
        group = QButtonGroup(self)
        for b in (self.use_file, self.use_team):
            group.addButton(b)
            b.toggled.connect(self._enable)
        self.path = QLineEdit()
        self.browse = QPushButton(t("Browse…"))
        self.browse.clicked.connect(self._browse)
        self.url = QLineEdit()
        self.url.setPlaceholderText(t("postgresql://user@server:5432/database"))
        self.url.editingFinished.connect(self._take_password)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(t("Empty: the password file (pgpass) or PGPASSWORD gives it"))
        self.password_note = QLabel(t("A password typed here is kept only while the program is open, never in the "
                                      "settings file (a plain text file): ask IT for a pgpass file so that you "
                                      "need not type it."))
        self.password_note.setWordWrap(True)
        self.test_button = QPushButton(t("Connection test"))
        self.test_button.setObjectName("register_test")
        self.test_button.clicked.connect(self.test)
        self.result = QLabel()
        self.result.setObjectName("register_test_result")
        self.result.setTextFormat(Qt.TextFormat.PlainText)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        grid = QGridLayout()
        grid.addWidget(self.use_file, 0, 0, 1, 3)
        grid.addWidget(QLabel(t("File")), 1, 0)
        grid.addWidget(self.path, 1, 1)
        grid.addWidget(self.browse, 1, 2)
        grid.addWidget(self.use_team, 2, 0, 1, 3)
        grid.addWidget(QLabel(t("Address")), 3, 0)
        grid.addWidget(self.url, 3, 1, 1, 2)
        grid.addWidget(QLabel(t("Password")), 4, 0)
        grid.addWidget(self.password, 4, 1, 1, 2)
        grid.addWidget(self.password_note, 5, 1, 1, 2)
        grid.setColumnStretch(1, 1)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addLayout(test_row)
        layout.addWidget(self.result)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

        if is_url(current):
            self.use_team.setChecked(True)
            self.url.setText(str(without_password(current)))
            self.password.setText(url_password(current) or window.register_password)
            from desktop.paths import default_register_path
            self.path.setText(str(default_register_path()))
        else:
            self.use_file.setChecked(True)
            self.path.setText(current)
        self._enable()
        window.busy_changed.connect(self._busy)
        fit_to_screen(self, (640, 380))

    # ------------------------------------------------------------------ the choice
    def _enable(self) -> None:
        team = self.use_team.isChecked()
        for w in (self.path, self.browse):
            w.setEnabled(not team)
        for w in (self.url, self.password, self.password_note):
            w.setEnabled(team)

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, self.t("Rating register location"), self.path.text(),
                                              self.t("Rating register (*.sqlite)"),
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if name:
            self.path.setText(name)

    def _take_password(self) -> None:
        """A password typed in the address goes to the password field: the address never shows it."""
        text = self.url.text().strip()
        if is_url(text) and url_password(text):
            self.password.setText(url_password(text))
            self.url.setText(str(without_password(text)))
            self.password_note.setText(self.t("The password typed in the address was moved to the password field: "
                                              "it is kept only while the program is open, never in the settings "
                                              "file."))

    def location(self) -> str | Path:
        """What the jobs are given: a file's path, or the address with this session's password."""
        if self.use_team.isChecked():
            self._take_password()
            return with_password(self.url.text().strip(), self.password.text())
        return Path(self.path.text().strip())

    def _refusal(self) -> str:
        """Why the choice cannot be used ('' when it can), in the window's language."""
        from desktop.errors import CreditDeskError
        from desktop.messages import Message
        lang = self.window_.language.code
        if self.use_team.isChecked():
            url = self.url.text().strip()
            if not is_team_url(url):  # not an address, or another kind's (postgres-ql://, http://)
                return Message("error.register.pg_bad_url", {"file": shown(url)}).text(lang)
            return ""
        if not self.path.text().strip():
            return self.t("Choose the register's file.")
        from desktop.io.register import refuse_network
        try:  # on a share or a network drive: refused now, not at the first rating
            refuse_network(self.path.text().strip(), choosing=True)
        except CreditDeskError as exc:
            return exc.text(lang)
        return ""

    def accept(self) -> None:
        refusal = self._refusal()
        if refusal:
            self._say(refusal, error=True)
            return
        location = self.location()
        w = self.window_
        w.settings.save_register_path(str(location))  # never a password (Settings.save_register_path)
        w.register_password = self.password.text() if self.use_team.isChecked() else ""
        w.statusBar().showMessage(w.t("Ratings are now recorded in ") + shown(location), 10000)
        w.register_changed.emit(shown(location))
        super().accept()

    # ------------------------------------------------------------------ 连接测试
    def test(self) -> None:
        """Ask the engine to open the register read-only and say what it found (``show_checked``)."""
        from desktop.session import RegisterCheck
        refusal = self._refusal()
        if refusal:
            self._say(refusal, error=True)
            return
        self.test_button.setEnabled(False)
        self._say(self.t("Testing the connection…"))
        self.window_._run(RegisterCheck(self.location()), self.show_checked)

    def _busy(self, busy: bool) -> None:
        if not busy:
            self.test_button.setEnabled(True)

    def show_checked(self, r) -> None:
        """A session.RegisterChecked in words."""
        t = self.t
        if r.error:
            message = r.error.get(self.window_.language.code) or r.error.get("en", "")
            self._say(t("Connection failed: {0}").format(message) if r.team else
                      t("The file cannot be read: {0}").format(message), error=True)
            return
        lines = []
        if not r.exists:
            lines.append(t("The file {0} does not exist yet: the first rating recorded creates it.").format(r.register))
        else:
            lines.append((t("Connected to {0}.") if r.team else t("File {0}.")).format(r.register))
            lines.append(t("Register format {0}; {1} entries; the latest is {2}.").format(r.version, r.entries, r.head)
                         if r.entries else t("Register format {0}; nothing recorded yet.").format(r.version))
        if r.team:
            if r.may_append:
                lines.append(t("The login {0} may record ratings and approvals (clerk).").format(r.user))
                if not r.may_read_key:
                    lines.append(t("It cannot read the register's key, which seals the approval forms: ask IT to "
                                   "grant it the clerk role."))
            else:
                lines.append(t("The login {0} may only read the register (auditor): a rating made with it cannot be "
                               "recorded, so it writes no file.").format(r.user))
        elif r.may_append:
            lines.append(t("Ratings can be recorded in it."))
        else:
            lines.append(t("The file or its folder is read-only: the register can be read, but no rating can be "
                           "recorded in it."))
        self._say("\n".join(lines))

    def _say(self, text: str, error: bool = False) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(f"color: {colours().error};" if error else "")
        self.tested.emit(text)


class RegisterView(QDialog):
    """评级 > 评级登记簿…: the team's reviews due and a customer's history, read in the engine from the
    register in the settings (``window.register_location()``)."""

    shown_due = Signal(object)  # session.ReviewsDue
    shown_history = Signal(object)  # session.HistoryDone
    failed = Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        t = self.t = window.t
        self.setWindowTitle(t("Rating register: reviews due and history"))
        self.where = QLabel()
        self.where.setTextFormat(Qt.TextFormat.PlainText)
        self.where.setWordWrap(True)
        self.tabs = QTabWidget()

        due = QWidget()
        self.due_on = QDateEdit()
        self.due_on.setCalendarPopup(True)
        self.due_on.setDisplayFormat("yyyy-MM-dd")
        self.due_on.setDate(QDate.currentDate())
        self.due_button = QPushButton(t("Show"))
        self.due_button.clicked.connect(self.show_due)
        self.due_table = _table([t("Customer ID"), t("Name"), t("Level"), t("Next review"), t("Rated as of"),
                                 t("Rating run")])
        self.due_count = QLabel()
        row = QHBoxLayout()
        row.addWidget(QLabel(t("Next review on or before")))
        row.addWidget(self.due_on)
        row.addWidget(self.due_button)
        row.addStretch(1)
        box = QVBoxLayout(due)
        box.addLayout(row)
        box.addWidget(self.due_table, 1)
        box.addWidget(self.due_count)
        self.tabs.addTab(due, t("Reviews due"))

        history = QWidget()
        self.customer = QLineEdit()
        self.customer.setPlaceholderText(t("Customer ID"))
        self.customer.returnPressed.connect(self.show_history)
        self.history_button = QPushButton(t("Show"))
        self.history_button.clicked.connect(self.show_history)
        self.history_table = _table([t("Rated as of"), t("Level"), t("Level change"), t("Score"),
                                     t("Recommended term"), t("Eligible limit"), t("Rated by"), t("Approval"),
                                     t("Approved by"), t("Rating run")])
        self.history_count = QLabel()
        self.history_count.setTextFormat(Qt.TextFormat.PlainText)
        row = QHBoxLayout()
        row.addWidget(QLabel(t("Customer ID")))
        row.addWidget(self.customer, 1)
        row.addWidget(self.history_button)
        box = QVBoxLayout(history)
        box.addLayout(row)
        box.addWidget(self.history_table, 1)
        box.addWidget(self.history_count)
        self.tabs.addTab(history, t("Customer history"))

        self.status = QLabel()
        self.status.setObjectName("register_view_status")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.show_register()
        window.register_changed.connect(self._register_changed)
        fit_to_screen(self, (900, 520))

    def _register_changed(self, *_args) -> None:
        """Another register chosen: what was read from the one before is not shown as this one's."""
        self._clear_due()
        self._clear_history()
        self.show_register()

    def _clear_due(self) -> None:
        _fill(self.due_table, [])
        self.due_count.setText("")

    def _clear_history(self) -> None:
        _fill(self.history_table, [])
        self.history_count.setText("")

    def show_register(self, *_args) -> None:
        self.where.setText(self.t("Register") + ("：" if self.window_.language.code == "zh" else ": ")
                           + shown(self.window_.register_location()))

    def show_due(self) -> None:
        from desktop.session import ReviewsDueRequest
        self.show_register()
        self._clear_due()  # a failed read leaves no earlier answer under its message
        self.status.setText(self.t("Reading the rating register…"))
        self.window_._run(ReviewsDueRequest(self.window_.register_location(), self.due_on.date().toPython()),
                          self.due_read)

    def due_read(self, done) -> None:
        _fill(self.due_table, [(d["customer_id"], d.get("name"), d.get("level"), d["next_review"], d.get("as_of"),
                                d.get("run_id")) for d in done.rows])
        self.due_count.setText(self.t("{0} customers due for review by {1}").format(len(done.rows), done.on))
        self._clear_status()
        self.shown_due.emit(done)

    def show_history(self) -> None:
        from desktop.session import HistoryRequest
        cid = self.customer.text().strip()
        if not cid:
            self.status.setText(self.t("Type the customer ID first."))
            return
        self.show_register()
        self._clear_history()  # a failed read leaves no earlier customer's rows under its message
        self.status.setText(self.t("Reading the rating register…"))
        self.window_._run(HistoryRequest(self.window_.register_location(), cid), self.history_read)

    def history_read(self, done) -> None:
        from desktop.io.writers.labels import Labels
        lab = Labels(self.window_.language.code if self.window_.language.code in ("zh", "en") else "zh")

        def approval(r: dict) -> tuple[str, str]:
            if not r.get("approvals"):
                return "", ""
            last = r["approvals"][-1]  # the latest read back for this run (a later one replaces an earlier)
            status = last.get("status")
            words = lab(f"status.{status}") if isinstance(status, str) and f"status.{status}" in _STATUS else status
            return words, "、".join(dict.fromkeys(str(a) for a in last.get("approvers") or []))

        rows = []
        for r in done.rows:
            status, approvers = approval(r)
            limit = r.get("limit")
            rows.append((r.get("as_of"), r.get("level"), r.get("level_change"), r.get("total"), r.get("term_days"),
                         amount_text(limit) if isinstance(limit, (int, float)) else limit, r.get("operator"), status,
                         approvers, r.get("run_id")))
        _fill(self.history_table, rows)
        self.history_count.setText(
            self.t("{0}: {1} ratings").format(done.customer_id, len(rows)) if rows else
            self.t("No rating of customer {0} in the register.").format(done.customer_id))
        self._clear_status()
        self.shown_history.emit(done)

    def _clear_status(self) -> None:
        self.status.setText("")
        self.status.setStyleSheet("")

    def show_error(self, message: str) -> None:
        self.status.setText(message)
        self.status.setStyleSheet(f"color: {colours().error};")
        self.failed.emit(message)


_STATUS = {f"status.{s}" for s in ("approved", "rejected", "returned", "pending", "invalid", "conflict")}
