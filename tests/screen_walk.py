"""Open every dialog the window offers on the screen this process was started on, and say how
each one sits on that screen (a helper of tests/test_screens.py, run as a script in a process
of its own: a screen's size and scale are fixed when Qt starts).

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json python tests/screen_walk.py OUT.json WORKDIR [LANG]

The window is opened as the program opens it (the same QApplication set-up, no saved layout),
the bundled samples are read and rated, and then every action of every menu is triggered the
way a clerk would click it (file dialogs answer with the samples or a file in WORKDIR), the
column mapping is opened by double-clicking a sheet, an export is sent to a folder that cannot
exist (the error box), a policy with a long name is chosen and the rating made out of date (the
banner). Every window that opens (``open()`` or ``exec()``) is measured once its layout has
settled, each tab of it in turn, and closed. Nothing here knows the list of dialogs: a dialog
added to a menu is found and measured, and the test names it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QDate, QEventLoop, QPoint, QRect, QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QWidget,
)

SETTLE_TICKS = 3  # a window is measured after it has been shown this many ticks (its layout settles)
TICK_MS = 60
LONG_POLICY = "华东区域销售公司2026年度客户信用风险管理政策（经总经理办公会审议通过的修订版）.toml"
QT_CLASSES = ("QMessageBox", "QInputDialog", "QDialog", "QWidget", "QProgressDialog")


def rect(r: QRect) -> list[int]:
    return [r.x(), r.y(), r.width(), r.height()]


def global_rect(w: QWidget) -> QRect:
    return QRect(w.mapToGlobal(QPoint(0, 0)), w.size())


class Walk:
    """Measures and closes every window that opens while the steps run (see ``tick``)."""

    def __init__(self, app: QApplication, window) -> None:
        self.app, self.window = app, window
        self.records: list[dict] = []
        self.done: set[int] = set()  # ids of windows measured and closed
        self.ticks: dict[int, int] = {}
        self.busy = False
        self.timer = QTimer(interval=TICK_MS, timeout=self.tick)
        self.timer.start()
        self.step = ""

    # ------------------------------------------------------------------ waiting
    def wait(self, ms: int = 120_000, until=None) -> None:
        """Run the event loop until ``until()`` (default: no job running and no window left open)."""
        until = until or (lambda: self.window.worker is None and not self.open_windows())
        loop_left = QTimer(singleShot=True, interval=ms)
        loop_left.start()
        while loop_left.isActive() and not until():
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            QTest.qWait(20)
        if not until():
            self.records.append({"name": "walk", "step": self.step, "problem": "timed out"})

    def open_windows(self) -> list[QWidget]:
        out = []
        for w in self.app.topLevelWidgets():
            if w is self.window or not w.isVisible() or isinstance(w, QMenu):
                continue
            if w.windowType() in (Qt.WindowType.Window, Qt.WindowType.Dialog, Qt.WindowType.Sheet):
                out.append(w)
        return out

    # ------------------------------------------------------------------ the collector
    def tick(self) -> None:
        """Measure and close every window that has been open for SETTLE_TICKS ticks (a dialog run
        with ``exec()`` is measured from inside its own event loop)."""
        if self.busy:
            return
        self.busy = True
        try:
            for w in self.open_windows():
                key = id(w)
                self.ticks[key] = self.ticks.get(key, 0) + 1
                if self.ticks[key] < SETTLE_TICKS:
                    continue
                if key not in self.done:
                    self.done.add(key)
                    self.records.append(self.measure(w, self.name_of(w)))
                if self.ticks[key] > SETTLE_TICKS + 20:  # refuses to close (a question it asks?): hide it
                    w.hide()
                elif isinstance(w, QDialog):
                    w.reject()
                else:
                    w.close()
        finally:
            self.busy = False

    def name_of(self, w: QWidget) -> str:
        cls = type(w).__name__
        if w.objectName() and not w.objectName().startswith("qt_"):
            return w.objectName() if cls in QT_CLASSES else cls
        if cls in QT_CLASSES:  # a Qt box: named by the window attribute that holds it
            attr = next((k for k, v in vars(self.window).items() if v is w), None)
            return f"{cls}:{attr or self.step}"
        return cls

    # ------------------------------------------------------------------ measuring
    def measure(self, w: QWidget, name: str, state: str = "") -> dict:
        screen = w.screen()
        record = {"name": name, "state": state, "step": self.step, "title": w.windowTitle(),
                  "frame": rect(w.frameGeometry()), "geometry": rect(w.geometry()),
                  "free": rect(screen.availableGeometry()), "screen": rect(screen.geometry()),
                  "dpr": screen.devicePixelRatio(), "minimum_hint": [w.minimumSizeHint().width(),
                                                                     w.minimumSizeHint().height()],
                  "minimum": [w.minimumWidth(), w.minimumHeight()], "buttons": []}
        pages = [(None, -1)]
        for tabs in w.findChildren(QTabWidget):
            if tabs.isVisible():
                pages += [(tabs, i) for i in range(tabs.count())]
        seen: set[tuple] = set()
        for tabs, index in pages:
            if tabs is not None:
                tabs.setCurrentIndex(index)
                QApplication.processEvents()
            for b in w.findChildren(QPushButton):
                if not b.isVisibleTo(w) or (id(b), b.isVisible()) in seen:
                    continue
                seen.add((id(b), b.isVisible()))
                record["buttons"].append(self.button(w, b, tabs.tabText(index) if tabs is not None else ""))
        if w is self.window:
            record["toolbar"] = self.toolbar()
        if isinstance(w, QMessageBox):  # a box's texts come from elsewhere: they must wrap, not be cut
            record["texts"] = [{"text": label.text(), "cut": label.minimumSizeHint().width() > label.width()}
                               for label in w.findChildren(QLabel) if label.isVisible() and label.text()]
        return record

    @staticmethod
    def button(top: QWidget, b: QPushButton, tab: str) -> dict:
        mine, outer = global_rect(b), global_rect(top)
        visible = b.visibleRegion().boundingRect()
        parent, scrolls = b.parentWidget(), False
        while parent is not None and parent is not top:
            scrolls = scrolls or isinstance(parent, QAbstractScrollArea)
            parent = parent.parentWidget()
        return {"text": b.text(), "tab": tab, "shown": b.isVisible(), "rect": rect(mine),
                "inside": outer.contains(mine), "whole": visible.size() == b.size(), "in_scroll_area": scrolls}

    def toolbar(self) -> dict:
        """The as-of date and the policy label: shown in the toolbar itself, not its overflow."""
        w = self.window
        out = {}
        for key, widget in (("as_of", w.as_of), ("as_of_label", w.as_of_label), ("policy", w.policy_label)):
            bar = widget.parentWidget()
            out[key] = {"shown": widget.isVisible(), "rect": rect(global_rect(widget)),
                        "in_window": global_rect(w).contains(global_rect(widget)),
                        "in_bar": bar is not None and global_rect(bar).contains(global_rect(widget)),
                        "whole": widget.visibleRegion().boundingRect().size() == widget.size(),
                        "text": widget.text() if hasattr(widget, "text") else "",
                        "width": widget.width(), "hint": widget.sizeHint().width()}
        return out

    def main_window(self, state: str) -> None:
        QApplication.processEvents()
        self.records.append(self.measure(self.window, "MainWindow", state))

    # ------------------------------------------------------------------ driving
    def trigger(self, action: QAction, name: str) -> None:
        self.step = name
        action.trigger()
        self.wait()

    def menu_actions(self) -> list[tuple[str, QAction]]:
        """Every action of every menu, in menu order, but those that only change what is shown
        (check marks: panels, language), the recent files, and those that end or clear the work."""
        w = self.window
        skip = {id(a) for a in (w.act_quit, w.act_clear, w.act_remove)}
        skip_menus = {id(w.recent_menu), id(w.menu_lang)}
        out: list[tuple[str, QAction]] = []

        def walk(menu: QMenu, path: str) -> None:
            for a in menu.actions():
                if a.menu() is not None:
                    if id(a.menu()) not in skip_menus:
                        walk(a.menu(), f"{path}/{a.text()}")
                elif not a.isSeparator() and not a.isCheckable() and id(a) not in skip:
                    out.append((f"{path}/{a.text()}", a))

        for a in w.menuBar().actions():
            if a.menu() is not None:
                walk(a.menu(), a.text())
        return out


def main(out: Path, work: Path, lang: str = "zh") -> int:
    from desktop.app import _application

    app = _application([])
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    from desktop.paths import default_policy_path, samples_dir
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings

    samples = [str(p) for p in sorted(samples_dir().iterdir())]
    outputs = work / "out"
    outputs.mkdir(parents=True, exist_ok=True)
    long_policy = work / LONG_POLICY
    shutil.copyfile(default_policy_path(), long_policy)
    answers = {"forms": "", "policy": ""}  # what the file dialogs answer besides the samples

    def open_names(parent=None, caption="", folder="", filter="", *args, **kwargs):  # noqa: A002
        if "ods)" in filter and answers["forms"]:  # the filled approval workbooks: the forms exported
            return [answers["forms"]], filter
        return samples, filter

    def open_name(parent=None, caption="", folder="", filter="", *args, **kwargs):  # noqa: A002
        if "toml" in filter:
            return answers["policy"] or str(long_policy), filter
        return "", filter  # anything else: cancelled

    def save_name(parent=None, caption="", folder="", filter="", *args, **kwargs):  # noqa: A002
        path = outputs / Path(folder or "out.xlsx").name
        if path.name.startswith("审批表") and "结果" not in path.name:  # the approval workbook, not the decisions
            answers["forms"] = str(path)
        return str(path), filter

    QFileDialog.getOpenFileNames = staticmethod(open_names)
    QFileDialog.getOpenFileName = staticmethod(open_name)
    QFileDialog.getSaveFileName = staticmethod(save_name)
    QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: str(outputs))

    settings = Settings()
    settings.save_open_folder_after_export(False)
    # a register deep in a shared folder: the About box names it
    register = work / "Shared" / "Finance" / "Credit_Management" / "Customer_Credit_Rating_2026" / \
        "Rating_Register_of_the_East_China_Sales_Company_Finance_Department" / "register.sqlite"
    register.parent.mkdir(parents=True)
    settings.save_register_path(str(register))
    window = MainWindow(Language(app, lang), settings)
    window.show()
    walk = Walk(app, window)
    QTest.qWait(200)
    walk.main_window("start")

    window.as_of.setDate(QDate(2026, 6, 30))
    walk.step = "read and rate"
    window.add_files([Path(p) for p in samples])
    walk.wait()
    window.rate()
    walk.wait()
    QTest.qWait(100)
    walk.main_window("rated")

    walk.step = "double-click a sheet"  # the column mapping dialog
    view = window.sheets_view
    index = view.model().index(0, 0)
    view.scrollTo(index)
    centre = view.visualRect(index).center()
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    walk.wait()

    for name, action in walk.menu_actions():
        if not action.isEnabled():  # out of date after a choice of policy: rate again first
            window.rate()
            walk.wait()
        if action.isEnabled():
            walk.trigger(action, name)

    walk.step = "an export that cannot be written"  # the error box, with a long path in it
    window.rate()
    walk.wait()
    deep = work / "a-file-not-a-folder.txt"
    deep.write_text("x", encoding="utf-8")
    window.export_results(deep / "按业务员与销售部经理分别汇总的客户信用评级结果与审批明细（2026年6月30日评估基准日）" / "评级结果.xlsx")
    walk.wait()
    walk.step = "an export that cannot be written, an English path"
    window.export_results(deep / "Credit_rating_results_by_salesperson_and_sales_manager_with_approvals_2026-06-30" /
                          "Customer_credit_rating_results_of_the_East_China_sales_company.xlsx")
    walk.wait()

    walk.step = "an error naming a Windows path"  # as the engine words it on Windows: nothing to wrap at
    window._error("无法写入文件 C:\\Users\\zhangsan\\Documents\\Credit_Management\\Customer_Credit_Rating_2026"
                  "\\East_China_Sales_Company\\Credit_rating_results_by_salesperson_2026-06-30.xlsx：该文件正在 Excel 中打开。",
                  "output")
    walk.wait()

    walk.step = "About, the register on a network share"  # a Windows path: no space, no slash to wrap at
    settings.save_register_path("\\\\fileserver\\Finance_Department\\Credit_Management\\Customer_Credit_Rating_2026"
                                "\\Rating_Register_of_the_East_China_Sales_Company\\register.sqlite")
    window.about()
    walk.wait()
    settings.save_register_path(str(register))

    walk.step = "a policy file that cannot be used"  # its problems listed in a box
    broken = work / "有问题的政策.toml"
    text = default_policy_path().read_text(encoding="utf-8")
    for old, new in (("points = 30\n", "points = 300\n"), ('range = "(0, 7]"', 'range = "(1, 7]"'),
                     ("min_score = 80", "min_score = 95"), ("sales_manager_max_days = 90", "sales_manager_max_days = -9"),
                     ("round_down_to = 1000", "round_down_to = 0.5"), ("points = 15\n", "points = 15.5\n")):
        text = text.replace(old, new)
    broken.write_text(text, encoding="utf-8")
    answers["policy"] = str(broken)
    window.choose_policy()
    walk.wait()
    answers["policy"] = ""

    window.as_of.setDate(QDate(2026, 5, 31))  # out of date: the banner shows
    QTest.qWait(100)
    walk.main_window("out of date")

    walk.timer.stop()
    window.close()
    out.write_text(json.dumps(walk.records, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), *(sys.argv[3:4] or ["zh"])))
