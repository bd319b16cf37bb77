"""Hostile and odd cell values: each is a row issue naming the cell, or a value taken as written.

One tiny workbook per case (a customer sheet and a ledger sheet), read as a clerk's file is
read. Every case states the problem text, the action and the severity expected on the cell,
and whether the row was used: nothing is dropped silently and nothing is taken silently.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import xlsxwriter

from desktop.io import values as V
from desktop.io.importer import import_files
from desktop.io.workbook import read_file
from desktop.io.writers.labels import issue_text

VALID_CODE = "91350100M000100Y43"
CUSTOMER_HEADER = ["客户编号", "客户名称", "注册资本(万元)", "首次合作日期", "现行账期(天)", "申请额度(万元)",
                   "统一社会信用代码"]
LEDGER_HEADER = ["客户编号", "发票号", "发票日期", "金额", "到期日", "账期(天)", "回款金额"]
BASE_CUSTOMER = ["C1", "甲", None, None, None, None, None]
BASE_LEDGER = ["C1", "A1", dt.date(2026, 1, 5), 100, None, None, None]


@dataclass(frozen=True)
class Num:
    """A number cell (General format), as Excel stores a typed number."""

    value: float


@dataclass(frozen=True)
class DateNum:
    """A number cell formatted as a date (yyyy-mm-dd), holding any serial."""

    value: float


def _workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, DateNum):
                    ws.write_number(r, c, v.value, datef)
                elif isinstance(v, Num):
                    ws.write_number(r, c, v.value)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), datef)
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write_number(r, c, v)
    wb.close()
    return path


@dataclass(frozen=True)
class Case:
    name: str
    sheet: str          # "客户" (customers) or "明细" (ledger)
    column: str         # header of the cell under test
    cell: Any           # text, Num or DateNum
    problem: str | None  # expected problem on the cell (None: nothing to say)
    action: str | None
    severity: str | None
    used: bool          # the row is used (a customer rated / a ledger row kept)
    field: str | None = None  # field whose parsed value is checked
    value: Any = None   # expected value of that field
    also: tuple = ()    # (problem, action, severity) of further issues on the same cell


NOT_USED = ("row not used", "error", False)
BLANK = ("treated as blank", "warning", True)
KEPT = ("corrected value used", "warning", True)
OUTSIDE = "date outside 1900-01-01..2100-12-31"
BEYOND = "amount beyond 10^13 元"


def _c(name, sheet, column, cell, problem, outcome=(None, None, True), field=None, value=None, also=()):
    action, severity, used = outcome
    return Case(name, sheet, column, cell, problem, action, severity, used, field, value, also)


CASES = [
    # ambiguous number texts: refused with what is wrong
    _c("exponent text", "明细", "金额", "3e5", "ambiguous number (written with an exponent)", NOT_USED),
    _c("exponent text 1E+308", "明细", "金额", "1E+308", "ambiguous number (written with an exponent)", NOT_USED),
    _c("commas not in threes", "明细", "金额", "1,2,3", "ambiguous number (commas not in groups of three)", NOT_USED),
    _c("space thousands, decimal comma", "明细", "金额", "1 200,50", "ambiguous number (a decimal comma?)", NOT_USED),
    _c("dot thousands, decimal comma", "明细", "金额", "1.200,50", "ambiguous number (a decimal comma?)", NOT_USED),
    _c("decimal comma", "明细", "金额", "12,5", "ambiguous number (a decimal comma?)", NOT_USED),
    _c("double minus", "明细", "金额", "--5", "ambiguous number (more than one sign)", NOT_USED),
    _c("plus minus", "明细", "金额", "+-5", "ambiguous number (more than one sign)", NOT_USED),
    _c("brackets and minus", "明细", "金额", "(-300)", "ambiguous number (more than one sign)", NOT_USED),
    _c("two decimal points", "明细", "金额", "1.2.3", "ambiguous number (more than one decimal point)", NOT_USED),
    _c("space inside digits", "明细", "金额", "1 2", "ambiguous number (spaces inside the digits)", NOT_USED),
    _c("exponent in a paid amount", "明细", "回款金额", "1e3", "ambiguous number (written with an exponent)", BLANK,
       "paid_amount", None),
    # the forms that work keep working
    _c("yuan sign and commas", "明细", "金额", "¥1,200.50", None, field="amount", value=1200.5),
    _c("wan in text", "明细", "金额", "1.2万", None, field="amount", value=12_000.0),
    _c("brackets: a credit note", "明细", "金额", "(300)", None, field="amount", value=-300.0),
    _c("minus and yuan", "明细", "金额", "-300元", None, field="amount", value=-300.0),
    _c("full-width digits", "明细", "金额", "１２３４.５", None, field="amount", value=1234.5),
    _c("groups of three", "明细", "金额", "1,234,567.89", None, field="amount", value=1_234_567.89),
    _c("RMB prefix", "明细", "金额", "RMB 100", None, field="amount", value=100.0),
    # too large or not finite: refused, whatever the cell type
    _c("400 digits as text", "明细", "金额", "9" * 400, "not a finite amount", NOT_USED),
    _c("number cell 1e308", "明细", "金额", Num(1e308), BEYOND, NOT_USED),
    _c("number cell 1e17", "明细", "金额", Num(1e17), BEYOND, NOT_USED),
    _c("number cell -1e17", "明细", "金额", Num(-1e17), BEYOND, NOT_USED),
    _c("number cell 20 digits", "明细", "金额", Num(12345678901234567890), BEYOND, NOT_USED),
    _c("number cell 1e15 + 0.3", "明细", "金额", Num(1e15 + 0.3), BEYOND, NOT_USED),
    _c("a fen over 10^13", "明细", "金额", Num(10_000_000_000_000.01), BEYOND, NOT_USED),
    _c("paid amount 1e17", "明细", "回款金额", Num(1e17), BEYOND, BLANK, "paid_amount", None),
    _c("capital in 万元 over 10^9", "客户", "注册资本(万元)", Num(2e9), BEYOND, BLANK, "registered_capital", None),
    _c("requested limit in 万元 over 10^9", "客户", "申请额度(万元)", Num(1.5e9), BEYOND, BLANK, "requested_limit", None),
    # real number cells of extreme values inside the range: taken as written
    _c("number cell 10^13 exactly", "明细", "金额", Num(1e13), None, field="amount", value=1e13),
    _c("number cell just under 10^13", "明细", "金额", Num(9_999_999_999_999.99), None, field="amount",
       value=9_999_999_999_999.99),
    _c("capital 10^9 万元 exactly", "客户", "注册资本(万元)", Num(1e9), None, field="registered_capital", value=1e9),
    _c("requested limit 10^9 万元", "客户", "申请额度(万元)", Num(1e9), None, field="requested_limit", value=1e13),
    _c("number cell 0.1 + 0.2", "明细", "金额", Num(0.1 + 0.2), None, field="amount", value=0.3),
    _c("number cell -0.0", "明细", "金额", Num(-0.0), None, field="amount", value=0.0),
    _c("number cell 1e-7", "明细", "金额", Num(1e-7), "amount finer than a fen", ("rounded to 0.00", "warning", True),
       "amount", 1e-7),
    # dates outside 1900-01-01..2100-12-31, and serials that are not dates
    _c("text date 1899-12-31", "明细", "发票日期", "1899-12-31", OUTSIDE, NOT_USED),
    _c("text date 2101-01-01", "明细", "发票日期", "2101-01-01", OUTSIDE, NOT_USED),
    _c("text date 0001-01-01", "明细", "发票日期", "0001-01-01", OUTSIDE, NOT_USED),
    _c("text date 9999-12-31", "明细", "发票日期", "9999-12-31", OUTSIDE, NOT_USED),
    _c("text date 1066", "明细", "发票日期", "1066年10月14日", OUTSIDE, NOT_USED),
    _c("date cell -700000", "明细", "发票日期", DateNum(-700000), OUTSIDE, NOT_USED),
    _c("date cell 1e10", "明细", "发票日期", DateNum(1e10), "a number that is not a date", NOT_USED),
    _c("date cell 1e308", "明细", "发票日期", DateNum(1e308), "a number that is not a date", NOT_USED),
    _c("date cell 2101-01-01", "明细", "发票日期", DateNum(73416), OUTSIDE, NOT_USED),
    _c("date cell 0", "明细", "发票日期", DateNum(0), OUTSIDE, NOT_USED),
    _c("negative serial", "明细", "发票日期", Num(-5), "a number that is not a date", NOT_USED),
    _c("serial beyond 2100", "明细", "到期日", Num(80000), OUTSIDE, BLANK, "due_date", None),
    _c("first trade date cell -700000", "客户", "首次合作日期", DateNum(-700000), OUTSIDE, BLANK,
       "first_trade_date", None),
    _c("date cell 2100-12-31", "明细", "发票日期", DateNum(73415), None, field="invoice_date", value=dt.date(2100, 12, 31)),
    _c("date cell 1900-01-01", "明细", "发票日期", DateNum(1), None, field="invoice_date", value=dt.date(1900, 1, 1)),
    _c("serial 73050", "明细", "发票日期", Num(73050), None, field="invoice_date", value=dt.date(2099, 12, 31)),
    # whole days
    _c("term days as exponent text", "明细", "账期(天)", "1e308", "ambiguous number (written with an exponent)", BLANK,
       "term_days", None),
    _c("term days cell 1e308", "明细", "账期(天)", Num(1e308), "more than 3650 days", BLANK, "term_days", None),
    _c("term days 3651", "明细", "账期(天)", Num(3651), "more than 3650 days", BLANK, "term_days", None),
    _c("term days 3650", "明细", "账期(天)", Num(3650), None, field="term_days", value=3650),
    _c("term days rounded", "明细", "账期(天)", Num(30.6), "not a whole number of days; rounded to 31", KEPT,
       "term_days", 31),
    _c("current term rounded", "客户", "现行账期(天)", "59.8天", "not a whole number of days; rounded to 60", KEPT,
       "current_term_days", 60),
    # IDs with invisible characters: cleaned, said so, and the row links
    _c("zero-width space after a customer ID", "客户", "客户编号", "C1\u200b", "invisible characters removed from the ID",
       KEPT, "customer_id", "C1"),
    _c("byte-order mark before a ledger ID", "明细", "客户编号", "\ufeffC1", "invisible characters removed from the ID",
       KEPT, "customer_id", "C1"),
    _c("non-breaking space inside a ledger ID", "明细", "客户编号", "C\u00a01",
       "invisible characters removed from the ID", KEPT, "customer_id", "C1"),
    _c("bidi override in a ledger ID", "明细", "客户编号", "\u202eC1\u202c", "invisible characters removed from the ID",
       KEPT, "customer_id", "C1"),
    _c("soft hyphen in an invoice number", "明细", "发票号", "A\u00ad1", "invisible characters removed from the ID",
       KEPT, "invoice_no", "A1"),
    _c("word joiner in a full-width ID", "明细", "客户编号", "Ｃ\u20601", "invisible characters removed from the ID",
       KEPT, "customer_id", "C1"),
    _c("credit code with a zero-width joiner", "客户", "统一社会信用代码", VALID_CODE[:9] + "\u200d" + VALID_CODE[9:],
       "invisible characters removed from the ID", KEPT, "credit_code", VALID_CODE),
    _c("an ID of invisible characters only", "明细", "客户编号", "\u200b\u200c", "the ID holds only invisible characters",
       ("treated as blank", "warning", False), also=(("no customer ID or name", "row not used", "error"),)),
]


def _run(tmp_path: Path, case: Case):
    customers = [CUSTOMER_HEADER, list(BASE_CUSTOMER)]
    ledger = [LEDGER_HEADER, list(BASE_LEDGER)]
    rows = customers if case.sheet == "客户" else ledger
    rows[1][rows[0].index(case.column)] = case.cell
    path = _workbook(tmp_path / "hostile.xlsx", {"客户": customers, "明细": ledger})
    return import_files([path])


def _parsed(result, case: Case):
    if case.sheet == "客户":
        (customer,) = result.customers
        return getattr(customer, case.field)
    (value,) = list(result.ledger[case.field])
    if isinstance(value, pd.Timestamp):
        return value.date()
    return None if value is None or value != value else value


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_value(tmp_path, case):
    r = _run(tmp_path, case)
    on_row = [i for i in r.issues if i.sheet == case.sheet and i.row == 2]
    on_cell = [i for i in on_row if i.column.split(" ", 1)[-1] == case.column]
    if case.problem is None:
        assert on_row == [], on_row  # taken as written: nothing to say
    else:
        assert [(i.problem, i.action, i.severity) for i in on_cell] == [(case.problem, case.action, case.severity),
                                                                        *case.also]
        assert on_cell[0].file == "hostile.xlsx" and on_cell[0].column.startswith(
            "ABCDEFG"[(CUSTOMER_HEADER if case.sheet == "客户" else LEDGER_HEADER).index(case.column)] + " ")
    if case.sheet == "客户":
        assert [c.customer_id for c in r.customers] == (["C1"] if case.used else [])
        assert len(r.ledger) == (1 if case.used else 0)  # the ledger row links to the customer, or to nobody
    else:
        assert [c.customer_id for c in r.customers] == ["C1"]
        assert len(r.ledger) == (1 if case.used else 0)
    if not case.used:  # never silently dropped: the row carries an error
        assert any(i.severity == "error" for i in r.issues if i.row == 2)
    if case.field is not None:
        assert _parsed(r, case) == case.value
    for issue in r.issues:  # every text the clerk sees has its Chinese form
        for text in (issue.problem, issue.action):
            assert re.search(r"[\u4e00-\u9fff]", issue_text(text, "zh")), text


def test_the_corpus_is_large_and_covers_each_problem():
    assert len(CASES) >= 25
    problems = {c.problem for c in CASES}
    for expected in ("ambiguous number (written with an exponent)", "ambiguous number (a decimal comma?)",
                     "ambiguous number (commas not in groups of three)", "ambiguous number (more than one sign)",
                     "ambiguous number (more than one decimal point)", BEYOND, OUTSIDE, "more than 3650 days",
                     "invisible characters removed from the ID", "a number that is not a date", "not a finite amount"):
        assert expected in problems


def test_number_cells_are_given_without_an_exponent(tmp_path):
    """The rule refusing '3e5' rests on this: the reader writes number cells of every magnitude as
    plain digits (1e308 as its 309 digits, 1e-7 as 0.0000001), so a real number cell is never
    refused for an exponent. Should a new reader version start writing exponents, this fails."""
    magnitudes = [m * 10.0 ** e for e in range(-9, 309) for m in (1, 3.7) if m * 10.0 ** e < 1.7e308]
    magnitudes += [-x for x in magnitudes[::7]] + [12345678901234567890, 0.1 + 0.2, -0.0, 1e15 + 0.3]
    path = _workbook(tmp_path / "n.xlsx", {"s": [[Num(v)] for v in magnitudes]})
    texts = list(read_file(path).sheets[0].frame[0])
    assert len(texts) == len(magnitudes)
    assert [t for t in texts if not re.fullmatch(r"-?\d+(?:\.\d+)?", t)] == []
    assert [t for t in texts if "e" in t.lower()] == []
    assert texts[magnitudes.index(1e308)].startswith("1000000000000000010979") and len(texts[magnitudes.index(1e308)]) == 309
    parsed, problems = V.parse_column(pd.Series(texts, dtype="str"), V.parse_amount)
    assert problems.isna().all()
    assert all(abs(p - v) <= 1e-9 + abs(v) * 1e-15 for p, v in zip(parsed, magnitudes))


def test_amounts_in_range_from_number_cells_are_all_taken(tmp_path):
    amounts = [0.01, 0.1, 1, 99.99, 12_345.67, 1e6, 123_456_789.01, 1e12 + 0.25, 9_999_999_999_999.99, 1e13,
               -0.01, -1e13]
    ledger = [LEDGER_HEADER] + [["C1", f"A{n}", dt.date(2026, 1, 5), Num(a)] for n, a in enumerate(amounts)]
    r = import_files([_workbook(tmp_path / "a.xlsx", {"客户": [CUSTOMER_HEADER, BASE_CUSTOMER], "明细": ledger})])
    assert r.issues == []
    assert list(r.ledger["amount"]) == amounts


def test_a_long_id_column_with_invisible_characters_is_cleaned_vectorised():
    """IDs pasted with a zero-width space are cleaned without a parse per cell, like plain ones."""
    ids = pd.Series([f"C{n % 1000:04d}" + ("\u200b" if n % 3 == 0 else "") for n in range(30_000)], dtype="str")
    calls = []

    def counting(value):
        calls.append(value)
        return V.parse_code(value)

    parsed, problems = V.parse_column(ids, V.parse_code)
    assert list(parsed) == [f"C{n % 1000:04d}" for n in range(30_000)]
    assert list(problems.notna()) == [n % 3 == 0 for n in range(30_000)]
    assert set(problems.dropna()) == {"invisible characters removed from the ID"}
    # the same column through the scalar parser gives the same, so the vectorised path changes nothing
    scalar = [V.parse_code(v) for v in ids[:50]]
    assert [p for p, _ in scalar] == list(parsed[:50]) and [q for _, q in scalar] == list(problems[:50])
    V.parse_column(ids, counting)  # an unknown parser goes value by value (distinct values only)
    assert len(calls) == 2000


def test_dates_in_a_column_outside_the_range_are_refused_vectorised():
    texts = pd.Series(["2024-03-05 00:00:00", "-0017-06-19 00:00:00", "2101-01-01 00:00:00", "1900-01-01 00:00:00",
                       "2100-12-31 00:00:00", "1899-12-31 00:00:00", "+10000-01-01 00:00:00", None], dtype="str")
    parsed, problems = V.parse_column(texts, V.parse_date)
    assert [None if pd.isna(p) else p.date() for p in parsed] == [
        dt.date(2024, 3, 5), None, None, dt.date(1900, 1, 1), dt.date(2100, 12, 31), None, None, None]
    assert list(problems) == [None, OUTSIDE, OUTSIDE, None, None, OUTSIDE, OUTSIDE, None]


@pytest.mark.parametrize("value,expected", [
    ("1899-12-31", (None, OUTSIDE)), (dt.date(1899, 12, 31), (None, OUTSIDE)),
    (dt.datetime(2101, 1, 1), (None, OUTSIDE)), (73416, (None, OUTSIDE)), (-1, (None, "a number that is not a date")),
    (float("inf"), (None, "a number that is not a date")), ("20240305", (dt.date(2024, 3, 5), None)),
])
def test_parse_date_bounds(value, expected):
    assert V.parse_date(value) == expected


def test_parse_date_1904_bounds():
    assert V.parse_date_1904("0") == (dt.date(1904, 1, 1), None)
    assert V.parse_date_1904(71953) == (dt.date(2100, 12, 31), None)
    assert V.parse_date_1904(71954) == (None, OUTSIDE)
    assert V.parse_date_1904("-3") == (None, "a number that is not a date")
