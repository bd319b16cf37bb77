"""The decisions workbook: final approved terms and limits, problems found, approvals audit."""

from __future__ import annotations

from desktop.core.forms import CREDIT_APPLICATION, ApprovalOutcome
from desktop.io.approvals_reader import Unreadable
from desktop.io.writers.xlsx import Formats, fit_widths, new_workbook, print_setup, put

STATUS_WORDS = {"approved": "已批准", "rejected": "不同意", "returned": "退回修改", "pending": "待审批",
                "invalid": "表单有误"}


def write_decisions(path: str, outcome: ApprovalOutcome, unreadable: list[Unreadable], run_id: str,
                    files: list[str]) -> None:
    wb = new_workbook(path)
    fm = Formats(wb)
    note = f"运行编号 {run_id}"

    ws = wb.add_worksheet("最终授信清单")
    header = ["客户编号", "客户名称", "状态", "核定账期(天)", "核定额度(元)", "核定等级", "审批人", "审批日期", "表单编号", "说明"]
    ws.write_row(0, 0, header, fm.header)
    rows = []
    for r, f in enumerate(outcome.finals, start=1):
        row = [f.customer_id, f.name, STATUS_WORDS[f.status], f.approved_term_days, f.approved_limit, f.final_level,
               "、".join(dict.fromkeys(f.approvers)), f.decided_on, "、".join(f.forms), "；".join(f.notes)]
        rows.append(row)
        fmts = [fm.text, fm.text, fm.text, fm.int, fm.money, fm.text, fm.text, fm.date, fm.text, fm.text]
        for c, v in enumerate(row):
            put(ws, r, c, v, fmts[c])
    fit_widths(ws, header, rows)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    print_setup(ws, "最终授信清单", note)

    ws = wb.add_worksheet("问题清单")
    header = ["级别", "文件", "工作表", "表单编号", "单元格", "问题"]
    ws.write_row(0, 0, header, fm.header)
    rows = [["错误" if p.severity == "error" else "提示", p.file, p.sheet, p.form_id, p.cell, p.problem]
            for p in outcome.problems]
    rows += [["错误", u.file, u.sheet, "", "", u.problem] for u in unreadable]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            put(ws, r, c, v, fm.text)
    fit_widths(ws, header, rows, max_w=70)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    print_setup(ws, "问题清单", note)

    ws = wb.add_worksheet("审批记录")
    header = ["表单编号", "表单", "客户编号", "审批结论", "签字人", "日期", "核定账期(天)", "核定额度(元)", "核定等级",
              "运行编号", "文件", "工作表", "错误数"]
    ws.write_row(0, 0, header, fm.header)
    rows = []
    for rec in outcome.records:
        rows.append([rec["form_id"], "信用等级评定申请表" if rec["form_type"] == CREDIT_APPLICATION else "特殊付款期限申请表",
                     rec["customer_id"], rec["decision"], "、".join(rec["signers"]), rec["date"],
                     rec["approved_term"], rec["approved_limit"], rec["final_level"], rec["run_id"], rec["file"],
                     rec["sheet"], rec["errors"]])
    fmts = [fm.text] * 5 + [fm.date, fm.int, fm.money] + [fm.text] * 4 + [fm.int]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            put(ws, r, c, v, fmts[c])
    base = len(rows) + 2
    ws.write_string(base, 0, "读取的文件", fm.label)
    for n, name in enumerate(files):
        put(ws, base + 1 + n, 0, name, fm.text)
    fit_widths(ws, header, rows)
    ws.freeze_panes(1, 1)
    print_setup(ws, "审批记录", note)
    wb.close()
