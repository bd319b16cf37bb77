"""The results workbook on paper: A4 landscape, text at 8 pt or more, wide sheets split between columns.

The fast tests read the page setup from the sheets' XML (what Excel and LibreOffice print
from); the LibreOffice test prints the sample workbook to PDF and measures the words.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from libreoffice import convert, soffice
from xlsx_xml import NS, REL_NS

from desktop.cli import main
from desktop.io.writers.xlsx import (
    A4_PT,
    PAGE_FILL,
    PX_PT,
    SIDE_MARGIN_IN,
    column_breaks,
    fit_widths,
    new_workbook,
    print_setup,
)
from desktop.paths import samples_dir

M = f"{{{NS['m']}}}"
MIN_PT = 8  # the smallest printed text size the sheets may come to
RESULTS, AUDIT, KEY_HEADER = "评级结果", "审计信息", "客户编号"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    """The sample results workbook, written by the command line (its register kept in the test's folder)."""
    base = tmp_path_factory.mktemp("print")
    out = base / "评级结果.xlsx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CREDIT_DESK_REGISTER", str(base / "register.sqlite"))
        for var, folder in (("HOME", "home"), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                            ("APPDATA", "appdata")):
            mp.setenv(var, str(base / folder))
        assert main(["score", *map(str, sorted(samples_dir().iterdir())), "--as-of", "2026-06-30",
                     "--out", str(out)]) == 0
    return out


def page_setups(path: Path) -> dict[str, dict]:
    """Per visible sheet: its page setup, page breaks, print titles and column widths in pixels."""
    with zipfile.ZipFile(path) as z:
        book = ET.fromstring(z.read("xl/workbook.xml"))
        rels = {r.get("Id"): r.get("Target") for r in
                ET.fromstring(z.read("xl/_rels/workbook.xml.rels")).iter(f"{REL_NS}Relationship")}
        titles = {int(d.get("localSheetId")): d.text for d in book.iter(f"{M}definedName")
                  if d.get("name") == "_xlnm.Print_Titles"}
        fonts = [float(sz.get("val")) for sz in ET.fromstring(z.read("xl/styles.xml")).iter(f"{M}sz")]
        out = {}
        for n, sheet in enumerate(book.iter(f"{M}sheet")):
            if sheet.get("state") in ("hidden", "veryHidden"):
                continue
            rid = sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            root = ET.fromstring(z.read("xl/" + rels[rid].lstrip("/").removeprefix("xl/")))
            fit = root.find(f"{M}sheetPr/{M}pageSetUpPr")
            widths: dict[int, float] = {}
            for col in root.iter(f"{M}col"):
                for c in range(int(col.get("min")), int(col.get("max")) + 1):
                    widths[c - 1] = round(float(col.get("width")) * 7)  # xlsxwriter's 7-pixel digits
            dim = root.find(f"{M}dimension").get("ref").split(":")[-1]
            col_breaks = root.find(f"{M}colBreaks")
            out[sheet.get("name")] = {
                "setup": dict(root.find(f"{M}pageSetup").attrib),
                "fit_to_page": fit is not None and fit.get("fitToPage") in ("1", "true"),
                "breaks": [] if col_breaks is None else [int(b.get("id")) for b in col_breaks.iter(f"{M}brk")],
                "titles": titles.get(n, ""),
                "widths": widths,
                "last_col": _col_index(re.match(r"[A-Z]+", dim).group()),
                "smallest_font": min(fonts),
            }
    return out


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _repeated_cols(titles: str) -> int:
    """How many columns from A the print titles repeat ("'评级结果'!$A:$B,..." -> 2)."""
    m = re.search(r"!\$A:\$([A-Z]+)", titles)
    return _col_index(m.group(1)) + 1 if m else 0


# ---------------------------------------------------------------- the page setup, from the XML

@pytest.mark.parametrize("sheet", [RESULTS, AUDIT])
def test_results_and_audit_print_a4_landscape_legibly_split_between_columns(workbook, sheet):
    s = page_setups(workbook)[sheet]
    setup = s["setup"]
    assert setup["paperSize"] == "9" and setup["orientation"] == "landscape"
    scale = int(setup.get("scale", 100))
    assert s["smallest_font"] * scale / 100 >= MIN_PT, (sheet, scale, s["smallest_font"])
    assert not s["fit_to_page"] and "fitToWidth" not in setup and "fitToHeight" not in setup
    repeat = _repeated_cols(s["titles"])
    assert repeat == (2 if sheet == RESULTS else 1), s["titles"]  # customer ID and name; the audit's labels
    if sheet == RESULTS:
        assert "$1:$1" in s["titles"]  # the header row on every page
    breaks = s["breaks"]
    assert breaks and breaks == sorted(set(breaks)) and repeat < breaks[0] and breaks[-1] <= s["last_col"]
    assert setup.get("pageOrder") == "overThenDown"  # the pages of one block of rows follow each other
    # Every page's columns (the repeated ones included) fit the printable width, by xlsxwriter's
    # measure with the room left for a program measuring wider: no column runs over a page edge.
    printable = A4_PT[1] - 2 * 72 * SIDE_MARGIN_IN
    w = [s["widths"].get(c, 64) for c in range(s["last_col"] + 1)]
    starts, ends = [repeat, *breaks], [*breaks, len(w)]
    for a, b in zip(starts, ends, strict=True):
        printed = (sum(w[:repeat]) + sum(w[a:b])) * PX_PT * scale / 100
        assert printed <= printable * PAGE_FILL + 1, (sheet, a, b, printed)


def test_every_sheet_prints_at_8_pt_or_more(workbook):
    for name, s in page_setups(workbook).items():
        scale = int(s["setup"].get("scale", 100))
        assert s["setup"]["paperSize"] == "9", name
        assert not s["fit_to_page"], name  # a fitted scale is whatever the program makes of it
        assert s["smallest_font"] * scale / 100 >= MIN_PT, (name, scale)


def test_results_pages_start_at_groups_of_columns(workbook):
    """The score items, the levels and rules, ... each start a page where that costs no page."""
    s = page_setups(workbook)[RESULTS]
    w = [s["widths"].get(c, 64) for c in range(s["last_col"] + 1)]
    room = (A4_PT[1] - 2 * 72 * SIDE_MARGIN_IN) * PAGE_FILL / (PX_PT * int(s["setup"]["scale"]) / 100)
    fewest = len(column_breaks(w, 2, room - sum(w[:2]), set()))
    assert len(s["breaks"]) == fewest  # the groups took no extra page


def test_column_breaks():
    # as few pages as possible, then breaks at group starts, then the earlier pages fuller
    assert column_breaks([10] * 10, 2, 35, set()) == [5, 8]
    assert column_breaks([10] * 10, 2, 35, {4, 7}) == [4, 7]
    assert column_breaks([10] * 10, 0, 35, {1}) == [1, 4, 7]  # 4 pages either way: the group start taken
    assert column_breaks([10] * 6, 0, 35, {1}) == [3]  # a group start costing a page is not
    assert column_breaks([10, 50, 10, 10], 0, 30, set()) == [1, 2]  # too wide for a page: a page of its own
    assert column_breaks([10] * 3, 0, 100, {1, 2}) == []


def test_print_setup_narrow_wide_and_fitted(tmp_path):
    path = tmp_path / "p.xlsx"
    wb = new_workbook(str(path))
    narrow, wide, fitted = (wb.add_worksheet(n) for n in ("narrow", "wide", "fitted"))
    fit_widths(narrow, ["客户编号", "名称"], [["C0001", "某某有限公司"]])
    narrow.write_row(0, 0, ["客户编号", "名称"])
    for ws in (wide, fitted):
        for c in range(30):
            ws.set_column(c, c, 20)
            ws.write_string(0, c, f"列{c}")
    print_setup(narrow, "narrow", "note")
    print_setup(wide, "wide", "note", repeat_cols=2, groups=[10, 20])
    print_setup(fitted, "fitted", "note", pages_wide=1)  # the old behaviour, asked for by name
    wb.close()
    s = page_setups(path)
    assert "scale" not in s["narrow"]["setup"] and not s["narrow"]["breaks"]  # 100 %, one page wide
    assert int(s["wide"]["setup"]["scale"]) == 80 and 10 in s["wide"]["breaks"] and 20 in s["wide"]["breaks"]
    assert _repeated_cols(s["wide"]["titles"]) == 2
    assert s["fitted"]["fit_to_page"] and not s["fitted"]["breaks"]


# ---------------------------------------------------------------- printed by LibreOffice

def _words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Each page's words as (xMin, yMin, xMax, yMax, text), from poppler's pdftotext -bbox."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, encoding="utf-8",
                         check=True, timeout=120).stdout
    root = ET.fromstring(re.sub(r'\sxmlns="[^"]*"', "", xml, count=1))
    return [[(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")), w.text or "")
             for w in page.iter("word")] for page in root.iter("page")]


def _box_per_pt(base: Path) -> float:
    """Height of a word's box per point of font size: a known 11 pt cell printed at 100 %."""
    path = base / "calibration.xlsx"
    wb = new_workbook(str(path))
    ws = wb.add_worksheet("calibration")
    ws.write_string(0, 0, "客户编号 C0001", wb.add_format({"font_name": "等线", "font_size": 11}))
    ws.set_paper(9)
    wb.close()
    words = [w for page in _words(convert(path, "pdf", base / "calibration", base / "profile-calibration"))
             for w in page]
    heights = {round(w[3] - w[1], 2) for w in words if w[4] in ("客户编号", "C0001")}
    assert len(heights) == 1, heights  # CJK and Latin words: boxes of the same height
    return heights.pop() / 11


@pytest.mark.libreoffice
@pytest.mark.skipif(soffice() is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) or poppler's pdftotext is not installed")
def test_libreoffice_prints_8_pt_and_the_key_column_on_every_results_page(workbook, tmp_path):
    per_pt = _box_per_pt(tmp_path)
    pdf = convert(workbook, "pdf", tmp_path / "pdf", tmp_path / "profile")
    pages = _words(pdf)
    for n, words in enumerate(pages, start=1):
        assert words, f"page {n} is empty"
        smallest = min(w[3] - w[1] for w in words) / per_pt
        assert smallest >= MIN_PT - 0.05, (n, round(smallest, 2))  # headers and footers included

    # The results pages: the sheet's name is the page header's first word.
    results = [words for words in pages if min(words, key=lambda w: (round(w[1]), w[0]))[4] == RESULTS]
    breaks = page_setups(workbook)[RESULTS]["breaks"]
    assert results and len(results) % (len(breaks) + 1) == 0, (  # LibreOffice broke pages only where we did
        f"{len(results)} results pages for {len(breaks) + 1} pages across")
    kinds = set()
    for words in results:
        key = [w for w in words if w[4] == KEY_HEADER]
        assert len(key) == 1, "the customer ID column header is missing from a results page"
        ids = [w for w in words if re.fullmatch(r"C\d{4}", w[4]) and w[0] < key[0][2]]
        assert ids and min(w[1] for w in ids) > key[0][3]  # and the customers' IDs under it
        first_row = min(w[1] for w in ids)
        header_row = tuple(w[4] for w in sorted(words, key=lambda w: (w[0], w[1]))
                           if first_row - 40 < w[1] and w[3] <= first_row and w[0] > key[0][2])
        kinds.add(header_row)
    assert len(kinds) == len(breaks) + 1, kinds  # one set of columns for each part of the sheet
