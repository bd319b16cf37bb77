"""Screenshots of the window for the README: main window, detail pane, mapping dialog, policy editor.

    xvfb-run -a -s "-screen 0 1600x1000x24" python scripts/screenshots.py [FOLDER]   (default: docs/)

Without a display it falls back to Qt's offscreen platform.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QDate, QEventLoop, QSettings, QStandardPaths, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def wait(signal, timeout_ms: int = 60_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def settle(app: QApplication, ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from desktop.app import _application
    from desktop.paths import samples_dir
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings

    app = _application([])
    settings = Settings()
    settings.save_open_folder_after_export(False)
    w = MainWindow(Language(app, "zh"), settings)
    w.resize(1480, 900)
    w.show()
    w.as_of.setDate(QDate(2026, 6, 30))
    w.add_files(sorted(samples_dir().iterdir()))
    wait(w.imported)
    w.rate()
    wait(w.rated)
    settle(app)
    row = next(r for r in range(w.results_model.rowCount()) if w.results_model.index(r, 0).data() == "C0007")
    w.table.selectRow(row)
    settle(app)
    w.grab().save(str(folder / "main-window.png"))
    w.detail.grab().save(str(folder / "detail-pane.png"))

    source = next(s for s in w.sheets_model._rows if s.kind == "receipts")
    dialog = w.map_columns(source)
    settle(app)
    dialog.grab().save(str(folder / "mapping-dialog.png"))
    dialog.reject()

    editor = w.edit_policy()
    editor.items_list.setCurrentRow(0)
    editor.bands.item(1, 0).setText("(0, 8]")  # an invalid edit: shows the problem list at work
    settle(app)
    editor.grab().save(str(folder / "policy-editor.png"))
    editor.close()
    w.close()
    for name in ("main-window", "detail-pane", "mapping-dialog", "policy-editor"):
        print(folder / f"{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "docs")
