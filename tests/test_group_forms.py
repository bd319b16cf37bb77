"""A group member's application form: the group's figures as locked facts, read back, tampered with.

One small case built from the samples: every sample link removed, then three customers who asked
for credit put in one group (所属集团 written two ways, the name starting with "=" as a hostile
cell would), one of them sued by its suppliers (the early warning caps the other two), under a
policy whose total-amount control allows a group 1 % of all limits (so it scales them down).
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from test_approvals import AS_OF, approve, errors_of, final, form_sheet, layout_cells, read_back

from desktop import services, session
from desktop.core.forms import FACTS
from desktop.io.policy_file import load_policy
from desktop.io.writers.labels import Labels, rule_sentence
from desktop.paths import samples_dir, templates_dir

GROUP = "=SUM(1,1)华南控股集团"  # a formula to a spreadsheet, were it not written as text
CJK = re.compile(r"[\u4e00-\u9fff]")


def _three(files: list[Path]) -> list[str]:
    """Three sample customers outside groups that ask for at most 90 days and are not forced to C:
    the two with the largest limits, and the next (to be sued by its suppliers)."""
    policy = load_policy()
    imported = services.import_inputs(session.ImportRequest(tuple(files), (), AS_OF))
    rating = services.rate_imported(imported, policy, AS_OF, files).rating
    fit = sorted((d for d in rating.decisions if d.group is None and not d.overrides
                  and 0 < d.requested_term_days <= 90), key=lambda d: -d.eligible_limit)
    assert fit[1].eligible_limit > 0
    return [fit[0].customer_id, fit[2].customer_id, fit[1].customer_id]


def _customers(path: Path, chosen: list[str]) -> list[str]:
    """Unlink every sample customer, then link the ``chosen`` three; returns their IDs in sheet
    order, the second of ``chosen`` sued by its suppliers."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    head = next(r for r in range(1, 10) if ws.cell(r, 1).value == "客户编号")
    col = {ws.cell(head, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(head, c).value}
    rows = [r for r in range(head + 1, ws.max_row + 1) if ws.cell(r, 1).value]
    codes = set()
    for r in rows:
        for name in ("所属集团", "实际控制人"):
            if name in col:
                ws.cell(r, col[name]).value = None
        code = ws.cell(r, col["统一社会信用代码"]).value
        if code in codes:  # one legal entity under two IDs links them: not in this case
            ws.cell(r, col["统一社会信用代码"]).value = None
        codes.add(code)
        ws.cell(r, col["被其他供应商起诉"]).value = "否"
    def cid(r: int) -> str:
        return unicodedata.normalize("NFKC", str(ws.cell(r, 1).value)).strip()  # as the reader reads it
    members = [r for r in rows if cid(r) in chosen]
    for r, written in zip(members, (GROUP, GROUP, f" {GROUP} ")):
        cell = ws.cell(r, col["所属集团"])
        cell.value = written
        cell.data_type = "s"  # typed as text in the cell, as a clerk's "'=..." is: no formula
        if cid(r) == chosen[1]:
            ws.cell(r, col["被其他供应商起诉"]).value = "是"
    wb.save(path)
    return [cid(r) for r in members]


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    base = tmp_path_factory.mktemp("group-forms")
    inputs = base / "inputs"
    shutil.copytree(samples_dir(), inputs)
    chosen = _three(sorted(inputs.iterdir()))
    members = _customers(next(p for p in inputs.iterdir() if "客户" in p.name), chosen)
    sued = chosen[1]
    policy = base / "policy.toml"
    text = (templates_dir() / "policy" / "default.toml").read_text(encoding="utf-8")
    assert "concentration_share = 0.20" in text
    policy.write_text(text.replace("concentration_share = 0.20", "concentration_share = 0.01"), encoding="utf-8")
    results = {}
    for lang in ("zh", "en"):
        folder = base / lang
        folder.mkdir()
        results[lang] = services.score(session.ScoreRequest(
            inputs=sorted(inputs.iterdir()), policy_path=policy, as_of=AS_OF, lang=lang,
            forms_out=folder / "approvals.xlsx", register=folder / "register.sqlite"))
    rating = results["zh"].rating
    assert [g.members for g in rating.groups] == [tuple(members)]  # the case is what it says
    figures = rating.groups[0]
    assert figures.reduced and figures.forced_c == (sued,)
    return {"base": base, "members": members, "sued": sued, "rating": rating, "figures": figures, "policy": policy,
            "results": results}


def _facts(ws, cells: dict[str, str]) -> dict[str, object]:
    return {k: ws[c].value for k, c in cells.items() if k in FACTS}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_members_form_carries_its_groups_figures_as_locked_facts(case, lang):
    wb = openpyxl.load_workbook(case["base"] / lang / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    g, members = case["figures"], case["members"]
    decisions = {d.customer_id: d for d in case["rating"].decisions}
    lab = Labels(lang)
    for cid in members:
        ws = form_sheet(wb, cid)
        f = _facts(ws, cells)
        assert all(ws[cells[k]].protection.locked is not False for k in f if k.startswith("group_"))
        assert f["group_name"] == GROUP and ws[cells["group_name"]].data_type == "s"  # text, not a formula
        assert f["group_size"] == 3
        for m in members:  # every member by ID and name (three fit)
            assert f"{m} {decisions[m].customer.name}" in f["group_members"]
        assert f["group_links"] == f"{lab('form.group.link.group')}{'' if lang == 'zh' else ' '}“{GROUP}”" \
            + ("：" if lang == "zh" else ": ") + ("、" if lang == "zh" else ", ").join(members)
        ms = [decisions[m] for m in members]
        assert f["group_sales_12m"] == pytest.approx(sum(d.metrics.sales_12m for d in ms))
        assert f["group_open_ar"] == pytest.approx(sum(d.metrics.open_ar for d in ms))
        assert f["group_overdue_balance"] == pytest.approx(sum(d.metrics.overdue_balance for d in ms))
        assert f["group_requested_limit"] == pytest.approx(sum(d.requested_limit for d in ms))
        # after the total-amount control, at most the ceiling, which is 1 % of all limits before it
        assert f["group_eligible_limit"] == sum(d.eligible_limit for d in ms) == g.eligible_limit
        assert f["group_ceiling"] == pytest.approx(float(g.ceiling)) and g.eligible_limit <= g.ceiling
        assert f["group_ceiling"] == pytest.approx(g.total_limit * 0.01)
        assert f["group_worst_level"] == "C"
        reason = lab.code_words("FORCE_C_LITIGATION")
        sued = case["sued"]
        assert f["group_forced_c"].startswith(f"{sued} {decisions[sued].customer.name}") \
            and reason in f["group_forced_c"]
        d = decisions[cid]
        control = next(h for h in d.limit_rules if h.code == "LIMIT_GROUP_CONCENTRATION")
        assert "LIMIT_GROUP_CONCENTRATION" in f["rules_fired"]
        assert rule_sentence(control.code, control.data, lang) in f["rules_detail"]  # why the limit was scaled
        if control.data["limit_before"] != d.eligible_limit:
            assert lab("form.group.scaled", f"{control.data['limit_before']:,}", f"{d.eligible_limit:,}") \
                in f["rules_detail"]
        if cid != sued:  # capped by the warning, with the sued member named
            warning = next(h for h in d.caps if h.code == "CAP_B_GROUP_WARNING")
            assert rule_sentence(warning.code, warning.data, lang) in f["rules_detail"]
        labels = [ws[c].offset(column=-1).value for k, c in cells.items() if k.startswith("group_")]
        if lang == "en":  # English labels, nothing Chinese but the customers' own words
            assert not any(CJK.search(str(v)) for v in labels)
        else:
            assert all(CJK.search(str(v)) for v in labels)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_customer_outside_groups_reads_not_in_a_group_with_blank_figures(case, lang):
    wb = openpyxl.load_workbook(case["base"] / lang / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    outsider = next(d for d in case["rating"].decisions if d.group is None and d.approval_route != "none")
    f = _facts(form_sheet(wb, outsider.customer_id), cells)
    assert f["group_name"] == Labels(lang)("form.group.none")
    assert all(f[k] is None for k in f if k.startswith("group_") and k != "group_name")


def test_filled_member_forms_read_back_with_no_false_problem(case, tmp_path):
    folder = case["base"] / "zh"
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    outsider = next(d for d in case["rating"].decisions if d.group is None and d.approval_route == "sales_manager")
    sued = case["sued"]
    first = next(m for m in case["members"] if m != sued)
    decisions = {d.customer_id: d for d in case["rating"].decisions}
    for cid in (first, sued, outsider.customer_id):  # as the policy allows: no reason needed
        d = decisions[cid]
        approve(form_sheet(wb, cid), cells, term=d.recommended_term_days, limit=d.eligible_limit)
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    back = read_back(folder, filled, policy_path=case["policy"])
    assert errors_of(back) == []
    assert [final(back, c).status for c in (first, sued, outsider.customer_id)] == ["approved"] * 3


@pytest.mark.parametrize("key,value", [("group_eligible_limit", 99_999_000), ("group_forced_c", "无"),
                                       ("rules_detail", "无")])
def test_an_edited_group_fact_breaks_the_seal(case, tmp_path, key, value):
    """A sales manager who unprotects the sheet and raises the group's total (or its ceiling, or
    drops the warning's reason) to make a limit look in policy: the seal no longer holds, the form
    decides nothing."""
    folder = case["base"] / "zh"
    wb = openpyxl.load_workbook(folder / "approvals.xlsx")
    cells = layout_cells(wb)["credit_application"]
    cid = case["members"][0]
    ws = form_sheet(wb, cid)
    ws.protection.sheet = False
    ws[cells[key]].value = value
    approve(ws, cells)
    filled = tmp_path / "edited.xlsx"
    wb.save(filled)
    back = read_back(folder, filled, policy_path=case["policy"])
    assert errors_of(back, f"评定-{cid}") == [(f"评定-{cid}", cells["digest"], "seal_broken")]
    assert cid not in {f.customer_id for f in back.outcome.finals if f.status == "approved"}
