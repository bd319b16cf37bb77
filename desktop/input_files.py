"""The files a clerk names as inputs: wildcards expanded where no shell does it, and files that are
never workbooks skipped with a note.

cmd.exe and PowerShell hand ``templates\\samples\\*.xlsx`` to the program as it was typed; a
Unix shell expands it but also hands over Excel's lock file ``~$客户.xlsx`` of a workbook that is
open. Skipped, with the catalogue code that says why: Excel's (and WPS's) lock files ``~$...``
however they were named, on Windows a file with the hidden or system attribute, and a dot-file
(``.~结果.xlsx``) a wildcard of ours matched. Used by the command line and by the window (which
gets no patterns, only the lock files to skip).
"""

from __future__ import annotations

import glob
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

WILDCARDS = frozenset("*?[")
LOCK_FILE_PREFIX = "~$"  # Excel's and WPS's owner file beside an open workbook: ~$客户.xlsx
_HIDDEN_OR_SYSTEM = stat.FILE_ATTRIBUTE_HIDDEN | stat.FILE_ATTRIBUTE_SYSTEM


def is_lock_file(path: str | os.PathLike) -> bool:
    """Excel's (or WPS's) lock file of an open workbook, never a workbook itself."""
    return Path(path).name.startswith(LOCK_FILE_PREFIX)


def hidden_or_system(path: str | os.PathLike) -> bool:
    """Windows: the file has the hidden or the system attribute (elsewhere: never)."""
    if sys.platform != "win32":
        return False
    try:
        return bool(os.stat(path).st_file_attributes & _HIDDEN_OR_SYSTEM)
    except (OSError, AttributeError):  # not there: the reader says so, with its own message
        return False


def skip_reason(path: str | os.PathLike, matched: bool) -> str | None:
    """The catalogue code saying why ``path`` is not read, or None to read it.

    ``matched``: the file came from a wildcard of ours, not named as it is (a dot-file is then
    skipped too; named by the clerk it is read).
    """
    if is_lock_file(path):
        return "input.skipped.lock_file"
    if matched and Path(path).name.startswith("."):
        return "input.skipped.dot_file"
    if hidden_or_system(path):
        return "input.skipped.hidden"
    return None


def has_wildcard(arg: str) -> bool:
    return any(c in WILDCARDS for c in arg)


@dataclass
class Expanded:
    """What the input arguments name: the files to read, in order, and what was left out."""

    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # (file, catalogue code)
    unmatched: list[str] = field(default_factory=list)  # patterns that match no file


def matches(pattern: str, windows: bool | None = None) -> list[str]:
    """The files (not folders) ``pattern`` matches, sorted (ignoring case on Windows, as its file
    system does: glob matches without case there). A folder of the pattern that exists as it is
    written is taken literally, so ``D:\\报表[2026]\\*.xlsx`` looks in the folder named with the
    brackets."""
    windows = sys.platform == "win32" if windows is None else windows
    folder, name = os.path.split(pattern)
    while folder and not os.path.isdir(folder):  # D:\报表[2026]\一*\*.xlsx: the folder above the wildcard
        above, step = os.path.split(folder)
        if above == folder:
            break
        folder, name = above, os.path.join(step, name)
    if folder and os.path.isdir(folder):
        pattern = os.path.join(glob.escape(folder), name)
    found = [f for f in glob.glob(pattern, include_hidden=True) if os.path.isfile(f)]
    return sorted(found, key=str.casefold) if windows else sorted(found)


def expand(args: Iterable[str | os.PathLike], windows: bool | None = None) -> Expanded:
    """Each argument that names an existing file (or folder) is taken as it is, also when its name
    holds ``[`` (``a[1].xlsx``); one holding ``*``, ``?`` or ``[`` that names nothing is a pattern.
    A file that two patterns match is read once."""
    out, seen = Expanded(), set()
    for arg in args:
        text = os.fspath(arg)
        if has_wildcard(text) and not os.path.exists(text):
            found = matches(text, windows)
            if not found:
                out.unmatched.append(text)
            named = [(Path(f), True) for f in found]
        else:
            named = [(Path(text), False)]
        for path, matched in named:
            if matched and path in seen:
                continue
            seen.add(path)
            code = skip_reason(path, matched)
            if code is None:
                out.files.append(path)
            else:
                out.skipped.append((path, code))
    return out
