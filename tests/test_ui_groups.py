"""Groups and related parties in the window: the 集团 column, the group filter, the detail pane's
group panel, the group rules in the policy editor and its what-if.

A small portfolio of its own (not the samples, which are being redesigned): 华东集团 of three, two
linked by 所属集团 (written 华东集团 and 华东 集团) and the third only by the same 实际控制人 as
the second, who is sued by its suppliers (forced to C: the early warning caps the other two at B);
a second group whose 所属集团 is written as markup and whose second member only shares the first's
credit code, large enough to meet the total-amount control; one customer whose 所属集团 is 无
(no group) and one with none. The window gets its decisions from the engine process: the groups
shown are the ones that travelled.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
import tomlkit
import xlsxwriter

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QUrl  # noqa: E402
from test_window_words import _english, _visible_texts  # noqa: E402
from window_helpers import TIMEOUT, load, open_window, rate  # noqa: E402

from desktop.io.policy_file import load_policy  # noqa: E402
from desktop.messages import has_cjk  # noqa: E402
from desktop.paths import default_policy_path  # noqa: E402
from desktop.ui.colors import colours  # noqa: E402
from desktop.ui.detail import customer_link, group_html  # noqa: E402
from desktop.ui.models import amount_text, pinyin_sorted  # noqa: E402
from desktop.ui.policy_editor import PolicyEditor  # noqa: E402

VALID_CODE = "91350100M000100Y43"  # GB 32100-2015 example with a correct check digit
MARKUP = "<b>北方</b>集团"  # a group name Qt would take for markup if the pane did not escape it
HEADER = ["客户编号", "客户名称", "业务员", "所属集团", "实际控制人", "统一社会信用代码", "被其他供应商起诉",
          "首次合作日期", "年度合作协议", "营业执照", "税务登记证", "组织机构代码证", "经营状况", "资产总额", "负债总额",
          "流动资产", "流动负债", "注册资本(万元)", "申请额度"]
# ID, name, salesperson, 所属集团, 实际控制人, credit code, sued, requested limit (元); sales grow down the list
CUSTOMERS = [
    ("G01", "华东机电有限公司", "王磊", "华东集团", None, None, "否", None),
    ("G02", "华东物流有限公司", "李娜", "华东 集团", "张三", None, "是", None),
    ("G03", "上海申华贸易有限公司", "王磊", None, "张三", None, "否", 900_000),
    ("S01", "独立五金商行", "李娜", "无", None, None, "否", None),
    ("N01", "北方建材有限公司", "赵强", MARKUP, None, VALID_CODE, "否", None),
    ("N02", "北方电器销售有限公司", "赵强", None, None, VALID_CODE, "否", None),
]


def portfolio(folder: Path, customers_list: list[tuple] = CUSTOMERS) -> list[Path]:
    """The customer sheet and a year of monthly invoices each, paid two days late."""
    customers, ledger = folder / "客户信用资料.xlsx", folder / "销售明细.xlsx"
    wb = xlsxwriter.Workbook(customers)
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("客户信用资料")
    ws.write_row(0, 0, HEADER)
    for r, (cid, name, sales, group, controller, code, sued, requested) in enumerate(customers_list, 1):
        row = [cid, name, sales, group, controller, code, sued, None, "是", "有", "有", "有", "良好", 10000, 5000, 4000,
               2500, 2000, requested]
        for c, v in enumerate(row):
            if v is not None:
                ws.write_string(r, c, v) if isinstance(v, str) else ws.write_number(r, c, v)
        ws.write_datetime(r, 7, dt.datetime(2018, 3, 1), date)
    wb.close()
    wb = xlsxwriter.Workbook(ledger)
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("销售明细")
    ws.write_row(0, 0, ["客户编号", "发票号", "发票日期", "金额", "到期日", "回款日期", "回款金额"])
    r = 1
    for n, (cid, *_rest) in enumerate(customers_list):
        for k in range(12):
            invoiced = dt.datetime(2025, 7, 10) + dt.timedelta(days=28 * k)
            due = invoiced + dt.timedelta(days=60)
            amount = 100_000.0 * (n + 1)
            ws.write_row(r, 0, [cid, f"{cid}-{k}"])
            ws.write_datetime(r, 2, invoiced, date)
            ws.write_number(r, 3, amount)
            ws.write_datetime(r, 4, due, date)
            if due < dt.datetime(2026, 6, 30):
                ws.write_datetime(r, 5, due + dt.timedelta(days=2), date)
                ws.write_number(r, 6, amount)
            r += 1
    wb.close()
    return [customers, ledger]


@pytest.fixture
def rated(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    load(qtbot, w, portfolio(tmp_path))
    rate(qtbot, w)
    yield w
    w.close()


def shown(w) -> list[str]:
    return w.results_model.shown_ids()


def panel(w) -> list[str]:
    """The detail pane's group panel, one line per cell or line, up to the metrics after it."""
    lines = [s.strip() for s in w.detail.toPlainText().splitlines() if s.strip()]
    start = next((n for n, s in enumerate(lines) if s.startswith("集团：") or s.startswith("Group: ")), None)
    if start is None:
        return []
    end = next(n for n in range(start, len(lines)) if lines[n] in ("指标", "Metrics"))
    return lines[start:end]


def after(lines: list[str], label: str) -> str:
    """The value on the line after ``label`` in the panel."""
    return lines[lines.index(label) + 1]


# ------------------------------------------------------------------ the table and its filter

def test_the_groups_travel_from_the_engine_and_fill_the_group_column(rated):
    w = rated
    rating = w.result.rating  # unpickled in the window: the engine rated in its own process
    assert [(g.name, g.members) for g in rating.groups] == [("华东集团", ("G01", "G02", "G03")),
                                                           (MARKUP, ("N01", "N02"))]
    by_id = {d.customer_id: d for d in rating.decisions}
    assert by_id["G03"].group is not None and by_id["G03"].group.members == ("G01", "G02", "G03")
    assert by_id["S01"].group is None  # 无 links nobody
    column = w.results_model.KEYS.index("group")
    assert w.results_model.headerData(column, Qt.Orientation.Horizontal) == "集团"
    cells = {w.results_model.row_object(r).customer_id: w.results_model.index(r, column).data()
             for r in range(w.results_model.rowCount())}
    # the identified group's name: G02's 所属集团 is written "华东 集团", G03 has none at all
    assert cells == {"G01": "华东集团", "G02": "华东集团", "G03": "华东集团", "S01": None, "N01": MARKUP, "N02": MARKUP}


def test_the_group_filter_shows_one_groups_members_or_the_customers_outside_groups(rated):
    w = rated
    items = [(w.group_filter.itemText(i), w.group_filter.itemData(i)) for i in range(w.group_filter.count())]
    assert items[:2] == [("全部", None), ("非集团客户", "")]
    assert [text for text, _ in items[2:]] == pinyin_sorted(["华东集团", MARKUP])  # as the salespeople sort

    w.group_filter.setCurrentIndex(w.group_filter.findText("华东集团"))
    assert shown(w) == ["G01", "G02", "G03"]
    assert "显示 3 / 6 个客户" in w.counts.text()
    assert w.clear_filter_button.isEnabled()
    assert w._filtered_scope() == (frozenset({"G01", "G02", "G03"}), "集团：华东集团")  # the export says it
    w.sales_filter.setCurrentIndex(w.sales_filter.findData("王磊"))  # filters add up
    assert shown(w) == ["G01", "G03"]
    assert w._filter_words() == "业务员：王磊；集团：华东集团"

    w.clear_filters()
    w.group_filter.setCurrentIndex(w.group_filter.findData(""))
    assert shown(w) == ["S01"]
    assert w._filter_words() == "集团：非集团客户"
    w.group_filter.setCurrentIndex(w.group_filter.findText(MARKUP))
    assert shown(w) == ["N01", "N02"]
    w.clear_filters()
    assert w.group_filter.currentIndex() == 0 and len(shown(w)) == 6

    w.switch_language("en")  # the filter kept, in the other language's words
    w.group_filter.setCurrentIndex(w.group_filter.findText("华东集团"))
    assert w.group_filter.itemText(1) == "Outside groups"
    assert w._filter_words() == "Group: 华东集团"


def test_the_search_finds_a_customer_by_its_groups_name(rated):
    w = rated
    w.search.setText("华东集团")  # G03's own 所属集团 is blank: it is found by its group's name
    assert shown(w) == ["G01", "G02", "G03"]
    w.search.setText("<b>北方")
    assert shown(w) == ["N01", "N02"]  # N02 carries only N01's credit code
    w.search.setText("无")
    assert shown(w) == ["S01"]  # 所属集团 as written still matches


# ------------------------------------------------------------------ the group panel

def test_the_group_panel_of_a_warned_member_shows_links_members_and_figures(qtbot, rated):
    w = rated
    assert w.show_customer("G01")
    lines = panel(w)
    assert lines[0] == "集团：华东集团"
    assert "所属集团相同：华东集团 — G01 华东机电有限公司、G02 华东物流有限公司" in lines
    assert "实际控制人相同：张三 — G02 华东物流有限公司、G03 上海申华贸易有限公司" in lines
    members = lines[lines.index("说明") + 1:lines.index("集团合计")]
    assert members == ["G01", "华东机电有限公司", "B", "本客户、集团预警封顶",
                       "G02", "华东物流有限公司", "C", "强制C级",  # the member that set off the warning
                       "G03", "上海申华贸易有限公司", "B", "集团预警封顶"]

    rating = w.result.rating
    by_id = {d.customer_id: d for d in rating.decisions}
    group = [by_id[m] for m in ("G01", "G02", "G03")]
    total = sum(d.limit_before_rules for d in rating.decisions)  # T, before the total-amount control
    assert after(lines, "成员户数") == "3"
    assert after(lines, "近12个月销售额(元)") == amount_text(sum(d.metrics.sales_12m for d in group)) == "7,200,000"
    assert after(lines, "应收余额(元)") == amount_text(sum(d.metrics.open_ar for d in group))
    assert after(lines, "逾期余额(元)") == amount_text(sum(d.metrics.overdue_balance for d in group))
    assert after(lines, "总量控制前可授信额度(元)") == amount_text(sum(d.eligible_limit for d in group))
    assert after(lines, "总量控制后可授信额度(元)") == amount_text(sum(d.eligible_limit for d in group))
    assert after(lines, "集团额度上限(元)") == f"{total * 0.2:,.0f}（全部客户总量控制前可授信额度合计 {total:,} 元的 20%）"
    # G03 asks 900,000; the others count with their eligible limits: above the ceiling
    requested = 900_000 + by_id["G01"].eligible_limit + by_id["G02"].eligible_limit
    assert requested > total * 0.2
    assert after(lines, "申请额度合计(元)") == f"{requested:,}（超过上限）"
    assert after(lines, "最差等级") == "C"
    # the early warning is among the rules, in its sentence
    assert "集团预警：同集团成员被强制C级，等级封顶：同属集团“华东集团”的华东物流有限公司（G02）被强制C级" in \
        w.detail.toPlainText()


def test_the_group_panel_of_a_reduced_group_shows_its_name_as_written_and_the_scaling(rated):
    w = rated
    assert w.show_customer("N02")
    lines = panel(w)
    assert lines[0] == f"集团：{MARKUP}"  # escaped: the tags are text, not bold
    assert f"统一社会信用代码相同：{VALID_CODE} — N01 北方建材有限公司、N02 北方电器销售有限公司" in lines
    figures = next(g for g in w.result.rating.groups if g.members == ("N01", "N02"))
    assert figures.reduced and figures.eligible_limit < figures.eligible_limit_before
    assert after(lines, "总量控制前可授信额度(元)") == amount_text(figures.eligible_limit_before)
    assert after(lines, "总量控制后可授信额度(元)") == f"{amount_text(figures.eligible_limit)}（已按比例压降）"
    assert "强制C级" not in lines
    assert "集团总量控制：集团额度合计超过上限，按比例压降" in w.detail.toPlainText()


def test_the_panel_of_a_holding_of_250_lists_50_members_with_this_one_and_the_forced_and_says_how_many_more(
        qtbot, qapp, tmp_path):
    # a holding group listed whole took a fifth of a second to lay out and froze the window
    holding = [(f"H{n:03d}", f"华联控股成员{n:03d}有限公司", "王磊", "华联控股", None, None,
                "是" if n == 200 else "否", None) for n in range(1, 251)]
    w = open_window(qtbot, qapp, tmp_path)
    try:
        load(qtbot, w, portfolio(tmp_path, holding))
        rate(qtbot, w)
        assert w.show_customer("H150")
        lines = panel(w)
        members = lines[lines.index("说明") + 1:lines.index("集团合计")]
        ids = [x for x in members if x.startswith("H") and len(x) == 4]
        assert len(ids) == 50 and len(set(ids)) == 50
        assert "H150" in ids and "H200" in ids  # this customer and the member forced to C, both beyond the first 50
        assert ids == sorted(ids)  # in the group's order
        assert ids[:48] == [f"H{n:03d}" for n in range(1, 49)]  # then the first of the others
        assert members[-1] == "……另有 200 户成员未在此列出：结果工作簿的“集团”表列出全部成员，集团筛选可在表中显示他们。"
        link = next(x for x in lines if x.startswith("所属集团相同："))
        assert link.endswith("有限公司等另 230 户") and link.count("有限公司") == 20
        assert after(lines, "成员户数") == "250"  # the figures are the whole group's
        # and in English, worded as the window words it
        d = next(x for x in w.result.rating.decisions if x.customer_id == "H150")
        figures, members = w._group_of(d)
        text = html.unescape(re.sub(r"<[^>]+>", " ", group_html(d, figures, members, w.result.policy, "en",
                                                                  colours())))
        assert "… 200 more members: every member is on the groups sheet of the results workbook" in text
        assert "H020 华联控股成员020有限公司, and 230 more" in text
    finally:
        w.close()


def test_a_customer_outside_groups_has_no_group_panel(rated):
    w = rated
    assert w.show_customer("S01")
    assert panel(w) == [] and "关联方式" not in w.detail.toPlainText()


def test_clicking_a_member_in_the_panel_selects_it_even_when_the_filters_hide_it(rated):
    w = rated
    w.search.setText("G01")
    assert shown(w) == ["G01"]
    w.show_customer("G01")
    assert 'href="customer:G03"' in w.detail.toHtml() or "href='customer:G03'" in w.detail.toHtml()
    w.detail.anchorClicked.emit(QUrl(customer_link("G03")))
    assert w.selected_decision().customer_id == "G03"
    assert w.search.text() == "" and len(shown(w)) == 6  # the filter hiding it was cleared, and said so
    assert "G03" in w.statusBar().currentMessage()
    assert panel(w)[0] == "集团：华东集团"
    w.detail.anchorClicked.emit(QUrl("https://example.com/"))  # any other link: nothing happens
    assert w.selected_decision().customer_id == "G03"


def test_the_chinese_window_shows_the_groups_without_english_and_the_english_one_in_english(rated, tmp_path):
    w = rated
    w.show_customer("G02")
    # the recent-files menu names the test's own folders (pytest-of-root): no clerk's file is named so
    texts = [(where, s) for where, s in _visible_texts(w) if "pytest-of-" not in s]
    assert any("集团合计" in s for _, s in texts) and any("非集团客户" in s for _, s in texts)
    assert _english(texts) == []
    w.switch_language("en")
    w.show_customer("G02")  # the table was reset with its new headers
    lines = panel(w)
    assert lines[0] == "Group: 华东集团"
    assert "Same group name: 华东集团 — G01 华东机电有限公司, G02 华东物流有限公司" in lines
    assert "this customer, forced to C" in lines and "Group figures" in lines
    assert "784,000 (20% of every customer's eligible limit, 3,920,000)" in lines
    names = ("华东", "上海申华", "张三")  # the data's own words are as written; every other word is English
    assert [s for s in lines if has_cjk(s) and not any(n in s for n in names)] == []


# ------------------------------------------------------------------ the policy editor

def without_group_rules(tmp_path: Path, keep: str = "") -> Path:
    """The shipped policy written before the group rules: no [rules.group] (``keep``: its lines instead)."""
    text = default_policy_path().read_text(encoding="utf-8")
    start, end = text.index("[rules.group]"), text.index("[terms]")
    path = tmp_path / "旧版政策.toml"
    path.write_text(text[:start] + (f"[rules.group]\n{keep}\n\n" if keep else "") + text[end:], encoding="utf-8")
    return path


def open_editor(qtbot, path: Path) -> PolicyEditor:
    e = PolicyEditor(path, lang="zh")
    qtbot.addWidget(e)
    e.show()
    return e


def group_settings(e: PolicyEditor) -> tuple:
    f = e.fields
    return (f["rules.group.warning"].isChecked(), f["rules.group.warning_level"].currentText(),
            f["rules.group.concentration"].isChecked(), f["rules.group.concentration_share"].value())


def test_a_policy_without_group_rules_opens_with_the_defaults_and_saving_writes_them(qtbot, tmp_path):
    old = without_group_rules(tmp_path)
    assert "group" not in tomlkit.parse(old.read_text(encoding="utf-8"))["rules"]
    e = open_editor(qtbot, old)
    assert group_settings(e) == (True, "B", True, 20.0)
    assert e.fields["rules.group.concentration_share"].text() == "20.00 %"  # a percentage, not 0.2
    assert not e.is_modified() and e.problem_texts() == [] and e.difference_list() == []
    saved = tmp_path / "存为新版.toml"
    e.save_to(saved)
    table = tomlkit.parse(saved.read_text(encoding="utf-8"))["rules"]["group"].unwrap()
    assert table == {"warning": True, "warning_level": "B", "concentration": True, "concentration_share": 0.2}
    assert load_policy(saved).group == load_policy(old).group


def test_the_four_group_settings_round_trip_through_the_file(qtbot, tmp_path):
    e = open_editor(qtbot, default_policy_path())
    box = e.fields["rules.group.warning"].parentWidget()
    assert box.title() == "集团客户规则"
    assert e.fields["rules.group.warning"].text() == "集团预警（一户被强制C级，同集团其他成员等级封顶）"
    e.fields["rules.group.warning"].setChecked(False)
    level = e.fields["rules.group.warning_level"]
    level.setCurrentIndex(level.findData("A"))
    level.activated.emit(level.currentIndex())
    e.fields["rules.group.concentration"].setChecked(False)
    e.fields["rules.group.concentration_share"].setValue(35)
    assert e.problem_texts() == []
    assert "集团额度上限（占全部客户可授信额度合计的比例）：20% → 35%" in e.difference_list()
    policy = e.save_to(tmp_path / "集团规则.toml")
    for p in (policy, load_policy(tmp_path / "集团规则.toml")):
        assert (p.group.warning, p.group.warning_level, p.group.concentration, p.group.concentration_share) == \
            (False, "A", False, 0.35)
    again = open_editor(qtbot, tmp_path / "集团规则.toml")
    assert group_settings(again) == (False, "A", False, 35.0) and not again.is_modified()
    e.undo()  # the share, then the rest, step by step
    assert group_settings(e)[3] == 20.0


def test_a_partial_group_table_keeps_what_it_says_and_shows_the_rest_as_the_defaults(qtbot, tmp_path):
    e = open_editor(qtbot, without_group_rules(tmp_path, keep="warning = false"))
    assert group_settings(e) == (False, "B", True, 20.0)
    e.save_to(tmp_path / "补全.toml")
    p = load_policy(tmp_path / "补全.toml")
    assert (p.group.warning, p.group.warning_level, p.group.concentration, p.group.concentration_share) == \
        (False, "B", True, 0.2)


def test_what_if_shows_what_switching_the_early_warning_off_changes(qtbot, rated):
    w = rated
    editor = w.edit_policy()
    editor.fields["rules.group.warning"].setChecked(False)
    with qtbot.waitSignal(w.what_if_done, timeout=TIMEOUT) as sig:
        editor.what_if_button.click()
    # G01 and G03 were capped at B by G02's litigation; without the warning they rate as they score
    warned = [d for d in w.result.rating.decisions if any(h.code == "CAP_B_GROUP_WARNING" for h in d.caps)]
    assert sorted(d.customer_id for d in warned) == ["G01", "G03"]
    changed = sum(1 for d in warned if d.raw_level != "B")
    assert sig.args == [changed, 6] and changed == 2
    assert "6 个客户中有 2 个" in editor.status.text() and "B→AA: 2" in editor.status.text()
