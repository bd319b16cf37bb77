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
- each sheet's used range (from A1 to the farthest row and column any cell names: the grid
  the reader and our own frames allocate) is bounded in rows, columns and cells, and a huge
  range holding almost nothing (one stray cell far away) is refused with its corner's address;
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

import numpy as np

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
    """``zip``, ``ole`` (an .xls or an encrypted workbook) or ``other``, from the content itself.

    A zip is found by its end record, as the reader finds it: bytes put before the first member
    do not make it something else.
    """
    if data[:4] == ZIP_MAGIC or data[:4] == b"PK\x05\x06" or (b"PK\x05\x06" in data[-65_558:]
                                                               and zipfile.is_zipfile(io.BytesIO(data))):
        return "zip"
    if data[:8] == OLE_MAGIC:
        return "ole"
    return "other"


def inspect(data: bytes, path: Path, limits: Limits | None = None) -> Package:
    """Inflate and check every member of the zip ``data``.

    A zip that cannot be read here is refused, not handed to the reader unchecked.
    """
    limits = limits or Limits.current()
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, struct.error, EOFError, NotImplementedError):
        raise InputFileError("error.file.damaged", file=path, kind=path.suffix.lower() or "zip",
                             detail="its zip container is damaged or incomplete") from None
    names = {i.filename for i in infos}
    if len(names) < len(infos):  # which copy a reader takes is its own choice: neither is trusted
        from collections import Counter
        twice = sorted(name for name, n in Counter(i.filename for i in infos).items() if n > 1)
        raise InputFileError("error.file.parts_twice", file=path, detail=f"two parts named {twice[0]}")
    kind = "xlsx" if "xl/workbook.xml" in names else "ods" if "content.xml" in names else \
        "xlsb" if "xl/workbook.bin" in names else "zip"
    package = Package(kind)
    for info in infos:
        if info.is_dir():
            continue
        keep = _keep(kind, info.filename)
        budget = limits.unpacked_bytes - package.unpacked
        size, content = _inflate(data, z, info, budget, keep)
        if size > budget:
            raise InputFileError("error.file.too_large", file=path, limit_mb=f"{limits.unpacked_bytes / 2**20:,.0f}",
                                 detail="CREDIT_DESK_MAX_UNPACKED_MB")
        package.unpacked += size
        if content is not None:
            package.parts[info.filename] = content
    if kind == "xlsx":
        _check_xlsx(package, path, limits)
    elif kind == "ods":
        _check_ods(package, path, limits)
    return package


def _keep(kind: str, name: str) -> bool:
    """The parts checked after inflating: every XML part of a workbook (a sheet may be stored
    anywhere its relationships point), the content of an .ods."""
    if kind == "xlsx":
        return name.lower().endswith((".xml", ".rels"))
    return kind == "ods" and name == "content.xml"


def _inflate(data: bytes, z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int,
             keep: bool) -> tuple[int, bytes | None]:
    """The member's real inflated size (stopping just past ``budget``) and, if ``keep``, its bytes.

    The compressed bytes are inflated straight from the file, so a header that understates
    the size changes nothing; an entry whose data overlaps another's is inflated (and counted)
    each time, as any reader would.
    """
    out = io.BytesIO() if keep else None  # grown in place: a 400 MB sheet is not held as pieces and joined
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
                out.write(chunk)
            if inflater.eof:
                break
    except zlib.error:  # damaged data: the reader gives the reason
        pass
    return total, (out.getvalue() if out is not None else None)


def _inflate_with_zipfile(z: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int,
                          out: io.BytesIO | None) -> tuple[int, bytes | None]:
    total = 0
    try:
        with z.open(info) as f:
            while chunk := f.read(_OUT_CHUNK):
                total += len(chunk)
                if total > budget:
                    return total, None
                if out is not None:
                    out.write(chunk)
    except (zipfile.BadZipFile, NotImplementedError, OSError, RuntimeError, EOFError, zlib.error, ValueError):
        pass
    return total, (out.getvalue() if out is not None else None)


def _data_start(data: bytes, info: zipfile.ZipInfo) -> int | None:
    off = info.header_offset
    if off < 0 or data[off:off + 4] != ZIP_MAGIC:
        return None
    name_len, extra_len = struct.unpack("<HH", data[off + 26:off + 30])
    return off + 30 + name_len + extra_len


# ---------------------------------------------------------------- xlsx

_TAG = re.compile(rb"<(?:[\w.-]+:)?(sheet|Relationship)\b([^>]*)>")
_ATTR = re.compile(rb"([\w.:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _attributes(text: bytes) -> dict[str, str]:
    """A tag's attributes by local name (``r:id`` is ``id``), whatever their order or quotes."""
    found = {}
    for m in _ATTR.finditer(text):
        name = m.group(1).decode("utf-8", "replace").rpartition(":")[2]
        found[name] = _unescape((m.group(2) if m.group(2) is not None else m.group(3)).decode("utf-8", "replace"))
    return found


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> its XML part, from the workbook and its relationships."""
    targets = {}
    for m in _TAG.finditer(parts.get("xl/_rels/workbook.xml.rels", b"")):
        if m.group(1) == b"Relationship":
            a = _attributes(m.group(2))
            targets[a.get("Id", "")] = a.get("Target", "")
    found = {}
    for m in _TAG.finditer(parts.get("xl/workbook.xml", b"")):
        if m.group(1) == b"sheet":
            a = _attributes(m.group(2))
            target = targets.get(a.get("id", ""), "")
            if target:
                found[a.get("name", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return found


def _check_xlsx(package: Package, path: Path, limits: Limits) -> None:
    parts = package.parts
    sst = parts.get("xl/sharedStrings.xml")
    if sst is not None:
        # the reader makes room for uniqueCount strings up front; a string takes at least "<si/>"
        # (5 bytes) of the part, so a count beyond that is a lie ("count", the references, may be more)
        tag = re.search(rb"<(?:[\w.-]+:)?sst\b([^>]*)>", sst)
        m = re.search(rb"\buniqueCount\s*=\s*[\"']\s*(\d+)", tag.group(1)) if tag else None
        if m:
            if int(m.group(1)) > len(sst) // 5 + 16:
                raise InputFileError("error.file.strings_count", file=path, declared=f"{int(m.group(1)):,}",
                                     room=f"{len(sst) // 5:,}")
    names = {part: sheet for sheet, part in sheet_parts(parts).items()}
    for part, xml in parts.items():  # every part that holds cells, named in the workbook or not
        if b"sheetData" in xml[:1 << 20] or b"sheetData" in xml:
            _check_used_range(xml, path, names.get(part, part), limits)


def _check_used_range(xml: bytes, path: Path, sheet: str, limits: Limits) -> None:
    """Refuse a sheet whose used range would not fit, or is vast and nearly empty.

    The reader numbers a sheet's grid from A1, so the range is A1 to the farthest row and
    column any cell or row names.
    """
    cells, last_row, last_col = used_range(xml)
    area = last_row * last_col
    far_ref = f"{column_letter(min(last_col, 10 * MAX_COLS) - 1)}{last_row}"  # the corner: what lies farthest out
    if last_row > limits.rows or last_col > limits.cols:
        raise InputFileError("error.sheet.beyond_excel", file=path, sheet=sheet, cell=far_ref, rows=f"{limits.rows:,}",
                             cols=f"{limits.cols:,}")
    if not cells or area <= SPARSE_MIN_CELLS:
        return
    if cells * SPARSE_RATIO < area:
        raise InputFileError("error.sheet.sparse", file=path, sheet=sheet, cell=far_ref, area=f"{area:,}",
                             cells=f"{cells:,}", row=last_row, column=column_letter(last_col - 1))
    if area > limits.cells:
        raise InputFileError("error.sheet.too_many_cells", file=path, sheet=sheet, cell=far_ref, area=f"{area:,}",
                             limit=f"{limits.cells:,}", detail="CREDIT_DESK_MAX_CELLS")


_CHUNK = 1 << 24
_BIG = 10 ** 10  # a row number of more than 10 digits: beyond any sheet (and kept from overflowing)


def used_range(xml: bytes) -> tuple[int, int, int]:
    """(cells, last row, last column) of a sheet's XML, 1-based: the corner of its used range.

    Every reference is an attribute ``r`` (a row's number, or a cell's column letters and row
    number), wherever it stands in its tag, in either quotes, its letters in either case. They
    are found with array operations, a block of the sheet at a time, and only the longest ones
    are decoded (a shorter one cannot be the last): a million-row sheet costs a fraction of a
    second, and a number that a hostile file writes out of order counts as much as any other.
    A sheet that puts spaces around an attribute's ``=`` (XML allows it; no office program
    writes it) is first rewritten without them, more slowly.
    """
    data = np.frombuffer(xml, dtype=np.uint8)
    cells = last_row = last_col = 0
    for start in range(0, len(data), _CHUNK):
        block = data[max(start - 2, 0):start + _CHUNK + 32]  # the overlap holds a reference cut by the block's end
        if len(block) < _CHUNK + 34:
            block = np.concatenate([block, np.zeros(34, dtype=np.uint8)])
        n = min(_CHUNK + (2 if start else 0), len(block) - 32)
        eq = np.flatnonzero(block[2:n] == 61) + 2  # every "=" with two bytes before it
        before, after = block[eq - 1], block[eq + 1]
        if (_space(before) | _space(after)).any():
            return used_range(re.sub(rb"\s*=\s*", b"=", xml))
        at = eq[(before == 114) & _space(block[eq - 2]) & ((after == 34) | (after == 39))] + 2
        if not len(at):
            continue
        letters = np.zeros(len(at), dtype=np.int64)
        alive = np.ones(len(at), dtype=bool)
        for j in range(4):  # XFD is the last column: four letters are beyond any sheet
            ch = block[at + j] | 32  # either case
            alive &= (ch >= 97) & (ch <= 122)
            letters += alive
        cells += int(np.count_nonzero(letters))
        widest = int(letters.max())
        if widest:
            pick = at[letters == widest]
            col = np.zeros(len(pick), dtype=np.int64)
            for j in range(widest):
                col = col * 26 + (block[pick + j] | 32) - 96
            last_col = max(last_col, int(col.max()))
        digits_at = at + letters
        count = np.zeros(len(at), dtype=np.int64)
        live = np.arange(len(at))
        for j in range(11):  # a row number of more than 10 digits is beyond any sheet
            ch = block[digits_at[live] + j]
            live = live[(ch >= 48) & (ch <= 57)]
            if not len(live):
                break
            count[live] += 1
        longest = int(count.max())
        if longest:
            pick = digits_at[count == longest]
            row = np.zeros(len(pick), dtype=np.int64)
            for j in range(min(longest, 10)):
                row = row * 10 + block[pick + j] - 48
            last_row = max(last_row, int(row.max()) if longest <= 10 else _BIG)
    return cells, last_row, last_col


def _space(ch: np.ndarray) -> np.ndarray:
    return (ch == 32) | (ch == 9) | (ch == 10) | (ch == 13)


# ---------------------------------------------------------------- ods

_ODS_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell)\b([^>]*?)/?>|</table:table>")
_REPEAT = {b"table-row": re.compile(rb"number-rows-repeated\s*=\s*[\"']\s*(\d+)"),
           b"table-cell": re.compile(rb"number-columns-repeated\s*=\s*[\"']\s*(\d+)"),
           b"covered-table-cell": re.compile(rb"number-columns-repeated\s*=\s*[\"']\s*(\d+)")}


def _check_ods(package: Package, path: Path, limits: Limits) -> None:
    """Bound the grid an .ods expands to: from A1 to the last row and column holding a value.

    Repeated rows and cells count as often as they repeat (an empty row repeated a million
    times moves every row after it down); trailing empty ones, which LibreOffice writes in
    every file, do not enlarge the grid. A Python walk over the tags: a few seconds per million
    cells, only for .ods files with repeats.
    """
    xml = package.parts.get("content.xml")
    if xml is None or b"repeated" not in xml:
        return
    last_row = last_col = 0  # of the cells holding a value, 1-based, in the current table
    row = col = 0  # position: rows before the current one; columns before the current cell
    row_repeat = 1
    for m in _ODS_TAG.finditer(xml):
        tag = m.group(1)
        if tag is None:  # a table's end: the next table starts at A1
            _ods_bound(path, limits, last_row, last_col)
            row = col = last_row = last_col = 0
            row_repeat = 1
            continue
        r = _REPEAT[tag].search(m.group(2))
        n = int(r.group(1)) if r else 1
        if tag == b"table-row":
            row += row_repeat
            row_repeat, col = n, 0
            continue
        if b"value-type" in m.group(2):
            last_row = max(last_row, row + row_repeat)
            last_col = max(last_col, col + n)
            if last_row > limits.rows or last_col > limits.cols or last_row * last_col > limits.cells:
                _ods_bound(path, limits, last_row, last_col)
        col += n
    _ods_bound(path, limits, last_row, last_col)


def _ods_bound(path: Path, limits: Limits, last_row: int, last_col: int) -> None:
    if last_row > limits.rows or last_col > limits.cols:
        raise InputFileError("error.file.beyond_excel", file=path, rows=f"{limits.rows:,}", cols=f"{limits.cols:,}")
    if last_row * last_col > limits.cells:
        raise InputFileError("error.file.too_many_cells", file=path, limit=f"{limits.cells:,}",
                             detail="CREDIT_DESK_MAX_CELLS")
