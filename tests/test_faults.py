"""Writes that cannot lose data: a killed export, a full disk, no permission, a locked file."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest

from desktop import services, session
from desktop.cli import main
from desktop.errors import OutputFileError
from desktop.io import safe_write
from desktop.paths import templates_dir

SAMPLES = sorted(str(p) for p in (templates_dir() / "samples").iterdir())
BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def _strays(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL; on Windows the same path is taken by TerminateProcess")
def test_killed_export_leaves_the_old_output_and_no_stray_file(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        from data import make  # the benchmark's seeded generator: big enough to be mid-write when killed
    finally:
        sys.path.remove(str(BENCH))
    inputs = make(tmp_path / "in", 4000, 40000)
    out_dir = tmp_path / "输出 文件夹"
    out_dir.mkdir()
    target = out_dir / "评级结果.xlsx"
    target.write_bytes(b"the previous results")
    sys_tmp = tmp_path / "system-temp"
    sys_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(sys_tmp), "TEMP": str(sys_tmp), "TMP": str(sys_tmp),
           "PYTHONIOENCODING": "utf-8"}  # its lines name Chinese files: read from this test's pipe as UTF-8
    proc = subprocess.Popen([sys.executable, "-m", "desktop.cli", "score", *map(str, inputs), "--as-of", "2026-06-30",
                             "--out", str(target)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(sys_tmp.glob("credit-desk-job-*/credit-desk-*.xlsx.tmp")):  # the export has begun
        assert proc.poll() is None, "the export finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)  # well inside the writing
    assert proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert target.read_bytes() == b"the previous results"
    assert _strays(out_dir, {"评级结果.xlsx"}) == []
    # the killed job's private folder is all that is left, in the system temporary folder ...
    assert [p.name.startswith("credit-desk-job-") for p in sys_tmp.iterdir()] == [True]
    # ... and the next job removes it, replaces the old output and leaves nothing else either
    again = subprocess.run([sys.executable, "-m", "desktop.cli", "score", *map(str, inputs), "--as-of", "2026-06-30",
                            "--out", str(target), "--no-register"], env=env, capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr.decode("utf-8", "replace")
    assert target.read_bytes()[:2] == b"PK" and _strays(out_dir, {"评级结果.xlsx"}) == []
    assert list(sys_tmp.iterdir()) == []


def test_leftover_beside_the_target_is_removed_by_the_next_export(tmp_path, monkeypatch):
    """Another volume (a network share): the temporary file sits beside the target."""
    monkeypatch.setattr(safe_write, "_temp_folder_for", lambda folder: folder)
    target = tmp_path / "结果.xlsx"
    old = tmp_path / ".~结果.k1ll3d.xlsx.tmp"
    old.write_bytes(b"half a workbook")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    young = tmp_path / ".~结果.other.xlsx.tmp"  # another window exporting right now: left alone
    young.write_bytes(b"in progress")
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(target)]) == 0
    assert _strays(tmp_path, {"结果.xlsx"}) == [young.name]


def test_disk_full_keeps_the_previous_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"previous")

    def full(self, *args, **kwargs):  # the disk fills while the workbook's zip is written
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(target)]) == 4
    assert capsys.readouterr().err.strip() == (f"credit-desk: {target}: the disk is full; free some space and "
                                               f"export again. The previous file is unchanged.")
    assert target.read_bytes() == b"previous" and _strays(tmp_path, {"结果.xlsx"}) == []


def test_no_permission_to_write_in_the_folder(tmp_path, monkeypatch):
    target = tmp_path / "结果.xlsx"

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(safe_write.tempfile, "mkstemp", denied)
    with pytest.raises(OutputFileError, match=r"no permission to write in"):
        services.score(session.ScoreRequest(inputs=[Path(p) for p in SAMPLES], as_of=date(2026, 6, 30), out=target))
    assert not target.exists()


def test_exported_workbooks_can_be_encrypted_and_structure_locked(tmp_path, capsys):
    """--open-password: the workbook opens only with the password (decrypted here as Excel does);
    --protect-password: Excel's workbook structure protection with a SHA-512 hash of the password."""
    import base64
    import io
    import re

    import openpyxl
    from msoffcrypto import OfficeFile

    from desktop.io.writers.protect import password_hash
    out, forms = tmp_path / "结果.xlsx", tmp_path / "审批.xlsx"
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--forms", str(forms),
                 "--open-password", "开启123", "--protect-password", "结构456"]) == 0
    for path in (out, forms):
        raw = path.read_bytes()
        assert raw[:8] == bytes.fromhex("d0cf11e0a1b11ae1") and b"xl/worksheets" not in raw  # nothing in clear
        office = OfficeFile(io.BytesIO(raw))
        assert office.is_encrypted()
        office.load_key(password="开启123")
        plain = io.BytesIO()
        office.decrypt(plain)
        with zipfile.ZipFile(plain) as z:
            xml = z.read("xl/workbook.xml").decode()
        m = re.search(r'workbookHashValue="([^"]+)" workbookSaltValue="([^"]+)" workbookSpinCount="(\d+)" '
                      r'lockStructure="1"', xml)
        assert m and m.group(1) == password_hash("结构456", base64.b64decode(m.group(2)), int(m.group(3)))
        assert m.group(1) != password_hash("wrong", base64.b64decode(m.group(2)), int(m.group(3)))
        assert openpyxl.load_workbook(plain).security.lockStructure
    # the approvals step reads the encrypted results workbook back with the password
    code = main(["approvals", str(forms), "--results", str(out), "--out", str(tmp_path / "d.xlsx")])
    assert code == 3 and "protected with a password" in capsys.readouterr().err
    assert main(["approvals", str(forms), "--results", str(out), "--password", "开启123",
                 "--out", str(tmp_path / "d.xlsx")]) == 0
