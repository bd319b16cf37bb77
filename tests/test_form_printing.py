"""Approval forms and customer notices on paper: every text fits its cell, on the A4 pages its layout
gives (an application two, the approvals on the second; every other form and notice one), legible.

The fast tests measure every cell's text with the real fonts (tests/layout_fit.py): a long
customer name, the rules fired, the request reason and typed opinions wrap inside their cells
and their rows are tall enough. The LibreOffice tests print the workbooks to PDF, count the
pages and measure the printed size of the text.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import statistics
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from layout_fit import Offender, offenders
from libreoffice import convert, soffice
from test_printing import _box_per_pt, _words

from desktop import services, session
from desktop.core.forms import CREDIT_APPLICATION, INPUTS, SPECIAL_TERM, forms_needed
from desktop.core.groups import Group, GroupFigures, GroupLink
from desktop.core.models import RuleHit
from desktop.io.forms_layout import load_layouts
from desktop.io.policy_file import load_policy
from desktop.io.writers.forms import LAYOUT_SHEET, write_approval_workbook
from desktop.io.writers.labels import Labels
from desktop.io.writers.notices import Notice, write_notices
from desktop.paths import samples_dir

AS_OF = date(2026, 6, 30)
FORM_ID = re.compile(r"(XYPD|TSQX)-\d{14}-\d{5}")
TITLES = {"客户信用等级评定申请表": CREDIT_APPLICATION, "Customer credit level assessment application": CREDIT_APPLICATION,
          "客户特殊付款期限申请表": SPECIAL_TERM, "Special payment-term application": SPECIAL_TERM}
TARGET_PT = 9  # the printed size of a form's 10 pt text asked for
# What the forms print at (LibreOffice here, their body text, the worst sample form): the special
# term form 9.2 pt; the application form 8.7 pt in both languages. On one page its blocks could not
# make the target (with the group block, 6.8 pt); on two pages (the approvals on the second) its
# height no longer sets the scale, its width does: six columns LibreOffice measures with DejaVu
# Sans, 21 % wider than 等线. These floors catch a form getting smaller still.
FLOOR_PT = {(CREDIT_APPLICATION, "zh"): 8.6, (CREDIT_APPLICATION, "en"): 8.6,
            (SPECIAL_TERM, "zh"): TARGET_PT, (SPECIAL_TERM, "en"): TARGET_PT}
NOTICE_PT = 12  # a notice's text, printed at 100 %
LONG_NAME = "深圳市前海国际供应链管理服务股份有限公司华南区域第一分公司（原深圳市某某贸易有限公司）"
LONG_REASON = ("客户为集团重点项目配套供应商，项目回款周期较长，业主方按季度结算，申请将付款期限延长至一百二十天，"
               "并同步提高信用额度以覆盖旺季备货需求；业务员已取得客户近三年审计报告及银行流水，供审批参考。")
LONG_GROUP = "华南国际控股集团有限公司（香港）暨粤港澳大湾区供应链产业投资联合体"
OPINION = "同意。该客户合作多年，付款记录良好，经营稳定；本次申请与项目回款周期相符，建议按申请执行，请财务部备案。"


def _isolated(mp: pytest.MonkeyPatch, base: Path) -> None:
    """The register and settings of a module-scoped fixture in its own folder (the autouse one is per test)."""
    mp.setenv("CREDIT_DESK_REGISTER", str(base / "register.sqlite"))
    for var, folder in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                        ("APPDATA", "appdata")):
        mp.setenv(var, str(base / folder))


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Path]:
    """The samples rated as the command line rates them: approval workbooks in Chinese and English, notices."""
    base = tmp_path_factory.mktemp("form-printing")
    out = {"forms-zh": base / "审批表单.xlsx", "forms-en": base / "approvals.xlsx", "notices": base / "通知书.xlsx"}
    with pytest.MonkeyPatch.context() as mp:
        _isolated(mp, base)
        for lang in ("zh", "en"):
            services.score(session.ScoreRequest(inputs=sorted(samples_dir().iterdir()), as_of=AS_OF, lang=lang,
                                                forms_out=out[f"forms-{lang}"], register=base / "register.sqlite",
                                                notices_out=out["notices"] if lang == "zh" else None))
            out[f"decisions-{lang}"] = _decisions(out[f"forms-{lang}"], base / "register.sqlite", lang)
    return out


def _decisions(forms: Path, register: Path, lang: str) -> Path:
    """The decisions workbook of a read-back with approvals, errors and warnings (sheet names are
    the same in both languages)."""
    from test_approvals import TODAY, approve, day, fill, form_sheet, layout_cells
    wb = openpyxl.load_workbook(forms)
    cells = layout_cells(wb)
    app, special = cells["credit_application"], cells["special_term"]
    approve(form_sheet(wb, "C0003"), app)
    approve(form_sheet(wb, "C0007"), app, term=120, limit=500000,
            manager_reason="年度框架协议，工程结算周期长，按合同分期付款")
    fill(form_sheet(wb, "C0007", "特殊账期"), special, {
        "manager_decision": "同意", "manager_signer": "赵经理", "manager_date": day(1), "cfo_decision": "同意",
        "cfo_signer": "钱总监", "cfo_date": day(0), "finance_filing_date": day(3)})  # the CFO before the manager
    approve(form_sheet(wb, "C0025"), app, term=30, manager_final_level="B", when=day(-30),
            salesperson_signer="赵经理", salesperson_date=day(1))
    filled = forms.with_name(forms.stem + " 已填.xlsx")
    wb.save(filled)
    out = forms.with_name(f"decisions-{lang}.xlsx")
    services.read_approvals(session.ApprovalsRequest(filled=[filled], register=register, out=out, today=TODAY))
    return out


@pytest.fixture(scope="module")
def long_texts(tmp_path_factory) -> dict[str, Path]:
    """A customer with a long name, every rule fired and a long request reason, in a group of every
    customer with long links and members forced to C, its forms and its notice."""
    base = tmp_path_factory.mktemp("long-texts")
    files, policy = sorted(samples_dir().iterdir()), load_policy()
    with pytest.MonkeyPatch.context() as mp:
        _isolated(mp, base)
        imported = services.import_inputs(session.ImportRequest(tuple(files), (), AS_OF))
        rated = services.rate_imported(imported, policy, AS_OF, files)
    rating = rated.rating
    codes = sorted({h.code for d in rating.decisions for h in (*d.overrides, *d.caps, *d.term_rules)})
    target = next(d for d in rating.decisions if d.approval_route == "cfo_special")
    customer = dataclasses.replace(target.customer, name=LONG_NAME, request_reason=LONG_REASON,
                                   group=LONG_GROUP, salesperson="欧阳晓明（华南大区）")
    members = tuple(d.customer_id for d in rating.decisions)
    group = Group(LONG_GROUP, members, (GroupLink("group", LONG_GROUP, members),
                                        GroupLink("credit_code", "91350100M000100Y43", members[3:5]),
                                        GroupLink("controller", "欧阳晓明（香港永久居民）", members[:12])))
    forced = members[1:9]
    figures = GroupFigures(group, 987_654_321.5, 123_456_789.25, 98_765_432.1, 98_765_000, 24_690_000,
                           99_999_999.99, Fraction(24_691_200), 123_456_000, "C", forced, True, True)
    warning = RuleHit("CAP_B_GROUP_WARNING", {"group": LONG_GROUP, "members": list(forced),
                                              "names": [LONG_NAME] * len(forced), "level": "B"})
    control = RuleHit("LIMIT_GROUP_CONCENTRATION", {"group": LONG_GROUP, "group_total": 98_765_000,
                                                    "total": 123_456_000, "share": 0.2, "ceiling": 24_691_200.0,
                                                    "limit_before": 1_234_000})
    changed = dataclasses.replace(target, customer=customer, overrides=tuple(RuleHit(c, {}) for c in codes),
                                  caps=(warning,), limit_rules=(control,), group=group)
    rating = dataclasses.replace(rating, decisions=tuple(changed if d is target else d for d in rating.decisions),
                                 groups=(figures,))
    specs = [s for s in forms_needed(rating, policy, rated.run.run_id) if s.decision is changed]
    assert {s.form_type for s in specs} == {CREDIT_APPLICATION, SPECIAL_TERM}
    out = {}
    for lang in ("zh", "en"):
        out[f"forms-{lang}"] = base / f"forms-{lang}.xlsx"
        write_approval_workbook(str(out[f"forms-{lang}"]), specs, rating, policy, rated.run, load_layouts(), lang)
    out["notices"] = base / "notices.xlsx"
    write_notices(str(out["notices"]), [Notice(target.customer_id, LONG_NAME, 120, AS_OF, False),
                                        Notice("C0002", LONG_NAME, 0, AS_OF, True)],
                  company="深圳市某某电子科技股份有限公司华南销售服务中心与客户信用管理委员会联合办公室")
    return out


# ---------------------------------------------------------------- the measuring helper itself

# The fast tests measure with the CJK font fontconfig finds (Noto Sans CJK SC or WenQuanYi, which .ci/run installs);
# Windows has no fc-match and neither font, and measuring with its own fonts would be another test.
needs_fontconfig = pytest.mark.skipif(sys.platform == "win32", reason="measures text with fontconfig's Noto Sans "
                                      "CJK SC or WenQuanYi (tests/layout_fit.py); Windows has neither")


@needs_fontconfig
def test_offenders_names_the_cells_that_do_not_fit(tmp_path):
    path = tmp_path / "tiny.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("s")
    wrap = wb.add_format({"font_name": "等线", "font_size": 10, "text_wrap": True})
    plain = wb.add_format({"font_name": "等线", "font_size": 10})
    ws.set_column(0, 0, 12)  # 89 px
    ws.set_column(1, 1, 40)
    ws.write_string(0, 0, "客户编号", plain)  # 4 characters: about 53 px
    ws.write_string(1, 0, "深圳市前海国际供应链管理有限公司", plain)  # 16: about 213 px, one line
    ws.merge_range(2, 0, 2, 1, "深圳市前海国际供应链管理有限公司", plain)  # fits the two columns merged
    ws.write_string(3, 0, "客户信用等级评定申请表客户信用等级评定申请表", wrap)  # wraps to 4 lines in a 15 pt row
    ws.set_row(4, 60)
    ws.write_string(4, 0, "客户信用等级评定申请表客户信用等级评定申请表", wrap)  # 4 lines of 14.5 pt in a 60 pt row
    wb.close()
    found = offenders(path)
    assert [(o.sheet, o.cell, o.text) for o in found] == [
        ("s", "A2", "深圳市前海国际供应链管理有限公司"), ("s", "A4", "客户信用等级评定申请表客户信用等级评定申请表")]
    wide, tall = found
    assert wide.needed.axis == "wide" and 200 < wide.needed < 230 and wide.available == 89 - 4
    assert tall.needed.axis.startswith("high (4 lines)") and tall.available == 20  # 15 pt
    assert isinstance(wide, Offender) and len(wide) == 5


# ---------------------------------------------------------------- every text fits its cell

# The note under the seal rows ("grey cells are locked, fill in the yellow ones") is written into
# column A alone and runs on over the empty cells to its right: it prints whole, but it is no
# merged range. Merging it across the form (the rows below the items are another change's) makes
# it fit; until then it is the one text allowed out of its cell.
NOTE = {Labels("zh")("form.fill_yellow"), Labels("en")("form.fill_yellow")}


def _fits(path: Path) -> None:
    bad = [o for o in offenders(path) if not (o.text in NOTE and o.needed.axis == "wide")]
    assert not bad, f"{len(bad)} cells of {path.name} do not fit, e.g.\n" + "\n".join(map(repr, bad[:12]))


@needs_fontconfig
@pytest.mark.parametrize("which", ["forms-zh", "forms-en", "notices", "decisions-zh", "decisions-en"])
def test_every_text_of_the_samples_fits_its_cell(printed, which):
    _fits(printed[which])


@needs_fontconfig
@pytest.mark.parametrize("which", ["forms-zh", "forms-en", "notices"])
def test_long_names_rules_and_reasons_wrap_inside_their_cells(long_texts, which):
    _fits(long_texts[which])
    wb = openpyxl.load_workbook(long_texts[which])
    text = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(LONG_NAME in t for t in text)
    if which != "notices":
        assert LONG_REASON in text
        assert LONG_GROUP in text  # the group block's name; its members cut short, with how many in all
        cut = [m for t in text if (m := re.search(r"(?:等，共 |and others, )(\d+)(?: 户| in all)$", t))]
        assert cut and max(int(m.group(1)) for m in cut) >= 40  # members (links, forced): a few shown, how many


@needs_fontconfig
@pytest.mark.parametrize("which", ["forms-zh", "forms-en"])
def test_typed_opinions_fit_their_boxes(printed, long_texts, tmp_path, which):
    """An approver's opinion of two lines, typed in Excel, shows whole in print."""
    for source in (printed[which], long_texts[which]):
        wb = openpyxl.load_workbook(source)
        cells = {row[0]: json.loads(row[1])
                 for row in wb[LAYOUT_SHEET].iter_rows(min_row=2, values_only=True) if row[0]}
        for ws in wb.worksheets[1:]:
            if ws.sheet_state != "visible":
                continue
            kind = CREDIT_APPLICATION if ws[cells[CREDIT_APPLICATION]["form_id"]].value.startswith("XYPD") \
                else SPECIAL_TERM
            for key, cell in cells[kind].items():
                if INPUTS.get(key, ("", "", ""))[2] == "opinion":
                    ws[cell].value = OPINION
        filled = tmp_path / f"filled-{source.name}"
        wb.save(filled)
        _fits(filled)


# ---------------------------------------------------------------- printed by LibreOffice

NO_LIBREOFFICE = soffice() is None or shutil.which("pdftotext") is None
needs_libreoffice = pytest.mark.skipif(NO_LIBREOFFICE, reason="LibreOffice (soffice) or poppler's pdftotext is not "
                                                              "installed")


@pytest.fixture(scope="module")
def pdfs(printed, tmp_path_factory) -> dict[str, list]:
    """Each workbook printed to PDF by LibreOffice: its pages' words; and the box height of a point of text."""
    base = tmp_path_factory.mktemp("form-pdfs")
    out: dict[str, list] = {"per_pt": [_box_per_pt(base)]}
    for which, path in printed.items():
        out[which] = _words(convert(path, "pdf", base / which, base / f"profile-{which}"))
    return out


def _form_pages(pages) -> tuple[list[tuple[str, str, float, str]], int]:
    """(form ID, form type, size of its body text in pt, its words) per form page, and the number of
    index pages.

    An index page lists many forms with a link (→) each; a form page names its one form ID (in
    its first rows and its footer) and its title. The body text is the most common word height."""
    forms, index = [], 0
    for words in pages:
        texts = [w[4] for w in words]
        ids = {m.group() for t in texts if (m := FORM_ID.search(t))}
        if any(t.startswith("→") for t in texts):
            index += 1
            continue
        assert len(ids) == 1, ids  # one form on the page
        line = " ".join(texts)
        kind = next(k for title, k in TITLES.items() if title in line)
        body = statistics.mode(round(w[3] - w[1], 2) for w in words)
        forms.append((ids.pop(), kind, body, line))
    return forms, index


# The application form is one page wide and two tall: the customer, its group, score and result on
# the first, the approvals (from 五、业务员意见) and the seal on the second, each page naming the form.
# The special payment-term form is one page.
PAGES = {CREDIT_APPLICATION: 2, SPECIAL_TERM: 1}
APPROVALS = {"zh": "五、业务员意见", "en": "5. Salesperson"}


@pytest.mark.libreoffice
@needs_libreoffice
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_form_prints_on_its_a4_pages_legibly(printed, pdfs, lang):
    pages, per_pt = pdfs[f"forms-{lang}"], pdfs["per_pt"][0]
    wb = openpyxl.load_workbook(printed[f"forms-{lang}"], read_only=True)
    sheets = [ws for ws in wb.worksheets[1:] if ws.sheet_state == "visible"]
    ids = [next(FORM_ID.search(str(c.value)).group() for row in ws.iter_rows(max_row=2) for c in row
                if c.value and FORM_ID.search(str(c.value))) for ws in sheets]
    wb.close()
    forms, index = _form_pages(pages)
    expected = [i for i in ids for _ in range(PAGES[CREDIT_APPLICATION if i.startswith("XYPD") else SPECIAL_TERM])]
    assert [f[0] for f in forms] == expected, "a form printed on more pages than its layout's, or not at all"
    assert index >= 1 and len(pages) == len(expected) + index
    for first, second in zip(forms, forms[1:]):
        if first[1] == CREDIT_APPLICATION and first[0] == second[0]:  # the approvals start the second page
            assert APPROVALS[lang] not in first[3] and second[3].count(APPROVALS[lang]) == 1, first[0]
    sizes: dict[str, list[float]] = {}
    for _id, kind, body, _text in forms:
        sizes.setdefault(kind, []).append(body / per_pt)
    assert set(sizes) == {CREDIT_APPLICATION, SPECIAL_TERM}
    for kind, got in sizes.items():
        assert min(got) >= FLOOR_PT[(kind, lang)] - 0.05, (kind, lang, round(min(got), 2))


@pytest.mark.libreoffice
@needs_libreoffice
@pytest.mark.xfail(strict=True, reason="a debt: the application form (one page wide, two tall) prints at 8.7 pt "
                                       "here, where LibreOffice measures its columns with DejaVu Sans (21 % wider "
                                       "than 等线); 9 pt needs narrower columns (see FLOOR_PT)")
def test_application_forms_print_at_the_target_size(pdfs):
    per_pt = pdfs["per_pt"][0]
    forms, _index = _form_pages(pdfs["forms-zh"])
    assert min(body for _id, kind, body, _text in forms if kind == CREDIT_APPLICATION) / per_pt >= TARGET_PT - 0.05


@pytest.mark.libreoffice
@needs_libreoffice
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_longest_application_runs_on_a_page_and_still_starts_its_approvals_on_their_own(long_texts, tmp_path,
                                                                                            lang):
    """The longest first page there is: a long name, a group of every customer with three links and
    eight members forced to C (long names in the warning's sentence), every rule with its detail, a
    long reason. Its data runs onto a second page (the sample forms never do: two pages each, see
    above); the approvals still start a page of their own, at the size every form prints at."""
    pages = _words(convert(long_texts[f"forms-{lang}"], "pdf", tmp_path / "pdf", tmp_path / "profile"))
    forms, _index = _form_pages(pages)
    apps = [f for f in forms if f[1] == CREDIT_APPLICATION]
    assert len(apps) == 3, [f[3][:80] for f in apps]
    assert [APPROVALS[lang] in f[3] for f in apps] == [False, False, True]
    assert apps[2][3].split(APPROVALS[lang])[0].count("XYPD-") == 1  # the title and form ID, then the approvals
    assert min(f[2] for f in apps) / _box_per_pt(tmp_path) >= FLOOR_PT[(CREDIT_APPLICATION, lang)] - 0.05


@pytest.mark.libreoffice
@needs_libreoffice
def test_each_notice_prints_on_one_page_at_full_size(printed, pdfs):
    pages, per_pt = pdfs["notices"], pdfs["per_pt"][0]
    wb = openpyxl.load_workbook(printed["notices"], read_only=True)
    assert len(pages) == len(wb.sheetnames) > 0
    for words in pages:
        body = statistics.mode(round(w[3] - w[1], 2) for w in words) / per_pt
        assert body >= NOTICE_PT - 0.05, round(body, 2)


@pytest.mark.libreoffice
@needs_libreoffice
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_decisions_workbook_prints_one_page_wide(printed, pdfs, lang):
    """Every page of every sheet starts with the sheet's first column: no page holds only the
    columns that did not fit on the one before."""
    wb = openpyxl.load_workbook(printed[f"decisions-{lang}"], read_only=True)
    firsts = {next(ws.iter_rows(max_row=1, values_only=True))[0] for ws in wb.worksheets}
    wb.close()
    pages = pdfs[f"decisions-{lang}"]
    assert len(pages) >= 3  # a page a sheet at least
    for n, words in enumerate(pages, start=1):
        line = " ".join(w[4] for w in words)  # in reading order: "Customer ID" is two words
        assert any(t in line for t in firsts), f"page {n} has none of {firsts}"
