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


def report_errors_to(window) -> None:
    """Every exception nobody caught (a slot, another thread, ``__del__``) goes with its traceback to
    the window's log (desktop.diagnostics); the clerk sees one box in their language, not a flood."""
    from desktop.diagnostics import install_hooks
    install_hooks(lambda line: window.report_internal_error())


class _CtrlC:
    """Ctrl+C in the terminal that started the window closes it, as its close button does.

    Qt's event loop runs no Python code until an event comes, so Python's SIGINT handler would
    wait (the window seemed to ignore Ctrl+C) and then raise KeyboardInterrupt inside whatever
    slot ran next, with a traceback. Here the signal wakes the loop through a socket, and the
    handler only schedules ``close()``, the close button's path: a running job is cancelled
    (before its commit point nothing changes), the engine is stopped, the layout saved.
    Closing is what someone pressing Ctrl+C at a terminal means; ignoring it would leave them
    only kill, which stops the engine wherever it is. The engine process, which gets the same
    Ctrl+C from the terminal, ignores it (desktop.engine.serve).
    """

    def __init__(self, window) -> None:
        import signal
        import socket

        from PySide6.QtCore import QSocketNotifier, QTimer

        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._drain)  # running Python code runs the handler
        signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        signal.signal(signal.SIGINT, lambda *_: QTimer.singleShot(0, window.close))

    def _drain(self) -> None:
        try:
            self._reader.recv(512)
        except OSError:
            pass

    def close(self) -> None:
        """After the event loop: a Ctrl+C ends the program quietly."""
        import signal
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGINT, _quit_quietly)
        self._notifier.setEnabled(False)
        self._reader.close()
        self._writer.close()


def _quit_quietly(*_args) -> None:
    """Ctrl+C before the window is up or after it closed: end without a traceback."""
    raise SystemExit(130)


def _could_not_start(language, exc: BaseException) -> int:
    """The window could not be built: the traceback to the log, one box for the clerk."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.diagnostics import details, log_exception
    from desktop.ui.main_window import (
        INTERNAL_ERRORS,
        add_diagnostics_buttons,
        internal_error_hint,
        internal_error_text,
        qt_versions,
    )

    log = log_exception(exc, "start-up")
    box = QMessageBox(QMessageBox.Icon.Critical, language.text("Internal error"),
                      internal_error_text(language, "start", str(log) if log else ""), QMessageBox.StandardButton.Ok)
    box.setInformativeText(internal_error_hint(language, str(log) if log else ""))
    add_diagnostics_buttons(box, language, details(INTERNAL_ERRORS["start"], extra=qt_versions()))
    box.exec()
    return 1


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

    from desktop.diagnostics import install_hooks, setup_logging
    from desktop.paths import samples_dir
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings

    app = _application([])
    setup_logging("window")
    settings = Settings()
    settings.save_open_folder_after_export(False)
    window = MainWindow(Language(app, "zh"), settings)
    window.show()
    window.as_of.setDate(QDate(2026, 6, 30))
    failures: list[str] = []
    window.failed.connect(lambda message, kind: failures.append(message))
    install_hooks(failures.append)  # an exception in a slot fails the build too (its traceback: the log)

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
    import signal

    signal.signal(signal.SIGINT, _quit_quietly)  # until the window is up (Qt loads for a second)
    from desktop.diagnostics import install_hooks, setup_logging
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--smoke-test"]:
        return smoke_test(argv[1] if len(argv) > 1 else "smoke-output")
    setup_logging("window")  # the user's data folder (CREDIT_DESK_LOG_DIR elsewhere); none: the window runs anyway
    install_hooks()
    from desktop.upgrade import carry_over_old_data
    carry_over_old_data()  # before the settings are read: an earlier version's are copied into the data folder
    app = _application(argv)
    settings = Settings()
    language = Language(app, settings.language())
    try:
        window = MainWindow(language, settings)
    except Exception as exc:  # a bug: one box, the traceback to the log
        return _could_not_start(language, exc)
    report_errors_to(window)
    ctrl_c = _CtrlC(window)
    window.show()
    window.engine.start()  # its libraries load while the clerk opens the workbooks
    try:
        return app.exec()
    finally:
        ctrl_c.close()


if __name__ == "__main__":
    sys.exit(main())
