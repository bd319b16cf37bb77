"""A PostgreSQL server for the register's tests (issue 22): the one CREDIT_DESK_TEST_POSTGRES names
(.ci/run starts it), or a private cluster started here when initdb is at hand, as .ci/run does it.

``server()`` returns a ``PgServer`` or raises ``Unavailable`` with the reason the PostgreSQL tests are
skipped; a server that is named but does not answer is an error (``Broken``), never a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ENV = "CREDIT_DESK_TEST_POSTGRES"


class Unavailable(Exception):
    """No PostgreSQL to test with here: the tests that need one are skipped, saying why."""


class Broken(Exception):
    """A PostgreSQL server was named or started but does not answer: the tests that need it fail."""


@dataclass
class PgServer:
    url: str  # a superuser's URL, to the maintenance database
    folder: Path | None = None  # the private cluster's folder (None: a server someone else runs)
    stop: list = field(default_factory=list)

    def url_for(self, database: str | None = None, user: str | None = None, password: str | None = None) -> str:
        """This server's URL with another database, login or password."""
        parts = urlsplit(self.url)
        netloc = parts.netloc.rpartition("@")[2]
        old_user = parts.netloc.rpartition("@")[0].partition(":")[0] if "@" in parts.netloc else ""
        login = quote(user, safe="") if user is not None else old_user
        if password is not None:
            login += ":" + quote(password, safe="")
        path = "/" + quote(database, safe="") if database is not None else parts.path
        return urlunsplit((parts.scheme, f"{login}@{netloc}" if login else netloc, path, parts.query, ""))

    def connect(self, database: str | None = None, **kwargs):
        """A superuser connection (autocommit) to ``database`` (default: the maintenance database)."""
        import psycopg
        return psycopg.connect(self.url_for(database), autocommit=True, **kwargs)

    def create_database(self) -> str:
        name = f"credit_desk_test_{uuid.uuid4().hex[:12]}"
        with self.connect() as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.connect() as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # connections a test left open too


def find_bin() -> Path | None:
    """The folder of initdb and pg_ctl: PATH, /usr/local/bin, then Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    candidates = [Path(found).parent] if found else []
    candidates.append(Path("/usr/local/bin"))
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(p) for p in sorted(versions, key=lambda p: _version(p), reverse=True)]
    exe = ".exe" if sys.platform == "win32" else ""
    for folder in candidates:
        if (folder / f"initdb{exe}").is_file() and (folder / f"pg_ctl{exe}").is_file():
            return folder
    return None


def _version(path: str) -> tuple:
    part = Path(path).parent.name
    return tuple(int(x) if x.isdigit() else 0 for x in part.split("."))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check(url: str) -> None:
    try:
        import psycopg
    except ImportError as exc:
        raise Broken(f"psycopg is not installed ({exc}); pip install -r requirements.lock") from None
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as db:
            superuser = db.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
    except psycopg.Error as exc:
        raise Broken(f"{_masked(url)} does not answer: {' '.join(str(exc).split())}") from None
    if not superuser:
        raise Broken(f"{_masked(url)}: the tests need a superuser login (they create databases and roles)")


def _masked(url: str) -> str:
    """The URL with its password, if any, shown as ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    login, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{login.partition(':')[0]}:***@{host}"))


def server() -> PgServer:
    """The server CREDIT_DESK_TEST_POSTGRES names, else a private cluster started here (``stop()`` it)."""
    url = os.environ.get(ENV, "").strip()
    if url:
        _check(url)
        return PgServer(url)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise Unavailable(f"psycopg is not installed and {ENV} is not set") from None
    folder = find_bin()
    if folder is None:
        raise Unavailable(f"no PostgreSQL server: {ENV} is not set and no initdb/pg_ctl was found "
                          f"(PATH, /usr/local/bin, /usr/lib/postgresql/*/bin); .ci/run installs one")
    return _private_cluster(folder)


def _private_cluster(bin_folder: Path) -> PgServer:
    """initdb into a temporary folder (as the postgres system user when run as root: initdb refuses
    root), started on a free port of 127.0.0.1, trust authentication, the socket in that folder."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        import pwd
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no postgres system user for initdb") from None
        runuser = shutil.which("runuser")
        if runuser is None:
            raise Unavailable("running as root without runuser to start PostgreSQL as the postgres user")
        prefix = [runuser, "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="credit-desk-pg-", dir="/tmp" if os.name == "posix" else None))
    if as_root:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data = root / "data"

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], cwd=root, capture_output=True, text=True, check=check,
                              timeout=120)

    def stop() -> None:
        if (data / "postmaster.pid").exists():
            run(str(bin_folder / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)

    try:
        run(str(bin_folder / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
            "--no-locale", "--no-sync")
    except (subprocess.SubprocessError, OSError) as exc:
        stop()
        detail = getattr(exc, "stderr", "") or str(exc)
        raise Unavailable(f"initdb could not create a test cluster: {' '.join(str(detail).split())[:300]}") from None
    sockets = str(root).replace("'", "''") if os.name == "posix" else ""
    for _attempt in range(3):
        port = _free_port()
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{sockets}'\n")
        started = run(str(bin_folder / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w", "-t", "60",
                      "start", check=False)
        if started.returncode == 0:
            break
    else:
        log = (root / "server.log").read_text(encoding="utf-8", errors="replace")[-2000:] \
            if (root / "server.log").exists() else ""
        stop()
        raise Broken(f"the private PostgreSQL test cluster did not start: {log}")
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        _check(url)
    except Broken:
        stop()
        raise
    return PgServer(url, root, [stop])
