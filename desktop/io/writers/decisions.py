"""The decisions workbook: final approved terms and limits, problems found, approvals audit,
in the language the forms were printed in, every text from the catalogue (labels.py)."""

from __future__ import annotations

from desktop.core.forms import CREDIT_APPLICATION
from desktop.io.writers.labels import Labels, approval_text
from desktop.io.writers.xlsx import (
    Formats,
    col_width_px,
    fit_text_widths,
    new_workbook,
    print_setup,
    put,
    row_height_pt,
)

# Columns that wrap, and the width (characters) they are held to, so every sheet prints one
# page wide: approvers, notes and problems over several lines. The form IDs of each decision are
# on the 审批记录 sheet, one row a form, not on the final list (two IDs do not fit across it).
WRAPPED = {"finals": {6: 12, 8: 34}, "problems": {0: 11, 5: 52}, "records": {1: 20}}


def _wrapped_rows(ws, rows: list[list], formats: list, widths: dict[int, int], first: int = 1) -> None:
    """Hold the wrapped columns to their widths and give each row the height its texts need."""
    for c, w in widths.items():
        ws.set_column(c, c, w)
    for r, row in enumerate(rows, start=first):
        ws.set_row(r, row_height_pt((row[c], col_width_px(w), formats[c]) for c, w in widths.items()))


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
                                              "approvers", "date", "notes")]
    ws.write_row(0, 0, header, fm.header)
    rows = []
    fmts = [fm.text, fm.text, fm.text, fm.int, fm.money, fm.text, fm.wrap, fm.date, fm.wrap]
    sep = "；" if lang == "zh" else "; "
    for r, f in enumerate(outcome.finals, start=1):
        row = [f.customer_id, f.name, lab(f"status.{f.status}"), f.approved_term_days, f.approved_limit,
               f.final_level, "、".join(dict.fromkeys(f.approvers)), f.decided_on, sep.join(approval_text(code, args, lang) for code, args in f.notes)]
        rows.append(row)
        for c, v in enumerate(row):
            put(ws, r, c, v, fmts[c])
    fit_text_widths(ws, header, rows, max_w=24, header_format=fm.header)
    _wrapped_rows(ws, rows, fmts, WRAPPED["finals"])
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
    fmts = [fm.wrap] + [fm.text] * 4 + [fm.wrap]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            put(ws, r, c, v, fmts[c])
    fit_text_widths(ws, header, rows, max_w=30, header_format=fm.header)
    _wrapped_rows(ws, rows, fmts, WRAPPED["problems"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    print_setup(ws, title, note)

    title = lab("decisions.sheet.records")
    ws = wb.add_worksheet(title)
    header = [lab(f"decisions.{k}") for k in ("forms", "form", "customer_id", "decision", "approvers", "date",
                                              "term", "limit", "level")] + \
        [lab("file"), lab("sheet"), lab("decisions.errors")]  # the run is the footer's: only its forms are here
    ws.write_row(0, 0, header, fm.header)
    rows = []
    for rec in outcome.records:
        rows.append([rec["form_id"], lab("decisions.form.application" if rec["form_type"] == CREDIT_APPLICATION
                                         else "decisions.form.special"),
                     rec["customer_id"], rec["decision"], "、".join(rec["signers"]), rec["date"],
                     rec["approved_term"], rec["approved_limit"], rec["final_level"], rec["file"],
                     rec["sheet"], rec["errors"]])
    fmts = [fm.text, fm.wrap] + [fm.text] * 3 + [fm.date, fm.int, fm.money] + [fm.text] * 3 + [fm.int]
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            put(ws, r, c, v, fmts[c])
    fit_text_widths(ws, header, rows, header_format=fm.header)
    _wrapped_rows(ws, rows, fmts, WRAPPED["records"])
    base = len(rows) + 2  # below the list, each line across the sheet's first columns
    ws.merge_range(base, 0, base, 5, lab("decisions.files_read"), fm.label)
    for n, name in enumerate(files):
        ws.merge_range(base + 1 + n, 0, base + 1 + n, 5, None, fm.text)
        put(ws, base + 1 + n, 0, name, fm.text)
    ws.merge_range(base + len(files) + 2, 0, base + len(files) + 2, 8,
                   lab(f"decisions.checked_against.{checked.source}"), fm.text)
    ws.freeze_panes(1, 1)
    print_setup(ws, title, note, repeat_cols=1)  # the form ID on every page
    wb.close()
