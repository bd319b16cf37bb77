"""``score``'s one commit point, tried the way a clerk meets it: Ctrl+C and SIGTERM at any moment of
a run, a second Ctrl+C, and outputs that cannot be written.

Before the commit point nothing may be left behind: exit 130 (SIGINT) or 143 (SIGTERM), exactly one
line on stderr, the register without the run, the previous output byte for byte, no temporary
file beside the output or in the system's temporary folder. After it the run stands: exit 0.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.cli import CANCELLED_LINE, main
from desktop.io.register import Head, Register
from desktop.paths import samples_dir

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
SAMPLES = [str(p) for p in sorted(samples_dir().iterdir())]
AS_OF = "2026-06-30"
PREVIOUS = "the previous results, 上一次的结果".encode()
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="sends POSIX SIGINT/SIGTERM to a child process; "
                                                           "Windows delivers Ctrl+C to a console group instead")


# ---------------------------------------------------------------- the register and the folders

@dataclass(frozen=True)
class RegisterState:
    head: Head
    entries: int
    runs: int


def _register_state(path: Path) -> RegisterState:
    with Register(path) as reg:
        head = reg.head()
        assert reg.verify() == []
    db = sqlite3.connect(path)
    try:
        entries = db.execute("SELECT count(*) FROM entries").fetchone()[0]
        runs = db.execute("SELECT count(*) FROM entries WHERE kind='run'").fetchone()[0]
    finally:
        db.close()
    return RegisterState(head, entries, runs)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- subprocess runs on the benchmark data

@pytest.fixture(scope="module")
def bench_inputs(tmp_path_factory) -> list[str]:
    """The benchmark's seeded workbooks, 4,000 customers and 40,000 ledger rows: a run of a few seconds."""
    sys.path.insert(0, str(BENCH))
    try:
        from data import make
    finally:
        sys.path.remove(str(BENCH))
    return [str(p) for p in make(tmp_path_factory.mktemp("bench"), 4000, 40000)]


@dataclass
class Job:
    """One run's folders: the output folder holding only ``target``, a private $TMPDIR, a register."""

    inputs: list[str]
    target: Path
    register: Path
    sys_tmp: Path
    env: dict

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "desktop.cli", "score", *self.inputs, "--as-of", AS_OF,
                "--out", str(self.target), "--register", str(self.register), "--no-profiles"]

    def start(self) -> subprocess.Popen:
        # unbuffered pipes: a readline() here must not take the next lines out of communicate()'s sight
        return subprocess.Popen(self.argv(), cwd=REPO, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, preexec_fn=_default_sigint, bufsize=0)


def _default_sigint() -> None:  # a child of a background shell inherits SIGINT ignored: a terminal's Ctrl+C is not
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _job(root: Path, inputs: list[str], register: Path | None = None) -> Job:
    for name in ("out", "tmp", "reg", "home"):
        (root / name).mkdir()
    target = root / "out" / "评级结果.xlsx"
    target.write_bytes(PREVIOUS)
    reg = root / "reg" / "register.sqlite"
    if register is not None:
        shutil.copyfile(register, reg)
    home = root / "home"
    env = {**os.environ, "TMPDIR": str(root / "tmp"), "TEMP": str(root / "tmp"), "TMP": str(root / "tmp"),
           "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
           "APPDATA": str(home / "appdata"), "PYTHONUNBUFFERED": "1",
           "PYTHONIOENCODING": "utf-8"}  # its lines name Chinese files: this test's pipe, read as UTF-8
    return Job(inputs, target, reg, root / "tmp", env)


@dataclass(frozen=True)
class Calibrated:
    inputs: list[str]
    register: Path  # pre-filled by one run
    seconds: float  # how long one uncancelled run takes, start to exit


@pytest.fixture(scope="module")
def calibrated(bench_inputs, tmp_path_factory) -> Calibrated:
    job = _job(tmp_path_factory.mktemp("calibration"), bench_inputs)
    started = time.monotonic()
    done = subprocess.run(job.argv(), cwd=REPO, env=job.env, capture_output=True, timeout=300)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert zipfile.is_zipfile(job.target) and _names(job.sys_tmp) == []
    assert _register_state(job.register).runs == 1
    assert seconds > 1.0, f"a run of {seconds:.2f} s is too short to be interrupted at chosen moments"
    return Calibrated(bench_inputs, job.register, seconds)


@pytest.fixture
def job(tmp_path, calibrated) -> Job:
    return _job(tmp_path, calibrated.inputs, calibrated.register)


def _finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=120)
    except BaseException:
        proc.kill()
        proc.communicate()
        raise
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def _assert_nothing_written(job: Job, before: RegisterState, code: int, out: str, err: str, expected: int) -> None:
    assert (code, err) == (expected, CANCELLED_LINE + "\n"), f"exit {code}, stderr {err!r}"
    assert "Wrote" not in out
    assert _register_state(job.register) == before, "a cancelled run was recorded in the register"
    assert job.target.read_bytes() == PREVIOUS, "a cancelled run replaced the previous output"
    assert _names(job.target.parent) == [job.target.name], "a temporary file was left beside the output"
    assert _names(job.sys_tmp) == [], "a temporary file or job folder was left in $TMPDIR"
    assert _names(job.register.parent) == [job.register.name], "the register's journal was left behind"


def _assert_committed(job: Job, before: RegisterState, code: int, out: str, err: str) -> None:
    assert code == 0, f"exit {code}, stderr {err!r}"
    assert "Traceback" not in err and CANCELLED_LINE not in err, err
    assert f"Wrote {job.target}" in out
    assert job.target.read_bytes()[:2] == b"PK" and zipfile.is_zipfile(job.target)
    after = _register_state(job.register)
    assert after.runs == before.runs + 1 and after.head.seq > before.head.seq
    assert _names(job.target.parent) == [job.target.name]
    assert _names(job.sys_tmp) == []


SIGNALS = {"SIGINT": (signal.SIGINT, 130), "SIGTERM": (signal.SIGTERM, 143)}
MOMENTS = (0.05, 0.3, 0.6, 0.85)  # fractions of an uncancelled run's time; only the last may be too late


@POSIX
@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_at_any_moment_cancels_without_a_trace(job, calibrated, name, moment):
    sig, expected = SIGNALS[name]
    before = _register_state(job.register)
    started = time.monotonic()
    proc = job.start()
    time.sleep(max(0.0, started + moment * calibrated.seconds - time.monotonic()))
    running = proc.poll() is None
    if running:
        proc.send_signal(sig)
    code, out, err = _finish(proc)
    if moment < max(MOMENTS) or code != 0:
        assert running, f"the run ended before {moment:.0%} of its usual {calibrated.seconds:.1f} s"
        _assert_nothing_written(job, before, code, out, err, expected)
    else:  # the latest moment may come after the commit point: then the run stands, whole
        _assert_committed(job, before, code, out, err)


@POSIX
@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_while_the_results_are_being_written_cancels(job, name):
    """The results workbook is half written to its temporary file: that file must go too."""
    sig, expected = SIGNALS[name]
    before = _register_state(job.register)
    proc = job.start()
    deadline = time.monotonic() + 120
    while not (list(job.sys_tmp.glob("credit-desk-job-*/credit-desk-*.xlsx.tmp"))
               or list(job.target.parent.glob(".~*.tmp"))):  # beside the target when $TMPDIR is another volume
        if proc.poll() is not None or time.monotonic() > deadline:
            break
        time.sleep(0.005)
    running = proc.poll() is None
    if running:
        proc.send_signal(sig)
    code, out, err = _finish(proc)
    assert running, "the run ended before its results workbook was seen being written"
    _assert_nothing_written(job, before, code, out, err, expected)


@POSIX
def test_two_ctrl_c_50_ms_apart_mid_run(job, calibrated):
    before = _register_state(job.register)
    started = time.monotonic()
    proc = job.start()
    time.sleep(max(0.0, started + 0.5 * calibrated.seconds - time.monotonic()))
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    time.sleep(0.05)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    code, out, err = _finish(proc)
    assert "Traceback" not in err
    _assert_nothing_written(job, before, code, out, err, 130)


@POSIX
def test_a_second_ctrl_c_after_the_cancel_line_keeps_exit_130_and_one_line(job, calibrated):
    """The clerk sees the cancel line but not yet the prompt, and presses Ctrl+C again."""
    before = _register_state(job.register)
    started = time.monotonic()
    proc = job.start()
    time.sleep(max(0.0, started + 0.4 * calibrated.seconds - time.monotonic()))
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    first = proc.stderr.readline()  # stderr is line-buffered: the line is out as soon as it is printed
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    code, out, rest = _finish(proc)
    _assert_nothing_written(job, before, code, out, first.decode("utf-8", "replace") + rest, 130)


@POSIX
@pytest.mark.parametrize("name", SIGNALS)
def test_a_signal_after_the_commit_does_not_undo_or_deny_the_run(job, name):
    """The run printed its result (it is recorded and written): a signal now changes nothing, and
    no line may claim that nothing was written."""
    sig, _ = SIGNALS[name]
    before = _register_state(job.register)
    proc = job.start()
    first = proc.stdout.readline()  # "Rated N customers ...", printed after the commit
    assert first.startswith(b"Rated "), first
    if proc.poll() is None:
        proc.send_signal(sig)
    code, out, err = _finish(proc)
    _assert_committed(job, before, code, first.decode("utf-8", "replace") + out, err)


# ---------------------------------------------------------------- in process: outputs that cannot be written

@pytest.fixture(scope="module")
def sample_register(tmp_path_factory) -> Path:
    """A register holding one earlier run of the samples (made once, copied for each test)."""
    root = tmp_path_factory.mktemp("samples-register")
    reg = root / "register.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(root))
        assert main(["score", *SAMPLES, "--as-of", AS_OF, "--out", str(root / "结果.xlsx"), "--register", str(reg),
                     "--no-profiles"]) == 0
    assert _register_state(reg).runs == 1
    return reg


@pytest.fixture
def filled_register(tmp_path, sample_register, private_tmp) -> Path:
    reg = tmp_path / "reg" / "register.sqlite"
    reg.parent.mkdir()
    shutil.copyfile(sample_register, reg)
    return reg


def _score(register: Path, *options: str) -> int:
    return main(["score", *SAMPLES, "--as-of", AS_OF, "--register", str(register), "--no-profiles", *options])


@pytest.fixture
def blocker(tmp_path) -> Path:
    """A regular file where an output's folder should be."""
    path = tmp_path / "not a folder"
    path.write_bytes(b"just a file")
    return path


def _one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("credit-desk: "), err
    return lines[0]


def test_out_in_a_folder_that_is_a_file_exits_4_and_records_nothing(filled_register, blocker, private_tmp, capsys):
    before = _register_state(filled_register)
    capsys.readouterr()
    assert _score(filled_register, "--out", str(blocker / "结果.xlsx")) == 4
    line = _one_error_line(capsys.readouterr().err)
    assert str(blocker) in line
    assert _register_state(filled_register) == before
    assert blocker.read_bytes() == b"just a file"
    assert _names(private_tmp) == []


@pytest.mark.parametrize("option,name", [("--forms", "审批.xlsx"), ("--json", "summary.json"),
                                         ("--notices", "通知.xlsx")])
def test_one_unwritable_output_replaces_no_other(filled_register, blocker, private_tmp, tmp_path, capsys,
                                                 option, name):
    ok = tmp_path / "ok" / "结果.xlsx"
    ok.parent.mkdir()
    ok.write_bytes(PREVIOUS)
    before = _register_state(filled_register)
    capsys.readouterr()
    assert _score(filled_register, "--out", str(ok), option, str(blocker / name)) == 4
    _one_error_line(capsys.readouterr().err)
    assert ok.read_bytes() == PREVIOUS
    assert _names(ok.parent) == [ok.name]
    assert _register_state(filled_register) == before
    assert _names(private_tmp) == []


@pytest.mark.parametrize("option,name", [("--forms", "审批.xlsx"), ("--json", "summary.json")])
def test_an_output_that_fails_at_the_commit_puts_the_replaced_one_back(filled_register, private_tmp, tmp_path,
                                                                       capsys, option, name):
    """The second target is a folder: every output was staged, ``--out`` already replaced, then the
    second replace fails. ``--out`` must be put back and the register must not get the run."""
    folder = tmp_path / "ok"
    folder.mkdir()
    ok = folder / "结果.xlsx"
    ok.write_bytes(PREVIOUS)
    (folder / name).mkdir()
    before = _register_state(filled_register)
    capsys.readouterr()
    assert _score(filled_register, "--out", str(ok), option, str(folder / name)) == 4
    _one_error_line(capsys.readouterr().err)
    assert ok.read_bytes() == PREVIOUS
    assert _names(folder) == sorted([ok.name, name]) and _names(folder / name) == []
    assert _register_state(filled_register) == before
    assert _names(private_tmp) == []


@pytest.mark.parametrize("spelling", ["same", "dot-slash", "absolute", "dot-dot", "symlink", "hard link"])
@pytest.mark.parametrize("option", ["--json", "--forms"])
def test_two_outputs_naming_one_file_exit_2(filled_register, private_tmp, tmp_path, monkeypatch, capsys,
                                            option, spelling):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    out = Path("结果.xlsx")
    out.write_bytes(PREVIOUS)
    other = {"same": "结果.xlsx", "dot-slash": "./结果.xlsx", "absolute": str(tmp_path / "结果.xlsx"),
             "dot-dot": "sub/../结果.xlsx", "symlink": "链接.xlsx", "hard link": "硬链接.xlsx"}[spelling]
    if spelling == "symlink":
        try:
            os.symlink(tmp_path / "结果.xlsx", other)
        except OSError:
            if sys.platform != "win32":
                raise
            pytest.skip("a symbolic link on Windows needs the Create symbolic links privilege or Developer Mode")
    elif spelling == "hard link":
        os.link(out, other)
    before = _register_state(filled_register)
    capsys.readouterr()
    assert _score(filled_register, "--out", str(out), option, other) == 2
    assert "named for two outputs" in _one_error_line(capsys.readouterr().err)
    assert out.read_bytes() == PREVIOUS
    assert _names(tmp_path) == sorted({"结果.xlsx", "sub", "system-temp", "reg", Path(other).name})
    assert _register_state(filled_register) == before
    assert _names(private_tmp) == []


def test_two_outputs_naming_one_new_file_exit_2_and_create_nothing(filled_register, private_tmp, tmp_path, capsys):
    out = tmp_path / "new" / "结果.xlsx"
    before = _register_state(filled_register)
    capsys.readouterr()
    assert _score(filled_register, "--out", str(out), "--json", str(tmp_path / "new" / "." / "结果.xlsx")) == 2
    assert "named for two outputs" in _one_error_line(capsys.readouterr().err)
    assert not out.exists()
    assert _register_state(filled_register) == before
    assert _names(private_tmp) == []


def test_no_signal_interrupts_a_job_past_its_commit_point():
    """From the last checkpoint on, Ctrl+C (even twice) and SIGTERM only note that they came late."""
    from desktop.cli import _signals_cancel
    from desktop.core.cancel import CancelToken

    token = CancelToken()
    handler = _signals_cancel(token)._handler
    token.last_check()  # the job's commit point
    handler(signal.SIGINT, None)
    handler(signal.SIGINT, None)  # a second one would interrupt a job still before its commit point
    handler(signal.SIGTERM, None)
    assert token.cancelled and token.reason == "SIGINT"
    before = CancelToken()
    handler = _signals_cancel(before)._handler
    handler(signal.SIGINT, None)  # before the commit point: the first cancels ...
    with pytest.raises(KeyboardInterrupt):  # ... the second stops at once
        handler(signal.SIGINT, None)
