"""Screenshots of the window for the README, in Chinese, as a clerk's screen shows them.

    xvfb-run -a -s "-screen 0 1366x768x24" python scripts/screenshots.py 1366
    QT_SCALE_FACTOR=2 xvfb-run -a -s "-screen 0 1920x1080x24" python scripts/screenshots.py 200

The first argument names the screen in the files' names (docs/window-1366.png, ...); each shot is
the whole screen, so what does not fit would show. Shots: the main window after rating the
samples (a customer's detail pane open), the mapping dialog of a customer sheet whose ID, name
and salesperson headers were renamed (the headers it knows mapped, the unused columns listed),
the policy editor with an invalid band typed (its problem listed), and the error box of a file
that is not a workbook; the main window once more with Windows 11's dark palette (Fusion style),
docs/window-dark.png (window-<name>-dark.png for another screen than 1366). Without a display it falls back to Qt's offscreen platform (the window
alone, not the screen).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QDate, QEventLoop, QSettings, QStandardPaths, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402


def wait(signal, timeout_ms: int = 60_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def settle(ms: int = 400) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(app: QApplication, widget, path: Path) -> None:
    """The whole screen (what a clerk sees, the window where the program put it), or, offscreen,
    the widget alone."""
    settle()
    screen = app.primaryScreen()
    image = screen.grabWindow(0) if os.environ.get("QT_QPA_PLATFORM") != "offscreen" else widget.grab()
    image.save(str(path))
    print(path)


# Windows 11 in dark mode, as Qt 6 reads its palette from the system
DARK = {"Window": "#202020", "WindowText": "#ffffff", "Base": "#1c1c1c", "AlternateBase": "#2b2b2b",
        "Text": "#ffffff", "Button": "#2d2d2d", "ButtonText": "#ffffff", "Highlight": "#0078d4",
        "HighlightedText": "#ffffff", "PlaceholderText": "#9d9d9d", "Link": "#4cc2ff", "ToolTipBase": "#2b2b2b",
        "ToolTipText": "#ffffff", "BrightText": "#ffffff", "Light": "#3c3c3c", "Midlight": "#333333",
        "Mid": "#292929", "Dark": "#191919", "Shadow": "#000000"}


def shoot_dark(app: QApplication, widget, path: Path) -> None:
    """``widget`` under the dark palette, then the palette and style as they were."""
    from PySide6.QtGui import QColor, QPalette
    style, before = app.style().name(), QPalette(app.palette())
    app.setStyle("Fusion")
    dark = QPalette()
    for role, colour in DARK.items():
        dark.setColor(getattr(QPalette.ColorRole, role), QColor(colour))
    for role in ("WindowText", "Text", "ButtonText"):  # a disabled button looks disabled
        dark.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor("#787878"))
    app.setPalette(dark)
    shoot(app, widget, path)
    app.setStyle(style)
    app.setPalette(before)
    settle()


def renamed_customer_sheet(folder: Path) -> Path:
    import openpyxl

    from desktop.paths import samples_dir
    source = next(p for p in samples_dir().iterdir() if p.name.startswith("客户信用资料"))
    wb = openpyxl.load_workbook(source)
    ws = wb.active
    ws["A3"], ws["B3"], ws["D3"] = "代号", "户名", "经办人"
    path = folder / "客户信用资料 改表头.xlsx"
    wb.save(path)
    return path


def main(name: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="screens "))
    QStandardPaths.setTestModeEnabled(True)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(work / "settings"))
    os.environ.setdefault("CREDIT_DESK_REGISTER", str(work / "register.sqlite"))
    # the settings file lies in the data folder: a first start's window, not the layout this user left
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
    samples = sorted(samples_dir().iterdir())
    w.add_files(samples)
    wait(w.imported)
    w.rate()
    wait(w.rated)
    settle()
    row = next(r for r in range(w.results_model.rowCount()) if w.results_model.index(r, 0).data() == "C0007")
    w.table.selectRow(row)
    shoot(app, w, folder / f"window-{name}.png")
    shoot_dark(app, w, folder / ("window-dark.png" if name == "1366" else f"window-{name}-dark.png"))

    editor = w.edit_policy()
    editor.items_list.setCurrentRow(0)
    editor.bands.item(1, 0).setText("(0, 8]")  # an invalid edit: the problem list at work
    shoot(app, editor, folder / f"policy-editor-{name}.png")
    editor.discard_and_close() if hasattr(editor, "discard_and_close") else editor.done(0)
    settle()

    w.clear_files()
    others = [p for p in samples if not p.name.startswith("客户信用资料")]
    w.add_files(others + [renamed_customer_sheet(work)])
    wait(w.imported)
    settle()
    source = next(s for s in w.sheets_model._rows if s.sheet == "客户信用资料")
    dialog = w.map_columns(source)
    shoot(app, dialog, folder / f"mapping-{name}.png")
    dialog.reject()
    settle()

    junk = work / "不是工作簿.xlsx"
    junk.write_text("这只是一段文字。", encoding="utf-8")
    w.clear_files()
    w.add_files([junk])
    wait(w.imported)
    w.rate()
    wait(w.failed, 20_000)
    box = next((b for b in w.findChildren(QMessageBox) if b.isVisible()), w)
    shoot(app, box, folder / f"error-{name}.png")
    w.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "1366",
         Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs")
