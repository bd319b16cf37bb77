"""Approval forms: which forms a rating needs, the facts each form carries, their digest,
and the checks applied to the decisions read back from filled forms.

Pure: the writers and readers in desktop.io place and find the cells.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from desktop.core.models import Decision, Rating
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


def fact_values(d: Decision, as_of: date, words: dict[str, str]) -> dict[str, Any]:
    """Every fact a form may show, as written on the form. ``words`` translates codes."""
    m, c = d.metrics, d.customer
    rules = [*d.overrides, *d.caps, *d.term_rules]
    return {
        "customer_id": c.customer_id, "name": c.name, "credit_code": c.credit_code, "salesperson": c.salesperson,
        "group": c.group, "first_trade_date": m.first_trade_date, "registered_capital": c.registered_capital,
        "operating_status": words.get(c.operating_status or "", None), "orders": m.orders,
        "cooperation_years": None if m.cooperation_years is None else round(m.cooperation_years, 2),
        "sales_12m": m.sales_12m, "sales_prev_12m": m.sales_prev_12m, "open_ar": m.open_ar,
        "overdue_balance": m.overdue_balance,
        "avg_days_late": None if m.avg_days_late is None else round(m.avg_days_late, 1),
        "as_of": as_of, "total": d.total, "raw_level": d.raw_level, "system_level": d.level,
        "rules_fired": "；".join(words.get(h.code, h.code) for h in rules) or words.get("none", "无"),
        "next_review": d.next_review, "recommended_term": d.recommended_term_days,
        "eligible_limit": d.eligible_limit, "requested_term": d.requested_term_days,
        "requested_limit": d.requested_limit, "request_reason": c.request_reason,
        "approval_route": words.get(f"route.{d.approval_route}", d.approval_route),
        "exceeds_policy": words.get("yes" if d.exceeds_policy else "no"),
    }


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
    return str(value).strip()


def facts_digest(values: list[tuple[str, Any]]) -> str:
    """SHA-256 over the locked facts of a form (cell key and canonical value, in order)."""
    text = json.dumps([[k, canonical(v)] for k, v in values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------
# Checking decisions read back from filled forms


@dataclass
class FilledForm:
    """What was read from one form sheet."""

    form_id: str
    form_type: str
    customer_id: str
    run_id: str
    file: str
    sheet: str
    facts: dict[str, Any]
    inputs: dict[str, Any]
    cells: dict[str, str]  # field -> cell address, for messages
    digest_ok: bool


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str
    form_id: str
    cell: str
    problem: str
    severity: str = "error"  # "error": the decision is not taken; "warning": taken, flagged


@dataclass
class FinalDecision:
    """The final approved terms for one customer, and where they came from."""

    customer_id: str
    name: str
    status: str  # approved | rejected | returned | pending | invalid
    approved_term_days: int | None
    approved_limit: float | None
    final_level: str | None
    forms: list[str] = field(default_factory=list)
    approvers: list[str] = field(default_factory=list)
    decided_on: date | None = None
    notes: list[str] = field(default_factory=list)


def _text(v: Any) -> str | None:
    """A cell as trimmed text; None when blank."""
    if v is None:
        return None
    text = str(v).strip()
    return text or None


def _as_int(v: Any) -> int | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)) and float(v).is_integer() and v >= 0:
        return int(v)
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return -1  # present but not a whole number of days


def _as_amount(v: Any) -> float | None:
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0:
        return float(v)
    try:
        x = float(str(v).replace(",", "").strip())
        return x if x >= 0 else -1.0
    except ValueError:
        return -1.0


def _as_date(v: Any) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str) and v.strip():
        try:
            return date.fromisoformat(v.strip().replace("/", "-"))
        except ValueError:
            return None
    return None


def check_form(f: FilledForm, policy: Policy, levels: tuple[str, ...]) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one form's inputs; returns the normalised decision and the problems found."""
    problems: list[Problem] = []

    def report(key: str, text: str, severity: str = "error") -> None:
        problems.append(Problem(f.file, f.sheet, f.form_id, f.cells.get(key, ""), text, severity))

    role = "manager" if f.form_type == CREDIT_APPLICATION else "cfo"
    raw = f.inputs
    decision = _text(raw.get(f"{role}_decision"))
    out: dict[str, Any] = {"decision": decision, "role": role}
    if f.form_type == SPECIAL_TERM:
        out["manager_decision"] = _text(raw.get("manager_decision"))
        if out["manager_decision"] and out["manager_decision"] not in DECISIONS:
            report("manager_decision", f"decision must be one of {'/'.join(DECISIONS)}")
        if out["manager_decision"]:
            _signed(f, "manager", report, out)
    if not decision:
        return out, problems
    if decision not in DECISIONS:
        report(f"{role}_decision", f"decision {decision!r} is not one of {'/'.join(DECISIONS)}")
        out["decision"] = "invalid"
        return out, problems
    _signed(f, role, report, out)
    term = _as_int(raw.get(f"{role}_approved_term"))
    limit = _as_amount(raw.get(f"{role}_approved_limit"))
    if term == -1:
        report(f"{role}_approved_term", "approved term must be a whole number of days")
    if limit is not None and limit < 0:
        report(f"{role}_approved_limit", "approved limit must be a non-negative amount")
    level = _text(raw.get(f"{role}_final_level"))
    if level is not None and level not in levels:
        report(f"{role}_final_level", f"final level {level!r} is not one of {'/'.join(levels)}")
        level = None
    out.update(term=None if term == -1 else term, limit=None if limit is not None and limit < 0 else limit,
               level=level)
    if decision == APPROVE:
        req_term, req_limit = f.facts.get("requested_term"), f.facts.get("requested_limit")
        rec_term, elig = f.facts.get("recommended_term"), f.facts.get("eligible_limit")
        term_v = out["term"] if out["term"] is not None else req_term
        limit_v = out["limit"] if out["limit"] is not None else req_limit
        out["term_final"], out["limit_final"] = term_v, limit_v
        has_reason = _text(raw.get(f"{role}_reason")) is not None
        above = []
        if term_v is not None and req_term is not None and term_v > req_term:
            above.append("term above the request")
        if limit_v is not None and req_limit is not None and limit_v > req_limit + 0.005:
            above.append("limit above the request")
        if term_v is not None and rec_term is not None and term_v > rec_term:
            above.append("term above policy")
        if limit_v is not None and elig is not None and limit_v > elig + 0.005:
            above.append("limit above policy")
        if above and not has_reason:
            report(f"{role}_reason", f"approved {', '.join(above)} without a written reason")
        final_level = level or f.facts.get("system_level")
        if final_level == levels[-1] and term_v:
            report(f"{role}_approved_term", f"credit terms ({term_v} days) approved for a {final_level}-level "
                                            f"customer", "warning")
        if f.form_type == CREDIT_APPLICATION and term_v is not None and term_v > policy.sales_manager_max_days:
            out["needs_cfo"] = True
    return out, problems


def _signed(f: FilledForm, role: str, report, out: dict[str, Any]) -> None:
    signer = _text(f.inputs.get(f"{role}_signer"))
    when = f.inputs.get(f"{role}_date")
    if signer is None:
        report(f"{role}_signer", "decision without a signer")
    else:
        out.setdefault("signers", []).append(signer)
    d = _as_date(when)
    if d is None:
        report(f"{role}_date", "decision without a date" if when in (None, "") else f"not a date: {when!r}")
    else:
        out["date"] = d


# ---------------------------------------------------------------------------------------
# From all forms read back to the final decisions


@dataclass
class ApprovalOutcome:
    finals: list[FinalDecision]
    problems: list[Problem]
    records: list[dict[str, Any]]  # one per form read: who decided what, when, on which form


COMPARED_FACTS = ("customer_id", "name", "total", "raw_level", "system_level", "recommended_term",
                  "eligible_limit", "requested_term", "requested_limit", "orders", "sales_12m", "open_ar",
                  "overdue_balance")


def evaluate(forms: list[FilledForm], run_id: str, reference: dict[str, dict[str, Any]], policy: Policy
             ) -> ApprovalOutcome:
    """Check every form against its run and the reference facts, then decide per customer.

    ``reference``: customer_id -> facts of the results workbook of run ``run_id``.
    """
    problems: list[Problem] = []
    levels = tuple(lv.level for lv in policy.levels)
    by_id: dict[str, list[FilledForm]] = {}
    for f in forms:
        by_id.setdefault(f.form_id, []).append(f)
    valid: list[FilledForm] = []
    for fid, copies in by_id.items():
        if len(copies) > 1:
            for f in copies:
                others = ", ".join(f"{o.file}!{o.sheet}" for o in copies if o is not f)
                problems.append(Problem(f.file, f.sheet, fid, f.cells.get("form_id", ""),
                                        f"duplicated form (same form ID also at {others}); none of the copies used"))
            continue
        f = copies[0]
        if f.run_id != run_id:
            problems.append(Problem(f.file, f.sheet, fid, f.cells.get("run_id", ""),
                                    f"form from another run ({f.run_id}); the results are from run {run_id}"))
            continue
        ref = reference.get(f.customer_id)
        if ref is None:
            problems.append(Problem(f.file, f.sheet, fid, f.cells.get("customer_id", ""),
                                    f"customer {f.customer_id} is not in the results of run {run_id}"))
            continue
        changed = [(k, f.facts.get(k), ref.get(k)) for k in list(COMPARED_FACTS) + [k for k in ref if k.startswith(
            "item:")] if k in f.facts and k in ref and canonical(f.facts.get(k)) != canonical(ref.get(k))]
        for k, shown, expected in changed:
            problems.append(Problem(f.file, f.sheet, fid, f.cells.get(k, ""),
                                    f"locked fact changed: the form shows {shown!r}, the results say {expected!r}"))
        if not f.digest_ok and not changed:
            problems.append(Problem(f.file, f.sheet, fid, f.cells.get("digest", ""),
                                    "locked facts were changed (the digest does not match them)"))
        if changed or not f.digest_ok:
            continue
        valid.append(f)

    found = {(f.form_type, f.customer_id) for f in forms if f.run_id == run_id}
    for cid, ref in reference.items():
        term = ref.get("requested_term") or 0
        if term > 0 and (CREDIT_APPLICATION, cid) not in found:
            problems.append(Problem("", "", "", "", f"missing form: no credit level assessment application "
                                                    f"for customer {cid} (requested {term} days)"))
        if term > policy.sales_manager_max_days and (SPECIAL_TERM, cid) not in found:
            problems.append(Problem("", "", "", "", f"missing form: no special payment-term application "
                                                    f"for customer {cid} (requested {term} days)"))

    checked: dict[tuple[str, str], tuple[FilledForm, dict[str, Any]]] = {}
    records = []
    for f in valid:
        out, probs = check_form(f, policy, levels)
        problems += probs
        checked[(f.form_type, f.customer_id)] = (f, out)
        records.append({"form_id": f.form_id, "form_type": f.form_type, "customer_id": f.customer_id,
                        "run_id": f.run_id, "file": f.file, "sheet": f.sheet, "decision": out.get("decision"),
                        "signers": out.get("signers", []), "date": out.get("date"),
                        "approved_term": out.get("term"), "approved_limit": out.get("limit"),
                        "final_level": out.get("level"), "errors": sum(p.severity == "error" for p in probs)})

    finals = []
    for cid in sorted({f.customer_id for f in valid}, key=list(reference).index):
        finals.append(_final(cid, reference[cid], checked, problems, policy))
    return ApprovalOutcome(finals, problems, records)


def _final(cid: str, ref: dict[str, Any], checked, problems: list[Problem], policy: Policy) -> FinalDecision:
    app = checked.get((CREDIT_APPLICATION, cid))
    special = checked.get((SPECIAL_TERM, cid))
    fd = FinalDecision(cid, str(ref.get("name") or ""), "pending", None, None, None)
    for pair in (app, special):
        if pair:
            f, out = pair
            fd.forms.append(f.form_id)
            fd.approvers += out.get("signers", [])
            if out.get("date") and (fd.decided_on is None or out["date"] > fd.decided_on):
                fd.decided_on = out["date"]
    errors = {p.form_id for p in problems if p.severity == "error"}
    if app is None:
        fd.status = "pending"
        fd.notes.append("no valid credit level assessment application")
        return fd
    f, out = app
    if f.form_id in errors or out.get("decision") == "invalid":
        fd.status = "invalid"
        fd.notes.append("the application has errors (see problems)")
        return fd
    decision = out.get("decision")
    if decision is None:
        return fd
    if decision != APPROVE:
        fd.status = "rejected" if decision == REJECT else "returned"
        return fd
    term, limit = out.get("term_final"), out.get("limit_final")
    level = out.get("level") or ref.get("system_level")
    needs_cfo = (ref.get("requested_term") or 0) > policy.sales_manager_max_days or out.get("needs_cfo")
    if needs_cfo:
        if special is None or special[1].get("decision") is None:
            cell = f.cells.get("manager_approved_term", "")
            problems.append(Problem(f.file, f.sheet, f.form_id, cell,
                                    f"a term of {term} days needs the CFO's approval on the special payment-term "
                                    f"application, which is missing or not decided"))
            fd.status = "pending"
            fd.notes.append("awaiting the CFO")
            return fd
        sf, sout = special
        if sf.form_id in errors or sout.get("decision") == "invalid":
            fd.status = "invalid"
            fd.notes.append("the special payment-term application has errors (see problems)")
            return fd
        if sout["decision"] != APPROVE:
            fd.status = "rejected" if sout["decision"] == REJECT else "returned"
            fd.notes.append("CFO: " + sout["decision"])
            return fd
        if sout.get("term") is not None:  # the CFO's figures, where given, are the final ones
            term = sout["term"]
        if sout.get("limit") is not None:
            limit = sout["limit"]
        if not sf.inputs.get("finance_filing_date"):
            problems.append(Problem(sf.file, sf.sheet, sf.form_id, sf.cells.get("finance_filing_date", ""),
                                    "approved by the CFO but not yet filed by finance (no filing date)", "warning"))
    fd.status = "approved"
    fd.approved_term_days = term
    fd.approved_limit = limit
    fd.final_level = level
    return fd
