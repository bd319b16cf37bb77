"""Is a path on this computer's own disk, or on the network?

The rating register is an SQLite file in WAL mode, and SQLite's documentation says WAL does not
work across hosts (its shared-memory index lives in each computer's memory): two PCs writing one
register on a share can lose or corrupt entries. So a register on a network path is refused,
before anything opens it. Network means:

- Windows: a UNC path (``\\\\server\\share\\...``, ``//server/share/...``, ``\\\\?\\UNC\\server\\share\\...``)
  or a drive whose ``GetDriveTypeW(root)`` is DRIVE_REMOTE (a mapped network drive);
- a UNC path written with backslashes on any system (on Linux it would be a strange local name,
  and the clerk meant the share);
- Linux and macOS: the mount holding the path (the longest mount point that is a prefix of its
  real path, symbolic links followed) has a network file system type (nfs, cifs, smbfs, sshfs, ...).

The mount table and the drive-type function can be given, so every case is tested on Linux.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DRIVE_REMOTE = 4  # GetDriveTypeW: a remote (network) drive
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afpfs", "afs", "9p", "ncp", "ncpfs", "coda", "davfs",
    "webdav", "sshfs", "glusterfs", "ceph", "cephfs", "lustre", "gpfs", "beegfs", "orangefs", "gfs2", "ocfs2",
    "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "fuse.davfs2", "fuse.glusterfs", "fuse.ceph", "fuse.gcsfuse",
    "fuse.juicefs", "fuse.gvfsd-fuse", "fuse.smbnetfs", "fuse.curlftpfs",
})


@dataclass(frozen=True)
class NetworkPlace:
    """Where on the network a path is: ``kind`` "share" (a UNC path), "drive" (a mapped network
    drive) or "mount" (a network file system); ``where`` the share, drive or mount point as the
    clerk knows it; ``detail`` the technical words (file system type) for the log."""

    kind: str
    where: str
    detail: str


def network_place(path: str | Path, *, platform: str | None = None, mounts: str | None = None,
                  drive_type: Callable[[str], int] | None = None) -> NetworkPlace | None:
    """The network place ``path`` is on, or None when it is on this computer's own disk.

    ``platform``: ``sys.platform`` unless given; ``mounts``: the mount table's text (the format of
    /proc/mounts, or of macOS's ``mount`` command) instead of this computer's; ``drive_type``:
    GetDriveTypeW instead of Windows' own. A path whose place cannot be found out counts as local
    (the register's own open then says what is wrong with it)."""
    platform = platform or sys.platform
    text = os.fspath(path)
    share = _unc_share(text, forward=platform == "win32")
    if share is not None:
        return NetworkPlace("share", share, "UNC path")
    if platform == "win32":
        return _windows_drive(text, platform, drive_type or _get_drive_type)
    real = _real_path(text) if platform == sys.platform else os.path.abspath(text)
    table = _mount_table() if mounts is None else mounts
    found = _mount_of(real, table)
    if found is not None and _is_network_type(found[1]):
        return NetworkPlace("mount", found[0], f"file system {found[1]}")
    return None


def _unc_share(text: str, forward: bool) -> str | None:
    r"""``\\server\share`` of a UNC path (``\\?\UNC\server\share\...`` too); ``//server/share`` counts
    only where the path is a Windows one (``forward``). None for a drive path or a local one."""
    t = text.replace("/", "\\") if forward else text
    upper = t.upper()
    if upper.startswith("\\\\?\\UNC\\") or upper.startswith("\\\\.\\UNC\\"):
        rest = t[8:]
    elif upper.startswith("\\\\?\\") or upper.startswith("\\\\.\\"):
        return None  # \\?\C:\...: a drive path written the long way (its drive is checked)
    elif t.startswith("\\\\") and len(t) > 2 and t[2] != "\\":
        rest = t[2:]
    else:
        return None
    parts = [p for p in rest.split("\\") if p][:2]
    return "\\\\" + "\\".join(parts) if parts else None


def _windows_drive(text: str, platform: str, drive_type: Callable[[str], int]) -> NetworkPlace | None:
    t = text.replace("/", "\\")
    if t.upper().startswith(("\\\\?\\", "\\\\.\\")):
        t = t[4:]
    candidates = [t]
    if platform == sys.platform:  # really on Windows: a relative path's drive, a junction into a share
        candidates = [os.path.abspath(t)]
        try:
            candidates.append(os.path.realpath(_existing(Path(candidates[0]))))
        except (OSError, ValueError):
            pass
    asked: set[str] = set()
    for candidate in candidates:
        share = _unc_share(candidate, forward=True)
        if share is not None:
            return NetworkPlace("share", share, "UNC path (resolved)")
        if len(candidate) >= 2 and candidate[1] == ":" and candidate[0].isalpha():
            drive = candidate[0].upper() + ":"
            if drive in asked:  # the real path on the same drive: its type is known
                continue
            asked.add(drive)
            try:
                kind = drive_type(drive + "\\")
            except (OSError, AttributeError, ValueError):
                continue
            if kind == DRIVE_REMOTE:
                return NetworkPlace("drive", drive, "DRIVE_REMOTE")
    return None


def _get_drive_type(root: str) -> int:
    import ctypes
    return int(ctypes.windll.kernel32.GetDriveTypeW(ctypes.c_wchar_p(root)))


def _existing(path: Path) -> Path:
    """``path`` or the nearest folder above it that exists."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _real_path(text: str) -> str:
    """The absolute path with symbolic links followed (a link into a network mount is on the network)."""
    try:
        return os.path.realpath(text)
    except (OSError, ValueError):
        return os.path.abspath(text)


_OCTAL = re.compile(r"\\([0-7]{3})")
_MACOS_LINE = re.compile(r"^(?P<source>.+?) on (?P<point>/.*?) \((?P<type>[^,)]+)")


def _mount_table() -> str:
    """This computer's mount table: /proc/self/mounts on Linux, the ``mount`` command on macOS and
    the BSDs; "" when there is none to read."""
    for name in ("/proc/self/mounts", "/proc/mounts"):
        try:
            with open(name, encoding="utf-8", errors="surrogateescape") as f:
                return f.read()
        except OSError:
            continue
    if sys.platform == "darwin" or "bsd" in sys.platform:
        import subprocess
        try:
            return subprocess.run(["/sbin/mount"], capture_output=True, text=True, encoding="utf-8", errors="replace",
                                  timeout=5, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    return ""


def parse_mounts(text: str) -> list[tuple[str, str]]:
    """(mount point, file system type) of each line of a mount table: /proc/mounts' format
    (``source point type options 0 0``, spaces in names as ``\\040``) or macOS's ``mount``
    output (``source on point (type, options)``)."""
    out = []
    for line in text.splitlines():
        m = _MACOS_LINE.match(line)
        if m is not None:
            out.append((m["point"], m["type"].strip().lower()))
            continue
        fields = line.split()
        if len(fields) >= 3 and fields[1].startswith("/"):
            out.append((_OCTAL.sub(lambda o: chr(int(o[1], 8)), fields[1]), fields[2].lower()))
    return out


def _mount_of(path: str, table: str) -> tuple[str, str] | None:
    """The mount holding ``path`` (absolute): the longest mount point that is a whole-folder prefix."""
    best = None
    for point, kind in parse_mounts(table):
        base = point.rstrip("/") or "/"
        if path == base or path.startswith(base if base.endswith("/") else base + "/"):
            if best is None or len(base) >= len(best[0]):
                best = (base, kind)
    return best


def _is_network_type(kind: str) -> bool:
    return kind in NETWORK_FILESYSTEMS or kind.startswith(("nfs", "smb", "cifs"))
