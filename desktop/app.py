"""Start the window (GUI start-up only)."""

from __future__ import annotations

import sys


def _application(argv: list[str]):
    """The QApplication, with names, high-DPI policy and a font that shows Chinese."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont, QGuiApplication
    from PySide6.QtWidgets import QApplication

    from desktop import __version__
    from desktop.ui.settings import APP, ORG

    if QApplication.instance() is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(["credit-desk", *argv])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationVersion(__version__)
    font = QFont()
    font.setFamilies(["Microsoft YaHei UI", "DengXian", "Noto Sans CJK SC", "WenQuanYi Zen Hei", font.family()])
    app.setFont(font)
    return app


def _log_to_user_folder() -> None:
    """Logs go to the user's application-data folder, never next to the program."""
    import logging
    from logging.handlers import RotatingFileHandler

    from desktop.ui.settings import user_data_dir

    folder = user_data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(folder / "credit-desk.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


class _SmokeFailed(Exception):
    """A smoke-test step reported a failure."""


def smoke_test(out_dir: str) -> int:
    """Start the window offscreen, load the bundled samples, rate them and write both workbooks.

    Used on the frozen app so that a missing module, Qt plugin or data file fails the build.
    """
    import os
    from datetime import date
    from pathlib import Path

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import faulthandler
    import sys
    if sys.stderr is not None:  # a hang fails the build with every thread's stack instead of silence
        faulthandler.dump_traceback_later(240, exit=True)
    from PySide6.QtCore import QDate, QEventLoop, QTimer

    from desktop.paths import samples_dir
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings

    app = _application([])
    settings = Settings()
    settings.save_open_folder_after_export(False)
    window = MainWindow(Language(app, "zh"), settings)
    window.show()
    window.as_of.setDate(QDate(2026, 6, 30))
    failures: list[str] = []
    window.failed.connect(lambda message, kind: failures.append(message))

    def step(signal, start) -> None:
        """Start a job and wait for its signal (or a failure), then until the worker is gone."""
        loop = QEventLoop()
        signal.connect(loop.quit)
        window.failed.connect(loop.quit)
        QTimer.singleShot(120_000, loop.quit)
        start()
        loop.exec()
        while window.worker is not None:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 100)
        if failures:  # report and stop: the next step would only open a "rate first" message box
            raise _SmokeFailed()

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "smoke-test.txt").unlink(missing_ok=True)
    try:
        step(window.imported, lambda: window.add_files(sorted(samples_dir().iterdir())))
        step(window.rated, window.rate)
        step(window.exported, lambda: window.export_results(out / "评级结果.xlsx"))
        step(window.exported, lambda: window.export_forms(out / "审批表.xlsx"))
    except _SmokeFailed:
        pass
    written = [p for p in (out / "评级结果.xlsx", out / "审批表.xlsx") if p.exists()]
    rated = len(window.result.rating.decisions) if window.result else 0
    report = [f"smoke test: {rated} customers rated as of {date(2026, 6, 30)}; wrote {[p.name for p in written]}"]
    report += [f"smoke test failure: {f}" for f in failures]
    print("\n".join(report))
    # also as a file: a windowed build on Windows has no console to print to
    (out / "smoke-test.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
    window.close()  # waits for the last worker thread
    faulthandler.cancel_dump_traceback_later()
    return 0 if rated and len(written) == 2 and not failures else 1


def main(argv: list[str] | None = None) -> int:
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--smoke-test"]:
        return smoke_test(argv[1] if len(argv) > 1 else "smoke-output")
    app = _application(argv)
    _log_to_user_folder()
    settings = Settings()
    window = MainWindow(Language(app, settings.language()), settings)
    window.show()
    window.engine.start()  # its libraries load while the clerk opens the workbooks
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
