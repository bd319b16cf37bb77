"""The 回测 view (DOMAIN.md "Back-testing"): does the rating predict who pays late?

The clerk picks the cases' source (the rating register's past runs, or the loaded data re-rated
as of dates of the clerk's choosing), the evaluation date and the outcome rule (horizon, days
past due, the residue ignored: the policy's ``[backtest]`` by default); Run sends a
``desktop.session.BacktestRequest`` to the engine through the window (its progress and Cancel
here too), and the report comes back without its case table: the bad rate by level as bars with
their Wilson 95 % intervals (drawn here with QPainter), the table per level with the verdict on
monotonicity in words, AUC, KS and PSI with their readings, and the cases not observable yet.
Export writes the session's last back-test (``ExportBacktest``). A cancelled run leaves the report
on screen as it was. The window loads no pandas: ``desktop.core.backtest`` is read, not run.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.backtest import horizon_end  # plain date arithmetic: no pandas
from desktop.ui.colors import blend, colours, hex_name, rgb
from desktop.ui.screen import ElidedLabel, breakable, fit_to_screen

DEFAULT_DATES = 3  # re-rate dates offered: the last month-ends whose horizon is over by the evaluation date
# readings of AUC and KS (credit scoring's usual rule of thumb); PSI's are the core's (desktop.core.backtest)
AUC_READINGS = ((0.6, "barely better than chance"), (0.7, "weak"), (0.8, "acceptable"), (2.0, "strong"))
KS_READINGS = ((0.2, "weak"), (0.3, "acceptable"), (0.4, "good"), (2.0, "strong"))
PSI_WORDS = {"stable": "stable", "shifting": "shifting", "unstable": "unstable"}


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def default_dates(evaluation: date, horizon_months: int, count: int = DEFAULT_DATES) -> list[date]:
    """The last ``count`` month-ends before ``evaluation`` whose horizon is over by it (their cases
    can be judged), oldest first."""
    y, m = evaluation.year, evaluation.month - 1
    found: list[date] = []
    for _ in range(12 * 60):
        if m == 0:
            y, m = y - 1, 12
        if y < 1900:
            break
        end = month_end(y, m)
        if end < evaluation and horizon_end(end, horizon_months) <= evaluation:
            found.append(end)
            if len(found) == count:
                break
        m -= 1
    return sorted(found)


def percent(v: float | None, decimals: int = 1) -> str:
    return "—" if v is None else f"{v * 100:.{decimals}f}%"


def axis_label(share: float) -> str:
    """A grid line's share as the y axis writes it: a quarter of a tenth's multiple keeps its half
    per cent (12.5%, 37.5%, 2.5%), which rounding to whole per cents made 12% and 38%."""
    return f"{share * 100:.1f}".rstrip("0").rstrip(".") + "%"


def reading(value: float | None, readings: Sequence[tuple[float, str]]) -> str | None:
    if value is None:
        return None
    return next(words for upper, words in readings if value < upper)


class BadRateChart(QWidget):
    """Bars of the bad rate per level, best level first, each with its Wilson 95 % interval as a
    whisker, the rate above it and the cases under the level's name."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list = []  # desktop.core.backtest.LevelRow
        self.t = lambda s: s
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(300, 190)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(460, 250)

    def set_rows(self, rows: Sequence) -> None:
        self.rows = list(rows)
        self.update()

    def scale_top(self) -> float:
        """The y axis's top: the highest interval end (or rate), rounded up to 10 %, at least 10 %."""
        top = max([r.ci_high if r.ci_high is not None else (r.bad_rate or 0.0) for r in self.rows] or [0.0])
        steps = min(max(int(-(-top * 10 // 1)), 1), 10)
        return steps / 10

    def bars(self) -> list[tuple[str, QRectF, tuple[float, float] | None]]:
        """(level, its bar, its whisker's y from and to) in widget coordinates: what paintEvent draws."""
        plot = self.plot_area()
        top = self.scale_top()
        slot = plot.width() / max(len(self.rows), 1)
        out = []
        for n, r in enumerate(self.rows):
            x = plot.left() + slot * n + slot * 0.22
            y = plot.bottom() - (r.bad_rate or 0.0) / top * plot.height()
            bar = QRectF(x, y, slot * 0.56, plot.bottom() - y)
            whisker = None
            if r.ci_low is not None and r.ci_high is not None:
                whisker = (plot.bottom() - r.ci_low / top * plot.height(), plot.bottom() - r.ci_high / top * plot.height())
            out.append((r.level, bar, whisker))
        return out

    def plot_area(self) -> QRectF:
        fm = self.fontMetrics()
        left = fm.horizontalAdvance("100%") + 12
        top = fm.height() * 2 + 6  # the rate above the tallest whisker, and the axis's title
        bottom = fm.height() * 2 + 10  # the level's name and its cases
        return QRectF(left, top, max(self.width() - left - 10, 10), max(self.height() - top - bottom, 10))

    def paintEvent(self, event):  # noqa: N802
        c = colours()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        plot = self.plot_area()
        text, muted = QColor(c.window_text), QColor(c.muted)
        p.setPen(muted)
        p.drawText(QRectF(0, 0, self.width(), fm.height() + 2), Qt.AlignmentFlag.AlignLeft,
                   self.t("Bad rate by level (95% interval)"))
        top = self.scale_top()
        grid = QPen(QColor(hex_name(blend(rgb(c.window), rgb(c.window_text), 0.18))))
        for k in range(5):
            share = top * k / 4
            y = plot.bottom() - share / top * plot.height()
            p.setPen(grid)
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(muted)
            p.drawText(QRectF(0, y - fm.height() / 2, plot.left() - 6, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, axis_label(share))
        if not any(r.cases for r in self.rows):
            p.setPen(muted)
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.t("No case to show"))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, (level, bar, whisker) in zip(self.rows, self.bars()):
            centre = bar.center().x()
            if r.cases:
                background = QColor(c.level(level)[0])
                p.setPen(QPen(background.darker(130)))
                p.setBrush(background)
                p.drawRect(bar)
            if whisker is not None:
                low, high = whisker
                p.setPen(QPen(text, 1.6))
                p.drawLine(QPointF(centre, low), QPointF(centre, high))
                cap = bar.width() / 4
                for y in (low, high):
                    p.drawLine(QPointF(centre - cap, y), QPointF(centre + cap, y))
            label_y = (whisker[1] if whisker is not None else bar.top()) - fm.height() - 2
            p.setPen(text if r.cases else muted)
            p.drawText(QRectF(centre - 60, label_y, 120, fm.height()), Qt.AlignmentFlag.AlignCenter,
                       percent(r.bad_rate) if r.cases else self.t("no cases"))
            p.setFont(bold)
            p.setPen(text)
            p.drawText(QRectF(centre - 60, plot.bottom() + 4, 120, fm.height()), Qt.AlignmentFlag.AlignCenter, level)
            p.setFont(self.font())
            p.setPen(muted)
            p.drawText(QRectF(centre - 60, plot.bottom() + 4 + fm.height(), 120, fm.height()),
                       Qt.AlignmentFlag.AlignCenter, self.t("{0} cases").format(f"{r.cases:,}"))
        p.setPen(QPen(muted))
        p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        p.end()


class BacktestDialog(QDialog):
    """回测: the source, the dates, the outcome rule; Run, its progress and Cancel; the report; Export."""

    LEVEL_COLUMNS = ("Level", "Cases", "Bad", "Bad rate", "95% interval")

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("backtest")
        self.main = window
        self.report = None  # desktop.core.backtest.Report on screen (the last run that finished)
        self.running = False  # a run or an export of ours is in the engine
        self._dates_edited = False  # the clerk changed the list: it no longer follows the evaluation date
        self.error_box: QMessageBox | None = None
        self._export_path: Path | None = None  # the report workbook being written for this view
        policy = window._policy_in_use()[0]
        rules = policy.backtest

        # the source
        self.source_box = QGroupBox()
        self.use_register, self.use_rerate = QRadioButton(), QRadioButton()
        self.sources = QButtonGroup(self)
        self.sources.addButton(self.use_register)
        self.sources.addButton(self.use_rerate)
        self.register_label = ElidedLabel(most=420)
        self.dates = QListWidget()
        self.dates.setMaximumHeight(96)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.add_date_button, self.remove_date_button = QPushButton(), QPushButton()
        self.add_date_button.clicked.connect(self.add_date)
        self.remove_date_button.clicked.connect(self.remove_date)
        source = QVBoxLayout(self.source_box)
        source.addWidget(self.use_register)
        indent = QHBoxLayout()
        indent.addSpacing(24)
        indent.addWidget(self.register_label, 1)
        source.addLayout(indent)
        source.addWidget(self.use_rerate)
        dates = QHBoxLayout()
        dates.addSpacing(24)
        dates.addWidget(self.dates, 1)
        date_buttons = QVBoxLayout()
        date_buttons.addWidget(self.date_edit)
        date_buttons.addWidget(self.add_date_button)
        date_buttons.addWidget(self.remove_date_button)
        date_buttons.addStretch(1)
        dates.addLayout(date_buttons)
        source.addLayout(dates)
        source.addStretch(1)  # a tall box (no report yet) keeps the list under its choice, not half-way down
        for b in (self.use_register, self.use_rerate):
            b.toggled.connect(self._source_changed)

        # the outcome rule
        self.rule_box = QGroupBox()
        self.evaluation = QDateEdit(window.as_of.date())
        self.evaluation.setCalendarPopup(True)
        self.evaluation.setDisplayFormat("yyyy-MM-dd")
        self.horizon, self.late_days, self.tolerance = QSpinBox(), QSpinBox(), QDoubleSpinBox()
        self.horizon.setRange(1, 120)
        self.late_days.setRange(0, 3650)
        self.tolerance.setRange(0, 1e9)
        self.tolerance.setDecimals(2)
        self.tolerance.setGroupSeparatorShown(True)
        self.horizon.setValue(int(rules.horizon_months))
        self.late_days.setValue(int(rules.late_days))
        self.tolerance.setValue(float(rules.tolerance))
        self.rule_form = QFormLayout(self.rule_box)
        self.rule_labels = [QLabel() for _ in range(4)]
        for label, widget in zip(self.rule_labels, (self.evaluation, self.horizon, self.late_days, self.tolerance)):
            self.rule_form.addRow(label, widget)
        self.evaluation.dateChanged.connect(self._rule_changed)
        self.horizon.valueChanged.connect(self._rule_changed)

        # run, progress, cancel
        self.run_button, self.cancel_button, self.export_button = QPushButton(), QPushButton(), QPushButton()
        self.close_button = QPushButton()
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(window.cancel)
        self.export_button.clicked.connect(lambda: self.export())
        self.close_button.clicked.connect(self.close)
        for b in (self.run_button, self.cancel_button, self.export_button, self.close_button,
                  self.add_date_button, self.remove_date_button):
            b.setAutoDefault(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.stage = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)

        # the report
        self.chart = BadRateChart()
        self.levels = QTableWidget(0, len(self.LEVEL_COLUMNS))
        self.levels.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.levels.verticalHeader().setVisible(False)
        self.levels.setTabKeyNavigation(False)  # Tab leaves the table (one stop), not through its 25 cells
        self.levels.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.levels.horizontalHeader().setStretchLastSection(True)
        self.verdict, self.statistics, self.cases_note = QLabel(), QLabel(), QLabel()
        for label in (self.verdict, self.statistics, self.cases_note):
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.levels.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        self.levels.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.levels.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.report_box = QGroupBox()
        words = QVBoxLayout()  # beside the chart: the table, then what it says in words
        words.addWidget(self.levels)
        words.addWidget(self.verdict)
        words.addWidget(self.statistics)
        words.addWidget(self.cases_note)
        words.addStretch(1)
        report = QHBoxLayout(self.report_box)
        report.addWidget(self.chart, 3)
        report.addLayout(words, 2)

        settings = QHBoxLayout()
        settings.addWidget(self.source_box, 3)
        settings.addWidget(self.rule_box, 2)
        content = QWidget()
        body = QVBoxLayout(content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(settings)
        body.addWidget(self.report_box, 1)
        scroll = QScrollArea()  # a small screen: the settings and the report scroll, the buttons stay
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(content)
        running = QHBoxLayout()
        running.addWidget(self.stage)
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.status)
        layout.addLayout(running)
        layout.addLayout(buttons)

        window.progress_shown.connect(self._progress)
        window.busy_changed.connect(self._busy)
        window.backtested.connect(self._done)
        window.cancelled.connect(self._cancelled)
        window.exported.connect(self._exported)

        from desktop.io.register import register_exists
        register = window.settings.register_location()  # a team register's URL is text, not a Path
        (self.use_register if register_exists(register) else self.use_rerate).setChecked(True)
        self._fill_default_dates()
        self.retranslate()
        self._show_running(False)
        fit_to_screen(self, (1040, 700))

    # ------------------------------------------------------------ words
    def t(self, source: str) -> str:
        return self.main.t(source)

    def retranslate(self) -> None:
        t = self.t
        self.setWindowTitle(t("Back-test"))
        self.chart.t = t
        self.source_box.setTitle(t("Cases from"))
        self.use_register.setText(t("The rating register's past ratings"))
        self.use_rerate.setText(t("Re-rating the loaded data as of these dates"))
        self.show_register()
        self.add_date_button.setText(t("Add date"))
        self.remove_date_button.setText(t("Remove date"))
        self.rule_box.setTitle(t("Outcome"))
        for label, words in zip(self.rule_labels, ("Evaluation date", "Horizon (months)", "Bad when more days past due "
                                                   "than", "Unpaid residue ignored (CNY)")):
            label.setText(t(words))
        self.evaluation.setToolTip(t("The outcomes are read from the ledger as of this date"))
        self.run_button.setText(t("Run back-test"))
        self.cancel_button.setText(t("Cancel"))
        self.export_button.setText(t("Export report…"))
        self.close_button.setText(t("Close"))
        self.report_box.setTitle(t("Report"))
        self.levels.setHorizontalHeaderLabels([t(w) for w in self.LEVEL_COLUMNS])
        self._label_dates()
        self.show_report(self.report)

    def show_register(self) -> None:
        """The register the back-test reads: the window's setting now (文件 > 评级登记簿位置… or 评级登记簿设置… may have
        changed it since this view was made; the request reads the setting, so must the label)."""
        from desktop.io.register import shown
        self.register_label.setText(shown(self.main.settings.register_path()))

    def showEvent(self, event):  # noqa: N802
        self.show_register()
        super().showEvent(event)

    def changeEvent(self, event):  # noqa: N802
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self.show_register()  # the clerk chose another register in the window while this stayed open
        super().changeEvent(event)

    # ------------------------------------------------------------ the dates
    def date_list(self) -> list[date]:
        return [self.dates.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.dates.count())]

    def set_dates(self, days: Sequence[date], edited: bool = True) -> None:
        """The re-rate dates (sorted, each once)."""
        self.dates.clear()
        for day in sorted(set(days)):
            item = QListWidgetItem(day.isoformat())
            item.setData(Qt.ItemDataRole.UserRole, day)
            self.dates.addItem(item)
        self._dates_edited = edited
        self._label_dates()

    def _label_dates(self) -> None:
        """A date whose horizon ends after the evaluation date says so (its cases are not observable yet)."""
        evaluation, months = self.evaluation.date().toPython(), self.horizon.value()
        muted = QColor(colours().muted)
        for i in range(self.dates.count()):
            item = self.dates.item(i)
            day = item.data(Qt.ItemDataRole.UserRole)
            late = horizon_end(day, months) > evaluation
            item.setText(day.isoformat() + (f"  {self.t('(horizon not over by the evaluation date)')}" if late else ""))
            item.setForeground(muted if late else QColor(colours().text))

    def _fill_default_dates(self) -> None:
        self.set_dates(default_dates(self.evaluation.date().toPython(), self.horizon.value()), edited=False)
        last = self.date_list()[-1] if self.dates.count() else self.evaluation.date().toPython()
        self.date_edit.setDate(QDate(last.year, last.month, last.day))

    def add_date(self) -> None:
        day = self.date_edit.date().toPython()
        if day >= self.evaluation.date().toPython():
            self.status.setText(self.t("A re-rate date must be before the evaluation date."))
            return
        self.set_dates([*self.date_list(), day])
        self.use_rerate.setChecked(True)
        if self.status.text() in (self.t("A re-rate date must be before the evaluation date."),
                                  self.t("Add at least one date to re-rate as of.")):
            self.status.clear()  # the refusal is answered: it no longer stands under the list

    def remove_date(self) -> None:
        rows = sorted({i.row() for i in self.dates.selectedIndexes()} or
                      ({self.dates.currentRow()} if self.dates.currentRow() >= 0 else set()))
        if rows:
            self.set_dates([d for n, d in enumerate(self.date_list()) if n not in rows])

    def _rule_changed(self, *_args) -> None:
        if not self._dates_edited:
            self._fill_default_dates()
        self._label_dates()

    def _source_changed(self, *_args) -> None:
        rerate = self.use_rerate.isChecked()
        for w in (self.dates, self.date_edit, self.add_date_button, self.remove_date_button):
            w.setEnabled(rerate)
        self.register_label.setEnabled(not rerate)

    # ------------------------------------------------------------ running
    def request(self):
        """The BacktestRequest of the settings on screen."""
        from desktop.session import BacktestRequest
        w = self.main
        rerate = self.use_rerate.isChecked()
        return BacktestRequest(self.evaluation.date().toPython(), reading=w._reading() if w.files else None,
                               register=None if rerate else w.register_location(),
                               rerate_at=tuple(self.date_list()) if rerate else (),
                               policy=w._policy_in_use()[0], horizon_months=self.horizon.value(),
                               late_days=self.late_days.value(), tolerance=self.tolerance.value(),
                               lang=w.language.code)

    def run(self) -> bool:
        """Run: the back-test in the engine (refused here when there is nothing to run it on)."""
        if not self.main.files:
            self.status.setText(self.t("Open the customer sheet and the ledger first: the outcomes are read from "
                                       "the ledger."))
            return False
        if self.use_rerate.isChecked() and not self.dates.count():
            self.status.setText(self.t("Add at least one date to re-rate as of."))
            return False
        self.running = True
        self.status.setText(self.t("Running the back-test…"))
        self._show_running(True)
        self.main.run_backtest(self.request())
        return True

    def _show_running(self, on: bool) -> None:
        for w in (self.progress, self.stage, self.cancel_button):
            w.setVisible(on)
        self.run_button.setEnabled(not on and self.main.worker is None)
        self.export_button.setEnabled(not on and self.report is not None and self.main.worker is None)
        if not on:
            self.progress.setValue(0)
            self.stage.clear()

    def reject(self) -> None:
        """Esc: while our back-test or export runs, it cancels it (as the Cancel beside the progress bar),
        the view staying open to say so; else it closes the view. Closing it silently left the run going
        on behind the window with nothing on screen to say when it ended."""
        if self.running and self.main.worker is not None:
            self.main.cancel()
            return
        super().reject()

    def _progress(self, _stage: str, fraction: float) -> None:
        if self.running:
            self.progress.setValue(int(fraction * 100))
            self.stage.setText(self.main.stage.text())

    def _busy(self, busy: bool) -> None:
        if not busy:
            self.running = False
        self._show_running(self.running)

    def _cancelled(self) -> None:
        if self.running:
            self.status.setText(self.t("Cancelled; the report shown is the one before."))

    def _done(self, done) -> None:
        self.running = False
        self.show_report(done.report)
        self._show_running(False)

    def export(self, path: Path | None = None) -> bool:
        """Export report…: the session's last back-test to a workbook of the clerk's choosing."""
        if self.report is None:
            return False
        if path is None:
            start = Path(self.main.settings.last_folder()) / (self.t("Back-test report") + ".xlsx")
            name, _ = QFileDialog.getSaveFileName(self, self.t("Save back-test report"), str(start), "Excel (*.xlsx)")
            if not name:
                return False
            path = Path(name)
        self.running = True
        self._export_path = Path(path)
        self._show_running(True)
        self.main.export_backtest(Path(path))
        return True

    def _exported(self, paths) -> None:
        """The report workbook is written: said here too (the window's status bar is behind this view)."""
        if self._export_path is not None and [str(p) for p in paths][:1] == [str(self._export_path)]:
            self.status.setText(self.t("Wrote ") + str(self._export_path))
        self._export_path = None

    def show_error(self, message: str, kind: str, export: bool) -> QMessageBox:
        """The engine's refusal, in the catalogue's words (no register, no customers, no date...)."""
        self.running = False
        self._show_running(False)
        hint = {"output": "Choose another name or folder, or close the file in the program that holds it, then try "
                          "again.",
                "stale": "Run the back-test again, then export it." if export else
                         "The data or settings have changed since this rating; press F5 to rate again."}.get(
            kind, "Check the source and the dates, or the rating register's location (File menu).")
        self.status.setText(message)
        box = QMessageBox(QMessageBox.Icon.Warning, self.t("Back-test"), breakable(message),
                          QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(self.t(hint))
        self.error_box = box
        box.open()
        return box

    # ------------------------------------------------------------ the report
    def show_report(self, rep) -> None:
        """``rep`` (desktop.core.backtest.Report, or None: nothing run yet) on screen."""
        self.report = rep
        self.report_box.setVisible(rep is not None)
        if rep is None:
            return
        t = self.t
        self.chart.set_rows(rep.levels)
        self.levels.setRowCount(len(rep.levels))
        for r, lv in enumerate(rep.levels):
            interval = "—" if lv.ci_low is None else f"{percent(lv.ci_low)} – {percent(lv.ci_high)}"
            for k, value in enumerate((lv.level, f"{lv.cases:,}", f"{lv.bad:,}", percent(lv.bad_rate), interval)):
                item = QTableWidgetItem(value)
                item.setTextAlignment((Qt.AlignmentFlag.AlignCenter if k == 0 else Qt.AlignmentFlag.AlignRight)
                                      | Qt.AlignmentFlag.AlignVCenter)
                if k == 0:
                    bg, fg = colours().level(lv.level)
                    item.setBackground(QColor(bg))
                    item.setForeground(QColor(fg))
                self.levels.setItem(r, k, item)
        self.verdict.setText(self.verdict_text(rep))
        self.statistics.setText(self.statistics_text(rep))
        self.cases_note.setText(self.cases_text(rep))
        observed = sum(lv.cases for lv in rep.levels)
        if not self.running:
            nothing = (t("Nothing observable: every rating in the register has its horizon end after the "
                         "evaluation date; choose a later evaluation date, or re-rate the loaded data as of earlier "
                         "dates.") if rep.source == "register" else
                       t("Nothing observable: every case's horizon ends after the evaluation date; choose "
                         "earlier dates or a later evaluation date."))
            self.status.setText(nothing if not observed else
                                t("Back-test of {0} cases as of {1}.").format(f"{observed:,}",
                                                                             rep.evaluation_date.isoformat()))
        self._show_running(self.running)

    def verdict_text(self, rep) -> str:
        t = self.t
        if rep.monotonic is None:
            return t("Fewer than two levels have cases, or no case is bad: whether the bad rate rises from the best "
                     "level to the worst cannot be said.")
        if rep.monotonic:
            return t("The bad rate rises (or stays) from each level to the next worse one: the levels rank the risk "
                     "as they should.")
        seen = [lv for lv in rep.levels if lv.bad_rate is not None]
        better, worse = next((a, b) for a, b in zip(seen, seen[1:]) if b.bad_rate < a.bad_rate)
        return t("The bad rate does not rise from the best level to the worst: {0} ({1}) is below {2} ({3}). Look "
                 "at the thresholds, or at the cases of these levels.").format(
            worse.level, percent(worse.bad_rate), better.level, percent(better.bad_rate))

    def statistics_text(self, rep) -> str:
        t = self.t
        sep = "；" if self.main.language.code == "zh" else "; "
        parts = []
        for name, value, readings in (("AUC", rep.auc, AUC_READINGS), ("KS", rep.ks, KS_READINGS)):
            parts.append(t("{0} {1} ({2})").format(name, f"{value:.3f}", t(reading(value, readings)))
                         if value is not None else t("{0}: not enough cases (good and bad both needed)").format(name))
        if rep.psi is not None:
            dates = {r.run_id: r.as_of.isoformat() for r in rep.runs}  # a run by its date, as the clerk knows it
            first, last = (dates.get(run, run) for run in (rep.psi_runs or ("", "")))
            parts.append(t("PSI {0} ({1}: the level mix of {2} against {3})").format(
                f"{rep.psi:.3f}", t(PSI_WORDS.get(rep.psi_reading, rep.psi_reading or "")), last, first))
        else:
            parts.append(t("PSI: one rating date only"))
        return sep.join(parts)

    def cases_text(self, rep) -> str:
        t = self.t
        observed = sum(lv.cases for lv in rep.levels)
        lines = [t("{0} cases observed; {1} not observable yet (their horizon ends after {2})").format(
            f"{observed:,}", f"{rep.not_observable:,}", rep.evaluation_date.isoformat())]
        if rep.not_trading:
            lines.append(t("{0} left out: not trading yet on their rating date").format(f"{rep.not_trading:,}"))
        if rep.not_on_sheet:
            lines.append(t("{0} cases left out: the customer is not on the customer sheet read, so its payments "
                           "cannot be seen").format(f"{rep.not_on_sheet:,}"))
        if "ledger_ends_before_evaluation" in rep.notes:
            lines.append(t("The ledger read ends on {0}, before the evaluation date {1}: later payments were not "
                           "read, so some cases may be judged bad wrongly").format(
                rep.data_end.isoformat(), rep.evaluation_date.isoformat()))
        if "customer_facts_today" in rep.notes:
            lines.append(t("Re-rated: the customer sheet's facts (financials, status, documents) are today's, not "
                           "those of each date."))
        return "\n".join(lines)
