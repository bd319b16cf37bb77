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


def help_guide_path(lang: str) -> Path:
    """The user guide (F1) in ``lang`` ("zh" or "en"): ``templates/help/guide_<lang>.html``."""
    return templates_dir() / "help" / f"guide_{'en' if lang == 'en' else 'zh'}.html"


def user_data_folder() -> Path:
    """Where the program keeps the user's data (the rating register) without Qt:
    %APPDATA%\\CreditDesk on Windows, ~/Library/Application Support/CreditDesk on macOS,
    $XDG_DATA_HOME/CreditDesk (~/.local/share/CreditDesk) elsewhere."""
    import os
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "CreditDesk"


def default_register_path() -> Path:
    """The rating register used unless the settings or ``--register`` name another."""
    import os
    return Path(os.environ.get("CREDIT_DESK_REGISTER") or user_data_folder() / "register.sqlite")
