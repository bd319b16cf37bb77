"""Which sheets a run reads and how: records the window holds without loading the readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SheetSource:
    """One sheet that was read, for the audit sheet: where, what kind, and how many rows."""

    file: str
    path: str
    sha256: str
    sheet: str
    kind: str  # customers | ledger | receipts | ignored | unreadable
    chosen_by: str  # "auto" or "override"
    header_row: int | None = None  # Excel row number
    columns: dict[str, str] = field(default_factory=dict)  # field -> header as written
    rows_read: int = 0
    rows_used: int = 0
    rows_rejected: int = 0
    blank_rows: int = 0
    error: str = ""  # kind "unreadable": why the file could not be read (the other files still are), in English
    error_texts: dict[str, str] = field(default_factory=dict)  # ... by language: the window shows its own
    empty: bool = False  # kind "ignored": the sheet holds nothing at all



@dataclass
class SheetChoice:
    """An explicit choice of kind for a file (all its sheets) or one of its sheets."""

    path: Path
    sheet: str | None
    kind: str  # customers | ledger | receipts | ignored
    header_row: int | None = None  # 0-based; with ``columns``, a manual column mapping
    columns: dict[str, int] | None = None  # field -> 0-based column index
