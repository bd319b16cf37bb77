"""Look inside a workbook's zip container before the reader does, and refuse what would hurt.

The workbook reader (calamine, in Rust) cannot be interrupted and cannot fail gracefully when
an allocation fails: a 6 KB file with one cell at A1 and one at XFD1048576 asks it for a grid
of 17 billion cells, a shared-strings part declaring 4,000,000,000 strings asks it for their
room up front, an .ods row repeated 100,000 times with a cell repeated 1,000 times expands to
a hundred million cells. Either aborts the process. So every zip container, whatever its
file name says, is checked here first:

- every member is inflated while its real bytes are counted (never the sizes the zip's headers
  declare, which anyone can write), and the file is refused as soon as the total passes the
  limit (a zip bomb);
- each sheet's used range (the box from its first to its last cell, which is what the reader
  allocates) is bounded in rows, columns and cells, and a huge range holding almost nothing
  (one stray cell far away) is refused with the address of the cell that makes it;
- the shared-strings count cannot claim more strings than its part can hold.

The parts the reader of ``workbook`` needs again (the workbook, its relationships and each
sheet's XML, for the error-cell scan) are kept, so the container is inflated once.

Limits are settings (environment variables) with defaults no real company reaches:
``CREDIT_DESK_MAX_UNPACKED_MB`` (2048), ``CREDIT_DESK_MAX_CELLS`` (50,000,000 in one sheet's
used range); a sheet has at most Excel's 1,048,576 rows and 16,384 columns.
"""

from __future__ import annotations

import io
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from desktop.errors import InputFileError
from desktop.io.headers import column_letter

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DEFAULT_MAX_UNPACKED_MB = 2048
DEFAULT_MAX_CELLS = 50_000_000
MAX_ROWS, MAX_COLS = 1_048_576, 16_384  # Excel's own sheet size
SPARSE_MIN_CELLS = 10_000_000  # a used range larger than this must be at least 1/SPARSE_RATIO full
SPARSE_RATIO = 20
_OUT_CHUNK = 8 << 20
_IN_CHUNK = 1 << 20


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 and value == value and value != float("inf") else default


@dataclass(frozen=True)
class Limits:
    unpacked_bytes: int
    cells: int
    rows: int = MAX_ROWS
    cols: int = MAX_COLS

    @classmethod
    def current(cls) -> Limits:
        return cls(int(_env_number("CREDIT_DESK_MAX_UNPACKED_MB", DEFAULT_MAX_UNPACKED_MB) * 2**20),
                   int(_env_number("CREDIT_DESK_MAX_CELLS", DEFAULT_MAX_CELLS)))


@dataclass
class Package:
    """What was learnt from the container: the XML parts kept, by member name."""

    kind: str  # "xlsx" | "ods" | "zip" (another zip: the reader says what it is)
    parts: dict[str, bytes] = field(default_factory=dict)
    unpacked: int = 0


def sniff(data: bytes) -> str:
    """``zip``, ``ole`` (an .xls or an encrypted workbook) or ``other``, from the content itself."""
    if data[:4] == ZIP_MAGIC or data[:4] == b"PK\x05\x06":
        return "zip"
    if data[:8] == OLE_MAGIC:
        return "ole"
    return "other"


def inspect(data: bytes, path: Path, limits: Limits | None = None) -> Package | None:
    """Inflate and check every member of the zip ``data``; None when it is not a readable zip."""
    limits = limits or Limits.current()
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, struct.error, EOFError):
        return None  # the reader says what is wrong with it
    names = {i.filename for i in infos}
    kind = "xlsx" if "xl/workbook.xml" in names else "ods" if "content.xml" in names else "zip"
    package = Package(kind)
    for info in infos:
        if info.is_dir():
            continue
        keep = _keep(kind, info.filename)
        budget = limits.unpacked_bytes - package.unpacked
        size, content = _inflate(data, z, info, budget, keep)
        if size > budget:
            raise InputFileError(f"{path}: refused: it unpacks to more than the limit of "
                                 f"{limits.unpacked_bytes / 2**20:,.0f} MB (a damaged or malicious file?). Raise the "
                                 f"limit in the settings only for a file you trust.")
        package.unpacked += size
        if content is not None:
            package.parts[info.filename] = content
    if kind == "xlsx":
        _check_xlsx(package, path, limits)
    elif kind == "ods":
        _check_ods(package, path, limits)
    return package


def _keep(kind: str, name: str) -> bool:
    if kind == "xlsx":
        return name.startswith("xl/") and (name.endswith(".xml") or name.endswith(".rels")) \
            and not name.startswith(("xl/media/", "xl/theme/", "xl/drawings/", "xl/charts/", "xl/printerSettings/"))
    return kind == "ods" and name == "content.xml"


def _inflate(data: bytes, z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int,
             keep: bool) -> tuple[int, bytes | None]:
    """The member's real inflated size (stopping just past ``budget``) and, if ``keep``, its bytes.

    The compressed bytes are inflated straight from the file, so a header that understates
    the size changes nothing; an entry whose data overlaps another's is inflated (and counted)
    each time, as any reader would.
    """
    out: list | None = [] if keep else None
    if info.flag_bits & 0x1:  # an encrypted member: the reader refuses it; nothing to inflate
        return 0, None
    start = _data_start(data, info)
    if start is None or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return _inflate_with_zipfile(z, info, budget, out)
    comp = memoryview(data)[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return len(comp), (bytes(comp) if keep and len(comp) <= budget else None)
    inflater = zlib.decompressobj(-15)
    total, pos = 0, 0
    try:
        while True:
            if inflater.unconsumed_tail:
                chunk = inflater.decompress(inflater.unconsumed_tail, _OUT_CHUNK)
            elif pos < len(comp):
                chunk = inflater.decompress(comp[pos:pos + _IN_CHUNK], _OUT_CHUNK)
                pos += _IN_CHUNK
            else:
                break
            total += len(chunk)
            if total > budget:
                return total, None
            if out is not None:
                out.append(chunk)
            if inflater.eof:
                break
    except zlib.error:  # damaged data: the reader gives the reason
        pass
    return total, (b"".join(out) if out is not None else None)


def _inflate_with_zipfile(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int,
                          out: list | None) -> tuple[int, bytes | None]:
    total = 0
    try:
        with z.open(info) as f:
            while chunk := f.read(_OUT_CHUNK):
                total += len(chunk)
                if total > budget:
                    return total, None
                if out is not None:
                    out.append(chunk)
    except (zipfile.BadZipFile, NotImplementedError, OSError, RuntimeError, EOFError, zlib.error, ValueError):
        pass
    return total, (b"".join(out) if out is not None else None)


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int | None:
    off = info.header_offset
    if off < 0 or data[off:off + 4] != ZIP_MAGIC:
        return None
    name_len, extra_len = struct.unpack("<HH", data[off + 26:off + 30])
    return off + 30 + name_len + extra_len


# ---------------------------------------------------------------- xlsx

_ROW_REF = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)(\d+)"')


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> its XML part, from the workbook and its relationships."""
    wb = parts.get("xl/workbook.xml", b"").decode("utf-8", "replace")
    rels = parts.get("xl/_rels/workbook.xml.rels", b"").decode("utf-8", "replace")
    targets = {m.group(1): m.group(2) for m in re.finditer(
        r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
    targets.update({m.group(2): m.group(1) for m in re.finditer(
        r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    found = {}
    for m in re.finditer(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', wb):
        target = targets.get(m.group(2), "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        found[_unescape(m.group(1))] = target
    return found


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def _check_xlsx(package: Package, path: Path, limits: Limits) -> None:
    parts = package.parts
    sst = parts.get("xl/sharedStrings.xml")
    if sst is not None:
        head = sst[:2048]
        for attr in (b"uniqueCount", b"count"):
            m = re.search(rb"\b" + attr + rb'="(\d+)"', head)
            # a string takes at least "<si/>" (5 bytes) of the part: a count beyond that is a lie
            if m and int(m.group(1)) > len(sst) // 5 + 16:
                raise InputFileError(f"{path}: refused: its shared-strings part declares {int(m.group(1)):,} "
                                     f"strings but has room for at most {len(sst) // 5:,} (a damaged or malicious "
                                     f"file?)")
    for sheet, part in sheet_parts(parts).items():
        xml = parts.get(part)
        if xml is not None:
            _check_used_range(xml, path, sheet, limits)


def _check_used_range(xml: bytes, path: Path, sheet: str, limits: Limits) -> None:
    """Refuse a sheet whose used range would not fit, or is vast and nearly empty.

    The reader numbers a sheet's grid from A1, so the range is A1 to the farthest row and
    column of any cell. A real sheet passes on a quick bound: with every letter turned into
    'A' and every digit into '0', a handful of substring searches tell the longest column
    letters and row numbers present, and their product is under the limit. Only when that
    bound is too coarse are the cells searched for one beyond what the count of cells allows,
    and only when one is found is the exact box computed.
    """
    cells = xml.count(b"<c ")  # a cell without attributes takes the next place: it cannot reach far
    if cells == 0:
        return
    allowed = min(limits.cells, max(SPARSE_MIN_CELLS, SPARSE_RATIO * cells))
    rows_bound, cols_bound, digits = _quick_bounds(xml)
    if rows_bound * cols_bound <= allowed and rows_bound <= limits.rows and cols_bound <= limits.cols:
        return
    last = xml.rfind(b"<row ")
    m = _ROW_REF.match(xml, last) if last >= 0 else None
    last_row = max(int(m.group(1)) if m else xml.count(b"<row"), 1)
    if last_row <= limits.rows and digits <= len(str(last_row)) and \
            not _beyond(xml, last_row, min(limits.cols, max(1, allowed // last_row))):
        return  # no row number longer than the last row's, none greater, no column too far
    rows, cols, far = _exact_box(xml)
    area = rows[1] * cols[1] if rows else 0
    where = f"{path}, sheet '{sheet}'"
    far_ref = f"{column_letter(far[1] - 1)}{far[0]}" if far else "?"
    if rows and (rows[1] > limits.rows or cols[1] > limits.cols):
        raise InputFileError(f"{where}: refused: a cell at {far_ref} lies beyond the largest sheet Excel allows "
                             f"({limits.rows:,} rows, {limits.cols:,} columns): a damaged or malicious file?")
    if area > SPARSE_MIN_CELLS and cells * SPARSE_RATIO < area:
        raise InputFileError(f"{where}: refused: its used range reaches {far_ref} ({area:,} cells) but holds only "
                             f"{cells:,} cells; delete the stray cell at {far_ref} (or what lies far from the data) "
                             f"in Excel and save, then read it again.")
    if area > limits.cells:
        raise InputFileError(f"{where}: refused: its used range reaches {far_ref}, {area:,} cells, over the limit of "
                             f"{limits.cells:,} (CREDIT_DESK_MAX_CELLS). Delete what lies far from the data, or "
                             f"raise the limit for a file you trust.")


_SHAPE = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", b"A" * 26 + b"0" * 10)
_FEW = 200_000  # references of the longest form read one by one when there are at most this many


def _quick_bounds(xml: bytes) -> tuple[int, int, int]:
    """An upper bound of the last row and the last column any cell or row names, and the number of
    digits of the longest row number.

    A reference is ``r="..."`` wherever it stands in the tag. In the sheet's shape (letters
    'A', digits '0') the longest column letters present are found by searching for ever longer
    runs of 'A' (only the last, failing search reads the whole sheet); with the letters deleted,
    the same for row numbers. The references with the longest row numbers are then read one by
    one when they are few (the last rows of a long sheet), else bounded by the largest number of
    that length (999999); columns of two or more letters likewise (else ZZ, ZZZ).
    """
    shape = xml.translate(_SHAPE)
    letters = 1
    while letters < 4 and b' r="' + b"A" * (letters + 1) in shape:
        letters += 1
    digits = 1
    while digits < 8 and any(b' r="' + b"A" * k + b"0" * (digits + 1) in shape for k in range(4)):
        digits += 1
    rows = 10 ** digits - 1
    forms = [b' r="' + b"A" * k + b"0" * digits + b'"' for k in range(4)]  # k = 0: a row's own number
    found = []
    for form in forms:
        at = shape.find(form)
        while at >= 0 and len(found) <= _FEW:
            end = at + len(form) - 1
            found.append(xml[end - digits:end])
            at = shape.find(form, end)
    if len(found) <= _FEW:
        rows = max((int(x) for x in found), default=1)
    cols = 26 ** letters + (26 ** letters - 26) // 25  # the number of Z, ZZ, ZZZ
    if letters >= 2:
        form = b' r="' + b"A" * letters + b"0"
        refs = []
        at = shape.find(form)
        while at >= 0 and len(refs) <= _FEW:
            refs.append(xml[at + 4:at + 4 + letters])
            at = shape.find(form, at + 4)
        if len(refs) <= _FEW:
            cols = max(_column_number(r) for r in refs)
    return rows, cols, digits


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _beyond(xml: bytes, last_row: int, allowed_cols: int) -> bool:
    """True when some row number is past ``last_row`` or some cell's column past ``allowed_cols``."""
    rows = _greater_than_digits(str(last_row))
    cols = _greater_than_letters(column_letter(allowed_cols - 1))
    if re.search(rb'<row\b[^>]*? r="(?:' + rows + rb')"', xml):
        return True
    return re.search(rb' r="(?:(?:' + cols + rb')\d|[A-Z]+(?:' + rows + rb')")', xml) is not None


def _greater_than_digits(n: str) -> bytes:
    """A regex for numbers of as many digits as ``n`` (no leading zero) and greater (longer ones are
    found before, from the digit count)."""
    alts = []
    for i, ch in enumerate(n):
        if ch != "9":
            alts.append(n[:i].encode() + rb"[%d-9]" % (int(ch) + 1) + rb"\d" * (len(n) - i - 1))
    return b"|".join(alts) or rb"(?!)"


def _greater_than_letters(s: str) -> bytes:
    """A regex for column letters after ``s`` (longer, or as long and later in the alphabet)."""
    alts = [rb"[A-Z]{%d,}" % (len(s) + 1)]
    for i, ch in enumerate(s):
        if ch != "Z":
            alts.append(s[:i].encode() + b"[" + chr(ord(ch) + 1).encode() + b"-Z]" + b"[A-Z]" * (len(s) - i - 1))
    return b"|".join(alts)


def _exact_box(xml: bytes) -> tuple[tuple[int, int] | None, tuple[int, int], tuple[int, int] | None]:
    """(first, last) row, (first, last) column (1-based) of the cells, and the farthest cell."""
    lo_r = lo_c = None
    hi_r = hi_c = 0
    far = None
    for m in _CELL_REF.finditer(xml):
        col = 0
        for ch in m.group(1):
            col = col * 26 + ch - 64
        row = int(m.group(2))
        lo_r = row if lo_r is None else min(lo_r, row)
        lo_c = col if lo_c is None else min(lo_c, col)
        if far is None or row * col > far[0] * far[1]:
            far = (row, col)
        hi_r, hi_c = max(hi_r, row), max(hi_c, col)
    for m in _ROW_REF.finditer(xml):
        hi_r = max(hi_r, int(m.group(1)))
        if far is None or int(m.group(1)) > far[0]:
            far = (int(m.group(1)), max(1, far[1] if far else 1))
    if lo_r is None and not hi_r:
        return None, (0, 0), None
    return (lo_r or 1, hi_r), (lo_c or 1, hi_c), far


# ---------------------------------------------------------------- ods

_ODS_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell)\b([^>]*?)/?>|</table:table>")
_REPEAT = {b"table-row": re.compile(rb'number-rows-repeated="(\d+)"'),
           b"table-cell": re.compile(rb'number-columns-repeated="(\d+)"'),
           b"covered-table-cell": re.compile(rb'number-columns-repeated="(\d+)"')}


def _check_ods(package: Package, path: Path, limits: Limits) -> None:
    """Bound the cells an .ods expands to: repeated rows and cells that hold a value count each time."""
    xml = package.parts.get("content.xml")
    if xml is None or (b"number-rows-repeated" not in xml and b"number-columns-repeated" not in xml):
        return
    total = 0  # cells holding something, after expansion, over the whole workbook
    rows = 0
    row_repeat, row_cells, col = 1, 0, 0
    for m in _ODS_TAG.finditer(xml):
        tag = m.group(1)
        if tag is None or tag == b"table-row":  # a table's end, or a new row: count the row before
            total += row_repeat * row_cells
            if row_cells:
                rows += row_repeat
            if tag is None:
                row_repeat, row_cells, col, rows = 1, 0, 0, 0
                continue
            r = _REPEAT[tag].search(m.group(2))
            row_repeat, row_cells, col = (int(r.group(1)) if r else 1), 0, 0
            continue
        r = _REPEAT[tag].search(m.group(2))
        n = int(r.group(1)) if r else 1
        col += n
        if b"value-type" in m.group(2):
            row_cells += n
            if col > limits.cols:
                raise InputFileError(f"{path}: refused: a row holds values beyond column {limits.cols:,} "
                                     f"(a damaged or malicious file?)")
        if rows + row_repeat > limits.rows and row_cells:
            raise InputFileError(f"{path}: refused: a sheet holds values beyond row {limits.rows:,} "
                                 f"(a damaged or malicious file?)")
        if total + row_repeat * row_cells > limits.cells:
            raise InputFileError(f"{path}: refused: its repeated rows and cells expand to more than "
                                 f"{limits.cells:,} cells (CREDIT_DESK_MAX_CELLS): a damaged or malicious file?")
    total += row_repeat * row_cells
    if total > limits.cells:
        raise InputFileError(f"{path}: refused: its repeated rows and cells expand to more than {limits.cells:,} "
                             f"cells (CREDIT_DESK_MAX_CELLS): a damaged or malicious file?")
