"""The rules of DOMAIN.md on the default policy: the worked example and every cut point."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from builders import VALID_CODE, customer, ledger, no_receipts, receipts, worked_example_ledger

from desktop.core.metrics import compute_metrics
from desktop.core.rating import customer_metrics, decide, rate
from desktop.core.terms import add_months

D = date(2026, 6, 30)


def rate_one(c, rows, policy, recs=None, as_of=D):
    rating, _ = rate([c], ledger(rows), recs if recs is not None else no_receipts(), policy, as_of)
    return rating.decisions[0]


def test_worked_example_gives_exactly_its_numbers(policy):
    c = customer(requested_term_days=120)
    d = rate_one(c, worked_example_ledger(), policy)
    m = d.metrics
    assert m.orders == 14
    assert m.sales_12m == 2_400_000 and m.sales_prev_12m == 2_100_000
    assert round(m.sales_growth, 3) == 0.143
    assert m.avg_days_late == pytest.approx(4.2)
    assert [i.points for i in d.items] == [25, 10, 12, 4, 15, 8, 4, 4, 5]
    assert d.total == 87 and d.raw_level == "AA" and d.level == "AA"
    assert d.overrides == () and d.caps == () and d.term_rules == ()
    assert d.recommended_term_days == 60
    assert d.eligible_limit == 480_000
    assert d.approval_route == "cfo_special" and d.exceeds_policy and d.exceeds == ("term",)
    assert d.next_review == date(2026, 12, 30)


@pytest.mark.parametrize("total,level", [(100, "AAA"), (90, "AAA"), (89, "AA"), (80, "AA"), (79, "A"),
                                         (70, "A"), (69, "B"), (60, "B"), (59, "C"), (0, "C")])
def test_level_thresholds(policy, total, level):
    assert policy.level_for(total) == level


def _metrics(policy, c=None, **kw):
    base = customer_metrics(c or customer(), {"orders": 14, "sales_12m": 2_400_000.0, "sales_prev_12m": 2_100_000.0,
                                         "avg_days_late": 4.2}, policy, D)
    return dataclasses.replace(base, **kw)


@pytest.mark.parametrize("avg,points,forced", [
    (0.0, 30, False), (-3.0, 30, False), (0.01, 25, False), (7.0, 25, False), (7.01, 20, False),
    (15.0, 20, False), (30.0, 15, False), (30.5, 10, False), (60.0, 10, False), (60.01, 5, True),
    (90.0, 5, True), (90.01, 0, True), (None, 15, False)])
def test_timeliness_bands_and_force_c(policy, avg, points, forced):
    d = decide(customer(), _metrics(policy, avg_days_late=avg), policy, D)
    assert d.points("payment_timeliness") == points
    assert ("FORCE_C_TIMELINESS" in [h.code for h in d.overrides]) is forced
    assert (d.level == "C") is forced


@pytest.mark.parametrize("orders,capped,term", [(2, True, 0), (3, False, 60)])
def test_two_or_three_orders(policy, orders, capped, term):
    d = decide(customer(), _metrics(policy, orders=orders), policy, D)
    assert ("CAP_A_NEW_CUSTOMER" in [h.code for h in d.caps]) is capped
    assert d.recommended_term_days == term
    assert ("TERM_NEW_CUSTOMER_CASH" in [h.code for h in d.term_rules]) is capped


@pytest.mark.parametrize("first,years_points,capped", [
    (D - timedelta(days=365), 3, True),  # 0.9993 years: just under one year
    (D - timedelta(days=366), 6, False),  # 1.002 years
    (D - timedelta(days=1), 3, True),
    (D, 0, True),  # no cooperation time at all
])
def test_just_under_and_over_one_year(policy, first, years_points, capped):
    c = customer(first_trade_date=first)
    m = customer_metrics(c, {"orders": 14, "sales_12m": 2_400_000.0, "sales_prev_12m": 2_100_000.0,
                             "avg_days_late": 4.2}, policy, D)
    d = decide(c, m, policy, D)
    assert d.points("cooperation_years") == years_points
    assert ("CAP_A_NEW_CUSTOMER" in [h.code for h in d.caps]) is capped
    if capped:
        assert policy.rank(d.level) >= policy.rank("A")


def test_cap_lowers_aa_to_a_but_not_b(policy):
    aa = decide(customer(), _metrics(policy, orders=2), policy, D)
    assert aa.raw_level == "AA" and aa.level == "A"
    b = decide(customer(operating_status="fair", registered_capital=50.0),
               _metrics(policy, orders=2, avg_days_late=20.0), policy, D)
    assert b.raw_level == "B" and b.level == "B" and b.caps


@pytest.mark.parametrize("requested,route,exceeds", [(0, "none", False), (1, "sales_manager", False),
                                                     (60, "sales_manager", False), (90, "sales_manager", True),
                                                     (91, "cfo_special", True), (120, "cfo_special", True)])
def test_requested_term_routes(policy, requested, route, exceeds):
    d = decide(customer(requested_term_days=requested), _metrics(policy), policy, D)
    assert d.approval_route == route
    assert d.exceeds_policy is exceeds


def test_requested_limit_above_eligible_exceeds_policy(policy):
    d = decide(customer(requested_limit=480_001.0), _metrics(policy), policy, D)
    assert d.requested_term_days == 60 and d.exceeds == ("limit",) and d.approval_route == "sales_manager"
    ok = decide(customer(requested_limit=480_000.0), _metrics(policy), policy, D)
    assert not ok.exceeds_policy


def test_request_defaults_to_recommendation(policy):
    d = decide(customer(), _metrics(policy), policy, D)
    assert (d.requested_term_days, d.requested_limit, d.request_given) == (60, 480_000.0, False)


def test_missing_financials_score_zero(policy):
    c = customer(total_assets=None, total_liabilities=None, current_assets=None, current_liabilities=None,
                 registered_capital=None, operating_status=None)
    d = decide(c, _metrics(policy, c), policy, D)
    assert d.points("debt_ratio") == 0 and d.points("current_ratio") == 0
    assert d.points("registered_capital") == 0 and d.points("operating_status") == 5


@pytest.mark.parametrize("liab,points", [(4000.0, 10), (4001.0, 8), (6000.0, 8), (7000.0, 5), (8500.0, 2),
                                         (8501.0, 0)])
def test_debt_ratio_bands(policy, liab, points):
    c = customer(total_liabilities=liab)
    d = decide(c, _metrics(policy, c), policy, D)
    assert d.points("debt_ratio") == points


def test_three_in_one_licence(policy):
    base = dict(tax_registration=None, org_code=None)
    valid = decide(customer(credit_code=VALID_CODE, **base), _metrics(policy), policy, D)
    assert valid.points("documents") == 5 and not valid.caps and valid.recommended_term_days == 60
    bad_code = VALID_CODE[:-1] + ("0" if VALID_CODE[-1] != "0" else "1")
    invalid = decide(customer(credit_code=bad_code, **base), _metrics(policy), policy, D)
    assert invalid.points("documents") == 0  # two missing
    assert [h.code for h in invalid.caps] == ["CAP_A_DOCUMENTS"] and invalid.level == "A"
    assert "TERM_DOCUMENTS_INCOMPLETE" in [h.code for h in invalid.term_rules]
    assert invalid.recommended_term_days == 0
    no_licence = decide(customer(credit_code=VALID_CODE, license=False, **base), _metrics(policy), policy, D)
    assert no_licence.points("documents") == 0


def test_one_document_missing_gives_three_points_and_no_agreement_no_terms(policy):
    d = decide(customer(agreement=False), _metrics(policy), policy, D)
    assert d.points("documents") == 3
    assert not d.caps  # the agreement is not a key document
    assert [h.code for h in d.term_rules] == ["TERM_NO_AGREEMENT"] and d.recommended_term_days == 0
    assert d.eligible_limit == 0


@pytest.mark.parametrize("field,value,code", [("operating_status", "poor", "FORCE_C_OPERATING"),
                                              ("revenue_trend", "sustained_decline", "FORCE_C_REVENUE_DECLINE"),
                                              ("sued_by_suppliers", True, "FORCE_C_LITIGATION")])
def test_force_c_rules_win_over_everything(policy, field, value, code):
    d = decide(customer(**{field: value}), _metrics(policy, orders=2), policy, D)
    assert [h.code for h in d.overrides] == [code]
    assert d.level == "C" and d.recommended_term_days == 0 and d.eligible_limit == 0
    assert d.next_review == date(2026, 7, 30)


def test_credit_notes_reduce_sales_but_not_orders_or_timeliness(policy):
    rows = [{"invoice_date": date(2026, 1, 10), "amount": 100_000.0, "due_date": date(2026, 2, 10),
             "paid_date": date(2026, 2, 10), "paid_amount": 100_000.0},
            {"invoice_date": date(2026, 1, 20), "amount": -20_000.0, "due_date": date(2026, 1, 20)}]
    d = rate_one(customer(), rows, policy)
    assert d.metrics.sales_12m == 80_000 and d.metrics.orders == 1
    assert d.metrics.avg_days_late == 0
    assert d.metrics.open_ar == -20_000  # an unapplied credit note is a credit balance ...
    assert d.metrics.aging["not_due"] == -20_000 and d.metrics.overdue_balance == 0  # ... owed, not overdue


def test_partial_payment_weights_days_by_amount(policy):
    rows = [{"invoice_date": date(2026, 3, 1), "amount": 100_000.0, "due_date": date(2026, 4, 1),
             "paid_date": date(2026, 4, 11), "paid_amount": 60_000.0}]
    d = rate_one(customer(), rows, policy)
    # 60,000 paid 10 days late; 40,000 still open 90 days past due at D
    assert d.metrics.avg_days_late == pytest.approx((60_000 * 10 + 40_000 * 90) / 100_000)
    assert d.metrics.open_ar == 40_000 and d.metrics.overdue_balance == 40_000
    assert d.metrics.aging["61-90"] == 40_000


def test_payment_after_as_of_counts_as_unpaid(policy):
    rows = [{"invoice_date": date(2026, 5, 1), "amount": 50_000.0, "due_date": date(2026, 6, 1),
             "paid_date": date(2026, 7, 5), "paid_amount": 50_000.0}]
    d = rate_one(customer(), rows, policy)
    assert d.metrics.open_ar == 50_000 and d.metrics.avg_days_late == 29
    assert d.metrics.aging["1-30"] == 50_000


def test_fifo_receipts_oldest_due_first(policy):
    rows = [{"invoice_date": date(2026, 3, 1), "amount": 100_000.0, "due_date": date(2026, 4, 30)},
            {"invoice_date": date(2026, 1, 1), "amount": 50_000.0, "due_date": date(2026, 3, 1)},
            {"invoice_date": date(2026, 5, 1), "amount": 30_000.0, "due_date": date(2026, 7, 31)}]
    recs = receipts([("C1", date(2026, 3, 11), 80_000.0), ("C1", date(2026, 7, 2), 100_000.0)])
    rating, unapplied = rate([customer()], ledger(rows), recs, policy, D)
    m = rating.decisions[0].metrics
    # 80,000 on 11 Mar: 50,000 to the oldest due (10 days late), 30,000 to the next (early: 0 days).
    # 70,000 of the 30 Apr invoice is open 61 days; the July receipt is after D.
    assert m.open_ar == 70_000 + 30_000
    assert m.avg_days_late == pytest.approx((50_000 * 10 + 30_000 * 0 + 70_000 * 61) / 150_000)
    assert m.aging["61-90"] == 70_000 and m.aging["not_due"] == 30_000
    assert unapplied.empty


def test_receipt_larger_than_invoices_is_reported_unapplied(policy):
    rows = [{"invoice_date": date(2026, 3, 1), "amount": 10_000.0, "due_date": date(2026, 4, 1)}]
    recs = receipts([("C1", date(2026, 3, 20), 25_000.0)])
    rating, unapplied = rate([customer()], ledger(rows), recs, policy, D)
    assert rating.decisions[0].metrics.open_ar == 0
    assert list(unapplied["unapplied"]) == [15_000.0]


def test_due_date_derivation_order(policy):
    rows = [{"invoice_date": date(2026, 6, 1), "amount": 1.0, "due_date": date(2026, 6, 10), "term_days": 90},
            {"invoice_date": date(2026, 6, 1), "amount": 1.0, "term_days": 20},
            {"invoice_date": date(2026, 6, 1), "amount": 1.0, "customer_id": "C2"},
            {"invoice_date": date(2026, 6, 1), "amount": 1.0, "customer_id": "C3"}]
    import pandas as pd
    terms = pd.Series({"C1": 45.0, "C2": 15.0, "C3": None}, dtype="float64")
    table, _ = compute_metrics(ledger(rows), no_receipts(), terms, policy, D)
    # days past due at D: 20 (due col), 9 (term col), 14 (customer's term), 29 (invoice date)
    assert table.loc["C1", "aging:1-30"] == 2.0
    assert table.loc["C2", "aging:1-30"] == 1.0 and table.loc["C3", "aging:1-30"] == 1.0


def test_trailing_year_is_half_open(policy):
    rows = [{"invoice_date": date(2025, 6, 30), "amount": 1_000.0, "paid_date": date(2025, 6, 30)},
            {"invoice_date": date(2025, 7, 1), "amount": 2_000.0, "paid_date": date(2025, 7, 1)},
            {"invoice_date": date(2026, 6, 30), "amount": 4_000.0, "paid_date": date(2026, 6, 30)},
            {"invoice_date": date(2026, 7, 1), "amount": 8_000.0}]
    d = rate_one(customer(), rows, policy)
    assert d.metrics.sales_12m == 6_000 and d.metrics.sales_prev_12m == 1_000
    assert d.metrics.orders == 3  # the July invoice is after D


def test_no_ledger_rows_means_no_history(policy):
    d = rate_one(customer(first_trade_date=None), [], policy)
    assert d.metrics.avg_days_late is None and d.points("payment_timeliness") == 15
    assert d.metrics.cooperation_years is None and d.points("cooperation_years") == 0
    assert d.points("sales_growth") == 2 and d.points("sales_12m") == 0
    assert d.recommended_term_days == 0 and "CAP_A_NEW_CUSTOMER" in [h.code for h in d.caps]


def test_eligible_limit_rounds_down_to_thousand(policy):
    d = decide(customer(), _metrics(policy, sales_12m=2_399_999.0), policy, D)
    assert d.eligible_limit == 479_000


def test_add_months_clamps_to_month_end():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
