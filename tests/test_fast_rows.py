"""The fast row writer of the large results sheets against xlsxwriter's own calls.

``FastWorksheet.write_cells`` writes a row's XML itself; whatever it writes must be exactly
what ``put`` (stock ``write_number``, ``write_string``, ...) writes for the same cells, so the
two sheets below are compared byte for byte, and read back with the program's reader.
"""

from __future__ import annotations

import math
import zipfile
from datetime import date, datetime, time
from decimal import Decimal

import fastexcel
import numpy as np
import openpyxl
import pytest

from desktop.io.writers.xlsx import EXCEL_CELL_CHARS, Formula, new_workbook, put

TEXTS = ["客户名称", "plain", " leading", "trailing ", "\tTab", "line\nbreak", 'quote " & <tag> ;',
         "ctrl\x01\x1f", "literal _x0041_ escape", "\ufffe\uffff", "=SUM(A1:A2)", "+1", "-1", "@x",
         "", " ", "ＡＢＣ全角", "😀 astral", "x" * (EXCEL_CELL_CHARS + 10), "𝄞" * 20000]
NUMBERS = [0, 1, -1, 1.5, -0.0, 1e-20, 12345678901234567, 12345678901234567.0, 0.1 + 0.2, 2 ** 53 + 1,
           math.nan, math.inf, -math.inf, True, False]
FORMULAS = [Formula("=SUM(A{r}:B{r})", 85), Formula("=SUM(A{r}:B{r})", 85.5),
            Formula('=IF(A{r}<>"",INDEX(LevelNames,1),"C")', "AA"), Formula("=A{r}&\"<x>\"", "a&<b>"),
            Formula("=1/0", "#DIV/0!"), Formula("=A{r}=1", True), Formula("=A{r}", ""),
            Formula("=A{r}", None)]
DATES = [date(2026, 6, 30), datetime(2026, 6, 30, 13, 45, 10), date(1900, 3, 1)]
OTHER = [time(13, 45), Decimal("1.50"), np.float64(2.5), np.int64(7), np.float64("nan")]  # as put writes them


def _rows(wb):
    fmt = [wb.add_format({"num_format": "#,##0.00"}), wb.add_format({"bold": True}), None]
    values = TEXTS + NUMBERS + DATES + OTHER + FORMULAS + [None, None, None]
    rows = []
    for r in range(1, 40):  # every value in every column position and with each format kind
        row = [values[(r * 7 + c) % len(values)] for c in range(len(values))]
        row = [Formula(v.text.replace("{r}", str(r + 1)), v.value) if isinstance(v, Formula) else v for v in row]
        rows.append((r, row, [fmt[(r + c) % 3] for c in range(len(row))]))
    return rows


def _write(path, fast: bool):
    wb = new_workbook(str(path), constant_memory=True)
    ws = wb.add_worksheet("s")
    ws.set_column(3, 3, 12, wb.add_format({"num_format": "0.0%"}))  # a column format for cells without one
    ws.set_column(5, 5, 12, wb.add_format({"italic": True}))
    ws.write_row(0, 0, ["header", "row"], wb.add_format({"bold": True}))
    ws.set_row(5, 30)  # a row with a height of its own
    ws.set_row(7, None, wb.add_format({"font_color": "#FF0000"}))  # and one with a row format
    for r, row, formats in _rows(wb):
        if fast:
            ws.write_cells(r, row, formats)
            continue
        for c, (v, f) in enumerate(zip(row, formats)):
            if isinstance(v, Formula):
                ws.write_formula(r, c, v.text, f, v.value if v.value is not None else 0)
            else:
                put(ws, r, c, v, f)
    ws.write_string(40, 0, "after")  # stock calls go on after fast rows
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_fast_rows_write_exactly_what_the_stock_calls_write(tmp_path):
    stock = _write(tmp_path / "stock.xlsx", fast=False)
    fast = _write(tmp_path / "fast.xlsx", fast=True)
    assert b"<dimension ref=" in fast and b"_x0001_" in fast and b"&lt;tag&gt;" in fast
    assert fast == stock


def test_fast_rows_read_back_as_written(tmp_path):
    _write(tmp_path / "fast.xlsx", fast=True)
    table = fastexcel.read_excel(tmp_path / "fast.xlsx").load_sheet(0, header_row=None,
                                                                     dtypes="string").to_arrow()
    got = [table.column(c)[1].as_py() for c in range(table.num_columns)]
    wb = new_workbook(str(tmp_path / "x.xlsx"), constant_memory=True)
    (_, expected, _), *_ = _rows(wb)
    for want, have in zip(expected, got):
        if isinstance(want, str) and want and len(want) < 1000 and "\ufffe" not in want:
            # (the reader leaves Unicode non-characters in their _xFFFE_ form; Excel does not)
            assert have == want  # control characters, markup and formula-like text come back as text
    wb.close()


def test_rich_text_markup_from_a_user_cell_stays_text(tmp_path):
    """xlsxwriter passes text of the form "<r>…</r>" into the XML as rich-text markup: a customer
    cell reading "<r>x</r>" came out empty. Both ways of writing keep it as the text."""
    texts = ["<r>x</r>", "<r><t>evil</t></r>", "<r> a </r>"]
    for constant_memory in (False, True):
        path = tmp_path / f"r{constant_memory}.xlsx"
        wb = new_workbook(str(path), constant_memory=constant_memory)
        ws = wb.add_worksheet("s")
        for r, t in enumerate(texts):
            put(ws, r, 0, t)
        for r, t in enumerate(texts, start=len(texts)):
            if constant_memory:
                ws.write_cells(r, [t], [None])
            else:
                put(ws, r, 0, t)
        wb.close()
        assert [c.value for c in openpyxl.load_workbook(path).active["A"]] == texts + texts


def test_fast_rows_refuse_rows_out_of_order_and_other_modes(tmp_path):
    wb = new_workbook(str(tmp_path / "o.xlsx"), constant_memory=True)
    ws = wb.add_worksheet("s")
    ws.write_cells(3, [1], [None])
    with pytest.raises(ValueError, match="row 2 of sheet s was already written"):
        ws.write_cells(1, [1], [None])
    with pytest.raises(ValueError, match="row 4 of sheet s was already written"):
        ws.write_cells(3, [1], [None])
    with pytest.raises(ValueError, match="more rows"):
        ws.write_cells(1_048_576, [1], [None])
    wb.close()
    wb = new_workbook(str(tmp_path / "m.xlsx"))
    with pytest.raises(ValueError, match="constant-memory"):
        wb.add_worksheet("s").write_cells(0, [1], [None])
    wb.close()


def test_workbooks_are_packed_at_deflate_level_1(tmp_path):
    """Level 1 instead of zlib's default: a third of the packing time for a quarter more bytes."""
    import zlib

    for in_memory in (False, True):
        path = tmp_path / f"z{in_memory}.xlsx"
        wb = new_workbook(str(path), in_memory=in_memory)
        ws = wb.add_worksheet("s")
        for r in range(2000):
            ws.write_row(r, 0, [r, f"客户 {r}", r * 1.5])
        wb.close()
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("xl/worksheets/sheet1.xml")
            data = z.read(info)
        packer = zlib.compressobj(1, zlib.DEFLATED, -15)
        assert info.compress_size == len(packer.compress(data) + packer.flush())
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        assert info.compress_size > len(packer.compress(data) + packer.flush())


def test_sheet_names_stay_unique_with_case_ignored(tmp_path):
    from xlsxwriter.exceptions import DuplicateWorksheetName, InvalidWorksheetName

    wb = new_workbook(str(tmp_path / "n.xlsx"))
    wb.add_worksheet("评定-C001")
    wb.add_worksheet("Form")
    with pytest.raises(DuplicateWorksheetName):
        wb.add_worksheet("form")
    with pytest.raises(InvalidWorksheetName):
        wb.add_worksheet("a/b")
    wb.add_worksheet()  # a default name still comes from xlsxwriter (which counts the refused attempts)
    assert [w.name for w in wb.worksheets()] == ["评定-C001", "Form", "Sheet5"]
    wb.close()


def test_shared_formulas_fill_down_as_excel_reads_them(tmp_path):
    """A column's formula written once (Excel's shared formulas): every cell below reads back as
    the formula filled down, with its own cached value; a formula of its own in between stays."""
    from desktop.io.writers.xlsx import Shared
    path = tmp_path / "shared.xlsx"
    wb = new_workbook(str(path), constant_memory=True)
    ws = wb.add_worksheet("s")
    fmt = [None, None, wb.add_format({"bold": True})]
    for r in range(1, 6):
        master = r == 1
        shared = Shared(0, r * 3, "=A2+B2*2" if master else None, "C2:C6" if master else None)
        label = Shared(1, "x" if r % 2 else "", '=IF(A2>2,"x","")' if master else None, "D2:D6" if master else None)
        ws.write_cells(r, [r, r, shared if r != 3 else Formula(f"=A{r + 1}*3", r * 3), label], fmt + [None])
    wb.close()
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert xml.count('t="shared"') == 9 and xml.count("A2+B2*2") == 1  # the text once, not per row
    formulas = openpyxl.load_workbook(path)["s"]
    values = openpyxl.load_workbook(path, data_only=True)["s"]
    assert [formulas.cell(r, 3).value for r in range(2, 7)] == ["=A2+B2*2", "=A3+B3*2", "=A4*3", "=A5+B5*2",
                                                                  "=A6+B6*2"]
    assert [formulas.cell(r, 4).value for r in range(2, 7)] == [f'=IF(A{r}>2,"x","")' for r in range(2, 7)]
    assert [values.cell(r, 3).value for r in range(2, 7)] == [3, 6, 9, 12, 15]
    assert formulas.cell(2, 3).font.bold


def _columns_sheet(path, by_columns: bool):
    """A sheet of blocks, written a column at a time or row by row: every kind of column the
    column writer has a quick way for (whole numbers, finite numbers, blanks, plain text, shared
    formulas over numbers) and the columns it must not take that way (NaN or infinity among the
    numbers, text that needs escaping or keeps its spaces, bools and dates, shared formulas over
    text, errors and bools), a block holding a shared formula's first row and blocks without it,
    a block after rows of the stock calls, one with a row of its own height, one with a column
    without a format."""
    from desktop.io.writers.xlsx import Shared, SharedColumn
    wb = new_workbook(str(path), constant_memory=True)
    ws = wb.add_worksheet("s")
    ws.set_column(2, 2, 12, wb.add_format({"num_format": "0.0%"}))
    ws.write_row(0, 0, ["header", "row"], wb.add_format({"bold": True}))
    ws.set_row(30, 30)  # a row with a height of its own, inside the fourth block
    fmts = [wb.add_format({"num_format": f"0.{'0' * (c % 4)}"}) for c in range(14)]
    shared = {10: SharedColumn(0, "=A2*2", "K2:K41", 1), 11: SharedColumn(1, '=IF(A2>2,"x","")', "L2:L41", 1),
              12: SharedColumn(2, "=A2=1", "M2:M41", 1)}
    mixed_text = ["x", " lead", "a&b", "trail ", "", None, "ctrl\x02", "😀"]
    mixed = [1, 2.5, math.nan, math.inf, None, True, date(2026, 6, 30), "t", np.float64(3.5), -math.inf, 1.0,
             np.int64(1), False, 0, -0.0, 0.0, "1"]

    def block(first: int, k: int) -> list[list]:
        rows = range(first, first + k)
        big = [2 ** 53, -(2 ** 53), 10 ** 15, 2 ** 53 + 1, 10 ** 16 + 1, -(10 ** 17), 0]  # beyond 2**53 .16G rounds
        return [[r for r in rows], [r / 7 for r in rows], [big[r % 4] for r in rows], [big[r % 7] for r in rows], [None for _ in rows], [f"客户{r}" for r in rows],
                [f"名{r}" if r % 3 else None for r in rows], [mixed_text[r % len(mixed_text)] for r in rows],
                [mixed[r % len(mixed)] for r in rows], [r * 2 for r in rows],
                [r * 2 if r % 2 else r * 0.5 for r in rows], [("x" if r > 2 else "") if r % 5 else "#N/A" for r in rows],
                [r % 2 == 0 for r in rows], [datetime(2026, 1, 1 + r % 28) for r in rows]]

    blocks = [(1, 10, fmts), (11, 10, fmts), (21, 5, fmts), (26, 10, fmts), (36, 5, [None] + fmts[1:])]
    for first, k, formats in blocks:
        if first == 21:
            ws.write_string(first, 0, "stock")  # a row of the stock calls, then a block after it
            first, k = first + 1, k - 1
        cols = block(first, k)
        if by_columns:
            ws.write_columns(first, cols, formats, shared)
        else:
            for j in range(k):
                row = [col[j] for col in cols]
                for c, sc in shared.items():
                    row[c] = Shared(sc.si, row[c], sc.text, sc.ref) if first + j == sc.first else Shared(sc.si, row[c])
                ws.write_cells(first + j, row, formats)
    ws.write_string(45, 0, "after")
    wb.close()
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml"), z.read("xl/styles.xml")


def test_a_block_written_by_columns_is_byte_for_byte_the_rows_written_one_by_one(tmp_path):
    rows = _columns_sheet(tmp_path / "rows.xlsx", by_columns=False)
    cols = _columns_sheet(tmp_path / "cols.xlsx", by_columns=True)
    sheet = cols[0].decode()
    assert 'ref="K2:K41"' in sheet and "<v>1E+16</v>" in sheet and "<v>9007199254740993</v>" not in sheet and "_x0002_" in sheet and 'xml:space="preserve"' in sheet and "∞" in sheet
    assert 'customHeight="1"' in sheet and ">stock<" in sheet
    assert cols == rows


def test_a_block_refuses_rows_already_written(tmp_path):
    wb = new_workbook(str(tmp_path / "o.xlsx"), constant_memory=True)
    fmt = wb.add_format({"bold": True})
    ws = wb.add_worksheet("s")
    ws.write_columns(3, [[1, 2]], [fmt])
    with pytest.raises(ValueError, match="row 5 of sheet s was already written"):
        ws.write_columns(4, [[1, 2]], [fmt])
    with pytest.raises(ValueError, match="more rows"):
        ws.write_columns(1_048_575, [[1, 2]], [fmt])
    ws.write_columns(10, [[]], [fmt])  # an empty block writes nothing
    wb.close()
    sheet = zipfile.ZipFile(tmp_path / "o.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A4:A5"/>' in sheet


def test_rows_kept_on_disk_go_into_the_sheet_as_the_stock_copy_puts_them(tmp_path):
    """The constant-memory rows are copied into the sheet's XML as bytes, not read back as text
    and written again: the sheet is byte for byte the stock one, over several MB (more than one
    block of the copy), with Chinese, astral and escaped text, and a sheet with no rows at all,
    whose row file is closed and removed (xlsxwriter leaves it open and on disk)."""
    import xlsxwriter

    def sheets(path, workbook, scratch):
        scratch.mkdir()
        wb = workbook(str(path), {"constant_memory": True, "tmpdir": str(scratch)})
        ws = wb.add_worksheet("数据")
        for r in range(25_000):
            ws.write_string(r, 0, f"客户{r} 😀 <&>")
            ws.write_number(r, 1, r * 1.5)
        wb.add_worksheet("空")
        wb.close()
        with zipfile.ZipFile(path) as z:
            return z.read("xl/worksheets/sheet1.xml"), z.read("xl/worksheets/sheet2.xml")

    from desktop.io.writers.xlsx import Workbook
    ours = sheets(tmp_path / "ours.xlsx", Workbook, tmp_path / "ours")
    stock = sheets(tmp_path / "stock.xlsx", xlsxwriter.Workbook, tmp_path / "stock")
    assert len(ours[0]) > 2 * (1 << 20) and "客户24999 😀 &lt;&amp;&gt;".encode() in ours[0]
    assert ours == stock
    assert not list((tmp_path / "ours").iterdir())  # every row file removed, the empty sheet's too
    assert len(list((tmp_path / "stock").iterdir())) == 1  # (xlsxwriter leaves the empty sheet's)
