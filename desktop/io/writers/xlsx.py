"""Shared xlsxwriter helpers: one set of formats per workbook, safe cell writing, widths."""

from __future__ import annotations

import math
import unicodedata
from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

EXCEL_CELL_CHARS = 32767
FONT = "等线"  # DengXian: Excel's default CJK UI font; LibreOffice falls back to a CJK font
LEVEL_COLOURS = {"AAA": "#1E7B34", "AA": "#4CA64C", "A": "#A9D18E", "B": "#FFD966", "C": "#E06666"}
LEVEL_FONT = {"AAA": "#FFFFFF", "AA": "#FFFFFF", "A": "#000000", "B": "#000000", "C": "#FFFFFF"}


class ClassicFormulaWorksheet(Worksheet):
    """A worksheet for formulas that use only functions every Excel since 2007 knows.

    xlsxwriter runs some 30 regular expressions over each formula to prefix dynamic-array
    functions (FILTER, XLOOKUP, ...) with ``_xlfn.``; on a results sheet with three formulas a
    row that pass costs more than writing the rest of the row. Our formulas (SUM, INDEX,
    MATCH, IF, AND, COUNTIF) need no prefix, so the pass is skipped; a test checks that the
    stock method returns the same text for every formula we write.
    """

    def _prepare_formula(self, formula, expand_future_functions=False):  # noqa: ARG002 (same signature)
        if formula.startswith("="):
            formula = formula[1:]
        return formula


def new_workbook(path: str, constant_memory: bool = False, in_memory: bool = False) -> xlsxwriter.Workbook:
    """A workbook that never turns text into formulas, numbers or URLs.

    ``constant_memory``: each row goes to disk when the next one starts, so a sheet of a
    hundred thousand rows does not sit in memory; rows must then be written in order (a
    cell written to an earlier row would be lost), which the writers using it do.
    """
    wb = xlsxwriter.Workbook(path, {
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd", "nan_inf_to_errors": True, "constant_memory": constant_memory,
        "in_memory": in_memory,
        "default_format_properties": {"font_name": FONT, "font_size": 10},
    })
    wb.worksheet_class = ClassicFormulaWorksheet
    return wb


class Formats:
    """The formats a workbook uses, created once."""

    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
        self.text = wb.add_format(base)
        self.wrap = wb.add_format({**base, "text_wrap": True})
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1,
                                     "text_wrap": True, "align": "center"})
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.section = wb.add_format({**base, "bold": True, "font_size": 11, "font_color": "#1F4E78"})
        self.label = wb.add_format({**base, "bold": True})
        self.int = wb.add_format({**base, "num_format": "#,##0"})
        self.money = wb.add_format({**base, "num_format": "#,##0.00"})
        self.money0 = wb.add_format({**base, "num_format": "#,##0"})
        self.dec1 = wb.add_format({**base, "num_format": "0.0"})
        self.dec2 = wb.add_format({**base, "num_format": "0.00"})
        self.pct = wb.add_format({**base, "num_format": "0.0%"})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.datetime = wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm:ss"})
        self.total = wb.add_format({**base, "bold": True, "top": 1, "num_format": "#,##0.00"})
        self.total_label = wb.add_format({**base, "bold": True, "top": 1})
        self.level = {lv: wb.add_format({"bg_color": c, "font_color": LEVEL_FONT[lv], "bold": True})
                      for lv, c in LEVEL_COLOURS.items()}
        self.level_cell = wb.add_format({**base, "bold": True, "align": "center"})
        self.note = wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True})


def put(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """Write one cell by its Python type. Text is always text, never a formula."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and math.isinf(value):
            ws.write_string(row, col, "∞", fmt)
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    else:
        text = str(value)
        if len(text) > EXCEL_CELL_CHARS:  # Excel's limit; longer text would be cut silently
            text = text[: EXCEL_CELL_CHARS - 1] + "…"
        ws.write_string(row, col, text, fmt)


def display_width(value: Any) -> int:
    """Approximate column width of a value: CJK characters count double."""
    if value is None:
        return 0
    if isinstance(value, float):
        text = f"{value:,.2f}"
    elif isinstance(value, (date, datetime)):
        text = "2026-01-01"
    else:
        text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_widths(ws, header: list[str], rows: list[list[Any]], min_w: int = 6, max_w: int = 40) -> None:
    """Column widths from the header and (a sample of) the values."""
    sample = rows[:2000]
    for c, h in enumerate(header):
        w = max([min(display_width(h), 24)] + [display_width(r[c]) for r in sample if c < len(r)])
        ws.set_column(c, c, max(min_w, min(max_w, w + 2)))


def print_setup(ws, title: str, footer_note: str, pages_wide: int = 1, landscape: bool = True,
                repeat_header: bool = True, repeat_cols: int = 0) -> None:
    """A4, fitted to ``pages_wide`` pages across, titles repeated, page numbers in the footer."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(pages_wide, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    if repeat_header:
        ws.repeat_rows(0)
    if repeat_cols:
        ws.repeat_columns(0, repeat_cols - 1)
    safe = lambda s: s.replace("&", "&&")  # noqa: E731  (& starts a header/footer code)
    ws.set_header(f"&L&\"等线,Bold\"{safe(title)}&R&D")
    ws.set_footer(f"&L{safe(footer_note)}&R&P / &N")
