"""The shipped blank import workbooks: filled in the way a clerk does, they read back."""

from __future__ import annotations

import datetime as dt

import openpyxl

from desktop.io.headers import CUSTOMERS, LEDGER, RECEIPTS, detect_header
from desktop.io.importer import import_files
from desktop.io.workbook import read_file
from desktop.io.writers.import_templates import COLUMNS, TITLES
from desktop.paths import templates_dir


def test_every_template_header_is_recognised():
    for kind in (CUSTOMERS, LEDGER, RECEIPTS):
        raw = read_file(templates_dir() / "imports" / TITLES[kind][1])
        match = detect_header(raw.sheets[0].head(30))
        assert match.kind == kind and match.header_row == 0
        assert set(match.columns) == {f for f, *_ in COLUMNS[kind]}


def test_templates_have_notes_and_validation():
    wb = openpyxl.load_workbook(templates_dir() / "imports" / TITLES[CUSTOMERS][1])
    ws = wb.active
    assert ws["A1"].comment is not None and "必填" in ws["A1"].comment.text
    lists = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in ws.data_validations.dataValidation
             if dv.type == "list"}
    assert lists["J2"] == '"是,否"'  # 年度合作协议, after 所属集团 and 实际控制人
    assert "持续下滑" in lists["O2"]
    assert ws["G1"].value == "实际控制人" and "视同一个集团" in ws["G1"].comment.text


def test_filled_templates_import(tmp_path):
    folder = templates_dir() / "imports"
    wb = openpyxl.load_workbook(folder / TITLES[CUSTOMERS][1])
    ws = wb.active
    ws.append(["C001", "甲公司", "91350100M000100Y43", "王磊", "赵经理", "甲集团", "张三", dt.date(2020, 1, 2), 1200, "是", "是",
               None, None, "良好", "增长", "否", 1000, 400, 500, 250, 45, 120, 300000, "工程回款周期长"])
    cust = tmp_path / "客户.xlsx"
    wb.save(cust)
    wb = openpyxl.load_workbook(folder / TITLES[LEDGER][1])
    wb.active.append(["C001", "甲公司", "FP1", dt.date(2026, 1, 5), 1000, dt.date(2026, 2, 4), None,
                      dt.date(2026, 2, 6), 1000])
    led = tmp_path / "明细.xlsx"
    wb.save(led)
    r = import_files([cust, led])
    (c,) = r.customers
    assert (c.customer_id, c.registered_capital, c.requested_term_days, c.request_reason, c.sales_manager) == \
        ("C001", 1200, 120, "工程回款周期长", "赵经理")
    assert (c.group, c.controller) == ("甲集团", "张三")
    assert r.issues == []
    assert list(r.ledger["amount"]) == [1000.0] and r.ledger["paid_date"].iloc[0] == dt.datetime(2026, 2, 6)
