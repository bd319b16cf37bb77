"""Putting outputs in place all or nothing, and what a killed job leaves for the next one to undo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.errors import OutputFileError
from desktop.io import safe_write
from desktop.io.safe_write import replacing, scratch_folder, stage


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write(text: str):
    return lambda tmp: tmp.write_text(text, encoding="utf-8")


def killed_inside_replacing(tmp_path: Path, private_tmp: Path, state: str, proof: dict | None = None
                            ) -> tuple[Path, Path]:
    """What a job killed inside ``replacing`` leaves: its scratch folder with the journal, a.xlsx
    already replaced by the new content, its backup beside it, b.xlsx not yet replaced."""
    out = tmp_path / "输出"
    out.mkdir()
    a, b = out / "a.xlsx", out / "b.xlsx"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")
    folder = private_tmp / f"{safe_write.SCRATCH_PREFIX}killed"
    folder.mkdir()
    (folder / "owner.pid").write_text(str(dead_pid()), encoding="ascii")
    new_a, new_b = folder / "a.tmp", folder / "b.tmp"
    new_a.write_text("new a", encoding="utf-8")
    new_b.write_text("new b", encoding="utf-8")
    backup_a, backup_b = out / ".~a.~1~x.xlsx.bak", out / ".~b.~1~y.xlsx.bak"
    entries = [{"target": str(a), "backup": str(backup_a), "new": safe_write._identity(new_a)},
               {"target": str(b), "backup": str(backup_b), "new": safe_write._identity(new_b)}]
    journal = {"state": state, "entries": entries, **(proof or {})}
    (folder / safe_write._JOURNAL).write_text(json.dumps(journal), encoding="utf-8")
    os.link(a, backup_a)
    os.replace(new_a, a)  # killed here: a is new, b is old
    os.link(b, backup_b)
    return a, b


def test_the_next_job_undoes_a_replacement_killed_before_its_commit(tmp_path, private_tmp):
    a, b = killed_inside_replacing(tmp_path, private_tmp, "replacing")
    with scratch_folder():  # any next job
        pass
    assert a.read_text(encoding="utf-8") == "old a" and b.read_text(encoding="utf-8") == "old b"
    assert sorted(p.name for p in a.parent.iterdir()) == ["a.xlsx", "b.xlsx"]  # no backup left
    assert list(private_tmp.iterdir()) == []


def test_a_job_killed_after_its_commit_keeps_what_it_wrote(tmp_path, private_tmp):
    a, b = killed_inside_replacing(tmp_path, private_tmp, "committed")
    with scratch_folder():
        pass
    assert a.read_text(encoding="utf-8") == "new a"  # committed: it stands
    assert sorted(p.name for p in a.parent.iterdir()) == ["a.xlsx", "b.xlsx"]


def test_an_export_never_removes_a_backup_it_did_not_make(tmp_path, private_tmp):
    """A backup of another job (same target, or a target whose name starts the same) may be the only
    copy of a previous file: the journal of its own job decides, never another export's clean-up."""
    target = tmp_path / "结果.xlsx"
    target.write_text("previous", encoding="utf-8")
    others = [tmp_path / ".~结果.~1~live.xlsx.bak", tmp_path / ".~结果.2026.~1~live.xlsx.bak"]
    for p in others:
        p.write_text("someone's previous file", encoding="utf-8")
        os.utime(p, (1, 1))  # as old as it gets
    live_tmp = tmp_path / f".~结果.2026.~{dead_pid()}~abc.xlsx.tmp"  # another target's name: not ours to judge
    live_tmp.write_text("in progress", encoding="utf-8")
    with scratch_folder():
        with replacing([stage(target, write("new"))]):
            pass
    assert target.read_text(encoding="utf-8") == "new"
    assert all(p.exists() for p in [*others, live_tmp])


def test_a_temporary_file_of_a_dead_export_to_the_same_target_is_removed(tmp_path, private_tmp, monkeypatch):
    monkeypatch.setattr(safe_write, "_temp_folder_for", lambda folder: folder)  # another volume: beside the target
    target = tmp_path / "结果.xlsx"
    dead = tmp_path / f".~结果.~{dead_pid()}~k1ll3d.xlsx.tmp"
    mine = tmp_path / f".~结果.~{os.getpid()}~running.xlsx.tmp"  # a live process's: left alone
    dead.write_text("half a workbook", encoding="utf-8")
    mine.write_text("in progress", encoding="utf-8")
    with scratch_folder():
        with replacing([stage(target, write("new"))]):
            pass
    assert not dead.exists() and mine.exists() and target.read_text(encoding="utf-8") == "new"


def test_all_or_nothing_across_targets_when_a_later_one_fails(tmp_path, private_tmp):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_text("old a", encoding="utf-8")
    with scratch_folder():
        staged = [stage(a, write("new a")), stage(b, write("new b"))]
        b.mkdir()  # b became a folder meanwhile: it cannot be replaced
        with pytest.raises(OutputFileError), replacing(staged):
            pass
    assert a.read_text(encoding="utf-8") == "old a" and b.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx", "system-temp"]
    assert list(private_tmp.iterdir()) == []


def test_a_previous_file_that_cannot_be_put_back_is_kept_and_named(tmp_path, private_tmp, monkeypatch):
    a = tmp_path / "a.xlsx"
    a.write_text("old a", encoding="utf-8")
    real_replace = os.replace

    def held(src, dst):  # the antivirus holds the file while the job tries to put the old one back
        if str(src).endswith(".bak"):
            raise PermissionError(13, "held by another program")
        return real_replace(src, dst)
    with scratch_folder():
        staged = [stage(a, write("new a"))]
        monkeypatch.setattr(safe_write.time, "sleep", lambda s: None)
        monkeypatch.setattr(os, "replace", held)
        with pytest.raises(OutputFileError, match=r"could not all be put back .*\.bak"), replacing(staged):
            raise RuntimeError("the register could not be written")
    monkeypatch.undo()
    backups = list(tmp_path.glob(".~a.*.bak"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == "old a"  # never deleted


def test_a_target_open_in_excel_leaves_it_and_every_other_target_as_they_were(tmp_path, private_tmp, monkeypatch):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")
    real_replace = os.replace

    def excel_has_b(src, dst):  # Windows refuses to replace a file Excel holds open
        if Path(dst) == b:
            raise PermissionError(13, "Permission denied")
        return real_replace(src, dst)
    with scratch_folder():
        staged = [stage(a, write("new a")), stage(b, write("new b"))]
        monkeypatch.setattr(os, "replace", excel_has_b)
        with pytest.raises(OutputFileError, match=r"b\.xlsx: cannot be replaced: another program is using the file"):
            with replacing(staged):
                pass
    monkeypatch.undo()
    assert a.read_text(encoding="utf-8") == "old a" and b.read_text(encoding="utf-8") == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx", "system-temp"]


def test_a_job_killed_after_the_register_commit_but_before_it_said_so_keeps_what_it_wrote(tmp_path, private_tmp):
    """The register is the commit record: its entry proves the job committed, whatever the journal says."""
    from desktop.io.register import Register
    register = tmp_path / "register.sqlite"
    with Register(register) as reg:
        head = reg.record_run({"run_id": "R1", "as_of": "2026-06-30"}, [{"customer_id": "C1"}])
    a, b = killed_inside_replacing(tmp_path, private_tmp, "replacing", {"register": str(register), "head": str(head)})
    with scratch_folder():
        pass
    assert a.read_text(encoding="utf-8") == "new a"
    assert sorted(p.name for p in a.parent.iterdir()) == ["a.xlsx", "b.xlsx"]
    # an entry the register does not hold (another hash at that number) proves nothing: undone
    (tmp_path / "again").mkdir()
    a2, _ = killed_inside_replacing(tmp_path / "again", private_tmp, "replacing",
                                    {"register": str(register), "head": f"#{head.seq} {'0' * 64}"})
    with scratch_folder():
        pass
    assert a2.read_text(encoding="utf-8") == "old a"


def test_a_killed_job_whose_previous_file_cannot_be_put_back_yet_is_tried_again_later(tmp_path, private_tmp,
                                                                                     monkeypatch):
    a, _ = killed_inside_replacing(tmp_path, private_tmp, "replacing")
    real_replace = os.replace
    monkeypatch.setattr(safe_write.time, "sleep", lambda s: None)
    monkeypatch.setattr(os, "replace", lambda src, dst: (_ for _ in ()).throw(PermissionError(13, "open in Excel")))
    with scratch_folder():
        pass
    assert a.read_text(encoding="utf-8") == "new a"
    assert (private_tmp / f"{safe_write.SCRATCH_PREFIX}killed" / safe_write._JOURNAL).exists()  # kept
    monkeypatch.setattr(os, "replace", real_replace)  # Excel closed
    with scratch_folder():
        pass
    assert a.read_text(encoding="utf-8") == "old a" and list(private_tmp.iterdir()) == []


def test_temporary_files_a_killed_job_left_beside_its_targets_are_removed_by_the_next_job(tmp_path, private_tmp,
                                                                                        monkeypatch):
    """Another volume (a network share): the temporary files sit beside the targets, listed in the job's folder."""
    monkeypatch.setattr(safe_write, "_temp_folder_for", lambda folder: folder)
    target = tmp_path / "结果.xlsx"
    with scratch_folder() as folder:
        staged = stage(target, write("half"))
        leftover = staged.tmp
        assert leftover.parent == tmp_path
        (folder / "owner.pid").write_text(str(dead_pid()), encoding="ascii")  # as if its process were killed
        killed = private_tmp / "killed-copy"
        shutil.copytree(folder, killed)
    killed.rename(private_tmp / f"{safe_write.SCRATCH_PREFIX}killed")
    leftover.write_text("half a workbook", encoding="utf-8")  # what the killed job left
    with scratch_folder():  # a job writing elsewhere
        pass
    assert not leftover.exists() and list(private_tmp.iterdir()) == []


def test_a_target_excel_holds_is_found_before_any_target_is_touched(tmp_path, private_tmp, monkeypatch):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_text("old a", encoding="utf-8")
    b.write_text("old b", encoding="utf-8")
    real_open = open

    def excel_has_b(path, mode="r", *args, **kwargs):  # Excel denies writing to the workbook it has open
        if Path(path) == b and "+" in mode:
            raise PermissionError(13, "The process cannot access the file")
        return real_open(path, mode, *args, **kwargs)
    with scratch_folder():
        staged = [stage(a, write("new a")), stage(b, write("new b"))]
        monkeypatch.setattr(safe_write, "open", excel_has_b, raising=False)
        links = []
        monkeypatch.setattr(os, "link", lambda *x: links.append(x))
        with pytest.raises(OutputFileError, match=r"b\.xlsx: cannot be replaced: another program is using the file"):
            with replacing(staged):
                pass
    assert links == [] and a.read_text(encoding="utf-8") == "old a"  # not even a backup was made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx", "system-temp"]


def test_a_backup_that_cannot_be_removed_yet_is_removed_by_a_later_job(tmp_path, private_tmp, monkeypatch):
    a = tmp_path / "a.xlsx"
    a.write_text("old a", encoding="utf-8")
    real_unlink = os.unlink
    with pytest.MonkeyPatch.context() as held, scratch_folder() as folder:
        held.setattr(os, "unlink", lambda p, *x, **k: (_ for _ in ()).throw(PermissionError(13, "held"))
                     if str(p).endswith(".bak") else real_unlink(p, *x, **k))
        with replacing([stage(a, write("new a"))]):
            pass
    assert a.read_text(encoding="utf-8") == "new a"
    backups = list(tmp_path.glob(".~a.*.bak"))
    assert len(backups) == 1 and (folder / safe_write._JOURNAL).exists()  # listed for later, not forgotten
    (folder / "owner.pid").write_text(str(dead_pid()), encoding="ascii")  # the program has ended since
    with scratch_folder():
        pass
    assert not backups[0].exists() and list(private_tmp.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "system-temp"]
