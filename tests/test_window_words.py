"""Every word the window shows in Chinese is Chinese.

Two checks that fail differently: the static one finds every literal the window's code hands to
its translation (``t(...)``, ``tr(...)``, ``text(...)``) and asserts the Chinese table holds it;
the dynamic one opens the window in Chinese on the sample workbooks, rates them, and reads every
text a clerk can see (menus, buttons, labels, headers, tooltips, combo items, placeholders, the
detail pane) looking for an English sentence, a key path or a ``key=value`` pair.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QTabWidget,
    QTextBrowser,
    QTextEdit,
    QWidget,
)
from window_helpers import load, open_window, rate  # noqa: E402

from desktop.messages import CATALOGUE, english_sentences, has_cjk  # noqa: E402
from desktop.paths import samples_dir  # noqa: E402
from desktop.ui.i18n import ZH  # noqa: E402

UI = Path(__file__).resolve().parent.parent / "desktop" / "ui"
TRANSLATING = {"t", "tr", "text"}
# what may stay in Latin letters on a Chinese screen: codes and names a clerk knows as they are
ALLOWED = re.compile(r"^(?:Excel|F\d+|Ctrl|Shift|Esc|AAA|AA|A|B|C|CNY|DSO|SHA-256|CSV|PDF|OK)$")
KEY_PATH = re.compile(r"\b[a-z]+_[a-z_]+\b|\w\[\d+\]|\b\w+=\S")


def _literals() -> list[tuple[str, int, str]]:
    """(file, line, text) of every string literal passed as the first argument of t/tr/text."""
    found = []
    for path in sorted(UI.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else getattr(fn, "id", None)
            if name not in TRANSLATING:
                continue
            arg = node.args[0]
            options = [arg.body, arg.orelse] if isinstance(arg, ast.IfExp) else [arg]
            for a in options:
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.strip():
                    found.append((path.name, node.lineno, a.value))
    return found


def test_every_text_the_window_translates_has_its_chinese():
    literals = _literals()
    assert len(literals) > 150  # the walk found the window's texts (a broken walk would find none)
    missing = [f"{f}:{line}: {s!r}" for f, line, s in literals
               if s not in ZH and s not in CATALOGUE  # a catalogue code: tests/test_catalogue.py checks it
               and not has_cjk(s)]  # t("中文", "English") pairs are their own translation
    assert missing == []


def test_the_chinese_table_holds_no_english():
    bad = {k: v for k, v in ZH.items() if english_sentences(v) or KEY_PATH.search(v)}
    assert bad == {}


def _visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of everything a clerk can read in ``root`` and its children."""
    out: list[tuple[str, str]] = []

    def add(where: str, s: str | None) -> None:
        if isinstance(s, str) and s.strip():
            out.append((where, s))

    for w in [root, *root.findChildren(QWidget)]:
        name = type(w).__name__
        add(f"{name} tooltip", w.toolTip())
        if isinstance(w, QLabel):
            add("label", w.text())
        elif isinstance(w, QAbstractButton):
            add("button", w.text())
        elif isinstance(w, QGroupBox):
            add("group", w.title())
        elif isinstance(w, QLineEdit):
            add("placeholder", w.placeholderText())
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                add("combo item", w.itemText(i))
        elif isinstance(w, QTabWidget):
            for i in range(w.count()):
                add("tab", w.tabText(i))
        elif isinstance(w, (QTextBrowser, QTextEdit)):
            add("text", w.toPlainText())
        elif isinstance(w, QMenu):
            add("menu", w.title())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            m = w.model()
            for c in range(m.columnCount()):
                add("header", m.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole))
                add("header tooltip", m.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole))
            for r in range(min(m.rowCount(), 60)):
                for c in range(m.columnCount()):
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        v = m.data(m.index(r, c), role)
                        if isinstance(v, str):
                            add(f"cell {r},{c}", v)
        for action in w.actions():
            add("action", action.text())
            add("action tooltip", action.toolTip())
    return out


def _english(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    bad = []
    for where, s in texts:
        found = english_sentences(s) + KEY_PATH.findall(s)
        if found:
            bad.append((where, ", ".join(found[:6])))
    return bad


def test_the_chinese_window_after_a_rating_shows_no_english(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    load(qtbot, w, sorted(samples_dir().iterdir()))
    rate(qtbot, w)
    w.table.selectRow(0)  # the detail pane shows the first customer
    qtbot.waitUntil(lambda: bool(w.detail.toPlainText().strip()), timeout=10_000)
    texts = _visible_texts(w)
    assert len(texts) > 300  # menus, headers, 42 customers' cells, the detail pane
    assert any("付款及时性" in s for _, s in texts)
    assert _english(texts) == []
    w.close()


def test_qts_own_dialogs_keep_qts_chinese_not_ours(qapp):
    """The file dialog's "Name" column is a file's name (名称), not a customer's (客户名称): our table
    answers our windows' texts only, Qt's translations answer Qt's own classes."""
    from PySide6.QtCore import QCoreApplication

    from desktop.ui.i18n import Language
    Language(qapp, "zh")
    assert QCoreApplication.translate("MappingDialog", "Column mapping") == "列映射"
    assert QCoreApplication.translate("QFileSystemModel", "Name") != ZH["Name"]
