"""The policy editor as a clerk uses it: Save as never touches the program's own folder, edits are
not thrown away without asking, every edit can be undone, every setting has a widget, problems and
differences read in the clerk's words, a file that failed to load opens with its problems, the
toolbar names the policy in use, and the editor fits a small screen. Signals, never sleeps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QRect, QStandardPaths, Qt  # noqa: E402
from PySide6.QtGui import QKeySequence  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QFileDialog, QMessageBox  # noqa: E402
from window_helpers import TIMEOUT, load, open_window  # noqa: E402

from desktop.io.policy_file import load_policy  # noqa: E402
from desktop.messages import english_sentences, has_cjk  # noqa: E402
from desktop.paths import default_policy_path, samples_dir, templates_dir  # noqa: E402
from desktop.ui.policy_editor import PolicyEditor, flatten  # noqa: E402

DEFAULT = default_policy_path().read_text(encoding="utf-8")
KEY_PATH = re.compile(r"\b[a-z]+_[a-z_]+\b|\w\[\d+\]|\b(?:items|levels|rules|terms|limit|review|aging)\.\w")


@pytest.fixture
def editor(qtbot):
    e = PolicyEditor(default_policy_path(), lang="zh")
    qtbot.addWidget(e)
    e.show()
    qtbot.waitExposed(e)
    return e


@pytest.fixture
def window(qtbot, qapp, tmp_path):
    w = open_window(qtbot, qapp, tmp_path)
    yield w
    w.close()


def documents() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation))


def answer_save_dialog(monkeypatch, path: Path | None) -> list[tuple]:
    """The Save as dialog answers ``path`` (None: cancelled); returns the calls it got."""
    calls: list[tuple] = []

    def fake(parent, caption, start, filters, *args, **kwargs):
        calls.append((caption, start, filters))
        return (str(path) if path else "", filters)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake))
    return calls


def a_policy_file(tmp_path: Path, name: str, *changes: tuple[str, str]) -> Path:
    text = DEFAULT
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ save as

def test_save_as_starts_in_the_documents_folder_and_refuses_the_programs_own_folder(editor, monkeypatch, tmp_path):
    shipped = default_policy_path()
    before = shipped.read_bytes()
    editor.levels.item(2, 1).setText("50")  # A: 50 days
    for refused in (shipped, shipped.with_name("新政策.toml"), shipped.parent.parent / "我的.toml"):
        calls = answer_save_dialog(monkeypatch, refused)
        assert editor._save_as() is False
        start = Path(calls[0][1])
        assert start.parent == documents() and start.suffix == ".toml"  # never the program's folder
        box = editor.message_box
        assert box is not None and box.isVisible()
        said = box.text().replace(str(templates_dir().resolve()), "")  # the folder's path as it is
        assert "不能保存到程序自带的文件夹" in said and not english_sentences(said)
        box.close()
        assert not refused.with_name("新政策.toml").exists() and not (shipped.parent.parent / "我的.toml").exists()
    assert shipped.read_bytes() == before  # default.toml never overwritten
    with pytest.raises(PermissionError):
        editor.save_to(shipped)
    assert shipped.read_bytes() == before

    target = documents() / "我的信用政策.toml"
    answer_save_dialog(monkeypatch, target)
    assert editor._save_as() is True
    assert load_policy(target).terms.base_days["A"] == 50
    assert "已保存到" in editor.status.text() and not editor.is_modified()
    # the next Save as starts at the clerk's own file
    calls = answer_save_dialog(monkeypatch, None)
    assert editor._save_as() is False and Path(calls[0][1]) == target


# ------------------------------------------------------------------ closing with changes

def test_closing_with_changes_asks_save_dont_save_or_cancel(qtbot, monkeypatch, tmp_path):
    def edited() -> PolicyEditor:
        e = PolicyEditor(default_policy_path(), lang="zh")
        qtbot.addWidget(e)
        e.show()
        qtbot.waitExposed(e)
        e.levels.item(1, 0).setText("85")
        assert e.is_modified()
        return e

    # unchanged: closes at once
    plain = PolicyEditor(default_policy_path(), lang="zh")
    qtbot.addWidget(plain)
    plain.show()
    with qtbot.waitSignal(plain.finished, timeout=TIMEOUT):
        plain.close()
    assert plain.discard_box is None

    # 取消: the editor stays, with its edits
    e = edited()
    e.close()
    box = e.discard_box
    assert box is not None and box.isVisible()
    words = {box.button(b).text() for b in (QMessageBox.StandardButton.Save, QMessageBox.StandardButton.Discard,
                                            QMessageBox.StandardButton.Cancel)}
    assert words == {"保存", "不保存", "取消"} and has_cjk(box.text())
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert e.isVisible() and e.is_modified()

    # Esc asks too; 不保存: closed, nothing written
    QTest.keyClick(e, Qt.Key.Key_Escape)
    assert e.discard_box is not box and e.discard_box.isVisible()
    with qtbot.waitSignal(e.finished, timeout=TIMEOUT):
        e.discard_box.button(QMessageBox.StandardButton.Discard).click()
    assert not e.isVisible()

    # 保存 and the Save as dialog cancelled: still open; saved: closed
    e = edited()
    e.close()
    answer_save_dialog(monkeypatch, None)
    e.discard_box.button(QMessageBox.StandardButton.Save).click()
    assert e.isVisible() and e.is_modified()
    target = tmp_path / "保存后关闭.toml"
    answer_save_dialog(monkeypatch, target)
    e.close()
    with qtbot.waitSignal(e.finished, timeout=TIMEOUT):
        e.discard_box.button(QMessageBox.StandardButton.Save).click()
    assert not e.isVisible() and load_policy(target).levels[1].min_score == 85


# ------------------------------------------------------------------ undo, redo, 恢复默认

def test_undo_and_redo_step_through_every_edit_and_restore_default_can_be_undone(editor, qtbot, tmp_path):
    texts = [editor.dump()]
    editor.levels.item(1, 0).setText("85")  # AA from 85
    texts.append(editor.dump())
    editor.items_list.setCurrentRow(0)
    editor.bands.item(1, 1).setText("26")  # payment timeliness, band 2
    texts.append(editor.dump())
    editor.fields["rules.force_c.litigation"].setChecked(False)
    texts.append(editor.dump())
    editor.fields["rules.cap.new_customer_min_years"].setValue(2.5)
    texts.append(editor.dump())
    assert len(set(texts)) == 5 and editor.undo_button.isEnabled() and not editor.redo_button.isEnabled()

    assert editor.act_undo.shortcut() == QKeySequence("Ctrl+Z")
    assert QKeySequence("Ctrl+Y") in editor.act_redo.shortcuts()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=TIMEOUT)
    QTest.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Z
    assert editor.dump() == texts[3]
    assert editor.fields["rules.cap.new_customer_min_years"].value() == 1.0  # the widget follows
    for expected in reversed(texts[:3]):
        editor.undo_button.click()
        assert editor.dump() == expected
    assert editor.dump() == DEFAULT and not editor.undo_button.isEnabled() and not editor.is_modified()
    assert editor.levels.item(1, 0).text() == "80" and editor.difference_list() == []
    QTest.keyClick(editor, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)  # Ctrl+Y
    assert editor.dump() == texts[1]
    for expected in texts[2:]:
        editor.redo_button.click()
        assert editor.dump() == expected
    assert not editor.fields["rules.force_c.litigation"].isChecked()
    assert not editor.redo_button.isEnabled()

    # 恢复默认 from a file of one's own, as one edit that undo takes back
    own = a_policy_file(tmp_path, "自己的.toml", ("AA = 60, A = 45", "AA = 75, A = 45"))
    mine = PolicyEditor(own, lang="zh")
    qtbot.addWidget(mine)
    assert mine.difference_list() == ["等级 AA 基准账期（天）：60 → 75"]
    mine.reset_button.click()
    assert mine.dump() == DEFAULT and mine.difference_list() == [] and mine.is_modified()
    assert not mine.reset_button.isEnabled()
    mine.undo()
    assert mine.dump() == own.read_text(encoding="utf-8") and not mine.is_modified()


# ------------------------------------------------------------------ every setting has its widget

def test_every_setting_of_the_policy_has_a_widget(editor):
    """Each value of the shipped policy: a field of its own, a cell of the items or levels tables."""
    covered = set(editor.fields)
    for path in flatten(editor.default):
        parts = path.split(".")
        if parts[0] == "items" and parts[2] in ("label_zh", "label_en", "basis", "points", "missing_points",
                                                "categories"):
            covered.add(path)
        elif parts[0] == "items" and re.fullmatch(r"bands\[\d+\]", parts[2]) and parts[3] in ("range", "points"):
            covered.add(path)
        elif parts[0].startswith("levels[") or path.rsplit(".", 1)[0] in ("terms.base_days", "limit.factors",
                                                                          "review.months"):
            covered.add(path)
        elif re.fullmatch(r"aging\.bucket_upper_days\[\d+\]", path):
            covered.add(path)
    assert set(flatten(editor.default)) - covered == {"schema_version"}  # the file format, not a setting


def test_the_new_customer_thresholds_are_editable_and_saved(editor, tmp_path):
    years = editor.fields["rules.cap.new_customer_min_years"]
    assert years.value() == 1.0
    years.setValue(1.5)
    editor.fields["rules.cap.new_customer_min_orders"].setValue(5)
    editor.fields["terms.require_documents"].setChecked(False)
    editor.fields["limit.days_per_month"].setValue(31)
    editor.fields["aging.bucket_upper_days"].setText("30, 60, 90, 120, 180, 365")
    editor.fields["aging.bucket_upper_days"].editingFinished.emit()
    assert editor.problem_texts() == []
    saved = editor.save_to(tmp_path / "新客户门槛.toml")
    again = load_policy(tmp_path / "新客户门槛.toml")
    for p in (saved, again):
        assert p.cap.new_customer_min_years == 1.5 and p.cap.new_customer_min_orders == 5
        assert p.terms.require_documents is False and p.limit.days_per_month == 31
        assert p.aging_bucket_upper_days == (30, 60, 90, 120, 180, 365)
    assert "新客户合作年限门槛（年，不足此数为新客户）：1 → 1.5" in editor.difference_list()


# ------------------------------------------------------------------ the clerk's words

def test_differences_are_worded_as_a_clerk_reads_them(editor):
    editor.items_list.setCurrentRow(0)  # 付款及时性
    editor.bands.item(1, 1).setText("26")
    editor.bands.item(1, 0).setText("(0, 8]")
    editor.bands.item(2, 0).setText("(8, 15]")
    editor.levels.item(1, 2).setText("1.3")  # AA's limit factor
    editor.fields["rules.cap.documents"].setChecked(False)
    editor.fields["limit.round_down_to"].setValue(10_000)
    assert editor.problem_texts() == []
    assert sorted(editor.difference_list()) == sorted([
        "付款及时性 第 2 档 得分：25 → 26",
        "付款及时性 第 2 档 区间：逾期 > 0 天且 ≤ 7 天 → 逾期 > 0 天且 ≤ 8 天",
        "付款及时性 第 3 档 区间：逾期 > 7 天且 ≤ 15 天 → 逾期 > 8 天且 ≤ 15 天",
        "等级 AA 额度系数：1.2 → 1.3",
        "关键资料不全封顶：是 → 否",
        "额度向下取整到（元）：1,000 → 10,000",
    ])
    for line in editor.difference_list():
        assert not KEY_PATH.search(line) and not english_sentences(line), line


def test_problems_typed_in_the_editor_name_the_place_and_line(editor):
    editor.levels.item(3, 3).setText("0")  # B reviewed every 0 months
    editor.levels.item(2, 0).setText("abc")  # A's minimum score as text
    shown = editor.problem_texts()
    line = next(n for n, s in enumerate(DEFAULT.splitlines(), 1) if s.startswith("months = "))
    assert f"等级 B 的复评周期（月）：应为 1 到 120 之间的整数（月），现为 0（第 {line} 行）" in shown
    assert any(s.startswith("等级 A 的最低总分：") and "文字“abc”" in s for s in shown)
    for s in shown:
        assert has_cjk(s) and not KEY_PATH.search(s) and not english_sentences(s), s
    assert not editor.save_button.isEnabled() and not editor.use_button.isEnabled()


# ------------------------------------------------------------------ a file that failed to load

BAD = (('{ range = "(0, 7]",    points = 25 }', '{ range = "(0, 8]",    points = 25 }'),  # overlaps (7, 15]
       ("min_score = 70", 'min_score = "70"'),  # text
       ("B = 0.8, C = 0.0", "B = nan, C = 0.0"),  # not a number
       ("round_down_to = 1000", "round_down_to = 1000\nroundup = true"))  # an unknown setting


def _assert_clerks_words(lines: list[str]) -> None:
    assert lines
    for line in lines:
        assert has_cjk(line) and not KEY_PATH.search(line) and english_sentences(line) == [], line


def test_a_policy_file_that_failed_to_load_opens_in_the_editor_with_its_problems(qtbot, window, tmp_path,
                                                                              monkeypatch):
    w = window
    bad = a_policy_file(tmp_path, "坏的政策.toml", *BAD)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(bad), "")))
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as failed:
        w.choose_policy()
    message, kind = failed.args
    assert kind == "policy" and w.policy_path != bad  # the bad file is not taken
    box = w._last_error_box
    assert box.isVisible() and "坏的政策.toml" in box.text() and "第 " in box.text()
    _assert_clerks_words(box.text().splitlines())
    w.open_failed_policy_button.click()
    editor = w._policy_editor
    qtbot.waitExposed(editor)
    assert editor.source_path == bad and editor.isVisible()
    shown = editor.problem_texts()
    assert len(shown) == 4
    _assert_clerks_words(shown)
    assert "评分项目“付款及时性”的分档：分档 (0, 8] 与 (7, 15] 重叠（第 18 行）" in shown
    assert any(s.startswith("额度设置中的“roundup”：无法识别的设置") for s in shown)
    # and it can be fixed there: the overlap undone by hand, the rest put right
    editor.items_list.setCurrentRow(0)
    editor.bands.item(1, 0).setText("(0, 7]")
    editor.levels.item(2, 0).setText("70")
    editor.levels.item(3, 2).setText("0.8")
    assert len(editor.problem_texts()) == 1  # the unknown setting stays until removed from the file
    editor.close()
    editor.discard_box.button(QMessageBox.StandardButton.Discard).click()


def test_a_file_that_is_not_a_policy_file_opens_with_its_line_and_can_start_from_the_default(qtbot, tmp_path):
    broken = tmp_path / "断了.toml"
    broken.write_text(DEFAULT.replace("total_points = 100", "total_points = = 100"), encoding="utf-8")
    editor = PolicyEditor(broken, lang="zh")
    qtbot.addWidget(editor)
    line = next(n for n, s in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1) if "= = 100" in s)
    assert editor.problem_texts() == [f"第 {line} 行：写法不符合政策文件的格式，请检查这一行的引号、括号、逗号和等号"]
    assert not editor.tabs.isEnabled() and not editor.save_button.isEnabled() and editor.reset_button.isEnabled()
    assert "恢复默认" in editor.status.text()
    editor.restore_default()
    assert editor.tabs.isEnabled() and editor.problem_texts() == [] and editor.save_button.isEnabled()
    editor.undo()
    assert not editor.tabs.isEnabled() and len(editor.problem_texts()) == 1


def test_an_invalid_policy_met_when_rating_offers_to_open_that_file(qtbot, window, tmp_path):
    w = window
    bad = a_policy_file(tmp_path, "评级时才发现.toml", *BAD[:2])
    w.policy_path = bad
    load(qtbot, w, sorted(samples_dir().iterdir()))
    with qtbot.waitSignal(w.failed, timeout=TIMEOUT) as failed:
        w.rate()
    assert failed.args[1] == "policy"
    qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
    box = w._last_error_box
    assert "评级时才发现.toml" in box.text() and "2 处问题" in box.text()
    _assert_clerks_words(box.text().splitlines())
    w.open_failed_policy_button.click()
    assert w._policy_editor.source_path == bad and len(w._policy_editor.problem_texts()) == 2


# ------------------------------------------------------------------ the toolbar names the policy

def test_the_toolbar_names_the_policy_file_in_use(qtbot, window, tmp_path, monkeypatch):
    w = window
    assert w.policy_label.text() == "政策：默认政策" and str(default_policy_path()) in w.policy_label.toolTip()
    editor = w.edit_policy()
    editor.levels.item(2, 1).setText("50")
    target = tmp_path / "华东区政策.toml"
    editor.save_to(target)
    editor.use_button.click()
    assert w.policy_label.text() == "政策：华东区政策.toml"
    assert w.policy_label.toolTip() == f"当前使用的政策：{target}"
    assert w.policy_path == target and w.settings.policy_path() == str(target)

    editor.levels.item(2, 1).setText("55")  # used without saving
    editor.use_button.click()
    assert w.policy_label.text() == "政策：华东区政策.toml（已修改，未保存）"
    assert str(target) in w.policy_label.toolTip() and "尚未保存" in w.policy_label.toolTip()
    editor.close()
    editor.discard_box.button(QMessageBox.StandardButton.Discard).click()

    other = a_policy_file(tmp_path, "另一份.toml", ("AA = 60, A = 45", "AA = 70, A = 45"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(other), "")))
    w.choose_policy()
    assert w.policy_label.text() == "政策：另一份.toml" and w.policy_label.toolTip() == f"当前使用的政策：{other}"
    w.switch_language("en")
    assert w.policy_label.text() == "Policy: 另一份.toml" and str(other) in w.policy_label.toolTip()


def test_saving_over_the_policy_file_in_use_makes_the_rating_out_of_date(qtbot, window, tmp_path, monkeypatch):
    """The rating was made with the file as it was; its SHA-256 in the export would no longer be the
    file's: export waits for F5."""
    from window_helpers import rate
    w = window
    mine = a_policy_file(tmp_path, "我的政策.toml", ("AA = 60, A = 45", "AA = 70, A = 45"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(mine), "")))
    w.choose_policy()
    load(qtbot, w, sorted(samples_dir().iterdir()))
    rate(qtbot, w)
    assert not w.stale
    editor = w.edit_policy()
    editor.levels.item(2, 1).setText("50")
    editor.save_to(mine)
    assert w.stale and not w.act_export.isEnabled()
    editor.close()


# ------------------------------------------------------------------ a small screen

@pytest.mark.parametrize("free", [QRect(0, 0, 960, 510), QRect(0, 0, 1366, 728)], ids=["200% on 1920x1080",
                                                                                      "1366x768"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_editor_fits_the_screen_with_its_buttons_in_reach(qtbot, monkeypatch, free, lang):
    import desktop.ui.screen as screen
    monkeypatch.setattr(screen, "free_area", lambda widget: QRect(free))
    editor = PolicyEditor(default_policy_path(), lang=lang)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    most = screen.largest(editor)
    for tab in range(editor.tabs.count()):
        editor.tabs.setCurrentIndex(tab)
        qtbot.waitUntil(lambda: editor.layout().geometry().isValid(), timeout=TIMEOUT)
        assert editor.width() <= most.width() and editor.height() <= most.height()
        assert free.contains(editor.geometry())
        assert editor.minimumSizeHint().height() <= editor.height()
        assert editor.minimumSizeHint().width() <= editor.width()
        for button in (editor.undo_button, editor.redo_button, editor.reset_button, editor.save_button,
                       editor.what_if_button, editor.use_button, editor.close_button):
            assert button.isVisible()
            at = QRect(button.mapTo(editor, button.rect().topLeft()), button.size())
            assert editor.rect().contains(at), (button.text(), at, editor.rect())
            assert button.width() >= button.minimumSizeHint().width(), button.text()
