"""Words in the workbooks we write, in Chinese (default) and English."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from desktop.core.policy import parse_interval
from desktop.messages import text as message
from desktop.messages.workbooks import BASIS_WORDS, CODE_WORDS, FIELD_WORDS, PARAMETER_WORDS  # noqa: F401
from desktop.messages.workbooks import LABELS as _LABELS


class Labels:
    """Label lookup for one language."""

    def __init__(self, lang: str = "zh"):
        if lang not in ("zh", "en"):
            raise ValueError(f"unknown language {lang!r} (zh or en)")
        self.lang = lang
        self._i = 0 if lang == "zh" else 1

    def __call__(self, key: str, *args: Any) -> str:
        text = _LABELS[key][self._i]
        return text.format(*args) if args else text

    def code(self, code: str) -> str:
        return f"{code} {CODE_WORDS[code][self._i]}" if code in CODE_WORDS else code

    def code_words(self, code: str) -> str:
        """A rule in words only ("关键资料不全，等级封顶"); the code itself where it has none."""
        return CODE_WORDS[code][self._i] if code in CODE_WORDS else code

    def rule(self, hit) -> str:
        """The data a rule hit fired on, as a sentence (see ``rule_sentence``)."""
        return rule_sentence(hit.code, hit.data, self.lang)

    def band(self, interval, basis: str | None = None) -> str:
        """A band of an item with ``basis`` as a clerk writes it (see ``band_words``): "逾期 > 7 天且
        ≤ 30 天", "≥ 5 年" (not "(7, 30]", "[5, inf)")."""
        return band_words(basis, interval, self.lang)

    def missing_band(self, basis: str | None) -> str:
        return missing_words(basis, self.lang)

    def scored_band(self, item, band: str) -> str:
        """The band an item's value fell in, in words: ``band`` is ``ItemScore.band`` (the band's
        range as the policy writes it, a category, or "missing")."""
        if band == "missing":
            return self.missing_band(item.basis)
        if item.categories:
            return self.word(band)
        interval = next((b.interval for b in item.bands if b.interval.text == band), band)
        return band_words(item.basis, interval, self.lang)

    def basis(self, key: str) -> str:
        return BASIS_WORDS[key][self._i] if key in BASIS_WORDS else key

    def parameter(self, key: str) -> str:
        return PARAMETER_WORDS[key][self._i] if key in PARAMETER_WORDS else key

    def word(self, key: str) -> str:
        return FIELD_WORDS[key][self._i] if key in FIELD_WORDS else key

    def item(self, item) -> str:
        return item.label_zh if self.lang == "zh" else item.label_en

    def level_label(self, lv) -> str:
        return f"{lv.level} {lv.label_zh}" if self.lang == "zh" else lv.level

    def aging(self, bucket: str) -> str:
        if bucket == "not_due":
            return self("aging.not_due")
        if bucket.startswith(">"):
            return self("aging.over", bucket[1:])
        return self("aging.days", bucket)

    def issue(self, text: str) -> str:
        return issue_text(text, self.lang)

    def yes_no(self, flag: bool) -> str:
        return self("yes") if flag else self("no")


# ---------------------------------------------------------------------------------------
# Bands and rule data as a clerk writes them: "逾期 > 7 天且 ≤ 30 天", "≥ 5 年", "≥ 100万元且 < 500万元",
# "订单 2 笔，少于 3 笔". One place for the window's detail pane, the workbooks, the forms and the
# policy editor's band list.


@dataclass(frozen=True)
class Measure:
    """How the bands of one basis read: the words around the comparison, its unit and how its
    numbers are written. Keyed by basis (what the data is), not by item: a value's unit follows
    from what desktop.core.metrics computes, whatever a policy calls its item."""

    zh: str = "{}"  # the words around the comparison ({}): "逾期 {}"
    en: str = "{}"
    unit_zh: str = ""  # after each number in Chinese: " 天"
    unit_en: tuple[str, str] = ("", "")  # after the last number in English: singular, plural
    kind: str = "number"  # number | percent | amount (元: ``scale`` 元 per unit of the data) | count
    scale: int = 1
    floor: int | None = None  # the least value the data takes: a band is not worded below it
    at_floor: tuple[str, str] | None = None  # the words for exactly the floor ("按时")
    missing: tuple[str, str] = ("缺失", "missing")


MEASURES: dict[str, Measure] = {
    # an amount-weighted average of max(0, days late): never below 0
    "avg_days_late": Measure("逾期 {}", "overdue {}", " 天", (" day", " days"), floor=0,
                             at_floor=("按时", "on time"), missing=("无付款记录", "no history")),
    "cooperation_years": Measure(unit_zh=" 年", unit_en=(" year", " years"), floor=0,
                                 missing=("无交易", "no trading")),
    "sales_12m": Measure(kind="amount"),  # 元; credit notes can make it negative
    "sales_growth": Measure("增长 {}", "growth {}", kind="percent", missing=("上年无交易", "no prior year")),
    "debt_ratio": Measure(kind="percent"),
    "current_ratio": Measure(),  # written as a number (1.5), as finance writes a current ratio
    "registered_capital": Measure(kind="amount", scale=10_000),  # held in 万元
    "documents_missing": Measure("缺 {}", "{} missing", " 项", kind="count", floor=0,
                                 at_floor=("齐全", "none missing")),
}


def _decimal(q: Fraction) -> str:
    """An exact decimal with thousands grouped (a policy's bounds are decimals): 1,000,000; 0.85."""
    sign, q = ("-" if q < 0 else ""), abs(q)
    places = 0
    while (q * 10 ** places).denominator != 1 and places < 30:
        places += 1
    whole, frac = divmod(round(q * 10 ** places), 10 ** places)
    return sign + f"{whole:,}" + (f".{frac:0{places}d}" if places else "")


def _bound_text(q: Fraction, m: Measure, lang: str, million: bool) -> str:
    if m.kind == "percent":
        return _decimal(q * 100) + "%"
    if m.kind == "amount":
        yuan = q * m.scale
        if lang == "zh":
            return f"{_decimal(yuan / 10_000)}万元" if yuan and yuan % 10_000 == 0 else f"{_decimal(yuan)}元"
        return _decimal(yuan / 1_000_000 if million else yuan)
    return _decimal(q) + (m.unit_zh if lang == "zh" else "")


def _unit_en(m: Measure, last: Fraction, million: bool) -> str:
    if m.kind == "amount":
        return " million CNY" if million else " CNY"
    return m.unit_en[0] if last == 1 else m.unit_en[1]


def band_words(basis: str | None, band: Any, lang: str = "zh") -> str:
    """A band as a clerk writes it, exact at its edges: "逾期 > 7 天且 ≤ 30 天" / "overdue > 7 and
    ≤ 30 days", "≥ 5 年", "≥ 100万元且 < 500万元" / "≥ 1 and < 5 million CNY", "> 85%", "按时".

    ``basis``: the item's basis (``Item.basis``; None or unknown: plain numbers). ``band``: an
    ``Interval`` or its text as the policy writes it ("(0, 7]"); text that is not an interval
    (a band being typed in the policy editor) comes back as it is. Which side an edge falls on is
    always said (≥ / > / ≤ / <); a count is said in whole numbers ("缺 1 项" for (0, 1]) and a band
    at the least value the data takes by its name ("按时" for (-inf, 0] days late)."""
    if isinstance(band, str):
        try:
            band = parse_interval(band)
        except ValueError:
            return band
    m = MEASURES.get(basis or "", Measure())
    i = 0 if lang == "zh" else 1
    lo, hi = band.bounds_exact
    lo_in, hi_in = band.lower_closed, band.upper_closed
    if m.kind == "count":  # the data is a whole number: (0, 1] is exactly 1
        lo_n = None if lo is None else (math.ceil(lo) if lo_in else math.floor(lo) + 1)
        hi_n = None if hi is None else (math.floor(hi) if hi_in else math.ceil(hi) - 1)
        if lo_n is None or hi_n is None or lo_n <= hi_n:  # (else no whole number in it: said as written)
            lo, hi = (None if lo_n is None else Fraction(lo_n)), (None if hi_n is None else Fraction(hi_n))
            lo_in = hi_in = True
    if m.floor is not None and lo is not None and (lo < m.floor or (lo == m.floor and lo_in)):
        lo = None  # nothing lies below the floor: "≥ 0" says nothing
    if lo is None and hi is None:
        return Labels(lang)("any_value")
    at_floor = lo is None and hi_in and m.floor is not None and hi == m.floor
    if at_floor and m.at_floor:
        return m.at_floor[i]
    finite = [q * m.scale for q in (lo, hi) if q is not None and q != 0]
    million = m.kind == "amount" and bool(finite) and all(q % 100_000 == 0 for q in finite)  # 0.1 million
    template = m.zh if lang == "zh" else m.en
    if at_floor or (lo is not None and lo == hi):  # one value: "缺 1 项", "0 年"
        value = hi if lo is None else lo
        text = _bound_text(value, m, lang, million)
        return template.format(text if lang == "zh" else text + _unit_en(m, value, million))
    parts = []
    if lo is not None:
        parts.append(f"{'≥' if lo_in else '>'} {_bound_text(lo, m, lang, million)}")
    if hi is not None:
        parts.append(f"{'≤' if hi_in else '<'} {_bound_text(hi, m, lang, million)}")
    if lang == "zh":
        return template.format("且 ".join(parts))
    return template.format(" and ".join(parts) + _unit_en(m, hi if hi is not None else lo, million))


def missing_words(basis: str | None, lang: str = "zh") -> str:
    """The band of an item without data: "缺失", or what no data means for it ("无付款记录")."""
    return MEASURES.get(basis or "", Measure()).missing[0 if lang == "zh" else 1]


def figure(v: float, decimals: int = 2) -> str:
    """A number as a clerk writes it: thousands grouped, at most ``decimals`` places, no trailing
    zeros (1,236,000; 1.56; 4.2)."""
    text = f"{v:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def amount(v: float) -> str:
    """An amount in 元 to the fen, whole ones without decimals: 1,236,000; 1,200.50."""
    text = f"{v:,.2f}"
    text = text[:-3] if text.endswith(".00") else text
    return "0" if text == "-0" else text


def percent(v: float, decimals: int = 1) -> str:
    """A ratio as a percentage: 0.352 -> 35.2%, 0.2 -> 20%."""
    return figure(v * 100, decimals) + "%"


SHOWN_MEMBERS = 5  # the forced members a group warning's sentence names; the rest are counted

_ONE = re.compile(r"(?<![\d.,])1 (order|year|day|document)s\b")


def rule_sentence(code: str, data: dict[str, Any], lang: str = "zh") -> str:
    """The data a rule fired on, as a sentence in ``lang`` from the catalogue's ``rule.*`` texts:
    "订单 2 笔，少于 3 笔；合作 0.56 年，不足 1 年" / "2 orders, fewer than 3; ...". Numbers as a
    clerk writes them, codes in words; a rule without a text of its own lists its values by name."""
    lab = Labels(lang)
    sep = "；" if lang == "zh" else "; "

    def listed(values: Any) -> str:
        values = values if isinstance(values, (list, tuple)) else [values]
        return ("、" if lang == "zh" else ", ").join(lab.word(str(v)) for v in values)

    def say(key: str, **values: Any) -> str:
        return message(key, lang, **values)

    d = data or {}
    try:
        if code == "FORCE_C_TIMELINESS":
            text = say("rule.FORCE_C_TIMELINESS", days=figure(d["avg_days_late"]), points=d["points"],
                       max_points=d["max_points"])
        elif code == "FORCE_C_OPERATING":
            text = say("rule.FORCE_C_OPERATING", status=lab.word(d.get("operating_status", "poor")))
        elif code == "FORCE_C_REVENUE_DECLINE":
            text = say("rule.FORCE_C_REVENUE_DECLINE", trend=lab.word(d.get("revenue_trend", "sustained_decline")))
        elif code == "FORCE_C_LITIGATION":
            text = say("rule.FORCE_C_LITIGATION")
        elif code == "CAP_A_NEW_CUSTOMER":
            text = sep.join(_new_customer(d, say))
        elif code in ("CAP_A_DOCUMENTS", "TERM_DOCUMENTS_INCOMPLETE"):
            text = say(f"rule.{code}", missing=listed(d["missing"]))
        elif code == "TERM_NEW_CUSTOMER_CASH":
            text = say("rule.TERM_NEW_CUSTOMER_CASH", orders=f"{d['orders']:,}", cash_orders=f"{d['cash_orders']:,}")
        elif code == "TERM_NO_AGREEMENT":
            text = say("rule.TERM_NO_AGREEMENT." + ("unknown" if d.get("agreement") is None else "no"))
        elif code == "CAP_B_GROUP_WARNING":
            names = d.get("names") or [None] * len(d["members"])
            who = [f"{n}（{m}）" if lang == "zh" and n else f"{n} ({m})" if n else str(m)
                   for m, n in zip(d["members"][:SHOWN_MEMBERS], names)]
            members = listed(who)
            if len(d["members"]) > SHOWN_MEMBERS:  # a group with many forced to C: the first, and how many
                members = say("rule.members_more", members=members, count=f"{len(d['members']):,}")
            text = say("rule.CAP_B_GROUP_WARNING", group=d["group"], members=members)
        elif code == "LIMIT_GROUP_CONCENTRATION":
            text = say("rule.LIMIT_GROUP_CONCENTRATION", group=d["group"], group_total=amount(d["group_total"]),
                       total=amount(d["total"]), share=percent(d["share"]), ceiling=amount(d["ceiling"]))
        else:
            text = _listed_values(d, lab)
    except (KeyError, TypeError, ValueError):  # data of another shape (a later version): its values by name
        text = _listed_values(d, lab)
    return text if lang == "zh" else _ONE.sub(r"1 \1", text)


def _new_customer(d: dict[str, Any], say) -> list[str]:
    """Why a customer is new: too few orders, too short a cooperation, or no trading known. The
    years are shown to as many places as it takes to stay below the threshold (0.9999, not 1.00)."""
    parts = []
    if d["orders"] < d["min_orders"]:
        parts.append(say("rule.CAP_A_NEW_CUSTOMER.orders", orders=f"{d['orders']:,}", min_orders=f"{d['min_orders']:,}"))
    years, least = d.get("cooperation_years"), d["min_years"]
    if years is None:
        parts.append(say("rule.CAP_A_NEW_CUSTOMER.no_trading"))
    elif years < least or not parts:
        shown = next((figure(years, n) for n in (2, 3, 4) if round(years, n) < least), None)
        if shown is not None:
            parts.append(say("rule.CAP_A_NEW_CUSTOMER.years", years=shown, min_years=figure(least, 4)))
        elif d.get("cooperation_days") is not None:
            parts.append(say("rule.CAP_A_NEW_CUSTOMER.days", days=f"{d['cooperation_days']:,}",
                             min_years=figure(least, 4)))
    return parts


def _listed_values(d: dict[str, Any], lab: Labels) -> str:
    """A rule's values by their names ("订单数：2；..."), for a rule without a sentence of its own."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return lab.yes_no(v)
        if isinstance(v, (int, float)):
            return figure(v, 4)
        if isinstance(v, (list, tuple)):
            return ("、" if lab.lang == "zh" else ", ").join(lab.word(str(x)) for x in v)
        return lab("none") if v is None else lab.word(str(v))

    colon, sep = ("：", "；") if lab.lang == "zh" else (": ", "; ")
    names = {k: (lab(k) if k in _LABELS else lab.word(k)) for k in d}
    return message("rule.other", lab.lang, detail=sep.join(f"{names[k]}{colon}{value(v)}" for k, v in d.items()))


from desktop.messages.rows import ISSUE_ZH as _ISSUE_ZH  # noqa: E402

_ISSUE_ZH_COMPILED = [(__import__("re").compile(f"^{p}$"), r) for p, r in _ISSUE_ZH]


def issue_text(text: str, lang: str) -> str:
    """A row problem or action in the reader's language (unknown texts stay as they are)."""
    if lang != "zh" or not text:
        return text
    for pattern, repl in _ISSUE_ZH_COMPILED:
        if pattern.match(text):
            return pattern.sub(repl, text)
    return text


_CODE_IN_TEXT = __import__("re").compile(r"\b(?:status|role)\.[a-z_]+\b")


def approval_text(code: str, args: tuple, lang: str) -> str:
    """A read-back problem or note in ``lang``: the catalogue's words, its values filled in (codes
    among them worded too: status.approved -> 已批准, field.total -> 总分)."""
    lab = Labels(lang)
    key = code if code.startswith("note.") else f"approval.{code}"

    def word(v: Any) -> Any:
        if isinstance(v, str):
            if v.startswith("field."):
                from desktop.core.forms import FACTS, INPUTS
                k = v[6:]
                if v in _LABELS:
                    return lab(v)
                if k in FACTS:
                    return FACTS[k][lab._i]
                if k in INPUTS:
                    return INPUTS[k][lab._i]
                if k.startswith("item:"):
                    return k[5:]
                return lab(k) if k in _LABELS else k
            return _CODE_IN_TEXT.sub(lambda m: lab(m.group(0)) if m.group(0) in _LABELS else m.group(0), v)
        if v is None:
            return ""
        if hasattr(v, "isoformat") and not isinstance(v, str):  # a date as the forms show it, 2026-12-30
            return v.isoformat()[:10]
        return v
    values = [word(a) for a in args]
    try:
        return lab(key).format(*values)
    except (KeyError, IndexError, ValueError, TypeError):  # a value of another type than the text expects
        plain = __import__("re").sub(r"\{(\d+)(?:![rsa])?(?::[^}]*)?\}", r"{\1}", lab(key))
        return plain.format(*[str(v) for v in values], *[""] * 9)
