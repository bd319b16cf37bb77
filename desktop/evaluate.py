"""The steps of the back-test and compare use cases (DOMAIN.md "Back-testing", "Comparing
policies and runs"), as ``desktop.services`` has those of rating: no state, nothing committed
here; ``desktop.session`` runs them and puts the files in place.

- ``backtest``: cases from the register's runs (or from re-rating the imported tables as of
  earlier dates), their outcomes from the ledger as of the evaluation date, and the report.
- ``compare_policies`` / ``compare_runs``: two ratings of the same customers, side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop import __version__
from desktop.core.backtest import OutcomeRule, Report, RunRow, latest_per_date, observable, outcomes, report
from desktop.core.compare import Comparison, Side, compare, snap, snap_recorded
from desktop.core.models import text_objects
from desktop.core.policy import Policy
from desktop.errors import NothingToRateError, UsageError

Progress = Callable[[str, float], None]
Tick = Callable[[], None]


def _no_progress(stage: str, frac: float) -> None:
    pass


def _no_tick() -> None:
    pass


@dataclass
class BacktestResult:
    """A finished back-test: the report and what the audit sheet says it was made from."""

    report: Report
    policy: Policy
    sheets: list  # SheetSource of every sheet read (file, sheet, kind, SHA-256, rows)
    inputs: list[Path]
    register: str | Path | None = None  # a URL's password shown as *** (see _kept)
    register_head: str | None = None  # "seq:hash" of the register read (register mode)
    rerate_at: tuple[date, ...] = ()
    started: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    operator: str = ""
    program_version: str = __version__


@dataclass
class CompareResult:
    comparison: Comparison
    sheets: list  # the inputs read (policies compared); [] for two runs of the register
    inputs: list[Path]
    policies: tuple[Policy | None, Policy | None]  # None: a run of the register (its policy by name)
    register: str | Path | None = None  # a URL's password shown as *** (see _kept)
    register_head: str | None = None
    started: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    operator: str = ""
    program_version: str = __version__


def outcome_rule(policy: Policy, horizon_months: int | None = None, late_days: int | None = None,
                 tolerance: float | None = None) -> OutcomeRule:
    """The policy's outcome, with the command line's or the window's overrides."""
    bt = policy.backtest
    tol = bt.tolerance if tolerance is None else tolerance
    return OutcomeRule(horizon_months=bt.horizon_months if horizon_months is None else int(horizon_months),
                       late_days=bt.late_days if late_days is None else int(late_days),
                       tolerance_fen=int(round(float(tol) * 100)))


def _need_customers(imported) -> None:
    if not imported.customers:
        raise NothingToRateError("error.backtest.no_customers")
    if not len(imported.ledger):  # every customer would read as a good payer
        raise NothingToRateError("error.backtest.no_ledger")


def _bands_of(d) -> dict[str, Any]:
    return {f"band:{i.key}": i.band for i in d.items} | {f"points:{i.key}": i.points for i in d.items}


def _rerate_cases(imported, policy: Policy, dates: Sequence[date], progress: Progress, tick: Tick
                  ) -> tuple[list[dict], list[RunRow], int]:
    """Every customer trading at each D0, rated as of D0 from the invoices and payments dated up
    to D0 (the rating ignores later ones: ``desktop.core.metrics.ledger_lines``)."""
    from desktop.core.rating import rate
    rows: list[dict] = []
    runs: list[RunRow] = []
    not_trading = 0
    for n, d0 in enumerate(dates):
        tick()
        rating, _ = rate(imported.customers, imported.ledger, imported.receipts, policy, d0,
                         lambda stage, f, n=n: progress("rate", 0.1 + 0.6 * (n + f) / len(dates)))
        run_id = f"rerate-{d0.isoformat()}"
        count = 0
        for d in rating.decisions:
            first = d.metrics.first_trade_date
            if first is None or first > d0:
                not_trading += 1  # not a customer yet at D0: not a case
                continue
            count += 1
            rows.append({"run_id": run_id, "as_of": d0, "customer_id": d.customer_id, "name": d.customer.name,
                         "level": d.level, "score": d.total, "rules": tuple(h.code for h in d.rules),
                         **_bands_of(d)})
        runs.append(RunRow(run_id, d0, count, False))
    return rows, runs, not_trading


def _kept(register: str | Path | None) -> str | Path | None:
    """The register as a result keeps it for its workbook and JSON: a path as it is, a URL with its
    password masked (never written into a file)."""
    from desktop.io.register import is_url, shown
    return shown(register) if is_url(register) else register


def _register_cases(register: str | Path, evaluation: date, progress: Progress, tick: Tick
                    ) -> tuple[list[dict], list[RunRow], str]:
    """Every decision of every run of the register; of several runs of one date only the last
    recorded counts (the others are listed). A run dated after the evaluation date is listed
    and its cases counted as not yet observable, as every run whose horizon ends after it."""
    from desktop.io.register import open_register
    rows: list[dict] = []
    with open_register(register, readonly=True) as reg:
        head = str(reg.head())
        recorded = []
        for run in reversed(reg.runs()):  # oldest first
            try:
                d0 = date.fromisoformat(str(run.get("as_of")))
            except ValueError:
                continue
            recorded.append((str(run.get("run_id")), d0))
        runs = latest_per_date(recorded)
        counted = [r for r in runs if r.superseded_by is None]
        out = []
        for n, r in enumerate(runs):
            if r.superseded_by is not None:
                out.append(r)
                continue
            tick()
            progress("register", 0.1 + 0.5 * n / max(len(counted), 1))
            record = reg.run_record(r.run_id)
            decisions = record[1] if record else {}
            for cid, e in decisions.items():
                items = e.get("items") if isinstance(e.get("items"), dict) else {}
                bands = e.get("bands") if isinstance(e.get("bands"), dict) else {}
                rows.append({"run_id": r.run_id, "as_of": r.as_of, "customer_id": cid, "name": e.get("name") or "",
                             "level": str(e.get("level")), "score": int(e.get("total") or 0),
                             "rules": tuple(str(c) for c in e.get("rules") or ()),
                             **{f"band:{k}": bands.get(k) for k in items},
                             **{f"points:{k}": int(v) for k, v in items.items()}})
            out.append(RunRow(r.run_id, r.as_of, len(decisions), False))
    return rows, out, head


def backtest(imported, policy: Policy, evaluation: date, rule: OutcomeRule, register: str | Path | None = None,
             rerate_at: Sequence[date] = (), inputs: Sequence[Path] = (), operator: str = "",
             progress: Progress | None = None, tick: Tick = _no_tick) -> BacktestResult:
    """The back-test of ``imported`` (the customer sheet and the ledger as of ``evaluation``)."""
    import pandas as pd

    from desktop.core.metrics import ledger_lines
    from desktop.core.rating import current_terms
    progress = progress or _no_progress
    _need_customers(imported)
    dates = tuple(sorted(set(rerate_at)))
    if register is None and not dates:
        raise UsageError("error.backtest.no_source")
    late = [d for d in dates if d >= evaluation]
    if late:
        raise UsageError("error.backtest.rerate_after", day=late[0].isoformat(), evaluation=evaluation.isoformat())
    progress("rate", 0.05)
    head = None
    if dates:
        rows, runs, not_trading = _rerate_cases(imported, policy, dates, progress, tick)
        source = "rerate"
    else:
        rows, runs, head = _register_cases(register, evaluation, progress, tick)
        if not any(r.as_of <= evaluation for r in runs):
            raise UsageError("error.backtest.no_runs", file=_kept(register), evaluation=evaluation.isoformat())
        not_trading = 0
        source = "register"
    tick()
    progress("outcome", 0.7)
    runs = [RunRow(r.run_id, r.as_of, r.cases, r.superseded_by is None and observable(r.as_of, evaluation, rule),
                   r.superseded_by) for r in runs]
    seen = {r.run_id for r in runs if r.observable}
    columns = ["run_id", "as_of", "customer_id", "name", "level", "score", "rules"]
    cases = pd.DataFrame(rows) if rows else pd.DataFrame({c: [] for c in columns})
    cases["observable"] = cases["run_id"].isin(seen)
    # A customer of a recorded run who is not on the customer sheet read: the importer could link
    # none of its ledger rows, so its outcome cannot be seen (it would read as good): left out, counted.
    on_sheet = cases["customer_id"].isin({c.customer_id for c in imported.customers})
    not_on_sheet = int((cases["observable"] & ~on_sheet).sum())
    cases["observable"] &= on_sheet
    lines = ledger_lines(imported.ledger, imported.receipts, current_terms(imported.customers), policy, evaluation)
    tick()
    judged = outcomes(lines, cases[cases["observable"]][["run_id", "as_of", "customer_id"]], rule)
    for col in ("bad", "days_past_due", "unpaid_fen", "invoice", "bad_on"):
        cases.loc[cases["observable"], col] = judged[col].to_numpy()
    cases["bad"] = cases["bad"].astype("boolean").fillna(False).astype(bool) if "bad" in cases else False
    inv = lines.invoices
    ref = pd.to_numeric(cases.get("invoice", pd.Series(-1, index=cases.index)), errors="coerce").fillna(-1)
    ref = ref.astype("int64")
    hit = ref >= 0
    cases["invoice_no"] = None
    cases["invoice_row"] = pd.NA
    cases["due"] = pd.NaT
    if hit.any():
        picked = inv.loc[ref[hit].to_numpy()]
        cases.loc[hit, "invoice_no"] = text_objects(picked["invoice_no"])
        cases.loc[hit, "invoice_row"] = picked["row"].to_numpy()
        cases.loc[hit, "due"] = picked["due"].to_numpy()
    cases["unpaid"] = pd.to_numeric(cases.get("unpaid_fen"), errors="coerce") / 100
    cases.loc[~cases["bad"], ["days_past_due", "unpaid", "bad_on"]] = None
    levels = [lv.level for lv in policy.levels]
    notes = ("customer_facts_today",) if source == "rerate" else ()
    data_end = _last_day_on_file(imported)
    if data_end is not None and data_end < evaluation:
        notes += ("ledger_ends_before_evaluation",)
    progress("report", 0.9)
    rep = report(cases, runs, levels, [it.key for it in policy.items], evaluation, rule, source, not_trading, notes,
                 not_on_sheet, data_end)
    return BacktestResult(rep, policy, list(imported.sheets), list(inputs), _kept(register), head, dates,
                          operator=operator)


def _last_day_on_file(imported) -> date | None:
    """The latest invoice, payment or receipt date the tables hold: the ledger is known up to there.
    An evaluation date after it reads every invoice still open then as unpaid ever since."""
    import pandas as pd
    days = [imported.ledger[c].max() for c in ("invoice_date", "paid_date") if c in imported.ledger]
    days += [imported.receipts["date"].max()] if "date" in imported.receipts else []
    days = [d for d in days if d is not None and not pd.isna(d)]
    return max(pd.Timestamp(d) for d in days).date() if days else None


# ---------------------------------------------------------------- comparing


def compare_policies(imported, policy_a: Policy, policy_b: Policy, as_of: date, inputs: Sequence[Path] = (),
                     operator: str = "", progress: Progress | None = None, tick: Tick = _no_tick) -> CompareResult:
    """The imported tables rated under two policies as of one date."""
    from desktop.core.rating import rate
    progress = progress or _no_progress
    _need_customers(imported)
    sides = []
    for n, policy in enumerate((policy_a, policy_b)):
        tick()
        rating, _ = rate(imported.customers, imported.ledger, imported.receipts, policy, as_of,
                         lambda stage, f, n=n: progress("rate", 0.1 + 0.4 * (n + f)))
        sides.append(Side(f"{policy.name} {policy.version}", tuple(snap(d) for d in rating.decisions),
                          as_of.isoformat(), f"{policy.name} {policy.version}"))
    tick()
    return CompareResult(compare(sides[0], sides[1], [lv.level for lv in policy_a.levels]), list(imported.sheets),
                         list(inputs), (policy_a, policy_b), operator=operator)


def compare_ratings(before, after, policy: Policy) -> Comparison:
    """Two ratings held in memory (the window's what-if): ``before`` and ``after`` are ``Rated``."""
    return compare(Side(before.run.run_id, tuple(snap(d) for d in before.rating.decisions),
                        before.rating.as_of.isoformat(), f"{before.policy.name} {before.policy.version}"),
                   Side(f"{policy.name} {policy.version}", tuple(snap(d) for d in after.rating.decisions),
                        after.rating.as_of.isoformat(), f"{policy.name} {policy.version}"),
                   [lv.level for lv in before.policy.levels])


def compare_runs(register: str | Path, run_a: str, run_b: str, levels: Sequence[str], operator: str = "",
                 tick: Tick = _no_tick) -> CompareResult:
    """Two runs as the register recorded them."""
    from desktop.io.register import open_register
    sides = []
    with open_register(register, readonly=True) as reg:
        head = str(reg.head())
        for run_id in (run_a, run_b):
            tick()
            record = reg.run_record(run_id)
            if record is None:
                raise UsageError("error.compare.no_run", run=run_id, file=_kept(register))
            run, decisions, _ = record
            sides.append(Side(run_id, tuple(snap_recorded(e) for e in decisions.values()), str(run.get("as_of") or ""),
                              str(run.get("policy") or "")))
    return CompareResult(compare(sides[0], sides[1], levels), [], [], (None, None), _kept(register), head,
                         operator=operator)
