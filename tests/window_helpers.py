"""The window as the window tests open and drive it: isolated settings, signals, no sleeps."""

from __future__ import annotations

from PySide6.QtCore import QDate, QSettings, QStandardPaths

from desktop.ui.i18n import Language
from desktop.ui.main_window import MainWindow
from desktop.ui.settings import Settings

TIMEOUT = 60_000


def open_window(qtbot, qapp, tmp_path, engine=None) -> MainWindow:
    """A shown main window (Chinese, as of 2026-06-30) whose settings live in ``tmp_path``;
    ``engine``: another engine for it (before its first job starts one)."""
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    settings = Settings()
    settings.save_open_folder_after_export(False)
    w = MainWindow(Language(qapp, "zh"), settings)
    if engine is not None:
        w.engine = engine
    qtbot.addWidget(w)
    w.as_of.setDate(QDate(2026, 6, 30))
    w.resize(1300, 800)
    w.show()
    return w


def load(qtbot, w, files) -> None:
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        w.add_files(list(files))
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)


def rate(qtbot, w) -> None:
    with qtbot.waitSignal(w.rated, timeout=TIMEOUT):
        w.rate()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
