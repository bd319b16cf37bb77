"""The parts every audit sheet shares (results, back-test, comparison): a list of facts and the
table of the input files read, each with its SHA-256 and its row reconciliation."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from desktop.io.sheets import SheetSource
from desktop.io.writers.labels import Labels
from desktop.io.writers.xlsx import Formats, put


def write_facts(ws, fm: Formats, facts: Iterable[tuple[str, Any]], r: int) -> int:
    """One fact a row from row ``r``: its label (worded already) in bold, its value as :func:`put`
    writes it (dates and times formatted). Returns the row after the last."""
    for label, value in facts:
        ws.write_string(r, 0, label, fm.label)
        put(ws, r, 1, value, fm.datetime if isinstance(value, datetime) else
            (fm.date if hasattr(value, "isoformat") else fm.text))
        r += 1
    return r


def write_inputs(ws, fm: Formats, lab: Labels, sheets: Iterable[SheetSource], r: int) -> int:
    """The input files read, from row ``r`` (a section title, a header, a row a sheet): file, sheet,
    kind, header row, rows read / used / rejected / blank, a live check that read = used +
    rejected, and the file's SHA-256. Returns the last row written."""
    ws.write_string(r, 0, lab("inputs"), fm.section)
    r += 1
    header = [lab(k) for k in ("file", "sheet", "kind", "header_row", "rows_read", "rows_used",
                               "rows_rejected", "blank_rows", "reconciles", "sha256")]
    ws.write_row(r, 0, header, fm.header)
    for s in sheets:
        r += 1
        row = [s.file, s.sheet, lab(f"kind.{s.kind}"), s.header_row, s.rows_read, s.rows_used,
               s.rows_rejected, s.blank_rows]
        for c, v in enumerate(row):
            put(ws, r, c, v, fm.int if isinstance(v, int) else fm.text)
        ok = s.rows_read == s.rows_used + s.rows_rejected
        e, f, g = (xl_rowcol_to_cell(r, c) for c in (4, 5, 6))
        ws.write_formula(r, 8, f'=IF({e}={f}+{g},"✓","✗")', fm.text, "✓" if ok else "✗")
        put(ws, r, 9, s.sha256, fm.text)
    return r
