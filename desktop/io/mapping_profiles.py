"""Reusable column mappings: a clerk maps an odd sheet once, and files of the same shape
(the same header row) are read the same way next time. Stored as JSON in the user's data folder."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from desktop.io.headers import HEADER_SCAN_ROWS, split_header
from desktop.io.safe_write import write_atomic

FILE_NAME = "mapping_profiles.json"


def signature(headers: list[object]) -> str:
    """The shape of a header row: its normalised, non-empty header names in order."""
    return "|".join(split_header(h)[0] for h in headers if h is not None and str(h).strip())


@dataclass
class MappingProfile:
    name: str
    kind: str
    signature: str
    columns: dict[str, str]  # field -> header as written


class ProfileStore:
    def __init__(self, folder: Path):
        self.path = Path(folder) / FILE_NAME

    def load(self) -> list[MappingProfile]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [MappingProfile(**p) for p in data.get("profiles", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError):
            return []  # a damaged profile file must not stop an import; the clerk maps again

    def save(self, profile: MappingProfile) -> None:
        profiles = [p for p in self.load() if p.signature != profile.signature or p.kind != profile.kind]
        profiles.append(profile)
        data = {"profiles": [asdict(p) for p in profiles]}
        write_atomic(self.path, lambda tmp: tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1),
                                                           encoding="utf-8"))

    def match(self, rows: list[list[object]]) -> tuple[MappingProfile, int, dict[str, int]] | None:
        """The profile whose header row appears in the first rows: (profile, header row, field -> column)."""
        profiles = self.load()
        if not profiles:
            return None
        for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
            sig = signature(row)
            for p in profiles:
                if p.signature == sig:
                    index = {str(h).strip(): c for c, h in enumerate(row) if h is not None and str(h).strip()}
                    cols = {f: index[h] for f, h in p.columns.items() if h in index}
                    return p, i, cols
        return None
