"""The use cases, shared by the command line and the window: import, score, export."""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import getpass
import uuid
from collections.abc import Callable, Iterator
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
    forms_out: Path | None = None  # the approval workbook (or the folder/prefix when split)
    forms_for: frozenset[str] = frozenset()  # customers that get an application form regardless of route
    forms_split: str | None = None  # None | "salesperson" | "manager"
    forms_password: str | None = None
    notices_out: Path | None = None  # cash-before-delivery notices for customers that need no approval
    password: str | None = None  # opens encrypted input workbooks
    register: Path | None = None  # the rating register to record the run in (None: not recorded)
    protect_password: str | None = None  # locks the structure of every exported workbook
    open_password: str | None = None  # encrypts every exported workbook: needed to open it


@dataclass
class Rated:
    """A finished rating run: everything the exports and the window show."""

    run: RunFacts
    policy: Policy
    imported: ImportResult
    rating: Rating
    issues: list[RowIssue]
    inputs: list[Path]


@dataclass
class ScoreResult(Rated):
    written: list[Path] = field(default_factory=list)


@contextlib.contextmanager
def big_job() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a run.

    A run allocates millions of small objects that live until its end (parsed rows,
    decisions, cells); each collection would walk all of them again, which made rating a
    hundred thousand customers take twice as long. The records hold no reference cycles,
    so nothing accumulates; one collection runs at the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some Windows service accounts
        return "unknown"


def _no_progress(stage: str, frac: float) -> None:
    return None


@big_job()
def import_inputs(inputs: list[Path], choices: list[SheetChoice], as_of: date | None = None,
                  progress: Progress | None = None, profiles_folder: Path | None = None,
                  passwords: dict[str, str] | None = None) -> ImportResult:
    """Read and classify the input files (the window shows this before rating).

    ``passwords`` maps a file path (or "*" for any file) to the password of an encrypted workbook.
    """
    from desktop.io.mapping_profiles import ProfileStore

    (progress or _no_progress)("read", 0.05)
    store = ProfileStore(profiles_folder) if profiles_folder is not None else None
    pw = passwords or {}
    return import_files(list(inputs), list(choices), as_of, store,
                        lambda p: pw.get(str(Path(p).resolve()), pw.get("*")))


@big_job()
def rate_imported(imported: ImportResult, policy: Policy, as_of: date, inputs: list[Path],
                  operator: str | None = None, progress: Progress | None = None,
                  register: Path | None = None) -> Rated:
    """Rate the imported customers; raise NothingToRateError when there is nobody to rate.

    With ``register``, the run and every decision are recorded in the rating register and the
    register's head is kept on the run (the audit sheet prints it).
    """
    progress = progress or _no_progress
    started = datetime.now().replace(microsecond=0)
    if not imported.customers:
        sheets = [s for s in imported.sheets if s.kind == "customers"]
        if sheets and not any(s.rows_read for s in sheets):
            raise NothingToRateError(f"Nothing to rate: the customer sheet {sheets[0].file} / {sheets[0].sheet} has a "
                                     f"header row but no data rows")
        if sheets:
            details = "; ".join(f"{i.sheet}!{i.row} {i.column}: {i.problem}" for i in imported.issues[:5])
            raise NothingToRateError(f"Nothing to rate: no customer could be read from the customer sheet ({details})")
        raise NothingToRateError("Nothing to rate: no customer sheet was found among the inputs "
                                 "(name one with --customers FILE[:SHEET])")
    progress("rate", 0.4)
    rating, unapplied = rate(imported.customers, imported.ledger, imported.receipts, policy, as_of,
                             lambda stage, f: progress(stage, 0.4 + 0.3 * f))
    issues = list(imported.issues) + _unapplied_issues(unapplied, imported)
    run = RunFacts(run_id=f"{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}", started=started,
                   operator=operator or current_user(), program_version=__version__)
    rated = Rated(run, policy, imported, rating, issues, list(inputs))
    if register is not None:
        progress("register", 0.7)
        head = record_run(rated, register)
        rated.run = dataclasses.replace(run, register_head=str(head))
    return rated


def record_run(rated: Rated, register: Path):
    """Append the run and its decisions to the rating register; returns the register's new head."""
    from desktop.io.register import Register

    run, policy = rated.run, rated.policy
    facts = {"run_id": run.run_id, "started": run.started.isoformat(), "operator": run.operator,
             "program_version": run.program_version, "as_of": rated.rating.as_of.isoformat(),
             "policy_sha256": policy.sha256, "policy": f"{policy.name} {policy.version}",
             "inputs": [{"file": s.file, "sha256": s.sha256, "sheet": s.sheet, "kind": s.kind,
                         "rows_read": s.rows_read, "rows_used": s.rows_used, "rows_rejected": s.rows_rejected}
                        for s in rated.imported.sheets]}
    decisions = [{"customer_id": d.customer_id, "name": d.customer.name, "total": d.total,
                  "raw_level": d.raw_level, "level": d.level, "term_days": d.recommended_term_days,
                  "limit": d.eligible_limit, "requested_term_days": d.requested_term_days,
                  "requested_limit": d.requested_limit, "route": d.approval_route,
                  "exceeds_policy": d.exceeds_policy, "next_review": d.next_review.isoformat(),
                  "rules": [h.code for h in (*d.overrides, *d.caps, *d.term_rules)],
                  "items": {i.key: i.points for i in d.items}}
                 for d in rated.rating.decisions]
    with Register(register) as reg:
        return reg.record_run(facts, decisions)


@big_job()
def export_results(rated: Rated, path: Path, lang: str = "zh", protect_password: str | None = None,
                   open_password: str | None = None) -> Path:
    return write_atomic(path, _sealed(lambda tmp: write_results(str(tmp), rated.rating, rated.policy,
                                                                rated.imported.sheets, rated.issues, rated.run, lang),
                                      protect_password, open_password), rated.inputs)


def _sealed(writer: Callable[[Path], None], protect_password: str | None, open_password: str | None
            ) -> Callable[[Path], None]:
    """``writer``, then the workbook's structure locked and/or the workbook encrypted, before it
    replaces the target."""
    def write(tmp: Path) -> None:
        from desktop.io.writers.protect import encrypt, lock_structure
        writer(tmp)
        if protect_password:
            lock_structure(tmp, protect_password)
        if open_password:
            encrypt(tmp, open_password)
    return write


@big_job()
def export_json(rated: Rated, path: Path) -> Path:
    return write_atomic(path, lambda tmp: write_summary_json(tmp, rated.rating, rated.policy, rated.issues),
                        rated.inputs)


def export_notices(rated: Rated, path: Path, protect_password: str | None = None,
                   open_password: str | None = None) -> Path:
    """Cash-before-delivery notices for the customers whose terms need no approval."""
    from desktop.io.writers.notices import Notice, write_notices

    notices = [Notice(d.customer_id, d.customer.name, d.recommended_term_days, rated.rating.as_of,
                      any(h.code == "TERM_NEW_CUSTOMER_CASH" for h in d.term_rules))
               for d in rated.rating.decisions if d.approval_route == "none"]
    return write_atomic(path, _sealed(lambda tmp: write_notices(str(tmp), notices), protect_password, open_password),
                        rated.inputs)


@big_job()
def score(req: ScoreRequest, progress: Progress | None = None) -> ScoreResult:
    """Read the inputs, rate every customer, and write the requested outputs (the CLI's job)."""
    progress = progress or _no_progress
    as_of = req.as_of or date.today()
    all_inputs = list(req.inputs) + [c.path for c in req.choices]
    for target in (req.out, req.json_out, req.forms_out, req.notices_out):
        if target is not None:
            check_target(Path(target), all_inputs)  # fail before the work, not after
    progress("policy", 0.0)
    policy = load_policy(req.policy_path)
    imported = import_inputs(req.inputs, req.choices, as_of, progress,
                             passwords={"*": req.password} if req.password else None)
    rated = rate_imported(imported, policy, as_of, all_inputs, req.operator, progress, req.register)
    written = []
    if req.out is not None:
        progress("write", 0.7)
        written.append(export_results(rated, req.out, req.lang, req.protect_password, req.open_password))
    if req.json_out is not None:
        written.append(export_json(rated, req.json_out))
    if req.forms_out is not None:
        progress("forms", 0.85)
        written += export_forms(rated, req.forms_out, req.lang, req.forms_for, req.forms_split, req.forms_password,
                                req.protect_password, req.open_password)
    if req.notices_out is not None:
        written.append(export_notices(rated, req.notices_out, req.protect_password, req.open_password))
    progress("done", 1.0)
    return ScoreResult(**vars(rated), written=written)


def _unapplied_issues(unapplied, imported: ImportResult) -> list[RowIssue]:
    """Receipts larger than what the customer owed at the as-of date are listed, not lost."""
    sheets = [s for s in imported.sheets if s.kind == "receipts"]
    where = (sheets[0].file, sheets[0].sheet) if len(sheets) == 1 else ("", "receipts")
    return [RowIssue(where[0], where[1], int(r.row), "", round(float(r.unapplied), 2),
                     "receipt exceeds the customer's open invoices (FIFO)",
                     "unapplied part not counted as a payment", "warning")
            for r in unapplied.itertuples()] if len(unapplied) else []


@big_job()
def export_forms(rated: Rated, target: Path, lang: str = "zh", also: frozenset[str] = frozenset(),
                 split: str | None = None, password: str | None = None, protect_password: str | None = None,
                 open_password: str | None = None) -> list[Path]:
    """Write the approval workbook, or one per salesperson / sales manager beside ``target``."""
    rating, policy, run = rated.rating, rated.policy, rated.run
    from desktop.core.forms import forms_needed
    from desktop.io.forms_layout import load_layouts
    from desktop.io.writers.forms import write_approval_workbook

    layouts = load_layouts()
    specs = forms_needed(rating, policy, run.run_id, also)
    groups: dict[str, list] = {}
    if split is None:
        groups[""] = specs
    else:
        for spec in specs:
            c = spec.decision.customer
            who = (c.salesperson if split == "salesperson" else c.sales_manager) or "未指定"
            groups.setdefault(who, []).append(spec)
    written = []
    for who, group in groups.items():
        path = Path(target) if not who else Path(target).with_name(f"{Path(target).stem}-{_safe_name(who)}.xlsx")
        written.append(write_atomic(path, _sealed(lambda tmp, g=group: write_approval_workbook(
            str(tmp), g, rating, policy, run, layouts, lang, password), protect_password, open_password),
            rated.inputs))
    return written


def _safe_name(text: str) -> str:
    return "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in text).strip(" .") or "_"


@dataclass
class ApprovalsRequest:
    filled: list[Path]
    results: Path
    out: Path | None = None
    json_out: Path | None = None
    policy_path: Path | None = None
    notices_out: Path | None = None  # payment-term notices for the approved customers
    register: Path | None = None  # the rating register to record the approvals in
    password: str | None = None  # opens encrypted results and filled workbooks (in memory)
    protect_password: str | None = None
    open_password: str | None = None

@dataclass
class ApprovalsResult:
    outcome: object
    unreadable: list
    run_id: str
    written: list[Path]


def read_approvals(req: ApprovalsRequest, progress: Progress | None = None) -> ApprovalsResult:
    """Read filled approval workbooks, check every decision, and write the decisions workbook."""
    import json

    from desktop.core.forms import evaluate
    from desktop.errors import InputFileError
    from desktop.io.approvals_reader import Unreadable, read_filled_workbook, read_results_snapshot
    from desktop.io.writers.decisions import write_decisions

    progress = progress or (lambda stage, frac: None)
    inputs = [*req.filled, req.results]
    for target in (req.out, req.json_out, req.notices_out):
        if target is not None:
            check_target(Path(target), inputs)
    policy = load_policy(req.policy_path)
    snapshot = read_results_snapshot(req.results, req.password)
    if snapshot.policy_sha256 != policy.sha256:
        raise InputFileError(f"{req.results}: rated with another policy file (SHA-256 {snapshot.policy_sha256[:12]}…); "
                             f"give that policy with --policy")
    forms, unreadable = [], []
    for n, path in enumerate(req.filled):
        progress("read", n / max(len(req.filled), 1))
        try:
            f, u = read_filled_workbook(Path(path), req.password)
        except InputFileError as exc:
            f, u = [], [Unreadable(Path(path).name, "", str(exc))]
        forms += f
        unreadable += u
    outcome = evaluate(forms, snapshot.run_id, snapshot.facts, policy)
    if req.register is not None and outcome.finals:
        from desktop.io.register import Register
        with Register(req.register) as reg:
            reg.record_approvals([
                {"customer_id": f.customer_id, "run_id": snapshot.run_id, "status": f.status,
                 "approved_term_days": f.approved_term_days, "approved_limit": f.approved_limit,
                 "final_level": f.final_level, "approvers": f.approvers, "forms": f.forms,
                 "decided_on": f.decided_on.isoformat() if f.decided_on else None} for f in outcome.finals])
    written = []
    if req.out is not None:
        written.append(write_atomic(req.out, _sealed(lambda tmp: write_decisions(
            str(tmp), outcome, unreadable, snapshot.run_id, [Path(p).name for p in req.filled]),
            req.protect_password, req.open_password), inputs))
    if req.json_out is not None:
        data = {"run_id": snapshot.run_id,
                "decisions": [{"customer_id": f.customer_id, "status": f.status, "approved_term_days":
                               f.approved_term_days, "approved_limit": f.approved_limit, "final_level": f.final_level,
                               "forms": f.forms, "approvers": f.approvers,
                               "decided_on": f.decided_on.isoformat() if f.decided_on else None}
                              for f in outcome.finals],
                "problems": [{"file": p.file, "sheet": p.sheet, "form_id": p.form_id, "cell": p.cell,
                              "problem": p.problem, "severity": p.severity} for p in outcome.problems]
                + [{"file": u.file, "sheet": u.sheet, "form_id": "", "cell": "", "problem": u.problem,
                    "severity": "error"} for u in unreadable]}
        written.append(write_atomic(req.json_out, lambda tmp: tmp.write_text(
            json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8"), inputs))
    if req.notices_out is not None:
        from desktop.io.writers.notices import Notice, write_notices
        notices = [Notice(f.customer_id, f.name, f.approved_term_days or 0, f.decided_on or snapshot.as_of, False)
                   for f in outcome.finals if f.status == "approved"]
        written.append(write_atomic(req.notices_out, _sealed(lambda tmp: write_notices(str(tmp), notices),
                                                             req.protect_password, req.open_password), inputs))
    progress("done", 1.0)
    return ApprovalsResult(outcome, unreadable, snapshot.run_id, written)
