"""Readers: one tiny workbook per edge case, with asserted values, types and issues."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter

from desktop.errors import InputFileError
from desktop.io.importer import SheetChoice, import_files, parse_sheet_spec
from desktop.io.workbook import read_file

DATA = Path(__file__).parent / "data"
CUSTOMER_HEADER = ["客户编号", "客户名称"]


def xlsx(path: Path, sheets: dict[str, list[list]], merge_title: bool = False) -> Path:
    """Write rows as they are: str as text, numbers as numbers, dates as date cells."""
    wb = xlsxwriter.Workbook(path)
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), datef)
                elif isinstance(v, str) and v.startswith("#ERR:"):
                    ws.write_formula(r, c, "=NA()", None, v[5:])
                elif isinstance(v, str):
                    ws.write_string(r, c, v)
                else:
                    ws.write(r, c, v)
        if merge_title:
            ws.merge_range(0, 0, 0, 3, rows[0][0])
    wb.close()
    return path


def issues_at(result, row=None, problem=None):
    return [i for i in result.issues if (row is None or i.row == row) and (problem is None or problem in i.problem)]


def test_title_rows_merged_cells_and_excel_row_numbers(tmp_path):
    p = xlsx(tmp_path / "客户 资料.xlsx", {"客户": [
        ["客户信用资料登记表", None, None, None], ["制表：财务部"], [],
        CUSTOMER_HEADER + ["经营状况"],
        ["C1", "甲", "良好"], [None, None, None], ["C2", "乙", "很好"]]}, merge_title=True)
    r = import_files([p])
    src = next(s for s in r.sheets if s.kind == "customers")
    assert src.header_row == 4 and (src.rows_read, src.rows_used, src.rows_rejected, src.blank_rows) == (2, 2, 0, 1)
    assert [c.customer_id for c in r.customers] == ["C1", "C2"]
    assert [c.source.row for c in r.customers] == [5, 7]
    (issue,) = r.issues
    assert (issue.file, issue.sheet, issue.row, issue.column, issue.value) == ("客户 资料.xlsx", "客户", 7, "C 经营状况", "很好")
    assert "operating status" in issue.problem and issue.action == "treated as blank"
    assert r.customers[1].operating_status is None


def test_full_width_headers_units_and_english_headers(tmp_path):
    p = xlsx(tmp_path / "c.xlsx", {
        "zh": [["客户编号", "客户名称", "注册资本（元）", "资产总额（万元）", "申请额度（万元）"],
               ["C1", "甲", 12_000_000, 500, "5"]],
        "en": [["Customer ID", "Customer Name", "Registered capital (万元)", "Requested limit"],
               ["C2", "B Ltd", 800, "¥300,000"]]})
    r = import_files([p])
    c1, c2 = r.customers
    assert c1.registered_capital == 1200.0 and c1.total_assets == 500 and c1.requested_limit == 50_000
    assert c2.registered_capital == 800 and c2.requested_limit == 300_000


def test_value_forms(tmp_path):
    rows = [["客户编号", "客户名称", "年度合作协议", "营业执照", "首次合作日期", "注册资本(万元)", "现行账期(天)", "营业额趋势"]]
    forms = [("是", "√", "2024/3/5", "1,000", "60天", "持续下滑"), ("否", "×", "2024.3.5", "1.2万", 45, "下滑"),
             ("有", "Y", "2024年3月5日", "(300)", "30", "增长"), ("无", "N", "20240305", 200, None, "平稳"),
             ("1", 0, 45356, "¥50", None, None), ("也许", "x", dt.date(2024, 3, 5), "几百", "abc", None)]
    for n, f in enumerate(forms):
        rows.append([f"C{n}", f"客户{n}", *f])
    r = import_files([xlsx(tmp_path / "v.xlsx", {"s": rows})])
    c = r.customers
    assert [x.agreement for x in c] == [True, False, True, False, True, None]
    assert [x.license for x in c] == [True, False, True, False, False, False]
    assert {x.first_trade_date for x in c} == {dt.date(2024, 3, 5)}
    assert [x.current_term_days for x in c] == [60, 45, 30, None, None, None]
    assert [x.revenue_trend for x in c[:4]] == ["sustained_decline", "decline", "growth", "stable"]
    # 1.2万 in a 万元 column is 12,000 万元; (300) is negative: rejected for capital
    assert [x.registered_capital for x in c] == [1000.0, 12000.0, None, 200.0, 50.0, None]
    problems = {(i.row, i.column.split()[0]): i.problem for i in r.issues}
    assert problems[(7, "C")] == "not a yes/no value"
    assert problems[(7, "F")] == "not an amount"
    assert problems[(7, "G")] == "not a number of days"
    assert problems[(4, "F")] == "negative amount"


def test_codes_keep_leading_zeros_and_numbers_become_text(tmp_path):
    r = import_files([xlsx(tmp_path / "z.xlsx", {"s": [CUSTOMER_HEADER, ["001500", "甲"], [1500, "乙"],
                                                        ["Ｃ００７", "丙"]]})])
    assert [c.customer_id for c in r.customers] == ["001500", "1500", "C007"]


def test_excel_error_values_are_reported_not_blank(tmp_path):
    r = import_files([xlsx(tmp_path / "e.xlsx", {"s": [CUSTOMER_HEADER + ["资产总额"], ["C1", "甲", "#ERR:#N/A"],
                                                        ["#ERR:#REF!", "乙", 5]]})])
    assert [c.customer_id for c in r.customers] == ["C1"]
    by_row = {i.row: i for i in r.issues}
    assert by_row[2].value == "#N/A" and by_row[2].problem == "Excel error value #N/A"
    assert by_row[2].column == "C 资产总额" and by_row[2].action == "treated as blank"
    assert by_row[3].problem == "Excel error value #REF!" and by_row[3].action == "row not used"
    assert by_row[3].severity == "error"


def test_duplicates_unknown_customers_and_total_rows(tmp_path):
    p = xlsx(tmp_path / "all.xlsx", {
        "客户": [CUSTOMER_HEADER, ["C1", "甲"], ["C2", "乙"], ["C2", "乙二"], ["C3", "丙"]],
        "明细": [["客户编号", "客户名称", "开票日期", "金额"],
               ["C1", "甲", "2026/1/5", 100], ["C2", "乙", "2026/1/6", 200], ["C9", "未知", "2026/1/7", 300],
               [None, "丙", "2026/1/8", 400], [None, "无此人", "2026/1/9", 500], ["C1", "甲", "2026/2/30", 1],
               ["合计", None, None, 1501]],
        "说明": [["本工作簿用于测试"]]})
    r = import_files([p])
    kinds = {s.sheet: s.kind for s in r.sheets}
    assert kinds == {"客户": "customers", "明细": "ledger", "说明": "ignored"}
    assert [c.customer_id for c in r.customers] == ["C1", "C3"]
    dup = issues_at(r, problem="duplicate customer ID")
    assert [(i.sheet, i.row) for i in dup] == [("客户", 3), ("客户", 4)]
    assert list(r.ledger["customer_id"]) == ["C1", "C3"]  # C3 matched by exact name
    led = {i.row: i for i in r.issues if i.sheet == "明细"}
    assert led[3].problem == "customer ID is duplicated on the customer sheet"
    assert led[4].problem == "customer ID not on the customer sheet" and led[4].value == "C9"
    assert led[6].problem == "customer name not on the customer sheet" and led[6].column == "B 客户名称"
    assert led[7].problem == "not a valid calendar date"
    assert led[8].problem == "total row"
    ledger_src = next(s for s in r.sheets if s.kind == "ledger")
    assert (ledger_src.rows_read, ledger_src.rows_used, ledger_src.rows_rejected) == (7, 2, 5)
    assert all(i.action for i in r.issues)


def test_explicit_sheet_choice_overrides_classification(tmp_path):
    p = xlsx(tmp_path / "x.xlsx", {"A": [CUSTOMER_HEADER, ["C1", "甲"]], "B": [CUSTOMER_HEADER, ["C2", "乙"]]})
    r = import_files([], [parse_sheet_spec(f"{p}:B", "customers")])
    assert [c.customer_id for c in r.customers] == ["C2"]
    assert {s.sheet: s.chosen_by for s in r.sheets if s.kind == "customers"} == {"B": "override"}
    with pytest.raises(InputFileError, match="no sheet named 'C'"):
        import_files([], [SheetChoice(p, "C", "customers")])
    with pytest.raises(InputFileError, match="no header row of a ledger sheet"):
        import_files([], [SheetChoice(p, "A", "ledger")])


def test_sheet_spec_with_windows_drive_letter():
    ch = parse_sheet_spec(r"C:\财务\客户 资料.xlsx:客户", "customers")
    assert ch.sheet == "客户" and str(ch.path).endswith("客户 资料.xlsx")
    assert parse_sheet_spec(r"C:\财务\客户.xlsx", "customers").sheet is None


def _receipt_values(path: Path):
    r = import_files([xlsx(path.parent / "cust.xlsx", {"s": [CUSTOMER_HEADER, ["C0001", "甲"], ["C0002", "乙"]]}),
                      path])
    rec = r.receipts
    return list(rec["customer_id"]), [d.date() for d in rec["date"]], list(rec["amount"])


@pytest.mark.parametrize("name,encoding", [("回款明细 GBK.csv", "gbk"), ("receipts-utf8-bom.csv", "utf-8")])
def test_csv_encodings(tmp_path, name, encoding):
    target = tmp_path / name
    target.write_bytes((DATA / name).read_bytes())
    assert read_file(target).encoding == encoding
    ids, dates, amounts = _receipt_values(target)
    assert ids == ["C0001", "C0002", "C0001"]
    assert dates == [dt.date(2026, 3, 5), dt.date(2026, 3, 6), dt.date(2026, 3, 7)]
    assert amounts == [1200.5, 12000.0, -300.0]


@pytest.mark.parametrize("name", ["客户资料 LibreOffice.xls", "客户资料 LibreOffice.ods"])
def test_files_saved_by_libreoffice(name):
    r = import_files([DATA / name])
    a, b = r.customers
    assert (a.customer_id, a.name, a.registered_capital, a.first_trade_date, a.agreement, a.operating_status) == \
        ("001500", "甲公司", 1200.0, dt.date(2020, 5, 17), True, "good")
    assert (b.customer_id, b.registered_capital, b.first_trade_date, b.agreement, b.operating_status) == \
        ("C-2", 500.0, dt.date(2021, 3, 5), False, "fair")
    (issue,) = r.issues
    assert (issue.row, issue.problem) == (5, "total row")


def test_unreadable_files_give_clear_messages(tmp_path):
    with pytest.raises(InputFileError, match="file not found"):
        read_file(tmp_path / "missing.xlsx")
    (tmp_path / "notes.docx").write_bytes(b"x")
    with pytest.raises(InputFileError, match="unsupported file type '.docx'"):
        read_file(tmp_path / "notes.docx")
    (tmp_path / "fake.xlsx").write_text("this is not a workbook", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"fake.xlsx: not a readable .xlsx workbook"):
        read_file(tmp_path / "fake.xlsx")
    good = xlsx(tmp_path / "good.xlsx", {"s": [CUSTOMER_HEADER, ["C1", "甲"]]})
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[:300])
    with pytest.raises(InputFileError, match="cut.xlsx: not a readable .xlsx workbook"):
        read_file(tmp_path / "cut.xlsx")


def test_xlsm_reads_like_xlsx(tmp_path):
    src = xlsx(tmp_path / "a.xlsx", {"s": [CUSTOMER_HEADER, ["C1", "甲"]]})
    macro = tmp_path / "宏 工作簿.xlsm"
    macro.write_bytes(src.read_bytes())
    assert [c.customer_id for c in import_files([macro]).customers] == ["C1"]


def test_input_locked_by_another_program(tmp_path, monkeypatch):
    src = xlsx(tmp_path / "客户.xlsx", {"s": [CUSTOMER_HEADER, ["C1", "甲"]]})

    def locked(self):
        raise PermissionError(13, "Permission denied")  # Windows: open in Excel with a lock

    monkeypatch.setattr(Path, "read_bytes", locked)
    with pytest.raises(InputFileError, match=r"客户.xlsx: cannot be opened: it is locked by another program"):
        read_file(src)


def test_ignore_a_sheet_and_map_columns_by_hand(tmp_path):
    p = xlsx(tmp_path / "odd.xlsx", {"客户": [CUSTOMER_HEADER, ["C1", "甲"]],
                                     "往来": [["单位", "票号", "开具日", "含税价"], ["C1", "F1", "2026/1/5", "1,000"]],
                                     "备份": [CUSTOMER_HEADER, ["C1", "甲"]]})
    auto = import_files([p])
    assert {s.sheet: s.kind for s in auto.sheets} == {"客户": "customers", "往来": "ignored", "备份": "customers"}
    fixed = import_files([p], [SheetChoice(p, "备份", "ignored"),
                               SheetChoice(p, "往来", "ledger", header_row=0,
                                           columns={"customer_id": 0, "invoice_no": 1, "invoice_date": 2,
                                                    "amount": 3})])
    assert {s.sheet: s.kind for s in fixed.sheets} == {"客户": "customers", "往来": "ledger", "备份": "ignored"}
    assert [c.customer_id for c in fixed.customers] == ["C1"] and fixed.issues == []
    assert list(fixed.ledger["amount"]) == [1000.0] and list(fixed.ledger["invoice_no"]) == ["F1"]


def test_mapping_profile_reads_files_of_the_same_shape(tmp_path):
    from desktop.io.mapping_profiles import MappingProfile, ProfileStore, signature
    rows = [["单位", "票号", "开具日", "含税价"], ["C1", "F1", "2026/1/5", "1,000"]]
    first = xlsx(tmp_path / "一月.xlsx", {"客户": [CUSTOMER_HEADER, ["C1", "甲"]], "往来": rows})
    store = ProfileStore(tmp_path / "profiles")
    store.save(MappingProfile("往来账格式", "ledger", signature(rows[0]),
                              {"customer_id": "单位", "invoice_no": "票号", "invoice_date": "开具日", "amount": "含税价"}))
    # next month's file: a title row above the same header row
    second = xlsx(tmp_path / "二月.xlsx", {"客户": [CUSTOMER_HEADER, ["C1", "甲"]],
                                           "往来": [["二月往来"], ["单位", "票号", "开具日", "含税价"],
                                                  ["C1", "F2", "2026/2/5", 2000]]})
    for path, amount in ((first, 1000.0), (second, 2000.0)):
        r = import_files([path], profiles=store)
        src = next(s for s in r.sheets if s.sheet == "往来")
        assert src.kind == "ledger" and src.chosen_by == "profile: 往来账格式"
        assert list(r.ledger["amount"]) == [amount]
    assert import_files([second]).sheets[1].kind == "ignored"  # without the profile


def test_every_issue_text_has_a_chinese_form():
    """The reader's problem and action texts, as written in the code, all have a Chinese form."""
    import ast
    import re

    from desktop.io.writers.labels import issue_text
    texts = set()
    for module in ("importer.py", "values.py", "workbook.py"):  # row issues, and the reader's own notes
        tree = ast.parse((Path(__file__).parent.parent / "desktop" / "io" / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("RowIssue", "SheetNote"):
                first = 5 if node.func.id == "RowIssue" else 3
                for arg in node.args[first:first + 2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        texts.add(arg.value)
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2:
                second = node.value.elts[1]
                if isinstance(second, ast.Constant) and isinstance(second.value, str):
                    texts.add(second.value)
    assert len(texts) >= 20
    untranslated = [t for t in texts if not re.search(r"[\u4e00-\u9fff]", issue_text(t, "zh"))]
    assert untranslated == []


def test_amounts_finer_than_a_fen_are_rounded_and_listed(tmp_path):
    """Amounts count to the fen; a finer one is not changed silently: it is listed with what was done."""
    ledger = [["客户编号", "发票号", "发票日期", "金额", "回款金额"],
              ["C1", "A1", dt.date(2026, 1, 5), 100.25, "100.25"],       # to the fen: nothing to say
              ["C1", "A2", dt.date(2026, 1, 6), 100.256, None],          # three decimals
              ["C1", "A3", dt.date(2026, 1, 7), "1,234.5678", "0.001"],  # text with four; a tenth of a fen
              ["C1", "A4", dt.date(2026, 1, 8), 12345678901.23, None]]   # large, to the fen: nothing to say
    r = import_files([xlsx(tmp_path / "c.xlsx", {"客户": [CUSTOMER_HEADER, ["C1", "甲"]]}),
                      xlsx(tmp_path / "l.xlsx", {"销售": ledger})])
    found = sorted((i.row, i.column.split()[0], i.action) for i in issues_at(r, problem="finer than a fen"))
    assert found == [(3, "D", "rounded to 100.26"), (4, "D", "rounded to 1234.57"), (4, "E", "rounded to 0.00")]
    assert all(i.severity == "warning" for i in issues_at(r, problem="finer than a fen"))
    assert len(r.ledger) == 4  # rounded, never dropped


def test_a_refund_or_zero_receipt_is_listed_not_applied(tmp_path):
    receipts = [["客户编号", "回款日期", "回款金额"], ["C1", dt.date(2026, 2, 1), 100.0],
                ["C1", dt.date(2026, 2, 2), -1000.0], ["C1", dt.date(2026, 2, 3), 0]]
    r = import_files([xlsx(tmp_path / "c.xlsx", {"客户": [CUSTOMER_HEADER, ["C1", "甲"]]}),
                      xlsx(tmp_path / "r.xlsx", {"回款明细": receipts})])
    found = [(i.row, i.value, i.action) for i in issues_at(r, problem="receipt of zero or less")]
    assert found == [(3, -1000.0, "not applied to any invoice"), (4, 0.0, "not applied to any invoice")]
    assert len(r.receipts) == 3  # kept and counted, not dropped
