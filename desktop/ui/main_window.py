"""The main window: import, rate, review, export, read approvals back.

Every job runs the same service the command line runs, in the engine process (see
desktop.engine); the window only shows progress and results, so it stays responsive however
large the workbooks are.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QElapsedTimer, QEvent, QModelIndex, Qt, QUrl, Signal
from PySide6.QtCore import QTimer as _QTimer
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyledItemDelegate,
    QTableView,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktop import __version__
from desktop.core.policy import Policy
from desktop.engine import Engine
from desktop.errors import CreditDeskError
from desktop.io.policy_file import load_policy
from desktop.io.sheets import SheetChoice
from desktop.session import (
    ApprovalsRequest,
    BacktestDone,
    BacktestRequest,
    ExportBacktest,
    ExportDetail,
    ExportForms,
    ExportIssues,
    ExportResults,
    HistoryRequest,
    Imported,
    ImportRequest,
    RateDone,
    RateRequest,
    ReviewsDueRequest,
    WhatIfDone,
    WhatIfRequest,
)
from desktop.ui.colors import colours
from desktop.ui.detail import detail_html
from desktop.ui.export_options import ExportOptions
from desktop.ui.i18n import Language
from desktop.ui.models import IssuesModel, ResultsModel, SheetsModel, amount_text, pinyin_sorted, selection_text
from desktop.ui.screen import ElidedLabel, breakable, fit_to_screen, free_area, largest
from desktop.ui.settings import Settings, user_data_dir
from desktop.ui.worker import start_worker

if TYPE_CHECKING:  # the window itself loads neither pandas nor the readers: the engine does
    from desktop.session import ApprovalsDone

FILE_FILTER = "Spreadsheets (*.xlsx *.xlsm *.xls *.ods *.csv *.txt)"


class KindDelegate(QStyledItemDelegate):
    """A drop-down for a sheet's kind."""

    def __init__(self, words: dict[str, str], parent=None):
        super().__init__(parent)
        self.words = words

    def createEditor(self, parent, option, index):  # noqa: N802
        combo = QComboBox(parent)
        combo.addItems(list(self.words.values()))
        # a choice counts the moment it is made: F5 pressed with the list still open must not lose it
        combo.activated.connect(lambda _i, c=combo: (self.commitData.emit(c), self.closeEditor.emit(c)))
        return combo

    def setEditorData(self, editor, index):  # noqa: N802
        editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole) or "")

    def setModelData(self, editor, model, index):  # noqa: N802
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


INTERNAL_ERRORS = {  # what the clerk is told about a bug (its traceback is in the log, never on screen)
    "before": "An internal error happened; nothing was changed.",
    "after": "An internal error happened after the job had started to save its work: check the files and the rating "
             "register before doing it again.",
    "window": "An internal error happened in the window; what it shows may be incomplete.",
    "start": "The window could not start because of an internal error.",
}


def internal_error_text(language: Language, situation: str, log: str, line: str = "") -> str:
    """One line in the clerk's language: an internal error (``situation``, a key of INTERNAL_ERRORS;
    or ``line``, already in the clerk's language) happened, what it changed, and the log file that
    holds the detail (``log``; "" when none)."""
    where = language.text("The details are in the log file {0}.").format(log) if log else \
        language.text("No log file could be written.")
    return (line or language.text(INTERNAL_ERRORS[situation])) + ("" if language.code == "zh" else " ") + where


def add_diagnostics_buttons(box: QMessageBox, language: Language, details: str) -> None:
    """The internal-error box's buttons for IT: 复制诊断信息 puts ``details`` (desktop.diagnostics.details)
    on the clipboard and says so in the box, which stays open; 打开日志文件夹 opens the log folder (when
    there is one)."""
    from desktop.diagnostics import log_folder
    hint = box.informativeText()
    copy = box.addButton(language.text("Copy details"), QMessageBox.ButtonRole.ActionRole)
    copy.setObjectName("copy_details")
    copy.clicked.disconnect()  # the box's own reaction, closing it: the clerk may open the folder next

    def copied() -> None:
        QGuiApplication.clipboard().setText(details)
        box.setInformativeText(hint + "\n" + language.text("The details are on the clipboard: paste them into a "
                                                           "message to your administrator."))
    copy.clicked.connect(copied)
    folder = log_folder()
    if folder.is_dir():
        opener = box.addButton(language.text("Open log folder"), QMessageBox.ButtonRole.ActionRole)
        opener.setObjectName("open_log_folder")
        opener.clicked.disconnect()
        opener.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))


def qt_versions() -> dict[str, str]:
    """The Qt line of the diagnostic details."""
    import PySide6
    from PySide6.QtCore import qVersion
    return {"Qt": f"PySide6 {PySide6.__version__}, Qt {qVersion()}, platform {QGuiApplication.platformName()}"}


def internal_error_hint(language: Language, log: str) -> str:
    return language.text("Please send the log file to your administrator." if log else
                         "Please tell your administrator what you were doing when it happened.")


def _key(files, choices, as_of: date, policy_path: Path | None, policy: Policy | None) -> tuple:
    """The files, sheet choices, as-of date and policy a rating is made from, comparable."""
    return (tuple(str(Path(f).resolve()) for f in files),
            tuple(sorted(((str(Path(c.path).resolve()), str(c.sheet)), c.kind, c.header_row,
                          tuple(sorted((c.columns or {}).items()))) for c in choices)),
            as_of, str(policy_path or ""), _stamp(policy_path), policy)  # an edited policy by its content


def _stamp(path: Path | None) -> tuple | None:
    """A policy file's size and time: the file saved again (by the policy editor over the file in
    use, or by another program) is another policy, and the rating made with the old one is out of date."""
    try:
        st = os.stat(path) if path is not None else None
    except OSError:
        return None
    return None if st is None else (st.st_size, st.st_mtime_ns)


def _inputs_of(reading: ImportRequest) -> tuple[list[Path], dict]:
    """The window's files and choices (keyed by file and sheet) that ``reading`` reads."""
    return list(reading.files), {(c.path, c.sheet): c for c in reading.choices}


FIT_DELAY_MS = 30  # after a rating, before the issues' and the results' columns are fitted


class MainWindow(QMainWindow):
    """The window shows what the session in the engine holds, never a state it has dropped.

    ``files`` and ``choices`` are what the clerk asked for; ``_read`` is what the session's last
    import read. A change of files, sheet kinds, mappings, as-of date or policy marks the rating
    on screen out of date at once (banner, exports disabled; what-if still compares a policy with the
    rating on screen, while the session holds it) until it is rated again;
    a cancelled or failed import puts the clerk's files and choices back as they were.
    """

    imported = Signal(object)  # session.Imported
    rated = Signal(object)  # session.RateDone
    exported = Signal(list)  # paths written
    approvals_read = Signal(object)  # session.ApprovalsDone
    stale_changed = Signal(bool)  # the rating on screen is (no longer) out of date
    what_if_done = Signal(int, int)
    backtested = Signal(object)  # session.BacktestDone
    failed = Signal(str, str)  # message, kind
    _uncaught = Signal()  # an exception nobody caught (any thread): shown on the GUI thread
    cancelled = Signal()
    busy_changed = Signal(bool)
    register_changed = Signal(str)  # the register setting changed: where it is now, as shown (never a password)
    progress_shown = Signal(str, float)  # the progress display was refreshed: stage, fraction
    FIRST_SIZE = (1280, 800)  # px: the window's size the first time (less where the screen is smaller)

    def __init__(self, language: Language, settings: Settings | None = None):
        super().__init__()
        self.language = language
        self.settings = settings or Settings()
        self.files: list[Path] = []
        self.choices: dict[tuple[Path, str], SheetChoice] = {}
        self.import_result: Imported | None = None
        self.result: RateDone | None = None
        self.stale = False  # the rating on screen is not what the inputs and settings now give
        self._rated_key: tuple = ()  # _rating_key() when the rating on screen was made
        self._rating_gone = False  # the session no longer holds the rating on screen
        self._read: tuple[list[Path], dict] = ([], {})  # files and choices the session's import read
        self.export_options = ExportOptions()
        self.results_path: Path | None = None
        self.policy_path: Path | None = Path(self.settings.policy_path()) if self.settings.policy_path() else None
        self.policy_override: Policy | None = None
        self.engine = Engine()
        self.worker = None
        self._pending: list[tuple] = []  # jobs asked for while one runs, in order
        self._on_result = None
        self.thread = None
        self._last_job = None  # (worker, thread) kept alive until its thread has finished
        self.passwords: dict[str, str] = {}  # encrypted inputs: resolved path -> password (memory only)
        self.register_password = ""  # a team register's password typed in this session (memory only, never saved)
        self._internal_box: QMessageBox | None = None  # the internal-error box on screen
        self.diagnostics = ""  # the details its 复制诊断信息 copies (desktop.diagnostics.details)
        self._uncaught.connect(self._show_uncaught, Qt.ConnectionType.QueuedConnection)
        self.setAcceptDrops(True)
        self._build()
        self.retranslate()
        geometry, state = self.settings.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
            # a layout saved while the toolbar could still be hidden or moved: it is back at the top
            self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.main_toolbar)
            self.main_toolbar.show()
        self._fit_to_screen(restored=geometry is not None)

    # ---------------------------------------------------------------- construction
    def _build(self) -> None:
        self.sheets_model, self.results_model, self.issues_model = SheetsModel(self), ResultsModel(self), \
            IssuesModel(self)
        self.sheets_model.on_kind_changed = self._kind_changed

        self.sheets_view = QTableView()
        self.sheets_view.setModel(self.sheets_model)
        self.kind_delegate = KindDelegate({}, self)
        self.sheets_view.setItemDelegateForColumn(SheetsModel.KIND_COLUMN, self.kind_delegate)
        self.sheets_view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.sheets_view.doubleClicked.connect(self._sheet_double_clicked)
        self.sheets_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.sheets_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.sheets_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.sheets_dock = QDockWidget(self)
        self.sheets_dock.setObjectName("sheets")
        self.sheets_dock.setWidget(self.sheets_view)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.sheets_dock)

        self._copy_actions: list[tuple[QAction, QAction]] = []  # (copy, copy with headers) of each table
        self.issues_view = QTableView()
        self.issues_view.setModel(self.issues_model)
        self.issues_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # as found, first
        self.issues_view.setSortingEnabled(True)  # the model sorts itself: pinyin, numbers as numbers
        self.issues_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.issues_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.issues_view.horizontalHeader().setStretchLastSection(True)
        # columns fitted to some 100 rows from the top, not Qt's 1,000: measuring a thousand issues'
        # texts took half a second with the window still, as a large rating's results came in
        self.issues_view.horizontalHeader().setResizeContentsPrecision(100)
        self.issues_view.doubleClicked.connect(self.show_issue_customer)
        self._add_copy_actions(self.issues_view)
        self.severity_label, self.severity_filter, self.issues_shown = QLabel(), QComboBox(), QLabel()
        self.severity_filter.currentIndexChanged.connect(self._severity_changed)
        self.export_issues_button = QPushButton()
        self.export_issues_button.clicked.connect(self._export_issues_clicked)
        self.issues_model.modelReset.connect(self._update_issue_count)
        self.issues_model.layoutChanged.connect(self._update_issue_count)
        issues_panel = QWidget()
        panel = QVBoxLayout(issues_panel)
        panel.setContentsMargins(0, 0, 0, 0)
        issues_bar = QHBoxLayout()
        for widget in (self.severity_label, self.severity_filter, self.issues_shown):
            issues_bar.addWidget(widget)
        issues_bar.addStretch(1)
        issues_bar.addWidget(self.export_issues_button)
        panel.addLayout(issues_bar)
        panel.addWidget(self.issues_view, 1)
        self.issues_dock = QDockWidget(self)
        self.issues_dock.setObjectName("issues")
        self.issues_dock.setWidget(issues_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.issues_dock)

        self.level_filter, self.sales_filter, self.route_filter = QComboBox(), QComboBox(), QComboBox()
        self.group_filter = QComboBox()  # every customer, those in no group, or one group's members
        # as wide as six characters, whatever the names: the bar fits 1366 pixels, the list shows names whole
        self.group_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.group_filter.setMinimumContentsLength(6)
        self.exceeds_filter = QCheckBox()
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        for combo in self._filter_combos():
            combo.currentIndexChanged.connect(self._apply_filter)
        self.exceeds_filter.toggled.connect(self._apply_filter)
        self.search.textChanged.connect(self._apply_filter)
        self.filter_labels = [QLabel(), QLabel(), QLabel(), QLabel(), QLabel()]
        bar = QHBoxLayout()
        for label, w in zip(self.filter_labels, (*self._filter_combos(), self.search)):
            bar.addWidget(label)
            bar.addWidget(w)
        bar.addWidget(self.exceeds_filter)
        self.changed_label = QLabel()  # the what-if's changed customers shown (see show_changed_customers)
        self.changed_label.setVisible(False)
        bar.addWidget(self.changed_label)
        self.clear_filter_button = QPushButton()
        self.clear_filter_button.clicked.connect(self.clear_filters)
        bar.addWidget(self.clear_filter_button)
        bar.addStretch(1)
        self.act_clear_filters = QAction(self, shortcut=QKeySequence("Esc"), triggered=self.clear_filters)
        self.act_clear_filters.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # Esc in the search box
        self.search.addAction(self.act_clear_filters)

        self.table = QTableView()
        self.table.setModel(self.results_model)
        self.table.setSortingEnabled(True)
        # Column widths from the rows on screen, not the first thousand (Qt's default): every
        # cell measured is a call into Python, and fitting must not hold the window up.
        self.table.horizontalHeader().setResizeContentsPrecision(0)
        # Cells, rows and ranges, as in Excel (click, Ctrl/Shift+click, Shift+arrows, Ctrl+A; Ctrl+C copies
        # them); the customers of the rows holding a selected cell are the selected customers.
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self._add_copy_actions(self.table)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._detail_link)  # a group member's ID in the group panel
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([760, 420])
        self.banner = QWidget()
        self.banner.setObjectName("staleBanner")
        self._apply_colours()
        bl = QHBoxLayout(self.banner)
        bl.setContentsMargins(8, 4, 8, 4)
        self.banner_text = QLabel()
        self.banner_button = QPushButton()
        self.banner_button.clicked.connect(self.rate)
        bl.addWidget(self.banner_text, 1)
        bl.addWidget(self.banner_button)
        self.banner.setVisible(False)
        self.banner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        central = QWidget()
        cv = QVBoxLayout(central)
        cv.setContentsMargins(4, 4, 4, 4)
        cv.addWidget(self.banner)
        cv.addLayout(bar)
        cv.addWidget(split, 1)
        self.setCentralWidget(central)

        self.as_of = QDateEdit(QDate.currentDate())
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        from desktop.core.models import FIRST_DAY, LAST_DAY  # the dates a rating can be about
        self.as_of.setDateRange(QDate(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day),
                                QDate(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day))
        self.as_of.dateChanged.connect(lambda _d: self._refresh_stale())
        self.policy_label = ElidedLabel()  # the toolbar's first to give way: a long file name is elided
        self.as_of_label = QLabel()

        self.act_open = QAction(self, shortcut=QKeySequence.StandardKey.Open, triggered=self.open_files)
        self.act_rate = QAction(self, shortcut=QKeySequence("F5"), triggered=self.rate)
        self.act_export = QAction(self, shortcut=QKeySequence.StandardKey.Save,
                                  triggered=lambda: self.export_results())
        self.act_forms = QAction(self, shortcut=QKeySequence("Ctrl+E"), triggered=lambda: self.export_forms())
        self.act_detail = QAction(self, triggered=lambda: self.export_detail())
        self.act_detail_selected = QAction(self, triggered=lambda: self.export_detail(selected=True))
        self.act_export_shown = QAction(self, triggered=lambda: self.export_results(shown=True))
        self.act_forms_shown = QAction(self, triggered=lambda: self.export_forms(shown=True))
        self.act_export_issues = QAction(self, triggered=lambda: self.export_issues())
        self.act_find = QAction(self, shortcut=QKeySequence.StandardKey.Find, triggered=self.focus_search)
        self.act_approvals = QAction(self, shortcut=QKeySequence("Ctrl+R"), triggered=self.read_approvals)
        self.act_policy = QAction(self, shortcut=QKeySequence("Ctrl+P"), triggered=self.edit_policy)
        self.act_backtest = QAction(self, triggered=self.show_backtest)  # 评级 > 回测…
        self.act_choose_policy = QAction(self, triggered=self.choose_policy)
        self.act_clear = QAction(self, triggered=self.clear_files)
        self.act_remove = QAction(self, shortcut=QKeySequence.StandardKey.Delete, triggered=self.remove_selected_files)
        self.act_remove.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.act_options = QAction(self, triggered=self.edit_export_options)
        self.act_profiles = QAction(self, triggered=self.manage_profiles)  # 文件 > 映射方案…
        self.act_register = QAction(self, triggered=self.choose_register)  # 文件 > 评级登记簿位置…
        self.act_register_settings = QAction(self, triggered=self.register_settings)  # 文件 > 评级登记簿设置…
        self.act_register_view = QAction(self, triggered=self.show_register_view)  # 评级 > 评级登记簿…
        self.sheets_view.addAction(self.act_remove)
        self.act_quit = QAction(self, shortcut=QKeySequence.StandardKey.Quit, triggered=self.close)
        self.act_about = QAction(self, triggered=self.about)
        self.act_help = QAction(self, shortcut=QKeySequence("F1"), triggered=self.show_help)
        self.act_zh = QAction("中文", self, checkable=True, triggered=lambda: self.switch_language("zh"))
        self.act_en = QAction("English", self, checkable=True, triggered=lambda: self.switch_language("en"))

        self.menu_file = self.menuBar().addMenu("")
        self.recent_menu = self.menu_file.addMenu("")
        for a in (self.act_open, self.act_remove, self.act_clear, None, self.act_export, self.act_forms,
                  self.act_export_shown, self.act_forms_shown, self.act_detail, self.act_detail_selected,
                  self.act_export_issues, self.act_options, self.act_approvals, None,
                  self.act_register, self.act_register_settings, None, self.act_quit):
            self.menu_file.addSeparator() if a is None else self.menu_file.addAction(a)
        self.menu_file.insertMenu(self.act_clear, self.recent_menu)
        after_clear = self.menu_file.actions()[self.menu_file.actions().index(self.act_clear) + 1]
        self.menu_file.insertAction(after_clear, self.act_profiles)
        self.menu_rating = self.menuBar().addMenu("")
        for a in (self.act_rate, self.act_policy, self.act_choose_policy, None, self.act_backtest,
                  self.act_register_view):
            self.menu_rating.addSeparator() if a is None else self.menu_rating.addAction(a)
        self.menu_view = self.menuBar().addMenu("")
        self.menu_view.addAction(self.sheets_dock.toggleViewAction())
        self.menu_view.addAction(self.issues_dock.toggleViewAction())
        self.menu_view.addSeparator()
        self.menu_view.addAction(self.act_find)
        self.menu_view.addAction(self.act_clear_filters)
        self.menu_lang = self.menu_view.addMenu("")
        self.menu_lang.addAction(self.act_zh)
        self.menu_lang.addAction(self.act_en)
        self.menu_help = self.menuBar().addMenu("")
        self.menu_help.addAction(self.act_help)
        self.menu_help.addAction(self.act_about)

        # The as-of date and the policy first: a toolbar too narrow for its items moves the last
        # ones into its overflow menu, and these two must stay in sight (the buttons are in the
        # menus too, with their shortcuts). Fixed at the top: it cannot be hidden, moved or floated.
        tb = QToolBar(self)
        tb.setObjectName("main")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tb.setMovable(False)
        tb.setFloatable(False)
        tb.toggleViewAction().setVisible(False)
        tb.addWidget(self.as_of_label)
        tb.addWidget(self.as_of)
        tb.addSeparator()
        tb.addWidget(self.policy_label)
        tb.addSeparator()
        for a in (self.act_open, self.act_rate, self.act_export, self.act_forms, self.act_approvals,
                  self.act_policy, self.act_backtest):
            tb.addAction(a)
        self.addToolBar(tb)
        self.main_toolbar = tb

        self.stage = QLabel()
        self._stage, self._fraction = "", 0.0
        self._job_started = QElapsedTimer()
        self._clock = _QTimer(self)
        self._clock.setInterval(250)
        self._clock.timeout.connect(self._show_progress)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setRange(0, 100)
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.cancel)
        self.counts = QLabel()
        self.totals = QLabel()  # eligible limit, open AR and overdue of the rows shown
        sb = self.statusBar()
        sb.addWidget(self.counts, 1)
        sb.addWidget(self.totals)
        sb.addPermanentWidget(self.stage)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_button)
        self._set_busy(False)

    # ---------------------------------------------------------------- language
    def t(self, text: str) -> str:
        return self.language.text(text)

    def retranslate(self) -> None:
        t, lang = self.t, self.language.code
        self.setWindowTitle(t("Credit Desk — customer credit rating") + f"  {__version__}")
        for action, text in ((self.act_open, "&Open workbooks…"), (self.act_rate, "&Rate"),
                             (self.act_export, "Export &results…"), (self.act_forms, "Export &approval forms…"),
                             (self.act_detail, "Export &working papers…"),
                             (self.act_detail_selected, "Export working papers of the selected customers…"),
                             (self.act_approvals, "Read filled approvals…"), (self.act_policy, "&Policy editor…"),
                             (self.act_choose_policy, "Choose policy file…"), (self.act_clear, "Clear files"),
                             (self.act_remove, "Remove selected files"), (self.act_options, "Export options…"),
                             (self.act_quit, "&Quit"), (self.act_about, "&About Credit Desk"),
                             (self.act_help, "&User guide")):
            action.setText(t(text))
        self.act_profiles.setText(t("Mapping profiles…"))
        self.act_backtest.setText(t("Back-test…"))
        self.act_register.setText(t("Rating register location…"))
        self.act_register_settings.setText(t("Rating register settings (file or team server)…"))
        self.act_register_view.setText(t("Rating register: reviews due and history…"))
        self.menu_file.setTitle(t("&File"))
        self.recent_menu.setTitle(t("Recent files"))
        self.menu_rating.setTitle(t("R&ating"))
        self.menu_view.setTitle(t("&View"))
        self.menu_lang.setTitle(t("Language"))
        self.menu_help.setTitle(t("&Help"))
        self.act_zh.setChecked(lang == "zh")
        self.act_en.setChecked(lang == "en")
        self.sheets_dock.setWindowTitle(t("Files and sheets"))
        self.issues_dock.setWindowTitle(t("Row issues"))
        self.as_of_label.setText(t("As of") + " ")
        self.cancel_button.setText(t("Cancel"))
        self.banner_text.setText(t("The data or settings have changed: this rating is out of date. Rate again (F5) "
                                   "before exporting."))
        self.banner_button.setText(t("Rate again (F5)"))
        for label, text in zip(self.filter_labels, ("Level", "Salesperson", "Route", "Group", "Search")):
            label.setText(t(text))
        self.exceeds_filter.setText(t("Exceeds policy only"))
        self.search.setPlaceholderText(t("customer ID, name, salesperson, group"))
        kinds = {"customers": t("Customers"), "ledger": t("Sales ledger"), "receipts": t("Receipts"),
                 "ignored": t("Not used")}
        self.sheets_model.kind_words = {**kinds, "unreadable": t("Cannot be read")}
        self.sheets_model.lang = lang
        self.kind_delegate.words = kinds
        self.sheets_model.headers = [t("File"), t("Sheet"), t("Read as"), t("Header row"), t("Rows read"),
                                     t("Used"), t("Rejected")]
        from desktop.io.writers.labels import CODE_WORDS, issue_text
        self.issues_model.words = lambda text: issue_text(text, lang)
        self.issues_model.severity_words = {"error": t("Error (not used)"), "warning": t("Warning (used)")}
        self.results_model.code_words = (lambda code: CODE_WORDS[code][0] if code in CODE_WORDS else code) \
            if lang == "zh" else (lambda code: code)
        self.issues_model.headers = [t("Severity"), t("File"), t("Sheet"), t("Row"), t("Column"), t("Value"),
                                     t("Problem"), t("Action")]
        self.route_words = {"none": t("None"), "sales_manager": t("Sales manager"),
                            "cfo_special": t("CFO (special term)")}
        self.results_model.set_headers(
            [t("Customer ID"), t("Name"), t("Salesperson"), t("Group"), t("Score"), t("By score"), t("Level"),
             t("Rules"),
             t("Recommended term"), t("Eligible limit"), t("Requested term"), t("Requested limit"), t("Open AR"),
             t("Overdue"), t("Route"),
             t("Exceeds"), t("Next review")], self.route_words, (t("Yes"), t("No")),
            {"level_after": t("Level after"), "term_after": t("Term after"), "limit_after": t("Limit after"),
             "route_after": t("Route after")})
        self.sheets_model.set_rows(self.sheets_model._rows)
        self.issues_model.refresh()
        self._retranslate_review()
        self._fill_filters()
        self._update_policy_label()
        self._update_counts()
        self._fill_recent()
        self._show_detail(self.table.currentIndex())
        self._show_changed_label()
        dialog = getattr(self, "_backtest_dialog", None)
        if dialog is not None:
            dialog.retranslate()

    def switch_language(self, code: str) -> None:
        self.language.switch(code)
        self.settings.save_language(code)
        self.retranslate()

    # ---------------------------------------------------------------- files
    def dragEnterEvent(self, event):  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_files(paths)

    def open_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, self.t("Open workbooks"), self.settings.last_folder(),
                                                FILE_FILTER)
        if names:
            self.add_files([Path(n) for n in names])

    def add_files(self, paths: list[Path]) -> None:
        from desktop.input_files import is_lock_file
        from desktop.messages import text
        locks = [p for p in paths if is_lock_file(p)]  # Excel's ~$ file beside an open workbook, dropped with it
        if locks:
            self.statusBar().showMessage(("" if self.language.code == "zh" else "; ").join(  # each zh note ends in 。
                text("input.skipped.lock_file", self.language.code, file=p.name) for p in locks), 15000)
            paths = [p for p in paths if not is_lock_file(p)]
            if not paths:
                return
        for p in paths:
            if p not in self.files:
                self.files.append(p)
        self.settings.add_recent(paths)
        self.settings.save_last_folder(paths[0].parent)
        self._fill_recent()
        self._refresh_stale()
        self.reimport()

    def clear_files(self) -> None:
        """Start over: no files, no rating (the session's tables are freed at the next import)."""
        self.files, self.choices = [], {}
        self._read = ([], {})
        self.import_result = self.result = None
        self.sheets_model.set_rows([])
        self.issues_model.set_rows([])
        self._reset_filters()
        self.results_model.set_rows([])
        self.detail.clear()
        self._set_stale(False)
        self._update_counts()

    def remove_selected_files(self) -> None:
        """Take the files of the selected rows in Files and sheets out (an unreadable one, say)."""
        rows = {i.row() for i in self.sheets_view.selectionModel().selectedRows()} or \
            ({self.sheets_view.currentIndex().row()} if self.sheets_view.currentIndex().isValid() else set())
        gone = {Path(self.sheets_model.row_object(r).path) for r in rows if 0 <= r < self.sheets_model.rowCount()}
        if not gone:
            return
        keys = {str(p.resolve()) for p in gone}
        self.files = [f for f in self.files if str(f.resolve()) not in keys]
        self.choices = {k: c for k, c in self.choices.items() if str(Path(k[0]).resolve()) not in keys}
        if not self.files and not self.choices:
            self.clear_files()
            return
        self._refresh_stale()
        self.reimport()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for p in self.settings.recent_files():
            self.recent_menu.addAction(p, lambda p=p: self.add_files([Path(p)]))

    def _kind_changed(self, source, kind: str) -> None:
        """The clerk says what a sheet is (Read as). When its headers do not fit that kind (renamed
        headers), the mapping dialog opens on that kind with every header it knows mapped: the
        sheet is read when the clerk has mapped the rest (Cancel changes nothing)."""
        from desktop.io.headers import KINDS
        if kind in KINDS and not self._headers_fit(source, kind):
            import dataclasses
            # the new kind's headers, not the columns the sheet was read with as another kind
            self.map_columns(dataclasses.replace(source, kind=kind, header_row=None, columns={}))
            return
        path = Path(source.path)
        self.choices[(path, source.sheet)] = SheetChoice(path, source.sheet, kind)
        self._refresh_stale()
        self.reimport()

    @staticmethod
    def _headers_fit(source, kind: str) -> bool:
        from desktop.io.headers import HEADER_SCAN_ROWS, detect_header
        from desktop.io.workbook import read_file
        try:
            raw = read_file(Path(source.path), max_rows=HEADER_SCAN_ROWS)
            sheet = next(s for s in raw.sheets if s.name == source.sheet)
        except Exception:  # noqa: BLE001  (a password, a file gone: the import says what it is)
            return True
        return detect_header(sheet.head(HEADER_SCAN_ROWS), kind) is not None

    def _sheet_double_clicked(self, index: QModelIndex) -> None:
        if index.column() != SheetsModel.KIND_COLUMN:
            self.map_columns(self.sheets_model.row_object(index.row()))

    def map_columns(self, source) -> QDialog | None:
        from desktop.io.headers import HEADER_SCAN_ROWS
        from desktop.io.mapping_profiles import ProfileStore
        from desktop.io.workbook import read_file
        from desktop.ui.mapping_dialog import MappingDialog

        raw = read_file(source.path, max_rows=HEADER_SCAN_ROWS)  # a preview: the first rows only
        sheet = next(s for s in raw.sheets if s.name == source.sheet)
        words = {f"kind.{k}": v for k, v in self.sheets_model.kind_words.items()}
        words.update(self.language.field_words())
        policy = self.policy_override
        if policy is None:
            try:
                policy = load_policy(self.policy_path)  # the fields the rating reads depend on its rules
            except Exception:  # an invalid policy file is said when rating; the default's fields meanwhile
                policy = None
        dialog = MappingDialog(Path(source.path), sheet, source.kind, words, self, lang=self.language.code,
                               policy=policy, in_use=(source.header_row, source.columns),
                               profiles=user_data_dir())
        self._mapping_dialog = dialog  # tests drive it

        def accepted() -> None:
            choice = dialog.choice()
            self.choices[(choice.path, choice.sheet)] = choice
            profile = dialog.profile()
            if profile is not None:
                store = ProfileStore(user_data_dir())
                try:
                    store.save(profile)
                except (OSError, CreditDeskError):  # the mapping is used all the same; the clerk is told
                    from desktop.diagnostics import LOG
                    from desktop.messages import text
                    LOG.warning("mapping profile not saved to %s", store.path, exc_info=True)
                    self._inform("Column mapping", text("mapping.profile_not_written", self.language.code,
                                                        file=str(store.path)))
            self._refresh_stale()
            self.reimport()
        dialog.accepted.connect(accepted)
        dialog.open()
        return dialog

    def choose_register(self) -> Path | None:
        """文件 > 评级登记簿位置…: the rating register file every rating is recorded in (a new name
        starts a new register there; the ratings recorded before stay in the old file)."""
        from desktop.io.register import is_url
        from desktop.paths import default_register_path
        current = self.settings.register_path()
        if is_url(current):  # the team register now: a file is proposed where the desktop one goes
            current = str(default_register_path())
        name, _ = QFileDialog.getSaveFileName(self, self.t("Rating register location"), current,
                                              self.t("Rating register (*.sqlite)"),
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if not name:
            return None
        from desktop.io.register import refuse_network
        try:  # on a share or a network drive: refused now, not at the first rating
            refuse_network(name, choosing=True)
        except CreditDeskError as exc:
            self._inform("Rating register location", exc.text(self.language.code))
            return None
        self.settings.save_register_path(name)
        self.register_password = ""
        self.statusBar().showMessage(self.t("Ratings are now recorded in ") + name, 10000)
        self.register_changed.emit(name)
        return Path(name)

    def register_location(self) -> str | Path:
        """The register the jobs record in and read: the settings' file, or its team register's URL with
        the password typed in this session (for the engine only: every text shows ``shown()`` of it)."""
        from desktop.io.register import is_url
        from desktop.ui.register_dialog import with_password
        location = self.settings.register_location()
        return with_password(location, self.register_password) if is_url(location) else location

    def register_settings(self) -> QDialog:
        """文件 > 评级登记簿设置…: a file on this computer or the team's register on a database server,
        with 连接测试 (desktop.ui.register_dialog)."""
        from desktop.ui.register_dialog import RegisterSettings
        dialog = self._register_settings = RegisterSettings(self)  # tests drive it
        dialog.open()
        return dialog

    def show_register_view(self) -> QDialog:
        """评级 > 评级登记簿…: the team's reviews due and a customer's history, beside the window."""
        from desktop.ui.register_dialog import RegisterView
        dialog = getattr(self, "_register_view", None)
        if dialog is None or (not dialog.isVisible() and dialog.lang != self.language.code):
            dialog = self._register_view = RegisterView(self)
            dialog.lang = self.language.code
        dialog.show()
        dialog.raise_()
        return dialog

    def manage_profiles(self) -> QDialog:
        """文件 > 映射方案…: the saved mapping profiles, to see, rename and delete."""
        from desktop.ui.profile_manager import ProfileManager
        words = {f"kind.{k}": v for k, v in self.sheets_model.kind_words.items()}
        words.update(self.language.field_words())
        manager = ProfileManager(user_data_dir(), words, self, lang=self.language.code)
        self._profile_manager = manager  # tests drive it
        manager.changed.connect(self._profiles_changed)
        manager.open()
        return manager

    def _profiles_changed(self) -> None:
        """A profile renamed or deleted: the sheets on screen are read again with the profiles left
        (the session sees the change too, so a rating made with a deleted profile is out of date)."""
        if self.files:
            self._refresh_stale()
            self.reimport()

    def _record_profile_uses(self, sheets) -> None:
        """The profiles this import read sheets with remember them (shown in the profile manager)."""
        from desktop.ui.profile_manager import record_uses
        record_uses(user_data_dir(), sheets)

    # ---------------------------------------------------------------- out of date
    def _rating_key(self) -> tuple:
        """What a rating is made of, as the clerk has set it up now."""
        return _key(self.files, self.choices.values(), self._as_of(), self.policy_path, self.policy_override)

    def _refresh_stale(self) -> None:
        """Out of date when the inputs or settings differ from the rating's, or the session dropped it."""
        self._set_stale(self.result is not None and (self._rating_gone or self._rating_key() != self._rated_key))

    def _set_stale(self, stale: bool) -> None:
        changed = stale != self.stale
        self.stale = stale
        self.banner.setVisible(stale and self.result is not None)
        self._enable_actions()
        if changed:
            self.stale_changed.emit(stale)

    def _enable_actions(self) -> None:
        busy = self.worker is not None
        importing = busy and isinstance(self.worker.request, ImportRequest)
        exportable = not busy and self.result is not None and not self.stale
        self.act_open.setEnabled(not busy)
        self.act_remove.setEnabled(not busy)
        self.act_clear.setEnabled(not busy)
        self.act_rate.setEnabled(not busy or importing)  # F5 while reading: the rating follows the import
        self.act_export.setEnabled(exportable)
        self.act_forms.setEnabled(exportable)
        self.act_detail.setEnabled(exportable)
        self.act_detail_selected.setEnabled(exportable)
        self.act_export_shown.setEnabled(exportable)
        self.act_forms_shown.setEnabled(exportable)
        self.act_export_issues.setEnabled(not busy)  # what the panel shows: no rating needed
        self.export_issues_button.setEnabled(not busy)
        self.act_approvals.setEnabled(not busy)

    # ---------------------------------------------------------------- jobs
    def _run(self, request, on_result) -> None:
        """Run ``request`` (a desktop.session request) in the engine; ``on_result`` gets its result."""
        if self.worker is not None:
            # A job is running or still finishing (its result may already be shown): run this
            # one after it, so a change the clerk makes meanwhile (or F5 while reading) is never dropped.
            self._pending.append((request, on_result))
            return
        if self._last_job is not None:  # the previous job's thread has ended or is ending: let it
            self._last_job[1].wait()
        worker, thread = start_worker(self.engine, request)
        self._last_job = (worker, thread)
        # Queued: every handler runs on the GUI thread, even plain functions and lambdas.
        queued = Qt.ConnectionType.QueuedConnection
        worker.progress.connect(self._progress, queued)
        # Bound methods only: a queued connection to a closure was now and then dropped by
        # PySide when the closure was collected, and the result never arrived.
        self._on_result = on_result
        worker.result.connect(self._job_result, queued)
        worker.error.connect(self._error, queued)
        worker.cancelled.connect(self._cancelled, queued)
        worker.password_needed.connect(self._ask_password, queued)
        worker.engine_restarted.connect(self._engine_restarted, queued)
        worker.finished.connect(self._finished, queued)
        self.worker, self.thread = worker, thread
        self._set_busy(True)
        thread.start()

    def _job_result(self, value) -> None:
        self._on_result(value)

    def _finished(self) -> None:
        self._set_busy(False)
        if self._pending:
            self._run(*self._pending.pop(0))

    def _engine_restarted(self) -> None:
        """A new engine process holds no session: the rating on screen is gone from it (the files
        and choices stay the clerk's: the next job reads them again)."""
        self._rating_gone = True
        self._refresh_stale()

    def _put_back_inputs(self) -> None:
        """A cancelled (or refused) import changed nothing: the files and choices are the session's again."""
        files, choices = self._read
        self.files, self.choices = list(files), dict(choices)
        self._refresh_stale()

    def _set_busy(self, busy: bool) -> None:
        if busy:
            self._stage, self._fraction = "", 0.0
            self._job_started.start()
            self._clock.start()
        else:
            self._clock.stop()
            self.worker = self.thread = None
            self.stage.setText("")
            self.progress.setValue(0)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self._enable_actions()
        self.busy_changed.emit(busy)

    def _progress(self, stage: str, fraction: float) -> None:
        self._stage, self._fraction = stage, fraction
        self._show_progress()

    def _show_progress(self) -> None:
        """The stage, its fraction and the time the job has taken, refreshed four times a second:
        a single step of a large import (reading a million-row sheet) takes seconds."""
        if self.worker is None:
            return
        names = {"policy": "Loading policy", "read": "Reading workbooks", "rate": "Rating", "register":
                 "Recording in the rating register", "outcome": "Reading the outcomes from the ledger",
                 "report": "Computing the back-test's figures", "reading_register": "Reading the rating register…",
                 "metrics":
                 "Computing ledger metrics", "scoring": "Scoring customers", "write": "Writing workbook",
                 "forms": "Writing forms", "committed": "Done", "done": "Done", "": "Starting…"}
        seconds = self._job_started.elapsed() // 1000
        text = self.t("Cancelling…") if self.worker.cancelling else self.t(names.get(self._stage, self._stage))
        self.stage.setText(f"{text}  {seconds // 60}:{seconds % 60:02d}")
        self.progress.setValue(int(self._fraction * 100))
        self.progress_shown.emit(self._stage, self._fraction)

    def cancel(self) -> None:
        """Stop the running job before its commit point, and drop the jobs waiting after it."""
        if self._pending and self.worker is None:
            self._pending.clear()
            self._cancelled()
            return
        self._pending.clear()
        if self.worker is not None:
            self.worker.cancel()
            self._show_progress()

    def _cancelled(self) -> None:
        if self.worker is None or isinstance(self.worker.request, ImportRequest):
            self._put_back_inputs()
        self.statusBar().showMessage(self.t("Cancelled; nothing was changed."), 8000)
        self.cancelled.emit()

    def _error(self, message: str | dict[str, str], kind: str) -> None:
        if isinstance(message, dict):  # the engine's message in every language: the window's is shown
            message = message.get(self.language.code) or message.get("en", "")
        request = getattr(self.worker, "request", None)
        dialog = getattr(self, "_backtest_dialog", None)
        if isinstance(request, (BacktestRequest, ExportBacktest)) and dialog is not None \
                and kind in ("input", "output", "register", "stale"):  # said in the back-test's view, with its own hint
            dialog.show_error(message, kind, export=isinstance(request, ExportBacktest))
            self.failed.emit(message, kind)
            return
        view = getattr(self, "_register_view", None)
        if isinstance(request, (ReviewsDueRequest, HistoryRequest)) and view is not None \
                and kind in ("input", "output", "register"):  # said in the register view, beside what was asked
            view.show_error(message)
            self.failed.emit(message, kind)
            return
        if self.worker is not None and isinstance(self.worker.request, ImportRequest):
            self._put_back_inputs()
        if kind == "stale":
            self._rating_gone = True
            self._refresh_stale()
        if kind == "needs_results":  # the forms' run is not in the register: ask for its results workbook
            asked = getattr(self, "_approvals_request", None)
            if asked is not None and asked.results is None:
                self._ask_results()
                return
            kind = "input"
        if kind in ("engine", "engine_after_commit"):  # the message is its exit code
            from desktop import diagnostics
            said = ("The work stopped: the engine process ended unexpectedly (exit code {0}). Nothing was written; "
                    "try again." if kind == "engine" else
                    "The engine process ended unexpectedly (exit code {0}) after the job had finished: what it "
                    "wrote and recorded stands; check the files and the register before doing it "
                    "again.")
            job = type(getattr(self.worker, "request", None)).__name__
            diagnostics.LOG.error("the engine process ended unexpectedly (exit code %s) during a job (%s)", message, job)
            log = diagnostics.log_file()  # the window's, which says when; the engine's last error goes to the details
            self._internal_error("engine", str(log or ""), self.t(said).format(message), said.format(message),
                                 diagnostics.last_logged_traceback(diagnostics.log_path("engine"),
                                                                   pid=getattr(self.engine, "pid", None)))
            return
        if kind in ("bug", "bug_after_commit"):  # the message is the log file holding the traceback
            self._internal_error("after" if kind == "bug_after_commit" else "before", message)
            return
        if kind == "policy":  # the file's problems, and a button that opens it in the policy editor
            self._policy_failed(getattr(getattr(self.worker, "request", None), "policy_path", None) or self.policy_path,
                                None, message)
            return
        titles = {"input": "Cannot read the input", "output": "Cannot write the file", "policy": "Invalid policy",
                  "stale": "Rate again", "bug": "Unexpected error", "register": "The rating register cannot be used"}
        hints = {"output": "Choose another name or folder, or close the file in the program that holds it, then try again.",
                 "register": "Check the register under File → Rating register settings (file or team server)… (a team "
                             "register's address and password), or ask IT to check the server.",
                 "input": "Check the file, or choose how its sheets are read in Files and sheets.",
                 "policy": "Open the policy editor to see and fix each problem.",
                 "stale": "The data or settings have changed since this rating; press F5 to rate again.",
                 "bug": "Please send this message to your administrator."}
        hint = hints[kind]
        if kind == "input" and isinstance(getattr(self.worker, "request", None), ApprovalsRequest):
            titles["input"], hint = "Cannot read the approvals", ("Only approval workbooks exported by this program "
                                                                 "(filled in Excel or another office program) can be "
                                                                 "read back.")
        box = QMessageBox(QMessageBox.Icon.Warning, self.t(titles[kind]), breakable(message), QMessageBox.StandardButton.Ok,
                          self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # a sheet or column named "<b>回款" is shown as it is, not as markup
        box.setInformativeText(self.t(hint))
        self._last_error_box = box
        box.open()
        self.failed.emit(message, kind)

    def report_internal_error(self) -> None:
        """An exception nobody caught (a slot, a thread: see desktop.diagnostics.install_hooks) was
        logged: tell the clerk. Safe to call from any thread."""
        self._uncaught.emit()

    def _show_uncaught(self) -> None:
        from desktop.diagnostics import last_traceback, log_file
        log = log_file()
        self._internal_error("window", str(log) if log else "", error=last_traceback())

    def _internal_error(self, situation: str, log: str, line: str = "", problem: str = "",
                        error: str | None = None) -> None:
        """One box for a bug, in the clerk's language; while it is open, further bugs are only logged
        (and reported by ``failed``), so a bug that repeats does not bury the window in boxes.

        ``line`` and ``problem``: what happened in the clerk's language and in English, when it is not
        ``situation``'s (a key of INTERNAL_ERRORS); ``error``: the traceback for the details IT is sent
        (default: this process's last when ``log`` is its log, else the last in ``log``)."""
        from desktop import diagnostics
        message = internal_error_text(self.language, situation, log, line)
        if self._internal_box is None:
            box = QMessageBox(QMessageBox.Icon.Critical, self.t("Internal error"), message,
                              QMessageBox.StandardButton.Ok, self)
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setInformativeText(internal_error_hint(self.language, log))
            if error is None:
                own = log and Path(log) == diagnostics.log_file()
                error = diagnostics.last_traceback() if own or not log else diagnostics.last_logged_traceback(log)
            where = f"; log: {log}" if log else "; no log file could be written"
            self.diagnostics = diagnostics.details((problem or INTERNAL_ERRORS[situation]) + where, error,
                                                   qt_versions())  # when it happened, not when copied
            add_diagnostics_buttons(box, self.language, self.diagnostics)
            box.finished.connect(self._internal_box_closed)
            self._internal_box = self._last_error_box = box
            box.open()
        self.failed.emit(message, "bug")

    def _internal_box_closed(self) -> None:
        self._internal_box = None

    def _ask_password(self, path: str, message: str | dict[str, str]) -> None:
        """An encrypted workbook: ask for its password, then read again (decrypted in memory only)."""
        from PySide6.QtWidgets import QInputDialog
        if isinstance(message, dict):  # in every language: the window's is asked
            message = message.get(self.language.code) or message.get("en", "")
        password, ok = QInputDialog.getText(self, self.t("Password"), message, QLineEdit.EchoMode.Password)
        if ok and password:
            self.passwords[str(Path(path).resolve())] = password
            _QTimer.singleShot(0, self.reimport)
        else:
            self._put_back_inputs()
            self.failed.emit(message, "password")

    def _reading(self) -> ImportRequest:
        """What the session is to read, as the clerk set it up (an unreadable file is listed, not fatal)."""
        return ImportRequest(tuple(self.files), tuple(self.choices.values()), self._as_of(), user_data_dir(),
                             dict(self.passwords), strict=False)

    def reimport(self) -> None:
        self._run(self._reading(), self._imported)

    def _imported(self, result: Imported) -> None:
        self._read = _inputs_of(self.worker.request if self.worker is not None else self._reading())
        self.import_result = result
        if result.rating_dropped:
            self._rating_gone = True
        self.sheets_model.set_rows(result.sheets)
        self.issues_model.set_rows(result.issues)
        self._fit_issue_columns()
        self._record_profile_uses(result.sheets)
        self._refresh_stale()
        self._update_counts()
        self.imported.emit(result)

    def _as_of(self) -> date:
        return self.as_of.date().toPython()

    def rate(self) -> None:
        if not self.files:
            self.open_files()
            if not self.files:
                return
        if self.worker is not None and isinstance(self.worker.request, ImportRequest):
            self.statusBar().showMessage(self.t("The rating starts when the files have been read."), 8000)
        request = RateRequest(self._reading(), self.policy_override, self.policy_path,
                              register=self.register_location())
        self._run(request, self._rated)

    def _rated(self, rated: RateDone) -> None:
        self.result = rated
        request = self.worker.request if self.worker is not None else None
        self._rated_key = self._rating_key() if request is None else self._key_of(request)
        self._rating_gone = False
        self._read = _inputs_of(request.reading) if request is not None else (list(self.files), dict(self.choices))
        self.import_result = Imported(rated.sheets, rated.issues)
        self.sheets_model.set_rows(rated.sheets)
        self.issues_model.set_rows(rated.issues)
        # Fitted in slices of their own a little later: zero-delay timers run back to back with the
        # result's own handling, and the window would not repaint (nor its timers tick) in between.
        _QTimer.singleShot(FIT_DELAY_MS, self._fit_issue_columns)
        cleared = self._reset_filters()  # the last rating's filter could hide every customer of this one
        self.results_model.set_rows(rated.rating.decisions, rated.counts["totals"])
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # customer-sheet order
        _QTimer.singleShot(2 * FIT_DELAY_MS, self._fit_columns)
        self._fill_filters()
        self._refresh_stale()
        self._update_counts()
        said = []
        if cleared:  # never a silent "0 of 42 shown"
            said.append(self.t("A new rating: the filters were cleared and every customer is shown."))
        if rated.run.register_head:  # where the run was recorded (a team's server, or this PC's file)
            from desktop.io.register import shown
            seq, _, digest = rated.run.register_head.partition(" ")
            where = getattr(request, "register", None) or self.settings.register_path()  # the job's, not today's setting
            said.append(self.t("Recorded in the rating register {0} as entry {1}.").format(
                shown(where), f"{seq} {digest[:12]}…"))  # in full on the audit sheet
        if said:
            self.statusBar().showMessage(("" if self.language.code == "zh" else " ").join(said), 10000)
        if self.results_model.rowCount():
            self.table.selectRow(0)
            self.table.scrollToTop()
        self.rated.emit(rated)

    def _key_of(self, request: RateRequest) -> tuple:
        """_rating_key() of the settings ``request`` was made from (the clerk may have changed them since)."""
        r = request.reading
        return _key(r.files, r.choices, r.as_of, request.policy_path, request.policy)

    def _fit_issue_columns(self) -> None:
        """The issues' columns as wide as their text on the rows on screen, each within a cap, so the
        problem column is read whole and the action column takes what is left (it stretches)."""
        view, fm = self.issues_view, self.issues_view.fontMetrics()
        caps = {6: 34}  # the problem: up to 34 characters' width, the others up to 12
        view.resizeColumnsToContents()
        for c in range(self.issues_model.columnCount() - 1):
            view.setColumnWidth(c, min(view.columnWidth(c), fm.horizontalAdvance("中") * caps.get(c, 12)))

    def _fit_columns(self) -> None:
        self.table.resizeColumnsToContents()  # measured on the rows on screen (see _build)
        self.table.setColumnWidth(self.results_model.keys.index("rules"), 260)

    def _save_name(self, title: str, default: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, title, str(Path(self.settings.last_folder()) / default),
                                              "Excel (*.xlsx)")
        return Path(name) if name else None

    def _inform(self, title: str, text: str) -> None:
        """A message the clerk closes; window-modal, so the event loop (and a running job) goes on."""
        box = QMessageBox(QMessageBox.Icon.Information, self.t(title), self.t(text), QMessageBox.StandardButton.Ok,
                          self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        self._last_info_box = box
        box.open()

    def _need_result(self) -> bool:
        if self.result is None:
            self._inform("Nothing rated yet", "Open the workbooks and rate first.")
            return False
        if self.stale:  # never export a rating the inputs or settings no longer give
            self._inform("Rate again", "The data or settings have changed since this rating; press F5 to rate again.")
            return False
        return True

    def export_results(self, path: Path | None = None, shown: bool = False) -> None:
        """The results workbook of every customer rated, or (``shown``) of those the filters show,
        which its summary sheet says (the same service writes both)."""
        if not self._need_result():
            return
        scope = self._filtered_scope() if shown else (None, "")
        if scope is None:
            return
        customers, words = scope
        default = f"评级结果 {self.result.rating.as_of}{'（筛选）' if customers is not None else ''}.xlsx"
        path = path or self._save_name(self.t("Save results workbook"), default)
        if path is None:
            return
        o = self.export_options
        self.results_path = path
        self._run(ExportResults(path, self.language.code, o.protect_password or None, o.open_password or None,
                                run_id=self.result.run.run_id, customers=customers, filter_text=words),
                  self._exported)

    def export_forms(self, path: Path | None = None, shown: bool = False) -> None:
        """The approval workbook, or (``shown``) the forms of the customers the filters show."""
        if not self._need_result():
            return
        scope = self._filtered_scope() if shown else (None, "")
        if scope is None:
            return
        customers = scope[0]
        default = f"审批表 {self.result.rating.as_of}{'（筛选）' if customers is not None else ''}.xlsx"
        path = path or self._save_name(self.t("Save approval workbook"), default)
        if path is None:
            return
        o = self.export_options
        self._run(ExportForms(path, self.language.code, self._forms_for(o.forms_for), o.split,
                              o.forms_password or None, o.protect_password or None, o.open_password or None,
                              run_id=self.result.run.run_id, customers=customers, filter_text=scope[1]),
                  self._exported)

    def _filtered_scope(self) -> tuple[frozenset[str] | None, str] | None:
        """The customers the filters show and the filters in words; (None, "") with no filter on
        (every customer); None, and the clerk told, when the filters show nobody."""
        if not self.results_model.filter_active:
            return None, ""
        shown = self.results_model.shown_ids()
        if not shown:
            self._inform("No customer shown", "The filters show no customer: change or clear them first.")
            return None
        return frozenset(shown), self._filter_words()

    def _filter_words(self) -> str:
        """The filters that are on, as the window words them (the filtered export's summary says them)."""
        colon, sep = ("：", "；") if self.language.code == "zh" else (": ", "; ")
        parts = [f"{label.text()}{colon}{combo.currentText()}" for label, combo in
                 zip(self.filter_labels, self._filter_combos()) if combo.currentData() is not None]
        if self.search.text().strip():
            parts.append(f"{self.t('Search')}{colon}{self.search.text().strip()}")
        if self.exceeds_filter.isChecked():
            parts.append(self.exceeds_filter.text())
        if not self.changed_label.isHidden():
            parts.append(self.changed_label.text())
        return sep.join(parts)

    def export_issues(self, path: Path | None = None) -> None:
        """The row issues the panel shows (its severity filter, its order), written by the engine."""
        m = self.issues_model
        issues = tuple(m.row_object(r) for r in range(m.rowCount()))
        if not issues:
            self._inform("No row issues shown", "There are no row issues to export.")
            return
        path = path or self._save_name(self.t("Save row issues"), "数据问题.xlsx")
        if path is None:
            return
        o = self.export_options
        self._run(ExportIssues(path, issues, self.language.code, o.protect_password or None, o.open_password or None),
                  self._exported)

    def _export_issues_clicked(self) -> None:
        self.export_issues()

    def export_detail(self, path: Path | None = None, selected: bool = False) -> None:
        """The working papers (明细底稿) of every customer, or of the rows selected in the results table."""
        if not self._need_result():
            return
        customers = None
        if selected:
            customers = frozenset(d.customer_id for d in self.selected_decisions())
            if not customers:
                self._inform("No customer selected", "Select the customers in the results table first "
                                                      "(Ctrl+click or Shift+click for several).")
                return
        path = path or self._save_name(self.t("Save working papers"), f"明细底稿 {self.result.rating.as_of}.xlsx")
        if path is None:
            return
        o = self.export_options
        self._run(ExportDetail(path, customers, self.language.code, o.protect_password or None,
                               o.open_password or None, run_id=self.result.run.run_id), self._exported)

    def _forms_for(self, scope: str) -> frozenset[str]:
        """Customers that get an application form although their route needs none."""
        if scope == "selected":
            d = self.selected_decision()
            return frozenset({d.customer_id} if d is not None else ())
        if scope == "shown":
            m = self.results_model
            return frozenset(m.row_object(r).customer_id for r in range(m.rowCount()))
        return frozenset()

    def edit_export_options(self) -> QDialog:
        from desktop.ui.export_options import ExportOptionsDialog
        dialog = ExportOptionsDialog(self.export_options, self.t, self)
        dialog.accepted.connect(lambda: setattr(self, "export_options", dialog.options()))
        self._options_dialog = dialog  # tests drive it
        dialog.open()
        return dialog

    def _exported(self, done) -> None:
        paths = done.paths
        self.statusBar().showMessage(self.t("Wrote ") + ", ".join(str(p) for p in paths), 10000)
        if paths:
            self.settings.save_last_folder(Path(paths[0]).parent)
            if self.settings.open_folder_after_export():
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(paths[0]).parent)))
        self.exported.emit(paths)

    def read_approvals(self) -> None:
        """Filled approval workbooks, checked against the rating register; the results workbook is
        asked for only when the register does not hold their run (see ``_ask_results``)."""
        names, _ = QFileDialog.getOpenFileNames(self, self.t("Filled approval workbooks"),
                                                self.settings.last_folder(),
                                                self.t("Approval workbooks (*.xlsx *.xlsm *.xls *.ods)"))
        if not names:
            return
        results = self.results_path if self.results_path is not None and self.results_path.exists() else None
        # where the decisions go is the clerk's choice (proposed beside the forms); written only when a form was read
        name, _ = QFileDialog.getSaveFileName(self, self.t("Save the decisions workbook as"),
                                              str(Path(names[0]).with_name(Path(names[0]).stem + " 审批结果.xlsx")),
                                              "Excel (*.xlsx)")
        if not name:
            return
        out = Path(name)
        o = self.export_options
        req = ApprovalsRequest(filled=tuple(Path(n) for n in names), results=results, out=out,
                               policy_path=self.policy_path, register=self.register_location(),
                               protect_password=o.protect_password or None, open_password=o.open_password or None)
        self._send_approvals(req)

    def _send_approvals(self, req: ApprovalsRequest) -> None:
        self._approvals_request = req  # a conflict's resolution or the results workbook is added to it
        self._run(req, self._approvals_done)

    def _ask_results(self) -> None:
        """The engine answered "needs_results": the forms' run is not in the register. Say so, and
        read the same forms again against the results workbook the clerk chooses."""
        req = getattr(self, "_approvals_request", None)
        if req is None:
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.t("Run not in the rating register"),
                          self.t("The run these forms belong to is not in the rating register, so its forms can "
                                 "only be checked against its results workbook, with a warning that the register "
                                 "cannot confirm it: choose the results workbook of that run."),
                          QMessageBox.StandardButton.Cancel, self)
        choose = box.addButton(self.t("Choose the results workbook…"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(choose)
        box.finished.connect(lambda _code: self._choose_results(req) if box.clickedButton() is choose else None)
        self._results_question = self._last_error_box = box  # tests drive it
        box.open()

    def _choose_results(self, req: ApprovalsRequest) -> None:
        from dataclasses import replace
        name, _ = QFileDialog.getOpenFileName(self, self.t("Results workbook of that run"),
                                              str(Path(req.filled[0]).parent),
                                              self.t("Results workbooks (*.xlsx *.xlsm)"))
        if not name:
            return  # cancelled: nothing was read or recorded
        self._send_approvals(replace(req, results=Path(name)))

    def _prefer_file(self, name: str) -> None:
        """The clerk's resolution of a conflict: the same forms read back again, the decisions in
        the file ``name`` (one of those read) prevailing."""
        from dataclasses import replace
        req = getattr(self, "_approvals_request", None)
        if req is None:
            return
        path = next((Path(p) for p in req.filled if str(Path(p).resolve()) == name or str(p) == name), None) or \
            next((Path(p) for p in req.filled if Path(p).name == name), None)  # ``name``: the file's full path
        if path is None or path in req.prefer:
            return
        dialog = getattr(self, "_approvals_dialog", None)
        if dialog is not None:
            dialog.close()
        self._send_approvals(replace(req, prefer=(*req.prefer, path)))

    def _approvals_done(self, result: ApprovalsDone) -> None:
        from desktop.ui.approvals_dialog import ApprovalsDialog
        old = getattr(self, "_approvals_dialog", None)
        if old is not None:
            old.close()
        if result.nothing_read:  # no approval form in any file: why, file by file (nothing was written)
            self._error(result.nothing_read, "input")
            self.approvals_read.emit(result)
            return
        dialog = ApprovalsDialog(result, self.language, self)
        dialog.prefer_file.connect(self._prefer_file)
        self._approvals_dialog = dialog
        dialog.open()
        self.approvals_read.emit(result)

    # ---------------------------------------------------------------- policy
    def choose_policy(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.t("Choose policy file"), self.settings.last_folder(),
                                              "Policy (*.toml)")
        if name:
            from desktop.errors import PolicyError
            try:
                load_policy(Path(name))
            except PolicyError as exc:  # every problem, and a button to open the file in the editor
                self._policy_failed(Path(name), exc)
                return
            self.policy_path, self.policy_override = Path(name), None
            self.settings.save_policy_path(name)
            self._update_policy_label()
            self._refresh_stale()
            from desktop.io.policy_file import ANSI, file_encoding
            if file_encoding(name) == ANSI:  # Notepad's ANSI (GBK): read, and said once
                from desktop.messages import text as say
                self._inform("Credit policy", say("policy.file.read_as_ansi", self.language.code, file=Path(name).name))

    def edit_policy(self, path: Path | None = None):
        """The policy editor on ``path`` (a file that failed to load opens too, its problems listed),
        else on the policy file in use."""
        from desktop.ui.policy_editor import PolicyEditor
        editor = PolicyEditor(Path(path) if path else self.policy_path, self, self.language.code)
        editor.what_if_requested.connect(lambda p: self.what_if(p, editor))
        editor.show_changed.connect(self.show_changed_customers)
        editor.use_requested.connect(self._use_policy)
        editor.saved.connect(lambda _path: self._refresh_stale())  # over the file in use: out of date
        self._policy_editor = editor
        editor.open()
        return editor

    def _use_policy(self, pair) -> None:
        policy, path = pair
        self.policy_override = policy
        if path is not None:
            self.policy_path = Path(path)
            self.settings.save_policy_path(str(path))
        self._update_policy_label()
        self._refresh_stale()

    def what_if(self, policy: Policy, editor=None) -> None:
        if self.result is None:
            self._inform("Nothing rated yet", "Open the workbooks and rate first.")
            return

        self._what_if_editor = editor
        self._run(WhatIfRequest(policy, self.result.run.run_id), self._what_if_done)

    def _what_if_done(self, result: WhatIfDone) -> None:
        self.what_if_comparison = result.comparison  # the changed customers, for show_changed_customers
        if self._what_if_editor is not None:
            self._what_if_editor.show_what_if(result.changed, result.total, result.moves, result.comparison)
        self.what_if_done.emit(result.changed, result.total)

    def show_changed_customers(self, move: tuple[str, str] | None = None) -> bool:
        """The what-if panel's 只看变动客户 (``move`` None: every customer the edited policy changes) or a
        cell of its matrix (level now, level after): the results table shows those customers, each with
        its level, term, limit and route after the edited policy beside the ones now; 清除筛选 (or Esc in
        the search box) shows every customer again, as it does after the other filters."""
        c = getattr(self, "what_if_comparison", None)
        if c is None or self.result is None or c.a.label != self.result.run.run_id:
            self.statusBar().showMessage(self.t("This what-if was made on another rating: try it again."), 8000)
            return False
        after = {x.a.customer_id: x.b for x in c.customers}
        if move is None:
            ids = set(after)
        elif move[0] != move[1]:
            ids = {x.a.customer_id for x in c.customers if (x.a.level, x.b.level) == tuple(move)}
        else:  # the level stays: the customers the engine did not send are the window's own
            ids = {d.customer_id for d in self.result.rating.decisions
                   if d.level == move[0] and getattr(after.get(d.customer_id), "level", d.level) == move[0]}
        self._reset_filters()
        self._changed_move = (move, len(ids))
        self.results_model.show_changed(ids, after)
        self._show_changed_label()
        self.clear_filter_button.setEnabled(True)
        self._update_counts()
        _QTimer.singleShot(0, self._fit_columns)
        if self.results_model.rowCount():
            self.table.selectRow(0)
        else:
            self._show_detail(QModelIndex())
        return True

    def _show_changed_label(self) -> None:
        """The filter bar says which of the what-if's customers are shown."""
        on = self.results_model.showing_changed
        self.changed_label.setVisible(on)
        if not on:
            return
        move, n = getattr(self, "_changed_move", (None, 0))
        self.changed_label.setText(self.t("What-if: the changed customers ({0})").format(n) if move is None else
                                   self.t("What-if: {0} → {1} ({2})").format(move[0], move[1], n))

    # ---------------------------------------------------------------- back-test (回测)
    def show_backtest(self) -> QDialog:
        """评级 > 回测…: the back-test view (desktop.ui.backtest_view), beside the window (not modal: its
        progress and Cancel are its own, the window's too)."""
        from desktop.ui.backtest_view import BacktestDialog
        dialog = getattr(self, "_backtest_dialog", None)
        if dialog is None:
            dialog = self._backtest_dialog = BacktestDialog(self)
        dialog.show()
        dialog.raise_()
        return dialog

    def run_backtest(self, request: BacktestRequest) -> None:
        self._run(request, self._backtest_done)

    def _backtest_done(self, done: BacktestDone) -> None:
        self.backtest_done = done
        self.backtested.emit(done)

    def export_backtest(self, path: Path) -> None:
        """The session's last back-test to ``path`` (the workbook), in the window's language."""
        o = self.export_options
        self._run(ExportBacktest(path, lang=self.language.code, protect_password=o.protect_password or None,
                                 open_password=o.open_password or None), self._exported)

    def _update_policy_label(self) -> None:
        """The toolbar names the policy file in use (its full path in the tooltip), marked when it
        was edited in the policy editor and not saved."""
        from desktop.paths import default_policy_path
        path = self.policy_path or default_policy_path()
        shipped = path.resolve() == default_policy_path().resolve()
        name = self.t("shipped default") if shipped else path.name
        unsaved = self.policy_override is not None and not self.policy_override.file_name
        self.policy_label.setText(self.t("Policy: ") + name + (self.t("(edited, not saved)") if unsaved else ""))
        where = self.t("The shipped default policy") + f" ({path})" if shipped else str(path)
        self.policy_label.setToolTip(self.t("Edited in the policy editor and not saved; based on {0}").format(where)
                                     if unsaved else self.t("Policy in use: {0}").format(where))

    def _policy_failed(self, path: Path | None, exc=None, message: str = "") -> QMessageBox:
        """A policy file that cannot be used: its problems in the clerk's words (line numbers, no key
        paths) and a button that opens that very file in the policy editor."""
        from desktop.errors import PolicyError
        from desktop.messages import text as say
        from desktop.paths import default_policy_path
        path = Path(path) if path else default_policy_path()
        if exc is None:  # the engine's refusal: the file is read again here for its problems by line
            try:
                load_policy(path)
            except PolicyError as refused:
                exc = refused
            except Exception:  # noqa: BLE001  (the engine's message is shown instead)
                exc = None
        lang = self.language.code
        if isinstance(exc, PolicyError):
            lines = exc.lines(lang)
            shown = "\n".join(lines[:8]) + ("\n" + say("policy.more_problems", lang, count=len(lines) - 8)
                                              if len(lines) > 8 else "")
            message = say("policy.cannot_use", lang, file=path.name, count=len(lines)) + "\n" + shown
        box = QMessageBox(QMessageBox.Icon.Warning, self.t("Invalid policy"), message, QMessageBox.StandardButton.Ok,
                          self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # a key or file name of the policy is shown as it is
        box.setInformativeText(self.t("Open the policy editor to see and fix each problem."))
        self.open_failed_policy_button = box.addButton(self.t("Open in the policy editor"),
                                                       QMessageBox.ButtonRole.ActionRole)
        self.open_failed_policy_button.clicked.connect(lambda: self.edit_policy(path))
        self._last_error_box = box
        box.open()
        self.failed.emit(message, "policy")
        return box

    # ---------------------------------------------------------------- review
    def _filter_combos(self) -> tuple[QComboBox, ...]:
        """The filter bar's lists, in its order (the labels before them are ``filter_labels``)."""
        return self.level_filter, self.sales_filter, self.route_filter, self.group_filter

    def _group_items(self) -> list[tuple[str, str]]:
        """The group filter's choices after 全部: 非集团客户, then each group by name in pinyin order
        (a group is known by its first member's ID: two groups may carry one name)."""
        groups = self.result.rating.groups if self.result else ()
        if not groups:
            return []
        first = {}
        for g in groups:
            first.setdefault(g.name, []).append(g.members[0])
        named = [(name, cid) for name in pinyin_sorted(first) for cid in first[name]]
        return [(self.t("Outside groups"), ResultsModel.OUTSIDE_GROUPS), *named]

    def _fill_filters(self) -> None:
        salespeople = self.result.counts["salespeople"] if self.result else []
        for combo, items in ((self.level_filter, [(lv, lv) for lv in ("AAA", "AA", "A", "B", "C")]),
                             (self.sales_filter, [(s, s) for s in pinyin_sorted(salespeople)]),
                             (self.route_filter, list((w, k) for k, w in getattr(self, "route_words", {}).items())),
                             (self.group_filter, self._group_items())):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.t("All"), None)
            for text, data in items:
                combo.addItem(text, data)
            i = combo.findData(current)
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)

    def _apply_filter(self) -> None:
        self.results_model.set_filter(level=self.level_filter.currentData(), salesperson=self.sales_filter.currentData(),
                              route=self.route_filter.currentData(), group=self.group_filter.currentData(),
                              exceeds_only=self.exceeds_filter.isChecked(), text=self.search.text().strip())
        self.clear_filter_button.setEnabled(self.results_model.filter_active)
        self._update_counts()
        if not self.table.currentIndex().isValid():
            self._show_detail(QModelIndex())  # the customer in the detail pane is filtered out

    def _reset_filters(self) -> bool:
        """Every filter of the results table off, in one pass; True when one was on."""
        was = self.results_model.filter_active
        if self.results_model.showing_changed:  # the columns after the edited policy go: the others are fitted
            _QTimer.singleShot(0, self._fit_columns)
        widgets = (*self._filter_combos(), self.exceeds_filter, self.search)
        for w in widgets:
            w.blockSignals(True)
        for combo in self._filter_combos():
            combo.setCurrentIndex(0)
        self.exceeds_filter.setChecked(False)
        self.search.clear()
        for w in widgets:
            w.blockSignals(False)
        if was:
            self.results_model.clear_filter()
        self.clear_filter_button.setEnabled(False)
        self.changed_label.setVisible(False)
        return was

    def clear_filters(self) -> None:
        """清除筛选 (the button, or Esc in the search box): every customer shown again."""
        self._reset_filters()
        self._update_counts()
        if not self.table.currentIndex().isValid():
            self._show_detail(QModelIndex())

    def focus_search(self) -> None:
        """Ctrl+F: to the search box, its text selected (typing replaces it)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _update_counts(self) -> None:
        if self.result is None:
            self.totals.clear()
            n_files = len(self.files)
            self.counts.setText(self.t("{0} files; open the workbooks and rate (F5).").format(n_files)
                                if n_files else self.t("Open or drop the customer sheet and the ledger."))
            return
        counts = self.result.counts
        totals = self.results_model.totals()  # of the rows shown, the counts by level and route too
        by_level, by_route = totals.by_level, totals.by_route
        self.totals.setText(self.t("Shown: eligible limit {0} · open AR {1} · overdue {2}").format(
            amount_text(totals.eligible_limit), amount_text(totals.open_ar), amount_text(totals.overdue)))
        levels = " ".join(f"{lv} {by_level.get(lv, 0)}" for lv in ("AAA", "AA", "A", "B", "C"))
        self.counts.setText(self.t("{0} of {1} customers shown · {2} · {3} to the sales manager, {4} to the CFO · "
                                   "{5} row issues ({6} rows not used)").format(
            self.results_model.rowCount(), self.results_model.total_rows, levels,
            by_route.get("sales_manager", 0), by_route.get("cfo_special", 0),
            len(self.result.issues), counts["errors"]))

    def selected_decision(self):
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.results_model.row_object(index.row())

    def selected_decisions(self) -> list:
        """The decisions of the rows selected in the results table, top to bottom."""
        rows = sorted({r for span in self.table.selectionModel().selection() for r in range(span.top(), span.bottom() + 1)})
        return [self.results_model.row_object(r) for r in rows if 0 <= r < self.results_model.rowCount()]

    def _show_detail(self, current: QModelIndex, previous: QModelIndex | None = None) -> None:
        if self.result is None or not current.isValid():
            self.detail.setHtml(f"<p style='color:{colours().muted}'>{self.t('Select a customer to see why.')}</p>")
            return
        d = self.results_model.row_object(current.row())
        figures, members = self._group_of(d)
        self.detail.setHtml(detail_html(d, self.result.policy, self.language.code, figures=figures, members=members))

    def _group_of(self, d) -> tuple:
        """(the group's figures, its members' decisions by ID) of ``d``'s group, (None, {}) outside
        groups. The index of members is made once per rating, on the first member shown (one pass
        over the run's decisions, none per click)."""
        if d.group is None or self.result is None:
            return None, {}
        index = getattr(self, "_group_index", None)
        if index is None or index[0] is not self.result:
            rating = self.result.rating
            figures = {g.members[0]: g for g in rating.groups}
            members = {x.customer_id: x for x in rating.decisions if x.group is not None}  # 0.2 s in a million
            index = self._group_index = (self.result, figures, members)
        _, figures, members = index
        return figures.get(d.group.members[0]), {m: members[m] for m in d.group.members if m in members}

    def _detail_link(self, url: QUrl) -> None:
        """A member's ID clicked in the group panel: that customer's row and detail."""
        from desktop.ui.detail import linked_customer
        customer_id = linked_customer(url.toEncoded().data().decode("ascii"))  # as written: %-quoted
        if customer_id is not None:
            self.show_customer(customer_id)

    # ---------------------------------------------------------------- Excel habits
    def _add_copy_actions(self, view: QTableView) -> None:
        """Ctrl+C copies the selected cells with their column headers, Ctrl+Shift+C without; both
        are also in the table's context menu (复制（不含表头） / 复制（含表头）)."""
        copy = QAction(view, shortcut=QKeySequence("Ctrl+Shift+C"),
                       triggered=lambda: self.copy_selection(view, headers=False))
        with_headers = QAction(view, shortcut=QKeySequence.StandardKey.Copy, triggered=lambda: self.copy_selection(view))
        for action in (copy, with_headers):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            view.addAction(action)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self._copy_actions.append((copy, with_headers))

    def copy_selection(self, view: QTableView, headers: bool = True) -> str:
        """The selected cells (the current one when none is) to the clipboard as Excel pastes them:
        tab-separated, numbers plain, formula-looking text quoted (models.selection_text)."""
        spans = [(s.top(), s.bottom(), s.left(), s.right()) for s in view.selectionModel().selection()]
        current = view.currentIndex()
        if not spans and current.isValid():
            spans = [(current.row(), current.row(), current.column(), current.column())]
        text = selection_text(view.model(), spans, headers)
        if text:
            QGuiApplication.clipboard().setText(text)
        return text

    def _severity_changed(self, _index: int) -> None:
        self.issues_model.set_severity(self.severity_filter.currentData())

    def _update_issue_count(self) -> None:
        m = self.issues_model
        self.issues_shown.setText(self.t("{0} of {1} issues shown").format(m.rowCount(), m.total_rows)
                                  if m.total_rows else "")

    def _issue_customer(self, issue) -> str | None:
        """The rated customer a row issue is about: the customer-sheet row it names, or a value that
        is one customer's ID or name (a ledger row's); None when it names no rated customer."""
        if self.result is None:
            return None
        if getattr(self, "_issue_index", (None,))[0] is not self.result:
            decisions = self.result.rating.decisions
            names: dict[str, list[str]] = {}
            for d in decisions:
                names.setdefault(d.customer.name, []).append(d.customer_id)
            self._issue_index = (self.result,
                                 {(d.customer.source.file, d.customer.source.sheet, d.customer.source.row): d.customer_id
                                  for d in decisions},
                                 {d.customer_id for d in decisions},
                                 {n: ids[0] for n, ids in names.items() if len(ids) == 1})
        _, by_row, ids, by_name = self._issue_index
        found = by_row.get((issue.file, issue.sheet, issue.row))
        if found is None and isinstance(issue.value, str):
            value = issue.value.strip()
            found = value if value in ids else by_name.get(value)
        return found

    def show_issue_customer(self, index: QModelIndex) -> bool:
        """Double-click on a row issue: its customer in the results table (filters hiding it cleared)."""
        if not index.isValid():
            return False
        customer = self._issue_customer(self.issues_model.row_object(index.row()))
        if customer is None:
            self.statusBar().showMessage(self.t("This row issue is about no rated customer."), 8000)
            return False
        return self.show_customer(customer)

    def show_customer(self, customer_id: str) -> bool:
        """Select ``customer_id``'s row and show its detail; filters that hide it are cleared (and the clerk told)."""
        m = self.results_model
        row = m.row_of(customer_id)
        if row < 0 and m.filter_active and any(d.customer_id == customer_id for d in m.all_rows()):
            self.clear_filters()
            row = m.row_of(customer_id)
            self.statusBar().showMessage(self.t("The filters were cleared to show customer {0}.").format(customer_id),
                                         8000)
        if row < 0:
            return False
        self.table.setCurrentIndex(m.index(row, 0))
        self.table.selectRow(row)
        self.table.scrollTo(m.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def _retranslate_review(self) -> None:
        """The words of the review tools: copy, filters, the issues panel, the toolbar's tooltips."""
        t = self.t
        for copy, with_headers in self._copy_actions:
            copy.setText(t("Copy without headers"))
            with_headers.setText(t("Copy with headers"))
        self.act_export_shown.setText(t("Export the filtered view…"))
        self.act_forms_shown.setText(t("Export approval forms of the filtered view…"))
        self.act_export_issues.setText(t("Export row issues…"))
        self.export_issues_button.setText(t("Export row issues…"))
        self.act_find.setText(t("Find a customer"))
        self.act_clear_filters.setText(t("Clear filters"))
        self.clear_filter_button.setText(t("Clear filters"))
        self.clear_filter_button.setToolTip(t("Show every customer again (Esc in the search box)"))
        self.clear_filter_button.setEnabled(self.results_model.filter_active)
        self.search.setToolTip(t("Find a customer by ID, name, salesperson or group (Ctrl+F); Esc clears every filter"))
        self.severity_label.setText(t("Severity"))
        current = self.severity_filter.currentData()
        self.severity_filter.blockSignals(True)
        self.severity_filter.clear()
        for text, data in ((t("All"), None), (t("Errors"), "error"), (t("Warnings"), "warning")):
            self.severity_filter.addItem(text, data)
        self.severity_filter.setCurrentIndex(max(self.severity_filter.findData(current), 0) if current else 0)
        self.severity_filter.blockSignals(False)
        self._update_issue_count()
        self._set_action_tooltips()

    def _set_action_tooltips(self) -> None:
        """Every toolbar button's tooltip: what it does and its shortcut."""
        import re
        zh = self.language.code == "zh"
        for bar in self.findChildren(QToolBar):
            for action in bar.actions():
                if action.isSeparator() or not action.text():
                    continue
                text = re.sub(r"\(&\w\)|&(?=\w)", "", action.text()).rstrip("…. ")
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                action.setToolTip((f"{text}（{keys}）" if zh else f"{text} ({keys})") if keys else text)

    # ---------------------------------------------------------------- misc
    def about(self) -> QMessageBox:
        """The version, the policy in use (its name and file), the rating register and the log folder, in
        the window's language; each path a link that opens its folder."""
        from html import escape

        from desktop.diagnostics import log_folder
        from desktop.io.register import shown
        t = self.t
        policy, file, name, note = self._policy_in_use()
        sep = "：" if self.language.code == "zh" else ": "

        def path_html(path: str) -> str:  # wraps at its folders (see breakable); a link to its folder
            if not path or not Path(path).is_absolute():
                return breakable(escape(path))
            return f"<a href='{QUrl.fromLocalFile(str(Path(path).parent)).toString()}'>{breakable(escape(path))}</a>"

        def folder_html(folder: Path) -> str:  # the logs: a link that opens the folder itself (once it exists)
            if not folder.is_dir():
                return breakable(escape(str(folder)))
            return f"<a href='{QUrl.fromLocalFile(str(folder)).toString()}'>{breakable(escape(str(folder)))}</a>"

        text = (f"<h3>{escape(t('Credit Desk'))} {escape(__version__)}</h3>"
                f"<p>{escape(t('Customer credit rating, payment terms and approvals.'))}</p>"
                f"<p><b>{escape(t('Credit policy'))}</b>{sep}{escape(name)}<br>"
                f"{escape(t('Policy file'))}{sep}{path_html(file)}</p>"
                + (f"<p style='color:{colours().error}'>{escape(note)}</p>" if note else "")
                + f"<p><b>{escape(t('Rating register'))}</b>{sep}{path_html(shown(self.settings.register_path()))}</p>"
                + f"<p><b>{escape(t('Log folder'))}</b>{sep}{folder_html(log_folder())}</p>")
        box = QMessageBox(QMessageBox.Icon.Information, t("About Credit Desk"), text, QMessageBox.StandardButton.Ok,
                          self)
        box.setObjectName("about")
        box.setTextFormat(Qt.TextFormat.RichText)
        self._about_box = box  # tests read it
        box.open()
        return box

    def _policy_in_use(self) -> tuple[Policy, str, str, str]:
        """The policy the next rating uses: (policy, its file, its name as the window says it, a warning
        or ""). A policy file that cannot be read gives the shipped one, with the warning."""
        from desktop.errors import PolicyError
        from desktop.paths import default_policy_path
        override = self.policy_override
        path = self.policy_path or default_policy_path()
        if override is not None:  # from the policy editor: saved (it has a file), or edits of ``path``
            name = f"{override.name} {override.version}"
            if override.file_name:
                return override, str(path), name, ""
            edited = self.t("edited in the policy editor, not saved")
            return override, str(path), name + (f"（{edited}）" if self.language.code == "zh" else f" ({edited})"), ""
        try:
            policy = load_policy(path)
        except (PolicyError, OSError):
            note = self.t("The policy file {0} cannot be read; the shipped policy is shown.").format(path)
            policy = load_policy()
            return policy, str(default_policy_path()), f"{policy.name} {policy.version}", note
        return policy, str(path), f"{policy.name} {policy.version}", ""

    def show_help(self) -> QDialog:
        """F1: the user guide in the window's language, explaining the policy in use; it stays open
        beside the window (not modal)."""
        from desktop.ui.help import HelpDialog, guide_html
        policy, file, name, note = self._policy_in_use()
        native = QKeySequence.SequenceFormat.NativeText
        keys = {job: action.shortcut().toString(native) for job, action in (
            ("open", self.act_open), ("rate", self.act_rate), ("export", self.act_export), ("forms", self.act_forms),
            ("approvals", self.act_approvals), ("policy", self.act_policy), ("help", self.act_help))}
        html = guide_html(policy, self.language.code, self.t, file, self._shortcuts(), keys, note, name)
        old = getattr(self, "_help_dialog", None)
        if old is not None:
            old.close()
        dialog = HelpDialog(html, self.t("User guide"), self)
        self._help_dialog = dialog  # tests read it
        dialog.show()
        return dialog

    def _shortcuts(self) -> list[tuple[str, str]]:
        """(key, action) of every action of the window with a shortcut, in the order they were made."""
        native = QKeySequence.SequenceFormat.NativeText
        rows: dict[str, str] = {}
        for action in self.findChildren(QAction):
            for sequence in action.shortcuts():
                key = sequence.toString(native)
                if key and action.text():
                    rows.setdefault(key, action.text())
        return list(rows.items())

    def _fit_to_screen(self, restored: bool) -> None:
        """The first size: FIRST_SIZE, or what the screen's free area (the taskbar excluded) leaves of
        it, in the middle of that area. A layout restored from a larger screen (or another resolution
        or scale) is brought back inside this one; a maximized one stays maximized."""
        if restored:
            if self.isMaximized() or self.isFullScreen():
                return
            most = largest(self)
            if self.width() <= most.width() and self.height() <= most.height() and \
                    free_area(self).contains(self.geometry()):
                return
        fit_to_screen(self, self.size() if restored else self.FIRST_SIZE, bounded=False, centred=not restored)

    def _apply_colours(self) -> None:
        """The colours not painted from the palette by Qt itself (the stale banner, the detail pane's
        HTML), computed from the palette as it is now: Windows switched to dark mode, or back."""
        c = colours()
        self.banner.setStyleSheet(f"#staleBanner {{ background: {c.warning_background}; "
                                  f"border: 1px solid {c.warning_border}; }} "
                                  f"#staleBanner QLabel {{ color: {c.banner_text}; }}")
        self._colours = c

    def changeEvent(self, event):  # noqa: N802
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) \
                and hasattr(self, "banner") and colours() != getattr(self, "_colours", None):
            self._apply_colours()
            if not self.detail.document().isEmpty():  # the same customer, where the clerk had scrolled to
                scroll = self.detail.verticalScrollBar().value()
                self._show_detail(self.table.currentIndex())
                self.detail.verticalScrollBar().setValue(scroll)
            for view in (self.table, self.issues_view, self.sheets_view):
                view.viewport().update()  # the models' colours: asked again as the cells are painted

    def closeEvent(self, event):  # noqa: N802
        if self.worker is not None:
            self.worker.cancel()
        if self._last_job is not None:
            self._last_job[1].quit()
            self._last_job[1].wait(10_000)
        self.engine.stop()
        self.settings.save_geometry(self.saveGeometry(), self.saveState())
        super().closeEvent(event)
