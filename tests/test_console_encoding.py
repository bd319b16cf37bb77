"""The command line's own output never ends a run on a console or pipe that cannot show Chinese.

A clerk's PC has a cp936 console; GitHub's Windows runner and an English Windows have cp1252, a
script's pipe may be ascii. Each is tried on the real program in a child process, with the
environment a clerk has (no PYTHONUTF8, ``--lang zh``): the run ends with exit 0 and its
outputs, what the encoding can show is shown, the rest comes out as escapes, never a traceback.

What this does not simulate: on Linux ``LANG=C`` turns Python's UTF-8 mode on (PEP 540), and with it
off the file-system encoding would become ASCII, which Windows never has (its file names are
Unicode). So only the console's encoding is a clerk's here; that every file the program opens
names its encoding (else Windows reads it as cp936) is checked in the source by
``tests/test_architecture.py::test_every_text_file_the_program_opens_names_its_encoding``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_readers import xlsx

from desktop.cli import console_never_fails
from desktop.paths import samples_dir

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [str(p) for p in sorted(samples_dir().iterdir())]
SUMMARY = "已评级 42 个客户，评估基准日 2026-06-30"
GROUPS = "集团 2 个（成员 9 户）：集团预警封顶 2 户"  # the samples' two groups, on the second line


def _clerk_console(encoding: str) -> dict[str, str]:
    """This process's environment as a clerk's console has it, with ``encoding`` for the child's stdio."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONUTF8", "PYTHONIOENCODING", "LC_ALL", "LC_CTYPE", "CREDIT_DESK_LANG")}
    return {**env, "LANG": "C", "PYTHONIOENCODING": encoding}


def _run(args: list[str], encoding: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=ROOT, env=_clerk_console(encoding),
                          capture_output=True, timeout=300)  # bytes: the test decodes them as the console would


@pytest.mark.parametrize("encoding", ["cp1252", "ascii", "gbk"])
def test_score_in_chinese_on_a_console_of_any_encoding_ends_with_its_outputs(tmp_path, encoding):
    out, summary = tmp_path / "结果 目录" / "评级结果.xlsx", tmp_path / "摘要.json"
    done = _run(["score", *SAMPLES, "--as-of", "2026-06-30", "--lang", "zh", "--out", str(out), "--json",
                 str(summary), "--no-register", "--no-profiles"], encoding)
    assert b"Traceback" not in done.stderr and done.stderr == b"", done.stderr.decode(encoding, "replace")
    assert done.returncode == 0
    assert out.is_file() and json.loads(summary.read_text(encoding="utf-8"))["as_of"] == "2026-06-30"
    text = done.stdout.decode(encoding)  # what the console shows: every byte is one of its characters
    lines = text.splitlines()
    if encoding == "gbk":  # a Chinese Windows' console or pipe: the summary in Chinese, as it is
        assert lines[0].startswith(SUMMARY) and lines[1].startswith(GROUPS)
        assert lines[2:] == [f"已写入 {out}", f"已写入 {summary}"]
    else:  # what it cannot show is escaped, the rest is as it is: the figures and the file names can be read
        assert lines[0].startswith(SUMMARY.encode(encoding, "backslashreplace").decode(encoding))
        assert lines[1].startswith(GROUPS.encode(encoding, "backslashreplace").decode(encoding))
        assert lines[2:] == [f"已写入 {p}".encode(encoding, "backslashreplace").decode(encoding) for p in (out, summary)]


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_a_problem_in_chinese_on_such_a_console_is_one_line_with_its_exit_code(tmp_path, encoding):
    ledger = xlsx(tmp_path / "销售.xlsx", {"销售": [["客户编号", "发票号", "开票日期", "金额"], ["C1", "F1", "2026-01-05", 1]]})
    done = _run(["score", str(ledger), "--lang", "zh", "--out", str(tmp_path / "结果.xlsx"), "--no-register"],
                encoding)
    err = done.stderr.decode(encoding)
    assert done.returncode == 3 and "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("credit-desk: " + "没有可评级的客户".encode(encoding,
                                                                                             "backslashreplace").decode())
    assert not (tmp_path / "结果.xlsx").exists()


def test_a_reader_that_quits_early_leaves_the_outputs_and_exit_0_without_an_internal_error(tmp_path):
    """``credit-desk score ... | more`` quit at the first line (or ``| head -1``): the pipe is closed
    before the summary is printed, after the outputs were written."""
    out = tmp_path / "评级结果.xlsx"
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the child prints anything
    try:
        done = subprocess.run([sys.executable, "-m", "desktop", "score", *SAMPLES, "--as-of", "2026-06-30", "--lang",
                               "zh", "--out", str(out), "--no-register", "--no-profiles"], cwd=ROOT,
                              env=_clerk_console("gbk"), stdout=write, stderr=subprocess.PIPE, timeout=300)
    finally:
        os.close(write)
    assert done.stderr.decode("gbk") == "" and done.returncode == 0
    assert out.is_file()


def _stream(encoding: str, errors: str = "strict") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors=errors, write_through=True)


def test_the_streams_keep_their_encoding_and_escape_only_what_it_cannot_show(monkeypatch):
    ascii_out, gbk_err = _stream("ascii"), _stream("gbk")
    monkeypatch.setattr(sys, "stdout", ascii_out)
    monkeypatch.setattr(sys, "stderr", gbk_err)
    console_never_fails()
    print("已写入 a.xlsx")
    print("已写入 a.xlsx", file=sys.stderr)
    assert (ascii_out.encoding, gbk_err.encoding) == ("ascii", "gbk")
    assert ascii_out.buffer.getvalue() == b"\\u5df2\\u5199\\u5165 a.xlsx\n"
    assert gbk_err.buffer.getvalue() == "已写入 a.xlsx\n".encode("gbk")


def test_undecodable_file_names_still_pass_through_a_utf8_stream_and_no_stream_is_no_failure(monkeypatch):
    """Linux in UTF-8 mode writes a file name's undecodable bytes back as they were; a windowed
    build on Windows has no streams at all."""
    raw = _stream("utf-8", "surrogateescape")
    monkeypatch.setattr(sys, "stdout", raw)
    monkeypatch.setattr(sys, "stderr", None)
    console_never_fails()
    print(b"\xff.xlsx".decode("utf-8", "surrogateescape"))
    assert raw.errors == "surrogateescape" and raw.buffer.getvalue() == b"\xff.xlsx\n"
