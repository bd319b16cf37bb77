"""Property-based tests: value parsers and scoring invariants hold for any input."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from builders import customer
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.credit_code import check_char, is_valid_credit_code
from desktop.core.rating import customer_metrics, decide
from desktop.io.policy_file import load_policy
from desktop.io.values import parse_amount, parse_date, parse_yes_no

POLICY = load_policy()
D = date(2026, 6, 30)
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False))
def test_amount_text_forms_round_trip(x):
    v = float(x)
    assert parse_amount(f"{v:,.2f}")[0] == round(v, 2)
    assert parse_amount(f"¥{abs(v):,.2f}")[0] == round(abs(v), 2)
    assert parse_amount(f"({abs(v):,.2f})")[0] == -round(abs(v), 2)
    assert parse_amount(f"{abs(v) / 10000:.6f}万")[0] == round(abs(v) / 10000, 6) * 10000


@given(st.text(max_size=30))
def test_amount_parser_never_raises(text):
    value, problem = parse_amount(text)
    assert (value is None) or (problem is None)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)))
def test_every_date_form_parses_to_the_same_day(d):
    for form in (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month}.{d.day}",
                 f"{d.year}年{d.month}月{d.day}日", d.strftime("%Y%m%d"), (d - date(1899, 12, 30)).days):
        assert parse_date(form) == (d, None), form


@given(st.sampled_from(["是", "有", "Y", "y", "√", "1", "yes", "TRUE"]), st.sampled_from(["否", "无", "N", "×", "0", "no"]))
def test_yes_no_forms(yes, no):
    assert parse_yes_no(yes) == (True, None) and parse_yes_no(no) == (False, None)


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_credit_code_check_digit(body):
    assert is_valid_credit_code(body + check_char(body))
    wrong = ALPHABET[(ALPHABET.index(check_char(body)) + 1) % len(ALPHABET)]
    assert not is_valid_credit_code(body + wrong)


metrics_rows = st.fixed_dictionaries({
    "orders": st.integers(0, 60), "sales_12m": st.floats(0, 2e7), "sales_prev_12m": st.floats(0, 2e7),
    "avg_days_late": st.one_of(st.none(), st.floats(-10, 400)),
})
customers = st.builds(
    lambda status, trend, sued, agreement, years: customer(
        operating_status=status, revenue_trend=trend, sued_by_suppliers=sued, agreement=agreement,
        first_trade_date=D - timedelta(days=years)),
    st.sampled_from(["good", "fair", "poor", None]), st.sampled_from(["growth", "stable", "decline",
                                                                      "sustained_decline", None]),
    st.booleans(), st.booleans(), st.integers(0, 4000))


@settings(max_examples=200)
@given(customers, metrics_rows, st.floats(0, 300))
def test_better_timeliness_never_lowers_the_score(c, row, improvement):
    if row["avg_days_late"] is None:
        return
    worse = decide(c, customer_metrics(c, row, POLICY, D), POLICY, D)
    better_row = dict(row, avg_days_late=row["avg_days_late"] - improvement)
    better = decide(c, customer_metrics(c, better_row, POLICY, D), POLICY, D)
    assert better.total >= worse.total
    assert POLICY.rank(better.level) <= POLICY.rank(worse.level)


@settings(max_examples=300)
@given(customers, metrics_rows)
def test_force_c_and_caps(c, row):
    d = decide(c, customer_metrics(c, row, POLICY, D), POLICY, D)
    if d.overrides:
        assert d.level == "C" and d.recommended_term_days == 0 and d.eligible_limit == 0
    elif d.caps:
        assert d.level not in ("AAA", "AA")
    assert d.total == sum(i.points for i in d.items) and 0 <= d.total <= POLICY.total_points
    assert d.eligible_limit % 1000 == 0 and d.eligible_limit >= 0
    assert d.approval_route == ("none" if d.requested_term_days == 0 else
                                "sales_manager" if d.requested_term_days <= 90 else "cfo_special")


@settings(max_examples=100)
@given(customers, metrics_rows, st.sampled_from(["FORCE_C_OPERATING", "FORCE_C_LITIGATION",
                                                 "FORCE_C_REVENUE_DECLINE"]))
def test_a_force_c_condition_always_yields_c(c, row, code):
    field = {"FORCE_C_OPERATING": ("operating_status", "poor"), "FORCE_C_LITIGATION": ("sued_by_suppliers", True),
             "FORCE_C_REVENUE_DECLINE": ("revenue_trend", "sustained_decline")}[code]
    c = dataclasses.replace(c, **{field[0]: field[1]})
    d = decide(c, customer_metrics(c, row, POLICY, D), POLICY, D)
    assert d.level == "C" and code in [h.code for h in d.overrides]
