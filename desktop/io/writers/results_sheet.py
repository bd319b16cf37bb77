"""The results sheet, where every decision is a live formula over the customer's data.

Each row holds the customer's data as read (figures as entered, ledger totals, documents
on file) and, as formulas over those cells and the tables of the audit sheet (named
ranges), every step from the data up: the ratios and averages, the nine items' points
(looked up in the band table), total, levels, force-C and cap rules, base and recommended
term, eligible limit with its rounding, route, exceeds-policy and next review. Each formula
is written with the value the engine computed, so a program that does not recalculate
shows the engine's numbers and one that does shows the same; an auditor who edits a data
cell sees the decision follow as the policy says.

The engine decides band edges exactly (``desktop.core.exact``); a spreadsheet computes in
binary floating point. So the ratios and averages the bands look up are rounded to
``ROUND_DIGITS`` decimals in the formulas, which puts a value that is exactly on an edge
on it (85.000000000000001% -> 85%), and the eligible limit is computed in whole fen, in
which every product stays an exact integer of a double.

The columns of one sheet share one formula each (Excel's shared formulas): the text is
written once, not 100,000 times.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from desktop.core.credit_code import ALPHABET as CODE_ALPHABET
from desktop.core.credit_code import WEIGHTS as CODE_WEIGHTS
from desktop.core.exact import fen, ratio_parts, wan_fen, written
from desktop.core.groups import CONCENTRATION, GroupFigures
from desktop.core.models import Decision, Rating
from desktop.core.policy import Policy
from desktop.core.scoring import GROUP_WARNING, documents_on_file, key_documents_missing, three_in_one
from desktop.io.writers.labels import Labels
from desktop.io.writers.xlsx import (
    TICK_ROWS,
    Formats,
    Formula,
    SharedColumn,
    Tick,
    col_width_px,
    display_width,
    fit_widths,
    formula_text,
    no_tick,
    put,
    quote_sheet,
    row_height_pt,
    ticking,
)

ROUND_DIGITS = 12
_FIELD = re.compile(r"\{([\w:]+)\}")  # "{key}" in a column's formula: this row's cell of that column
BIG = 1e307  # an infinite ratio (x / 0) in a cell: shown as ∞, above every finite band edge
_EXCEL_EPOCH = date(1899, 12, 30)




def _serial(d: date) -> int:
    return (d - _EXCEL_EPOCH).days


def _r(v: float | None) -> float | None:
    """A ratio as the formulas give it: rounded to ROUND_DIGITS, infinity as BIG."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if math.isinf(v):
        return BIG if v > 0 else -BIG
    return round(v, ROUND_DIGITS)




def _bound(q: Fraction | None, sign: int) -> tuple[int, int]:
    """A band bound as (numerator, denominator): an infinite one as ±1 over 0."""
    return (sign, 0) if q is None else (q.numerator, q.denominator)


def factor_scale(policy: Policy) -> int:
    """10**d with d the most decimals a level factor has (1.2 -> 10): factor x scale is whole."""
    scale = 1
    for f in policy.limit.factors.values():
        while (written(f) * scale).denominator != 1:
            scale *= 10
    return scale


# ---------------------------------------------------------------- audit sheet tables

@dataclass(frozen=True)
class Names:
    """The named ranges the formulas use, defined by ``write_policy_tables``."""

    item_names: dict[str, str]  # item key -> name stem (Item1 ...)


def write_policy_tables(wb, ws, fm: Formats, lab: Labels, policy: Policy, as_of: date, r: int) -> tuple[int, Names]:
    """Level table, band table and the parameters, as cells the formulas look up by name.

    Starts at row ``r`` of the audit sheet ``ws``; returns the next free row."""
    sheet = quote_sheet(ws.name)

    def name(n: str, first: int, last: int, col: int) -> None:
        c = xl_col_to_name(col)
        wb.define_name(n, f"={sheet}!${c}${first + 1}:${c}${last + 1}")

    def name1(n: str, row: int, col: int) -> None:
        wb.define_name(n, f"={sheet}!${xl_col_to_name(col)}${row + 1}")

    ws.write_string(r, 0, lab("as_of"), fm.label)
    put(ws, r, 1, as_of, fm.date)
    name1("AsOf", r, 1)
    r += 2

    # Level table, lowest level first, as MATCH(total, LevelMins, 1) needs it.
    ws.write_string(r, 0, lab("level_table"), fm.section)
    r += 1
    ws.write_row(r, 0, [lab("level_name"), lab("level"), lab("min_score"), lab("base_term"),
                        lab("limit_factor"), lab("review_months")], fm.header)
    top = r + 1
    for lv in reversed(policy.levels):
        r += 1
        put(ws, r, 0, lab.level_label(lv), fm.text)
        put(ws, r, 1, lv.level, fm.level.get(lv.level, fm.text))
        put(ws, r, 2, lv.min_score, fm.int)
        put(ws, r, 3, policy.terms.base_days[lv.level], fm.int)
        put(ws, r, 4, policy.limit.factors[lv.level], fm.num)
        put(ws, r, 5, policy.review_months[lv.level], fm.int)
    for n, col in (("LevelNames", 1), ("LevelMins", 2), ("BaseDays", 3), ("LimFactors", 4), ("ReviewMonths", 5)):
        name(n, top, r, col)
    r += 1
    ws.write_string(r, 0, lab("cap_level"), fm.label)
    put(ws, r, 1, policy.cap.level, fm.text)
    name1("CapLevel", r, 1)

    # Band table: one row per band, each bound as a fraction (numerator, denominator) as
    # written in the policy (0.85 = 17/20); an infinite bound is ±1 over 0. The formulas
    # compare by cross-multiplying whole numbers, which a spreadsheet does exactly.
    r += 2
    ws.write_string(r, 0, lab("band_table"), fm.section)
    r += 1
    ws.write_row(r, 0, [lab("item"), lab("basis"), lab("max_points"), lab("band"), lab("lower_num"),
                        lab("lower_den"), lab("lower_in"), lab("upper_num"), lab("upper_den"), lab("upper_in"),
                        lab("points"), lab("formula_name")], fm.header)
    stems: dict[str, str] = {}
    for n_item, it in enumerate(policy.items, start=1):
        stem = stems[it.key] = f"Item{n_item}"
        first = r + 1
        entries: list[tuple[str, tuple, int]] = []
        for b in it.bands:
            iv = b.interval
            (lo_n, lo_d), (hi_n, hi_d) = (_bound(q, sign) for q, sign in zip(iv.bounds_exact, (-1, 1)))
            entries.append((lab.band(iv, it.basis), (lo_n, lo_d, int(iv.lower_closed), hi_n, hi_d, int(iv.upper_closed)),
                            b.points))
        for cat, pts in it.categories:
            entries.append((lab.word(cat), (None,) * 6, pts))
        for text, bounds, pts in entries:
            r += 1
            put(ws, r, 0, f"{lab.item(it)}", fm.text)
            put(ws, r, 1, lab.basis(it.basis), fm.text)
            put(ws, r, 2, it.points, fm.int)
            put(ws, r, 3, text, fm.text)
            for c, v in enumerate(bounds, start=4):
                put(ws, r, c, v, fm.num)
            put(ws, r, 10, pts, fm.int)
        if entries:
            name(f"{stem}_Pts", first, r, 10)
            if it.categories:
                name(f"{stem}_Names", first, r, 3)
            else:
                for suffix, col in (("LoN", 4), ("LoD", 5), ("LoIn", 6), ("HiN", 7), ("HiD", 8), ("HiIn", 9)):
                    name(f"{stem}_{suffix}", first, r, col)
            put(ws, first, 11, f"{stem}_…", fm.text)
        r += 1
        put(ws, r, 0, f"{lab.item(it)}", fm.text)
        put(ws, r, 1, lab.basis(it.basis), fm.text)
        put(ws, r, 2, it.points, fm.int)
        put(ws, r, 3, lab.missing_band(it.basis), fm.text)
        put(ws, r, 10, it.missing_points, fm.int)
        put(ws, r, 11, f"{stem}_Missing", fm.text)
        name1(f"{stem}_Missing", r, 10)

    # Parameters the formulas use.
    r += 2
    ws.write_string(r, 0, lab("rules_table"), fm.section)
    r += 1
    ws.write_row(r, 0, [lab("parameter"), lab("setting"), lab("formula_name")], fm.header)
    share = written(policy.group.concentration_share)  # 0.2 as written: 1 / 5, compared in whole numbers
    params: list[tuple[str, Any, str | None]] = [
        ("rules.force_c.timeliness", policy.force_c.timeliness, None),
        ("rules.force_c.timeliness_max_points", policy.force_c.timeliness_max_points, "FcMaxPoints"),
        ("rules.force_c.operating_poor", policy.force_c.operating_poor, None),
        ("rules.force_c.revenue_decline", policy.force_c.revenue_decline, None),
        ("rules.force_c.litigation", policy.force_c.litigation, None),
        ("rules.cap.level", policy.cap.level, None),
        ("rules.cap.new_customer", policy.cap.new_customer, None),
        ("rules.cap.new_customer_min_orders", policy.cap.new_customer_min_orders, "CapMinOrders"),
        ("rules.cap.new_customer_min_years", policy.cap.new_customer_min_years, "CapMinYears"),
        ("rules.cap.documents", policy.cap.documents, None),
        ("rules.group.warning", policy.group.warning, None),
        ("rules.group.warning_level", policy.group.warning_level, "GroupWarnLevel"),
        ("rules.group.concentration", policy.group.concentration, None),
        ("rules.group.concentration_share", policy.group.concentration_share, "GroupShare"),
        ("rules.group.concentration_share.numerator", share.numerator, "GroupShareNum"),
        ("rules.group.concentration_share.denominator", share.denominator, "GroupShareDen"),
        ("terms.new_customer_cash_orders", policy.terms.new_customer_cash_orders, "CashOrders"),
        ("terms.require_agreement", policy.terms.require_agreement, None),
        ("terms.require_documents", policy.terms.require_documents, None),
        ("limit.months_per_year", policy.limit.months_per_year, "LimMonths"),
        ("limit.days_per_month", policy.limit.days_per_month, "LimDaysPerMonth"),
        ("limit.round_down_to", policy.limit.round_down_to, "LimStep"),
        ("limit.factor_scale", factor_scale(policy), "FactorScale"),
        ("approval.sales_manager_max_days", policy.sales_manager_max_days, "SalesManagerMaxDays"),
        ("aging.bucket_upper_days", ", ".join(map(str, policy.aging_bucket_upper_days)), None),
        ("metrics.days_per_year", policy.days_per_year, "DaysPerYear"),
        ("metrics.days_per_year.numerator", written(policy.days_per_year).numerator, "DaysPerYearNum"),
        ("metrics.days_per_year.denominator", written(policy.days_per_year).denominator, "DaysPerYearDen"),
    ]
    for key, value, formula_name in params:
        r += 1
        put(ws, r, 0, lab.parameter(key), fm.text)
        put(ws, r, 1, lab.yes_no(value) if isinstance(value, bool) else value,
            fm.num if isinstance(value, (int, float)) and not isinstance(value, bool) else fm.text)
        if formula_name:
            put(ws, r, 2, formula_name, fm.text)
            name1(formula_name, r, 1)
    for note in (lab("formula_note", ROUND_DIGITS), lab("limit_note", f"{policy.limit.round_down_to:,}"),
                 lab("group_note", f"{policy.limit.round_down_to:,}")):
        r += 1
        # Over the first four columns (about 80 characters), so a printed page holds it whole.
        ws.merge_range(r, 0, r, 3, note, fm.note)
        ws.set_row(r, 14 * (display_width(note) // 76 + 1))
    return r + 1, Names(stems)


# ---------------------------------------------------------------- the results sheet

def credit_code_formula(cell: str, yes: str, no: str) -> str:
    """GB 32100-2015 in a formula: 18 characters of the code alphabet whose 18th is the check
    character of the first 17 (as ``desktop.core.credit_code``); blank for no code."""
    alphabet = formula_text(CODE_ALPHABET)
    code = f"UPPER({cell})"
    positions = "{" + ",".join(str(i) for i in range(1, 18)) + "}"
    weights = "{" + ",".join(str(w) for w in CODE_WEIGHTS) + "}"
    total = f"SUMPRODUCT((FIND(MID({code},{positions},1),{alphabet})-1)*{weights})"
    check = f"MOD(31-MOD({total},31),31)=FIND(MID({code},18,1),{alphabet})-1"
    return f'=IF({cell}="","",IFERROR(IF(AND(LEN({cell})=18,{check}),{formula_text(yes)},{formula_text(no)}),{formula_text(no)}))'


# Where a printed page may start a new group of columns (the key columns repeat on each).
GROUP_STARTS = ("total", "next_review", "due_invoices", "sales_12m", "total_assets", "license", "open_ar",
                "x:late_fen_days", "x:sales_fen")


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    fmt: str  # a Formats attribute
    value: Callable[[Decision], Any]
    formula: str | None = None  # "{key}" = this row's cell of that column; named ranges as they are


GroupOf = dict[str, tuple[int, GroupFigures]]  # customer id -> (its group's number on the groups sheet, figures)


def group_numbers(rating: Rating) -> GroupOf:
    """Each member's group number (1, 2, ... in ``Rating.groups`` order) and its group's figures."""
    return {cid: (k, gf) for k, gf in enumerate(rating.groups, start=1) for cid in gf.members}


def results_columns(policy: Policy, lab: Labels, names: Names | None = None, groups: GroupOf | None = None
                    ) -> list[Column]:
    """The results sheet's columns in order: key, items, decision, then the data behind it.

    The group rules' columns come with the rules: with early warning off nothing looks up the
    groups sheet for the level, with the total-amount control off nothing for the limit."""
    yes, no = lab("yes"), lab("no")
    names = names or Names({it.key: f"Item{n}" for n, it in enumerate(policy.items, start=1)})
    groups = groups or {}
    warning, control = policy.group.warning, policy.group.concentration

    def of_group(value: Callable[[GroupFigures], Any]) -> Callable[[Decision], Any]:
        return lambda d: value(groups[d.customer_id][1]) if d.customer_id in groups else None

    def group_lookup(named: str) -> str:
        """The figure in column ``named`` of this customer's group row on the groups sheet, found by
        the group number written on the row (a whole number: no wildcard or text-as-number match).
        Every row of the groups sheet carries its group's number, in ascending order, the group's
        row first: the row after the last one numbered below k is group k's, which MATCH finds by
        bisection (type 1), not by reading every row of the sheet for every customer."""
        return (f'=IF(ISNUMBER({{group_no}}),INDEX({named},IFERROR(MATCH({{group_no}}-0.5,GroupNos,1),0)+1),"")')

    def yn(v: bool | None) -> str | None:
        return None if v is None else lab.yes_no(v)

    def item_formula(it) -> str:
        """Points: the band whose bounds hold the item's value, by cross-multiplying whole numbers
        (value = n / d with d >= 0; a bound = N / D): n*D > N*d is exact in a spreadsheet too."""
        x, st = "{" + it.basis + "}", names.item_names[it.key]
        m = f"{st}_Missing"
        if it.categories:
            return f'=IF({x}="",{m},IFERROR(INDEX({st}_Pts,MATCH({x},{st}_Names,0)),{m}))'
        n, d = EXACT_PARTS[it.basis]
        lo, hi = f"{n}*{st}_LoD", f"{n}*{st}_HiD"
        lo_b, hi_b = f"{st}_LoN*{d}", f"{st}_HiN*{d}"
        inside = f"(({lo}>{lo_b})+({lo}={lo_b})*{st}_LoIn)*(({hi}<{hi_b})+({hi}={hi_b})*{st}_HiIn)"
        return f"=IF(ISNUMBER({x}),SUMPRODUCT(({st}_Pts-{m})*{inside})+{m},{m})"

    def item_value(key: str, at: int) -> Callable[[Decision], int]:
        # the item's score is at the item's place in the policy, as decide() lists them
        return lambda d: d.items[at].points if len(d.items) > at and d.items[at].key == key else d.points(key)

    cols = [Column("customer_id", lab("customer_id"), "text", lambda d: d.customer_id),
            Column("name", lab("name"), "text", lambda d: d.customer.name),
            Column("salesperson", lab("salesperson"), "text", lambda d: d.customer.salesperson),
            Column("group_no", lab("group_no"), "int", lambda d: groups[d.customer_id][0] if d.customer_id in groups
                   else None),
            Column("group", lab("group_name"), "text", lambda d: d.group.name if d.group is not None else None)]
    cols += [Column(f"item:{it.key}", f"{lab.item(it)}\n{lab('points_suffix')}({it.points})", "int",
                    item_value(it.key, at), item_formula(it)) for at, it in enumerate(policy.items)]
    first_item, last_item = f"item:{policy.items[0].key}", f"item:{policy.items[-1].key}"

    # Rules, as formulas that list the labels of the rules that fire ("; " between them).
    def listing(parts: list[tuple[str, str]]) -> str | None:
        if not parts:
            return None
        return "=MID(" + "&".join(f'IF({cond},{formula_text("; " + lab.code(code))},"")' for cond, code in parts) + ",3,999)"

    timeliness = policy.item_by_basis("avg_days_late")
    fc = policy.force_c
    force = []
    if fc.timeliness and timeliness is not None:
        force.append((f"AND(ISNUMBER({{avg_days_late}}),{{item:{timeliness.key}}}<=FcMaxPoints)", "FORCE_C_TIMELINESS"))
    if fc.operating_poor:
        force.append((f"{{operating_status}}={formula_text(lab.word('poor'))}", "FORCE_C_OPERATING"))
    if fc.revenue_decline:
        force.append((f"{{revenue_trend}}={formula_text(lab.word('sustained_decline'))}", "FORCE_C_REVENUE_DECLINE"))
    if fc.litigation:
        force.append((f"{{sued_by_suppliers}}={formula_text(yes)}", "FORCE_C_LITIGATION"))
    caps = []
    if policy.cap.new_customer:
        caps.append(("OR({orders}<CapMinOrders,NOT(ISNUMBER({cooperation_years})),{cooperation_years}<CapMinYears)",
                     "CAP_A_NEW_CUSTOMER"))
    if policy.cap.documents:
        caps.append(("{key_documents_missing}>0", "CAP_A_DOCUMENTS"))
    # The early warning: another member of the group is forced to C and this one is not.
    warned = '{overrides}="",N({group_forced})>0'
    if warning:
        caps.append((f"AND({warned})", GROUP_WARNING))
    final = ('=IF({overrides}<>"",INDEX(LevelNames,1),IF(AND({caps}<>"",MATCH({raw_level},LevelNames,0)'
             '>MATCH(CapLevel,LevelNames,0)),CapLevel,{raw_level}))')
    if warning:  # each cap holds the level at its own level: the lowest of them and the system level
        at = ["MATCH({raw_level},LevelNames,0)"]
        cap_a = [cond for cond, code in caps if code != GROUP_WARNING]
        if cap_a:
            at.append(f"IF(OR({','.join(cap_a)}),MATCH(CapLevel,LevelNames,0),99)")
        at.append(f"IF(AND({warned}),MATCH(GroupWarnLevel,LevelNames,0),99)")
        final = '=IF({overrides}<>"",INDEX(LevelNames,1),INDEX(LevelNames,MIN(' + ",".join(at) + ")))"
    later = []
    if policy.terms.require_agreement:
        later.append((f"{{agreement}}<>{formula_text(yes)}", "TERM_NO_AGREEMENT"))
    if policy.terms.require_documents:
        later.append(("{key_documents_missing}>0", "TERM_DOCUMENTS_INCOMPLETE"))
    cash = formula_text("; " + lab.code("TERM_NEW_CUSTOMER_CASH"))
    rest = "&".join(f'IF({cond},{formula_text("; " + lab.code(code))},"")' for cond, code in later) or '""'
    term_rules = f"=MID(IF({{orders}}<CashOrders,{cash},{rest}),3,999)"
    level_at = "MATCH({final_level},LevelNames,0)"
    route = (f"=IF({{requested_term}}<=0,{formula_text(lab('route.none'))},IF({{requested_term}}<=SalesManagerMaxDays,"
             f"{formula_text(lab('route.sales_manager'))},{formula_text(lab('route.cfo_special'))}))")
    limit_before = (f"=LimStep*INT(ROUND(MAX({{sales_12m}},0)*100,0)*{{recommended_term}}"
             f"*ROUND(INDEX(LimFactors,{level_at})*FactorScale,0)"
             f"/(LimMonths*LimDaysPerMonth*100*FactorScale*LimStep))")
    # The total-amount control, in whole steps of the limit (every limit is a multiple of LimStep):
    # limit / step x T / step x share numerator over S / step x share denominator, exact integers
    # of a double; the quotient rounded to ROUND_DIGITS before INT so that one exactly on a whole
    # number is not taken a step down by a binary rounding.
    scaled = (f"LimStep*INT(ROUND(({{eligible_limit_before}}/LimStep)*(GroupTotalLimit/LimStep)*GroupShareNum"
              f"/(({{group_limit_before}}/LimStep)*GroupShareDen),{ROUND_DIGITS}))")
    limit_rule = formula_text(lab.code(CONCENTRATION))

    def rules_text(hits) -> str:
        return "; ".join(lab.code(h.code) for h in hits)

    def docs_list(d: Decision) -> str:
        missing = [k for k, v in documents_on_file(d.customer).items() if not v]
        return ("、" if lab.lang == "zh" else ", ").join(lab.word(x) for x in missing)

    sep = "、" if lab.lang == "zh" else ", "
    docs_formula = ("=MID(" + "&".join([
        f'IF({{license}}<>{formula_text(yes)},{formula_text(sep + lab.word("license"))},"")',
        f'IF(AND({{tax_registration}}<>{formula_text(yes)},{{three_in_one}}<>{formula_text(yes)}),{formula_text(sep + lab.word("tax_registration"))},"")',
        f'IF(AND({{org_code}}<>{formula_text(yes)},{{three_in_one}}<>{formula_text(yes)}),{formula_text(sep + lab.word("org_code"))},"")',
        f'IF({{agreement}}<>{formula_text(yes)},{formula_text(sep + lab.word("agreement"))},"")']) + f",{len(sep) + 1},999)")
    key_missing = (f'=({{license}}<>{formula_text(yes)})+AND({{tax_registration}}<>{formula_text(yes)},{{three_in_one}}<>{formula_text(yes)})'
                   f'+AND({{org_code}}<>{formula_text(yes)},{{three_in_one}}<>{formula_text(yes)})')

    def ratio(num: str, den: str) -> str:
        return (f'=IF(OR(NOT(ISNUMBER({{{num}}})),NOT(ISNUMBER({{{den}}}))),"",IF({{{den}}}=0,'
                f'IF({{{num}}}>0,{BIG:.0E},""),ROUND({{{num}}}/{{{den}}},{ROUND_DIGITS})))')

    m = lambda attr: (lambda d: getattr(d.metrics, attr))  # noqa: E731
    c = lambda attr: (lambda d: getattr(d.customer, attr))  # noqa: E731
    cols += [
        Column("total", lab("total"), "int", lambda d: d.total, f"=SUM({{{first_item}}}:{{{last_item}}})"),
        Column("raw_level", lab("raw_level"), "level_cell", lambda d: d.raw_level,
               "=INDEX(LevelNames,MATCH({total},LevelMins,1))"),
        Column("overrides", lab("overrides"), "wrap", lambda d: rules_text(d.overrides), listing(force)),
        *([Column("group_forced", lab("group_forced"), "int", of_group(lambda g: len(g.forced_c)),
                  group_lookup("GroupForcedC"))] if warning else []),
        Column("caps", lab("caps"), "wrap", lambda d: rules_text(d.caps), listing(caps)),
        Column("final_level", lab("final_level"), "level_cell", lambda d: d.level, final),
        Column("base_term", lab("base_term"), "int", lambda d: d.base_term_days, f"=INDEX(BaseDays,{level_at})"),
        Column("term_rules", lab("term_rules"), "wrap", lambda d: rules_text(d.term_rules), term_rules),
        Column("recommended_term", lab("recommended_term"), "int", lambda d: d.recommended_term_days,
               '=IF({term_rules}="",{base_term},0)'),
        *([Column("eligible_limit_before", lab("eligible_limit_before"), "money0", lambda d: d.limit_before_rules,
                  limit_before),
           Column("group_limit_before", lab("group_limit_before"), "money0",
                  of_group(lambda g: g.eligible_limit_before), group_lookup("GroupLimitBefore")),
           Column("limit_rules", lab("limit_rules"), "wrap", lambda d: rules_text(d.limit_rules),
                  f'=IF(ISNUMBER({{group_limit_before}}),IF({{group_limit_before}}*GroupShareDen'
                  f'>GroupTotalLimit*GroupShareNum,{limit_rule},""),"")'),
           Column("eligible_limit", lab("eligible_limit"), "money0", lambda d: d.eligible_limit,
                  f'=IF({{limit_rules}}<>"",{scaled},{{eligible_limit_before}})')] if control else
          [Column("eligible_limit", lab("eligible_limit"), "money0", lambda d: d.eligible_limit, limit_before)]),
        # The request as the salesperson gave it (blank: none), and the one that counts: as
        # given, else the recommendation.
        Column("requested_term_given", lab("requested_term_given"), "int", c("requested_term_days")),
        Column("requested_limit_given", lab("requested_limit_given"), "money", c("requested_limit")),
        Column("requested_term", lab("requested_term"), "int", lambda d: d.requested_term_days,
               "=IF(ISNUMBER({requested_term_given}),{requested_term_given},{recommended_term})"),
        Column("requested_limit", lab("requested_limit"), "money", lambda d: d.requested_limit,
               "=IF(ISNUMBER({requested_limit_given}),{requested_limit_given},{eligible_limit})"),
        Column("request_given", lab("request_given"), "text",
               lambda d: lab("request.given") if d.request_given else lab("request.default"),
               f'=IF(OR(ISNUMBER({{requested_term_given}}),ISNUMBER({{requested_limit_given}})),'
               f'{formula_text(lab("request.given"))},{formula_text(lab("request.default"))})'),
        Column("approval_route", lab("approval_route"), "text", lambda d: lab(f"route.{d.approval_route}"), route),
        *([Column("group_requests_over", lab("group_requests_over"), "text",
                  of_group(lambda g: lab.yes_no(g.requests_over)), group_lookup("GroupRequestsOver"))]
          if control else []),
        Column("exceeds_policy", lab("exceeds_policy"), "text", lambda d: lab.yes_no(d.exceeds_policy),
               '=IF(OR({requested_term}>{recommended_term},{requested_limit}>{eligible_limit}'
               + (f',{{group_requests_over}}={formula_text(yes)}' if control else '') +
               f'),{formula_text(yes)},{formula_text(no)})'),
        Column("next_review", lab("next_review"), "date", lambda d: d.next_review,
               f"=EDATE(AsOf,INDEX(ReviewMonths,{level_at}))"),
        # The data behind payment timeliness.
        Column("due_invoices", lab("due_invoices"), "int", m("due_invoices")),
        Column("due_amount", lab("due_amount"), "money", lambda d: d.metrics.due_fen / 100),
        Column("late_amount_days", lab("late_amount_days"), "money", lambda d: d.metrics.late_fen_days_float / 100),
        Column("avg_days_late", lab("avg_days_late"), "dec2", lambda d: _r(d.metrics.avg_days_late),
               f'=IF({{due_amount}}>0,ROUND({{late_amount_days}}/{{due_amount}},{ROUND_DIGITS}),"")'),
        # Cooperation and orders.
        # The first trade date of the customer sheet, else the earliest invoice.
        Column("first_trade_given", lab("first_trade_given"), "date", c("first_trade_date")),
        Column("first_invoice_date", lab("first_invoice_date"), "date", m("first_invoice_date")),
        Column("first_trade_date", lab("first_trade_date"), "date", m("first_trade_date"),
               '=IF(ISNUMBER({first_trade_given}),{first_trade_given},'
               'IF(ISNUMBER({first_invoice_date}),{first_invoice_date},""))'),
        Column("first_trade_from", lab("first_trade_from"), "text",
               lambda d: lab(f"first_trade_from.{d.metrics.first_trade_from}") if d.metrics.first_trade_from else None,
               f'=IF(ISNUMBER({{first_trade_given}}),{formula_text(lab("first_trade_from.sheet"))},'
               f'IF(ISNUMBER({{first_invoice_date}}),{formula_text(lab("first_trade_from.ledger"))},""))'),
        Column("cooperation_years", lab("cooperation_years"), "dec4", m("cooperation_years"),
               '=IF(ISNUMBER({first_trade_date}),IF({first_trade_date}<=AsOf,(AsOf-{first_trade_date})/DaysPerYear,""),"")'),
        Column("orders", lab("orders"), "int", m("orders")),
        # Sales.
        Column("sales_12m", lab("sales_12m"), "money", m("sales_12m")),
        Column("sales_prev_12m", lab("sales_prev_12m"), "money", m("sales_prev_12m")),
        Column("sales_growth", lab("sales_growth"), "pct", lambda d: _r(d.metrics.sales_growth),
               f'=IF({{sales_prev_12m}}>0,ROUND(({{sales_12m}}-{{sales_prev_12m}})/{{sales_prev_12m}},{ROUND_DIGITS}),"")'),
        # Standing.
        Column("operating_status", lab("operating_status"), "text",
               lambda d: lab.word(d.customer.operating_status) if d.customer.operating_status else None),
        Column("revenue_trend", lab("revenue_trend"), "text",
               lambda d: lab.word(d.customer.revenue_trend) if d.customer.revenue_trend else None),
        Column("sued_by_suppliers", lab("sued_by_suppliers"), "text", lambda d: yn(d.customer.sued_by_suppliers)),
        # Financial figures as entered (万元) and the ratios over them.
        Column("total_assets", lab("total_assets"), "money", c("total_assets")),
        Column("total_liabilities", lab("total_liabilities"), "money", c("total_liabilities")),
        Column("debt_ratio", lab("debt_ratio"), "ratio_pct", lambda d: _r(d.metrics.debt_ratio),
               ratio("total_liabilities", "total_assets")),
        Column("current_assets", lab("current_assets"), "money", c("current_assets")),
        Column("current_liabilities", lab("current_liabilities"), "money", c("current_liabilities")),
        Column("current_ratio", lab("current_ratio"), "ratio_dec", lambda d: _r(d.metrics.current_ratio),
               ratio("current_assets", "current_liabilities")),
        Column("registered_capital", lab("registered_capital"), "money", c("registered_capital")),
        # Documents on file, and the three-in-one licence rule.
        Column("license", lab.word("license"), "text", lambda d: yn(d.customer.license)),
        Column("tax_registration", lab.word("tax_registration"), "text", lambda d: yn(d.customer.tax_registration)),
        Column("org_code", lab.word("org_code"), "text", lambda d: yn(d.customer.org_code)),
        Column("agreement", lab.word("agreement"), "text", lambda d: yn(d.customer.agreement)),
        Column("credit_code", lab("credit_code"), "text", c("credit_code")),
        Column("credit_code_valid", lab("credit_code_valid"), "text",
               lambda d: lab.yes_no(d.customer.credit_code_valid) if d.customer.credit_code else None,
               credit_code_formula("{credit_code}", yes, no)),
        Column("three_in_one", lab("three_in_one"), "text", lambda d: lab.yes_no(three_in_one(d.customer)),
               f'=IF(AND({{license}}={formula_text(yes)},{{credit_code_valid}}={formula_text(yes)}),{formula_text(yes)},{formula_text(no)})'),
        Column("key_documents_missing", lab("key_documents_missing"), "int",
               lambda d: len(key_documents_missing(d.customer)), key_missing),
        Column("documents_missing", lab("documents_missing_count"), "int",
               lambda d: sum(not v for v in documents_on_file(d.customer).values()),
               f'=({{license}}<>{formula_text(yes)})+({{agreement}}<>{formula_text(yes)})'
               f'+AND({{tax_registration}}<>{formula_text(yes)},{{three_in_one}}<>{formula_text(yes)})'
               f'+AND({{org_code}}<>{formula_text(yes)},{{three_in_one}}<>{formula_text(yes)})'),
        Column("documents_missing_list", lab("documents_missing"), "text", docs_list, docs_formula),
        # Receivables.
        Column("open_ar", lab("open_ar"), "money", m("open_ar")),
        Column("overdue_balance", lab("overdue_balance"), "money", m("overdue_balance")),
        Column("dso", lab("dso"), "dec1", m("dso"), '=IF({sales_12m}>0,{open_ar}/{sales_12m}*365,"")'),
    ]
    # The whole numbers the item lookups compare (the value as numerator / denominator).
    used = {it.basis for it in policy.items}
    cols += [Column(key, lab(f"exact.{key}"), "int", value, formula)
             for key, bases, value, formula in _exact_columns(policy) if bases & used]
    return cols


# Each numeric basis as numerator / denominator, in cells or constants ("{key}": this row's
# cell): days late in fen-days over fen, years in days x 4 over 1,461 (365.25 days), amounts in
# fen, financial figures in fen of 万元 (a millionth of 万元 is 0.01 元).
EXACT_PARTS = {
    "avg_days_late": ("{x:late_fen_days}", "{x:due_fen}"),
    "cooperation_years": ("{x:cooperation_days}", "DaysPerYearNum"),
    "sales_12m": ("{x:sales_fen}", "100"),
    "sales_growth": ("{x:growth_fen}", "{x:prev_fen}"),
    "debt_ratio": ("{x:debt_num}", "{x:debt_den}"),
    "current_ratio": ("{x:current_num}", "{x:current_den}"),
    "registered_capital": ("{x:capital_fen}", "1000000"),
    "documents_missing": ("{documents_missing}", "1"),
}
def _exact_columns(policy: Policy) -> list[tuple[str, set[str], Callable[[Decision], Any], str]]:
    def ratio(num: str, den: str, part: int):
        def value(d: Decision) -> int | None:
            parts = ratio_parts(getattr(d.customer, num), getattr(d.customer, den))
            return None if parts is None else parts[part]
        return value

    def if_value(cell: str, expr: str) -> str:
        return f'=IF(ISNUMBER({{{cell}}}),{expr},"")'

    days_per_year = written(policy.days_per_year)
    return [
        ("x:late_fen_days", {"avg_days_late"},
         lambda d: d.metrics.late_fen_days if d.metrics.due_fen else None,
         if_value("avg_days_late", "ROUND({late_amount_days}*100,0)")),
        ("x:due_fen", {"avg_days_late"}, lambda d: d.metrics.due_fen or None,
         if_value("avg_days_late", "ROUND({due_amount}*100,0)")),
        ("x:cooperation_days", {"cooperation_years"},
         lambda d: None if d.metrics.cooperation_days is None else d.metrics.cooperation_days * days_per_year.denominator,
         if_value("cooperation_years", "(AsOf-{first_trade_date})*DaysPerYearDen")),
        ("x:sales_fen", {"sales_12m"}, lambda d: fen(d.metrics.sales_12m), "=ROUND({sales_12m}*100,0)"),
        ("x:growth_fen", {"sales_growth"},
         lambda d: fen(d.metrics.sales_12m) - fen(d.metrics.sales_prev_12m) if d.metrics.sales_growth is not None else None,
         if_value("sales_growth", "ROUND({sales_12m}*100,0)-ROUND({sales_prev_12m}*100,0)")),
        ("x:prev_fen", {"sales_growth"},
         lambda d: fen(d.metrics.sales_prev_12m) if d.metrics.sales_growth is not None else None,
         if_value("sales_growth", "ROUND({sales_prev_12m}*100,0)")),
        ("x:debt_num", {"debt_ratio"}, ratio("total_liabilities", "total_assets", 0),
         if_value("debt_ratio", "IF({total_assets}=0,1,ROUND({total_liabilities}*1000000,0)*SIGN({total_assets}))")),
        ("x:debt_den", {"debt_ratio"}, ratio("total_liabilities", "total_assets", 1),
         if_value("debt_ratio", "ROUND(ABS({total_assets})*1000000,0)")),
        ("x:current_num", {"current_ratio"}, ratio("current_assets", "current_liabilities", 0),
         if_value("current_ratio",
                  "IF({current_liabilities}=0,1,ROUND({current_assets}*1000000,0)*SIGN({current_liabilities}))")),
        ("x:current_den", {"current_ratio"}, ratio("current_assets", "current_liabilities", 1),
         if_value("current_ratio", "ROUND(ABS({current_liabilities})*1000000,0)")),
        ("x:capital_fen", {"registered_capital"},
         lambda d: None if d.customer.registered_capital is None else wan_fen(d.customer.registered_capital),
         if_value("registered_capital", "ROUND({registered_capital}*1000000,0)")),
    ]


def _cached(v: Any) -> Any:
    """A formula's cached value in the form the cell holds (dates as serial numbers)."""
    if isinstance(v, datetime):
        return _serial(v.date())
    if isinstance(v, date):
        return _serial(v)
    if v is None:
        return ""
    if isinstance(v, float) and math.isinf(v):
        return BIG if v > 0 else -BIG
    return v


def write_results_sheet(ws, fm: Formats, lab: Labels, rating: Rating, policy: Policy, names: Names,
                        tick: Tick = no_tick) -> int:
    cols = results_columns(policy, lab, names, group_numbers(rating))
    idx = {col.key: i for i, col in enumerate(cols)}
    letters = [xl_col_to_name(i) for i in range(len(cols))]
    n = len(rating.decisions)
    last_row = n + 1  # Excel row number of the last customer
    # Each formula as written for the first customer row (Excel row 2); the rows below share it.
    shared: dict[int, SharedColumn] = {}
    for i, col in enumerate(cols):
        if col.formula and n:
            text = _FIELD.sub(lambda mt: f"{letters[idx[mt.group(1)]]}2", col.formula)
            shared[i] = SharedColumn(len(shared), text, f"{letters[i]}2:{letters[i]}{last_row}", 1)

    formats = [getattr(fm, col.fmt) for col in cols]
    sample = [[col.value(d) for col in cols] for d in rating.decisions[:2000]]
    fit_widths(ws, [col.header.split("\n")[0] for col in cols], sample)  # column settings before the rows
    for k in idx:
        if k.startswith("item:"):
            ws.set_column(idx[k], idx[k], 9, fm.int)
    ws.write_row(0, 0, [col.header for col in cols], fm.header)
    ws.set_row(0, 42)
    # A block of rows at a time: each decision's values in one pass (its objects are read once,
    # while in the processor's cache), then the block's XML a column at a time.
    values_of = [col.value for col in cols]
    for start in ticking(range(0, n, TICK_ROWS), tick, every=1):
        block = rating.decisions[start:start + TICK_ROWS]
        columns = list(zip(*[[value(d) for value in values_of] for d in block]))
        for i in shared:
            if any(type(v) is not int for v in columns[i]):  # whole numbers are cached as they are
                columns[i] = [_cached(v) for v in columns[i]]
        ws.write_columns(start + 1, columns, formats, shared)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
    for k in ("raw_level", "final_level"):
        c = idx[k]
        for lv, f in fm.level.items():
            ws.conditional_format(1, c, max(n, 1), c, {"type": "cell", "criteria": "==", "value": f'"{lv}"',
                                                       "format": f})
    return n


# ---------------------------------------------------------------- the groups sheet (集团)

GROUP_HEADER_ROW = 6  # rows above it: title, T, share, ceiling, the rules' state, a blank row


def link_words(gf: GroupFigures, lab: Labels) -> str:
    """How a group was linked, in words: "所属集团 华远集团：C0001、C0002；统一社会信用代码 …：…"."""
    field = {"group": lab("group"), "credit_code": lab("credit_code"), "controller": lab("controller")}
    colon, sep, ids = ("：", "；", "、") if lab.lang == "zh" else (": ", "; ", ", ")
    return sep.join(f"{field.get(k.field, k.field)} {k.value}{colon}{ids.join(k.customers)}" for k in gf.group.links)


def write_group_sheet(wb, ws, fm: Formats, lab: Labels, rating: Rating, policy: Policy, results_name: str,
                      tick: Tick = no_tick, whole: bool = True) -> None:
    """One row per group (``Rating.groups`` order) with its figures as live sums over its members'
    rows beneath it (outlined), each member's figures as references to its row on the results
    sheet; T, the share and the ceiling as named cells the results sheet's formulas use.

    Written top to bottom (constant-memory mode). With no groups the sheet says so in one line
    (the sheet is always there, so a reader of the workbook finds the same sheets in every run,
    and the named ranges the results formulas name exist).

    Not ``whole`` (a filtered export: ``rating`` holds the customers a filter showed): the rules
    were decided over every member and every customer rated, so T and each group's figures are
    the run's, written as values, and only the members shown are listed beneath their group."""
    sheet, res = quote_sheet(ws.name), quote_sheet(results_name)
    yes, no = lab("yes"), lab("no")
    control = policy.group.concentration
    cols = results_columns(policy, lab)
    letter = {col.key: xl_col_to_name(i) for i, col in enumerate(cols)}
    before_key = "eligible_limit_before" if control else "eligible_limit"
    at = {d.customer_id: (r, d) for r, d in enumerate(rating.decisions, start=2)}  # Excel row on the results sheet
    n_levels = len(policy.levels)

    bold = {"font_name": fm.text.font_name, "font_size": 10, "valign": "vcenter", "bold": True, "bg_color": "#F2F2F2"}
    g_text, g_wrap = wb.add_format(bold), wb.add_format({**bold, "text_wrap": True, "valign": "top"})
    g_int, g_money = wb.add_format({**bold, "num_format": "#,##0"}), wb.add_format({**bold, "num_format": "#,##0.00"})
    g_level, g_flag = wb.add_format({**bold, "align": "center"}), wb.add_format({**bold, "align": "center"})
    m_flag = wb.add_format({"font_name": fm.text.font_name, "font_size": 10, "valign": "vcenter", "align": "center"})
    m_name = wb.add_format({"font_name": fm.text.font_name, "font_size": 10, "valign": "vcenter", "indent": 1})

    # (key, header, width): the columns of the sheet
    layout = [("no", lab("group_no"), 8), ("who", lab("group_or_member"), 24), ("customer_id", lab("customer_id"), 11),
              ("links", lab("group_links"), 36), ("members", lab("group_members"), 7),
              ("sales_12m", lab("sales_12m"), 15), ("open_ar", lab("open_ar"), 14),
              ("overdue_balance", lab("overdue_balance"), 14), ("forced", lab("group_forced_count"), 9),
              ("level", lab("group_level"), 9), ("rank", lab("level_rank"), 8),
              ("before", lab("eligible_limit_before"), 14), ("ceiling", lab("group_ceiling"), 14),
              ("over", lab("over_ceiling"), 9), ("after", lab("eligible_limit_after"), 14),
              ("requested", lab("requested_limit"), 14), ("requests_over", lab("requests_over"), 9)]
    col = {key: c for c, (key, _, _) in enumerate(layout)}
    L = {key: xl_col_to_name(c) for key, c in col.items()}  # noqa: N806  (column letters, as in the formulas)
    header = [h for _, h, _ in layout]
    widths = [w for _, _, w in layout]
    longest = max([display_width(gf.name) for gf in rating.groups]
                  + [display_width(d.customer.name) + 2 for d in rating.decisions if d.group is not None], default=0)
    widths[col["who"]] = max(widths[col["who"]], min(36, longest + 2))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)

    def name1(n: str, row: int, c: int) -> None:
        wb.define_name(n, f"={sheet}!${xl_col_to_name(c)}${row + 1}")

    def rng(n: str, first: int, last: int, c: int) -> None:
        letter_ = xl_col_to_name(c)
        wb.define_name(n, f"={sheet}!${letter_}${first + 1}:${letter_}${last + 1}")

    def lookups(first: int, last: int) -> None:
        for n, key in (("GroupNos", "no"), ("GroupForcedC", "forced"), ("GroupLimitBefore", "before"),
                       ("GroupRequestsOver", "requests_over")):
            rng(n, first, last, col[key])

    decisions = rating.decisions
    total = rating.groups[0].total_limit if rating.groups else sum(d.limit_before_rules for d in decisions)
    t_col, v = letter[before_key], col["links"]  # the values of the lines on top, under the links column
    ws.write_string(0, 0, lab("title.groups"), fm.title)
    ws.write_string(1, 0, lab("group_total_limit"), fm.label)
    if whole:
        ws.write_formula(1, v, f"=SUM({res}!${t_col}$2:${t_col}${max(len(decisions) + 1, 2)})", fm.money0, total)
    else:
        ws.write_number(1, v, total, fm.money0)
    name1("GroupTotalLimit", 1, v)
    ws.write_string(2, 0, lab("group_share"), fm.label)
    ws.write_formula(2, v, "=GroupShare", fm.pct, policy.group.concentration_share)
    ws.write_string(3, 0, lab("group_ceiling_formula"), fm.label)
    share = written(policy.group.concentration_share)
    if control:
        ws.write_formula(3, v, "=GroupTotalLimit*GroupShareNum/GroupShareDen", fm.money, float(total * share))
        name1("GroupCeiling", 3, v)
    else:
        ws.write_string(3, v, lab("rule_off"), fm.text)
    state = lab("group_rules_state", lab.yes_no(policy.group.warning) if policy.group.warning else lab("rule_off"),
                policy.group.warning_level, lab.yes_no(control) if control else lab("rule_off"))
    if not whole:
        state += ("；" if lab.lang == "zh" else "; ") + lab("groups_filtered")
    ws.write_string(4, 0, state, fm.text)

    h = GROUP_HEADER_ROW
    ws.write_row(h, 0, header, fm.header)
    ws.set_row(h, row_height_pt(((t, col_width_px(w), fm.header) for t, w in zip(header, widths)), min_lines=2))
    first = h + 1
    if not rating.groups:
        ws.write_string(first, 0, lab("no_groups"), fm.text)
        lookups(first, first)
        ws.freeze_panes(h + 1, 0)
        return

    kinds = {"no": "int", "who": "text", "customer_id": "text", "links": "wrap", "members": "int", "forced": "int",
             "level": "level", "rank": "int", "before": "int", "ceiling": "money", "over": "flag", "after": "int",
             "requests_over": "flag"}
    g_formats = {"int": g_int, "text": g_text, "wrap": g_wrap, "money": g_money, "level": g_level, "flag": g_flag}
    m_formats = {"int": fm.int, "text": fm.text, "wrap": fm.text, "money": fm.money, "level": fm.level_cell,
                 "flag": m_flag}
    group_formats = [g_formats[kinds.get(key, "money")] for key, _, _ in layout]
    member_formats = [m_formats[kinds.get(key, "money")] for key, _, _ in layout]
    group_formats[col["no"]] = fm.int
    member_formats[col["who"]] = m_name
    link_px, who_px = col_width_px(widths[col["links"]]), col_width_px(widths[col["who"]])
    yes_no = f"{formula_text(yes)},{formula_text(no)})"
    r = first
    rank = {lv.level: n_levels - policy.rank(lv.level) for lv in policy.levels}  # MATCH in LevelNames (lowest first)
    for k, gf in ticking(enumerate(rating.groups, start=1), tick, every=200):
        shown = [cid for cid in gf.members if cid in at]  # every member, but in a filtered export
        a, b = r + 2, r + 1 + len(shown)  # Excel rows of the members

        def total_of(key: str, value: Any, a: int = a, b: int = b) -> Any:
            return Formula(f"=SUM({L[key]}{a}:{L[key]}{b})", value) if whole else value

        links = link_words(gf, lab)
        ws.set_row(r, row_height_pt([(links, link_px, g_wrap), (gf.name, who_px, g_text)]))
        cells: dict[str, Any] = {
            "no": k, "who": gf.name, "links": links,
            "members": Formula(f"=COUNTA({L['customer_id']}{a}:{L['customer_id']}{b})", len(gf.members))
            if whole else len(gf.members),
            "sales_12m": total_of("sales_12m", gf.sales_12m), "open_ar": total_of("open_ar", gf.open_ar),
            "overdue_balance": total_of("overdue_balance", gf.overdue_balance),
            "forced": total_of("forced", len(gf.forced_c)),
            "level": Formula(f"=INDEX(LevelNames,{L['rank']}{r + 1})", gf.worst_level),
            "rank": Formula(f"=MIN({L['rank']}{a}:{L['rank']}{b})", rank[gf.worst_level]) if whole
            else rank[gf.worst_level],
            "before": total_of("before", gf.eligible_limit_before), "after": total_of("after", gf.eligible_limit),
            "requested": total_of("requested", gf.requested_limit),
        }
        if control and gf.ceiling is not None:
            cells["ceiling"] = Formula("=GroupCeiling", float(gf.ceiling))
            cells["over"] = Formula(f"=IF({L['before']}{r + 1}*GroupShareDen>GroupTotalLimit*GroupShareNum,{yes_no}",
                                    lab.yes_no(gf.reduced))
            cells["requests_over"] = Formula(f"=IF(ROUND({L['requested']}{r + 1}*100,0)*GroupShareDen"
                                             f">GroupTotalLimit*GroupShareNum*100,{yes_no}", lab.yes_no(gf.requests_over))
        ws.write_cells(r, [cells.get(key) for key, _, _ in layout], group_formats)
        for cid in shown:
            r += 1
            row, d = at[cid]

            def ref(key: str, value: Any, row: int = row) -> Formula:
                return Formula(f"={res}!{letter[key]}{row}", value)

            cells = {
                "no": k, "who": d.customer.name, "customer_id": d.customer_id,
                "sales_12m": ref("sales_12m", d.metrics.sales_12m), "open_ar": ref("open_ar", d.metrics.open_ar),
                "overdue_balance": ref("overdue_balance", d.metrics.overdue_balance),
                "forced": Formula(f'=IF({res}!{letter["overrides"]}{row}<>"",1,0)', 1 if d.overrides else 0),
                "level": ref("final_level", d.level),
                "rank": Formula(f"=MATCH({L['level']}{r + 1},LevelNames,0)", rank[d.level]),
                "before": ref(before_key, d.limit_before_rules), "after": ref("eligible_limit", d.eligible_limit),
                "requested": ref("requested_limit", d.requested_limit),
            }
            ws.set_row(r, None, None, {"level": 1})
            ws.write_cells(r, [cells.get(key) for key, _, _ in layout], member_formats)
        r += 1
    last = r - 1
    lookups(first, last)
    ws.outline_settings(True, False, True, False)  # the group's row above its members
    ws.freeze_panes(h + 1, 2)
    for lv, f in fm.level.items():
        ws.conditional_format(first, col["level"], last, col["level"],
                              {"type": "cell", "criteria": "==", "value": f'"{lv}"', "format": f})
