"""Screenshots of the 回测 view and the what-if panel, in Chinese, on the samples.

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json python scripts/screenshot_backtest.py [FOLDER]

SCREEN.json describes a 1366x728 screen as tests/test_screens.py does (Qt's offscreen screen is
800x600 without one, and the view would scroll).
docs/window-backtest.png: the back-test view after re-rating the samples as of 2025-06-30,
2025-09-30 and 2025-12-31 (evaluated as of 2026-06-30); docs/window-what-if.png: the policy
editor's what-if panel with AA's minimum score raised to 88. Each is the dialog alone.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtCore import QDate, QSettings, QStandardPaths  # noqa: E402
from screenshots import settle, wait  # noqa: E402


def grab(widget, path: Path) -> None:
    """The dialog alone, as it is drawn (a screen's grab would show the window behind it)."""
    settle()
    widget.grab().save(str(path))
    print(path)


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="screens "))
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    os.environ.setdefault("CREDIT_DESK_REGISTER", str(work / "register.sqlite"))
    os.environ.setdefault("CREDIT_DESK_HOME", str(work / "data"))
    from desktop.app import _application
    from desktop.paths import samples_dir
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings

    app = _application([])
    settings = Settings()
    settings.save_open_folder_after_export(False)
    w = MainWindow(Language(app, "zh"), settings)
    w.show()
    w.as_of.setDate(QDate(2026, 6, 30))
    w.add_files(sorted(samples_dir().iterdir()))
    wait(w.imported)
    w.rate()
    wait(w.rated)
    settle()

    dialog = w.show_backtest()
    dialog.use_rerate.setChecked(True)
    dialog.set_dates([date(2025, 6, 30), date(2025, 9, 30), date(2025, 12, 31)])
    dialog.run()
    wait(w.backtested)
    settle()
    grab(dialog, folder / "window-backtest.png")
    dialog.close()

    editor = w.edit_policy()
    editor.levels.item(1, 0).setText("88")  # AA from 80
    editor.what_if_button.click()
    wait(w.what_if_done)
    settle()
    grab(editor.what_if_panel, folder / "window-what-if.png")
    editor.done(0)
    w.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs")
