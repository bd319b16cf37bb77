"""CSV and text files that cannot lie: every odd file is read, and what was odd is a note on the
cell or row (0-based record index, shown to the clerk as Excel row index + 1), never a
traceback, never a silent drop or shift.

One tiny file per case, its bytes written here, with the rows read and the notes expected.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
import xlsx_xml
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.cli import main
from desktop.errors import InputFileError
from desktop.io.importer import import_files
from desktop.io.workbook import read_file
from desktop.io.writers.labels import issue_text

HEADER = "客户编号,客户名称,注册资本(万元)\n"
H = ["客户编号", "客户名称", "注册资本(万元)"]
LONG = "很长的名称" * 40_000  # 200,000 characters: over csv's default field limit (131,072) and Excel's (32,767)
WIDTH = "values read in order from column A; check that each is under its header"
QUOTE_ACTION = "quote read as a character; the lines after it read as rows"
FIX_BYTES = "read with � in their place; correct the value in the file"


@dataclass
class Case:
    id: str
    data: bytes
    rows: list[list[str | None]]  # the sheet as read (None: a blank cell)
    notes: list[tuple[int | None, int | None, str]] = field(default_factory=list)  # (row, col, problem)
    encoding: str = "utf-8"
    name: str = "客户.csv"


def u8(text: str) -> bytes:
    return text.encode("utf-8")


def gbk(text: str) -> bytes:
    return text.encode("gbk")


CASES = [
    Case("field over csv's limit: read whole, noted as over Excel's cell limit",
         u8(HEADER + f"C1,{LONG},100\nC2,乙,200\n"),
         [H, ["C1", LONG, "100"], ["C2", "乙", "200"]],
         [(1, 1, "200,000 characters, more than an Excel cell holds (32,767)")]),
    Case("a long value in a quoted cell with a line break names the file's lines",
         u8(HEADER + f'C1,"{LONG}\n第二行",100\n'),
         [H, ["C1", LONG + "\n第二行", "100"]],
         [(1, 1, "200,004 characters, more than an Excel cell holds (32,767) (file lines 2-3)")]),
    Case("stray quote to the end of the file: the rows after it are rows",
         u8(HEADER + 'C1,甲,100\nC2,"乙公司,200\nC3,丙,300\nC4,丁,400\n'),
         [H, ["C1", "甲", "100"], ["C2", '"乙公司', "200"], ["C3", "丙", "300"], ["C4", "丁", "400"]],
         [(2, 1, "quote not closed on line 3: it would join the next 2 lines into this cell")]),
    Case("stray quote until a later quoted cell: that cell keeps its own quotes",
         u8(HEADER + 'C1,"乙公司,100\nC2,丙,200\nC3,"丁",300\nC4,戊,400\n'),
         [H, ["C1", '"乙公司', "100"], ["C2", "丙", "200"], ["C3", "丁", "300"], ["C4", "戊", "400"]],
         [(1, 1, "quote not closed on line 2: it would join the next 2 lines into this cell")]),
    Case("stray quote closed cleanly by another stray one: the swallowed lines line up, so they are rows",
         u8(HEADER + 'C1,"乙公司,100\nC2,丙,200\nC3,丁,300"\nC4,戊,400\n'),
         [H, ["C1", '"乙公司', "100"], ["C2", "丙", "200"], ["C3", "丁", '300"'], ["C4", "戊", "400"]],
         [(1, 1, "quote not closed on line 2: it would join the next 2 lines into this cell")]),
    Case("stray quote on the last line",
         u8(HEADER + 'C1,甲,100\nC2,乙,"200'),
         [H, ["C1", "甲", "100"], ["C2", "乙", '"200']],
         [(2, 2, "quote not closed on line 3, the last line")]),
    Case("text after a closing quote is read as written",
         u8(HEADER + 'C1,"新华"书店,100\nC2,乙,200\n'),
         [H, ["C1", '"新华"书店', "100"], ["C2", "乙", "200"]],
         [(1, 1, "text after a closing quote on line 2")]),
    Case("a quoted cell with a line break and a separator that might be a stray quote: one cell, noted",
         u8(HEADER + 'C1,"乙公司,100\nC2,丙",200\nC3,丁,300\n'),
         [H, ["C1", "乙公司,100\nC2,丙", "200"], ["C3", "丁", "300"]],
         [(1, None, "one cell spans lines 2-3 and holds separators (a stray quote?)")]),
    Case("Excel's Alt+Enter cells are cells; later rows name their file lines",
         u8(HEADER + 'C1,"北京市\n朝阳区",100\nC2,乙\nC3,丙,300\n'),
         [H, ["C1", "北京市\n朝阳区", "100"], ["C2", "乙", None], ["C3", "丙", "300"]],
         [(2, None, "2 fields where the header row has 3 (file line 4)")]),
    Case("rows of another width are noted; Excel's padding and blank lines are not",
         u8("客户信用资料\n" + HEADER + "C1,甲,100,,\nC2,乙\n\nC3,丙,公司,300\n,,\nC4,丁,400\n"),
         [["客户信用资料", None, None, None, None], H + [None, None], ["C1", "甲", "100", None, None],
          ["C2", "乙", None, None, None], [None] * 5, ["C3", "丙", "公司", "300", None], [None] * 5,
          ["C4", "丁", "400", None, None]],
         [(3, None, "2 fields where the header row has 3"), (5, None, "4 fields where the header row has 3")]),
    Case("Excel's Unicode text: UTF-16 with BOM, tabs, CRLF, a comma inside a value",
         "客户编号\t客户名称\t注册资本(万元)\r\nC1\t甲,乙公司\t100\r\n".encode("utf-16"),
         [H, ["C1", "甲,乙公司", "100"]], encoding="utf-16", name="客户.txt"),
    Case("Unicode text saved with a .csv name",
         "客户编号\t客户名称\r\nC1\t甲\r\n".encode("utf-16"),
         [["客户编号", "客户名称"], ["C1", "甲"]], encoding="utf-16"),
    Case("UTF-16 without BOM",
         "客户编号,客户名称\nC1,甲\n".encode("utf-16-le"),
         [["客户编号", "客户名称"], ["C1", "甲"]], encoding="utf-16"),
    Case("Excel's sep= line is a hint, not a row; decimal commas stay in their cell",
         u8("sep=;\n客户编号;客户名称;注册资本(万元)\nC1;甲,乙;1,5\nC2;丙\n"),
         [H, ["C1", "甲,乙", "1,5"], ["C2", "丙", None]],
         [(2, None, "2 fields where the header row has 3 (file line 4)")]),
    Case("semicolons from a European Excel, GBK",
         gbk("客户编号;客户名称;注册资本(万元)\r\nC1;甲,乙;1,5\r\nC2;丙;2\r\n"),
         [H, ["C1", "甲,乙", "1,5"], ["C2", "丙", "2"]], encoding="gbk"),
    Case("GBK whose first lines are plain ASCII",
         gbk("Customer ID,Customer Name\nC1,ABC\nC2,甲公司\nC3,乙公司\n"),
         [["Customer ID", "Customer Name"], ["C1", "ABC"], ["C2", "甲公司"], ["C3", "乙公司"]], encoding="gbk"),
    Case("UTF-8 with a few invalid bytes: not mojibake, the bad cell noted",
         u8(HEADER + "C1,甲公司,100\nC2,乙") + b"\xff\xfe" + u8("公司,200\nC3,丙公司,300\n"),
         [H, ["C1", "甲公司", "100"], ["C2", "乙��公司", "200"], ["C3", "丙公司", "300"]],
         [(2, 1, "line 3 has bytes that are not valid UTF-8 (shown as �)")]),
    Case("UTF-8 with GBK lines appended: each read in its own encoding",
         u8("\ufeff" + HEADER + "C1,甲公司,100\n") + gbk("C2,乙公司,200\nC3,丙公司,300\n") + u8("C4,丁公司,400\n"),
         [H, ["C1", "甲公司", "100"], ["C2", "乙公司", "200"], ["C3", "丙公司", "300"], ["C4", "丁公司", "400"]],
         [(2, None, "lines 3-4 in GBK encoding, the rest of the file in UTF-8")]),
    Case("GBK with a UTF-8 line and a line valid in neither",
         gbk(HEADER + "C1,甲公司,100\nC2,乙公司,200\n") + u8("C3,丙公司,300\n") + b"C4,\x81\xff,400\n",
         [H, ["C1", "甲公司", "100"], ["C2", "乙公司", "200"], ["C3", "丙公司", "300"], ["C4", "��", "400"]],
         [(3, None, "line 4 in UTF-8 encoding, the rest of the file in GBK"),
          (4, 1, "line 5 has bytes that are not valid GBK (shown as �)")], encoding="gbk"),
    Case("a UTF-8 BOM before GBK text is not believed",
         b"\xef\xbb\xbf" + gbk(HEADER + "C1,甲公司,100\n"),
         [H, ["C1", "甲公司", "100"]], encoding="gbk"),
    Case("NUL characters and a zero-filled end (a save cut short)",
         u8(HEADER + "C1,甲\x00公司,100\n" + "C2,乙公司,200\n" * 40) + b"\x00" * 3000,
         [H, ["C1", "甲公司", "100"]] + [["C2", "乙公司", "200"]] * 40,
         [(None, None, "the file ends in 3,000 NUL bytes (a damaged save?)"),
          (1, None, "line 2 has NUL characters (a damaged file?)")]),
    Case("an empty file", b"", [], [(None, None, "the file is empty")]),
    Case("a file of blank lines and a BOM", b"\xef\xbb\xbf\r\n\r\n", [[], []], [(None, None, "the file is empty")]),
    Case("a header row only", u8(HEADER), [H]),
    Case("old Mac line ends", u8(HEADER.replace("\n", "\r") + "C1,甲,100\rC2,乙,200\r"),
         [H, ["C1", "甲", "100"], ["C2", "乙", "200"]]),
    Case("CRLF with an LF inside a quoted cell, and a DOS end-of-file mark",
         u8(HEADER.replace("\n", "\r\n") + 'C1,"甲\n公司",100\r\nC2,乙,200\r\n') + b"\x1a",
         [H, ["C1", "甲\n公司", "100"], ["C2", "乙", "200"]]),
    Case("a value that looks like a formula stays text", u8(HEADER + "C1,=1+1,100\nC2,\"=SUM(A1:A9)\",200\n"),
         [H, ["C1", "=1+1", "100"], ["C2", "=SUM(A1:A9)", "200"]]),
]


def _cells(rows: list[list[str | None]]) -> list[list[str | None]]:
    """What a sheet holds for rows read as text: blank cells None, short rows padded."""
    width = max((len(r) for r in rows), default=0)
    return [[None if v is None or not v.strip() else v for v in r] + [None] * (width - len(r)) for r in rows]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reader_corpus(tmp_path, case):
    path = tmp_path / case.name
    path.write_bytes(case.data)
    raw = read_file(path)
    (sheet,) = raw.sheets
    assert raw.encoding == case.encoding
    assert sheet.head(1000) == _cells(case.rows)
    assert [(n.row, n.col, n.problem) for n in sheet.notes] == case.notes
    assert all(n.severity == "warning" for n in sheet.notes)  # the data is read and used
    for n in sheet.notes:  # each text has its Chinese form
        assert issue_text(n.problem, "zh") != n.problem and issue_text(n.action, "zh") != n.action, n


def test_actions_of_the_reader_notes(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(u8(HEADER + 'C1,"乙公司,100\nC2,丙\nC3,"新华"书店,300\n'))
    notes = read_file(path).sheets[0].notes
    assert [(n.row, n.problem, n.action) for n in notes] == [
        (1, "quote not closed on line 2: it would join the next 2 lines into this cell", QUOTE_ACTION),
        (2, "2 fields where the header row has 3", WIDTH),
        (3, "text after a closing quote on line 4", "read as written, quotes included")]
    assert [n.value for n in notes] == ['"乙公司', "C2,丙", '"新华"书店']
    assert issue_text(notes[0].problem, "zh") == "第 2 行的引号没有闭合：会把其后 2 行并入此单元格"
    assert issue_text(notes[1].problem, "zh") == "2 个字段，而标题行有 3 个"


def test_line_ends_do_not_change_what_is_read(tmp_path):
    text = HEADER + 'C1,"甲\n公司",100\n\nC2,乙,200\n'
    read = []
    for n, end in enumerate(("\n", "\r\n", "\r")):
        path = tmp_path / f"c{n}.csv"
        path.write_bytes(u8(text.replace("\n", end)))
        read.append(read_file(path).sheets[0].head(10))
    assert read[0] == read[1] == read[2]
    assert read[0][1] == ["C1", "甲\n公司", "100"] and read[0][2] == [None, None, None]


def test_files_that_are_not_text_are_refused_with_a_reason(tmp_path):
    for name, data in {"noise.csv": bytes(range(256)) * 4, "nul.csv": u8(HEADER) + b"\x00\x01" * 200 + u8(HEADER),
                       "exe.txt": b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" * 64}.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(InputFileError, match=r"not a text CSV file \(binary content\)"):
            read_file(tmp_path / name)


def test_preview_reads_the_first_rows_and_their_notes_only(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(u8(HEADER + 'C1,甲\nC2,"乙,200\n' + "C3,丙,300\n" * 50 + "C9,戊\n"))
    sheet = read_file(path, max_rows=4).sheets[0]
    assert sheet.n_rows == 4 and sheet.head(4)[3] == ["C3", "丙", "300"]
    assert [(n.row, n.problem) for n in sheet.notes] == [
        (1, "2 fields where the header row has 3"),
        (2, "quote not closed on line 3: it would join the next 51 lines into this cell")]


TOKENS = ["C1", "甲", "乙公司", "100", "x", ",", '"', '""', "\n", "\r\n", "\r", "客户编号,客户名称\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_no_character_is_lost_whatever_the_quotes(text):
    """Quotes, separators and line ends aside, every character of the file is in some cell."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.csv"
        path.write_bytes(u8(text))
        sheet = read_file(path).sheets[0]
    cells = "".join(v for row in sheet.head(10_000) for v in row if v is not None)
    layout = set('",\r\n')
    assert Counter(c for c in cells if c not in layout) == Counter(c for c in text if c not in layout)
    for n in sheet.notes:
        assert n.row is None or 0 <= n.row < sheet.n_rows
        assert issue_text(n.problem, "zh") != n.problem


# ---- end to end: the importer names file, sheet, Excel row and column --------------------------------


def test_stray_quote_and_shifted_row_through_the_importer(tmp_path):
    path = tmp_path / "客户 资料.csv"
    path.write_bytes(u8("客户信用资料\n\n" + HEADER + 'C1,甲公司,100\nC2,"乙公司,200\nC3,丙公司,300\n'
                        "C4,丁,公司,400\n\nC6,戊公司,600\n"))
    r = import_files([path])
    assert [(c.customer_id, c.name, c.registered_capital, c.source.row) for c in r.customers] == [
        ("C1", "甲公司", 100.0, 4), ("C2", '"乙公司', 200.0, 5), ("C3", "丙公司", 300.0, 6),
        ("C4", "丁", None, 7), ("C6", "戊公司", 600.0, 9)]
    assert [(i.file, i.sheet, i.row, i.column, i.value, i.problem, i.severity) for i in r.issues] == [
        ("客户 资料.csv", "客户 资料", 5, "B", '"乙公司',
         "quote not closed on line 5: it would join the next 4 lines into this cell", "warning"),
        ("客户 资料.csv", "客户 资料", 7, "", "C4,丁,公司,400", "4 fields where the header row has 3", "warning"),
        # the shifted row's last value sits in a column no field reads: named too
        ("客户 资料.csv", "客户 资料", 3, "D", "D", "columns with data mapped to no field", "warning"),
        ("客户 资料.csv", "客户 资料", 7, "C 注册资本(万元)", "公司", "not an amount", "warning")]


def test_encodings_through_the_importer(tmp_path):
    bad_utf8 = tmp_path / "utf8.csv"
    bad_utf8.write_bytes(u8(HEADER + "C1,甲公司,100\nC2,乙") + b"\xff" + u8("公司,200\n"))
    unicode_text = tmp_path / "unicode.txt"
    unicode_text.write_bytes("客户编号\t客户名称\r\nC3\t丙公司\r\n".encode("utf-16"))
    r = import_files([bad_utf8, unicode_text])
    assert sorted((c.customer_id, c.name) for c in r.customers) == [("C1", "甲公司"), ("C2", "乙�公司"),
                                                                   ("C3", "丙公司")]
    assert [(i.file, i.row, i.column, i.problem) for i in r.issues] == [
        ("utf8.csv", 3, "B", "line 3 has bytes that are not valid UTF-8 (shown as �)")]


def test_blank_lines_keep_excel_row_numbers(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(u8("sep=,\n" + HEADER + "C1,甲,100\n\n\nC2,乙,x\n"))
    r = import_files([path])
    assert [(c.customer_id, c.source.row) for c in r.customers] == [("C1", 2), ("C2", 5)]
    assert [(i.row, i.column, i.problem) for i in r.issues] == [(5, "C 注册资本(万元)", "not an amount")]


def test_empty_and_header_only_files_through_the_importer(tmp_path):
    empty, header_only = tmp_path / "empty.csv", tmp_path / "header.csv"
    empty.write_bytes(b"")
    header_only.write_bytes(u8(HEADER))
    r = import_files([empty, header_only])
    assert r.customers == []
    assert [(i.file, i.row, i.problem, i.action) for i in r.issues] == [
        ("empty.csv", None, "the file is empty", "nothing read")]


def test_command_line_on_a_hostile_csv(tmp_path, capsys):
    path = tmp_path / "客户.csv"
    path.write_bytes(u8(HEADER + 'C1,=1+1,100\nC2,"乙公司,200\nC3,丙公司\n') + b"C4,\xff,400\n"
                     + u8(f"C5,{LONG},500\n"))
    out = tmp_path / "结果.xlsx"
    code = main(["score", str(path), "--out", str(out), "--no-register", "--as-of", "2026-06-30"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err and captured.err.strip() == ""
    assert "Rated 5 customers" in captured.out and "4 row issues (0 rows not used)" in captured.out
    wb = openpyxl.load_workbook(out, read_only=True)
    exceptions = [row for row in wb["异常清单"].iter_rows(values_only=True)]
    wb.close()
    problems = {(row[3], row[6]) for row in exceptions[1:]}
    assert (3, "第 3 行的引号没有闭合：会把其后 3 行并入此单元格") in problems
    assert (4, "2 个字段，而标题行有 3 个") in problems
    assert (5, "第 5 行有无效的 UTF-8 字节（显示为 �）") in problems
    assert (6, "200,000 个字符，超过 Excel 单元格的上限（32,767）") in problems
    assert xlsx_xml.assert_text_not_formula(out, ["=1+1"]) >= 1  # the name that looks like a formula is text
