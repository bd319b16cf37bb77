"""The rating register: history, tamper detection, and two writers at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from desktop import services
from desktop.cli import main
from desktop.io.register import Register, RegisterError
from desktop.paths import templates_dir

SAMPLES = sorted(str(p) for p in (templates_dir() / "samples").iterdir())


def decision(cid: str, level: str, review: str = "2027-06-30", **more) -> dict:
    return {"customer_id": cid, "name": f"客户{cid}", "total": 70, "level": level, "term_days": 30,
            "limit": 100000, "route": "none", "next_review": review, **more}


def three_runs(reg: Register) -> None:
    for n, (level, as_of) in enumerate([("A", "2025-06-30"), ("AA", "2025-12-31"), ("B", "2026-06-30")], start=1):
        reg.record_run({"run_id": f"R{n}", "as_of": as_of, "policy_sha256": "p" * 64},
                       [decision("C0007", level), decision("C0008", "A")])
    reg.record_approvals("R2", [{"customer_id": "C0007", "status": "approved", "approved_term_days": 90}])


def test_history_of_one_customer_over_three_runs(tmp_path):
    with Register(tmp_path / "信用 登记簿.sqlite") as reg:  # a Chinese name with a space
        three_runs(reg)
        hist = reg.history("C0007")
        assert [(h["run_id"], h["as_of"], h["level"], h["level_change"]) for h in hist] == [
            ("R1", "2025-06-30", "A", ""), ("R2", "2025-12-31", "AA", "A→AA"), ("R3", "2026-06-30", "B", "AA→B")]
        assert [a["approved_term_days"] for a in hist[1]["approvals"]] == [90]
        assert hist[0]["approvals"] == [] and hist[2]["approvals"] == []
        assert [r["run_id"] for r in reg.runs()] == ["R3", "R2", "R1"]
        assert reg.verify() == []


def test_reviews_due_use_the_latest_run(tmp_path):
    with Register(tmp_path / "r.sqlite") as reg:
        reg.record_run({"run_id": "R1"}, [decision("C1", "A", "2026-01-01"), decision("C2", "A", "2026-01-01")])
        reg.record_run({"run_id": "R2"}, [decision("C1", "A", "2027-01-01")])
        assert [d["customer_id"] for d in reg.reviews_due("2026-06-30")] == ["C2"]


def _raw(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TRIGGER entries_no_update")
    db.execute("DROP TRIGGER entries_no_delete")
    return db


def test_tampering_is_detected(tmp_path):
    path = tmp_path / "r.sqlite"
    with Register(path) as reg:
        three_runs(reg)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            reg.db.execute("UPDATE entries SET payload = '{}' WHERE seq = 2")
    # a level changed with a raw SQLite tool
    db = _raw(path)
    db.execute("UPDATE entries SET payload = replace(payload, '\"level\":\"AA\"', '\"level\":\"AAA\"') "
                "WHERE run_id = 'R2' AND customer_id = 'C0007'")
    with Register(path) as reg:
        assert reg.verify() == ["entry #5 (decision R2 C0007): its content was changed after it was recorded"]


def test_deleted_entries_are_detected(tmp_path):
    path = tmp_path / "r.sqlite"
    with Register(path) as reg:
        three_runs(reg)
        head = reg.head()
    db = _raw(path)
    db.execute("DELETE FROM entries WHERE seq = 3")  # a decision in the middle
    with Register(path) as reg:
        problems = reg.verify()
    assert "entries #3–#3 are missing (deleted)" in problems
    assert "run R1: 2 decisions were recorded, 1 are there" in problems

    path2 = tmp_path / "r2.sqlite"
    with Register(path2) as reg:
        three_runs(reg)
        head = reg.head()
    db = _raw(path2)
    db.execute("DELETE FROM entries WHERE seq >= 7")  # the last run and the approval: a clean cut
    with Register(path2) as reg:
        assert reg.verify() == []  # the chain alone cannot tell
        assert reg.verify(head) == [f"entry #{head.seq} is not the one recorded ({head.hash[:12]}…): "
                                    f"the register was cut back or rewritten"]


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    db = tmp_path / "shared register.sqlite"
    Register(db).close()
    writers = [subprocess.Popen([sys.executable, str(Path(__file__).parent / "register_writer.py"), str(db), tag,
                                 "30"]) for tag in ("A", "B")]
    Path(str(db) + ".go").write_text("go")
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    with Register(db) as reg:
        runs = reg.runs()
        assert len(runs) == 60 and {r["run_id"][0] for r in runs} == {"A", "B"}
        assert reg.db.execute("SELECT COUNT(*) FROM entries WHERE kind='decision'").fetchone()[0] == 3000
        assert reg.verify() == []
        assert reg.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # each run's decisions are contiguous: runs never interleave
        kinds = [k for (k,) in reg.db.execute("SELECT kind FROM entries ORDER BY seq")]
        assert all(kinds[i] == "run" for i in range(0, 3060, 51))


def test_a_file_that_is_not_a_register_is_refused(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("just some notes", encoding="utf-8")
    with pytest.raises(RegisterError, match=r"notes.sqlite: not a rating register \(not an SQLite database\)"):
        Register(text)
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(RegisterError, match=r"other.sqlite: an SQLite database, but not a rating register"):
        Register(other)
    assert text.read_text(encoding="utf-8") == "just some notes"


def test_score_records_the_run_and_prints_the_head_on_the_audit_sheet(tmp_path, capsys):
    import openpyxl
    reg_path = tmp_path / "register.sqlite"
    out = tmp_path / "r.xlsx"
    for _ in range(2):
        assert main(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--register", str(reg_path)]) == 0
    with Register(reg_path) as reg:
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


def test_score_service_without_a_register_records_nothing(tmp_path):
    services.score(services.ScoreRequest(inputs=[Path(p) for p in SAMPLES], as_of=date(2026, 6, 30),
                                         out=tmp_path / "r.xlsx"))
    assert not list(tmp_path.glob("*.sqlite"))
