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
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.errors import InputFileError, OutputFileError

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
_CHOOSE = "choose another register file in the settings (or --register)"


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


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def entry_hash(prev_hash: str, seq: int, kind: str, run_id: str, customer_id: str | None, payload: str) -> str:
    text = "|".join((prev_hash, str(seq), kind, run_id, customer_id or "", payload))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _failure(path: Path, exc: Exception, doing: str) -> RegisterError:
    """An SQLite error as a message for the clerk: what happened to which file, and what to do."""
    error = RegisterWriteError if doing == "written" else RegisterError
    if "locked" in str(exc) or "busy" in str(exc):
        return error(f"{path}: the rating register stayed busy for {BUSY_TIMEOUT_S} s (another window or program "
                     f"is writing to it); nothing was recorded, wait for it to finish and try again")
    hint = "nothing was recorded; check the disk space and that the file is not read-only" \
        if error is RegisterWriteError else "restore it from a backup or " + _CHOOSE
    return error(f"{path}: the rating register cannot be {doing} ({exc}); {hint}")


def _header(path: Path) -> bytes:
    """The first 16 bytes (b"" for a missing or empty file), without reading a large file whole."""
    try:
        with open(path, "rb") as f:
            return f.read(16)
    except FileNotFoundError:
        return b""


def _reading(method):
    """A damaged file shows up while reading: say so with the path instead of an SQLite traceback."""
    @functools.wraps(method)
    def wrapper(self: Register, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise _failure(self.path, exc, "read") from None
    return wrapper


def prepare_after(base: Head, rows: list[tuple[str, str, str | None, dict[str, Any]]],
                  new_run: str | None = None) -> Prepared:
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
    return Prepared(base, Head(seq, prev), entries, new_run)


class Register:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            if _header(self.path) not in (b"", b"SQLite format 3\x00"):  # never write into a file not ours
                raise RegisterError(f"{self.path}: not a rating register (not an SQLite database); {_CHOOSE}")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise RegisterError(f"{self.path}: the rating register cannot be opened ({exc}); {_CHOOSE}") from None
        try:
            self._open_schema()
            # only now that the file is known to be ours: switching the journal mode writes to it
            self.db.execute("PRAGMA journal_mode=WAL")  # readers never block the writing window
            self.db.execute("PRAGMA synchronous=FULL")  # a recorded run survives a power cut
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise _failure(self.path, exc, "opened") from None
        except BaseException:
            self.db.close()
            raise

    def _tables(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _open_schema(self) -> None:
        if not self._tables():
            self.db.execute("BEGIN IMMEDIATE")
            try:
                if not self._tables():  # another window may have created it while we waited
                    for statement in _SCHEMA:
                        self.db.execute(statement)
                    self.db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                self.db.execute("COMMIT")
            finally:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
        version = None
        if {"entries", "meta"} <= self._tables():
            try:
                version = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            except sqlite3.OperationalError:  # someone else's table called meta
                pass
        if version is None or not str(version[0]).isdigit():
            raise RegisterError(f"{self.path}: an SQLite database, but not a rating register; {_CHOOSE}")
        if int(version[0]) > SCHEMA_VERSION:
            raise RegisterError(f"{self.path}: written by a newer Credit Desk (register format {version[0]}, "
                                f"this program reads {SCHEMA_VERSION}); update Credit Desk or {_CHOOSE}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing
    def prepare(self, rows: list[tuple[str, str, str | None, dict[str, Any]]], new_run: str | None = None) -> Prepared:
        """The entries ``rows`` would become after the current head (see ``prepare_after``)."""
        return prepare_after(self.head(), rows, new_run)

    def commit(self, prepared: Prepared) -> Head:
        """Append prepared entries in one transaction; ``HeadMoved`` when the head is no longer theirs."""
        def same_base(base: Head) -> Prepared:
            if base != prepared.base:
                raise HeadMoved()
            return prepared
        return self._transaction(same_base, prepared.new_run)

    def _append(self, rows: list[tuple[str, str, str | None, dict[str, Any]]], new_run: str | None = None) -> Head:
        """Append ``rows`` after whatever the head is when the lock is held (nothing printed it before)."""
        return self._transaction(lambda base: prepare_after(base, rows, new_run), new_run)

    def _transaction(self, entries_after: Callable[[Head], Prepared], new_run: str | None) -> Head:
        try:
            self.db.execute("BEGIN IMMEDIATE")  # the head cannot move until these entries are in
            try:
                if new_run is not None and self.db.execute(
                        "SELECT 1 FROM entries WHERE run_id=? AND kind='run'", (new_run,)).fetchone():
                    raise RegisterWriteError(f"{self.path}: run {new_run} is already in the rating register; "
                                             f"it was not recorded again")
                last = self.db.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
                prepared = entries_after(Head(*last) if last else Head(0, GENESIS))
                self.db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)", prepared.entries)
                self.db.execute("COMMIT")
            finally:
                if self.db.in_transaction:  # SQLite may already have rolled back (disk full, I/O error)
                    self.db.execute("ROLLBACK")
        except sqlite3.DatabaseError as exc:
            raise _failure(self.path, exc, "written") from None
        return prepared.head

    @staticmethod
    def run_rows(run: Mapping[str, Any], decisions: Sequence[Mapping[str, Any]]) -> list[tuple]:
        """The entries of one run (``run_id``, as_of, policy and input hashes, ...) and its decisions."""
        data = dict(run)
        run_id = data.get("run_id")
        if not isinstance(run_id, str) or not run_id:
            raise ValueError("a run needs a run_id")
        rows = [("run", run_id, None, {**data, "decisions": len(decisions)})]
        for d in decisions:  # the payload repeats the query columns, so verify can compare them
            cid = str(d["customer_id"])
            rows.append(("decision", run_id, cid, {**d, "customer_id": cid, "run_id": run_id}))
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
    @_reading
    def head(self) -> Head:
        last = self.db.execute("SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1").fetchone()
        return Head(*last) if last else Head(0, GENESIS)

    @_reading
    def runs(self) -> list[dict[str, Any]]:
        """Every run as recorded (the run's keys plus ``decisions``, their number), newest first."""
        return [json.loads(p) for (p,) in self.db.execute(
            "SELECT payload FROM entries WHERE kind='run' ORDER BY seq DESC")]

    def _as_of(self, where: str = "", params: tuple = ()) -> dict[str, str]:
        return {run_id: json.loads(p).get("as_of") or "" for run_id, p in self.db.execute(
            f"SELECT run_id, payload FROM entries WHERE kind='run' {where}", params)}

    @_reading
    def history(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's decision in every run: the decision's keys plus ``run_id``, ``as_of``,
        ``level_change`` ("A→AA", or "" when unchanged or first) and ``approvals`` (those read back for
        that run); oldest assessment date first, then in recording order (a back-dated rerun sorts in)."""
        as_of = self._as_of("AND run_id IN (SELECT run_id FROM entries WHERE customer_id=?)", (customer_id,))
        decisions, approvals = [], {}
        for seq, kind, run_id, payload in self.db.execute(
                "SELECT seq, kind, run_id, payload FROM entries WHERE customer_id=? ORDER BY seq", (customer_id,)):
            if kind == "approval":
                approvals.setdefault(run_id, []).append(json.loads(payload))
            elif kind == "decision":
                decisions.append(((as_of.get(run_id, ""), seq), run_id, json.loads(payload)))
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
        for cid, run_id, seq in self.db.execute("SELECT customer_id, run_id, seq FROM entries WHERE kind='decision'"):
            key = (as_of.get(run_id, ""), seq)
            if cid not in latest or key > latest[cid]:
                latest[cid] = key
        due = []
        for cid, (date, seq) in latest.items():
            data = json.loads(self.db.execute("SELECT payload FROM entries WHERE seq=?", (seq,)).fetchone()[0])
            if data.get("next_review") and data["next_review"] <= on:
                due.append({"customer_id": cid, "name": data.get("name"), "level": data.get("level"),
                            "next_review": data["next_review"], "run_id": data.get("run_id"), "as_of": date or None})
        return sorted(due, key=lambda d: (d["next_review"], d["customer_id"]))

    @_reading
    def verify(self, expected_head: Head | None = None) -> list[str]:
        """[] when intact; else one message per problem: a damaged file, a changed, inserted or deleted
        entry, a run missing decisions, and (given the head from an audit sheet) a cut or rewritten tail."""
        problems = [f"the file is damaged: {r}" for (r,) in self.db.execute("PRAGMA quick_check") if r != "ok"]
        prev, expected_seq, head_seen = GENESIS, 1, False
        declared: dict[str, int] = {}
        counted: dict[str, int] = {}
        for seq, kind, run_id, cid, payload, prev_hash, h in self.db.execute(
                "SELECT seq, kind, run_id, customer_id, payload, prev_hash, hash FROM entries ORDER BY seq"):
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
