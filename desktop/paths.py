"""The only code that knows where bundled files live (source tree, installed wheel, frozen app)."""

from __future__ import annotations

import sys
from pathlib import Path


def templates_dir() -> Path:
    """The ``templates/`` folder shipped with the program."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "templates"
    here = Path(__file__).resolve().parent
    for candidate in (here.parent / "templates", here / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"templates folder not found next to {here}")


def default_policy_path() -> Path:
    return templates_dir() / "policy" / "default.toml"


def samples_dir() -> Path:
    return templates_dir() / "samples"


def samples_history_dir() -> Path:
    """What the samples' customers invoiced and paid after the samples' as-of date (to back-test)."""
    return templates_dir() / "samples-history"


def help_guide_path(lang: str) -> Path:
    """The user guide (F1) in ``lang`` ("zh" or "en"): ``templates/help/guide_<lang>.html``."""
    return templates_dir() / "help" / f"guide_{'en' if lang == 'en' else 'zh'}.html"


# The user's data folder and what lives in it, named the same on every system (this module is the
# one place that knows): the window's settings, the mapping profiles, the logs and the register.
APP_FOLDER = "CreditDesk"
SETTINGS_FILE = "settings.ini"
LOGS_FOLDER = "logs"
REGISTER_FILE = "register.sqlite"
HOME_VARIABLE = "CREDIT_DESK_HOME"  # IT's choice of the data folder (group policy): the folder itself


def _env(name: str) -> str:
    import os
    return os.environ.get(name, "").strip()


def user_data_folder() -> Path:
    """The one folder of the user's data: settings, mapping profiles, ``logs/`` and the rating register.

    ``CREDIT_DESK_HOME`` when IT sets it (the folder itself, %VARIABLES% and ~ expanded); else
    %LOCALAPPDATA%\\CreditDesk on Windows (Local, not Roaming: a roaming profile copies the
    register back and forth at logon and logoff, and folder redirection puts Roaming on a server),
    ~/Library/Application Support/CreditDesk on macOS, $XDG_DATA_HOME/CreditDesk
    (~/.local/share/CreditDesk) elsewhere."""
    import os
    configured = _env(HOME_VARIABLE)
    if configured:
        return Path(os.path.expanduser(os.path.expandvars(configured)))
    return default_data_folder()


def default_data_folder() -> Path:
    """The data folder when IT configures none (``CREDIT_DESK_HOME`` unset)."""
    if sys.platform == "win32":
        base = Path(_env("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(_env("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_FOLDER


def settings_file() -> Path:
    """The window's settings (window layout, recent files, language, the register chosen): an INI file."""
    return user_data_folder() / SETTINGS_FILE


def profiles_folder() -> Path:
    """Where the column mapping profiles are saved (``mapping_profiles.json``)."""
    return user_data_folder()


def logs_folder() -> Path:
    """The log files; ``CREDIT_DESK_LOG_DIR`` puts them elsewhere."""
    return Path(_env("CREDIT_DESK_LOG_DIR") or user_data_folder() / LOGS_FOLDER)


def default_register_path() -> Path | str:
    """The rating register used unless the settings or ``--register`` name another;
    ``CREDIT_DESK_REGISTER`` names another for everyone: a file, or a team register's URL
    (``postgresql://...``, kept as text: a Path would collapse its ``//``)."""
    given = _env("CREDIT_DESK_REGISTER")
    if given and given.strip().lower().startswith(("postgresql://", "postgres://")):
        return given.strip()
    return Path(given or user_data_folder() / REGISTER_FILE)


def old_data_locations() -> list[tuple[str, Path]]:
    """Where earlier versions kept what now lives in the data folder, newest first: (what, path),
    what being "register", "settings" or "profiles" (a folder holding ``mapping_profiles.json``).

    Until this version: the register (and the profiles) in %APPDATA%\\CreditDesk (Roaming) on
    Windows; the settings where Qt keeps an INI file of organisation "CreditDesk", application
    "Credit Desk" (%APPDATA%\\CreditDesk\\Credit Desk.ini; $XDG_CONFIG_HOME/CreditDesk/Credit Desk.ini,
    ~/.config on macOS); before that the profiles in Qt's application-data folder, ``Credit Desk``
    inside the data folder. With ``CREDIT_DESK_HOME`` set, the default data folder comes first."""
    here, default = user_data_folder(), default_data_folder()
    if sys.platform == "win32":
        roaming = Path(_env("APPDATA") or Path.home() / "AppData" / "Roaming") / APP_FOLDER
        folders, config = [roaming], roaming
    else:
        folders = []
        config = Path((_env("XDG_CONFIG_HOME") if sys.platform != "darwin" else "") or Path.home() / ".config")
        config = config / APP_FOLDER
    old: list[tuple[str, Path]] = []
    if default != here:
        folders.insert(0, default)
        old.append(("settings", default / SETTINGS_FILE))
    old += [("register", folder / REGISTER_FILE) for folder in folders]
    old.append(("settings", config / "Credit Desk.ini"))
    for folder in dict.fromkeys([*folders, default]):
        old += [("profiles", folder), ("profiles", folder / "Credit Desk")]
    mine = {"register": here / REGISTER_FILE, "settings": here / SETTINGS_FILE, "profiles": here}
    return [(what, path) for what, path in old if path != mine[what]]
