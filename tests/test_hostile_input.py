"""Hostile and odd input files, and outputs that would overwrite something: each case names the
message or result a clerk gets. Nothing reaches the user as a traceback, no sheet or row is left
out without a word, and no output replaces an input, the register or another output.

Files that aborted the process inside the workbook reader (a cell at XFD1048576, a shared-strings
part declaring four billion strings, an .ods cell repeated a hundred million times) run in a child
process, so that a regression shows as a failed test and not as a dead test run.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from test_readers import xlsx

from desktop.cli import main
from desktop.io.importer import import_files
from desktop.io.workbook import read_file
from desktop.paths import templates_dir

SAMPLES = sorted(str(p) for p in (templates_dir() / "samples").iterdir())
ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = [["客户编号", "客户名称"], ["C1", "甲公司"], ["C2", "乙公司"]]

# ---------------------------------------------------------------- building files


_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
       '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
       '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
       '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
       'worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
         'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
       'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="客户" '
       'sheetId="1" r:id="rId1"/></sheets></workbook>')
_WBRELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
           '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
           'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
           '</Relationships>')


def raw_xlsx(path: Path, sheet_data: str, sst: str | None = None, extra: dict[str, bytes] | None = None,
             wb: str = _WB, prefix: bytes = b"") -> Path:
    """A workbook written part by part: what a hostile program (or a damaged file) can hold."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", _WBRELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        z.writestr("xl/sharedStrings.xml", sst or '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                                                  'main" count="2" uniqueCount="2"><si><t>客户编号</t></si>'
                                                  '<si><t>客户名称</t></si></sst>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    if prefix:  # bytes before the first member: the reader still finds the zip by its end
        path.write_bytes(prefix + path.read_bytes())
    return path


HEADER_CELLS = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'


def ods(path: Path, rows: str) -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="S">{rows}</table:table></office:spreadsheet>'
               '</office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def understate_sizes(path: Path, member: str, declared: int) -> None:
    """Rewrite the uncompressed size a zip declares for ``member`` (local header and directory)."""
    data = bytearray(path.read_bytes())
    z = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = z.getinfo(member)
    struct.pack_into("<I", data, info.header_offset + 22, declared)  # local header: uncompressed size
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46:pos + 46 + name_len].decode() == member:
            struct.pack_into("<I", data, pos + 24, declared)  # central directory: uncompressed size
        pos = data.find(b"PK\x01\x02", pos + 4)
    path.write_bytes(bytes(data))


def _memory_cap() -> None:  # a regression aborts in the child at 3 GB instead of taking the machine's memory
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))


def run_cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real program in a child process (hooks installed as for a clerk)."""
    return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120,  # its lines are read from this test's pipe as UTF-8:
                          env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},  # not UTF-8 mode
                          preexec_fn=_memory_cap if sys.platform != "win32" else None)


def cli(args: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(args)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    lines = capsys.readouterr().err.strip().splitlines()
    return code, lines[-1] if lines else ""


def problems(result) -> list[tuple]:
    return [(i.sheet, i.row, i.problem, i.action, i.severity) for i in result.issues]


# ---------------------------------------------------------------- files that aborted the reader

ABORTING = {
    # one cell at A1 and one at the last cell of a sheet: a grid of 17 billion cells
    "cell at XFD1048576": (lambda d: raw_xlsx(d / "xfd.xlsx", HEADER_CELLS + '<row r="1048576"><c r="XFD1048576">'
                                                              '<v>1</v></c></row>'),
                           "reaches XFD1048576 (17,179,869,184 cells) but holds only 3 cells: something lies far "
                           "from the data (row 1048576, column XFD)"),
    "shared strings declaring four billion": (
        lambda d: raw_xlsx(d / "sst.xlsx", HEADER_CELLS, sst='<sst xmlns="http://schemas.openxmlformats.org/'
                           'spreadsheetml/2006/main" count="2" uniqueCount="4000000000"><si><t>客户编号</t></si>'
                           '<si><t>客户名称</t></si></sst>'),
        "declares 4,000,000,000 strings"),
    "ods cell repeated a hundred million times": (
        lambda d: ods(d / "bomb.ods", '<table:table-row table:number-rows-repeated="100000"><table:table-cell '
                      'table:number-columns-repeated="1000" office:value-type="float" office:value="1"><text:p>1'
                      '</text:p></table:table-cell></table:table-row>'),
        "expand to more than 50,000,000 cells"),
    "one stray cell far from the data": (
        lambda d: raw_xlsx(d / "stray.xlsx", HEADER_CELLS + '<row r="60000"><c r="ZZ60000"><v>1</v></c></row>'),
        "holds only 3 cells: something lies far from the data (row 60000, column ZZ)"),
    "a far cell with its attributes in another order": (
        lambda d: raw_xlsx(d / "order.xlsx", HEADER_CELLS + '<row spans="1:702" r="60000"><c s="0" r="ZZ60000">'
                                                            '<v>1</v></c></row>'),
        "something lies far from the data (row 60000, column ZZ)"),
    "bytes before the zip": (
        lambda d: raw_xlsx(d / "prefix.xlsx", HEADER_CELLS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                           prefix=b"JUNK" * 10),
        "row 1048576, column XFD"),
    "references after a newline, in single quotes, in small letters": (
        lambda d: raw_xlsx(d / "quotes.xlsx", HEADER_CELLS + "<row\nr='1048576'><c\tr='xfd1048576'><v>1</v></c></row>"),
        "row 1048576, column XFD"),
    "spaces around the equals sign": (
        lambda d: raw_xlsx(d / "spaces.xlsx", HEADER_CELLS + '<row r = "60000"><c r =  "ZZ60000"><v>1</v></c></row>'),
        "row 60000, column ZZ"),
    "the sheet's attributes in another order": (
        lambda d: raw_xlsx(d / "wborder.xlsx", HEADER_CELLS + '<row r="60000"><c r="ZZ60000"><v>1</v></c></row>',
                           wb=_WB.replace('<sheet name="客户" sheetId="1" r:id="rId1"/>',
                                          "<sheet r:id='rId1' sheetId='1' name='客户'/>")),
        "row 60000, column ZZ"),
    "shared strings declared in single quotes after a comment": (
        lambda d: raw_xlsx(d / "sst3.xlsx", HEADER_CELLS, sst="<!--" + "x" * 3000 + "--><sst xmlns='http://schemas."
                           "openxmlformats.org/spreadsheetml/2006/main' uniqueCount = '4000000000'><si><t>客户编号</t>"
                           "</si><si><t>客户名称</t></si></sst>"),
        "declares 4,000,000,000 strings"),
    "ods repeats in single quotes": (
        lambda d: ods(d / "quoted.ods", "<table:table-row table:number-rows-repeated='100000'><table:table-cell "
                      "table:number-columns-repeated='1000' office:value-type='float' office:value='1'><text:p>1"
                      "</text:p></table:table-cell></table:table-row>"),
        "expand to more than 50,000,000 cells"),
    "ods empty rows repeated before one value far right": (
        lambda d: ods(d / "empty_rows.ods", '<table:table-row table:number-rows-repeated="1000000"><table:table-cell/>'
                      '</table:table-row><table:table-row><table:table-cell table:number-columns-repeated="60"/>'
                      '<table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p>'
                      '</table:table-cell></table:table-row>'),
        "expand to more than 50,000,000 cells"),
    "a cell beyond Excel's last row": (
        lambda d: raw_xlsx(d / "rows.xlsx", HEADER_CELLS + '<row r="2000000"><c r="A2000000"><v>1</v></c></row>'),
        "lies beyond the largest sheet Excel allows"),
    "a cell whose own row is far below its row's": (
        lambda d: raw_xlsx(d / "cellrow.xlsx", HEADER_CELLS + '<row r="2"><c r="A2" t="s"><v>0</v></c>'
                                                              '<c r="ZZ900000"><v>1</v></c></row>'),
        "something lies far from the data (row 900000, column ZZ)"),
}


@pytest.mark.parametrize("case", list(ABORTING))
def test_a_file_that_aborted_the_reader_is_refused_with_a_message(case, tmp_path):
    build, message = ABORTING[case]
    path = build(tmp_path)
    assert path.stat().st_size < 20_000  # a small file: the danger is in what it declares
    proc = run_cli(["score", str(path), "--as-of", "2026-06-30", "--out", str(tmp_path / "r.xlsx"), "--no-register"])
    assert proc.returncode == 3, proc.stderr  # not a crash (a negative code is a signal: the reader aborted)
    assert message in proc.stderr and proc.stderr.startswith(f"credit-desk: {path}")
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and not (tmp_path / "r.xlsx").exists()


def test_a_binary_workbook_is_refused_with_what_to_do(tmp_path, capsys):
    path = tmp_path / "客户.xlsb"  # its sheets are binary: their used range cannot be checked before the reader
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
        z.writestr("[Content_Types].xml", _CT)
    code, err = cli(["score", str(path), "--as-of", "2026-06-30", "--out", str(tmp_path / "r.xlsx"), "--no-register"],
                    capsys)
    assert (code, err) == (3, f"credit-desk: {path}: an Excel binary workbook (.xlsb) is not read: open it in Excel "
                              f"and save it as an Excel workbook (.xlsx)")


def test_a_zip_bomb_is_refused_whatever_its_name_and_whatever_sizes_it_declares(tmp_path, monkeypatch):
    monkeypatch.setenv("CREDIT_DESK_MAX_UNPACKED_MB", "50")
    padding = {"xl/media/padding.bin": b"\0" * (80 * 2**20)}
    named_xls = raw_xlsx(tmp_path / "bomb.xls", HEADER_CELLS, extra=padding)  # a zip with an .xls name
    lying = raw_xlsx(tmp_path / "lying.xlsx", HEADER_CELLS, extra=padding)
    understate_sizes(lying, "xl/media/padding.bin", 1024)  # "1 KB", says the zip's directory
    assert zipfile.ZipFile(lying).getinfo("xl/media/padding.bin").file_size == 1024
    for path in (named_xls, lying):
        with pytest.raises(Exception) as exc:
            read_file(path)
        assert "refused: it unpacks to more than the limit of 50 MB" in str(exc.value)
    monkeypatch.setenv("CREDIT_DESK_MAX_UNPACKED_MB", "200")  # a trusted file: the limit raised, it is read
    assert read_file(named_xls).sheets[0].head(1)[0][:2] == ["客户编号", "客户名称"]


def test_real_sheets_with_far_cells_or_huge_declared_ranges_are_read(tmp_path):
    # a note typed a little away from the data, a declared range of the whole sheet, cells without references
    note = xlsx(tmp_path / "note.xlsx", {"客户": [*CUSTOMERS, *[[None]] * 150, [None] * 25 + ["备注"]]})
    declared = raw_xlsx(tmp_path / "declared.xlsx", HEADER_CELLS + '<row r="2"><c r="A2"><v>7</v></c>'
                        '<c r="B2" t="inlineStr"><is><t>丙</t></is></c></row>')
    data = zipfile.ZipFile(declared).read("xl/worksheets/sheet1.xml").replace(
        b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>')
    declared = raw_xlsx(tmp_path / "declared2.xlsx", "", extra={})
    with zipfile.ZipFile(tmp_path / "declared3.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        for info in zipfile.ZipFile(declared).infolist():
            z.writestr(info.filename, data if info.filename == "xl/worksheets/sheet1.xml"
                       else zipfile.ZipFile(declared).read(info.filename))
    norefs = raw_xlsx(tmp_path / "norefs.xlsx", '<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c></row>'
                      '<row><c><v>9</v></c><c t="inlineStr"><is><t>丁</t></is></c></row>')
    # "count" is how often the strings are used, and may be anything: only "uniqueCount" makes the reader reserve
    many_uses = raw_xlsx(tmp_path / "uses.xlsx", HEADER_CELLS + '<row r="2"><c r="A2"><v>5</v></c>'
                         '<c r="B2" t="s"><v>1</v></c></row>', sst='<sst xmlns="http://schemas.openxmlformats.org/'
                         'spreadsheetml/2006/main" count="4000000000" uniqueCount="2"><si><t>客户编号</t></si>'
                         '<si><t>客户名称</t></si></sst>')
    assert [(c.customer_id, c.name) for c in import_files([many_uses]).customers] == [("5", "客户名称")]
    assert [c.customer_id for c in import_files([note]).customers] == ["C1", "C2"]
    assert [(c.customer_id, c.name) for c in import_files([tmp_path / "declared3.xlsx"]).customers] == [("7", "丙")]
    assert [(c.customer_id, c.name) for c in import_files([norefs]).customers] == [("9", "丁")]


def test_a_workbook_saved_under_a_csv_name_is_read_as_a_workbook_and_said_so(tmp_path):
    path = xlsx(tmp_path / "客户.xlsx", {"客户": CUSTOMERS})
    renamed = path.rename(tmp_path / "客户.csv")
    r = import_files([renamed])
    assert [c.customer_id for c in r.customers] == ["C1", "C2"]
    assert ("客户", None, "the file is a workbook saved under a text-file name", "read as a workbook",
            "warning") in problems(r)


# ---------------------------------------------------------------- nothing unused without a word


def test_a_header_far_down_is_found_and_one_beyond_the_search_is_reported(tmp_path):
    titles = [[f"说明第{i}行"] for i in range(30)]
    found = xlsx(tmp_path / "row31.xlsx", {"客户": [*titles, *CUSTOMERS]})
    r = import_files([found])
    assert [c.customer_id for c in r.customers] == ["C1", "C2"] and r.sheets[0].header_row == 31
    beyond = xlsx(tmp_path / "row101.xlsx", {"客户": [*[[f"说明{i}"] for i in range(100)], *CUSTOMERS]})
    r = import_files([beyond])
    assert r.customers == [] and r.sheets[0].kind == "ignored"
    (issue,) = r.issues
    assert issue.problem == "no header row of a customer sheet, sales ledger or receipts list in the first 100 rows"
    assert issue.value == "1: 说明0; 2: 说明1; 3: 说明2" and issue.severity == "warning"


def test_a_two_row_header_under_a_merged_group_header_is_read(tmp_path):
    path = tmp_path / "merged.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("销售")
    ws.merge_range(0, 0, 1, 0, "客户编号")
    ws.merge_range(0, 1, 1, 1, "开票日期")
    ws.merge_range(0, 2, 1, 2, "金额")
    ws.merge_range(0, 3, 0, 4, "回款")
    ws.write_row(1, 3, ["日期", "金额"])
    ws.write_row(2, 0, ["C1", "2026-01-05", 1000, "2026-02-01", 600])
    wb.close()
    r = import_files([xlsx(tmp_path / "c.xlsx", {"客户": CUSTOMERS}), path])
    src = next(s for s in r.sheets if s.sheet == "销售")
    assert (src.kind, src.header_row) == ("ledger", 2)
    assert src.columns["paid_date"] == "回款 日期" and src.columns["paid_amount"] == "回款 金额"
    row = r.ledger.iloc[0]
    assert (row["amount"], row["paid_amount"], str(row["paid_date"])[:10], int(row["row"])) == \
        (1000.0, 600.0, "2026-02-01", 3)


@pytest.mark.parametrize(("file_name", "sheet", "expected"), [
    ("数据.xlsx", "Sheet1", None),                 # nothing says which: not used, reported as an error
    ("数据.xlsx", "回款明细", "receipts"),          # the sheet's name says so
    ("2026年回款.xlsx", "Sheet1", "receipts"),      # the file's name says so
    ("数据.xlsx", "销售台账", "ledger"),
])
def test_a_receipts_list_with_bare_headers_is_not_taken_for_a_ledger_silently(tmp_path, file_name, sheet, expected):
    ledger = xlsx(tmp_path / "销售.xlsx", {"销售": [["客户编号", "发票号", "开票日期", "金额"],
                                                        ["C1", "F1", "2026-01-05", 1000]]})
    bare = xlsx(tmp_path / file_name, {sheet: [["客户编号", "日期", "金额"], ["C1", "2026-02-01", 1000]]})
    r = import_files([xlsx(tmp_path / "c.xlsx", {"客户": CUSTOMERS}), ledger, bare])
    src = next(s for s in r.sheets if s.sheet == sheet)
    (tie,) = [i for i in r.issues if i.problem == "the headers fit a sales ledger or receipts list"]
    assert (tie.sheet, tie.row) == (sheet, 1)
    if expected is None:
        assert src.kind == "ignored" and tie.severity == "error" and tie.action.startswith("sheet not used")
        assert len(r.ledger) == 1 and len(r.receipts) == 0  # the sales are not doubled
    else:
        assert src.kind == expected and tie.severity == "warning"
        assert tie.action == f"read as a {'receipts list' if expected == 'receipts' else 'sales ledger'}, " \
                             f"as its name says"
        assert (len(r.ledger), len(r.receipts)) == ((1, 1) if expected == "receipts" else (2, 0))


def test_a_sheet_no_kind_fits_is_listed_with_its_first_rows(tmp_path):
    path = xlsx(tmp_path / "客户.xlsx", {"客户": CUSTOMERS, "备注": [["本表为2026年客户资料"], [None], ["制表人", "张三"]],
                                            "空白": []})
    r = import_files([path])
    assert [(i.sheet, i.value, i.severity) for i in r.issues] == [("备注", "1: 本表为2026年客户资料; 3: 制表人 | 张三",
                                                                   "warning")]
    assert {s.sheet: s.empty for s in r.sheets if s.kind == "ignored"} == {"备注": False, "空白": True}


def test_total_rows_are_told_from_customers_by_position_and_keys_not_by_a_word(tmp_path):
    customers = [["客户编号", "客户名称"], ["C1", "Total Logistics Co."], ["C2", "合计贸易有限公司"],
                 ["C3", "小计"],                   # a customer with an ID, whatever its name
                 ["合计", None], ["Grand Total:", None]]
    ledger = [["客户编号", "发票号", "开票日期", "金额"], ["C1", "F1", "2026-01-05", 100], ["C3", "F2", "2026-01-06", 50],
              ["本页小计：", None, None, 150], ["total (元)", None, None, 150], ["C2", "F3", "2026-01-07", 70],
              ["合计", "F4", "2026-01-08", 10]]   # a total word with an invoice beside it: a data row (unknown ID)
    r = import_files([xlsx(tmp_path / "c.xlsx", {"客户": customers}), xlsx(tmp_path / "l.xlsx", {"销售": ledger})])
    assert [c.customer_id for c in r.customers] == ["C1", "C2", "C3"]
    totals = [(i.sheet, i.row) for i in r.issues if i.problem == "total row"]
    assert totals == [("客户", 5), ("客户", 6), ("销售", 4), ("销售", 5)]
    assert sorted(r.ledger["invoice_no"]) == ["F1", "F2", "F3"]
    (unknown,) = [i for i in r.issues if i.problem == "customer ID not on the customer sheet"]
    assert (unknown.row, unknown.value, unknown.severity) == (7, "合计", "error")


@pytest.mark.skipif(not hasattr(os, "link"), reason="hard links")
def test_two_names_of_one_file_are_read_once(tmp_path):
    ledger = xlsx(tmp_path / "销售.xlsx", {"销售": [["客户编号", "发票号", "开票日期", "金额"], ["C1", "F1", "2026-01-05", 100]]})
    other_name = tmp_path / "销售 副本.xlsx"
    os.link(ledger, other_name)
    r = import_files([xlsx(tmp_path / "c.xlsx", {"客户": CUSTOMERS}), ledger, other_name])
    assert len(r.ledger) == 1  # not doubled, not two duplicates of every invoice
    (same,) = [i for i in r.issues if i.problem.startswith("the same file as")]
    assert (same.file, same.action, same.severity) == ("销售 副本.xlsx", "read once", "warning")
    assert str(ledger) in same.problem


def test_no_customer_sheet_names_each_input_and_what_it_was_taken_for(tmp_path, capsys):
    ledger = xlsx(tmp_path / "销售.xlsx", {"销售": [["客户编号", "发票号", "开票日期", "金额"], ["C1", "F1", "2026-01-05", 1]],
                                               "说明": [["仅供参考"]]})
    code, err = cli(["score", str(ledger), "--as-of", "2026-06-30", "--out", str(tmp_path / "r.xlsx"),
                     "--no-register"], capsys)
    assert code == 3
    assert err == ("credit-desk: Nothing to rate: no customer sheet was found among the inputs (销售.xlsx / 销售: read "
                   "as a sales ledger; 销售.xlsx / 说明: no header row recognised); a customer sheet needs the columns "
                   "客户编号 and 客户名称 (name it with --customers FILE[:SHEET])")


# ---------------------------------------------------------------- outputs


def _score(tmp_path: Path, *extra: str) -> list[str]:
    return ["score", *SAMPLES, "--as-of", "2026-06-30", "--no-register", *extra]


def test_no_output_may_be_another_output_the_register_the_policy_or_an_input(tmp_path, capsys):
    out = tmp_path / "结果.xlsx"
    out.write_bytes(b"previous results")
    policy = tmp_path / "policy.xlsx"  # a policy under a workbook's name: still an input, never overwritten
    policy.write_text((templates_dir() / "policy" / "default.toml").read_text(encoding="utf-8"), encoding="utf-8")
    inputs = tmp_path / "样例"  # copies beside the test's files: a hard link cannot cross volumes (the checkout
    inputs.mkdir()  # on D: and the temporary folder on C: on GitHub's Windows runner)
    samples = [str(shutil.copy2(s, inputs)) for s in SAMPLES]
    os.link(samples[0], tmp_path / "link.xlsx")
    cases = [
        (["--out", str(out), "--json", str(out)], 2, "named for two outputs"),
        (["--out", str(out), "--json", str(tmp_path / "." / "结果.xlsx")], 2, "named for two outputs"),
        (["--out", str(out), "--forms", str(tmp_path / "结果.XLSX")], 2, "differing only in capitals"),
        (["--out", str(tmp_path / "a.xlsx"), "--detail", str(tmp_path / "f.xlsx"), "--forms", str(tmp_path / "f.xlsx")],
         2, "named for two outputs"),
        (["--out", str(tmp_path / "link.xlsx")], 4, "is one of the input files"),  # a hard link of an input
        (["--out", str(policy), "--policy", str(policy)], 4, "is one of the input files"),
        (["--out", str(tmp_path / "new.xlsx"), "--policy", str(tmp_path / "NEW.xlsx")], 4, "is one of the input files"),
    ]
    for extra, code, words in cases:
        got, err = cli(["score", *samples, "--as-of", "2026-06-30", "--no-register", *extra], capsys)
        assert (got, words in err, err.count("\n")) == (code, True, 0), (extra, err)
    reg = tmp_path / "reg.xlsx"  # a register under a workbook's name, given as the output too
    got, err = cli(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(reg), "--register", str(reg)], capsys)
    assert (got, "is the rating register" in err) == (2, True)
    got, err = cli(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(tmp_path / "x.xlsx"), "--register",
                    SAMPLES[0]], capsys)
    assert (got, "the rating register is one of the input files" in err) == (4, True)
    assert out.read_bytes() == b"previous results" and not reg.exists() and not (tmp_path / "new.xlsx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.xlsx", "policy.xlsx", "样例", "结果.xlsx"]


@pytest.mark.parametrize(("as_of", "code", "words"), [
    ("9999-12-31", 2, "the assessment date 9999-12-31 is outside 1900-01-01 to 2100-12-31"),
    ("0001-01-01", 2, "the assessment date 0001-01-01 is outside 1900-01-01 to 2100-12-31"),
    ("2026-02-30", 2, "not a date in YYYY-MM-DD form"),
    ("2100-12-31", 0, None),  # the last day that can be an assessment date
    ("1900-01-01", 0, None),
])
def test_the_assessment_date_is_range_checked(tmp_path, capsys, as_of, code, words):
    got, err = cli(["score", *SAMPLES, "--as-of", as_of, "--out", str(tmp_path / "r.xlsx"), "--no-register"], capsys)
    assert got == code and "Traceback" not in err
    if words:
        assert words in err and not (tmp_path / "r.xlsx").exists()
    else:
        assert (tmp_path / "r.xlsx").exists()


def test_the_services_refuse_an_assessment_date_out_of_range_for_the_window_too():
    from desktop.errors import UsageError
    from desktop.session import ImportRequest, RateRequest, Session
    reading = ImportRequest(tuple(Path(p) for p in SAMPLES), (), date(2101, 1, 1), None, {}, strict=True)
    with pytest.raises(UsageError, match="outside 1900-01-01 to 2100-12-31"):
        Session().run(RateRequest(reading, None, None, None, None, ()))


# ---------------------------------------------------------------- the last line of defence


@pytest.mark.parametrize(("raised", "code", "line"), [
    (KeyError("boom"), 70, "credit-desk: internal error (KeyError); nothing was written or recorded; the details are in "),
    (MemoryError(), 3, "credit-desk: not enough memory to finish (the files are too large for this computer); nothing "
                       "was written or recorded"),
    (OSError(28, "No space left on device"), 4, "credit-desk: the disk is full; nothing was replaced or recorded"),
])
def test_a_bug_no_memory_or_a_full_disk_is_one_line_and_the_detail_goes_to_the_log(tmp_path, capsys, monkeypatch,
                                                                                  raised, code, line):
    from desktop import diagnostics, services

    def broken(*args, **kwargs):
        raise raised

    monkeypatch.setattr(services, "rate_imported", broken)
    out = tmp_path / "r.xlsx"
    got, err = cli(["score", *SAMPLES, "--as-of", "2026-06-30", "--out", str(out), "--no-register"], capsys)
    assert got == code and err.startswith(line) and "\n" not in err and "Traceback" not in err
    assert not out.exists()
    log = diagnostics.log_file()
    assert log is not None and log.parent == Path(os.environ["CREDIT_DESK_LOG_DIR"]).resolve()
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and type(raised).__name__ in text
    if code == 70:  # the log named, then how to log each step
        assert err.endswith(f"{log} (run again with --log-level=debug to log each step)")


def test_the_program_itself_prints_no_traceback_for_a_bug_a_thread_or_an_unraisable_error(tmp_path):
    """Run as a clerk runs it (not in-process): the hooks are installed, stderr holds one line."""
    script = (
        "import sys, threading\n"
        "from desktop import services\n"
        "class Leaky:\n"
        "    def __del__(self):\n"
        "        raise OSError(28, 'No space left on device')  # as ZipFile.__del__ on a full disk\n"
        "def broken(*a, **k):\n"
        "    Leaky()\n"
        "    t = threading.Thread(target=lambda: 1 / 0)\n"
        "    t.start(); t.join()\n"
        "    raise RuntimeError('a bug')\n"
        "services.rate_imported = broken\n"
        "from desktop.cli import main\n"
        f"sys.argv = ['credit-desk', 'score', *{SAMPLES!r}, '--as-of', '2026-06-30', '--out', "
        f"{str(tmp_path / 'r.xlsx')!r}, '--no-register']\n"
        "sys.exit(main())\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                          env={**os.environ, "CREDIT_DESK_LOG_DIR": str(tmp_path / "logs"), "PYTHONIOENCODING": "utf-8"},
                          timeout=300)
    assert proc.returncode == 70
    assert proc.stderr.startswith("credit-desk: internal error (RuntimeError)") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    log = (tmp_path / "logs" / "cli.log").read_text(encoding="utf-8")
    assert "RuntimeError: a bug" in log and "ZeroDivisionError" in log and "No space left on device" in log


# ---------------------------------------------------------------- found by trying the readers as an attacker would


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_given_as_an_input_or_a_policy_is_refused_not_waited_for(tmp_path):
    fifo = tmp_path / "客户.csv"
    os.mkfifo(fifo)
    for args in (["score", str(fifo)], ["score", SAMPLES[0], "--policy", str(fifo)]):
        proc = run_cli([*args, "--as-of", "2026-06-30", "--out", str(tmp_path / "r.xlsx"), "--no-register"])
        assert proc.returncode == 3 and "not a file (a folder, a device or a pipe)" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_the_1904_date_system_is_found_however_its_attribute_is_written(tmp_path):
    base = xlsx(tmp_path / "base.xlsx", {"客户": [["客户编号", "客户名称", "首次合作日期"], ["C1", "甲", 43966]]})
    parts = {i.filename: zipfile.ZipFile(base).read(i.filename) for i in zipfile.ZipFile(base).infolist()}
    for written in (b"<workbookPr date1904='1'/>", b'<workbookPr date1904 = "true"/>'):
        xml = parts["xl/workbook.xml"]
        start = xml.find(b"<workbookPr")
        end = xml.find(b"/>", start) + 2
        path = tmp_path / f"d1904-{len(written)}.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, xml[:start] + written + xml[end:] if name == "xl/workbook.xml" else data)
        assert import_files([path]).customers[0].first_trade_date == date(2024, 5, 16)  # 43966 days from 1904


def test_a_header_repeated_below_the_data_is_not_a_customer(tmp_path):
    header = "客户编号,客户名称,资产总额(万元),首次合作日期\n"
    path = tmp_path / "两次导出.csv"
    path.write_text(header + "C001,甲,1000,2020-01-01\n" + header + "C002,乙,1000,2020-01-01\n", encoding="utf-8")
    r = import_files([path])
    assert [c.customer_id for c in r.customers] == ["C001", "C002"]
    assert problems(r) == [("两次导出", 3, "the header row again", "row not used", "warning")]


def test_formula_and_error_cells_are_reported_however_their_tags_are_written(tmp_path):
    body = (HEADER_CELLS.replace("</row>", '<c r="C1" t="inlineStr"><is><t>资产总额</t></is></c></row>')
            + '<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>甲</t></is></c>'
              "<c s='0' r='C2'><f>1/0</f></c></row>"
            + '<row r="3"><c r="A3"><v>2</v></c><c r="B3" t="inlineStr"><is><t>乙</t></is></c>'
              '<c t="e" r="C3"><f>1/0</f><v>#DIV/0!</v></c></row>')
    r = import_files([raw_xlsx(tmp_path / "cells.xlsx", body)])
    found = sorted((i.row, i.value, i.problem) for i in r.issues)
    # the reader's marker for a formula without its value is not shown as the cell's value
    assert found == [(2, None, "formula without a saved value (open and save the file in Excel first)"),
                     (3, "#DIV/0!", "Excel error value #DIV/0!")]  # one issue a cell, each naming the header's column
    assert all(i.column == "C 资产总额" for i in r.issues)


def test_a_formula_in_every_row_is_scanned_once_and_a_cell_with_a_long_tag_still_found(tmp_path):
    # 60,000 formula cells with their values: each "<f" is a place the scan looks back for its
    # cell's tag; looking back to the start of the part each time took minutes (quadratic)
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}" t="inlineStr"><is><t>甲</t></is></c>'
                   f'<c r="C{n}"><f>A{n}*2</f><v>{2 * n}</v></c></row>' for n in range(2, 60_002))
    # a cell whose tag runs over 100 KB (attributes a program may add) before its error value
    padding = " ".join(f'x:a{k}="{k}"' for k in range(12_000))
    rows += (f'<row r="60002"><c r="A60002"><v>1</v></c><c r="B60002" t="inlineStr"><is><t>乙</t></is></c>'
             f'<c r="C60002" {padding} t="e"><v>#N/A</v></c></row>')
    body = HEADER_CELLS.replace("</row>", '<c r="C1" t="inlineStr"><is><t>资产总额</t></is></c></row>') + rows
    r = import_files([raw_xlsx(tmp_path / "formulas.xlsx", body)])
    assert len(r.customers) == 60_001  # every row read, its formula's value taken
    assert r.customers[0].total_assets == 4  # 资产总额 of row 2: the formula's saved value
    # the only issue: the error value, in the cell whose tag is long; every formula had its value
    assert [(i.row, i.value, i.problem) for i in r.issues] == [(60002, "#N/A", "Excel error value #N/A")]


def test_a_zip_holding_two_parts_of_one_name_is_refused(tmp_path):
    path = raw_xlsx(tmp_path / "twice.xlsx", HEADER_CELLS)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(path, "a") as z:
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    with pytest.raises(Exception, match="holds two parts of one name") as caught:
        read_file(path)
    assert "xl/worksheets/sheet1.xml" in caught.value.detail  # the part's name goes to the log


def test_ids_that_differ_only_in_capitals_are_said_to_be_two_customers(tmp_path):
    r = import_files([xlsx(tmp_path / "c.xlsx", {"客户": [["客户编号", "客户名称"], ["C001", "甲"], ["c001", "甲公司"],
                                                             ["C002", "乙"], ["8801", "丙"]]})])
    assert [c.customer_id for c in r.customers] == ["C001", "c001", "C002", "8801"]  # rated, as written
    assert [(i.row, i.value, i.problem, i.severity) for i in r.issues] == [
        (2, "C001", "customer ID differs from c001 only in capitals", "warning"),
        (3, "c001", "customer ID differs from C001 only in capitals", "warning")]
