"""Does every text of a workbook fit its cell on paper? (a helper for the printing tests)

:func:`offenders` measures each non-empty cell's text as it prints: its rendered width with
the cell's own font (size, bold), against the width of its cell or merged range, and for a
wrapped cell the lines the text wraps to times the line height, against the range's row
heights. xlsxwriter does not autofit rows or columns, and neither Excel nor LibreOffice
changes a height written into the file, so text that does not fit is cut or runs into the
next cell on every print.

Measuring: Pillow's ImageFont on the CJK font installed here (Noto Sans CJK SC, else
WenQuanYi), the fonts the spreadsheet programs fall back to for 等线 on this machine. Text
that is not East Asian wide is measured with that font and with the font ``fc-match`` gives
for the cell's font name (DejaVu Sans for 等线 here, which LibreOffice prints Latin text
with), taking the wider: a text fitting both fits either printer. Sizes are in pixels at 96
dpi: a point is 4/3 px; a column's width in the file, in characters, is ``round(w * 7)`` px
(xlsxwriter stores set_column(c, c, w) as ``w + 5/7``: Excel's w * 7 + 5 px for the default
11 pt font).
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
import unicodedata
from datetime import date, datetime, time
from pathlib import Path
from typing import NamedTuple

import openpyxl
from PIL import ImageFont

PX_PER_PT = 96 / 72
CELL_PAD_PX = 4  # the text's margin inside a cell, both sides together
DEFAULT_COL_PX = 64  # Excel's 8.43 characters
DEFAULT_ROW_PT = 15.0
REF_PX = 200  # fonts are measured at this size and scaled: no hinting at small sizes

# Line breaking as Excel and LibreOffice do it for CJK text, simplified: a CJK character may
# end a line anywhere, except before closing punctuation and after opening punctuation.
NO_LINE_START = set("）)]】」』〕》〉、，。；：？！%％·…—～")
NO_LINE_END = set("（([【「『〔《〈")


class Px(float):
    """A length in pixels that says what it measures ("412 px wide")."""

    axis: str

    def __new__(cls, value: float, axis: str) -> Px:
        obj = super().__new__(cls, value)
        obj.axis = axis
        return obj

    def __repr__(self) -> str:
        return f"{float(self):.0f} px {self.axis}"


class Offender(NamedTuple):
    sheet: str
    cell: str
    text: str
    needed: Px
    available: Px


def _fc(pattern: str, fmt: str) -> str:
    try:
        return subprocess.run(["fc-match", "-f", fmt, pattern], capture_output=True, text=True, encoding="utf-8",
                              check=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


@functools.cache
def cjk_font_file(bold: bool = False) -> tuple[str, int]:
    """(file, index in a .ttc) of the CJK font: Noto Sans CJK SC, else WenQuanYi."""
    for family in ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei"):
        pattern = family + (":bold" if bold else "")
        found = _fc(pattern, "%{family}")
        if family.split()[0].lower() in found.lower():
            path, _, index = _fc(pattern, "%{file}:%{index}").rpartition(":")
            return path, int(index or 0)
    raise RuntimeError("no CJK font installed (fonts-noto-cjk or fonts-wqy-zenhei)")


@functools.cache
def _font(path: str, index: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, REF_PX, index=index)


@functools.cache
def _fonts(name: str, bold: bool) -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont]:
    """The CJK font and the one the system gives for ``name`` (may be the same)."""
    cjk = _font(*cjk_font_file(bold))
    path, _, index = _fc(f"{name}:bold" if bold else name, "%{file}:%{index}").rpartition(":")
    latin = _font(path, int(index or 0)) if path else cjk
    return cjk, latin


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


class Measure:
    """Text widths and line height, in pixels, of one font at one size."""

    def __init__(self, name: str, size_pt: float, bold: bool):
        self.cjk, self.latin = _fonts(name or "等线", bold)
        self.scale = size_pt * PX_PER_PT / REF_PX
        self.latin_line = sum(self.latin.getmetrics()) * self.scale
        self.cjk_line = max(sum(self.cjk.getmetrics()) * self.scale, self.latin_line)

    def line(self, text: str) -> float:
        """The line pitch of ``text``: the Latin font's, or the taller CJK font's where it prints a character."""
        return self.cjk_line if any(_wide(ch) for ch in text) else self.latin_line

    @functools.lru_cache(maxsize=65536)  # noqa: B019 (a few Measure objects, kept for the test run)
    def width(self, text: str) -> float:
        total = 0.0
        for part in _runs(text):
            if _wide(part[0]):
                total += self.cjk.getlength(part)
            else:
                total += max(self.cjk.getlength(part), self.latin.getlength(part))
        return total * self.scale

    def lines(self, text: str, room: float) -> int:
        """How many lines ``text`` wraps to in ``room`` pixels."""
        return sum(self._paragraph_lines(p, room) for p in text.split("\n"))

    def _paragraph_lines(self, text: str, room: float) -> int:
        lines, line = 1, ""
        for token in _tokens(text):
            if line and self.width(line + token.rstrip()) > room:
                lines, line = lines + 1, token.lstrip()
            else:
                line += token
            if self.width(line.rstrip()) > room:  # a word longer than the line: broken anywhere
                extra, line = self._overflow(line.rstrip(), room)
                lines += extra
        return lines

    def _overflow(self, word: str, room: float) -> tuple[int, str]:
        extra, line = 0, ""
        for ch in word:
            if line and self.width(line + ch) > room:
                extra, line = extra + 1, ch
            else:
                line += ch
        return extra, line


def _runs(text: str) -> list[str]:
    """``text`` cut into runs of wide and of other characters."""
    out: list[str] = []
    for ch in text:
        if out and _wide(out[-1][0]) == _wide(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _tokens(text: str) -> list[str]:
    """The pieces a line may break between: a CJK character, or a word with its trailing spaces,
    closing punctuation kept with what it follows and opening punctuation with what follows it."""
    raw = re.findall(r"[^\s\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+\s*|\s+|.\s*", text)
    out: list[str] = []
    for tok in raw:
        if out and (tok[0] in NO_LINE_START or out[-1].rstrip()[-1:] in NO_LINE_END):
            out[-1] += tok
        else:
            out.append(tok)
    return out


def shown(value, number_format: str) -> str:
    """The text a cell shows for ``value`` under ``number_format`` (the formats the writers use)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (datetime, date, time)):
        if "yy" in number_format.lower():
            return re.sub(r'\[[^]]*\]|"|\\', "", number_format.split(";")[0]).lower() \
                .replace("yyyy", "2026").replace("mm", "06").replace("dd", "30").replace("hh", "12") \
                .replace("ss", "00")
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
            return "#NUM!"
        section = number_format.split(";")[0 if value >= 0 or ";" not in number_format else 1]
        if len(number_format.split(";")) > 1 and number_format.startswith("["):  # [cond]"text";format
            section = number_format.split(";")[-1]
        section = re.sub(r'\[[^]]*\]|"[^"]*"', "", section)
        if section in ("", "General", "@"):
            text = f"{value:.11g}" if isinstance(value, float) else str(value)
            return text if len(text) <= 11 else f"{value:.5E}"
        pct = "%" in section
        v = value * 100 if pct else value
        decimals = len(section.split(".")[1].rstrip("%").rstrip()) if "." in section else 0
        text = f"{v:,.{decimals}f}" if "," in section else f"{v:.{decimals}f}"
        return text + ("%" if pct else "")
    return str(value)


def _col_px(ws) -> dict[int, float]:
    out: dict[int, float] = {}
    for dim in ws.column_dimensions.values():
        if dim.min is None:
            continue
        px = 0.0 if dim.hidden else float(int((dim.width or 0) * 7 + 0.5)) if dim.width else DEFAULT_COL_PX
        for c in range(dim.min, dim.max + 1):
            out[c] = px
    return out


def _row_px(ws, row: int) -> float:
    dim = ws.row_dimensions.get(row)
    if dim is not None and dim.hidden:
        return 0.0
    height = dim.height if dim is not None and dim.height is not None else (
        ws.sheet_format.defaultRowHeight or DEFAULT_ROW_PT)
    return height * PX_PER_PT


def offenders(xlsx_path: str | Path) -> list[Offender]:
    """Every non-empty cell of every visible sheet whose text does not fit its cell or merged range."""
    wb = openpyxl.load_workbook(xlsx_path, data_only=True)  # formulas as the values cached in the file
    out: list[Offender] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        cols = _col_px(ws)
        merged = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        covered = {(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
                   for c in range(m.min_col, m.max_col + 1)} - set(merged)
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or cell.value == "" or (cell.row, cell.column) in covered:
                    continue
                m = merged.get((cell.row, cell.column))
                c0, c1, r0, r1 = (m.min_col, m.max_col, m.min_row, m.max_row) if m else (
                    cell.column, cell.column, cell.row, cell.row)
                width = sum(cols.get(c, DEFAULT_COL_PX) for c in range(c0, c1 + 1)) - CELL_PAD_PX
                height = sum(_row_px(ws, r) for r in range(r0, r1 + 1))
                font = cell.font
                measure = _measure(font.name or "等线", float(font.sz or 11), bool(font.b))
                text = shown(cell.value, cell.number_format or "General")
                if cell.alignment.wrap_text:
                    lines = measure.lines(text, width)
                else:
                    lines = text.count("\n") + 1
                    need = max(measure.width(t) for t in text.split("\n"))
                    if need > width:
                        out.append(Offender(ws.title, cell.coordinate, text, Px(need, "wide"), Px(width, "wide")))
                        continue
                need = lines * measure.line(text)
                if need > height + 0.5:
                    out.append(Offender(ws.title, cell.coordinate, text, Px(need, f"high ({lines} lines)"),
                                        Px(height, "high")))
    return out


@functools.cache
def _measure(name: str, size: float, bold: bool) -> Measure:
    return Measure(name, size, bold)

