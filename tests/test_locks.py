"""A target another program holds: waited out for about a second, refused before anything is
written, and the clerk told who holds it (Excel or WPS, LibreOffice, by name) or, when no
owner file says so, that another program uses it, without guessing Excel. The permissions
an output gets: a new file's by the umask, on Windows its folder's."""

from __future__ import annotations

import logging
import os
import random
import stat
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from desktop import services, session
from desktop.diagnostics import LOG
from desktop.errors import OutputFileError
from desktop.io import safe_write
from desktop.io.safe_write import Holder, scratch_folder, stage, who_holds, write_atomic
from desktop.paths import samples_dir

SAMPLES = [str(p) for p in sorted(samples_dir().iterdir())]


class SharingViolation(PermissionError):
    """What Windows raises while another program has the file open (ERROR_SHARING_VIOLATION)."""

    winerror = 32

    def __init__(self) -> None:
        super().__init__(13, "The process cannot access the file because it is being used by another process")


def excel_owner_file(user: str, ansi: str = "gbk") -> bytes:
    """Excel's ``~$name.xlsx`` as Excel writes it: 165 bytes, the name's length, the name in the
    ANSI code page padded with spaces to offset 55, its length again in two bytes, the name in
    UTF-16LE, then spaces (as UTF-16) to the end."""
    data = bytearray(b" " * 165)
    data[0] = len(user)
    encoded = user.encode(ansi)
    data[1:1 + len(encoded)] = encoded
    data[55:57] = len(user).to_bytes(2, "little")
    wide = user.encode("utf-16-le")
    data[57:57 + len(wide)] = wide
    for i in range(57 + len(wide), 165):
        data[i] = 0x20 if (i - 57) % 2 == 0 else 0
    return bytes(data)


def write(text: str):
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """The waits the program asks for, recorded instead of slept."""
    waited: list[float] = []
    monkeypatch.setattr(safe_write.time, "sleep", waited.append)
    return waited


def held_replace(monkeypatch, target: Path, times: int | None) -> list[Path]:
    """``os.replace`` onto ``target`` refused ``times`` times (None: always); the tries made."""
    real, tries = os.replace, []

    def replace(src, dst):
        if Path(dst) == target:
            tries.append(Path(dst))
            if times is None or len(tries) <= times:
                raise SharingViolation()
        return real(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    return tries


def held_open(monkeypatch, target: Path, times: int | None) -> list[Path]:
    """The check's open of ``target`` for writing refused ``times`` times (None: always)."""
    real, tries = open, []

    def opener(path, mode="r", *args, **kwargs):
        if Path(path) == target and "+" in mode:
            tries.append(Path(path))
            if times is None or len(tries) <= times:
                raise SharingViolation()
        return real(path, mode, *args, **kwargs)
    monkeypatch.setattr(safe_write, "open", opener, raising=False)
    return tries


@pytest.fixture
def log_lines():
    lines: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())
    handler, level = Catch(level=logging.DEBUG), LOG.level
    LOG.addHandler(handler)
    LOG.setLevel(logging.DEBUG)
    yield lines
    LOG.removeHandler(handler)
    LOG.setLevel(level)


# ---------------------------------------------------------------- retries


def test_a_hold_of_a_moment_on_the_final_replace_is_waited_out_without_a_word(tmp_path, private_tmp, monkeypatch,
                                                                               sleeps, log_lines):
    target = tmp_path / "结果.xlsx"
    target.write_text("old", encoding="utf-8")
    tries = held_replace(monkeypatch, target, times=3)  # the antivirus scans it for a moment
    write_atomic(target, write("new"))
    assert target.read_text(encoding="utf-8") == "new"
    assert len(tries) == 4 and sleeps == list(safe_write.RETRY_WAITS_S[:3])
    assert any("replaced at try 4" in line for line in log_lines)  # the log says it was held
    assert sorted(p.name for p in tmp_path.iterdir()) == ["system-temp", "结果.xlsx"]


def test_a_hold_of_a_moment_in_the_early_check_is_waited_out_and_the_workbook_written(tmp_path, private_tmp,
                                                                                       monkeypatch, sleeps):
    target = tmp_path / "结果.xlsx"
    target.write_text("old", encoding="utf-8")
    tries = held_open(monkeypatch, target, times=2)
    calls = []
    with scratch_folder():
        staged = stage(target, lambda tmp: (calls.append(tmp), tmp.write_text("new", encoding="utf-8")))
        staged.discard()
    assert len(calls) == 1 and len(tries) == 3 and sleeps == list(safe_write.RETRY_WAITS_S[:2])


def test_a_target_held_for_good_is_refused_after_about_a_second_without_guessing_excel(tmp_path, private_tmp,
                                                                                        monkeypatch):
    """Real waits, measured: about a second in all, then the message naming no program."""
    target = tmp_path / "结果.xlsx"
    target.write_text("old", encoding="utf-8")
    tries = held_replace(monkeypatch, target, times=None)
    start = time.monotonic()
    with pytest.raises(OutputFileError) as caught:
        write_atomic(target, write("new"))
    elapsed = time.monotonic() - start
    assert len(tries) == len(safe_write.RETRY_WAITS_S) + 1 == 6
    assert 0.9 <= sum(safe_write.RETRY_WAITS_S) <= 1.1 and 1.0 <= elapsed < 3.0
    exc = caught.value
    assert exc.code == "error.output.open_elsewhere"
    assert "另一个程序正在使用该文件" in exc.text("zh") and "Excel" not in exc.text("zh")
    assert "another program is using the file" in exc.text("en") and "Excel" not in exc.text("en")
    assert "WinError" not in exc.text("zh") and "being used by another process" in exc.detail  # the log's
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["system-temp", "结果.xlsx"]
    assert list(private_tmp.iterdir()) == []


def test_another_error_on_the_replace_is_not_retried(tmp_path, private_tmp, monkeypatch, sleeps):
    target = tmp_path / "结果.xlsx"
    real = os.replace

    def broken(src, dst):
        if Path(dst) == target:
            raise OSError(5, "Input/output error")
        return real(src, dst)
    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OutputFileError) as caught:
        write_atomic(target, write("new"))
    assert caught.value.code == "error.output.cannot_write" and sleeps == []


def test_a_read_only_target_is_said_to_be_read_only_at_once(tmp_path, private_tmp, monkeypatch, sleeps):
    target = tmp_path / "结果.xlsx"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o444)  # Windows: the read-only attribute, which refuses both the open and the replace
    held_open(monkeypatch, target, times=None)
    calls = []
    with scratch_folder(), pytest.raises(OutputFileError) as caught:
        stage(target, calls.append)
    target.chmod(0o644)
    assert caught.value.code == "error.output.read_only_file" and "只读" in caught.value.text("zh")
    assert sleeps == [] and calls == []


# ---------------------------------------------------------------- who holds it


def test_an_excel_owner_file_names_the_user_and_excel(tmp_path, private_tmp, monkeypatch, sleeps):
    target = tmp_path / "结果.xlsx"
    target.write_text("old", encoding="utf-8")
    (tmp_path / "~$结果.xlsx").write_bytes(excel_owner_file("张三"))
    held_replace(monkeypatch, target, times=None)
    with pytest.raises(OutputFileError) as caught:
        write_atomic(target, write("new"))
    exc = caught.value
    assert exc.code == "error.output.open_in_excel" and exc.values["user"] == "张三"
    assert "张三" in exc.text("zh") and "Excel" in exc.text("zh") and "另一个程序" not in exc.text("zh")
    assert "opened by 张三" in exc.text("en") and "Excel or WPS" in exc.text("en")
    assert target.read_text(encoding="utf-8") == "old"


def test_an_owner_file_is_read_by_either_of_its_copies_of_the_name(tmp_path):
    target = tmp_path / "结果.xlsx"
    owner = tmp_path / "~$结果.xlsx"
    raw = bytearray(excel_owner_file("张三"))
    owner.write_bytes(bytes(raw))
    assert who_holds(target) == Holder("excel", "张三")
    raw[55:57] = b"\xff\xff"  # the UTF-16 copy damaged: the ANSI (GBK) one is read
    owner.write_bytes(bytes(raw))
    assert who_holds(target) == Holder("excel", "张三")
    raw = bytearray(excel_owner_file("张三"))
    raw[1:54] = b" " * 53  # the ANSI copy blank: the UTF-16 one is read
    owner.write_bytes(bytes(raw))
    assert who_holds(target) == Holder("excel", "张三")
    word = bytearray(162)  # Word's layout: zeros after the ANSI name, the UTF-16 length at 54
    word[0], word[1:5], word[54] = 2, "李四".encode("gbk"), 2
    word[56:60] = "李四".encode("utf-16-le")
    owner.write_bytes(bytes(word))
    assert who_holds(target) == Holder("excel", "李四")


@pytest.mark.parametrize("raw", [b"", b"\x05ab", b"\xff" * 3, b"\x00" * 165, b"\x34" + b"\xff" * 164],
                         ids=["empty", "3-bytes", "3-bytes-ff", "zeros", "ff-after-length"])
def test_a_damaged_owner_file_says_excel_without_a_name_and_never_fails(tmp_path, private_tmp, monkeypatch,
                                                                        sleeps, raw):
    target = tmp_path / "结果.xlsx"
    target.write_text("old", encoding="utf-8")
    (tmp_path / "~$结果.xlsx").write_bytes(raw)
    held_replace(monkeypatch, target, times=None)
    with pytest.raises(OutputFileError) as caught:
        write_atomic(target, write("new"))
    assert caught.value.code in ("error.output.open_in_excel_unnamed", "error.output.open_in_excel")
    if raw in (b"", b"\x05ab", b"\xff" * 3, b"\x00" * 165):
        assert caught.value.code == "error.output.open_in_excel_unnamed"


def test_owner_files_of_random_bytes_never_fail_and_give_only_printable_names(tmp_path):
    target, owner = tmp_path / "a.xlsx", tmp_path / "~$a.xlsx"
    lock = tmp_path / ".~lock.a.xlsx#"
    rng = random.Random(19)
    for n in range(300):
        raw = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3, 54, 56, 162, 165, 300])))
        for path in (owner, lock):
            path.write_bytes(raw)
            holder = who_holds(target)
            assert holder is not None and len(holder.user) <= 52, n
            assert all(c.isprintable() and c not in "<>&" for c in holder.user), (n, holder.user)
            path.unlink()
    owner.write_bytes(excel_owner_file("<b>x</b>", ansi="ascii"))  # no markup reaches the message box
    assert who_holds(target) == Holder("excel", "bx/b")


def test_a_libreoffice_lock_file_names_its_user(tmp_path, private_tmp, monkeypatch, sleeps):
    target = tmp_path / "结果.xlsx"
    target.write_text("old", encoding="utf-8")
    lock = tmp_path / ".~lock.结果.xlsx#"
    lock.write_text(",lisi,PC-07,03.07.2026 09:12,file:///C:/Users/lisi/AppData/Roaming/LibreOffice/4;",
                    encoding="utf-8")
    held_replace(monkeypatch, target, times=None)
    with pytest.raises(OutputFileError) as caught:
        write_atomic(target, write("new"))
    exc = caught.value
    assert exc.code == "error.output.open_in_libreoffice" and exc.values["user"] == "lisi"
    assert "LibreOffice" in exc.text("zh") and "lisi" in exc.text("zh") and "Excel" not in exc.text("zh")
    lock.write_text("王五\\, 财务部,wangwu,PC-08,03.07.2026 09:12,file:///x;", encoding="utf-8")  # its own name
    assert who_holds(target) == Holder("libreoffice", "王五, 财务部")
    lock.write_bytes(b"")
    assert who_holds(target) == Holder("libreoffice", "")
    (tmp_path / "~$结果.xlsx").write_bytes(excel_owner_file("张三"))  # LibreOffice writes one of these too
    assert who_holds(target).program == "libreoffice"


# ---------------------------------------------------------------- checked before writing


def test_a_held_target_is_refused_before_the_writer_runs_and_nothing_is_made(tmp_path, private_tmp, monkeypatch,
                                                                             sleeps):
    target = tmp_path / "结果.xlsx"
    target.write_bytes(b"previous results")
    (tmp_path / "~$结果.xlsx").write_bytes(excel_owner_file("张三"))
    tries = held_open(monkeypatch, target, times=None)
    calls = []
    with scratch_folder(), pytest.raises(OutputFileError) as caught:
        stage(target, lambda tmp: calls.append(tmp))
    assert caught.value.code == "error.output.open_in_excel" and "张三" in caught.value.text("zh")
    assert calls == [] and len(tries) == 6 and sum(sleeps) <= 1.1
    assert target.read_bytes() == b"previous results"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["system-temp", "~$结果.xlsx", "结果.xlsx"]
    assert list(private_tmp.iterdir()) == []


def test_forms_open_in_excel_are_said_before_the_results_workbook_is_written(tmp_path, monkeypatch, sleeps):
    """A run with two outputs: the second one held stops the run before the first is written."""
    out, forms = tmp_path / "结果.xlsx", tmp_path / "审批.xlsx"
    forms.write_bytes(b"previous forms")
    (tmp_path / "~$审批.xlsx").write_bytes(excel_owner_file("张三"))
    held_open(monkeypatch, forms, times=None)
    real_stage, staged = safe_write.stage, []
    monkeypatch.setattr(safe_write, "stage", lambda *a, **k: (staged.append(a[0]), real_stage(*a, **k))[1])
    with pytest.raises(OutputFileError) as caught:
        services.score(session.ScoreRequest(inputs=[Path(p) for p in SAMPLES], as_of=date(2026, 6, 30), out=out,
                                            forms_out=forms))
    assert "open in Excel or WPS (opened by 张三)" in str(caught.value) and "审批.xlsx" in str(caught.value)
    assert staged == [] and not out.exists() and forms.read_bytes() == b"previous forms"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["~$审批.xlsx", "审批.xlsx"]


# ---------------------------------------------------------------- permissions


@pytest.mark.skipif(sys.platform == "win32", reason="Windows files have no mode bits beyond read-only")
@pytest.mark.parametrize("mask", [0o022, 0o027, 0o002, 0o077])
def test_a_new_output_gets_the_mode_the_umask_gives(tmp_path, private_tmp, mask):
    old = os.umask(mask)
    try:
        write_atomic(tmp_path / "new.xlsx", write("new"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.xlsx").stat().st_mode) == 0o666 & ~mask


@pytest.mark.skipif(sys.platform == "win32", reason="Windows files have no mode bits beyond read-only")
def test_a_replaced_output_keeps_the_previous_files_mode(tmp_path, private_tmp):
    target = tmp_path / "old.xlsx"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    old = os.umask(0o002)
    try:
        write_atomic(target, write("new"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text(encoding="utf-8") == "new"


class FakeAdvapi32:
    """Stands in for advapi32: records the calls, answers ``rc`` to SetNamedSecurityInfoW."""

    def __init__(self, rc: int = 0):
        self.calls: list[tuple] = []
        self.rc = rc
        fake = self

        def initialize_acl(acl, size, revision):
            fake.calls.append(("InitializeAcl", size, revision))
            return 1

        def set_named_security_info(*args):
            fake.calls.append(("SetNamedSecurityInfoW", *args))
            return fake.rc
        self.InitializeAcl = initialize_acl
        self.SetNamedSecurityInfoW = set_named_security_info


def test_on_windows_the_output_takes_its_folders_inherited_permissions(tmp_path, private_tmp, monkeypatch,
                                                                       log_lines):
    fake = FakeAdvapi32()
    monkeypatch.setattr(safe_write, "_advapi32", lambda: fake)
    target = tmp_path / "结果.xlsx"
    seen = []
    real_inherit = safe_write._inherit_permissions

    def inherit(path):  # when the call comes, the new file is in place under the target's name
        seen.append(Path(path).read_text(encoding="utf-8"))
        real_inherit(path)
    monkeypatch.setattr(safe_write, "_inherit_permissions", inherit)
    monkeypatch.setattr(sys, "platform", "win32")
    write_atomic(target, write("new"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert seen == ["new"]
    assert fake.calls[0] == ("InitializeAcl", 8, 2)  # an empty ACL of ACL_REVISION
    name, path, kind, flags, owner, group, dacl, sacl = fake.calls[1]
    assert (name, path, kind, owner, group, sacl) == ("SetNamedSecurityInfoW", str(target), 1, None, None, None)
    assert flags == 0x4 | 0x20000000  # DACL_SECURITY_INFORMATION | UNPROTECTED_DACL_SECURITY_INFORMATION
    assert dacl is not None and log_lines == []


def test_a_failure_to_set_the_permissions_is_only_logged(tmp_path, private_tmp, monkeypatch, log_lines):
    target = tmp_path / "结果.xlsx"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(safe_write, "_advapi32", lambda: FakeAdvapi32(rc=5))  # ERROR_ACCESS_DENIED
    safe_write._inherit_permissions(target)
    monkeypatch.setattr(safe_write, "_advapi32", lambda: (_ for _ in ()).throw(OSError("no advapi32 here")))
    safe_write._inherit_permissions(target)
    monkeypatch.setattr(sys, "platform", "linux")
    assert len(log_lines) == 2 and "SetNamedSecurityInfoW returned 5" in log_lines[0]
    assert "no advapi32 here" in log_lines[1]
    fake = FakeAdvapi32()
    monkeypatch.setattr(safe_write, "_advapi32", lambda: fake)
    safe_write._inherit_permissions(target)  # not on Windows: nothing is called
    assert fake.calls == []


@pytest.mark.skipif(sys.platform != "win32", reason="the DACL of a file exists only on Windows")
def test_on_windows_every_entry_of_the_outputs_dacl_is_inherited(tmp_path, private_tmp, log_lines):
    import ctypes
    from ctypes import wintypes
    target = tmp_path / "结果.xlsx"
    write_atomic(target, write("new"))
    assert not [line for line in log_lines if "permissions" in line]
    advapi32 = ctypes.WinDLL("advapi32", use_last_error=True)
    advapi32.GetNamedSecurityInfoW.argtypes = [ctypes.c_wchar_p, ctypes.c_int, wintypes.DWORD, ctypes.c_void_p,
                                               ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p,
                                               ctypes.POINTER(ctypes.c_void_p)]
    advapi32.GetNamedSecurityInfoW.restype = wintypes.DWORD
    advapi32.GetSecurityDescriptorControl.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_ushort),
                                                      ctypes.POINTER(wintypes.DWORD)]
    advapi32.GetAclInformation.argtypes = [ctypes.c_void_p, ctypes.c_void_p, wintypes.DWORD, ctypes.c_int]
    advapi32.GetAce.argtypes = [ctypes.c_void_p, wintypes.DWORD, ctypes.POINTER(ctypes.c_void_p)]
    dacl, sd = ctypes.c_void_p(), ctypes.c_void_p()
    assert advapi32.GetNamedSecurityInfoW(str(target), 1, 4, None, None, ctypes.byref(dacl), None,
                                          ctypes.byref(sd)) == 0
    try:
        control, revision = ctypes.c_ushort(), wintypes.DWORD()
        assert advapi32.GetSecurityDescriptorControl(sd, ctypes.byref(control), ctypes.byref(revision))
        assert not control.value & 0x1000  # SE_DACL_PROTECTED: the folder's entries flow in
        info = (wintypes.DWORD * 3)()  # ACL_SIZE_INFORMATION: AceCount, AclBytesInUse, AclBytesFree
        assert advapi32.GetAclInformation(dacl, info, ctypes.sizeof(info), 2)
        assert info[0] > 0
        for i in range(info[0]):
            ace = ctypes.c_void_p()
            assert advapi32.GetAce(dacl, i, ctypes.byref(ace))
            assert ctypes.string_at(ace, 2)[1] & 0x10, i  # INHERITED_ACE: none of %TEMP%'s own
    finally:
        ctypes.windll.kernel32.LocalFree(sd)
