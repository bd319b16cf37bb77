"""UI state only (window layout, recent files, last folder, language), in QSettings.
The credit policy lives in its own file, never here.

The settings are an INI file named explicitly, ``settings.ini`` in the user's data folder
(``desktop.paths.settings_file``: Local AppData on Windows), beside the profiles, the logs and the
register - not where Qt would put it (Roaming AppData on Windows). ``ORG`` and ``APP`` name the
application to Qt; earlier versions' settings, in Qt's place, are copied over by desktop.upgrade."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORG, APP = "CreditDesk", "Credit Desk"
K_GEOMETRY, K_STATE, K_RECENT, K_LAST_FOLDER = "window/geometry", "window/state", "files/recent", "files/last_folder"
K_LANGUAGE, K_POLICY, K_OPEN_FOLDER = "ui/language", "rating/policy", "export/open_folder"
K_REGISTER = "rating/register"
MAX_RECENT = 10


def user_data_dir() -> Path:
    """The mapping profiles' folder, the same one the command line uses (``desktop.paths.profiles_folder``)."""
    from desktop.paths import profiles_folder
    folder = profiles_folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Settings:
    def __init__(self, path: Path | None = None) -> None:
        from desktop.paths import settings_file
        self.path = path or settings_file()  # the About box and IT can tell where it is
        self.q = QSettings(str(self.path), QSettings.Format.IniFormat)

    def recent_files(self) -> list[str]:
        value = self.q.value(K_RECENT, [])
        return [value] if isinstance(value, str) else list(value or [])

    def add_recent(self, paths: list[Path]) -> None:
        recent = [str(p) for p in paths] + [p for p in self.recent_files() if p not in {str(x) for x in paths}]
        self.q.setValue(K_RECENT, recent[:MAX_RECENT])

    def last_folder(self) -> str:
        return str(self.q.value(K_LAST_FOLDER, str(Path.home())))

    def save_last_folder(self, folder: Path) -> None:
        self.q.setValue(K_LAST_FOLDER, str(folder))

    def language(self) -> str:
        return str(self.q.value(K_LANGUAGE, "zh"))

    def save_language(self, lang: str) -> None:
        self.q.setValue(K_LANGUAGE, lang)

    def policy_path(self) -> str:
        return str(self.q.value(K_POLICY, ""))

    def save_policy_path(self, path: str) -> None:
        self.q.setValue(K_POLICY, path)

    def register_path(self) -> str:
        """The rating register every rating run is recorded in: an SQLite file's path, or a team
        register's URL (postgresql://user@host:5432/db) as the settings file keeps it."""
        from desktop.paths import default_register_path
        return str(self.q.value(K_REGISTER, "") or default_register_path())

    def register_location(self) -> str | Path:
        """The register as the jobs are given it: a URL as text (``Path`` would collapse its ``//``),
        a file as a Path."""
        from desktop.io.register import is_url
        value = self.register_path()
        return value.strip() if is_url(value) else Path(value)

    def save_register_path(self, path: str) -> None:
        """A file's path, or a URL without its password: the settings file is plain text, so a
        password typed in the address is never written here (the window keeps it for the session)."""
        from desktop.io.register import is_url, without_password
        self.q.setValue(K_REGISTER, str(without_password(path.strip())) if is_url(path) else path)

    def open_folder_after_export(self) -> bool:
        return str(self.q.value(K_OPEN_FOLDER, "true")).lower() == "true"

    def save_open_folder_after_export(self, flag: bool) -> None:
        self.q.setValue(K_OPEN_FOLDER, "true" if flag else "false")

    def geometry(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self.q.value(K_GEOMETRY), self.q.value(K_STATE)

    def save_geometry(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue(K_GEOMETRY, geometry)
        self.q.setValue(K_STATE, state)
