"""One rating session behind both front ends: typed requests in, typed results out.

The command line builds a ``Session`` and runs its requests one after the other; the window's
engine process keeps one and runs each request the window sends. Either way a use case is

    session.run(request, progress, cancel) -> result

and has one commit point, at its end: the session's state is swapped, the rating register
appended and the temporary files put in place only when the job finished, was not cancelled
and wrote every output. Before that point a cancel (the Cancel button, Ctrl+C, SIGTERM) or a
failure leaves the session, the register and every target file as they were; after it the
result stands, and a cancel that comes too late changes nothing either.

This module loads no data library at import time: the window imports it for its types.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.core.cancel import NEVER, CancelToken
from desktop.errors import OutputFileError, StaleRatingError, UsageError

if TYPE_CHECKING:
    from desktop.core.policy import Policy
    from desktop.io.importer import ImportResult
    from desktop.io.sheets import SheetChoice
    from desktop.services import Rated

Progress = Callable[[str, float], None]
LOG = logging.getLogger("credit_desk.session")  # each stage at debug, what a run did at info (desktop.diagnostics)
AFTER_COMMIT = ("committed", "done")  # progress stages reported after the commit point: no checkpoint


# ---------------------------------------------------------------- requests

@dataclass(frozen=True)
class ImportRequest:
    """Which files to read and how: the files, the clerk's choices of kind and mapping, the date."""

    files: tuple[Path, ...] = ()
    choices: tuple[SheetChoice, ...] = ()
    as_of: date | None = None  # None: today
    profiles: Path | None = None  # the folder of saved mapping profiles (None: none used)
    passwords: Mapping[str, str] = field(default_factory=dict)  # resolved path (or "*") -> password
    strict: bool = True  # an unreadable file stops the job (command line); else it is listed (window)

    @property
    def inputs(self) -> list[Path]:
        return [*self.files, *(c.path for c in self.choices)]


@dataclass(frozen=True)
class ExportResults:
    path: Path
    lang: str = "zh"
    protect_password: str | None = None
    open_password: str | None = None
    run_id: str | None = None  # the rating the front end shows: refused when the session holds another
    customers: frozenset[str] | None = None  # the customers a filter shows (None: every customer rated)
    filter_text: str = ""  # that filter in words, for the summary sheet's "filtered view" line


@dataclass(frozen=True)
class ExportJson:
    path: Path
    run_id: str | None = None


@dataclass(frozen=True)
class ExportNotices:
    """Cash-before-delivery notices for the customers whose terms need no approval."""

    path: Path
    protect_password: str | None = None
    open_password: str | None = None
    run_id: str | None = None


@dataclass(frozen=True)
class ExportForms:
    """The approval workbook (or one per salesperson / sales manager beside ``path``)."""

    path: Path
    lang: str = "zh"
    forms_for: frozenset[str] = frozenset()  # customers that get an application form regardless of route
    split: str | None = None  # None | "salesperson" | "manager"
    forms_password: str | None = None  # the form sheets' protection
    protect_password: str | None = None
    open_password: str | None = None
    run_id: str | None = None
    customers: frozenset[str] | None = None  # the forms of these customers only (a filter's; None: all)
    filter_text: str = ""  # that filter in words, for the index's "filtered view" line


@dataclass(frozen=True)
class ExportDetail:
    """The working papers (明细底稿): every ledger line, payment and receipt behind the metrics."""

    path: Path
    customers: frozenset[str] | None = None  # these customer IDs only (None: every customer rated)
    lang: str = "zh"
    protect_password: str | None = None
    open_password: str | None = None
    run_id: str | None = None


ExportRequest = ExportResults | ExportJson | ExportNotices | ExportForms | ExportDetail


@dataclass(frozen=True)
class ExportIssues:
    """Row issues as the window's issues panel shows them (filtered, sorted), in a workbook of
    their own; no rating needed: the issues of an import are exported as well."""

    path: Path
    issues: tuple = ()  # RowIssue records
    lang: str = "zh"
    protect_password: str | None = None
    open_password: str | None = None


@dataclass(frozen=True)
class RateRequest:
    """Rate what ``reading`` reads (the tables the last import read, when it is the same reading)."""

    reading: ImportRequest
    policy: Policy | None = None  # an edited policy; else the file ``policy_path`` (None: the shipped one)
    policy_path: Path | None = None
    operator: str | None = None
    register: str | Path | None = None  # the rating register to record the run in (None: not recorded)
    outputs: tuple[ExportRequest, ...] = ()  # written in the same commit (the command line's outputs)


@dataclass(frozen=True)
class WhatIfRequest:
    policy: Policy
    run_id: str | None = None


@dataclass(frozen=True)
class BacktestRequest:
    """Back-test (回测): cases from the register's runs (``register``) or from re-rating the tables
    as of each date of ``rerate_at``; outcomes from the ledger as of ``evaluation`` (E).
    ``reading`` None: the tables the session's last import read (the window)."""

    evaluation: date
    reading: ImportRequest | None = None
    register: str | Path | None = None
    rerate_at: tuple[date, ...] = ()
    policy: Policy | None = None  # else the file ``policy_path`` (None: the shipped one)
    policy_path: Path | None = None
    horizon_months: int | None = None  # None: the policy's
    late_days: int | None = None
    tolerance: float | None = None  # 元
    out: Path | None = None  # the back-test workbook
    json_out: Path | None = None
    lang: str = "zh"
    operator: str | None = None
    protect_password: str | None = None
    open_password: str | None = None


@dataclass(frozen=True)
class ExportBacktest:
    """The session's last back-test, written to a workbook (and/or JSON)."""

    path: Path | None = None
    json_out: Path | None = None
    lang: str = "zh"
    protect_password: str | None = None
    open_password: str | None = None


@dataclass(frozen=True)
class CompareRequest:
    """Two ratings compared (对比): the tables ``reading`` reads under ``policy_path`` and
    ``policy_b_path``, as of ``reading.as_of``; or the runs ``run_a`` and ``run_b`` of ``register``."""

    reading: ImportRequest | None = None
    policy_path: Path | None = None
    policy_b_path: Path | None = None
    run_a: str | None = None
    run_b: str | None = None
    register: str | Path | None = None
    out: Path | None = None
    json_out: Path | None = None
    lang: str = "zh"
    operator: str | None = None
    protect_password: str | None = None
    open_password: str | None = None


@dataclass(frozen=True)
class ApprovalsRequest:
    """Filled approval workbooks to read back. Their run is looked up in ``register``; ``results``
    (its results workbook) is needed only for a run the register does not hold."""

    filled: tuple[Path, ...] | list[Path]
    results: Path | None = None
    out: Path | None = None
    json_out: Path | None = None
    policy_path: Path | None = None
    notices_out: Path | None = None  # payment-term notices for the approved customers
    register: str | Path | None = None  # the reference the forms are checked against, and where approvals are recorded
    password: str | None = None  # opens encrypted results and filled workbooks (in memory)
    protect_password: str | None = None
    open_password: str | None = None
    prefer: tuple[Path, ...] = ()  # files whose decisions win a conflict (the clerk's resolution)
    lang: str | None = None  # the decisions workbook's language (None: the forms')
    today: date | None = None  # the day of the read-back (None: today); later decision dates are errors


@dataclass(frozen=True)
class RegisterCheck:
    """The window's 连接测试: whether the register at ``register`` opens, what it holds and what this
    login may do there. Never raises for the register's own faults: they come back in the result."""

    register: str | Path
    timeout: int = 5  # seconds to connect: a server that does not answer is said, not waited for


@dataclass(frozen=True)
class ReviewsDueRequest:
    """The team's reviews due: customers whose latest decision's next review is on or before ``on``."""

    register: str | Path
    on: date


@dataclass(frozen=True)
class HistoryRequest:
    """A customer's decisions in every run, with who rated (the run's operator) and the approvals."""

    register: str | Path
    customer_id: str


@dataclass(frozen=True)
class ScoreRequest:
    """The command line's ``score``: read, rate and write, as one request of each kind."""

    inputs: list[Path] = field(default_factory=list)
    choices: list[SheetChoice] = field(default_factory=list)
    policy_path: Path | None = None
    as_of: date | None = None
    lang: str = "zh"
    out: Path | None = None
    json_out: Path | None = None
    operator: str | None = None
    forms_out: Path | None = None
    forms_for: frozenset[str] = frozenset()
    forms_split: str | None = None
    forms_password: str | None = None
    notices_out: Path | None = None
    detail_out: Path | None = None  # the working papers
    detail_customers: frozenset[str] | None = None  # ... of these customers only (None: all)
    password: str | None = None  # opens encrypted input workbooks
    register: str | Path | None = None
    protect_password: str | None = None
    open_password: str | None = None
    profiles: Path | None = None  # saved mapping profiles (None: none)

    def requests(self) -> tuple[ImportRequest, RateRequest]:
        reading = ImportRequest(tuple(self.inputs), tuple(self.choices), self.as_of or date.today(), self.profiles,
                                {"*": self.password} if self.password else {}, strict=True)
        sealed = {"protect_password": self.protect_password, "open_password": self.open_password}
        outputs: list[ExportRequest] = []
        if self.out is not None:
            outputs.append(ExportResults(Path(self.out), self.lang, **sealed))
        if self.json_out is not None:
            outputs.append(ExportJson(Path(self.json_out)))
        if self.forms_out is not None:
            outputs.append(ExportForms(Path(self.forms_out), self.lang, self.forms_for, self.forms_split,
                                       self.forms_password, **sealed))
        if self.notices_out is not None:
            outputs.append(ExportNotices(Path(self.notices_out), **sealed))
        if self.detail_out is not None:
            outputs.append(ExportDetail(Path(self.detail_out), self.detail_customers, self.lang, **sealed))
        return reading, RateRequest(reading, None, self.policy_path, self.operator, self.register, tuple(outputs))


# ---------------------------------------------------------------- results

@dataclass
class Imported:
    """How each sheet was read, the row issues, and the files that could not be read."""

    sheets: list
    issues: list
    rating_dropped: bool = False  # the session held a rating of other inputs: it is gone

    @property
    def unreadable(self) -> list:
        return [s for s in self.sheets if s.kind == "unreadable"]


@dataclass
class RateDone:
    """A finished rating run: what the front ends show (the tables themselves stay in the session)."""

    run: Any  # RunFacts
    policy: Any  # Policy
    sheets: list
    issues: list
    rating: Any  # Rating
    inputs: list[Path]
    counts: dict  # totals and counts by level and route, salespeople, rows not used: added up here, not in the window
    written: list[Path] = field(default_factory=list)


@dataclass
class Exported:
    paths: list[Path]


@dataclass
class WhatIfDone:
    changed: int  # customers whose level changed
    total: int
    moves: dict[str, int]  # "A→AA" -> customers
    comparison: Any = None  # desktop.core.compare.Comparison: the matrix and every changed customer


@dataclass
class BacktestDone:
    """A finished back-test: its report without the case table (the window loads no pandas)."""

    report: Any  # desktop.core.backtest.Report, ``cases`` None
    written: list[Path] = field(default_factory=list)
    register_head: str | None = None


@dataclass
class CompareDone:
    comparison: Any  # desktop.core.compare.Comparison
    written: list[Path] = field(default_factory=list)


@dataclass
class ApprovalsDone:
    outcome: object
    unreadable: list
    run_id: str
    written: list[Path]
    lang: str = "zh"
    source: str = "register"  # register | results: what the forms were checked against
    problems: list = field(default_factory=list)  # every problem as a row worded in the forms' language
    forms_read: int = 0  # form sheets found in the files read (valid or not)
    nothing_read: dict[str, str] = field(default_factory=dict)  # no form read: why, by language (nothing written)


@dataclass
class RegisterChecked:
    """What the connection test found. ``register``: the location as shown (never a password);
    ``team``: a database server's register; ``error``: the catalogue message by language when it
    could not be read (``code`` its code), else {}."""

    register: str
    team: bool
    exists: bool = True  # a file: there already (else made by the first rating recorded)
    version: int | None = None
    entries: int = 0
    head: str | None = None  # "#N hash"
    may_append: bool | None = None  # this login (or this file) may record runs and approvals
    may_read_key: bool | None = None  # the team register's key (the clerk's role reads it, the auditor's not)
    user: str | None = None  # the login the server saw
    error: dict[str, str] = field(default_factory=dict)
    code: str = ""


@dataclass
class ReviewsDue:
    register: str  # as shown
    on: date
    rows: list  # register.reviews_due's: customer_id, name, level, next_review, run_id, as_of


@dataclass
class HistoryDone:
    register: str  # as shown
    customer_id: str
    rows: list  # register.history's, each with the run's ``operator`` added


# ---------------------------------------------------------------- the session

class Session:
    """The imported tables and the current rating, and the use cases over them."""

    def __init__(self) -> None:
        self.imported: ImportResult | None = None
        self.reading: ImportRequest | None = None  # what ``imported`` was read from
        self._stamps: tuple | None = None  # the files' sizes and times when they were read
        self.rated: Rated | None = None
        self.backtested: Any = None  # the last back-test (desktop.evaluate.BacktestResult), for its export

    def run(self, request: Any, progress: Progress | None = None, cancel: CancelToken | None = None) -> Any:
        """Run one use case; ``Cancelled`` (nothing changed) when ``cancel`` is set before its commit."""
        from desktop.io.safe_write import scratch_folder
        from desktop.services import big_job

        handler = _HANDLERS.get(type(request))
        if handler is None:
            raise TypeError(f"not a request: {request!r}")
        cancel = cancel or NEVER
        report = progress or (lambda stage, fraction: None)
        job, last = type(request).__name__, [""]
        LOG.debug("%s: started", job)

        def checked(stage: str, fraction: float) -> None:  # every progress report is a cancel checkpoint
            if stage not in AFTER_COMMIT:
                cancel.check()
            if stage != last[0]:
                last[0] = stage
                LOG.debug("%s: stage %s", job, stage)
            report(stage, fraction)

        if cancel is not NEVER:
            cancel.committing = False  # a new job: cancellable until its commit point
        # the job's register with its password: a killed job's journal kept the address without it
        with big_job(), scratch_folder([getattr(request, "register", None)]):
            return handler(self, request, checked, cancel)

    def score(self, req: ScoreRequest, progress: Progress | None = None, cancel: CancelToken | None = None
              ) -> RateDone:
        reading, rating = req.requests()
        # a mistake in the arguments: said before the work (the policy is read, the register read and written)
        _check_targets(rating.outputs, [*reading.inputs, *([rating.policy_path] if rating.policy_path else [])],
                       rating.register)
        self.run(reading, progress, cancel)
        return self.run(rating, progress, cancel)

    # ------------------------------------------------------------ use cases
    def _import(self, req: ImportRequest, progress: Progress, cancel: CancelToken) -> Imported:
        imported, stamps = self._read(req, progress, cancel)
        cancel.check()
        # commit: the new tables replace the old ones, and a rating of other inputs goes with them
        same = req == self.reading and stamps == self._stamps
        dropped = self.rated is not None and not same
        self.imported, self.reading, self._stamps = imported, req, stamps
        if dropped:
            self.rated = None
        return Imported(imported.sheets, imported.issues, dropped)

    def _rate(self, req: RateRequest, progress: Progress, cancel: CancelToken) -> RateDone:
        from desktop import services
        from desktop.io.policy_file import load_policy

        progress("policy", 0.0)
        policy = req.policy or load_policy(req.policy_path)
        if self.imported is not None and req.reading == self.reading and _stamps(req.reading) == self._stamps:
            imported, stamps = self.imported, self._stamps  # what the import read: not read again
        else:
            imported, stamps = self._read(req.reading, progress, cancel)
        as_of = req.reading.as_of or date.today()
        rated = services.rate_imported(imported, policy, as_of, req.reading.inputs, req.operator, progress)
        LOG.info("rated %d customers as of %s with the policy %s %s (%s, SHA-256 %s); run %s",
                 len(rated.rating.decisions), as_of, policy.name, policy.version, policy.file_name or "not saved",
                 policy.sha256 or "-", rated.run.run_id)
        written = self._commit(rated, req.outputs, req.register, progress, cancel)
        self.imported, self.reading, self._stamps, self.rated = imported, req.reading, stamps, rated
        progress("done", 1.0)  # after the commit: no checkpoint (see AFTER_COMMIT)
        return _done(rated, written)

    def _export(self, req: ExportRequest, progress: Progress, cancel: CancelToken) -> Exported:
        rated = self._current(req.run_id)
        return Exported(self._commit(rated, (req,), None, progress, cancel, record=False))

    def _export_issues(self, req: ExportIssues, progress: Progress, cancel: CancelToken) -> Exported:
        from desktop import services
        inputs = list(self.reading.inputs) if self.reading is not None else []
        files = [("write", path, writer) for path, writer in services.issue_writers(req, cancel.check)]
        _check_paths([path for _, path, _ in files], inputs)
        written = _write_all(files, inputs, progress, cancel, lambda: None)
        progress("done", 1.0)  # after the commit: no checkpoint (see AFTER_COMMIT)
        return Exported(written)

    def _what_if(self, req: WhatIfRequest, progress: Progress, cancel: CancelToken) -> WhatIfDone:
        from desktop import services
        from desktop.evaluate import compare_ratings
        before = self._current(req.run_id)
        after = services.rate_imported(before.imported, req.policy, before.rating.as_of, before.inputs, None, progress)
        comparison = compare_ratings(before, after, req.policy)
        moves: dict[str, int] = {}
        for c in comparison.customers:
            if "level" in c.changed:
                key = f"{c.a.level}→{c.b.level}"
                moves[key] = moves.get(key, 0) + 1
        # the window is sent the changed customers, not both sides of every customer
        light = replace(comparison, a=replace(comparison.a, snaps=()), b=replace(comparison.b, snaps=()))
        return WhatIfDone(sum(moves.values()), len(before.rating.decisions), moves, light)

    def _tables(self, reading: ImportRequest | None, progress: Progress, cancel: CancelToken
                ) -> tuple[ImportResult, list[Path]]:
        """The tables ``reading`` reads (those of the last import when it is the same reading);
        None: the last import's, refused when there is none."""
        if reading is None:
            if self.imported is None or self.reading is None:
                raise StaleRatingError("error.stale")
            return self.imported, list(self.reading.inputs)
        if self.imported is not None and reading == self.reading and _stamps(reading) == self._stamps:
            return self.imported, list(reading.inputs)
        imported, _ = self._read(reading, progress, cancel)
        return imported, list(reading.inputs)

    def _backtest(self, req: BacktestRequest, progress: Progress, cancel: CancelToken) -> BacktestDone:
        from desktop import evaluate, services
        from desktop.io.policy_file import load_policy

        inputs = [*(req.reading.inputs if req.reading else []), *([req.policy_path] if req.policy_path else [])]
        _check_paths([Path(t) for t in (req.out, req.json_out) if t is not None], inputs, req.register)
        progress("policy", 0.0)
        policy = req.policy or load_policy(req.policy_path)
        imported, read = self._tables(req.reading, progress, cancel)
        rule = evaluate.outcome_rule(policy, req.horizon_months, req.late_days, req.tolerance)
        result = evaluate.backtest(imported, policy, req.evaluation, rule, req.register, req.rerate_at, read,
                                   req.operator or services.current_user(), progress, cancel.check)
        rep = result.report
        LOG.info("back-tested %d cases of %d runs (%s) as of %s: horizon %d months, more than %d days past due, "
                 "more than %.2f unpaid; %d not yet observable", int(rep.cases["observable"].sum()), len(rep.runs),
                 rep.source, req.evaluation, rule.horizon_months, rule.late_days, rule.tolerance_fen / 100,
                 rep.not_observable)
        export = ExportBacktest(req.out, req.json_out, req.lang, req.protect_password, req.open_password)
        written = self._write_backtest(result, export, read, progress, cancel)
        self.backtested = result  # commit: the export from the window writes this one
        progress("done", 1.0)  # after the commit: no checkpoint (see AFTER_COMMIT)
        return BacktestDone(replace(result.report, cases=None), written, result.register_head)

    def _export_backtest(self, req: ExportBacktest, progress: Progress, cancel: CancelToken) -> Exported:
        if self.backtested is None:
            raise StaleRatingError("error.stale")
        written = self._write_backtest(self.backtested, req, self.backtested.inputs, progress, cancel)
        progress("done", 1.0)  # after the commit: no checkpoint (see AFTER_COMMIT)
        return Exported(written)

    def _write_backtest(self, result: Any, req: ExportBacktest, inputs: list[Path], progress: Progress,
                        cancel: CancelToken) -> list[Path]:
        from desktop import services
        files = [("write", path, writer) for path, writer in services.backtest_writers(result, req, cancel.check)]
        _check_paths([path for _, path, _ in files], inputs, result.register)
        return _write_all(files, inputs, progress, cancel, lambda: None)

    def _compare(self, req: CompareRequest, progress: Progress, cancel: CancelToken) -> CompareDone:
        from desktop import evaluate, services
        from desktop.io.policy_file import load_policy

        policies = [p for p in (req.policy_path, req.policy_b_path) if p is not None]
        inputs = [*(req.reading.inputs if req.reading else []), *policies]
        _check_paths([Path(t) for t in (req.out, req.json_out) if t is not None], inputs, req.register)
        operator = req.operator or services.current_user()
        if req.run_a is not None or req.run_b is not None:
            if not (req.run_a and req.run_b and req.register):
                raise UsageError("error.compare.two_runs")
            levels = [lv.level for lv in load_policy(req.policy_path).levels]
            result = evaluate.compare_runs(req.register, req.run_a, req.run_b, levels, operator, cancel.check)
            read: list[Path] = []
        else:
            if req.policy_b_path is None:
                raise UsageError("error.compare.two_policies")
            progress("policy", 0.0)
            policy_a, policy_b = load_policy(req.policy_path), load_policy(req.policy_b_path)
            imported, read = self._tables(req.reading, progress, cancel)
            as_of = (req.reading.as_of if req.reading else None) or date.today()
            result = evaluate.compare_policies(imported, policy_a, policy_b, as_of, read, operator, progress,
                                               cancel.check)
        c = result.comparison
        LOG.info("compared %s with %s: %d customers in both, %s changed", c.a.label, c.b.label, c.both, c.changed)
        files = [("write", path, writer) for path, writer in services.compare_writers(result, req, cancel.check)]
        _check_paths([path for _, path, _ in files], read, req.register)
        written = _write_all(files, read, progress, cancel, lambda: None)
        progress("done", 1.0)  # after the commit: no checkpoint (see AFTER_COMMIT)
        return CompareDone(result.comparison, written)

    def _approvals(self, req: ApprovalsRequest, progress: Progress, cancel: CancelToken) -> ApprovalsDone:
        from desktop import services

        inputs = [*req.filled, *([req.results] if req.results else []), *([req.policy_path] if req.policy_path else [])]
        _check_paths([Path(t) for t in (req.out, req.json_out, req.notices_out) if t is not None], inputs,
                     req.register)
        checked = services.check_approvals(req, progress, cancel.check)

        entries = services.approval_entries(checked)

        def record() -> None:
            if req.register is not None and entries:
                from desktop.io.register import open_register
                with open_register(req.register) as reg:
                    reg.record_approvals(entries)
        files = [("write", path, writer) for path, writer in services.approval_writers(checked, req)]
        written = _write_all(files, inputs, progress, cancel, record)
        progress("done", 1.0)  # after the commit: no checkpoint (see AFTER_COMMIT)
        return ApprovalsDone(checked.outcome, checked.unreadable, checked.run_id, written, checked.lang,
                             checked.source, services.problem_rows(checked, checked.lang), checked.forms_read,
                             services.nothing_read(checked))

    def _check_register(self, req: RegisterCheck, progress: Progress, cancel: CancelToken) -> RegisterChecked:
        from desktop.errors import CreditDeskError
        from desktop.io.register import is_url, shown
        where = shown(req.register)
        progress("reading_register", 0.0)
        try:
            return _probe(req.register, req.timeout)
        except CreditDeskError as exc:  # the register's own fault: the test's answer, not the job's failure
            LOG.info("register test %s: %s %s", where, exc.code, exc.detail)
            return RegisterChecked(where, is_url(req.register), error=exc.texts(), code=exc.code)

    def _reviews_due(self, req: ReviewsDueRequest, progress: Progress, cancel: CancelToken) -> ReviewsDue:
        from desktop.io.register import open_register, shown
        progress("reading_register", 0.0)
        with open_register(req.register, readonly=True) as reg:
            rows = reg.reviews_due(req.on.isoformat())
        return ReviewsDue(shown(req.register), req.on, rows)

    def _history(self, req: HistoryRequest, progress: Progress, cancel: CancelToken) -> HistoryDone:
        from desktop.io.register import open_register, shown
        progress("reading_register", 0.0)
        with open_register(req.register, readonly=True) as reg:
            rows = reg.history(req.customer_id)
            operators = {r.get("run_id"): r.get("operator") for r in reg.runs()} if rows else {}
        return HistoryDone(shown(req.register), req.customer_id,
                           [{**r, "operator": operators.get(r["run_id"])} for r in rows])

    # ------------------------------------------------------------ helpers
    def _read(self, req: ImportRequest, progress: Progress, cancel: CancelToken) -> tuple[ImportResult, tuple]:
        from desktop import services
        stamps = _stamps(req)  # before reading: a file saved meanwhile is read again next time
        imported = services.import_inputs(req, progress, cancel.check)
        LOG.debug("inputs read: %s; %d customers, %d ledger lines, %d receipts, %d row issues",
                  "; ".join(f"{s.file} / {s.sheet}: {s.kind}, {s.rows_read} rows" for s in imported.sheets),
                  len(imported.customers), len(imported.ledger), len(imported.receipts), len(imported.issues))
        return imported, stamps

    def _current(self, run_id: str | None) -> Rated:
        """The session's rating, refused when it is not the one the front end shows."""
        rated = self.rated
        if rated is None or (run_id is not None and rated.run.run_id != run_id):
            raise StaleRatingError("error.stale")
        return rated

    def _commit(self, rated: Rated, outputs: tuple, register: str | Path | None, progress: Progress,
                cancel: CancelToken, record: bool = True) -> list[Path]:
        """Write every output to a temporary file, then, in one step: register the run (when
        ``register``), put the files in place, all or nothing. Returns the paths written."""
        from desktop import services
        from desktop.io.register import (
            GENESIS,
            Head,
            HeadMoved,
            is_url,
            new_key,
            open_register,
            prepare_after,
            refuse_network,
            register_exists,
            shown,
            without_password,
        )

        recording = register is not None and record
        if recording and not is_url(register):  # a team register (a URL) is on its server, shared by design
            refuse_network(register)  # a register on a network path: said before any workbook is written
            from desktop.upgrade import old_register_waiting
            old = old_register_waiting(register)
            if old is not None:  # never a second history beside the old version's
                from desktop.io.register import RegisterWriteError
                raise RegisterWriteError("error.register.old_not_carried", file=register, old=old)
        for _attempt in range(3):  # another window recorded a run between prepare and commit: again
            prepared = None
            if recording:
                progress("register", 0.7)
                if register_exists(register):
                    with open_register(register) as reg:
                        key = reg.key() or new_key()
                        prepared = reg.prepare(services.register_rows(rated, key), rated.run.run_id, key)
                else:  # created at the commit, not before: a cancelled first run leaves no file
                    key = new_key()
                    prepared = prepare_after(Head(0, GENESIS), services.register_rows(rated, key), rated.run.run_id,
                                             key)
                rated.run = replace(rated.run, register_head=str(prepared.head))
                rated.seal_key = key  # the forms written now, and later from the window, are sealed with it
            files = [("forms" if isinstance(request, ExportForms) else "write", path, writer)
                     for request in outputs for path, writer in services.output_writers(rated, request, cancel.check)]
            _check_paths([path for _, path, _ in files], rated.inputs, register)  # split workbooks' names included

            def record(prepared=prepared) -> None:
                if prepared is not None:
                    with open_register(register) as reg:
                        reg.commit(prepared)
                    LOG.info("recorded in the rating register %s as %s", shown(register), prepared.head)
            # the journal's proof of the commit: a URL without its password (pgpass or PGPASSWORD gives it then)
            proof = (without_password(register), str(prepared.head)) if prepared is not None else None
            try:
                return _write_all(files, rated.inputs, progress, cancel, record, proof)
            except HeadMoved:
                cancel.committing = False  # written again: cancellable again until its commit point
                continue
        raise OutputFileError("error.register.kept_busy", file=shown(register))


def _write_all(files: list[tuple[str, Path, Callable[[Path], None]]], inputs: list[Path], progress: Progress,
               cancel: CancelToken, record: Callable[[], None], proof: tuple[str | Path, str] | None = None
               ) -> list[Path]:
    """The commit of a use case: every file written to its temporary path (stage name, path,
    writer), a last cancel checkpoint, then ``record()`` (the register) and the files put in
    place in one step, all or nothing. Returns the targets."""
    from desktop.io.safe_write import check_replaceable, replacing, stage

    check_replaceable(path for _, path, _ in files)  # the forms open in Excel: said before the results are written
    staged = []
    try:
        for n, (name, path, writer) in enumerate(files):
            progress(name, 0.7 + 0.25 * n / max(len(files), 1))
            staged.append(stage(path, writer, inputs))
            LOG.debug("%s written to a temporary file for %s", name, path)
        cancel.last_check()  # the last moment a cancel counts: from here the job is committed
        with replacing(staged, proof):
            record()
        progress("committed", 0.95)  # the front end may now say so, whatever happens next
        LOG.info("wrote %s", ", ".join(str(s.target) for s in staged) or "no file")
        return [s.target for s in staged]
    finally:
        for s in staged:
            s.discard()


def _probe(location: str | Path, timeout: int) -> RegisterChecked:
    """Open the register read-only and read its format, size, head and this login's rights."""
    from desktop.io.register import Register, is_url, shown
    where = shown(location)
    if not is_url(location):
        path = Path(location)
        if not path.exists():
            from desktop.io.register import refuse_network
            refuse_network(path, writing=False)  # a file on a share is refused before it exists, too
            folder = next((f for f in path.parents if f.exists()), None)
            return RegisterChecked(where, False, exists=False,
                                   may_append=folder is not None and os.access(folder, os.W_OK))
        with Register(path, readonly=True) as reg:
            version, entries, head = _facts(reg)
        writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)  # WAL: -wal and -shm beside it
        return RegisterChecked(where, False, True, version, entries, str(head), writable)
    from desktop.io.register_pg import PgRegister
    with PgRegister(str(location), readonly=True, connect_timeout=timeout) as reg:
        version, entries, head = _facts(reg)
        try:
            user, append, secret = reg._q(
                "SELECT current_user, has_table_privilege('credit_desk.entries', 'INSERT'), "
                "to_regclass('credit_desk.secret') IS NOT NULL").fetchone()
            key = bool(secret) and bool(reg._q("SELECT has_table_privilege('credit_desk.secret', 'SELECT')"
                                               ).fetchone()[0])
        except reg._db_error as exc:
            raise reg._error(exc, "read") from None
    return RegisterChecked(where, True, True, version, entries, str(head), bool(append), key, str(user))


def _facts(reg: Any) -> tuple[int | None, int, Any]:
    """The register's format, its number of entries and its head (the backend's errors as its messages)."""
    try:
        row = reg._q("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        entries = int(reg._q("SELECT COUNT(*) FROM entries").fetchone()[0])
    except reg._db_error as exc:
        raise reg._error(exc, "read") from None
    return (int(row[0]) if row and str(row[0]).isdigit() else None), entries, reg.head()


def _done(rated: Rated, written: list[Path]) -> RateDone:
    from desktop.core.models import totals_of
    decisions = rated.rating.decisions
    counts = {"totals": totals_of(decisions),  # of every customer: the window shows them as they are
              "salespeople": sorted({d.customer.salesperson for d in decisions} - {None, ""}),
              "errors": sum(i.severity == "error" for i in rated.issues)}
    return RateDone(rated.run, rated.policy, rated.imported.sheets, rated.issues, rated.rating, rated.inputs,
                    counts, written)


def _stamps(req: ImportRequest) -> tuple:
    """Each input's size and modification time: a file saved again since it was read is read again;
    and the saved mapping profiles (not their notes of use): a profile deleted, renamed or changed
    since the sheets were read means they are read again, never rated the way it read them."""
    out = []
    for p in req.inputs:
        try:
            st = os.stat(p)
            out.append((str(Path(p).resolve()), st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((str(p), None, None))
    if req.profiles is not None:
        from desktop.io.mapping_profiles import ProfileStore
        out.append(("profiles", tuple((m.name, m.kind, m.signature, tuple(sorted(m.columns.items())),
                                       tuple(m.absent), tuple(sorted(m.occurrence.items())))
                                      for m in ProfileStore(req.profiles).load())))
    return tuple(out)


def _check_targets(outputs: tuple, inputs: list[Path], register: str | Path | None = None) -> list[Path]:
    """Every output's target (the split approval workbooks' base name): none is an input, none twice.
    ``_commit`` checks the files themselves again (split names included) before writing any."""
    return _check_paths([Path(r.path) for r in outputs], inputs, register)


def _check_paths(targets: list[Path], inputs: list[Path], register: str | Path | None = None) -> list[Path]:
    """No output is an input, the register, or another output: by path, by a link to one file (hard
    links by file identity), and by names that differ only in capitals (one file on Windows). A
    register on a database server (a URL) is no file: nothing to compare it with."""
    from desktop.io.register import is_url
    from desktop.io.safe_write import check_target, same_file, same_name_ignoring_case
    if is_url(register):
        register = None
    if register is not None:
        check_target(Path(register), inputs, register=True)
    for n, target in enumerate(targets):
        check_target(target, inputs)
        if register is not None and (same_file(target, Path(register))
                                     or same_name_ignoring_case(target, Path(register))):
            raise UsageError("error.output.is_register", file=target)
        for other in targets[:n]:
            if same_file(target, other):
                raise UsageError("error.output.twice", file=target)
            if same_name_ignoring_case(target, other):
                raise UsageError("error.output.twice_case", file=target, other=other)
    return targets


_HANDLERS: dict[type, Callable[..., Any]] = {
    ImportRequest: Session._import, RateRequest: Session._rate, ExportResults: Session._export,
    ExportJson: Session._export, ExportNotices: Session._export, ExportForms: Session._export,
    ExportDetail: Session._export, ExportIssues: Session._export_issues,
    WhatIfRequest: Session._what_if, ApprovalsRequest: Session._approvals,
    BacktestRequest: Session._backtest, ExportBacktest: Session._export_backtest, CompareRequest: Session._compare,
    RegisterCheck: Session._check_register, ReviewsDueRequest: Session._reviews_due, HistoryRequest: Session._history,
}
