"""Hostile and odd policy files: every number range-checked when the policy is loaded.

Each case is one small change to the shipped default policy text. A refused value is a
PolicyError naming the key path and its line, in words a finance clerk reads (what the
file has, what is allowed); never a traceback, in the loader, on the command line or in the
policy editor. The limits are far beyond any real policy, so the boundary values pass.
"""

from __future__ import annotations

import re
import time
from fractions import Fraction

import pytest

from desktop.errors import PolicyError
from desktop.io.policy_file import parse_policy
from desktop.paths import default_policy_path, samples_dir

TEXT = default_policy_path().read_text(encoding="utf-8")
HUGE = "1" + "0" * 400  # 10**400: a TOML integer Python reads, no policy value is near it


def change(old: str, new: str) -> str:
    assert TEXT.count(old) == 1, f"{old!r} is not one place in the default policy"
    return TEXT.replace(old, new)


def problems(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(PolicyError) as exc:
        parse_policy(text.encode("utf-8"), "p.toml")
    return exc.value.problems


def line_of(fragment: str | None, text: str) -> int:
    """The first line holding ``fragment``; None: the first line the change touched."""
    lines = text.splitlines()
    if fragment is None:
        return next(n for n, (a, b) in enumerate(zip(lines, TEXT.splitlines()), 1) if a != b)
    return next(n for n, line in enumerate(lines, 1) if fragment in line)


# (old text, new text, key path refused, a word of its message, fragment of the line named
# (None: the line changed))
REFUSED = [
    # review interval: a date 1,000,000 months ahead overflowed
    ("B = 3, C = 1 }", "B = 1000000, C = 1 }", "review.months.B", "1 to 120", None),
    ("B = 3, C = 1 }", "B = 3, C = 0 }", "review.months.C", "months", None),
    ("AAA = 12, AA = 6", "AAA = 121, AA = 6", "review.months.AAA", "120", None),
    ("AAA = 12, AA = 6", "AAA = 12.0, AA = 6", "review.months.AAA", "whole number", None),
    # limit factors: 1e308 overflowed the whole-number limit; nan changed ratings
    ("B = 0.8, C = 0.0", "B = 1e308, C = 0.0", "limit.factors.B", "0 to 100", None),
    ("AA = 1.2, A = 1.0", "AA = nan, A = 1.0", "limit.factors.AA", "not a number", None),
    ("AAA = 1.5, AA = 1.2", "AAA = inf, AA = 1.2", "limit.factors.AAA", "infinity", None),
    ("B = 0.8, C = 0.0", "B = 0.8, C = -0.5", "limit.factors.C", "0 to 100", None),
    ("B = 0.8, C = 0.0", "B = 0.8123456, C = 0.0", "limit.factors.B", "decimal places", None),
    ("B = 0.8, C = 0.0", 'B = "0.8", C = 0.0', "limit.factors.B", "without quotes", None),
    # terms and approval, in days
    ("AAA = 90, AA = 60", f"AAA = {HUGE}, AA = 60", "terms.base_days.AAA", "401 digits", None),
    ("B = 30, C = 0 }", "B = 30, C = -1 }", "terms.base_days.C", "0 to 3,650", None),
    ("A = 45, B = 30", 'A = "45", B = 30', "terms.base_days.A", "without quotes", None),
    ("A = 45, B = 30", "A = true, B = 30", "terms.base_days.A", "yes/no", None),
    ("sales_manager_max_days = 90", "sales_manager_max_days = 1000000", "approval.sales_manager_max_days",
     "3,650", None),
    ("new_customer_cash_orders = 3", "new_customer_cash_orders = -3", "terms.new_customer_cash_orders", "orders",
     None),
    # the limit arithmetic
    ("round_down_to = 1000", "round_down_to = 0", "limit.round_down_to", "1 to 10,000,000", None),
    ("round_down_to = 1000", "round_down_to = nan", "limit.round_down_to", "not a number", None),
    ("months_per_year = 12", "months_per_year = 0", "limit.months_per_year", "months", None),
    ("days_per_month = 30", "days_per_month = 1e308", "limit.days_per_month", "whole number", None),
    ("days_per_year = 365.25", "days_per_year = nan", "metrics.days_per_year", "not a number", None),
    ("days_per_year = 365.25", "days_per_year = -inf", "metrics.days_per_year", "300 to 400", None),
    ("days_per_year = 365.25", "days_per_year = 0.0001", "metrics.days_per_year", "300 to 400", None),
    # rules
    ("timeliness_max_points = 5", "timeliness_max_points = 31", "rules.force_c.timeliness_max_points",
     "30 points", None),
    ("timeliness_max_points = 5", "timeliness_max_points = -1", "rules.force_c.timeliness_max_points",
     "0 to 100", None),
    ("timeliness = true", "timeliness = 1", "rules.force_c.timeliness", "true or false", None),
    ("litigation = true", "litigation = 0", "rules.force_c.litigation", "true or false", None),
    ("new_customer_min_orders = 3", "new_customer_min_orders = true", "rules.cap.new_customer_min_orders",
     "yes/no", None),
    ("new_customer_min_years = 1.0", "new_customer_min_years = nan", "rules.cap.new_customer_min_years",
     "not a number", None),
    ("new_customer_min_years = 1.0", "new_customer_min_years = 1e308", "rules.cap.new_customer_min_years",
     "0 to 100", None),
    # points and totals
    ("total_points = 100", f"total_points = {HUGE}", "total_points", "digits", None),
    ("total_points = 100", "total_points = 0", "total_points", "1 to 1,000", None),
    ("points = 30\nmissing_points = 15", "points = 30.0\nmissing_points = 15", "items.payment_timeliness.points",
     "whole number", None),
    ("missing_points = 15", "missing_points = 1000000000", "items.payment_timeliness.missing_points", "0 to 100",
     None),
    ('{ range = "(0, 7]",    points = 25 }', '{ range = "(0, 7]",    points = nan }',
     "items.payment_timeliness.bands[1].points", "not a number", None),
    ("fair = 9, poor = 0", "fair = 9, poor = inf", "items.operating_status.categories.poor", "infinity", None),
    # band bounds: finite numbers, or -inf / inf at an open end
    ('{ range = "(0, 7]",', '{ range = "(0, nan]",', "items.payment_timeliness.bands[1].range", "not a number",
     None),
    ('{ range = "(90, inf)",', '{ range = "(90, 1e400)",', "items.payment_timeliness.bands[6].range",
     "1,000,000,000,000,000", None),
    ('{ range = "(90, inf)",', '{ range = "(90, -inf)",', "items.payment_timeliness.bands[6].range",
     "upper end", None),
    ('{ range = "(-inf, 0]", points = 30 }', '{ range = "(inf, 0]", points = 30 }',
     "items.payment_timeliness.bands[0].range", "lower end", None),
    ('{ range = "(0, 7]",', '{ range = "(0, 7e-30]",', "items.payment_timeliness.bands[1].range",
     "decimal places", None),
    ('{ range = "(0, 7]",', '{ range = "(0, 1e999999999]",', "items.payment_timeliness.bands[1].range",
     "cannot be a bound", None),
    ('{ range = "(0, 7]",', '{ range = "(0, 7_0]",', "items.payment_timeliness.bands[1].range", "numbers", None),
    # bands that leave a gap or overlap stay refused
    ('{ range = "(7, 15]",', '{ range = "(8, 15]",', "items.payment_timeliness.bands", "gap",
     "bands = ["),
    ('{ range = "(0, 7]",', '{ range = "(0, 8]",', "items.payment_timeliness.bands", "overlap", "bands = ["),
    # level minimums
    ("min_score = 90", "min_score = 101", "levels[0].min_score", "100 points", None),
    ("min_score = 80", "min_score = 90", "levels[1].min_score", "same minimum", None),
    ("min_score = 60", "min_score = 70", "levels[3].min_score", "same minimum", None),
    ("min_score = 90", "min_score = nan", "levels[0].min_score", "not a number", None),
    ("min_score = 70", "min_score = -70", "levels[2].min_score", "0 to 1,000", None),
    # aging buckets
    ("[30, 60, 90, 180, 365]", "[30, 60, 90, 180, 100000]", "aging.bucket_upper_days[4]", "3,650", None),
    ("[30, 60, 90, 180, 365]", "[0, 60, 90, 180, 365]", "aging.bucket_upper_days[0]", "1 to 3,650", None),
    ("[30, 60, 90, 180, 365]", "[30, nan, 90, 180, 365]", "aging.bucket_upper_days[1]", "not a number", None),
    ("[30, 60, 90, 180, 365]", "[" + ", ".join(str(d) for d in range(1, 22)) + "]", "aging.bucket_upper_days",
     "at most 20", None),
    ("[30, 60, 90, 180, 365]", "[30, 60, 60, 180, 365]", "aging.bucket_upper_days", "increasing", None),
    # the file as a whole
    ("schema_version = 1", f"schema_version = {HUGE}", "schema_version", "401 digits", None),
    ("round_down_to = 1000", "round_down_to = " + "9" * 5000, "(syntax)", "digits", None),
]


@pytest.mark.parametrize("old, new, path, word, fragment", REFUSED, ids=[c[2] + ":" + c[1][:24] for c in REFUSED])
def test_a_hostile_number_is_refused_with_its_key_and_line(old, new, path, word, fragment):
    text = change(old, new)
    start = time.perf_counter()
    found = problems(text)
    assert time.perf_counter() - start < 5  # 1e999999999 is not expanded digit by digit
    assert [p for p, _, _ in found] == [path], found  # this one problem, nothing else refused
    _, line, message = found[0]
    assert line == line_of(fragment, text)
    assert word in message, message
    assert "Traceback" not in message and len(message) < 300


def test_the_corpus_is_large_and_each_case_alone_would_load():
    """Each case's old text is in the default policy, which loads: the refusal is the change."""
    assert len(REFUSED) >= 20
    parse_policy(TEXT.encode("utf-8"), "p.toml")


# Boundary and ordinary values that must still load, with the value as written.
ACCEPTED = [
    ("B = 3, C = 1 }", "B = 120, C = 1 }", lambda p: p.review_months["B"] == 120),
    ("AAA = 12, AA = 6", "AAA = 1, AA = 6", lambda p: p.review_months["AAA"] == 1),
    ("AAA = 1.5, AA = 1.2", "AAA = 100, AA = 1.2", lambda p: p.limit.factors["AAA"] == 100),
    ("B = 0.8, C = 0.0", "B = 0, C = 0.0", lambda p: p.limit.factors["B"] == 0),
    ("B = 0.8, C = 0.0", "B = 0.812345, C = 0.0", lambda p: p.limit.factors["B"] == 0.812345),
    ("AAA = 90, AA = 60", "AAA = 3650, AA = 60", lambda p: p.terms.base_days["AAA"] == 3650),
    ("sales_manager_max_days = 90", "sales_manager_max_days = 0", lambda p: p.sales_manager_max_days == 0),
    ("round_down_to = 1000", "round_down_to = 10000000", lambda p: p.limit.round_down_to == 10_000_000),
    ("round_down_to = 1000", "round_down_to = 1", lambda p: p.limit.round_down_to == 1),
    ("months_per_year = 12", "months_per_year = 13", lambda p: p.limit.months_per_year == 13),
    ("days_per_month = 30", "days_per_month = 31", lambda p: p.limit.days_per_month == 31),
    ("days_per_year = 365.25", "days_per_year = 360", lambda p: p.days_per_year == 360),
    ("days_per_year = 365.25", "days_per_year = 400.0", lambda p: p.days_per_year == 400),
    ("timeliness_max_points = 5", "timeliness_max_points = 30", lambda p: p.force_c.timeliness_max_points == 30),
    ("new_customer_min_years = 1.0", "new_customer_min_years = 0", lambda p: p.cap.new_customer_min_years == 0),
    ("new_customer_min_orders = 3", "new_customer_min_orders = 1000", lambda p: p.cap.new_customer_min_orders == 1000),
    ("min_score = 90", "min_score = 100", lambda p: p.levels[0].min_score == 100),
    ("[30, 60, 90, 180, 365]", "[30, 60, 90, 180, 3650]", lambda p: p.aging_bucket_upper_days[-1] == 3650),
    ('{ range = "[5000000, inf)",     points = 15 }',
     '{ range = "[5000000, 1000000000000000)", points = 15 },\n  { range = "[1e15, inf)", points = 15 }',
     lambda p: p.item("sales_12m").bands[-2].interval.upper == 1e15),
    ('{ range = "(-inf, -0.2)", points = 0 },\n  { range = "[-0.2, 0)",',
     '{ range = "(-inf, -0.20000000000000000001)", points = 0 },\n  { range = "[-0.20000000000000000001, 0)",',
     lambda p: p.item("sales_growth").bands[0].interval.bounds_exact[1] == Fraction("-0.20000000000000000001")),
]


@pytest.mark.parametrize("old, new, check", ACCEPTED, ids=[c[1][:30] for c in ACCEPTED])
def test_boundary_values_still_load(old, new, check):
    policy = parse_policy(change(old, new).encode("utf-8"), "p.toml")
    assert check(policy)


def test_the_default_keeps_its_closed_infinite_end():
    """"[2.0, inf]" is in the shipped policy: inf as an open end stays allowed."""
    policy = parse_policy(TEXT.encode("utf-8"), "p.toml")
    assert policy.item("current_ratio").bands[-1].interval.text == "[2.0, inf]"


_NUMBER = re.compile(r"(?<=[=,\[] )(-?\d+(?:\.\d+)?)(?=[ ,\]}\n])")


@pytest.mark.parametrize("hostile", ["nan", "inf", "-inf", "1e308", "-1", HUGE, "true", '"5"', "[1]",
                                     "{ a = 1 }"])
def test_every_number_of_the_policy_refuses_a_hostile_value_without_traceback(hostile):
    """Each number of the default policy in turn replaced: a PolicyError (or, where the value
    is a fine one there, the policy), each problem with a line; never any other exception."""
    spots = list(_NUMBER.finditer(TEXT))
    assert len(spots) > 100
    refused = 0
    for m in spots:
        text = TEXT[:m.start()] + hostile + TEXT[m.end():]
        try:
            parse_policy(text.encode("utf-8"), "p.toml")
        except PolicyError as exc:
            refused += 1
            assert all(line for _, line, _ in exc.problems), exc.problems
    # Only -1 fits somewhere (a band bound inside a range text); everything else is refused.
    assert refused == len(spots) or hostile == "-1"


EDITED = [  # column of the levels table, text typed for level B, the same value written in the file
    (3, "1000000", "B = 3, C = 1 }", "B = 1000000, C = 1 }"),
    (3, "0", "B = 3, C = 1 }", "B = 0, C = 1 }"),
    (2, "1e308", "B = 0.8, C = 0.0", "B = 1e308, C = 0.0"),
    (2, "nan", "B = 0.8, C = 0.0", "B = nan, C = 0.0"),
    (2, "inf", "B = 0.8, C = 0.0", "B = inf, C = 0.0"),
    (1, HUGE, "B = 30, C = 0 }", f"B = {HUGE}, C = 0 }}"),
    (1, "30.5", "B = 30, C = 0 }", "B = 30.5, C = 0 }"),
    (1, "abc", "B = 30, C = 0 }", 'B = "abc", C = 0 }'),
    (0, "101", "min_score = 60", "min_score = 101"),
]


@pytest.mark.parametrize("column, typed, old, new", EDITED, ids=[c[1][:12] for c in EDITED])
def test_a_bad_value_typed_in_the_editor_gets_the_files_message(qtbot, column, typed, old, new):
    pytest.importorskip("PySide6")
    from desktop.ui.policy_editor import PolicyEditor

    editor = PolicyEditor(default_policy_path())
    qtbot.addWidget(editor)
    assert editor.problems.count() == 0 and editor.save_button.isEnabled()
    row = [str(lv["level"]) for lv in editor.doc["levels"]].index("B")
    editor.levels.item(row, column).setText(typed)
    with pytest.raises(PolicyError) as refused:
        parse_policy(change(old, new).encode("utf-8"), "p.toml")
    (problem,) = refused.value.issues
    assert editor.problem_texts() == [problem.text("zh")]  # the file's message, place and line, in Chinese
    assert not editor.save_button.isEnabled() and not editor.use_button.isEnabled()


def test_an_edge_value_typed_in_the_editor_is_valid(qtbot):
    pytest.importorskip("PySide6")
    from desktop.ui.policy_editor import PolicyEditor

    editor = PolicyEditor(default_policy_path())
    qtbot.addWidget(editor)
    row = [str(lv["level"]) for lv in editor.doc["levels"]].index("B")
    editor.levels.item(row, 3).setText("120")
    editor.levels.item(row, 2).setText("0")
    assert editor.problems.count() == 0 and editor.save_button.isEnabled()
    assert editor.policy.review_months["B"] == 120 and editor.policy.limit.factors["B"] == 0


def test_the_editor_opens_a_file_with_hostile_numbers(qtbot, tmp_path):
    pytest.importorskip("PySide6")
    from desktop.ui.policy_editor import PolicyEditor

    bad = tmp_path / "hostile.toml"
    bad.write_text(change("points = 30\nmissing_points = 15", f"points = nan\nmissing_points = {HUGE}")
                   .replace("round_down_to = 1000", "round_down_to = inf")
                   .replace("timeliness_max_points = 5", 'timeliness_max_points = "5"'), encoding="utf-8")
    editor = PolicyEditor(bad)
    qtbot.addWidget(editor)
    with pytest.raises(PolicyError) as refused:
        parse_policy(bad.read_bytes(), str(bad))
    assert {p for p, _, _ in refused.value.problems} == {
        "items.payment_timeliness.points", "items.payment_timeliness.missing_points", "limit.round_down_to",
        "rules.force_c.timeliness_max_points"}
    assert sorted(editor.problem_texts()) == sorted(refused.value.lines("zh"))
    assert not any("items." in t or "limit." in t for t in editor.problem_texts())
    assert not editor.save_button.isEnabled()


SAMPLES = sorted(str(p) for p in samples_dir().iterdir())


@pytest.mark.parametrize("old, new, path", [
    ("B = 3, C = 1 }", "B = 1000000, C = 1 }", "review.months.B"),
    ("B = 0.8, C = 0.0", "B = 1e308, C = 0.0", "limit.factors.B"),
    ("AA = 1.2, A = 1.0", "AA = nan, A = 1.0", "limit.factors.AA"),
    ("AAA = 90, AA = 60", f"AAA = {HUGE}, AA = 60", "terms.base_days.AAA"),
    ("round_down_to = 1000", "round_down_to = " + "9" * 5000, "(syntax)"),
])
def test_command_line_refuses_with_one_line(tmp_path, capsys, old, new, path):
    from desktop.cli import main

    policy = tmp_path / "p.toml"
    policy.write_text(change(old, new), encoding="utf-8")
    out = tmp_path / "o.xlsx"
    code = main(["score", *SAMPLES, "--policy", str(policy), "--out", str(out), "--no-register",
                 "--as-of", "2026-06-30"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and path in lines[0] and "(line " in lines[0], err
    assert not out.exists()


def test_command_line_rates_with_every_limit_at_its_edge(tmp_path, capsys):
    """The widest values allowed reach the dates, the limits and the workbook without overflow."""
    from desktop.cli import main

    text = TEXT
    for old, new in (("months = { AAA = 12, AA = 6, A = 6, B = 3, C = 1 }",
                      "months = { AAA = 120, AA = 120, A = 120, B = 120, C = 1 }"),
                     ("factors = { AAA = 1.5, AA = 1.2, A = 1.0, B = 0.8, C = 0.0 }",
                      "factors = { AAA = 100, AA = 99.999999, A = 0.000001, B = 100, C = 100 }"),
                     ("base_days = { AAA = 90, AA = 60, A = 45, B = 30, C = 0 }",
                      "base_days = { AAA = 3650, AA = 3650, A = 3650, B = 3650, C = 3650 }"),
                     ("round_down_to = 1000", "round_down_to = 1"), ("months_per_year = 12", "months_per_year = 1"),
                     ("days_per_month = 30", "days_per_month = 1"), ("days_per_year = 365.25", "days_per_year = 300"),
                     ("[30, 60, 90, 180, 365]", "[" + ", ".join(map(str, range(1, 20))) + ", 3650]")):
        assert text.count(old) == 1
        text = text.replace(old, new)
    policy = tmp_path / "edge.toml"
    policy.write_text(text, encoding="utf-8")
    out = tmp_path / "o.xlsx"
    code = main(["score", *SAMPLES, "--policy", str(policy), "--out", str(out), "--no-register",
                 "--as-of", "2026-06-30"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert out.exists() and "Traceback" not in captured.err
