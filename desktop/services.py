"""The use cases, shared by the command line and the window: import, score, export."""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from desktop import __version__
from desktop.core.models import Rating, RowIssue
from desktop.core.policy import Policy
from desktop.core.rating import rate
from desktop.errors import NothingToRateError
from desktop.io.importer import ImportResult, SheetChoice, import_files
from desktop.io.policy_file import load_policy
from desktop.io.safe_write import check_target, write_atomic
from desktop.io.writers.results import RunFacts, write_results
from desktop.io.writers.summary_json import write_summary_json

Progress = Callable[[str, float], None]


@dataclass
class ScoreRequest:
    inputs: list[Path] = field(default_factory=list)
    choices: list[SheetChoice] = field(default_factory=list)
    policy_path: Path | None = None
    as_of: date | None = None  # default: today
    lang: str = "zh"
    out: Path | None = None
    json_out: Path | None = None
    operator: str | None = None


@dataclass
class ScoreResult:
    run: RunFacts
    policy: Policy
    imported: ImportResult
    rating: Rating
    issues: list[RowIssue]
    written: list[Path]


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some Windows service accounts
        return "unknown"


def score(req: ScoreRequest, progress: Progress | None = None) -> ScoreResult:
    """Read the inputs, rate every customer, and write the requested outputs."""
    progress = progress or (lambda stage, frac: None)
    started = datetime.now().replace(microsecond=0)
    as_of = req.as_of or started.date()
    all_inputs = list(req.inputs) + [c.path for c in req.choices]
    for target in (req.out, req.json_out):
        if target is not None:
            check_target(Path(target), all_inputs)  # fail before the work, not after
    progress("policy", 0.0)
    policy = load_policy(req.policy_path)
    progress("read", 0.05)
    imported = import_files(list(req.inputs), list(req.choices), as_of)
    if not imported.customers:
        if any(s.kind == "customers" for s in imported.sheets):
            details = "; ".join(f"{i.sheet}!{i.row} {i.column}: {i.problem}" for i in imported.issues[:5])
            raise NothingToRateError(f"Nothing to rate: no customer could be read from the customer sheet ({details})")
        raise NothingToRateError("Nothing to rate: no customer sheet was found among the inputs "
                                 "(name one with --customers FILE[:SHEET])")
    progress("rate", 0.4)
    rating, unapplied = rate(imported.customers, imported.ledger, imported.receipts, policy, as_of,
                             lambda stage, f: progress(stage, 0.4 + 0.3 * f))
    issues = list(imported.issues) + _unapplied_issues(unapplied, imported)
    run = RunFacts(run_id=f"{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}", started=started,
                   operator=req.operator or current_user(), program_version=__version__)
    written = []
    if req.out is not None:
        progress("write", 0.7)
        written.append(write_atomic(req.out, lambda tmp: write_results(
            str(tmp), rating, policy, imported.sheets, issues, run, req.lang), all_inputs))
    if req.json_out is not None:
        written.append(write_atomic(req.json_out, lambda tmp: write_summary_json(tmp, rating, policy, issues),
                                    all_inputs))
    progress("done", 1.0)
    return ScoreResult(run, policy, imported, rating, issues, written)


def _unapplied_issues(unapplied, imported: ImportResult) -> list[RowIssue]:
    """Receipts larger than what the customer owed at the as-of date are listed, not lost."""
    sheets = [s for s in imported.sheets if s.kind == "receipts"]
    where = (sheets[0].file, sheets[0].sheet) if len(sheets) == 1 else ("", "receipts")
    return [RowIssue(where[0], where[1], int(r.row), "", round(float(r.unapplied), 2),
                     "receipt exceeds the customer's open invoices (FIFO)",
                     "unapplied part not counted as a payment", "warning")
            for r in unapplied.itertuples()] if len(unapplied) else []
