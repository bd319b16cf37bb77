"""Comparing two ratings of the same customers (what-if, 对比; DOMAIN.md "Comparing policies and
runs"): the loaded data under two policies, or two runs of the register.

Each side is reduced to the same few facts per customer (``Snap``), from a ``Decision`` or from
a decision as the register recorded it, so that both comparisons are one function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.core.models import Decision
from desktop.core.terms import ROUTE_CFO, ROUTE_SALES_MANAGER

CHANGES = ("level", "term", "limit", "route")


@dataclass(frozen=True)
class Snap:
    """What the comparison reads of one customer's decision."""

    customer_id: str
    name: str
    level: str
    total: int
    term_days: int
    limit: int
    route: str
    items: Mapping[str, int] = field(default_factory=dict)  # item key -> points
    rules: tuple[str, ...] = ()  # rule codes, in the order they apply


def snap(d: Decision) -> Snap:
    return Snap(d.customer_id, d.customer.name, d.level, d.total, d.recommended_term_days, d.eligible_limit,
                d.approval_route, {i.key: i.points for i in d.items}, tuple(h.code for h in d.rules))


def snap_recorded(entry: Mapping[str, Any]) -> Snap:
    """A decision as the register recorded it (``desktop.services.register_rows``)."""
    items = entry.get("items") if isinstance(entry.get("items"), dict) else {}
    return Snap(str(entry.get("customer_id")), str(entry.get("name") or ""), str(entry.get("level")),
                int(entry.get("total") or 0), int(entry.get("term_days") or 0), int(entry.get("limit") or 0),
                str(entry.get("route") or "none"), {str(k): int(v) for k, v in items.items()},
                tuple(str(c) for c in entry.get("rules") or ()))


@dataclass(frozen=True)
class Side:
    """One of the two ratings: a label (the policy's name and version, or the run id) and its decisions."""

    label: str
    snaps: tuple[Snap, ...]
    as_of: str = ""
    policy: str = ""


@dataclass(frozen=True)
class ItemChange:
    key: str
    a: int | None
    b: int | None


@dataclass(frozen=True)
class CustomerChange:
    """A customer whose level, term, limit or route differs, and what made the difference."""

    a: Snap
    b: Snap
    changed: tuple[str, ...]  # of CHANGES
    items: tuple[ItemChange, ...]  # items whose points differ
    rules_added: tuple[str, ...]  # rules of b that a did not have
    rules_removed: tuple[str, ...]


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    levels: tuple[str, ...]  # the matrix's rows and columns, best first
    matrix: dict[str, dict[str, int]]  # level of a -> level of b -> customers
    changed: dict[str, int]  # CHANGES -> customers
    total_limit: tuple[int, int]
    approvals: tuple[dict[str, int], dict[str, int]]  # {"sales_manager": n, "cfo": n} of a and b
    customers: tuple[CustomerChange, ...]  # the changed ones, in a's order
    both: int  # customers in both ratings
    only_a: tuple[str, ...]  # ids rated in a and not in b
    only_b: tuple[str, ...]

    @property
    def changed_ids(self) -> frozenset[str]:
        return frozenset(c.a.customer_id for c in self.customers)


def approvals(snaps: Iterable[Snap]) -> dict[str, int]:
    """The approvals a rating asks for: the sales manager signs every route with an approval (a
    special application too); the CFO signs the special applications."""
    routes = [s.route for s in snaps]
    return {"sales_manager": sum(r in (ROUTE_SALES_MANAGER, ROUTE_CFO) for r in routes),
            "cfo": sum(r == ROUTE_CFO for r in routes)}


def compare(a: Side, b: Side, levels: Sequence[str]) -> Comparison:
    """Compare ``b`` with ``a``; ``levels``: the level order, best first (a level found only in
    the data goes last)."""
    in_b = {s.customer_id: s for s in b.snaps}
    in_a = {s.customer_id: s for s in a.snaps}
    found = {s.level for s in (*a.snaps, *b.snaps)}
    order = tuple(levels) + tuple(sorted(found - set(levels)))
    matrix = {la: {lb: 0 for lb in order} for la in order}
    changed = dict.fromkeys(CHANGES, 0)
    customers = []
    for sa in a.snaps:
        sb = in_b.get(sa.customer_id)
        if sb is None:
            continue
        matrix[sa.level][sb.level] += 1
        diff = tuple(k for k, x, y in (("level", sa.level, sb.level), ("term", sa.term_days, sb.term_days),
                                       ("limit", sa.limit, sb.limit), ("route", sa.route, sb.route)) if x != y)
        for k in diff:
            changed[k] += 1
        if diff:
            keys = list(sa.items) + [k for k in sb.items if k not in sa.items]
            items = tuple(ItemChange(k, sa.items.get(k), sb.items.get(k)) for k in keys
                          if sa.items.get(k) != sb.items.get(k))
            customers.append(CustomerChange(sa, sb, diff, items,
                                            tuple(c for c in sb.rules if c not in sa.rules),
                                            tuple(c for c in sa.rules if c not in sb.rules)))
    return Comparison(a, b, order, matrix, changed,
                      (sum(s.limit for s in a.snaps), sum(s.limit for s in b.snaps)),
                      (approvals(a.snaps), approvals(b.snaps)), tuple(customers),
                      sum(1 for s in a.snaps if s.customer_id in in_b),
                      tuple(s.customer_id for s in a.snaps if s.customer_id not in in_b),
                      tuple(s.customer_id for s in b.snaps if s.customer_id not in in_a))
