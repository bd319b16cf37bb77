"""Every window the program opens fits the screen it opens on, and its buttons are in reach.

The screens: 1366x768 at 100 %, and 1920x1080 at 150 % and at 200 %, with the taskbar's 40
logical pixels taken off: free areas of 1366x728, 1280x680 and 960x510 logical pixels.

How they are made. Each is a real screen of Qt's offscreen platform, described in a
configuration file (``QT_QPA_PLATFORM=offscreen:configfile=FILE``): its size in device pixels
without the taskbar (the offscreen platform has none) and its logical DPI, 144 or 192, which is
how Windows reports a display scaled to 150 % or 200 %. Qt then does what it does on such a
display: scales fonts and sizes, reports the free area in logical pixels, places dialogs over
their window inside that area, and wraps a message box's text by the screen's width (Qt's
C++ reads the screen there, so monkeypatching ``desktop.ui.screen.free_area`` would only test
our own arithmetic, and a dialog that ignores it would pass). The scale is fixed when Qt starts,
so each screen is a process of its own: ``tests/screen_walk.py`` opens the window as the
program does (no saved layout), reads and rates the samples, and opens every dialog the window
offers: every action of every menu (file dialogs answer with the samples or a file of the
test's), the column mapping by double-clicking a sheet, an export to a folder that cannot
exist (the error box, with a long Chinese and a long English path) and an error naming a
Windows path, the About box with a register deep in a shared folder and on a network share, a
policy file that cannot be used (its problems in a box), a policy with a long name chosen (the
toolbar's label) and the rating made out of date (the banner). It knows no list of dialogs: a dialog added to a menu is
opened and measured, and ``test_every_dialog_the_window_opens_is_checked`` asks for it to be
named here.

What is checked, for each window: its frame lies inside the free area, and its size with the
frame Windows draws (``desktop.ui.screen.FRAME``: the offscreen platform draws 1 px) fits in
it too; a message box's texts wrap instead of being cut off; every QPushButton (a QDialogButtonBox's buttons are QPushButtons) that is not hidden
on purpose is shown, wholly visible and inside the window, tab by tab (a button inside a scroll
area need only be shown: it is scrolled to). The main window: its minimum size fits (the clerk
can make it smaller, never larger than the screen), and the as-of date and the policy label sit
in the toolbar itself, not in its overflow menu, at every size and with a long policy name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from desktop.ui.screen import FRAME  # noqa: E402

HERE = Path(__file__).resolve().parent
# name: (width and height in device pixels without the taskbar, logical dpi)
SCREENS = {
    "1366x768 at 100%": (1366, 728, 96),
    "1920x1080 at 150%": (1920, 1020, 144),
    "1920x1080 at 200%": (1920, 1020, 192),
}
FREE = {"1366x768 at 100%": (1366, 728), "1920x1080 at 150%": (1280, 680), "1920x1080 at 200%": (960, 510)}
# Chinese on every screen; English, whose words are longer, on the smallest
RUNS = [(screen, "zh") for screen in SCREENS] + [("1920x1080 at 200%", "en")]
# Every window the walk opens, by class (a Qt message box: by the window's attribute holding it)
DIALOGS = ["MainWindow", "MappingDialog", "ProfileManager", "ExportOptionsDialog", "ApprovalsDialog", "PolicyEditor",
           "HelpDialog", "about", "QMessageBox:_last_error_box", "BacktestDialog",
           "RegisterSettings", "RegisterView"]
# (screen, language, window): why it does not fit yet (a strict xfail: it fails the day it fits)
KNOWN: dict[tuple[str, str, str], str] = {}

_walks: dict[tuple[str, str], list[dict]] = {}


def walk(screen: str, lang: str, tmp_path_factory) -> list[dict]:
    """What tests/screen_walk.py saw on ``screen`` in ``lang`` (one process per screen and language)."""
    if (screen, lang) not in _walks:
        width, height, dpi = SCREENS[screen]
        work = tmp_path_factory.mktemp("walk")
        config = work / "screen.json"
        config.write_text(json.dumps({"screens": [{"name": screen, "x": 0, "y": 0, "width": width, "height": height,
                                                   "logicalDpi": dpi, "logicalBaseDpi": 96, "dpr": 1}]}),
                          encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("QT_SCALE") and k != "QT_SCREEN_SCALE_FACTORS"}
        # by its name in the child's working folder: Qt splits the platform's arguments at every ":", and
        # a Windows path has one after its drive letter
        env["QT_QPA_PLATFORM"] = f"offscreen:configfile={config.name}"
        env["PYTHONIOENCODING"] = "utf-8"  # its errors are read from this test's pipe as UTF-8
        # the program from this checkout, installed or not (the child runs in the walk's folder)
        env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), *filter(None, [os.environ.get("PYTHONPATH")])])
        out = work / "walk.json"
        done = subprocess.run([sys.executable, str(HERE / "screen_walk.py"), str(out), str(work), lang], env=env,
                              capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=600,
                              cwd=work)
        assert done.returncode == 0, done.stderr[-3000:]
        _walks[screen, lang] = json.loads(out.read_text(encoding="utf-8"))
    return _walks[screen, lang]


def _cases():
    for screen, lang in RUNS:
        for name in DIALOGS:
            reason = KNOWN.get((screen, lang, name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(screen, lang, name, id=f"{screen}-{lang}-{name}", marks=marks)


def _problems(record: dict, free: tuple[int, int]) -> list[str]:
    """What is wrong with one window as the walk measured it ([] when it fits)."""
    problems = []
    x, y, w, h = record["frame"]
    ax, ay, aw, ah = record["free"]
    where = f"{record['name']} {record['state']} (opened by {record['step']!r})"
    if (aw, ah) != free:
        problems.append(f"{where}: the screen's free area is {aw}x{ah}, not {free[0]}x{free[1]}")
    if x < ax or y < ay or x + w > ax + aw or y + h > ay + ah:
        problems.append(f"{where}: its frame {w}x{h} at ({x}, {y}) is not inside the free area {aw}x{ah}")
    gw, gh = record["geometry"][2:]
    if gw + FRAME.width() > aw or gh + FRAME.height() > ah:
        problems.append(f"{where}: {gw}x{gh} with a Windows frame is larger than the free area {aw}x{ah}")
    for b in record["buttons"]:
        tab = f" on tab {b['tab']!r}" if b["tab"] else ""
        if not b["shown"]:
            problems.append(f"{where}: the button {b['text']!r}{tab} is not shown")
        elif not b["in_scroll_area"] and not (b["inside"] and b["whole"]):
            problems.append(f"{where}: the button {b['text']!r}{tab} at {b['rect']} is "
                            + ("outside the window" if not b["inside"] else "cut off"))
    for label in record.get("texts", []):
        if label["cut"]:
            problems.append(f"{where}: its text is cut off, not wrapped: {label['text'][:80]!r}")
    if record["name"] == "MainWindow":
        mw, mh = record["minimum_hint"]
        if mw + FRAME.width() > aw or mh + FRAME.height() > ah:
            problems.append(f"{where}: its smallest size {mw}x{mh} with a frame is larger than the free area")
        for key, widget in record["toolbar"].items():
            if not (widget["shown"] and widget["in_bar"] and widget["in_window"] and widget["whole"]):
                problems.append(f"{where}: the toolbar's {key} ({widget['text']!r}) is not in sight (in the toolbar's "
                                f"overflow, or cut off): {widget}")
    return problems


@pytest.mark.parametrize(("screen", "lang", "name"), list(_cases()))
def test_every_window_fits_the_screen_and_its_buttons_are_in_reach(screen, lang, name, tmp_path_factory):
    records = [r for r in walk(screen, lang, tmp_path_factory) if r.get("name") == name]
    assert records, f"{name} was not opened on {screen}"
    problems = [p for r in records for p in _problems(r, FREE[screen])]
    assert problems == []


def test_every_dialog_the_window_opens_is_checked(tmp_path_factory):
    """The walk finds the dialogs by opening everything the window offers: one it found that is not
    in DIALOGS is a new dialog to name there (and to make fit), one in DIALOGS it no longer found
    was taken away or can no longer be opened."""
    records = walk("1366x768 at 100%", "zh", tmp_path_factory)
    assert [r for r in records if r.get("name") == "walk"] == []  # no step timed out
    found = {r["name"] for r in records}
    assert found - set(DIALOGS) == set()
    assert set(DIALOGS) - found == set()


def test_the_check_can_fail():
    """A dialog larger than the screen, a button cut off and one outside, the date in the toolbar's
    overflow: each is named."""
    button = {"text": "确定", "tab": "", "shown": True, "rect": [900, 500, 80, 26], "inside": False, "whole": False,
              "in_scroll_area": False}
    widget = {"shown": False, "in_bar": False, "in_window": False, "whole": False, "text": "2026-06-30"}
    record = {"name": "MainWindow", "state": "rated", "step": "", "frame": [0, 0, 1082, 562], "geometry": [1, 1, 1080, 560],
              "free": [0, 0, 960, 510], "minimum_hint": [1000, 300], "buttons": [button, {**button, "inside": True}],
              "toolbar": {"as_of": widget}}
    problems = _problems(record, (960, 510))
    assert len(problems) == 6 and sum("button" in p for p in problems) == 2 and "as_of" in problems[-1]
    assert _problems({**record, "frame": [0, 0, 946, 472], "geometry": [1, 1, 944, 470], "minimum_hint": [700, 300],
                      "buttons": [{**button, "rect": [10, 10, 80, 26], "inside": True, "whole": True}],
                      "toolbar": {"as_of": {**widget, "shown": True, "in_bar": True, "in_window": True, "whole": True}}},
                     (960, 510)) == []


def test_the_policy_label_gives_way_and_says_the_whole_name_in_its_tooltip(qtbot):
    """In a narrow toolbar the long name of the policy file is elided in the middle (its start and
    its extension stay), the date beside it is not, and the tooltip holds the whole name."""
    from PySide6.QtCore import QEvent, QPoint, QSize
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    from desktop.ui.screen import ElidedLabel
    name = "政策：华东区域销售公司2026年度客户信用风险管理政策（修订版）.toml"
    label = ElidedLabel(name, most=200)
    qtbot.addWidget(label)
    assert label.sizeHint().width() == 200 and label.minimumSizeHint().width() < 100
    label.resize(QSize(160, label.sizeHint().height()))
    shown = label.shown_text()
    assert label.elided() and "…" in shown and shown.startswith("政策") and shown.endswith(".toml")
    label.show()
    QApplication.sendEvent(label, QHelpEvent(QEvent.Type.ToolTip, QPoint(5, 5), label.mapToGlobal(QPoint(5, 5))))
    assert QToolTip.text() == name
    QToolTip.hideText()
    label.resize(QSize(label.fontMetrics().horizontalAdvance(name) + 20, label.sizeHint().height()))
    assert not label.elided() and label.shown_text() == name
