"""Where the user's data lives, an upgrade that keeps it, and no register on a network path.

One folder holds the settings, the mapping profiles, the logs and the register: Local AppData on
Windows (a roaming profile or folder redirection would put the register on a server, where SQLite's
WAL mode does not work), or the folder IT names in CREDIT_DESK_HOME. What an earlier version kept in
Roaming AppData or Qt's own settings place is copied over at start-up and never deleted. A register
on a share, a mapped network drive or a network mount is refused before anything opens it. Windows
is simulated: ``sys.platform``, the environment, the drive type and the mount table are faked.
"""

from __future__ import annotations

import re
import signal
import sys
import tempfile
from pathlib import Path

import pytest

from desktop import diagnostics, paths
from desktop.cli import EXIT_INPUT, EXIT_OUTPUT, main
from desktop.errors import CreditDeskError
from desktop.io import local_disk
from desktop.io.local_disk import DRIVE_REMOTE, network_place
from desktop.io.register import Register, RegisterError, RegisterWriteError, refuse_network
from desktop.messages import english_sentences
from desktop.upgrade import carry_over_old_data

SAMPLES = [str(p) for p in sorted(paths.samples_dir().iterdir())]
UNC = r"\\server\share\credit\r.sqlite"
DRIVE_FIXED = 3


def windows(monkeypatch, tmp_path) -> tuple[Path, Path]:
    """A Windows user as this computer can fake one: (Local AppData, Roaming AppData)."""
    local, roaming = tmp_path / "Local", tmp_path / "Roaming"
    # A temporary folder of its own: a run sweeps the folders of other jobs there and asks Windows
    # (which this computer is not) whether their processes live - another program's jobs running
    # beside the tests must not be looked at through the faked platform.
    scratch = tmp_path / "Temp"
    scratch.mkdir(exist_ok=True)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(local))
    monkeypatch.setenv("APPDATA", str(roaming))
    return local, roaming


def own_register(monkeypatch) -> None:
    """The register and the logs where the program puts them, not where the test suite does."""
    monkeypatch.delenv("CREDIT_DESK_REGISTER", raising=False)
    monkeypatch.delenv("CREDIT_DESK_LOG_DIR", raising=False)


# ---------------------------------------------------------------- one folder, Local AppData

def test_on_windows_the_data_folder_is_local_appdata_not_roaming(monkeypatch, tmp_path):
    local, roaming = windows(monkeypatch, tmp_path)
    own_register(monkeypatch)
    folder = paths.user_data_folder()
    assert folder == local / "CreditDesk"
    for path in (paths.settings_file(), paths.profiles_folder(), paths.logs_folder(), paths.default_register_path(),
                 diagnostics.log_folder()):
        assert local in path.parents or path == folder, path
        assert roaming not in path.parents, f"{path} roams"
    monkeypatch.delenv("LOCALAPPDATA")  # a profile without the variable: the usual place under the home folder
    assert paths.user_data_folder() == Path.home() / "AppData" / "Local" / "CreditDesk"


def test_credit_desk_home_wins_on_every_system(monkeypatch, tmp_path):
    own_register(monkeypatch)
    monkeypatch.setenv("CLERK", "zhang")
    monkeypatch.setenv("CREDIT_DESK_HOME", str(tmp_path / "IT" / "$CLERK") + "  ")  # as a policy might type it
    for platform in ("win32", "linux", "darwin"):
        monkeypatch.setattr(sys, "platform", platform)
        assert paths.user_data_folder() == tmp_path / "IT" / "zhang"
        assert paths.default_register_path() == tmp_path / "IT" / "zhang" / "register.sqlite"
        assert paths.settings_file() == tmp_path / "IT" / "zhang" / "settings.ini"
    monkeypatch.setenv("CREDIT_DESK_HOME", "~/CreditDesk data")
    assert paths.user_data_folder() == Path.home() / "CreditDesk data"
    # the variables the tests (and IT) use for one part still win for that part
    monkeypatch.setenv("CREDIT_DESK_REGISTER", str(tmp_path / "r.sqlite"))
    monkeypatch.setenv("CREDIT_DESK_LOG_DIR", str(tmp_path / "logs here"))
    assert paths.default_register_path() == tmp_path / "r.sqlite"
    assert diagnostics.log_folder() == tmp_path / "logs here"


def test_settings_profiles_logs_and_register_are_written_in_the_one_folder(monkeypatch, tmp_path, qapp):
    from desktop.io.mapping_profiles import FILE_NAME, MappingProfile, ProfileStore
    from desktop.ui.settings import Settings, user_data_dir

    own_register(monkeypatch)
    home = tmp_path / "数据 文件夹"
    monkeypatch.setenv("CREDIT_DESK_HOME", str(home))
    settings = Settings()
    settings.save_language("en")
    settings.q.sync()
    assert Path(settings.q.fileName()) == home / "settings.ini"
    assert "language=en" in (home / "settings.ini").read_text(encoding="utf-8")
    assert Settings().language() == "en"  # read back from that file, not from Qt's own place
    assert not list((tmp_path / "config").rglob("*.ini"))  # nothing in Qt's place (XDG_CONFIG_HOME)
    ProfileStore(user_data_dir()).save(MappingProfile("往来账", "ledger", ("单位",), {"customer_id": "单位"}))
    assert (home / FILE_NAME).is_file()
    assert settings.register_path() == str(home / "register.sqlite")
    out = tmp_path / "out.xlsx"
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out)]) == 0  # its register, its log
    assert (home / "register.sqlite").is_file() and (home / "logs" / "cli.log").is_file()
    assert {p.name for p in home.iterdir()} - {"register.sqlite-wal", "register.sqlite-shm"} == \
        {FILE_NAME, "logs", "register.sqlite", "settings.ini"}  # nothing else, nowhere else


# ---------------------------------------------------------------- an upgrade keeps the data

def old_register(path: Path) -> tuple[Register, str]:
    """An old version's register, still open, its run only in the -wal file (never checkpointed)."""
    reg = Register(path)
    reg.record_run({"run_id": "R-old", "as_of": "2026-06-30"}, [{"customer_id": "C0007", "level": "A"}])
    assert Path(f"{path}-wal").stat().st_size > 0
    return reg, str(reg.head())


def roaming_with_old_register(tmp_path: Path) -> tuple[Path, str]:
    """An old version's Roaming folder holding its register (closed): (the folder, the register's head)."""
    roaming_app = tmp_path / "Roaming" / "CreditDesk"
    roaming_app.mkdir(parents=True)
    reg, head = old_register(roaming_app / "register.sqlite")
    reg.close()
    return roaming_app, head


def old_settings(path: Path, register: str) -> None:
    from PySide6.QtCore import QSettings
    q = QSettings(str(path), QSettings.Format.IniFormat)
    q.setValue("ui/language", "en")
    q.setValue("files/recent", [r"D:\账\客户.xlsx", r"D:\账\销售.xlsx"])
    q.setValue("rating/register", register)
    q.sync()


def test_an_upgrade_on_windows_copies_the_register_settings_and_profiles_and_keeps_the_old(monkeypatch, tmp_path,
                                                                                          qapp):
    from desktop.io.mapping_profiles import FILE_NAME
    from desktop.ui.settings import Settings

    own_register(monkeypatch)
    roaming_app = tmp_path / "Roaming" / "CreditDesk"
    (roaming_app / "Credit Desk").mkdir(parents=True)
    reg, head = old_register(roaming_app / "register.sqlite")  # written before the platform is faked
    windows(monkeypatch, tmp_path)
    old_settings(roaming_app / "Credit Desk.ini", str(roaming_app / "register.sqlite"))  # the default, confirmed
    (roaming_app / "Credit Desk" / FILE_NAME).write_text('{"profiles": []}', encoding="utf-8")  # the oldest place
    before = {p: p.read_bytes() for p in roaming_app.rglob("*") if p.is_file()}
    try:
        done = carry_over_old_data()
    finally:
        reg.close()
    new = tmp_path / "Local" / "CreditDesk"
    assert sorted((what, to) for what, _, to in done) == [
        ("profiles", new / FILE_NAME), ("register", new / "register.sqlite"), ("settings", new / "settings.ini")]
    with Register(new / "register.sqlite", readonly=True) as copy:  # whole: the run that was only in the -wal
        assert str(copy.head()) == head and copy.verify() == [] and copy.has_run("R-old")
    settings = Settings()
    assert settings.language() == "en" and settings.recent_files() == [r"D:\账\客户.xlsx", r"D:\账\销售.xlsx"]
    assert settings.register_path() == str(new / "register.sqlite")  # the old default: its copy is used now
    assert (new / FILE_NAME).read_text(encoding="utf-8") == '{"profiles": []}'
    for path, data in before.items():  # the old files are kept (another PC may run the old version)
        if path.name.startswith("register.sqlite"):
            continue  # its -wal merged into it when the old window closed: its head is checked below
        assert path.read_bytes() == data
    with Register(roaming_app / "register.sqlite", readonly=True) as old:
        assert str(old.head()) == head
    assert [p.name for p in new.iterdir() if ".upgrade-" in p.name] == []  # no scratch copy left behind


def test_an_upgrade_is_done_once_and_never_replaces_what_the_new_folder_has(monkeypatch, tmp_path, qapp):
    own_register(monkeypatch)
    roaming_app, _ = roaming_with_old_register(tmp_path)
    windows(monkeypatch, tmp_path)
    old_settings(roaming_app / "Credit Desk.ini", r"D:\评级\登记簿.sqlite")  # a register the clerk chose
    assert len(carry_over_old_data()) == 2
    new = tmp_path / "Local" / "CreditDesk"
    with Register(new / "register.sqlite") as now:  # the clerk rates with the new version
        now.record_run({"run_id": "R-new", "as_of": "2026-07-31"}, [{"customer_id": "C0007", "level": "AA"}])
    (new / "settings.ini").write_text("[ui]\nlanguage=zh\n", encoding="utf-8")
    assert carry_over_old_data() == []  # the next start copies nothing
    with Register(new / "register.sqlite", readonly=True) as now:
        assert now.has_run("R-new") and now.has_run("R-old")
    assert (new / "settings.ini").read_text(encoding="utf-8") == "[ui]\nlanguage=zh\n"


def test_a_register_deleted_after_the_upgrade_is_not_replaced_by_the_old_one(monkeypatch, tmp_path, qapp):
    """A clerk (or IT) who removes the new register, or moves it away, must not find last year's old
    copy silently back in its place at the next start: each kind is carried over once."""
    own_register(monkeypatch)
    roaming_app, _ = roaming_with_old_register(tmp_path)
    windows(monkeypatch, tmp_path)
    assert [what for what, _, _ in carry_over_old_data()] == ["register"]
    new = tmp_path / "Local" / "CreditDesk"
    (new / "register.sqlite").unlink()
    assert carry_over_old_data() == []
    assert not (new / "register.sqlite").exists()
    assert (roaming_app / "register.sqlite").exists()  # the old one is still kept


def test_a_run_never_starts_a_second_history_while_the_old_register_is_not_carried_over(monkeypatch, tmp_path,
                                                                                       capsys):
    """The old register could not be copied at start-up (held by a program, damaged): the first rating must
    not create an empty register beside it (the old chain would then never come across, and only the log
    would say so). It is refused, nothing written; once the old one is moved away the run records."""
    own_register(monkeypatch)
    windows(monkeypatch, tmp_path)
    roaming_app = tmp_path / "Roaming" / "CreditDesk"
    roaming_app.mkdir(parents=True)
    damaged = roaming_app / "register.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    assert carry_over_old_data() == []  # the copy fails (logged)
    new = tmp_path / "Local" / "CreditDesk"
    out = tmp_path / "评级结果.xlsx"
    args = ["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--lang", "zh"]
    assert main(args) == EXIT_OUTPUT
    err = capsys.readouterr().err
    assert f"旧版本的评级登记簿 {damaged} 还没有复制到 {new / 'register.sqlite'}" in err
    assert not out.exists() and not (new / "register.sqlite").exists()
    damaged.rename(roaming_app / "register.damaged.sqlite")  # what the message says to do
    assert main(args) == 0
    assert out.exists() and (new / "register.sqlite").exists()


def test_an_old_register_held_at_start_up_is_carried_over_when_the_first_run_records(monkeypatch, tmp_path):
    own_register(monkeypatch)
    windows(monkeypatch, tmp_path)
    roaming_app, head = roaming_with_old_register(tmp_path)
    import desktop.upgrade as upgrade
    real = upgrade._copy_register
    monkeypatch.setattr(upgrade, "_copy_register", lambda *a: (_ for _ in ()).throw(OSError(32, "in use")))
    assert carry_over_old_data() == []  # held at start-up
    monkeypatch.setattr(upgrade, "_copy_register", real)  # let go by the time the clerk rates
    out = tmp_path / "out.xlsx"
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out)]) == 0
    with Register(tmp_path / "Local" / "CreditDesk" / "register.sqlite", readonly=True) as now:
        assert now.has_run("R-old")  # one history: the old runs, then this one
        assert now.head().seq > int(head.split()[0].lstrip("#"))


def test_a_data_folder_with_its_own_register_never_takes_the_old_one_later(monkeypatch, tmp_path, qapp):
    own_register(monkeypatch)
    roaming_app, _ = roaming_with_old_register(tmp_path)
    windows(monkeypatch, tmp_path)
    new = tmp_path / "Local" / "CreditDesk"
    with Register(new / "register.sqlite") as now:
        now.record_run({"run_id": "R-new", "as_of": "2026-07-31"}, [{"customer_id": "C0007", "level": "AA"}])
    assert carry_over_old_data() == []
    (new / "register.sqlite").unlink()
    assert carry_over_old_data() == []  # it had its own: the old one is not the clerk's latest


def test_a_chosen_register_is_kept_by_the_upgrade(monkeypatch, tmp_path, qapp):
    from desktop.ui.settings import Settings

    own_register(monkeypatch)
    windows(monkeypatch, tmp_path)
    roaming_app = tmp_path / "Roaming" / "CreditDesk"
    roaming_app.mkdir(parents=True)
    old_settings(roaming_app / "Credit Desk.ini", r"D:\评级\登记簿.sqlite")
    carry_over_old_data()
    assert Settings().register_path() == r"D:\评级\登记簿.sqlite"


def test_an_upgrade_that_fails_is_logged_and_the_rest_is_copied(monkeypatch, tmp_path, qapp):
    own_register(monkeypatch)
    windows(monkeypatch, tmp_path)
    logs = tmp_path / "logs"
    monkeypatch.setenv("CREDIT_DESK_LOG_DIR", str(logs))
    diagnostics.setup_logging("cli")
    roaming_app = tmp_path / "Roaming" / "CreditDesk"
    roaming_app.mkdir(parents=True)
    (roaming_app / "register.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)  # damaged
    old_settings(roaming_app / "Credit Desk.ini", "")
    try:
        done = carry_over_old_data()
        new = tmp_path / "Local" / "CreditDesk"
        assert [what for what, _, _ in done] == ["settings"]
        assert not (new / "register.sqlite").exists() and sorted(p.name for p in new.iterdir()) == ["carried-over.txt", "settings.ini"]
        assert (new / "carried-over.txt").read_text(encoding="utf-8") == "settings\n"  # the register is tried again
        assert (roaming_app / "register.sqlite").is_file()
        text = (logs / "cli.log").read_text(encoding="utf-8")
        assert "upgrade: register not copied from" in text and "upgrade: settings copied from" in text
    finally:
        diagnostics.setup_logging("cli")


def test_an_unreadable_old_folder_never_stops_the_start(monkeypatch, tmp_path):
    own_register(monkeypatch)
    windows(monkeypatch, tmp_path)
    monkeypatch.setattr(paths, "old_data_locations", lambda: 1 / 0)  # anything at all going wrong
    assert carry_over_old_data() == []


def test_on_linux_the_old_settings_in_the_config_folder_are_copied(monkeypatch, tmp_path, qapp):
    from desktop.ui.settings import Settings

    own_register(monkeypatch)
    monkeypatch.setattr(sys, "platform", "linux")
    old = tmp_path / "config" / "CreditDesk" / "Credit Desk.ini"
    old.parent.mkdir(parents=True)
    old_settings(old, "")
    assert main(["verify-register", "--register", str(tmp_path / "none.sqlite")]) == EXIT_INPUT  # any command
    assert (tmp_path / "data" / "CreditDesk" / "settings.ini").is_file() and old.is_file()
    assert Settings().language() == "en"


def test_the_window_carries_the_old_data_over_before_it_reads_its_settings(monkeypatch, tmp_path, qapp):
    from desktop import app

    class Stop(BaseException):
        pass

    def window(language, settings):
        seen["language"] = settings.language()
        raise Stop

    seen: dict[str, str] = {}
    own_register(monkeypatch)
    # where Qt kept the old settings on this system: Roaming AppData on Windows, ~/.config elsewhere
    old = next(p for what, p in paths.old_data_locations() if what == "settings" and p.name == "Credit Desk.ini")
    assert tmp_path in old.parents
    old.parent.mkdir(parents=True)
    old_settings(old, "")
    monkeypatch.setattr(diagnostics, "install_hooks", lambda *a, **k: None)
    monkeypatch.setattr("desktop.ui.main_window.MainWindow", window)
    handler = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(Stop):
            app.main([])
    finally:
        signal.signal(signal.SIGINT, handler)
        diagnostics.setup_logging("cli")
    assert seen == {"language": "en"}


# ---------------------------------------------------------------- no register on a network path

NFS_MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export/finance {mnt} nfs4 rw,vers=4.2 0 0
/dev/sdb1 {mnt}/local ext4 rw 0 0
//fs01/财务\\040共享 {cifs} cifs rw,vers=3.0 0 0
"""


def refused(exc: CreditDeskError, path: str) -> None:
    """The message names the path, says where the register must be, and points to the team register."""
    zh, en = exc.text("zh"), exc.text("en")
    assert path in zh and path in en
    assert "这台电脑自己的磁盘" in zh and "数据库服务器上的团队登记簿" in zh
    assert english_sentences(re.sub(r"\S*[/\\]\S*", "", zh)) == []  # no English but the paths'
    assert "this computer's own disk" in en and "team register" in en


@pytest.mark.parametrize("path, platform, share", [
    (UNC, "linux", r"\\server\share"),
    (UNC, "win32", r"\\server\share"),
    ("//server/share/credit/r.sqlite", "win32", r"\\server\share"),
    (r"\\?\UNC\server\share\credit\r.sqlite", "win32", r"\\server\share"),
    (r"\\?\unc\Server\Share\r.sqlite", "linux", r"\\Server\Share"),
])
def test_unc_paths_are_network(path, platform, share):
    assert network_place(path, platform=platform, drive_type=lambda root: DRIVE_FIXED) == \
        local_disk.NetworkPlace("share", share, "UNC path")


def test_a_mapped_network_drive_is_network_and_a_local_drive_is_not():
    asked = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return DRIVE_REMOTE if root == "Z:\\" else DRIVE_FIXED

    assert network_place(r"z:\财务\register.sqlite", platform="win32", drive_type=drive_type).kind == "drive"
    assert network_place(r"\\?\Z:\财务\register.sqlite", platform="win32", drive_type=drive_type).where == "Z:"
    assert network_place("C:/Users/张三/AppData/Local/CreditDesk/register.sqlite", platform="win32",
                         drive_type=drive_type) is None
    assert asked == ["Z:\\", "Z:\\", "C:\\"]
    with pytest.raises(RegisterWriteError) as exc:
        refuse_network(r"Z:\财务\register.sqlite", platform="win32", drive_type=drive_type)
    refused(exc.value, r"Z:\财务\register.sqlite")
    assert "网络驱动器 Z:" in exc.value.text("zh")


def test_on_windows_a_drive_is_asked_once_though_the_real_path_is_checked_too(monkeypatch):
    # Really on Windows the path and its real path (links followed) are both checked: on one drive
    # (C:\Users\张三\... whose real path is C:\Users) the drive is asked once, as the test above expects
    asked = []
    monkeypatch.setattr(local_disk.sys, "platform", "win32")
    monkeypatch.setattr(local_disk.os.path, "abspath", lambda p: str(p))
    monkeypatch.setattr(local_disk.os.path, "realpath", lambda p: "C:\\Users")
    monkeypatch.setattr(local_disk, "_existing", lambda p: p)
    found = network_place(r"C:\Users\张三\AppData\Local\CreditDesk\register.sqlite", platform="win32",
                          drive_type=lambda root: asked.append(root) or DRIVE_FIXED)
    monkeypatch.undo()
    assert found is None and asked == ["C:\\"]


# On Windows a path's place is its drive's type or UNC form: a mount table is never read there
NO_MOUNT_TABLE = pytest.mark.skipif(sys.platform == "win32", reason="Windows has drives and shares, no mount table")


@NO_MOUNT_TABLE
def test_network_mounts_are_network_by_the_longest_mount_point(tmp_path):
    mnt, cifs = tmp_path / "mnt", tmp_path / "财务 共享"
    table = NFS_MOUNTS.format(mnt=mnt, cifs=str(cifs).replace(" ", "\\040"))
    assert network_place(mnt / "r.sqlite", mounts=table).where == str(mnt)
    assert network_place(mnt / "deep" / "er" / "r.sqlite", mounts=table).detail == "file system nfs4"
    assert network_place(cifs / "r.sqlite", mounts=table).where == str(cifs)  # \040 read as a space
    assert network_place(mnt / "local" / "r.sqlite", mounts=table) is None  # a local disk mounted inside
    assert network_place(tmp_path / "mntx" / "r.sqlite", mounts=table) is None  # a prefix, not a parent folder
    assert network_place(tmp_path / "r.sqlite", mounts=table) is None
    macos = "/dev/disk1s1 on / (apfs, local, journaled)\n//clerk@fs01/finance on /Volumes/finance (smbfs, nodev)\n"
    assert network_place("/Volumes/finance/r.sqlite", mounts=macos, platform="darwin").detail == "file system smbfs"
    assert network_place("/Users/clerk/r.sqlite", mounts=macos, platform="darwin") is None


@NO_MOUNT_TABLE
def test_a_link_into_a_network_mount_is_network(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    (tmp_path / "looks local").symlink_to(mnt)
    table = NFS_MOUNTS.format(mnt=mnt, cifs="/nowhere")
    assert network_place(tmp_path / "looks local" / "r.sqlite", mounts=table).kind == "mount"


@pytest.fixture
def network_mounts(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """This computer's mount table with an NFS mount and a CIFS one in tmp_path: (nfs, cifs)."""
    mnt, cifs = tmp_path / "mnt", tmp_path / "cifs"
    mnt.mkdir()
    cifs.mkdir()
    monkeypatch.setattr(local_disk, "_mount_table", lambda: NFS_MOUNTS.format(mnt=mnt, cifs=cifs))
    return mnt, cifs


def test_a_register_on_a_network_path_is_refused_never_opened(tmp_path, monkeypatch, network_mounts):
    monkeypatch.chdir(tmp_path)  # a UNC path on Linux would be a file named \\server\... here
    before = sorted(tmp_path.rglob("*"))
    for folder in network_mounts if sys.platform != "win32" else ():  # Windows reads no mount table
        for readonly, error in ((False, RegisterWriteError), (True, RegisterError)):
            with pytest.raises(error) as exc:
                Register(folder / "register.sqlite", readonly=readonly)
            refused(exc.value, str(folder / "register.sqlite"))
            assert exc.value.code == ("error.register.on_network" if readonly else "error.register.on_network_write")
    with pytest.raises(RegisterWriteError) as exc:
        Register(UNC)
    refused(exc.value, UNC)
    assert "网络共享文件夹 \\\\server\\share" in exc.value.text("zh")
    assert sorted(tmp_path.rglob("*")) == before  # nothing created: no register, no -wal, no -shm


def test_a_register_on_the_local_disk_still_works_in_wal_mode(tmp_path, network_mounts):
    with Register(tmp_path / "local" / "register.sqlite") as reg:
        reg.record_run({"run_id": "R1", "as_of": "2026-06-30"}, [{"customer_id": "C1", "level": "A"}])
        assert reg.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Register(network_mounts[0] / "local" / "register.sqlite") as reg:  # the local disk inside the mount
        assert reg.head().seq == 0


def test_score_with_a_register_on_a_share_exits_4_with_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out" / "results.xlsx"
    out.parent.mkdir()
    code = main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--register", UNC])
    err = capsys.readouterr().err
    assert code == EXIT_OUTPUT == 4
    assert err.count("\n") == 1 and err.startswith("credit-desk: ") and UNC in err
    assert "this computer's own disk" in err and "--no-register" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"] and list(out.parent.iterdir()) == []
    code = main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--register", UNC, "--lang", "zh"])
    err = capsys.readouterr().err
    assert code == 4 and "数据库服务器上的团队登记簿" in err and err.count("\n") == 1


@pytest.mark.parametrize("command", [["history", "C0007"], ["verify-register"]])
def test_reading_commands_refuse_a_register_on_a_share(command, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([*command, "--register", UNC]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and UNC in err and "copy it to this computer first" in err
    assert list(tmp_path.iterdir()) == []


def test_the_window_refuses_a_register_on_a_share_when_it_is_chosen(qtbot, qapp, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    from window_helpers import open_window

    w = open_window(qtbot, qapp, tmp_path)
    before = w.settings.register_path()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (UNC, "")))
    assert w.choose_register() is None
    assert w.settings.register_path() == before
    box = w._last_info_box
    assert UNC in box.text() and "不能用作评级登记簿" in box.text() and "数据库服务器上的团队登记簿" in box.text()
    box.close()
    chosen = tmp_path / "评级" / "登记簿.sqlite"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(chosen), "")))
    assert w.choose_register() == chosen and w.settings.register_path() == str(chosen)


def test_the_check_can_fail():
    """A local path is not taken for a network one, and an unreadable mount table counts as local."""
    assert network_place("/home/clerk/register.sqlite", mounts="") is None
    def no_answer(root: str) -> int:
        raise OSError("GetDriveTypeW is not there")
    assert network_place(r"C:\register.sqlite", platform="win32", drive_type=no_answer) is None
    assert network_place(r"C:\register.sqlite", platform="win32", drive_type=lambda root: DRIVE_FIXED) is None
