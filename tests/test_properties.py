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


# ---------------------------------------------------------------- whole-import properties

_ROW = st.one_of(
    st.tuples(st.just("ok"), st.integers(1, 40)),  # a customer (IDs may repeat: duplicates)
    st.tuples(st.just("no_id"), st.just(0)),  # a name without an ID
    st.tuples(st.just("blank"), st.just(0)),  # an empty row
    st.tuples(st.just("total"), st.just(0)),  # 合计 row
    st.tuples(st.just("bad_number"), st.integers(1, 40)),  # a customer with an unreadable amount
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=25))
def test_every_customer_read_is_rated_or_listed_and_the_audit_reconciles(tmp_path_factory, rows):
    import xlsxwriter

    from desktop.io.importer import import_files
    from desktop.services import rate_imported
    path = tmp_path_factory.mktemp("prop") / "客户.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("客户")
    ws.write_row(0, 0, ["客户编号", "客户名称", "资产总额(万元)"])
    for r, (kind, n) in enumerate(rows, start=1):
        if kind == "ok":
            ws.write_row(r, 0, [f"C{n:03d}", f"公司{n}", 100])
        elif kind == "no_id":
            ws.write_row(r, 1, ["无编号公司"])
        elif kind == "total":
            ws.write_row(r, 0, ["合计", "", 999])
        elif kind == "bad_number":
            ws.write_row(r, 0, [f"C{n:03d}", f"公司{n}", "约一百"])
    wb.close()
    imported = import_files([path], [], D)
    src = next(s for s in imported.sheets if s.kind == "customers")
    excel_rows = {r + 1 for r, (kind, _) in enumerate(rows, start=1) if kind != "blank"}  # header is row 1
    rated_rows = {c.source.row for c in imported.customers}
    listed = {i.row for i in imported.issues if i.sheet == "客户" and i.severity == "error"} | \
        {i.row for i in imported.issues if i.problem == "total row"}
    # every data row is rated or listed with a reason; none is both, none is lost
    assert rated_rows | listed == excel_rows
    assert not (rated_rows & {i.row for i in imported.issues if i.severity == "error"})
    # the audit sheet's reconciliation: read = used + rejected, blank rows counted apart
    assert src.rows_read == len(excel_rows) == src.rows_used + src.rows_rejected
    assert src.blank_rows == sum(1 for k, _ in rows if k == "blank") - _trailing_blanks(rows)
    assert src.rows_used == len(imported.customers)
    if imported.customers:
        rated = rate_imported(imported, POLICY, D, [path])
        assert [d.customer_id for d in rated.rating.decisions] == [c.customer_id for c in imported.customers]


def _trailing_blanks(rows) -> int:
    n = 0
    for kind, _ in reversed(rows):
        if kind != "blank":
            break
        n += 1
    return n
