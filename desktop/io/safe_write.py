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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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


def same_name_ignoring_case(a: Path, b: Path) -> bool:
    """True when two names differ only in capitals: one file on Windows and macOS, and a trap elsewhere."""
    def name(p: Path) -> str:
        try:
            return os.path.abspath(p.resolve()).casefold()
        except (OSError, RuntimeError):
            return os.path.abspath(p).casefold()
    return name(a) == name(b)


def check_target(target: Path, inputs: Iterable[Path], register: bool = False) -> None:
    """Refuse ``target`` when it is one of the ``inputs`` (``register``: the target is the rating register)."""
    for p in inputs:
        if same_file(target, Path(p)) or same_name_ignoring_case(target, Path(p)):
            if register:
                raise OutputFileError("error.register.is_input", file=target)
            raise OutputFileError("error.output.is_input", file=target)


SCRATCH_PREFIX = "credit-desk-job-"
_scratch: contextvars.ContextVar[Path | None] = contextvars.ContextVar("credit_desk_scratch", default=None)


@contextlib.contextmanager
def scratch_folder(registers: Sequence[str | Path | None] = ()) -> Iterator[Path]:
    """A private temporary folder for one job, removed in every path (also Ctrl+C and cancel).

    It holds our temporary outputs (when the target is on the same volume) and the temporary
    files xlsxwriter makes while it writes, so nothing of a job is left in the system's temporary
    folder. Folders of jobs that were killed (their process is gone) are removed by the next job
    (``registers``: this job's, whose password a killed job's journal did not keep).
    """
    sweep_leftovers(registers)
    folder = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    with contextlib.suppress(OSError):
        (folder / "owner.pid").write_text(str(os.getpid()), encoding="ascii")
    token = _scratch.set(folder)
    try:
        yield folder
    finally:
        _scratch.reset(token)
        _remove_made_folders(folder / _MADE)  # made for an output that was not put in place: empty, they go
        if (folder / _JOURNAL).exists():  # backups held open by another program: a later job removes them
            for p in folder.iterdir():
                if p.name not in (_JOURNAL, "owner.pid"):
                    shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def current_scratch() -> Path | None:
    """The running job's scratch folder (xlsxwriter's ``tmpdir``), or None outside a job."""
    return _scratch.get()


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # no signal 0 on Windows: ask the kernel about the process
        import ctypes
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return kernel32.GetLastError() == 5  # access denied: it exists (another user's)
        try:
            code = ctypes.c_ulong()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE; an exited process may still have open handles
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    return True


def sweep_leftovers(registers: Sequence[str | Path | None] = ()) -> None:
    """Remove the folders of jobs whose process is gone (killed), at every start of the program and
    of a job: an unfinished replacement is undone first. ``registers``: team register addresses with
    the password typed in this session (a journal keeps an address without it, so the server could
    not be asked whether a killed job committed, and the journal would wait for ever)."""
    from desktop.io.register import is_url, without_password
    known = {str(without_password(r)): str(r) for r in registers if is_url(r)}
    try:
        folders = list(Path(tempfile.gettempdir()).glob(SCRATCH_PREFIX + "*"))
    except OSError:
        return
    for folder in folders:
        try:
            pid = int((folder / "owner.pid").read_text(encoding="ascii"))
        except (OSError, ValueError):  # not written yet by a starting job, or damaged: by age
            try:
                if time.time() - folder.stat().st_mtime < _LEFTOVER_AGE_S:
                    continue
            except OSError:  # removed meanwhile by another job
                continue
            pid = -1
        if pid < 0 or not _process_alive(pid):
            _remove_listed_temps(folder / _BESIDE)
            recovered = _recover(folder / _JOURNAL, known)
            _remove_made_folders(folder / _MADE)  # after the recovery: a new output undone leaves its folder empty
            if recovered:  # else kept: a later job tries again (the file may be open now)
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

    On any error (also cancel and Ctrl+C) the temporary file is removed. A target another program
    holds (open in Excel) is refused before the writer runs, with nothing made.
    """
    target = Path(target)
    check_target(target, inputs)
    _check_replaceable(target)
    folder = target.parent if str(target.parent) else Path(".")
    missing = _missing_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_empty(missing)
        there = folder  # the folder it would be made in: what the clerk can change
        while not there.exists() and there.parent != there:
            there = there.parent
        if exc.errno == errno.EROFS:
            raise OutputFileError("error.output.read_only_disk", file=target, folder=there, detail=str(exc)) from None
        if isinstance(exc, PermissionError):
            raise OutputFileError("error.output.no_permission", file=target, folder=there, detail=str(exc)) from None
        raise OutputFileError("error.output.cannot_make_folder", file=target, folder=folder,
                              detail=str(exc.strerror or exc)) from None
    scratch = current_scratch()
    if scratch is not None and missing:  # the job's end (or, if it is killed, the next start) removes them if empty
        with contextlib.suppress(OSError), open(scratch / _MADE, "a", encoding="utf-8") as f:
            f.writelines(f"{p}\n" for p in missing)
    _remove_leftovers(target)
    if _read_only_disk(folder):
        raise OutputFileError("error.output.read_only_disk", file=target, folder=folder)
    if not os.access(folder, os.W_OK):
        raise OutputFileError("error.output.no_permission", file=target, folder=folder)
    try:
        where = _temp_folder_for(folder)
        prefix = f".~{target.stem}.~{os.getpid()}~" if where == folder else "credit-desk-"
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=target.suffix + ".tmp", dir=where)
    except PermissionError:
        raise OutputFileError("error.output.no_permission", file=target, folder=folder) from None
    except OSError as exc:
        raise OutputFileError("error.output.cannot_write_in", file=target, folder=folder,
                              detail=str(exc.strerror or exc)) from None
    os.close(fd)
    staged = Staged(target, Path(tmp_name))
    if scratch is not None and where == folder:  # beside the target: listed, so a killed job's is found
        with contextlib.suppress(OSError), open(scratch / _BESIDE, "a", encoding="utf-8") as f:
            f.write(tmp_name + "\n")
    try:
        try:
            writer(staged.tmp)
        except Exception as exc:
            raise _write_error(target, exc) from None
    except BaseException:
        staged.discard()
        raise
    return staged


_JOURNAL = "replacing.json"  # in the job's scratch folder: what the job is replacing, for a crash
_BESIDE = "beside-targets.txt"  # temporary files the job made beside its targets (another volume)
_MADE = "made-folders.txt"  # folders the job made for its targets, innermost first


def _missing_folders(folder: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would make for ``folder``, innermost first."""
    missing, p = [], Path(os.path.abspath(folder))
    while not os.path.lexists(p) and p != p.parent:
        missing.append(p)
        p = p.parent
    return missing


def _remove_empty(folders: Iterable[Path]) -> None:
    """Remove each folder that is empty, the deepest first (a folder holding a file stays, and so
    do the folders above it; its siblings are still removed)."""
    for p in sorted(folders, key=lambda f: len(Path(f).parts), reverse=True):
        try:
            os.rmdir(p)
        except OSError:  # gone already, or holds something
            continue


def _remove_made_folders(listing: Path) -> None:
    """The folders a job made for outputs that were never put in place (a cancel, an error, a kill)."""
    try:
        folders = [Path(line) for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError:
        return
    _remove_empty(folders)


def _read_only_disk(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


def _remove_listed_temps(listing: Path) -> None:
    try:
        names = listing.read_text(encoding="utf-8").splitlines()
    except OSError:
        return
    for name in names:
        if name.strip():
            with contextlib.suppress(OSError):
                os.unlink(name)


@contextlib.contextmanager
def replacing(staged: Sequence[Staged], proof: tuple[str | Path, str] | None = None) -> Iterator[None]:
    """Put every staged file in place, all or nothing; an error inside the block undoes it.

    The commit point of a job: the previous files are kept (a hard link, else a copy, hidden
    beside the target) until the block ends, so a target that cannot be replaced (open in
    Excel) or a register that cannot be written afterwards puts every earlier target back. A
    journal in the job's scratch folder says what was being replaced: when the process is
    killed inside the block, the next job puts the previous files back (or, when the journal
    says the job had committed, only removes the backups). ``proof`` is the rating register and
    the entry ("#N HASH") the block commits: when the register holds it, the job had committed even
    if it was killed before it could say so in the journal.
    """
    scratch = current_scratch()
    journal = scratch / _JOURNAL if scratch is not None else None
    entries = [{"target": str(s.target), "backup": str(_backup_name(s.target)) if s.target.exists() else None,
                "new": _identity(s.tmp)} for s in staged]
    for s in staged:  # a target open in Excel is found before any other target is touched
        _check_replaceable(s.target)
    _write_journal(journal, "replacing", entries, proof)
    done: list[dict] = []
    stuck: list[dict] = []  # backups that could not be removed (Windows: the file is held open)
    try:
        for s, e in zip(staged, entries):
            if e["backup"] is not None:
                _make_backup(s.target, Path(e["backup"]))
            try:
                _replace(s.tmp, s.target)
            except BaseException:  # this target is as it was (open in Excel, say): its backup is not needed
                if e["backup"] is not None and not _unlink(e["backup"]):
                    stuck.append({**e, "new": None})
                raise
            done.append(e)
        yield
    except BaseException:
        kept = [k for k in (_undo(e) for e in reversed(done)) if k]
        _write_journal(journal, "cleanup" if stuck else None, stuck)
        if kept:  # the previous file could not be put back: say where it is, never delete it
            raise OutputFileError("error.output.not_put_back", kept=", ".join(kept)) from None
        raise
    else:
        _write_journal(journal, "committed", entries)
        stuck += [{**e, "new": None} for e in done if e["backup"] is not None and not _unlink(e["backup"])]
        _write_journal(journal, "cleanup" if stuck else None, stuck)
    finally:
        for s in staged:
            s.discard()


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False


def check_replaceable(targets: Iterable[Path]) -> None:
    """Refuse, before anything is written, a run whose target another program holds (a workbook
    takes minutes to write: the clerk hears it at once, not after)."""
    for target in targets:
        _check_replaceable(Path(target))


def _check_replaceable(target: Path) -> None:
    """Refuse early, touching nothing, a target another program holds (Excel denies writing to the
    workbook it has open; Windows then refuses to replace it too). A hold of a moment (antivirus
    scanning the file just written) is waited out, about a second."""
    if not target.is_file():
        return
    for wait in (*RETRY_WAITS_S, None):
        try:
            with open(target, "r+b"):
                return
        except OSError as exc:
            if not _held(exc):
                return  # anything else shows itself, with its own message, when the file is replaced
            if wait is None or _read_only(target):
                raise _refusal(target, exc) from None
            time.sleep(wait)


# Waits between tries of a target another program holds: about a second in all, what an antivirus
# scan, the search indexer or OneDrive's sync of a file just written takes.
RETRY_WAITS_S = (0.05, 0.1, 0.2, 0.3, 0.4)
_HELD_WINERRORS = (5, 32, 33)  # access denied, sharing violation, lock violation


def _held(exc: OSError) -> bool:
    """Whether ``exc`` says another program holds the file (or denies access to it)."""
    return isinstance(exc, PermissionError) or getattr(exc, "winerror", None) in _HELD_WINERRORS


def _read_only(target: Path) -> bool:
    try:
        return not os.stat(target).st_mode & stat.S_IWUSR  # on Windows: the read-only attribute
    except OSError:
        return False


@dataclass(frozen=True)
class Holder:
    """Who has a file open, as its owner file beside it says: ``program`` "excel" (Excel or WPS,
    whose owner file is ``~$name``) or "libreoffice" (``.~lock.name#``); ``user`` "" when unknown."""

    program: str
    user: str


def who_holds(target: Path) -> Holder | None:
    """The owner file an office program keeps beside a file it has open; None when there is none.
    A damaged or unreadable owner file still says the program, without a name."""
    folder = target.parent if str(target.parent) else Path(".")
    for program, name, parse in (("libreoffice", f".~lock.{target.name}#", _libreoffice_user),
                                 ("excel", f"~${target.name}", _office_user)):
        owner = folder / name
        try:
            if not owner.is_file():
                continue
        except OSError:
            continue
        try:
            with open(owner, "rb") as f:
                raw = f.read(4096)
        except OSError:  # held open by its program
            return Holder(program, "")
        try:
            user = parse(raw)
        except Exception:  # noqa: BLE001  (a damaged owner file must not hide the real message)
            user = ""
        return Holder(program, user)
    return None


def _clean_name(name: str) -> str:
    """A user name fit for a message: printable characters only (no markup), at most 52 (Office's limit)."""
    import unicodedata
    kept = "".join(" " if unicodedata.category(c)[0] == "Z" else c for c in name
                   if c not in "<>&\ufffd" and unicodedata.category(c)[0] != "C")
    return kept.strip()[:52]


def _office_user(raw: bytes) -> str:
    """The user name in an Excel, WPS or Word owner file: byte 0 the name's length, the name in
    the ANSI code page padded to 54 bytes, then a 2-byte length and the name in UTF-16LE (at 55
    for Excel and PowerPoint, at 54 for Word); 165 bytes (162 for Word). The UTF-16 copy first."""
    for at in (55, 54):
        if len(raw) < at + 2:
            continue
        n = raw[at] | raw[at + 1] << 8
        if 0 < n <= 52 and len(raw) >= at + 2 + 2 * n:
            try:
                name = _clean_name(raw[at + 2:at + 2 + 2 * n].decode("utf-16-le"))
            except UnicodeDecodeError:
                continue
            if name and len(name) == n:
                return name
    if len(raw) < 55 or not 0 < raw[0] <= 54:  # cut short: the ANSI copy may be cut too
        return ""
    ansi = raw[1:54].rstrip(b" \x00")
    import locale
    for encoding in dict.fromkeys([locale.getencoding() if sys.platform == "win32" else "gbk", "gbk"]):
        try:
            return _clean_name(ansi.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    return ""


def _libreoffice_user(raw: bytes) -> str:
    """The user in a LibreOffice lock file: ``name,login,host,date,profile;`` in UTF-8, a backslash
    escaping a comma or semicolon; the name when LibreOffice was given one, else the login."""
    fields, field, escaped = [], [], False
    for c in raw.decode("utf-8", errors="replace"):
        if escaped:
            field.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c in ",;":
            fields.append("".join(field))
            field = []
            if c == ";" or len(fields) == 2:
                break
        else:
            field.append(c)
    fields.append("".join(field))
    return next((name for name in map(_clean_name, fields[:2]) if name), "")


def _refusal(target: Path, exc: OSError | None = None) -> OutputFileError:
    """The clerk's message for a target that cannot be replaced: read-only, open in an office
    program (by whom, when its owner file says), else held by some other program."""
    detail = str(exc or "")
    if _read_only(target):
        return OutputFileError("error.output.read_only_file", file=target, detail=detail)
    holder = who_holds(target)
    if holder is None:
        return OutputFileError("error.output.open_elsewhere", file=target, detail=detail)
    if holder.program == "libreoffice":
        if holder.user:
            return OutputFileError("error.output.open_in_libreoffice", file=target, user=holder.user, detail=detail)
        return OutputFileError("error.output.open_in_libreoffice_unnamed", file=target, detail=detail)
    if holder.user:
        return OutputFileError("error.output.open_in_excel", file=target, user=holder.user, detail=detail)
    return OutputFileError("error.output.open_in_excel_unnamed", file=target, detail=detail)


def _identity(path: Path) -> list[int] | None:
    """Device, file number, size and modification time: a rename keeps them all (on FAT the file
    number changes, size and time stay), so they say whether our file is the target now."""
    try:
        st = os.stat(path)
        return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]
    except OSError:
        return None


def _is_ours(target: Path, new: list[int] | None) -> bool:
    now = _identity(target)
    if now is None or not new:
        return False
    return now[:2] == new[:2] or (len(new) == 4 and now[2:] == new[2:])


def _write_journal(journal: Path | None, state: str | None, entries: list[dict],
                   proof: tuple[str | Path, str] | None = None) -> None:
    if journal is None:
        return
    if state is None:
        with contextlib.suppress(OSError):
            journal.unlink()
        return
    import json
    tmp = journal.with_suffix(".tmp")
    try:
        data = {"state": state, "entries": entries}
        if proof is not None:
            data["register"], data["head"] = str(proof[0]), proof[1]
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, journal)
    except OSError:  # no journal: a crash inside the block then leaves the backup for the clerk to see
        pass


def _undo(entry: dict) -> str:
    """Put one target back as it was; '' when done, else the path of the previous file kept."""
    target, backup = Path(entry["target"]), entry["backup"]
    for attempt in range(5):  # antivirus or the indexer may hold the file for a moment
        try:
            if backup is not None:
                os.replace(backup, target)
            elif _is_ours(target, entry["new"]):
                target.unlink()  # it did not exist before this job
            return ""
        except FileNotFoundError:
            return ""
        except OSError:
            time.sleep(0.05 * (attempt + 1))
    return str(backup or "")


def _recover(journal: Path, known: Mapping[str, str] | None = None) -> bool:
    """Finish a killed job's replacement: undo it, unless the job had committed (then drop the
    backups). False when a previous file could not be put back: the journal is kept for later.
    ``known``: a team register's address as the journal keeps it -> the same with its password."""
    import json
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return True
    except (OSError, ValueError):
        return True  # unreadable: nothing can be done with it
    register = data.get("register")
    committed = data.get("state") == "committed" or _in_register((known or {}).get(register, register),
                                                                 data.get("head"))
    if committed is None:  # the team register's server cannot say now: the journal waits for a later start
        return False
    ok = True
    for e in data.get("entries", []):
        backup = e.get("backup")
        if data.get("state") == "replacing" and not committed and _is_ours(Path(e["target"]), e.get("new")):
            ok = _undo(e) == "" and ok
        elif backup is not None:
            ok = _unlink(backup) and ok
    return ok


def _in_register(register: str | None, head: str | None) -> bool | None:
    """Whether the register holds the entry "#N HASH": the killed job committed its run. A team
    register (a URL, kept without its password) is asked on its server; None when it cannot be
    reached or logged in to now (then nothing is undone yet: decided at a later start)."""
    if not register or not head:
        return False
    from desktop.io.register import is_url
    if is_url(register):
        from desktop.io.register_pg import holds
        return holds(register, head)
    if not Path(register).exists():
        return False
    try:
        import sqlite3
        seq, digest = head.lstrip("#").split()
        db = sqlite3.connect(f"file:{Path(register).as_posix()}?mode=ro", uri=True, timeout=5)
        try:
            row = db.execute("SELECT hash FROM entries WHERE seq=?", (int(seq),)).fetchone()
        finally:
            db.close()
        return row is not None and row[0] == digest
    except (ValueError, sqlite3.Error, OSError):
        return False


def _backup_name(target: Path) -> Path:
    folder = target.parent if str(target.parent) else Path(".")
    return folder / f".~{target.stem}.~{os.getpid()}~{os.urandom(4).hex()}{target.suffix}.bak"


def _make_backup(target: Path, backup: Path) -> None:
    """A second name (hard link), else a copy, of ``target``'s current content."""
    try:
        os.link(target, backup)
        return
    except FileExistsError:
        raise OutputFileError("error.output.unsafe", file=target, detail="the backup name is taken") from None
    except OSError:  # no hard links here (FAT, some network shares): a copy
        pass
    try:
        shutil.copy2(target, backup)
    except OSError as exc:
        with contextlib.suppress(OSError):
            backup.unlink()  # a partial copy
        raise OutputFileError("error.output.unsafe", file=target, detail=str(exc.strerror or exc)) from None


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
    """Temporary files of an earlier export to ``target`` whose process is gone (beside-the-target mode).

    Only ``.tmp`` files of exactly this target, whose owner (the pid in the name) is not running,
    or of the older unnamed kind and older than ten minutes. Backups (``.bak``) are never removed
    here: a killed job's backup may be the only copy of the previous file, and the journal in that
    job's scratch folder says whether to put it back.
    """
    import re
    folder = target.parent if str(target.parent) else Path(".")
    owned = re.compile(r"^\.~" + re.escape(target.stem) + r"\.~(\d+)~[^.]*" + re.escape(target.suffix) + r"\.tmp$")
    unnamed = re.compile(r"^\.~" + re.escape(target.stem) + r"\.[^.~]+" + re.escape(target.suffix) + r"\.tmp$")
    try:
        for p in folder.glob(f".~{glob.escape(target.stem)}.*{glob.escape(target.suffix)}.tmp"):
            m = owned.match(p.name)
            with contextlib.suppress(OSError):
                if m is not None:
                    if not _process_alive(int(m.group(1))):
                        p.unlink()
                elif unnamed.match(p.name) and time.time() - p.stat().st_mtime > _LEFTOVER_AGE_S:
                    p.unlink()
    except OSError:
        pass


def _replace(tmp: Path, target: Path) -> None:
    """Move ``tmp`` onto ``target``, trying again for about a second while another program holds
    the target (antivirus, the indexer, OneDrive); then the output takes its folder's permissions."""
    try:  # a temporary file is private (0600): the output gets the old file's mode, or a new file's
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode) if target.exists() else _new_file_mode())
    except OSError:
        pass
    tries = 0
    for wait in (*RETRY_WAITS_S, None):
        tries += 1
        try:
            os.replace(tmp, target)
            break
        except OSError as exc:
            if not _held(exc):
                raise OutputFileError("error.output.cannot_write", file=target,
                                      detail=str(exc.strerror or exc)) from None
            if wait is None or _read_only(target):
                raise _refusal(target, exc) from None
            time.sleep(wait)
    if tries > 1:
        from desktop.diagnostics import LOG
        LOG.info("%s: held by another program, replaced at try %d", target, tries)
    _inherit_permissions(target)


def _new_file_mode() -> int:
    """The mode a program's new file gets: 0666 less the umask (0644 under the usual 022)."""
    if sys.platform == "win32":
        return 0o666  # only the read-only attribute: the permissions come from the folder
    try:  # Linux says the umask without changing it (os.umask would, for every thread a moment)
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


SE_FILE_OBJECT = 1
DACL_SECURITY_INFORMATION = 0x00000004
UNPROTECTED_DACL_SECURITY_INFORMATION = 0x20000000
ACL_REVISION = 2


def _advapi32():  # the Windows security calls (a function: tests put a stand-in here)
    import ctypes
    return ctypes.WinDLL("advapi32", use_last_error=True)


def _inherit_permissions(path: Path) -> None:
    """Windows: give ``path`` the permissions its folder passes on. A file made in %TEMP% and moved
    keeps %TEMP%'s private ones (only its owner could open it); an empty, unprotected DACL makes
    it take the inheritable entries of its new folder. A failure is logged: the file is in place."""
    if sys.platform != "win32":
        return
    from desktop.diagnostics import LOG
    try:
        import ctypes
        advapi32 = _advapi32()
        acl = ctypes.create_string_buffer(8)  # an ACL header with no entries
        if not advapi32.InitializeAcl(acl, ctypes.sizeof(acl), ACL_REVISION):
            raise OSError(ctypes.get_last_error(), "InitializeAcl failed")
        advapi32.SetNamedSecurityInfoW.argtypes = [ctypes.c_wchar_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_void_p,
                                                   ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        advapi32.SetNamedSecurityInfoW.restype = ctypes.c_uint32
        rc = advapi32.SetNamedSecurityInfoW(str(path), SE_FILE_OBJECT,
                                            DACL_SECURITY_INFORMATION | UNPROTECTED_DACL_SECURITY_INFORMATION,
                                            None, None, acl, None)
        if rc != 0:
            raise OSError(rc, f"SetNamedSecurityInfoW returned {rc}")
    except Exception as exc:  # noqa: BLE001  (the output is written; its permissions are the folder's to fix)
        LOG.warning("%s: could not take the folder's permissions: %s", path, exc)


def write_atomic(target: str | Path, writer: Callable[[Path], None], inputs: Iterable[Path] = ()) -> Path:
    """Run ``writer(tmp_path)`` and move the result onto ``target`` atomically."""
    with contextlib.ExitStack() as stack:
        if current_scratch() is None:  # outside a job (a mapping profile, the policy editor): one of its own
            stack.enter_context(scratch_folder())
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
        return OutputFileError("error.output.no_permission_file", file=target)
    if os_error.errno == errno.ENOSPC:
        temp = _full_temp_folder(target)
        if temp is not None:  # the workbook writer's temporary files filled it, not the target's disk
            return OutputFileError("error.output.temp_full", file=target, temp=temp)
        return OutputFileError("error.output.disk_full", file=target)
    return OutputFileError("error.output.cannot_write", file=target, detail=str(os_error.strerror or os_error))


def _full_temp_folder(target: Path) -> Path | None:
    """The system temporary folder, when it is on another disk than ``target`` and has less room left:
    the disk that filled while the job wrote there (xlsxwriter's temporary files)."""
    scratch = current_scratch()
    folder = target.parent if str(target.parent) else Path(".")
    if scratch is None:
        return None
    try:
        if os.stat(scratch).st_dev == os.stat(folder).st_dev:
            return None
        if shutil.disk_usage(scratch).free >= shutil.disk_usage(folder).free:
            return None
    except OSError:
        return None
    return scratch.parent


def _os_error(exc: BaseException) -> OSError | None:
    """The operating-system error behind ``exc``: itself, or the one xlsxwriter wraps in FileCreateError."""
    if isinstance(exc, OSError):
        return exc
    for inner in (*exc.args, exc.__cause__, exc.__context__):
        if isinstance(inner, OSError):
            return inner
    return None
