"""The steps the use cases are made of: read, rate, and the writers of every output.

The use cases themselves (what a front end asks for, with its one commit point) are in
``desktop.session``; this module has no state and commits nothing: each writer here writes
a temporary file that the session puts in place.
"""

from __future__ import annotations

import contextlib
import gc
import getpass
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop import __version__
from desktop.core.models import Rating, RowIssue
from desktop.core.policy import Policy
from desktop.core.rating import rate
from desktop.errors import NothingToRateError
from desktop.io.importer import ImportResult, import_files
from desktop.io.writers.results import RunFacts, write_results
from desktop.io.writers.summary_json import write_summary_json
from desktop.io.writers.xlsx import no_tick
from desktop.messages import CATALOGUE, Message, text

if TYPE_CHECKING:
    from desktop import session as S

Progress = Callable[[str, float], None]
Tick = Callable[[], None]
Writer = Callable[[Path], None]  # writes an output's content to the temporary path it is given


@dataclass
class Rated:
    """A finished rating run: everything the exports and the window show."""

    run: RunFacts
    policy: Policy
    imported: ImportResult
    rating: Rating
    issues: list[RowIssue]
    inputs: list[Path]
    seal_key: bytes | None = None  # the secret of the register the run is recorded in (seals its forms)


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


def import_inputs(req: S.ImportRequest, progress: Progress | None = None, tick: Tick = no_tick) -> ImportResult:
    """Read and classify the input files as ``req`` says."""
    from desktop.io.mapping_profiles import ProfileStore

    (progress or _no_progress)("read", 0.05)
    store = ProfileStore(req.profiles) if req.profiles is not None else None
    pw = dict(req.passwords)
    return import_files(list(req.files), list(req.choices), req.as_of, store,
                        lambda p: pw.get(str(Path(p).resolve()), pw.get("*")), tick, req.strict)


def _what_was_found(sheets) -> list[Message]:
    """Each input sheet and what it was taken for: why no customer sheet is among them."""
    if not sheets:
        return [Message("error.found.none")]
    shown = []
    for s in sheets[:8]:
        where = f"{s.file}" + (f" / {s.sheet}" if s.sheet else "")
        if s.kind in ("ignored", "unreadable"):
            code = "error.found.empty" if s.kind == "ignored" and s.empty else \
                "error.found.no_header" if s.kind == "ignored" else "error.found.unreadable"
            shown.append(Message(code, {"where": where}))
        else:
            kind = Message(f"error.found.kind.{s.kind}") if f"error.found.kind.{s.kind}" in CATALOGUE else s.kind
            shown.append(Message("error.found.read_as", {"where": where, "kind": kind}))
    return shown + ([Message("error.found.more", {"count": len(sheets) - 8})] if len(sheets) > 8 else [])


@dataclass(frozen=True)
class _IssueWords:
    """A row issue's problem, worded in the reader's language when the message is."""

    problem: str

    def text(self, lang: str) -> str:
        from desktop.io.writers.labels import issue_text
        return issue_text(self.problem, lang)


def rate_imported(imported: ImportResult, policy: Policy, as_of: date, inputs: list[Path],
                  operator: str | None = None, progress: Progress | None = None) -> Rated:
    """Rate the imported customers; raise NothingToRateError when there is nobody to rate."""
    from desktop.core.models import check_as_of
    from desktop.errors import UsageError
    progress = progress or _no_progress
    started = datetime.now().replace(microsecond=0)
    try:
        check_as_of(as_of)
    except ValueError:
        from desktop.core.models import FIRST_DAY, LAST_DAY
        raise UsageError("error.as_of_range", day=as_of.isoformat(), first=FIRST_DAY.isoformat(),
                         last=LAST_DAY.isoformat()) from None
    if not imported.customers:
        sheets = [s for s in imported.sheets if s.kind == "customers"]
        if sheets and not any(s.rows_read for s in sheets):
            raise NothingToRateError("error.nothing.no_data_rows", file=sheets[0].file, sheet=sheets[0].sheet)
        if sheets:
            details = [Message("error.nothing.row_problem", {"sheet": i.sheet, "row": i.row, "column": i.column,
                                                             "problem": _IssueWords(i.problem)})
                       for i in imported.issues[:5]]
            raise NothingToRateError("error.nothing.none_read", problems=details)
        raise NothingToRateError("error.nothing.no_customer_sheet", found=_what_was_found(imported.sheets))
    progress("rate", 0.4)
    rating, unapplied = rate(imported.customers, imported.ledger, imported.receipts, policy, as_of,
                             lambda stage, f: progress(stage, 0.4 + 0.3 * f))
    issues = list(imported.issues) + _unapplied_issues(unapplied, imported) + _group_issues(rating)
    run = RunFacts(run_id=f"{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}", started=started,
                   operator=operator or current_user(), program_version=__version__)
    return Rated(run, policy, imported, rating, issues, list(inputs))


def register_rows(rated: Rated, key: bytes | None = None) -> list[tuple]:
    """The rating register's entries for a run and its decisions; ``key``: the register's secret,
    which seals each decision's basis digest (and the run's approval forms)."""
    from desktop.core.forms import KEYED, PLAIN, basis_digest, key_check
    from desktop.io.register import Register

    run, policy, as_of = rated.run, rated.policy, rated.rating.as_of
    facts = {"run_id": run.run_id, "started": run.started.isoformat(), "operator": run.operator,
             "seal": KEYED if key else PLAIN, **({"key_check": key_check(key, run.run_id)} if key else {}),
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
                  "rules": [h.code for h in d.rules],
                  "items": {i.key: i.points for i in d.items}, "bands": {i.key: i.band for i in d.items},
                  "basis_digest": basis_digest(d, as_of, key),
                  **({"group": d.group.name} if d.group is not None else {})}
                 for d in rated.rating.decisions]
    return Register.run_rows(facts, decisions, owned=True)


def sealed(writer: Writer, protect_password: str | None, open_password: str | None) -> Writer:
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


def output_writers(rated: Rated, req: S.ExportRequest, tick: Tick = no_tick) -> list[tuple[Path, Writer]]:
    """The files an export request writes (one, or one per salesperson / sales manager), each with
    the function that writes its content."""
    from desktop import session as S

    if isinstance(req, S.ExportResults):
        _check_customers(rated, req.customers)  # before any file is written
        rating = _only(rated.rating, req.customers)
        filtered = None if req.customers is None else (len(rated.rating.decisions), req.filter_text)
        return [(req.path, sealed(lambda tmp: write_results(str(tmp), rating, rated.policy,
                                                            rated.imported.sheets, rated.issues, rated.run, req.lang,
                                                            tick, filtered), req.protect_password, req.open_password))]
    if isinstance(req, S.ExportJson):
        return [(req.path, lambda tmp: write_summary_json(tmp, rated.rating, rated.policy, rated.issues))]
    if isinstance(req, S.ExportNotices):
        return [(req.path, sealed(lambda tmp: _write_cash_notices(rated, tmp), req.protect_password,
                                  req.open_password))]
    if isinstance(req, S.ExportForms):
        return _form_writers(rated, req, tick)
    if isinstance(req, S.ExportDetail):
        _check_customers(rated, req.customers)  # before any file is written
        return [(req.path, sealed(lambda tmp: _write_detail(rated, req, tmp, tick), req.protect_password,
                                  req.open_password))]
    raise TypeError(f"not an export request: {req!r}")


def _only(rating: Rating, customers: frozenset[str] | None) -> Rating:
    """The rating of ``customers`` alone (None: every customer), in customer-sheet order."""
    if customers is None:
        return rating
    # the groups with a member shown, with the whole run's figures (their rules were decided over
    # every member and every customer rated, not over the ones a filter shows)
    return Rating(rating.as_of, tuple(d for d in rating.decisions if d.customer_id in customers),
                  tuple(g for g in rating.groups if any(m in customers for m in g.members)))


def issue_writers(req: S.ExportIssues, tick: Tick = no_tick) -> list[tuple[Path, Writer]]:
    """The row-issues workbook the window's issues panel exports."""
    from desktop.io.writers.results import write_issues
    return [(req.path, sealed(lambda tmp: write_issues(str(tmp), list(req.issues), req.lang, tick),
                              req.protect_password, req.open_password))]


def _write_cash_notices(rated: Rated, tmp: Path) -> None:
    """Cash-before-delivery notices for the customers whose terms need no approval."""
    from desktop.io.writers.notices import Notice, write_notices

    notices = [Notice(d.customer_id, d.customer.name, d.recommended_term_days, rated.rating.as_of,
                      any(h.code == "TERM_NEW_CUSTOMER_CASH" for h in d.term_rules))
               for d in rated.rating.decisions if d.approval_route == "none"]
    write_notices(str(tmp), notices)


def _check_customers(rated: Rated, customers: frozenset[str] | None) -> None:
    from desktop.errors import UsageError

    if customers is not None:
        known = {d.customer_id for d in rated.rating.decisions}
        unknown = sorted(set(customers) - known)
        if unknown:
            if len(unknown) > 10:
                raise UsageError("error.customers_not_rated_more", ids=", ".join(unknown[:10]), more=len(unknown) - 10)
            raise UsageError("error.customers_not_rated", ids=", ".join(unknown))
        if not customers:
            raise UsageError("error.no_customer_named")


def _write_detail(rated: Rated, req: S.ExportDetail, tmp: Path, tick: Tick) -> None:
    """The working papers, from the ledger lines of the very tables and policy the rating used."""
    from desktop.core.metrics import ledger_lines
    from desktop.core.rating import current_terms
    from desktop.io.writers.detail import write_detail

    imported = rated.imported
    tick()
    write_detail(str(tmp), ledger_lines(imported.ledger, imported.receipts, current_terms(imported.customers),
                                        rated.policy, rated.rating.as_of),  # no other reference: freed once read
                 rated.rating, rated.policy, req.lang, None if req.customers is None else sorted(req.customers),
                 tick, run=rated.run)


def _form_writers(rated: Rated, req: S.ExportForms, tick: Tick) -> list[tuple[Path, Writer]]:
    """The approval workbook, or one per salesperson / sales manager beside ``req.path``."""
    from desktop.core.forms import forms_needed
    from desktop.io.forms_layout import load_layouts
    from desktop.io.writers.forms import write_approval_workbook

    rating, policy, run = rated.rating, rated.policy, rated.run
    layouts = load_layouts()
    specs = forms_needed(rating, policy, run.run_id, frozenset(req.forms_for))
    if req.customers is not None:  # a filter's customers: their forms keep the IDs of the whole run's
        _check_customers(rated, req.customers)
        specs = [s for s in specs if s.decision.customer_id in req.customers]
    # the forms of a filter's customers say so on their index (the read-back then misses the others')
    scope = None if req.customers is None else (len(req.customers), len(rated.rating.decisions),
                                                req.filter_text)
    groups: dict[str, list] = {}
    if req.split is None:
        groups[""] = specs
    else:
        for spec in specs:
            c = spec.decision.customer
            who = (c.salesperson if req.split == "salesperson" else c.sales_manager) or "未指定"
            groups.setdefault(who, []).append(spec)
    target = Path(req.path)
    out, names = [], set()
    for who, group in groups.items():
        name = f"{target.stem}-{_safe_name(who)}" if who else target.stem
        unique, n = name, 1
        while unique.casefold() in names:  # "a/b" and "a_b", or "Li" and "LI" on Windows: one file each
            n += 1
            unique = f"{name}-{n}"
        names.add(unique.casefold())
        path = target.with_name(unique + target.suffix)
        out.append((path, sealed(lambda tmp, g=group: write_approval_workbook(
            str(tmp), g, rating, policy, run, layouts, req.lang, req.forms_password, tick, rated.seal_key,
            scope), req.protect_password, req.open_password)))
    return out


def _safe_name(text: str) -> str:
    return "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in text).strip(" .") or "_"


BIG_GROUP_SHARE, BIG_GROUP_MEMBERS = 0.5, 20  # a group holding more than half of many customers


def _group_issues(rating: Rating) -> list[RowIssue]:
    """A warning on a group that holds most of the customers rated (at least 20 of them): the
    所属集团 column probably holds something else (the company's own name on every row), and every
    member's limit is held to the group's ceiling. Rated as found; the clerk is told where."""
    out = []
    total = len(rating.decisions)
    by_id = {d.customer_id: d for d in rating.decisions}
    for g in rating.groups:
        if len(g.members) >= BIG_GROUP_MEMBERS and len(g.members) > BIG_GROUP_SHARE * total:
            first = by_id[g.members[0]].customer
            link = g.group.links[0] if g.group.links else None
            column = {"group": "所属集团", "credit_code": "统一社会信用代码", "controller": "实际控制人"}.get(
                link.field if link else "group", "所属集团")
            out.append(RowIssue(first.source.file, first.source.sheet, first.source.row, column, g.name,
                                f"one group holds {len(g.members):,} of the {total:,} customers rated",
                                "rated as one group; check that the column holds groups and not, for example, "
                                "your own company's name", "warning"))
    return out


def _unapplied_issues(unapplied, imported: ImportResult) -> list[RowIssue]:
    """Receipts larger than what the customer owed at the as-of date are listed, not lost."""
    sheets = [s for s in imported.sheets if s.kind == "receipts"]
    where = (sheets[0].file, sheets[0].sheet) if len(sheets) == 1 else ("", "receipts")
    return [RowIssue(where[0], where[1], int(r.row), "", round(float(r.unapplied), 2),
                     "receipt exceeds the customer's open invoices (FIFO)",
                     "unapplied part not counted as a payment", "warning")
            for r in unapplied.itertuples()] if len(unapplied) else []


@dataclass
class Checked:
    """Filled approval workbooks checked against their run (nothing recorded or written yet)."""

    outcome: object  # core.forms.ApprovalOutcome
    unreadable: list
    run_id: str
    as_of: date
    lang: str = "zh"  # the language of the forms read (the decisions workbook's)
    source: str = "register"  # what the forms were checked against: register | results
    today: date | None = None
    forms_read: int = 0  # form sheets found in the files (valid or not)


def form_words(lang: str) -> dict[str, str]:
    """The words a form shows for codes (routes, rules, yes/no) in ``lang``."""
    from desktop.io.writers.forms import form_words as words
    from desktop.io.writers.labels import Labels
    return words(Labels(lang))


def check_approvals(req: S.ApprovalsRequest, progress: Progress, tick: Tick = no_tick) -> Checked:
    """Read filled approval workbooks and check every decision against its run as the rating
    register recorded it (or, for a run the register does not hold, its results workbook)."""
    from collections import Counter

    from desktop.core.forms import ApprovalOutcome, evaluate
    from desktop.errors import InputFileError, RunNotRegistered
    from desktop.io.approvals_reader import Unreadable, read_filled_workbook
    from desktop.io.policy_file import load_policy

    policy = load_policy(req.policy_path)
    today = req.today or date.today()
    forms, unreadable = [], []
    for n, path in enumerate(req.filled):
        progress("read", n / max(len(req.filled), 1))
        try:
            f, u = read_filled_workbook(Path(path), req.password)
            for form in f:
                form.path = str(Path(path).resolve())
        except InputFileError as exc:
            f, u = [], [Unreadable(Path(path).name, "", "unreadable_file", (exc.message,))]
        forms += f
        unreadable += u
        tick()
    lang = req.lang or (Counter(f.lang for f in forms).most_common(1)[0][0] if forms else "zh")
    snapshot = None
    if req.results is not None:
        from desktop.io.approvals_reader import read_results_snapshot
        snapshot = read_results_snapshot(req.results, req.password)
    if not forms and snapshot is None:  # nothing read: the files' problems say why
        return Checked(ApprovalOutcome([], [], []), unreadable, "", today, lang, "register", today, 0)
    registered = _registered_runs(req.register, {f.run_id for f in forms if f.run_id})
    run_id = _run_of(forms, registered) if forms else snapshot.run_id
    ref = _reference_from_register(req.register, run_id) if run_id in registered else None
    if ref is None and snapshot is not None:  # the forms' run is not in the register: the results workbook's
        run_id = snapshot.run_id
        ref = (_reference_from_register(req.register, run_id) if req.register is not None else None) \
            or _reference_from_results(snapshot)
    if ref is None:
        from desktop.io.register import shown
        raise RunNotRegistered(run_id, shown(req.register))
    if ref.policy_sha256 != policy.sha256:
        raise InputFileError("error.run_other_policy", run=run_id, sha=ref.policy_sha256[:12])
    words = {code: {**form_words(code), **{f"item:{it.key}": it.label_zh if code == "zh" else it.label_en
                                           for it in policy.items}} for code in ("zh", "en")}
    outcome = evaluate(forms, ref, policy, today, words, frozenset(str(Path(p).resolve()) for p in req.prefer))
    return Checked(outcome, unreadable, run_id, ref.as_of, lang, ref.source, today, len(forms))


def _run_of(forms, registered: set[str]) -> str:
    """The run the forms read back belong to: of the runs they name, those the register holds
    first, then the one most forms name, then the latest (forms of any other run are reported as
    such)."""
    from collections import Counter
    counts = Counter(f.run_id for f in forms if f.run_id)
    if not counts:
        return ""
    return max(counts, key=lambda r: (r in registered, counts[r], r))  # run IDs start with their start time


def _registered_runs(register: str | Path | None, runs: set[str]) -> set[str]:
    """Which of ``runs`` the register (a file or a database server's URL) holds."""
    from desktop.io.register import open_register, register_exists
    if register is None or not runs or not register_exists(register):
        return set()
    with open_register(register, readonly=True) as reg:
        return {r for r in runs if reg.has_run(r)}


def _reference_from_register(register: str | Path, run_id: str):
    """Run ``run_id`` as the register recorded it, or None when the register does not hold it."""
    from desktop.core.forms import KEYED, RunReference, key_check
    from desktop.io.register import RegisterError, open_register, register_exists, shown

    if not register_exists(register):
        return None
    with open_register(register, readonly=True) as reg:
        found = reg.run_record(run_id)
        key = reg.key() if found is not None else None
    if found is None:
        return None
    run, decisions, approvals = found
    if run.get("seal") == KEYED and (key is None or run.get("key_check") != key_check(key, run_id)):
        raise RegisterError("error.register.key_replaced", file=shown(register), run=run_id)
    mapped = {}
    for cid, d in decisions.items():
        m = {"name": d.get("name"), "total": d.get("total"), "raw_level": d.get("raw_level"),
             "system_level": d.get("level"), "recommended_term": d.get("term_days"),
             "eligible_limit": d.get("limit"), "requested_term": d.get("requested_term_days"),
             "requested_limit": d.get("requested_limit"), "route": d.get("route"),
             "exceeds_policy": d.get("exceeds_policy"), "rules": list(d.get("rules") or []),
             "next_review": d.get("next_review"), "customer_id": cid}
        m.update({f"item:{k}": v for k, v in (d.get("items") or {}).items()})
        if d.get("basis_digest"):
            m["basis_digest"] = d["basis_digest"]
        mapped[cid] = {k: v for k, v in m.items() if v is not None or k in ("name",)}
    started = run.get("started")
    return RunReference(run_id, "register", date.fromisoformat(str(run.get("as_of"))),
                        datetime.fromisoformat(started).date() if started else None, str(run.get("policy_sha256")),
                        mapped, key, run.get("seal") == KEYED, approvals)


def _reference_from_results(snapshot):
    from desktop.core.forms import RunReference

    mapped = {}
    for cid, facts in snapshot.facts.items():
        m = dict(facts)
        if isinstance(m.get("rules"), str):
            m["rules"] = [c for c in m["rules"].split(",") if c]
        mapped[cid] = m
    return RunReference(snapshot.run_id, "results", snapshot.as_of, snapshot.started, snapshot.policy_sha256,
                        mapped)


def approval_entries(checked: Checked) -> list[dict]:
    """The register's entries of a read-back: one per customer whose decision is new (a duplicate
    of a recorded one, a conflict, a pending or invalid form records nothing)."""
    from desktop.core.forms import DECIDED
    today = (checked.today or date.today()).isoformat()
    return [{"customer_id": f.customer_id, "run_id": checked.run_id, "status": f.status,
             "approved_term_days": f.approved_term_days, "approved_limit": f.approved_limit,
             "final_level": f.final_level, "approvers": f.approvers, "forms": f.forms, "files": f.files,
             "decided_on": f.decided_on.isoformat() if f.decided_on else None, "read_on": today,
             **({"replaces": f.replaces} if f.replaces is not None else {})}
            for f in checked.outcome.finals if f.record and f.status in DECIDED]


def problem_rows(checked: Checked, lang: str) -> list[dict]:
    """Every problem of a read-back (the files' own first), worded in ``lang``."""
    from desktop.io.writers.labels import approval_text
    out = [{"file": u.file, "sheet": u.sheet, "form_id": "", "cell": "", "code": u.code, "severity": "error",
            "problem": unreadable_text(u, lang)} for u in checked.unreadable]
    out += [{"file": p.file, "sheet": p.sheet, "form_id": p.form_id, "cell": p.cell, "code": p.code,
             "severity": p.severity, "problem": approval_text(p.code, p.args, lang)} for p in checked.outcome.problems]
    return out


def unreadable_text(u, lang: str) -> str:
    """Why a file or sheet read back gave no form (an ``approvals_reader.Unreadable``), in ``lang``."""
    from desktop.io.writers.labels import approval_text
    return approval_text(u.code, tuple(a.text(lang) if isinstance(a, Message) else a for a in u.args), lang)


def nothing_read(checked: Checked) -> dict[str, str]:
    """When no form was read: why, file by file, in each language ({} when a form was read)."""
    if checked.forms_read:
        return {}

    def why(u, lang: str) -> str:
        own = [a for a in u.args if isinstance(a, Message)]  # the file's own error: it names the file
        return own[0].text(lang) if u.code == "unreadable_file" and own else \
            text("error.approvals.file_problem", lang, file=u.file, problem=unreadable_text(u, lang))
    rows = {lang: [why(u, lang) for u in checked.unreadable]
            or [p["problem"] for p in problem_rows(checked, lang)] for lang in ("zh", "en")}
    return {lang: text("error.approvals.none_read", lang, problems=rows[lang]) for lang in rows}


def approval_writers(checked: Checked, req: S.ApprovalsRequest) -> list[tuple[Path, Writer]]:
    """The decisions workbook, its JSON and the payment-term notices a read-back writes; when no form
    was read, nothing was decided: only the JSON (for a script, it lists each file's problem)."""
    from desktop.io.writers.decisions import write_decisions
    from desktop.io.writers.notices import Notice, write_notices

    outcome = checked.outcome
    out: list[tuple[Path, Writer]] = []
    if req.out is not None and checked.forms_read:
        out.append((req.out, sealed(lambda tmp: write_decisions(
            str(tmp), checked, problem_rows(checked, checked.lang), [Path(p).name for p in req.filled],
            checked.lang), req.protect_password, req.open_password)))
    if req.json_out is not None:
        data = {"run_id": checked.run_id, "checked_against": checked.source,
                "decisions": [{"customer_id": f.customer_id, "status": f.status,
                               "approved_term_days": f.approved_term_days, "approved_limit": f.approved_limit,
                               "final_level": f.final_level, "approvers": f.approvers, "forms": f.forms,
                               "decided_on": f.decided_on.isoformat() if f.decided_on else None,
                               "recorded": f.record and f.status in ("approved", "rejected", "returned")}
                              for f in outcome.finals],
                "problems": problem_rows(checked, "en")}
        out.append((req.json_out, lambda tmp: tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1),
                                                             encoding="utf-8")))
    if req.notices_out is not None and checked.forms_read:
        notices = [Notice(f.customer_id, f.name, f.approved_term_days or 0, f.decided_on or checked.as_of, False)
                   for f in outcome.finals if f.status == "approved"]
        out.append((req.notices_out, sealed(lambda tmp: write_notices(str(tmp), notices),
                                            req.protect_password, req.open_password)))
    return out


def score(req: S.ScoreRequest, progress: Progress | None = None, cancel=None) -> S.RateDone:
    """The command line's job in one call: a session of its own reads, rates and writes ``req``."""
    from desktop.session import Session
    return Session().score(req, progress, cancel)


def read_approvals(req: S.ApprovalsRequest, progress: Progress | None = None, cancel=None) -> S.ApprovalsDone:
    """Read filled approval workbooks back, in a session of its own."""
    from desktop.session import Session
    return Session().run(req, progress, cancel)


def backtest_writers(result, req: S.ExportBacktest, tick: Tick = no_tick) -> list[tuple[Path, Writer]]:
    """The back-test's workbook and JSON (``desktop.evaluate.BacktestResult``)."""
    from desktop.io.writers.backtest import backtest_json, write_backtest
    out: list[tuple[Path, Writer]] = []
    if req.path is not None:
        out.append((Path(req.path), sealed(lambda tmp: write_backtest(str(tmp), result, req.lang, tick),
                                           req.protect_password, req.open_password)))
    if req.json_out is not None:
        out.append((Path(req.json_out), lambda tmp: tmp.write_text(
            json.dumps(backtest_json(result), ensure_ascii=False, indent=1), encoding="utf-8")))
    return out


def compare_writers(result, req: S.CompareRequest, tick: Tick = no_tick) -> list[tuple[Path, Writer]]:
    """The comparison's workbook and JSON (``desktop.evaluate.CompareResult``)."""
    from desktop.io.writers.compare import compare_json, write_compare
    out: list[tuple[Path, Writer]] = []
    if req.out is not None:
        out.append((Path(req.out), sealed(lambda tmp: write_compare(str(tmp), result, req.lang, tick),
                                          req.protect_password, req.open_password)))
    if req.json_out is not None:
        out.append((Path(req.json_out), lambda tmp: tmp.write_text(
            json.dumps(compare_json(result), ensure_ascii=False, indent=1), encoding="utf-8")))
    return out
