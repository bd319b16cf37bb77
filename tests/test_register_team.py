"""A finance team shares one register on PostgreSQL (issue 22): the issue's "Done when" promises.

Eight clerks appending at once lose nothing and keep one chain; an entry changed or deleted by a
superuser behind the program's back is named by ``verify-register``; the clerk's role cannot change
or remove entries and the auditor's cannot read the key or append; a desktop register migrated to the
team's database keeps its head; a connection dropped in the middle of a run leaves no part of it.
Each test has a database of its own (conftest's ``pg_url``), set up as IT would: ``register init``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest
import register_team_writer
from test_register import SAMPLES, decision, run, three_runs

from desktop.cli import main
from desktop.io.register import Register, RegisterError, RegisterWriteError, new_key, open_register
from desktop.messages import CATALOGUE, has_cjk

# How long the eight writers append: a minute in CI (the figure); CREDIT_DESK_TEAM_SECONDS
# may shorten it on a developer's machine.
TEAM_SECONDS = float(os.environ.get("CREDIT_DESK_TEAM_SECONDS", "60"))
WRITERS = 8
ENTRIES = "credit_desk.entries"


def database(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


@pytest.fixture
def team_url(pg_url, capsys) -> str:
    """A database made a register as IT does it (schema and roles by ``credit-desk register init``)."""
    assert main(["register", "init", pg_url]) == 0
    capsys.readouterr()
    return pg_url


@pytest.fixture
def superuser(pg_server, team_url):
    """A superuser's connection to the test's database (autocommit): what IT's administrator can do."""
    with pg_server.connect(database(team_url)) as db:
        yield db


@pytest.fixture
def login(pg_server, team_url):
    """``login(role)``: the URL of a new login granted ``role`` (as IT grants it: GRANT role TO alice)."""
    made: list[str] = []

    def make(role: str) -> str:
        name = f"cd_{role.rsplit('_', 1)[-1]}_{uuid.uuid4().hex[:8]}"
        with pg_server.connect() as db:
            db.execute(f'CREATE ROLE "{name}" LOGIN')
            db.execute(f'GRANT {role} TO "{name}"')
        made.append(name)
        return pg_server.url_for(database(team_url), user=name)

    yield make
    with pg_server.connect(database(team_url)) as db:
        for name in made:
            db.execute(f'DROP OWNED BY "{name}"')
            db.execute(f'DROP ROLE IF EXISTS "{name}"')


def problems_printed(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(("entry #", "entries #", "run "))]


def clean(exc: RegisterError) -> None:
    """A message from the catalogue in both languages, no library's words or traceback."""
    assert exc.code in CATALOGUE and exc.code.startswith("error.register."), exc.code
    assert has_cjk(exc.text("zh"))
    for text in (str(exc), exc.text("zh")):
        assert "Traceback" not in text and "psycopg" not in text.lower() and "\n" not in text


# ------------------------------------------------------------------ eight clerks at once
def test_eight_processes_appending_for_a_minute_lose_nothing_and_keep_one_chain(team_url, superuser, capsys):
    ctx = multiprocessing.get_context("spawn")
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    writers = [ctx.Process(target=register_team_writer.append,
                           args=(team_url, f"W{i}", i, TEAM_SECONDS, ready, go, results)) for i in range(WRITERS)]
    for w in writers:
        w.start()
    try:
        for _ in writers:  # every writer has its connection open: they start together
            assert ready.acquire(timeout=120)
        started = time.monotonic()
        go.set()
        reports = {tag: (recorded, failures) for tag, recorded, failures in
                   (results.get(timeout=TEAM_SECONDS + 300) for _ in writers)}
        elapsed = time.monotonic() - started
    finally:
        for w in writers:
            w.join(timeout=60)
            if w.is_alive():
                w.kill()
    assert [w.exitcode for w in writers] == [0] * WRITERS
    assert {tag: failures for tag, (_, failures) in reports.items() if failures} == {}
    recorded = [r for rec, _ in reports.values() for r in rec]
    assert all(rec for rec, _ in reports.values())  # every writer recorded runs
    n_runs, n_decisions = len(recorded), sum(n for _, n, _, _ in recorded)

    rows = superuser.execute(f"SELECT seq, kind, run_id, prev_hash, hash FROM {ENTRIES} ORDER BY seq").fetchall()
    # no run lost, none recorded that was not reported
    assert sorted(r[2] for r in rows if r[1] == "run") == sorted(run_id for run_id, _, _, _ in recorded)
    assert sum(1 for r in rows if r[1] == "decision") == n_decisions
    assert len(rows) == n_runs + n_decisions
    # one chain: entries 1..N without a gap, no two entries after the same one (no fork)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert superuser.execute(f"SELECT prev_hash, count(*) FROM {ENTRIES} GROUP BY prev_hash "
                             f"HAVING count(*) > 1").fetchall() == []
    assert all(rows[i][3] == rows[i - 1][4] for i in range(1, len(rows)))
    # every head a writer was given is in the chain as it was given, closing its own run
    by_seq = {seq: (run_id, h) for seq, _, run_id, _, h in rows}
    assert all(by_seq.get(seq) == (run_id, h) for run_id, _, seq, h in recorded)
    # each run's decisions follow it directly: two runs never interleave
    sizes = {run_id: n for run_id, n, _, _ in recorded}
    i = 0
    while i < len(rows):
        assert rows[i][1] == "run"
        n = sizes[rows[i][2]]
        assert {(k, r) for _, k, r, _, _ in rows[i + 1:i + 1 + n]} == {("decision", rows[i][2])}
        i += 1 + n
    # the writers did append at once: their runs alternate along the chain
    order = [r[2].split("-")[0] for r in rows if r[1] == "run"]
    assert sum(a != b for a, b in zip(order, order[1:])) > 4 * WRITERS
    with open_register(team_url, readonly=True) as reg:
        assert reg.verify() == []
        assert reg.verify(reg.head()) == []
        runs = reg.runs()
        assert len(runs) == n_runs and sum(r["decisions"] for r in runs) == n_decisions
        assert len(reg.history("C0000")) == n_runs
    per_writer = sorted(len(rec) for rec, _ in reports.values())
    with capsys.disabled():
        print(f"\n{WRITERS} processes appending for {TEAM_SECONDS:g} s ({elapsed:.1f} s in all): {n_runs} runs, "
              f"{n_decisions} decisions, {len(rows)} entries ({n_runs / TEAM_SECONDS:.1f} runs/s; "
              f"{per_writer[0]}-{per_writer[-1]} runs a writer)")


# ------------------------------------------------------------------ tampering behind the program's back
def test_a_row_changed_or_deleted_by_a_superuser_is_found_by_verify_register(team_url, superuser, capsys):
    with open_register(team_url) as reg:
        three_runs(reg)
        head = reg.head()
    assert main(["verify-register", "--register", team_url, "--head", str(head)]) == 0
    assert "intact" in capsys.readouterr().out

    # the triggers refuse even a superuser who goes through the table as it is
    for statement in (f"UPDATE {ENTRIES} SET payload = '{{}}' WHERE seq = 2", f"DELETE FROM {ENTRIES} WHERE seq = 10",
                      f"TRUNCATE {ENTRIES}"):
        with pytest.raises(psycopg.Error):
            superuser.execute(statement)
    assert superuser.execute(f"SELECT count(*) FROM {ENTRIES}").fetchone()[0] == 10

    def behind_the_back(statement: str) -> None:
        superuser.execute(f"ALTER TABLE {ENTRIES} DISABLE TRIGGER ALL")
        superuser.execute(statement)
        superuser.execute(f"ALTER TABLE {ENTRIES} ENABLE TRIGGER ALL")

    behind_the_back(f"UPDATE {ENTRIES} SET payload = replace(payload, '\"level\":\"AA\"', '\"level\":\"AAA\"') "
                    f"WHERE run_id = 'R2' AND customer_id = 'C0007'")
    assert main(["verify-register", "--register", team_url]) == 3
    out = capsys.readouterr().out
    assert problems_printed(out) == ["entry #5 (decision R2 C0007): its content was changed after it was recorded"]
    assert "intact" not in out

    behind_the_back(f"DELETE FROM {ENTRIES} WHERE seq = 3")
    assert main(["verify-register", "--register", team_url]) == 3
    assert problems_printed(capsys.readouterr().out) == [
        "entry #3 is missing (deleted)",
        "entry #4 (run R2): does not follow the entry before it (an entry was deleted or inserted)",
        "entry #5 (decision R2 C0007): its content was changed after it was recorded",
        "run R1: 2 decisions were recorded, 1 are there"]

    behind_the_back(f"DELETE FROM {ENTRIES} WHERE seq >= 9")  # a clean cut: only the audit sheet's head tells
    assert main(["verify-register", "--register", team_url, "--head", str(head)]) == 3
    assert problems_printed(capsys.readouterr().out)[-1] == (
        f"entry #10 ({head.hash[:12]}…) is missing: the register was cut back after it was recorded")


# ------------------------------------------------------------------ roles
def test_the_clerk_cannot_change_or_remove_entries_and_the_auditor_cannot_read_the_key_or_append(
        team_url, superuser, login):
    clerk, auditor = login("credit_desk_clerk"), login("credit_desk_auditor")
    with open_register(clerk) as reg:  # the clerk appends and reads back
        # the first run creates the register's key, as the session records a run (its forms sealed with it)
        reg.commit(reg.prepare(Register.run_rows(run("R0"), [decision("C0001", "A")]), "R0", new_key()))
        three_runs(reg)
        head, key = reg.head(), reg.key()
        assert head.seq == 12 and key is not None and reg.verify() == []
    before = superuser.execute(f"SELECT seq, payload, hash FROM {ENTRIES} ORDER BY seq").fetchall()
    meta_before = superuser.execute("SELECT * FROM credit_desk.meta ORDER BY 1").fetchall()
    secret_before = superuser.execute("SELECT * FROM credit_desk.secret").fetchall()
    assert len(before) == 12 and secret_before
    column = superuser.execute("SELECT quote_ident(column_name) FROM information_schema.columns WHERE "
                               "table_schema = 'credit_desk' AND table_name = 'secret' "
                               "ORDER BY ordinal_position").fetchone()[0]

    with psycopg.connect(clerk, autocommit=True) as db:
        for statement in (f"UPDATE {ENTRIES} SET payload = '{{}}' WHERE seq = 2",
                          f"DELETE FROM {ENTRIES} WHERE seq = 10",
                          f"TRUNCATE {ENTRIES}",
                          f"ALTER TABLE {ENTRIES} DISABLE TRIGGER ALL",  # only the owner may
                          f"DROP TABLE {ENTRIES}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)
        for statement in ("UPDATE credit_desk.meta SET value = '99' WHERE key = 'schema_version'",
                          "DELETE FROM credit_desk.meta", f"UPDATE credit_desk.secret SET {column} = {column}",
                          "DELETE FROM credit_desk.secret", "TRUNCATE credit_desk.secret"):
            with pytest.raises(psycopg.Error):  # refused, by the rights or by a trigger
                db.execute(statement)
    assert superuser.execute(f"SELECT seq, payload, hash FROM {ENTRIES} ORDER BY seq").fetchall() == before
    assert superuser.execute("SELECT * FROM credit_desk.meta ORDER BY 1").fetchall() == meta_before
    assert superuser.execute("SELECT * FROM credit_desk.secret").fetchall() == secret_before

    with psycopg.connect(auditor, autocommit=True) as db:
        assert db.execute(f"SELECT count(*) FROM {ENTRIES}").fetchone()[0] == 12  # reads every entry
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("SELECT * FROM credit_desk.secret")
        for statement in (f"INSERT INTO {ENTRIES} SELECT seq + 100, kind, run_id, customer_id, payload, prev_hash, "
                          f"hash FROM {ENTRIES} WHERE seq = 12",
                          "INSERT INTO credit_desk.meta VALUES ('x', 'y')",
                          f"UPDATE {ENTRIES} SET payload = '{{}}' WHERE seq = 2", f"DELETE FROM {ENTRIES}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)
        # the key is in no table the auditor may read
        readable = [t for (t,) in db.execute(
            "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_schema = 'credit_desk' AND has_table_privilege(current_user, "
            "quote_ident(table_schema) || '.' || quote_ident(table_name), 'SELECT')")]
        assert f"{ENTRIES}" in readable and "credit_desk.meta" in readable
        for table in readable:
            dump = " ".join(bytes(v).hex() if isinstance(v, (bytes, memoryview)) else str(v)
                            for row in db.execute(f"SELECT * FROM {table}") for v in row)
            assert key.hex() not in dump.lower(), table
    with open_register(auditor, readonly=True) as reg:  # the auditor verifies and reads the history
        assert reg.verify(head) == [] and [h["level"] for h in reg.history("C0007")] == ["A", "AA", "B"]
    with pytest.raises(RegisterWriteError) as refused, open_register(auditor) as reg:  # at opening or recording
        reg.record_run(run("R4"), [decision("C0007", "A")])
    clean(refused.value)
    assert superuser.execute(f"SELECT count(*) FROM {ENTRIES}").fetchone()[0] == 12


# ------------------------------------------------------------------ moving a desktop register to the team
def test_migrate_from_a_desktop_register_keeps_the_head(tmp_path, team_url, capsys):
    file = tmp_path / "评级 登记簿.sqlite"
    for k in range(2):  # the app's own runs: 42 decisions each, with bands, rules and seals
        assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(tmp_path / f"r{k}.xlsx"),
                     "--register", str(file)]) == 0
    with Register(file, readonly=True) as reg:
        head, runs, key, history = reg.head(), reg.runs(), reg.key(), reg.history("C0007")
    assert head.seq == 86 and len(runs) == 2
    capsys.readouterr()
    assert main(["register", "migrate", "--from", str(file), "--to", team_url]) == 0
    with open_register(team_url, readonly=True) as reg:
        assert reg.head() == head
        assert reg.verify() == [] and reg.verify(head) == []
        assert reg.runs() == runs and reg.history("C0007") == history
        assert reg.key() == key  # the approval forms of those runs still match their seals
    assert main(["verify-register", "--register", team_url, "--head", str(head)]) == 0
    assert "intact" in capsys.readouterr().out

    main(["register", "migrate", "--from", str(file), "--to", team_url])  # again: nothing copied twice
    with open_register(team_url, readonly=True) as reg:
        assert reg.head() == head and reg.verify() == []
    # the team goes on from there
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(tmp_path / "r2.xlsx"),
                 "--register", team_url]) == 0
    with open_register(team_url, readonly=True) as reg:
        assert reg.head().seq == 129 and len(reg.runs()) == 3
        assert reg.verify(head) == [] and reg.verify(reg.head()) == []


# ------------------------------------------------------------------ a connection dropped mid-run
PAUSE = """
CREATE FUNCTION public.credit_desk_test_pause() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'decision' AND NEW.customer_id = %s THEN PERFORM pg_sleep(120); END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER credit_desk_test_pause BEFORE INSERT ON credit_desk.entries
  FOR EACH ROW EXECUTE FUNCTION public.credit_desk_test_pause();
"""


class Dropper(threading.Thread):
    """From another connection: every backend of the test's database that reaches the pause (the
    run's entries half inserted) is terminated (pg_terminate_backend), until ``done`` is set.
    ``seen``: what another connection saw of the run meanwhile (its entries, uncommitted: none)."""

    def __init__(self, pg_server, name: str, run_id: str | None):
        super().__init__(daemon=True)
        self.pg_server, self.name, self.run_id = pg_server, name, run_id
        self.done, self.terminated, self.seen = threading.Event(), 0, []

    def run(self) -> None:
        with self.pg_server.connect(self.name) as db:
            while not self.done.is_set():
                pids = [pid for (pid,) in db.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
                    "pg_backend_pid() AND wait_event = 'PgSleep'")]
                for pid in pids:
                    if self.run_id is not None:
                        self.seen.append(db.execute(f"SELECT count(*) FROM {ENTRIES} WHERE run_id = %s",
                                                    (self.run_id,)).fetchone()[0])
                    db.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    self.terminated += 1
                time.sleep(0.02)


def test_a_connection_dropped_mid_run_leaves_no_partial_run(pg_server, team_url, superuser):
    superuser.execute(PAUSE.replace("%s", "'C10000'"))
    with open_register(team_url) as reg:
        reg.record_run(run("R1"), [decision("C1", "A")])
        head = reg.head()
    dropper = Dropper(pg_server, database(team_url), "BIG")
    dropper.start()
    try:
        with open_register(team_url) as reg, pytest.raises(RegisterWriteError) as caught:
            reg.record_run(run("BIG"), [decision(f"C{n:05d}", "AA") for n in range(20_000)])
    finally:
        dropper.done.set()
        dropper.join(timeout=30)
    assert dropper.terminated >= 1 and dropper.seen and set(dropper.seen) == {0}
    clean(caught.value)
    superuser.execute("DROP TRIGGER credit_desk_test_pause ON credit_desk.entries")
    assert superuser.execute(f"SELECT count(*) FROM {ENTRIES} WHERE run_id = 'BIG'").fetchone()[0] == 0
    with open_register(team_url) as reg:
        assert reg.head() == head and not reg.has_run("BIG") and reg.verify() == []
        after = reg.record_run(run("R2"), [decision("C1", "A")])  # the register goes on where it was
        assert after.seq == head.seq + 2 and reg.verify(after) == []


def test_a_run_of_the_app_whose_connection_drops_writes_no_output(pg_server, team_url, superuser, tmp_path, capsys):
    """The session's commit rule: the run is recorded before its files are put in place; recording
    failed, so no file is written and the command says why in one line."""
    superuser.execute(PAUSE.replace("%s", "'C0020'"))
    dropper = Dropper(pg_server, database(team_url), None)
    dropper.start()
    out = tmp_path / "评级结果.xlsx"
    try:
        code = main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--register", team_url])
    finally:
        dropper.done.set()
        dropper.join(timeout=30)
    err = capsys.readouterr().err
    assert dropper.terminated >= 1
    assert code == 4 and not out.exists() and not list(tmp_path.rglob("*.xlsx"))
    assert err.strip().splitlines()[-1].startswith("credit-desk: ") and "Traceback" not in err
    superuser.execute("DROP TRIGGER credit_desk_test_pause ON credit_desk.entries")
    with open_register(team_url, readonly=True) as reg:
        assert reg.runs() == [] and reg.verify() == []
