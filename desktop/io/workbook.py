"""Open a user file as raw sheets: grids of cell text exactly as stored.

Spreadsheets (.xlsx, .xlsm, .xls, .ods; not .xlsb, whose binary sheets cannot be checked
before the reader allocates them) are read with fastexcel (calamine into
Arrow columns) with every column typed as text: no type guessing on the first rows, so a
text cell '001500' stays '001500' and a late text value in a number column is not lost.
Number cells arrive as their shortest text ('1500', '0.3'), date cells as
'YYYY-MM-DD HH:MM:SS' (1904 workbooks already converted), booleans as 'true'/'false'.
The parsers in ``values`` turn the text into typed columns, vectorised. CSV files are read
as text, in UTF-8 (with or without BOM) or GBK/GB18030.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from desktop.errors import InputFileError
from desktop.io import containers
from desktop.io.headers import column_letter
from desktop.io.values import FORMULA_WITHOUT_VALUE, is_blank

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}


class PasswordRequired(InputFileError):
    """The workbook is encrypted with a password (Excel's "Encrypt with Password")."""

    def __init__(self, path: Path, code: str, /, **values):
        super().__init__(code, file=path, **values)
        self.path = path
CSV_SUFFIXES = {".csv", ".txt"}
SUPPORTED = ", ".join(sorted(SPREADSHEET_SUFFIXES | {".csv"}))


@dataclass(frozen=True)
class SheetNote:
    """A problem the reader found in a sheet: 0-based row and column (None: the whole sheet or row)."""

    row: int | None
    col: int | None
    value: object
    problem: str
    action: str
    severity: str = "warning"


@dataclass
class RawSheet:
    """One sheet's cells as text: ``frame.iat[i, j]`` is Excel row i+1, column j+1 (NA when blank)."""

    name: str
    frame: pd.DataFrame
    visible: bool = True
    date1904: bool = False  # the workbook counts date serials from 1904
    # What the reader itself noticed (a stray CSV quote, a row of the wrong width, ...): one
    # SheetNote each, turned into a row issue by the importer whatever the sheet is read as.
    notes: list[SheetNote] = field(default_factory=list)

    @classmethod
    def from_rows(cls, name: str, rows: list[list[object]], visible: bool = True) -> RawSheet:
        width = max((len(r) for r in rows), default=0)
        grid = [[None if is_blank(v) else str(v) for v in r] + [None] * (width - len(r)) for r in rows]
        return cls(name, pd.DataFrame(grid, columns=range(width), dtype="str"), visible)

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    def head(self, n: int) -> list[list[object]]:
        """The first ``n`` rows as lists (None for a blank cell): header detection and previews."""
        part = self.frame.iloc[:n]
        return [[None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v for v in row]
                for row in part.itertuples(index=False, name=None)]  # NaN is how a str column says blank


@dataclass
class RawFile:
    path: Path
    sha256: str
    sheets: list[RawSheet]
    encoding: str | None = None  # for CSV

    @property
    def name(self) -> str:
        return self.path.name


def read_file(path: str | Path, password: str | None = None, max_rows: int | None = None) -> RawFile:
    """Read every sheet of ``path``; raise InputFileError with a clerk-readable reason.

    An encrypted workbook raises PasswordRequired unless ``password`` opens it; it is
    decrypted in memory, never written to disk. ``max_rows`` reads only the first rows
    (a preview for the column-mapping dialog).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES | CSV_SUFFIXES:
        raise InputFileError("error.file.unsupported_type", file=path, suffix=suffix or "(none)", supported=SUPPORTED)
    try:
        if path.exists() and not stat.S_ISREG(path.stat().st_mode):  # a pipe would wait for ever, a device never end
            raise InputFileError("error.file.not_a_file", file=path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError("error.file.not_found", file=path) from None
    except PermissionError:
        raise InputFileError("error.file.locked", file=path) from None
    except OSError as exc:
        raise InputFileError("error.file.cannot_read", file=path, detail=str(exc.strerror or exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    content = containers.sniff(data)  # what the file is, whatever its name says
    if suffix in CSV_SUFFIXES and content == "other":
        sheet, encoding = _read_csv(data, path, max_rows)
        return RawFile(path, digest, [sheet], encoding)
    renamed = suffix in CSV_SUFFIXES
    if content == "ole":
        data = _decrypt_if_encrypted(data, path, password)
        content = containers.sniff(data)
    package = containers.inspect(data, path) if content == "zip" else None
    if package is not None and package.kind == "xlsb":  # binary sheets: their used range cannot be checked
        raise InputFileError("error.file.xlsb", file=path)
    if renamed:
        suffix = ".xls" if content == "ole" else ".xlsx" if package is None or package.kind != "ods" else ".ods"
    sheets = _read_spreadsheet(data, path, suffix, max_rows, package)
    if renamed and sheets:
        sheets[0].notes.append(SheetNote(None, None, path.name, "the file is a workbook saved under a text-file name",
                                         "read as a workbook"))
    return RawFile(path, digest, sheets)


def _decrypt_if_encrypted(data: bytes, path: Path, password: str | None) -> bytes:
    import msoffcrypto

    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = office.is_encrypted()
    except Exception:
        return data  # not an Office container we know: calamine reports what it is
    if not encrypted:
        return data
    if not password:
        raise PasswordRequired(path, "error.file.password_needed")
    out = io.BytesIO()
    try:
        office.load_key(password=password)
        office.decrypt(out)
    except Exception:
        raise PasswordRequired(path, "error.file.wrong_password") from None
    return out.getvalue()


def _read_csv(data: bytes, path: Path, max_rows: int | None = None) -> tuple[RawSheet, str]:
    """A CSV or text file as one sheet, and the encoding it was read in ('utf-8', 'gbk' or 'utf-16').

    Read as Excel reads it: UTF-8 with or without BOM, GBK/GB18030, or Excel's "Unicode text"
    (UTF-16); CRLF, LF or old Mac CR line ends; a first line ``sep=;`` (Excel's hint, not a
    row); comma, semicolon or tab, whichever gives the most rows of one width. Record i of the
    file is row i + 1, as Excel shows it (blank lines are blank rows). What does not read
    cleanly is still read, and named in a SheetNote: a quote not closed on its line (the quote
    is taken as a character and the lines after it stay rows, instead of all being swallowed
    into one cell), rows of another width than the header row, values longer than an Excel
    cell, lines in another encoding or with invalid bytes, NUL characters. Only a file that is
    not text is refused.
    """
    import bisect

    csv.field_size_limit(2**31 - 1)  # long values are read whole; a C long (32 bits on Windows) holds it
    if _csv_utf16(data) is None:
        plain = _read_csv_plain(data, path, max_rows)
        if plain is not None:
            return plain
    lines, encoding, line_notes, notes = _csv_lines(data, path)
    start, delim = 0, None
    sep = re.fullmatch(r'"?sep=(.)"?\s*', lines[0], re.IGNORECASE) if lines else None
    if sep:
        start, delim = 1, sep.group(1)
    if delim is None:
        delim = _csv_delimiter(lines, start, prefer_tab=encoding == "utf-16" or path.suffix.lower() == ".txt")
    sample = list(csv.reader(lines[start:start + 200], delimiter=delim))
    rows, first, notes_found = _csv_records(lines, start, delim, _csv_header(sample), max_rows)
    notes += notes_found
    if not any(line.strip() for line in lines[start:]):
        notes.append(SheetNote(None, None, None, "the file is empty", "nothing read"))

    def where(k: int) -> str:
        """The file's lines of row k + 1, when they are other lines (a sep= line, a cell with line breaks)."""
        a, b = first[k] + 1, first[k + 1]
        if a == b:
            return "" if a == k + 1 else f" (file line {a})"
        return f" (file lines {a}-{b})"

    header = _csv_header(rows)
    if header is not None:
        h, width, named = header
        for k in range(h + 1, len(rows)):
            r = rows[k]
            if len(r) == width or not r:
                continue
            used = _csv_width(r)
            if used and (used > named or len(r) < named):
                notes.append(SheetNote(k, None, _csv_cut(lines[first[k]]),
                                       f"{used if used > named else len(r)} fields where the header row has "
                                       f"{named}{where(k)}",
                                       "values read in order from column A; check that each is under its header"))
    if max(map(len, lines), default=0) > EXCEL_CELL_CHARS:
        for k, r in enumerate(rows):
            if first[k + 1] - first[k] > 1 or len(lines[first[k]]) > EXCEL_CELL_CHARS:
                notes.extend(SheetNote(k, j, _csv_cut(v), f"{len(v):,} characters, more than an Excel cell holds "
                                       f"(32,767){where(k)}", "read in full; cut to fit where written to a workbook")
                             for j, v in enumerate(r) if len(v) > EXCEL_CELL_CHARS)
    for line, found in line_notes.items():  # what decoding found, on the row that holds the line
        k = bisect.bisect_right(first, line) - 1
        if line < start or k >= len(rows):
            continue
        for problem, action, value, replaced in found:
            col = next((j for j, v in enumerate(rows[k]) if "\ufffd" in v), None) if replaced else None
            notes.append(SheetNote(k, col, value if col is None else _csv_cut(rows[k][col]), problem, action))
    if max_rows is not None:
        rows = rows[:max_rows]
        notes = [n for n in notes if n.row is None or n.row < max_rows]
    sheet = RawSheet.from_rows(path.stem, rows)
    sheet.notes.extend(sorted(notes, key=lambda n: (n.row is not None, n.row or 0, -1 if n.col is None else n.col)))
    return sheet, encoding


EXCEL_CELL_CHARS = 32_767
_PLAIN_CHUNK = 256 << 10  # bytes of lines read at a time by the plain path (its Python objects: about 20 times that)
# A cell Python's str.strip() leaves empty, as Arrow's regular expressions say it (is_blank's rule;
# tests/test_hostile_csv.py checks the characters against str.isspace).
_BLANK_CELL = "^[\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"


def _read_csv_plain(data: bytes, path: Path, max_rows: int | None = None) -> tuple[RawSheet, str] | None:
    """A plain CSV file read a few MB of lines at a time, straight into Arrow columns: the same
    sheet, notes and encoding as ``_read_csv`` gives, holding no more than the file's bytes and its
    cells' Arrow text (a 5,000,000-row ledger otherwise held every line and cell as a Python
    string: several GB). Plain: wholly UTF-8, or wholly GBK with no line that reads as UTF-8, no
    NUL character and no record over more than one line (a cell with a line break, a stray
    quote). Anything else gives None, and the file is read the careful way."""
    import pyarrow as pa
    import pyarrow.compute as pc

    notes: list[SheetNote] = []
    data, bom = _csv_bytes(data, path, notes, lf=False)
    if b"\x00" in data:
        return None
    cr = b"\r" in data
    if cr and data.count(b"\r") != data.count(b"\r\n"):
        return None  # a lone CR (an old Mac's line end) ends a line too: the careful path reads that
    cuts = _csv_chunks(data, _PLAIN_CHUNK)
    encoding = _csv_plain_encoding(data, cuts, bom)
    if encoding is None:
        return None
    codec = "utf-8" if encoding == "utf-8" else "gb18030"
    text_type = pa.large_string()
    chunks: list[tuple[int, list[pa.Array]]] = []  # each piece's rows, and its columns
    n_rows, start, header, nonblank = 0, 0, None, False
    delim = ","
    for piece, (a, b) in enumerate(cuts):
        text = data[a:b].decode(codec)
        if cr:  # CRLF made LF, as the careful path makes it (a piece ends at an LF: no CRLF is split)
            text = text.replace("\r\n", "\n")
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        if piece == 0:
            sep = re.fullmatch(r'"?sep=(.)"?\s*', lines[0], re.IGNORECASE) if lines else None
            if sep:
                start, delim = 1, sep.group(1)
            else:
                delim = _csv_delimiter(lines, 0, prefer_tab=path.suffix.lower() == ".txt")
            lines = lines[start:]
        nonblank = nonblank or any(line.strip() for line in lines)
        if max_rows is not None:
            if n_rows >= max_rows:
                if nonblank:
                    break
                continue
            lines = lines[:max_rows - n_rows]
        reader = csv.reader(lines, delimiter=delim, strict=True)
        try:
            rows = list(reader)
        except csv.Error:
            return None
        if reader.line_num != len(rows):  # a record over several lines
            return None
        if piece == 0:
            header = _csv_header(rows)
        notes += _csv_plain_notes(rows, lines, n_rows, start, header)
        width = max(map(len, rows), default=0)
        if any(len(r) != width for r in rows):
            rows = [r if len(r) == width else r + [None] * (width - len(r)) for r in rows]
        columns = []
        for col in zip(*rows):
            cells = pa.array(col, type=text_type)
            columns.append(pc.if_else(pc.match_substring_regex(cells, _BLANK_CELL), pa.scalar(None, text_type), cells))
        if rows:
            chunks.append((len(rows), columns))
        n_rows += len(rows)
    if not nonblank:
        notes.append(SheetNote(None, None, None, "the file is empty", "nothing read"))
    width = max((len(columns) for _, columns in chunks), default=0)
    if width:
        # Each column is its pieces as they were read (a chunked Arrow array): joining them into one
        # buffer would hold every cell's text twice at the end of a big file.
        frame = pd.DataFrame({j: pd.array(pa.chunked_array(
            [columns[j] if j < len(columns) else pa.nulls(n, text_type) for n, columns in chunks],
            text_type), dtype="str") for j in range(width)})
        frame.columns = range(width)
    else:
        frame = pd.DataFrame([[]] * n_rows, columns=range(0), dtype="str")
    sheet = RawSheet(path.stem, frame)
    sheet.notes.extend(sorted(notes, key=lambda n: (n.row is not None, n.row or 0, -1 if n.col is None else n.col)))
    return sheet, encoding


def _csv_chunks(data: bytes, size: int = _PLAIN_CHUNK, first_lines: int = 250) -> list[tuple[int, int]]:
    """Where to cut ``data`` into pieces of about ``size`` bytes of whole lines, the first holding at
    least ``first_lines`` lines (the separator, the header and the header's width are found there)."""
    cuts: list[tuple[int, int]] = []
    a, n = 0, len(data)
    while a < n:
        b = a + size
        if not cuts:
            pos = -1
            for _ in range(first_lines):
                pos = data.find(b"\n", pos + 1)
                if pos < 0:
                    break
            b = n if pos < 0 else max(b, pos + 1)
        if b < n:
            nl = data.find(b"\n", b - 1)
            b = n if nl < 0 else nl + 1
        cuts.append((a, min(b, n)))
        a = min(b, n)
    return cuts


def _csv_plain_encoding(data: bytes, cuts: list[tuple[int, int]], bom: bool) -> str | None:
    """'utf-8' or 'gbk' when the whole file is in that one encoding as ``_csv_decode_mixed`` reads
    it (GBK: most of the file, every byte valid, no line that it would read as UTF-8), else None.
    A line end is never inside a character in either, so the pieces decode on their own."""
    try:
        for a, b in cuts:
            data[a:b].decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    invalid = re.compile("[\udc80-\udcff]")
    utf8_line = re.compile("(?m)^[^\n\udc80-\udcff]*[^\x00-\x7f\udc80-\udcff][^\n\udc80-\udcff]*$")
    invalid_bytes = utf8_chars = 0
    first = None
    ascii_bytes = bytes(range(128))
    for a, b in cuts:
        piece = data[a:b]
        try:
            piece.decode("gb18030")
        except UnicodeDecodeError:
            return None
        loose = piece.decode("utf-8", "surrogateescape")
        valid = piece.decode("utf-8", "ignore")
        invalid_bytes += len(loose) - len(valid)
        utf8_chars += len(valid) - (len(piece) - len(piece.translate(None, ascii_bytes)))
        if first is None:
            first = loose.split("\n", 1)[0]
        if any(_utf8_like(m.group()) for m in utf8_line.finditer(loose)):
            return None
    if utf8_chars > invalid_bytes or (bom and first and not first.isascii() and invalid.search(first) is None):
        return None  # most of it is UTF-8: the careful way reads its GBK lines and notes them
    return "gbk"


def _csv_plain_notes(rows: list[list[str]], lines: list[str], first_row: int, start: int,
                     header: tuple[int, int, int] | None) -> list[SheetNote]:
    """``_read_csv``'s notes on rows of the wrong width and on values longer than a cell, for the
    plain path's piece of records (one line each) that begins at record ``first_row``."""
    notes = []

    def where(k: int) -> str:
        return "" if start == 0 else f" (file line {start + k + 1})"

    if header is not None:
        h, width, named = header
        for i in [i for i, n in enumerate(map(len, rows)) if n != width]:
            k, r = first_row + i, rows[i]
            if k <= h or not r:
                continue
            used = _csv_width(r)
            if used and (used > named or len(r) < named):
                notes.append(SheetNote(k, None, _csv_cut(lines[i]),
                                       f"{used if used > named else len(r)} fields where the header row has "
                                       f"{named}{where(k)}",
                                       "values read in order from column A; check that each is under its header"))
    for i in [i for i, n in enumerate(map(len, lines)) if n > EXCEL_CELL_CHARS]:
        k = first_row + i
        notes.extend(SheetNote(k, j, _csv_cut(v), f"{len(v):,} characters, more than an Excel cell holds "
                               f"(32,767){where(k)}", "read in full; cut to fit where written to a workbook")
                     for j, v in enumerate(rows[i]) if len(v) > EXCEL_CELL_CHARS)
    return notes
_ENCODING_NAMES = {"utf-8": "UTF-8", "gb18030": "GBK"}


def _csv_cut(text: str, limit: int = 200) -> str:
    """A value short enough to show in a note."""
    return text if len(text) <= limit else text[:limit] + "…"


def _csv_lines(data: bytes, path: Path) -> tuple[list[str], str, dict[int, list[tuple[str, str, str, bool]]],
                                                 list[SheetNote]]:
    """The file's text lines (line ends of any kind), its encoding, what was found on which line
    ({line index: [(problem, action, value, whether � replaced bytes)]}) and in the whole file."""
    notes: list[SheetNote] = []
    line_notes: dict[int, list[tuple[str, str, str, bool]]] = {}
    lines = None
    utf16 = _csv_utf16(data)
    if utf16 is not None:  # Excel's "Unicode text"
        encoding = "utf-16"
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            text = data.decode(utf16, "replace")
            notes.append(SheetNote(None, None, None, "the file has bytes that are not valid UTF-16 (shown as �)",
                                   "read with � in their place; correct the value in the file"))
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    else:
        data, bom = _csv_bytes(data, path, notes)
        try:
            text = data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            lines, encoding = _csv_decode_mixed(data, bom, line_notes)
    nul = b"\x00" in data if utf16 is None else "\x00" in text
    if lines is None:
        lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if nul:
        for i, line in enumerate(lines):
            if "\x00" in line:
                lines[i] = line.replace("\x00", "")
                line_notes.setdefault(i, []).append((f"line {i + 1} has NUL characters (a damaged file?)",
                                                     "NUL characters removed", _csv_cut(lines[i]), False))
    return lines, encoding, line_notes, notes


def _csv_bytes(data: bytes, path: Path, notes: list[SheetNote], lf: bool = True) -> tuple[bytes, bool]:
    """A file's bytes (not UTF-16) as text lines end to end: its UTF-8 BOM, a zero-filled end
    (noted) and a DOS end-of-file mark taken off, every line end made LF (unless ``lf`` is False:
    the caller does that piece by piece, not holding a second copy of a big file); and whether it
    had the BOM. Refuses content that is not text."""
    bom = data.startswith(b"\xef\xbb\xbf")
    data = data[3:] if bom else data
    body = data.rstrip(b"\x00")  # a file whose end was zero-filled (a save cut short by a crash)
    if len(body) < len(data):
        notes.append(SheetNote(None, None, None, f"the file ends in {len(data) - len(body):,} NUL bytes "
                               f"(a damaged save?)", "NUL characters removed"))
    data = body[:-1] if body.endswith(b"\x1a") else body  # DOS end-of-file mark
    if _csv_binary(data):
        raise InputFileError("error.file.csv_binary", file=path)
    if lf and b"\r" in data:  # CR never occurs inside a UTF-8 or GBK character
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data, bom


def _csv_utf16(data: bytes) -> str | None:
    """The codec of a UTF-16 file (Excel's "Unicode text" has a BOM; without one, by its zero bytes)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    even, odd = sample[0::2], sample[1::2]
    for codec, zeros, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros.count(0) * 5 >= len(zeros) and other.count(0) * 100 <= len(other):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            head = text[:2048]  # almost any bytes decode as UTF-16: it must read as text too
            control = sum(1 for c in head if c < " " and c not in "\t\r\n")
            if control * 100 <= len(head) and any(c in head for c in "\n,;\t"):
                return codec
    return None


def _csv_binary(data: bytes) -> bool:
    """True for content that is not text: control characters or NUL bytes in numbers no text file has."""
    sample = data[:65536]
    control = sum(sample.count(c) for c in (*range(1, 9), *range(14, 26), *range(27, 32)))
    return control * 100 > len(sample) or sample.count(0) * 10 > len(sample)


def _csv_decode_mixed(data: bytes, bom: bool, line_notes: dict) -> tuple[list[str], str]:
    """Lines of a file that is not valid UTF-8 throughout: GBK, UTF-8 with invalid bytes, or both.

    The file's encoding is the one most of it is in (UTF-8 when more characters decode as UTF-8
    than bytes do not, or when its UTF-8 BOM is followed by a line of UTF-8 text); a line in
    the other encoding is read in that one, and a line valid in neither has � for its invalid
    bytes: both noted. Whole-text operations, plus a look at the lines they point at: a GBK
    file of a million rows is read about as fast as before.
    """
    loose = data.decode("utf-8", "surrogateescape")  # an invalid byte becomes one lone surrogate
    invalid = re.compile("[\udc80-\udcff]")
    valid = data.decode("utf-8", "ignore")
    invalid_bytes = len(loose) - len(valid)
    utf8_chars = len(valid) - (len(data) - len(data.translate(None, bytes(range(128)))))
    # a BOM is believed when the line after it is UTF-8 text (a GBK file behind a BOM is not UTF-8)
    first = loose.split("\n", 1)[0]
    utf8 = utf8_chars > invalid_bytes or (bom and not first.isascii() and invalid.search(first) is None)
    primary, other = ("utf-8", "gb18030") if utf8 else ("gb18030", "utf-8")
    lines = loose.split("\n")
    foreign: list[int] = []
    bad: list[int] = []
    if utf8:
        for i in _csv_lines_at(loose, (m.start() for m in invalid.finditer(loose))):
            raw = lines[i].encode("utf-8", "surrogateescape")
            if len(re.findall("[^\x00-\x7f\udc80-\udcff]", lines[i])) <= len(invalid.findall(lines[i])):
                try:  # no more UTF-8 characters than invalid bytes: a GBK line?
                    lines[i] = raw.decode(other)
                    foreign.append(i)
                    continue
                except UnicodeDecodeError:
                    pass
            lines[i] = raw.decode(primary, "replace")
            bad.append(i)
    else:
        decoded = data.decode("gb18030", "surrogateescape")
        gbk = decoded.split("\n")
        if len(gbk) != len(lines):  # an invalid byte took a line end with it: line by line
            gbk = [line.encode("utf-8", "surrogateescape").decode("gb18030", "surrogateescape") for line in lines]
            decoded = "\n".join(gbk)
        # lines that are valid UTF-8 with characters beyond ASCII (GBK text almost never is)
        candidates = re.finditer("(?m)^[^\n\udc80-\udcff]*[^\x00-\x7f\udc80-\udcff][^\n\udc80-\udcff]*$", loose)
        for i in _csv_lines_at(loose, (m.start() for m in candidates)):
            if _utf8_like(lines[i]):
                gbk[i] = lines[i]
                foreign.append(i)
        for i in _csv_lines_at(decoded, (m.start() for m in invalid.finditer(decoded))):
            if invalid.search(gbk[i]):
                gbk[i] = invalid.sub("\ufffd", gbk[i])
                bad.append(i)
        lines = gbk
    for i in bad:
        line_notes.setdefault(i, []).append((f"line {i + 1} has bytes that are not valid "
                                             f"{_ENCODING_NAMES[primary]} (shown as �)",
                                             "read with � in their place; correct the value in the file", "",
                                             True))
    runs: list[list[int]] = []
    for i in sorted(foreign):
        if runs and runs[-1][1] == i - 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    for a, b in runs:
        where = f"line {a + 1}" if a == b else f"lines {a + 1}-{b + 1}"
        line_notes.setdefault(a, []).append((f"{where} in {_ENCODING_NAMES[other]} encoding, the rest of the file in "
                                             f"{_ENCODING_NAMES[primary]}",
                                             f"read as {_ENCODING_NAMES[other]}; save the whole file in one encoding",
                                             _csv_cut(lines[a]), False))
    return lines, "utf-8" if utf8 else "gbk"


def _csv_lines_at(text: str, positions) -> list[int]:
    """The line indices (0-based, one each) of increasing positions in ``text``."""
    found: list[int] = []
    line, last = 0, 0
    for pos in positions:
        line += text.count("\n", last, pos)
        last = pos
        if not found or found[-1] != line:
            found.append(line)
    return found


def _utf8_like(line: str) -> bool:
    """A line that decoded as UTF-8 in a GBK file is taken as UTF-8 when most of its characters
    are three-byte ones (Chinese): GBK text rarely decodes as UTF-8, and then as two-byte ones."""
    return len(re.findall("[\u0800-\uffff]", line)) > len(re.findall("[\u0080-\u07ff]", line))


def _csv_delimiter(lines: list[str], start: int, prefer_tab: bool) -> str:
    """The separator that splits the first lines into the most rows of one width (of two or more)."""
    from collections import Counter

    sample = lines[start:start + 100]
    order = ("\t", ",", ";") if prefer_tab else (",", ";", "\t")
    best, best_rows = order[0], 0
    for delim in order:
        widths = [len(r) for r in csv.reader(sample, delimiter=delim) if len(r) > 1]
        rows = Counter(widths).most_common(1)[0][1] if widths else 0
        if rows > best_rows:
            best, best_rows = delim, rows
    return best


def _csv_width(row: list[str]) -> int:
    """The number of fields up to the last one that is not blank (Excel pads rows with empty fields)."""
    n = len(row)
    while n and not row[n - 1].strip():
        n -= 1
    return n


def _csv_fits(row: list[str], width: int, named: int) -> bool:
    """True when a row lines up with the header row: as many fields, or blanks only past its last heading."""
    return len(row) == width or (_csv_width(row) <= named <= len(row))


def _csv_header(rows: list[list[str]]) -> tuple[int, int, int] | None:
    """The header row among the first rows (as the importer finds it, else the first row of the most
    common width): its index, its number of fields, and up to its last heading."""
    from collections import Counter

    from desktop.io.headers import HEADER_SCAN_ROWS, detect_header

    top = rows[:HEADER_SCAN_ROWS]
    match = detect_header(top)
    if match is not None:
        k = match.header_row
    else:
        widths = [_csv_width(r) for r in top]
        wide = [w for w in widths if w >= 2]
        if not wide:
            return None
        k = widths.index(Counter(wide).most_common(1)[0][0])
    return k, len(rows[k]), _csv_width(rows[k])


def _csv_split_line(line: str, delim: str) -> tuple[list[str], list[tuple[int, str]]]:
    """One line's fields by Excel's CSV rules, the line read alone. A quote that does not close on
    the line, and text after a closing quote, are kept as written: problems (column, 'open' or 'after')."""
    if not line:
        return [], []
    fields: list[str] = []
    problems: list[tuple[int, str]] = []
    pos, n = 0, len(line)
    while True:
        end = -1
        if pos < n and line[pos] == '"':
            parts, j = [], pos + 1
            while True:
                q = line.find('"', j)
                if q < 0 or q + 1 >= n or line[q + 1] != '"':
                    break
                parts.append(line[j:q + 1])
                j = q + 2
            if q < 0:
                problems.append((len(fields), "open"))
                end = line.find(delim, pos)
                fields.append(line[pos:] if end < 0 else line[pos:end])
            elif q + 1 < n and line[q + 1] != delim:
                problems.append((len(fields), "after"))
                end = line.find(delim, q + 1)
                fields.append(line[pos:] if end < 0 else line[pos:end])
            else:
                parts.append(line[j:q])
                fields.append("".join(parts))
                end = q + 1 if q + 1 < n else -1
        else:
            end = line.find(delim, pos)
            fields.append(line[pos:] if end < 0 else line[pos:end])
        if end < 0:
            return fields, problems
        pos = end + 1


def _csv_multiline(record: list[str], lines: list[str], delim: str, header: tuple[int, int, int] | None) -> str:
    """What a record spread over several lines is: 'cell' (a cell with line breaks, as Excel writes
    Alt+Enter), 'rows' (a stray quote swallowed rows: they line up with the header, the record
    does not) or 'ask' (a cell with line breaks and separators that could be either)."""
    if not any("\n" in v and delim in v for v in record):
        return "cell"
    if header is None or header[2] < 2:
        return "ask"
    _, width, named = header
    alone = [_csv_split_line(line, delim)[0] for line in lines]
    rows = sum(1 for fields in alone if _csv_width(fields) and _csv_fits(fields, width, named))
    if rows < 2:
        return "cell"
    return "ask" if _csv_fits(record, width, named) else "rows"


def _csv_records(lines: list[str], start: int, delim: str, header: tuple[int, int, int] | None,
                 max_rows: int | None) -> tuple[list[list[str]], list[int] | range, list[SheetNote]]:
    """The records from line ``start``, the line each begins on (and one more: where the last ends),
    and what the quotes did. A record that does not parse (a quote not closed on its line that
    ends in an error or at the end of the file, or that swallowed rows) is its first line read
    alone, its stray quote a character; reading goes on at the next line."""
    import itertools

    n = len(lines)
    limit = n if max_rows is None else max_rows
    reader = csv.reader(itertools.islice(lines, start, None), delimiter=delim, strict=True)
    try:
        rows = list(itertools.islice(reader, limit))
        if reader.line_num == len(rows):  # one line each: no quoted line breaks, nothing to look at
            return rows, range(start, start + len(rows) + 1), []
    except csv.Error:
        pass
    rows, first, notes = [], [], []
    i = end_of_last = start
    while i < n and len(rows) < limit:
        reader = csv.reader((lines[k] + "\n" for k in range(i, n)), delimiter=delim, strict=True)
        done, bad_end = 0, None
        try:
            for record in reader:
                a, b = i + done, i + reader.line_num
                if b - a > 1:
                    kind = _csv_multiline(record, lines[a:b], delim, header)
                    if kind == "rows":
                        bad_end = b
                        break
                    if kind == "ask":
                        notes.append(SheetNote(len(rows), None, _csv_cut(lines[a]),
                                               f"one cell spans lines {a + 1}-{b} and holds separators (a stray "
                                               f"quote?)", "read as one cell; check the quotes on these lines in "
                                               "the file"))
                rows.append(record)
                first.append(a)
                done = reader.line_num
                end_of_last = b
                if len(rows) >= limit:
                    break
        except csv.Error:  # text after a closing quote, or the end of the file inside quotes
            bad_end = i + reader.line_num
        if bad_end is None:
            break
        a = i + done
        fields, problems = _csv_split_line(lines[a], delim)
        for col, kind in problems:
            if kind == "after":
                problem, action = f"text after a closing quote on line {a + 1}", "read as written, quotes included"
            else:
                problem = (f"quote not closed on line {a + 1}: it would join the next {bad_end - a - 1} lines "
                           f"into this cell" if bad_end - a > 1 else f"quote not closed on line {a + 1}, the last line")
                action = "quote read as a character; the lines after it read as rows"
            notes.append(SheetNote(len(rows), col, _csv_cut(fields[col]), problem, action))
        rows.append(fields)
        first.append(a)
        i = end_of_last = a + 1
    first.append(end_of_last)
    return rows, first, notes


def _read_spreadsheet(data: bytes, path: Path, suffix: str, max_rows: int | None = None,
                      package: containers.Package | None = None) -> list[RawSheet]:
    """The sheets of a workbook; ``package`` is its checked zip container (None for .xls)."""
    import fastexcel

    parts = package.parts if package is not None else {}
    try:
        wb = fastexcel.read_excel(data)
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine's own error types for corrupt files
        if "entity" in str(exc).lower() or _declares_entities(parts):
            raise InputFileError("error.file.entities", file=path, detail=_short(exc)) from None
        raise InputFileError("error.file.not_readable", file=path, kind=suffix, detail=_short(exc)) from None
    xml = package is not None and package.kind == "xlsx"
    sheet_parts = containers.sheet_parts(parts) if xml else {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the scan searches the sheets' XML (inflated once, by the container check) beside the reader
        scan = pool.submit(_xlsx_error_cells, parts, sheet_parts) if xml else None
        date1904 = xml and re.search(rb"""date1904\s*=\s*["']\s*(1|true)\s*["']""",
                                     parts.get("xl/workbook.xml", b"")) is not None
        charts = {name for name, part in sheet_parts.items() if "/chartsheets/" in part}
        frames = _load_sheets(wb, path, names, charts, max_rows)
        errors = scan.result() if scan is not None else {}
    sheets = []
    for name, (frame, visible, notes) in frames.items():
        for (r, c), value in errors.get(name, {}).items():
            if max_rows is not None and r >= max_rows:
                continue
            if r >= len(frame) or c >= frame.shape[1]:
                frame = frame.reindex(index=range(max(len(frame), r + 1)), columns=range(max(frame.shape[1], c + 1)))
            frame.iat[r, c] = value
        sheets.append(RawSheet(name, frame.astype("str"), visible, date1904, notes))
    return sheets


# calamine's names of Excel's error values, as the cell shows them (the parsers report them)
_ERROR_VALUES = {"NA": "#N/A", "Div0": "#DIV/0!", "Value": "#VALUE!", "Ref": "#REF!", "Name": "#NAME?",
                 "Num": "#NUM!", "Null": "#NULL!", "GettingData": "#GETTING_DATA"}


def _load_sheets(wb, path: Path, names: list[str], charts: set[str],
                 max_rows: int | None) -> dict[str, tuple[pd.DataFrame, bool, list[SheetNote]]]:
    """Each sheet's cells as text, its columns numbered from the sheet's column A, whether it is
    visible, and the cells the reader could not convert (each a note: never a silent blank)."""
    frames = {}
    for name in names:
        if name in charts:
            continue
        try:
            sheet = wb.load_sheet(name, header_row=None, skip_rows=0, n_rows=max_rows, dtypes="string",
                                  whitespace_as_null=True)
            frame = pd.DataFrame()
            notes: list[SheetNote] = []
            visible = sheet.visible == "visible"
            first_col = sheet.available_columns()[0].absolute_index if sheet.width else 0
            if sheet.width:
                batch, unconverted = sheet.to_arrow_with_errors()
                del sheet  # the reader's cells go before the table is made (a million-row sheet: about 280 MB)
                frame = batch.to_pandas()
                del batch
                for cell in unconverted.errors if unconverted is not None else ():
                    # a date cell beyond what calamine converts (serial 1e10) comes back blank: its serial instead
                    m = re.search(r"DateTime\(ExcelDateTime \{ value: ([-+0-9.eE]+|inf|-inf|NaN),", cell.detail)
                    error = re.search(r"Error\((\w+)\)", cell.detail)
                    if m:
                        frame.iat[cell.position] = f"{float(m.group(1)):f}".rstrip("0").rstrip(".")
                    elif error and error.group(1) in _ERROR_VALUES:  # an error cell (.xls, .ods, any xlsx)
                        frame.iat[cell.position] = _ERROR_VALUES[error.group(1)]
                    else:
                        notes.append(SheetNote(cell.position[0], cell.position[1], cell.detail[:100],
                                               "a cell the reader could not convert", "treated as blank"))
        except Exception as exc:
            if "chart" in str(exc).lower():
                continue
            raise InputFileError("error.sheet.cannot_read", file=path, sheet=name, detail=_short(exc)) from None
        frame.columns = range(first_col, first_col + frame.shape[1])
        frame = frame.reindex(columns=range(first_col + frame.shape[1]))  # leading empty columns back
        if first_col:
            notes = [SheetNote(n.row, None if n.col is None else n.col + first_col, n.value, n.problem, n.action)
                     for n in notes]
        frames[name] = (frame, visible, notes)
    return frames


def _declares_entities(parts: dict[str, bytes]) -> bool:
    """True when an XML part of the package declares a DTD or entities (never needed in a workbook)."""
    return any(b"<!ENTITY" in xml[:65536] or b"<!DOCTYPE" in xml[:4096] for xml in parts.values())


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


# A cell's tag with its reference wherever it stands, in either quotes (XML allows any order).
_C = rb"""<(?:[\w.-]+:)?c\b(?=[^>]*?\sr\s*=\s*["']([A-Za-z]+)(\d+)["'])"""
_F = rb"(?:<(?:[\w.-]+:)?f\b[^>]*/>|<(?:[\w.-]+:)?f\b[^>]*>[^<]*</(?:[\w.-]+:)?f>)"
_CELL_ERR = re.compile(_C + rb"""(?=[^>]*?\st\s*=\s*["']e["'])[^>]*>""" + _F + rb"?<(?:[\w.-]+:)?v>([^<]*)</", re.S)


# A formula cell saved without its value (written by a program, never opened in Excel):
# calamine reads it as empty or 0, which would silently be taken as data.
_CELL_NO_VALUE = re.compile(_C + rb"[^>]*>" + _F + rb"(?:<(?:[\w.-]+:)?v\s*/>|<(?:[\w.-]+:)?v>\s*</(?:[\w.-]+:)?v>)?"
                            rb"</(?:[\w.-]+:)?c>")


def _col_index(col: bytes) -> int:
    c = 0
    for ch in col.decode().upper():
        c = c * 26 + ord(ch) - 64
    return c - 1


def _xlsx_error_cells(parts: dict[str, bytes], sheets: dict[str, str]) -> dict[str, dict[tuple[int, int], str]]:
    """Excel error values (#N/A, #DIV/0!, ...) and formulas without a saved value, by sheet
    name and (row, column).

    calamine reads error cells as empty; an error where a value belongs must be reported,
    not silently taken as blank, so the sheet XML is scanned for cells of type "e".
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    for sheet, part in sheets.items():
        xml = parts.pop(part, None)  # searched once, then freed while the reader still works
        if xml is None:
            continue
        cells = {}
        for marker in (b'"e"', b"'e'"):
            for m in _cells_near(xml, marker, _CELL_ERR):
                cells[(int(m.group(2)) - 1, _col_index(m.group(1)))] = m.group(3).decode()
        for marker in (b"<f", b":f"):
            for m in _cells_near(xml, marker, _CELL_NO_VALUE):
                cells[(int(m.group(2)) - 1, _col_index(m.group(1)))] = FORMULA_WITHOUT_VALUE
        if cells:
            found[sheet] = cells
    return found


def _cells_near(xml: bytes, marker: bytes, pattern: re.Pattern) -> Iterator[re.Match]:
    """Cells matching ``pattern`` that contain ``marker``, looked for only where the marker
    occurs: a million-row sheet with one formula costs one search, not a regex per cell."""
    pos = xml.find(marker)
    while pos >= 0:
        start = _cell_start(xml, pos)
        if start >= 0 and xml[start:start + 1] == b":":
            start = xml.rfind(b"<", 0, start)
        m = pattern.match(xml, start) if start >= 0 else None
        if m is not None and m.end() > pos:
            yield m
            pos = xml.find(marker, m.end())
        else:
            pos = xml.find(marker, pos + 1)


def _cell_start(xml: bytes, pos: int) -> int:
    """Where the last cell tag (``<c`` or a prefixed ``:c``) before ``pos`` starts, or -1.

    Looked for in the few KB before ``pos`` first (a cell's tag is short): searching back to the
    start of the part every time made a sheet with a formula in each of its 100,000 rows take
    minutes, since a sheet without prefixed tags has no ``:c`` to stop the search."""
    lo = max(0, pos - 4096)
    while True:
        start = max(xml.rfind(b"<c", lo, pos), xml.rfind(b":c", lo, pos))
        if start >= 0 or lo == 0:
            return start
        lo = max(0, lo - 65536)


def cell_name(row0: int, col0: int) -> str:
    return f"{column_letter(col0)}{row0 + 1}"
