"""The team register on PostgreSQL (desktop.io.register_pg): the same register as the SQLite file's.

Recorded through both, the same runs and approvals give the same heads, history, reviews due and
verification; a desktop register moved to the server (register migrate) verifies there with the
same head, and the same file again copies nothing, into another team's register nothing at all;
register init twice is harmless; a newer format, a login without rights, a refused login, a
missing database, an unreachable server and a connection lost while recording are each one
message, with nothing half-recorded; a password in the URL never appears in a message, a log line,
a workbook or the crash journal. The server is conftest's (``pg_url``: a fresh database per test).
"""

from __future__ import annotations

import json
import logging
import socket
import sqlite3
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest

from desktop.cli import main
from desktop.io import register_pg
from desktop.io.register import (
    Head,
    Register,
    RegisterError,
    RegisterWriteError,
    is_url,
    open_register,
    shown,
    url_password,
    without_password,
)
from desktop.paths import templates_dir

SAMPLES = sorted(str(p) for p in (templates_dir() / "samples").iterdir())
PASSWORD = "Pa55-w0rd!geheim"  # trust auth: the server takes any password, and the program must never show it


def with_password(url: str, password: str = PASSWORD) -> str:
    scheme, rest = url.split("://", 1)
    user, at, host = rest.partition("@")
    return f"{scheme}://{user}:{password}@{host}"


def database(url: str) -> str:
    return url.rsplit("/", 1)[1].split("?")[0]


@pytest.fixture
def logs(tmp_path, monkeypatch, caplog, own_diagnostics):
    """Everything logged meanwhile, at debug: what pytest caught (the libraries' lines too) and the
    log file the command line writes (its logger does not propagate)."""
    from desktop import diagnostics
    folder = tmp_path / "logs"
    monkeypatch.setenv("CREDIT_DESK_LOG_DIR", str(folder))
    monkeypatch.setenv(diagnostics.LEVEL_VARIABLE, "debug")
    monkeypatch.setattr(diagnostics.LOG, "propagate", True)
    caplog.set_level(logging.DEBUG)

    def text() -> str:
        files = [f for f in folder.rglob("*") if f.is_file()] if folder.exists() else []
        return caplog.text + "".join(f.read_text("utf-8", errors="replace") for f in files)
    return text


@pytest.fixture
def team(pg_url) -> str:
    """A fresh database made a team register by ``register init``."""
    register_pg.init(pg_url)
    return pg_url


def login(pg_server, url: str, role: str | None) -> str:
    """The URL of a login granted ``role`` (None: no role) in ``url``'s database."""
    name = f"cd_test_{role or 'nobody'}"
    with pg_server.connect() as db:
        if db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is None:
            db.execute(f'CREATE ROLE "{name}" LOGIN')
        if role is not None:
            db.execute(f'GRANT "credit_desk_{role}" TO "{name}"')
    return pg_server.url_for(database(url), user=name)


def record_three(reg) -> None:
    reg.record_run({"run_id": "R1", "as_of": "2025-12-31", "operator": "王会计"},
                   [{"customer_id": "C1", "level": "A", "next_review": "2026-06-30", "name": "甲"},
                    {"customer_id": "C2", "level": "B", "next_review": "2026-03-31", "name": "乙"}])
    reg.record_run({"run_id": "R2", "as_of": "2026-03-31", "operator": "李会计"},
                   [{"customer_id": "C1", "level": "AA", "next_review": "2026-09-30", "name": "甲"}])
    reg.record_approvals([{"run_id": "R2", "customer_id": "C1", "status": "approved", "approver": "张经理"}])
    reg.record_run({"run_id": "R0", "as_of": "2025-06-30"},  # recorded last, assessed first
                   [{"customer_id": "C2", "level": "C", "next_review": "2025-09-30"}])


def count(url: str, kind: str | None = None) -> int:
    with psycopg.connect(url) as db:
        if kind is None:
            return db.execute("SELECT COUNT(*) FROM credit_desk.entries").fetchone()[0]
        return db.execute("SELECT COUNT(*) FROM credit_desk.entries WHERE kind = %s", (kind,)).fetchone()[0]


# ---------------------------------------------------------------- the same register on both

def test_both_backends_give_the_same_entries_heads_and_readings(team, tmp_path):
    with open_register(team) as pg, Register(tmp_path / "r.sqlite") as lite:
        assert type(pg).__name__ == "PgRegister" and is_url(team)
        record_three(pg)
        record_three(lite)
        assert pg.head() == lite.head() and pg.head().seq == 8
        assert list(pg.entries()) == list(lite.entries())
        for cid in ("C1", "C2", "C9"):
            assert pg.history(cid) == lite.history(cid)
        assert [h["level_change"] for h in pg.history("C1")] == ["", "A→AA"]
        assert [h["run_id"] for h in pg.history("C2")] == ["R0", "R1"]  # assessment date order
        assert pg.history("C1")[1]["approvals"][0]["approver"] == "张经理"
        due = pg.reviews_due("2026-06-30")
        assert due == lite.reviews_due("2026-06-30")
        assert [(d["customer_id"], d["run_id"], d["next_review"]) for d in due] == [("C2", "R1", "2026-03-31")]
        assert pg.run_record("R2") == lite.run_record("R2") and pg.run_record("R9") is None
        assert pg.runs() == lite.runs() and pg.has_run("R1") and not pg.has_run("R9")
        assert pg.verify() == [] and pg.verify(pg.head()) == []
        assert pg.verify(Head(8, "0" * 64)) == lite.verify(Head(8, "0" * 64)) != []
        with pytest.raises(RegisterWriteError) as exc:
            pg.record_run({"run_id": "R1"}, [])
        assert exc.value.code == "error.register.run_there"
    with open_register(team, readonly=True) as pg:  # read-only on the server too
        with pytest.raises(RegisterWriteError) as exc:
            pg.record_run({"run_id": "R5"}, [])
        assert exc.value.code == "error.register.read_only_opened"
        assert pg.head().seq == 8


def test_a_changed_entry_is_found_by_verify_register(team):
    with open_register(team) as reg:
        record_three(reg)
    with psycopg.connect(team, autocommit=True) as db:  # a superuser behind the program's back
        db.execute("ALTER TABLE credit_desk.entries DISABLE TRIGGER ALL")
        db.execute("UPDATE credit_desk.entries SET payload = replace(payload, '\"AA\"', '\"AAA\"') WHERE seq = 5")
        db.execute("ALTER TABLE credit_desk.entries ENABLE TRIGGER ALL")
    with open_register(team, readonly=True) as reg:
        assert reg.verify() == ["entry #5 (decision R2 C1): its content was changed after it was recorded"]
        with pytest.raises(RegisterError) as exc:
            reg.run_record("R2")
        assert exc.value.code == "error.register.entry_changed"


def test_the_server_refuses_update_delete_and_truncate(team, pg_server):
    with open_register(team) as reg:
        record_three(reg)
        reg.commit(reg.prepare([("run", "K", None, {"run_id": "K", "decisions": 0})], "K", b"k" * 32))  # a key
    for url in (team, login(pg_server, team, "clerk")):  # a superuser is stopped by the triggers, a clerk too
        with psycopg.connect(url, autocommit=True) as db:
            for statement in ("UPDATE credit_desk.entries SET payload = '{}' WHERE seq = 2",
                              "DELETE FROM credit_desk.entries WHERE seq = 8",
                              "TRUNCATE credit_desk.entries",
                              "UPDATE credit_desk.secret SET value = 'ab'",
                              "DELETE FROM credit_desk.secret"):
                with pytest.raises(psycopg.Error):
                    db.execute(statement)
    with psycopg.connect(login(pg_server, team, "clerk"), autocommit=True) as db:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("UPDATE credit_desk.meta SET value = '9' WHERE key = 'schema_version'")
    assert count(team) == 9
    with open_register(team) as reg:
        assert reg.verify() == [] and reg.key() == b"k" * 32


def test_the_server_refuses_an_entry_that_does_not_continue_the_chain(team, pg_server):
    """A clerk's login may INSERT: with psql it tries a row after a gap, a row linking to something else,
    a row whose hash is not its content's, and a second entry 8; each is refused by the server, and an
    entry made by hand exactly as the program makes it (Chinese in its payload) is taken. The chain
    verifies after all of it, and the program goes on appending."""
    from desktop.io.register import entry_hash
    with open_register(team) as reg:
        record_three(reg)
        head = reg.head()
    assert head.seq == 8

    def row(seq: int, prev: str, payload: str = '{"备注":"手工"}', digest: str | None = None) -> tuple:
        good = entry_hash(prev, seq, "approval", "R2", "C1", payload)
        return (seq, "approval", "R2", "C1", payload, prev, digest or good)
    bad = {"after a gap": row(10, head.hash), "linking elsewhere": row(9, "ab" * 32),
           "a hash not its content's": row(9, head.hash, digest="cd" * 32), "a second entry 8": row(8, head.hash)}
    insert = "INSERT INTO credit_desk.entries (seq, kind, run_id, customer_id, payload, prev_hash, hash) " \
             "VALUES (%s, %s, %s, %s, %s, %s, %s)"
    with psycopg.connect(login(pg_server, team, "clerk"), autocommit=True) as db:
        for what, values in bad.items():
            with pytest.raises(psycopg.errors.IntegrityError):
                db.execute(insert, values)
            assert count(team) == 8, what
        db.execute(insert, row(9, head.hash))  # made as the program makes it: taken
    with open_register(team) as reg:
        assert reg.verify() == [] and reg.head().seq == 9
        reg.record_run({"run_id": "R4", "as_of": "2026-09-30"}, [{"customer_id": "C1", "level": "A"}])
        assert reg.verify() == [] and reg.head().seq == 11


# ---------------------------------------------------------------- moving a desktop register there

def sqlite_register(path: Path) -> Head:
    with Register(path) as reg:
        record_three(reg)
        reg.record_run({"run_id": "R3", "as_of": "2026-06-30", "seal": "keyed"}, [{"customer_id": "C3"}])
        reg.db.execute("INSERT INTO meta VALUES ('hmac_key', ?)", ("ab" * 32,))
        return reg.head()


def test_migrate_copies_every_entry_and_the_key_with_the_same_head(team, tmp_path, capsys):
    source = tmp_path / "desk.sqlite"
    head = sqlite_register(source)
    assert main(["register", "migrate", "--from", str(source), "--to", team]) == 0
    out = capsys.readouterr().out
    assert f"Copied the 10 entries of {source} and its key into {team}; it verifies" in out and str(head) in out
    with open_register(team, readonly=True) as pg, Register(source, readonly=True) as lite:
        assert pg.head() == head and pg.verify(head) == []
        assert list(pg.entries()) == list(lite.entries())
        assert pg.key() == bytes.fromhex("ab" * 32) == lite.key()
        assert pg.history("C2") == lite.history("C2")

    # the same file again: said, nothing copied
    assert main(["register", "migrate", "--from", str(source), "--to", team]) == 0
    assert "already holds exactly the 10 entries" in capsys.readouterr().out
    assert count(team) == 10

    # a team register that goes on after the copy is no longer this file's: refused
    with open_register(team) as pg:
        pg.record_run({"run_id": "R4", "as_of": "2026-07-31"}, [])
    assert main(["register", "migrate", "--from", str(source), "--to", team]) == 4
    err = capsys.readouterr().err
    assert "already holds another rating register (11 entries" in err and "nothing was copied" in err
    assert count(team) == 11


def test_migrate_into_another_non_empty_register_is_refused(team, tmp_path, capsys):
    with open_register(team) as pg:
        pg.record_run({"run_id": "THEIRS", "as_of": "2026-01-31"}, [{"customer_id": "X"}])
        before = pg.head()
    source = tmp_path / "desk.sqlite"
    sqlite_register(source)
    assert main(["register", "migrate", "--from", str(source), "--to", team]) == 4
    assert "nothing was copied" in capsys.readouterr().err
    with open_register(team, readonly=True) as pg:
        assert pg.head() == before and pg.count() == 2 and pg.key() is None


def test_a_source_that_does_not_verify_is_not_moved(team, tmp_path, capsys):
    source = tmp_path / "desk.sqlite"
    sqlite_register(source)
    with sqlite3.connect(source, isolation_level=None) as db:
        db.execute("DROP TRIGGER entries_no_update")
        db.execute("UPDATE entries SET payload = '{\"x\":1}' WHERE seq = 3")
    assert main(["register", "migrate", "--from", str(source), "--to", team]) == 3
    assert "does not verify (1 problems" in capsys.readouterr().err
    assert count(team) == 0


# ---------------------------------------------------------------- register init

def test_register_init_twice_is_harmless(pg_url, capsys):
    assert main(["register", "init", pg_url]) == 0
    first = capsys.readouterr().out
    assert "created the rating register (schema credit_desk, format 1)" in first
    with open_register(pg_url) as reg:
        record_three(reg)
        head = reg.head()
    assert main(["register", "init", pg_url]) == 0
    again = capsys.readouterr().out
    assert "was there already (format 1, 8 entries): kept as it was" in again
    assert "Roles there already, kept: credit_desk_owner, credit_desk_clerk, credit_desk_auditor" in again
    with open_register(pg_url) as reg:
        assert reg.head() == head and reg.verify() == []
    with psycopg.connect(pg_url) as db:
        assert db.execute("SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'credit_desk'"
                          ).fetchone()[0] == "credit_desk_owner"
        assert db.execute("SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'credit_desk.entries'::regclass "
                          "AND NOT tgisinternal").fetchone()[0] == 3  # not doubled by the second run


def test_register_init_by_a_login_that_is_not_a_superuser_is_told_so_and_changes_nothing(pg_url, pg_server, capsys):
    """A login with CREATEROLE and CREATE on the database, not a superuser: register init is refused in
    words for IT (a superuser's login is needed), not the clerk role's message, and leaves no schema."""
    name = f"cd_it_{uuid.uuid4().hex[:6]}"
    with pg_server.connect() as db:
        db.execute(f'CREATE ROLE "{name}" LOGIN CREATEROLE')
        db.execute(f'GRANT CREATE ON DATABASE "{database(pg_url)}" TO "{name}"')
    try:
        assert main(["register", "init", pg_server.url_for(database(pg_url), user=name)]) == 4
        err = capsys.readouterr().err
        assert "needs a superuser's login" in err and "Nothing was created or changed" in err
        assert "clerk role" not in err
        with psycopg.connect(pg_url) as db:
            assert db.execute("SELECT to_regnamespace('credit_desk')").fetchone()[0] is None
    finally:
        with pg_server.connect() as db:
            db.execute(f'REVOKE ALL ON DATABASE "{database(pg_url)}" FROM "{name}"')
            db.execute(f'DROP OWNED BY "{name}"')
            db.execute(f'DROP ROLE "{name}"')


def test_the_sql_file_runs_as_it_is_twice(pg_url):
    """What IT runs with psql is what init runs; the file alone is idempotent too."""
    sql = (templates_dir() / "register" / "postgresql.sql").read_text(encoding="utf-8")
    with psycopg.connect(pg_url, autocommit=True) as db:
        for _ in range(2):
            with db.transaction():
                db.execute(sql)
        assert db.execute("SELECT value FROM credit_desk.meta WHERE key = 'schema_version'").fetchone()[0] == "1"
    with open_register(pg_url) as reg:
        assert reg.head().seq == 0


def test_a_newer_format_is_refused(team, capsys):
    with psycopg.connect(team, autocommit=True) as db:
        db.execute("UPDATE credit_desk.meta SET value = '2' WHERE key = 'schema_version'")  # as its owner would
    for readonly in (False, True):
        with pytest.raises(RegisterError) as exc:
            open_register(team, readonly=readonly)
        assert exc.value.code == "error.register.newer_team" and exc.value.values["version"] == "2"
    assert "upgraded by a newer Credit Desk (format 2, this program reads 1)" in str(exc.value)
    # a team register is chosen under 评级登记簿设置, not the desktop file's 评级登记簿位置
    chinese = exc.value.text("zh")
    assert "格式 2" in chinese and "评级登记簿设置" in chinese and "登记簿位置" not in chinese
    assert main(["verify-register", "--register", team]) == 3
    assert main(["register", "init", team]) == 3
    assert "newer Credit Desk" in capsys.readouterr().err
    # a newer format that renamed a column is still said to be newer, not "not a register"
    with psycopg.connect(team, autocommit=True) as db:
        db.execute("ALTER TABLE credit_desk.entries RENAME COLUMN payload TO body")
    with pytest.raises(RegisterError) as exc:
        open_register(team, readonly=True)
    assert exc.value.code == "error.register.newer_team"


def test_a_password_libpq_quotes_as_written_is_masked_in_the_log_too(pg_server, logs):
    """A password with a percent sign that is not an escape: libpq quotes the URL part it cannot read,
    as written; neither that nor the decoded password reaches a message or the log."""
    host = pg_server.url_for().split("@", 1)[1].split("/", 1)[0]
    for secret in ("s3cr%41t%zz", "p@ss%2Fword"):
        url = f"postgresql://postgres:{secret}@{host}/postgres"
        with pytest.raises(RegisterError) as exc:
            open_register(url, readonly=True)
        said = exc.value.text("en") + exc.value.text("zh") + exc.value.detail + logs()
        assert secret not in said and "s3crAt" not in said and "ss/word" not in said, said


@pytest.mark.parametrize("url", ["postgresql://clerk:pa?ss/w@rd@dbhost:5432/finance",
                                 "postgresql://clerk@dbhost:5432/finance?pass%77ord=pa%3Fss%2Fw%40rd",
                                 "postgresql://clerk@dbhost:5432/finance?sslmode=disable&PASSWORD=pa%3Fss%2Fw%40rd"])
def test_a_password_with_url_characters_is_never_shown(url):
    """A password holding "?", "/" or "@" as typed, or given by a query parameter whose name is written
    percent-encoded or in capitals (libpq reads both): shown, kept and logged without it."""
    from desktop.io.register_pg import _scrub
    for text in (shown(url), str(without_password(url)), _scrub(f"could not connect to {url}", url)):
        assert "pa?ss" not in text and "w@rd" not in text and "pa%3Fss" not in text, text
        assert "dbhost:5432/finance" in text
    assert url_password(url) == "pa?ss/w@rd"


def test_a_login_that_may_create_functions_cannot_put_its_own_hash_before_the_servers(team, pg_server):
    """A clerk whose login may create objects in a schema (public, on servers before PostgreSQL 15)
    defines its own sha256() and puts that schema first: the chain trigger still computes with the
    server's functions (its own search_path) and refuses the forged entry."""
    name = f"cd_sly_{uuid.uuid4().hex[:6]}"
    with pg_server.connect() as db:
        db.execute(f'CREATE ROLE "{name}" LOGIN')
        db.execute(f'GRANT credit_desk_clerk TO "{name}"')
    with pg_server.connect(database(team)) as db:
        db.execute(f'GRANT CREATE, USAGE ON SCHEMA public TO "{name}"')
    forged = ("0" * 64 + "|1|run|R9||{}").encode()
    try:
        with psycopg.connect(pg_server.url_for(database(team), user=name), autocommit=True) as db:
            db.execute("CREATE FUNCTION public.sha256(bytea) RETURNS bytea LANGUAGE sql AS $$ SELECT '\\x00'::bytea $$")
            db.execute("SET search_path = public, pg_catalog")
            with pytest.raises(psycopg.errors.IntegrityError):
                db.execute("INSERT INTO credit_desk.entries (seq, kind, run_id, customer_id, payload, prev_hash, hash) "
                           "VALUES (1, 'run', 'R9', NULL, '{}', %s, '00')", ("0" * 64,))
        assert count(team) == 0 and forged
    finally:
        with pg_server.connect(database(team)) as db:
            db.execute("DROP FUNCTION IF EXISTS public.sha256(bytea)")
            db.execute(f'REVOKE ALL ON SCHEMA public FROM "{name}"')
            db.execute(f'DROP OWNED BY "{name}"')
        with pg_server.connect() as db:
            db.execute(f'DROP ROLE "{name}"')


def test_a_silent_network_is_found_dead_within_a_minute(team):
    """TCP keepalives and a user timeout on every connection: a job waiting on a server whose network
    went silent ends with its message instead of waiting for hours."""
    with open_register(team, readonly=True) as reg:
        used = reg.db.info.get_parameters()
    assert used["keepalives"] == "1" and int(used["keepalives_idle"]) * 1 + 4 * 5 <= 60
    assert int(used["tcp_user_timeout"]) <= 60_000


def test_a_database_without_the_register_or_with_another_schema(pg_url):
    with pytest.raises(RegisterError) as exc:
        open_register(pg_url, readonly=True)
    assert exc.value.code == "error.register.pg_no_schema"
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("CREATE SCHEMA credit_desk")
        db.execute("CREATE TABLE credit_desk.entries (seq int)")
        db.execute("CREATE TABLE credit_desk.meta (key text, value text)")
    with pytest.raises(RegisterError) as exc:
        open_register(pg_url)
    assert exc.value.code == "error.register.pg_foreign"


# ---------------------------------------------------------------- roles and faults

def test_roles_clerk_appends_auditor_reads_others_nothing(team, pg_server):
    clerk, auditor, nobody = (login(pg_server, team, r) for r in ("clerk", "auditor", None))
    with open_register(clerk) as reg:
        record_three(reg)
        reg.record_run({"run_id": "K", "as_of": "2026-07-31"}, [])
        reg.commit(reg.prepare([("run", "K2", None, {"run_id": "K2", "decisions": 0})], "K2", b"k" * 32))
        assert reg.key() == b"k" * 32
    with open_register(auditor, readonly=True) as reg:
        assert reg.verify() == [] and reg.head().seq == 10 and len(reg.history("C1")) == 2
        with pytest.raises(RegisterError) as exc:
            reg.key()  # the key is the clerks' alone
        assert exc.value.code == "error.register.pg_no_key" and "可以查看" in exc.value.text("zh")
    with pytest.raises(RegisterWriteError) as exc:
        with open_register(auditor) as reg:
            reg.record_run({"run_id": "A1"}, [])
    assert exc.value.code == "error.register.pg_permission_write"
    assert "nothing was recorded" in str(exc.value)
    with pytest.raises(RegisterError) as exc:
        open_register(nobody, readonly=True)
    assert exc.value.code == "error.register.pg_permission"
    assert "ask IT to grant it" in str(exc.value) and "评级登记簿" in exc.value.text("zh")
    assert count(team) == 10


def test_the_auditors_login_rating_is_told_it_may_read_not_record_and_nothing_is_written(team, pg_server, tmp_path,
                                                                                       capsys):
    """An auditor's login set as the register of a rating run: refused before anything is written, in
    words that do not tell IT to grant the reading rights it has (the refusal used to say "may not
    read … grant the clerk or auditor role")."""
    auditor = login(pg_server, team, "auditor")
    out = tmp_path / "results.xlsx"
    code = main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--forms", str(tmp_path / "f.xlsx"),
                 "--register", auditor])
    err = capsys.readouterr().err
    assert code != 0 and list(tmp_path.iterdir()) == []
    assert "may read the rating register but not use its seal key" in err and "Nothing was recorded" in err
    assert "may not read" not in err and count(team) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_server_a_missing_database_and_a_refused_login(pg_server, team, logs):
    host = pg_server.url_for().split("@", 1)[1].split("/", 1)[0]
    cases = {
        f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/x": "error.register.pg_unreachable",
        f"postgresql://postgres:{PASSWORD}@{host}/no_such_db_{uuid.uuid4().hex[:6]}": "error.register.pg_no_database",
        f"postgresql://nobody_{uuid.uuid4().hex[:6]}:{PASSWORD}@{host}/postgres": "error.register.pg_auth",
        f"postgresql://postgres:{PASSWORD}@127.0.0.1:notaport/x": "error.register.pg_bad_url",
    }
    for url, code in cases.items():
        for readonly in (True, False):
            with pytest.raises(RegisterError) as exc:
                open_register(url, readonly=readonly)
            want = code + ("_write" if not readonly and code != "error.register.pg_bad_url" else "")
            assert exc.value.code == want, (url, exc.value.code, exc.value.detail)
            assert isinstance(exc.value, RegisterWriteError) == (want.endswith("_write"))
            for lang in ("zh", "en"):
                assert PASSWORD not in exc.value.text(lang) and shown(url) in exc.value.text(lang)
            assert PASSWORD not in exc.value.detail
    assert PASSWORD not in logs() and f"postgres:***@127.0.0.1:{host.split(':')[1]}/no_such_db" in logs()


def test_a_connection_lost_while_recording_leaves_no_partial_run(team, monkeypatch):
    with open_register(team) as reg:
        record_three(reg)
        before = reg.head()
    original = register_pg.PgRegister._insert

    def insert_then_lose_the_connection(self, entries):
        pid = self.db.info.backend_pid
        half = entries[: len(entries) // 2]
        original(self, half)  # half the run is in, inside the transaction
        with psycopg.connect(team, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        original(self, entries[len(half):])

    monkeypatch.setattr(register_pg.PgRegister, "_insert", insert_then_lose_the_connection)
    with pytest.raises(RegisterWriteError) as exc:
        with open_register(team) as reg:
            reg.record_run({"run_id": "LOST", "as_of": "2026-08-31"},
                           [{"customer_id": f"C{n}", "level": "A"} for n in range(40)])
    assert exc.value.code == "error.register.pg_dropped_write"
    assert "none of it" in str(exc.value) and "不会只登记一部分" in exc.value.text("zh")
    monkeypatch.undo()
    with open_register(team) as reg:
        assert reg.head() == before and not reg.has_run("LOST") and reg.verify() == []
        assert count(team, "decision") == 4


@pytest.fixture
def commit_reply_lost(monkeypatch):
    """The next run's COMMIT reaches the server and is made, and the connection is lost before the reply
    comes back (a network cut at that moment): what the program sees is a lost connection."""
    import contextlib
    real_transaction, real_insert = psycopg.Connection.transaction, register_pg.PgRegister._insert
    sent = []

    def insert(self, entries):
        real_insert(self, entries)
        if kinds[0] in {e[1] for e in entries}:
            sent.append(self.db)

    @contextlib.contextmanager
    def transaction(conn, *args, **kwargs):
        with real_transaction(conn, *args, **kwargs) as tx:
            yield tx
        if conn in sent:
            sent.remove(conn)
            conn.close()
            raise psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")
    monkeypatch.setattr(register_pg.PgRegister, "_insert", insert)
    monkeypatch.setattr(psycopg.Connection, "transaction", transaction)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    kinds = ["nothing yet"]

    def arm() -> None:  # from the next run on
        kinds[0] = "run"
    monkeypatch.arm = arm
    return monkeypatch


def test_a_run_committed_as_the_connection_was_lost_is_found_recorded_and_its_outputs_kept(team, tmp_path, capsys,
                                                                                         commit_reply_lost):
    """The server made the commit, the reply was lost: asked again on a new connection, the run is found
    there, so score keeps its outputs (their audit sheet's head is the register's) and says nothing failed;
    it never says "not recorded" for a run that was, which would have the clerk rate it twice."""
    with open_register(team) as reg:
        record_three(reg)
        before, runs_before = reg.head(), len(reg.runs())
    commit_reply_lost.arm()
    out = tmp_path / "results.xlsx"
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--register", team]) == 0
    commit_reply_lost.undo()
    with open_register(team, readonly=True) as reg:
        head, runs = reg.head(), reg.runs()
        assert reg.verify() == [] and len(runs) == runs_before + 1 and head.seq == before.seq + 43
    assert out.exists() and str(head) in sheet_text(out)
    assert "not recorded" not in capsys.readouterr().err


def test_a_connection_lost_at_the_commit_with_the_server_gone_is_said_unknown_not_unrecorded(team, tmp_path, capsys,
                                                                                            commit_reply_lost):
    """The same loss, and the server cannot be asked again: neither "recorded" nor "not recorded" is
    said, but that it is not known, with the entry to look for; no output is written (the commit rule)."""
    with open_register(team) as reg:
        record_three(reg)
    commit_reply_lost.arm()
    commit_reply_lost.setattr(register_pg, "holds", lambda *args, **kwargs: None)
    with pytest.raises(RegisterWriteError) as exc:
        with open_register(team) as reg:
            reg.record_run({"run_id": "MAYBE", "as_of": "2026-08-31"}, [{"customer_id": "C1", "level": "A"}])
    assert exc.value.code == "error.register.pg_unsure_write"
    assert "#10 " in exc.value.text("zh") and "不能确定本次评级是否已登记" in exc.value.text("zh")
    out = tmp_path / "results.xlsx"
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--register", team]) != 0
    err = capsys.readouterr().err
    assert "not known whether the run was recorded" in err and not out.exists()
    assert list(tmp_path.iterdir()) == []  # no half-written or stray file beside it


def test_writers_at_once_keep_one_chain(team):
    """Four connections appending runs at once: every run there, one chain, no number twice."""
    import threading
    errors = []

    def writer(n: int) -> None:
        try:
            with open_register(team) as reg:
                for k in range(5):
                    reg.record_run({"run_id": f"W{n}-{k}", "as_of": "2026-01-31"},
                                   [{"customer_id": f"C{i}", "level": "A"} for i in range(20)])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with open_register(team, readonly=True) as reg:
        assert len(reg.runs()) == 20 and reg.head().seq == 20 * 21 and reg.verify() == []


# ---------------------------------------------------------------- the command line, end to end

def sheet_text(path: Path) -> str:
    import openpyxl
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                         if c is not None)
    finally:
        wb.close()


@pytest.mark.parametrize("scheme", ["postgres-ql", "postgresq", "http", "pgsql"])
def test_a_mistyped_address_is_refused_never_made_a_register_file(scheme, tmp_path, monkeypatch, capsys, logs):
    """An address with a scheme that is not a database server's: the run is refused before anything is
    written, in both languages the address is shown with its password masked, and no register file is
    made under a name like ``postgres-ql:/clerk:…`` in the working folder (a team's runs would have gone
    into a file on one desktop)."""
    monkeypatch.chdir(tmp_path)
    url = f"{scheme}://clerk:{PASSWORD}@dbhost:5432/finance"
    out = tmp_path / "results.xlsx"
    code = main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--register", url])
    err = capsys.readouterr().err
    assert code != 0 and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["logs"]  # no register file, no stray output
    assert f"{scheme}://clerk:***@dbhost:5432/finance" in err and "postgresql://" in err
    for verb in (["history", "C0001"], ["verify-register"]):
        assert main([*verb, "--register", url]) != 0
        assert "postgresql://" in capsys.readouterr().err
    with pytest.raises(RegisterError) as exc:
        open_register(url, readonly=True)
    assert exc.value.code == "error.register.pg_bad_url" and "用户名@服务器" in exc.value.text("zh")
    assert PASSWORD not in exc.value.text("zh") + exc.value.text("en") + err + logs()
    assert shown(url) == f"{scheme}://clerk:***@dbhost:5432/finance" and is_url(url)
    assert not is_url("C://共享/登记簿.sqlite")  # a drive letter is one letter: never an address
    assert not is_url("C:/登记簿.sqlite") and not is_url(r"\\server\share\r.sqlite")


def test_score_records_in_the_team_register_and_verify_register_reads_it(team, tmp_path, capsys, logs):
    url = with_password(team)
    out = tmp_path / "results.xlsx"
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--json", str(tmp_path / "s.json"),
                 "--register", url, "--operator", "王会计"]) == 0
    printed = capsys.readouterr()
    with open_register(team, readonly=True) as reg:
        runs = reg.runs()
        head = reg.head()
        assert len(runs) == 1 and runs[0]["decisions"] == 42 and runs[0]["operator"] == "王会计"
        assert reg.verify() == [] and head.seq == 43 and reg.key() is not None
    text = sheet_text(out)
    assert str(head) in text  # the audit sheet's register entry
    assert main(["verify-register", "--register", url, "--head", str(head), "--due", "2026-09-30"]) == 0
    verified = capsys.readouterr().out
    assert f"{shown(url)}: intact ({head})" in verified and "review due 2026-09-30: C0035" in verified
    assert main(["history", "C0035", "--register", url]) == 0
    assert runs[0]["run_id"] in capsys.readouterr().out
    assert f"recorded in the rating register {shown(url)} as {head}" in logs()
    everything = printed.out + printed.err + verified + logs() + text + (tmp_path / "s.json").read_text("utf-8")
    assert PASSWORD not in everything


def test_backtest_and_compare_read_the_team_register_and_show_no_password(team, tmp_path, capsys, logs):
    url = with_password(team)
    for as_of in ("2026-05-31", "2026-06-30"):
        assert main(["score", *SAMPLES, "--as-of", as_of, "--out", str(tmp_path / f"{as_of}.xlsx"),
                     "--register", url]) == 0
    with open_register(team, readonly=True) as reg:
        b, a = (r["run_id"] for r in reg.runs())
    assert main(["compare", "--run", a, "--run-b", b, "--register", url, "--json", str(tmp_path / "c.json"),
                 "--out", str(tmp_path / "c.xlsx")]) == 0
    history = sorted(str(p) for p in (templates_dir() / "samples-history").iterdir())
    assert main(["backtest", *SAMPLES, *history, "--as-of", "2026-11-30", "--register", url,
                 "--json", str(tmp_path / "b.json")]) == 0
    printed = capsys.readouterr()
    assert f"{shown(url)}" in printed.out
    data = json.loads((tmp_path / "b.json").read_text("utf-8"))
    assert PASSWORD not in json.dumps(data, ensure_ascii=False)
    files = "".join((tmp_path / n).read_text("utf-8") for n in ("b.json", "c.json")) + sheet_text(tmp_path / "c.xlsx")
    assert shown(url) in sheet_text(tmp_path / "c.xlsx")  # the comparison's audit facts name the register
    assert PASSWORD not in printed.out + printed.err + logs() + files


def test_the_crash_journal_keeps_the_url_without_its_password(team, tmp_path):
    from desktop.io import safe_write
    url = with_password(team)
    kept = without_password(url)
    assert kept == team and PASSWORD not in kept and shown(url).count("***") == 1
    assert without_password(team + "?password=x&sslmode=disable") == team + "?sslmode=disable"
    with open_register(team) as reg:
        record_three(reg)
        head = reg.head()
    assert safe_write._in_register(kept, str(head)) is True
    assert safe_write._in_register(kept, f"#{head.seq} {'0' * 64}") is False
    assert safe_write._in_register(kept, f"#{head.seq + 1} {head.hash}") is False
    gone = f"postgresql://postgres@127.0.0.1:{free_port()}/x"
    assert safe_write._in_register(gone, str(head)) is None  # cannot tell now

    def journal(tmp: Path, register: str) -> Path:
        target = tmp / "out.xlsx"
        target.write_text("new")
        backup = tmp / "backup.xlsx"
        backup.write_text("old")
        path = tmp / "journal.json"
        path.write_text(json.dumps({"state": "replacing", "register": register, "head": str(head),
                                    "entries": [{"target": str(target), "backup": str(backup),
                                                 "new": safe_write._identity(target)}]}), encoding="utf-8")
        return path

    tmp = tmp_path
    j = journal(tmp, gone)
    assert safe_write._recover(j) is False  # kept for a later start; nothing undone yet
    assert (tmp / "out.xlsx").read_text() == "new" and (tmp / "backup.xlsx").exists()
    j = journal(tmp, kept)  # the server says the job committed: its output stands, the backup goes
    assert safe_write._recover(j) is True
    assert (tmp / "out.xlsx").read_text() == "new" and not (tmp / "backup.xlsx").exists()


def test_a_killed_jobs_journal_is_settled_by_the_next_job_with_the_password_typed_in_this_session(
        team, tmp_path, monkeypatch):
    """A job killed while replacing its outputs, on a team register whose server asks for a password: the
    journal keeps the address without it, so a sweep on its own cannot ask the server and waits. The
    next job given the address with the password (the window's session) settles it: the server holds
    the killed job's entry, so its output stands and its backup goes."""
    import subprocess
    import sys
    import tempfile

    from desktop.io import safe_write
    from desktop.session import HistoryRequest, Session
    with open_register(team) as reg:
        record_three(reg)
        head = reg.head()
    url = with_password(team)
    real_holds = register_pg.holds

    def holds_asking_a_password(location: str, entry: str, timeout: int = 3):
        return real_holds(location, entry, timeout) if PASSWORD in location else None  # login refused
    monkeypatch.setattr(register_pg, "holds", holds_asking_a_password)

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()  # a process that is gone
    folder = Path(tempfile.mkdtemp(prefix=safe_write.SCRATCH_PREFIX))
    (folder / "owner.pid").write_text(dead, encoding="ascii")
    target, backup = tmp_path / "评级结果.xlsx", tmp_path / ".~评级结果.bak"
    target.write_text("new")
    backup.write_text("old")
    (folder / safe_write._JOURNAL).write_text(json.dumps(
        {"state": "replacing", "register": str(without_password(url)), "head": str(head),
         "entries": [{"target": str(target), "backup": str(backup), "new": safe_write._identity(target)}]}),
        encoding="utf-8")
    safe_write.sweep_leftovers()  # a start without the password: cannot tell, nothing undone, kept
    assert folder.exists() and backup.exists() and target.read_text() == "new"
    Session().run(HistoryRequest(url, "C1"))  # the next job, with the password typed in this session
    assert not folder.exists() and not backup.exists() and target.read_text() == "new"


def test_forms_of_one_clerks_run_are_read_back_by_another_clerk_against_the_team_register(team, pg_server, tmp_path):
    """Clerk A (王会计, a login granted credit_desk_clerk) rates the samples and writes the approval
    forms, recorded in the team register and sealed with its key; the sales manager fills them;
    clerk B (another login, another desktop: no file of A's but the filled workbook) reads
    them back against the same register. The decisions are checked against A's run, recorded once,
    and the history shows A as the rating's operator and the approvers; the same forms with a fact
    changed and the digest recomputed without the key are caught; the auditor's login can neither
    check the seals (the key is the clerks') nor record, and writes nothing."""
    import openpyxl
    from test_approvals import TODAY, _fill_typical, errors_of, final, layout_cells, reseal

    from desktop import services, session
    with pg_server.connect() as db:
        for name in ("cd_clerk_a", "cd_clerk_b"):
            if db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone() is None:
                db.execute(f'CREATE ROLE "{name}" LOGIN')
            db.execute(f'GRANT credit_desk_clerk TO "{name}"')
    clerk_a, clerk_b = (with_password(pg_server.url_for(database(team), user=u)) for u in ("cd_clerk_a", "cd_clerk_b"))
    auditor = login(pg_server, team, "auditor")
    a, b = tmp_path / "甲 的电脑", tmp_path / "乙 的电脑"
    a.mkdir()
    rated = services.score(session.ScoreRequest(
        inputs=[Path(s) for s in SAMPLES], as_of=date(2026, 6, 30), out=a / "results.xlsx", forms_out=a / "approvals.xlsx",
        register=clerk_a, operator="王会计"))
    filled = _fill_typical(a / "approvals.xlsx", tmp_path / "销售经理 已填.xlsx")
    b.mkdir()

    def read_back(path: Path, register: str, out: Path) -> session.ApprovalsDone:
        return services.read_approvals(session.ApprovalsRequest(filled=[path], register=register, out=out,
                                                                today=TODAY))
    back = read_back(filled, clerk_b, b / "decisions.xlsx")
    assert errors_of(back) == [] and back.source == "register"
    c7 = final(back, "C0007")
    assert (c7.status, c7.approved_term_days, c7.approved_limit) == ("approved", 120, 500000)
    assert final(back, "C0013").status == "rejected"
    with open_register(auditor, readonly=True) as reg:
        runs = reg.runs()
        assert [(r["run_id"], r["operator"]) for r in runs] == [(rated.run.run_id, "王会计")]
        history = reg.history("C0007")
        assert [(x["status"], x["approved_term_days"]) for x in history[0]["approvals"]] == [("approved", 120)]
        assert reg.verify() == []
        recorded = count(team)

    # a forger changes a fact on the form and recomputes the digest without the register's key
    wb = openpyxl.load_workbook(filled)
    cells = layout_cells(wb)["credit_application"]
    sheet = wb["评定-C0013"]
    sheet.protection.sheet = False
    sheet[cells["item:payment_timeliness:basis"]].value = "加权平均逾期 0.0 天"
    forged = tmp_path / "改过.xlsx"
    wb.save(forged)
    reseal(forged, "评定-C0013", None)
    caught = read_back(forged, clerk_b, b / "decisions-2.xlsx")
    assert ("评定-C0013", cells["digest"], "seal_broken") in errors_of(caught)

    # the auditor's login: the seals cannot be checked without the key, and nothing is recorded or written
    before = count(team)
    with pytest.raises(RegisterError) as refused:
        read_back(filled, auditor, b / "decisions-auditor.xlsx")
    assert refused.value.code == "error.register.pg_no_key"  # may read the entries: not the key
    assert "Nothing was recorded or written" in refused.value.text("en") and "clerk role" in refused.value.text("en")
    assert "未登记任何内容" in refused.value.text("zh") and "经办角色" in refused.value.text("zh")
    assert count(team) == before >= recorded and not (b / "decisions-auditor.xlsx").exists()
    assert sorted(p.name for p in b.iterdir()) == ["decisions-2.xlsx", "decisions.xlsx"]
