"""The rating register: history, reviews due, tamper detection, refusing foreign files, two writers at once.

The tests of the register's promises through its public API (record, history, reviews due, verify,
tampering) run on both backends (conftest's ``register_location``: an SQLite file, a PostgreSQL
database); those of the SQLite file itself (its journal, locks, damage, paths) on SQLite alone."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.errors import OutputFileError
from desktop.io import register
from desktop.io.register import (
    Head,
    Register,
    RegisterError,
    RegisterWriteError,
    is_url,
    open_register,
)
from desktop.paths import default_register_path, templates_dir

SAMPLES = sorted(str(p) for p in (templates_dir() / "samples").iterdir())


def run(run_id: str, as_of: str = "2026-06-30") -> dict:
    return {"run_id": run_id, "started": f"{as_of}T09:00:00", "operator": "clerk", "program_version": "1.0",
            "as_of": as_of, "policy_sha256": "p" * 64, "inputs": [{"file": "客户.xlsx", "sha256": "f" * 64, "rows": 2}]}


def decision(cid: str, level: str, review: str = "2027-06-30", term: int = 45) -> dict:
    return {"customer_id": cid, "name": f"客户{cid}", "total": 70, "level": level, "raw_level": level,
            "term_days": term, "limit": 100000, "route": "none", "exceeds_policy": False, "next_review": review,
            "rules": ["R1"]}


def three_runs(reg: Register) -> None:
    """C0007 goes A → AA → B; its run-2 decision was approved with 90 days (entries: run 1, 4, 7; approval 10)."""
    for n, (level, as_of) in enumerate([("A", "2025-06-30"), ("AA", "2025-12-31"), ("B", "2026-06-30")], start=1):
        reg.record_run(run(f"R{n}", as_of), [decision("C0007", level), decision("C0008", "A")])
    reg.record_approvals([{"run_id": "R2", "customer_id": "C0007", "status": "approved", "approved_term_days": 90,
                           "approved_limit": 200000.0, "final_level": "AA", "approvers": ["王经理"],
                           "decided_on": "2026-01-05", "forms": ["approval.xlsx"]}])


def test_history_of_one_customer_over_three_runs(register_location):
    with open_register(register_location) as reg:
        three_runs(reg)
        hist = reg.history("C0007")
        assert [(h["run_id"], h["as_of"], h["level"], h["level_change"]) for h in hist] == [
            ("R1", "2025-06-30", "A", ""), ("R2", "2025-12-31", "AA", "A→AA"), ("R3", "2026-06-30", "B", "AA→B")]
        assert [(a["status"], a["approved_term_days"], a["approved_limit"]) for a in hist[1]["approvals"]] == \
            [("approved", 90, 200000.0)]
        assert hist[0]["approvals"] == [] and hist[2]["approvals"] == []
        assert (hist[0]["total"], hist[0]["term_days"], hist[0]["limit"], hist[0]["route"]) == (70, 45, 100000, "none")
        assert [h["level_change"] for h in reg.history("C0008")] == ["", "", ""]
        assert reg.history("nobody") == []
        assert [(r["run_id"], r["decisions"]) for r in reg.runs()] == [("R3", 2), ("R2", 2), ("R1", 2)]
        assert reg.head().seq == 10 and reg.verify() == [] and reg.verify(reg.head()) == []


def test_history_is_in_assessment_date_order(register_location):
    """A back-dated run recorded last still sits in date order."""
    with open_register(register_location) as reg:
        reg.record_run({"run_id": "late", "as_of": "2026-06-30"}, [{"customer_id": "C1", "level": "AA"}])
        reg.record_run({"run_id": "back", "as_of": "2025-06-30"}, [{"customer_id": "C1", "level": "B"}])
        reg.record_approvals([{"run_id": "late", "customer_id": "C1", "status": "rejected",
                               "approved_term_days": None}])
        hist = reg.history("C1")
        assert [(h["run_id"], h["level_change"]) for h in hist] == [("back", ""), ("late", "B→AA")]
        assert [a["status"] for a in hist[1]["approvals"]] == ["rejected"]
        assert reg.verify() == []


def test_reviews_due_use_the_latest_run_per_customer(register_location):
    with open_register(register_location) as reg:
        reg.record_run(run("R1", "2025-06-30"), [decision("C1", "A", "2026-01-01"), decision("C2", "A", "2026-03-01")])
        reg.record_run(run("R2", "2025-12-31"), [decision("C1", "A", "2027-01-01"), decision("C3", "B", "2026-07-01")])
        # recorded last but assessed earliest: it is not C1's latest rating
        reg.record_run(run("R0", "2025-03-31"), [decision("C1", "C", "2025-04-30")])
        assert [(d["customer_id"], d["next_review"], d["run_id"]) for d in reg.reviews_due("2026-06-30")] == \
            [("C2", "2026-03-01", "R1")]
        assert [d["customer_id"] for d in reg.reviews_due("2026-07-01")] == ["C2", "C3"]
        assert [d["customer_id"] for d in reg.reviews_due("2027-01-01")] == ["C2", "C3", "C1"]
        assert reg.reviews_due("2025-01-01") == []


def tamper(location: Path | str, *statements: str | tuple[str, tuple]) -> None:
    """What someone with a raw SQLite tool, or a PostgreSQL superuser, can do: drop or disable the
    triggers, then change or delete entries (``?`` placeholders, table ``entries``)."""
    if is_url(location):
        import psycopg
        with psycopg.connect(str(location), autocommit=True) as db:
            db.execute("SET search_path = credit_desk")
            db.execute("ALTER TABLE entries DISABLE TRIGGER ALL")
            for statement in statements:
                sql, params = (statement, None) if isinstance(statement, str) else statement
                db.execute(sql.replace("?", "%s"), params)
            db.execute("ALTER TABLE entries ENABLE TRIGGER ALL")
        return
    with closing(sqlite3.connect(location, isolation_level=None)) as db:
        db.execute("DROP TRIGGER IF EXISTS entries_no_update")
        db.execute("DROP TRIGGER IF EXISTS entries_no_delete")
        for statement in statements:
            db.execute(*((statement,) if isinstance(statement, str) else statement))


def stored_hash(location: Path | str, seq: int) -> str:
    """Entry ``seq``'s hash as the register holds it (read behind the program's back)."""
    if is_url(location):
        import psycopg
        with psycopg.connect(str(location)) as db:
            return db.execute("SELECT hash FROM credit_desk.entries WHERE seq = %s", (seq,)).fetchone()[0]
    with closing(sqlite3.connect(location)) as db:
        return db.execute("SELECT hash FROM entries WHERE seq = ?", (seq,)).fetchone()[0]


def test_update_and_delete_through_sqlite_are_refused(tmp_path):
    with Register(tmp_path / "r.sqlite") as reg:
        three_runs(reg)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            reg.db.execute("UPDATE entries SET payload = '{}' WHERE seq = 2")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            reg.db.execute("DELETE FROM entries WHERE seq = 10")
        assert reg.head().seq == 10 and reg.verify() == []


def test_changed_entries_are_named(register_location):
    path = register_location
    with open_register(path) as reg:
        three_runs(reg)
    tamper(path, "UPDATE entries SET payload = replace(payload, '\"level\":\"AA\"', '\"level\":\"AAA\"') "
                 "WHERE run_id = 'R2' AND customer_id = 'C0007'")
    with open_register(path) as reg:
        assert reg.verify() == ["entry #5 (decision R2 C0007): its content was changed after it was recorded"]
    tamper(path, "UPDATE entries SET customer_id = 'C0009' WHERE seq = 6",  # a query column, not the payload
           ("UPDATE entries SET hash = ? WHERE seq = 8", ("e" * 64,)))
    with open_register(path) as reg:
        assert reg.verify() == [
            "entry #5 (decision R2 C0007): its content was changed after it was recorded",
            "entry #6 (decision R2 C0009): its content was changed after it was recorded",
            "entry #6 (decision R2 C0009): its kind, customer or run does not match its content",
            "entry #8 (decision R3 C0007): its content was changed after it was recorded",
            "entry #9 (decision R3 C0008): does not follow the entry before it (an entry was deleted or inserted)"]


def test_deleted_entries_are_detected(register_location, another_register_location):
    path = register_location
    with open_register(path) as reg:
        three_runs(reg)
    tamper(path, "DELETE FROM entries WHERE seq = 3")  # a decision in the middle
    with open_register(path) as reg:
        assert reg.verify() == [
            "entry #3 is missing (deleted)",
            "entry #4 (run R2): does not follow the entry before it (an entry was deleted or inserted)",
            "run R1: 2 decisions were recorded, 1 are there"]

    path2 = another_register_location
    with open_register(path2) as reg:
        three_runs(reg)
    tamper(path2, "DELETE FROM entries WHERE run_id = 'R2' AND kind != 'approval'")  # a whole run
    with open_register(path2) as reg:
        assert reg.verify()[:2] == [
            "entries #4–#6 are missing (deleted)",
            "entry #7 (run R3): does not follow the entry before it (an entry was deleted or inserted)"]


def test_a_cut_or_rewritten_tail_is_caught_only_against_a_recorded_head(register_location):
    path = register_location
    with open_register(path) as reg:
        three_runs(reg)
        head = reg.head()
    tamper(path, "DELETE FROM entries WHERE seq >= 7")  # the last run and the approval: a clean cut
    with open_register(path) as reg:
        assert reg.verify() == []  # the chain alone cannot tell
        assert reg.verify(head) == [f"entry #10 ({head.hash[:12]}…) is missing: "
                                    f"the register was cut back after it was recorded"]
        older = Head(4, stored_hash(path, 4))
        assert reg.verify(older) == []  # an older head, still there
        reg.record_run(run("R9"), [decision("C0007", "C")] * 3)  # refilled to the same length, new content
        assert reg.head().seq == 10 and reg.verify() == []
        assert reg.verify(head) == [f"entry #10 is not the one recorded ({head.hash[:12]}…): "
                                    f"the register was rewritten from there on or before"]


def test_a_run_is_all_or_nothing(register_location):
    with open_register(register_location) as reg:
        reg.record_run(run("R1"), [decision("C1", "A")])
        head = reg.head()
        looped: dict = {}
        looped["self"] = looped  # cannot be written as JSON: fails half-way through the run's entries
        with pytest.raises(ValueError):
            reg.record_run({"run_id": "R2"}, [decision("C1", "A"), {"customer_id": "C2", "x": looped}])
        with pytest.raises(RegisterWriteError, match=r"run R1 is already in the rating register"):
            reg.record_run(run("R1"), [decision("C1", "B")])
        assert reg.head() == head and [r["run_id"] for r in reg.runs()] == ["R1"]
        reg.record_run(run("R2"), [decision("C1", "A")])  # the failed attempts left no transaction open
        assert reg.head().seq == 4 and reg.verify() == []


def test_a_register_locked_too_long_gives_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "r.sqlite"
    monkeypatch.setattr(register, "BUSY_TIMEOUT_S", 0.2)
    with Register(path) as reg:
        with closing(sqlite3.connect(path, isolation_level=None)) as other:
            other.execute("BEGIN IMMEDIATE")  # another program holds the write lock throughout
            with pytest.raises(RegisterWriteError, match=r"r\.sqlite: the rating register stayed busy .*nothing "
                                                         r"was recorded") as caught:
                reg.record_run(run("R1"), [decision("C1", "A")])
            other.execute("ROLLBACK")
        assert isinstance(caught.value, OutputFileError)  # the command line and the window report it as such
        reg.record_run(run("R1"), [decision("C1", "A")])
        assert reg.head().seq == 2


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    db = tmp_path / "shared register.sqlite"  # not created beforehand: both writers may create it at once
    writers = [subprocess.Popen([sys.executable, str(Path(__file__).parent / "register_writer.py"), str(db), tag,
                                 "30", "50"]) for tag in ("A", "B")]
    Path(str(db) + ".go").write_text("go", encoding="ascii")
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    with Register(db) as reg:
        runs = reg.runs()
        assert len(runs) == 60 and {r["run_id"] for r in runs} == {f"{t}-{k:03d}" for t in "AB" for k in range(30)}
        assert reg.db.execute("SELECT COUNT(*) FROM entries WHERE kind='decision'").fetchone()[0] == 3000
        assert reg.verify() == []
        assert reg.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert reg.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # each run's decisions follow it directly: two runs never interleave
        rows = reg.db.execute("SELECT kind, run_id FROM entries ORDER BY seq").fetchall()
        assert all(rows[i][0] == "run" and {r for _, r in rows[i:i + 51]} == {rows[i][1]} for i in range(0, 3060, 51))
        assert len(reg.history("C0000")) == 60


def test_twenty_thousand_decisions_in_one_run(register_location):
    with open_register(register_location) as reg:
        head = reg.record_run(run("BIG"), [decision(f"C{n:05d}", "AA") for n in range(20_000)])
        assert head == reg.head() and head.seq == 20_001
        assert reg.runs()[0]["decisions"] == 20_000
        assert [h["level"] for h in reg.history("C19999")] == ["AA"]
        assert reg.verify(head) == []


def test_a_file_that_is_not_a_register_is_refused(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("just some notes", encoding="utf-8")
    with pytest.raises(RegisterError, match=r"notes\.sqlite: not a rating register \(not an SQLite database\); "
                                            r"choose another register file"):
        Register(text)
    assert text.read_text(encoding="utf-8") == "just some notes"

    other = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(other, isolation_level=None)) as db:
        db.execute("CREATE TABLE t (x)")
    before = other.read_bytes()
    with pytest.raises(RegisterError, match=r"other\.sqlite: an SQLite database, but not a rating register; "
                                            r"choose another register file"):
        Register(other)
    assert other.read_bytes() == before  # not even switched to WAL

    newer = tmp_path / "newer.sqlite"
    Register(newer).close()
    with closing(sqlite3.connect(newer, isolation_level=None)) as db:
        db.execute("UPDATE meta SET value = '99'")
    with pytest.raises(RegisterError, match=r"newer\.sqlite: written by a newer Credit Desk .*update Credit Desk"):
        Register(newer)


def test_a_damaged_register_gives_a_clear_message(tmp_path):
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(RegisterError, match=r"broken\.sqlite: the rating register cannot be opened.*restore it "
                                            r"from a backup"):
        Register(broken)

    damaged = tmp_path / "damaged.sqlite"  # opens fine, but data pages in the middle are overwritten
    with Register(damaged) as reg:
        reg.record_run(run("R1"), [decision(f"C{n}", "A") for n in range(5000)])
        reg.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2:len(data) // 2 + 3000] = b"U" * 3000
    damaged.write_bytes(bytes(data))
    with Register(damaged) as reg:
        try:
            problems = reg.verify()
        except RegisterError as exc:  # SQLite stops at the damage, or quick_check lists it: either is reported
            problems = [str(exc)]
    assert problems and any(p.startswith("the file is damaged: ") or
                            "damaged.sqlite: the rating register cannot be read" in p for p in problems)


def test_a_chinese_path_with_spaces(tmp_path):
    path = tmp_path / "信用 管理" / "评级 登记簿 2026.sqlite"  # the folder does not exist yet
    with Register(path) as reg:
        three_runs(reg)
        head = reg.head()
    assert path.is_file()
    with Register(path) as reg:
        assert [h["level"] for h in reg.history("C0007")] == ["A", "AA", "B"]
        assert reg.verify(head) == []


def test_score_records_the_run_and_prints_the_head_on_the_audit_sheet(register_location, tmp_path, capsys):
    import openpyxl
    reg_path = register_location
    out = tmp_path / "r.xlsx"
    for _ in range(2):
        assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--register", str(reg_path)]) == 0
    with open_register(reg_path) as reg:
        runs = reg.runs()
        assert len(runs) == 2 and runs[0]["decisions"] == 42
        hist = reg.history("C0007")
        assert [(h["total"], h["level"], h["term_days"], h["limit"], h["route"]) for h in hist] == \
            [(87, "AA", 60, 480000, "cfo_special")] * 2
        head = reg.head()
    audit = openpyxl.load_workbook(out)["审计信息"]
    values = [c.value for row in audit.iter_rows(max_col=2) for c in row]
    assert str(head) in values
    capsys.readouterr()
    assert main(["history", "C0007", "--register", str(reg_path)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("AA") >= 2 and "2026-06-30" in printed
    assert main(["verify-register", "--register", str(reg_path), "--head", str(head)]) == 0
    assert "intact" in capsys.readouterr().out


def the_default_register() -> Path:
    """The register a run records in unless told otherwise: conftest's fixture points it into a
    folder of its own for each test."""
    path = Path(os.environ["CREDIT_DESK_REGISTER"])
    assert default_register_path() == path and not path.exists()
    return path


def test_score_records_in_the_default_register(tmp_path):
    reg_path = the_default_register()
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(tmp_path / "r.xlsx")]) == 0
    with Register(reg_path) as reg:  # the counterpart of the test below: absence there means something
        runs = reg.runs()
        assert len(runs) == 1 and runs[0]["decisions"] == 42 and runs[0]["as_of"] == "2026-06-30"
        assert reg.verify() == []


def test_score_with_no_register_records_nothing(tmp_path):
    reg_path = the_default_register()
    out = tmp_path / "r.xlsx"
    assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--no-register"]) == 0
    assert out.is_file()
    assert not reg_path.exists() and not list(reg_path.parent.iterdir())
    assert not list(tmp_path.rglob("*.sqlite"))
