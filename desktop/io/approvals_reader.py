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

from desktop.core.forms import FACTS, ID_PREFIX, FilledForm, canonical, facts_digest
from desktop.errors import InputFileError
from desktop.io.writers.forms import LAYOUT_SHEET
from desktop.io.writers.results import FACTS_FORMAT, FACTS_SHEET


@dataclass
class ResultsSnapshot:
    run_id: str
    policy_sha256: str
    as_of: date
    facts: dict[str, dict[str, Any]]  # customer_id -> fact key -> value


@dataclass
class Unreadable:
    """A file or sheet that could not be taken as a form, and why."""

    file: str
    sheet: str
    problem: str


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
    return ResultsSnapshot(str(meta.get("run_id")), str(meta.get("policy_sha256")),
                           date.fromisoformat(str(meta.get("as_of"))), facts)


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
        return [], [Unreadable(name, "", "not an approval workbook written by Credit Desk (no form layout); "
                                         "no decision read from it")]
    layouts: dict[str, dict[str, str]] = {}
    for row in wb[LAYOUT_SHEET].iter_rows(min_row=2, values_only=True):
        if row and row[0]:
            try:
                layouts[str(row[0])] = json.loads(row[1])
            except (TypeError, ValueError):
                return [], [Unreadable(name, LAYOUT_SHEET, "the form layout record is damaged")]
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
                problems.append(Unreadable(name, ws.title, "sheet is not a form (no form ID); ignored"))
            continue
        cells = layouts[found]
        values = {k: _value(ws[c].value) for k, c in cells.items() if c}
        facts = {k: v for k, v in values.items() if k in FACTS or k.startswith(("item:", "aging:"))}
        inputs = {k: v for k, v in values.items() if k not in facts and k not in ("form_id", "run_id",
                                                                                  "policy_sha256", "digest")}
        digest_keys = [k for k in cells if k in FACTS or k.startswith(("item:", "aging:"))]
        digest_values = []
        for k in digest_keys:
            if k.startswith("item:"):
                digest_values += [(f"{k}:basis", _basis_cell(ws, cells[k], -3)), (f"{k}:band", _basis_cell(ws, cells[k], -1)),
                                  (k, values[k])]
            else:
                digest_values.append((k, values[k]))
        digest_ok = facts_digest(digest_values) == values.get("digest")
        forms.append(FilledForm(form_id=str(values["form_id"]), form_type=found,
                                customer_id=str(canonical(values.get("customer_id")) or ""),
                                run_id=str(values.get("run_id") or ""), file=name, sheet=ws.title, facts=facts,
                                inputs=inputs, cells=cells, digest_ok=digest_ok))
    return forms, problems


def _basis_cell(ws, points_cell: str, offset: int) -> Any:
    """The item row's basis (3 columns left of the points) or band (1 column left)."""
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

    col, row = coordinate_from_string(points_cell)
    return _value(ws[f"{get_column_letter(column_index_from_string(col) + offset)}{row}"].value)
