"""The rating register on hostile media and under odd input: read-only disks and folders, a full disk,
a lock held by another program, files that are no register, malformed --head: one line, never a traceback."""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from test_register import decision, run, tamper

from desktop.cli import main
from desktop.errors import CreditDeskError
from desktop.io import register
from desktop.io.register import Head, Register, RegisterError
from desktop.paths import templates_dir

SAMPLES = sorted(str(p) for p in (templates_dir() / "samples").iterdir())


class Media:
    """A small disk of the test's own: a 4 MB tmpfs where it can be mounted (root: made read-only by
    remounting it, full by filling it), else a plain folder made read-only with chmod."""

    def __init__(self, folder: Path, mounted: bool):
        self.folder, self.mounted, self.chmodded, self.immutable = folder, mounted, [], []

    def read_only(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(self.folder)], check=True, capture_output=True)
        elif sys.platform == "win32":
            pytest.skip("Windows ignores the read-only attribute on folders: SQLite could still create its files "
                        "beside the register, so chmod does not make read-only media there")
        elif not self._chmod_stops_writes():
            pytest.skip("running as root, where chmod does not stop writes, and mounting a tmpfs is not permitted")
        else:
            for p in [*self.folder.rglob("*"), self.folder]:
                self._chmod(p, 0o555 if p.is_dir() else 0o444)

    def folder_read_only(self, folder: Path) -> None:
        """No file can be created in ``folder``, but its files stay writable."""
        if sys.platform == "win32":
            pytest.skip("Windows has no read-only folders (the attribute does not stop creating files)")
        if self._chmod_stops_writes():
            self._chmod(folder, 0o555)
        else:  # root ignores the folder's mode; the immutable attribute stops even root
            done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
            if done.returncode != 0:
                pytest.skip(f"running as root, where chmod does not stop writes, and chattr +i is not possible "
                            f"here: {done.stderr.decode().strip()}")
            self.immutable.append(folder)

    def fill(self) -> None:
        """Write a filler file until the disk says ENOSPC."""
        if not self.mounted:
            pytest.skip("a real full disk needs a small tmpfs, and mounting one needs root")
        with open(self.folder / "filler.bin", "wb", buffering=0) as f:
            with pytest.raises(OSError) as full:
                while True:
                    f.write(b"\0" * 65536)
        assert full.value.errno == errno.ENOSPC

    def _chmod_stops_writes(self) -> bool:
        """False for root (or an administrator): the file's mode does not stop it writing."""
        probe = self.folder.parent / "probe.txt"
        probe.write_text("probe", encoding="utf-8")
        probe.chmod(0o444)
        try:
            with open(probe, "a", encoding="utf-8"):
                return False
        except PermissionError:
            return True
        finally:
            probe.chmod(0o644)
            probe.unlink()

    def _chmod(self, path: Path, mode: int) -> None:
        self.chmodded.append((path, path.stat().st_mode))
        path.chmod(mode)

    def cleanup(self) -> None:
        for folder in self.immutable:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        for path, mode in reversed(self.chmodded):
            path.chmod(mode)
        if self.mounted and subprocess.run(["umount", str(self.folder)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(self.folder)], capture_output=True)


@pytest.fixture
def media(tmp_path):
    folder = tmp_path / "media"
    folder.mkdir()
    mounted = sys.platform.startswith("linux") and shutil.which("mount") is not None and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True).returncode == 0
    m = Media(folder, mounted)
    try:
        yield m
    finally:
        m.cleanup()


def cli(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    return code, out, err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def score(capsys, out: Path, reg: Path, *extra) -> tuple[int, str, str]:
    return cli(capsys, "score", *SAMPLES, "--as-of", "2026-06-30", "--out", out, "--register", reg, *extra)


def a_register(path: Path, runs=("R1", "R2")) -> Head:
    with Register(path) as reg:
        for run_id in runs:
            reg.record_run(run(run_id), [decision("C0007", "A"), decision("C0008", "B")])
        return reg.head()


def previous_output(tmp_path: Path) -> Path:
    out = tmp_path / "out" / "结果.xlsx"
    out.parent.mkdir()
    out.write_bytes(b"the previous results")
    return out


def assert_untouched(out: Path) -> None:
    assert out.read_bytes() == b"the previous results"
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file, no backup left


# ---------------------------------------------------------------------------------------- --head
@pytest.mark.parametrize("head", ["abc", "#12", "#x " + "a" * 64, "#3 " + "a" * 63, "#3 " + "g" * 64,
                                  "#-1 " + "a" * 64, "", "#3 " + "a" * 64 + " extra"])
def test_a_malformed_head_is_a_usage_message(tmp_path, capsys, head):
    path = tmp_path / "r.sqlite"
    a_register(path)
    code, _, err = cli(capsys, "verify-register", "--register", path, "--head", head)
    assert code == 2 and "--head" in err and "#N" in err


def test_a_head_is_taken_as_printed_without_the_hash_sign_or_in_capitals(tmp_path, capsys):
    path = tmp_path / "r.sqlite"
    head = a_register(path)
    for text in (str(head), f"  {head.seq}\t{head.hash.upper()} ", f"#{head.seq}  {head.hash}"):
        code, out, _ = cli(capsys, "verify-register", "--register", path, "--head", text)
        assert code == 0 and "intact" in out
    code, out, _ = cli(capsys, "verify-register", "--register", path, "--head", f"#{head.seq} {'0' * 64}")
    assert code == 3 and "is not the one recorded" in out  # a well-formed head that is not there still counts


# ---------------------------------------------------------------------------------------- read-only
def test_reading_commands_work_on_read_only_media(media, capsys):
    path = media.folder / "登记簿.sqlite"
    head = a_register(path)
    before = path.read_bytes()
    media.read_only()
    code, out, err = cli(capsys, "history", "C0007", "--register", path)
    assert code == 0 and out.count("R1") == 1 and out.count("R2") == 1, err
    code, out, err = cli(capsys, "verify-register", "--register", path, "--head", head, "--due", "2028-01-01")
    assert code == 0 and "intact" in out and "review due" in out, err
    assert path.read_bytes() == before and sorted(p.name for p in media.folder.iterdir()) == [path.name]


@pytest.mark.parametrize("with_shm", [True, False], ids=["wal and shm", "wal alone"])
def test_history_reads_the_entries_left_in_a_wal_file_on_read_only_media(media, tmp_path, capsys, with_shm,
                                                                        private_tmp):
    """A writer killed (or a copy taken) before SQLite merged its -wal file: the last run is only there."""
    src = tmp_path / "r.sqlite"
    a_register(src, ["R1"])
    with Register(src) as reg:  # open: R2 sits in the -wal file until the last connection closes
        reg.record_run(run("R2"), [decision("C0007", "AA")])
        head = reg.head()
        for suffix in ("", "-wal", "-shm") if with_shm else ("", "-wal"):
            shutil.copyfile(f"{src}{suffix}", f"{media.folder / 'r.sqlite'}{suffix}")
    media.read_only()
    path = media.folder / "r.sqlite"
    code, out, err = cli(capsys, "history", "C0007", "--register", path)
    assert code == 0 and "R1" in out and "R2" in out and "A→AA" in out, err
    code, out, err = cli(capsys, "verify-register", "--register", path, "--head", head)
    assert code == 0 and "intact" in out, err
    assert list(private_tmp.iterdir()) == []  # a private copy read instead is gone with the command


def test_reading_a_register_whose_name_has_uri_characters(tmp_path, capsys):
    """Reading opens the file through an SQLite URI: #, ?, % and spaces in its name are the file's."""
    path = tmp_path / "登记 文件夹" / "评级 #1 ?a=b %20 登记簿.sqlite"
    path.parent.mkdir()
    head = a_register(path)
    code, out, err = cli(capsys, "history", "C0007", "--register", path)
    assert code == 0 and "R2" in out, err
    code, out, err = cli(capsys, "verify-register", "--register", path, "--head", head)
    assert code == 0 and "intact" in out, err
    # no file of another name was created (a reader leaves SQLite's -wal and -shm for the next writer)
    assert {p.name for p in path.parent.iterdir()} <= {path.name, f"{path.name}-wal", f"{path.name}-shm"}


def test_score_on_a_read_only_register_says_so_and_writes_nothing(media, tmp_path, capsys):
    path = media.folder / "r.sqlite"
    a_register(path)
    media.read_only()
    out = previous_output(tmp_path)
    code, _, err = score(capsys, out, path, "--json", out.with_name("s.json"))
    line = one_line(err)
    assert code == 4 and "read-only" in line and "--no-register" in line and str(path) in line
    assert "damaged" not in line and "backup" not in line
    assert_untouched(out)


def test_score_into_a_read_only_folder_with_no_register_yet(media, tmp_path, capsys):
    media.read_only()
    out = previous_output(tmp_path)
    code, _, err = score(capsys, out, media.folder / "new.sqlite")
    line = one_line(err)
    assert code == 4 and "read-only" in line and "damaged" not in line
    assert_untouched(out)
    assert list(media.folder.iterdir()) == []


def _one_form_approved(path):
    """The approval workbook with C0003's application approved today, as a sales manager fills it."""
    import json
    from datetime import datetime

    import openpyxl
    wb = openpyxl.load_workbook(path)
    cells = {r[0]: json.loads(r[1]) for r in wb["_layout"].iter_rows(min_row=2, values_only=True) if r[0]}
    c = cells["credit_application"]
    ws = wb["评定-C0003"]
    for key, value in {"manager_decision": "同意", "manager_signer": "赵经理", "manager_date": datetime.now()}.items():
        ws[c[key]].value = value
    out = path.with_name("filled.xlsx")
    wb.save(out)
    return out


def test_approvals_on_a_read_only_register_says_so_and_writes_nothing(media, tmp_path, capsys):
    path = media.folder / "r.sqlite"
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    code, _, err = score(capsys, run_dir / "results.xlsx", path, "--forms", run_dir / "approvals.xlsx")
    assert code == 0, err
    media.read_only()
    decisions = run_dir / "decisions.xlsx"
    filled = _one_form_approved(run_dir / "approvals.xlsx")  # a decision to record
    code, _, err = cli(capsys, "approvals", filled, "--out", decisions, "--register", path)
    line = one_line(err)
    assert code == 4 and "read-only" in line and "damaged" not in line
    assert not decisions.exists()


def test_a_read_only_folder_with_a_writable_register_file(media, tmp_path, capsys):
    folder = media.folder / "shared"
    folder.mkdir()
    path = folder / "r.sqlite"
    a_register(path)
    media.folder_read_only(folder)
    code, out, err = cli(capsys, "history", "C0008", "--register", path)
    assert code == 0 and "R1" in out and "R2" in out, err
    out_file = previous_output(tmp_path)
    code, _, err = score(capsys, out_file, path)
    line = one_line(err)
    assert code == 4 and "read-only" in line and "folder" in line and "damaged" not in line
    assert_untouched(out_file)
    with Register(path, readonly=True) as reg:
        assert reg.head().seq == 6


# ---------------------------------------------------------------------------------------- full disk
@pytest.mark.parametrize("existing", [False, True], ids=["new register", "existing register"])
def test_a_full_disk_is_said_to_be_full(media, tmp_path, capsys, existing):
    path = media.folder / "r.sqlite"
    if existing:
        a_register(path)
    media.fill()
    out = previous_output(tmp_path)
    code, _, err = score(capsys, out, path)
    line = one_line(err)
    assert code == 4 and "disk is full" in line and "damaged" not in line and "read-only" not in line
    assert_untouched(out)
    (media.folder / "filler.bin").unlink()
    if existing:  # the register is as it was, and still takes the next run
        with Register(path) as reg:
            assert reg.head().seq == 6 and reg.verify() == []


# ---------------------------------------------------------------------------------------- busy
def test_another_programs_long_write_keeps_a_run_waiting_but_not_for_ever(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(register, "BUSY_TIMEOUT_S", 0.3)
    path = tmp_path / "r.sqlite"
    a_register(path)
    out = previous_output(tmp_path)
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another clerk's long write holds the write lock throughout
        started = time.monotonic()
        code, _, err = score(capsys, out, path)
        line = one_line(err)
        assert code == 4 and "busy" in line and "damaged" not in line
        assert time.monotonic() - started < 30
        assert_untouched(out)
        code, stdout, err = cli(capsys, "history", "C0007", "--register", path)  # a reader does not wait
        assert code == 0 and "R2" in stdout, err
        other.execute("ROLLBACK")


def test_a_register_locked_by_a_backup_tool_is_busy_for_readers_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(register, "BUSY_TIMEOUT_S", 0.3)
    path = tmp_path / "r.sqlite"
    a_register(path)
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("PRAGMA locking_mode=EXCLUSIVE")  # holds the file from its first read until it closes
        other.execute("BEGIN EXCLUSIVE")
        other.execute("SELECT COUNT(*) FROM entries").fetchone()
        for argv in (["history", "C0007"], ["verify-register"]):
            started = time.monotonic()
            code, _, err = cli(capsys, *argv, "--register", path)
            line = one_line(err)
            assert code == 3 and "busy" in line and "damaged" not in line and "not a rating register" not in line
            assert time.monotonic() - started < 30
        other.execute("COMMIT")


# ---------------------------------------------------------------------------------------- not a register
def _text(path: Path) -> None:
    path.write_text("客户 备忘", encoding="utf-8")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _other_program(path: Path) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")


def _lookalike(path: Path) -> None:
    """Tables of the same names, another program's columns."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        db.execute("CREATE TABLE entries (id INTEGER, note TEXT)")


@pytest.mark.parametrize("make", [_text, _empty, _other_program, _lookalike], ids=lambda f: f.__name__.strip("_"))
@pytest.mark.parametrize("command", [["history", "C0007"], ["verify-register"]], ids=lambda c: c[0])
def test_a_file_that_is_no_rating_register_is_named_as_such(tmp_path, capsys, make, command):
    path = tmp_path / "登记簿" / "r.sqlite"
    path.parent.mkdir()
    make(path)
    before = path.read_bytes()
    code, _, err = cli(capsys, *command, "--register", path)
    line = one_line(err)
    assert code == 3 and "not a rating register" in line and "damaged" not in line and str(path) in line
    assert path.read_bytes() == before and [p.name for p in path.parent.iterdir()] == [path.name]


def test_score_refuses_a_file_that_is_no_rating_register(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    _text(path)
    out = previous_output(tmp_path)
    code, _, err = score(capsys, out, path)
    assert code == 3 and "not a rating register" in one_line(err)
    assert_untouched(out)
    assert path.read_text(encoding="utf-8") == "客户 备忘"


def test_a_folder_given_as_the_register(tmp_path, capsys):
    code, _, err = cli(capsys, "history", "C0007", "--register", tmp_path)
    assert code == 3 and "a folder, not a rating register file" in one_line(err)
    out = previous_output(tmp_path)
    code, _, err = score(capsys, out, out.parent)
    assert code == 3 and "a folder, not a rating register file" in one_line(err)
    assert_untouched(out)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a folder", encoding="utf-8")
    code, _, err = score(capsys, out, notes / "register.sqlite")
    assert code == 4 and "is a file, not a folder" in one_line(err)
    assert_untouched(out)


# ---------------------------------------------------------------------------------------- damage, other errors
def test_unreadable_entries_are_named_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "r.sqlite"
    a_register(path)
    tamper(path, "UPDATE entries SET payload = '{not json' WHERE seq = 2")
    code, _, err = cli(capsys, "history", "C0007", "--register", path)
    line = one_line(err)
    assert code == 3 and "entry #2" in line and "verify-register" in line
    code, out, err = cli(capsys, "verify-register", "--register", path)
    assert code == 3 and "entry #2 (decision R1 C0007): its content is not readable" in out


def test_every_sqlite_error_becomes_a_register_error(tmp_path):
    path = tmp_path / "r.sqlite"
    a_register(path)
    reg = Register(path, readonly=True)
    reg.close()
    for call in (reg.head, reg.runs, lambda: reg.history("C0007"), lambda: reg.reviews_due("2030-01-01"),
                 reg.verify, lambda: reg.record_run(run("R9"), [])):
        with pytest.raises(CreditDeskError) as caught:
            call()
        assert isinstance(caught.value, RegisterError) and "\n" not in str(caught.value)
        assert str(path) in str(caught.value)
    with Register(path, readonly=True) as reader:  # a reader never writes, whatever it is asked
        with pytest.raises(RegisterError, match="read-only"):
            reader.record_run(run("R9"), [decision("C1", "A")])
    with Register(path) as reg:
        assert reg.head().seq == 6
