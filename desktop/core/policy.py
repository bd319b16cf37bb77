"""The credit policy as a typed, validated, versioned document.

``build_policy`` turns the plain mapping read from a policy file into a frozen
``Policy``. It checks everything at once and reports every problem, so a clerk editing the
file sees all mistakes in one go. Each problem (``PolicyProblem``) carries its key path
(``items.sales_12m.bands[2].range``, for the log and the command line), the place as a clerk
reads it (``place``: 评分项目“年交易额”第 3 档的区间) and what is wrong, as a catalogue message
(``desktop.messages``, ``policy.*``) worded in either language. Where a problem is in a file,
``desktop.io.policy_file`` adds the line number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

from desktop.core.exact import NEAR
from desktop.errors import PolicyError
from desktop.messages import CATALOGUE, Message

SCHEMA_VERSION = 1

# The data each scorecard item can be based on (what desktop.core.metrics computes).
NUMERIC_BASES = (
    "avg_days_late",
    "cooperation_years",
    "sales_12m",
    "sales_growth",
    "debt_ratio",
    "current_ratio",
    "registered_capital",
    "documents_missing",
)
CATEGORY_BASES = {"operating_status": ("good", "fair", "poor")}


def _m(code: str, **values: Any) -> Message:
    return Message(code, values)


@dataclass(frozen=True)
class Named(Message):
    """A value worded per language without a catalogue code: a name the policy file itself gives
    in both languages (an item's label_zh and label_en), or a list of names joined as each
    language lists them."""

    code: str = ""
    zh: str = ""
    en: str = ""

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def _names(names: Any) -> Named:
    names = [str(n) for n in names]
    return Named(zh="、".join(names), en=", ".join(names))


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong in a policy: its key path (the log, the command line), its line in the
    file (None when not known), what is wrong and the place as a clerk reads it (None: the file
    as a whole); ``detail`` is technical English (the TOML reader's words) for the log only."""

    path: str
    line: int | None
    message: Message
    where: Message | None = None
    detail: str = ""

    def technical(self) -> str:
        """The command line's and the log's words: key path, line, English message."""
        text = self.message.text("en") + (f" ({self.detail})" if self.detail else "")
        return f"{self.path}" + (f" (line {self.line})" if self.line else "") + f": {text}"

    def text(self, lang: str = "zh") -> str:
        """The problem in the clerk's words: place, what is wrong, the line of the file."""
        if self.where is None:
            if self.line:
                return _m("policy.problem_at_line", line=self.line, problem=self.message).text(lang)
            return self.message.text(lang)
        code = "policy.problem_line" if self.line else "policy.problem"
        return _m(code, where=self.where, problem=self.message, line=self.line).text(lang)


class IntervalError(ValueError):
    """A band's range that cannot be read; ``message`` says why (``str``: in English)."""

    def __init__(self, message: Message):
        super().__init__(message.text("en"))
        self.message = message


@dataclass(frozen=True)
class Interval:
    """A half-open (or closed) interval written as ``"[a, b)"``; infinite ends allowed."""

    lower: float
    upper: float
    lower_closed: bool
    upper_closed: bool
    text: str

    def contains(self, x: float) -> bool:
        """True when ``x`` lies in the interval (``inf`` only in a closed infinite end)."""
        above = x >= self.lower if self.lower_closed else x > self.lower
        below = x <= self.upper if self.upper_closed else x < self.upper
        return above and below

    def contains_exact(self, q: Fraction) -> bool:
        """The same test on an exact finite value, against the bounds as written."""
        lo, hi = self.bounds_exact
        above = lo is None or (q >= lo if self.lower_closed else q > lo)
        below = hi is None or (q <= hi if self.upper_closed else q < hi)
        return above and below

    @cached_property
    def near_lower(self) -> float:
        """How close to the lower bound a float must be for the exact test (-1: never)."""
        return NEAR * max(1.0, abs(self.lower)) if math.isfinite(self.lower) else -1.0

    @cached_property
    def near_upper(self) -> float:
        return NEAR * max(1.0, abs(self.upper)) if math.isfinite(self.upper) else -1.0

    @cached_property
    def bounds_exact(self) -> tuple[Fraction | None, Fraction | None]:
        """The bounds as the decimals written in the policy file (None = infinite)."""
        inner = self.text.strip()[1:-1].split(",")
        return tuple(None if math.isinf(v) else Fraction(t.strip())
                     for v, t in zip((self.lower, self.upper), inner))  # type: ignore[return-value]


_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,]+?)\s*,\s*([^\])]+?)\s*([\])])\s*$")
# A finite bound as a person writes it: 0, -0.2, 5000000, 1.5e6 (ASCII digits, no "_").
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE](?P<exp>[+-]?\d+))?", re.ASCII)
_INFINITE = {"-inf": -math.inf, "inf": math.inf, "+inf": math.inf}
BOUND_MAX = 10 ** 15  # far above any amount in 元 a policy compares with, far below float trouble
BOUND_DECIMALS = 20  # more decimals than any real band edge, few enough to write as a fraction


def _bound(text: str, whole: str, lower: bool) -> float:
    """One end of an interval: a decimal number within ±BOUND_MAX, -inf (lower end) or inf (upper)."""
    word = text.lower()
    if word in _INFINITE:
        value = _INFINITE[word]
        if (value > 0) == lower:
            raise IntervalError(_m("policy.range.inf_side", range=whole))
        return value
    if word in ("nan", "+nan", "-nan"):
        raise IntervalError(_m("policy.range.nan", range=whole, bound=text))
    m = _DECIMAL.fullmatch(text)
    if not m:
        raise IntervalError(_m("policy.range.not_number", range=whole))
    outside = IntervalError(_m("policy.range.outside", range=whole, bound=f"{text[:30]}{'…' if len(text) > 30 else ''}",
                               most=f"{BOUND_MAX:,}", decimals=BOUND_DECIMALS))
    # Checked before the exact value is built: 1e999999999 would take ages to expand.
    if len(text) > 60 or (m.group("exp") and len(m.group("exp").lstrip("+-")) > 3):
        raise outside
    exact = Fraction(text)
    if abs(exact) > BOUND_MAX or (exact * 10 ** BOUND_DECIMALS).denominator != 1:
        raise outside
    return float(text)


def parse_interval(text: str) -> Interval:
    """Parse ``"(0, 7]"``; raise IntervalError (a ValueError) with a readable reason otherwise."""
    m = _INTERVAL.match(text)
    if not m:
        raise IntervalError(_m("policy.range.syntax", range=text))
    lo_s, hi_s = m.group(2), m.group(3)
    lo, hi = _bound(lo_s, text, lower=True), _bound(hi_s, text, lower=False)
    # On the bounds as written: "[0.20000000000000001, 0.2]" is one float but no interval.
    if (lo if math.isinf(lo) else Fraction(lo_s)) > (hi if math.isinf(hi) else Fraction(hi_s)):
        raise IntervalError(_m("policy.range.reversed", range=text))
    iv = Interval(lo, hi, m.group(1) == "[", m.group(4) == "]", text.strip())
    if lo == hi and not (iv.lower_closed and iv.upper_closed):
        raise IntervalError(_m("policy.range.empty", range=text))
    return iv


@dataclass(frozen=True)
class Band:
    interval: Interval
    points: int


@dataclass(frozen=True)
class Item:
    """One scorecard item: where its data comes from and how that data earns points."""

    key: str
    label_zh: str
    label_en: str
    basis: str
    points: int
    missing_points: int
    bands: tuple[Band, ...] = ()
    categories: tuple[tuple[str, int], ...] = ()

    def place(self, value: Any) -> tuple[int, str, bool]:
        """Points and band of ``value`` by its float, and whether it lies within rounding
        distance of an edge of that band (then the exact value is in it or the next one, and
        ``score_exact`` decides; see ``desktop.core.exact``)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.missing_points, "missing", False
        if self.categories:
            for name, pts in self.categories:
                if name == value:
                    return pts, name, False
            return self.missing_points, "missing", False
        for lo, hi, lo_in, hi_in, near_lo, near_hi, points, text in self._band_rows:
            if (value >= lo if lo_in else value > lo) and (value <= hi if hi_in else value < hi):
                return points, text, abs(value - lo) <= near_lo or abs(value - hi) <= near_hi
        # Validation guarantees cover of every finite value; +-inf outside closed ends.
        return self.missing_points, "missing", False

    @cached_property
    def _band_rows(self) -> tuple[tuple, ...]:
        """Each band's bounds, closedness, rounding distances, points and text, unpacked once:
        ``place`` runs for every item of every customer."""
        return tuple((b.interval.lower, b.interval.upper, b.interval.lower_closed, b.interval.upper_closed,
                      b.interval.near_lower, b.interval.near_upper, b.points, b.interval.text) for b in self.bands)

    def score_exact(self, q: Fraction) -> tuple[int, str]:
        for band in self.bands:
            if band.interval.contains_exact(q):
                return band.points, band.interval.text
        return self.missing_points, "missing"


@dataclass(frozen=True)
class LevelDef:
    level: str
    label_zh: str
    min_score: int


@dataclass(frozen=True)
class ForceCRules:
    timeliness: bool
    timeliness_max_points: int
    operating_poor: bool
    revenue_decline: bool
    litigation: bool


@dataclass(frozen=True)
class CapRules:
    level: str
    new_customer: bool
    new_customer_min_orders: int
    new_customer_min_years: float
    documents: bool


@dataclass(frozen=True)
class GroupRules:
    """The group rules (集团客户, DOMAIN.md "Groups and related parties"): early warning caps
    the other members of a group at ``warning_level`` when one is forced to C; total-amount
    control holds a group's eligible limits to ``concentration_share`` of the run's total."""

    warning: bool = True
    warning_level: str = "B"
    concentration: bool = True
    concentration_share: float = 0.20


@dataclass(frozen=True)
class BacktestRules:
    """What makes a back-test case bad (回测, DOMAIN.md "Back-testing"): within ``horizon_months``
    of the assessment date, an invoice more than ``late_days`` past due with more than
    ``tolerance`` 元 unpaid."""

    horizon_months: int = 6
    late_days: int = 30
    tolerance: float = 100.0


@dataclass(frozen=True)
class TermRules:
    base_days: dict[str, int]
    new_customer_cash_orders: int
    require_agreement: bool
    require_documents: bool


@dataclass(frozen=True)
class LimitRules:
    factors: dict[str, float]
    round_down_to: int
    months_per_year: int
    days_per_month: int


@dataclass(frozen=True)
class Policy:
    """The whole credit policy. Levels are ordered best first."""

    schema_version: int
    name: str
    version: str
    description: str
    total_points: int
    items: tuple[Item, ...]
    levels: tuple[LevelDef, ...]
    force_c: ForceCRules
    cap: CapRules
    terms: TermRules
    limit: LimitRules
    sales_manager_max_days: int
    review_months: dict[str, int]
    aging_bucket_upper_days: tuple[int, ...]
    days_per_year: float
    group: GroupRules = GroupRules()  # a policy file without [rules.group] has them on, at 20 %
    backtest: BacktestRules = BacktestRules()  # a policy file without [backtest]: 6 months, 30 days, 100 元
    file_name: str = ""  # set by the file loader, shown in the audit sheet
    sha256: str = ""
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def item(self, key: str) -> Item:
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(key)

    def item_by_basis(self, basis: str) -> Item | None:
        return next((it for it in self.items if it.basis == basis), None)

    def level_for(self, total: float) -> str:
        for lv in self.levels:
            if total >= lv.min_score:
                return lv.level
        return self.levels[-1].level

    def rank(self, level: str) -> int:
        """0 for the best level; larger is worse."""
        return [lv.level for lv in self.levels].index(level)

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(lv.level for lv in self.levels)

    def aging_buckets(self) -> tuple[str, ...]:
        """Bucket labels: 'not_due', '1-30', ..., '>365'."""
        labels = ["not_due"]
        lo = 1
        for hi in self.aging_bucket_upper_days:
            labels.append(f"{lo}-{hi}")
            lo = hi + 1
        labels.append(f">{self.aging_bucket_upper_days[-1]}")
        return tuple(labels)


def _show(v: Any) -> Message | str:
    """A value as the message quotes it: short, in the file's spelling, never a traceback
    (``repr`` of a 5,000-digit integer raises; ``nan`` and ``true`` are named for what they are)."""
    if isinstance(v, bool):
        return _m("policy.value.bool", value="true" if v else "false")
    if isinstance(v, int):
        if v.bit_length() > 50:
            digits = len(str(abs(v))) if v.bit_length() < 14_000 else int(v.bit_length() * math.log10(2)) + 1
            return _m("policy.value.digits", sign="-" if v < 0 else "", digits=f"{digits:,}")
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return _m("policy.value.nan")
        if math.isinf(v):
            return _m("policy.value.inf" if v > 0 else "policy.value.minus_inf")
        return repr(v)
    if isinstance(v, str):
        return _m("policy.value.text", value=f'{v[:40]}{"…" if len(v) > 40 else ""}')
    if isinstance(v, (list, tuple)):
        return _m("policy.value.list")
    if isinstance(v, dict):
        return _m("policy.value.table")
    if hasattr(v, "isoformat"):  # a TOML date or time
        return _m("policy.value.date", value=v.isoformat())
    return _m("policy.value.other", kind=type(v).__name__)


def _fmt(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


@dataclass(frozen=True)
class _Num:
    """A number in the policy and the range it must lie in: finite, whole where it counts
    something, and within limits no real policy reaches that keep every computation (dates,
    whole-number limits, the results workbook) safe."""

    lo: int | float
    hi: int | float
    whole: bool = True
    unit: str = ""  # a policy.unit.* word: "days", "months", "points", ...
    decimals: int | None = None  # most decimal places allowed

    def allowed(self) -> Message:
        code = "policy.allowed." + ("whole" if self.whole else "number") + ("_unit" if self.unit else "")
        text = _m(code, lo=_fmt(self.lo), hi=_fmt(self.hi),
                  **({"unit": _m(f"policy.unit.{self.unit}")} if self.unit else {}))
        return text if self.decimals is None else _m("policy.allowed.decimals", allowed=text, decimals=self.decimals)

    def problem(self, v: Any) -> Message | None:
        """None when ``v`` is allowed, else the message (what is allowed, what the file has)."""
        number = not isinstance(v, bool) and (isinstance(v, int) or (not self.whole and isinstance(v, float)))
        if number and self.lo <= v <= self.hi:  # nan fails both comparisons
            if self.decimals is None or (Fraction(format(v, ".15g")) * 10 ** self.decimals).denominator == 1:
                return None
        return _m("policy.must_be", allowed=self.allowed(), got=_show(v))


class _Check:
    """Collects problems while walking the document; each problem has a key path."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, Message]] = []

    def add(self, path: str, message: Message) -> None:
        self.problems.append((path, message))

    def table(self, value: Any, path: str, allowed: dict[str, tuple[type | tuple, bool]]) -> dict:
        """Check a table's keys and value types; return it (or {} when not a table)."""
        if not isinstance(value, dict):
            self.add(path or "(top)", _m("policy.not_table", got=_show(value)))
            return {}
        for key in value:
            if key not in allowed:
                self.add(_join(path, key), _m("policy.unknown_key", allowed=_allowed_keys(path, allowed)))
        out = {}
        for key, (types, required) in allowed.items():
            if key not in value:
                if required:
                    self.add(_join(path, key), _m("policy.missing"))
                continue
            v = value[key]
            if isinstance(types, _Num):
                problem = types.problem(v)
                if problem:
                    self.add(_join(path, key), problem)
                    continue
            elif not _is_type(v, types):
                self.add(_join(path, key), _m("policy.wrong_type", expected=_type_name(types), got=_show(v)))
                continue
            out[key] = v
        return out

    def per_level(self, value: Any, path: str, levels: list[str], spec: _Num) -> dict:
        if not isinstance(value, dict):
            self.add(path, _m("policy.level_table"))
            return {}
        for key in value:
            if key not in levels:
                self.add(_join(path, key), _m("policy.unknown_level", levels=_names(levels)))
        out = {}
        for lv in levels:
            if lv not in value:
                self.add(_join(path, lv), _m("policy.missing"))
            elif problem := spec.problem(value[lv]):
                self.add(_join(path, lv), problem)
            else:
                out[lv] = value[lv]
        return out


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _allowed_keys(path: str, keys: Any) -> Named:
    """The keys a table may have: by their titles in Chinese (a clerk reads 满分, not points), as
    written in English."""
    if path.startswith("items.") and "bands[" in path:
        prefix = "band."
    elif path.startswith("items."):
        prefix = "item."
    elif path.startswith("levels["):
        prefix = "level."
    else:
        prefix = f"{path}." if path else ""
    titles = [CATALOGUE.get(f"policy.field.{prefix}{k}", (k, k))[0] for k in keys]
    return Named(zh="、".join(titles), en=", ".join(str(k) for k in keys))


def _is_type(v: Any, types: type | tuple) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(v, bool) and bool not in types:
        return False
    if float in types and isinstance(v, int) and not isinstance(v, bool):
        return True
    return isinstance(v, types)


def _type_name(types: type | tuple) -> Message:
    types = types if isinstance(types, tuple) else (types,)
    names = [_m(f"policy.type.{t.__name__}") if f"policy.type.{t.__name__}" in CATALOGUE
             else Named(zh=t.__name__, en=t.__name__) for t in types]
    out = names[0]
    for more in names[1:]:
        out = _m("policy.type.either", first=out, second=more)
    return out


def check_bands_cover(bands: list[Interval]) -> Message | None:
    """None when the intervals cover the real line exactly once, else the first problem."""
    if not bands:
        return _m("policy.bands.none")
    # On the bounds as written (exact fractions), as values are placed near an edge: two
    # bounds that are one float apart (0.1 and 0.10000000000000001) are a gap, not a meeting.
    inf = Fraction(10) ** 400  # above every bound a float can write
    lo = {id(iv): -inf if iv.bounds_exact[0] is None else iv.bounds_exact[0] for iv in bands}
    hi = {id(iv): inf if iv.bounds_exact[1] is None else iv.bounds_exact[1] for iv in bands}
    ordered = sorted(bands, key=lambda iv: (lo[id(iv)], not iv.lower_closed))
    if ordered[0].lower != -math.inf:
        return _m("policy.bands.below", band=ordered[0].text)
    for prev, nxt in zip(ordered, ordered[1:]):
        a, b = hi[id(prev)], lo[id(nxt)]
        if b < a or (b == a and prev.upper_closed and nxt.lower_closed):
            return _m("policy.bands.overlap", first=prev.text, second=nxt.text)
        if b > a or (not prev.upper_closed and not nxt.lower_closed):
            return _m("policy.bands.gap", first=prev.text, second=nxt.text)
    if ordered[-1].upper != math.inf:
        return _m("policy.bands.above", band=ordered[-1].text)
    return None


# The range of every number in the policy (see _Num). Wide enough for any real policy,
# narrow enough that no date, whole-number limit or workbook cell can overflow.
TOTAL_POINTS = _Num(1, 1000, unit="points")
ITEM_POINTS = _Num(0, 100, unit="points")
MIN_SCORE = _Num(0, 1000, unit="points")
TERM_DAYS = _Num(0, 3650, unit="days")  # ten years
REVIEW_MONTHS = _Num(1, 120, unit="months")  # at least monthly, at most every ten years
LIMIT_FACTOR = _Num(0, 100, whole=False, decimals=6)  # times the sales of the term; the default is 0 to 1.5
ROUND_DOWN_TO = _Num(1, 10_000_000, unit="cny")
MONTHS_PER_YEAR = _Num(1, 13, unit="months")  # 12, or 13 four-week periods
DAYS_PER_MONTH = _Num(1, 31, unit="days")
ORDER_COUNT = _Num(0, 1000, unit="orders")
YEARS = _Num(0, 100, whole=False, unit="years")
BUCKET_DAYS = _Num(1, 3650, unit="days")
MAX_BUCKETS = 20
DAYS_PER_YEAR = _Num(300, 400, whole=False, unit="days")  # 360, 365, 365.25, 366
GROUP_SHARE = _Num(0.01, 1, whole=False, decimals=4)  # a group's most of the run's total eligible limit
HORIZON_MONTHS = _Num(1, 60, unit="months")  # a back-test case's horizon
LATE_DAYS = _Num(0, 3650, unit="days")  # days past due that make a case bad
TOLERANCE = _Num(0, 1_000_000_000, whole=False, decimals=2, unit="cny")  # an unpaid residue ignored


def default_warning_level(names: list[str]) -> str:
    """The group warning's level when the policy file does not set it: B, or, for levels named
    otherwise, the one above the worst."""
    return "B" if not names or "B" in names else names[-2] if len(names) > 1 else names[-1]


def build_policy(doc: dict[str, Any]) -> Policy:
    """Validate ``doc`` (a parsed policy file) and return the Policy, or raise PolicyError.

    The PolicyError's problems carry key paths; the line is filled in by the file loader.
    """
    c = _Check()
    top = c.table(doc, "", {
        "schema_version": (int, True), "name": (str, True), "version": (str, True),
        "description": (str, False), "total_points": (TOTAL_POINTS, True), "items": (dict, True),
        "levels": (list, True), "rules": (dict, True), "terms": (dict, True),
        "limit": (dict, True), "approval": (dict, True), "review": (dict, True),
        "aging": (dict, True), "metrics": (dict, True), "backtest": (dict, False),
    })
    if "schema_version" in top and top["schema_version"] != SCHEMA_VERSION:
        c.add("schema_version", _m("policy.schema", expected=SCHEMA_VERSION, got=_show(top["schema_version"])))

    items = _build_items(c, top.get("items", {}), top.get("total_points"))
    levels = _build_levels(c, top.get("levels", []), top.get("total_points"))
    # The names as written, also of a level whose other keys are wrong: that one problem is
    # reported once, not again as an unknown level in every per-level table.
    names = [e["level"] for e in top.get("levels", []) if isinstance(e, dict) and isinstance(e.get("level"), str)] \
        if isinstance(top.get("levels"), list) else []

    rules = c.table(top.get("rules", {}), "rules", {"force_c": (dict, True), "cap": (dict, True),
                                                   "group": (dict, False)})
    fc = c.table(rules.get("force_c", {}), "rules.force_c", {
        "timeliness": (bool, True), "timeliness_max_points": (ITEM_POINTS, True),
        "operating_poor": (bool, True), "revenue_decline": (bool, True), "litigation": (bool, True)})
    timeliness = next((it for it in items if it.basis == "avg_days_late"), None)
    if timeliness is not None and fc.get("timeliness_max_points", 0) > timeliness.points:
        c.add("rules.force_c.timeliness_max_points",
              _m("policy.timeliness_max", points=timeliness.points, item=Named(zh=timeliness.label_zh,
                                                                               en=timeliness.label_en),
                 got=_show(fc.pop("timeliness_max_points"))))
    cap = c.table(rules.get("cap", {}), "rules.cap", {
        "level": (str, True), "new_customer": (bool, True), "new_customer_min_orders": (ORDER_COUNT, True),
        "new_customer_min_years": (YEARS, True), "documents": (bool, True)})
    if "level" in cap and names and cap["level"] not in names:
        c.add("rules.cap.level", _m("policy.cap_level", level=cap["level"], levels=_names(names)))

    # The group rules: optional (a policy written before them has them as the defaults say).
    group = c.table(rules.get("group", {}), "rules.group", {
        "warning": (bool, False), "warning_level": (str, False), "concentration": (bool, False),
        "concentration_share": (GROUP_SHARE, False)})
    if "warning_level" in group and names and group["warning_level"] not in names:
        c.add("rules.group.warning_level", _m("policy.cap_level", level=group.pop("warning_level"),
                                              levels=_names(names)))
    if "warning_level" not in group and names:
        group["warning_level"] = default_warning_level(names)

    terms = c.table(top.get("terms", {}), "terms", {
        "base_days": (dict, True), "new_customer_cash_orders": (ORDER_COUNT, True),
        "require_agreement": (bool, True), "require_documents": (bool, True)})
    base_days = c.per_level(terms.get("base_days", {}), "terms.base_days", names, TERM_DAYS)
    limit = c.table(top.get("limit", {}), "limit", {
        "factors": (dict, True), "round_down_to": (ROUND_DOWN_TO, True), "months_per_year": (MONTHS_PER_YEAR, True),
        "days_per_month": (DAYS_PER_MONTH, True)})
    factors = c.per_level(limit.get("factors", {}), "limit.factors", names, LIMIT_FACTOR)
    approval = c.table(top.get("approval", {}), "approval", {"sales_manager_max_days": (TERM_DAYS, True)})
    review = c.table(top.get("review", {}), "review", {"months": (dict, True)})
    review_months = c.per_level(review.get("months", {}), "review.months", names, REVIEW_MONTHS)
    aging = c.table(top.get("aging", {}), "aging", {"bucket_upper_days": (list, True)})
    buckets = aging.get("bucket_upper_days", [])
    if "bucket_upper_days" in aging:
        bad = [(i, p) for i, b in enumerate(buckets) if (p := BUCKET_DAYS.problem(b))]
        if not buckets:
            c.add("aging.bucket_upper_days", _m("policy.aging.empty"))
        elif len(buckets) > MAX_BUCKETS:
            c.add("aging.bucket_upper_days", _m("policy.aging.too_many", most=MAX_BUCKETS, count=f"{len(buckets):,}"))
        elif bad:
            for i, p in bad:
                c.add(f"aging.bucket_upper_days[{i}]", p)
        elif any(b >= a for a, b in zip(buckets[1:], buckets)):
            c.add("aging.bucket_upper_days", _m("policy.aging.increasing"))
    metrics = c.table(top.get("metrics", {}), "metrics", {"days_per_year": (DAYS_PER_YEAR, True)})
    # The back-test's outcome: optional (a policy written before it has the defaults).
    backtest = c.table(top.get("backtest", {}), "backtest", {
        "horizon_months": (HORIZON_MONTHS, False), "late_days": (LATE_DAYS, False), "tolerance": (TOLERANCE, False)})

    if c.problems:
        raise PolicyError("policy", [PolicyProblem(p, None, m, place(p, doc)) for p, m in c.problems])
    return Policy(
        schema_version=top["schema_version"], name=top["name"], version=top["version"],
        description=top.get("description", ""), total_points=top["total_points"],
        items=tuple(items), levels=tuple(levels),
        force_c=ForceCRules(**fc), cap=CapRules(**cap),
        terms=TermRules(base_days=base_days, new_customer_cash_orders=terms["new_customer_cash_orders"],
                        require_agreement=terms["require_agreement"],
                        require_documents=terms["require_documents"]),
        limit=LimitRules(factors={k: float(v) for k, v in factors.items()},
                         round_down_to=limit["round_down_to"],
                         months_per_year=limit["months_per_year"],
                         days_per_month=limit["days_per_month"]),
        sales_manager_max_days=approval["sales_manager_max_days"],
        review_months=review_months, aging_bucket_upper_days=tuple(buckets),
        days_per_year=float(metrics["days_per_year"]),
        group=GroupRules(**{k: float(v) if k == "concentration_share" else v for k, v in group.items()}),
        backtest=BacktestRules(**{k: float(v) if k == "tolerance" else v for k, v in backtest.items()}),
        source=doc,
    )


def _build_items(c: _Check, raw: dict, total_points: Any) -> list[Item]:
    items: list[Item] = []
    bases_seen: dict[str, str] = {}
    for key, value in raw.items():
        path = f"items.{key}"
        t = c.table(value, path, {
            "label_zh": (str, True), "label_en": (str, True), "basis": (str, True),
            "points": (ITEM_POINTS, True), "missing_points": (ITEM_POINTS, True), "bands": (list, False),
            "categories": (dict, False)})
        basis = t.get("basis")
        if basis is None:
            continue
        if basis in bases_seen:
            c.add(f"{path}.basis", _m("policy.basis_used", basis=basis, other=_item_name(raw, bases_seen[basis])))
        bases_seen[basis] = key
        # When the item's points are themselves wrong, only the general bound applies below.
        max_pts = t.get("points", ITEM_POINTS.hi)
        if "missing_points" in t and not 0 <= t["missing_points"] <= max_pts:
            c.add(f"{path}.missing_points", _m("policy.points_max", most=max_pts))
        bands: list[Band] = []
        cats: list[tuple[str, int]] = []
        if basis in CATEGORY_BASES:
            if "bands" in t:
                c.add(f"{path}.bands", _m("policy.categories_not_bands", basis=basis))
            raw_cats = t.get("categories")
            if raw_cats is None:
                c.add(f"{path}.categories", _m("policy.missing"))
            else:
                for name, pts in raw_cats.items():
                    if name not in CATEGORY_BASES[basis]:
                        c.add(f"{path}.categories.{name}",
                              _m("policy.unknown_category", allowed=_category_names(CATEGORY_BASES[basis])))
                    elif not _is_type(pts, int) or not 0 <= pts <= max_pts:
                        c.add(f"{path}.categories.{name}", _m("policy.category_points", most=max_pts, got=_show(pts)))
                    else:
                        cats.append((name, pts))
                for name in CATEGORY_BASES[basis]:
                    if name not in raw_cats:
                        c.add(f"{path}.categories.{name}", _m("policy.missing"))
            top_pts = max([p for _, p in cats] + [t.get("missing_points", 0)], default=0)
        elif basis in NUMERIC_BASES:
            if "categories" in t:
                c.add(f"{path}.categories", _m("policy.bands_not_categories", basis=basis))
            raw_bands = t.get("bands")
            if raw_bands is None:
                c.add(f"{path}.bands", _m("policy.missing"))
                raw_bands = []
            for i, b in enumerate(raw_bands):
                bp = f"{path}.bands[{i}]"
                bt = c.table(b, bp, {"range": (str, True), "points": (ITEM_POINTS, True)})
                if "range" not in bt or "points" not in bt:
                    continue
                try:
                    iv = parse_interval(bt["range"])
                except IntervalError as exc:
                    c.add(f"{bp}.range", exc.message)
                    continue
                if not 0 <= bt["points"] <= max_pts:
                    c.add(f"{bp}.points", _m("policy.points_max", most=max_pts))
                bands.append(Band(iv, bt["points"]))
            if bands and len(bands) == len(raw_bands):
                problem = check_bands_cover([b.interval for b in bands])
                if problem:
                    c.add(f"{path}.bands", problem)
            top_pts = max([b.points for b in bands] + [t.get("missing_points", 0)], default=0)
        else:
            c.add(f"{path}.basis", _m("policy.unknown_basis", basis=basis,
                                      allowed=_names(NUMERIC_BASES + tuple(CATEGORY_BASES))))
            continue
        # (Not when a band or category was itself refused: that problem is reported already.)
        complete = len(bands) == len(t.get("bands") or []) and len(cats) == len(t.get("categories") or {})
        if "points" in t and top_pts != max_pts and complete:
            c.add(f"{path}.points", _m("policy.best_band", most=max_pts, top=top_pts))
        if {"label_zh", "label_en", "points", "missing_points"} <= t.keys():
            items.append(Item(key, t["label_zh"], t["label_en"], basis, max_pts, t["missing_points"],
                              tuple(bands), tuple(cats)))
    if isinstance(total_points, int) and raw and len(items) == len(raw):
        total = sum(it.points for it in items)
        if total != total_points:
            c.add("items", _m("policy.points_total", total=total, total_points=total_points))
    return items


def _build_levels(c: _Check, raw: list, total_points: Any = None) -> list[LevelDef]:
    levels: list[LevelDef] = []
    if not isinstance(raw, list) or not raw:
        c.add("levels", _m("policy.levels.none"))
        return levels
    for i, entry in enumerate(raw):
        t = c.table(entry, f"levels[{i}]", {"level": (str, True), "label_zh": (str, True),
                                            "min_score": (MIN_SCORE, True)})
        if "min_score" in t and isinstance(total_points, int) and t["min_score"] > total_points:
            c.add(f"levels[{i}].min_score", _m("policy.levels.unreachable", score=_show(t["min_score"]),
                                               total_points=total_points))
            continue
        if len(t) == 3:
            levels.append(LevelDef(t["level"], t["label_zh"], t["min_score"]))
    if len(levels) != len(raw):
        return levels
    names = [lv.level for lv in levels]
    if len(set(names)) != len(names):
        c.add("levels", _m("policy.levels.unique"))
    for i, (a, b) in enumerate(zip(levels, levels[1:])):
        if b.min_score == a.min_score:
            c.add(f"levels[{i + 1}].min_score", _m("policy.levels.same_min", level=b.level, score=b.min_score,
                                                   other=a.level))
        elif b.min_score > a.min_score:
            c.add(f"levels[{i + 1}].min_score", _m("policy.levels.order", other=a.level, score=a.min_score))
    if levels[-1].min_score != 0:
        c.add(f"levels[{len(levels) - 1}].min_score", _m("policy.levels.lowest_zero"))
    return levels


# ---------------------------------------------------------------- places, as a clerk reads them

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
ITEM_FIELDS = ("label_zh", "label_en", "basis", "points", "missing_points", "bands", "categories")
LEVEL_FIELDS = ("level", "label_zh", "min_score")
PER_LEVEL = ("terms.base_days", "limit.factors", "review.months")  # tables with one value per level


def split_path(path: str) -> list[str | int]:
    """``"items.x.bands[2].range"`` -> ``["items", "x", "bands", 2, "range"]``."""
    return [int(i) if i else k for k, i in _PART.findall(path)]


def _get(doc: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int) and isinstance(doc, list) and 0 <= key < len(doc):
            doc = doc[key]
        elif isinstance(key, str) and isinstance(doc, dict) and key in doc:
            doc = doc[key]
        else:
            return None
    return doc


def _item_name(items: Any, key: str) -> Named:
    """An item as the file names it in each language (its key when it has no label)."""
    zh, en = _get(items, key, "label_zh"), _get(items, key, "label_en")
    return Named(zh=zh if isinstance(zh, str) and zh.strip() else key,
                 en=en if isinstance(en, str) and en.strip() else key)


def _category_names(names: Any) -> Named:
    words = [(n, CATALOGUE.get(f"policy.category.{n}", (n, n))) for n in names]
    return Named(zh="、".join(f"{n}（{w[0]}）" for n, w in words), en=", ".join(n for n, _ in words))


def category_word(name: str) -> Message:
    """良好 / good for "good"; an unknown category as written."""
    code = f"policy.category.{name}"
    return _m(code) if code in CATALOGUE else Named(zh=name, en=name)


def field_title(path: str) -> Message | None:
    """The title of a setting (``rules.cap.new_customer_min_years`` -> 新客户：合作年限少于（年）),
    None for a key the policy does not have."""
    code = f"policy.field.{path}"
    return _m(code) if code in CATALOGUE else None


def place(path: str, doc: Any, brief: bool = False) -> Message | None:
    """Where ``path`` is, as a clerk reads it: 评分项目“付款及时性”第 2 档的得分, 等级 AA 的最低总分;
    ``brief``: the short form of the list of differences (付款及时性 第 2 档 得分). None: the
    file as a whole (its encoding, its syntax)."""
    if path in ("(file)", "(syntax)"):
        return None
    parts = split_path(path)
    if not parts or path == "(top)":
        return _m("policy.where.top")
    head = parts[0]
    if head == "items" and len(parts) >= 2:
        return _item_place(parts[1:], _get(doc, "items"), brief)
    if head == "levels" and len(parts) >= 2 and isinstance(parts[1], int):
        i = parts[1]
        name = _get(doc, "levels", i, "level")
        level = {"level": name} if isinstance(name, str) and name else {"n": i + 1}
        if len(parts) == 2:
            return _m("policy.where.level" if "level" in level else "policy.where.level_n", **level)
        field = parts[2]
        if field in LEVEL_FIELDS and len(parts) == 3:
            return _level_field(level, _m(f"policy.field.level.{field}"), brief)
        return _unknown(_m("policy.where.level" if "level" in level else "policy.where.level_n", **level), parts[2:])
    for table in PER_LEVEL:
        keys = table.split(".")
        if parts[:2] == keys and len(parts) == 3 and isinstance(parts[2], str):
            return _level_field({"level": parts[2]}, _m(f"policy.field.{table}.level"), brief)
    if parts[:2] == ["aging", "bucket_upper_days"] and len(parts) == 3 and isinstance(parts[2], int):
        return _m("policy.where.bucket", n=parts[2] + 1)
    # a plain setting, or the longest part of the path that is one, and the key unknown in it
    for cut in range(len(parts), 0, -1):
        if any(isinstance(p, int) for p in parts[:cut]):
            continue
        title = field_title(".".join(str(p) for p in parts[:cut]))
        if title is not None:
            return title if cut == len(parts) else _unknown(title, parts[cut:])
    return _unknown(_m("policy.where.top"), parts)


def _level_field(level: dict, field: Message, brief: bool) -> Message:
    if "level" in level:
        return _m("policy.brief.level_field" if brief else "policy.where.level_field", field=field, **level)
    return _m("policy.where.level_n_field", field=field, **level)


def _item_place(parts: list, items: Any, brief: bool) -> Message:
    key = str(parts[0])
    item = _item_name(items, key)
    rest = parts[1:]
    whole = _m("policy.where.item", item=item)
    if not rest:
        return whole
    field = rest[0]
    if field == "bands" and len(rest) >= 2 and isinstance(rest[1], int):
        n = rest[1] + 1
        if len(rest) == 2:
            return _m("policy.where.band", item=item, n=n)
        if rest[2] in ("range", "points") and len(rest) == 3:
            return _m("policy.brief.band_field" if brief else "policy.where.band_field", item=item, n=n,
                      field=_m(f"policy.field.band.{rest[2]}"))
        return _unknown(_m("policy.where.band", item=item, n=n), rest[2:])
    if field == "categories" and len(rest) == 2:
        return _m("policy.brief.category" if brief else "policy.where.category", item=item,
                  category=category_word(str(rest[1])))
    if field in ITEM_FIELDS and len(rest) == 1:
        return _m("policy.brief.item_field" if brief else "policy.where.item_field", item=item,
                  field=_m(f"policy.field.item.{field}"))
    return _unknown(whole, rest)


def _unknown(parent: Message, rest: list) -> Message:
    """A key the policy does not have, named as written, in the place it was written."""
    key = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(rest))
    return _m("policy.where.key", parent=parent, key=key)
