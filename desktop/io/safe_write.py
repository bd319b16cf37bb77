"""Atomic output: write a temporary file, then replace the target in one step; never touch an input file.

The temporary file is made in the system's temporary folder when that folder is on the
same volume as the target (a rename there is atomic): a program killed mid-export leaves
nothing beside the target and the previous output as it was. On another volume (a network
share, a USB stick) it is made beside the target, hidden by its ``.~`` name, and such
leftovers of an earlier killed run are removed before the next export to that target.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import glob
import os
import shutil
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
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


SCRATCH_PREFIX = "credit-desk-job-"
_scratch: contextvars.ContextVar[Path | None] = contextvars.ContextVar("credit_desk_scratch", default=None)


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """A private temporary folder for one job, removed in every path (also Ctrl+C and cancel).

    It holds our temporary outputs (when the target is on the same volume) and the temporary
    files xlsxwriter makes while it writes, so nothing of a job is left in the system's temporary
    folder. Folders of jobs that were killed (their process is gone) are removed by the next job.
    """
    _remove_dead_scratch()
    folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    with contextlib.suppress(OSError):
        (folder / "owner.pid").write_text(str(os.getpid()), encoding="ascii")
    token = _scratch.set(folder)
    try:
        yield folder
    finally:
        _scratch.reset(token)
        shutil.rmtree(folder, ignore_errors=True)


def current_scratch() -> Path | None:
    """The running job's scratch folder (xlsxwriter's ``tmpdir``), or None outside a job."""
    return _scratch.get()


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # no signal 0 on Windows: ask the kernel for a handle to the process
        import ctypes
        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def _remove_dead_scratch() -> None:
    try:
        folders = list(Path(tempfile.gettempdir()).glob(SCRATCH_PREFIX + "*"))
    except OSError:
        return
    for folder in folders:
        try:
            pid = int((folder / "owner.pid").read_text(encoding="ascii"))
        except (OSError, ValueError):  # not written yet by a starting job, or damaged: by age
            if time.time() - folder.stat().st_mtime < _LEFTOVER_AGE_S:
                continue
            pid = -1
        if pid < 0 or not _process_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Staged:
    """An output written to its temporary file, waiting for the job's commit to replace the target."""

    target: Path
    tmp: Path

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            self.tmp.unlink()


def stage(target: str | Path, writer: Callable[[Path], None], inputs: Iterable[Path] = ()) -> Staged:
    """Run ``writer(tmp_path)``; the target is not touched (``replacing`` puts it in place).

    On any error (also cancel and Ctrl+C) the temporary file is removed.
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
    staged = Staged(target, Path(tmp_name))
    try:
        try:
            writer(staged.tmp)
        except Exception as exc:
            raise _write_error(target, exc) from None
    except BaseException:
        staged.discard()
        raise
    return staged


@contextlib.contextmanager
def replacing(staged: Sequence[Staged]) -> Iterator[None]:
    """Put every staged file in place, all or nothing; an error inside the block undoes it.

    The commit point of a job: the previous files are kept (a hard link, else a copy, hidden
    beside the target) until the block ends, so a target that cannot be replaced (open in
    Excel) or a register that cannot be written afterwards puts every earlier target back.
    """
    backups: list[tuple[Staged, Path | None]] = []
    try:
        for s in staged:
            backups.append((s, _backup(s.target)))
            _replace(s.tmp, s.target)
        yield
    except BaseException:
        for s, backup in reversed(backups):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, s.target)
                elif s.target.exists():
                    s.target.unlink()  # it did not exist before this job
        raise
    finally:
        for s in staged:
            s.discard()
        for _s, backup in backups:
            if backup is not None:
                with contextlib.suppress(OSError):
                    backup.unlink()


def _backup(target: Path) -> Path | None:
    """A hidden second name (or copy) of ``target``'s current content; None when there is none."""
    if not target.exists():
        return None
    folder = target.parent if str(target.parent) else Path(".")
    for _ in range(5):
        backup = folder / f".~{target.stem}.{os.urandom(4).hex()}{target.suffix}.bak"
        try:
            os.link(target, backup)
            return backup
        except FileExistsError:
            continue
        except OSError:  # no hard links here (FAT, some network shares): a copy
            try:
                shutil.copy2(target, backup)
                return backup
            except OSError as exc:
                raise OutputFileError(f"{target}: cannot be replaced safely ({exc.strerror or exc}). "
                                      f"The previous file is unchanged.") from None
    raise OutputFileError(f"{target}: cannot be replaced safely. The previous file is unchanged.")


def _temp_folder_for(folder: Path) -> Path:
    """The job's scratch folder (else the system temporary folder) when a rename from it onto
    ``folder`` is atomic, else ``folder``."""
    system = current_scratch() or Path(tempfile.gettempdir())
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
        for ext in ("tmp", "bak"):  # a backup of a killed job is a second name of the target: safe to drop
            for p in folder.glob(f".~{glob.escape(target.stem)}.*{glob.escape(target.suffix)}.{ext}"):
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
    staged = stage(target, writer, inputs)
    with replacing([staged]):
        pass
    return Path(target)


def _write_error(target: Path, exc: Exception) -> Exception:
    """``exc`` from a writer as the clerk's message, when it is the operating system's (else as it is)."""
    os_error = _os_error(exc)
    if os_error is None:
        return exc
    if isinstance(os_error, PermissionError):
        return OutputFileError(f"{target}: no permission to write. The previous file is unchanged.")
    if os_error.errno == errno.ENOSPC:
        return OutputFileError(f"{target}: the disk is full; free some space and export again. "
                               f"The previous file is unchanged.")
    return OutputFileError(f"{target}: cannot be written: {os_error.strerror or os_error}. "
                           f"The previous file is unchanged.")


def _os_error(exc: BaseException) -> OSError | None:
    """The operating-system error behind ``exc``: itself, or the one xlsxwriter wraps in FileCreateError."""
    if isinstance(exc, OSError):
        return exc
    for inner in (*exc.args, exc.__cause__, exc.__context__):
        if isinstance(inner, OSError):
            return inner
    return None
