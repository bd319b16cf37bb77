"""Back-testing (回测, DOMAIN.md "Back-testing"): the outcome rule at its edges, the statistics
against values worked out by hand, re-rating as of D0 without later data, a generated portfolio
whose later payments follow its levels (and the same with them shuffled), the register mode,
and the speed of the outcomes on a large ledger.

The outcome: a case rated as of D0 is bad when there is a day t in (D0, D0 + 6 months] on which
an invoice with due date < t - 30 days still had more than 100 元 unpaid (a payment dated t
counts as paid on t).
"""

from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from builders import customer, ledger, no_receipts, receipts

from desktop.core.backtest import (
    OutcomeRule,
    auc,
    horizon_end,
    ks,
    monotonic,
    observable,
    outcomes,
    psi,
    psi_reading,
    wilson,
)
from desktop.core.metrics import ledger_lines
from desktop.core.models import LEDGER_COLUMNS
from desktop.core.rating import rate
from desktop.evaluate import backtest
from desktop.io.importer import ImportResult, import_files
from desktop.io.register import Register
from desktop.paths import samples_dir

D0 = date(2025, 12, 31)  # horizon (2025-12-31, 2026-06-30]
E = date(2026, 12, 31)  # the ledger's as-of date: every payment below is on it
NO_TERMS = pd.Series(dtype="float64")


def d(text: str) -> date:
    return date.fromisoformat(text)


def inv(due: str, amount: float = 1000.0, issued: str | None = None, paid: str | None = None,
        paid_amount: float | None = None, cid: str = "C1") -> dict:
    """One ledger row; issued 30 days before it is due unless said."""
    return {"customer_id": cid, "invoice_date": d(issued) if issued else d(due) - timedelta(days=30),
            "amount": amount, "due_date": d(due), "paid_date": d(paid) if paid else None,
            "paid_amount": paid_amount if paid_amount is not None else (amount if paid else None)}


DEFAULT = OutcomeRule()


def judge(policy, rows, rec=(), cases=(("C1", D0),), rule=DEFAULT, evaluation=E) -> pd.DataFrame:
    led = ledger(list(rows))
    assert list(led.columns) == list(LEDGER_COLUMNS)
    lines = ledger_lines(led, receipts(list(rec)) if rec else no_receipts(), NO_TERMS, policy, evaluation)
    frame = pd.DataFrame({"customer_id": [c for c, _ in cases], "as_of": [a for _, a in cases]})
    return outcomes(lines, frame, rule)


def read(row) -> tuple | None:
    """(invoice, bad_on, days_past_due, unpaid_fen) of a bad case, None for a good one (whose
    other columns must say nothing)."""
    if not row["bad"]:
        assert (row["invoice"], row["days_past_due"], row["unpaid_fen"]) == (-1, 0, 0)
        assert pd.isna(row["bad_on"])
        return None
    return (int(row["invoice"]), pd.Timestamp(row["bad_on"]).date().isoformat(), int(row["days_past_due"]),
            int(row["unpaid_fen"]))


FULL = 100_000  # 1000 元 in fen

# (rows, receipts, rule, expected: None = not bad, else (ledger index, bad_on, days past due, unpaid fen))
EDGES = [
    # 30 vs 31 days past due at the horizon's last day (2026-06-30), never paid.
    pytest.param([inv("2026-05-31")], (), OutcomeRule(), None, id="30-days-at-horizon-end-reaches-31-the-day-after"),
    pytest.param([inv("2026-05-30")], (), OutcomeRule(), (0, "2026-06-30", 31, FULL), id="31-days-at-horizon-end"),
    # Within the horizon: paid 30 days after due; paid on the day it turns 31 (paid that day);
    # paid the day after.
    pytest.param([inv("2026-02-01", paid="2026-03-03")], (), OutcomeRule(), None, id="paid-at-30-days"),
    pytest.param([inv("2026-02-01", paid="2026-03-04")], (), OutcomeRule(), None, id="paid-on-the-31st-day"),
    pytest.param([inv("2026-02-01", paid="2026-03-05")], (), OutcomeRule(), (0, "2026-03-04", 31, FULL),
                 id="paid-on-the-32nd-day"),
    # The residue: exactly 100.00 元 is not above the tolerance; 100.01 is.
    pytest.param([inv("2026-02-01", paid="2026-02-05", paid_amount=900.00)], (), OutcomeRule(), None,
                 id="residue-100.00"),
    pytest.param([inv("2026-02-01", paid="2026-02-05", paid_amount=899.99)], (), OutcomeRule(),
                 (0, "2026-03-04", 31, 10_001), id="residue-100.01"),
    # Payment on the last day of the horizon, or the day after, of an invoice 31 days late that day.
    pytest.param([inv("2026-05-30", paid="2026-06-30")], (), OutcomeRule(), None, id="paid-on-horizon-end"),
    pytest.param([inv("2026-05-30", paid="2026-07-01")], (), OutcomeRule(), (0, "2026-06-30", 31, FULL),
                 id="paid-the-day-after-horizon-end"),
    # Due before D0 and still open at D0: bad on D0 + 1 unless paid by then.
    pytest.param([inv("2025-10-01")], (), OutcomeRule(), (0, "2026-01-01", 92, FULL), id="open-at-d0"),
    pytest.param([inv("2025-10-01", paid="2025-12-31")], (), OutcomeRule(), None, id="open-at-d0-paid-on-d0"),
    pytest.param([inv("2025-10-01", paid="2026-01-01")], (), OutcomeRule(), None, id="open-at-d0-paid-on-d0+1"),
    pytest.param([inv("2025-10-01", paid="2026-01-02")], (), OutcomeRule(), (0, "2026-01-01", 92, FULL),
                 id="open-at-d0-paid-on-d0+2"),
    pytest.param([inv("2025-10-01", paid="2025-11-20")], (), OutcomeRule(), None, id="late-before-d0-only"),
    # Partial payments (receipts): 500 on day 9, then 450 on day 30 leaves 50 元: never bad; the
    # 450 on day 32 leaves 500 元 open on day 31.
    pytest.param([inv("2026-02-01")], [("C1", d("2026-02-10"), 500.0), ("C1", d("2026-03-03"), 450.0)],
                 OutcomeRule(), None, id="partial-below-tolerance-by-day-30"),
    pytest.param([inv("2026-02-01")], [("C1", d("2026-02-10"), 500.0), ("C1", d("2026-03-05"), 450.0)],
                 OutcomeRule(), (0, "2026-03-04", 31, 50_000), id="partial-below-tolerance-on-day-32"),
    # Receipts applied FIFO: the oldest due invoice takes each receipt first.
    pytest.param([inv("2026-02-01"), inv("2026-03-01")],
                 [("C1", d("2026-02-15"), 1000.0), ("C1", d("2026-03-20"), 1000.0)], OutcomeRule(), None,
                 id="fifo-both-in-time"),
    pytest.param([inv("2026-02-01"), inv("2026-03-01")],
                 [("C1", d("2026-02-15"), 1000.0), ("C1", d("2026-04-15"), 1000.0)], OutcomeRule(),
                 (1, "2026-04-01", 31, FULL), id="fifo-second-late"),
    pytest.param([inv("2026-03-01"), inv("2026-02-01")],
                 [("C1", d("2026-03-25"), 1000.0), ("C1", d("2026-03-25"), 1000.0)], OutcomeRule(),
                 (1, "2026-03-04", 31, FULL), id="fifo-first-due-takes-the-late-receipt"),
    # Of two late invoices, the first to turn bad is reported (the second row here).
    pytest.param([inv("2026-03-01"), inv("2026-01-15")], (), OutcomeRule(), (1, "2026-02-15", 31, FULL),
                 id="first-to-turn-bad"),
    # A credit note is never late, even years old and never "paid".
    pytest.param([inv("2025-06-01", amount=-5000.0)], (), OutcomeRule(), None, id="credit-note"),
    # An invoice issued after D0 inside the horizon counts; one that turns 31 days after it does not.
    pytest.param([inv("2026-03-31", issued="2026-03-01")], (), OutcomeRule(), (0, "2026-05-01", 31, FULL),
                 id="issued-after-d0"),
    pytest.param([inv("2026-06-15", issued="2026-06-15")], (), OutcomeRule(), None, id="issued-late-in-horizon"),
    pytest.param([inv("2026-06-01", issued="2026-07-10")], (), OutcomeRule(), None, id="issued-after-horizon"),
    # Policy values changed: 3 months (to 2026-03-31), 60 days, no tolerance.
    pytest.param([inv("2026-01-29")], (), OutcomeRule(3, 60, 0), (0, "2026-03-31", 61, FULL), id="61-days-at-end"),
    pytest.param([inv("2026-01-30")], (), OutcomeRule(3, 60, 0), None, id="60-days-at-end"),
    pytest.param([inv("2026-01-01", paid="2026-01-10", paid_amount=999.99)], (), OutcomeRule(3, 60, 0),
                 (0, "2026-03-03", 61, 1), id="tolerance-0-one-fen"),
    pytest.param([inv("2026-01-01", paid="2026-03-02")], (), OutcomeRule(3, 60, 0), None, id="tolerance-0-paid-day-60"),
    pytest.param([inv("2026-02-01", paid="2026-03-20")], (), OutcomeRule(3, 60, 0), None, id="45-days-under-60"),
]


@pytest.mark.parametrize("rows, rec, rule, expected", EDGES)
def test_outcome_at_its_edges(policy, rows, rec, rule, expected):
    out = judge(policy, rows, rec, rule=rule)
    assert len(out) == 1
    assert read(out.iloc[0]) == expected


def test_another_customers_invoice_does_not_count(policy):
    rows = [inv("2026-02-01", cid="C2"), inv("2026-02-01", paid="2026-02-01", cid="C1"), inv("2026-03-01", cid="C3")]
    out = judge(policy, rows, cases=(("C1", D0), ("C2", D0), ("C4", D0)))
    assert [read(r) for _, r in out.iterrows()] == [None, (0, "2026-03-04", 31, FULL), None]
    assert list(out["customer_id"]) == ["C1", "C2", "C4"]  # the cases in their order, one row each


def test_one_customer_as_of_two_dates(policy):
    """The same invoice judged within each case's own horizon: due 2026-05-30, never paid."""
    out = judge(policy, [inv("2026-05-30")], cases=(("C1", D0), ("C1", d("2025-09-30")), ("C1", d("2026-06-30"))))
    assert [read(r) for _, r in out.iterrows()] == [(0, "2026-06-30", 31, FULL), None, (0, "2026-07-01", 32, FULL)]


@pytest.mark.parametrize("as_of, months, end", [
    ("2025-08-31", 6, "2026-02-28"), ("2023-08-31", 6, "2024-02-29"), ("2025-12-31", 6, "2026-06-30"),
    ("2026-01-31", 1, "2026-02-28"), ("2025-06-30", 6, "2025-12-31"), ("2026-02-28", 6, "2026-08-31"),
    ("2025-06-15", 6, "2025-12-15"), ("2024-02-29", 12, "2025-02-28"), ("2025-11-30", 3, "2026-02-28"), ("2025-12-31", 3, "2026-03-31")])
def test_horizon_end(as_of, months, end):
    assert horizon_end(d(as_of), months) == d(end)


@pytest.mark.parametrize("due, expected", [("2026-01-28", (0, "2026-02-28", 31, FULL)), ("2026-01-29", None)])
def test_horizon_ending_on_a_month_end(policy, due, expected):
    """31 Aug + 6 months is 28 Feb: the invoice 31 days late on 28 Feb counts, one a day later not."""
    out = judge(policy, [inv(due)], cases=(("C1", d("2025-08-31")),))
    assert read(out.iloc[0]) == expected


def test_observable_only_when_the_horizon_has_passed():
    rule = OutcomeRule()
    assert observable(D0, d("2026-06-30"), rule) and not observable(D0, d("2026-06-29"), rule)
    assert observable(d("2025-08-31"), d("2026-02-28"), rule) and not observable(d("2025-08-31"), d("2026-02-27"), rule)


def brute_force(lines, cid: str, d0: date, rule: OutcomeRule) -> tuple | None:
    """DOMAIN's words, day by day: the first day t in (D0, D0 + horizon] on which an invoice
    issued by t, due before t - late_days, had more than the tolerance unpaid (payments dated up
    to t paid); of several such invoices that day, the earliest due, then the first row."""
    led = lines.invoices[(lines.invoices["customer_id"] == cid) & (lines.invoices["amount_fen"] > 0)]
    por = lines.portions
    end = horizon_end(d0, rule.horizon_months)
    t = d0 + timedelta(days=1)
    while t <= end:
        ts = pd.Timestamp(t)
        hits = []
        for idx, r in led.iterrows():
            if r["invoice_date"] > ts or not r["due"] < ts - pd.Timedelta(days=rule.late_days):
                continue
            paid = int(por.loc[(por["invoice"] == idx) & (por["date"] <= ts), "amount_fen"].sum())
            if r["amount_fen"] - paid > rule.tolerance_fen:
                hits.append((r["due"], r["row"], idx, (ts - r["due"]).days, int(r["amount_fen"] - paid)))
        if hits:
            _, _, idx, days, left = min(hits)
            return (int(idx), t.isoformat(), days, left)
        t += timedelta(days=1)
    return None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_outcomes_agree_with_the_rule_read_day_by_day(policy, seed):
    """Random small ledgers (paid on the rows, in part, by receipts FIFO, credit notes, invoices
    before and after D0) against the rule applied one day at a time."""
    rng = np.random.default_rng(seed)
    rows, rec = [], []
    for c in range(12):
        cid = f"C{c}"
        for _ in range(int(rng.integers(0, 7))):
            issued = d("2025-08-01") + timedelta(days=int(rng.integers(0, 300)))
            due = issued + timedelta(days=int(rng.choice([0, 30, 60])))
            amount = float(rng.choice([-300.0, 150.0, 1000.0, 2500.5]))
            how = rng.integers(4)
            paid = due + timedelta(days=int(rng.integers(-5, 80)))
            rows.append({"customer_id": cid, "invoice_date": issued, "amount": amount, "due_date": due,
                         "paid_date": paid if how in (1, 2) else None,
                         "paid_amount": amount if how == 1 else round(amount * 0.9, 2) if how == 2 else None})
        for _ in range(int(rng.integers(0, 4))):
            rec.append((cid, d("2025-09-01") + timedelta(days=int(rng.integers(0, 330))), float(rng.choice([500.0, 1200.0]))))
    led = ledger(rows)
    lines = ledger_lines(led, receipts(rec) if rec else no_receipts(), NO_TERMS, policy, E)
    cases = [(f"C{c}", a) for c in range(12) for a in (d("2025-09-30"), D0, d("2026-03-31"))]
    for rule in (DEFAULT, OutcomeRule(3, 10, 0)):
        out = outcomes(lines, pd.DataFrame({"customer_id": [c for c, _ in cases], "as_of": [a for _, a in cases]}),
                       rule)
        got = [read(r) for _, r in out.iterrows()]
        assert got == [brute_force(lines, c, a, rule) for c, a in cases]
        assert any(got) and not all(got)


# ---------------------------------------------------------------- statistics by hand


def test_wilson_two_bad_of_ten():
    """p = 0.2, n = 10, z = 1.959964, z² = 3.841459:
    denominator 1 + z²/n = 1.3841459; centre (0.2 + z²/20) / 1.3841459 = 0.3920729 / 1.3841459 = 0.2832598;
    half z·sqrt(0.2·0.8/10 + z²/400) / 1.3841459 = 1.959964 x 0.1600114 / 1.3841459 = 0.2265777;
    interval (0.0566821, 0.5098375), the published Wilson 95 % interval of 2/10: (0.0567, 0.5098)."""
    lo, hi = wilson(2, 10)
    assert lo == pytest.approx(0.056682, abs=1e-6) and hi == pytest.approx(0.509838, abs=1e-6)


def test_wilson_edges():
    """0 of 5: low 0, high z² / (n + z²) = 3.841459 / 8.841459 = 0.434482; 5 of 5 mirrors it."""
    assert wilson(0, 5) == (0.0, pytest.approx(0.434482, abs=1e-6))
    assert wilson(5, 5) == (pytest.approx(1 - 0.434482, abs=1e-6), 1.0)
    assert wilson(0, 0) is None


GOOD_BAD = ([80, 70, 60, 60, 50], [False, False, False, True, True])  # good 80, 70, 60; bad 60, 50


def test_auc_three_good_two_bad_with_a_tie():
    """Good above bad, pair by pair: 80>60, 80>50, 70>60, 70>50, 60=60 (half), 60>50: 5.5 of 6 = 0.916667."""
    assert auc(*GOOD_BAD) == pytest.approx(5.5 / 6)
    assert auc([50, 60, 60, 70, 80], [False, False, True, True, True]) == pytest.approx(0.5 / 6)  # reversed
    assert auc([70, 70, 70], [False, True, False]) == pytest.approx(0.5)  # all tied: a coin
    assert auc([1, 2], [False, False]) is None and auc([], []) is None


def test_ks_by_hand():
    """Share scoring <= s among bad / good: s=50: 1/2 vs 0; 60: 2/2 vs 1/3; 70: 1 vs 2/3; 80: 1 vs 1.
    Largest gap 1 - 1/3 = 2/3."""
    assert ks(*GOOD_BAD) == pytest.approx(2 / 3)
    assert ks([90, 10], [False, True]) == pytest.approx(1.0)
    assert ks([1, 2], [True, True]) is None


def test_psi_with_a_zero_share():
    """Before AAA 0 %, AA 50 %, A 50 %; after AAA 20 %, AA 40 %, A 40 %; the zero share counts as 0.0001:
    AAA (0.2 - 0.0001) ln(0.2 / 0.0001) = 0.1999 x 7.600902 = 1.519420; AA and A each
    (0.4 - 0.5) ln(0.4 / 0.5) = -0.1 x -0.223144 = 0.022314; total 1.564049: unstable."""
    value = psi({"AA": 50, "A": 50}, {"AAA": 20, "AA": 40, "A": 40}, ["AAA", "AA", "A"])
    assert value == pytest.approx(1.564049, abs=1e-6)
    assert psi_reading(value) == "unstable"
    # Zero after: A 60 % -> 100 %, B 40 % -> 0 (0.0001): 0.4 ln(1/0.6) + (0.0001 - 0.4) ln(0.0001/0.4)
    # = 0.4 x 0.510826 + (-0.3999) x (-8.294050) = 0.204330 + 3.316791 = 3.521121.
    assert psi({"A": 60, "B": 40}, {"A": 7}, ["A", "B"]) == pytest.approx(3.521121, abs=1e-6)
    assert psi({"A": 3, "B": 1}, {"A": 30, "B": 10}, ["A", "B"]) == pytest.approx(0.0)
    assert psi({}, {"A": 1}, ["A"]) is None


def test_psi_readings_at_the_edges():
    """Stable below 0.10, shifting from 0.10 to 0.25 (both included), unstable above 0.25."""
    assert [psi_reading(v) for v in (0.0, 0.0999999, 0.10, 0.25, 0.2500001, 3.0, None)] == \
        ["stable", "stable", "shifting", "shifting", "unstable", "unstable", None]


def test_monotonic():
    assert monotonic([0.0, 0.0, 0.1, 0.3, 0.6]) is True
    assert monotonic([0.0, None, 0.2, 0.1, 0.6]) is False
    assert monotonic([None, 0.1, None, None, 0.2]) is True
    assert monotonic([None, 0.5, None]) is None


# ---------------------------------------------------------------- re-rating as of D0


@pytest.fixture(scope="module")
def sample_tables() -> ImportResult:
    return import_files(sorted(samples_dir().iterdir()), None, date(2026, 6, 30))


def cut_to(imported: ImportResult, d0: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger and receipts cut by hand to what is dated up to D0."""
    led = imported.ledger[imported.ledger["invoice_date"] <= pd.Timestamp(d0)].copy()
    assert not (led["paid_amount"].notna() & led["paid_date"].isna()).any()  # no payment without its date here
    later = led["paid_date"] > pd.Timestamp(d0)
    led.loc[later, "paid_date"] = pd.NaT
    led.loc[later, "paid_amount"] = np.nan
    rec = imported.receipts[imported.receipts["date"] <= pd.Timestamp(d0)]
    return led, rec


@pytest.mark.parametrize("d0", [date(2025, 6, 30), date(2025, 12, 31)])
def test_rerating_ignores_later_invoices_and_payments(policy, sample_tables, d0):
    t = sample_tables
    res = backtest(t, policy, date(2026, 6, 30), OutcomeRule(), rerate_at=(d0,))
    led, rec = cut_to(t, d0)
    assert len(led) < len(t.ledger) and len(rec) < len(t.receipts)
    by_hand, _ = rate(t.customers, led, rec, policy, d0)
    trading = {x.customer_id: (x.level, x.total) for x in by_hand.decisions
               if x.metrics.first_trade_date is not None and x.metrics.first_trade_date <= d0}
    cases = res.report.cases
    got = {r.customer_id: (r.level, r.score) for r in cases.itertuples()}
    assert got == trading
    assert res.report.not_trading == len(t.customers) - len(trading) > 0
    assert res.report.runs[0].cases == len(trading)
    assert res.report.notes == ("customer_facts_today",) and res.report.source == "rerate"
    # The later data would have changed ratings: the cut is what the test is about.
    today, _ = rate(t.customers, t.ledger, t.receipts, policy, d0 + timedelta(days=180))
    assert {x.customer_id: (x.level, x.total) for x in today.decisions if x.customer_id in trading} != trading


def test_rerating_leaves_out_customers_not_trading_yet(policy):
    """C2's first trade (sheet) is after D0; C3 has no date on the sheet and its first invoice is after D0."""
    cs = [customer("C1", first_trade_date=d("2020-01-01")), customer("C2", first_trade_date=d("2026-02-01")),
          customer("C3", first_trade_date=None)]
    rows = [inv("2025-06-01", paid="2025-06-01"), inv("2026-03-01", cid="C2"), inv("2026-04-01", cid="C3")]
    t = ImportResult(cs, ledger(rows), no_receipts(), [], [])
    res = backtest(t, policy, E, OutcomeRule(), rerate_at=(D0,))
    assert list(res.report.cases["customer_id"]) == ["C1"] and res.report.not_trading == 2
    assert not res.report.cases["bad"].any()  # C2's and C3's late invoices are nobody's case


def test_psi_compares_the_earliest_and_latest_runs_that_rated_anyone(policy):
    """A re-rate date before anyone traded rates nobody: the PSI compares the two later dates'
    level mixes instead of being left out as if there were one date only."""
    cs = [customer("C1", first_trade_date=d("2020-01-01")), customer("C2", first_trade_date=d("2021-01-01"))]
    rows = [inv("2025-06-01", paid="2025-06-01"), inv("2025-06-01", paid="2025-06-01", cid="C2")]
    t = ImportResult(cs, ledger(rows), no_receipts(), [], [])
    early, mid = d("2019-06-30"), d("2025-06-30")
    rep = backtest(t, policy, E, OutcomeRule(), rerate_at=(early, mid, D0)).report
    assert [(r.as_of, r.cases) for r in rep.runs] == [(early, 0), (mid, 2), (D0, 2)]
    assert rep.psi_runs == (f"rerate-{mid}", f"rerate-{D0}")
    mix = rep.cases.groupby(["run_id", "level"]).size()
    before, after = (mix[f"rerate-{x}"].to_dict() for x in (mid, D0))
    assert rep.psi == pytest.approx(psi(before, after, [lv.level for lv in policy.levels]))
    assert rep.psi_reading == psi_reading(rep.psi)


# ---------------------------------------------------------------- a generated portfolio

BAD_CHANCE = {"AAA": 0.02, "AA": 0.06, "A": 0.15, "B": 0.30, "C": 0.60}  # paying one invoice 45 days late


def portfolio(n: int, seed: int) -> tuple[list, list[dict]]:
    """``n`` customers of quality q uniform in [0, 1): status, debt and current ratios, capital,
    agreement, years and sales follow q, and so do the 12 invoices of their history (issued
    480 to 150 days before D0, every one paid, about (1 - q) x 60 days late, before D0)."""
    rng = np.random.default_rng(seed)
    cs, rows = [], []
    for i in range(n):
        q = rng.random()
        cid = f"G{i:04d}"
        cs.append(customer(cid, operating_status="good" if q > .4 else "fair" if q > .15 else "poor",
                           total_assets=10000.0, total_liabilities=10000.0 * (0.95 - 0.6 * q),
                           current_assets=4000.0, current_liabilities=4000.0 / (0.8 + 1.6 * q),
                           registered_capital=50 + 6000 * q, agreement=bool(q > .1),
                           first_trade_date=D0 - timedelta(days=int(500 + 2500 * q))))
        amount = round(10_000 + 400_000 * q, 2)
        for k in range(12):
            issued = D0 - timedelta(days=480 - 30 * k)
            due = issued + timedelta(days=30)
            late = max(0, int(round((1 - q) * 60 + rng.normal(0, 4))))
            assert due + timedelta(days=late) <= D0
            rows.append({"customer_id": cid, "invoice_date": issued, "amount": amount, "due_date": due,
                         "paid_date": due + timedelta(days=late), "paid_amount": amount})
    return cs, rows


def later_invoices(cs, bad: dict[str, bool], seed: int) -> list[dict]:
    """Three invoices each after D0 (issued 10 Jan, 10 Feb, 10 Mar 2026, 30 days), paid when due;
    a bad customer pays one of them 45 days late."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in cs:
        late_one = int(rng.integers(3)) if bad[c.customer_id] else -1
        for k, issued in enumerate((d("2026-01-10"), d("2026-02-10"), d("2026-03-10"))):
            due = issued + timedelta(days=30)
            rows.append({"customer_id": c.customer_id, "invoice_date": issued, "amount": 20_000.0, "due_date": due,
                         "paid_date": due + timedelta(days=45 if k == late_one else 0), "paid_amount": 20_000.0})
    return rows


def back_tested(policy, cs, rows):
    imported = ImportResult(cs, ledger(rows), no_receipts(), [], [])
    return backtest(imported, policy, d("2026-08-31"), OutcomeRule(), rerate_at=(D0,)).report


@pytest.fixture(scope="module")
def generated(policy):
    cs, history = portfolio(300, seed=7)
    at_d0, _ = rate(cs, ledger(history), no_receipts(), policy, D0)
    levels = {x.customer_id: x.level for x in at_d0.decisions}
    rng = np.random.default_rng(11)
    bad = {cid: bool(rng.random() < BAD_CHANCE[lv]) for cid, lv in levels.items()}
    return cs, history, levels, bad


def test_generated_portfolio_bad_rates_rise_with_the_levels(policy, generated):
    cs, history, levels, bad = generated
    rep = back_tested(policy, cs, history + later_invoices(cs, bad, seed=3))
    cases = rep.cases.set_index("customer_id")
    assert dict(cases["level"]) == levels  # re-rated as of D0: the later invoices changed nothing
    assert dict(cases["bad"]) == bad  # the outcome is what was simulated, customer by customer
    by_level = {r.level: r for r in rep.levels}
    assert min(r.cases for r in rep.levels) >= 20, {r.level: r.cases for r in rep.levels}
    rates = [by_level[lv].bad_rate for lv in ("AAA", "AA", "A", "B", "C")]
    assert rates == sorted(rates) and rates[0] < 0.1 < 0.4 < rates[-1]
    assert rep.monotonic is True
    assert rep.auc > 0.75 and rep.ks > 0.3
    # Each level's interval holds its rate, and the best and worst levels' intervals do not overlap.
    assert all(r.ci_low <= r.bad_rate <= r.ci_high for r in rep.levels)
    assert by_level["AAA"].ci_high < by_level["C"].ci_low


def test_generated_portfolio_with_behaviour_shuffled(policy, generated):
    """The same customers, their later payment behaviour given to other customers at random: the
    bad rate no longer follows the level."""
    cs, history, levels, bad = generated
    ids = list(bad)
    shuffled = dict(zip(ids, (bad[i] for i in np.random.default_rng(2).permutation(ids))))
    assert sum(shuffled.values()) == sum(bad.values()) and shuffled != bad
    rep = back_tested(policy, cs, history + later_invoices(cs, shuffled, seed=3))
    assert dict(rep.cases.set_index("customer_id")["bad"]) == shuffled
    assert rep.monotonic is False, [r.bad_rate for r in rep.levels]
    assert abs(rep.auc - 0.5) < 0.05


# ---------------------------------------------------------------- the register's runs

EVAL = d("2026-06-30")


def recorded(cid: str, level: str, total: int, timeliness: tuple[int, str] = (25, "(0, 7]"),
             rules: tuple[str, ...] = ()) -> dict:
    return {"customer_id": cid, "name": f"客户{cid}", "total": total, "level": level, "raw_level": level,
            "term_days": 45, "limit": 100000, "route": "none", "next_review": "2026-12-31", "rules": list(rules),
            "items": {"payment_timeliness": timeliness[0], "sales_12m": 9},
            "bands": {"payment_timeliness": timeliness[1], "sales_12m": "[1000000, 2000000)"}}


def register_runs(path) -> None:
    """R1 (30 Jun 2025); R2x then R2 (both 30 Sep 2025: R2 replaces R2x); R3 (31 Mar 2026, its
    horizon ends 30 Sep 2026, after E = 30 Jun 2026)."""
    with Register(path) as reg:
        reg.record_run({"run_id": "R1", "as_of": "2025-06-30"},
                       [recorded("C1", "B", 65, (15, "(15, 30]")), recorded("C2", "A", 72), recorded("C3", "AA", 84),
                        recorded("C4", "A", 70)])
        reg.record_run({"run_id": "R2x", "as_of": "2025-09-30"},
                       [recorded("C1", "AAA", 95), recorded("C2", "AAA", 95)])
        reg.record_run({"run_id": "R2", "as_of": "2025-09-30"},
                       [recorded("C1", "C", 40, (5, "(60, 90]"), ("FORCE_C_TIMELINESS",)),
                        recorded("C2", "AA", 81), recorded("C3", "AA", 86), recorded("C4", "AA", 80),
                        recorded("C5", "A", 71)])
        reg.record_run({"run_id": "R3", "as_of": "2026-03-31"},
                       [recorded("C1", "C", 40), recorded("C2", "AA", 81), recorded("C3", "AAA", 92)])


def register_tables() -> ImportResult:
    """C1 never pays its invoice due 1 Aug 2025 (bad from 1 Sep 2025 on: in R1's and R2's
    horizons); the others pay when due."""
    cs = [customer(f"C{i}") for i in range(1, 6)]
    rows = [inv("2025-08-01", cid="C1")] + [inv("2025-08-01", paid="2025-08-01", cid=f"C{i}") for i in range(2, 6)]
    return ImportResult(cs, ledger(rows), no_receipts(), [], [])


def test_backtest_from_the_register(policy, tmp_path):
    path = tmp_path / "register.sqlite"
    register_runs(path)
    files = sorted(tmp_path.iterdir())
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    res = backtest(register_tables(), policy, EVAL, OutcomeRule(), register=path)
    rep = res.report
    # the register's own rating facts (no "today's facts" note); its small ledger ends before EVAL
    assert rep.source == "register" and rep.notes == ("ledger_ends_before_evaluation",)
    assert [(r.run_id, r.as_of.isoformat(), r.cases, r.observable, r.superseded_by) for r in rep.runs] == [
        ("R1", "2025-06-30", 4, True, None), ("R2x", "2025-09-30", 0, False, "R2"),
        ("R2", "2025-09-30", 5, True, None), ("R3", "2026-03-31", 3, False, None)]
    assert rep.not_observable == 3  # R3's cases
    cases = rep.cases
    assert set(cases["run_id"]) == {"R1", "R2", "R3"}  # R2x's decisions are not cases
    seen = cases[cases["observable"]]
    assert sorted(zip(seen["run_id"], seen["customer_id"], seen["bad"])) == [
        ("R1", "C1", True), ("R1", "C2", False), ("R1", "C3", False), ("R1", "C4", False),
        ("R2", "C1", True), ("R2", "C2", False), ("R2", "C3", False), ("R2", "C4", False), ("R2", "C5", False)]
    c1 = seen[(seen["run_id"] == "R1") & (seen["customer_id"] == "C1")].iloc[0]
    assert (c1["invoice_no"], c1["invoice_row"], c1["due"], c1["bad_on"], c1["days_past_due"], c1["unpaid"]) == \
        ("INV0", 2, pd.Timestamp("2025-08-01"), pd.Timestamp("2025-09-01"), 31, 1000.0)
    c1 = seen[(seen["run_id"] == "R2") & (seen["customer_id"] == "C1")].iloc[0]
    assert (c1["bad_on"], c1["days_past_due"]) == (pd.Timestamp("2025-10-01"), 61)  # open at D0: bad on D0 + 1
    assert not cases[~cases["observable"]]["bad"].any()
    # Levels over the observable cases only: R1 B A AA A, R2 C AA AA AA A.
    assert [(r.level, r.cases, r.bad) for r in rep.levels] == [
        ("AAA", 0, 0), ("AA", 4, 0), ("A", 3, 0), ("B", 1, 1), ("C", 1, 1)]
    assert rep.monotonic is True and rep.auc == pytest.approx(1.0)
    assert [(r.key, r.points, r.cases, r.bad) for r in rep.items["payment_timeliness"]] == [
        ("(0, 7]", 25, 7, 0), ("(15, 30]", 15, 1, 1), ("(60, 90]", 5, 1, 1)]
    assert [(r.key, r.cases, r.bad) for r in rep.rules] == [("FORCE_C_TIMELINESS", 1, 1)]
    # PSI: the earliest and the latest run counted (R1, R3), R2x left out.
    # R1: B 1, A 2, AA 1 of 4; R3: C 1, AA 1, AAA 1 of 3.
    assert rep.psi_runs == ("R1", "R3")
    assert rep.psi == pytest.approx(psi({"B": 1, "A": 2, "AA": 1}, {"C": 1, "AA": 1, "AAA": 1},
                                        ["AAA", "AA", "A", "B", "C"]))
    assert rep.psi_reading == "unstable"
    assert res.register_head is not None and res.register == path
    # Read, never written: the register byte for byte as it was (a reader may leave SQLite's empty
    # -wal and its -shm beside it for the next writer, as every reading command does).
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files} == before
    assert {p.name for p in tmp_path.iterdir()} - {p.name for p in files} <= {f"{path.name}-wal", f"{path.name}-shm"}
    wal = tmp_path / f"{path.name}-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_register_runs_one_later_evaluation(policy, tmp_path):
    """A year later every run is observable; the horizon of R2 then ends 31 Mar 2026."""
    path = tmp_path / "register.sqlite"
    register_runs(path)
    rep = backtest(register_tables(), policy, d("2026-09-30"), OutcomeRule(), register=path).report
    assert [r.observable for r in rep.runs] == [True, False, True, True] and rep.not_observable == 0
    assert sum(r.cases for r in rep.levels) == 4 + 5 + 3


def test_register_run_after_the_evaluation_date_and_a_run_without_bands(policy, tmp_path):
    """A run dated after E is listed and its cases counted as not yet observable (not dropped);
    a run recorded before the register kept the bands is counted by its points, one row each."""
    path = tmp_path / "register.sqlite"
    old = [recorded("C1", "B", 65), recorded("C2", "A", 75, (20, "(7, 15]"))]
    for e in old:
        e.pop("bands")
    with Register(path) as reg:
        reg.record_run({"run_id": "old", "as_of": "2025-06-30"}, old)
        reg.record_run({"run_id": "after", "as_of": "2026-08-31"}, [recorded("C1", "B", 65), recorded("C2", "A", 75)])
    rep = backtest(register_tables(), policy, EVAL, OutcomeRule(), register=path).report
    assert [(r.run_id, r.cases, r.observable) for r in rep.runs] == [("old", 2, True), ("after", 2, False)]
    # the level mix is compared between runs up to E: a run after it is listed, not compared
    assert rep.not_observable == 2 and rep.psi_runs is None and rep.psi is None
    assert [(r.points, r.cases, r.bad) for r in rep.items["payment_timeliness"]] == [(25, 1, 1), (20, 1, 0)]


# ---------------------------------------------------------------- speed


@pytest.mark.perf
def test_outcomes_speed_one_million_rows(policy, capsys):
    """1,000,000 ledger rows of 100,000 customers (some paid on the rows, some by receipts FIFO,
    some late, some open), 6 runs of every customer: the seconds are printed, not asserted."""
    rng = np.random.default_rng(0)
    n_cust, per = 100_000, 10
    n = n_cust * per
    cid = np.repeat(np.array([f"K{i:06d}" for i in range(n_cust)], dtype=object), per)
    issued = np.datetime64("2024-07-01") + rng.integers(0, 700, n).astype("timedelta64[D]")
    due = issued + np.timedelta64(30, "D")
    late = rng.choice([0, 0, 0, 5, 20, 45, 90], n).astype("timedelta64[D]")
    by_row = rng.random(n) < 0.7
    amount = rng.choice([800.0, 5000.0, 20000.0, 150000.0], n)
    led = pd.DataFrame({"customer_id": cid, "invoice_no": [f"F{i}" for i in range(n)],
                        "invoice_date": issued.astype("datetime64[s]"), "amount": amount,
                        "due_date": due.astype("datetime64[s]"), "term_days": np.nan,
                        "paid_date": np.where(by_row, (due + late).astype("datetime64[s]"), np.datetime64("NaT", "s")),
                        "paid_amount": np.where(by_row, amount, np.nan), "row": np.arange(n) + 2}).astype(LEDGER_COLUMNS)
    rec_rows = ~by_row & (rng.random(n) < 0.8)  # the rest stay open
    rec = pd.DataFrame({"customer_id": cid[rec_rows], "date": (due + late)[rec_rows].astype("datetime64[s]"),
                        "amount": amount[rec_rows], "row": np.arange(int(rec_rows.sum())) + 2})
    dates = [d(x) for x in ("2024-12-31", "2025-03-31", "2025-06-30", "2025-09-30", "2025-12-31", "2026-01-31")]
    cases = pd.DataFrame({"run_id": np.repeat([f"R{k}" for k in range(6)], n_cust),
                          "as_of": np.repeat(np.array(dates, dtype=object), n_cust),
                          "customer_id": np.tile(cid[::per], 6)})
    t0 = time.perf_counter()
    lines = ledger_lines(led, rec, NO_TERMS, policy, d("2026-07-31"))
    t1 = time.perf_counter()
    out = outcomes(lines, cases, DEFAULT)
    t2 = time.perf_counter()
    with capsys.disabled():
        print(f"\nledger_lines {t1 - t0:.2f} s, outcomes {t2 - t1:.2f} s for {len(led):,} rows, "
              f"{len(cases):,} cases; bad {out['bad'].mean():.1%}")
    assert len(out) == 600_000 and 0 < out["bad"].mean() < 1


def test_register_mode_agrees_with_rerating_on_runs_the_app_recorded(policy, tmp_path):
    """Two runs recorded by rating the samples as of 30 Jun and 31 Dec 2025 (and a second run of
    31 Dec, which replaces the first), back-tested from the register: the same cases, levels,
    scores, bands and outcomes as re-rating the samples as of those dates."""
    from desktop.session import ImportRequest, RateRequest, Session
    files = tuple(sorted(samples_dir().iterdir()))
    path = tmp_path / "register.sqlite"
    dates = (d("2025-06-30"), D0, D0)
    for day in dates:
        Session().run(RateRequest(ImportRequest(files, (), day), register=path))
    with Register(path, readonly=True) as reg:
        run_ids = [r["run_id"] for r in reversed(reg.runs())]
    data = path.read_bytes()
    tables = import_files(list(files), None, date(2026, 6, 30))
    from_register = backtest(tables, policy, date(2026, 6, 30), OutcomeRule(), register=path).report
    rerated = backtest(tables, policy, date(2026, 6, 30), OutcomeRule(), rerate_at=dates[:2]).report
    assert [(r.run_id, r.superseded_by) for r in from_register.runs] == [
        (run_ids[0], None), (run_ids[1], run_ids[2]), (run_ids[2], None)]
    columns = ["as_of", "customer_id", "level", "score", "bad", "bad_on", "days_past_due", "unpaid",
               *(f"band:{it.key}" for it in policy.items), *(f"points:{it.key}" for it in policy.items)]

    def table(rep):
        return rep.cases[rep.cases["observable"]][columns].sort_values(["as_of", "customer_id"]).reset_index(drop=True)
    # The register also holds the customers who were not trading yet at D0 (rated with no history).
    reg_cases = table(from_register)
    reg_cases = reg_cases.merge(table(rerated)[["as_of", "customer_id"]]).reset_index(drop=True)
    pd.testing.assert_frame_equal(reg_cases, table(rerated), check_dtype=False)
    assert reg_cases["bad"].any()
    assert len(table(from_register)) - len(reg_cases) == rerated.not_trading > 0
    assert path.read_bytes() == data


def test_a_recorded_customer_missing_from_the_sheet_read_is_left_out_not_counted_good(policy, tmp_path):
    """A customer of a recorded run who is not on today's customer sheet (dropped since, often for
    not paying): the importer links none of its ledger rows, so its outcome cannot be seen. It is
    left out of every table and counted, never taken for a good payer."""
    path = tmp_path / "r.sqlite"
    with Register(path) as reg:
        reg.record_run({"run_id": "R1", "as_of": "2025-06-30"},
                       [recorded("C1", "B", 65), recorded("C9", "C", 30), recorded("C8", "C", 20)])
    tables = ImportResult([customer("C1")], ledger([inv("2025-08-01", paid="2025-08-01", cid="C1")]),
                          no_receipts(), [], [])
    rep = backtest(tables, policy, date(2026, 6, 30), OutcomeRule(), register=path).report
    assert rep.not_on_sheet == 2 and rep.not_observable == 0
    assert {lv.level: lv.cases for lv in rep.levels}["C"] == 0  # not "0 bad of 2"
    assert rep.cases.loc[rep.cases["observable"], "customer_id"].tolist() == ["C1"]


def test_an_evaluation_date_after_the_last_day_on_file_is_said(policy, tmp_path):
    """Evaluated as of a day after the ledger's last entry: the payments after it were not read, so
    the report says on which day the data end (a case judged bad may only look bad)."""
    tables = ImportResult([customer("C1")], ledger([inv("2025-08-01", paid="2025-09-15", cid="C1")]),
                          no_receipts(), [], [])
    late = backtest(tables, policy, date(2026, 6, 30), OutcomeRule(), rerate_at=(date(2025, 7, 31),)).report
    assert "ledger_ends_before_evaluation" in late.notes and late.data_end == date(2025, 9, 15)
    on_time = backtest(tables, policy, date(2025, 9, 15), OutcomeRule(horizon_months=1),
                       rerate_at=(date(2025, 7, 31),)).report
    assert "ledger_ends_before_evaluation" not in on_time.notes


def test_no_bad_case_is_no_verdict_on_the_ranking():
    """Every level's rate 0 (no case bad): nothing for the levels to rank, not "never falls"."""
    assert monotonic([None, 0.0, 0.0, 0.0, 0.0]) is None
    assert monotonic([0.0, 0.0, 0.0, 0.0, 0.01]) is True
