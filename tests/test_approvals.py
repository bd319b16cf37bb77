"""Approval forms: written, filled the way a sales manager does in Excel, read back, checked."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert, soffice

from desktop import services, session
from desktop.cli import main
from desktop.paths import samples_dir

AS_OF = date(2026, 6, 30)


def run_score(folder: Path, **kw) -> services.ScoreResult:
    folder.mkdir(parents=True, exist_ok=True)
    req = session.ScoreRequest(inputs=sorted(samples_dir().iterdir()), as_of=AS_OF, out=folder / "results.xlsx",
                                forms_out=folder / "approvals.xlsx", **kw)
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


def approve(ws, cells, term=None, limit=None, signer="赵经理", when=datetime(2026, 7, 3), **extra):
    values = {"manager_decision": "同意", "manager_signer": signer, "manager_date": when,
              "manager_opinion": "同意按申请执行"}
    if term is not None:
        values["manager_approved_term"] = term
    if limit is not None:
        values["manager_approved_limit"] = limit
    values.update(extra)
    fill(ws, cells, values)


def read_back(folder: Path, *filled: Path) -> session.ApprovalsDone:
    return services.read_approvals(session.ApprovalsRequest(filled=list(filled), results=folder / "results.xlsx",
                                                             out=folder / "decisions.xlsx"))


def problems_of(result, form_sheet_name=None):
    return [(p.sheet, p.cell, p.problem) for p in result.outcome.problems
            if form_sheet_name is None or p.sheet == form_sheet_name]


def final(result, cid):
    return next(f for f in result.outcome.finals if f.customer_id == cid)


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
    assert ws["C" + cells["item:payment_timeliness"][1:]].value == "加权平均逾期 4.2 天"


def _fill_typical(path: Path) -> Path:
    """A sales manager approves C0003 as requested, approves C0007's 120 days with the CFO's
    approval on the special form, rejects C0013 and leaves the rest pending."""
    wb = openpyxl.load_workbook(path)
    cells = layout_cells(wb)
    approve(form_sheet(wb, "C0003"), cells["credit_application"])
    approve(form_sheet(wb, "C0007"), cells["credit_application"], term=120, limit=500000,
            manager_reason="年度框架协议，工程结算周期长")
    fill(form_sheet(wb, "C0007", "特殊账期"), cells["special_term"], {
        "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": datetime(2026, 7, 3),
        "cfo_decision": "同意", "cfo_signer": "钱总监", "cfo_date": datetime(2026, 7, 6),
        "cfo_reason": "战略客户，同意120天", "finance_signer": "孙会计", "finance_filing_date": datetime(2026, 7, 7)})
    fill(form_sheet(wb, "C0013"), cells["credit_application"], {
        "manager_decision": "不同意", "manager_signer": "赵经理", "manager_date": datetime(2026, 7, 3)})
    out = path.with_name("approvals-filled.xlsx")
    wb.save(out)
    return out


def test_round_trip_gives_the_decisions(run):
    result, folder = run
    filled = _fill_typical(folder / "approvals.xlsx")
    back = read_back(folder, filled)
    assert problems_of(back) == []
    c3, c7, c13 = final(back, "C0003"), final(back, "C0007"), final(back, "C0013")
    d3 = next(d for d in result.rating.decisions if d.customer_id == "C0003")
    assert (c3.status, c3.approved_term_days, c3.approved_limit) == ("approved", d3.requested_term_days,
                                                                     d3.requested_limit)
    assert (c7.status, c7.approved_term_days, c7.approved_limit, c7.final_level) == ("approved", 120, 500000, "AA")
    assert c7.approvers == ["赵经理", "赵经理", "钱总监"] and c7.decided_on == date(2026, 7, 6)
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
    filled = _fill_typical(folder / "approvals.xlsx")
    resaved = convert(filled, "xlsx", tmp_path / "lo", tmp_path / "profile")
    back = read_back(folder, resaved)
    assert problems_of(back) == []
    c7 = final(back, "C0007")
    assert (c7.status, c7.approved_term_days, c7.approved_limit, c7.decided_on) == \
        ("approved", 120, 500000, date(2026, 7, 6))
    assert final(back, "C0013").status == "rejected"


def test_tampered_locked_fact_is_reported_with_its_cell(run, tmp_path):
    _, folder = run
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    ws = form_sheet(wb, "C0003")
    ws.protection.sheet = False  # unprotect (no password by default) and edit a locked fact
    ws[cells["eligible_limit"]].value = 9_999_000
    approve(ws, cells)
    path = tmp_path / "tampered.xlsx"
    wb.save(path)
    back = read_back(folder, path)
    (sheet, cell, problem), = problems_of(back, "评定-C0003")
    assert cell == cells["eligible_limit"] and "locked fact changed" in problem and "9999000" in problem
    assert "C0003" not in {f.customer_id for f in back.outcome.finals}


def test_changed_basis_text_breaks_the_digest(run, tmp_path):
    _, folder = run
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    ws = form_sheet(wb, "C0003")
    ws["C" + cells["item:payment_timeliness"][1:]].value = "加权平均逾期 0.0 天"
    path = tmp_path / "t2.xlsx"
    wb.save(path)
    (sheet, cell, problem), = problems_of(read_back(folder, path), "评定-C0003")
    assert cell == cells["digest"] and "digest does not match" in problem


def test_form_from_another_run_is_reported(run, tmp_path):
    _, folder = run
    other = run_score(tmp_path / "other")  # a second run: its forms carry another run ID
    back = read_back(folder, tmp_path / "other" / "approvals.xlsx")
    cells = layout_cells(openpyxl.load_workbook(tmp_path / "other" / "approvals.xlsx"))["credit_application"]
    foreign = [(s, c, p) for s, c, p in problems_of(back) if "another run" in p]
    assert len(foreign) == len(other.rating.decisions) - sum(d.approval_route == "none" for d in
                                                             other.rating.decisions) + \
        sum(d.requested_term_days > 90 for d in other.rating.decisions)
    assert foreign[0][1] == cells["run_id"] and other.run.run_id in foreign[0][2]
    assert sum("missing form" in p for _, _, p in problems_of(back)) == len(foreign)


def test_duplicated_form_is_reported(run, tmp_path):
    _, folder = run
    copy = tmp_path / "copy.xlsx"
    shutil.copy(folder / "approvals.xlsx", copy)
    back = read_back(folder, folder / "approvals.xlsx", copy)
    dups = [(s, c, p) for s, c, p in problems_of(back) if "duplicated form" in p]
    assert dups and all(c == "B2" for _, c, _ in dups)
    assert back.outcome.finals == []


def test_missing_signer_and_date_are_reported(run, tmp_path):
    _, folder = run
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    fill(form_sheet(wb, "C0003"), cells, {"manager_decision": "同意"})
    path = tmp_path / "unsigned.xlsx"
    wb.save(path)
    back = read_back(folder, path)
    assert sorted(problems_of(back, "评定-C0003")) == sorted([
        ("评定-C0003", cells["manager_signer"], "decision without a signer"),
        ("评定-C0003", cells["manager_date"], "decision without a date")])
    assert final(back, "C0003").status == "invalid"


def test_120_days_approved_without_the_cfo(run, tmp_path):
    _, folder = run
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    approve(form_sheet(wb, "C0007"), cells, term=120, manager_reason="客户要求")
    path = tmp_path / "nocfo.xlsx"
    wb.save(path)
    back = read_back(folder, path)
    (sheet, cell, problem), = problems_of(back, "评定-C0007")
    assert cell == cells["manager_approved_term"] and "needs the CFO's approval" in problem
    assert final(back, "C0007").status == "pending"


def test_above_policy_needs_a_reason_and_c_level_terms_are_flagged(run, tmp_path):
    result, folder = run
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    c_level = next(d for d in result.rating.decisions if d.level == "C" and d.approval_route == "sales_manager")
    approve(form_sheet(wb, c_level.customer_id), cells, term=30)
    approve(form_sheet(wb, "C0003"), cells, limit=2_000_000)
    fill(form_sheet(wb, "C0014"), cells, {"manager_decision": "同意吧", "manager_signer": "赵", "manager_date":
                                          datetime(2026, 7, 1)})
    path = tmp_path / "policy.xlsx"
    wb.save(path)
    back = read_back(folder, path)
    probs = {(s, c): p for s, c, p in problems_of(back)}
    sheet = f"评定-{c_level.customer_id}"
    assert "without a written reason" in probs[(sheet, cells["manager_reason"])]
    assert "C-level customer" in probs[(sheet, cells["manager_approved_term"])]
    assert "limit above the request" in probs[("评定-C0003", cells["manager_reason"])]
    assert "not one of 同意/不同意/退回修改" in probs[("评定-C0014", cells["manager_decision"])]
    warn = next(p for p in back.outcome.problems if p.cell == cells["manager_approved_term"])
    assert warn.severity == "warning"


def test_foreign_and_unreadable_files_are_reported_not_skipped(run, tmp_path):
    _, folder = run
    junk = tmp_path / "notes.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "会议记录"
    wb.save(junk)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    back = read_back(folder, junk, broken)
    texts = {(u.file, u.problem.split(" (")[0].split(":")[0]) for u in back.unreadable}
    assert ("notes.xlsx", "not an approval workbook written by Credit Desk") in texts
    assert any(u.file == "broken.xlsx" and "not a readable .xlsx workbook" in u.problem for u in back.unreadable)


def test_split_per_salesperson_and_cli(tmp_path, capsys):
    folder = tmp_path / "split"
    result = run_score(folder, forms_split="salesperson")
    files = sorted(folder.glob("approvals-*.xlsx"))
    people = {d.customer.salesperson for d in result.rating.decisions if d.approval_route != "none"}
    assert {f.stem.split("-", 1)[1] for f in files} == people
    code = main(["approvals", *map(str, files), "--results", str(folder / "results.xlsx"),
                 "--out", str(folder / "decisions.xlsx"), "--json", str(folder / "d.json")])
    assert code == 0
    data = json.loads((folder / "d.json").read_text(encoding="utf-8"))
    assert data["problems"] == [] and {d["status"] for d in data["decisions"]} == {"pending"}
    assert "Read " in capsys.readouterr().out


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
    services.read_approvals(session.ApprovalsRequest(filled=[filled], results=folder / "results.xlsx",
                                                      notices_out=after))
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
