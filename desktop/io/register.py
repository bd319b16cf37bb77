"""The rating register: every run, decision and approval read back, in one append-only SQLite file.

Each entry stores its predecessor's hash and its own, SHA-256 of ``prev|seq|kind|run_id|customer_id|payload``
(payload: canonical JSON, repeating the query columns), so a changed, inserted or deleted entry breaks the
chain and ``verify`` names it; a run entry counts its decisions, so a missing decision is named as such.
The chain alone cannot catch a cut tail, or a tail rewritten with fresh hashes by someone who dropped the
triggers with a raw SQLite tool: only a head kept outside the file can. Every results workbook prints
its run's head (entry number and hash) on its audit sheet, and ``verify(expected_head)`` checks that
that entry is still there, unchanged - and, by the chain, every entry before it.
Two windows writing at once: WAL journal, a 30 s busy timeout, and each append is one ``BEGIN IMMEDIATE``
transaction (read the head, append, commit), so writers queue, never interleave inside a run, never lose one.
That holds on one computer only: WAL does not work across hosts, so a register on a network path (a share,
a mapped network drive, an NFS or SMB mount) is refused before anything opens it (``refuse_network``),
for reading too - a reader on another PC would not see the writer's shared-memory index and could miss
recorded entries, and one rule is simpler to state: the SQLite register lives on this computer's disk.
The reading commands open it read-only (``Register(path, readonly=True)``), so a register on a CD, a
read-only share or in a read-only folder can still be read; every SQLite or OS error becomes one line
saying what happened (busy, read-only, disk full, not a register), and only SQLite's own finding is
called damage.
Each register holds a random secret (``meta`` key ``hmac_key``, created with its first run) that
seals the approval forms of its runs (HMAC-SHA256, see desktop.core.forms); it never leaves the
file: no workbook, log, JSON or command prints it. It is outside the chain, but each decision's
basis digest, sealed with it, is in the chain: a key replaced later no longer matches them.
A team shares one register on a database server instead (``open_register(url)``: the PgRegister of
desktop.io.register_pg), with the same entries, chain, heads and verification (``_Chain``).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from desktop.errors import InputFileError, OutputFileError
from desktop.messages import Message

SCHEMA_VERSION = 1
GENESIS = "0" * 64
BUSY_TIMEOUT_S = 30  # a 100,000-decision run takes a few seconds; the other window waits that long
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE entries (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, run_id TEXT NOT NULL, customer_id TEXT, "
    "payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",  # kind: run | decision | approval
    "CREATE INDEX entries_customer ON entries (customer_id, seq)",
    "CREATE INDEX entries_run ON entries (run_id, kind)",
    *(f"CREATE TRIGGER entries_no_{op.lower()} BEFORE {op} ON entries "
      f"BEGIN SELECT RAISE(ABORT, 'the rating register is append-only'); END" for op in ("UPDATE", "DELETE")),
)
_MAGIC = b"SQLite format 3\x00"
_COLUMNS = {"seq", "kind", "run_id", "customer_id", "payload", "prev_hash", "hash"}


class RegisterError(InputFileError):
    """The rating register cannot be opened or read: not a register, damaged, or from a newer program."""


class RegisterWriteError(RegisterError, OutputFileError):
    """Nothing was recorded: the register stayed locked, is read-only, the disk is full, or the run is in it."""


class HeadMoved(Exception):  # noqa: N818
    """Another writer appended between ``prepare`` and ``commit``: prepare again."""


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def __str__(self) -> str:  # as printed on the audit sheet and taken by verify-register --head
        return f"#{self.seq} {self.hash}"


@dataclass(frozen=True)
class Prepared:
    """Entries computed after ``base``, not yet written; ``head`` is what they would make the head."""

    base: Head
    head: Head
    entries: list[tuple]
    new_run: str | None
    key: bytes | None = None  # the register secret the entries (and the forms) were sealed with


def new_key() -> bytes:
    """A register's secret: 32 random bytes."""
    return secrets.token_bytes(32)


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, seq: int, kind: str, run_id: str, customer_id: str | None, payload: str) -> str:
    text = "|".join((prev_hash, str(seq), kind, run_id, customer_id or "", payload))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _failure(path: Path, exc: Exception, doing: str, writing: bool = False) -> RegisterError:
    """An SQLite or OS error as one line for the clerk: what happened to which file, and what to do
    (SQLite's or the system's own words go to the log).

    ``doing``: "opened", "read", "written" or "closed"; ``writing``: the register was opened to record
    a run (busy, read-only, a full disk or a failing drive then count as an output problem). Only
    SQLite's own finding that the file is malformed is called damage.
    """
    error = RegisterWriteError if writing or doing == "written" else RegisterError
    w = error is RegisterWriteError  # its texts say nothing was recorded, and where to record instead
    code = getattr(exc, "sqlite_errorcode", None)
    code = code & 0xFF if isinstance(code, int) else None
    number = exc.errno if isinstance(exc, OSError) else None
    text = " ".join(str(exc.strerror if isinstance(exc, OSError) and exc.strerror else exc).split())
    done = Message(f"error.register.doing.{doing}")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL) or \
            (code is None and number is None and ("locked" in text or "busy" in text)):
        return error("error.register.busy_write" if w else "error.register.busy", file=path,
                     seconds=f"{BUSY_TIMEOUT_S:g}", detail=text)
    if code == sqlite3.SQLITE_FULL or number in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) or \
            (code == sqlite3.SQLITE_IOERR and _disk_full(path)):
        return error("error.register.disk_full_write" if w else "error.register.disk_full", file=path, detail=text)
    if number is not None and (number == errno.EISDIR or path.is_dir()):
        return RegisterError("error.register.a_folder", file=path, detail=text)
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN) or \
            number in (errno.EROFS, errno.EACCES, errno.EPERM):
        if error is RegisterWriteError:
            reason = _read_only_reason(path)
            if reason is not None or code in (sqlite3.SQLITE_READONLY, None) or number == errno.EROFS:
                return _read_only(path, reason or Message("error.register.reason.system"), text)
            return error("error.register.cannot_open_write", file=path, detail=text)
        return error("error.register.cannot_access", file=path, doing=done, detail=text)
    if code == sqlite3.SQLITE_IOERR or number == errno.EIO:
        return error("error.register.drive_failed_write" if w else "error.register.drive_failed", file=path,
                     doing=done, detail=text)
    if number is not None:  # a folder that is a file, a name too long, ...
        return error("error.register.cannot_write" if w else "error.register.cannot", file=path, doing=done,
                     detail=text)
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return RegisterError("error.register.damaged", file=path, doing=done, detail=text)
    if code == sqlite3.SQLITE_NOMEM:
        return error("error.register.no_memory_write" if w else "error.register.no_memory", file=path,
                     doing=done, detail=text)
    if code == sqlite3.SQLITE_ERROR and text.startswith("no such "):
        return RegisterError("error.register.foreign_tables", file=path, detail=text)
    return error("error.register.cannot_write" if w else "error.register.cannot", file=path, doing=done,
                 detail=f"SQLite: {text}")


URL_SCHEMES = ("postgresql://", "postgres://")
# anything written as an address (scheme://...; two letters at least, so never a drive letter's C://)
_ADDRESS_LIKE = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]+://")


def is_url(location: object) -> bool:
    """Whether a register location is written as an address (``scheme://…``), not a file's path. Only a
    text can be one: ``Path(url)`` collapses its ``//``. Every address is taken as one, a mistyped
    scheme too (``postgres-ql://``, ``http://``): it is shown with its password masked and refused
    when opened (``open_register``), never made a register file named after it."""
    return isinstance(location, str) and _ADDRESS_LIKE.match(location) is not None


def is_team_url(location: object) -> bool:
    """Whether ``location`` is the address of a team register on PostgreSQL (postgresql:// or postgres://)."""
    return is_url(location) and str(location).strip().lower().startswith(URL_SCHEMES)


def _url_parts(location: str) -> tuple[str, str, str, str, str]:
    """(scheme://, user info, host part, path, query) of a libpq URL, split by hand: a URL with several
    hosts (``h1:5432,h2:5432``) is not one urllib reads."""
    text = location.strip()
    scheme, rest = text.split("://", 1)
    # the user info ends at the last "@": a password may hold "?", "/" or an "@" not written as %40,
    # and taking the most as user info masks the most (what libpq reads is never shown wider)
    userinfo, at, rest = rest.rpartition("@")
    query = ""
    if "?" in rest:
        rest, query = rest.split("?", 1)
    hosts, slash, path = rest.partition("/")
    return scheme + "://", userinfo if at else "", hosts, slash + path, query


def _is_password_param(param: str) -> bool:
    """Whether a query parameter is the password (its name as libpq reads it: percent-decoded)."""
    from urllib.parse import unquote
    return unquote(param.split("=", 1)[0]).strip().lower() == "password"


def _rebuilt(location: str, password: str | None, query_password: bool = True) -> str:
    """The URL with its password (in the user info or as ``password=`` in the query) replaced by
    ``password``, or taken out when None; not ``query_password``: a ``password=`` in the query taken
    out in any case (the window puts the password field's there: the clerk never typed it)."""
    scheme, userinfo, hosts, path, query = _url_parts(location)
    user, colon, _ = userinfo.partition(":")
    if colon:
        userinfo = user if password is None else f"{user}:{password}"
    params = [q for q in query.split("&") if q] if query else []
    kept = []
    for q in params:
        if _is_password_param(q):
            if password is None or not query_password:
                continue
            q = q.split("=", 1)[0] + "=" + password
        kept.append(q)
    return scheme + (f"{userinfo}@" if userinfo else "") + hosts + path + ("?" + "&".join(kept) if kept else "")


def shown(location: str | Path | None) -> str:
    """A register location as every message, log line, audit sheet and journal shows it: a password
    written in a URL's user info as ``***``, one in its query (the window's password field) left out,
    so the clerk sees the address as typed; a path as it is."""
    if location is None:
        return ""
    if not is_url(location):
        return str(location)
    return _rebuilt(str(location), "***", query_password=False)


def without_password(location: str | Path) -> str | Path:
    """A URL with its password taken out (what the crash journal keeps); a path as it is."""
    return _rebuilt(location, None) if is_url(location) else location


def url_password(location: str | Path) -> str:
    """The password written in a URL ('' when none: pgpass or PGPASSWORD gives it), decoded."""
    if not is_url(location):
        return ""
    from urllib.parse import unquote
    _, userinfo, _, _, query = _url_parts(str(location))
    found = userinfo.partition(":")[2]
    for q in query.split("&"):
        if _is_password_param(q) and "=" in q:
            found = found or q.split("=", 1)[1]
    return unquote(found)


def register_exists(location: str | Path) -> bool:
    """Whether there is a register at ``location`` to read: a file that exists; a URL always (the
    server says, when it is opened, whether it holds one)."""
    return True if is_url(location) else Path(location).exists()


def open_register(location: str | Path, readonly: bool = False) -> _Chain:
    """The register at ``location``: an SQLite file (``Register``) or a database server's URL
    (``desktop.io.register_pg.PgRegister``, imported only then)."""
    if is_url(location):  # PgRegister refuses an address that is not a database server's
        from desktop.io.register_pg import PgRegister
        return PgRegister(str(location), readonly=readonly)
    return Register(location, readonly=readonly)


def refuse_network(path: str | Path, writing: bool = True, choosing: bool = False, **probe: Any) -> None:
    """Raise when ``path`` is on a network path (a share, a mapped network drive, a network file
    system: desktop.io.local_disk): SQLite's WAL mode does not work across computers, so such a
    register is never opened, for writing or for reading. ``writing``: the register was to record a
    run (RegisterWriteError); ``choosing``: the window's File → 评级登记簿位置… refuses the choice
    itself; ``probe``: ``local_disk.network_place``'s mount table or drive-type function (tests)."""
    from desktop.io.local_disk import network_place
    place = network_place(path, **probe)
    if place is None:
        return
    where = Message(f"error.register.where.{place.kind}", {place.kind: place.where})
    code = "error.register.on_network_choice" if choosing else \
        "error.register.on_network_write" if writing else "error.register.on_network"
    raise (RegisterWriteError if writing else RegisterError)(code, file=path, where=where, detail=place.detail)


def _read_only(path: Path, reason: Message, detail: str = "") -> RegisterWriteError:
    return RegisterWriteError("error.register.read_only", file=path, reason=reason, detail=detail)


def _existing_folder(path: Path) -> Path:
    """The register's folder, or the nearest folder above it that exists (where it would be created)."""
    folder = Path(os.path.abspath(path)).parent
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _read_only_reason(path: Path) -> Message | None:
    """Why nothing can be recorded in ``path``: a read-only disk or share, file or folder; None if none is seen.
    (A WAL-mode register needs its folder too: SQLite keeps its -wal and -shm files beside it.)"""
    folder = _existing_folder(path)
    try:
        if hasattr(os, "statvfs") and os.statvfs(folder).f_flag & os.ST_RDONLY:
            return Message("error.register.reason.disk")
    except OSError:
        pass
    if path.is_file() and not os.access(path, os.W_OK):
        return Message("error.register.reason.file")
    if folder.is_dir() and not os.access(folder, os.W_OK):
        return Message("error.register.reason.folder", {"folder": folder})
    return None


def _disk_full(path: Path) -> bool:
    """A failed write on a disk with (almost) no space left: SQLite reports some of those as I/O errors."""
    try:
        return shutil.disk_usage(_existing_folder(path)).free < 1 << 20
    except OSError:
        return False


def _uri(path: Path, **params: object) -> str:
    """An SQLite URI naming ``path`` (any characters, a drive letter, a network share) with ``params``."""
    text = Path(os.path.abspath(path)).as_posix()
    if not text.startswith("/"):
        text = "/" + text  # C:/... -> /C:/...; a share (//server/share/...) stays as it is
    return "file://" + quote(text, safe="/:") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _header(path: Path) -> bytes:
    """The first 16 bytes (b"" for a missing or empty file), without reading a large file whole."""
    try:
        with open(path, "rb") as f:
            return f.read(16)
    except (FileNotFoundError, NotADirectoryError):  # (the folder is a file: said when it is to be created)
        return b""


def _reading(method):
    """A damaged file or a failing server shows up while reading: say so with the register's place
    instead of a traceback (``_error``: the backend's own wording)."""
    @functools.wraps(method)
    def wrapper(self: _Chain, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except self._db_error as exc:
            raise self._error(exc, "read") from None
    return wrapper


def prepare_after(base: Head, rows: list[tuple[str, str, str | None, dict[str, Any]]],
                  new_run: str | None = None, key: bytes | None = None) -> Prepared:
    """The entries ``rows`` would become after ``base``, and the head they would make.

    Nothing is written: ``Register.commit`` appends them later (after the outputs that print the
    head were written), unless another writer appended in between (``HeadMoved``).
    """
    seq, prev, entries = base.seq, base.hash, []
    for kind, run_id, customer_id, data in rows:
        seq += 1
        payload = canonical_json(data)
        h = entry_hash(prev, seq, kind, run_id, customer_id, payload)
        entries.append((seq, kind, run_id, customer_id, payload, prev, h))
        prev = h
    return Prepared(base, Head(seq, prev), entries, new_run, key)

class _Chain:
    """What every register does over its rows, whatever holds them (an SQLite file: ``Register``; a
    PostgreSQL schema: ``desktop.io.register_pg.PgRegister``): preparing and committing entries, the
    rows of a run and of approvals, and reading them back (run_record, history, reviews_due, verify).
    One implementation, so that the chain, the heads and what verify finds are the same in both.

    A backend gives ``_q(sql, params)`` (SQL with ``?`` placeholders over the tables ``meta`` and
    ``entries``; a cursor), ``_scan`` (the same for a long scan), ``_key_text()`` (the key's hex or
    None), ``_damage()`` (its own storage check's findings), ``_error(exc, doing)`` (its error as one
    line), ``_db_error`` (the exceptions that means), ``_file`` (the register's place as messages
    show it), ``_transaction`` (its transaction around ``_write_run``), ``_store_key``, ``_insert`` and
    ``close``."""

    readonly: bool = False
    _db_error: type[BaseException] | tuple[type[BaseException], ...] = ()

    @property
    def _file(self) -> Any:
        raise NotImplementedError

    def _q(self, sql: str, params: tuple = ()) -> Any:
        raise NotImplementedError

    def _scan(self, sql: str, params: tuple = ()) -> Any:
        return self._q(sql, params)

    def _key_text(self) -> str | None:
        raise NotImplementedError

    def _damage(self) -> list[str]:
        return []

    def _error(self, exc: BaseException, doing: str) -> RegisterError:
        raise NotImplementedError

    def _transaction(self, entries_after: Callable[[Head], Prepared], new_run: str | None,
                     key: bytes | None = None) -> Head:
        raise NotImplementedError

    def _store_key(self, key: bytes) -> None:
        raise NotImplementedError

    def _insert(self, entries: list[tuple]) -> None:
        raise NotImplementedError

    def _write_run(self, entries_after: Callable[[Head], Prepared], new_run: str | None,
                   key: bytes | None) -> Prepared:
        """A run's part of the backend's ``_transaction``, the head held: refuse a run recorded already,
        keep the key the forms were sealed with (or ``HeadMoved``: another writer made the register
        first, so seal again with its key), and insert the entries after the head as it is now."""
        if new_run is not None and self._q("SELECT 1 FROM entries WHERE run_id=? AND kind='run'",
                                           (new_run,)).fetchone():
            raise RegisterWriteError("error.register.run_there", file=self._file, run=new_run)
        if key is not None:
            held = self._key()
            if held is None:
                self._store_key(key)
            elif held != key:
                raise HeadMoved()
        last = self._q("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        prepared = entries_after(Head(*last) if last else Head(0, GENESIS))
        self._insert(prepared.entries)
        return prepared

    def close(self) -> None:
        raise NotImplementedError

    def _discard(self) -> None:
        """Close after a failure: the error that got here is the one to report."""
        try:
            self.close()
        except RegisterError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing
    def prepare(self, rows: list[tuple[str, str, str | None, dict[str, Any]]], new_run: str | None = None,
                key: bytes | None = None) -> Prepared:
        """The entries ``rows`` would become after the current head (see ``prepare_after``); ``key``:
        the secret they were sealed with (``key()``, or a new one for a register that has none)."""
        return prepare_after(self.head(), rows, new_run, key)

    def commit(self, prepared: Prepared) -> Head:
        """Append prepared entries in one transaction; ``HeadMoved`` when the head is no longer theirs."""
        def same_base(base: Head) -> Prepared:
            if base != prepared.base:
                raise HeadMoved()
            return prepared
        return self._transaction(same_base, prepared.new_run, prepared.key)

    def _append(self, rows: list[tuple[str, str, str | None, dict[str, Any]]], new_run: str | None = None) -> Head:
        """Append ``rows`` after whatever the head is when the lock is held (nothing printed it before)."""
        return self._transaction(lambda base: prepare_after(base, rows, new_run), new_run)

    @staticmethod
    def run_rows(run: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]], owned: bool = False) -> list[tuple]:
        """The entries of one run (``run_id``, as_of, policy and input hashes, ...) and its decisions.
        ``owned``: the decisions are dicts made for this call, completed in place rather than copied
        (100,000 decisions are not held twice)."""
        data = dict(run)
        run_id = data.get("run_id")
        if not isinstance(run_id, str) or not run_id:
            raise ValueError("a run needs a run_id")
        rows = [("run", run_id, None, {**data, "decisions": len(decisions)})]
        for d in decisions:  # the payload repeats the query columns, so verify can compare them
            cid = str(d["customer_id"])
            payload = d if owned else dict(d)
            payload["customer_id"], payload["run_id"] = cid, run_id
            rows.append(("decision", run_id, cid, payload))
        return rows

    def record_run(self, run: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]]) -> Head:
        """One run and its decisions, all or nothing; returns the new head (for the audit sheet)."""
        return self._append(self.run_rows(run, decisions), new_run=run["run_id"])

    def record_approvals(self, approvals: Sequence[Mapping[str, Any]]) -> Head:
        """Approvals read back from filled forms, each naming its ``run_id`` and ``customer_id``."""
        return self._append(self.approval_rows(approvals))

    @staticmethod
    def approval_rows(approvals: Sequence[Mapping[str, Any]]) -> list[tuple]:
        rows = []
        for a in approvals:
            run_id, cid = str(a["run_id"]), str(a["customer_id"])
            rows.append(("approval", run_id, cid, {**a, "run_id": run_id, "customer_id": cid}))
        return rows

    # ------------------------------------------------------------------ reading
    def _key(self) -> bytes | None:
        row = self._key_text()
        try:
            return bytes.fromhex(row) if row is not None else None
        except (TypeError, ValueError):
            raise RegisterError("error.register.key_damaged", file=self._file) from None

    @_reading
    def key(self) -> bytes | None:
        """The register's secret that seals its runs' approval forms (None: no run recorded yet)."""
        return self._key()

    @_reading
    def has_run(self, run_id: str) -> bool:
        return self._q("SELECT 1 FROM entries WHERE run_id=? AND kind='run'", (run_id,)).fetchone() is not None

    @_reading
    def run_record(self, run_id: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]], dict[str, dict[str, Any]]] | None:
        """Run ``run_id`` as recorded: its entry, its decisions by customer, and the latest approval
        read back for each customer (with its entry ``seq``); None when the run is not in this register.
        Each entry's own hash is checked: an entry edited in the file is refused, not trusted."""
        rows = self._q("SELECT seq, kind, run_id, customer_id, payload, prev_hash, hash FROM entries "
                               "WHERE run_id=? ORDER BY seq", (run_id,)).fetchall()
        run, decisions, approvals = None, {}, {}
        for seq, kind, rid, cid, payload, prev_hash, h in rows:
            if entry_hash(prev_hash, seq, kind, rid, cid, payload) != h:
                raise RegisterError("error.register.entry_changed", file=self._file, seq=seq, run=run_id)
            data = self._payload(seq, payload)
            if kind == "run":
                run = data
            elif kind == "decision":
                decisions[str(cid)] = data
            elif kind == "approval":
                approvals[str(cid)] = {**data, "seq": seq}
        return None if run is None else (run, decisions, approvals)

    @_reading
    def head(self) -> Head:
        last = self._q("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        return Head(*last) if last else Head(0, GENESIS)

    @_reading
    def runs(self) -> list[dict[str, Any]]:
        """Every run as recorded (the run's keys plus ``decisions``, their number), newest first."""
        return [self._payload(seq, p) for seq, p in self._q(
            "SELECT seq, payload FROM entries WHERE kind='run' ORDER BY seq DESC")]

    def _payload(self, seq: int, payload: Any) -> dict[str, Any]:
        """An entry's content; one that is not what Credit Desk wrote is named, not a traceback."""
        try:
            data = json.loads(payload)
        except (TypeError, ValueError):
            data = None
        if not isinstance(data, dict):
            raise RegisterError("error.register.entry_unreadable", file=self._file, seq=seq)
        return data

    def _as_of(self, where: str = "", params: tuple = ()) -> dict[str, str]:
        return {run_id: str(self._payload(seq, p).get("as_of") or "") for seq, run_id, p in self._q(
            f"SELECT seq, run_id, payload FROM entries WHERE kind='run' {where}", params)}

    @_reading
    def history(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's decision in every run: the decision's keys plus ``run_id``, ``as_of``,
        ``level_change`` ("A→AA", or "" when unchanged or first) and ``approvals`` (those read back for
        that run); oldest assessment date first, then in recording order (a back-dated rerun sorts in)."""
        as_of = self._as_of("AND run_id IN (SELECT run_id FROM entries WHERE customer_id=?)", (customer_id,))
        decisions, approvals = [], {}
        for seq, kind, run_id, payload in self._q(
                "SELECT seq, kind, run_id, payload FROM entries WHERE customer_id=? ORDER BY seq", (customer_id,)):
            if kind == "approval":
                approvals.setdefault(run_id, []).append(self._payload(seq, payload))
            elif kind == "decision":
                decisions.append(((as_of.get(run_id, ""), seq), run_id, self._payload(seq, payload)))
        out: list[dict[str, Any]] = []
        for (date, _), run_id, data in sorted(decisions, key=lambda d: d[0]):
            before = out[-1].get("level") if out else None
            change = f"{before}→{data.get('level')}" if before and before != data.get("level") else ""
            out.append({**data, "run_id": run_id, "as_of": date or None, "level_change": change,
                        "approvals": approvals.get(run_id, [])})
        return out

    @_reading
    def reviews_due(self, on: str) -> list[dict[str, Any]]:
        """Customers whose latest decision (latest assessment date, then latest recorded) has its next
        review on or before ``on`` (ISO date), earliest review first."""
        as_of = self._as_of()
        latest: dict[str, tuple[str, int]] = {}
        for cid, run_id, seq in self._q("SELECT customer_id, run_id, seq FROM entries WHERE kind='decision'"):
            key = (as_of.get(run_id, ""), seq)
            cid = str(cid)
            if cid not in latest or key > latest[cid]:
                latest[cid] = key
        payloads: dict[int, Any] = {}
        seqs = sorted(seq for _, seq in latest.values())
        for n in range(0, len(seqs), 500):  # a few queries, not one per customer (a server over the network)
            chunk = seqs[n:n + 500]
            payloads.update(self._q(f"SELECT seq, payload FROM entries WHERE seq IN ({','.join('?' * len(chunk))})",
                                    tuple(chunk)).fetchall())
        due = []
        for cid, (date, seq) in latest.items():
            data = self._payload(seq, payloads[seq])
            if isinstance(data.get("next_review"), str) and data["next_review"] and data["next_review"] <= on:
                due.append({"customer_id": cid, "name": data.get("name"), "level": data.get("level"),
                            "next_review": data["next_review"], "run_id": data.get("run_id"), "as_of": date or None})
        return sorted(due, key=lambda d: (d["next_review"], d["customer_id"]))

    @_reading
    def verify(self, expected_head: Head | None = None) -> list[str]:
        """[] when intact; else one message per problem: a damaged file, a changed, inserted or deleted
        entry, a run missing decisions, and (given the head from an audit sheet) a cut or rewritten tail."""
        problems = self._damage()
        prev, expected_seq, head_seen = GENESIS, 1, False
        declared: dict[str, int] = {}
        counted: dict[str, int] = {}
        for seq, kind, run_id, cid, payload, prev_hash, h in self.entries():
            where = f"entry #{seq} ({kind} {run_id}{' ' + cid if cid else ''})"
            if seq != expected_seq:
                gap = f"entry #{expected_seq} is" if seq == expected_seq + 1 else f"entries #{expected_seq}–#{seq - 1} are"
                problems.append(f"{gap} missing (deleted)")
            if prev_hash != prev:
                problems.append(f"{where}: does not follow the entry before it (an entry was deleted or inserted)")
            if entry_hash(prev_hash, seq, kind, run_id, cid, payload) != h:
                problems.append(f"{where}: its content was changed after it was recorded")
            try:
                data = json.loads(payload)
                if data.get("run_id", run_id) != run_id or data.get("customer_id", cid) != cid or \
                        kind not in ("run", "decision", "approval"):
                    problems.append(f"{where}: its kind, customer or run does not match its content")
                if kind == "run":
                    declared[run_id] = int(data.get("decisions", 0))
                elif kind == "decision":
                    counted[run_id] = counted.get(run_id, 0) + 1
            except (ValueError, TypeError, AttributeError):
                problems.append(f"{where}: its content is not readable")
            if expected_head is not None and seq == expected_head.seq:
                head_seen = True
                if h != expected_head.hash:
                    problems.append(f"entry #{seq} is not the one recorded ({expected_head.hash[:12]}…): "
                                    f"the register was rewritten from there on or before")
            prev, expected_seq = h, seq + 1
        for run_id, n in declared.items():
            if counted.get(run_id, 0) != n:
                problems.append(f"run {run_id}: {n} decisions were recorded, {counted.get(run_id, 0)} are there")
        problems += [f"run {run_id}: {n} decisions are there, but the run itself is missing"
                     for run_id, n in counted.items() if run_id not in declared]
        if expected_head is not None and expected_head.seq and not head_seen:
            problems.append(f"entry #{expected_head.seq} ({expected_head.hash[:12]}…) is missing: "
                            f"the register was cut back after it was recorded")
        return problems

    def entries(self) -> Iterator[tuple]:
        """Every entry as stored, in order: (seq, kind, run_id, customer_id, payload, prev_hash, hash)."""
        try:
            yield from self._scan("SELECT seq, kind, run_id, customer_id, payload, prev_hash, hash FROM entries "
                                  "ORDER BY seq")
        except self._db_error as exc:
            raise self._error(exc, "read") from None


class Register(_Chain):
    """One register file. ``readonly`` (the reading commands: history, verify-register): opened with
    SQLite's ``mode=ro``, never written, so it reads a register on a CD, a read-only share or in a
    read-only folder; a file that is empty or holds no register is named as such, never created."""

    _db_error = sqlite3.Error

    def __init__(self, path: str | Path, readonly: bool = False):
        self.path = Path(path)
        self.readonly = readonly
        self.db: sqlite3.Connection | None = None
        self._copy: Path | None = None  # a private copy read instead (see _open_read_only)
        refuse_network(self.path, writing=not readonly)  # never opened there, not even to read its header
        try:
            header = _header(self.path)
            if header not in (b"", _MAGIC):  # never write into a file not ours
                raise RegisterError("error.register.not_a_register", file=self.path)
            if readonly:
                if header == b"":
                    if self.path.exists():
                        raise RegisterError("error.register.empty_file", file=self.path)
                    raise RegisterError("error.register.none_yet", file=self.path)
                self.db = self._open_read_only()
            else:
                reason = _read_only_reason(self.path)  # said before anything is written, not half-way
                if reason is not None:
                    raise _read_only(self.path, reason)
                if not _existing_folder(self.path).is_dir():
                    raise RegisterWriteError("error.register.folder_is_file", file=self.path,
                                             folder=_existing_folder(self.path))
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self._open_schema()
            if not readonly:
                # only now that the file is known to be ours: switching the journal mode writes to it
                self.db.execute("PRAGMA journal_mode=WAL")  # readers never block the writing window
                self.db.execute("PRAGMA synchronous=FULL")  # a recorded run survives a power cut
        except RegisterError:
            self._discard()
            raise
        except (OSError, sqlite3.Error) as exc:
            self._discard()
            raise _failure(self.path, exc, "opened", writing=not readonly) from None
        except BaseException:
            self._discard()
            raise

    def _open_read_only(self) -> sqlite3.Connection:
        """``mode=ro``; where SQLite cannot create the -shm file a WAL-mode register needs beside it (a
        read-only disk or folder), ``immutable=1`` - unless a -wal or -journal file holds entries not
        yet merged into the register (a writer was killed, or a copy was taken while it was open): then
        the register is read from a private copy with that file, so no recorded entry is missed."""
        def connect(path: Path, **params: object) -> sqlite3.Connection:
            db = sqlite3.connect(_uri(path, **params), uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            try:
                db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except BaseException:
                db.close()
                raise
            return db

        try:
            return connect(self.path, mode="ro")
        except sqlite3.OperationalError as exc:
            if (exc.sqlite_errorcode or 0) & 0xFF not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY):
                raise
        pending = [side for side in (Path(f"{self.path}-wal"), Path(f"{self.path}-journal")) if _size(side)]
        if not pending:
            return connect(self.path, immutable=1)
        try:
            self._copy = Path(tempfile.mkdtemp(prefix="credit-desk-register-"))
            for source in (self.path, *pending):
                shutil.copyfile(source, self._copy / source.name)
        except OSError as exc:
            raise RegisterError("error.register.pending_unreadable", file=self.path, side=pending[0].name,
                                detail=str(exc.strerror or exc)) from None
        return connect(self._copy / self.path.name)  # SQLite merges the -wal into the copy, not the original

    def _tables(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _open_schema(self) -> None:
        if not self._tables() and not self.readonly:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if not self._tables():  # another window may have created it while we waited
                    for statement in _SCHEMA:
                        self.db.execute(statement)
                    self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                self.db.execute("COMMIT")
            finally:
                self._rollback()
        version = None
        columns = {r[1] for r in self.db.execute("PRAGMA table_info(entries)")}
        if {"entries", "meta"} <= self._tables() and _COLUMNS <= columns:
            try:
                version = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            except sqlite3.OperationalError:  # someone else's table called meta
                pass
        if version is None or not str(version[0]).isdigit():
            raise RegisterError("error.register.foreign_database", file=self.path)
        if int(version[0]) > SCHEMA_VERSION:
            raise RegisterError("error.register.newer", file=self.path, version=version[0], ours=SCHEMA_VERSION)

    def _rollback(self) -> None:
        """After a failed statement or COMMIT: the error raised says what happened, not this rollback
        (SQLite may have rolled back already, say on a full disk; closing rolls back in any case)."""
        try:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def close(self) -> None:
        try:
            if self.db is not None:
                self.db.close()
        except sqlite3.Error as exc:
            raise _failure(self.path, exc, "closed", writing=not self.readonly) from None
        finally:
            if self._copy is not None:
                shutil.rmtree(self._copy, ignore_errors=True)
                self._copy = None

    def __enter__(self) -> Register:
        return self

    @property
    def _file(self) -> Path:
        return self.path

    def _q(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        return self.db.execute(sql, params)

    def _key_text(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key='hmac_key'").fetchone()
        return row[0] if row else None

    def _damage(self) -> list[str]:
        return [f"the file is damaged: {r}" for (r,) in self.db.execute("PRAGMA quick_check") if r != "ok"]

    def _error(self, exc: BaseException, doing: str) -> RegisterError:
        return _failure(self.path, exc, doing)

    def _transaction(self, entries_after: Callable[[Head], Prepared], new_run: str | None,
                     key: bytes | None = None) -> Head:
        if self.readonly:
            raise RegisterWriteError("error.register.read_only_opened", file=self.path)
        try:
            self.db.execute("BEGIN IMMEDIATE")  # the head cannot move until these entries are in
            try:
                prepared = self._write_run(entries_after, new_run, key)
                self.db.execute("COMMIT")
            finally:
                self._rollback()  # SQLite may already have rolled back (disk full, I/O error)
        except sqlite3.Error as exc:
            raise _failure(self.path, exc, "written") from None
        return prepared.head

    def _store_key(self, key: bytes) -> None:
        self.db.execute("INSERT INTO meta VALUES ('hmac_key', ?)", (key.hex(),))

    def _insert(self, entries: list[tuple]) -> None:
        self.db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", entries)
