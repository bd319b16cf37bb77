"""An upgrade keeps the user's data: what an earlier version kept elsewhere is copied into the data folder.

Earlier versions kept the rating register and the mapping profiles in %APPDATA%\\CreditDesk
(Roaming) on Windows, and the window's settings where Qt puts an INI file of its own (Roaming on
Windows, ~/.config elsewhere). Now all of it lives in one folder (``desktop.paths.user_data_folder``,
Local AppData on Windows). At start-up both front ends call ``carry_over_old_data()`` once: what
the data folder lacks and an old place holds is copied over - the register with SQLite's backup
API (a WAL-mode register is copied whole, its -wal file's entries included), the settings and the
profiles file as files. The old files are never changed or deleted (an older version still
installed on another PC of a roaming user keeps working). Idempotent: nothing is copied where the
data folder already has one. Each copy is logged; a failure is logged and never stops the program.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from desktop import paths
from desktop.errors import CreditDeskError


def carry_over_old_data() -> list[tuple[str, Path, Path]]:
    """Copy what the data folder lacks from where earlier versions kept it; returns (what, from, to)
    of each copy made. Never raises (a failure is in the log)."""
    from desktop.diagnostics import LOG
    done: list[tuple[str, Path, Path]] = []
    try:
        here = paths.user_data_folder()
        targets = {"settings": here / paths.SETTINGS_FILE, "profiles": here / _profiles_name()}
        if not os.environ.get("CREDIT_DESK_REGISTER", "").strip():  # else IT or a test chose the register
            targets["register"] = here / paths.REGISTER_FILE
        old_registers = [p for what, p in paths.old_data_locations() if what == "register"]
        settled = _settled(here)
        for what, old in paths.old_data_locations():
            target = targets.get(what)
            if target is None or what in settled:
                continue
            source = old / _profiles_name() if what == "profiles" else old
            if not _exists(source):
                continue
            if _exists(target):  # the data folder has its own: never copied later (if it is deleted, say)
                _settle(here, settled, what)
                continue
            try:
                here.mkdir(parents=True, exist_ok=True)
                if what == "register":
                    copied = _copy_register(source, target)
                elif what == "settings":
                    copied = _copy_settings(source, target, old_registers)
                else:
                    copied = _copy_file(source, target)
            except (OSError, sqlite3.Error, ValueError, CreditDeskError) as exc:
                LOG.warning("upgrade: %s not copied from %s to %s: %s", what, source, target, exc)
                continue
            _settle(here, settled, what)
            if copied:
                LOG.info("upgrade: %s copied from %s to %s (the old file is kept)", what, source, target)
                done.append((what, source, target))
            else:
                LOG.info("upgrade: %s not copied from %s: %s appeared meanwhile", what, source, target)
    except Exception as exc:  # noqa: BLE001  (an upgrade step never stops the program from starting)
        try:
            LOG.warning("upgrade: carrying over the old data failed", exc_info=exc)
        except Exception:  # noqa: BLE001
            pass
    return done


_SETTLED = "carried-over.txt"  # in the data folder: the kinds of data that need no copy any more, one per line


def _settled(here: Path) -> set[str]:
    """The kinds carried over (or found in the data folder) at an earlier start: a register or settings
    file deleted later in the data folder is not replaced by the old version's copy."""
    try:
        return {line.strip() for line in (here / _SETTLED).read_text(encoding="utf-8").splitlines() if line.strip()}
    except OSError:
        return set()


def _settle(here: Path, settled: set[str], what: str) -> None:
    if what in settled:
        return
    settled.add(what)
    try:
        here.mkdir(parents=True, exist_ok=True)
        (here / _SETTLED).write_text("".join(f"{k}\n" for k in sorted(settled)), encoding="utf-8")
    except OSError:  # not remembered: the next start looks again (and finds the file there)
        pass


def old_register_waiting(register: str | Path) -> Path | None:
    """The old version's register, when ``register`` is the data folder's default, does not exist
    yet, and the old one has not been carried over (its copy failed at start-up: held by a program,
    damaged): a run recorded now would start a second history beside the old one, whose chain then
    never comes across. The copy is tried once more first; None when there is nothing to wait for."""
    from desktop.io.register import is_url
    if is_url(register):  # a team register on a database server: no old file to wait for
        return None
    here = paths.user_data_folder()
    target = here / paths.REGISTER_FILE
    if os.environ.get("CREDIT_DESK_REGISTER", "").strip() or Path(register) != target or _exists(target):
        return None
    if "register" in _settled(here):
        return None
    olds = [p for what, p in paths.old_data_locations() if what == "register" and _exists(p)]
    if not olds:
        return None
    carry_over_old_data()  # the program that held it may have let it go
    return None if _exists(target) else olds[0]


def _profiles_name() -> str:
    from desktop.io.mapping_profiles import FILE_NAME
    return FILE_NAME


def _exists(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _scratch(target: Path) -> Path:
    return target.with_name(f".{target.name}.upgrade-{os.getpid()}")


def _place(scratch: Path, target: Path) -> bool:
    """Put ``scratch`` at ``target`` unless a file is there by now (a window and a command line
    starting at once: the first copy stays, it may already hold a new run). False: not placed."""
    try:
        try:
            os.link(scratch, target)  # never replaces a file
            return True
        except FileExistsError:
            return False
        except (OSError, NotImplementedError):  # no hard links on this disk (FAT, some shares)
            if target.exists():
                return False
            os.rename(scratch, target)  # on Windows, rename never replaces either
            return True
    finally:
        try:
            scratch.unlink()
        except FileNotFoundError:
            pass


def _copy_register(source: Path, target: Path) -> bool:
    """The whole register (with what its -wal holds) by SQLite's online backup, read-only from the
    old file; the copy must be a register of ours before it is put in place."""
    from desktop.io.register import Register, _uri
    scratch = _scratch(target)
    try:
        old = sqlite3.connect(_uri(source, mode="ro"), uri=True, timeout=10)
        try:
            new = sqlite3.connect(scratch)
            try:
                old.backup(new)
                new.execute("PRAGMA journal_mode=DELETE")  # one file, read below without -wal or -shm
            finally:
                new.close()
        finally:
            old.close()
        # the copy is on the local disk: checked as the reading commands open a register
        with Register(scratch, readonly=True) as reg:
            head = reg.head()
        from desktop.diagnostics import LOG
        LOG.info("upgrade: the register copied holds %d entries (head %s)", head.seq, head)
        return _place(scratch, target)
    finally:
        for leftover in (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm"), Path(f"{scratch}-journal")):
            try:
                leftover.unlink()
            except OSError:
                pass


def _copy_file(source: Path, target: Path, data: bytes | None = None) -> bool:
    scratch = _scratch(target)
    scratch.write_bytes(source.read_bytes() if data is None else data)
    return _place(scratch, target)


def _copy_settings(source: Path, target: Path, old_registers: list[Path]) -> bool:
    """The settings file as it is, except a register chosen that is an old default register (the
    window saves the default when the clerk confirms it): the new default, its copy, is used."""
    data = source.read_bytes()
    try:
        lines = data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return _copy_file(source, target, data)
    olds = {os.path.normcase(os.path.normpath(str(p))) for p in old_registers}
    section, kept = "", []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
        elif section == "rating" and stripped.startswith("register="):
            value = stripped.split("=", 1)[1].strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            value = value.replace("\\\\", "\\")  # Qt's INI escapes a backslash
            if value and os.path.normcase(os.path.normpath(value)) in olds:
                continue
        kept.append(line)
    return _copy_file(source, target, "".join(kept).encode("utf-8"))
