"""Back-testing (回测, DOMAIN.md "Back-testing"): does the rating predict who pays late?

A case is one customer rated as of D0 (a run of the register, or a re-rating of the ledger as
of D0). Its outcome is read from the ledger as of the evaluation date E, column-wise:

    bad  <=>  there is a day t in (D0, D0 + horizon] on which an invoice whose due date is
              before t - late_days still had more than ``tolerance`` unpaid.

The unpaid balance of an invoice only falls with time (payments dated on or before t count as
paid at t), so the first day t* = max(due + late_days + 1, D0 + 1, invoice date) decides it: the
invoice makes the case bad when t* is within the horizon and its balance at t* is above the
tolerance. Credit notes (negative amounts) are nobody's late invoice.

The report's statistics (Wilson interval, AUC, KS, PSI) are plain functions of counts and
scores, so that a test can check each against a value worked out by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the window reads the report without loading pandas or numpy
    import numpy as np
    import pandas as pd

    from desktop.core.metrics import LedgerLines

Z95 = 1.959963984540054  # the normal quantile of 97.5 %: a two-sided 95 % interval
PSI_FLOOR = 0.0001  # a level's share of 0 counts as this much in the PSI (else ln(0))
PSI_STABLE, PSI_UNSTABLE = 0.10, 0.25  # below: stable; up to: shifting; above: unstable
LEVEL_RULE_PREFIXES = ("FORCE_C_", "CAP_")  # the rules that move a level (the report's rule table)


@dataclass(frozen=True)
class OutcomeRule:
    """What makes a case bad (policy ``[backtest]``)."""

    horizon_months: int = 6
    late_days: int = 30
    tolerance_fen: int = 10_000  # 100 元


def horizon_end(as_of: date, months: int) -> date:
    """D0 plus ``months`` calendar months; from a month's last day, to the last day of the month
    reached (30 Jun + 6 months = 31 Dec, 28 Feb 2026 + 6 = 31 Aug; 31 Aug + 6 = 28/29 Feb), so that a
    half year after a quarter-end ends at the year-end; 15 Jun + 6 months = 15 Dec."""
    import calendar
    y, m = divmod(as_of.month - 1 + months, 12)
    year, month = as_of.year + y, m + 1
    last = calendar.monthrange(year, month)[1]
    month_end = as_of.day == calendar.monthrange(as_of.year, as_of.month)[1]
    return date(year, month, last if month_end else min(as_of.day, last))


def observable(as_of: date, evaluation: date, rule: OutcomeRule) -> bool:
    """A case is observable when its whole horizon is on or before the evaluation date."""
    return horizon_end(as_of, rule.horizon_months) <= evaluation


def outcomes(lines: LedgerLines, cases: pd.DataFrame, rule: OutcomeRule) -> pd.DataFrame:
    """The outcome of every case. ``lines``: the ledger as of the evaluation date
    (``desktop.core.metrics.ledger_lines``); ``cases``: columns ``customer_id`` and ``as_of``
    (a date). Returns ``cases`` with ``bad``, ``invoice``, ``bad_on``, ``days_past_due`` and
    ``unpaid_fen`` added (for a bad case: the invoice that made it bad first, as a ledger index,
    else -1; the day it was first bad, its days past due and its unpaid balance that day),
    column-wise: one pass over the invoices per distinct D0 (customers as integer codes, found once)."""
    import numpy as np
    import pandas as pd
    out = cases.reset_index(drop=True).copy()
    n = len(out)
    bad = np.zeros(n, dtype=bool)
    invoice = np.full(n, -1, dtype="int64")
    bad_on = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    dpd = np.zeros(n, dtype="int64")
    unpaid = np.zeros(n, dtype="int64")

    inv = lines.invoices
    inv = inv[inv["amount_fen"] > 0]
    # One integer code per customer id, for the cases and the invoices alike.
    codes, _ids = pd.factorize(np.concatenate([out["customer_id"].to_numpy(dtype=object),
                                               inv["customer_id"].to_numpy(dtype=object)]))
    case_code, inv_code = codes[:n], codes[n:]
    slot = np.full(len(_ids) + 1, -1, dtype="int64")  # code -> the case of the run being judged
    inv_due = inv["due"].to_numpy().astype("datetime64[s]")
    inv_date = inv["invoice_date"].to_numpy().astype("datetime64[s]")
    inv_amount = inv["amount_fen"].to_numpy().astype("int64")
    inv_row = inv["row"].to_numpy()
    # Payments, by the position of their invoice among ``inv``, in date order.
    por = lines.portions
    pos = pd.Index(inv.index).get_indexer(por["invoice"].to_numpy())
    keep = pos >= 0
    p_inv, p_date = pos[keep], por["date"].to_numpy().astype("datetime64[s]")[keep]
    p_amount = por["amount_fen"].to_numpy().astype("int64")[keep]
    one_day = np.timedelta64(1, "D")
    late = np.timedelta64(rule.late_days + 1, "D")

    keys = ["as_of", "run_id"] if "run_id" in out else ["as_of"]
    for key, where in out.groupby(keys, sort=True).indices.items():
        d0 = pd.Timestamp(key[0] if isinstance(key, tuple) else key).date()
        start = np.datetime64(d0, "s") + one_day
        end = np.datetime64(horizon_end(d0, rule.horizon_months), "s")
        slot[:] = -1
        slot[case_code[where]] = np.arange(len(where))
        mine = slot[inv_code]  # each invoice's case among these, -1: not asked
        t_star = np.maximum(np.maximum(inv_due + late, start), inv_date)
        live = (mine >= 0) & (t_star <= end)
        # What each live invoice had been paid by its t*.
        on_time = live[p_inv] & (p_date <= t_star[p_inv])
        paid = np.bincount(p_inv[on_time], weights=p_amount[on_time], minlength=len(inv))
        paid = np.rint(paid).astype("int64")  # sums of whole fen, exact below 2**53
        left = inv_amount - paid
        hit = np.flatnonzero(live & (left > rule.tolerance_fen))
        if not len(hit):
            continue
        # The first bad invoice of each case: earliest t*, then earliest due date, then ledger row.
        order = np.lexsort((inv_row[hit], inv_due[hit], t_star[hit], mine[hit]))
        hit = hit[order]
        first = hit[np.r_[True, mine[hit][1:] != mine[hit][:-1]]]
        rows = where[mine[first]]
        bad[rows] = True
        invoice[rows] = inv.index.to_numpy()[first]
        bad_on[rows] = t_star[first]
        dpd[rows] = ((t_star[first] - inv_due[first]) // one_day).astype("int64")
        unpaid[rows] = left[first]
    out["bad"] = bad
    out["invoice"] = invoice
    out["bad_on"] = bad_on
    out["days_past_due"] = dpd
    out["unpaid_fen"] = unpaid
    return out


# ---------------------------------------------------------------- statistics


def wilson(bad: int, cases: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a bad rate (95 % by default); None without cases."""
    if cases <= 0:
        return None
    p = bad / cases
    z2 = z * z
    centre = (p + z2 / (2 * cases)) / (1 + z2 / cases)
    half = z * math.sqrt(p * (1 - p) / cases + z2 / (4 * cases * cases)) / (1 + z2 / cases)
    return max(0.0, centre - half), min(1.0, centre + half)


def auc(scores: Sequence[float] | np.ndarray, bad: Sequence[bool] | np.ndarray) -> float | None:
    """The probability that a good case scores above a bad one (ties count half): 1.0 when the
    score orders every good case above every bad one, 0.5 for a coin. None without both kinds."""
    import numpy as np
    s = np.asarray(scores, dtype="float64")
    b = np.asarray(bad, dtype=bool)
    n_bad, n_good = int(b.sum()), int((~b).sum())
    if not n_bad or not n_good:
        return None
    import pandas as pd
    ranks = pd.Series(s).rank(method="average").to_numpy()  # Mann-Whitney U of the good cases
    u = ranks[~b].sum() - n_good * (n_good + 1) / 2
    return float(u / (n_good * n_bad))


def ks(scores: Sequence[float] | np.ndarray, bad: Sequence[bool] | np.ndarray) -> float | None:
    """The largest gap between the score's distribution among bad and among good cases
    (Kolmogorov-Smirnov): max over s of |share of bad scoring <= s - share of good scoring <= s|."""
    import numpy as np
    s = np.asarray(scores, dtype="float64")
    b = np.asarray(bad, dtype=bool)
    n_bad, n_good = int(b.sum()), int((~b).sum())
    if not n_bad or not n_good:
        return None
    values = np.unique(s)
    cdf_bad = np.searchsorted(np.sort(s[b]), values, side="right") / n_bad
    cdf_good = np.searchsorted(np.sort(s[~b]), values, side="right") / n_good
    return float(np.max(np.abs(cdf_bad - cdf_good)))


def roc(scores: Sequence[float] | np.ndarray, bad: Sequence[bool] | np.ndarray) -> list[tuple[float, float]]:
    """The ROC curve of the score as a predictor of bad: (share of good, share of bad) among the
    cases scoring at or below each score, from (0, 0) to (1, 1), one point per distinct score."""
    import numpy as np
    s = np.asarray(scores, dtype="float64")
    b = np.asarray(bad, dtype=bool)
    n_bad, n_good = int(b.sum()), int((~b).sum())
    if not n_bad or not n_good:
        return []
    values = np.unique(s)
    tpr = np.searchsorted(np.sort(s[b]), values, side="right") / n_bad
    fpr = np.searchsorted(np.sort(s[~b]), values, side="right") / n_good
    return [(0.0, 0.0), *((float(f), float(t)) for f, t in zip(fpr, tpr))]


def psi(before: dict[str, int], after: dict[str, int], levels: Sequence[str]) -> float | None:
    """Population stability index of the level mix: sum of (b - a) x ln(b / a) over the levels,
    a and b each level's share before and after (a share of 0 counts as ``PSI_FLOOR``)."""
    n_a, n_b = sum(before.values()), sum(after.values())
    if not n_a or not n_b:
        return None
    total = 0.0
    for lv in levels:
        a = max(before.get(lv, 0) / n_a, PSI_FLOOR)
        b = max(after.get(lv, 0) / n_b, PSI_FLOOR)
        total += (b - a) * math.log(b / a)
    return total


def psi_reading(value: float | None) -> str | None:
    """stable below 0.10, shifting from 0.10 to 0.25, unstable above 0.25."""
    if value is None:
        return None
    return "stable" if value < PSI_STABLE else "shifting" if value <= PSI_UNSTABLE else "unstable"


def monotonic(rates: Sequence[float | None]) -> bool | None:
    """True when the bad rate never falls from the best level to the worst (levels without cases
    left out); None when fewer than two levels have cases, or when no case is bad (every rate 0:
    there is no risk for the levels to rank, and "the lower the level, the more defaults" would
    be said of nothing)."""
    seen = [r for r in rates if r is not None]
    if len(seen) < 2 or not any(seen):
        return None
    return all(b >= a for a, b in zip(seen, seen[1:]))


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class LevelRow:
    level: str
    cases: int
    bad: int
    bad_rate: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class CountRow:
    """Cases, bad and bad rate of one band of an item or one rule."""

    key: str | None  # the band as the policy writes it ("(0, 7]", "missing"), or the rule's code; None:
    # a band a register run did not record (recorded before bands were kept: known by its points)
    points: int | None
    cases: int
    bad: int
    bad_rate: float | None


@dataclass(frozen=True)
class RunRow:
    run_id: str
    as_of: date
    cases: int
    observable: bool
    superseded_by: str | None = None  # a later run of the same date replaced it (not counted)


@dataclass(frozen=True)
class Report:
    """Everything the back-test workbook, its JSON and the window show."""

    evaluation_date: date
    rule: OutcomeRule
    source: str  # "register" | "rerate"
    runs: tuple[RunRow, ...]
    levels: tuple[LevelRow, ...]
    monotonic: bool | None
    auc: float | None
    ks: float | None
    roc: tuple[tuple[float, float], ...]
    items: dict[str, tuple[CountRow, ...]]
    rules: tuple[CountRow, ...]
    psi: float | None
    psi_reading: str | None
    psi_runs: tuple[str, str] | None
    cases: Any  # a DataFrame of every case (None in what the window is sent): observable ones with their outcome (see ``case_columns``)
    not_observable: int  # cases of runs whose horizon ends after the evaluation date
    not_trading: int = 0  # re-rating: customers with no trade yet at D0, left out
    not_on_sheet: int = 0  # register: cases of observable runs whose customer is not on the sheet read, left out
    data_end: date | None = None  # the latest invoice, payment or receipt date read (note "ledger_ends_before_evaluation")
    notes: tuple[str, ...] = field(default_factory=tuple)  # codes of what the report must say

CASE_COLUMNS = ("run_id", "as_of", "customer_id", "name", "level", "score", "observable", "bad",
                "invoice_no", "invoice_row", "due", "bad_on", "days_past_due", "unpaid")


def report(cases: pd.DataFrame, runs: Sequence[RunRow], levels: Sequence[str], items: Sequence[str],
           evaluation: date, rule: OutcomeRule, source: str, not_trading: int = 0,
           notes: Sequence[str] = (), not_on_sheet: int = 0, data_end: date | None = None) -> Report:
    """The report over ``cases``: one row per case with ``CASE_COLUMNS`` plus ``band:<item>``,
    ``points:<item>`` for each item key in ``items`` and ``rules`` (a tuple of rule codes).
    ``levels``: the policy's levels, best first (a level found only in the cases goes last)."""
    import pandas as pd
    seen = cases[cases["observable"]]
    order = list(levels) + sorted(set(seen["level"]) - set(levels))
    by_level = seen.groupby("level")["bad"].agg(["size", "sum"])
    level_rows = []
    for lv in order:
        n, k = (int(by_level.at[lv, "size"]), int(by_level.at[lv, "sum"])) if lv in by_level.index else (0, 0)
        ci = wilson(k, n)
        level_rows.append(LevelRow(lv, n, k, k / n if n else None, *(ci or (None, None))))
    scores, bad = seen["score"].to_numpy(dtype="float64"), seen["bad"].to_numpy(dtype=bool)

    item_rows: dict[str, tuple[CountRow, ...]] = {}
    for key in items:
        if f"band:{key}" not in seen:
            continue
        g = seen.groupby([f"band:{key}", f"points:{key}"], dropna=False)["bad"].agg(["size", "sum"])
        rows = [CountRow(None if pd.isna(band) else str(band), None if pd.isna(pts) else int(pts), int(r["size"]), int(r["sum"]),
                         float(r["sum"] / r["size"])) for (band, pts), r in g.iterrows()]
        item_rows[key] = tuple(sorted(rows, key=lambda r: (-(r.points if r.points is not None else -1), r.key or "")))

    codes = seen["rules"].explode()
    codes = codes[codes.notna() & codes.astype(str).str.startswith(LEVEL_RULE_PREFIXES)]
    rule_rows = []
    for code in sorted(set(codes)):
        hit = seen.loc[codes.index[codes == code].unique(), "bad"]
        rule_rows.append(CountRow(code, None, len(hit), int(hit.sum()), float(hit.mean()) if len(hit) else None))

    # the earliest and the latest run that rated anyone (a re-rate date before any customer traded
    # rates nobody: it has no level mix to compare)
    rated = set(cases["run_id"])
    # the level mix of the ratings up to the evaluation date (a run dated after it is listed, not compared)
    counted = [r for r in runs if r.superseded_by is None and r.run_id in rated and r.as_of <= evaluation]
    psi_value, psi_runs = None, None
    if len(counted) >= 2:
        first, last = counted[0], counted[-1]
        mix = cases.groupby(["run_id", "level"]).size()
        before = {lv: int(n) for (rid, lv), n in mix.items() if rid == first.run_id}
        after = {lv: int(n) for (rid, lv), n in mix.items() if rid == last.run_id}
        psi_value, psi_runs = psi(before, after, order), (first.run_id, last.run_id)
    return Report(evaluation_date=evaluation, rule=rule, source=source, runs=tuple(runs),
                  levels=tuple(level_rows), monotonic=monotonic([r.bad_rate for r in level_rows]),
                  auc=auc(scores, bad), ks=ks(scores, bad), roc=tuple(roc(scores, bad)),
                  items=item_rows, rules=tuple(rule_rows), psi=psi_value, psi_reading=psi_reading(psi_value),
                  psi_runs=psi_runs, cases=cases, not_observable=int((~cases["observable"]).sum()) - not_on_sheet,
                  not_trading=not_trading, notes=tuple(notes), not_on_sheet=not_on_sheet, data_end=data_end)


def latest_per_date(runs: Sequence[tuple[str, date]]) -> list[RunRow]:
    """The runs in assessment-date order; of several runs of the same date (a clerk who rated
    again the same day) only the last recorded counts, the others say which replaced them.
    ``runs``: (run id, as-of date) in recording order."""
    last: dict[date, str] = {}
    for rid, d in runs:
        last[d] = rid
    rows = [(d, i, rid) for i, (rid, d) in enumerate(runs)]
    return [RunRow(rid, d, 0, False, None if last[d] == rid else last[d]) for d, _, rid in sorted(rows)]
