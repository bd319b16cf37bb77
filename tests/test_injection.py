"""Text from user files is never a formula, in any workbook we write (checked in the XML), and
no workbook links outside itself."""

from __future__ import annotations

from datetime import date

import openpyxl
import xlsx_xml
import xlsxwriter

from desktop import services, session

PAYLOADS = ['=HYPERLINK("http://x.invalid","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=2+2",
            "=cmd|' /C calc'!A0"]
HEADER = ["客户编号", "客户名称", "业务员", "销售经理", "申请账期(天)", "申请理由", "营业执照"]


def evil_inputs(tmp_path):
    path = tmp_path / "客户 注入.xlsx"
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False})
    ws = wb.add_worksheet("客户")
    ws.write_row(0, 0, HEADER)
    for n, text in enumerate(PAYLOADS, start=1):
        ws.write_string(n, 0, f"C{n:03d}")
        for col in (1, 2, 3, 5):
            ws.write_string(n, col, text)
        ws.write_number(n, 4, 120)  # a special term: every customer gets a CFO form
        ws.write_string(n, 6, "是")
    ws.write_string(len(PAYLOADS) + 1, 0, "=1+1")  # an ID that looks like a formula
    ws.write_string(len(PAYLOADS) + 1, 1, "正常公司")
    ws.write_number(len(PAYLOADS) + 1, 4, 30)
    wb.close()
    return path


def test_every_workbook_we_write_keeps_user_text_as_text(tmp_path):
    src = evil_inputs(tmp_path)
    out = {k: tmp_path / f"{k}.xlsx" for k in ("results", "forms", "notices", "decisions")}
    result = services.score(session.ScoreRequest(inputs=[src], as_of=date(2026, 6, 30), out=out["results"],
                                                  forms_out=out["forms"], notices_out=out["notices"]))
    assert len(result.rating.decisions) == len(PAYLOADS) + 1
    # a sales manager fills one form in Excel (typed text that looks like a formula, too)
    filled = tmp_path / "filled.xlsx"
    wb = openpyxl.load_workbook(out["forms"])
    ws = wb[wb.sheetnames[1]]
    for row in ws.iter_rows():
        for cell in row:
            if cell.protection.locked is False and cell.value is None and cell.coordinate not in ws.merged_cells:
                cell.value = "=HYPERLINK(\"http://x.invalid\")"
                cell.data_type = "s"
    wb.save(filled)
    services.read_approvals(session.ApprovalsRequest(filled=[filled], results=out["results"],
                                                      out=out["decisions"]))
    expected_min = {"results": 3 * len(PAYLOADS), "forms": len(PAYLOADS), "notices": 0, "decisions": 1}
    for kind, path in out.items():
        found = xlsx_xml.assert_text_not_formula(path, PAYLOADS + ["=1+1", '=HYPERLINK("http://x.invalid")'])
        assert found >= expected_min[kind], (kind, found)
        assert xlsx_xml.external_links(path) == [], kind  # hyperlinks only to our own sheets
    # and the one ID that looks like a formula is a text cell wherever it appears
    ids = [c for c in xlsx_xml.cells(out["results"]) if c.text == "=1+1"]
    assert ids and all(c.type in ("s", "inlineStr") and c.formula is None for c in ids)
