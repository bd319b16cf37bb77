"""The credit policy as a typed, validated, versioned document.

``build_policy`` turns the plain mapping read from a policy file into a frozen
``Policy``. It checks everything at once and reports every problem with its key path
(``items.sales_12m.bands[2].range``), so a clerk editing the file sees all mistakes in
one go. Where a problem is in a file, ``desktop.io.policy_file`` adds the line number.
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
            raise ValueError(f"{whole!r}: only the lower end of a band can be -inf and only the upper end inf")
        return value
    if word in ("nan", "+nan", "-nan"):
        raise ValueError(f"{whole!r}: {text} is not a number; bounds must be numbers, -inf or inf")
    m = _DECIMAL.fullmatch(text)
    if not m:
        raise ValueError(f"{whole!r}: bounds must be numbers, -inf or inf")
    outside = ValueError(f"{whole!r}: {text[:30]}{'…' if len(text) > 30 else ''} cannot be a bound: a bound is "
                         f"a number from -{BOUND_MAX:,} to {BOUND_MAX:,} with at most {BOUND_DECIMALS} "
                         f"decimal places (write -inf or inf for an open end)")
    # Checked before the exact value is built: 1e999999999 would take ages to expand.
    if len(text) > 60 or (m.group("exp") and len(m.group("exp").lstrip("+-")) > 3):
        raise outside
    exact = Fraction(text)
    if abs(exact) > BOUND_MAX or (exact * 10 ** BOUND_DECIMALS).denominator != 1:
        raise outside
    return float(text)


def parse_interval(text: str) -> Interval:
    """Parse ``"(0, 7]"``; raise ValueError with a readable reason otherwise."""
    m = _INTERVAL.match(text)
    if not m:
        raise ValueError(f"{text!r} is not an interval like \"[0, 7)\" or \"(-inf, 0]\"")
    lo_s, hi_s = m.group(2), m.group(3)
    lo, hi = _bound(lo_s, text, lower=True), _bound(hi_s, text, lower=False)
    # On the bounds as written: "[0.20000000000000001, 0.2]" is one float but no interval.
    if (lo if math.isinf(lo) else Fraction(lo_s)) > (hi if math.isinf(hi) else Fraction(hi_s)):
        raise ValueError(f"{text!r}: the lower bound must not exceed the upper bound")
    iv = Interval(lo, hi, m.group(1) == "[", m.group(4) == "]", text.strip())
    if lo == hi and not (iv.lower_closed and iv.upper_closed):
        raise ValueError(f"{text!r} is empty")
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


def _show(v: Any) -> str:
    """A value as the message quotes it: short, in the file's spelling, never a traceback
    (``repr`` of a 5,000-digit integer raises; ``nan`` and ``true`` are named for what they are)."""
    if isinstance(v, bool):
        return f"{'true' if v else 'false'} (a yes/no value)"
    if isinstance(v, int):
        if v.bit_length() > 50:
            digits = len(str(abs(v))) if v.bit_length() < 14_000 else int(v.bit_length() * math.log10(2)) + 1
            return f"{'-' if v < 0 else ''}a number with {digits:,} digits"
        return f"{v:,}"
    if isinstance(v, float):
        if math.isnan(v):
            return "nan (not a number)"
        if math.isinf(v):
            return "inf (infinity)" if v > 0 else "-inf (minus infinity)"
        return repr(v)
    if isinstance(v, str):
        return f'the text "{v[:40]}{"…" if len(v) > 40 else ""}" (numbers are written without quotes)'
    if isinstance(v, (list, tuple)):
        return "a list"
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


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
    unit: str = ""  # "days", "months", "points", ...
    decimals: int | None = None  # most decimal places allowed

    def allowed(self) -> str:
        kind = ("a whole number" if self.whole else "a number") + (f" of {self.unit}" if self.unit else "")
        text = f"{kind} from {_fmt(self.lo)} to {_fmt(self.hi)}"
        return text + (f" with at most {self.decimals} decimal places" if self.decimals is not None else "")

    def problem(self, v: Any) -> str | None:
        """None when ``v`` is allowed, else the message (what is allowed, what the file has)."""
        number = not isinstance(v, bool) and (isinstance(v, int) or (not self.whole and isinstance(v, float)))
        if number and self.lo <= v <= self.hi:  # nan fails both comparisons
            if self.decimals is None or (Fraction(format(v, ".15g")) * 10 ** self.decimals).denominator == 1:
                return None
        return f"must be {self.allowed()}, got {_show(v)}"


class _Check:
    """Collects problems while walking the document; each problem has a key path."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def table(self, value: Any, path: str, allowed: dict[str, tuple[type | tuple, bool]]) -> dict:
        """Check a table's keys and value types; return it (or {} when not a table)."""
        if not isinstance(value, dict):
            self.add(path or "(top)", f"must be a table, got {type(value).__name__}")
            return {}
        for key in value:
            if key not in allowed:
                self.add(_join(path, key), f"unknown key (allowed: {', '.join(allowed)})")
        out = {}
        for key, (types, required) in allowed.items():
            if key not in value:
                if required:
                    self.add(_join(path, key), "missing")
                continue
            v = value[key]
            if isinstance(types, _Num):
                problem = types.problem(v)
                if problem:
                    self.add(_join(path, key), problem)
                    continue
            elif not _is_type(v, types):
                self.add(_join(path, key), f"must be {_type_name(types)}, got {_show(v)}")
                continue
            out[key] = v
        return out

    def per_level(self, value: Any, path: str, levels: list[str], spec: _Num) -> dict:
        if not isinstance(value, dict):
            self.add(path, "must be a table with one value per level")
            return {}
        for key in value:
            if key not in levels:
                self.add(_join(path, key), f"unknown level (levels: {', '.join(levels)})")
        out = {}
        for lv in levels:
            if lv not in value:
                self.add(_join(path, lv), "missing")
            elif problem := spec.problem(value[lv]):
                self.add(_join(path, lv), problem)
            else:
                out[lv] = value[lv]
        return out


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _is_type(v: Any, types: type | tuple) -> bool:
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(v, bool) and bool not in types:
        return False
    if float in types and isinstance(v, int) and not isinstance(v, bool):
        return True
    return isinstance(v, types)


def _type_name(types: type | tuple) -> str:
    types = types if isinstance(types, tuple) else (types,)
    names = {int: "a whole number", float: "a number", str: "text", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(t, t.__name__) for t in types)


def check_bands_cover(bands: list[Interval]) -> str | None:
    """None when the intervals cover the real line exactly once, else the first problem."""
    if not bands:
        return "no bands"
    # On the bounds as written (exact fractions), as values are placed near an edge: two
    # bounds that are one float apart (0.1 and 0.10000000000000001) are a gap, not a meeting.
    inf = Fraction(10) ** 400  # above every bound a float can write
    lo = {id(iv): -inf if iv.bounds_exact[0] is None else iv.bounds_exact[0] for iv in bands}
    hi = {id(iv): inf if iv.bounds_exact[1] is None else iv.bounds_exact[1] for iv in bands}
    ordered = sorted(bands, key=lambda iv: (lo[id(iv)], not iv.lower_closed))
    if ordered[0].lower != -math.inf:
        return f"nothing covers values below {ordered[0].text} (the first band must start at -inf)"
    for prev, nxt in zip(ordered, ordered[1:]):
        a, b = hi[id(prev)], lo[id(nxt)]
        if b < a or (b == a and prev.upper_closed and nxt.lower_closed):
            return f"bands {prev.text} and {nxt.text} overlap"
        if b > a or (not prev.upper_closed and not nxt.lower_closed):
            return f"gap between bands {prev.text} and {nxt.text}"
    if ordered[-1].upper != math.inf:
        return f"nothing covers values above {ordered[-1].text} (the last band must end at inf)"
    return None


# The range of every number in the policy (see _Num). Wide enough for any real policy,
# narrow enough that no date, whole-number limit or workbook cell can overflow.
TOTAL_POINTS = _Num(1, 1000, unit="points")
ITEM_POINTS = _Num(0, 100, unit="points")
MIN_SCORE = _Num(0, 1000, unit="points")
TERM_DAYS = _Num(0, 3650, unit="days")  # ten years
REVIEW_MONTHS = _Num(1, 120, unit="months")  # at least monthly, at most every ten years
LIMIT_FACTOR = _Num(0, 100, whole=False, decimals=6)  # times the sales of the term; the default is 0 to 1.5
ROUND_DOWN_TO = _Num(1, 10_000_000, unit="CNY (元)")
MONTHS_PER_YEAR = _Num(1, 13, unit="months")  # 12, or 13 four-week periods
DAYS_PER_MONTH = _Num(1, 31, unit="days")
ORDER_COUNT = _Num(0, 1000, unit="orders")
YEARS = _Num(0, 100, whole=False, unit="years")
BUCKET_DAYS = _Num(1, 3650, unit="days")
MAX_BUCKETS = 20
DAYS_PER_YEAR = _Num(300, 400, whole=False, unit="days")  # 360, 365, 365.25, 366


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
        "aging": (dict, True), "metrics": (dict, True),
    })
    if "schema_version" in top and top["schema_version"] != SCHEMA_VERSION:
        c.add("schema_version", f"this program reads schema version {SCHEMA_VERSION}, "
                                f"the file has {_show(top['schema_version'])}")

    items = _build_items(c, top.get("items", {}), top.get("total_points"))
    levels = _build_levels(c, top.get("levels", []), top.get("total_points"))
    # The names as written, also of a level whose other keys are wrong: that one problem is
    # reported once, not again as an unknown level in every per-level table.
    names = [e["level"] for e in top.get("levels", []) if isinstance(e, dict) and isinstance(e.get("level"), str)] \
        if isinstance(top.get("levels"), list) else []

    rules = c.table(top.get("rules", {}), "rules", {"force_c": (dict, True), "cap": (dict, True)})
    fc = c.table(rules.get("force_c", {}), "rules.force_c", {
        "timeliness": (bool, True), "timeliness_max_points": (ITEM_POINTS, True),
        "operating_poor": (bool, True), "revenue_decline": (bool, True), "litigation": (bool, True)})
    timeliness = next((it for it in items if it.basis == "avg_days_late"), None)
    if timeliness is not None and fc.get("timeliness_max_points", 0) > timeliness.points:
        c.add("rules.force_c.timeliness_max_points",
              f"must be at most the {timeliness.points} points of items.{timeliness.key}, "
              f"got {_show(fc.pop('timeliness_max_points'))}")
    cap = c.table(rules.get("cap", {}), "rules.cap", {
        "level": (str, True), "new_customer": (bool, True), "new_customer_min_orders": (ORDER_COUNT, True),
        "new_customer_min_years": (YEARS, True), "documents": (bool, True)})
    if "level" in cap and names and cap["level"] not in names:
        c.add("rules.cap.level", f"{cap['level']!r} is not a level ({', '.join(names)})")

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
            c.add("aging.bucket_upper_days", "must list at least one upper bound of days past due")
        elif len(buckets) > MAX_BUCKETS:
            c.add("aging.bucket_upper_days", f"must list at most {MAX_BUCKETS} upper bounds, got {len(buckets):,}")
        elif bad:
            for i, p in bad:
                c.add(f"aging.bucket_upper_days[{i}]", p)
        elif any(b >= a for a, b in zip(buckets[1:], buckets)):
            c.add("aging.bucket_upper_days", "must be strictly increasing")
    metrics = c.table(top.get("metrics", {}), "metrics", {"days_per_year": (DAYS_PER_YEAR, True)})

    if c.problems:
        raise PolicyError("policy", [(p, None, m) for p, m in c.problems])
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
        days_per_year=float(metrics["days_per_year"]), source=doc,
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
            c.add(f"{path}.basis", f"{basis!r} is already used by items.{bases_seen[basis]}")
        bases_seen[basis] = key
        # When the item's points are themselves wrong, only the general bound applies below.
        max_pts = t.get("points", ITEM_POINTS.hi)
        if "missing_points" in t and not 0 <= t["missing_points"] <= max_pts:
            c.add(f"{path}.missing_points", f"must be between 0 and the item's {max_pts} points")
        bands: list[Band] = []
        cats: list[tuple[str, int]] = []
        if basis in CATEGORY_BASES:
            if "bands" in t:
                c.add(f"{path}.bands", f"basis {basis!r} takes categories, not bands")
            raw_cats = t.get("categories")
            if raw_cats is None:
                c.add(f"{path}.categories", "missing")
            else:
                for name, pts in raw_cats.items():
                    if name not in CATEGORY_BASES[basis]:
                        c.add(f"{path}.categories.{name}",
                              f"unknown category (allowed: {', '.join(CATEGORY_BASES[basis])})")
                    elif not _is_type(pts, int) or not 0 <= pts <= max_pts:
                        c.add(f"{path}.categories.{name}",
                              f"must be a whole number of points from 0 to {max_pts}, got {_show(pts)}")
                    else:
                        cats.append((name, pts))
                for name in CATEGORY_BASES[basis]:
                    if name not in raw_cats:
                        c.add(f"{path}.categories.{name}", "missing")
            top_pts = max([p for _, p in cats] + [t.get("missing_points", 0)], default=0)
        elif basis in NUMERIC_BASES:
            if "categories" in t:
                c.add(f"{path}.categories", f"basis {basis!r} takes bands, not categories")
            raw_bands = t.get("bands")
            if raw_bands is None:
                c.add(f"{path}.bands", "missing")
                raw_bands = []
            for i, b in enumerate(raw_bands):
                bp = f"{path}.bands[{i}]"
                bt = c.table(b, bp, {"range": (str, True), "points": (ITEM_POINTS, True)})
                if "range" not in bt or "points" not in bt:
                    continue
                try:
                    iv = parse_interval(bt["range"])
                except ValueError as exc:
                    c.add(f"{bp}.range", str(exc))
                    continue
                if not 0 <= bt["points"] <= max_pts:
                    c.add(f"{bp}.points", f"must be between 0 and the item's {max_pts} points")
                bands.append(Band(iv, bt["points"]))
            if bands and len(bands) == len(raw_bands):
                problem = check_bands_cover([b.interval for b in bands])
                if problem:
                    c.add(f"{path}.bands", problem)
            top_pts = max([b.points for b in bands] + [t.get("missing_points", 0)], default=0)
        else:
            allowed = ", ".join(NUMERIC_BASES + tuple(CATEGORY_BASES))
            c.add(f"{path}.basis", f"unknown basis {basis!r} (allowed: {allowed})")
            continue
        # (Not when a band or category was itself refused: that problem is reported already.)
        complete = len(bands) == len(t.get("bands") or []) and len(cats) == len(t.get("categories") or {})
        if "points" in t and top_pts != max_pts and complete:
            c.add(f"{path}.points", f"the item is worth {max_pts} points but its best band gives {top_pts}")
        if {"label_zh", "label_en", "points", "missing_points"} <= t.keys():
            items.append(Item(key, t["label_zh"], t["label_en"], basis, max_pts, t["missing_points"],
                              tuple(bands), tuple(cats)))
    if isinstance(total_points, int) and raw and len(items) == len(raw):
        total = sum(it.points for it in items)
        if total != total_points:
            c.add("items", f"item points add up to {total}, but total_points is {total_points}")
    return items


def _build_levels(c: _Check, raw: list, total_points: Any = None) -> list[LevelDef]:
    levels: list[LevelDef] = []
    if not isinstance(raw, list) or not raw:
        c.add("levels", "must list at least one level")
        return levels
    for i, entry in enumerate(raw):
        t = c.table(entry, f"levels[{i}]", {"level": (str, True), "label_zh": (str, True),
                                            "min_score": (MIN_SCORE, True)})
        if "min_score" in t and isinstance(total_points, int) and t["min_score"] > total_points:
            c.add(f"levels[{i}].min_score", f"no total score can reach {_show(t['min_score'])}: the scorecard "
                                            f"has {total_points} points (total_points)")
            continue
        if len(t) == 3:
            levels.append(LevelDef(t["level"], t["label_zh"], t["min_score"]))
    if len(levels) != len(raw):
        return levels
    names = [lv.level for lv in levels]
    if len(set(names)) != len(names):
        c.add("levels", "level names must be unique")
    for i, (a, b) in enumerate(zip(levels, levels[1:])):
        if b.min_score == a.min_score:
            c.add(f"levels[{i + 1}].min_score",
                  f"{b.level} starts at {b.min_score} like {a.level}: two levels cannot have the same minimum score")
        elif b.min_score > a.min_score:
            c.add(f"levels[{i + 1}].min_score",
                  f"must be lower than {a.level}'s {a.min_score}: list the best level first")
    if levels[-1].min_score != 0:
        c.add(f"levels[{len(levels) - 1}].min_score", "the lowest level must start at 0 so every score has a level")
    return levels
