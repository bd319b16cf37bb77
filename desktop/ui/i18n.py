"""Chinese and English interface, switchable while running.

The source strings are English; a QTranslator answers Qt's ``tr()`` from the window's part of
the catalogue (desktop/messages/window.py), so dialogs using ``self.tr`` follow the language
too; Qt's own translations (standard buttons, file dialogs) are loaded from the Qt installation.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from desktop.messages.window import FIELD_WORDS_ZH, ZH  # noqa: E402


class _TableTranslator(QTranslator):
    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: D401
        # None (a null string): not ours, ask the next translator. Qt's own classes (QFileDialog,
        # QFileSystemModel, ...) are Qt's translations': their "Name" is a file's, not a customer's.
        if context and context.startswith("Q"):
            return None
        return ZH.get(source_text)

    def isEmpty(self) -> bool:  # noqa: N802
        return False


class Language:
    """The interface language; ``text()`` for our strings, Qt translators for ``tr()``."""

    def __init__(self, app: QCoreApplication | None, code: str = "zh"):
        self.app = app
        self.code = "en"
        self._ours = _TableTranslator()
        self._qt = QTranslator()
        self.switch(code if code in ("zh", "en") else "zh")

    def switch(self, code: str) -> None:
        if self.app is not None:
            self.app.removeTranslator(self._ours)
            self.app.removeTranslator(self._qt)
            if code == "zh":
                path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
                if self._qt.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", path):
                    self.app.installTranslator(self._qt)
                self.app.installTranslator(self._ours)
        self.code = code

    def text(self, source: str) -> str:
        return ZH.get(source, source) if self.code == "zh" else source

    def field_words(self) -> dict[str, str]:
        return FIELD_WORDS_ZH if self.code == "zh" else {k: k.replace("_", " ") for k in FIELD_WORDS_ZH}
