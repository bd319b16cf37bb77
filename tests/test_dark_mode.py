"""Dark mode: Windows 11 gives the application a dark palette. Every text the window paints keeps
WCAG's 4.5:1 contrast with what is behind it, on a dark and on a light palette, and the colours
follow a palette changed while the window is open."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from PySide6.QtCore import QDate, Qt  # noqa: E402
from PySide6.QtGui import QBrush, QColor, QPalette  # noqa: E402
from window_helpers import load, open_window, rate  # noqa: E402

from desktop.paths import samples_dir  # noqa: E402

SAMPLES = sorted(samples_dir().iterdir())
UI = Path(__file__).resolve().parent.parent / "desktop" / "ui"
R = QPalette.ColorRole
# Windows 11's dark and light palettes, as Qt 6 reads them from the system
DARK = {R.Window: "#202020", R.WindowText: "#ffffff", R.Base: "#1c1c1c", R.AlternateBase: "#2b2b2b",
        R.Text: "#ffffff", R.Button: "#2d2d2d", R.ButtonText: "#ffffff", R.Highlight: "#0078d4",
        R.HighlightedText: "#ffffff", R.PlaceholderText: "#9d9d9d", R.Link: "#4cc2ff", R.LinkVisited: "#b4a0ff",
        R.ToolTipBase: "#2b2b2b", R.ToolTipText: "#ffffff", R.BrightText: "#ffffff", R.Light: "#3c3c3c",
        R.Midlight: "#333333", R.Mid: "#292929", R.Dark: "#191919", R.Shadow: "#000000"}
LIGHT = {R.Window: "#f3f3f3", R.WindowText: "#000000", R.Base: "#ffffff", R.AlternateBase: "#f7f7f7",
         R.Text: "#000000", R.Button: "#fdfdfd", R.ButtonText: "#000000", R.Highlight: "#0078d4",
         R.HighlightedText: "#ffffff", R.PlaceholderText: "#5f5f5f", R.Link: "#0067c0", R.LinkVisited: "#6c3ab0",
         R.ToolTipBase: "#f9f9f9", R.ToolTipText: "#000000", R.BrightText: "#ffffff", R.Light: "#ffffff",
         R.Midlight: "#e5e5e5", R.Mid: "#a0a0a0", R.Dark: "#a0a0a0", R.Shadow: "#696969"}
MIN_CONTRAST = 4.5


def palette(colours: dict) -> QPalette:
    p = QPalette()
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    return p


def luminance(colour: str | QColor) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    c = QColor(colour)

    def linear(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    return 0.2126 * linear(c.red()) + 0.7152 * linear(c.green()) + 0.0722 * linear(c.blue())


def contrast(a: str | QColor, b: str | QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class Painted(HTMLParser):
    """Each text of a rich text with the colour it is drawn in and the colour behind it: set on the
    element or one around it (style color / background / background-color, bgcolor), else the palette's."""

    VOID = {"br", "meta", "img", "hr", "input", "col"}

    def __init__(self, text: str, back: str, link: str):
        super().__init__(convert_charrefs=True)
        self.stack = [("", text, back)]
        self.link = link
        self.texts: list[tuple[str, str, str]] = []  # (text, colour, background)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        _, colour, back = self.stack[-1]
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            colour = self.link
        if a.get("bgcolor"):
            back = a["bgcolor"]
        for name, value in re.findall(r"([\w-]+)\s*:\s*([^;]+)", a.get("style") or ""):
            value = value.strip()
            if name == "color":
                colour = value
            elif name in ("background", "background-color") and QColor(value.split()[0]).isValid():
                back = value.split()[0]
        self.stack.append((tag, colour, back))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        while len(self.stack) > 1:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        tag = self.stack[-1][0]
        if data.strip() and tag not in ("style", "title", "head"):
            self.texts.append((data.strip(), self.stack[-1][1], self.stack[-1][2]))


def painted(html: str, text: QColor, back: QColor, link: QColor) -> list[tuple[str, str, str]]:
    parser = Painted(text.name(), back.name(), link.name())
    parser.feed(html)
    return parser.texts


def faint_texts(html: str, pal: QPalette, text_role=R.Text, back_role=R.Base) -> list[tuple[str, str, str, float]]:
    return [(t[:30], fg, bg, round(contrast(fg, bg), 2))
            for t, fg, bg in painted(html, pal.color(text_role), pal.color(back_role), pal.color(R.Link))
            if contrast(fg, bg) < MIN_CONTRAST]


def brush_colour(value, default: QColor) -> QColor:
    if isinstance(value, QBrush):
        return value.color() if value.style() != Qt.BrushStyle.NoBrush else default
    return QColor(value) if value is not None else default


def faint_cells(view) -> list[tuple]:
    """Every cell and header section of ``view`` whose text is drawn too faint on its background: the
    model's ForegroundRole and BackgroundRole, or the view's palette; a selected cell is drawn with
    the palette's highlight."""
    model, pal, bad = view.model(), view.palette(), []
    selected = {(i.row(), i.column()) for i in view.selectionModel().selectedIndexes()}
    for c in range(model.columnCount()):
        fg = brush_colour(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ForegroundRole),
                          pal.color(R.ButtonText))
        bg = brush_colour(model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.BackgroundRole),
                          pal.color(R.Button))
        if contrast(fg, bg) < MIN_CONTRAST:
            bad.append(("header", c, fg.name(), bg.name()))
        for r in range(model.rowCount()):
            index = model.index(r, c)
            if (r, c) in selected:
                fg, bg = pal.color(R.HighlightedText), pal.color(R.Highlight)
            else:
                base = pal.color(R.AlternateBase if view.alternatingRowColors() and r % 2 else R.Base)
                fg = brush_colour(model.data(index, Qt.ItemDataRole.ForegroundRole), pal.color(R.Text))
                bg = brush_colour(model.data(index, Qt.ItemDataRole.BackgroundRole), base)
            if contrast(fg, bg) < MIN_CONTRAST:
                bad.append((r, c, str(model.data(index))[:20], fg.name(), bg.name(), round(contrast(fg, bg), 2)))
    return bad


def banner_contrast(w) -> float:
    """The stale banner's text as painted: the banner's background (the commonest pixel where its text
    is) against the pixel of the text that differs most from it."""
    image = w.banner.grab(w.banner_text.geometry()).toImage()
    counts: dict[int, int] = {}
    for y in range(image.height()):
        for x in range(image.width()):
            counts[image.pixel(x, y)] = counts.get(image.pixel(x, y), 0) + 1
    back = QColor.fromRgb(max(counts, key=counts.get))
    return max(contrast(back, QColor.fromRgb(p)) for p in counts)


@pytest.fixture
def fusion(qapp):
    """The Fusion style, which paints with the palette as Windows 11's style does in dark mode; the
    application's style and palette as they were afterwards."""
    style, before = qapp.style().name(), QPalette(qapp.palette())
    qapp.setStyle("Fusion")
    yield qapp
    qapp.setStyle(style)
    qapp.setPalette(before)


def check_window(qtbot, w, pal: QPalette, tmp_path: Path) -> list:
    """Everything too faint in the window under ``pal``: each customer's detail pane, the results,
    issues and sheets tables, the empty detail pane, the stale banner, the About box and the guide."""
    bad: list = []
    qtbot.waitUntil(lambda: w.detail.palette().color(R.Base) == pal.color(R.Base), timeout=5_000)
    for row in range(w.results_model.rowCount()):
        w.table.setCurrentIndex(w.results_model.index(row, 0))
        bad += [("detail", row, *t) for t in faint_texts(w.detail.toHtml(), w.detail.palette())]
    for name in ("table", "issues_view", "sheets_view"):
        bad += [(name, *cell) for cell in faint_cells(getattr(w, name))]
    box = w.about()
    bad += [("about", *t) for t in faint_texts(box.text(), box.palette(), R.WindowText, R.Window)]
    box.close()
    guide = w.show_help()
    bad += [("guide", *t) for t in faint_texts(guide.browser.toHtml(), guide.browser.palette())]
    guide.close()
    assert w.banner.isVisible()
    if banner_contrast(w) < MIN_CONTRAST:
        bad.append(("banner", round(banner_contrast(w), 2)))
    return bad


def test_the_window_is_readable_on_a_dark_and_a_light_palette(qtbot, fusion, tmp_path):
    fusion.setPalette(palette(DARK))
    w = open_window(qtbot, fusion, tmp_path)
    try:
        empty = faint_texts(w.detail.toHtml(), w.detail.palette())
        assert empty == [], empty  # "select a customer" before any rating
        load(qtbot, w, SAMPLES)
        rate(qtbot, w)
        w.policy_path = tmp_path / "坏政策.toml"  # the About box and the guide say in red it cannot be read
        w.policy_path.write_text("这不是政策文件 = [", encoding="utf-8")
        assert w.results_model.rowCount() > 10 and w.issues_model.rowCount() > 0
        w.as_of.setDate(QDate(2026, 7, 1))  # the rating on screen is out of date: the banner shows
        qtbot.waitUntil(w.banner.isVisible, timeout=5_000)
        assert check_window(qtbot, w, palette(DARK), tmp_path) == []
        w.table.setCurrentIndex(w.results_model.index(0, 0))
        w.grab().save(str(tmp_path / "window-dark.png"))
        # the clerk switches Windows to light mode, and back, with the window open
        for colours in (LIGHT, DARK):
            fusion.setPalette(palette(colours))
            assert check_window(qtbot, w, palette(colours), tmp_path) == []
    finally:
        w.close()


def test_the_level_colours_are_readable_where_they_are_painted(qtbot, fusion, tmp_path):
    """The level of each customer keeps its colour (the workbooks' AAA..C), its text the one readable on it."""
    from desktop.ui.colors import colours
    for colours_ in (DARK, LIGHT):
        c = colours(palette(colours_))
        for level in ("AAA", "AA", "A", "B", "C", "X"):
            back, text = c.level(level)
            assert contrast(back, text) >= MIN_CONTRAST, (level, back, text)


def rgb(low: int, high: int):
    channel = st.integers(low, high)
    return st.tuples(channel, channel, channel).map(lambda t: QColor(*t).name())


@st.composite
def palettes(draw) -> tuple[str, str, str, str, str]:
    """(base, text, window, alternate base, highlight) of a dark or a light palette, tinted any way."""
    dark = draw(st.booleans())
    back, fore = ((0, 80), (170, 255)) if dark else ((175, 255), (0, 85))
    return (draw(rgb(*back)), draw(rgb(*fore)), draw(rgb(*back)), draw(rgb(*back)), draw(rgb(0, 255)))


@settings(max_examples=300, deadline=None)
@given(palettes())
def test_every_semantic_colour_is_readable_on_any_palette_whose_own_text_is(colours_):
    """A palette IT or a high-contrast theme gives (its text readable on its backgrounds): the warning,
    error and muted texts and the header, warning and column marks stay readable on it too."""
    from hypothesis import assume

    from desktop.ui.colors import colours
    base, text, window, alternate, highlight = colours_
    assume(contrast(text, base) >= 7 and contrast(text, window) >= 7 and contrast(text, alternate) >= 7)
    c = colours(palette({R.Base: base, R.Text: text, R.Window: window, R.WindowText: text,
                         R.AlternateBase: alternate, R.Highlight: highlight}))
    pairs = {"muted on base": (c.muted, base), "muted on alternate": (c.muted, alternate),
             "muted on window": (c.muted, window), "error on base": (c.error, base),
             "error on alternate": (c.error, alternate), "error on window": (c.error, window),
             "warning on window": (c.warning, window), "warning on base": (c.warning, base),
             "header": (text, c.header), "warning box": (c.warning, c.warning_background),
             "banner text": (c.banner_text, c.warning_background),
             "mapped": (text, c.mapped), "unused": (text, c.unused)}
    faint = {k: (a, b, round(contrast(a, b), 2)) for k, (a, b) in pairs.items() if contrast(a, b) < MIN_CONTRAST}
    assert faint == {}


def test_no_colour_is_written_into_the_window_outside_its_one_place():
    """Colours come from desktop/ui/colors.py, which computes them from the palette: a hex colour or a
    named Qt colour anywhere else in desktop/ui is a light-mode colour on a dark screen."""
    pattern = re.compile(r"['\"(:\s]#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?\b|Qt\.GlobalColor\.|QColor\(\s*['\"]")
    found = [f"{p.name}:{n}: {line.strip()}" for p in sorted(UI.glob("*.py")) if p.name != "colors.py"
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert found == []
