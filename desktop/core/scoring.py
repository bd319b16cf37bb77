"""The nine scorecard items, the level, and the force-C and cap rules."""

from __future__ import annotations

import math
from fractions import Fraction

from desktop.core.exact import WAN_FEN, below, fen, ratio_parts, wan_fen, written
from desktop.core.models import Customer, ItemScore, Metrics, RuleHit
from desktop.core.policy import Policy

DOCUMENT_FIELDS = ("license", "tax_registration", "org_code", "agreement")
KEY_DOCUMENT_FIELDS = ("license", "tax_registration", "org_code")


def documents_on_file(customer: Customer) -> dict[str, bool]:
    """Which documents count as on file, after the three-in-one licence rule.

    A valid 18-character unified credit code plus a licence on file counts as tax
    registration and organisation code on file too. Blank means not on file.
    """
    on_file = {f: getattr(customer, f) is True for f in DOCUMENT_FIELDS}
    if on_file["license"] and customer.credit_code_valid:
        on_file["tax_registration"] = on_file["org_code"] = True
    return on_file


def three_in_one(customer: Customer) -> bool:
    return customer.license is True and customer.credit_code_valid


def basis_values(customer: Customer, m: Metrics) -> dict[str, object]:
    """The value each item basis takes for this customer (None = missing)."""
    docs = documents_on_file(customer)
    return {
        "avg_days_late": m.avg_days_late,
        "cooperation_years": m.cooperation_years,
        "sales_12m": m.sales_12m,
        "sales_growth": m.sales_growth,
        "operating_status": customer.operating_status,
        "debt_ratio": m.debt_ratio,
        "current_ratio": m.current_ratio,
        "registered_capital": customer.registered_capital,
        "documents_missing": sum(not v for v in docs.values()),
    }


def exact_value(basis: str, customer: Customer, m: Metrics, policy: Policy) -> Fraction | None:
    """A basis value exactly, from whole fen and whole days (amounts in 元 and figures in 万元
    both count to the fen); None where there is no exact form. Asked only for a value within
    rounding distance of a band edge or threshold. The results sheet compares the same whole
    numbers (``desktop.io.writers.results_sheet.EXACT_PARTS``)."""
    c = customer
    if basis == "avg_days_late":
        return None if m.late_fen_days is None or not m.due_fen else Fraction(m.late_fen_days, m.due_fen)
    if basis == "cooperation_years":
        return None if m.cooperation_days is None else Fraction(m.cooperation_days) / written(policy.days_per_year)
    if basis == "sales_12m":
        return Fraction(fen(m.sales_12m), 100)
    if basis == "sales_growth":
        prev = fen(m.sales_prev_12m)
        return None if prev <= 0 else Fraction(fen(m.sales_12m) - prev, prev)
    if basis in ("debt_ratio", "current_ratio"):
        num, den = ((c.total_liabilities, c.total_assets) if basis == "debt_ratio"
                    else (c.current_assets, c.current_liabilities))
        parts = ratio_parts(num, den)
        return None if parts is None or parts[1] == 0 else Fraction(*parts)
    if basis == "registered_capital":
        return None if c.registered_capital is None else Fraction(wan_fen(c.registered_capital), WAN_FEN)
    return None  # whole numbers and categories are exact as they are


def score_items(customer: Customer, m: Metrics, policy: Policy) -> tuple[ItemScore, ...]:
    values = basis_values(customer, m)
    docs = documents_on_file(customer)
    scores = []
    for item in policy.items:
        value = values[item.basis]
        points, band, near_edge = item.place(value)
        if near_edge:
            q = exact_value(item.basis, customer, m, policy)
            if q is not None:
                points, band = item.score_exact(q)
        detail: dict[str, object] = {}
        if item.basis == "documents_missing":
            detail = {"missing": [k for k, v in docs.items() if not v], "three_in_one": three_in_one(customer)}
        elif item.basis == "avg_days_late":
            detail = {"history": value is not None}
        elif item.basis == "sales_growth":
            detail = {"sales_12m": m.sales_12m, "sales_prev_12m": m.sales_prev_12m}
        elif item.basis == "cooperation_years":
            detail = {"first_trade_date": m.first_trade_date}
        scores.append(ItemScore(item.key, value, band, points, detail))
    return tuple(scores)


def force_c_rules(customer: Customer, items: tuple[ItemScore, ...], policy: Policy) -> tuple[RuleHit, ...]:
    rules = policy.force_c
    hits = []
    timeliness = next((i for i in items if policy.item(i.key).basis == "avg_days_late"), None)
    if (rules.timeliness and timeliness is not None and timeliness.value is not None
            and timeliness.points <= rules.timeliness_max_points):
        hits.append(RuleHit("FORCE_C_TIMELINESS", {"avg_days_late": round(timeliness.value, 2),
                                                   "points": timeliness.points,
                                                   "max_points": rules.timeliness_max_points}))
    if rules.operating_poor and customer.operating_status == "poor":
        hits.append(RuleHit("FORCE_C_OPERATING", {"operating_status": "poor"}))
    if rules.revenue_decline and customer.revenue_trend == "sustained_decline":
        hits.append(RuleHit("FORCE_C_REVENUE_DECLINE", {"revenue_trend": "sustained_decline"}))
    if rules.litigation and customer.sued_by_suppliers is True:
        hits.append(RuleHit("FORCE_C_LITIGATION", {"sued_by_suppliers": True}))
    return tuple(hits)


def key_documents_missing(customer: Customer) -> list[str]:
    docs = documents_on_file(customer)
    return [f for f in KEY_DOCUMENT_FIELDS if not docs[f]]


def cap_rules(customer: Customer, m: Metrics, policy: Policy) -> tuple[RuleHit, ...]:
    rules = policy.cap
    hits = []
    years = m.cooperation_years
    if rules.new_customer and (m.orders < rules.new_customer_min_orders or years is None
                               or below(years, lambda: exact_value("cooperation_years", customer, m, policy),
                                        rules.new_customer_min_years)):
        hits.append(RuleHit("CAP_A_NEW_CUSTOMER", {
            "orders": m.orders, "min_orders": rules.new_customer_min_orders,
            "cooperation_years": None if years is None else round(years, 4),
            "cooperation_days": m.cooperation_days, "min_years": rules.new_customer_min_years}))
    missing = key_documents_missing(customer)
    if rules.documents and missing:
        hits.append(RuleHit("CAP_A_DOCUMENTS", {"missing": missing}))
    return tuple(hits)


GROUP_WARNING = "CAP_B_GROUP_WARNING"


def cap_level(code: str, policy: Policy) -> str:
    """The level a cap rule holds a customer to: the group warning's level (B), else the cap level (A)."""
    return policy.group.warning_level if code == GROUP_WARNING else policy.cap.level


def final_level(raw_level: str, overrides: tuple[RuleHit, ...], caps: tuple[RuleHit, ...],
                policy: Policy) -> str:
    """Force C wins over a cap; a cap lowers a better level to its cap level (the lowest of them)."""
    if overrides:
        return policy.levels[-1].level
    level = raw_level
    for hit in caps:
        cap = cap_level(hit.code, policy)
        if policy.rank(level) < policy.rank(cap):
            level = cap
    return level


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator; None when either is missing or both are 0; inf for x/0."""
    if numerator is None or denominator is None:
        return None
    if denominator == 0:
        return math.inf if numerator > 0 else None
    return numerator / denominator
