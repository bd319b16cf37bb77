"""Exact at the edges (DOMAIN.md, "Scorecard"): every cut point of the shipped default policy.

Each table puts values exactly on a cut point, written the way the sheets write them (元 to
the fen, 万元 as entered). Where the cut point allows it, the value is exact in decimal but
not in binary floating point. Next to each one are the values one fen away on either side
(0.01 元, or 0.01 万元 for the financial figures).
Every case runs the public entry point ``rate`` and asserts the points (or level, or limit)
it gives.

``test_naive_float_lands_on_the_wrong_side`` at the end checks the tables themselves. Each
exact case really is on its edge (checked with Fraction), and plain binary-float arithmetic
really does put it on the wrong side. So the exact cases cannot be swapped for friendlier
numbers without that test failing. Where no such value can exist, a comment says why.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from builders import customer, ledger, no_receipts, worked_example_ledger

from desktop.core.rating import rate
from desktop.io.importer import import_files

D = date(2026, 6, 30)  # the assessment date of DOMAIN's worked example
TRAILING = date(2026, 1, 15)  # an invoice date in the trailing 12 months (2025-06-30, D]
PRIOR = date(2025, 1, 15)  # an invoice date in the prior 12 months (2024-06-30, 2025-06-30]


def rate_one(policy, c, rows=()):
    rating, _ = rate([c], ledger(list(rows)), no_receipts(), policy, D)
    return rating.decisions[0]


def wan(text: str) -> float:
    """A figure as the importer hands it to Customer: the float of the decimal text."""
    return float(text)


def plus(text: str, fen: int) -> str:
    """``text`` moved by ``fen`` hundredths, as decimal text ("0.01" 元 or 万元 per fen)."""
    v = Fraction(text) + Fraction(fen, 100)
    return f"{float(v):.2f}"


def near(exact: tuple, at: int, below: int, above: int, edge: str):
    """Three cases for one cut point: exactly on it, then with the first figure (the
    numerator, or sales_12m) one fen lower and one fen higher."""
    def moved(fen):
        return (plus(exact[0], fen), *exact[1:])
    return [pytest.param(*exact, at, id=f"{edge}-exact"),
            pytest.param(*moved(-1), below, id=f"{edge}-1fen-below"),
            pytest.param(*moved(+1), above, id=f"{edge}-1fen-above")]


# --- debt_ratio = total_liabilities / total_assets (万元), bands closed above -------------------
# (-inf, 0.4] 10; (0.4, 0.6] 8; (0.6, 0.7] 5; (0.7, 0.85] 2; (0.85, inf) 0.
# Each exact pair divides to the edge in decimal, but l/a in binary floats comes out a hair
# above it (0.4000000000000001 and so on). That is the wrong side of a closed upper end.
DEBT_40 = ("4520.52", "11301.30")  # found by search: 4,520.52 / 11,301.30 = 0.4
DEBT_60 = ("44923.14", "74871.90")  # 0.6
DEBT_70 = ("3252.34", "4646.20")  # 0.7
DEBT_85 = ("70579.07", "83034.20")  # DOMAIN's example: exactly 85%, scores 2

DEBT_RATIO = [
    *near(DEBT_40, at=10, below=10, above=8, edge="40%"),
    *near(DEBT_60, at=8, below=8, above=5, edge="60%"),
    *near(DEBT_70, at=5, below=5, above=2, edge="70%"),
    *near(DEBT_85, at=2, below=2, above=0, edge="85%"),
]


@pytest.mark.parametrize("liabilities,assets,points", DEBT_RATIO)
def test_debt_ratio_edges(policy, liabilities, assets, points):
    c = customer(total_liabilities=wan(liabilities), total_assets=wan(assets))
    assert rate_one(policy, c).points("debt_ratio") == points


# --- current_ratio = current_assets / current_liabilities (万元), bands closed below -----------
# (-inf, 1.0) 0; [1.0, 1.5) 2; [1.5, 2.0) 4; [2.0, inf] 5.
# 1.0 and 2.0: no value can trip binary floats. x / x is exactly 1. And the float of 2x is
# exactly twice the float of x (doubling is exact in binary), so the quotient is exactly 2.
# Those cases are still here, as at-the-edge checks.
CURRENT_100 = ("70871.60", "70871.60")
CURRENT_150 = ("106307.40", "70871.60")  # DOMAIN's example: exactly 1.5, scores 4 (float: 1.4999999999999998)
CURRENT_200 = ("141743.20", "70871.60")

CURRENT_RATIO = [
    *near(CURRENT_100, at=2, below=0, above=2, edge="1.0"),
    *near(CURRENT_150, at=4, below=2, above=4, edge="1.5"),
    *near(CURRENT_200, at=5, below=4, above=5, edge="2.0"),
]


@pytest.mark.parametrize("current_assets,current_liabilities,points", CURRENT_RATIO)
def test_current_ratio_edges(policy, current_assets, current_liabilities, points):
    c = customer(current_assets=wan(current_assets), current_liabilities=wan(current_liabilities))
    assert rate_one(policy, c).points("current_ratio") == points


# --- sales_growth = (sales_12m - prior) / prior, from ledger invoices in 元 --------------------
# (-inf, -0.2) 0; [-0.2, 0) 2; [0, 0.2) 4; [0.2, inf) 5.
# A case is (sales_12m, the prior year's invoices).
GROWTH_PLUS_20 = ("9016339.86", ("7513616.55",))  # DOMAIN's example: exactly +20%, scores 5 (float: 0.19999999999999996)
GROWTH_MINUS_20 = ("565772.60", ("707215.75",))  # found by search: exactly -20% (float: -0.20000000000000004)
# 0%: both years hold the same fen. The division cannot go wrong then, because s - p is
# exactly 0. But adding the prior year's invoices in floats gives 200,000.30000000002 against
# the 200,000.30 of the trailing year, a "decline" that would score 2.
GROWTH_ZERO = ("200000.30", ("200000.00", "0.10", "0.20"))

SALES_GROWTH = [
    *near(GROWTH_PLUS_20, at=5, below=4, above=5, edge="+20%"),
    *near(GROWTH_ZERO, at=4, below=2, above=4, edge="0%"),
    *near(GROWTH_MINUS_20, at=2, below=0, above=2, edge="-20%"),
]


@pytest.mark.parametrize("sales_12m,prior,points", SALES_GROWTH)
def test_sales_growth_edges(policy, sales_12m, prior, points):
    rows = [{"invoice_no": f"P{n}", "invoice_date": PRIOR, "amount": float(a)} for n, a in enumerate(prior)]
    rows.append({"invoice_no": "T0", "invoice_date": TRAILING, "amount": float(sales_12m)})
    assert rate_one(policy, customer(), rows).points("sales_growth") == points


# --- sales_12m (元): several invoices with fen amounts, bands closed below ---------------------
# (-inf, 0] 0; (0, 500000) 3; [500000, 1000000) 6; [1000000, 2000000) 9; [2000000, 5000000) 12;
# [5000000, inf) 15. Each sum is exact in fen. Added up in floats, in this order, it comes out
# just under the edge, or just above 0 for the credit-note case.
SALES_0 = ("0.10", "0.20", "-0.30")  # a credit note cancels two invoices: float sum 5.55e-17
SALES_500K = ("499999.92", "0.04", "0.04")  # float sum 499,999.99999999994
SALES_1M = ("999999.70", "0.10", "0.20")  # float sum 999,999.9999999999
SALES_2M = ("1581630.15", "89434.93", "328934.92")  # found by search: float sum 1,999,999.9999999998
SALES_5M = ("4999999.97", "0.01", "0.02")  # float sum 4,999,999.999999999


def sales_cases(parts: tuple[str, ...], at: int, below: int, above: int, edge: str):
    """On the edge, then the last invoice one fen lower and one fen higher."""
    def moved(fen):
        return (*parts[:-1], plus(parts[-1], fen))
    return [pytest.param(parts, at, id=f"{edge}-exact"),
            pytest.param(moved(-1), below, id=f"{edge}-1fen-below"),
            pytest.param(moved(+1), above, id=f"{edge}-1fen-above")]


SALES_12M = [
    *sales_cases(SALES_0, at=0, below=0, above=3, edge="0"),
    *sales_cases(SALES_500K, at=6, below=3, above=6, edge="500k"),
    *sales_cases(SALES_1M, at=9, below=6, above=9, edge="1M"),
    *sales_cases(SALES_2M, at=12, below=9, above=12, edge="2M"),
    *sales_cases(SALES_5M, at=15, below=12, above=15, edge="5M"),
]


@pytest.mark.parametrize("amounts,points", SALES_12M)
def test_sales_12m_edges(policy, amounts, points):
    rows = [{"invoice_no": f"T{n}", "invoice_date": TRAILING, "amount": float(a)} for n, a in enumerate(amounts)]
    assert rate_one(policy, customer(), rows).points("sales_12m") == points


# --- payment_timeliness: amount-weighted average days late, bands closed above -----------------
# (-inf, 0] 30; (0, 7] 25; (7, 15] 20; (15, 30] 15; (30, 60] 10; (60, 90] 5; (90, inf) 0.
# At edge E: 0.10 元 paid E + 7k days late and 0.70 元 paid E - k days late, average exactly E.
# Weighted in 元 floats, (0.1 x d1 + 0.7 x d2) / (0.1 + 0.7) comes out a hair above E. One
# fen more on the later invoice (0.11) goes above E; one fen more on the other (0.71) goes below.
# 0: days late are never below 0 (early payments count 0), so nothing lies one fen below.
# The exact case pays 0.10 early and 0.70 on time. The case above adds a 0.01 invoice one day late.
DUE = date(2026, 2, 1)
TIMELY = {7: (49, 1), 15: (22, 14), 30: (44, 28), 60: (67, 59), 90: (97, 89)}  # E: (d1, d2), found by search
TIMELY_POINTS = {0: 30, 7: 25, 15: 20, 30: 15, 60: 10, 90: 5, "over 90": 0}


def paid_rows(pairs: list[tuple[str, int]]) -> list[dict]:
    """One invoice per (amount, days late), due on DUE, paid in full that many days later."""
    return [{"invoice_no": f"T{n}", "invoice_date": DUE - timedelta(days=30), "due_date": DUE,
             "paid_date": DUE + timedelta(days=late), "amount": float(a), "paid_amount": float(a)}
            for n, (a, late) in enumerate(pairs)]


def timeliness_cases():
    cases = [pytest.param([("0.10", -3), ("0.70", 0)], 30, id="0d-exact"),
             pytest.param([("0.10", -3), ("0.70", 0), ("0.01", 1)], 25, id="0d-1fen-above")]
    edges = sorted(TIMELY)
    for n, e in enumerate(edges):
        d1, d2 = TIMELY[e]
        worse = TIMELY_POINTS[edges[n + 1]] if n + 1 < len(edges) else TIMELY_POINTS["over 90"]
        cases += [pytest.param([("0.10", d1), ("0.70", d2)], TIMELY_POINTS[e], id=f"{e}d-exact"),
                  pytest.param([("0.10", d1), ("0.71", d2)], TIMELY_POINTS[e], id=f"{e}d-1fen-below"),
                  pytest.param([("0.11", d1), ("0.70", d2)], worse, id=f"{e}d-1fen-above")]
    return cases


@pytest.mark.parametrize("pairs,points", timeliness_cases())
def test_payment_timeliness_edges(policy, pairs, points):
    assert rate_one(policy, customer(), paid_rows(pairs)).points("payment_timeliness") == points


# --- cooperation_years = days / 365.25 from first_trade_date to D ------------------------------
# (-inf, 0] 0; (0, 1) 3; [1, 3) 6; [3, 5) 8; [5, inf) 10.
# 1, 3 and 5 years are 365.25, 1,095.75 and 1,826.25 days. No whole number of days lands on
# them, so the nearest whole days on each side are tested. 0 days lands on the 0 edge exactly.
COOPERATION = [
    pytest.param(0, 0, id="0y-exact-0days"),
    pytest.param(1, 3, id="0y-above-1day"),
    pytest.param(365, 3, id="1y-below-365days"),
    pytest.param(366, 6, id="1y-above-366days"),
    pytest.param(1095, 6, id="3y-below-1095days"),
    pytest.param(1096, 8, id="3y-above-1096days"),
    pytest.param(1826, 8, id="5y-below-1826days"),
    pytest.param(1827, 10, id="5y-above-1827days"),
]


@pytest.mark.parametrize("days,points", COOPERATION)
def test_cooperation_years_edges(policy, days, points):
    c = customer(first_trade_date=D - timedelta(days=days))
    assert rate_one(policy, c).points("cooperation_years") == points


# CAP_A_NEW_CUSTOMER: fewer than 3 orders or less than one year of cooperation.
# Orders worth 2,400,000, all in 2026 and paid on time. Totals: 83 at 365 days and 86 at 366
# days (both AA), and 90 for a customer since 2019 (AAA), with 2 orders as with 3.
def orders_rows(n: int) -> list[dict]:
    each = 2_400_000.0 / n
    return [{"invoice_no": f"O{k}", "invoice_date": date(2026, 1 + k, 10), "due_date": date(2026, 2 + k, 10),
             "paid_date": date(2026, 2 + k, 10), "amount": each, "paid_amount": each} for k in range(n)]


NEW_CUSTOMER = [
    pytest.param(D - timedelta(days=365), 3, True, "AA", "A", id="365days-capped"),
    pytest.param(D - timedelta(days=366), 3, False, "AA", "AA", id="366days-not-capped"),
    pytest.param(date(2019, 3, 1), 2, True, "AAA", "A", id="2orders-capped"),
    pytest.param(date(2019, 3, 1), 3, False, "AAA", "AAA", id="3orders-not-capped"),
]


@pytest.mark.parametrize("first,orders,capped,raw,level", NEW_CUSTOMER)
def test_new_customer_cap_edges(policy, first, orders, capped, raw, level):
    d = rate_one(policy, customer(first_trade_date=first), orders_rows(orders))
    assert d.metrics.orders == orders
    assert ("CAP_A_NEW_CUSTOMER" in [h.code for h in d.caps]) is capped
    assert (d.raw_level, d.level) == (raw, level)


# --- registered_capital (万元), bands closed below ---------------------------------------------
# (-inf, 0] 0; (0, 100) 1; [100, 500) 2; [500, 1000) 3; [1000, 5000) 4; [5000, inf) 5.
# The edges are whole 万元, exact in binary, so no value here trips floats (say so if that changes).
REGISTERED_CAPITAL = [pytest.param("0", 0, id="0-exact"), pytest.param("0.01", 1, id="0-1fen-above")]
for _edge, _at, _below in (("100", 2, 1), ("500", 3, 2), ("1000", 4, 3), ("5000", 5, 4)):
    REGISTERED_CAPITAL += [pytest.param(f"{_edge}.00", _at, id=f"{_edge}-exact"),
                           pytest.param(plus(_edge, -1), _below, id=f"{_edge}-1fen-below"),
                           pytest.param(plus(_edge, +1), _at, id=f"{_edge}-1fen-above")]


@pytest.mark.parametrize("capital,points", REGISTERED_CAPITAL)
def test_registered_capital_edges(policy, capital, points):
    c = customer(registered_capital=wan(capital))
    assert rate_one(policy, c).points("registered_capital") == points


# A 注册资本(元) header: the importer turns 元 into 万元 (desktop/io/importer.py, _unit_factor:
# the value x 0.0001). The edges in 元 are 1,000,000 and so on. Their neighbours are one fen
# (0.01 元) away, which is 0.000001 万元.
REGISTERED_CAPITAL_YUAN = []
for _yuan, _at, _below in (("1000000", 2, 1), ("5000000", 3, 2), ("10000000", 4, 3), ("50000000", 5, 4)):
    REGISTERED_CAPITAL_YUAN += [pytest.param(f"{_yuan}.00", _at, id=f"{_yuan}yuan-exact"),
                                pytest.param(plus(_yuan, -1), _below, id=f"{_yuan}yuan-1fen-below"),
                                pytest.param(plus(_yuan, +1), _at, id=f"{_yuan}yuan-1fen-above")]


@pytest.mark.parametrize("yuan,points", REGISTERED_CAPITAL_YUAN)
def test_registered_capital_in_yuan_edges(policy, tmp_path, yuan, points):
    sheet = tmp_path / "客户.csv"
    sheet.write_text(f"客户编号,客户名称,注册资本(元)\nC1,甲,{yuan}\n", encoding="utf-8")
    (c,) = import_files([sheet]).customers
    assert rate_one(policy, c).points("registered_capital") == points


# --- level thresholds: 90 AAA, 80 AA, 70 A, 60 B (totals exactly at and one below) --------------
# From the worked example's ledger: 87 points with its 4.2 days late. Paid on the due dates
# instead, it scores 92 (timeliness 30). The customer fields then take points away
# (registered_capital 200 / 800 / 50 万元 = 2 / 3 / 1 points, None = 0).
def on_time(rows: list[dict]) -> list[dict]:
    return [{**r, "paid_date": r["due_date"]} for r in rows]


LEVELS = [
    pytest.param(True, dict(registered_capital=200.0), 90, "AAA", id="90-AAA"),
    pytest.param(True, dict(registered_capital=50.0), 89, "AA", id="89-AA"),
    pytest.param(False, dict(operating_status="fair", registered_capital=800.0), 80, "AA", id="80-AA"),
    pytest.param(False, dict(operating_status="fair", registered_capital=200.0), 79, "A", id="79-A"),
    pytest.param(False, dict(operating_status="fair", total_liabilities=9000.0, registered_capital=50.0),
                 70, "A", id="70-A"),
    pytest.param(False, dict(operating_status="fair", total_liabilities=9000.0, registered_capital=None),
                 69, "B", id="69-B"),
    pytest.param(False, dict(operating_status=None, total_liabilities=9000.0, current_assets=2000.0,
                             registered_capital=50.0, agreement=False), 60, "B", id="60-B"),
    pytest.param(False, dict(operating_status=None, total_liabilities=9000.0, current_assets=2000.0,
                             registered_capital=None, agreement=False), 59, "C", id="59-C"),
]


@pytest.mark.parametrize("paid_on_time,fields,total,level", LEVELS)
def test_level_threshold_edges(policy, paid_on_time, fields, total, level):
    rows = worked_example_ledger()
    d = rate_one(policy, customer(**fields), on_time(rows) if paid_on_time else rows)
    assert d.overrides == () and d.caps == ()  # the level comes from the total alone
    assert (d.total, d.level) == (total, level)


# --- eligible limit = sales_12m / 12 x (term / 30) x factor, rounded down to 1,000 元 -----------
# AA: 60 days, factor 1.2, so the limit is sales_12m / 5. Three orders in 2026, each paid 10
# days late (timeliness 20), no prior year (growth 2). That totals 83 at 7,535,000 and 80 at
# 2,400,000, AA in both cases. In floats 7,535,000 / 12 x 60 / 30 x 1.2 = 1,506,999.9999999998.
# 2,400,000 gives exactly 480,000 in that order, but 479,999.99999999994 in another order
# (2,400,000 x (1.2 / 12) x 2). It is here as DOMAIN's worked example, not as a float trap.
def three_orders(amounts: tuple[str, str, str]) -> list[dict]:
    rows = []
    for k, a in enumerate(amounts):
        inv, due = date(2026, 1 + k, 10), date(2026, 2 + k, 9)
        rows.append({"invoice_no": f"L{k}", "invoice_date": inv, "due_date": due,
                     "paid_date": due + timedelta(days=10), "amount": float(a), "paid_amount": float(a)})
    return rows


LIMIT_7535K = ("2511666.67", "2511666.67", "2511666.66")  # 7,535,000.00 (DOMAIN)
LIMIT_2400K = ("800000.00", "800000.00", "800000.00")  # 2,400,000.00 (DOMAIN's worked example)

ELIGIBLE_LIMIT = [
    pytest.param(three_orders(LIMIT_7535K), 1_507_000, id="7535000-exact"),
    pytest.param(three_orders((*LIMIT_7535K[:2], plus(LIMIT_7535K[2], -1))), 1_506_000, id="7535000-1fen-below"),
    pytest.param(three_orders((*LIMIT_7535K[:2], plus(LIMIT_7535K[2], +1))), 1_507_000, id="7535000-1fen-above"),
    pytest.param(three_orders(LIMIT_2400K), 480_000, id="2400000-exact"),
    pytest.param(three_orders((*LIMIT_2400K[:2], plus(LIMIT_2400K[2], -1))), 479_000, id="2400000-1fen-below"),
    pytest.param(three_orders((*LIMIT_2400K[:2], plus(LIMIT_2400K[2], +1))), 480_000, id="2400000-1fen-above"),
    pytest.param(worked_example_ledger(), 480_000, id="worked-example-ledger"),
]


@pytest.mark.parametrize("rows,limit", ELIGIBLE_LIMIT)
def test_eligible_limit_edges(policy, rows, limit):
    d = rate_one(policy, customer(), rows)
    assert (d.level, d.recommended_term_days) == ("AA", 60)
    assert d.eligible_limit == limit


# --- the tables themselves ---------------------------------------------------------------------
def q(text: str) -> Fraction:
    return Fraction(text)


def float_sum(parts: tuple[str, ...]) -> float:
    total = 0.0
    for p in parts:  # left to right, as a plain loop or spreadsheet SUM would
        total += float(p)
    return total


def growth(case) -> tuple[Fraction, float]:
    """(exact growth, growth in binary floats) of a (sales_12m, prior invoices) case."""
    s, prior = case
    exact = (q(s) - sum(map(q, prior))) / sum(map(q, prior))
    return exact, (float(s) - float_sum(prior)) / float_sum(prior)


def timely(e: int):
    d1, d2 = TIMELY[e]
    exact = (q("0.10") * d1 + q("0.70") * d2) / (q("0.10") + q("0.70"))
    return exact, q(str(e)), (0.1 * d1 + 0.7 * d2) / (0.1 + 0.7) <= e


# (exact value as a Fraction, the edge, does naive binary float put it on the right side?)
NAIVE = [
    pytest.param(q(DEBT_40[0]) / q(DEBT_40[1]), q("0.4"), float(DEBT_40[0]) / float(DEBT_40[1]) <= 0.4,
                 id="debt-40%"),
    pytest.param(q(DEBT_60[0]) / q(DEBT_60[1]), q("0.6"), float(DEBT_60[0]) / float(DEBT_60[1]) <= 0.6,
                 id="debt-60%"),
    pytest.param(q(DEBT_70[0]) / q(DEBT_70[1]), q("0.7"), float(DEBT_70[0]) / float(DEBT_70[1]) <= 0.7,
                 id="debt-70%"),
    pytest.param(q(DEBT_85[0]) / q(DEBT_85[1]), q("0.85"), float(DEBT_85[0]) / float(DEBT_85[1]) <= 0.85,
                 id="debt-85%"),
    pytest.param(q(CURRENT_150[0]) / q(CURRENT_150[1]), q("1.5"),
                 float(CURRENT_150[0]) / float(CURRENT_150[1]) >= 1.5, id="current-1.5"),
    pytest.param(growth(GROWTH_PLUS_20)[0], q("0.2"), growth(GROWTH_PLUS_20)[1] >= 0.2, id="growth+20%"),
    pytest.param(growth(GROWTH_MINUS_20)[0], q("-0.2"), growth(GROWTH_MINUS_20)[1] >= -0.2, id="growth-20%"),
    pytest.param(growth(GROWTH_ZERO)[0], q("0"), growth(GROWTH_ZERO)[1] >= 0, id="growth-0%"),
    pytest.param(sum(map(q, SALES_0)), q("0"), float_sum(SALES_0) <= 0, id="sales-0"),
    pytest.param(sum(map(q, SALES_500K)), q("500000"), float_sum(SALES_500K) >= 500_000, id="sales-500k"),
    pytest.param(sum(map(q, SALES_1M)), q("1000000"), float_sum(SALES_1M) >= 1_000_000, id="sales-1M"),
    pytest.param(sum(map(q, SALES_2M)), q("2000000"), float_sum(SALES_2M) >= 2_000_000, id="sales-2M"),
    pytest.param(sum(map(q, SALES_5M)), q("5000000"), float_sum(SALES_5M) >= 5_000_000, id="sales-5M"),
    *[pytest.param(*timely(e), id=f"timeliness-{e}d") for e in sorted(TIMELY)],
    pytest.param(sum(map(q, LIMIT_7535K)) / 12 * 60 / 30 * q("1.2"), q("1507000"),
                 7_535_000 / 12 * 60 / 30 * 1.2 >= 1_507_000, id="limit-7535000"),
]


@pytest.mark.parametrize("exact,edge,naive_right", NAIVE)
def test_naive_float_lands_on_the_wrong_side(exact, edge, naive_right):
    assert exact == edge  # the case is exactly on its cut point ...
    assert naive_right is False  # ... and binary floats put it on the wrong side
