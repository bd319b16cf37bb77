"""From user files to typed records: classify sheets, map columns, parse values, link rows.

Every rejected or doubtful cell becomes a ``RowIssue`` naming file, sheet, Excel row,
column, value, problem and action. Nothing is dropped silently: each data row is either
used or counted as rejected with an issue (blank rows hold nothing and are only counted).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from desktop.core.groups import is_ditto
from desktop.core.models import LEDGER_COLUMNS, RECEIPT_COLUMNS, Customer, RowIssue, SourceRef, Table
from desktop.errors import InputFileError
from desktop.io import values as V
from desktop.io.headers import (
    CUSTOMERS,
    FIELD_UNITS,
    HEADER_SCAN_ROWS,
    IGNORED,
    LEDGER,
    RECEIPTS,
    UNIT_FACTORS,
    Classification,
    HeaderMatch,
    classify,
    column_letter,
    column_list,
    detect_header,
    unused_columns,
)
from desktop.io.mapping_profiles import ProfileStore
from desktop.io.sheets import SheetChoice, SheetSource
from desktop.io.workbook import PasswordRequired, RawFile, RawSheet, read_file

CUSTOMER_PARSERS: dict[str, Callable[[Any], V.Parsed]] = {
    "customer_id": V.parse_code, "name": V.parse_text, "credit_code": V.parse_credit_code,
    "salesperson": V.parse_text, "sales_manager": V.parse_text, "group": V.parse_text,
    "controller": V.parse_text, "first_trade_date": V.parse_date,
    "registered_capital": V.parse_amount, "agreement": V.parse_yes_no, "license": V.parse_yes_no,
    "tax_registration": V.parse_yes_no, "org_code": V.parse_yes_no,
    "operating_status": V.parse_operating_status, "revenue_trend": V.parse_revenue_trend,
    "sued_by_suppliers": V.parse_yes_no, "total_assets": V.parse_amount,
    "total_liabilities": V.parse_amount, "current_assets": V.parse_amount,
    "current_liabilities": V.parse_amount, "current_term_days": V.parse_int_days,
    "requested_term_days": V.parse_int_days, "requested_limit": V.parse_amount,
    "request_reason": V.parse_text,
}
LEDGER_PARSERS = {
    "customer_id": V.parse_code, "customer_name": V.parse_text, "invoice_no": V.parse_code,
    "invoice_date": V.parse_date, "amount": V.parse_amount, "due_date": V.parse_date,
    "term_days": V.parse_int_days, "paid_date": V.parse_date, "paid_amount": V.parse_amount,
}
RECEIPT_PARSERS = {"customer_id": V.parse_code, "customer_name": V.parse_text, "date": V.parse_date,
                   "amount": V.parse_amount}
PARSERS = {CUSTOMERS: CUSTOMER_PARSERS, LEDGER: LEDGER_PARSERS, RECEIPTS: RECEIPT_PARSERS}
# A total row says so in a cell of its own ("合计", "本页小计:", "Total (元)"), not inside a name
# ("Total Logistics Co." is a customer), and has no key of a data row (no ID, no date).
_TOTAL_ROW = re.compile(r"^(本页|本月|本年|累计|全部)?\s*(合\s*计|小\s*计|总\s*计|总\s*额|共\s*计|总\s*合\s*计|"
                        r"total|sub-?total|grand total|sum)\s*[:：]?\s*([(（][^)）]*[)）])?\s*[:：]?$", re.I)
_TOTAL_KEYS = {CUSTOMERS: ("customer_id", "name"), LEDGER: ("customer_id", "customer_name", "invoice_no", "invoice_date"),
               RECEIPTS: ("customer_id", "customer_name", "date")}


@dataclass
class ImportResult:
    customers: list[Customer]
    ledger: pd.DataFrame
    receipts: pd.DataFrame
    issues: list[RowIssue]
    sheets: list[SheetSource]


def parse_sheet_spec(spec: str, kind: str) -> SheetChoice:
    """``FILE`` or ``FILE:SHEET`` (a Windows drive letter ``C:\\`` is not a sheet)."""
    m = re.match(r"^(?P<file>.+?\.(?:xlsx|xlsm|xls|ods|xlsb|csv|txt)):(?P<sheet>.+)$", spec, re.I)
    if m:
        return SheetChoice(Path(m.group("file")), m.group("sheet"), kind)
    return SheetChoice(Path(spec), None, kind)


@dataclass
class _SheetData:
    """A sheet's data rows, column by column, ready to parse."""

    raw: RawFile
    sheet: RawSheet
    match: HeaderMatch
    source: SheetSource
    frame: pd.DataFrame  # one column per mapped field, raw values; index = Excel row number


def import_files(inputs: list[Path], choices: list[SheetChoice] | None = None,
                 as_of: date | None = None, profiles: ProfileStore | None = None,
                 password_for=None, tick: Callable[[], None] = lambda: None,
                 strict: bool = True) -> ImportResult:
    """Read ``inputs`` (classified sheet by sheet) and the explicitly chosen sheets.

    A sheet without an explicit choice is read with a saved mapping profile when its header
    row matches one, else classified by its headers. ``password_for(path)`` gives the
    password of an encrypted workbook (or None). ``tick()`` is the job's cancel checkpoint,
    called between files and sheets. With ``strict`` (the command line) a file that cannot be
    read stops the import; without (the window) it is listed as an unreadable sheet source
    with its error, and as an error row issue, and the other files are read.
    """
    choices = choices or []
    issues: list[RowIssue] = []
    files: dict[Path, RawFile] = {}

    wanted: dict[object, Path] = {}
    for p in [*inputs, *(ch.path for ch in choices)]:
        key = _file_key(p)
        first = wanted.setdefault(key, p)
        if first != p and first.resolve() != p.resolve():  # a second name of one file (a hard link)
            issues.append(RowIssue(p.name, "", None, "", str(p), f"the same file as {first} (two names of one file)",
                                   "read once", "warning"))
    # The reader works outside Python's interpreter lock for most of a file, so the files are
    # read side by side (the ledger and the customer sheet: about a fifth less time than one
    # after the other on two cores). The first failure in input order is the one reported.
    unreadable: list[SheetSource] = []
    with ThreadPoolExecutor(max_workers=min(2, len(wanted)) or 1) as pool:
        futures = {key: pool.submit(read_file, p, password_for(p) if password_for else None)
                   for key, p in wanted.items()}
        try:
            for key, future in futures.items():
                try:
                    files[key] = future.result()
                except PasswordRequired:
                    raise
                except InputFileError as exc:
                    if strict:
                        raise
                    path = wanted[key]
                    unreadable.append(SheetSource(path.name, str(path), "", "", "unreadable", "auto", error=str(exc),
                                                  error_texts=exc.texts()))
                    # the value is where the file is; why it cannot be read is its line in the files'
                    # list (error_texts: in the reader's language), not an English sentence here
                    issues.append(RowIssue(path.name, "", None, "", str(path), "file cannot be read",
                                           "file not read; the other files are used", "error"))
                tick()
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise

    data: list[_SheetData] = []
    sources: list[SheetSource] = []
    chosen: dict[tuple[Path, str], SheetChoice] = {}
    whole_file_choice: dict[Path, str] = {}
    for ch in choices:
        if _file_key(ch.path) not in files:  # unreadable (listed): its choices wait for a readable copy
            continue
        raw = files[_file_key(ch.path)]
        if ch.sheet is not None:
            if ch.sheet not in [s.name for s in raw.sheets]:
                raise InputFileError("error.sheet.not_found", file=raw.path, sheet=ch.sheet,
                                     sheets=", ".join(s.name for s in raw.sheets))
            chosen[(_file_key(ch.path), ch.sheet)] = ch
        else:
            whole_file_choice[_file_key(ch.path)] = ch.kind
    input_keys = {_file_key(p) for p in inputs}

    for key, raw in files.items():
        explicit_sheets = {s for (k, s) in chosen if k == key}
        for sheet in raw.sheets:
            tick()
            src = SheetSource(raw.name, str(raw.path), raw.sha256, sheet.name, IGNORED, "auto")
            issues.extend(RowIssue(raw.name, sheet.name, None if n.row is None else n.row + 1,
                                   "" if n.col is None else column_letter(n.col), n.value, n.problem, n.action,
                                   n.severity) for n in sheet.notes)
            top = sheet.head(HEADER_SCAN_ROWS)
            choice = chosen.get((key, sheet.name))
            if choice is not None:
                src.chosen_by = "override"
                if choice.kind == IGNORED:
                    sources.append(src)
                    continue
                match = _manual_match(sheet, choice) if choice.columns else detect_header(top, choice.kind)
                if match is None:
                    raise _no_header(raw, sheet, choice.kind)
            elif explicit_sheets and key not in input_keys:
                sources.append(src)  # only the named sheet of this file was asked for
                continue
            else:
                want = whole_file_choice.get(key)
                hit = profiles.match(top) if profiles is not None and want is None else None
                if hit is not None:
                    prof, row, cols = hit
                    match = _manual_match(sheet, SheetChoice(raw.path, sheet.name, prof.kind, row, cols))
                    src.chosen_by = f"profile: {prof.name}"
                elif want is not None:
                    match = detect_header(top, want)
                else:
                    found = classify(top, (sheet.name, raw.path.stem))
                    match = found.match
                    if found.tied:
                        issues.append(_tie_issue(raw, sheet, found))
                    elif match is None and not _is_empty(sheet):
                        issues.append(RowIssue(raw.name, sheet.name, None, "", _preview(top),
                                               f"no header row of a customer sheet, sales ledger or receipts list "
                                               f"in the first {HEADER_SCAN_ROWS} rows",
                                               "sheet not used; if it holds data, map its columns by hand",
                                               "warning"))
                if want is not None:
                    src.chosen_by = "override"
                if match is None:
                    src.empty = _is_empty(sheet)
                    sources.append(src)
                    continue
            src.kind = match.kind
            src.header_row = match.header_row + 1
            src.columns = {f: match.headers[c] for f, c in match.columns.items()}
            for col, fld in match.duplicates:
                issues.append(RowIssue(raw.name, sheet.name, match.header_row + 1,
                                       _col_label(match, col), match.headers[col],
                                       f"second column for '{fld}'", f"ignored; column "
                                       f"{_col_label(match, match.columns[fld])} is used", "warning"))
            if not sheet.visible:
                issues.append(RowIssue(raw.name, sheet.name, None, "", None, "hidden sheet",
                                       f"read as {match.kind}; unhide it in Excel, or mark it not used, "
                                       f"if it should not count", "warning"))
            frame, row_issues = _data_frame(raw, sheet, match, src)
            issues.extend(row_issues)
            data.append(_SheetData(raw, sheet, match, src, frame))
            sources.append(src)
        for ch_key, kind in whole_file_choice.items():
            if ch_key == key and not any(d.raw is raw and d.match.kind == kind for d in data):
                raise _no_header(raw, raw.sheets[0] if raw.sheets else None, kind)
        for sheet in raw.sheets:  # the rows used are in the data frames now: the file's text is let go
            sheet.frame = sheet.frame.iloc[:0]

    sources.extend(unreadable)
    tick()
    customer_sheets = [d for d in data if d.match.kind == CUSTOMERS]
    customers, cust_issues, dup_ids = _build_customers(customer_sheets, as_of)
    issues.extend(cust_issues)
    by_id = {c.customer_id: c for c in customers}
    names: dict[str, str | None] = {}
    for c in customers:
        names[c.name] = None if c.name in names else c.customer_id  # None: ambiguous name

    ledgers, receipts = [], []
    for d in data:
        if d.match.kind == LEDGER:
            t, iss = _build_rows(d, LEDGER_PARSERS, LEDGER_COLUMNS, ("invoice_date", "amount"), by_id, names, dup_ids)
            ledgers.append(t)
            issues.extend(iss)
        elif d.match.kind == RECEIPTS:
            t, iss = _build_rows(d, RECEIPT_PARSERS, RECEIPT_COLUMNS, ("date", "amount"), by_id, names, dup_ids)
            receipts.append(t)
            issues.extend(iss)
    ledger = _joined(ledgers, LEDGER_COLUMNS)
    receipt_frame = _joined(receipts, RECEIPT_COLUMNS)
    # a formula cell without a saved value holds the reader's marker, not a value a clerk typed:
    # its problem says what it is, the value column stays blank
    issues = [replace(i, value=None) if i.value == V.FORMULA_WITHOUT_VALUE else i for i in issues]
    del data, ledgers, receipts
    _give_back_freed_memory()
    return ImportResult(customers, ledger, receipt_frame, issues, sources)


def _joined(tables: list[pd.DataFrame], columns: dict[str, str]) -> pd.DataFrame:
    """The sheets' rows in one table (one sheet's table as it is: no second copy of a big ledger)."""
    if not tables:
        return Table.empty(columns)
    return tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)


def _give_back_freed_memory() -> None:
    """The working copies of the import are freed, but the allocators keep their pages for
    reuse: handed back to the system here, so the rating that follows starts from what the
    tables hold (a 5,000,000-row ledger: about 200 MB less held by the process)."""
    import pyarrow as pa
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        import ctypes
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # another C library (musl): nothing to hand back this way
            pass


def _file_key(path: Path) -> object:
    """One key per file: its identity on disk (so two names of one file, a hard link, are one), else its path."""
    try:
        st = path.stat()
        if st.st_ino:
            return (st.st_dev, st.st_ino)
    except OSError:
        pass
    return path.resolve()


def _manual_match(sheet: RawSheet, choice: SheetChoice) -> HeaderMatch:
    """A header match from a column mapping the clerk made (or a saved mapping profile)."""
    row = choice.header_row or 0
    top = sheet.head(row + 1)
    headers = ["" if c is None else str(c).strip() for c in (top[row] if row < len(top) else [])]
    from desktop.io.headers import split_header
    units = {f: split_header(headers[c])[1] if c < len(headers) else None for f, c in choice.columns.items()}
    return HeaderMatch(choice.kind, row, dict(choice.columns), units, headers)


KIND_WORDS = {CUSTOMERS: "customer sheet", LEDGER: "sales ledger", RECEIPTS: "receipts list"}
_KIND_FLAGS = {CUSTOMERS: "--customers", LEDGER: "--sales", RECEIPTS: "--receipts"}  # the command line's words


def _tie_issue(raw: RawFile, sheet: RawSheet, found: Classification) -> RowIssue:
    """A sheet whose headers fit two kinds equally: said, whether its name settled it or not."""
    kinds = " or ".join(KIND_WORDS[k] for k in found.tied)
    row = found.header_row + 1 if found.header_row is not None else None
    if found.match is not None:
        return RowIssue(raw.name, sheet.name, row, "", found.settled_by, f"the headers fit a {kinds}",
                        f"read as a {KIND_WORDS[found.match.kind]}, as its name says", "warning")
    flags = " or ".join(_KIND_FLAGS[k] for k in found.tied)
    return RowIssue(raw.name, sheet.name, row, "", None, f"the headers fit a {kinds}",
                    f"sheet not used: say what it is ({flags}, or in the list of sheets)", "error")


def _preview(rows: list[list[object]]) -> str:
    """The first rows that hold anything, as text: what the clerk will recognise the sheet by."""
    shown = []
    for i, row in enumerate(rows):
        cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
        if cells:
            shown.append(f"{i + 1}: " + " | ".join(c[:20] for c in cells[:6]))
        if len(shown) == 3:
            break
    return "; ".join(shown)


def _is_empty(sheet: RawSheet) -> bool:
    return bool(sheet.frame.isna().all(axis=None))


def _no_header(raw: RawFile, sheet: RawSheet | None, kind: str) -> InputFileError:
    from desktop.io.headers import ALIASES, REQUIRED
    from desktop.messages import Message

    def joined(words: list, how: str):  # "a/b", "a and b and c" (客户编号或客户名称, …和…) in either language
        return words[0] if len(words) == 1 else Message(f"error.columns.{how}", {"a": words[0],
                                                                                 "b": joined(words[1:], how)})
    need = joined([joined([ALIASES[kind][f][0] for f in group], "or") for group in REQUIRED[kind]], "and")
    what = Message(f"error.kind.{kind}")
    if sheet is not None:
        return InputFileError("error.sheet.no_header", file=raw.path, sheet=sheet.name, kind=what, columns=need)
    return InputFileError("error.file.no_header", file=raw.path, kind=what, columns=need)


def _col_label(match: HeaderMatch, col: int) -> str:
    header = match.headers[col] if col < len(match.headers) else ""
    return f"{column_letter(col)} {header}".strip()


def _data_frame(raw: RawFile, sheet: RawSheet, match: HeaderMatch,
                src: SheetSource) -> tuple[pd.DataFrame, list[RowIssue]]:
    """Mapped columns of the data rows below the header; blank and total rows taken out."""
    body = sheet.frame.iloc[match.header_row + 1:]
    excel_rows = np.arange(match.header_row + 2, match.header_row + 2 + len(body))
    blank = body.isna()
    blank_all = blank.all(axis=1).to_numpy()
    issues = []
    total = np.zeros(len(body), dtype=bool)
    keys = [match.columns[f] for f in _TOTAL_KEYS[match.kind] if f in match.columns]
    for col in list(body.columns)[:8]:  # a total row says so in one of its first cells
        text = body[col]
        maybe = text.str.contains(r"计|额|(?i:total|sum)|ｔｏｔａｌ|ＴＯＴＡＬ", regex=True).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(maybe & ~total & ~blank_all):
            v = text.iat[i]
            if not _TOTAL_ROW.match(V.normalize_text(v)):
                continue
            if any(k != col and k in body.columns and not V.is_blank(body[k].iat[i]) for k in keys):
                continue  # a data row that happens to hold the word (a customer named 合计 with an invoice)
            total[i] = True
            issues.append(RowIssue(raw.name, sheet.name, int(excel_rows[i]), "", v,
                                   "total row", "skipped: totals are recomputed, not read", "warning"))
    # the header again (two exports pasted one under the other, a header printed on every page):
    # every mapped cell holds its column's header text
    named = [(c, match.headers[c].strip()) for c in match.columns.values()
             if c < len(match.headers) and match.headers[c].strip() and c in body.columns]
    if len(named) >= 2:
        c0, h0 = named[0]
        maybe = np.flatnonzero((body[c0] == h0).fillna(False).to_numpy(dtype=bool))  # one pass; the rest on these
        again = np.zeros(len(body), dtype=bool)
        again[maybe] = [all(str(body[c].iat[i]).strip() == h for c, h in named[1:]) for i in maybe]
        for i in np.flatnonzero(again & ~total):
            total[i] = True
            issues.append(RowIssue(raw.name, sheet.name, int(excel_rows[i]), "", named[0][1],
                                   "the header row again", "row not used", "warning"))
    issues.sort(key=lambda i: i.row)
    issues[:0] = _unused_columns(raw, sheet, match, blank, ~blank_all & ~total)  # the header row: first
    src.blank_rows = int(blank_all.sum())
    src.rows_read = int((~blank_all).sum())
    src.rows_rejected = int(total.sum())
    keep = ~blank_all & ~total
    # Column by column, each raw column let go from the sheet once its last field has its rows:
    # a ledger of millions of rows never holds its whole text twice.
    mapped, left = {}, Counter(match.columns.values())
    for fld, col in match.columns.items():
        mapped[fld] = body[col].array[keep] if col in body.columns else pd.array([None] * int(keep.sum()), dtype="str")
        left[col] -= 1
        if not left[col] and col in body.columns:
            body = body.drop(columns=[col])
            sheet.frame = sheet.frame.drop(columns=[col])
    return pd.DataFrame(mapped, index=excel_rows[keep]).astype("str"), issues


def _unused_columns(raw: RawFile, sheet: RawSheet, match: HeaderMatch, blank: pd.DataFrame,
                    rows: np.ndarray) -> list[RowIssue]:
    """One warning naming the columns that hold data in the rows read and that no field reads
    (a second column of a field is reported on its own): data is never left out unsaid."""
    taken = {*match.columns.values(), *(c for c, _ in match.duplicates)}
    others = [c for c in range(blank.shape[1]) if c not in taken]
    if not others or not rows.any():
        return []
    filled = np.zeros(blank.shape[1], dtype=bool)
    filled[others] = ~blank.iloc[:, others].to_numpy()[rows].all(axis=0)
    unused = unused_columns(match.headers, taken, filled)
    if not unused:
        return []
    return [RowIssue(raw.name, sheet.name, match.header_row + 1, ", ".join(column_letter(c) for c, _ in unused),
                     column_list(unused), "columns with data mapped to no field",
                     "not read; map them in the column mapping if the rating needs them", "warning")]


_FEN_FIELDS = ("amount", "paid_amount")  # 元 amounts of the ledger and the receipts
_TEXT_FIELDS = ("invoice_no",)  # ledger fields kept as Arrow text (nearly one value a row: no object each)


def _parse_fields(d: _SheetData, parsers: dict[str, Callable[[Any], V.Parsed]],
                  issues: list[RowIssue], failed: pd.Series, required: tuple[str, ...] = ()) -> dict[str, pd.Series]:
    """Parse every mapped column; problems become issues; rows failing a required field are marked.

    Each column's text leaves ``d.frame`` once it is parsed (the frame keeps its index): a ledger
    of millions of rows holds one column's text at a time beside the parsed columns."""
    out: dict[str, pd.Series] = {}
    for fld, col in d.match.columns.items():
        if fld not in parsers:
            continue
        raw_col = d.frame.pop(fld)
        parser = parsers[fld]
        if parser is V.parse_date and d.sheet.date1904:
            parser = V.parse_date_1904
        parsed, problems = V.parse_column(raw_col, parser, as_text=fld in _TEXT_FIELDS and d.match.kind == LEDGER)
        factor = _unit_factor(fld, d.match.units.get(fld))
        if parsed.dtype.kind == "f":
            # Beyond 10^13 元 (after the column's unit) an amount is refused, never guessed; compared
            # by division, so 1e308 x 10,000 never overflows.
            yuan = V.AMOUNT_LIMIT_YUAN / (factor * UNIT_FACTORS.get(FIELD_UNITS.get(fld) or "元", 1.0))
            huge = np.abs(parsed.to_numpy()) > yuan
            if huge.any():
                problems = problems.mask(huge, "amount beyond 10^13 元")
                parsed = parsed.mask(huge)
        if factor != 1.0:
            parsed = parsed * factor
        bad = problems.notna()
        kept = bad & parsed.notna()  # a value and a problem: the parser corrected the cell (rounded, cleaned)
        is_required = fld in required
        rows = problems.index.to_numpy()  # cells are looked up by position: no hash of millions of row numbers
        for i in np.flatnonzero(bad.to_numpy()):
            row = rows[i]
            if kept.iat[i]:
                action, severity = "corrected value used", "warning"
            else:
                action = "row not used" if is_required else "treated as blank"
                severity = "error" if is_required else "warning"
            issues.append(RowIssue(d.raw.name, d.sheet.name, int(row), _col_label(d.match, col),
                                   raw_col.iat[i], problems.iat[i], action, severity))
        if fld in _FEN_FIELDS and d.match.kind in ("ledger", "receipts"):
            # Amounts count to the fen (DOMAIN: exact to the fen); a finer amount is rounded, and said so.
            fen = parsed.to_numpy(dtype="float64") * 100
            off = np.abs(fen - np.round(fen)) > 4 * np.spacing(np.abs(fen)) + 1e-9  # beyond the float's own error
            for i in np.flatnonzero(np.nan_to_num(off, nan=0).astype(bool)):
                issues.append(RowIssue(d.raw.name, d.sheet.name, int(rows[i]), _col_label(d.match, col),
                                       raw_col.iat[i], "amount finer than a fen",
                                       f"rounded to {np.round(float(parsed.iat[i]) * 100) / 100:.2f}", "warning"))
        if is_required:
            missing = parsed.isna() & ~bad
            for row in parsed.index[missing]:
                issues.append(RowIssue(d.raw.name, d.sheet.name, int(row), _col_label(d.match, col),
                                       None, "required value is blank", "row not used", "error"))
            failed |= parsed.isna()
        out[fld] = parsed
        if len(raw_col) >= V.PARSE_BLOCK:  # a big column's text and working copies are gone: their pages too
            del raw_col, parsed, problems
            _give_back_freed_memory()
    return out


def _python_values(col: pd.Series) -> list[Any]:
    """A parsed column as Python values for the records: None when missing, dates as ``date``."""
    if col.dtype.kind == "M":
        return [None if v is pd.NaT else v for v in col.dt.date.tolist()]
    if col.dtype.kind == "f":
        return [None if v != v else v for v in col.tolist()]
    return col.tolist()


def _unit_factor(fld: str, unit: str | None) -> float:
    stored = FIELD_UNITS.get(fld)
    if stored is None or unit is None:
        return 1.0
    u = unit.replace(" ", "")
    if u not in UNIT_FACTORS:
        return 1.0
    return UNIT_FACTORS[u] / UNIT_FACTORS[stored]


NAMED_OTHERS = 5  # a row's warning names this many of the other rows or customers and counts the rest


def _others(items: list, me: int, count: int | None = None) -> str:
    """The ``count`` items (default: all of ``items``, which need hold only the first
    NAMED_OTHERS + 1) but the one at position ``me``: the first NAMED_OTHERS by name, the rest
    counted ("and 19,995 more"). A value shared by thousands of rows must not write thousands of
    names on each (the issues would grow with the square of the rows)."""
    shown = [str(x) for n, x in enumerate(items[:NAMED_OTHERS + 1]) if n != me][:NAMED_OTHERS]
    rest = (len(items) if count is None else count) - 1 - len(shown)
    return ", ".join(shown) + (f" and {rest:,} more" if rest > 0 else "")


def _build_customers(sheets: list[_SheetData], as_of: date | None
                     ) -> tuple[list[Customer], list[RowIssue], set[str]]:
    issues: list[RowIssue] = []
    staged: list[tuple[_SheetData, int, dict[str, Any]]] = []
    for d in sheets:
        failed = pd.Series(False, index=d.frame.index)
        fields = _parse_fields(d, CUSTOMER_PARSERS, issues, failed, required=("customer_id", "name"))
        columns = {fld: _python_values(col) for fld, col in fields.items()}
        bad = failed.to_numpy()
        for i, row in enumerate(d.frame.index):
            if bad[i]:
                d.source.rows_rejected += 1
                continue
            staged.append((d, int(row), {fld: values[i] for fld, values in columns.items()}))
    # Duplicated IDs: an error on every duplicate, and none of them is scored.
    seen: dict[str, list[tuple[_SheetData, int]]] = {}
    for d, row, rec in staged:
        seen.setdefault(rec["customer_id"], []).append((d, row))
    dup_ids = {cid for cid, places in seen.items() if len(places) > 1}
    # IDs that differ only in capitals (C001, c001): two customers to the program, perhaps one to the clerk
    folded: dict[str, list[str]] = {}
    for cid in seen:
        if isinstance(cid, str) and cid.lower() != cid.upper():
            folded.setdefault(cid.casefold(), []).append(cid)
    for ids in (ids for ids in folded.values() if len(ids) > 1):
        for n, cid in enumerate(ids):
            d, row = seen[cid][0]
            others = _others(ids, n)
            issues.append(RowIssue(d.raw.name, d.sheet.name, row, _col_label(d.match, d.match.columns["customer_id"]),
                                   cid, f"customer ID differs from {others} only in capitals",
                                   "rated as separate customers; check that they are not one", "warning"))
    customers = []
    code_column: dict[str, str] = {}  # customer ID -> its credit code's column, on its own sheet
    places = {cid: [f"{o.sheet.name}!{r}" for o, r in seen[cid][:NAMED_OTHERS + 1]]
              for cid in dup_ids}  # the rows a duplicate names (the first few), made once per ID
    nth: dict[str, int] = {}  # a duplicate's place among the rows of its ID (staged is in their order)
    for d, row, rec in staged:
        cid = rec["customer_id"]
        col = _col_label(d.match, d.match.columns["customer_id"])
        if cid in dup_ids:
            nth[cid] = nth.get(cid, -1) + 1
            others = _others(places[cid], nth[cid], len(seen[cid]))
            issues.append(RowIssue(d.raw.name, d.sheet.name, row, col, cid,
                                   f"duplicate customer ID (also on row {others})",
                                   "customer not scored; its ledger rows not used", "error"))
            d.source.rows_rejected += 1
            continue
        first = rec.get("first_trade_date")
        if first is not None and as_of is not None and first > as_of:
            issues.append(RowIssue(d.raw.name, d.sheet.name, row,
                                   _col_label(d.match, d.match.columns["first_trade_date"]), first,
                                   "first trade date is after the assessment date",
                                   "earliest invoice date used instead", "warning"))
            rec["first_trade_date"] = None
        for fld in ("registered_capital", "total_assets", "total_liabilities", "current_assets",
                    "current_liabilities", "requested_limit"):
            v = rec.get(fld)
            if v is not None and v < 0:
                issues.append(RowIssue(d.raw.name, d.sheet.name, row, _col_label(d.match, d.match.columns[fld]),
                                       v, "negative amount", "treated as blank", "warning"))
                rec[fld] = None
        rec.pop("customer_id")
        customer = Customer(customer_id=cid, source=SourceRef(d.raw.name, d.sheet.name, row), **rec)
        if customer.credit_code is not None and not customer.credit_code_valid:
            issues.append(RowIssue(d.raw.name, d.sheet.name, row, _col_label(d.match, d.match.columns["credit_code"]),
                                   customer.credit_code,
                                   "not a valid 18-character unified social credit code (check digit)",
                                   "three-in-one licence rule not applied", "warning"))
        if customer.credit_code_valid:
            code_column[cid] = _col_label(d.match, d.match.columns["credit_code"])
        for fld in ("group", "controller"):  # 同上 under 所属集团 does not say which group
            if is_ditto(rec.get(fld)):
                issues.append(RowIssue(d.raw.name, d.sheet.name, row, _col_label(d.match, d.match.columns[fld]),
                                       rec[fld], "'same as above' does not say which group or controller",
                                       "links nobody: write the name", "warning"))
        customers.append(customer)
        d.source.rows_used += 1
    # One legal entity under two customer IDs (the same valid credit code): both rated, one group.
    by_code: dict[str, list[Customer]] = {}
    for c in customers:
        if c.credit_code_valid:
            by_code.setdefault(c.credit_code.strip().upper(), []).append(c)
    for same in (v for v in by_code.values() if len(v) > 1):
        ids = [o.customer_id for o in same]
        for n, c in enumerate(same):
            others = _others(ids, n)
            issues.append(RowIssue(c.source.file, c.source.sheet, c.source.row, code_column[c.customer_id], c.credit_code,
                                   f"the same unified social credit code as customer {others}",
                                   "both rated, as members of one group", "warning"))
    return customers, issues, dup_ids


def _build_rows(d: _SheetData, parsers: dict, columns: dict[str, str], required: tuple[str, ...],
                by_id: dict[str, Customer], names: dict[str, str | None],
                dup_ids: set[str]) -> tuple[pd.DataFrame, list[RowIssue]]:
    """Typed ledger or receipts rows, each linked to a customer on the customer sheet."""
    issues: list[RowIssue] = []
    failed = pd.Series(False, index=d.frame.index)
    fields = _parse_fields(d, parsers, issues, failed, required=required)
    n = len(d.frame)
    ids = fields.get("customer_id", pd.Series([None] * n, index=d.frame.index, dtype=object))
    nm = fields.get("customer_name", pd.Series([None] * n, index=d.frame.index, dtype=object))
    resolved = ids.where(ids.isin(list(by_id)), None)
    use_name = (resolved.isna() & ids.isna()).to_numpy()
    if use_name.any():  # a row without an ID is linked by its name (looked up on those rows only)
        resolved = resolved.copy()
        resolved.iloc[np.flatnonzero(use_name)] = np.array([names.get(x) for x in nm.to_numpy()[use_name]], dtype=object)
    unresolved = resolved.isna() & ~failed
    rows = d.frame.index.to_numpy()  # cells are looked up by position: no hash of millions of row numbers
    for i in np.flatnonzero(unresolved.to_numpy()):
        row, cid, name = rows[i], ids.iat[i], nm.iat[i]
        ref_col = d.match.columns["customer_id"] if cid is not None else \
            d.match.columns.get("customer_name", d.match.columns.get("customer_id"))
        if cid in dup_ids:
            problem = "customer ID is duplicated on the customer sheet"
        elif cid is not None:
            problem = "customer ID not on the customer sheet"
        elif name is not None and name in names:
            problem = "customer name matches more than one customer"
        elif name is not None:
            problem = "customer name not on the customer sheet"
        else:
            problem = "no customer ID or name"
        issues.append(RowIssue(d.raw.name, d.sheet.name, int(row), _col_label(d.match, ref_col),
                               cid if cid is not None else name, problem, "row not used", "error"))
    failed |= resolved.isna()
    if "paid_amount" in fields and "amount" in fields:
        pa, am = fields["paid_amount"], fields["amount"]
        over = (am > 0) & (pa > am + 0.005) & ~failed
        for i in np.flatnonzero(over.to_numpy()):
            issues.append(RowIssue(d.raw.name, d.sheet.name, int(rows[i]),
                                   _col_label(d.match, d.match.columns["paid_amount"]), pa.iat[i],
                                   f"paid amount exceeds the invoice amount {am.iat[i]:,.2f}",
                                   "counted up to the invoice amount", "warning"))
    if "paid_date" in fields and "paid_amount" in fields:
        no_date = fields["paid_amount"].notna() & fields["paid_date"].isna() & ~failed
        for i in np.flatnonzero(no_date.to_numpy()):
            issues.append(RowIssue(d.raw.name, d.sheet.name, int(rows[i]),
                                   _col_label(d.match, d.match.columns["paid_amount"]),
                                   fields["paid_amount"].iat[i], "paid amount without a paid date",
                                   "assumed paid on the due date", "warning"))
    if d.match.kind == "receipts" and "amount" in fields:
        # A refund or a zero receipt pays no invoice: kept on the sheet's count, said so.
        not_paid = (fields["amount"] <= 0) & ~failed
        for i in np.flatnonzero(not_paid.to_numpy()):
            issues.append(RowIssue(d.raw.name, d.sheet.name, int(rows[i]), _col_label(d.match, d.match.columns["amount"]),
                                   fields["amount"].iat[i], "receipt of zero or less (a refund?)",
                                   "not applied to any invoice", "warning"))
    keep = ~failed
    d.source.rows_used += int(keep.sum())
    d.source.rows_rejected += int((~keep).sum())
    # Each column typed on its own and the parsed one let go (no copy when every row is kept, and
    # the table is made of these arrays as they are): a ledger of millions of rows is held once.
    kept = keep.to_numpy()
    every = bool(kept.all())
    out = {}
    for col, dtype in columns.items():
        if col == "row":
            out[col] = d.frame.index.to_numpy()[kept].astype("int64")
        elif col == "customer_id":
            out[col] = _typed(resolved if every else resolved[kept], dtype)
        elif col in fields:
            s = fields.pop(col)
            out[col] = _typed(s if every else s[kept], dtype)
            del s
        else:
            out[col] = _typed(pd.Series([None] * int(kept.sum()), dtype=object), dtype)
    fields.clear()
    return pd.DataFrame(out, copy=False).astype(columns), issues


def _typed(s: pd.Series, dtype: str) -> np.ndarray | pd.api.extensions.ExtensionArray:
    if dtype == "str":  # Arrow text stays Arrow text (NA when missing)
        return s.astype("str").array
    if s.dtype == dtype:
        arr = s.to_numpy()
    elif dtype.startswith("datetime64"):
        arr = pd.to_datetime(pd.Series(s.to_numpy(dtype=object)), errors="coerce").to_numpy(dtype="datetime64[s]")
    elif dtype == "float64":
        arr = pd.to_numeric(pd.Series(s.to_numpy(dtype=object)), errors="coerce").to_numpy(dtype="float64")
    else:
        arr = s.to_numpy(dtype=object)
    return arr if arr.flags.writeable else arr.copy()  # a read-only view under copy-on-write: the table stays changeable
