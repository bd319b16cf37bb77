"""The plain path of the CSV reader: a plain file read a few MB of lines at a time, straight into
Arrow columns, gives what the careful path gives (tests/conftest.py's ``_plain_csv_checked``
compares the two on every CSV file any test reads), holds far less, and gives way to the careful
path for every file it cannot read the same way."""

from __future__ import annotations

import random
import sys
import tracemalloc
from pathlib import Path

import pytest

from desktop.io import workbook
from desktop.io.workbook import _BLANK_CELL, _read_csv, _read_csv_plain, read_file


def _careful(monkeypatch, data: bytes, path: Path, max_rows=None):
    monkeypatch.setattr(workbook, "_read_csv_plain", lambda *a, **k: None)
    return _read_csv(data, path, max_rows)


def test_a_blank_cell_is_what_str_strip_leaves_empty():
    """The Arrow pattern of a blank cell holds every character Python calls whitespace and no other."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chars = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    matched = pc.match_substring_regex(pa.array(chars, pa.large_string()), _BLANK_CELL).to_pylist()
    assert [c for c, m in zip(chars, matched) if m] == [c for c in chars if c.isspace()]
    cells = ["", " ", "\u3000\t", " a ", "a", "\u200b", "\xa0\u2028"]
    assert pc.match_substring_regex(pa.array(cells, pa.large_string()), _BLANK_CELL).to_pylist() == \
        [not c.strip() for c in cells]


def _ledger(n: int, rng: random.Random) -> list[str]:
    lines = ["销售及应收明细账", "", "客户编号,客户名称,发票号码,开票日期,金额（元）,备注"]
    for i in range(n):
        row = [f"{rng.randrange(1000):06d}", f"华北五金{i}有限公司", f"FP{i:08d}", "2026-01-15",
               rng.choice(["1,200.00", "￥300", "  ", "\u3000", "45", "=1+1", "-5"]), rng.choice(["", "备注", " "])]
        kind = rng.random()
        if kind < 0.02:
            row = row[:3]  # short
        elif kind < 0.04:
            row += ["多", "出", "两列"]  # wide: a new column in a later piece
        elif kind < 0.05:
            row = []
        elif kind < 0.06:
            row = ["合计", "", "", "", "99", ""]
        lines.append(",".join(f'"{v}"' if "," in v else v for v in row))
    return lines


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_plain_ledger_in_small_pieces_reads_as_the_careful_path_reads_it(monkeypatch, encoding, newline):
    """Pieces of 300 bytes: rows of every width across piece boundaries, blank lines, blank and
    whitespace cells, a total row, a long value, CRLF or LF, with and without BOM. A file whose lines
    end in a lone CR (an old Mac's) is the careful path's: the plain one gives way."""
    rng = random.Random(f"{encoding}{newline!r}")
    lines = _ledger(1500, rng)
    lines[900] = "000777,长," + "长" * 40_000 + ",x"  # longer than an Excel cell: noted
    data = newline.join(lines).encode(encoding) + newline.encode()
    path = Path("销售 明细.csv")
    monkeypatch.setattr(workbook, "_PLAIN_CHUNK", 300)
    plain = _read_csv_plain(data, path)
    if newline == "\r":
        assert plain is None
        careful = _careful(monkeypatch, data, path)
        assert careful[0].frame.shape == (1503, 9) and careful[0].frame.iat[3, 0] == lines[3].split(",")[0]
        return
    assert plain is not None
    sheet, enc = plain
    assert enc == ("gbk" if encoding == "gbk" else "utf-8")
    assert sheet.frame.shape == (1503, 9)
    assert len(workbook._csv_chunks(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n"), 300)) > 50  # many pieces
    problems = {n.problem for n in sheet.notes}
    assert any("fields where the header row has 6" in p for p in problems)
    assert any("characters, more than an Excel cell holds" in p for p in problems)
    careful = _careful(monkeypatch, data, path)
    assert careful[1] == enc and careful[0].notes == sheet.notes
    assert sheet.frame.equals(careful[0].frame)
    assert sheet.frame.iat[3, 0] == lines[3].split(",")[0]  # text IDs keep their zeros


@pytest.mark.parametrize("max_rows", [0, 1, 2, 5, 250, 1200, 5000])
def test_a_preview_reads_the_first_rows_the_same_way(monkeypatch, max_rows):
    lines = _ledger(1200, random.Random(3))
    data = ("sep=,\n" + "\n".join(lines)).encode("gbk")
    monkeypatch.setattr(workbook, "_PLAIN_CHUNK", 500)
    sheet, _ = _read_csv_plain(data, Path("a.csv"), max_rows)
    careful, _ = _careful(monkeypatch, data, Path("a.csv"), max_rows)
    assert len(sheet.frame) == min(max_rows, len(lines)) == len(careful.frame)
    assert sheet.frame.equals(careful.frame) and sheet.notes == careful.notes
    assert all("(file line" in n.problem for n in sheet.notes if n.row is not None)  # the sep= line counted


def test_blank_only_and_empty_files(monkeypatch):
    for data in (b"", b"\n\n\n", b" \n\t\n", "\u3000\n".encode()):
        plain = _read_csv_plain(data, Path("e.csv"))
        careful = _careful(monkeypatch, data, Path("e.csv"))
        assert plain is not None
        assert plain[0].frame.equals(careful[0].frame) and plain[0].notes == careful[0].notes
        assert [n.problem for n in plain[0].notes] == ["the file is empty"]


@pytest.mark.parametrize("data", [
    b'a,b\n1,"two\nlines"\n',  # a cell with a line break
    b'a,b\n1,"open\n2,3\n',  # a stray quote
    "客户,金额\n".encode("gbk") + "华北,1\n".encode() + "东方,2\n".encode("gbk") * 5,  # GBK with a UTF-8 line
    "客户,金额\n".encode() + "华北,1\n".encode("gbk") + "东方,2\n".encode() * 5,  # UTF-8 with a GBK line
    "客户,金额\n华北,1\n".encode() + b"\xff\xfe,3\n",  # bytes valid in no encoding
    b"a,b\n" + b"1,2\n" * 50 + b"3,\x004\n",  # a NUL character
], ids=["line-break", "stray-quote", "gbk+utf8", "utf8+gbk", "invalid", "nul"])
def test_files_the_plain_path_cannot_read_the_same_way_go_the_careful_way(tmp_path, data):
    assert _read_csv_plain(data, Path("x.csv")) is None
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    assert read_file(path).sheets[0].n_rows >= 2  # read all the same, by the careful path


def test_the_plain_path_holds_a_fraction_of_what_the_careful_path_holds(monkeypatch):
    """Python's own allocations while a 30 MB GBK ledger is read (Arrow's buffers are outside
    them and about the size of the text): the plain path holds the bytes and one piece, the
    careful path every line and every cell as a Python string."""
    lines = _ledger(300_000, random.Random(5))
    data = "\n".join(lines).encode("gbk")
    del lines
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        sheet, _ = _read_csv_plain(data, Path("big.csv"))
        plain_peak = tracemalloc.get_traced_memory()[1] - base
        del sheet
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        careful, _ = _careful(monkeypatch, data, Path("big.csv"))
        careful_peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert len(careful.frame) == 300_003
    assert plain_peak < len(data), (plain_peak, len(data))
    assert careful_peak > 4 * plain_peak, (careful_peak, plain_peak)


def test_crlf_is_made_lf_piece_by_piece_and_a_lone_cr_goes_the_careful_way(monkeypatch):
    """The plain path makes CRLF a line end in each piece (no second copy of the file): a CRLF
    file cut into pieces of 300 bytes (a piece always ends at an LF, so no CRLF is split) reads
    as the careful path reads it. A lone CR ends a line too, and the encoding of each line must be
    judged on the lines as the careful path cuts them: a file with one is left to the careful
    path (a UTF-8 line in a GBK file ending in CR alone was read as GBK, garbled and unsaid)."""
    rng = random.Random(5)
    lines = _ledger(900, rng)
    data = "\r\n".join(lines).encode("gbk") + b"\r\n"
    path = Path("回车 换行.csv")
    monkeypatch.setattr(workbook, "_PLAIN_CHUNK", 300)
    assert len(workbook._csv_chunks(data, 300)) > 30
    plain = _read_csv_plain(data, path)
    assert plain is not None and plain[1] == "gbk"
    careful = _careful(monkeypatch, data, path)
    assert plain[0].frame.equals(careful[0].frame) and plain[0].notes == careful[0].notes
    assert plain[0].frame.shape[0] == len(lines)

    gbk = [line.encode("gbk") for line in lines[:300]]
    gbk[5] = "000004,厦门甲乙丙丁公司,FP4,2026-01-15,100,".encode()  # one UTF-8 line
    for mixed in (b"\r".join(gbk) + b"\r", b"\r\n".join(gbk[:100]) + b"\r" + b"\r\n".join(gbk[100:])):
        monkeypatch.undo()
        monkeypatch.setattr(workbook, "_PLAIN_CHUNK", 300)
        assert _read_csv_plain(mixed, path) is None
        sheet, _ = _read_csv(mixed, path)
        assert sheet.frame.iat[5, 1] == "厦门甲乙丙丁公司"
        assert any(n.row == 5 for n in sheet.notes)  # the line in another encoding is named
