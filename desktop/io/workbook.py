"""Open a user file as raw sheets: grids of cell text exactly as stored.

Spreadsheets (.xlsx, .xlsm, .xls, .ods, .xlsb) are read with fastexcel (calamine into
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
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from desktop.errors import InputFileError
from desktop.io.headers import column_letter
from desktop.io.values import FORMULA_WITHOUT_VALUE, is_blank

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
ZIP_SUFFIXES = {".xlsx", ".xlsm", ".ods", ".xlsb"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A workbook that unpacks to more than this is refused before it is unpacked (a zip bomb);
# the window's settings or CREDIT_DESK_MAX_UNPACKED_MB can raise it for genuinely huge files.
DEFAULT_MAX_UNPACKED_MB = 2048


class PasswordRequired(InputFileError):
    """The workbook is encrypted with a password (Excel's "Encrypt with Password")."""

    def __init__(self, path: Path, message: str):
        super().__init__(message)
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


def max_unpacked_bytes() -> int:
    import os
    try:
        return int(float(os.environ.get("CREDIT_DESK_MAX_UNPACKED_MB", DEFAULT_MAX_UNPACKED_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MAX_UNPACKED_MB * 1024 * 1024


def read_file(path: str | Path, password: str | None = None, max_rows: int | None = None) -> RawFile:
    """Read every sheet of ``path``; raise InputFileError with a clerk-readable reason.

    An encrypted workbook raises PasswordRequired unless ``password`` opens it; it is
    decrypted in memory, never written to disk. ``max_rows`` reads only the first rows
    (a preview for the column-mapping dialog).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES | CSV_SUFFIXES:
        raise InputFileError(f"{path}: unsupported file type '{suffix or '(none)'}' (supported: {SUPPORTED})")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: file not found") from None
    except PermissionError:
        raise InputFileError(f"{path}: cannot be opened: it is locked by another program "
                             f"(is it open in Excel?) or you have no permission. Close it and try again.") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    if suffix in CSV_SUFFIXES:
        rows, encoding = _read_csv(data, path)
        return RawFile(path, digest, [RawSheet.from_rows(path.stem, rows[:max_rows])], encoding)
    if data[:8] == OLE_MAGIC and suffix in ZIP_SUFFIXES | {".xls"}:
        data = _decrypt_if_encrypted(data, path, password)
    if suffix in ZIP_SUFFIXES:
        _check_unpacked_size(data, path)
    return RawFile(path, digest, _read_spreadsheet(data, path, suffix, max_rows))


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
        raise PasswordRequired(path, f"{path}: the workbook is protected with a password; enter it to open the file")
    out = io.BytesIO()
    try:
        office.load_key(password=password)
        office.decrypt(out)
    except Exception:
        raise PasswordRequired(path, f"{path}: the password does not open this workbook") from None
    return out.getvalue()


def _check_unpacked_size(data: bytes, path: Path) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        return  # calamine gives the reason
    limit = max_unpacked_bytes()
    if unpacked > limit:
        raise InputFileError(f"{path}: refused: it unpacks to {unpacked / 2**20:,.0f} MB, over the limit of "
                             f"{limit / 2**20:,.0f} MB (a damaged or malicious file?). Raise the limit in the "
                             f"settings only for a file you trust.")


def _read_csv(data: bytes, path: Path) -> tuple[list[list[object]], str]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes almost anything; this is a safeguard
        raise InputFileError(f"{path}: not a text file in UTF-8 or GBK encoding")
    if "\x00" in text[:4096]:
        raise InputFileError(f"{path}: not a text CSV file (binary content)")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    return rows, "utf-8" if encoding == "utf-8-sig" else "gbk"


def _read_spreadsheet(data: bytes, path: Path, suffix: str, max_rows: int | None = None) -> list[RawSheet]:
    import fastexcel

    try:
        wb = fastexcel.read_excel(data)
        names = list(wb.sheet_names)
    except Exception as exc:  # calamine's own error types for corrupt files
        if "entity" in str(exc).lower() or (suffix in ZIP_SUFFIXES and _declares_entities(data)):
            raise InputFileError(f"{path}: refused: the workbook's XML declares entities (an entity-expansion "
                                 f"attack or a damaged file)") from None
        raise InputFileError(f"{path}: not a readable {suffix} workbook ({_short(exc)})") from None
    xml = suffix in {".xlsx", ".xlsm"}
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the scan unzips the sheets' XML itself, beside the reader (a second of a million rows)
        scan = pool.submit(_xlsx_error_cells, data) if xml else None
        date1904 = xml and _xlsx_date1904(data)
        charts = _xlsx_chart_sheets(data) if xml else set()
        frames = _load_sheets(wb, path, names, charts, max_rows)
        errors = scan.result() if scan is not None else {}
    sheets = []
    for name, (frame, visible) in frames.items():
        for (r, c), value in errors.get(name, {}).items():
            if max_rows is not None and r >= max_rows:
                continue
            if r >= len(frame) or c >= frame.shape[1]:
                frame = frame.reindex(index=range(max(len(frame), r + 1)), columns=range(max(frame.shape[1], c + 1)))
            frame.iat[r, c] = value
        sheets.append(RawSheet(name, frame.astype("str"), visible, date1904))
    return sheets


def _load_sheets(wb, path: Path, names: list[str], charts: set[str],
                 max_rows: int | None) -> dict[str, tuple[pd.DataFrame, bool]]:
    """Each sheet's cells as text, its columns numbered from the sheet's column A, and whether it is visible."""
    frames = {}
    for name in names:
        if name in charts:
            continue
        try:
            sheet = wb.load_sheet(name, header_row=None, skip_rows=0, n_rows=max_rows, dtypes="string",
                                  whitespace_as_null=True)
            frame = sheet.to_pandas() if sheet.width else pd.DataFrame()
        except Exception as exc:
            if "chart" in str(exc).lower():
                continue
            raise InputFileError(f"{path}, sheet '{name}': cannot be read ({_short(exc)})") from None
        first_col = sheet.available_columns()[0].absolute_index if sheet.width else 0
        frame.columns = range(first_col, first_col + frame.shape[1])
        frame = frame.reindex(columns=range(first_col + frame.shape[1]))  # leading empty columns back
        frames[name] = (frame, sheet.visible == "visible")
    return frames


def _xlsx_chart_sheets(data: bytes) -> set[str]:
    """Names of chart sheets (they hold no cells)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {name for name, part in _xlsx_sheet_parts(z).items() if "/chartsheets/" in part}
    except (zipfile.BadZipFile, KeyError):
        return set()


def _declares_entities(data: bytes) -> bool:
    """True when an XML part of the package declares a DTD or entities (never needed in a workbook)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return any(b"<!ENTITY" in z.read(i.filename)[:65536] or b"<!DOCTYPE" in z.read(i.filename)[:4096]
                       for i in z.infolist() if i.filename.endswith(".xml") and i.file_size < 64 * 2**20)
    except (zipfile.BadZipFile, KeyError, OSError):
        return False


def _xlsx_date1904(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError):
        return False
    return re.search(rb'date1904="(1|true)"', xml) is not None


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


_CELL_ERR = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?t="e"[^>]*>(?:<f[^>]*/>|<f[^>]*>.*?</f>)?<v>([^<]*)</v>', re.S)


# A formula cell saved without its value (written by a program, never opened in Excel):
# calamine reads it as empty or 0, which would silently be taken as data.
_CELL_NO_VALUE = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>')


def _col_index(col: bytes) -> int:
    c = 0
    for ch in col.decode():
        c = c * 26 + ord(ch) - 64
    return c - 1


def _xlsx_error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Excel error values (#N/A, #DIV/0!, ...) and formulas without a saved value, by sheet
    name and (row, column).

    calamine reads error cells as empty; an error where a value belongs must be reported,
    not silently taken as blank, so the sheet XML is scanned for cells of type "e".
    """
    found: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = _xlsx_sheet_parts(z)
            for sheet, part in names.items():
                xml = z.read(part)
                cells = {}
                for m in _cells_near(xml, b't="e"', _CELL_ERR):
                    cells[(int(m.group(2)) - 1, _col_index(m.group(1)))] = m.group(3).decode()
                for m in _cells_near(xml, b"<f", _CELL_NO_VALUE):
                    cells[(int(m.group(2)) - 1, _col_index(m.group(1)))] = FORMULA_WITHOUT_VALUE
                if cells:
                    found[sheet] = cells
    except (zipfile.BadZipFile, KeyError):
        return {}
    return found


def _cells_near(xml: bytes, marker: bytes, pattern: re.Pattern) -> Iterator[re.Match]:
    """Cells matching ``pattern`` that contain ``marker``, looked for only where the marker
    occurs: a million-row sheet with one formula costs one search, not a regex per cell."""
    pos = xml.find(marker)
    while pos >= 0:
        start = xml.rfind(b"<c ", 0, pos)
        m = pattern.match(xml, start) if start >= 0 else None
        if m is not None and m.end() > pos:
            yield m
            pos = xml.find(marker, m.end())
        else:
            pos = xml.find(marker, pos + 1)


def _xlsx_sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    targets = {m.group(1): m.group(2) for m in re.finditer(
        r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    targets.update({m.group(2): m.group(1) for m in re.finditer(
        r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    parts = {}
    for m in re.finditer(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', wb):
        target = targets.get(m.group(2), "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        parts[_unescape(m.group(1))] = target
    return parts


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def cell_name(row0: int, col0: int) -> str:
    return f"{column_letter(col0)}{row0 + 1}"
