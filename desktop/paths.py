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
