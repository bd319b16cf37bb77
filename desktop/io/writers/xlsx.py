"""Shared xlsxwriter helpers: one set of formats per workbook, safe cell writing, widths."""

from __future__ import annotations

import functools
import io
import math
import numbers
import os
import re
import shutil
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import xlsxwriter
from xlsxwriter.exceptions import DuplicateWorksheetName
from xlsxwriter.utility import _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

EXCEL_CELL_CHARS = 32767
FONT = "等线"  # DengXian: Excel's default CJK UI font; LibreOffice falls back to a CJK font
LEVEL_COLOURS = {"AAA": "#1E7B34", "AA": "#4CA64C", "A": "#A9D18E", "B": "#FFD966", "C": "#E06666"}
LEVEL_FONT = {"AAA": "#FFFFFF", "AA": "#FFFFFF", "A": "#000000", "B": "#000000", "C": "#FFFFFF"}


class Formula(NamedTuple):
    """A formula cell for :meth:`FastWorksheet.write_cells`, with the value it calculates to."""

    text: str
    value: Any


class Shared(NamedTuple):
    """A cell of a shared formula (one formula for a whole column, as Excel itself writes long
    columns): the first cell carries the formula as written for its own row and ``ref``, the
    range sharing it; every cell below carries only the group number ``si`` and its value.
    The references shift with the row as if the formula had been filled down."""

    si: int
    value: Any
    text: str | None = None  # first cell only
    ref: str | None = None  # first cell only, e.g. "D2:D100001"


class SharedColumn(NamedTuple):
    """A column of :meth:`FastWorksheet.write_columns` that is one shared formula: the group
    number, the formula as written for its first row ``first`` (0-based), and the range."""

    si: int
    text: str
    ref: str
    first: int


_WHOLE = frozenset((int,))
_NUMBER = frozenset((int, float))
_EXACT_INT = 2 ** 53  # every whole number up to it is a double


_PLAIN_TYPES = frozenset((str, float, int, type(None), Formula, Shared, bool))  # written without conversion
# Text that xlsxwriter would change on the way into the XML: markup characters, control
# characters (written as _xHHHH_), a literal _xHHHH_ (escaped itself) and the two non-characters.
_NEEDS_ESCAPE = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_SHORT_TEXT = EXCEL_CELL_CHARS // 2  # no shorter text can be over the limit in UTF-16 units
_ERROR_VALUES = frozenset(("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"))


class FastWorksheet(Worksheet):
    """xlsxwriter's worksheet with two shortcuts for the large sheets of the results workbook.

    - Formulas: xlsxwriter runs some 30 regular expressions over each formula to prefix
      dynamic-array functions (FILTER, XLOOKUP, ...). Our formulas use only functions every
      Excel since 2007 knows (SUM, SUMPRODUCT, INDEX, MATCH, IF, IFERROR, AND, OR, MID, ROUND,
      INT, EDATE, COUNTIF), so the pass is skipped; a
      test checks that the stock method returns the same text for every formula we write.
    - :meth:`write_cells` writes a whole row straight to the sheet's XML in constant-memory
      mode. The stock path costs about 5 µs a cell (a call with argument checks, a tuple kept
      until the row ends, then a second pass that builds the cell's XML attribute by
      attribute); a results workbook of 100,000 customers has 8 million cells. The XML it
      writes is byte for byte what :func:`put` writes through the stock calls (a test compares
      them for every kind of cell), except text that looks like rich-text markup ("<r>…</r>"),
      which put writes in fragments and this escapes: both read back as the same text.
    """

    def _prepare_formula(self, formula, expand_future_functions=False):  # noqa: ARG002 (same signature)
        if formula.startswith("="):
            formula = formula[1:]
        return formula

    def write_cells(self, row: int, values: Sequence[Any], formats: Sequence[Any]) -> None:
        """Write ``values`` to columns 0.. of ``row``, each with its format (``None``: the column's).

        Values are written as :func:`put` writes them: text always as text, ``None`` and NaN as
        a blank (kept only with a format), numbers, dates, and :class:`Formula` cells. Rows
        must come in order (constant-memory mode writes each row to disk as it goes).
        """
        self._start_rows(row, row, len(values))
        letters = self._letters(len(values))
        xfs = self._xf_attributes(formats)
        info = self.row_info.get(row)
        if info is not None and info.row_format:
            info.row_format._get_xf_index()  # numbered before the cells', as in xlsxwriter
        r = str(row + 1)
        skipped = False
        parts = []
        add = parts.append
        cell = self._cell_xml
        for c, v in enumerate(values):
            s = xfs[c]
            if s is None:  # formats get their numbers in the order cells use them, as in xlsxwriter
                if formats[c] is None:
                    s = self._fallback_xf(row, c)
                else:
                    s = xfs[c] = f' s="{formats[c]._get_xf_index()}"'
            x = cell(letters[c] + r, s, v, formats[c])
            if x is None:
                skipped = True
            else:
                add(x)
        if parts:
            kept = [c for c, v in enumerate(values) if formats[c] is not None or not (v is None or v != v)] \
                if skipped else (0, len(values) - 1)
            self._check_dimensions(row, kept[0])
            self._check_dimensions(row, kept[-1])
            self._write_row(row, None, info)
            self.fh.write("".join(parts))
            self._xml_end_tag("row")
        elif info is not None:
            self._write_empty_row(row, None, info)
        self.previous_row = row + 1  # this row is on disk: the next flush starts after it

    def _start_rows(self, first: int, last: int, width: int) -> None:
        """Check that rows ``first``..``last`` can be written now, and put on disk the row the
        stock calls wrote before them, if any."""
        if not self.constant_memory:
            raise ValueError("write_cells needs a constant-memory workbook")
        if first < self.previous_row or (first == self.previous_row and self.table.get(first)):
            raise ValueError(f"row {first + 1} of sheet {self.name} was already written")
        if last >= self.xls_rowmax or width > self.xls_colmax:
            raise ValueError(f"sheet {self.name}: more rows or columns than a worksheet holds "
                             f"(row {last + 1}, {width} columns)")
        if first > self.previous_row:
            self._write_single_row(first)

    def _cell_xml(self, ref: str, s: str, v: Any, fmt: Any) -> str | None:
        """The XML of one cell as :meth:`write_cells` writes it (``s``: its ` s="N"` attribute);
        ``None`` for a blank without a format, which is not written."""
        t = type(v)
        if t not in _PLAIN_TYPES:  # dates, numpy's numbers and anything else, as put writes them
            if isinstance(v, (datetime, date)):
                if fmt is None and self.default_date_format is not None:
                    s = f' s="{self.default_date_format._get_xf_index()}"'  # as write_datetime
                v, t = self._convert_date_time(v), float
            elif isinstance(v, numbers.Real):
                v, t = float(v), float
            else:
                v, t = str(v), str
        if t is str:  # escaped as xlsxwriter escapes it; most text needs none of it
            if len(v) > _SHORT_TEXT:
                v = fit_text(v)
            if _NEEDS_ESCAPE.search(v):
                v = self._escape_data(self._escape_control_characters(v))
            keep = ' xml:space="preserve"' if v[:1].isspace() or v[-1:].isspace() else ""
            return f'<c r="{ref}"{s} t="inlineStr"><is><t{keep}>{v}</t></is></c>'
        if t is float:
            if v != v:  # NaN: a blank
                return None if fmt is None else f'<c r="{ref}"{s}/>'
            if v == math.inf or v == -math.inf:
                return f'<c r="{ref}"{s} t="inlineStr"><is><t>∞</t></is></c>'
            return f'<c r="{ref}"{s}><v>{v:.16G}</v></c>'
        if t is int:
            return f'<c r="{ref}"{s}><v>{v:.16G}</v></c>'
        if v is None:  # as write_blank: a blank cell is kept only for its format
            return None if fmt is None else f'<c r="{ref}"{s}/>'
        if t is Formula or t is Shared:
            value = 0 if v.value is None else v.value
            if isinstance(value, bool):
                s, value = s + ' t="b"', int(value)
            elif isinstance(value, str):
                if value in _ERROR_VALUES:
                    s += ' t="e"'
                elif value:
                    s += ' t="str"'
                value = self._escape_data(value)
            if t is Formula:
                f = f'<f>{self._escape_data(self._prepare_formula(v.text))}</f>'
            elif v.text is None:
                f = f'<f t="shared" si="{v.si}"/>'
            else:
                f = (f'<f t="shared" ref="{v.ref}" si="{v.si}">'
                     f'{self._escape_data(self._prepare_formula(v.text))}</f>')
            return f'<c r="{ref}"{s}>{f}<v>{value}</v></c>'
        return f'<c r="{ref}"{s} t="inlineStr"><is><t>{"是" if v else "否"}</t></is></c>'  # bool

    def write_columns(self, row: int, columns: Sequence[Sequence[Any]], formats: Sequence[Any],
                      shared: Mapping[int, SharedColumn] | None = None) -> None:
        """Write a block of rows from its columns: ``columns[c][k]`` is the cell of column ``c`` in
        row ``row + k``. The XML is byte for byte what :meth:`write_cells` writes row by row (a
        test compares them), built a column at a time (see :meth:`_column_xml`).

        ``shared``: the columns that are one shared formula; their values are the formula's
        cached values, and the row ``SharedColumn.first`` carries the formula's text.
        Every column needs a format here; rows with a height or format of their own, and a
        block with a column without a format, are written through :meth:`write_cells`.
        """
        shared = shared or {}
        k = len(columns[0]) if columns else 0
        if not k:
            return
        last = row + k - 1

        def cells_of(r: int) -> list[Any]:
            out = []
            for c, col in enumerate(columns):
                v = col[r - row]
                sc = shared.get(c)
                if sc is not None:
                    v = Shared(sc.si, v, sc.text, sc.ref) if r == sc.first else Shared(sc.si, v)
                out.append(v)
            return out

        if any(f is None for f in formats) or any(r in self.row_info for r in range(row, last + 1)):
            for r in range(row, last + 1):
                self.write_cells(r, cells_of(r), formats)
            return
        self._start_rows(row, last, len(columns))
        letters = self._letters(len(columns))
        numbers_ = [str(r + 1) for r in range(row, last + 1)]
        xml = []
        for c, col in enumerate(columns):
            s = f' s="{formats[c]._get_xf_index()}"'  # numbered in column order, as the first row's cells
            xml.append(self._column_xml(letters[c], s, col, numbers_, formats[c], shared.get(c), row))
        opening = io.StringIO()
        self.fh, fh = opening, self.fh
        try:
            self._write_row(row, None)
        finally:
            self.fh = fh
        head, tail = opening.getvalue().split(f' r="{row + 1}"', 1)
        self._check_dimensions(row, 0)
        self._check_dimensions(last, len(columns) - 1)
        self.fh.write("".join([f'{head} r="{n}"{tail}' + "".join(cells) + "</row>"
                               for n, cells in zip(numbers_, zip(*xml))]))
        self.previous_row = last + 1

    def _column_xml(self, letter: str, s: str, values: Sequence[Any], numbers_: list[str], fmt: Any,
                    sc: SharedColumn | None, row: int) -> list[str]:
        """Each cell's XML of one column of a block (every cell has a format: none is skipped).

        Numbers are formatted in one pass. Any other value's XML is the same in every row but for
        the cell reference, so it is made once per distinct value (by :meth:`_cell_xml`) and only
        the reference is put in front of it: most such columns hold a few levels, words or dates.
        """
        kinds = set(map(type, values))
        if sc is None and kinds <= _WHOLE and -_EXACT_INT <= min(values) and max(values) <= _EXACT_INT:
            # a whole number a double holds exactly is written as Python writes it: the same digits
            # as {:.16G}, in less than half the time
            return [f'<c r="{letter}{n}"{s}><v>{v}</v></c>' for n, v in zip(numbers_, values)]
        if sc is None and kinds <= _NUMBER and all(map(math.isfinite, values)):
            return [f'<c r="{letter}{n}"{s}><v>{v:.16G}</v></c>' for n, v in zip(numbers_, values)]
        cell, memo = self._cell_xml, {}
        head = len('<c r=""')

        def rest(v: Any) -> str:  # the cell's XML after its reference and format
            key = (type(v), v)  # 1, 1.0 and True are equal keys of a dict, but not the same cell
            x = memo.get(key)
            if x is None:
                x = memo[key] = cell("", "", v if sc is None else Shared(sc.si, v), fmt)[head:]
            return x

        if sc is None:
            out = [f'<c r="{letter}{n}"{s}><v>{v:.16G}</v></c>'
                   if type(v) is int or (type(v) is float and math.isfinite(v)) else f'<c r="{letter}{n}"{s}{rest(v)}'
                   for n, v in zip(numbers_, values)]
        else:
            out = [f'<c r="{letter}{n}"{s}><f t="shared" si="{sc.si}"/><v>{v}</v></c>'
                   if type(v) is int or type(v) is float else f'<c r="{letter}{n}"{s}{rest(v)}'
                   for n, v in zip(numbers_, values)]
            k = sc.first - row
            if 0 <= k < len(values):  # the formula's first row carries its text
                out[k] = cell(letter + numbers_[k], s, Shared(sc.si, values[k], sc.text, sc.ref), fmt)
        return out

    def _write_optimized_sheet_data(self) -> None:
        """The rows kept on disk (constant-memory mode) copied into the sheet's XML as bytes.

        xlsxwriter reads them back as text and writes the text again: 300 MB of XML for a results
        workbook of 100,000 customers decoded from UTF-8 and encoded again, for the same bytes.
        The row file of a sheet without rows is closed and removed too (xlsxwriter leaves it open,
        which on Windows keeps the job's scratch folder from being removed)."""
        fh, rows = self.fh, self.row_data_fh
        if not hasattr(fh, "buffer") or not hasattr(rows, "buffer"):
            super()._write_optimized_sheet_data()
            return
        if self.dim_rowmin is None:  # no rows: xlsxwriter left the row file open and on disk
            self._xml_empty_tag("sheetData")
            rows.close()
            os.unlink(self.row_data_filename)
            return
        self._xml_start_tag("sheetData")
        fh.flush()
        rows.flush()
        rows.seek(0)
        shutil.copyfileobj(rows.buffer, fh.buffer, 1 << 20)
        rows.close()
        os.unlink(self.row_data_filename)
        self._xml_end_tag("sheetData")

    def _letters(self, n: int) -> list[str]:
        cached = getattr(self, "_col_letters", None)
        if cached is None or len(cached) < n:
            cached = self._col_letters = [xl_col_to_name(c) for c in range(max(n, 64))]
        return cached

    def _xf_attributes(self, formats: Sequence[Any]) -> list[str | None]:
        """The ` s="N"` attribute of each cell format, kept while rows use the same list of formats."""
        cached = getattr(self, "_xf_cache", None)
        if cached is not None and cached[0] is formats:
            return cached[1]
        attrs: list[str | None] = [None] * len(formats)
        self._xf_cache = (formats, attrs)
        return attrs

    def _fallback_xf(self, row: int, col: int) -> str:
        """As xlsxwriter: a cell without a format of its own takes its row's, else its column's."""
        info = self.row_info.get(row)
        fmt = info.row_format if info is not None and info.row_format else None
        if fmt is None and col in self.col_info:
            fmt = self.col_info[col].column_format
        return "" if fmt is None else f' s="{fmt._get_xf_index()}"'


ZIP_LEVEL = 1


class _QuickZip(zipfile.ZipFile):
    """The workbook's package, deflated at level 1 instead of zlib's default 6.

    The XML of a results workbook for 100,000 customers is 345 MB; level 6 took 6.0 s to pack
    it into 43 MB, level 1 takes 1.8 s for 58 MB. xlsxwriter has no setting for it.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("compresslevel", ZIP_LEVEL)
        super().__init__(*args, **kwargs)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        # xlsxwriter's in-memory mode hands over ZipInfo objects, which ignore the archive's level
        return super().writestr(zinfo_or_arcname, data, compress_type,
                                self.compresslevel if compresslevel is None else compresslevel)


class Workbook(xlsxwriter.Workbook):
    """xlsxwriter's workbook with our worksheets and the quicker packing."""

    worksheet_class = FastWorksheet

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._names_taken: set[str] = set()  # every sheet's name, lower case

    def _check_sheetname(self, sheetname, is_chartsheet=False):
        # xlsxwriter checks a new name against every sheet's, lower-casing both each time: for an
        # approval workbook of 5,000 forms that is 12.5 million comparisons (about 4 s). The
        # stock check runs without that loop and the uniqueness (case ignored, as in Excel) is
        # looked up in a set.
        sheets, self.worksheets_objs = self.worksheets_objs, []
        try:
            name = super()._check_sheetname(sheetname, is_chartsheet)
        finally:
            self.worksheets_objs = sheets
        if name.lower() in self._names_taken:
            raise DuplicateWorksheetName(f"Sheetname '{name}', with case ignored, is already in use.")
        self._names_taken.add(name.lower())
        return name

    def _store_workbook(self) -> None:
        import xlsxwriter.workbook as module

        stock = module.ZipFile
        module.ZipFile = _QuickZip  # the name xlsxwriter packs with, for this call only
        try:
            super()._store_workbook()
        finally:
            module.ZipFile = stock


Tick = Callable[[], None]
TICK_ROWS = 2000  # rows between two cancel checkpoints: about 10 ms of writing


def no_tick() -> None:
    return None


def ticking[T](rows: Iterable[T], tick: Tick, every: int = TICK_ROWS) -> Iterator[T]:
    """``rows``, calling ``tick()`` (the job's cancel checkpoint) before every ``every``-th one."""
    if tick is no_tick:
        yield from rows
        return
    for n, row in enumerate(rows):
        if n % every == 0:
            tick()
        yield row


def write_rows(ws: FastWorksheet, row: int, rows: Sequence[Sequence[Any]], formats: Sequence[Any],
               tick: Tick = no_tick) -> None:
    """``rows`` from sheet row ``row`` down, a block of ``TICK_ROWS`` at a time through
    :meth:`FastWorksheet.write_columns` (the job's cancel checkpoint before each block)."""
    for start in ticking(range(0, len(rows), TICK_ROWS), tick, every=1):
        ws.write_columns(row + start, list(zip(*rows[start:start + TICK_ROWS])), formats)


def abandon(wb: Workbook) -> None:
    """Close the temporary files of a workbook that will not be finished (cancelled, failed).

    In constant-memory mode every sheet keeps its rows in an open temporary file until
    ``close()``; left open they could not be removed (Windows) and would leak a handle each.
    """
    for ws in wb.worksheets():
        fh = getattr(ws, "row_data_fh", None)
        if fh is not None and not getattr(ws, "row_data_fh_closed", False):
            try:
                fh.close()
            except OSError:
                pass
            ws.row_data_fh_closed = True


def new_workbook(path: str, constant_memory: bool = False, in_memory: bool = False) -> Workbook:
    """A workbook that never turns text into formulas, numbers or URLs.

    ``constant_memory``: each row goes to disk when the next one starts, so a sheet of a
    hundred thousand rows does not sit in memory; rows must then be written in order (a
    cell written to an earlier row would be lost), which the writers using it do.
    """
    from desktop.io.safe_write import current_scratch
    scratch = current_scratch()  # the job's private folder: nothing of xlsxwriter's is left elsewhere
    return Workbook(path, {
        **({"tmpdir": str(scratch)} if scratch is not None else {}),
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd", "nan_inf_to_errors": True, "constant_memory": constant_memory,
        "in_memory": in_memory,
        "default_format_properties": {"font_name": FONT, "font_size": 10},
    })


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
        self.dec4 = wb.add_format({**base, "num_format": "0.0000"})
        self.pct = wb.add_format({**base, "num_format": "0.0%"})
        self.num = wb.add_format({**base, "num_format": "General"})
        # A ratio over a zero denominator is written as 1E+307 (above every band edge): shown as ∞.
        self.ratio_pct = wb.add_format({**base, "num_format": '[>=1E+300]"∞";0.00%'})
        self.ratio_dec = wb.add_format({**base, "num_format": '[>=1E+300]"∞";0.00'})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        self.datetime = wb.add_format({**base, "num_format": "yyyy-mm-dd hh:mm:ss"})
        self.total = wb.add_format({**base, "bold": True, "top": 1, "num_format": "#,##0.00"})
        self.total_label = wb.add_format({**base, "bold": True, "top": 1})
        self.level = {lv: wb.add_format({"bg_color": c, "font_color": LEVEL_FONT[lv], "bold": True})
                      for lv, c in LEVEL_COLOURS.items()}
        self.level_cell = wb.add_format({**base, "bold": True, "align": "center"})
        self.note = wb.add_format({**base, "italic": True, "font_color": "#595959", "text_wrap": True})


def quote_sheet(sheet: str) -> str:
    """A sheet name as a formula refers to it: '评级结果' (quotes doubled inside)."""
    return "'" + sheet.replace("'", "''") + "'"


def formula_text(text: str) -> str:
    """Text as a string constant inside a formula ("" for a quote)."""
    return '"' + text.replace('"', '""') + '"'


def put(ws, row: int, col: int, value: Any, fmt=None) -> None:
    """Write one cell by its Python type. Text is always text, never a formula."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, numbers.Real):
        if math.isinf(value):
            ws.write_string(row, col, "∞", fmt)
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
    else:
        text = fit_text(str(value))
        if text.startswith("<r>") and text.endswith("</r>"):
            # xlsxwriter copies such text into the XML unescaped, as rich-text markup: a cell
            # reading "<r>x</r>" would come out empty. Written in plain fragments it stays text.
            ws.write_rich_string(row, col, text[:1], text[1:2], text[2:], *([fmt] if fmt else []))
        else:
            ws.write_string(row, col, text, fmt)


def fit_text(text: str) -> str:
    """Text within Excel's 32,767 UTF-16 units a cell, cut visibly ("…") rather than silently."""
    if len(text) > _SHORT_TEXT and _utf16_len(text) > EXCEL_CELL_CHARS:
        text = _utf16_truncate(text, EXCEL_CELL_CHARS - 1) + "…"
    return text


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
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_widths(ws, header: list[str], rows: list[list[Any]], min_w: int = 6, max_w: int = 40) -> None:
    """Column widths from the header and (a sample of) the values."""
    sample = rows[:2000]
    for c, h in enumerate(header):
        w = max([min(display_width(h), 24)] + [display_width(r[c]) for r in sample if c < len(r)])
        ws.set_column(c, c, max(min_w, min(max_w, w + 2)))


A4 = 9  # xlsxwriter's paper code
A4_PT = (595.28, 841.89)  # width and height of an A4 page, portrait, in points
SIDE_MARGIN_IN, TOP_MARGIN_IN = 0.4, 0.6
BODY_PT = 10  # the size of the workbooks' text (new_workbook, Formats)
MIN_PRINT_PT = 8  # the smallest text that reads comfortably on paper
PRINT_SCALE = math.ceil(100 * MIN_PRINT_PT / BODY_PT)  # per cent (80): no sheet prints smaller
PX_PT = 0.75  # points a pixel of column width prints at 100 % (96 pixels an inch)
# Of a page's printable width, what the columns may take by xlsxwriter's measure (7-pixel
# digits, Calibri 11's; Excel measures with the workbook's 等线 10 pt, assumed about as wide,
# not checked here). A program measuring with a wider font makes every column wider:
# LibreOffice without 等线 installed measures with DejaVu Sans, 21 % wider, and adds page breaks
# of its own (pages of one column) to a page filled beyond 1 / 1.21 (tests/test_printing.py fails).
PAGE_FILL = 0.8


def print_setup(ws, title: str, footer_note: str, landscape: bool = True, repeat_header: bool = True,
                repeat_cols: int = 0, groups: Iterable[int] = (), pages_wide: int | None = None) -> None:
    """A4, titles repeated, page numbers in the footer, the text printed at 8 pt or more.

    A sheet that fits one page wide at :data:`PRINT_SCALE` or more prints one page wide (at up
    to 100 %). A wider sheet prints at :data:`PRINT_SCALE` on pages of whole columns: vertical
    page breaks computed here from the column widths set so far (call this once the sheet's
    columns are set), the first ``repeat_cols`` columns repeated on every page, pages taken
    over, then down (the pages of one block of rows come one after the other, so a reader
    follows a row across them instead of leafing through the whole list). ``groups``: the
    first columns of the sheet's groups of columns; pages start at them wherever that takes
    no more pages than breaking anywhere.

    ``pages_wide``: the old behaviour, fitted to that many pages across whatever size the
    text comes to; only for a sheet that must be that many pages wide.
    """
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=SIDE_MARGIN_IN, right=SIDE_MARGIN_IN, top=TOP_MARGIN_IN, bottom=TOP_MARGIN_IN)
    if repeat_header:
        ws.repeat_rows(0)
    if pages_wide is not None:
        ws.fit_to_pages(pages_wide, 0)
    else:
        scale, breaks, repeat_cols = print_layout(ws, landscape, repeat_cols, groups)
        ws.set_print_scale(scale)
        if breaks:
            ws.set_v_pagebreaks(breaks)
            ws.print_across()
    if repeat_cols:
        ws.repeat_columns(0, repeat_cols - 1)
    safe = lambda s: s.replace("&", "&&")  # noqa: E731  (& starts a header/footer code)
    ws.set_header(f"&L&\"等线,Bold\"{safe(title)}&R&D")
    ws.set_footer(f"&L{safe(footer_note)}&R&P / &N")


def print_layout(ws, landscape: bool = True, repeat_cols: int = 0,
                 groups: Iterable[int] = ()) -> tuple[int, list[int], int]:
    """(print scale, vertical page breaks, columns to repeat) for :func:`print_setup`.

    A break is the first column of a new page. Charts count with the width they reach to.
    Without the sheet's column widths (a version of xlsxwriter that keeps them differently)
    the sheet prints at :data:`PRINT_SCALE` and the spreadsheet program breaks the pages
    itself, still between columns.
    """
    last = getattr(ws, "dim_colmax", None)
    if not isinstance(last, int):
        return 100, [], repeat_cols  # nothing written
    widths = column_widths_px(ws, last)
    if not widths:
        return PRINT_SCALE, [], repeat_cols
    page_pt = (A4_PT[1] if landscape else A4_PT[0]) - 2 * 72 * SIDE_MARGIN_IN
    room = page_pt * PAGE_FILL / (PX_PT * PRINT_SCALE / 100)  # pixels of columns a page holds
    extent = max([sum(widths), *_chart_edges_px(ws)])
    if extent <= room:
        return min(100, math.floor(100 * page_pt * PAGE_FILL / (PX_PT * max(extent, 1)))), [], repeat_cols
    repeat_cols = max(0, min(repeat_cols, len(widths) - 1))
    if sum(widths[:repeat_cols]) > room / 2:
        repeat_cols = 0  # the repeated columns would take most of every page
    return PRINT_SCALE, column_breaks(widths, repeat_cols, room - sum(widths[:repeat_cols]), set(groups)), \
        repeat_cols


def column_breaks(widths: Sequence[float], first: int, room: float, groups: set[int]) -> list[int]:
    """The first columns of pages 2, 3, ... for columns ``first``.. of ``widths`` on pages ``room`` wide.

    As few pages as possible; among those layouts, the one with the most pages starting at a
    column in ``groups``, then the one filling the earlier pages most. A column wider than a
    page has a page of its own.
    """
    n = len(widths)
    best: list[tuple[int, int, list[int]]] = [(0, 0, [])] * (n + 1)  # from column i on: pages, breaks off a group
    for i in range(n - 1, first - 1, -1):
        choice, used = None, 0.0
        for j in range(i + 1, n + 1):  # the page holds columns i .. j-1
            used += widths[j - 1]
            if used > room and j > i + 1:
                break
            pages, off, rest = best[j]
            cost = (pages + 1, off + (j < n and j not in groups))
            if choice is None or cost <= choice[:2]:
                choice = (*cost, [j] + rest if j < n else [])
        best[i] = choice
    return best[first][2]


@functools.cache
def _width_in_pixels() -> bool | None:
    """Whether xlsxwriter keeps a column's width in pixels (3.3) or in characters (before), by trying it."""
    probe = Worksheet()
    probe.set_column(0, 0, 10)
    width = _kept_width(probe.col_info.get(0))[0]
    return {75: True, 10: False}.get(width)


def _kept_width(info: Any) -> tuple[Any, bool]:
    if hasattr(info, "width"):  # xlsxwriter 3.3: ColumnInfo
        return info.width, bool(getattr(info, "hidden", False))
    if isinstance(info, (list, tuple)) and info:  # before: [width, format, hidden, level, ...]
        return info[0], bool(info[2]) if len(info) > 2 else False
    return None, False


def column_widths_px(ws, last: int) -> list[float] | None:
    """The widths in pixels of columns 0..``last`` as xlsxwriter recorded them (set_column)."""
    unit = _width_in_pixels()
    info = getattr(ws, "col_info", None)
    if unit is None or not isinstance(info, dict):
        return None
    digit, pad = getattr(ws, "max_digit_width", 7), getattr(ws, "cell_padding", 5)

    def px(width: float) -> float:  # as xlsxwriter's set_column converts characters
        return width if unit else 0 if width == 0 else int(width * digit + 0.5) + pad

    default = getattr(ws, "default_col_width", 64)
    default = default if unit else px(8.43)
    out = []
    for c in range(last + 1):
        width, hidden = _kept_width(info.get(c)) if c in info else (None, False)
        out.append(0.0 if hidden else float(default if width is None else px(width)))
    return out


def _chart_edges_px(ws) -> list[float]:
    """How far right, in pixels, each chart on the sheet reaches (xlsxwriter 3.3 keeps them as lists)."""
    edges = []
    for entry in getattr(ws, "charts", ()):
        try:
            _row, col, chart, x_offset, _y_offset, x_scale = entry[:6]
            left = sum(column_widths_px(ws, col - 1) or [64.0] * col) if col else 0.0
            edges.append(left + x_offset + chart.width * x_scale)
        except (TypeError, ValueError, AttributeError):
            continue
    return edges


# ---------------------------------------------------------------- text on paper: widths, lines, row heights
# xlsxwriter does not autofit, and neither Excel nor LibreOffice changes a row height written
# into the file: a row is written as tall as its wrapped text needs, estimated here on the wide
# side. A Latin character's advance is the wider of DejaVu Sans (what LibreOffice prints 等线's
# Latin text with where 等线 is not installed) and Noto Sans CJK, any other character is one em
# (a CJK character). tests/layout_fit.py checks written workbooks against the real fonts.

# Advances of the characters " " to "~", in hundredths of an em, rounded up: regular, bold.
_ADVANCE = {
    False: (32, 41, 48, 84, 64, 96, 78, 28, 40, 40, 50, 84, 32, 37, 32, 40, 64, 64, 64, 64, 64, 64, 64, 64, 64,
            64, 34, 34, 84, 84, 84, 54, 100, 69, 69, 70, 78, 64, 58, 78, 76, 30, 54, 66, 56, 87, 75, 79, 64, 79,
            70, 64, 62, 74, 69, 99, 69, 62, 69, 40, 40, 40, 84, 56, 61, 62, 64, 55, 64, 62, 36, 64, 64, 28, 28,
            58, 29, 98, 64, 62, 64, 64, 42, 53, 40, 64, 60, 82, 60, 60, 53, 64, 34, 64, 84),
    True: (35, 46, 58, 84, 70, 101, 88, 33, 46, 46, 53, 84, 38, 42, 38, 39, 70, 70, 70, 70, 70, 70, 70, 70, 70,
           70, 40, 40, 84, 84, 84, 59, 101, 78, 77, 74, 84, 69, 69, 83, 84, 38, 57, 78, 64, 100, 84, 86, 74, 86,
           78, 73, 69, 82, 78, 111, 78, 73, 73, 46, 39, 46, 84, 57, 63, 68, 72, 60, 72, 68, 44, 72, 72, 35, 35,
           67, 35, 105, 72, 69, 72, 72, 50, 60, 48, 72, 66, 93, 65, 66, 59, 72, 37, 72, 84),
}
LINE_EM_CJK = 1.45  # line pitch of text with CJK characters (Noto Sans CJK's, LibreOffice's fallback)
LINE_EM_LATIN = 1.3  # of Latin text alone (Excel's 等线; DejaVu Sans in LibreOffice is 1.17)
TEXT_PAD_PX = 6  # a cell's left and right text margins together, with a pixel to spare
PX_PER_PT = 4 / 3  # pixels a point at 96 dpi
# A line may not start with closing punctuation nor end with opening punctuation (CJK line breaking).
_NO_LINE_START = frozenset("）)]】」』〕》〉、，。；：？！%％·…—～")
_NO_LINE_END = frozenset("（([【「『〔《〈")
_BREAK_PIECES = re.compile(r"[\x21-\x7e\u00a0-\u02ff]+ *| +|.")


def col_width_px(chars: float) -> int:
    """The width in pixels Excel draws a column set to ``chars`` with (7-pixel digits and 5 of padding)."""
    return 0 if chars <= 0 else int(chars * 7 + 0.5) + 5


def col_chars(px: float) -> float:
    """The ``set_column`` width that draws ``px`` pixels or a little more (the inverse of :func:`col_width_px`)."""
    return max(0.0, math.ceil(max(px - 5, 0) / 7 * 4) / 4)


def text_width_px(text: str, size_pt: float = BODY_PT, bold: bool = False) -> float:
    """Printed width of one line of ``text`` in pixels, estimated on the wide side."""
    table = _ADVANCE[bool(bold)]
    em = sum(table[o - 32] if 32 <= (o := ord(ch)) < 127 else 100 for ch in text)
    return em / 100 * size_pt * PX_PER_PT


def _break_pieces(text: str) -> list[str]:
    """The pieces a line may break between: a word of Latin text with its spaces, or one other
    character; closing punctuation stays with what it follows, opening with what follows it."""
    out: list[str] = []
    for piece in _BREAK_PIECES.findall(text):
        if out and (piece[0] in _NO_LINE_START or out[-1].rstrip()[-1:] in _NO_LINE_END):
            out[-1] += piece
        else:
            out.append(piece)
    return out


@functools.lru_cache(maxsize=1 << 16)
def text_lines(text: str, width_px: float, size_pt: float = BODY_PT, bold: bool = False) -> int:
    """How many lines ``text`` wraps to in a cell ``width_px`` wide (its own line breaks kept).

    Remembered: the labels and rule texts of 5,000 approval forms are the same few hundred, and
    measuring them again for each form took some 40 % of writing the workbook."""
    room = width_px - TEXT_PAD_PX

    def width(s: str) -> float:
        return text_width_px(s.rstrip(), size_pt, bold)

    lines = 0
    for paragraph in str(text).split("\n"):
        lines, line = lines + 1, ""
        for piece in _break_pieces(paragraph):
            if line and width(line + piece) > room:
                lines, line = lines + 1, piece.lstrip()
            else:
                line += piece
            while width(line) > room and len(line.rstrip()) > 1:  # a word longer than a line: broken anywhere
                cut = next(i for i in range(1, len(line) + 1) if width(line[:i]) > room) - 1
                lines, line = lines + 1, line[max(cut, 1):]
    return lines


def line_height_pt(text: str, size_pt: float = BODY_PT) -> float:
    """The line pitch of ``text``: taller where a CJK font prints part of it."""
    return size_pt * (LINE_EM_LATIN if str(text).isascii() else LINE_EM_CJK)


def shown_text(value: Any) -> str:
    """The text a cell written by :func:`put` shows for ``value``, or wider (numbers with 2 decimals)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, numbers.Real):
        return "∞" if math.isinf(value) else f"{value:,.2f}"
    if isinstance(value, (date, datetime)):
        return "2026-12-31"
    return str(value)


def row_height_pt(cells: Iterable[tuple[Any, float, Any]], min_lines: int = 1) -> float:
    """The height in points a row needs for every cell's text to show whole: ``cells`` are
    (value, width in pixels of its cell or merged range, xlsxwriter format). Wrapped text counts
    its lines; a row holds at least ``min_lines`` lines of its largest text. Rounded up to whole
    pixels, as the programs draw rows."""
    need, largest = 0.0, 0.0
    for value, width_px, fmt in cells:
        text = shown_text(value)
        size = float(getattr(fmt, "font_size", BODY_PT) or BODY_PT)
        largest = max(largest, size * LINE_EM_CJK)
        if not text:
            continue
        lines = text_lines(text, width_px, size, bool(getattr(fmt, "bold", False))) \
            if getattr(fmt, "text_wrap", False) else text.count("\n") + 1
        need = max(need, lines * line_height_pt(text, size))
    need = max(need, min_lines * largest)
    return math.ceil(need * PX_PER_PT - 1e-6) / PX_PER_PT


def fit_text_widths(ws, header: list[str], rows: list[list[Any]], max_w: float = 40, pad_px: float = 8,
                    header_format: Any = None) -> list[float]:
    """Column widths from the printed width of the values (a sample of them) and of the header,
    as :func:`text_width_px` estimates it (wider than :func:`fit_widths`' count of characters: an
    ID of 25 characters needs 206 pixels in the CJK fonts that print it, not 25 digits' 180). A
    header wraps onto two lines (its longest word on one); with ``header_format`` the header row
    is given the height its lines need."""
    sample = rows[:2000]
    widths = []
    for c, h in enumerate(header):
        words = str(h).split() or [""]
        head = max(max(text_width_px(w, bold=True) for w in words), text_width_px(str(h), bold=True) / 2)
        px = max([head] + [text_width_px(line) for r in sample if c < len(r)
                           for line in shown_text(r[c]).splitlines() or [""]])
        widths.append(min(max_w, col_chars(px + pad_px)))
        ws.set_column(c, c, widths[-1])
    if header_format is not None:
        ws.set_row(0, row_height_pt((h, col_width_px(w), header_format) for h, w in zip(header, widths)))
    return widths
