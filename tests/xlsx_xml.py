"""Read the cells of a workbook we wrote straight from its XML parts (what Excel will see)."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass(frozen=True)
class XmlCell:
    part: str  # xl/worksheets/sheetN.xml
    ref: str  # A1
    type: str  # "s" shared string, "inlineStr", "str" (formula text), "n", "b", "e"
    formula: str | None
    text: str | None  # the string of a text cell, or the raw <v> of another


def _text(node) -> str:
    return "".join(t.text or "" for t in node.iter(f"{{{NS['m']}}}t"))


def cells(path: Path) -> list[XmlCell]:
    out = []
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            shared = [_text(si) for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS)]
        for part in sorted(n for n in names if re.match(r"xl/worksheets/sheet\d+\.xml$", n)):
            root = ET.fromstring(z.read(part))
            for c in root.iter(f"{{{NS['m']}}}c"):
                t = c.get("t", "n")
                f = c.find("m:f", NS)
                v = c.find("m:v", NS)
                if t == "s":
                    text = shared[int(v.text)]
                elif t == "inlineStr":
                    text = _text(c.find("m:is", NS))
                else:
                    text = v.text if v is not None else None
                out.append(XmlCell(part, c.get("r"), t, None if f is None else (f.text or ""), text))
    return out


def external_links(path: Path) -> list[str]:
    """Targets of relationships that leave the workbook (hyperlinks to the web, linked files)."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".rels"):
                for rel in ET.fromstring(z.read(name)).iter(f"{REL_NS}Relationship"):
                    if rel.get("TargetMode") == "External":
                        found.append(rel.get("Target"))
    return found


def assert_text_not_formula(path: Path, payloads: list[str]) -> int:
    """Every cell holding one of ``payloads`` is a text cell without a formula; returns how many were found."""
    found = 0
    for c in cells(path):
        if c.formula is not None:  # our own formulas; a quoted sheet name ('评定-=1+1'!B3) is only a name
            code = re.sub(r"'(?:[^']|'')*'!", "", c.formula)
            assert not any(p.strip().lstrip("=+-@") in code for p in payloads if len(p) > 3), (path.name, c)
        if c.text in payloads:
            assert c.type in ("s", "inlineStr") and c.formula is None, (path.name, c)
            found += 1
    return found
