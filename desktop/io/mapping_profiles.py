"""Reusable column mappings: a clerk maps an odd sheet once, and files of the same shape
(the same header row) are read the same way next time. Stored as JSON in the user's data folder.

Each profile keeps where it was saved from and a short record of the sheets it read last (the
window records a use when an import it made read a sheet with the profile), so the profile
manager can show what a profile is for before the clerk renames or deletes it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from desktop.io.headers import HEADER_SCAN_ROWS, split_header
from desktop.io.safe_write import write_atomic

FILE_NAME = "mapping_profiles.json"
LAST_USES = 5  # how many of the sheets a profile read last it remembers


def signature(headers: list[object]) -> str:
    """The shape of a header row: its normalised, non-empty header names in order."""
    return "|".join(split_header(h)[0] for h in headers if h is not None and str(h).strip())


def header_columns(row: list[object], wanted: dict[str, str], occurrence: dict[str, int] | None = None
                   ) -> dict[str, int]:
    """field -> the column of ``row`` headed as ``wanted`` says. A header written more than once is
    told apart by the field's ``occurrence`` (0: the first column so headed); a field with none
    whose header is written twice is left out (for the clerk to map), never guessed."""
    where: dict[str, list[int]] = {}
    for c, h in enumerate(row):
        if h is not None and str(h).strip():
            where.setdefault(str(h).strip(), []).append(c)
    out: dict[str, int] = {}
    for f, h in wanted.items():
        cols = where.get(str(h).strip(), [])
        n = (occurrence or {}).get(f)
        if n is not None:
            if n < len(cols):
                out[f] = cols[n]
        elif len(cols) == 1:
            out[f] = cols[0]
    return out


def occurrences(row: list[object], columns: dict[str, int]) -> dict[str, int]:
    """field -> how many columns before its own are headed alike (what ``header_columns`` reads back)."""
    text = [str(h).strip() if h is not None else "" for h in row]
    return {f: text[:c].count(text[c]) for f, c in columns.items() if c < len(text)}


@dataclass
class MappingProfile:
    name: str
    kind: str
    signature: str
    columns: dict[str, str]  # field -> header as written
    absent: list[str] = field(default_factory=list)  # fields the clerk confirmed the sheet does not hold
    # field -> which of the columns headed alike it is (0: the first): a header written twice
    # ("日期 | 金额 | 日期 | 金额") is told apart by its place among its namesakes, not by its text
    occurrence: dict[str, int] = field(default_factory=dict)
    saved_from: dict[str, str] = field(default_factory=dict)  # file, path, sheet, at: where it was mapped
    used: list[dict[str, str]] = field(default_factory=list)  # file, path, sheet, at: last reads, newest first


_FIELDS = {f.name for f in fields(MappingProfile)}


def _profile(data: object) -> MappingProfile | None:
    """A profile from its stored form; None when it is not one (the others are still read)."""
    if not isinstance(data, dict):
        return None
    try:
        p = MappingProfile(**{k: v for k, v in data.items() if k in _FIELDS})
    except TypeError:  # a required key missing
        return None
    if not (isinstance(p.name, str) and isinstance(p.kind, str) and isinstance(p.signature, str)
            and isinstance(p.columns, dict)):
        return None
    p.absent = [f for f in p.absent if isinstance(f, str)] if isinstance(p.absent, list) else []
    p.occurrence = {f: n for f, n in p.occurrence.items() if isinstance(f, str) and isinstance(n, int)
                    and not isinstance(n, bool) and n >= 0} if isinstance(p.occurrence, dict) else {}
    p.saved_from = p.saved_from if isinstance(p.saved_from, dict) else {}
    p.used = [u for u in p.used if isinstance(u, dict)][:LAST_USES] if isinstance(p.used, list) else []
    return p


class ProfileStore:
    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE_NAME

    def load(self) -> list[MappingProfile]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError):
            return []  # a damaged profile file must not stop an import; the clerk maps again
        items = data.get("profiles", []) if isinstance(data, dict) else []
        return [p for p in map(_profile, items if isinstance(items, list) else []) if p is not None]

    def _write(self, profiles: list[MappingProfile]) -> None:
        self._keep_damaged()
        data = {"profiles": [asdict(p) for p in profiles]}
        write_atomic(self.path, lambda tmp: tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1),
                                                           encoding="utf-8"))

    def _keep_damaged(self) -> None:
        """A profiles file that cannot be read is kept beside it (…damaged-<time>.json), never
        overwritten by the next save: the profiles in it may still be recovered by hand."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except OSError:  # none there, or not a file that can be read: the write says what is wrong
            return
        except ValueError:  # a file whose text is not the profiles' (cut short, edited by hand)
            data = None
        items = data.get("profiles") if isinstance(data, dict) else None
        if isinstance(items, list) and all(_profile(x) is not None for x in items):
            return  # every entry is one the store reads: nothing would be lost by writing
        import time
        backup = self.path.with_name(f"{self.path.stem}.damaged-{time.strftime('%Y%m%d-%H%M%S')}{self.path.suffix}")
        try:
            self.path.replace(backup)
        except OSError:
            return  # the write below then fails or replaces it; nothing more can be kept
        from desktop.diagnostics import LOG
        LOG.warning("the mapping profiles file %s could not be read; kept as %s", self.path, backup)

    def save(self, profile: MappingProfile) -> None:
        """Add ``profile``; it replaces the profile of the same header row and kind, and one of its name."""
        profiles = [p for p in self.load() if (p.signature != profile.signature or p.kind != profile.kind)
                    and p.name != profile.name]
        profiles.append(profile)
        self._write(profiles)

    def rename(self, old: str, new: str) -> bool:
        """Give the profile ``old`` the name ``new``; False when ``new`` is blank or taken, or ``old`` is gone."""
        new = new.strip()
        profiles = self.load()
        if not new or any(p.name == new for p in profiles if p.name != old):
            return False
        found = [p for p in profiles if p.name == old]
        if not found:
            return False
        for p in found:
            p.name = new
        self._write(profiles)
        return True

    def delete(self, name: str) -> bool:
        """Remove the profile ``name``: files of its shape are no longer read with it. False when gone."""
        profiles = self.load()
        kept = [p for p in profiles if p.name != name]
        if len(kept) == len(profiles):
            return False
        self._write(kept)
        return True

    def record_use(self, uses: list[tuple[str, str, str, str]], at: str) -> None:
        """Note that the profiles read these sheets: (profile name, file, path, sheet) each, at ``at``."""
        profiles = self.load()
        by_name = {p.name: p for p in profiles}
        changed = False
        for name, file, path, sheet in uses:
            p = by_name.get(name)
            if p is None:
                continue
            entry = {"file": file, "path": path, "sheet": sheet, "at": at}
            p.used = [entry] + [u for u in p.used if (u.get("path"), u.get("sheet")) != (path, sheet)]
            p.used = p.used[:LAST_USES]
            changed = True
        if changed:
            self._write(profiles)

    def match(self, rows: list[list[object]]) -> tuple[MappingProfile, int, dict[str, int]] | None:
        """The profile whose header row appears in the first rows: (profile, header row, field -> column)."""
        profiles = self.load()
        if not profiles:
            return None
        for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
            sig = signature(row)
            for p in profiles:
                if p.signature == sig:
                    return p, i, header_columns(row, p.columns, p.occurrence)
        return None
