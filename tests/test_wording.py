"""Bands, rule data and items read as a clerk writes them, in Chinese and in English: exact at
every cut point, no interval notation, no key names, no "key=value"."""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from fractions import Fraction
from html import unescape

import pytest
from builders import customer

from desktop.core.policy import parse_interval
from desktop.core.rating import customer_metrics, decide
from desktop.io.writers.labels import CODE_WORDS, FIELD_WORDS, Labels, band_words, rule_sentence
from desktop.messages import CATALOGUE, english_sentences

D = date(2026, 6, 30)

# Every band of the default policy, in order, as a clerk reads it: (Chinese, English).
BANDS = {
    "payment_timeliness": [
        ("按时", "on time"),
        ("逾期 > 0 天且 ≤ 7 天", "overdue > 0 and ≤ 7 days"),
        ("逾期 > 7 天且 ≤ 15 天", "overdue > 7 and ≤ 15 days"),
        ("逾期 > 15 天且 ≤ 30 天", "overdue > 15 and ≤ 30 days"),
        ("逾期 > 30 天且 ≤ 60 天", "overdue > 30 and ≤ 60 days"),
        ("逾期 > 60 天且 ≤ 90 天", "overdue > 60 and ≤ 90 days"),
        ("逾期 > 90 天", "overdue > 90 days"),
    ],
    "cooperation_years": [
        ("0 年", "0 years"),
        ("> 0 年且 < 1 年", "> 0 and < 1 year"),
        ("≥ 1 年且 < 3 年", "≥ 1 and < 3 years"),
        ("≥ 3 年且 < 5 年", "≥ 3 and < 5 years"),
        ("≥ 5 年", "≥ 5 years"),
    ],
    "sales_12m": [
        ("≤ 0元", "≤ 0 CNY"),
        ("> 0元且 < 50万元", "> 0 and < 0.5 million CNY"),
        ("≥ 50万元且 < 100万元", "≥ 0.5 and < 1 million CNY"),
        ("≥ 100万元且 < 200万元", "≥ 1 and < 2 million CNY"),
        ("≥ 200万元且 < 500万元", "≥ 2 and < 5 million CNY"),
        ("≥ 500万元", "≥ 5 million CNY"),
    ],
    "sales_growth": [
        ("增长 < -20%", "growth < -20%"),
        ("增长 ≥ -20%且 < 0%", "growth ≥ -20% and < 0%"),
        ("增长 ≥ 0%且 < 20%", "growth ≥ 0% and < 20%"),
        ("增长 ≥ 20%", "growth ≥ 20%"),
    ],
    "debt_ratio": [
        ("≤ 40%", "≤ 40%"),
        ("> 40%且 ≤ 60%", "> 40% and ≤ 60%"),
        ("> 60%且 ≤ 70%", "> 60% and ≤ 70%"),
        ("> 70%且 ≤ 85%", "> 70% and ≤ 85%"),
        ("> 85%", "> 85%"),
    ],
    "current_ratio": [
        ("< 1", "< 1"),
        ("≥ 1且 < 1.5", "≥ 1 and < 1.5"),
        ("≥ 1.5且 < 2", "≥ 1.5 and < 2"),
        ("≥ 2", "≥ 2"),
    ],
    "registered_capital": [  # held in 万元
        ("≤ 0元", "≤ 0 CNY"),
        ("> 0元且 < 100万元", "> 0 and < 1 million CNY"),
        ("≥ 100万元且 < 500万元", "≥ 1 and < 5 million CNY"),
        ("≥ 500万元且 < 1,000万元", "≥ 5 and < 10 million CNY"),
        ("≥ 1,000万元且 < 5,000万元", "≥ 10 and < 50 million CNY"),
        ("≥ 5,000万元", "≥ 50 million CNY"),
    ],
    "documents": [  # a count of documents missing: whole numbers
        ("齐全", "none missing"),
        ("缺 1 项", "1 missing"),
        ("缺 ≥ 2 项", "≥ 2 missing"),
    ],
}

MISSING = {"payment_timeliness": ("无付款记录", "no history"), "cooperation_years": ("无交易", "no trading"),
           "sales_growth": ("上年无交易", "no prior year")}

# Each cut point of the default policy: the value on the edge, how the band holding it says the
# edge (inclusive) and how the band on the other side says it (exclusive), in both languages.
CUTS = [
    ("payment_timeliness", "0", ("按时", "on time"), ("> 0 天", "> 0")),
    ("payment_timeliness", "7", ("≤ 7 天", "≤ 7"), ("> 7 天", "> 7")),
    ("payment_timeliness", "15", ("≤ 15 天", "≤ 15"), ("> 15 天", "> 15")),
    ("payment_timeliness", "30", ("≤ 30 天", "≤ 30"), ("> 30 天", "> 30")),
    ("payment_timeliness", "60", ("≤ 60 天", "≤ 60"), ("> 60 天", "> 60")),
    ("payment_timeliness", "90", ("≤ 90 天", "≤ 90"), ("> 90 天", "> 90")),
    ("cooperation_years", "0", ("0 年", "0 years"), ("> 0 年", "> 0")),
    ("cooperation_years", "1", ("≥ 1 年", "≥ 1"), ("< 1 年", "< 1")),
    ("cooperation_years", "3", ("≥ 3 年", "≥ 3"), ("< 3 年", "< 3")),
    ("cooperation_years", "5", ("≥ 5 年", "≥ 5"), ("< 5 年", "< 5")),
    ("sales_12m", "0", ("≤ 0元", "≤ 0"), ("> 0元", "> 0")),
    ("sales_12m", "500000", ("≥ 50万元", "≥ 0.5"), ("< 50万元", "< 0.5")),
    ("sales_12m", "1000000", ("≥ 100万元", "≥ 1"), ("< 100万元", "< 1")),
    ("sales_12m", "2000000", ("≥ 200万元", "≥ 2"), ("< 200万元", "< 2")),
    ("sales_12m", "5000000", ("≥ 500万元", "≥ 5"), ("< 500万元", "< 5")),
    ("sales_growth", "-0.2", ("≥ -20%", "≥ -20%"), ("< -20%", "< -20%")),
    ("sales_growth", "0", ("≥ 0%", "≥ 0%"), ("< 0%", "< 0%")),
    ("sales_growth", "0.2", ("≥ 20%", "≥ 20%"), ("< 20%", "< 20%")),
    ("debt_ratio", "0.4", ("≤ 40%", "≤ 40%"), ("> 40%", "> 40%")),
    ("debt_ratio", "0.6", ("≤ 60%", "≤ 60%"), ("> 60%", "> 60%")),
    ("debt_ratio", "0.7", ("≤ 70%", "≤ 70%"), ("> 70%", "> 70%")),
    ("debt_ratio", "0.85", ("≤ 85%", "≤ 85%"), ("> 85%", "> 85%")),
    ("current_ratio", "1", ("≥ 1", "≥ 1"), ("< 1", "< 1")),
    ("current_ratio", "1.5", ("≥ 1.5", "≥ 1.5"), ("< 1.5", "< 1.5")),
    ("current_ratio", "2", ("≥ 2", "≥ 2"), ("< 2", "< 2")),
    ("registered_capital", "0", ("≤ 0元", "≤ 0"), ("> 0元", "> 0")),
    ("registered_capital", "100", ("≥ 100万元", "≥ 1"), ("< 100万元", "< 1")),
    ("registered_capital", "500", ("≥ 500万元", "≥ 5"), ("< 500万元", "< 5")),
    ("registered_capital", "1000", ("≥ 1,000万元", "≥ 10"), ("< 1,000万元", "< 10")),
    ("registered_capital", "5000", ("≥ 5,000万元", "≥ 50"), ("< 5,000万元", "< 50")),
    ("documents", "0", ("齐全", "none missing"), ("缺 1 项", "1 missing")),
    ("documents", "1", ("缺 1 项", "1 missing"), ("缺 ≥ 2 项", "≥ 2 missing")),
]


def test_the_table_covers_every_item_and_band_of_the_default_policy(policy):
    assert [it.key for it in policy.items if it.bands] == list(BANDS)
    assert {k for k, *_ in CUTS} == set(BANDS)
    for it in policy.items:  # every finite edge of every item is a cut point of the table
        edges = {q for b in it.bands for q in b.interval.bounds_exact if q is not None}
        assert edges == {Fraction(v) for k, v, *_ in CUTS if k == it.key}, it.key


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("key", list(BANDS))
def test_every_band_of_the_default_policy(policy, key, lang):
    item, lab, i = policy.item(key), Labels(lang), 0 if lang == "zh" else 1
    got = [lab.band(b.interval, item.basis) for b in item.bands]
    assert got == [w[i] for w in BANDS[key]]
    # the band an item's value fell in (ItemScore.band: the range as written) reads the same
    assert [lab.scored_band(item, b.interval.text) for b in item.bands] == got
    assert lab.scored_band(item, "missing") == MISSING.get(key, ("缺失", "missing"))[i]
    for text in got:
        assert "inf" not in text and not re.search(r"[\[\](),]\s*$|^[\[(]", text) and "值" not in text


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("key,edge,inside,outside", CUTS, ids=[f"{k}@{v}" for k, v, *_ in CUTS])
def test_each_cut_point_is_said_on_its_side(policy, key, edge, inside, outside, lang):
    """The band holding the edge says it inclusively, its neighbour exclusively: never both."""
    item, i = policy.item(key), 0 if lang == "zh" else 1
    q = Fraction(edge)
    holding = [n for n, b in enumerate(item.bands) if b.interval.contains_exact(q)]
    assert len(holding) == 1
    n = holding[0]
    lo, hi = item.bands[n].interval.bounds_exact
    neighbour = n + 1 if hi == q else n - 1  # the band on the edge's other side
    words = [band_words(item.basis, b.interval, lang) for b in item.bands]
    if inside[i][0] in "≤≥":
        assert says(words[n], inside[i]) and not says(words[neighbour], inside[i]), (words[n], inside[i])
    else:  # the band is that one value ("按时", "0 年", "缺 1 项")
        assert words[n] == inside[i]
    assert says(words[neighbour], outside[i]) and not says(words[n], outside[i]), (words[neighbour], outside[i])


def says(words: str, part: str) -> bool:
    """``part`` is in ``words`` as a whole figure ("< 1" is not in "< 1.5")."""
    return re.search(re.escape(part) + r"(?![\d.,])", words) is not None


@pytest.mark.parametrize("text,zh,en", [
    # the same edges, each end open or closed: the sign says which
    ("[0, 7)", "逾期 < 7 天", "overdue < 7 days"),
    ("(0, 7)", "逾期 > 0 天且 < 7 天", "overdue > 0 and < 7 days"),
    ("[7, 30]", "逾期 ≥ 7 天且 ≤ 30 天", "overdue ≥ 7 and ≤ 30 days"),
    ("(7, 30]", "逾期 > 7 天且 ≤ 30 天", "overdue > 7 and ≤ 30 days"),
    ("[7, inf)", "逾期 ≥ 7 天", "overdue ≥ 7 days"),
    ("(7, inf)", "逾期 > 7 天", "overdue > 7 days"),
    ("(-inf, 7]", "逾期 ≤ 7 天", "overdue ≤ 7 days"),
    ("(-inf, 7)", "逾期 < 7 天", "overdue < 7 days"),
    ("[7, 7]", "逾期 7 天", "overdue 7 days"),
    ("(0.5, 1]", "逾期 > 0.5 天且 ≤ 1 天", "overdue > 0.5 and ≤ 1 day"),
    ("(-inf, inf)", "任意值", "any value"),
])
def test_open_and_closed_ends(text, zh, en):
    assert (band_words("avg_days_late", text, "zh"), band_words("avg_days_late", text, "en")) == (zh, en)


@pytest.mark.parametrize("basis,text,zh,en", [
    ("documents_missing", "[0, 1)", "齐全", "none missing"),
    ("documents_missing", "[1, 2)", "缺 1 项", "1 missing"),
    ("documents_missing", "[2, inf)", "缺 ≥ 2 项", "≥ 2 missing"),
    ("documents_missing", "(0.5, 2.5)", "缺 ≥ 1 项且 ≤ 2 项", "≥ 1 and ≤ 2 missing"),
    ("registered_capital", "[0.5, 150)", "≥ 5,000元且 < 150万元", "≥ 5,000 and < 1,500,000 CNY"),
    ("registered_capital", "[7, 150)", "≥ 7万元且 < 150万元", "≥ 70,000 and < 1,500,000 CNY"),
    ("sales_12m", "[1234.56, 1000000)", "≥ 1,234.56元且 < 100万元", "≥ 1,234.56 and < 1,000,000 CNY"),
    ("sales_12m", "[1500000, 2500000)", "≥ 150万元且 < 250万元", "≥ 1.5 and < 2.5 million CNY"),
    ("debt_ratio", "(0.125, 0.5]", "> 12.5%且 ≤ 50%", "> 12.5% and ≤ 50%"),
    ("cooperation_years", "[0, 1)", "< 1 年", "< 1 year"),
    ("cooperation_years", "[0.5, 1)", "≥ 0.5 年且 < 1 年", "≥ 0.5 and < 1 year"),
    (None, "(0, 7]", "> 0且 ≤ 7", "> 0 and ≤ 7"),
])
def test_units_and_whole_numbers(basis, text, zh, en):
    assert (band_words(basis, text, "zh"), band_words(basis, text, "en")) == (zh, en)


def test_a_band_being_typed_comes_back_as_typed():
    """The policy editor shows what the clerk typed until it is an interval."""
    assert band_words("avg_days_late", "(0, 7", "zh") == "(0, 7"
    assert band_words("avg_days_late", parse_interval("(0, 7]"), "zh") == "逾期 > 0 天且 ≤ 7 天"


# ------------------------------------------------------------------ rule data as sentences

def _metrics(policy, **kw):
    base = customer_metrics(customer(), {"orders": 14, "sales_12m": 2_400_000.0, "sales_prev_12m": 2_100_000.0,
                                         "avg_days_late": 4.2}, policy, D)
    return dataclasses.replace(base, **kw)


def _hits(policy) -> dict[str, list]:
    """Every rule the engine fires, with the data it records, from customers built to fire it."""
    cases = [
        (customer(operating_status="poor", revenue_trend="sustained_decline", sued_by_suppliers=True,
                  license=False, agreement=False), _metrics(policy, avg_days_late=75.0)),
        (customer(license=None, tax_registration=False, agreement=None), _metrics(policy)),
        (customer(), _metrics(policy, orders=2)),
        (customer(), _metrics(policy, orders=1, cooperation_years=0.5612, cooperation_days=205)),
        (customer(), _metrics(policy, cooperation_years=None, cooperation_days=None)),
        (customer(first_trade_date=date(2025, 7, 1)), _metrics(policy, cooperation_years=364 / 365.25,
                                                              cooperation_days=364)),
    ]
    hits: dict[str, list] = {}
    for c, m in cases:
        d = decide(c, m, policy, D)
        for h in (*d.overrides, *d.caps, *d.term_rules):
            hits.setdefault(h.code, []).append(h.data)
    # the group rules (集团客户) with the data DOMAIN.md names for them
    hits["CAP_B_GROUP_WARNING"] = [{"group": "远大集团", "members": ["远大机械有限公司", "远大贸易有限公司"]}]
    hits["LIMIT_GROUP_CONCENTRATION"] = [{"group": "远大集团", "group_total": 1_236_000.0, "total": 3_500_000.0,
                                          "share": 0.2, "ceiling": 700_000.0}]
    return hits


def test_every_rule_code_has_a_template(policy):
    codes = set(CODE_WORDS) | {"CAP_B_GROUP_WARNING", "LIMIT_GROUP_CONCENTRATION"}
    templates = {k.split(".")[1] for k in CATALOGUE if k.startswith("rule.")}
    assert codes <= templates, codes - templates
    assert set(_hits(policy)) == codes  # and the cases below fire every one of them


def test_every_rule_reads_as_a_sentence_in_both_languages(policy):
    keys = {it.key for it in policy.items} | {it.basis for it in policy.items} | set(FIELD_WORDS)
    for code, datas in _hits(policy).items():
        for data in datas:
            keys |= set(data)
            zh, en = rule_sentence(code, data, "zh"), rule_sentence(code, data, "en")
            for text in (zh, en):
                assert text and "=" not in text and "None" not in text and "True" not in text, (code, text)
            assert english_sentences(zh) == [], (code, zh)
            assert not any(k in zh for k in keys), (code, zh)
            assert not any(k in en for k in keys if "_" in k), (code, en)


@pytest.mark.parametrize("code,data,zh,en", [
    ("CAP_A_NEW_CUSTOMER", {"orders": 2, "min_orders": 3, "cooperation_years": 1.56, "cooperation_days": 570,
                            "min_years": 1.0}, "订单 2 笔，少于 3 笔", "2 orders, fewer than 3"),
    ("CAP_A_NEW_CUSTOMER", {"orders": 1, "min_orders": 3, "cooperation_years": 0.5612, "cooperation_days": 205,
                            "min_years": 1.0}, "订单 1 笔，少于 3 笔；合作 0.56 年，不足 1 年",
     "1 order, fewer than 3; 0.56 years of cooperation, less than 1"),
    # shown to as many places as it takes to stay below the threshold, else in days
    ("CAP_A_NEW_CUSTOMER", {"orders": 14, "min_orders": 3, "cooperation_years": 0.9999, "cooperation_days": 365,
                            "min_years": 1.0}, "合作 0.9999 年，不足 1 年", "0.9999 years of cooperation, less than 1"),
    ("CAP_A_NEW_CUSTOMER", {"orders": 14, "min_orders": 3, "cooperation_years": 1.0, "cooperation_days": 365,
                            "min_years": 1.0}, "合作 365 天，不足 1 年", "365 days of cooperation, less than 1 year"),
    ("CAP_A_NEW_CUSTOMER", {"orders": 14, "min_orders": 3, "cooperation_years": 1.5, "cooperation_days": 548,
                            "min_years": 2.0}, "合作 1.5 年，不足 2 年", "1.5 years of cooperation, less than 2"),
    ("FORCE_C_TIMELINESS", {"avg_days_late": 65.25, "points": 5, "max_points": 5},
     "加权平均逾期 65.25 天，付款及时性得 5 分，不高于 5 分",
     "65.25 days late on average: timeliness earns 5 points, at most 5"),
    ("TERM_NEW_CUSTOMER_CASH", {"orders": 1, "cash_orders": 3}, "订单 1 笔，前 3 笔款到发货",
     "1 order: the first 3 are cash before delivery"),
    ("CAP_A_DOCUMENTS", {"missing": ["license", "org_code"]}, "缺少营业执照、组织机构代码证",
     "missing: licence, organisation code"),
    ("TERM_NO_AGREEMENT", {"agreement": False}, "未签订年度合作协议", "no signed annual agreement"),
    ("LIMIT_GROUP_CONCENTRATION", {"group": "远大集团", "group_total": 1_236_000.0, "total": 3_500_000.0,
                                   "share": 0.352, "ceiling": 700_000.0},
     "集团“远大集团”可授信额度合计 1,236,000 元，超过全部客户总量控制前合计 3,500,000 元的 35.2%（上限 700,000 元）",
     "group 远大集团: eligible limits add up to 1,236,000 CNY, above 35.2% of the 3,500,000 CNY of all customers "
     "(ceiling 700,000 CNY)"),
])
def test_rule_sentences(code, data, zh, en):
    assert (rule_sentence(code, data, "zh"), rule_sentence(code, data, "en")) == (zh, en)


def test_a_rule_of_a_later_version_lists_its_values_by_name():
    assert rule_sentence("SOMETHING_NEW", {"orders": 2, "open_ar": 1_236_000.0}, "zh") == "订单数：2；应收余额(元)：1,236,000"
    assert "=" not in rule_sentence("FORCE_C_TIMELINESS", {"unexpected": 1}, "en")


# ------------------------------------------------------------------ the detail pane

@pytest.fixture(scope="module")
def sample_decisions(samples):
    from desktop import services
    from desktop.io.policy_file import load_policy
    from desktop.session import ImportRequest

    policy = load_policy()
    imported = services.import_inputs(ImportRequest(files=tuple(samples), as_of=D))
    return policy, services.rate_imported(imported, policy, D, list(samples)).rating.decisions


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_detail_pane_has_no_key_names_no_equals_no_inf(sample_decisions, lang):
    from desktop.ui.detail import detail_html

    policy, decisions = sample_decisions
    assert len(decisions) == 42
    underscored = {it.key for it in policy.items} | {it.basis for it in policy.items} | {
        k for d in decisions for h in (*d.overrides, *d.caps, *d.term_rules) for k in h.data}
    fired = set()
    for d in decisions:
        html = detail_html(d, policy, lang)
        text = unescape(re.sub(r"<[^>]+>", " ", html))  # what the pane shows, without the markup
        fired |= {h.code for h in (*d.overrides, *d.caps, *d.term_rules)}
        assert "=" not in text and not re.search(r"\binf\b", text), d.customer_id
        assert not any(k in text for k in underscored if "_" in k or lang == "zh"), d.customer_id
        if lang == "zh":
            assert english_sentences(text) == [], (d.customer_id, english_sentences(text))
            assert not any(k in text for k in FIELD_WORDS), d.customer_id
    assert {"CAP_A_NEW_CUSTOMER", "TERM_NEW_CUSTOMER_CASH"} <= fired  # the samples do fire rules with data


def test_the_detail_pane_words_the_worked_example(sample_decisions):
    from desktop.ui.detail import detail_html

    policy, decisions = sample_decisions
    html = unescape(detail_html(next(d for d in decisions if d.customer_id == "C0007"), policy, "zh"))
    assert "逾期 > 0 天且 ≤ 7 天" in html and "≥ 5 年" in html and "≥ 200万元且 < 500万元" in html
    assert "付款及时性" in html and "payment_timeliness" not in html
