"""Approval forms: written, filled the way a sales manager does in Excel, read back, checked."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert, soffice

from desktop import services, session
from desktop.cli import main
from desktop.core.forms import seal
from desktop.messages import english_sentences
from desktop.paths import samples_dir

AS_OF = date(2026, 6, 30)
RUN_DAY = date.today()  # the fixture's run starts today: a decision dated before it is an error
TODAY = RUN_DAY + timedelta(days=10)  # the read-back's day: a decision dated after it is an error


def day(n: int) -> datetime:
    """A decision date ``n`` days after the run (as Excel stores a typed date)."""
    return datetime.combine(RUN_DAY + timedelta(days=n), time())


def run_score(folder: Path, register: bool = True, **kw) -> services.ScoreResult:
    folder.mkdir(parents=True, exist_ok=True)
    req = session.ScoreRequest(inputs=sorted(samples_dir().iterdir()), as_of=AS_OF, out=folder / "results.xlsx",
                                forms_out=folder / "approvals.xlsx",
                                register=folder / "register.sqlite" if register else None, **kw)
    return services.score(req)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("approvals")
    result = run_score(folder)
    return result, folder


def layout_cells(wb) -> dict[str, dict[str, str]]:
    ws = wb["_layout"]
    return {r[0]: json.loads(r[1]) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}


def form_sheet(wb, customer_id: str, prefix: str = "评定"):
    return wb[f"{prefix}-{customer_id}"]


def fill(ws, cells: dict[str, str], values: dict[str, object]) -> None:
    """Type into input cells, as Excel allows on a protected sheet: unlocked cells only."""
    for key, value in values.items():
        cell = ws[cells[key]]
        assert cell.protection.locked is False, f"{key} ({cells[key]}) is locked"
        cell.value = value


def approve(ws, cells, term=None, limit=None, signer="赵经理", when=None, **extra):
    values = {"manager_decision": "同意", "manager_signer": signer, "manager_date": when or day(1),
              "manager_opinion": "同意按申请执行"}
    if term is not None:
        values["manager_approved_term"] = term
    if limit is not None:
        values["manager_approved_limit"] = limit
    values.update(extra)
    fill(ws, cells, values)


def register_copy(folder: Path) -> Path:
    """A copy of the run's register: each test records its own read-backs, the others never see them."""
    copy = Path(tempfile.mkdtemp(dir=folder)) / "register.sqlite"
    shutil.copy(folder / "register.sqlite", copy)
    return copy


def read_back(folder: Path, *filled: Path, register: Path | None = None, **kw) -> session.ApprovalsDone:
    kw.setdefault("today", TODAY)
    return services.read_approvals(session.ApprovalsRequest(
        filled=list(filled), register=register or register_copy(folder), out=folder / "decisions.xlsx", **kw))


def problems_of(result, form_sheet_name=None, severity=None):
    """(sheet, cell, code) of each problem (of one sheet; of one severity)."""
    return [(p.sheet, p.cell, p.code) for p in result.outcome.problems
            if (form_sheet_name is None or p.sheet == form_sheet_name) and (severity is None or p.severity == severity)]


def errors_of(result, form_sheet_name=None):
    return problems_of(result, form_sheet_name, "error")


def text_of(result, code: str) -> str:
    return next(p["problem"] for p in result.problems if p["code"] == code)


def final(result, cid):
    return next(f for f in result.outcome.finals if f.customer_id == cid)


def reseal(path: Path, sheet: str, key: bytes | None = None) -> None:
    """What a forger does with the source code: recompute the digest over the edited facts (with
    no key, or with a key of their own) and write it into the form."""
    from desktop.io.approvals_reader import read_filled_workbook
    forms, _ = read_filled_workbook(path)
    f = next(f for f in forms if f.sheet == sheet)
    wb = openpyxl.load_workbook(path)
    wb[sheet][f.cells["digest"]].value = seal(key, f.sealed)
    wb.save(path)


def test_forms_needed_and_index(run):
    result, folder = run
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    apps = [d for d in result.rating.decisions if d.approval_route != "none"]
    special = [d for d in result.rating.decisions if d.requested_term_days > 90]
    assert len(wb.sheetnames) == 1 + len(apps) + len(special) + 1  # index, forms, _layout
    assert wb["_layout"].sheet_state == "veryHidden"
    index = wb["目录"]
    rows = [r for r in index.iter_rows(min_row=5, values_only=True) if r[0]]
    assert len(rows) == len(apps) + len(special)
    assert {r[3] for r in rows} == {d.customer_id for d in apps}
    link = index.cell(5, 9).hyperlink
    assert link.location.startswith("'评定-") or link.location.startswith("'特殊账期-")
    assert index.cell(5, 8).value.startswith("=IF(")


def test_inputs_unlocked_validated_everything_else_locked(run):
    _, folder = run
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    ws = form_sheet(wb, "C0007")
    assert ws.protection.sheet is True
    inputs = {k for k in cells if k.startswith(("manager_", "salesperson_", "finance_"))}
    for key in inputs:
        assert ws[cells[key]].protection.locked is False, key
    for key in ("customer_id", "total", "eligible_limit", "item:payment_timeliness", "digest", "form_id"):
        assert ws[cells[key]].protection.locked is True, key
    rules = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    decision = rules[cells["manager_decision"]]
    assert decision.type == "list" and decision.formula1 == '"同意,不同意,退回修改"' and decision.prompt
    assert rules[cells["manager_approved_term"]].type == "whole"
    assert rules[cells["manager_approved_limit"]].type == "decimal"
    assert rules[cells["manager_date"]].type == "date"
    assert rules[cells["manager_final_level"]].formula1 == '"AAA,AA,A,B,C"'
    assert ws.print_area and ws.page_setup.paperSize == 9 and ws.print_title_rows == "$1:$2"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert "XYPD-" in ws.oddFooter.left.text


def test_worked_example_form_facts(run):
    _, folder = run
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    ws = form_sheet(wb, "C0007")
    v = {k: ws[c].value for k, c in cells.items() if c}
    assert (v["total"], v["raw_level"], v["recommended_term"], v["eligible_limit"], v["requested_term"]) == \
        (87, "AA", 60, 480000, 120)
    assert [v[f"item:{k}"] for k in ("payment_timeliness", "cooperation_years", "sales_12m", "sales_growth",
                                     "operating_status", "debt_ratio", "current_ratio", "registered_capital",
                                     "documents")] == [25, 10, 12, 4, 15, 8, 4, 4, 5]
    assert v["request_reason"] == "年度大单，需延长账期以配合工程结算"
    assert v["item:payment_timeliness:basis"] == "加权平均逾期 4.2 天"
    assert v["item:payment_timeliness:band"] == "逾期 > 0 天且 ≤ 7 天" and v["item:documents:band"] == "齐全"
    points = ws[cells["item:payment_timeliness"]]
    assert points.number_format == '0" / 30"'  # shows 25 / 30; the cell holds the points


def _fill_typical(path: Path, out: Path | None = None) -> Path:
    """A sales manager approves C0003 as requested, approves C0007's 120 days with the CFO's
    approval on the special form, rejects C0013 and leaves the rest pending."""
    wb = openpyxl.load_workbook(path)
    cells = layout_cells(wb)
    approve(form_sheet(wb, "C0003"), cells["credit_application"])
    approve(form_sheet(wb, "C0007"), cells["credit_application"], term=120, limit=500000,
            manager_reason="年度框架协议，工程结算周期长")
    fill(form_sheet(wb, "C0007", "特殊账期"), cells["special_term"], {
        "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": day(1),
        "cfo_decision": "同意", "cfo_signer": "钱总监", "cfo_date": day(4),
        "cfo_reason": "战略客户，同意120天", "finance_signer": "孙会计", "finance_filing_date": day(5)})
    fill(form_sheet(wb, "C0013"), cells["credit_application"], {
        "manager_decision": "不同意", "manager_signer": "赵经理", "manager_date": day(1)})
    out = out or path.with_name("approvals-filled.xlsx")
    wb.save(out)
    return out


def _edited(folder: Path, tmp_path: Path, edit, name: str = "edited.xlsx") -> Path:
    """The run's approval workbook with ``edit(wb, cells)`` applied, saved under ``name``."""
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    edit(wb, layout_cells(wb))
    path = tmp_path / name
    wb.save(path)
    return path


def test_round_trip_gives_the_decisions(run):
    result, folder = run
    filled = _fill_typical(folder / "approvals.xlsx")
    back = read_back(folder, filled)
    assert errors_of(back) == [] and back.source == "register"
    c3, c7, c13 = final(back, "C0003"), final(back, "C0007"), final(back, "C0013")
    d3 = next(d for d in result.rating.decisions if d.customer_id == "C0003")
    assert (c3.status, c3.approved_term_days, c3.approved_limit) == ("approved", d3.requested_term_days,
                                                                     d3.requested_limit)
    assert (c7.status, c7.approved_term_days, c7.approved_limit, c7.final_level) == ("approved", 120, 500000, "AA")
    assert c7.approvers == ["赵经理", "赵经理", "钱总监"] and c7.decided_on == day(4).date()
    assert c13.status == "rejected" and c13.approved_term_days is None
    assert {f.status for f in back.outcome.finals} - {"approved", "rejected"} == {"pending"}
    wb = openpyxl.load_workbook(folder / "decisions.xlsx")
    assert wb.sheetnames == ["最终授信清单", "问题清单", "审批记录"]
    listing = {r[0]: r for r in wb["最终授信清单"].iter_rows(min_row=2, values_only=True)}
    assert listing["C0007"][2:6] == ("已批准", 120, 500000, "AA")
    audit = [r for r in wb["审批记录"].iter_rows(min_row=2, values_only=True) if r[0] and r[0].startswith("TSQX")]
    assert any(r[2] == "C0007" and r[3] == "同意" and r[4] == "赵经理、钱总监" for r in audit)


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_round_trip_through_libreoffice(run, tmp_path):
    _, folder = run
    filled = _fill_typical(folder / "approvals.xlsx", tmp_path / "filled.xlsx")
    resaved = convert(filled, "xlsx", tmp_path / "lo", tmp_path / "profile")
    back = read_back(folder, resaved)
    assert errors_of(back) == []
    c7 = final(back, "C0007")
    assert (c7.status, c7.approved_term_days, c7.approved_limit, c7.decided_on) == \
        ("approved", 120, 500000, day(4).date())
    assert final(back, "C0013").status == "rejected"


# ---------------------------------------------------------------- forgeries the register catches

def test_results_and_form_edited_to_agree_with_the_digest_recomputed_are_caught_by_the_register(run, tmp_path):
    """The forger edits C0007's application to ask for 90 days (no CFO needed), the hidden fact
    sheet of the results workbook to agree, recomputes the digest from the source code, and
    deletes the special-term form: the register still holds the true run."""
    _, folder = run

    def forge(wb, cells):
        ws = form_sheet(wb, "C0007")
        c = cells["credit_application"]
        ws.protection.sheet = False
        ws[c["requested_term"]].value = 90
        ws[c["approval_route"]].value = "销售部经理审批"
        approve(ws, c, term=90, limit=500000, manager_reason="按申请")
        del wb["特殊账期-C0007"]
    path = _edited(folder, tmp_path, forge)
    reseal(path, "评定-C0007")
    results = tmp_path / "results.xlsx"
    wb = openpyxl.load_workbook(folder / "results.xlsx")
    facts = wb["_facts"]
    keys = [c.value for c in facts[2]]
    for row in facts.iter_rows(min_row=3):
        if row[0].value == "C0007":
            values = json.loads(row[1].value)
            values[keys.index("requested_term")] = 90
            values[keys.index("route")] = "sales_manager"
            row[1].value = json.dumps(values, ensure_ascii=False)
    wb.save(results)

    back = read_back(folder, path, results=results)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    found = errors_of(back, "评定-C0007")
    assert ("评定-C0007", cells["requested_term"], "fact_changed") in found
    assert ("评定-C0007", cells["approval_route"], "fact_changed") in found
    assert ("评定-C0007", cells["digest"], "seal_broken") in found
    assert ("", "", "missing_special") in errors_of(back)  # from the register's route, whatever the files say
    assert "C0007" not in {f.customer_id for f in back.outcome.finals if f.status == "approved"}
    assert "客户 C0007 没有《客户特殊付款期限申请表》" in text_of(back, "missing_special")


@pytest.mark.parametrize("forger_key", [None, b"a key of the forger's own"])
def test_a_digest_recomputed_without_the_registers_key_is_caught(run, tmp_path, forger_key):
    """Average days late and an aging bucket falsified on the special-term form, and the
    payment-timeliness basis on the application, each with its digest recomputed."""
    _, folder = run

    def forge(wb, cells):
        s, a = cells["special_term"], cells["credit_application"]
        special, app = form_sheet(wb, "C0007", "特殊账期"), form_sheet(wb, "C0007")
        special.protection.sheet = app.protection.sheet = False
        special[s["avg_days_late"]].value = 3.0
        app[a["item:payment_timeliness:basis"]].value = "加权平均逾期 0.0 天"
    path = _edited(folder, tmp_path, forge)
    reseal(path, "特殊账期-C0007", forger_key)
    reseal(path, "评定-C0007", forger_key)
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))
    assert ("特殊账期-C0007", cells["special_term"]["digest"], "seal_broken") in errors_of(back)
    assert ("评定-C0007", cells["credit_application"]["digest"], "seal_broken") in errors_of(back)


def test_the_registers_key_is_in_no_workbook_and_the_seal_is_keyed(run):
    from desktop.io.register import Register
    result, folder = run
    with Register(folder / "register.sqlite", readonly=True) as reg:
        key = reg.key()
    assert key is not None and len(key) == 32
    for book in ("approvals.xlsx", "results.xlsx"):
        text = _all_text(folder / book)
        assert key.hex() not in text and key.hex().upper() not in text
    from desktop.io.approvals_reader import read_filled_workbook
    forms, _ = read_filled_workbook(folder / "approvals.xlsx")
    f = forms[0]
    assert f.meta["digest"] == seal(key, f.sealed) != seal(None, f.sealed)


def test_a_basis_digest_that_is_not_the_registers_is_caught(run, tmp_path):
    """Even with the key (an insider): the register's fingerprint of the decision is in the chain."""
    from desktop.io.register import Register
    _, folder = run
    with Register(folder / "register.sqlite", readonly=True) as reg:
        key = reg.key()

    def forge(wb, cells):
        ws = form_sheet(wb, "C0003")
        ws.protection.sheet = False
        ws[cells["credit_application"]["basis_digest"]].value = "0" * 64
    path = _edited(folder, tmp_path, forge)
    reseal(path, "评定-C0003", key)
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    assert errors_of(back, "评定-C0003") == [("评定-C0003", cells["basis_digest"], "basis_changed")]


def test_tampered_locked_fact_is_reported_with_its_cell(run, tmp_path):
    _, folder = run

    def edit(wb, cells):
        ws = form_sheet(wb, "C0003")
        ws.protection.sheet = False  # unprotect (no password by default) and edit a locked fact
        ws[cells["credit_application"]["eligible_limit"]].value = 9_999_000
        approve(ws, cells["credit_application"])
    path = _edited(folder, tmp_path, edit)
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    assert errors_of(back, "评定-C0003") == [("评定-C0003", cells["eligible_limit"], "fact_changed"),
                                             ("评定-C0003", cells["digest"], "seal_broken")]
    assert "9999000" in text_of(back, "fact_changed") and "可授信额度" in text_of(back, "fact_changed")
    assert "C0003" not in {f.customer_id for f in back.outcome.finals}


def test_form_from_another_run_is_reported(run, tmp_path):
    _, folder = run
    other = run_score(tmp_path / "other")  # a second run, in another register: its forms carry another run ID
    back = read_back(folder, tmp_path / "other" / "approvals.xlsx", results=folder / "results.xlsx")
    cells = layout_cells(openpyxl.load_workbook(tmp_path / "other" / "approvals.xlsx"))["credit_application"]
    foreign = [p for p in back.outcome.problems if p.code == "another_run"]
    assert len(foreign) == sum(d.approval_route != "none" for d in other.rating.decisions) + \
        sum(d.requested_term_days > 90 for d in other.rating.decisions)
    assert foreign[0].cell == cells["run_id"] and foreign[0].args[0] == other.run.run_id
    # nothing of the run itself was read: one line says so, not one "missing form" per customer
    assert [p.code for p in back.outcome.problems if p.code.startswith(("missing", "no_form"))] == ["no_form_of_run"]


def test_a_run_not_in_the_register_is_checked_against_its_results_with_a_warning(run, tmp_path):
    from desktop.errors import UsageError
    _, folder = run
    unrecorded = tmp_path / "unrecorded"
    run_score(unrecorded, register=False)
    filled = _fill_typical(unrecorded / "approvals.xlsx")
    with pytest.raises(UsageError, match="not in the rating register"):
        read_back(unrecorded, filled, register=tmp_path / "empty.sqlite")
    back = read_back(unrecorded, filled, register=tmp_path / "empty.sqlite", results=unrecorded / "results.xlsx")
    assert back.source == "results" and errors_of(back) == []
    assert ("", "", "not_in_register") in problems_of(back, severity="warning")
    assert final(back, "C0007").status == "approved"
    assert "登记簿无法确认" in text_of(back, "not_in_register")


# ---------------------------------------------------------------- the approval rules

def test_duplicated_copies_are_counted_once_and_differing_copies_are_a_conflict(run, tmp_path):
    _, folder = run
    filled = _fill_typical(folder / "approvals.xlsx", tmp_path / "a.xlsx")
    same = shutil.copy(filled, tmp_path / "b.xlsx")
    back = read_back(folder, filled, Path(same))
    assert errors_of(back) == []
    notes = [p for p in back.outcome.problems if p.code == "copy_duplicate"]
    assert notes and all(p.severity == "note" and p.file == "b.xlsx" for p in notes)
    assert final(back, "C0007").status == "approved"

    wb = openpyxl.load_workbook(filled)
    fill(form_sheet(wb, "C0003"), layout_cells(wb)["credit_application"], {"manager_decision": "不同意"})
    wb.save(tmp_path / "c.xlsx")
    back = read_back(folder, filled, tmp_path / "c.xlsx")
    conflict = [p for p in back.outcome.problems if p.code == "copies_conflict"]
    assert {p.file for p in conflict} == {"a.xlsx", "c.xlsx"} and all(p.severity == "error" for p in conflict)
    assert final(back, "C0003").status == "conflict" and final(back, "C0003").approved_term_days is None
    resolved = read_back(folder, filled, tmp_path / "c.xlsx", prefer=(tmp_path / "c.xlsx",))
    assert final(resolved, "C0003").status == "rejected"


def test_a_decision_read_back_again_is_a_duplicate_or_a_conflict_until_resolved(run, tmp_path):
    from desktop.io.register import Register
    _, folder = run
    register = register_copy(folder)
    first = _fill_typical(folder / "approvals.xlsx", tmp_path / "第一次.xlsx")
    read_back(folder, first, register=register)
    again = read_back(folder, first, register=register)  # the same decisions: duplicates, not recorded twice
    assert errors_of(again) == []
    assert {p.args[0] for p in again.outcome.problems if p.code == "duplicate_of_recorded"} == {"C0003", "C0007",
                                                                                               "C0013"}
    with Register(register, readonly=True) as reg:
        assert len(reg.history("C0007")[-1]["approvals"]) == 1

    wb = openpyxl.load_workbook(first)
    fill(form_sheet(wb, "C0003"), layout_cells(wb)["credit_application"], {"manager_decision": "不同意",
                                                                            "manager_date": day(3)})
    second = tmp_path / "第二次.xlsx"
    wb.save(second)
    back = read_back(folder, second, register=register)
    (conflict,) = [p for p in back.outcome.problems if p.code == "conflict_with_recorded"]
    assert conflict.severity == "error" and conflict.args[0] == "C0003"
    text = text_of(back, "conflict_with_recorded")
    assert "已批准" in text and "不同意" in text and "第一次.xlsx" in text and "第二次.xlsx" in text
    assert final(back, "C0003").status == "conflict"
    with Register(register, readonly=True) as reg:
        assert [a["status"] for a in reg.history("C0003")[-1]["approvals"]] == ["approved"]

    resolved = read_back(folder, second, register=register, prefer=(second,))
    assert final(resolved, "C0003").status == "rejected"
    with Register(register, readonly=True) as reg:
        approvals = reg.history("C0003")[-1]["approvals"]
    assert [a["status"] for a in approvals] == ["approved", "rejected"] and approvals[1]["replaces"]


def test_returned_for_changes_then_approved_is_no_conflict(run, tmp_path):
    _, folder = run
    register = register_copy(folder)
    path = _edited(folder, tmp_path, lambda wb, c: approve(form_sheet(wb, "C0003"), c["credit_application"],
                                                           manager_decision="退回修改"))
    assert final(read_back(folder, path, register=register), "C0003").status == "returned"
    path = _edited(folder, tmp_path, lambda wb, c: approve(form_sheet(wb, "C0003"), c["credit_application"],
                                                           when=day(2)), "again.xlsx")
    back = read_back(folder, path, register=register)
    assert final(back, "C0003").status == "approved" and errors_of(back) == []


@pytest.mark.parametrize("cid, level, rule", [("C0025", "B", "FORCE_C_LITIGATION"), ("C0020", "AAA", "FORCE_C")])
def test_a_final_level_above_the_systems_needs_a_reason_and_the_cfo(run, tmp_path, cid, level, rule):
    """A customer forced to C approved at B; another with 31 points at AAA."""
    result, folder = run
    d = next(d for d in result.rating.decisions if d.customer_id == cid)
    assert d.level == "C" and any(h.code.startswith(rule) for h in d.overrides)
    path = _edited(folder, tmp_path, lambda wb, c: approve(form_sheet(wb, cid), c["credit_application"], term=0,
                                                           manager_final_level=level))
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    assert (f"评定-{cid}", cells["manager_final_level"], "raised_level_needs_cfo") in errors_of(back)
    assert final(back, cid).status == "invalid" and final(back, cid).final_level is None

    def with_cfo(wb, c):
        approve(form_sheet(wb, cid), c["credit_application"], term=0, manager_final_level=level,
                manager_reason="已提供担保", cfo_decision="同意", cfo_signer="钱总监", cfo_date=day(2))
        if cid == "C0020":  # its 120 days request also needs the special form
            fill(form_sheet(wb, cid, "特殊账期"), c["special_term"], {
                "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": day(1),
                "cfo_decision": "同意", "cfo_signer": "钱总监", "cfo_date": day(2), "cfo_approved_term": 0,
                "finance_signer": "孙会计", "finance_filing_date": day(3)})
    back = read_back(folder, _edited(folder, tmp_path, with_cfo, "cfo.xlsx"))
    assert errors_of(back) == [] and (final(back, cid).status, final(back, cid).final_level) == ("approved", level)


def test_credit_terms_for_a_customer_forced_to_c_need_the_cfo(run, tmp_path):
    _, folder = run
    path = _edited(folder, tmp_path, lambda wb, c: approve(form_sheet(wb, "C0025"), c["credit_application"], term=30,
                                                           manager_reason="老客户"))
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    assert ("评定-C0025", cells["manager_approved_term"], "forced_c_terms_need_cfo") in errors_of(back)
    assert "FORCE_C_LITIGATION" in text_of(back, "forced_c_terms_need_cfo")


def test_one_person_signing_in_two_roles(run, tmp_path):
    _, folder = run

    def edit(wb, c):
        approve(form_sheet(wb, "C0003"), c["credit_application"], salesperson_signer="赵 经理",
                salesperson_date=day(1))
        approve(form_sheet(wb, "C0007"), c["credit_application"], term=120, manager_reason="框架协议")
        fill(form_sheet(wb, "C0007", "特殊账期"), c["special_term"], {
            "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": day(1),
            "cfo_decision": "同意", "cfo_signer": "赵经理", "cfo_date": day(2), "finance_filing_date": day(3)})
    path = _edited(folder, tmp_path, edit)
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))
    assert ("评定-C0003", cells["credit_application"]["manager_signer"], "two_roles") in errors_of(back)
    assert ("特殊账期-C0007", cells["special_term"]["cfo_signer"], "two_roles") in errors_of(back)
    assert final(back, "C0003").status == "invalid" and final(back, "C0007").status == "invalid"
    assert "赵经理 同时以销售部经理和财务总监两个身份签字" in [p["problem"] for p in back.problems]


@pytest.mark.parametrize("when, code", [(datetime(2020, 1, 1), "date_before_run"),
                                        (day(-1), "date_before_run"), (day(11), "date_after_today"),
                                        ("2026年13月1日", "not_a_date")])
def test_decision_dates_before_the_run_or_after_the_read_back(run, tmp_path, when, code):
    _, folder = run
    path = _edited(folder, tmp_path, lambda wb, c: approve(form_sheet(wb, "C0003"), c["credit_application"],
                                                           when=when))
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    assert errors_of(back, "评定-C0003") == [("评定-C0003", cells["manager_date"], code)]
    assert final(back, "C0003").status == "invalid"


def test_dates_typed_as_text_are_read(run, tmp_path):
    _, folder = run
    typed = (RUN_DAY + timedelta(days=2))
    path = _edited(folder, tmp_path, lambda wb, c: approve(form_sheet(wb, "C0003"), c["credit_application"],
                                                           when=f"{typed.year}年{typed.month}月{typed.day}日"))
    back = read_back(folder, path)
    assert errors_of(back) == [] and final(back, "C0003").decided_on == typed


def test_missing_signer_and_date_are_reported(run, tmp_path):
    _, folder = run
    path = _edited(folder, tmp_path, lambda wb, c: fill(form_sheet(wb, "C0003"), c["credit_application"],
                                                        {"manager_decision": "同意"}))
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    assert sorted(errors_of(back, "评定-C0003")) == sorted([
        ("评定-C0003", cells["manager_signer"], "no_signer"), ("评定-C0003", cells["manager_date"], "no_date")])
    assert final(back, "C0003").status == "invalid"


def test_120_days_approved_without_the_cfo(run, tmp_path):
    _, folder = run
    path = _edited(folder, tmp_path, lambda wb, c: approve(form_sheet(wb, "C0007"), c["credit_application"],
                                                           term=120, manager_reason="客户要求"))
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    assert errors_of(back, "评定-C0007") == [("评定-C0007", cells["manager_approved_term"], "term_needs_cfo")]
    assert final(back, "C0007").status == "pending"


def test_above_policy_needs_a_reason_and_c_level_terms_are_flagged(run, tmp_path):
    result, folder = run
    c_level = next(d for d in result.rating.decisions if d.level == "C" and d.approval_route == "sales_manager"
                   and not d.overrides)

    def edit(wb, c):
        cells = c["credit_application"]
        approve(form_sheet(wb, c_level.customer_id), cells, term=30)
        approve(form_sheet(wb, "C0003"), cells, limit=2_000_000)
        fill(form_sheet(wb, "C0014"), cells, {"manager_decision": "同意吧", "manager_signer": "赵",
                                              "manager_date": day(1)})
    path = _edited(folder, tmp_path, edit)
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["credit_application"]
    probs = {(s, c, code) for s, c, code in problems_of(back)}
    sheet = f"评定-{c_level.customer_id}"
    assert (sheet, cells["manager_reason"], "no_reason.term_above_policy") in probs
    assert (sheet, cells["manager_approved_term"], "c_level_terms") in problems_of(back, severity="warning")
    assert ("评定-C0003", cells["manager_reason"], "no_reason.limit_above_request") in probs
    assert ("评定-C0014", cells["manager_decision"], "not_a_decision") in probs
    assert "同意/不同意/退回修改" in text_of(back, "not_a_decision")


def test_foreign_and_unreadable_files_are_reported_not_skipped(run, tmp_path):
    _, folder = run
    junk = tmp_path / "notes.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "会议记录"
    wb.save(junk)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    back = read_back(folder, junk, broken)
    assert [(u.file, u.code) for u in back.unreadable] == [("notes.xlsx", "not_approval_workbook"),
                                                            ("broken.xlsx", "unreadable_file")]
    assert back.outcome.finals == [] and back.outcome.records == []


def test_the_decisions_workbook_speaks_the_forms_language(run, tmp_path):
    """zh forms give a Chinese decisions workbook, en forms an English one, every text from the
    catalogue: no English sentence among the Chinese problems, no Chinese among the English."""
    import re
    _, folder = run
    zh = _fill_typical(folder / "approvals.xlsx", tmp_path / "zh.xlsx")
    wb = openpyxl.load_workbook(zh)
    c = layout_cells(wb)["credit_application"]
    approve(form_sheet(wb, "C0025"), c, term=30, when=datetime(2020, 1, 1), salesperson_signer="赵经理")
    fill(form_sheet(wb, "C0014"), c, {"manager_decision": "同意吧"})
    wb.save(zh)
    back = read_back(folder, zh)
    texts = [r[5] for r in openpyxl.load_workbook(folder / "decisions.xlsx")["问题清单"].iter_rows(
        min_row=2, values_only=True)]
    assert len(texts) >= 4
    for text in texts:
        assert not re.search(r"[A-Za-z]{3,}", re.sub(r"[A-Z][A-Z0-9_]{3,}|XYPD-\S+|TSQX-\S+|\S+\.xlsx", "", text)), text
    assert back.lang == "zh"

    en = tmp_path / "en"
    result = run_score(en, lang="en")
    assert result is not None
    back = services.read_approvals(session.ApprovalsRequest(filled=[en / "approvals.xlsx"],
                                                            register=en / "register.sqlite", out=en / "d.xlsx",
                                                            today=TODAY))
    wb = openpyxl.load_workbook(en / "d.xlsx")
    assert back.lang == "en" and wb.sheetnames == ["Final decisions", "Problems", "Approvals read"]
    for row in wb["Problems"].iter_rows(min_row=2, values_only=True):
        assert not re.search(r"[\u4e00-\u9fff]", row[5]), row[5]


def test_split_per_salesperson_and_cli(tmp_path, capsys):
    folder = tmp_path / "split"
    result = run_score(folder, forms_split="salesperson")
    files = sorted(folder.glob("approvals-*.xlsx"))
    people = {d.customer.salesperson for d in result.rating.decisions if d.approval_route != "none"}
    assert {f.stem.split("-", 1)[1] for f in files} == people
    code = main(["approvals", *map(str, files), "--register", str(folder / "register.sqlite"),
                 "--out", str(folder / "decisions.xlsx"), "--json", str(folder / "d.json")])
    assert code == 0
    data = json.loads((folder / "d.json").read_text(encoding="utf-8"))
    assert data["problems"] == [] and {d["status"] for d in data["decisions"]} == {"pending"}
    assert data["checked_against"] == "register"
    assert "Read " in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        main(["approvals", str(files[0]), "--register", str(folder / "register.sqlite"), "--out",
              str(folder / "d2.xlsx"), "--prefer", str(folder / "elsewhere.xlsx")])
    assert stop.value.code == 2 and "not read back" in capsys.readouterr().err


def test_cli_exits_3_when_no_form_was_read(tmp_path, capsys):
    junk = tmp_path / "会议记录.xlsx"
    openpyxl.Workbook().save(junk)
    code = main(["approvals", str(junk), "--register", str(tmp_path / "r.sqlite"), "--json", str(tmp_path / "d.json")])
    assert code == 3
    data = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert [p["code"] for p in data["problems"]] == ["not_approval_workbook"]


LEVEL_WORDS = ("AAA", "AA", "等级", "评分", "总分", "信用额度", "超优级", "存在风险", "FORCE_C", "CAP_A")


def _all_text(path: Path) -> str:
    import zipfile
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


def test_customer_notices_show_terms_only(run, tmp_path):
    result, folder = run
    notices = tmp_path / "通知书.xlsx"
    services.score(session.ScoreRequest(inputs=sorted(samples_dir().iterdir()), as_of=AS_OF, notices_out=notices))
    wb = openpyxl.load_workbook(notices)
    cash = [d for d in result.rating.decisions if d.approval_route == "none"]
    assert len(wb.sheetnames) == len(cash) > 0
    text = _all_text(notices)
    assert "款到发货" in text and "新客户的前三笔订单实行款到发货" in text
    for word in LEVEL_WORDS:
        assert word not in text, word
    import re
    assert not re.search(r">(A|B|C)<", text)  # no bare level letter in any cell

    filled = _fill_typical(folder / "approvals.xlsx")
    after = tmp_path / "approved-notices.xlsx"
    services.read_approvals(session.ApprovalsRequest(filled=[filled], register=register_copy(folder),
                                                      notices_out=after, today=TODAY))
    text = _all_text(after)
    assert "开具发票后 120 天内付清货款" in text
    for word in LEVEL_WORDS:
        assert word not in text, word


def test_results_snapshot_holds_every_decisions_facts(run):
    from desktop.io.approvals_reader import read_results_snapshot
    result, folder = run
    snap = read_results_snapshot(folder / "results.xlsx")
    assert snap.run_id == result.run.run_id and snap.as_of == AS_OF
    assert len(snap.facts) == len(result.rating.decisions)
    for d in result.rating.decisions:
        f = snap.facts[d.customer_id]
        assert (f["name"], f["total"], f["system_level"], f["eligible_limit"], f["requested_term"]) == (
            d.customer.name, d.total, d.level, d.eligible_limit, d.requested_term_days)
        assert [f[f"item:{i.key}"] for i in d.items] == [i.points for i in d.items]


def _facts_workbook(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "_facts"
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_results_snapshot_of_the_first_layout_and_a_damaged_one(tmp_path):
    """Results workbooks of the first version kept one cell a fact; they are still read. A fact
    record that is not JSON is named by sheet and row, not read as something else."""
    from desktop.errors import InputFileError
    from desktop.io.approvals_reader import read_results_snapshot
    meta = ["run_id", "R1", "policy_sha256", "ab" * 32, "as_of", "2026-06-30"]
    old = _facts_workbook(tmp_path / "old.xlsx", [meta, ["customer_id", "name", "total"], ["C1", "甲公司", 85]])
    assert read_results_snapshot(old).facts == {"C1": {"customer_id": "C1", "name": "甲公司", "total": 85}}
    bad = _facts_workbook(tmp_path / "bad.xlsx", [meta + ["format", "json-rows"], ["customer_id", "name"],
                                                  ["C1", '["C1","甲公司"]'], ["C2", '["C2", 甲']])
    with pytest.raises(InputFileError, match=r"bad.xlsx, sheet _facts, row 4: the record .* is damaged"):
        read_results_snapshot(bad)


def test_forms_exported_later_from_the_window_session_are_sealed_with_the_registers_key(tmp_path):
    """The window rates first (the run is recorded) and exports the forms afterwards: they carry the
    same seal and basis digests as forms written with the run, and read back clean; a session whose
    run was not recorded writes plain digests, which the register cannot confirm."""
    from desktop.io.approvals_reader import read_filled_workbook
    from desktop.io.register import Register
    s = session.Session()
    reading = session.ImportRequest(tuple(sorted(samples_dir().iterdir())), as_of=AS_OF)
    done = s.run(session.RateRequest(reading, register=tmp_path / "register.sqlite"))
    forms_path = tmp_path / "审批表.xlsx"
    s.run(session.ExportForms(forms_path, run_id=done.run.run_id))
    with Register(tmp_path / "register.sqlite", readonly=True) as reg:
        key = reg.key()
    forms, _ = read_filled_workbook(forms_path)
    assert forms and all(f.meta["digest"] == seal(key, f.sealed) for f in forms)
    wb = openpyxl.load_workbook(forms_path)
    approve(form_sheet(wb, "C0003"), layout_cells(wb)["credit_application"])
    wb.save(forms_path)
    back = services.read_approvals(session.ApprovalsRequest(filled=[forms_path], register=tmp_path / "register.sqlite",
                                                            out=tmp_path / "d.xlsx", today=TODAY))
    assert errors_of(back) == [] and final(back, "C0003").status == "approved"


@pytest.mark.parametrize("tamper, message", [
    ("UPDATE meta SET value=? WHERE key='hmac_key'", "seal key is not the one run"),
    ("DELETE FROM meta WHERE key='hmac_key' AND ? IS NOT NULL", "seal key is not the one run"),
    ("UPDATE entries SET payload=replace(payload, '\"term_days\":60', '\"term_days\":90') "
     "WHERE customer_id='C0007' AND kind='decision' AND ? IS NOT NULL", "was changed after it was recorded"),
])
def test_a_register_tampered_with_is_refused_as_the_reference(run, tmp_path, tamper, message):
    """Someone with the file and a raw SQLite tool replaces the seal key (to reseal forged forms
    with a key of their own) or edits the recorded decision: nothing is checked against it."""
    import sqlite3

    from desktop.errors import InputFileError
    _, folder = run
    register = register_copy(folder)
    db = sqlite3.connect(register)
    db.execute("DROP TRIGGER entries_no_update")
    db.execute("DROP TRIGGER entries_no_delete")
    db.execute(tamper, ((b"x" * 32).hex(),))
    db.commit()
    db.close()
    filled = _fill_typical(folder / "approvals.xlsx", tmp_path / "filled.xlsx")
    with pytest.raises(InputFileError, match=message):
        read_back(folder, filled, register=register)


def test_the_cfo_deciding_before_the_sales_manager_is_flagged(run, tmp_path):
    _, folder = run

    def edit(wb, c):
        approve(form_sheet(wb, "C0007"), c["credit_application"], term=120, manager_reason="框架协议")
        fill(form_sheet(wb, "C0007", "特殊账期"), c["special_term"], {
            "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": day(3),
            "cfo_decision": "同意", "cfo_signer": "钱总监", "cfo_date": day(2), "cfo_reason": "战略客户",
            "finance_filing_date": day(4)})
    path = _edited(folder, tmp_path, edit)
    back = read_back(folder, path)
    cells = layout_cells(openpyxl.load_workbook(path))["special_term"]
    assert ("特殊账期-C0007", cells["cfo_date"], "date_order") in problems_of(back, severity="warning")
    assert final(back, "C0007").status == "approved", back.problems
    assert "财务总监审批日期" in text_of(back, "date_order")


def _set_layout(wb, form_type: str, change) -> None:
    """Edit the very hidden layout record of ``form_type`` (field -> cell), as a forger can."""
    for row in wb["_layout"].iter_rows(min_row=2):
        if row[0].value == form_type:
            cells = json.loads(row[1].value)
            change(cells)
            row[1].value = json.dumps(cells, ensure_ascii=False)


@pytest.mark.parametrize("cfo_name", ["张\u200b经理", "张经理\u00ad", "\u2060张经理", "张-经理", "张·经理",
                                      "Zh\u0430ng Wei"])
def test_one_person_in_two_roles_whatever_invisible_or_look_alike_characters_they_add(run, tmp_path, cfo_name):
    _, folder = run
    manager = "Zhang Wei" if cfo_name.startswith("Zh") else "张经理"

    def edit(wb, c):
        approve(form_sheet(wb, "C0007"), c["credit_application"], term=120, signer=manager, manager_reason="框架协议")
        fill(form_sheet(wb, "C0007", "特殊账期"), c["special_term"], {
            "manager_decision": "同意", "manager_signer": manager, "manager_date": day(1), "cfo_decision": "同意",
            "cfo_signer": cfo_name, "cfo_date": day(2), "cfo_reason": "战略客户", "finance_filing_date": day(3)})
    back = read_back(folder, _edited(folder, tmp_path, edit))
    assert [code for _, _, code in errors_of(back, "特殊账期-C0007")] == ["two_roles"]
    assert final(back, "C0007").status == "invalid"


def test_an_input_cell_pointed_elsewhere_in_the_layout_breaks_the_seal(run, tmp_path):
    """The printed form says 不同意; the layout points the decision at a cell outside the print area
    that says 同意."""
    _, folder = run

    def edit(wb, c):
        ws = form_sheet(wb, "C0003")
        approve(ws, c["credit_application"], manager_decision="不同意")
        ws.protection.sheet = False
        ws["H1"].value = "同意"
        _set_layout(wb, "credit_application", lambda cells: cells.update(manager_decision="H1"))
    back = read_back(folder, _edited(folder, tmp_path, edit))
    assert [code for _, _, code in errors_of(back, "评定-C0003")] == ["seal_broken"]
    assert "C0003" not in {f.customer_id for f in back.outcome.finals}


def test_an_insider_resealing_a_shorter_layout_is_still_measured_against_the_registers_request(run, tmp_path):
    """With the register's key, the forger drops the request, term and limit from the layout and
    reseals: the approval is still measured against what the register recorded."""
    from desktop.io.register import Register
    _, folder = run
    with Register(folder / "register.sqlite", readonly=True) as reg:
        key = reg.key()

    def edit(wb, c):
        approve(form_sheet(wb, "C0013"), c["credit_application"], term=90, limit=1_000_000)
        _set_layout(wb, "credit_application", lambda cells: [cells.pop(k) for k in (
            "recommended_term", "eligible_limit", "requested_term", "requested_limit")])
    path = _edited(folder, tmp_path, edit)
    reseal(path, "评定-C0013", key)
    back = read_back(folder, path)
    codes = {code for _, _, code in errors_of(back, "评定-C0013")}
    assert {"no_reason.term_above_policy", "no_reason.limit_above_policy"} <= codes
    assert final(back, "C0013").status == "invalid"


def test_terms_the_cfo_grants_a_customer_forced_to_c_need_part_7_too(run, tmp_path):
    """C0020 (forced to C by three rules): the application grants 0 days, the CFO 120 on the
    special form; the application's CFO block is empty."""
    _, folder = run

    def edit(wb, c):
        approve(form_sheet(wb, "C0020"), c["credit_application"], term=0, limit=0)
        fill(form_sheet(wb, "C0020", "特殊账期"), c["special_term"], {
            "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": day(1), "cfo_decision": "同意",
            "cfo_signer": "钱总监", "cfo_date": day(2), "cfo_approved_term": 120, "cfo_reason": "x",
            "finance_filing_date": day(3)})
    back = read_back(folder, _edited(folder, tmp_path, edit))
    assert "forced_c_terms_need_cfo" in {code for _, _, code in errors_of(back, "评定-C0020")}
    assert final(back, "C0020").status == "invalid"


def test_prefer_names_a_file_by_its_path_not_its_name(run, tmp_path):
    """Two workbooks called f.xlsx in two folders: preferring one does not prefer the other."""
    _, folder = run
    register = register_copy(folder)
    (tmp_path / "clerk").mkdir()
    (tmp_path / "sm").mkdir()
    clerk = _edited(folder, tmp_path / "clerk", lambda wb, c: approve(form_sheet(wb, "C0003"),
                                                                    c["credit_application"], limit=500000), "f.xlsx")
    read_back(folder, clerk, register=register)
    sm = _edited(folder, tmp_path / "sm", lambda wb, c: approve(form_sheet(wb, "C0003"), c["credit_application"],
                                                              manager_decision="不同意"), "f.xlsx")
    back = read_back(folder, sm, register=register, prefer=(clerk,))
    assert final(back, "C0003").status == "conflict"
    back = read_back(folder, sm, register=register, prefer=(sm,))
    assert final(back, "C0003").status == "rejected"


def test_the_command_lines_summary_words_the_decisions_in_the_language_asked(run, tmp_path, capsys):
    _, folder = run
    code = main(["approvals", str(folder / "approvals.xlsx"), "--register", str(folder / "register.sqlite"),
                 "--out", str(tmp_path / "审批结果.xlsx"), "--lang", "zh"])
    out = capsys.readouterr().out
    assert code == 0 and "待审批" in out and "pending" not in out
    assert english_sentences(out.replace(str(tmp_path), "")) == []
