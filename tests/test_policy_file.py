"""Policy loading: every number comes from the file, and each error names its key and line."""

from __future__ import annotations

import pytest

from desktop.errors import PolicyError
from desktop.io.policy_file import parse_policy
from desktop.paths import default_policy_path

TEXT = default_policy_path().read_text(encoding="utf-8")


def load(text: str):
    return parse_policy(text.encode("utf-8"), "p.toml")


def problems(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(PolicyError) as exc:
        load(text)
    return exc.value.problems


def line_of(fragment: str, text: str = TEXT) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_default_policy_matches_domain(policy):
    assert policy.total_points == 100
    assert [(i.key, i.points) for i in policy.items] == [
        ("payment_timeliness", 30), ("cooperation_years", 10), ("sales_12m", 15), ("sales_growth", 5),
        ("operating_status", 15), ("debt_ratio", 10), ("current_ratio", 5), ("registered_capital", 5),
        ("documents", 5)]
    assert [(lv.level, lv.min_score) for lv in policy.levels] == [("AAA", 90), ("AA", 80), ("A", 70), ("B", 60),
                                                                ("C", 0)]
    assert policy.terms.base_days == {"AAA": 90, "AA": 60, "A": 45, "B": 30, "C": 0}
    assert policy.limit.factors == {"AAA": 1.5, "AA": 1.2, "A": 1.0, "B": 0.8, "C": 0.0}
    assert policy.review_months == {"AAA": 12, "AA": 6, "A": 6, "B": 3, "C": 1}
    assert policy.aging_buckets() == ("not_due", "1-30", "31-60", "61-90", "91-180", "181-365", ">365")
    assert len(policy.sha256) == 64 and policy.file_name == "default.toml"


def test_a_changed_number_changes_the_rating_input():
    p = load(TEXT.replace("AA = 60, A = 45", "AA = 75, A = 45"))
    assert p.terms.base_days["AA"] == 75


def test_overlapping_bands_are_rejected_with_line():
    text = TEXT.replace('{ range = "(0, 7]",    points = 25 }', '{ range = "(0, 8]",    points = 25 }')
    (path, line, msg), = problems(text)
    assert path == "items.payment_timeliness.bands" and "overlap" in msg
    assert line == line_of("bands = [", text)


def test_gap_between_bands_is_rejected():
    text = TEXT.replace('{ range = "[1, 3)",    points = 6 }', '{ range = "(1, 3)",    points = 6 }')
    (path, _, msg), = problems(text)
    assert path == "items.cooperation_years.bands" and "gap" in msg and "[1, 3)" not in msg


def test_bounds_one_float_apart_are_a_gap_not_a_meeting():
    """Bands meet on the bound as written: 0.2 and 0.20000000000000001 are the same float but
    not the same number, and a value between them would be in no band."""
    text = TEXT.replace('{ range = "[0.2, inf)",   points = 5 }', '{ range = "[0.20000000000000001, inf)", points = 5 }')
    (path, _, msg), = problems(text)
    assert path == "items.sales_growth.bands" and "gap" in msg


def test_bands_must_reach_infinity():
    text = TEXT.replace('{ range = "[5000000, inf)",     points = 15 }', '{ range = "[5000000, 9e9)", points = 15 }')
    (path, _, msg), = problems(text)
    assert path == "items.sales_12m.bands" and "above" in msg


def test_points_must_add_up_to_the_total():
    text = TEXT.replace("total_points = 100", "total_points = 99")
    (path, line, msg), = problems(text)
    assert path == "items" and "100" in msg and "99" in msg


def test_unknown_key_and_wrong_type_name_path_and_line():
    text = TEXT.replace("round_down_to = 1000", 'round_down_to = "1000"\nround_up = true')
    found = {p: (line, msg) for p, line, msg in problems(text)}
    assert set(found) == {"limit.round_down_to", "limit.round_up"}
    assert found["limit.round_down_to"][0] == line_of('round_down_to = "1000"', text)
    assert "whole number" in found["limit.round_down_to"][1]
    assert found["limit.round_up"][0] == line_of("round_up = true", text)
    assert "unknown key" in found["limit.round_up"][1]


def test_band_points_above_item_points_and_bad_interval():
    text = TEXT.replace('{ range = "(0, 100)",    points = 1 }', '{ range = "(0, 100",    points = 1 }')
    text = text.replace('{ range = "(0.4, 0.6]",  points = 8 }', '{ range = "(0.4, 0.6]",  points = 11 }')
    found = {p: (line, msg) for p, line, msg in problems(text)}
    assert "items.registered_capital.bands[1].range" in found
    assert found["items.registered_capital.bands[1].range"][0] == line_of('"(0, 100",', text)
    assert "items.debt_ratio.bands[1].points" in found
    assert found["items.debt_ratio.bands[1].points"][0] == line_of('points = 11', text)


def test_levels_must_descend_and_cover_zero():
    text = TEXT.replace("min_score = 60", "min_score = 75")
    text = text.replace('level = "C"\nlabel_zh = "存在风险"\nmin_score = 0', 'level = "C"\nlabel_zh = "存在风险"\nmin_score = 5')
    paths = {p for p, _, _ in problems(text)}
    assert paths == {"levels[3].min_score", "levels[4].min_score"}


def test_levels_and_per_level_tables_must_agree():
    text = TEXT.replace("factors = { AAA = 1.5, AA = 1.2, A = 1.0, B = 0.8, C = 0.0 }",
                        "factors = { AAA = 1.5, AA = 1.2, A = 1.0, B = 0.8, D = 0.0 }")
    paths = {p for p, _, _ in problems(text)}
    assert paths == {"limit.factors.D", "limit.factors.C"}


def test_syntax_error_reports_line():
    text = TEXT.replace("total_points = 100", "total_points = = 100")
    (path, line, _), = problems(text)
    assert path == "(syntax)" and line == line_of("total_points = = 100", text)


def test_schema_version_is_checked():
    (path, _, msg), = problems(TEXT.replace("schema_version = 1", "schema_version = 2"))
    assert path == "schema_version" and "2" in msg
