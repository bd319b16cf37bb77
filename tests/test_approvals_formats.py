"""Filled approval workbooks read back the same from every office format: .xlsx, .xlsm, .xls
and .ods, as Excel and LibreOffice save them (converted here with LibreOffice)."""

from __future__ import annotations

import json
import math
import shutil
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from libreoffice import convert, soffice

from desktop import services, session
from desktop.core.forms import as_date, canonical
from desktop.io.approvals_reader import Unreadable, cell_value, read_filled_workbook
from desktop.paths import samples_dir

AS_OF = date(2026, 6, 30)
TODAY = date.today()  # the run starts today: decisions are dated today, neither before the run nor after the read-back
WHEN = datetime.combine(TODAY, time())  # a typed date, as Excel stores it
FORMATS = ("xlsx", "xls", "ods")


# ---------------------------------------------------------------- the value of a cell, by its field's type

@pytest.mark.parametrize(("key", "text", "want"), [
    # terms and limits typed by the approvers: a number when the text is one, else as typed
    ("manager_approved_term", "30", 30),
    ("manager_approved_term", "30.0", 30),
    ("manager_approved_term", "3E1", 30),
    ("cfo_approved_term", " 120 ", 120),
    ("manager_approved_term", "60天", "60天"),
    ("manager_approved_term", "30.5", 30.5),
    ("manager_approved_term", "nan", "nan"),
    ("manager_approved_term", "inf", "inf"),
    ("manager_approved_term", "1_000", "1_000"),
    ("manager_approved_limit", "500000", 500000),
    ("manager_approved_limit", "500,000", "500,000"),  # text as typed: the checks read the separators
    ("manager_approved_limit", "1.5e-07", 1.5e-07),
    # dates: calamine's text of a date cell in .xlsx/.xls, then in .ods (date, date-time, fraction)
    ("manager_date", "2026-07-15 00:00:00", date(2026, 7, 15)),
    ("manager_date", "2026-07-15 10:30:00", date(2026, 7, 15)),
    ("manager_date", "2026-07-15 00:00:00.500", date(2026, 7, 15)),
    ("cfo_date", "2026-07-15", date(2026, 7, 15)),
    ("cfo_date", "2026-07-15T10:30:00", date(2026, 7, 15)),
    ("finance_filing_date", "2026-07-15T00:00:00.5", date(2026, 7, 15)),
    ("manager_date", "2026/7/15", "2026/7/15"),  # typed as text: as typed, core's as_date reads it
    ("manager_date", "2026年7月15日", "2026年7月15日"),
    ("manager_date", "2026-02-30", "2026-02-30"),  # not a day: reported by the checks
    ("manager_date", "46218", "46218"),  # a serial in a cell without a date format: not taken for a date
    # text inputs stay text, trimmed
    ("manager_decision", " 同意 ", "同意"),
    ("manager_signer", "1001", "1001"),
    ("manager_opinion", "true", "true"),
    ("manager_final_level", "AA", "AA"),
    # text facts that look like numbers keep their text exactly
    ("customer_id", "1001", "1001"),
    ("customer_id", "C0007", "C0007"),
    ("credit_code", "0012345678", "0012345678"),
    ("name", "1E5", "1E5"),
    ("item:current_ratio:basis", "1.60", "1.60"),
    ("item:documents:band", "(-inf, 0]", "(-inf, 0]"),
    ("form_id", "XYPD-20260630-00001", "XYPD-20260630-00001"),
    ("digest", "0123456789", "0123456789"),
    # number facts, item points and aging buckets
    ("total", "87", 87),
    ("orders", "14.0", 14),
    ("cooperation_years", "7.33", 7.33),
    ("sales_12m", "0.30000000000000004", 0.30000000000000004),
    ("sales_12m", "0.3", 0.3),
    ("sales_12m", "1.2345678901234567e+18", 1.2345678901234567e+18),
    ("open_ar", "-0", -0.0),
    ("item:payment_timeliness", "25", 25),
    ("aging:1-30", "1234.5", 1234.5),
    ("total", "#N/A", "#N/A"),  # an error value is kept, and differs from the run's
    # date facts
    ("first_trade_date", "2019-03-01 00:00:00", date(2019, 3, 1)),
    ("next_review", "2026-12-30", date(2026, 12, 30)),
    # a field this version does not know: text
    ("some_later_field", "42", "42"),
    # blank cells
    ("manager_approved_term", None, None),
    ("manager_date", pd.NA, None),
    ("customer_id", float("nan"), None),
    ("manager_opinion", "   ", None),
])
def test_cell_value_by_the_fields_type(key, text, want):
    got = cell_value(key, text)
    assert got == want and type(got) is type(want), (key, text, got)


def test_a_whole_number_is_an_int_and_a_negative_zero_keeps_its_sign():
    assert cell_value("manager_approved_term", "30.0") == 30 and isinstance(cell_value("manager_approved_term",
                                                                                       "30.0"), int)
    assert math.copysign(1, cell_value("overdue_balance", "-0")) == -1  # canonical "-0.00", as a tiny negative


def test_dates_typed_as_text_are_left_to_the_checks():
    for typed in ("2026/7/15", "2026.7.15", "2026年7月15日"):
        assert as_date(cell_value("manager_date", typed)) == date(2026, 7, 15)


# the writer's values, one of each kind a form shows: what calamine gives back for each must
# canonicalise as the value written (that is what the seal and the fact checks compare)
WRITTEN = [
    ("customer_id", "1001"), ("credit_code", "0012345678901234X"), ("name", "  远大机械  "), ("group", "1E5"),
    ("first_trade_date", date(2019, 3, 1)), ("as_of", AS_OF), ("registered_capital", 2000),
    ("registered_capital", 123.4565), ("orders", 14), ("cooperation_years", 7.33), ("avg_days_late", 4.2),
    ("sales_12m", 0.1 + 0.2), ("sales_12m", 2_400_000.0), ("sales_prev_12m", 1 / 3), ("open_ar", 1e-7),
    ("overdue_balance", -1e-12), ("eligible_limit", 123456789.125), ("eligible_limit", 1e12 + 0.25),
    ("total", 87), ("item:payment_timeliness", 25), ("item:current_ratio:basis", "1.60"),
    ("item:debt_ratio:basis", "55.0%"), ("item:sales_12m:band", "[2000000, 5000000)"), ("aging:1-30", 0),
    ("aging:>365", 98765.43), ("digest", "0e12"), ("rules_fired", "无"), ("next_review", date(2026, 12, 30)),
]


def _written_workbook(path: Path) -> Path:
    """Each value of WRITTEN in column B, written as the form writer writes a fact (its formats too)."""
    from desktop.core.forms import FACTS
    from desktop.io.writers.xlsx import new_workbook, put

    wb = new_workbook(str(path))
    ws = wb.add_worksheet("S")
    formats = {"money": wb.add_format({"num_format": "#,##0.00"}), "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
               "int": wb.add_format({"num_format": "0"}), "dec": wb.add_format({"num_format": "0.00"})}
    for r, (key, value) in enumerate(WRITTEN):
        ws.write_string(r, 0, key)
        put(ws, r, 1, value, formats.get(FACTS.get(key, ("", "", ""))[2]))
    wb.close()
    return path


def _read_written(path: Path) -> list:
    from desktop.io.workbook import read_file

    frame = read_file(path).sheets[0].frame
    return [cell_value(frame.iat[r, 0], frame.iat[r, 1]) for r in range(len(WRITTEN))]


def _assert_written(values: list) -> None:
    assert [canonical(v) for v in values] == [canonical(v) for _, v in WRITTEN]
    assert [type(v) for v in values if isinstance(v, date)] == [date for _, v in WRITTEN if isinstance(v, date)]
    texts = [v for (k, _), v in zip(WRITTEN, values, strict=True) if k in ("customer_id", "credit_code", "group")]
    assert texts == ["1001", "0012345678901234X", "1E5"]


def test_what_the_writer_wrote_reads_back_canonically_equal(tmp_path):
    _assert_written(_read_written(_written_workbook(tmp_path / "written.xlsx")))


@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_what_the_writer_wrote_reads_back_canonically_equal_from_libreoffice(tmp_path, fmt):
    converted = convert(_written_workbook(tmp_path / "written.xlsx"), fmt, tmp_path / "lo", tmp_path / "profile")
    _assert_written(_read_written(converted))


# ---------------------------------------------------------------- a run, its forms filled, read back

@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("formats")
    req = session.ScoreRequest(inputs=sorted(samples_dir().iterdir()), as_of=AS_OF, out=folder / "results.xlsx",
                               forms_out=folder / "approvals.xlsx", register=folder / "register.sqlite")
    return services.score(req), folder


def _layouts(wb) -> dict[str, dict[str, str]]:
    return {r[0]: json.loads(r[1]) for r in wb["_layout"].iter_rows(min_row=2, values_only=True) if r[0]}


def _sheet(wb, layouts, form_type: str, customer_id: str):
    """The form sheet of one type for one customer, found by its cells, not by its name."""
    prefix = {"credit_application": "XYPD-", "special_term": "TSQX-"}[form_type]
    cells = layouts[form_type]
    return next(ws for ws in wb.worksheets if ws.title != "_layout"
                and str(ws[cells["form_id"]].value or "").startswith(prefix)
                and ws[cells["customer_id"]].value == customer_id)


def _fill(ws, cells: dict[str, str], values: dict[str, object]) -> None:
    """Type into input cells, as Excel allows on a protected sheet: unlocked cells only."""
    for key, value in values.items():
        assert ws[cells[key]].protection.locked is False, f"{key} ({cells[key]}) is locked"
        ws[cells[key]].value = value


@pytest.fixture(scope="module")
def filled(run):
    """A sales manager approves one customer within 90 days, one over 90 days (the special-term
    form approved by the CFO, another person) and rejects a third; the rest stay pending."""
    result, folder = run
    decisions = result.rating.decisions
    plain = [d for d in decisions if d.level != "C"]  # credit terms for a C customer need the CFO's word
    within = next(d for d in plain if d.approval_route == "sales_manager" and d.requested_term_days <= 90)
    over = next(d for d in plain if d.approval_route == "cfo_special")
    rejected = next(d for d in decisions if d.approval_route != "none"
                    and d.customer_id not in (within.customer_id, over.customer_id))
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    layouts = _layouts(wb)
    app, special = layouts["credit_application"], layouts["special_term"]
    _fill(_sheet(wb, layouts, "credit_application", within.customer_id), app, {
        "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": WHEN,
        "manager_approved_term": within.requested_term_days, "manager_reason": "老客户，按申请执行",
        "manager_opinion": "同意按申请执行"})
    _fill(_sheet(wb, layouts, "credit_application", over.customer_id), app, {
        "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": WHEN,
        "manager_approved_term": over.requested_term_days, "manager_approved_limit": float(over.requested_limit),
        "manager_reason": "年度框架协议，工程结算周期长"})
    _fill(_sheet(wb, layouts, "special_term", over.customer_id), special, {
        "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": WHEN,
        "cfo_decision": "同意", "cfo_signer": "钱总监", "cfo_date": WHEN, "cfo_reason": "战略客户，同意延长账期",
        "finance_signer": "孙会计", "finance_filing_date": WHEN})
    _fill(_sheet(wb, layouts, "credit_application", rejected.customer_id), app, {
        "manager_decision": "不同意", "manager_signer": "赵经理", "manager_date": WHEN})
    path = folder / "已填写.xlsx"
    wb.save(path)
    return path, (within, over, rejected)


def _read_back(folder: Path, *files: Path, **kw) -> session.ApprovalsDone:
    """Read back against a copy of the run's register (each read-back records its own decisions)."""
    n = len(list(folder.glob("register-*.sqlite")))
    register = folder / f"register-{n}.sqlite"
    shutil.copy(folder / "register.sqlite", register)
    return services.read_approvals(session.ApprovalsRequest(filled=list(files), register=register,
                                                             out=folder / f"decisions-{n}.xlsx", today=TODAY, **kw))


def _finals(done: session.ApprovalsDone) -> list[tuple]:
    return [(f.customer_id, f.status, f.approved_term_days, f.approved_limit, f.final_level, f.approvers,
             f.decided_on) for f in done.outcome.finals]


def _errors(done: session.ApprovalsDone) -> list:
    return [p for p in done.outcome.problems if p.severity == "error"]


@pytest.fixture(scope="module")
def unconverted(run, filled):
    _, folder = run
    done = _read_back(folder, filled[0])
    assert done.unreadable == [] and _errors(done) == []
    return done


def test_the_unconverted_workbook_gives_the_decisions(filled, unconverted):
    _, (within, over, rejected) = filled
    by_id = {f[0]: f for f in _finals(unconverted)}
    assert by_id[within.customer_id][1:3] == ("approved", within.requested_term_days)
    assert by_id[over.customer_id][1:4] == ("approved", over.requested_term_days, over.requested_limit)
    assert by_id[over.customer_id][5:] == (["赵经理", "赵经理", "钱总监"], TODAY)
    assert by_id[rejected.customer_id][1:3] == ("rejected", None)


@pytest.fixture(scope="module")
def converted(run, filled, tmp_path_factory):
    out = tmp_path_factory.mktemp("converted")
    return {fmt: convert(filled[0], fmt, out / fmt, out / "profile") for fmt in FORMATS}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_every_format_gives_the_same_decisions(run, unconverted, converted, fmt):
    _, folder = run
    done = _read_back(folder, converted[fmt])
    assert done.unreadable == []
    assert _errors(done) == []
    assert _finals(done) == _finals(unconverted)
    assert [(p.sheet, p.cell, p.code, p.severity) for p in done.outcome.problems] == \
        [(p.sheet, p.cell, p.code, p.severity) for p in unconverted.outcome.problems]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_every_format_reads_the_same_fields(filled, converted, fmt):
    """The same forms, each field canonically the same; dates are dates, whole numbers ints."""
    before, _ = read_filled_workbook(filled[0])
    after, problems = read_filled_workbook(converted[fmt])
    assert problems == []
    assert [(f.form_id, f.sheet, f.customer_id, f.lang) for f in after] == \
        [(f.form_id, f.sheet, f.customer_id, f.lang) for f in before]
    for a, b in zip(after, before, strict=True):
        assert [(k, canonical(v)) for k, v in a.sealed] == [(k, canonical(v)) for k, v in b.sealed]
        assert {k: canonical(v) for k, v in a.inputs.items()} == {k: canonical(v) for k, v in b.inputs.items()}
        assert a.meta == b.meta
    signed = [f for f in after if f.inputs.get("manager_date") is not None]
    assert signed and all(f.inputs["manager_date"] == TODAY for f in signed)
    assert all(type(f.inputs.get("manager_approved_term")) is int for f in signed
               if f.inputs.get("manager_approved_term") is not None)
    assert all(isinstance(f.facts["first_trade_date"], date) for f in after if f.facts.get("first_trade_date"))


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_an_xlsm_saved_by_libreoffice_gives_the_same_decisions(run, filled, unconverted, tmp_path):
    _, folder = run
    xlsm = convert(filled[0], "xlsm:Calc MS Excel 2007 VBA XML", tmp_path / "lo", tmp_path / "profile")
    done = _read_back(folder, xlsm)
    assert done.unreadable == [] and _errors(done) == []
    assert _finals(done) == _finals(unconverted)


@pytest.mark.parametrize("fmt", ["xls", "ods"])
@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_a_workbook_that_is_not_an_approval_workbook_is_one_problem(run, tmp_path, fmt):
    _, folder = run
    notes = tmp_path / "会议记录.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "会议记录"
    wb.create_sheet("第二页")["B3"] = "XYPD-20260630-00001"
    wb.save(notes)
    saved = convert(notes, fmt, tmp_path / "lo", tmp_path / "profile")
    assert read_filled_workbook(saved) == ([], [Unreadable(saved.name, "", "not_approval_workbook")])
    done = _read_back(folder, saved)
    assert [(u.file, u.code) for u in done.unreadable] == [(saved.name, "not_approval_workbook")]
    assert done.outcome.finals == [] and done.outcome.records == []


def test_an_encrypted_filled_workbook_reads_with_its_password(run, filled, unconverted, tmp_path):
    from desktop.io.writers.protect import encrypt

    _, folder = run
    locked = tmp_path / "加密.xlsx"
    shutil.copy(filled[0], locked)
    encrypt(locked, "开启123")
    assert locked.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    done = _read_back(folder, locked, password="开启123")
    assert done.unreadable == [] and _errors(done) == []
    assert _finals(done) == _finals(unconverted)
    for password in (None, "错误"):  # no password, a wrong one: the file is named, nothing raised
        forms, problems = read_filled_workbook(locked, password)
        assert forms == [] and [(u.file, u.sheet, u.code) for u in problems] == [(locked.name, "", "unreadable_file")]
        assert "password" in str(problems[0].args[0]) and "密码" in problems[0].args[0].text("zh")


# ---------------------------------------------------------------- the layout sheet and sheets that are not forms

def _edited(filled, tmp_path: Path, edit) -> Path:
    wb = openpyxl.load_workbook(filled[0])
    edit(wb)
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return out


def test_a_plain_hidden_unprotected_layout_reads_the_same(filled, tmp_path):
    def edit(wb):
        wb["_layout"].sheet_state = "hidden"
        wb["_layout"].protection.sheet = False
        for ws in wb.worksheets:
            ws.protection.sheet = False
    before, _ = read_filled_workbook(filled[0])
    after, problems = read_filled_workbook(_edited(filled, tmp_path, edit))
    assert problems == [] and [(f.form_id, f.sealed, f.inputs) for f in after] == \
        [(f.form_id, f.sealed, f.inputs) for f in before]


def test_sheets_that_are_not_forms_are_listed_the_index_and_empty_ones_not(filled, tmp_path):
    def edit(wb):
        wb.create_sheet("备注")["A1"] = "客户电话另附"
        wb.create_sheet("空白页")
    forms, problems = read_filled_workbook(_edited(filled, tmp_path, edit))
    assert forms and problems == [Unreadable("edited.xlsx", "备注", "not_a_form")]


def test_a_workbook_without_its_layout_is_one_problem_not_one_per_form(filled, tmp_path):
    path = _edited(filled, tmp_path, lambda wb: wb.remove(wb["_layout"]))
    assert read_filled_workbook(path) == ([], [Unreadable("edited.xlsx", "", "not_approval_workbook")])


def test_an_old_or_damaged_layout(filled, tmp_path):
    def old(wb):
        for row in wb["_layout"].iter_rows(min_row=2):
            if row[0].value:
                row[7].value = 1

    def damaged(wb):
        wb["_layout"]["B2"] = wb["_layout"]["B2"].value[:-5]

    def unknown_cell(wb):
        cells = json.loads(wb["_layout"]["B2"].value)
        cells["customer_id"] = "not a cell"
        wb["_layout"]["B2"] = json.dumps(cells)

    assert read_filled_workbook(_edited(filled, tmp_path, old)) == ([], [Unreadable("edited.xlsx", "", "old_layout")])
    for edit in (damaged, unknown_cell):
        assert read_filled_workbook(_edited(filled, tmp_path, edit)) == \
            ([], [Unreadable("edited.xlsx", "_layout", "layout_damaged")])


def test_a_file_the_reader_refuses_is_named_not_raised(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    missing = tmp_path / "missing.ods"
    for path in (broken, missing):
        forms, problems = read_filled_workbook(path)
        assert forms == [] and [(u.file, u.sheet, u.code) for u in problems] == [(path.name, "", "unreadable_file")]
        assert problems[0].args and path.name in str(problems[0].args[0])  # a message, worded in the reader's language
        assert path.name in problems[0].args[0].text("zh")
