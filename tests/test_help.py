"""F1 opens the user guide shipped with the program, explaining the policy in use; the About box
names the version, the policy and the rating register. In the window's language, both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QFileDialog  # noqa: E402
from window_helpers import open_window  # noqa: E402

from desktop import __version__  # noqa: E402
from desktop.io.policy_file import load_policy  # noqa: E402
from desktop.io.writers.labels import Labels  # noqa: E402
from desktop.messages import english_sentences  # noqa: E402
from desktop.paths import default_policy_path, help_guide_path  # noqa: E402
from desktop.ui.help import NEVER_MISSING, PLACEHOLDER, guide_html  # noqa: E402
from desktop.ui.i18n import ZH  # noqa: E402


def test_policy(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """The shipped policy with ``edits`` (old text, new text) made, saved as 测试政策.toml."""
    text = default_policy_path().read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "测试政策.toml"
    path.write_text(text, encoding="utf-8")
    return path


test_policy.__test__ = False  # a helper, not a test

TIMELINESS_7 = ('{ range = "(0, 7]",    points = 25 }', '{ range = "(0, 7]",    points = 27 }')
NAME = ('name = "默认信用政策"', 'name = "华东区信用政策"')
KEYS = dict.fromkeys(("open", "rate", "export", "forms", "approvals", "policy", "help"), "F9")  # the jobs' keys


def scorecard_lines(policy, lang: str = "zh") -> list[str]:
    """Each band of each item as the guide must show it: "逾期 … 天：25 分"."""
    lab = Labels(lang)
    lines = []
    for item in policy.items:
        bands = [(lab.word(n), p) for n, p in item.categories] if item.categories else \
            [(lab.band(b.interval, item.basis), b.points) for b in item.bands]
        if item.basis not in NEVER_MISSING:
            bands.append((lab.missing_band(item.basis), item.missing_points))
        lines += [f"{band}：{points} 分" if lang == "zh" else f"{band}: {points} points" for band, points in bands]
    return lines


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    yield w
    w.close()


def choose(window, path: Path, monkeypatch) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    window.choose_policy()


def press_f1(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: getattr(window, "_help_dialog", None) is not None and window._help_dialog.isVisible())
    return window._help_dialog


def test_f1_opens_the_chinese_guide_with_the_scorecard_of_the_policy_in_use(qtbot, window, tmp_path, monkeypatch):
    path = test_policy(tmp_path, TIMELINESS_7, NAME)
    choose(window, path, monkeypatch)
    dialog = press_f1(qtbot, window)
    text = dialog.browser.toPlainText()
    policy = load_policy(path)
    assert policy.item("payment_timeliness").bands[1].points == 27
    missing = [line for line in scorecard_lines(policy) if line not in text]
    assert missing == []
    # the band as the policy in use scores it, not as the shipped one does
    band = Labels("zh").band(policy.item("payment_timeliness").bands[1].interval, "avg_days_late")
    assert f"{band}：27 分" in text and f"{band}：25 分" not in text
    assert "华东区信用政策 2026.1" in text and str(path) in text
    # the job end to end, the rules, the routes, each screen, the shortcuts, the seal
    for words in ("打开工作簿", "评级", "导出评级结果", "导出审批表", "读取已填审批表", "强制C", "封顶", "销售部经理",
                  "财务总监", "超过 90 天", "款到发货", "文件与工作表", "数据问题", "评级结果", "明细", "信用政策编辑",
                  "列映射", "快捷键", "校验码", "F1", "F5", "Ctrl+E"):
        assert words in text, words
    assert english_sentences(text.replace(str(path), "")) == []  # (the file's path is the test's)


def test_the_guide_explains_the_levels_terms_and_rules_of_the_policy_it_is_given(tmp_path):
    """Levels with their scores, base terms, factors and review periods; the force-C and cap rules the
    policy switches on, no other; the approval threshold and the limit's rounding: the policy's own."""
    path = test_policy(tmp_path, ("litigation = true", "litigation = false"),
                       ("base_days = { AAA = 90, AA = 60, A = 45, B = 30, C = 0 }",
                        "base_days = { AAA = 90, AA = 60, A = 40, B = 30, C = 0 }"),
                       ("sales_manager_max_days = 90", "sales_manager_max_days = 75"),
                       ("round_down_to = 1000", "round_down_to = 5000"),
                       ("new_customer_min_orders = 3", "new_customer_min_orders = 4"))
    policy = load_policy(path)
    html = guide_html(policy, "zh", lambda s: ZH.get(s, s), str(path), [("F5", "评级(&R)")], KEYS)
    assert "<td>A 基础</td>" in html.replace("<b>", "").replace("</b>", "")
    assert "70–79" in html and "≥ 90" in html and "≤ 59" in html and "<td>40</td>" in html
    assert "0（款到发货）" in html
    assert "被其他供应商起诉" not in html and "经营状况不良" in html
    assert "订单少于 4 笔" in html and "超过 75 天" in html and "1–75 天" in html and "5,000 元" in html
    assert "超过 90 天" not in html
    assert "<td>F5</td><td>评级</td>" in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_placeholder_of_the_guide_is_filled(lang, policy):
    template = help_guide_path(lang).read_text(encoding="utf-8")
    assert PLACEHOLDER.search(template)
    html = guide_html(policy, lang, lambda s: ZH.get(s, s) if lang == "zh" else s, "p.toml", [], KEYS)
    assert "{{" not in html and "}}" not in html


def test_the_guide_is_in_the_windows_language(qtbot, window):
    window.switch_language("en")
    text = press_f1(qtbot, window).browser.toPlainText()
    assert "Credit Desk user guide" in text and "Payment timeliness" in text
    assert [line for line in scorecard_lines(load_policy(), "en") if line not in text] == []
    window.switch_language("zh")


def test_about_names_the_version_the_policy_and_the_register(qtbot, window, tmp_path, monkeypatch):
    path = test_policy(tmp_path, NAME)
    choose(window, path, monkeypatch)
    register = tmp_path / "共享" / "信用" / "register.sqlite"
    window.settings.save_register_path(str(register))
    box = window.about()
    qtbot.waitUntil(box.isVisible)
    text = box.text().replace("\u200b", "")  # the paths may break after each folder
    assert __version__ in text and "信用管理台" in text and "华东区信用政策 2026.1" in text
    assert str(path) in text and str(register) in text and "评级登记簿" in text and "政策文件" in text
    from desktop.diagnostics import log_folder
    assert str(log_folder()) in text  # (a path of the test's temporary folder, named in English words)
    assert english_sentences(re.sub(r"<[^>]+>", " ", text).replace(str(path), "").replace(str(register), "")
                             .replace(str(log_folder()), "")) == []
    box.close()
    window.switch_language("en")
    box = window.about()
    assert "Rating register" in box.text() and "Credit policy" in box.text()
    assert str(register) in box.text().replace("\u200b", "")
    box.close()
    window.switch_language("zh")


def test_about_and_the_guide_say_when_the_policy_in_use_is_an_unsaved_edit(qtbot, window):
    from dataclasses import replace
    policy = replace(load_policy(), name="试算政策", file_name="")
    window._use_policy((policy, None))
    box = window.about()
    assert "试算政策 2026.1" in box.text() and "尚未保存" in box.text()
    box.close()
    assert "尚未保存" in window.show_help().browser.toPlainText()
