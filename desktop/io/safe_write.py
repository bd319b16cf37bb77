"""Atomic output: write beside the target, then replace it; never touch an input file."""

from __future__ import annotations

import contextlib
import os
import tempfile
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
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".~{target.stem}.", suffix=target.suffix + ".tmp", dir=folder)
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


def _replace(tmp: Path, target: Path) -> None:
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
        except PermissionError:
            raise OutputFileError(f"{target}: no permission to write") from None
        except OSError as exc:
            raise OutputFileError(f"{target}: cannot be written: {exc.strerror or exc}") from None
    return Path(target)
