"""Read filled approval workbooks (and the results workbook they belong to) back.

A filled workbook is read by the project's own reader (``desktop.io.workbook.read_file``:
calamine, any of .xlsx, .xlsm, .xls and .ods, whatever its name says, checked for zip bombs,
decrypted in memory), which gives every cell as the text of its saved value. The cell of every
field comes from the workbook's own ``_layout`` sheet, so a form is found again after a round
trip through Excel or LibreOffice, and each field's text is typed by the field's declared type
(``cell_value``), so what is read canonicalises as what the writer wrote, in every format.

The results workbook is ours (.xlsx): openpyxl reads its fact sheet alone, in read-only mode.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from desktop.core.forms import FACTS, ID_PREFIX, INPUTS, FilledForm, canonical, is_sealed, sealed_values
from desktop.errors import InputFileError
from desktop.io.values import is_blank
from desktop.io.workbook import RawSheet, read_file
from desktop.io.writers.forms import INDEX_SHEET, LAYOUT_SHEET, LAYOUT_VERSION, META_KEYS
from desktop.io.writers.results import FACTS_FORMAT, FACTS_SHEET


@dataclass
class ResultsSnapshot:
    run_id: str
    policy_sha256: str
    as_of: date
    facts: dict[str, dict[str, Any]]  # customer_id -> fact key -> value
    started: date | None = None


@dataclass
class Unreadable:
    """A file or sheet that could not be taken as a form, and why."""

    file: str
    sheet: str
    code: str  # a catalogue code (desktop.io.writers.labels, "approval.*")
    args: tuple = ()  # the text's values; a desktop.messages.Message among them is worded in the text's language


def _open(path: Path, password: str | None = None, read_only: bool = False):
    import io

    import openpyxl

    from desktop.io import containers
    from desktop.io.containers import OLE_MAGIC
    from desktop.io.workbook import _decrypt_if_encrypted
    try:
        data = Path(path).read_bytes()
        if data[:8] == OLE_MAGIC:  # encrypted with a password: decrypted in memory only
            data = _decrypt_if_encrypted(data, Path(path), password)
        containers.inspect(data, Path(path))  # a returned form is a user's file: no bomb reaches the reader
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=read_only)
    except FileNotFoundError:
        raise InputFileError("error.file.not_found", file=path) from None
    except PermissionError:
        raise InputFileError("error.file.locked", file=path) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputFileError("error.file.not_readable", file=path, kind=".xlsx",
                             detail=(str(exc).splitlines() or [type(exc).__name__])[0][:120]) from None


def read_results_snapshot(path: Path, password: str | None = None) -> ResultsSnapshot:
    """The run, policy and per-customer facts from a results workbook's very hidden fact sheet."""
    wb = _open(path, password, read_only=True)  # only the fact sheet is read, not 8 million cells
    try:
        if FACTS_SHEET not in wb.sheetnames:
            raise InputFileError("error.results.not_results", file=path, detail=f"no {FACTS_SHEET} sheet")
        rows = wb[FACTS_SHEET].iter_rows(values_only=True)
        head = next(rows, ())
        meta = dict(zip(head[0::2], head[1::2]))
        keys = [k for k in next(rows, ()) if k]
        as_json = meta.get("format") == FACTS_FORMAT
        facts = {}
        for r, row in enumerate(rows, start=3):
            if not row or row[0] is None:
                continue
            if as_json:
                try:
                    values = json.loads(row[1])
                except (TypeError, ValueError, IndexError):
                    raise InputFileError("error.results.facts_damaged", file=path, sheet=FACTS_SHEET, row=r) from None
            else:  # written before the facts were kept as JSON: one cell a value
                values = row
            facts[str(row[0])] = dict(zip(keys, values))
    finally:
        wb.close()
    started = meta.get("started")
    return ResultsSnapshot(str(meta.get("run_id")), str(meta.get("policy_sha256")),
                           date.fromisoformat(str(meta.get("as_of"))), facts,
                           date.fromisoformat(str(started)) if started else None)


# ---------------------------------------------------------------------------------------
# Filled approval workbooks: any office format, every cell as text, typed by its field

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# calamine's text of a date cell: 2026-07-15 00:00:00 (.xlsx, .xls), 2026-07-15 or 2026-07-15T10:30:00 (.ods)
_DATE_CELL = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_ADDRESS = re.compile(r"\$?([A-Za-z]{1,3})\$?([1-9]\d{0,6})")
_META_KEYS = frozenset(META_KEYS)
# the declared types (core.forms FACTS and INPUTS) read as numbers and as dates; the others are text
_NUMBER_TYPES = frozenset({"money", "int", "dec", "term", "limit"})


def field_kind(key: str) -> str:
    """How a field's cell is read: text | date | number, by the type the forms declare for it."""
    if key in _META_KEYS:
        return "text"
    if key.startswith("item:"):
        return "text" if key.endswith((":basis", ":band")) else "number"  # item:KEY is its points
    if key.startswith("aging:"):
        return "number"
    declared = FACTS.get(key) or INPUTS.get(key)
    if declared is None:
        return "text"  # a field this version does not know: as typed
    return "number" if declared[2] in _NUMBER_TYPES else "date" if declared[2] == "date" else "text"


def _number(text: str) -> int | float | None:
    """A cell's text as a number (a whole number as an int: "30", "30.0" and "3E1" are 30); None if not one."""
    if not _NUMBER.fullmatch(text):
        return None
    x = float(text)
    if not math.isfinite(x):
        return None
    if x == 0 and text.startswith("-"):
        return -0.0  # calamine's "-0" for a tiny negative amount: canonical "-0.00", as the writer sealed it
    return int(x) if x.is_integer() and abs(x) < 2 ** 53 else x


def _date(text: str) -> date | None:
    """A date cell's text (any time of day dropped, as Excel shows the date); None if not one."""
    m = _DATE_CELL.fullmatch(text)
    if m is None:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def cell_value(key: str, text: Any) -> Any:
    """The value of field ``key`` from its cell's text as the reader gives it: a number for a
    number field, a ``date`` for a date field, trimmed text otherwise; None when blank.

    Text that is not what the field holds (a term typed as "60天", a date typed as "2026/7/15")
    is returned as typed, for the checks to parse or report. Text facts stay exactly as written:
    a customer ID "1001" or a credit code "0012..." is never taken for a number."""
    if is_blank(text):
        return None
    t = str(text).strip()
    if not t:
        return None
    kind = field_kind(key)
    if kind == "number":
        x = _number(t)
        return t if x is None else x
    if kind == "date":
        d = _date(t)
        return t if d is None else d
    return t


def _address(cell: str) -> tuple[int, int] | None:
    """A cell address (B36) as a 0-based (row, column); None if it is not one."""
    m = _ADDRESS.fullmatch(cell.strip())
    if m is None:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


class _Grid:
    """One sheet's cells as text, by 0-based (row, column); None when blank or outside the sheet.

    Cells are taken one by one (``iat``): a form needs some 70 of its cells, and converting
    every sheet's whole frame would cost more than reading it (8,600 sheets a workbook)."""

    def __init__(self, sheet: RawSheet):
        self.frame = sheet.frame
        self.rows, self.cols = sheet.frame.shape

    def __call__(self, at: tuple[int, int]) -> str | None:
        r, c = at
        if r >= self.rows or c >= self.cols:
            return None
        v = self.frame.iat[r, c]
        return None if is_blank(v) else str(v)

    def empty(self) -> bool:
        return not self.frame.notna().to_numpy().any()


def _layouts(sheet: RawSheet) -> tuple[dict[str, dict[str, str]], str] | str:
    """The layout sheet's form types (the cell of each field, by field) and the forms' language;
    or the catalogue code of why not: old_layout (an earlier layout version), layout_damaged."""
    grid = _Grid(sheet)
    rows = [r for r in range(1, grid.rows) if grid((r, 0)) is not None]
    lang, version = "zh", 1
    for r in rows:
        if grid((r, 6)) is not None:  # written since forms have a language and a layout version
            lang = grid((r, 6)).strip() if grid((r, 6)).strip() in ("zh", "en") else "zh"
            n = _number(grid((r, 7)) or "")
            version = n if isinstance(n, int) else 1
    if not rows:
        return "layout_damaged"
    if version < LAYOUT_VERSION:
        return "old_layout"
    layouts: dict[str, dict[str, str]] = {}
    for r in rows:
        form_type = grid((r, 0)).strip()
        try:
            cells = json.loads(grid((r, 1)) or "")
        except ValueError:
            return "layout_damaged"
        if (form_type not in ID_PREFIX or not isinstance(cells, dict) or not cells.get("form_id")
                or not all(isinstance(k, str) and isinstance(c, str) and (not c or _address(c) is not None)
                           for k, c in cells.items())):
            return "layout_damaged"
        layouts[form_type] = cells
    return layouts, lang


def read_filled_workbook(path: Path, password: str | None = None) -> tuple[list[FilledForm], list[Unreadable]]:
    """Every form in ``path`` (.xlsx, .xlsm, .xls or .ods, as Excel or LibreOffice saved it);
    sheets and files that are not forms are listed, not skipped. Each field is read from the cell
    the workbook's own ``_layout`` sheet names, and typed by the field's declared type
    (``cell_value``), so a form reads back the same whatever format it was saved in."""
    name = Path(path).name
    try:
        raw = read_file(path, password)
    except InputFileError as exc:  # not found, locked, damaged, a zip bomb, a wrong or missing password
        return [], [Unreadable(name, "", "unreadable_file", (exc.message,))]  # worded in the reader's language
    layout_sheet = next((s for s in raw.sheets if s.name == LAYOUT_SHEET), None)
    if layout_sheet is None:  # LibreOffice may make it a plain hidden sheet: found by its name
        return [], [Unreadable(name, "", "not_approval_workbook")]
    found = _layouts(layout_sheet)
    if isinstance(found, str):
        return [], [Unreadable(name, LAYOUT_SHEET if found == "layout_damaged" else "", found)]
    layouts, lang = found
    where = {t: {k: _address(c) for k, c in cells.items() if c} for t, cells in layouts.items()}
    forms: list[FilledForm] = []
    problems: list[Unreadable] = []
    for sheet in raw.sheets:
        if sheet.name == LAYOUT_SHEET:
            continue
        grid = _Grid(sheet)
        kind = None  # the form type whose form ID cell holds a form ID of that type
        for form_type, at in where.items():
            fid = grid(at["form_id"])
            if fid is not None and fid.strip().startswith(ID_PREFIX[form_type] + "-"):
                kind = form_type
                break
        if kind is None:
            if sheet.name not in (INDEX_SHEET, "Index") and not grid.empty():
                problems.append(Unreadable(name, sheet.name, "not_a_form"))
            continue
        cells = layouts[kind]
        values = {k: cell_value(k, grid(a)) for k, a in where[kind].items()}
        meta = {k: None if values.get(k) is None else str(values[k]) for k in META_KEYS if k in values}
        facts = {k: v for k, v in values.items() if is_sealed(k)}
        inputs = {k: v for k, v in values.items() if k not in facts and k not in META_KEYS}
        forms.append(FilledForm(form_id=str(values["form_id"]), form_type=kind,
                                customer_id=str(canonical(values.get("customer_id")) or ""),
                                run_id=str(values.get("run_id") or ""), file=name, sheet=sheet.name, facts=facts,
                                inputs=inputs, cells=cells, meta=meta,
                                sealed=sealed_values(cells, values.get), lang=lang))
    return forms, problems
