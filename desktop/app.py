"""Start the window (GUI start-up only)."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont, QGuiApplication
    from PySide6.QtWidgets import QApplication

    from desktop import __version__
    from desktop.ui.i18n import Language
    from desktop.ui.main_window import MainWindow
    from desktop.ui.settings import APP, ORG, Settings

    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv[:1] if argv is None else ["credit-desk", *argv])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationVersion(__version__)
    font = QFont()
    font.setFamilies(["Microsoft YaHei UI", "DengXian", "Noto Sans CJK SC", "WenQuanYi Zen Hei", font.family()])
    app.setFont(font)
    settings = Settings()
    window = MainWindow(Language(app, settings.language()), settings)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
