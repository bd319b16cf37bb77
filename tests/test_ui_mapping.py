"""Column mapping that cannot lose data in silence, and the saved profiles a clerk can see,
rename and delete. The window is driven offscreen; tests wait on signals, never on sleeps."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402
from window_helpers import TIMEOUT, load, open_window, rate  # noqa: E402

from desktop.core.policy import CATEGORY_BASES, NUMERIC_BASES, CapRules, ForceCRules, TermRules  # noqa: E402
from desktop.io.headers import BASIS_FIELDS, CUSTOMERS, LEDGER, RULE_FIELDS, rating_fields  # noqa: E402
from desktop.io.mapping_profiles import FILE_NAME, MappingProfile, ProfileStore, signature  # noqa: E402
from desktop.io.policy_file import load_policy  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402
from desktop.ui.settings import user_data_dir  # noqa: E402

SAMPLES = sorted(samples_dir().iterdir())
CUSTOMER_SAMPLE = next(p for p in SAMPLES if p.name.startswith("客户信用资料"))
OTHERS = [p for p in SAMPLES if p != CUSTOMER_SAMPLE]


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    yield w
    w.close()


def renamed_customer_sheet(tmp_path: Path) -> Path:
    """The sample customer sheet with the headers of customer ID, name and salesperson renamed
    to words no alias knows: detection finds no customer sheet in it."""
    path = tmp_path / "客户信用资料 改表头.xlsx"
    wb = openpyxl.load_workbook(CUSTOMER_SAMPLE)
    ws = wb.active
    assert (ws["A3"].value, ws["B3"].value, ws["D3"].value) == ("客户编号", "客户名称", "业务员")
    ws["A3"], ws["B3"], ws["D3"] = "代号", "户名", "经办人"
    wb.save(path)
    return path


def odd_ledger(path: Path) -> Path:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("往来")
    ws.write_row(0, 0, ["单位", "票号", "开具日", "含税价"])
    ws.write_row(1, 0, ["C0001", "X1", "2026/6/1", 1000])
    wb.close()
    return path


def map_odd_ledger(w):
    """The mapping dialog of odd_ledger's sheet, mapped as a clerk maps it: a sales ledger, its four
    columns by hand, the fields it lacks ticked 无此数据 (not yet accepted)."""
    dialog = w.map_columns(sheet_source(w, "往来"))
    dialog.kind.setCurrentIndex(dialog.kind.findData(LEDGER))
    for fld, col in (("customer_id", 0), ("invoice_no", 1), ("invoice_date", 2), ("amount", 3)):
        dialog.combos[fld].setCurrentIndex(col + 1)
    for fld in dialog.missing():
        dialog.absent_boxes[fld].setCheckState(Qt.CheckState.Checked)
    return dialog


def sheet_source(w, sheet: str, file: str | None = None):
    return next(s for s in w.sheets_model._rows if s.sheet == sheet and (file is None or s.file == file))


def accept(qtbot, w, dialog) -> None:
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        dialog.accept()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)


def levels(w) -> tuple[dict[str, tuple[int, str]], Counter]:
    decisions = w.result.rating.decisions
    return {d.customer_id: (d.total, d.level) for d in decisions}, Counter(d.level for d in decisions)


# ---------------------------------------------------------------- pre-fill
def test_saying_what_a_sheet_with_renamed_headers_is_opens_the_mapping_prefilled(qtbot, window, tmp_path):
    """Read as 客户信用资料 on a sheet whose required headers were renamed: not an error box, the
    mapping dialog on that kind with the headers it knows mapped; Cancel changes nothing."""
    w = window
    load(qtbot, w, OTHERS + [renamed_customer_sheet(tmp_path)])
    source = sheet_source(w, "客户信用资料")
    row = w.sheets_model._rows.index(source)
    index = w.sheets_model.index(row, w.sheets_model.KIND_COLUMN)
    assert w.sheets_model.setData(index, w.sheets_model.kind_words[CUSTOMERS])
    dialog = w._mapping_dialog
    assert dialog.isVisible() and w.worker is None  # no import was started, no error box
    assert dialog.kind.currentData() == CUSTOMERS and dialog.columns()["operating_status"] == 12
    dialog.reject()
    assert sheet_source(w, "客户信用资料").kind == "ignored" and not w.choices
    assert w.sheets_model.setData(index, w.sheets_model.kind_words[CUSTOMERS])
    dialog = w._mapping_dialog
    for fld, col in (("customer_id", 0), ("name", 1), ("salesperson", 3)):
        dialog.combos[fld].setCurrentIndex(col + 1)
    accept(qtbot, w, dialog)
    assert sheet_source(w, "客户信用资料").kind == "customers"


def test_renamed_headers_are_prefilled_and_the_worked_example_keeps_its_score(qtbot, window, tmp_path):
    w = window
    load(qtbot, w, SAMPLES)
    rate(qtbot, w)
    intact, intact_levels = levels(w)
    assert intact["C0007"] == (87, "AA")  # the policy's worked example

    w.clear_files()
    renamed = renamed_customer_sheet(tmp_path)
    load(qtbot, w, OTHERS + [renamed])
    source = sheet_source(w, "客户信用资料")
    assert source.kind == "ignored"  # detection failed: the required headers were renamed
    dialog = w.map_columns(source)
    # the dialog takes it for a customer sheet and maps every header it knows, on the right row
    assert dialog.kind.currentData() == CUSTOMERS and dialog.header_row.value() == 3
    assert len(dialog.columns()) == 20
    assert dialog.columns()["operating_status"] == 12 and dialog.columns()["total_assets"] == 15
    assert dialog.status.text() == "必须映射：客户编号、客户名称" and not dialog.ok_button.isEnabled()
    assert dialog.unused_label.text().startswith("未使用的列：A 代号、B 户名、D 经办人。")
    for fld, col in (("customer_id", 0), ("name", 1), ("salesperson", 3)):
        dialog.combos[fld].setCurrentIndex(col + 1)
    assert dialog.status.text() == "映射完整" and dialog.ok_button.isEnabled()
    assert not dialog.unused_label.isVisibleTo(dialog) and dialog.unused() == []
    accept(qtbot, w, dialog)  # complete: no question asked
    assert sheet_source(w, "客户信用资料").kind == "customers"
    rate(qtbot, w)
    renamed_scores, renamed_levels = levels(w)
    assert renamed_scores["C0007"] == (87, "AA")
    assert renamed_scores == intact and renamed_levels == intact_levels  # not all C any more


def test_saying_the_kind_prefills_the_known_headers_of_that_kind(qtbot, window, tmp_path):
    """The clerk changes the sheet kind: every alias of the new kind is mapped, on the row that has them."""
    w = window
    renamed = renamed_customer_sheet(tmp_path)
    load(qtbot, w, OTHERS + [renamed])
    dialog = w.map_columns(sheet_source(w, "销售明细"))
    assert dialog.kind.currentData() == LEDGER and dialog.header_row.value() == 2 and len(dialog.columns()) == 9
    dialog.close()
    dialog = w.map_columns(sheet_source(w, "客户信用资料"))
    dialog.kind.setCurrentIndex(dialog.kind.findData(LEDGER))
    assert dialog.header_row.value() == 3 and dialog.columns() == {}  # no ledger header on the sheet
    dialog.kind.setCurrentIndex(dialog.kind.findData(CUSTOMERS))
    assert dialog.header_row.value() == 3 and len(dialog.columns()) == 20


# ---------------------------------------------------------------- unused columns
def test_columns_mapped_to_nothing_are_listed_in_the_dialog_and_as_row_issues(qtbot, window, tmp_path):
    w = window
    renamed = renamed_customer_sheet(tmp_path)
    load(qtbot, w, OTHERS + [renamed])
    dialog = w.map_columns(sheet_source(w, "客户信用资料"))
    for fld, col in (("customer_id", 0), ("name", 1), ("salesperson", 3)):
        dialog.combos[fld].setCurrentIndex(col + 1)
    dialog.combos["operating_status"].setCurrentIndex(0)  # (not mapped)
    dialog.combos["total_assets"].setCurrentIndex(0)
    assert dialog.unused() == [(12, "经营状况"), (15, "资产总额(万元)")]
    assert dialog.unused_label.text() == ("未使用的列：M 经营状况、P 资产总额(万元)。这些列有数据，但没有映射到任何字段，"
                                          "导入时不会读取。")
    assert dialog.status.text().startswith("评级用到、但还没有映射的字段：经营状况、资产总额。")
    dialog.accept()  # fields the rating uses are neither mapped nor confirmed: asked first
    assert dialog.confirm_box is not None and "经营状况、资产总额" in dialog.confirm_box.text()
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        dialog.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)

    # a warning for the sheet, in the row-issue channel: the 数据问题 panel ...
    unused = [i for i in w.issues_model._rows if i.problem == "columns with data mapped to no field"]
    assert len(unused) == 1
    issue = unused[0]
    assert (issue.file, issue.sheet, issue.row, issue.column, issue.value, issue.severity) == \
        (renamed.name, "客户信用资料", 3, "M, P", "M 经营状况, P 资产总额(万元)", "warning")
    row = w.issues_model._rows.index(issue)
    shown = [w.issues_model.index(row, c).data() for c in range(w.issues_model.columnCount())]
    assert "未使用的列：有数据，但没有映射到任何字段" in shown and "M, P" in shown
    assert any(str(s).startswith("未读取；如评级需要这些数据") for s in shown)
    # ... and the results workbook's exceptions
    rate(qtbot, w)
    target = tmp_path / "评级结果.xlsx"
    with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
        w.export_results(target)
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    ws = openpyxl.load_workbook(target, read_only=True)["异常清单"]
    rows = [[c for c in r if c is not None] for r in ws.iter_rows(values_only=True)]
    assert any("未使用的列：有数据，但没有映射到任何字段" in r and "M 经营状况, P 资产总额(万元)" in r for r in rows)


def test_every_sheet_read_says_which_columns_no_field_reads(tmp_path):
    """Also a sheet detected automatically: an extra column with data is named, an empty one is not,
    a column with data and no header is named by its letter."""
    from desktop.io.importer import import_files
    path = tmp_path / "客户.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("客户")
    ws.write_row(0, 0, ["客户编号", "客户名称", "备注", "空列", None])
    ws.write_row(1, 0, ["C1", "甲公司", "老客户", None, "手写"])
    ws.write_row(2, 0, ["C2", "乙公司"])
    wb.close()
    issues = [i for i in import_files([path]).issues if i.problem == "columns with data mapped to no field"]
    assert [(i.row, i.column, i.value) for i in issues] == [(1, "C, E", "C 备注, E")]
    assert [i for i in import_files(SAMPLES).issues if i.problem == "columns with data mapped to no field"] == []


# ---------------------------------------------------------------- "映射完整"
def test_mapping_complete_only_when_every_field_the_rating_uses_is_mapped_or_confirmed(qtbot, window, tmp_path):
    w = window
    load(qtbot, w, SAMPLES + [odd_ledger(tmp_path / "往来.xlsx")])
    dialog = w.map_columns(sheet_source(w, "往来"))
    dialog.kind.setCurrentIndex(dialog.kind.findData(LEDGER))
    for fld, col in (("customer_id", 0), ("invoice_no", 1), ("invoice_date", 2), ("amount", 3)):
        dialog.combos[fld].setCurrentIndex(col + 1)
    # the required fields are there, four the metrics read are not: listed in Chinese, OK asks
    assert dialog.missing() == ["due_date", "term_days", "paid_date", "paid_amount"]
    assert dialog.status.text().startswith("评级用到、但还没有映射的字段：到期日、账期、回款日期、回款金额。")
    assert dialog.ok_button.isEnabled()
    dialog.accept()
    box = dialog.confirm_box
    assert box is not None and box.isVisible() and "到期日、账期、回款日期、回款金额" in box.text()
    box.button(QMessageBox.StandardButton.No).click()
    assert dialog.isVisible() and dialog.result() == 0 and dialog.confirm_box is None
    # confirming each absent field, one box each
    for fld in ("due_date", "term_days", "paid_date"):
        dialog.absent_boxes[fld].setCheckState(Qt.CheckState.Checked)
        assert dialog.status.text() != "映射完整"
    dialog.absent_boxes["paid_amount"].setCheckState(Qt.CheckState.Checked)
    assert dialog.status.text() == "映射完整" and dialog.missing() == []
    assert dialog.absent() == ["due_date", "term_days", "paid_date", "paid_amount"]
    dialog.combos["due_date"].setCurrentIndex(0)  # still absent: the confirmation stands
    accept(qtbot, w, dialog)  # complete: accepted without a question
    assert sheet_source(w, "往来").kind == "ledger"


def test_the_fields_that_count_come_from_the_policy(tmp_path):
    policy = load_policy()
    used = {f for group in rating_fields(CUSTOMERS, policy) for f in group}
    assert used == {"customer_id", "name", "credit_code", "first_trade_date", "registered_capital", "agreement",
                    "license", "tax_registration", "org_code", "operating_status", "revenue_trend",
                    "sued_by_suppliers", "total_assets", "total_liabilities", "current_assets",
                    "current_liabilities", "current_term_days", "requested_term_days", "requested_limit",
                    "group", "controller"}  # the group rules link customers by them
    # a rule switched off, an item taken out: their fields no longer count
    edited = replace(policy, items=tuple(i for i in policy.items if i.basis != "current_ratio"),
                     force_c=replace(policy.force_c, litigation=False))
    less = {f for group in rating_fields(CUSTOMERS, edited) for f in group}
    assert used - less == {"sued_by_suppliers", "current_assets", "current_liabilities"}
    no_groups = replace(policy, group=replace(policy.group, warning=False, concentration=False))
    assert used - {f for group in rating_fields(CUSTOMERS, no_groups) for f in group} == {"group", "controller"}
    # the tables cover every basis a policy can name and every rule switch of the policy
    assert set(BASIS_FIELDS) == set(NUMERIC_BASES) | set(CATEGORY_BASES)
    switches = {(section, f.name) for section, cls in (("force_c", ForceCRules), ("cap", CapRules),
                                                       ("terms", TermRules))
                for f in dataclass_fields(cls) if f.type in ("bool", bool)}
    assert switches - set(RULE_FIELDS) == {("force_c", "timeliness")}  # the ledger's: no sheet column


# ---------------------------------------------------------------- profiles
def test_profiles_are_listed_renamed_and_deleted_and_a_deleted_one_no_longer_applies(qtbot, window, tmp_path):
    w = window
    odd = odd_ledger(tmp_path / "往来.xlsx")
    load(qtbot, w, SAMPLES + [odd])
    dialog = map_odd_ledger(w)
    dialog.profile_name.setText("往来账")
    accept(qtbot, w, dialog)
    # a file of the same shape is read with it, and the profile remembers the sheet it read
    second = tmp_path / "往来 二月.xlsx"
    shutil.copy(odd, second)
    w.choices.clear()
    load(qtbot, w, [second])
    assert sheet_source(w, "往来", second.name).chosen_by == "profile: 往来账"
    store = ProfileStore(user_data_dir())
    (saved,) = store.load()
    assert saved.saved_from["file"] == "往来.xlsx" and saved.saved_from["sheet"] == "往来"
    # both files of its shape were read with it (the first one too, now the clerk's choice is gone)
    assert {(u["file"], u["sheet"]) for u in saved.used} == {(second.name, "往来"), (odd.name, "往来")}
    assert saved.absent == ["due_date", "term_days", "paid_date", "paid_amount"]

    # 文件 > 映射方案… lists it, with where it was saved from and what it read
    action = next(a for a in w.menu_file.actions() if a.text() == "映射方案…")
    action.trigger()
    manager = w._profile_manager
    assert manager.isVisible() and manager.table.rowCount() == 1
    cells = [manager.table.item(0, c).text() for c in range(4)]
    assert cells[0] == "往来账" and cells[1] == "销售/回款明细"
    assert cells[2].startswith("往来.xlsx / 往来（") and cells[3].startswith(f"{second.name} / 往来（")
    assert manager.detail.toPlainText().startswith("保存自 往来.xlsx / 往来（")
    assert "客户编号 ← 单位" in manager.detail.toPlainText()
    assert "确认没有的数据：到期日、账期、回款日期、回款金额" in manager.detail.toPlainText()

    # rename: a name in use is refused and said, a new one taken
    store.save(MappingProfile("另一个", "customers", "x|y", {"customer_id": "x", "name": "y"}))
    manager.reload()
    row = next(r for r in range(manager.table.rowCount()) if manager.table.item(r, 0).text() == "往来账")
    assert not manager.rename(row, "另一个") and "已有名为“另一个”的映射方案" in manager.note.text()
    with qtbot.waitSignal(manager.changed, timeout=TIMEOUT):
        manager.table.item(row, 0).setText("往来账（二月起）")  # edited in place, as a double-click does
    assert {p.name for p in store.load()} == {"往来账（二月起）", "另一个"}
    third = tmp_path / "往来 三月.xlsx"
    shutil.copy(odd, third)
    load(qtbot, w, [third])
    assert sheet_source(w, "往来", third.name).chosen_by == "profile: 往来账（二月起）"

    # delete: asked, naming it; then gone from the list and from the next import
    manager.reload()
    manager.table.selectRow(next(r for r in range(manager.table.rowCount())
                                 if manager.table.item(r, 0).text() == "往来账（二月起）"))
    manager.delete_selected()
    assert "删除映射方案“往来账（二月起）”" in manager.confirm_box.text()
    with qtbot.waitSignal(manager.changed, timeout=TIMEOUT):
        manager.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    assert [manager.table.item(r, 0).text() for r in range(manager.table.rowCount())] == ["另一个"]
    assert [p.name for p in store.load()] == ["另一个"]
    manager.close()
    fourth = tmp_path / "往来 四月.xlsx"
    shutil.copy(odd, fourth)
    w.choices.clear()
    load(qtbot, w, [fourth])
    assert sheet_source(w, "往来", fourth.name).kind == "ignored"


def test_deleting_a_profile_that_read_a_sheet_on_screen_reads_it_again_and_the_rating_is_out_of_date(
        qtbot, window, tmp_path):
    w = window
    odd = odd_ledger(tmp_path / "往来.xlsx")
    load(qtbot, w, SAMPLES + [odd])
    dialog = map_odd_ledger(w)
    dialog.profile_name.setText("往来账")
    accept(qtbot, w, dialog)
    w.choices.clear()  # from now on the sheet is read by the profile alone
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        w.reimport()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    assert sheet_source(w, "往来").chosen_by == "profile: 往来账"
    rate(qtbot, w)
    assert not w.stale
    w.manage_profiles()
    manager = w._profile_manager
    manager.table.selectRow(0)
    manager.delete_selected()
    with qtbot.waitSignal(w.imported, timeout=TIMEOUT):
        manager.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    assert sheet_source(w, "往来").kind == "ignored"  # read again without the deleted profile
    assert w.stale  # the rating on screen was made with it: export is refused until F5


def test_the_mapping_dialog_opens_the_profile_manager(qtbot, window, tmp_path):
    w = window
    odd = odd_ledger(tmp_path / "往来.xlsx")
    ProfileStore(user_data_dir()).save(MappingProfile(
        "往来账", "ledger", signature(["单位", "票号", "开具日", "含税价"]),
        {"customer_id": "单位", "invoice_no": "票号", "invoice_date": "开具日", "amount": "含税价"},
        absent=["due_date"]))
    load(qtbot, w, SAMPLES + [odd])
    source = sheet_source(w, "往来")
    assert source.chosen_by == "profile: 往来账"
    dialog = w.map_columns(source)
    # opened with what the import read it with, and the profile named
    assert dialog.kind.currentData() == LEDGER and dialog.columns() == {"customer_id": 0, "invoice_no": 1,
                                                                        "invoice_date": 2, "amount": 3}
    assert dialog.profile_note.text() == "此表头已有映射方案“往来账”。"
    assert dialog.absent_boxes["due_date"].checkState() == Qt.CheckState.Checked
    manager = dialog.manage_profiles()
    assert manager.isVisible() and manager.table.item(0, 0).text() == "往来账"
    manager.close()
    dialog.close()


def test_a_damaged_profile_is_skipped_and_the_others_still_apply(tmp_path):
    store = ProfileStore(tmp_path)
    store.path.write_text('{"profiles": [{"name": 1}, {"name": "好的", "kind": "ledger", "signature": "a|b", '
                          '"columns": {"customer_id": "a"}, "later_key": true}, "junk"]}', encoding="utf-8")
    assert [p.name for p in store.load()] == ["好的"]
    assert store.path.name == FILE_NAME


# ---------------------------------------------------------------- a small screen
def test_the_mapping_dialog_fits_a_small_screen_with_its_buttons_visible(qtbot, window, tmp_path, monkeypatch):
    """1366x768 at 200 %: 683x384 free; the dialog and the profile manager fit, OK/Cancel visible."""
    from desktop.ui import screen
    free = QRect(0, 0, 683, 384)
    monkeypatch.setattr(screen, "free_area", lambda widget: free)
    w = window
    load(qtbot, w, OTHERS + [renamed_customer_sheet(tmp_path)])
    dialog = w.map_columns(sheet_source(w, "客户信用资料"))
    manager = dialog.manage_profiles()
    for shown, buttons in ((dialog, dialog.buttons.buttons()), (manager, manager.buttons.buttons())):
        qtbot.waitExposed(shown)
        qtbot.waitUntil(lambda s=shown: s.isVisible(), timeout=TIMEOUT)
        # no larger than the free area less the system's frame, and on it
        assert shown.width() + screen.FRAME.width() <= free.width(), (type(shown).__name__, shown.size())
        assert shown.height() + screen.FRAME.height() <= free.height(), (type(shown).__name__, shown.size())
        assert free.contains(shown.frameGeometry()), (type(shown).__name__, shown.frameGeometry())
        assert buttons
        for button in buttons:
            assert button.isVisible() and not button.visibleRegion().isEmpty()
            where = QRect(button.mapTo(shown, QPoint(0, 0)), button.size())
            assert shown.rect().contains(where), (button.text(), where, shown.rect())
    manager.close()
    dialog.close()


def test_a_profile_tells_apart_two_columns_headed_alike(tmp_path):
    """日 | 钱 | 日 | 钱: invoice date and amount are the first pair, paid date and amount the second;
    a file of that shape is read the same way, never the paid amount as the invoice amount."""
    row = ["单位", "票号", "日", "钱", "日", "钱"]
    store = ProfileStore(tmp_path)
    columns = {"customer_id": 0, "invoice_no": 1, "invoice_date": 2, "amount": 3, "paid_date": 4, "paid_amount": 5}
    from desktop.io.mapping_profiles import header_columns, occurrences
    store.save(MappingProfile("两对", LEDGER, signature(row), {f: row[c] for f, c in columns.items()},
                              occurrence=occurrences(row, columns)))
    profile, header_row, cols = store.match([row, ["C1", "X1", "2026-01-05", 10, "2026-02-01", 10]])
    assert (profile.name, header_row, cols) == ("两对", 0, columns)
    # a profile saved before occurrences were kept: the doubled headers are left for the clerk
    assert header_columns(row, {f: row[c] for f, c in columns.items()}) == {"customer_id": 0, "invoice_no": 1}


def test_a_profile_name_another_sheet_has_is_refused_not_replaced(qtbot, window, tmp_path):
    w = window
    store = ProfileStore(user_data_dir())
    store.save(MappingProfile("往来账", CUSTOMERS, "x|y", {"customer_id": "x", "name": "y"}))
    odd = odd_ledger(tmp_path / "往来.xlsx")
    load(qtbot, w, SAMPLES + [odd])
    dialog = map_odd_ledger(w)
    dialog.profile_name.setText("往来账")
    dialog.accept()
    assert dialog.isVisible() and "已有名为“往来账”的映射方案" in dialog.status.text()
    assert [(p.name, p.signature) for p in store.load()] == [("往来账", "x|y")]  # the other one is kept
    dialog.profile_name.setText("往来账 二")
    accept(qtbot, w, dialog)
    assert {p.name for p in store.load()} == {"往来账", "往来账 二"}


def test_a_profile_that_cannot_be_saved_is_said_and_the_mapping_still_applies(qtbot, window, tmp_path):
    w = window
    (user_data_dir() / FILE_NAME).mkdir(parents=True)  # the profiles file cannot be written
    odd = odd_ledger(tmp_path / "往来.xlsx")
    load(qtbot, w, SAMPLES + [odd])
    dialog = map_odd_ledger(w)
    dialog.profile_name.setText("往来账")
    accept(qtbot, w, dialog)
    assert sheet_source(w, "往来").kind == LEDGER  # the clerk's mapping is used
    assert "无法写入映射方案文件" in w._last_info_box.text()


def test_a_damaged_profiles_file_is_kept_aside_not_overwritten_by_the_next_save(tmp_path):
    store = ProfileStore(tmp_path)
    store.path.write_text('{"profiles": [{"name": "往来账", "kind": "ledger", "signature": "a|b", "col', encoding="utf-8")
    damaged = store.path.read_bytes()
    assert store.load() == []
    store.save(MappingProfile("新方案", CUSTOMERS, "x|y", {"customer_id": "x", "name": "y"}))
    assert [p.name for p in store.load()] == ["新方案"]
    (kept,) = tmp_path.glob("mapping_profiles.damaged-*.json")
    assert kept.read_bytes() == damaged  # the old profiles are still there to recover


def test_a_profiles_file_with_one_unreadable_entry_is_kept_aside_too(tmp_path):
    store = ProfileStore(tmp_path)
    store.path.write_text('{"profiles": [{"name": "坏的", "signature": "a|b", "columns": {}}, '
                          '{"name": "好的", "kind": "customers", "signature": "x|y", "columns": {"name": "y"}}]}',
                          encoding="utf-8")
    assert [p.name for p in store.load()] == ["好的"]
    store.rename("好的", "好的 二")
    (kept,) = tmp_path.glob("mapping_profiles.damaged-*.json")
    assert "坏的" in kept.read_text(encoding="utf-8")
