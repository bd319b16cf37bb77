"""The rating register: every run, decision and approval read back, in one SQLite file.

Entries are only ever appended. Each stores the SHA-256 of the previous entry's hash and its
own content, so a changed, inserted or deleted entry breaks the chain and ``verify`` names
it. Triggers refuse UPDATE and DELETE through SQLite; someone who drops them and rewrites
the whole chain from some point on can only be caught against a head recorded elsewhere:
every results workbook prints the register head (entry number and hash) of its run on the
audit sheet, and ``verify(expected_head)`` checks that that entry is still there, unchanged.

Concurrency: WAL journal, and each run is appended in one ``BEGIN IMMEDIATE`` transaction
(read the head, append, commit), so two windows writing at once queue up, never interleave
inside a run and never lose one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import CreditDeskError

SCHEMA_VERSION = 1
GENESIS = "0" * 64
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE entries (
        seq INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,            -- run | decision | approval
        run_id TEXT NOT NULL,
        customer_id TEXT,
        payload TEXT NOT NULL,         -- canonical JSON
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL)""",
    "CREATE INDEX entries_customer ON entries (customer_id, seq)",
    "CREATE INDEX entries_run ON entries (run_id, kind)",
    """CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
        BEGIN SELECT RAISE(ABORT, 'the rating register is append-only'); END""",
    """CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
        BEGIN SELECT RAISE(ABORT, 'the rating register is append-only'); END""",
)


class RegisterError(CreditDeskError):
    """The rating register cannot be opened or written."""


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash}"


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, seq: int, kind: str, run_id: str, customer_id: str | None, payload: str) -> str:
    text = "|".join((prev_hash, str(seq), kind, run_id, customer_id or "", payload))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Register:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.exists() and self.path.stat().st_size and \
                self.path.read_bytes()[:16] != b"SQLite format 3\x00":
            raise RegisterError(f"{self.path}: not a rating register (not an SQLite database); "
                                f"choose another register file in the settings")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                self.db.execute("BEGIN IMMEDIATE")
                if not {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}:
                    for statement in _SCHEMA:
                        self.db.execute(statement)
                    self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                self.db.execute("COMMIT")
            elif "entries" not in tables or "meta" not in tables:
                raise RegisterError(f"{self.path}: an SQLite database, but not a rating register; "
                                    f"choose another register file in the settings")
        except sqlite3.DatabaseError as exc:
            raise RegisterError(f"{self.path}: the rating register cannot be opened ({exc})") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing
    def _append(self, rows: Iterable[tuple[str, str, str | None, dict[str, Any]]]) -> Head:
        try:
            self.db.execute("BEGIN IMMEDIATE")  # the head cannot move until this run is in
            try:
                last = self.db.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
                seq, prev = last if last else (0, GENESIS)
                out = []
                for kind, run_id, customer_id, data in rows:
                    seq += 1
                    payload = canonical_json(data)
                    h = entry_hash(prev, seq, kind, run_id, customer_id, payload)
                    out.append((seq, kind, run_id, customer_id, payload, prev, h))
                    prev = h
                self.db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", out)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            raise RegisterError(f"{self.path}: the rating register could not be written ({exc}); "
                                f"nothing was recorded, try again") from None
        return Head(seq, prev)

    def record_run(self, run: dict[str, Any], decisions: list[dict[str, Any]]) -> Head:
        """One run and its decisions (each with ``customer_id``), all or nothing."""
        run_id = run["run_id"]
        rows = [("run", run_id, None, {**run, "decisions": len(decisions)})]
        rows += [("decision", run_id, d["customer_id"], d) for d in decisions]
        return self._append(rows)

    def record_approvals(self, run_id: str, approvals: list[dict[str, Any]]) -> Head:
        return self._append([("approval", run_id, a["customer_id"], a) for a in approvals])

    # ------------------------------------------------------------------ reading
    def head(self) -> Head:
        last = self.db.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        return Head(*last) if last else Head(0, GENESIS)

    def runs(self) -> list[dict[str, Any]]:
        """Every run, newest first."""
        return [json.loads(p) for (p,) in self.db.execute(
            "SELECT payload FROM entries WHERE kind='run' ORDER BY seq DESC")]

    def history(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's result in every run, oldest first, with the level change against the
        previous run and the approvals read back for that run."""
        runs = {json.loads(p)["run_id"]: json.loads(p) for (p,) in self.db.execute(
            "SELECT payload FROM entries WHERE kind='run' AND run_id IN "
            "(SELECT run_id FROM entries WHERE customer_id=?)", (customer_id,))}
        out: list[dict[str, Any]] = []
        approvals: dict[str, list[dict[str, Any]]] = {}
        for kind, run_id, payload in self.db.execute(
                "SELECT kind, run_id, payload FROM entries WHERE customer_id=? ORDER BY seq", (customer_id,)):
            data = json.loads(payload)
            if kind == "approval":
                approvals.setdefault(run_id, []).append(data)
                continue
            previous = out[-1]["level"] if out else None
            run = runs.get(run_id, {})
            out.append({**data, "run_id": run_id, "as_of": run.get("as_of"), "started": run.get("started"),
                        "level_change": f"{previous}→{data['level']}" if previous and previous != data["level"]
                        else ""})
        for row in out:
            row["approvals"] = approvals.get(row["run_id"], [])
        return out

    def reviews_due(self, on: str) -> list[dict[str, Any]]:
        """Customers whose latest decision's next review date is on or before ``on`` (ISO date)."""
        rows = self.db.execute(
            "SELECT customer_id, payload FROM entries e WHERE kind='decision' AND seq = "
            "(SELECT MAX(seq) FROM entries f WHERE f.kind='decision' AND f.customer_id=e.customer_id) "
            "ORDER BY customer_id")
        due = []
        for cid, payload in rows:
            data = json.loads(payload)
            if data.get("next_review") and data["next_review"] <= on:
                due.append({"customer_id": cid, "name": data.get("name"), "level": data.get("level"),
                            "next_review": data["next_review"]})
        return due

    def verify(self, expected_head: Head | None = None) -> list[str]:
        """[] when the chain is intact; else one message per changed, inserted or deleted entry."""
        problems = []
        prev, expected_seq = GENESIS, 1
        declared: dict[str, int] = {}
        counted: dict[str, int] = {}
        hashes: dict[int, str] = {}
        for seq, kind, run_id, cid, payload, prev_hash, h in self.db.execute(
                "SELECT seq, kind, run_id, customer_id, payload, prev_hash, hash FROM entries ORDER BY seq"):
            where = f"entry #{seq} ({kind} {run_id}{' ' + cid if cid else ''})"
            if seq != expected_seq:
                problems.append(f"entries #{expected_seq}–#{seq - 1} are missing (deleted)")
            if prev_hash != prev:
                problems.append(f"{where}: does not follow the entry before it (an entry was deleted or inserted)")
            if entry_hash(prev_hash, seq, kind, run_id, cid, payload) != h:
                problems.append(f"{where}: its content was changed after it was recorded")
            try:
                data = json.loads(payload)
                if data.get("run_id", run_id) != run_id or (cid is not None and data.get("customer_id") != cid):
                    problems.append(f"{where}: its customer or run does not match its content")
                if kind == "run":
                    declared[run_id] = int(data.get("decisions", 0))
                elif kind == "decision":
                    counted[run_id] = counted.get(run_id, 0) + 1
            except (ValueError, TypeError):
                problems.append(f"{where}: its content is not readable")
            prev, expected_seq = h, seq + 1
            hashes[seq] = h
        for run_id, n in declared.items():
            if counted.get(run_id, 0) != n:
                problems.append(f"run {run_id}: {n} decisions were recorded, {counted.get(run_id, 0)} are there")
        if expected_head is not None and expected_head.seq and hashes.get(expected_head.seq) != expected_head.hash:
            problems.append(f"entry #{expected_head.seq} is not the one recorded ({expected_head.hash[:12]}…): "
                            f"the register was cut back or rewritten")
        return problems
