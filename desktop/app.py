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


def main(argv: list[str] | None = None) -> int:
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import Settings

    app = _application(sys.argv[1:] if argv is None else argv)
    settings = Settings()
    window = MainWindow(Language(app, settings.language()), settings)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
