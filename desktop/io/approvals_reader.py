"""Read filled approval workbooks (and the results workbook they belong to) back.

openpyxl reads the cached values Excel and LibreOffice save; the cell of every field comes
from the workbook's own ``_layout`` sheet, so a form is found again after a round trip.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop.core.forms import ID_PREFIX, FilledForm, canonical, is_sealed, sealed_keys
from desktop.errors import InputFileError
from desktop.io.writers.forms import LAYOUT_SHEET, LAYOUT_VERSION, META_KEYS
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
    args: tuple = ()


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
        raise InputFileError(f"{path}: file not found") from None
    except PermissionError:
        raise InputFileError(f"{path}: cannot be opened: it is locked by another program (is it open in "
                             f"Excel?) or you have no permission") from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputFileError(f"{path}: not a readable .xlsx workbook ({str(exc).splitlines()[0][:120]})") from None


def read_results_snapshot(path: Path, password: str | None = None) -> ResultsSnapshot:
    """The run, policy and per-customer facts from a results workbook's very hidden fact sheet."""
    wb = _open(path, password, read_only=True)  # only the fact sheet is read, not 8 million cells
    try:
        if FACTS_SHEET not in wb.sheetnames:
            raise InputFileError(f"{path}: not a results workbook written by Credit Desk (no {FACTS_SHEET} sheet)")
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
                    raise InputFileError(f"{path}, sheet {FACTS_SHEET}, row {r}: the record of the run's facts "
                                         f"is damaged; export the results again") from None
            else:  # written before the facts were kept as JSON: one cell a value
                values = row
            facts[str(row[0])] = dict(zip(keys, values))
    finally:
        wb.close()
    started = meta.get("started")
    return ResultsSnapshot(str(meta.get("run_id")), str(meta.get("policy_sha256")),
                           date.fromisoformat(str(meta.get("as_of"))), facts,
                           date.fromisoformat(str(started)) if started else None)


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def read_filled_workbook(path: Path, password: str | None = None) -> tuple[list[FilledForm], list[Unreadable]]:
    """Every form in ``path``; sheets and files that are not forms are listed, not skipped."""
    wb = _open(path, password)
    name = path.name
    if LAYOUT_SHEET not in wb.sheetnames:
        return [], [Unreadable(name, "", "not_approval_workbook")]
    layouts: dict[str, dict[str, str]] = {}
    lang, version = "zh", 1
    for row in wb[LAYOUT_SHEET].iter_rows(min_row=2, values_only=True):
        if row and row[0]:
            try:
                layouts[str(row[0])] = json.loads(row[1])
            except (TypeError, ValueError):
                return [], [Unreadable(name, LAYOUT_SHEET, "layout_damaged")]
            if len(row) > 7 and row[6]:
                lang = str(row[6]) if str(row[6]) in ("zh", "en") else "zh"
                version = int(row[7]) if isinstance(row[7], (int, float)) else 1
    if version < LAYOUT_VERSION:
        return [], [Unreadable(name, "", "old_layout")]
    forms: list[FilledForm] = []
    problems: list[Unreadable] = []
    for ws in wb.worksheets:
        if ws.title == LAYOUT_SHEET or ws.sheet_state == "veryHidden":
            continue
        found = None
        for form_type, cells in layouts.items():
            fid = _value(ws[cells["form_id"]].value)
            if isinstance(fid, str) and fid.startswith(ID_PREFIX[form_type] + "-"):
                found = form_type
                break
        if found is None:
            if ws.max_row > 1 and ws.title not in ("目录", "Index"):
                problems.append(Unreadable(name, ws.title, "not_a_form"))
            continue
        cells = layouts[found]
        values = {k: _value(ws[c].value) for k, c in cells.items() if c}
        meta = {k: None if values.get(k) is None else str(values[k]) for k in META_KEYS if k in values}
        facts = {k: v for k, v in values.items() if is_sealed(k)}
        inputs = {k: v for k, v in values.items() if k not in facts and k not in META_KEYS}
        forms.append(FilledForm(form_id=str(values["form_id"]), form_type=found,
                                customer_id=str(canonical(values.get("customer_id")) or ""),
                                run_id=str(values.get("run_id") or ""), file=name, sheet=ws.title, facts=facts,
                                inputs=inputs, cells=cells, meta=meta,
                                sealed=[(k, values.get(k)) for k in sealed_keys(cells)], lang=lang))
    return forms, problems
