"""The window's error boxes speak the window's language: a Chinese clerk reads Chinese, the file
named, no English sentence, no option of the command line, no library's name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from test_catalogue import _xlsx  # noqa: E402
from window_helpers import TIMEOUT, load, open_window  # noqa: E402

from desktop.messages import english_sentences, has_cjk  # noqa: E402


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)  # Chinese
    yield w
    w.close()


def _words(text: str) -> str:
    """The text without the folders of the test's files (a clerk's own folders are the clerk's words)."""
    return re.sub(r"(?:/[^\s/：，。（）]+)+/", "", text)


def _rate_fails(qtbot, w) -> tuple[str, str]:
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.rate()
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    return sig.args[0], sig.args[1]


def _assert_chinese_box(w, name: str) -> str:
    box = w._last_error_box
    shown = box.text()
    assert has_cjk(shown) and name in shown, shown
    for text in (shown, box.informativeText(), box.windowTitle()):
        assert english_sentences(_words(text)) == [], text
        assert "--" not in text and "calamine" not in text.lower() and "zip" not in _words(text).lower()
    return shown


def test_a_file_that_is_not_a_workbook(qtbot, window, tmp_path):
    w = window
    fake = tmp_path / "客户资料（文本）.xlsx"
    fake.write_text("客户编号,客户名称\nC1,甲公司\n", encoding="utf-8")
    load(qtbot, w, [fake])
    row = next(i for i, s in enumerate(w.sheets_model._rows) if s.file == fake.name)
    listed = w.sheets_model.index(row, 1).data()  # the files table says why, in Chinese too
    assert fake.name in listed and english_sentences(listed) == [], listed
    message, kind = _rate_fails(qtbot, w)
    assert kind == "input" and message == w._last_error_box.text()
    shown = _assert_chinese_box(w, fake.name)
    assert "没有可评级的客户" in shown and "无法读取" in shown


def test_a_workbook_with_no_customer_sheet(qtbot, window, tmp_path):
    w = window
    ledger = _xlsx(tmp_path / "销售明细.xlsx", [["客户编号", "发票号", "开票日期", "金额"], ["C1", "F1", "2026-01-05", 1]],
                   sheet="销售")
    load(qtbot, w, [ledger])
    _rate_fails(qtbot, w)
    shown = _assert_chinese_box(w, "销售明细.xlsx")
    assert "客户信用资料" in shown and "作为销售明细读取" in shown


def test_a_sheet_named_like_markup_is_shown_as_it_is_named(qtbot, window, tmp_path):
    """Excel allows < and > in a sheet name: the box names "<b>销售" as it is, not as bold text."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel
    w = window
    ledger = _xlsx(tmp_path / "销售明细.xlsx", [["客户编号", "发票号", "开票日期", "金额"], ["C1", "F1", "2026-01-05", 1]],
                   sheet="<b>销售")
    load(qtbot, w, [ledger])
    _rate_fails(qtbot, w)
    label = w._last_error_box.findChild(QLabel, "qt_msgbox_label")
    assert "<b>销售" in label.text() and label.textFormat() == Qt.TextFormat.PlainText


def test_the_same_error_in_an_english_window(qtbot, window, tmp_path):
    w = window
    w.language.switch("en")
    w.retranslate()
    header = _xlsx(tmp_path / "header only.xlsx", [["客户编号", "客户名称"]])
    load(qtbot, w, [header])
    message, _ = _rate_fails(qtbot, w)
    assert message.startswith("Nothing to rate: the customer sheet header only.xlsx / 客户 has a header row but no "
                              "data rows")


def test_a_password_is_asked_for_in_chinese(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from desktop.io.writers.protect import encrypt
    w = window
    locked = _xlsx(tmp_path / "加密的客户资料.xlsx", [["客户编号", "客户名称"], ["C1", "甲"]])
    encrypt(locked, "密码")
    asked = []
    monkeypatch.setattr(QInputDialog, "getText", lambda parent, title, label, *a, **k: (asked.append(label), ("", False))[1])
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as sig:
        w.add_files([locked])
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    (label,) = asked
    assert sig.args[1] == "password" and label == sig.args[0]
    assert "加密的客户资料.xlsx" in label and "密码" in label and english_sentences(_words(label)) == []


def test_the_window_passes_its_own_language(tmp_path):
    """What the engine sends: the message in both languages, the window picks its own."""
    from desktop.engine import Failed
    from desktop.errors import InputFileError
    exc = InputFileError("error.file.not_found", file=Path("客户.xlsx"))
    failed = Failed(str(exc), "input", texts=exc.texts())
    assert failed.texts["zh"].startswith("找不到文件 客户.xlsx") and failed.texts["en"] == "客户.xlsx: file not found"


def test_the_register_errors_send_the_clerk_to_a_setting_the_window_has(qtbot, qapp, tmp_path, monkeypatch):
    """评级登记簿位置… under 文件 is where every register message sends the clerk: it exists, and
    the register chosen there is the one the next rating records in."""
    from PySide6.QtWidgets import QFileDialog
    from window_helpers import open_window

    from desktop.messages import CATALOGUE
    w = open_window(qtbot, qapp, tmp_path)
    register = {code: zh for code, (zh, _) in CATALOGUE.items() if code.startswith("error.register.")}
    assert sum("“文件 → 评级登记簿位置…”" in zh for zh in register.values()) >= 10
    assert not any("设置中" in zh or "本次不登记" in zh for zh in register.values())  # no setting the window lacks
    action = next(a for a in w.menu_file.actions() if a.text() == "评级登记簿位置…")
    target = tmp_path / "团队 登记簿" / "登记簿.sqlite"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    action.trigger()
    assert w.settings.register_path() == str(target)
    w.close()
