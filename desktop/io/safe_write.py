"""Atomic output: write a temporary file, then replace the target in one step; never touch an input file.

The temporary file is made in the system's temporary folder when that folder is on the
same volume as the target (a rename there is atomic): a program killed mid-export leaves
nothing beside the target and the previous output as it was. On another volume (a network
share, a USB stick) it is made beside the target, hidden by its ``.~`` name, and such
leftovers of an earlier killed run are removed before the next export to that target.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from desktop.errors import OutputFileError


def same_file(a: Path, b: Path) -> bool:
    """True when two paths name one file (symlinks, relative paths, case on Windows)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a.resolve())) == os.path.normcase(os.path.abspath(b.resolve()))


def check_target(target: Path, inputs: Iterable[Path]) -> None:
    for p in inputs:
        if same_file(target, Path(p)):
            raise OutputFileError(f"{target}: is one of the input files; choose another output name "
                                  f"(inputs are never overwritten)")


@contextlib.contextmanager
def atomic_path(target: str | Path, inputs: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces ``target``.

    On any error the temporary file is removed and an existing ``target`` is left as it was.
    """
    target = Path(target)
    check_target(target, inputs)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputFileError(f"{target}: cannot create the folder {folder}: {exc.strerror or exc}") from None
    _remove_leftovers(target)
    if not os.access(folder, os.W_OK):
        raise OutputFileError(f"{target}: no permission to write in {folder}")
    try:
        where = _temp_folder_for(folder)
        prefix = f".~{target.stem}." if where == folder else "credit-desk-"
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=target.suffix + ".tmp", dir=where)
    except PermissionError:
        raise OutputFileError(f"{target}: no permission to write in {folder}") from None
    except OSError as exc:
        raise OutputFileError(f"{target}: cannot write in {folder}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _temp_folder_for(folder: Path) -> Path:
    """The system temporary folder when a rename from it onto ``folder`` is atomic, else ``folder``."""
    system = Path(tempfile.gettempdir())
    try:
        if os.stat(system).st_dev == os.stat(folder).st_dev and os.access(system, os.W_OK):
            return system
    except OSError:
        pass
    return folder


_LEFTOVER_AGE_S = 600  # an export in progress in another window is younger than this


def _remove_leftovers(target: Path) -> None:
    """Temporary files of an earlier export to ``target`` that was killed (beside-the-target mode)."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        for p in folder.glob(f".~{glob.escape(target.stem)}.*{glob.escape(target.suffix)}.tmp"):
            with contextlib.suppress(OSError):
                if time.time() - p.stat().st_mtime > _LEFTOVER_AGE_S:
                    p.unlink()
    except OSError:
        pass


def _replace(tmp: Path, target: Path) -> None:
    try:  # a temporary file is private (0600); the output gets the old file's mode, or the usual 0644
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if target.exists() else 0o644)
    except OSError:
        pass
    try:
        os.replace(tmp, target)
    except PermissionError:
        raise OutputFileError(f"{target}: cannot be replaced: the file is open in another program "
                              f"(close it in Excel) or you have no permission. The previous file is unchanged.") \
            from None
    except OSError as exc:
        raise OutputFileError(f"{target}: cannot be written: {exc.strerror or exc}. "
                              f"The previous file is unchanged.") from None


def write_atomic(target: str | Path, writer: Callable[[Path], None], inputs: Iterable[Path] = ()) -> Path:
    """Run ``writer(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_path(target, inputs) as tmp:
        try:
            writer(tmp)
        except Exception as exc:
            os_error = _os_error(exc)
            if os_error is None:
                raise
            if isinstance(os_error, PermissionError):
                raise OutputFileError(f"{target}: no permission to write. The previous file is unchanged.") from None
            if os_error.errno == errno.ENOSPC:
                raise OutputFileError(f"{target}: the disk is full; free some space and export again. "
                                      f"The previous file is unchanged.") from None
            raise OutputFileError(f"{target}: cannot be written: {os_error.strerror or os_error}. "
                                  f"The previous file is unchanged.") from None
    return Path(target)


def _os_error(exc: BaseException) -> OSError | None:
    """The operating-system error behind ``exc``: itself, or the one xlsxwriter wraps in FileCreateError."""
    if isinstance(exc, OSError):
        return exc
    for inner in (*exc.args, exc.__cause__, exc.__context__):
        if isinstance(inner, OSError):
            return inner
    return None
