"""The decisions workbook: final approved terms and limits, problems found, approvals audit,
in the language the forms were printed in, every text from the catalogue (labels.py)."""

from __future__ import annotations

from desktop.core.forms import CREDIT_APPLICATION
from desktop.io.writers.labels import Labels, approval_text
from desktop.io.writers.xlsx import Formats, fit_widths, new_workbook, print_setup, put


def write_decisions(path: str, checked, problems: list[dict], files: list[str], lang: str = "zh") -> None:
    """``checked``: services.Checked; ``problems``: services.problem_rows in ``lang``."""
    lab = Labels(lang)
    outcome = checked.outcome
    wb = new_workbook(path)
    fm = Formats(wb)
    note = f"{lab('run_id')} {checked.run_id}"

    title = lab("decisions.sheet.finals")
    ws = wb.add_worksheet(title)
    header = [lab(f"decisions.{k}") for k in ("customer_id", "name", "status", "term", "limit", "level",
                                              "approvers", "date", "forms", "notes")]
    ws.write_row(0, 0, header, fm.header)
    rows = []
    fmts = [fm.text, fm.text, fm.text, fm.int, fm.money, fm.text, fm.text, fm.date, fm.text, fm.text]
    for r, f in enumerate(outcome.finals, start=1):
        row = [f.customer_id, f.name, lab(f"status.{f.status}"), f.approved_term_days, f.approved_limit,
               f.final_level, "、".join(dict.fromkeys(f.approvers)), f.decided_on, "、".join(f.forms),
               "；".join(approval_text(code, args, lang) for code, args in f.notes)]
        rows.append(row)
        for c, v in enumerate(row):
            put(ws, r, c, v, fmts[c])
    fit_widths(ws, header, rows, max_w=60)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    print_setup(ws, title, note)

    title = lab("decisions.sheet.problems")
    ws = wb.add_worksheet(title)
    header = [lab(k) for k in ("severity", "file", "sheet")] + [lab("decisions.forms"), lab("decisions.cell"),
                                                                 lab("problem")]
    ws.write_row(0, 0, header, fm.header)
    severity = {"error": lab("severity.approval_error"), "warning": lab("severity.approval_warning"),
                "note": lab("severity.note")}
    rows = [[severity[p["severity"]], p["file"], p["sheet"], p["form_id"], p["cell"], p["problem"]]
            for p in problems]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            put(ws, r, c, v, fm.wrap if c == 5 else fm.text)
    fit_widths(ws, header, rows, max_w=70)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    print_setup(ws, title, note)

    title = lab("decisions.sheet.records")
    ws = wb.add_worksheet(title)
    header = [lab(f"decisions.{k}") for k in ("forms", "form", "customer_id", "decision", "approvers", "date",
                                              "term", "limit", "level")] + \
        [lab("run_id"), lab("file"), lab("sheet"), lab("decisions.errors")]
    ws.write_row(0, 0, header, fm.header)
    rows = []
    for rec in outcome.records:
        rows.append([rec["form_id"], lab("decisions.form.application" if rec["form_type"] == CREDIT_APPLICATION
                                         else "decisions.form.special"),
                     rec["customer_id"], rec["decision"], "、".join(rec["signers"]), rec["date"],
                     rec["approved_term"], rec["approved_limit"], rec["final_level"], rec["run_id"], rec["file"],
                     rec["sheet"], rec["errors"]])
    fmts = [fm.text] * 5 + [fm.date, fm.int, fm.money] + [fm.text] * 4 + [fm.int]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            put(ws, r, c, v, fmts[c])
    base = len(rows) + 2
    ws.write_string(base, 0, lab("decisions.files_read"), fm.label)
    for n, name in enumerate(files):
        put(ws, base + 1 + n, 0, name, fm.text)
    ws.write_string(base + len(files) + 2, 0, lab(f"decisions.checked_against.{checked.source}"), fm.text)
    fit_widths(ws, header, rows)
    ws.freeze_panes(1, 1)
    print_setup(ws, title, note)
    wb.close()
