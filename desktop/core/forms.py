"""Approval forms: which forms a rating needs, the facts each form carries, their seal,
and the checks applied to the decisions read back from filled forms.

The reference a form is checked against is the decision the rating register recorded for its
run and customer (``RunReference``, built by desktop.services); a run missing from the register
is checked against its results workbook, with a warning that the register could not confirm it.
Each form's locked facts are sealed with HMAC-SHA256 under the register's own secret key (a
register never shares it: no workbook, log or JSON holds it), so a sealed fact cannot be edited
and its digest recomputed from the source code alone; a run not recorded in a register gets a
plain SHA-256, which catches an edit, not a forger.

Pure: the writers and readers in desktop.io place and find the cells; every problem is a code
and its values, worded by the catalogue in desktop.io.writers.labels.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import unicodedata
from array import array
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from desktop.core.groups import CONCENTRATION, GroupFigures
from desktop.core.models import Decision, Rating, RuleHit
from desktop.core.policy import Policy

CREDIT_APPLICATION, SPECIAL_TERM = "credit_application", "special_term"
ID_PREFIX = {CREDIT_APPLICATION: "XYPD", SPECIAL_TERM: "TSQX"}  # 信用评定 / 特殊期限
DECISIONS = ("同意", "不同意", "退回修改")
APPROVE, REJECT, RETURN = DECISIONS

# Fact fields a form can show: key -> (label zh, label en, value type)
FACTS: dict[str, tuple[str, str, str]] = {
    "customer_id": ("客户编号", "Customer ID", "text"),
    "name": ("客户名称", "Customer name", "text"),
    "credit_code": ("统一社会信用代码", "Credit code", "text"),
    "salesperson": ("业务员", "Salesperson", "text"),
    "group": ("所属集团", "Group", "text"),
    "first_trade_date": ("首次合作日期", "First trade date", "date"),
    "registered_capital": ("注册资本(万元)", "Registered capital (10k CNY)", "money"),
    "operating_status": ("经营状况", "Operating status", "text"),
    "orders": ("订单数", "Orders", "int"),
    "cooperation_years": ("合作年限(年)", "Cooperation years", "dec"),
    "sales_12m": ("近12个月销售额(元)", "Sales 12m (CNY)", "money"),
    "sales_prev_12m": ("前12个月销售额(元)", "Sales prior 12m (CNY)", "money"),
    "open_ar": ("应收余额(元)", "Open AR (CNY)", "money"),
    "overdue_balance": ("逾期余额(元)", "Overdue (CNY)", "money"),
    "avg_days_late": ("加权平均逾期天数", "Avg days late", "dec"),
    "as_of": ("评估基准日", "Assessment date", "date"),
    "total": ("总分", "Total score", "int"),
    "raw_level": ("系统等级(按总分)", "Level by score", "text"),
    "system_level": ("评定等级(规则后)", "Level after rules", "text"),
    "rules_fired": ("触发规则", "Rules fired", "text"),
    "next_review": ("下次复评日", "Next review", "date"),
    "recommended_term": ("建议账期(天)", "Recommended term (days)", "int"),
    "eligible_limit": ("可授信额度(元)", "Eligible limit (CNY)", "money"),
    "requested_term": ("申请账期(天)", "Requested term (days)", "int"),
    "requested_limit": ("申请额度(元)", "Requested limit (CNY)", "money"),
    "request_reason": ("申请理由", "Reason for the request", "text"),
    "approval_route": ("审批路径", "Approval route", "text"),
    "exceeds_policy": ("超出政策", "Exceeds policy", "text"),
    "rules_detail": ("规则依据", "Why the rules fired", "text"),
    # the customer's group (集团客户, DOMAIN.md): blank figures and "不属于集团" outside groups
    "group_name": ("集团名称", "Group name", "text"),
    "group_size": ("集团成员(户)", "Members", "int"),
    "group_members": ("集团成员", "Members (ID, name)", "text"),
    "group_links": ("关联方式", "Linked by", "text"),
    "group_sales_12m": ("集团近12个月销售额(元)", "Group sales 12m (CNY)", "money"),
    "group_open_ar": ("集团应收余额(元)", "Group open AR (CNY)", "money"),
    "group_overdue_balance": ("集团逾期余额(元)", "Group overdue (CNY)", "money"),
    "group_requested_limit": ("集团申请额度合计(元)", "Group requested limits (CNY)", "money"),
    "group_eligible_limit": ("集团可授信额度合计(元)", "Group eligible limits (CNY)", "money"),
    "group_ceiling": ("集团额度上限(元)", "Group ceiling (CNY)", "money"),
    "group_worst_level": ("集团最差等级", "Worst level in group", "text"),
    "group_forced_c": ("强制C级成员", "Members forced to C", "text"),
}

# Input fields the approvers fill: key -> (label zh, label en, input type)
INPUTS: dict[str, tuple[str, str, str]] = {
    "salesperson_opinion": ("业务员意见", "Salesperson's opinion", "opinion"),
    "salesperson_signer": ("业务员签字", "Salesperson (signature)", "signer"),
    "salesperson_date": ("日期", "Date", "date"),
    "manager_opinion": ("销售部经理意见", "Sales manager's opinion", "opinion"),
    "manager_decision": ("审批结论", "Decision", "decision"),
    "manager_final_level": ("核定等级", "Final level", "level"),
    "manager_approved_term": ("核定账期(天)", "Approved term (days)", "term"),
    "manager_approved_limit": ("核定额度(元)", "Approved limit (CNY)", "limit"),
    "manager_reason": ("超出申请或政策的理由", "Reason if above request or policy", "opinion"),
    "manager_signer": ("销售部经理签字", "Sales manager (signature)", "signer"),
    "manager_date": ("日期", "Date", "date"),
    "finance_opinion": ("财务部意见", "Finance opinion", "opinion"),
    "finance_signer": ("财务部签字", "Finance (signature)", "signer"),
    "finance_date": ("日期", "Date", "date"),
    "cfo_opinion": ("财务总监意见", "CFO's opinion", "opinion"),
    "cfo_decision": ("财务总监审批结论", "CFO decision", "decision"),
    "cfo_approved_term": ("核定账期(天)", "Approved term (days)", "term"),
    "cfo_approved_limit": ("核定额度(元)", "Approved limit (CNY)", "limit"),
    "cfo_reason": ("超出申请或政策的理由", "Reason if above request or policy", "opinion"),
    "cfo_signer": ("财务总监签字", "CFO (signature)", "signer"),
    "cfo_date": ("日期", "Date", "date"),
    "finance_filing_date": ("财务部备案日期", "Filed by finance on", "date"),
}


@dataclass(frozen=True)
class FormSpec:
    """One form to produce: its ID, type and the decision it is about."""

    form_id: str
    form_type: str
    decision: Decision


def forms_needed(rating: Rating, policy: Policy, run_id: str, also: frozenset[str] = frozenset()) -> list[FormSpec]:
    """A credit application per customer whose route is not "none" (or named in ``also``),
    and a special payment-term application per request over the sales manager's limit."""
    stamp = run_id.replace("-", "")[:14]
    specs: list[FormSpec] = []
    n_app = n_special = 0
    for d in rating.decisions:
        if d.approval_route != "none" or d.customer_id in also:
            n_app += 1
            specs.append(FormSpec(f"{ID_PREFIX[CREDIT_APPLICATION]}-{stamp}-{n_app:05d}", CREDIT_APPLICATION, d))
        if d.requested_term_days > policy.sales_manager_max_days:
            n_special += 1
            specs.append(FormSpec(f"{ID_PREFIX[SPECIAL_TERM]}-{stamp}-{n_special:05d}", SPECIAL_TERM, d))
    return specs


def fact_values(d: Decision, as_of: date, words: dict[str, str], group: GroupFigures | None = None,
                peers: Mapping[str, Decision] | None = None,
                explain: Callable[[RuleHit], str] | None = None) -> dict[str, Any]:
    """Every fact a form may show, as written on the form. ``words`` translates codes; ``group``:
    the figures of the customer's group (None outside groups); ``peers``: customer ID -> decision,
    for the members' names and why a member was forced to C; ``explain``: a rule hit's data as a
    sentence (the catalogue's), for ``rules_detail``."""
    m, c = d.metrics, d.customer
    rules = d.rules
    return {**_group_facts(d, words, group, peers or {}), "rules_detail": _rules_detail(d, words, explain),
        "customer_id": c.customer_id, "name": c.name, "credit_code": c.credit_code, "salesperson": c.salesperson,
        "group": c.group, "first_trade_date": m.first_trade_date, "registered_capital": c.registered_capital,
        "operating_status": words.get(c.operating_status or "", None), "orders": m.orders,
        "cooperation_years": None if m.cooperation_years is None else round(m.cooperation_years, 2),
        "sales_12m": m.sales_12m, "sales_prev_12m": m.sales_prev_12m, "open_ar": m.open_ar,
        "overdue_balance": m.overdue_balance,
        "avg_days_late": None if m.avg_days_late is None else round(m.avg_days_late, 1),
        "as_of": as_of, "total": d.total, "raw_level": d.raw_level, "system_level": d.level,
        "rules_fired": words.get("sep", "；").join(words.get(h.code, h.code) for h in rules) or words.get("none", "无"),
        "next_review": d.next_review, "recommended_term": d.recommended_term_days,
        "eligible_limit": d.eligible_limit, "requested_term": d.requested_term_days,
        "requested_limit": d.requested_limit, "request_reason": c.request_reason,
        "approval_route": words.get(f"route.{d.approval_route}", d.approval_route),
        "exceeds_policy": words.get("yes" if d.exceeds_policy else "no"),
    }


def _width(text: str) -> int:
    """A text's width in half-width characters (a Chinese character is two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


GROUP_TEXT_WIDTH = 220  # members, links, forced members: about three lines of the form's widest value cell


def _looked_at(budget: int) -> int:
    """How many parts ``_within`` can look at for ``budget``: k parts, each at least 1 wide, joined
    by separators 2 wide, are 3k - 2 wide, so one more than fits is enough to know the rest is cut
    (a group of 20,000 need not write 20,000 names for each of its forms)."""
    return (budget + 2) // 3 + 1


def _within(parts: list[str], sep: str, more: str, budget: int = GROUP_TEXT_WIDTH) -> str:
    """``parts`` joined by ``sep`` as far as they fit in ``budget``, then ``more`` (the first part always)."""
    shown: list[str] = []
    for n, part in enumerate(parts):
        tail = more if n < len(parts) - 1 else ""
        if shown and _width(sep.join([*shown, part]) + tail) > budget:
            return sep.join(shown) + more
        shown.append(part)
    return sep.join(shown)


def _group_facts(d: Decision, words: dict[str, str], g: GroupFigures | None,
                 peers: Mapping[str, Decision]) -> dict[str, Any]:
    """The group block of an application form: the customer's group, how its members are linked,
    its figures after the group rules and the members forced to C (the early warning's reason)."""
    keys = [k for k in FACTS if k.startswith("group_")]
    if d.group is None or g is None:
        return {k: None for k in keys} | {"group_name": words.get("group.none", "—")}
    zh = words.get("sep", "；") == "；"
    comma, colon, space = ("、", "：", "") if zh else (", ", ": ", " ")

    def more(key: str, n: int) -> str:
        return space + words.get(key, "… {0}").format(f"{n:,}")

    def who(cid: str) -> str:
        peer = peers.get(cid)
        return f"{cid} {peer.customer.name}" if peer is not None and peer.customer.name else cid

    members = g.members
    links = []
    for link in g.group.links:
        ids = _within(list(link.customers[:_looked_at(GROUP_TEXT_WIDTH // 3)]), comma,
                      more("group.more", len(link.customers)), GROUP_TEXT_WIDTH // 3)
        links.append(f"{words.get('group.link.' + link.field, link.field)}{space}“{link.value}”{colon}{ids}")
    forced = []
    for cid in g.forced_c[:_looked_at(GROUP_TEXT_WIDTH)]:
        peer = peers.get(cid)
        why = comma.join(words.get(f"words.{h.code}", h.code) for h in peer.overrides) if peer is not None else ""
        forced.append(f"{who(cid)}（{why}）" if why and zh else f"{who(cid)} ({why})" if why else who(cid))
    return {
        "group_name": g.name, "group_size": len(members),
        "group_members": _within([who(cid) for cid in members[:_looked_at(GROUP_TEXT_WIDTH)]], comma,
                                 more("group.more", len(members))),
        "group_links": _within(links, words.get("sep", "；"), more("group.more_links", len(links))),
        "group_sales_12m": g.sales_12m, "group_open_ar": g.open_ar, "group_overdue_balance": g.overdue_balance,
        "group_requested_limit": g.requested_limit, "group_eligible_limit": g.eligible_limit,
        "group_ceiling": words.get("group.no_control") if g.ceiling is None else round(float(g.ceiling), 2),
        "group_worst_level": g.worst_level,
        "group_forced_c": _within(forced, comma, more("group.more", len(g.forced_c))) if forced
        else words.get("none", "无"),
    }


def _rules_detail(d: Decision, words: dict[str, str], explain: Callable[[RuleHit], str] | None) -> str | None:
    """Each rule fired with the data it fired on ("LIMIT_GROUP_CONCENTRATION：集团…；本户额度由 … 压降至 …")."""
    if explain is None:
        return None
    zh = words.get("sep", "；") == "；"
    out = []
    for h in d.rules:
        text = explain(h)
        if h.code == CONCENTRATION and h.data.get("limit_before", d.eligible_limit) != d.eligible_limit:
            scaled = words.get("group.scaled", "{0} -> {1}").format(f"{h.data['limit_before']:,}",
                                                                    f"{d.eligible_limit:,}")
            text = f"{text}{'，' if zh else ', '}{scaled}" if text else scaled
        if text:
            out.append(f"{h.code}{'：' if zh else ': '}{text}")
    return words.get("sep", "；").join(out) or words.get("none", "无")


def canonical(value: Any) -> Any:
    """The form of a value that survives a trip through Excel or LibreOffice unchanged."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return None
        return f"{float(value):.2f}"
    return str(value).strip() or None


# ---------------------------------------------------------------------------------------
# Seals: what a form's digest covers, and the register's record of each decision's data

SEAL_META = ("form_id", "run_id", "policy_sha256", "basis_digest")  # sealed with the facts
PLAIN, KEYED = "sha256", "hmac-sha256"


def seal(key: bytes | None, values: list[tuple[str, Any]]) -> str:
    """HMAC-SHA256 under ``key`` (the register's secret) over the canonical (key, value) pairs;
    plain SHA-256 when the run is recorded in no register (``key`` None)."""
    text = json.dumps([[k, canonical(v)] for k, v in values], ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest() if key else hashlib.sha256(text).hexdigest()


def key_check(key: bytes, run_id: str) -> str:
    """Recorded with each run: proves later that the register's secret is still the one the run's
    forms were sealed with (a secret replaced in the file no longer gives it)."""
    return hmac.new(key, f"credit-desk key check|{run_id}".encode(), hashlib.sha256).hexdigest()


def is_sealed(key: str) -> bool:
    """A cell key the seal covers: a fact, an item's basis, band or points, an aging bucket."""
    return key in FACTS or key.startswith(("item:", "aging:"))


def sealed_keys(cells: dict[str, str]) -> list[str]:
    """The keys a form's seal covers, in order: its identity (form, run, policy, basis digest),
    then every locked fact in the layout's order. Writer and reader both use this list."""
    return [k for k in SEAL_META if k in cells] + [k for k in cells if is_sealed(k)]


def sealed_values(cells: dict[str, str], value_of) -> list[tuple[str, Any]]:
    """What a form's seal covers: the layout itself (every field's cell, inputs too: a decision
    cell pointed elsewhere breaks the seal), then (key, ``value_of(key)``) for ``sealed_keys``."""
    layout = json.dumps(sorted((k, c) for k, c in cells.items() if k not in ("digest", "form_type")),
                        ensure_ascii=False, separators=(",", ":"))
    return [("layout", layout)] + [(k, value_of(k)) for k in sealed_keys(cells)]


def basis_digest(d: Decision, as_of: date, key: bytes | None) -> str:
    """The register's fingerprint of one decision and the data behind it, whatever language its
    forms are printed in: customer facts, metrics, aging, every item's value, band and points,
    the rules fired, level, terms, limit and route. Printed on each form, sealed with it.

    Over the exact values (every number as its 8-byte double, every word as text), not the
    rounded ones a form shows: it is recomputed from the decision, never from a workbook, and it
    is computed for every decision of a run (100,000 at a time), so it packs, it does not format."""
    m, c = d.metrics, d.customer
    nums = [_NAN if v is None else v for v in (
        c.registered_capital, m.orders, m.cooperation_years, m.sales_12m, m.sales_prev_12m, m.open_ar,
        m.overdue_balance, m.avg_days_late, d.total, d.recommended_term_days, d.eligible_limit,
        d.requested_term_days, d.requested_limit, d.exceeds_policy)]
    nums += m.aging.values()
    words = [c.customer_id, c.name, c.credit_code, c.salesperson, c.group, c.operating_status, c.request_reason,
             as_of, m.first_trade_date, d.raw_level, d.level, d.next_review, d.approval_route, *m.aging]
    for i in d.items:
        v = i.value
        if isinstance(v, (int, float)):
            nums.append(v)
        else:
            words.append(v)
        nums.append(i.points)
        words += (i.key, i.band)
    words += [h.code for h in (*d.overrides, *d.caps, *d.term_rules)]
    if d.group is not None or d.limit_rules:  # a customer outside groups keeps the digest it always had
        words += ["group", d.group.name if d.group else "", members_digest(d.group) if d.group else "",
                  *(h.code for h in d.limit_rules)]
        nums.append(d.limit_before_rules)
    text = array("d", nums).tobytes() + "\x1f".join(map(str, words)).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest() if key else hashlib.sha256(text).hexdigest()


_NAN = float("nan")
_MEMBERS: dict[int, tuple[Any, str]] = {}  # id(group) -> (the group, kept so its id is not reused; digest)


def members_digest(group) -> str:
    """The SHA-256 of a group's member IDs, made once per group: every member's basis digest
    covers the members, and joining them again for each member made the register's digests
    quadratic in a group's size (30,000 members: 15 ms a member, 470 s for the group)."""
    got = _MEMBERS.get(id(group))
    if got is None or got[0] is not group:
        if len(_MEMBERS) >= 256:  # the groups of a past run are not kept for long
            _MEMBERS.clear()
        got = _MEMBERS[id(group)] = (group, hashlib.sha256("\x1f".join(group.members).encode()).hexdigest())
    return got[1]


# ---------------------------------------------------------------------------------------
# What is read back, and what it is checked against


@dataclass
class FilledForm:
    """What was read from one form sheet: every field of its layout, by key.

    ``facts``: the locked facts (FACTS keys, ``item:*``, ``aging:*``); ``inputs``: the fields the
    approvers fill; ``meta``: form_id, run_id, policy_sha256, basis_digest, digest (as text);
    ``sealed``: (key, value) for each key of ``sealed_keys(cells)``, as read; ``cells``: field ->
    cell address, for messages; ``lang``: the language the form was printed in (zh | en)."""

    form_id: str
    form_type: str
    customer_id: str
    run_id: str
    file: str
    sheet: str
    facts: dict[str, Any]
    inputs: dict[str, Any]
    cells: dict[str, str]
    meta: dict[str, Any] = field(default_factory=dict)
    sealed: list[tuple[str, Any]] = field(default_factory=list)
    lang: str = "zh"
    path: str = ""  # the file's full path (``file`` is its name, as messages show it)


@dataclass
class RunReference:
    """The run the forms are checked against, from the register (``source`` "register") or, for a
    run the register does not hold, from its results workbook (``source`` "results").

    ``decisions``: customer_id -> the recorded facts under the forms' keys (name, total, raw_level,
    system_level, recommended_term, eligible_limit, requested_term, requested_limit, route,
    exceeds_policy, next_review, rules (codes), basis_digest, item:KEY points, ...); a key that is
    absent is not compared. ``key``: the register's secret (None: none to check a seal with).
    ``keyed``: the run's forms were sealed with it. ``recorded``: customer_id -> the latest
    approval recorded for this run (the register's payload plus ``seq``)."""

    run_id: str
    source: str
    as_of: date
    started: date | None
    policy_sha256: str
    decisions: dict[str, dict[str, Any]]
    key: bytes | None = None
    keyed: bool = False
    recorded: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    """One finding: where (file, sheet, form, cell), what (a catalogue code and its values) and
    how bad ("error": the decision is not taken; "warning": taken, flagged; "note": for the record)."""

    file: str
    sheet: str
    form_id: str
    cell: str
    code: str
    args: tuple = ()
    severity: str = "error"


@dataclass
class FinalDecision:
    """The final approved terms for one customer, and where they came from."""

    customer_id: str
    name: str
    status: str  # approved | rejected | returned | pending | invalid | conflict
    approved_term_days: int | None
    approved_limit: float | None
    final_level: str | None
    forms: list[str] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    decided_on: date | None = None
    notes: list[tuple[str, tuple]] = field(default_factory=list)  # (catalogue code, values)
    files: list[str] = field(default_factory=list)
    replaces: int | None = None  # the register entry of the earlier decision this one replaces
    paths: list[str] = field(default_factory=list)  # the files' full paths (what ``prefer`` names)
    record: bool = True  # False: already in the register (a duplicate), or not a decision to record


DECIDED = ("approved", "rejected", "returned")  # what a read-back records in the register
FINAL = ("approved", "rejected")  # a later, different decision on these is a conflict


def _text(v: Any) -> str | None:
    """A cell as trimmed text; None when blank."""
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    return text or None


def _as_int(v: Any) -> int | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return -1
    if isinstance(v, (int, float)) and float(v).is_integer() and v >= 0:
        return int(v)
    if isinstance(v, str):
        t = v.strip()
        if t.isdigit():
            return int(t)
        try:
            x = float(t)
            return int(x) if x.is_integer() and x >= 0 else -1
        except ValueError:
            return -1
    return -1  # present but not a whole number of days


def _as_amount(v: Any) -> float | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return -1.0
    if isinstance(v, (int, float)):
        return float(v) if math.isfinite(v) and v >= 0 else -1.0
    try:
        x = float(str(v).replace(",", "").replace("，", "").strip())
        return x if math.isfinite(x) and x >= 0 else -1.0
    except ValueError:
        return -1.0


_DATE_TEXT = re.compile(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(?:[ T]00:00(?::00(?:\.0+)?)?)?\s*")


def as_date(v: Any) -> date | None:
    """A date cell, or a date typed as text (2026-07-15, 2026/7/15, 2026.7.15, 2026年7月15日)."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        m = _DATE_TEXT.fullmatch(v)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                return None
    return None


# Cyrillic and Greek letters drawn like Latin ones: "Zhаng" with a Cyrillic а is "Zhang"
_LOOKALIKE = str.maketrans("авсдеёghіјкмнорѕтuхуАВСЕНІЈКМНОРЅТХУαβεηικμνορτυχ",
                           "abcdeeghijkmhopstuxyabcehijkmhopstxyabenikmvoptux")


def person(name: str) -> str:
    """A signer's name as compared: full-width folded (NFKC), any case, without spaces, invisible
    characters (zero-width space, soft hyphen, word joiner) or punctuation (欧阳·明 is 欧阳明,
    Zhang-Wei is Zhang Wei), and Cyrillic or Greek look-alike letters read as the Latin ones."""
    text = unicodedata.normalize("NFKC", name).casefold().translate(_LOOKALIKE)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "ZCP" and not ch.isspace())


# ---------------------------------------------------------------------------------------
# Checking one form


ROLES = ("salesperson", "manager", "finance", "cfo")
DATE_FIELDS = ("salesperson_date", "manager_date", "finance_date", "cfo_date", "finance_filing_date")


def _signers(f: FilledForm) -> list[tuple[str, str]]:
    """(role, signer) of every signature on the form."""
    return [(role, s) for role in ROLES if (s := _text(f.inputs.get(f"{role}_signer")))]


def check_form(f: FilledForm, policy: Policy, levels: tuple[str, ...], run_day: date, today: date,
               recorded: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one form's inputs; returns the normalised decision and the problems found.
    ``recorded``: the run's decision for the customer; its request, term and limit are the ones
    an approval is measured against (the form's, only where the run does not record them)."""
    problems: list[Problem] = []

    def report(key: str, code: str, *args: Any, severity: str = "error") -> None:
        problems.append(Problem(f.file, f.sheet, f.form_id, f.cells.get(key, ""), code, args, severity))

    role = "manager" if f.form_type == CREDIT_APPLICATION else "cfo"
    raw = f.inputs
    decision = _text(raw.get(f"{role}_decision"))
    out: dict[str, Any] = {"decision": decision, "role": role, "signers": [], "dates": []}
    for key in DATE_FIELDS:  # every date on the form: none before the run, none after today
        if key not in f.cells or _text(raw.get(key)) is None:
            continue
        d = as_date(raw.get(key))
        if d is None:
            report(key, "not_a_date", _text(raw.get(key)))
        elif d < run_day:
            report(key, "date_before_run", d, run_day)
        elif d > today:
            report(key, "date_after_today", d, today)
    order = [(k, as_date(raw.get(k))) for k in ("manager_date", "cfo_date", "finance_filing_date") if k in f.cells]
    order = [(k, d) for k, d in order if d is not None]
    for (k1, d1), (k2, d2) in zip(order, order[1:]):  # the manager, then the CFO, then finance files it
        if d2 < d1:
            report(k2, "date_order", f"field.{k2}", d2, f"field.{k1}", d1, severity="warning")
    seen: dict[str, str] = {}
    for who, name in _signers(f):
        other = seen.get(person(name))
        if other is not None and other != who:
            report(f"{who}_signer", "two_roles", name, f"role.{other}", f"role.{who}")
        seen.setdefault(person(name), who)
    if f.form_type == SPECIAL_TERM:
        out["manager_decision"] = _text(raw.get("manager_decision"))
        if out["manager_decision"] and out["manager_decision"] not in DECISIONS:
            report("manager_decision", "not_a_decision", out["manager_decision"], "/".join(DECISIONS))
        if out["manager_decision"]:
            _signed(f, "manager", report, out)
    if f.form_type == CREDIT_APPLICATION and "cfo_decision" in f.cells:
        out["cfo_decision"] = _text(raw.get("cfo_decision"))
        if out["cfo_decision"] and out["cfo_decision"] not in DECISIONS:
            report("cfo_decision", "not_a_decision", out["cfo_decision"], "/".join(DECISIONS))
            out["cfo_decision"] = "invalid"
        elif out["cfo_decision"]:
            _signed(f, "cfo", report, out)
    if not decision:
        return out, problems
    if decision not in DECISIONS:
        report(f"{role}_decision", "not_a_decision", decision, "/".join(DECISIONS))
        out["decision"] = "invalid"
        return out, problems
    _signed(f, role, report, out)
    term = _as_int(raw.get(f"{role}_approved_term"))
    limit = _as_amount(raw.get(f"{role}_approved_limit"))
    if term == -1:
        report(f"{role}_approved_term", "term_not_whole", _text(raw.get(f"{role}_approved_term")))
    if limit is not None and limit < 0:
        report(f"{role}_approved_limit", "limit_not_amount", _text(raw.get(f"{role}_approved_limit")))
    level = _text(raw.get(f"{role}_final_level"))
    if level is not None and level not in levels:
        report(f"{role}_final_level", "level_not_in_list", level, "/".join(levels))
        level = None
    out.update(term=None if term == -1 else term, limit=None if limit is not None and limit < 0 else limit,
               level=level)
    if decision == APPROVE:
        known = recorded or {}
        req_term, req_limit, rec_term, elig = (known[k] if known.get(k) is not None else f.facts.get(k) for k in (
            "requested_term", "requested_limit", "recommended_term", "eligible_limit"))
        term_v = out["term"] if out["term"] is not None else _as_int(req_term)
        limit_v = out["limit"] if out["limit"] is not None else _as_amount(req_limit)
        out["term_final"], out["limit_final"] = term_v, limit_v
        has_reason = _text(raw.get(f"{role}_reason")) is not None
        above = []
        if _bigger(term_v, req_term):
            above.append(("term_above_request", term_v, req_term))
        if _bigger(limit_v, req_limit, 0.005):
            above.append(("limit_above_request", limit_v, req_limit))
        if _bigger(term_v, rec_term):
            above.append(("term_above_policy", term_v, rec_term))
        if _bigger(limit_v, elig, 0.005):
            above.append(("limit_above_policy", limit_v, elig))
        if not has_reason:
            for code, v, ref in above:
                report(f"{role}_reason", f"no_reason.{code}", v, ref)
        if f.form_type == CREDIT_APPLICATION and term_v is not None and term_v > policy.sales_manager_max_days:
            out["needs_cfo"] = True
    return out, problems


def _bigger(v: Any, ref: Any, slack: float = 0.0) -> bool:
    a, b = _as_amount(v), _as_amount(ref)
    return a is not None and b is not None and a >= 0 and b >= 0 and a > b + slack


def _signed(f: FilledForm, role: str, report, out: dict[str, Any]) -> None:
    signer = _text(f.inputs.get(f"{role}_signer"))
    when = f.inputs.get(f"{role}_date")
    if signer is None:
        report(f"{role}_signer", "no_signer")
    else:
        out["signers"].append(signer)
    d = as_date(when)
    if d is None:
        if _text(when) is None:
            report(f"{role}_date", "no_date")  # a date that is there but wrong was reported above
    else:
        out["dates"].append(d)


# ---------------------------------------------------------------------------------------
# Checking a form against its run: identity, seal, locked facts


COMPARED_FACTS = ("customer_id", "name", "total", "raw_level", "system_level", "recommended_term",
                  "eligible_limit", "requested_term", "requested_limit", "orders", "sales_12m", "open_ar",
                  "overdue_balance", "next_review")


def _expected(ref: dict[str, Any], words: dict[str, str]) -> dict[str, Any]:
    """The recorded decision as the form shows it in its language (``words`` of that language)."""
    out = {k: v for k, v in ref.items() if k in COMPARED_FACTS or k.startswith("item:")}
    if "route" in ref:
        out["approval_route"] = words.get(f"route.{ref['route']}", ref["route"])
    if "exceeds_policy" in ref:
        out["exceeds_policy"] = words.get("yes" if ref["exceeds_policy"] else "no")
    if "rules" in ref:
        out["rules_fired"] = words.get("sep", "；").join(words.get(c, c) for c in ref["rules"]) or words.get("none", "无")
    return out


def _against_run(f: FilledForm, ref: RunReference, words: dict[str, str]) -> list[Problem]:
    """The form's problems with its run: none means its locked facts are the run's."""
    def problem(key: str, code: str, *args: Any, severity: str = "error") -> Problem:
        return Problem(f.file, f.sheet, f.form_id, f.cells.get(key, ""), code, args, severity)

    if f.run_id != ref.run_id:
        return [problem("run_id", "another_run", f.run_id, ref.run_id)]
    recorded = ref.decisions.get(f.customer_id)
    if recorded is None:
        return [problem("customer_id", "customer_not_in_run", f.customer_id, ref.run_id)]
    found = []
    if str(f.meta.get("policy_sha256") or "") != ref.policy_sha256:
        found.append(problem("policy_sha256", "fact_changed", "field.policy_sha256", f.meta.get("policy_sha256"),
                             ref.policy_sha256))
    expected = _expected(recorded, words)
    for k, want in expected.items():
        if k in f.facts and canonical(f.facts[k]) != canonical(want):
            name = f"{words.get(k, k)} {words.get('points_suffix', '')}" if k.startswith("item:") \
                else f"field.{k}"  # an item by its name in the policy
            found.append(problem(k, "fact_changed", name, f.facts[k], want))
    if recorded.get("basis_digest") and f.meta.get("basis_digest") != recorded["basis_digest"]:
        found.append(problem("basis_digest", "basis_changed"))
    digest = str(f.meta.get("digest") or "")
    if ref.keyed and ref.key is not None:
        if digest != seal(ref.key, f.sealed):
            found.append(problem("digest", "seal_broken"))
    elif digest == seal(None, f.sealed):
        pass  # a plain digest matches: a run with no register, or from before forms were keyed
    elif ref.source == "results":
        found.append(problem("digest", "seal_unverifiable", ref.run_id))
    else:
        found.append(problem("digest", "seal_broken"))
    return found


# ---------------------------------------------------------------------------------------
# From all forms read back to the final decisions


class Findings(list):
    """The problems found, and the forms that have an error among them (kept as they are added:
    a read-back of 100,000 forms looks this up once per customer)."""

    def __init__(self) -> None:
        super().__init__()
        self.error_forms: set[str] = set()

    def append(self, p: Problem) -> None:
        super().append(p)
        if p.severity == "error":
            self.error_forms.add(p.form_id)

    def __iadd__(self, more):
        for p in more:
            self.append(p)
        return self


@dataclass
class ApprovalOutcome:
    finals: list[FinalDecision]
    problems: list[Problem]
    records: list[dict[str, Any]]  # one per form read: who decided what, when, on which form


def evaluate(forms: list[FilledForm], ref: RunReference, policy: Policy, today: date,
             words: dict[str, dict[str, str]], prefer: frozenset[str] = frozenset()) -> ApprovalOutcome:
    """Check every form against its run and decide per customer.

    ``words``: per language (zh, en), the words forms show for codes; ``today``: the day of the
    read-back; ``prefer``: full paths of the files whose decisions win a conflict (the clerk's
    resolution; two files of one name in two folders are two files)."""
    problems = Findings()
    levels = tuple(lv.level for lv in policy.levels)
    run_day = ref.started or ref.as_of
    if ref.source == "results":
        problems.append(Problem("", "", "", "", "not_in_register", (ref.run_id,), "warning"))

    by_id: dict[str, list[FilledForm]] = {}
    for f in forms:
        by_id.setdefault(f.form_id, []).append(f)
    checked: dict[tuple[str, str], tuple[FilledForm, dict[str, Any]]] = {}
    records = []
    read_from_run: set[tuple[str, str]] = set()
    conflicts: dict[str, list[tuple[FilledForm, dict[str, Any]]]] = {}
    for fid, copies in by_id.items():
        good = []
        for f in copies:
            if f.run_id == ref.run_id:
                read_from_run.add((f.form_type, f.customer_id))
            found = _against_run(f, ref, words.get(f.lang, words.get("zh", {})))
            problems += found
            if found:
                continue
            out, probs = check_form(f, policy, levels, run_day, today, ref.decisions.get(f.customer_id))
            problems += probs
            out["errors"] = sum(p.severity == "error" for p in probs)
            records.append(_record(f, out))
            good.append((f, out))
        if not good:
            continue
        decided = [(g, o) for g, o in good if o.get("decision") or o.get("cfo_decision") or o.get("manager_decision")]
        if decided and len(decided) < len(good):  # a blank copy beside a filled one: the filled one counts
            for g, _o in good:
                if all(g is not h for h, _ in decided):
                    problems.append(Problem(g.file, g.sheet, fid, g.cells.get("form_id", ""), "copy_blank",
                                            (decided[0][0].file,), "note"))
            good = decided
        good.sort(key=lambda pair: pair[1]["errors"] > 0)  # of equal copies, one without errors counts
        first_f, first = good[0]
        differing = [(g, o) for g, o in good[1:] if _key(o) != _key(first)]
        if differing:
            chosen = [(g, o) for g, o in good if (g.path or g.file) in prefer]
            if len({_key(o) for _, o in chosen}) == 1:
                pick = chosen[0]
                for g, o in good:
                    if g is not pick[0]:
                        problems.append(Problem(g.file, g.sheet, fid, g.cells.get(f"{o['role']}_decision", ""),
                                                "copy_overruled", (pick[0].file,), "warning"))
                checked[(pick[0].form_type, pick[0].customer_id)] = pick
                continue
            for g, o in good:
                others = "；".join(f"{h.file}!{h.sheet}: {_words_of(p)}" for h, p in good if h is not g)
                problems.append(Problem(g.file, g.sheet, fid, g.cells.get(f"{o['role']}_decision", ""),
                                        "copies_conflict", (_words_of(o), others)))
            conflicts[first_f.customer_id] = good
            continue
        for g, _o in good[1:]:
            problems.append(Problem(g.file, g.sheet, fid, g.cells.get("form_id", ""), "copy_duplicate",
                                    (first_f.file, first_f.sheet), "note"))
        checked[(first_f.form_type, first_f.customer_id)] = good[0]

    missing = []
    for cid, rec in ref.decisions.items():
        route, term = rec.get("route"), rec.get("requested_term") or 0
        needs_app = route in ("sales_manager", "cfo_special") if route is not None else term > 0
        needs_special = route == "cfo_special" if route is not None else term > policy.sales_manager_max_days
        if needs_app and (CREDIT_APPLICATION, cid) not in read_from_run:
            missing.append(Problem("", "", "", "", "missing_application", (cid, term)))
        if needs_special and (SPECIAL_TERM, cid) not in read_from_run:
            missing.append(Problem("", "", "", "", "missing_special", (cid, term)))
    if missing and not read_from_run:  # nothing of this run was read: one line, not one per customer
        problems.append(Problem("", "", "", "", "no_form_of_run", (ref.run_id, len(missing))))
    else:
        problems += missing

    customers = {cid for _, cid in checked} | set(conflicts)
    order = {cid: n for n, cid in enumerate(ref.decisions)}
    finals = []
    for cid in sorted(customers, key=lambda c: (order.get(c, len(order)), c)):
        rec = ref.decisions.get(cid, {})
        if cid in conflicts:
            fd = FinalDecision(cid, str(rec.get("name") or ""), "conflict", None, None, None, record=False)
            fd.forms = list(dict.fromkeys(g.form_id for g, _ in conflicts[cid]))
            fd.files = list(dict.fromkeys(g.file for g, _ in conflicts[cid]))
            fd.paths = list(dict.fromkeys(g.path or g.file for g, _ in conflicts[cid]))
            fd.notes.append(("note.copies_conflict", ()))
            finals.append(fd)
            continue
        fd = _final(cid, rec, checked, problems, policy, levels)
        _against_recorded(fd, ref.recorded.get(cid), prefer, problems)
        finals.append(fd)
    return ApprovalOutcome(finals, problems, records)


def _key(out: dict[str, Any]) -> tuple:
    return tuple(out.get(k) for k in ("decision", "term_final", "limit_final", "level", "cfo_decision"))


def _words_of(out: dict[str, Any]) -> str:
    """A decision in a few words for a conflict message: 同意 60 天 / 200,000.00 AA."""
    parts = [str(out.get("decision") or "")]
    if out.get("term_final") is not None:
        parts.append(f"{out['term_final']}")
    if out.get("limit_final") is not None:
        parts.append(f"{out['limit_final']:,.2f}")
    if out.get("level"):
        parts.append(str(out["level"]))
    if out.get("cfo_decision"):
        parts.append(f"CFO {out['cfo_decision']}")
    return " / ".join(parts)


def _record(f: FilledForm, out: dict[str, Any]) -> dict[str, Any]:
    return {"form_id": f.form_id, "form_type": f.form_type, "customer_id": f.customer_id, "run_id": f.run_id,
            "file": f.file, "sheet": f.sheet, "decision": out.get("decision"), "signers": out.get("signers", []),
            "date": max(out.get("dates") or [None], key=lambda d: d or date.min),
            "approved_term": out.get("term"), "approved_limit": out.get("limit"), "final_level": out.get("level"),
            "errors": out.get("errors", 0)}


def _final(cid: str, ref: dict[str, Any], checked, problems: Findings, policy: Policy,
           levels: tuple[str, ...]) -> FinalDecision:
    app = checked.get((CREDIT_APPLICATION, cid))
    special = checked.get((SPECIAL_TERM, cid))
    fd = FinalDecision(cid, str(ref.get("name") or ""), "pending", None, None, None)
    roles: dict[str, tuple[str, FilledForm]] = {}
    two_roles = False
    for pair in (app, special):
        if pair:
            f, out = pair
            fd.forms.append(f.form_id)
            fd.files.append(f.file)
            fd.paths.append(f.path or f.file)
            fd.approvers += out.get("signers", [])
            for d in out.get("dates", []):
                if fd.decided_on is None or d > fd.decided_on:
                    fd.decided_on = d
            for who, name in _signers(f):  # one person, one role across the customer's forms
                seen = roles.get(person(name))
                within = any(person(n) == person(name) and w != who for w, n in _signers(f))
                if seen is not None and seen[0] != who and seen[1] is not f and not within:
                    problems.append(Problem(f.file, f.sheet, f.form_id, f.cells.get(f"{who}_signer", ""),
                                            "two_roles", (name, f"role.{seen[0]}", f"role.{who}")))
                    two_roles = True
                roles.setdefault(person(name), (who, f))
    fd.files = list(dict.fromkeys(fd.files))
    if app is None:
        fd.notes.append(("note.no_application", ()))
        fd.record = False
        return fd
    f, out = app
    decision = out.get("decision")
    term, limit = out.get("term_final"), out.get("limit_final")
    system = ref.get("system_level") or f.facts.get("system_level")
    level = out.get("level") or system
    cfo_said = None
    final_term = term  # the term granted in the end: the CFO's on the special form, where given
    if special is not None and special[1].get("decision") == APPROVE and special[1].get("term") is not None:
        final_term = special[1]["term"]
    if decision == APPROVE:  # checked whatever else is wrong with the form, so every problem is listed
        cfo_said = _above_the_system(f, out, ref, level, system, final_term, levels, problems)
        if out.get("cfo_decision") in (REJECT, RETURN):  # the CFO said no, asked or not: that stands
            cfo_said = out["cfo_decision"]
    errors = problems.error_forms
    if f.form_id in errors or decision == "invalid" or out.get("cfo_decision") == "invalid":
        fd.status = "invalid"
        fd.notes.append(("note.application_errors", ()))
        fd.record = False
        return fd
    if decision is None:
        fd.record = False
        return fd
    if decision != APPROVE:
        fd.status = "rejected" if decision == REJECT else "returned"
        return fd
    if cfo_said in (REJECT, RETURN):
        fd.status = "rejected" if cfo_said == REJECT else "returned"
        fd.notes.append(("note.cfo_said", (cfo_said,)))
        return fd
    needs_cfo = ref.get("route") == "cfo_special" or (ref.get("requested_term") or 0) > policy.sales_manager_max_days \
        or out.get("needs_cfo")
    if needs_cfo:
        if special is None or special[1].get("decision") is None:
            problems.append(Problem(f.file, f.sheet, f.form_id, f.cells.get("manager_approved_term", ""),
                                    "term_needs_cfo", (term,)))
            fd.status = "pending"
            fd.notes.append(("note.awaiting_cfo", ()))
            fd.record = False
            return fd
        sf, sout = special
        if sf.form_id in errors or sout.get("decision") == "invalid":
            fd.status = "invalid"
            fd.notes.append(("note.special_errors", ()))
            fd.record = False
            return fd
        if sout["decision"] != APPROVE:
            fd.status = "rejected" if sout["decision"] == REJECT else "returned"
            fd.notes.append(("note.cfo_said", (sout["decision"],)))
            return fd
        if sout.get("term") is not None:  # the CFO's figures, where given, are the final ones
            term = sout["term"]
        if sout.get("limit") is not None:
            limit = sout["limit"]
        if not sf.inputs.get("finance_filing_date"):
            problems.append(Problem(sf.file, sf.sheet, sf.form_id, sf.cells.get("finance_filing_date", ""),
                                    "not_filed", (), "warning"))
    if two_roles:
        fd.status = "invalid"
        fd.notes.append(("note.application_errors", ()))
        fd.record = False
        return fd
    fd.status = "approved"
    fd.approved_term_days = term
    fd.approved_limit = limit
    fd.final_level = level
    return fd


def _above_the_system(f: FilledForm, out: dict[str, Any], ref: dict[str, Any], level: str | None,
                      system: str | None, term: int | None, levels: tuple[str, ...], problems: list[Problem]
                      ) -> str | None:
    """A final level above the system's, or credit terms for a customer forced to C, need a written
    reason and the CFO's approval on the application's CFO block; returns the CFO's decision when
    the rule applies (None when it does not, or when the approval is missing: then it is an error)."""
    if "rules" in ref:
        forced = [c for c in ref["rules"] if c.startswith("FORCE_C")]
    else:  # a results workbook without the rules: C although the score says otherwise
        forced = ["FORCE_C"] if system == levels[-1] and ref.get("raw_level") not in (None, levels[-1]) else []
    raised = level in levels and system in levels and levels.index(level) < levels.index(system)
    if not raised and not (forced and term):
        if level == levels[-1] and term:
            problems.append(Problem(f.file, f.sheet, f.form_id, f.cells.get("manager_approved_term", ""),
                                    "c_level_terms", (term, level), "warning"))
        return None
    cfo = out.get("cfo_decision")
    if cfo in (REJECT, RETURN):
        return cfo
    has_reason = any(_text(f.inputs.get(k)) for k in ("manager_reason", "cfo_opinion"))
    if cfo != APPROVE or not has_reason or "cfo_decision" not in f.cells:
        code, args, where = ("raised_level_needs_cfo", (level, system), "manager_final_level") if raised else \
            ("forced_c_terms_need_cfo", (term, "、".join(forced)), "manager_approved_term")
        problems.append(Problem(f.file, f.sheet, f.form_id, f.cells.get(where, ""), code, args))
    return cfo


def _against_recorded(fd: FinalDecision, recorded: dict[str, Any] | None, prefer: frozenset[str],
                      problems: list[Problem]) -> None:
    """A decision already read back for this run and customer: the same again is a duplicate (noted,
    not recorded twice); a different one is a conflict, applied only when the clerk prefers its file."""
    if recorded is None or not fd.record or fd.status not in DECIDED:
        return
    if recorded.get("status") not in FINAL:
        return  # returned for changes (or pending) before: this is the answer to it
    old = (recorded.get("status"), recorded.get("approved_term_days"), _amount(recorded.get("approved_limit")),
           recorded.get("final_level"))
    new = (fd.status, fd.approved_term_days, _amount(fd.approved_limit), fd.final_level)
    where = (", ".join(recorded.get("files") or recorded.get("forms") or []), recorded.get("decided_on") or "",
             recorded.get("read_on") or "")
    if old == new:
        fd.record = False
        fd.notes.append(("note.duplicate", where))
        problems.append(Problem(", ".join(fd.files), "", ", ".join(fd.forms), "", "duplicate_of_recorded",
                                (fd.customer_id, *where), "note"))
        return
    if set(fd.paths) & prefer:
        fd.replaces = recorded.get("seq")
        fd.notes.append(("note.replaces", where))
        problems.append(Problem(", ".join(fd.files), "", ", ".join(fd.forms), "", "replaces_recorded",
                                (fd.customer_id, _state(old), _state(new), *where), "warning"))
        return
    problems.append(Problem(", ".join(fd.files), "", ", ".join(fd.forms), "", "conflict_with_recorded",
                            (fd.customer_id, _state(old), where[0], where[1], _state(new), ", ".join(fd.files),
                             fd.decided_on or "")))
    fd.status, fd.record = "conflict", False
    fd.approved_term_days = fd.approved_limit = fd.final_level = None
    fd.notes.append(("note.conflict", where))


def _amount(v: Any) -> float | None:
    return None if v is None else round(float(v), 2)


def _state(d: tuple) -> str:
    status, term, limit, level = d
    return " / ".join(str(x) for x in (f"status.{status}", term, None if limit is None else f"{limit:,.2f}", level)
                      if x is not None)
