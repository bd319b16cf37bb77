"""Groups and related parties (集团客户): who belongs together, and the two group rules.

DOMAIN.md "Groups and related parties". Customers are linked when they carry the same 所属集团
(after trimming, full-width to half-width, spaces and capitals ignored; blank and words that
mean "none" link nobody), the same valid unified credit code (one legal entity under two
customer IDs), or the same 实际控制人 (common control by a person); a group is a connected set
of two or more linked customers.

The rules run after every member's own force-C and cap rules, once, in this order:

- early warning ``CAP_B_GROUP_WARNING``: a member forced to C caps every member of its group
  not itself forced to C at the policy's warning level (B); it does not cascade;
- total-amount control ``LIMIT_GROUP_CONCENTRATION``: a group whose eligible limits add up to
  S above the ceiling share x T (T: every rated customer's eligible limit, before this rule)
  has each member's limit scaled by ceiling / S, rounded down to the policy's step; a group's
  requests adding up to more than the ceiling exceed the policy for every member.

Everything is in whole numbers (元, fen, the share as written), so the ceiling at exactly
20 % and one yuan over fall where the policy says.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from desktop.core.exact import fen, written
from desktop.core.models import Customer
from desktop.core.policy import Policy

# The fields that link customers, in the order a group's links are listed.
LINK_FIELDS = ("group", "credit_code", "controller")
# What a clerk writes in 所属集团 or 实际控制人 for "none": these link nobody.
NO_GROUP = frozenset({"无", "没有", "暂无", "否", "空", "无集团", "非集团", "独立", "单体", "不适用", "-", "--", "—", "——",
                      "/", "\\", "0", "n/a", "na", "#n/a", "none", "null", "nil", "no", "x",
                      # "unknown" is no more a group than "none": every 未知 row would be one group
                      "無", "未知", "不详", "不明", "空白", "―"})
# What a clerk writes for "same as above": it does not say which group (the row above may be
# another customer's after a sort), so it links nobody and the importer says so on the row.
DITTO = frozenset({"同上", "见上", "如上", "同前", "同左", "同右", "同下", "见下", "〃", '"', "''", "ditto",
                   "sameasabove"})
_SPACE = re.compile(r"\s+")
_EDGE = ".。,，、;；:：!！?？"  # a full stop or question mark around a word for none: still none

CONCENTRATION = "LIMIT_GROUP_CONCENTRATION"  # the early warning's code is desktop.core.scoring.GROUP_WARNING


def link_key(text: str | None) -> str | None:
    """The form two values of 所属集团 (or 实际控制人) are compared in: full-width turned
    half-width (NFKC), every space removed, capitals ignored; None for blank, a word for none
    or unknown, or "same as above"."""
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", str(text))
    # zero-width and other invisible format characters (U+200B, U+FEFF, ...) pasted from web
    # pages, and control characters (a bell, a NUL) that no one sees in a cell
    key = _SPACE.sub("", "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc"))).casefold()
    bare = key.strip(_EDGE)
    return None if not bare or bare in NO_GROUP or bare in DITTO else key


def is_ditto(text: str | None) -> bool:
    """``text`` says "same as above" (同上, 〃, ...): it links nobody."""
    if text is None:
        return False
    key = _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).casefold().strip(_EDGE)
    return key in DITTO


def _code_key(c: Customer) -> str | None:
    return c.credit_code.strip().upper() if c.credit_code and c.credit_code_valid else None


@dataclass(frozen=True)
class GroupLink:
    """One shared value that linked customers: the field, the value as written (the most
    frequent writing), and the customers that carry it, in customer-sheet order."""

    field: str  # "group" | "credit_code" | "controller"
    value: str
    customers: tuple[str, ...]
    # every writing of the value, most frequent first, when it was written more than one way
    # (中联集团, ＺＬ中联集团 and 中联 集团 are one group by design: the link says so)
    writings: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"field": self.field, "value": self.value, "customers": list(self.customers),
                **({"writings": list(self.writings)} if self.writings else {})}


@dataclass(frozen=True)
class Group:
    """A connected set of two or more linked customers: its name, members (customer IDs in
    sheet order) and every link between them."""

    name: str
    members: tuple[str, ...]
    links: tuple[GroupLink, ...]

    def as_dict(self) -> dict:
        return {"name": self.name, "members": list(self.members), "links": [k.as_dict() for k in self.links]}


@dataclass(frozen=True)
class GroupFigures:
    """A group's figures in a run, after the group rules (``eligible_limit_before``: before the
    total-amount control). ``ceiling``: share x the run's total, None when the control is off."""

    group: Group
    sales_12m: float
    open_ar: float
    overdue_balance: float
    eligible_limit_before: int
    eligible_limit: int
    requested_limit: float
    ceiling: Fraction | None
    total_limit: int  # T: every rated customer's eligible limit, before the control
    worst_level: str
    forced_c: tuple[str, ...]  # members forced to C (they trigger the early warning)
    reduced: bool  # the total-amount control scaled the members' limits
    requests_over: bool  # the members' requests add up to more than the ceiling

    @property
    def name(self) -> str:
        return self.group.name

    @property
    def members(self) -> tuple[str, ...]:
        return self.group.members


def find_groups(customers: Sequence[Customer]) -> list[Group]:
    """Every group among ``customers``, in the sheet order of each group's first member.

    One pass reads the three fields of every customer (each distinct writing is normalised
    once: a group of thousands writes its name a few ways); everything after it touches only
    customers that share a value with another."""
    keys: dict[str, str | None] = {}

    def key(text: str) -> str | None:
        k = keys.get(text, keys)
        if k is keys:
            k = keys[text] = link_key(text)
        return k

    columns = {"group": [key(v) if v is not None else None for v in (c.group for c in customers)],
               "credit_code": [_code_key(c) if c.credit_code else None for c in customers],
               "controller": [key(v) if v is not None else None for v in (c.controller for c in customers)]}
    links: list[tuple[str, list[int]]] = []  # (field, positions) for each value two or more customers share
    for fld, column in columns.items():
        first: dict[str, int] = {}
        shared: dict[str, list[int]] = {}
        for n, k in enumerate(column):
            if k is not None and (j := first.setdefault(k, n)) != n:
                shared.setdefault(k, [j]).append(n)
        links += [(fld, idx) for idx in shared.values()]
    parent = {i: i for _fld, idx in links for i in idx}  # linked customers only, by position

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _fld, idx in links:
        first = root(idx[0])
        for i in idx[1:]:
            a, b = first, root(i)
            if a != b:  # the lower index stays the root: a group's root is its first member
                first = parent[max(a, b)] = min(a, b)
    by_root: dict[int, list[int]] = {}
    for n in sorted(parent):
        by_root.setdefault(root(n), []).append(n)
    link_of: dict[int, list[tuple[int, int, GroupLink]]] = {}
    for fld, idx in links:
        writings = _by_frequency([_written(customers[i], fld) for i in idx])
        link_of.setdefault(root(idx[0]), []).append(
            (LINK_FIELDS.index(fld), idx[0], GroupLink(fld, writings[0], tuple(customers[i].customer_id for i in idx),
                                                       tuple(writings) if len(writings) > 1 else ())))
    groups = []
    for r in sorted(by_root):  # a root is its group's first member: sheet order
        idx = by_root[r]
        mine = [k for _f, _first, k in sorted(link_of[r], key=lambda t: t[:2])]
        groups.append(Group(_name(customers, idx, mine, key), tuple(customers[i].customer_id for i in idx),
                            tuple(mine)))
    return groups


def _most_frequent(values: list[str]) -> str:
    """The value written most often; on a tie, the one written first."""
    counts = Counter(values)  # in first-written order, so max keeps the first of equal counts
    return max(counts, key=counts.__getitem__)


def _by_frequency(values: list[str]) -> list[str]:
    """The distinct values, the most often written first (the first written on a tie)."""
    counts = Counter(values)
    return sorted(counts, key=lambda v: -counts[v])


_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
_INVISIBLE = re.compile(r"[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def shown(text: str) -> str:
    """A group's name or a link's value as a person is shown it: as written, but without the
    characters no one sees (zero-width, bidi overrides that would show 团集联中 as 中联集团, control
    characters), line breaks and tabs made one space."""
    return _INVISIBLE.sub("", _BREAKS.sub(" ", str(text))).strip()


def _written(c: Customer, fld: str) -> str:
    v = getattr(c, fld)
    return v.strip().upper() if fld == "credit_code" else shown(v)


def _name(customers: Sequence[Customer], idx: list[int], links: list[GroupLink], key=link_key) -> str:
    """The most frequent 所属集团 as written among the members (the first written on a tie),
    else the credit code, else the actual controller."""
    names = [shown(g) for i in idx if (g := customers[i].group) is not None and key(g) is not None]
    if names:
        return _most_frequent(names)
    for fld in ("credit_code", "controller"):
        link = next((k for k in links if k.field == fld), None)
        if link is not None:
            return link.value
    return customers[idx[0]].customer_id  # not reached: a group has a link


def concentration(limits: Sequence[int], total: int, policy: Policy) -> tuple[Fraction, bool, list[int]]:
    """(ceiling, over, limits after the control) for a group whose members' eligible limits are
    ``limits`` in a run whose total is ``total``: each limit x ceiling / S, rounded down to the
    policy's step, when S is above the ceiling, else unchanged."""
    share = written(policy.group.concentration_share)
    ceiling = total * share
    s = sum(limits)
    if s <= ceiling:
        return ceiling, False, list(limits)
    step = policy.limit.round_down_to
    num, den = ceiling.numerator, ceiling.denominator
    return ceiling, True, [lim * num // (s * den * step) * step for lim in limits]


def requests_over(requested: Sequence[float], ceiling: Fraction) -> bool:
    """The members' requests (元, to the fen) add up to more than the ceiling."""
    return sum(fen(r) for r in requested) > ceiling * 100
