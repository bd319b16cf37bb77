"""The window's colours, in one place, computed from the palette so that a light and a dark palette
(Windows 11 in dark mode gives Qt a dark one) both read: every text keeps WCAG's 4.5:1 contrast
with what is behind it.

``colours()`` gives the set for the application's palette (cached per palette): the palette's own
roles, a few semantic colours (muted text, error, warning, header background, the mapping dialog's
column marks, the stale banner) and the level colours. The levels keep the workbooks' colours
(desktop.io.writers.xlsx), each with the black or white text readable on it; the exported
workbooks keep theirs (they are printed on white).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from desktop.io.writers.xlsx import LEVEL_COLOURS

MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
RGB = tuple[int, int, int]
BLACK, WHITE = (0, 0, 0), (255, 255, 255)
# the hues the semantic colours start from: the ones the window had on white (Excel's styles)
ERROR_HUE, WARNING_HUE = "#C00000", "#9C5700"
AMBER, AMBER_BORDER, GREEN, ORANGE = "#FFC000", "#BF9000", "#70AD47", "#ED7D31"


def rgb(colour: str | QColor | RGB) -> RGB:
    if isinstance(colour, tuple):
        return colour
    c = QColor(colour)
    return c.red(), c.green(), c.blue()


def hex_name(colour: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def luminance(colour: str | QColor | RGB) -> float:
    """WCAG 2's relative luminance of an sRGB colour (0 black .. 1 white)."""
    def linear(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = rgb(colour)
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: str | QColor | RGB, b: str | QColor | RGB) -> float:
    """WCAG 2's contrast ratio of two colours, 1 .. 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def blend(a: str | QColor | RGB, b: str | QColor | RGB, share: float) -> RGB:
    """``a`` moved ``share`` (0 .. 1) of the way toward ``b``."""
    ca, cb = rgb(a), rgb(b)
    return tuple(round(x + (y - x) * share) for x, y in zip(ca, cb))  # type: ignore[return-value]


def best_text(*backgrounds: RGB) -> RGB:
    """Black or white, whichever reads better on the least favourable of ``backgrounds``."""
    return max((BLACK, WHITE), key=lambda t: min(contrast(t, b) for b in backgrounds))


def readable(colour: str | RGB, backgrounds: list[RGB], toward: RGB) -> RGB:
    """``colour``, moved toward ``toward`` (the palette's text) just enough to read on every one of
    ``backgrounds``; black or white where not even ``toward`` does."""
    for step in range(41):
        c = blend(colour, toward, step / 40)
        if min(contrast(c, b) for b in backgrounds) >= MIN_CONTRAST:
            return c
    return best_text(*backgrounds)


def tint(base: RGB, hue: str | RGB, share: float, text: RGB) -> RGB:
    """A background: ``base`` moved ``share`` toward ``hue``, less where ``text`` would no longer read on it."""
    for step in range(11):
        c = blend(base, hue, share * (1 - step / 10))
        if contrast(c, text) >= MIN_CONTRAST:
            return c
    return base


@dataclass(frozen=True)
class Colours:
    """The window's colours as ``#rrggbb`` names, for stylesheets, HTML and ``QColor``."""

    text: str  # palette Text, on base
    base: str  # the background of tables, the detail pane and the guide
    window: str
    window_text: str
    muted: str  # secondary text (labels, IDs, "select a customer"): on base, alternate base and window
    error: str  # a problem's text, on base, alternate base and window
    warning: str  # a warning's text, on base, window and warning_background
    header: str  # the background of a table's header row in rich text; text on it: header_text
    header_text: str
    warning_background: str  # the stale banner, the approvals' "checked against the results only"
    warning_border: str
    banner_text: str  # the text on warning_background
    mapped: str  # the mapping dialog's header cells of mapped columns (text on them: text)
    unused: str  # ... and of unused ones
    levels: tuple[tuple[str, str, str], ...]  # (level, background, text)
    other_level: tuple[str, str]  # a level the workbooks give no colour

    def level(self, level: str) -> tuple[str, str]:
        """(background, text) of a level's mark: the workbooks' colour with the text readable on it."""
        return self.level_colours(level) or self.other_level

    def level_colours(self, level: str) -> tuple[str, str] | None:
        """(background, text) of a level the workbooks colour, or None."""
        return next(((bg, fg) for lv, bg, fg in self.levels if lv == level), None)

    def qcolor(self, name: str) -> QColor:
        return QColor(getattr(self, name))


def from_palette(palette: QPalette) -> Colours:
    r = QPalette.ColorRole
    base, text = rgb(palette.color(r.Base)), rgb(palette.color(r.Text))
    window, window_text = rgb(palette.color(r.Window)), rgb(palette.color(r.WindowText))
    alternate, highlight = rgb(palette.color(r.AlternateBase)), rgb(palette.color(r.Highlight))
    surfaces = [base, alternate, window]
    header = tint(base, highlight, 0.12, text)
    warning_background = tint(base, AMBER, 0.2, text)
    banner_text = readable(window_text, [warning_background], text)
    other = blend(base, text, 0.15)
    return Colours(
        text=hex_name(text), base=hex_name(base), window=hex_name(window), window_text=hex_name(window_text),
        muted=hex_name(readable(blend(text, base, 0.4), surfaces, text)),
        error=hex_name(readable(ERROR_HUE, surfaces, text)),
        warning=hex_name(readable(WARNING_HUE, [*surfaces, warning_background], text)),
        header=hex_name(header), header_text=hex_name(readable(text, [header], text)),
        warning_background=hex_name(warning_background), warning_border=hex_name(blend(base, AMBER_BORDER, 0.75)),
        banner_text=hex_name(banner_text),
        mapped=hex_name(tint(base, GREEN, 0.2, text)), unused=hex_name(tint(base, ORANGE, 0.2, text)),
        levels=tuple((lv, hex_name(rgb(bg)), hex_name(best_text(rgb(bg)))) for lv, bg in LEVEL_COLOURS.items()),
        other_level=(hex_name(other), hex_name(readable(text, [other], text))))


_cache: dict[int, Colours] = {}


def colours(palette: QPalette | None = None) -> Colours:
    """The colours for ``palette`` (default: the application's, as Windows set it now)."""
    if palette is None:
        # without an application (HTML made for a test or a file): Qt's light default, as on white paper
        palette = QGuiApplication.palette() if QGuiApplication.instance() is not None else QPalette(QColor("#f0f0f0"))
    key = palette.cacheKey()
    found = _cache.get(key)
    if found is None:
        if len(_cache) > 32:  # palettes made and dropped (a style change each time): keep a few
            _cache.clear()
        found = _cache[key] = from_palette(palette)
    return found
