"""Row issues are found in English where they are found and read in Chinese through one table;
the run-wide check (tests/conftest.py ``pytest_sessionfinish``) fails on any text without its
Chinese words. These tests show that check can fail and cover the texts the readers make."""

from __future__ import annotations

import conftest

from desktop.core.models import RowIssue
from desktop.io.writers.labels import issue_text
from desktop.messages import english_sentences, has_cjk


def test_a_row_issue_without_chinese_words_is_caught():
    RowIssue("a.xlsx", "Sheet1", 3, "B", "x", "a reader found something nobody worded", "row not used")
    try:
        missing = conftest.untranslated_row_issues()
        assert "a reader found something nobody worded" in missing
        assert "row not used" not in missing  # worded in the table: 该行未使用
    finally:
        conftest._ROW_ISSUE_TEXTS.pop("a reader found something nobody worded", None)


def test_values_inside_a_row_issue_are_kept_in_the_chinese_words():
    zh = issue_text("duplicate customer ID (also on row 7, 9)", "zh")
    assert zh == "客户编号重复（另见 7, 9 行）"
    assert has_cjk(zh) and not english_sentences(zh)
