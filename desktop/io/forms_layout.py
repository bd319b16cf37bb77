"""Form layouts: the description in templates/forms/*.toml that the form writer renders."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from desktop.core.forms import CREDIT_APPLICATION, FACTS, INPUTS, SPECIAL_TERM
from desktop.errors import CreditDeskError
from desktop.paths import templates_dir

BLOCK_KINDS = ("facts", "inputs", "items", "aging")


class LayoutError(CreditDeskError):
    """A form layout file is invalid."""


@dataclass(frozen=True)
class Block:
    kind: str
    heading: str
    rows: tuple[tuple[str, ...], ...] = ()
    heading_en: str = ""  # the heading on English forms (the Chinese one when not given)
    new_page: bool = False  # printed from the top of a new page


@dataclass(frozen=True)
class Layout:
    form: str
    title: str
    title_en: str
    sheet_prefix: str
    columns: tuple[int, ...]
    blocks: tuple[Block, ...]
    sha256: str


def load_layout(form: str, folder: Path | None = None) -> Layout:
    path = (folder or templates_dir() / "forms") / f"{form}.toml"
    try:
        data = path.read_bytes()
        doc = tomllib.loads(data.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LayoutError("error.layout.unreadable", file=path, detail=str(exc)) from None

    def fail(msg: str) -> LayoutError:  # a file we ship: what is wrong in it goes to the log
        return LayoutError("error.layout.invalid", file=path, detail=msg)

    allowed = {"schema_version", "form", "title", "title_en", "sheet_prefix", "columns", "blocks"}
    unknown = set(doc) - allowed
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}")
    if doc.get("form") != form:
        raise fail(f"form must be {form!r}")
    cols = doc.get("columns")
    if not (isinstance(cols, list) and len(cols) == 6 and all(isinstance(c, int) and 4 <= c <= 60 for c in cols)):
        raise fail("columns must list six widths from 4 to 60")
    blocks = []
    for i, b in enumerate(doc.get("blocks", [])):
        kind = b.get("kind")
        if kind not in BLOCK_KINDS:
            raise fail(f"blocks[{i}].kind must be one of {', '.join(BLOCK_KINDS)}")
        rows = b.get("rows", [])
        if not isinstance(b.get("new_page", False), bool):
            raise fail(f"blocks[{i}].new_page must be true or false")
        catalogue = FACTS if kind == "facts" else INPUTS
        for r, row in enumerate(rows):
            if not (isinstance(row, list) and 1 <= len(row) <= 3):
                raise fail(f"blocks[{i}].rows[{r}] must list 1 to 3 fields")
            for fld in row:
                if fld not in catalogue:
                    raise fail(f"blocks[{i}].rows[{r}]: unknown {kind} field {fld!r}")
        blocks.append(Block(kind, str(b.get("heading", "")), tuple(tuple(r) for r in rows),
                            str(b.get("heading_en") or b.get("heading", "")), b.get("new_page", False)))
    if not blocks:
        raise fail("no blocks")
    return Layout(form, str(doc.get("title", form)), str(doc.get("title_en", form)),
                  str(doc.get("sheet_prefix", form))[:12], tuple(cols), tuple(blocks),
                  hashlib.sha256(data).hexdigest())


def load_layouts(folder: Path | None = None) -> dict[str, Layout]:
    return {f: load_layout(f, folder) for f in (CREDIT_APPLICATION, SPECIAL_TERM)}
