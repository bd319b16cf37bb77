"""The team rating register: the same register as ``desktop.io.register``'s, in a PostgreSQL schema.

Chosen by a URL (``postgresql://user@host:5432/db``; the password from the user's pgpass file or
PGPASSWORD, or in the URL, never shown: every message shows ``shown(url)``). The entries, their
hashes, the heads and what ``verify`` finds are those of the SQLite register (one implementation,
``desktop.io.register._Chain``): an entry copied from one register to the other verifies there with
the same head.

The server keeps the guarantees too (templates/register/postgresql.sql, run by ``register init``):
triggers refuse UPDATE, DELETE and TRUNCATE on the entries; ``seq`` is the primary key, so two
writers can never both append entry N (no fork, even past the lock); the roles
``credit_desk_clerk`` (read and append), ``credit_desk_auditor`` (read, never the key) and
``credit_desk_owner`` (migrations). A run is appended in one SERIALIZABLE transaction, all its
entries or none, while this program holds the chain's advisory lock: the lock is taken before the
transaction starts (a lock taken inside a SERIALIZABLE transaction comes after its snapshot, so every
writer that waited would read a stale head and fail); a serialization failure or an entry number
taken meanwhile is ``HeadMoved``, prepared again as in SQLite.

psycopg is imported only here, and this module only when a URL is used: the window and the SQLite
register never load it. Every server or connection error becomes one catalogue message (unreachable,
login refused, no such database, no rights, connection lost, newer format, not a register), its
detail (the server's words, the password taken out) to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from desktop.io.register import (
    BUSY_TIMEOUT_S,
    SCHEMA_VERSION,
    Head,
    HeadMoved,
    Prepared,
    RegisterError,
    RegisterWriteError,
    _Chain,
    _reading,
    is_team_url,
    shown,
    url_password,
)
from desktop.messages import Message

LOG = logging.getLogger("credit_desk.register")
SCHEMA = "credit_desk"
ROLES = ("credit_desk_owner", "credit_desk_clerk", "credit_desk_auditor")
LOCK_KEY = 0x43524544_4553_4B  # pg_advisory_lock's key for the chain's head ("CREDESK")
CONNECT_TIMEOUT_S = 10
# a connection whose network went silent (a cable pulled, a VPN dropped) is found dead within about a
# minute, not left waiting for hours on the system's TCP defaults: the job then ends with its message
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 15, "keepalives_interval": 5, "keepalives_count": 4,
             "tcp_user_timeout": 60_000}
# (format, file in templates/register/) bringing a register of the format before up to it, in order
MIGRATIONS: tuple[tuple[int, str], ...] = ()
_COLUMNS = {"seq", "kind", "run_id", "customer_id", "payload", "prev_hash", "hash"}


def _psycopg(location: str):
    """psycopg, for a database server's address (any other address, postgres-ql:// or http://, is refused
    here: never taken for a file, never tried)."""
    if not is_team_url(location):
        raise RegisterError("error.register.pg_bad_url", file=shown(location),
                            detail=f"scheme {str(location).strip().split('://', 1)[0]!r}")
    try:
        import psycopg
    except ImportError as exc:  # a broken installation: said, not a traceback
        raise RegisterError("error.register.pg_no_driver", file=shown(location), detail=str(exc)) from None
    return psycopg


def _scrub(text: str, location: str) -> str:
    """The server's or libpq's words with the password taken out, as decoded and as written in the URL
    (libpq quotes a URL part it cannot read, percent-encoding and all): the log must never hold it."""
    text = " ".join(str(text).split())
    for pw in sorted(_passwords(location), key=len, reverse=True):
        text = text.replace(pw, "***")
    return text


def _passwords(location: str) -> set[str]:
    """The password of ``location`` decoded, and each way it is written there (user info, query)."""
    from desktop.io.register import _is_password_param, _url_parts
    found = {url_password(location)}
    try:
        _, userinfo, _, _, query = _url_parts(location)
    except ValueError:
        return found - {""}
    found.add(userinfo.partition(":")[2])
    found.update(q.split("=", 1)[1] for q in query.split("&") if _is_password_param(q) and "=" in q)
    # a password with an "@" not written %40: libpq ends the user info at the first "@" and reads the
    # rest as the host, which its error names: each part (and its decoding) is masked too
    from urllib.parse import unquote
    parts = {piece for p in found for piece in p.split("@")[1:] if len(piece) >= 3}
    found |= parts | {unquote(p) for p in parts}
    return {p for p in found if p}


def failure(location: str, exc: BaseException, doing: str, writing: bool = False,
            connecting: bool = False) -> RegisterError:
    """A psycopg error as one line for the clerk (``desktop.io.register._failure``'s counterpart).

    ``connecting``: raised while connecting, where libpq gives no error code, only its words (the
    server's words are English unless its lc_messages says otherwise: then the fallback, cannot
    connect, is said)."""
    import psycopg
    where = shown(location)
    w = writing or doing == "written"
    state = getattr(exc, "sqlstate", None) or ""
    detail = _scrub(str(exc), location)

    error = RegisterWriteError if w else RegisterError  # whose texts say nothing was recorded or written

    low = detail.lower()
    if connecting and not state and (isinstance(exc, psycopg.ProgrammingError) or any(
            t in low for t in ("invalid uri", "connection option", "value:", "missing \"=\""))):
        return RegisterError("error.register.pg_bad_url", file=where, detail=detail)  # libpq could not read it
    if connecting and not state or state.startswith(("28", "3D")):
        if state == "3D000" or ("database" in low and "does not exist" in low):
            return error("error.register.pg_no_database_write" if w else "error.register.pg_no_database",
                         file=where, detail=detail)
        if state.startswith("28") or any(t in low for t in ("authentication failed", "no password supplied",
                                                             "pg_hba.conf", "password", "role ")):
            return error("error.register.pg_auth_write" if w else "error.register.pg_auth", file=where, detail=detail)
        return error("error.register.pg_unreachable_write" if w else "error.register.pg_unreachable",
                     file=where, detail=detail)
    if state == "42501":
        return error("error.register.pg_permission_write" if w else "error.register.pg_permission",
                     file=where, detail=detail)
    if state == "55P03":  # lock_timeout: another clerk's run held the chain that long
        return error("error.register.busy_write" if w else "error.register.busy", file=where,
                     seconds=f"{BUSY_TIMEOUT_S:g}", detail=detail)
    if state.startswith(("08", "57P")) or isinstance(exc, psycopg.OperationalError) and not state:
        return error("error.register.pg_dropped_write" if w else "error.register.pg_dropped",
                     file=where, detail=detail)
    if state in ("3F000", "42P01", "42703"):  # no such schema, table or column
        return RegisterError("error.register.pg_foreign", file=where, detail=detail)
    return error("error.register.pg_failed_write" if w else "error.register.pg_failed", file=where, detail=detail,
               doing=Message(f"error.register.doing.{doing}"))


class PgRegister(_Chain):
    """The register in database ``location``'s schema credit_desk; ``readonly``: the reading commands
    (the session is read-only on the server too: nothing can be written through it)."""

    def __init__(self, location: str, readonly: bool = False, connect_timeout: int = CONNECT_TIMEOUT_S):
        self.location = location
        self.path = shown(location)  # what messages and logs show: never the password
        self.readonly = readonly
        self.db = None
        psycopg = _psycopg(location)
        self._db_error = psycopg.Error
        self._errors = psycopg.errors
        try:
            self.db = psycopg.connect(location, autocommit=True, connect_timeout=connect_timeout,
                                      application_name="credit-desk", **KEEPALIVE)
        except psycopg.Error as exc:
            raise failure(location, exc, "opened", writing=not readonly, connecting=True) from None
        try:
            self.db.execute(f"SET search_path = {SCHEMA}, pg_temp")  # our tables, never a look-alike in public
            self.db.execute(f"SET lock_timeout = '{BUSY_TIMEOUT_S}s'")
            if readonly:
                self.db.execute("SET default_transaction_read_only = on")
            self._open_schema()
        except RegisterError:
            self._discard()
            raise
        except psycopg.Error as exc:
            self._discard()
            raise failure(location, exc, "opened", writing=not readonly) from None
        except BaseException:
            self._discard()
            raise

    def _open_schema(self) -> None:
        """Refuse a database without the register, with tables that are not its, or of a newer format."""
        row = self.db.execute("SELECT to_regnamespace(%s), to_regclass(%s), to_regclass(%s)",
                              (SCHEMA, f"{SCHEMA}.entries", f"{SCHEMA}.meta")).fetchone()
        if row[0] is None:
            raise RegisterError("error.register.pg_no_schema", file=self.path)
        if row[1] is None or row[2] is None:
            raise RegisterError("error.register.pg_foreign", file=self.path)
        version = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if version is None or not str(version[0]).isdigit():
            raise RegisterError("error.register.pg_foreign", file=self.path)
        if int(version[0]) > SCHEMA_VERSION:  # before the columns: a newer format may have changed them
            raise RegisterError("error.register.newer_team", file=self.path, version=version[0], ours=SCHEMA_VERSION)
        columns = {r[0] for r in self.db.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            (f"{SCHEMA}.entries",))}
        if not _COLUMNS <= columns:
            raise RegisterError("error.register.pg_foreign", file=self.path)

    # ------------------------------------------------------------ the backend's part
    @property
    def _file(self) -> str:
        return self.path

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")  # the shared queries' placeholders (none of them holds a literal ?)

    def _q(self, sql: str, params: tuple = ()) -> Any:
        return self.db.execute(self._sql(sql), params)

    def _scan(self, sql: str, params: tuple = ()) -> Iterator[tuple]:
        """A long scan (verify, migrate) in batches from a server-side cursor, in one snapshot."""
        with self.db.transaction(), self.db.cursor(name="credit_desk_scan") as cur:
            cur.itersize = 5000
            cur.execute(self._sql(sql), params)
            yield from cur

    def _key_text(self) -> str | None:
        try:
            row = self.db.execute("SELECT value FROM secret WHERE key = 'hmac_key'").fetchone()
        except self._errors.InsufficientPrivilege as exc:  # an auditor's login: reads the entries, never the key
            raise RegisterWriteError("error.register.pg_no_key", file=self.path,
                                     detail=_scrub(str(exc), self.location)) from None
        return row[0] if row else None

    def _error(self, exc: BaseException, doing: str) -> RegisterError:
        # opened to record: whatever fails first (the key an auditor's login may not read, the head) means
        # nothing was recorded or written, and its text says so and what the login needs to record
        return failure(self.location, exc, doing, writing=not self.readonly)

    def close(self) -> None:
        if self.db is not None:
            try:
                self.db.close()
            except self._db_error as exc:  # closing never fails a job that got this far: said in the log
                LOG.info("closing the register %s: %s", self.path, _scrub(str(exc), self.location))
            self.db = None

    # ------------------------------------------------------------ writing
    def _append(self, rows: list[tuple], new_run: str | None = None) -> Head:
        for _attempt in range(5):  # nothing printed this head: a serialization failure is just tried again
            try:
                return super()._append(rows, new_run)
            except HeadMoved:
                continue
        raise RegisterWriteError("error.register.kept_busy", file=self.path)

    def _transaction(self, entries_after: Callable[[Head], Prepared], new_run: str | None,
                     key: bytes | None = None) -> Head:
        if self.readonly:
            raise RegisterWriteError("error.register.read_only_opened", file=self.path)
        e = self._errors
        prepared = None
        try:
            self.db.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # before the snapshot: see the docstring
            try:
                with self.db.transaction():
                    self.db.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                    prepared = self._write_run(entries_after, new_run, key)  # all sent: only the COMMIT is left
            finally:
                self._unlock()
        except (e.SerializationFailure, e.DeadlockDetected) as exc:
            LOG.info("the register %s moved while recording (%s): prepared again", self.path, exc.sqlstate)
            raise HeadMoved() from None
        except e.UniqueViolation:
            raise HeadMoved() from None  # entry N was taken meanwhile (the lock bypassed): never a fork
        except self._db_error as exc:
            if prepared is not None and self.db.closed:  # lost with the whole run sent, at the COMMIT: made or not?
                return self._settle(prepared.head, exc)
            raise failure(self.location, exc, "written", writing=True) from None
        return prepared.head

    def _settle(self, head: Head, exc: BaseException) -> Head:
        """The connection was lost after the run's entries were sent: its COMMIT may have reached the
        server with only the reply lost. Asked on a new connection, a few times over some seconds: the
        run's last entry there means it was recorded (the head is returned, the outputs are kept); entry
        N absent or another's means it was not (``pg_dropped_write``); no answer is said as such,
        with the entry to look for (never "not recorded" when it may have been)."""
        import time
        detail = _scrub(str(exc), self.location)
        for wait in (0.0, 1.0, 3.0):
            time.sleep(wait)
            found = holds(self.location, str(head), timeout=CONNECT_TIMEOUT_S)
            if found is True:
                LOG.warning("the connection to %s was lost at the commit, which the server had made: %s is "
                            "recorded (%s)", self.path, head, detail)
                return head
            if found is False:
                raise RegisterWriteError("error.register.pg_dropped_write", file=self.path, detail=detail)
        raise RegisterWriteError("error.register.pg_unsure_write", file=self.path, head=str(head), detail=detail)

    def _unlock(self) -> None:
        """Let the next writer in (a lost connection has let it in already: the server ends the lock with it)."""
        try:
            if not self.db.closed:
                self.db.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
        except self._db_error:
            pass

    def _store_key(self, key: bytes) -> None:
        self.db.execute("INSERT INTO secret (key, value) VALUES ('hmac_key', %s)", (key.hex(),))

    def _insert(self, entries: list[tuple]) -> None:
        with self.db.cursor() as cur, cur.copy(
                "COPY entries (seq, kind, run_id, customer_id, payload, prev_hash, hash) FROM STDIN") as copy:
            for row in entries:
                copy.write_row(row)

    # ------------------------------------------------------------ moving a desktop register here
    @_reading
    def count(self) -> int:
        """How many entries the register holds."""
        return int(self._q("SELECT COUNT(*) FROM entries").fetchone()[0])

    def copy_in(self, entries: Iterator[tuple], key: bytes | None, expected: Head, source: str = "") -> int:
        """Every entry of another register, as stored, and its key, in one transaction into this empty
        one; before it commits, this register's chain is verified and its head compared with
        ``expected`` (the source's): any difference undoes the whole copy. Returns the entries copied.
        Refused (``error.register.pg_not_empty``) when this register holds an entry or a key."""
        if self.readonly:
            raise RegisterWriteError("error.register.read_only_opened", file=self.path)
        try:
            self.db.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
            try:
                with self.db.transaction():
                    self.db.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
                    there = self.count()
                    if there or self._key_text() is not None:
                        raise RegisterWriteError("error.register.pg_not_empty", file=self.path, entries=there)
                    if key is not None:
                        self.db.execute("INSERT INTO secret (key, value) VALUES ('hmac_key', %s)", (key.hex(),))
                    n = 0
                    with self.db.cursor() as cur, cur.copy(
                            "COPY entries (seq, kind, run_id, customer_id, payload, prev_hash, hash) FROM STDIN"
                    ) as copy:
                        for row in entries:
                            copy.write_row(row)
                            n += 1
                    problems = self.verify(expected)
                    head = self.head()
                    if head != expected and not problems:
                        problems = [f"head {head} instead of {expected}"]
                    if problems:
                        raise RegisterWriteError("error.register.pg_copy_differs", file=self.path,
                                                 source=source, problem=problems[0], detail="; ".join(problems))
            finally:
                self._unlock()
        except self._db_error as exc:
            raise failure(self.location, exc, "written", writing=True) from None
        return n


# ---------------------------------------------------------------- register init

def init_sql() -> str:
    from desktop.paths import templates_dir
    return (templates_dir() / "register" / "postgresql.sql").read_text(encoding="utf-8")


def init(location: str) -> dict[str, Any]:
    """Create (or complete) the schema, its roles and grants in database ``location`` from
    templates/register/postgresql.sql, in one transaction, and bring an older format up to this
    one (``MIGRATIONS``). Harmless when run again: what exists is kept. Returns what it found and
    did: created (the schema was made), roles_created, roles_kept, version, old_version, entries."""
    psycopg = _psycopg(location)
    try:
        db = psycopg.connect(location, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                             application_name="credit-desk")
    except psycopg.Error as exc:
        raise failure(location, exc, "opened", writing=True, connecting=True) from None
    try:
        with db.transaction():
            roles = {r[0] for r in db.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(ROLES),))}
            existed = db.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.meta",)).fetchone()[0] is not None
            old = None
            if existed:
                row = db.execute(f"SELECT value FROM {SCHEMA}.meta WHERE key = 'schema_version'").fetchone()
                if row is None or not str(row[0]).isdigit():
                    raise RegisterError("error.register.pg_foreign", file=shown(location))
                old = int(row[0])
                if old > SCHEMA_VERSION:
                    raise RegisterError("error.register.newer_team", file=shown(location), version=old,
                                        ours=SCHEMA_VERSION)
            db.execute(init_sql())
            for version, name in MIGRATIONS:
                if old is not None and old < version:
                    from desktop.paths import templates_dir
                    db.execute((templates_dir() / "register" / name).read_text(encoding="utf-8"))
            db.execute(f"UPDATE {SCHEMA}.meta SET value = %s WHERE key = 'schema_version' AND value <> %s",
                       (str(SCHEMA_VERSION), str(SCHEMA_VERSION)))
            entries = int(db.execute(f"SELECT COUNT(*) FROM {SCHEMA}.entries").fetchone()[0])
    except psycopg.errors.InsufficientPrivilege as exc:  # not a superuser: not the clerk role's message
        raise RegisterWriteError("error.register.pg_init_rights", file=shown(location),
                                 detail=_scrub(str(exc), location)) from None
    except psycopg.Error as exc:
        raise failure(location, exc, "written", writing=True) from None
    finally:
        db.close()
    LOG.info("register init %s: schema %s, roles created %s, format %s", shown(location),
             "kept" if existed else "created", sorted(set(ROLES) - roles) or "none", SCHEMA_VERSION)
    return {"created": not existed, "roles_created": [r for r in ROLES if r not in roles],
            "roles_kept": [r for r in ROLES if r in roles], "version": SCHEMA_VERSION, "old_version": old,
            "entries": entries}


def holds(location: str, head: str, timeout: int = 3) -> bool | None:
    """Whether the register at ``location`` holds the entry "#N HASH" (a killed job's commit);
    None when it cannot tell (the server unreachable, no password at hand): decide later."""
    try:
        seq, digest = head.lstrip("#").split()
        with PgRegister(location, readonly=True, connect_timeout=timeout) as reg:
            row = reg._q("SELECT hash FROM entries WHERE seq = ?", (int(seq),)).fetchone()
        return row is not None and row[0] == digest
    except ValueError:  # not a head: nothing to find
        return False
    except Exception:  # noqa: BLE001  (unreachable, no password, no rights: cannot tell now)
        return None


