"""Header aliases, header-row detection and sheet classification.

A header cell is normalised (full-width to half-width, spaces and marks removed, a unit
in brackets split off: ``注册资本（万元）`` -> ``注册资本`` + ``万元``) and looked up in the
alias table of each sheet kind. The row within the first rows that matches the most
fields of a kind is the header row; a header of two rows (a merged group header such as
``回款`` over ``日期`` and ``金额``, or ``客户编号`` merged down over both rows) is read as one.

The kinds are told apart by the columns only one of them has (an invoice number or a due
date for a sales ledger, a receipt date for a receipts list, a credit code or a
salesperson for a customer sheet), then by how many columns they map. A sheet whose
headers fit two kinds equally (``客户编号, 日期, 金额``) is a tie: the sheet's or file's
name settles it when it says what it is (``回款明细``), and the tie is reported either way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

CUSTOMERS, LEDGER, RECEIPTS, IGNORED = "customers", "ledger", "receipts", "ignored"
KINDS = (CUSTOMERS, LEDGER, RECEIPTS)
HEADER_SCAN_ROWS = 100  # title rows, notes and a logo can push a real header far down

_CUSTOMER_REF = {
    "customer_id": ["客户编号", "客户代码", "客户编码", "客户号", "客户id", "customer id", "customer code", "customer no"],
    "customer_name": ["客户名称", "单位名称", "客户", "客户全称", "公司名称", "customer name", "customer"],
}
ALIASES: dict[str, dict[str, list[str]]] = {
    CUSTOMERS: {
        "customer_id": _CUSTOMER_REF["customer_id"],
        "name": _CUSTOMER_REF["customer_name"] + ["name"],
        "credit_code": ["统一社会信用代码", "社会信用代码", "信用代码", "credit code", "unified social credit code", "uscc"],
        "salesperson": ["业务员", "销售人员", "销售员", "业务代表", "salesperson", "sales rep"],
        "sales_manager": ["销售部经理", "销售经理", "所属经理", "sales manager"],
        "group": ["所属集团", "集团", "关联集团", "集团名称", "所属集团名称", "group"],
        "controller": ["实际控制人", "实控人", "最终控制人", "actual controller", "controller"],
        "first_trade_date": ["首次合作日期", "首次交易日期", "合作开始日期", "首次合作时间", "first trade date"],
        "registered_capital": ["注册资本", "注册资金", "registered capital"],
        "agreement": ["年度合作协议", "是否签订协议", "合作协议", "年度协议", "agreement", "annual agreement"],
        "license": ["营业执照", "business license", "license", "licence"],
        "tax_registration": ["税务登记证", "税务登记", "tax registration"],
        "org_code": ["组织机构代码证", "组织机构代码", "org code", "organization code"],
        "operating_status": ["经营状况", "经营状态", "operating status"],
        "revenue_trend": ["营业额趋势", "营业趋势", "营收趋势", "revenue trend"],
        "sued_by_suppliers": ["被其他供应商起诉", "被供应商起诉", "是否被起诉", "涉诉", "sued by suppliers", "litigation"],
        "total_assets": ["资产总额", "总资产", "total assets"],
        "total_liabilities": ["负债总额", "总负债", "total liabilities"],
        "current_assets": ["流动资产", "current assets"],
        "current_liabilities": ["流动负债", "current liabilities"],
        "current_term_days": ["现行账期", "现行信用期", "现有账期", "current term", "current term days"],
        "requested_term_days": ["申请账期", "申请信用期", "申请信用期限", "requested term", "requested term days"],
        "requested_limit": ["申请额度", "申请信用额度", "requested limit"],
        "request_reason": ["申请理由", "申请原因", "request reason", "reason"],
    },
    LEDGER: {
        **_CUSTOMER_REF,
        "invoice_no": ["发票号", "发票号码", "订单号", "单号", "销售单号", "单据号", "单据编号", "invoice no", "invoice number", "order no"],
        "invoice_date": ["开票日期", "发票日期", "销售日期", "发货日期", "单据日期", "日期", "invoice date", "date"],
        "amount": ["金额", "销售金额", "发票金额", "含税金额", "价税合计", "应收金额", "amount", "invoice amount"],
        "due_date": ["到期日", "到期日期", "应收到期日", "due date"],
        "term_days": ["账期", "信用期", "付款期限", "term", "term days"],
        "paid_date": ["回款日期", "收款日期", "付款日期", "到账日期", "paid date"],
        "paid_amount": ["回款金额", "收款金额", "已收金额", "已回款金额", "已回款", "paid amount"],
    },
    RECEIPTS: {
        **_CUSTOMER_REF,
        "date": ["回款日期", "收款日期", "到账日期", "日期", "receipt date", "date"],
        "amount": ["回款金额", "收款金额", "到账金额", "金额", "amount", "receipt amount"],
    },
}
REQUIRED = {
    CUSTOMERS: [("customer_id",), ("name",)],
    LEDGER: [("customer_id", "customer_name"), ("invoice_date",), ("amount",)],
    RECEIPTS: [("customer_id", "customer_name"), ("date",), ("amount",)],
}
# The customer-sheet columns each scorecard basis reads (desktop.core.scoring.basis_values and
# desktop.core.rating.customer_metrics); the bases from the ledger read none.
# tests/test_ui_mapping.py checks that every basis the policy can name is here.
BASIS_FIELDS: dict[str, tuple[str, ...]] = {
    "avg_days_late": (), "sales_12m": (), "sales_growth": (),
    "cooperation_years": ("first_trade_date",),  # else the earliest invoice date
    "debt_ratio": ("total_assets", "total_liabilities"),
    "current_ratio": ("current_assets", "current_liabilities"),
    "registered_capital": ("registered_capital",),
    "documents_missing": ("license", "tax_registration", "org_code", "agreement", "credit_code"),
    "operating_status": ("operating_status",),
}
_KEY_DOCUMENTS = ("license", "tax_registration", "org_code", "credit_code")  # credit code: the three-in-one rule
# A rule switch of the policy (section, flag) -> the customer-sheet columns the rule reads when it is on.
RULE_FIELDS: dict[tuple[str, str], tuple[str, ...]] = {
    ("force_c", "operating_poor"): ("operating_status",),
    ("force_c", "revenue_decline"): ("revenue_trend",),
    ("force_c", "litigation"): ("sued_by_suppliers",),
    ("cap", "new_customer"): ("first_trade_date",),
    ("cap", "documents"): _KEY_DOCUMENTS,
    ("group", "warning"): ("group", "controller", "credit_code"),
    ("group", "concentration"): ("group", "controller", "credit_code"),
    ("terms", "require_agreement"): ("agreement",),
    ("terms", "require_documents"): _KEY_DOCUMENTS,
}
# Read by every rating whatever the policy: due dates fall back on the current term, and the
# request decides the approval route and whether it exceeds the policy.
DECISION_FIELDS = ("current_term_days", "requested_term_days", "requested_limit")


def rating_fields(kind: str, policy) -> list[tuple[str, ...]]:
    """The fields a rating under ``policy`` reads from a sheet of ``kind``, as groups (a group is
    there when any one of its fields is mapped): the required ones, then what the policy's items
    and switched-on rules read, then the request; the ledger and the receipts: every column their
    tables hold (desktop.core.models), all of them feed the metrics. In the alias table's order."""
    from desktop.core.models import LEDGER_COLUMNS, RECEIPT_COLUMNS
    groups = list(REQUIRED[kind])
    required = {f for g in groups for f in g}
    if kind == CUSTOMERS:
        wanted = {f for item in policy.items for f in BASIS_FIELDS[item.basis]}
        for (section, flag), fields in RULE_FIELDS.items():
            if getattr(getattr(policy, section), flag):
                wanted.update(fields)
        wanted.update(DECISION_FIELDS)
    else:
        wanted = set(LEDGER_COLUMNS if kind == LEDGER else RECEIPT_COLUMNS) - {"row"}
    groups += [(f,) for f in ALIASES[kind] if f in wanted and f not in required]
    return groups


def unused_columns(headers: list[str], mapped, filled) -> list[tuple[int, str]]:
    """The columns that hold data (``filled[c]``) and are mapped to no field (not in ``mapped``):
    (column, header as written; "" when the column has no header)."""
    taken = set(mapped)
    return [(c, headers[c] if c < len(headers) else "") for c, has in enumerate(filled)
            if has and c not in taken]


def column_list(columns: list[tuple[int, str]], no_header: str = "", sep: str = ", ") -> str:
    """``L 经营状况, O 资产总额(万元)``: each column by its letter and header (``no_header`` when blank)."""
    return sep.join(f"{column_letter(c)} {h or no_header}".strip() for c, h in columns)
# Unit of each amount field as stored: headers in another unit are converted.
FIELD_UNITS = {
    "registered_capital": "万元", "total_assets": "万元", "total_liabilities": "万元",
    "current_assets": "万元", "current_liabilities": "万元", "requested_limit": "元",
    "amount": "元", "paid_amount": "元",
}
UNIT_FACTORS = {"元": 1.0, "万元": 10_000.0, "万": 10_000.0, "千元": 1_000.0, "百万元": 1_000_000.0, "亿元": 100_000_000.0}


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\s_*:：.\-#/、]+", " ", text).strip()


_LOOKUP = {kind: {_key(a): f for f, aliases in table.items() for a in aliases} for kind, table in ALIASES.items()}
_UNIT = re.compile(r"^(?P<base>.*?)[(\[（【]\s*(?P<unit>[^)\]）】]*)\s*[)\]）】]\s*$")


@lru_cache(maxsize=65536)
def split_header(cell: object) -> tuple[str, str | None]:
    """Normalised header name and its unit: ``注册资本（万元）`` -> (``注册资本``, ``万元``)."""
    text = unicodedata.normalize("NFKC", str(cell)).strip() if cell is not None else ""
    unit = None
    m = _UNIT.match(text)
    if m:
        text, unit = m.group("base"), m.group("unit").strip()
    else:
        for u in sorted(UNIT_FACTORS, key=len, reverse=True):
            if text.endswith(u) and len(text) > len(u) and _key(text[: -len(u)]) in _ANY_ALIAS:
                text, unit = text[: -len(u)], u
                break
    return _key(text), unit


_ANY_ALIAS = {k for table in _LOOKUP.values() for k in table}


@dataclass
class HeaderMatch:
    """How one sheet's header row maps to a kind's fields."""

    kind: str
    header_row: int  # 0-based index in the sheet's rows
    columns: dict[str, int]  # field -> 0-based column index
    units: dict[str, str | None]  # field -> unit written in the header
    headers: list[str]  # the header row as written
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (column, field) ignored
    rows: int = 1  # header rows: 2 for a group header over sub-headers (header_row is the lower one)

    @property
    def complete(self) -> bool:
        return all(any(f in self.columns for f in group) for group in REQUIRED[self.kind])

    @property
    def specific(self) -> int:
        """How many of its columns only this kind has: what tells a ledger from a receipts list."""
        return sum(1 for f, c in self.columns.items() if _specific(self.kind, f, self.headers[c]))


# Columns that belong to one kind only; the date and amount of a ledger or a receipts list count
# only under a header that names them (开票日期, 回款金额), not under a bare 日期 or 金额.
_ONLY = {
    CUSTOMERS: {"credit_code", "salesperson", "sales_manager", "group", "first_trade_date", "registered_capital",
                "agreement", "license", "tax_registration", "org_code", "operating_status", "revenue_trend",
                "sued_by_suppliers", "total_assets", "total_liabilities", "current_assets", "current_liabilities",
                "current_term_days", "requested_term_days", "requested_limit", "request_reason"},
    LEDGER: {"invoice_no", "due_date", "term_days", "paid_date", "paid_amount", "invoice_date", "amount"},
    RECEIPTS: {"date", "amount"},
}
_GENERIC = {"日期", "date", "金额", "amount", "客户", "customer"}


def _specific(kind: str, fld: str, header: str) -> bool:
    return fld in _ONLY[kind] and (fld not in ("invoice_date", "amount", "date") or
                                   split_header(header)[0] not in _GENERIC)


def match_row(row: list[object], kind: str, row_index: int) -> HeaderMatch:
    table = _LOOKUP[kind]
    columns: dict[str, int] = {}
    units: dict[str, str | None] = {}
    dups: list[tuple[int, str]] = []
    for col, cell in enumerate(row):
        if cell is None or str(cell).strip() == "":
            continue
        name, unit = split_header(cell)
        f = table.get(name)
        if f is None:
            continue
        if f in columns:
            dups.append((col, f))
            continue
        columns[f] = col
        units[f] = unit
    headers = ["" if c is None else str(c).strip() for c in row]
    return HeaderMatch(kind, row_index, columns, units, headers, dups)


def _two_rows(upper: list[object], lower: list[object]) -> list[list[str]]:
    """For each column, the header texts a two-row header can mean, most specific first.

    A group header (``回款``) is merged across the columns of its sub-headers: only its first
    cell holds the text, so it is carried right while the row below has sub-headers. A header
    merged down over both rows has its text in the upper row only.
    """
    width = max(len(upper), len(lower))
    texts: list[list[str]] = []
    group = ""
    for c in range(width):
        up = "" if c >= len(upper) or upper[c] is None else str(upper[c]).strip()
        low = "" if c >= len(lower) or lower[c] is None else str(lower[c]).strip()
        if up:
            group = up if low else ""
        elif not low:
            group = ""
        above = up or group
        if low and above:
            texts.append([above + low, low, above])
        else:
            texts.append([low or above])
    return texts


def _match_two_rows(upper: list[object], lower: list[object], kind: str, row_index: int) -> HeaderMatch:
    table = _LOOKUP[kind]
    columns: dict[str, int] = {}
    units: dict[str, str | None] = {}
    dups: list[tuple[int, str]] = []
    headers = []
    for col, options in enumerate(_two_rows(upper, lower)):
        # shown as the clerk sees the two cells: "回款 日期"; a header merged down: its one text
        headers.append(f"{options[2]} {options[1]}" if len(options) == 3 else options[0])
        for text in options:
            name, unit = split_header(text) if text else ("", None)
            f = table.get(name)
            if f is None:
                continue
            if f in columns:
                dups.append((col, f))
            else:
                columns[f], units[f] = col, unit
            break
    return HeaderMatch(kind, row_index + 1, columns, units, headers, dups, rows=2)


HEADER_SCAN_COLUMNS = 1024  # a header lies within the first columns (a sheet may be 16,384 wide)


def _names_a_field(row: list[object]) -> bool:
    return any(c is not None and split_header(c)[0] in _ANY_ALIAS for c in row)


def _candidates(rows: list[list[object]], kinds: tuple[str, ...]) -> list[HeaderMatch]:
    """Complete header matches in the first rows: one-row headers, and two-row ones that map more.

    Only rows with a cell that names some field are tried (one lookup per cell), so a wide
    sheet of data costs little.
    """
    found = []
    top = [row[:HEADER_SCAN_COLUMNS] for row in rows[:HEADER_SCAN_ROWS]]
    hits = [_names_a_field(row) for row in top]
    for i, row in enumerate(top):
        if not hits[i] and not (i + 1 < len(top) and hits[i + 1]):
            continue
        for k in kinds:
            m = match_row(row, k, i)
            if m.complete:
                found.append(m)
            if i + 1 < len(top):
                two = _match_two_rows(row, top[i + 1], k, i)
                below = match_row(top[i + 1], k, i + 1)
                if two.complete and len(two.columns) > max(len(m.columns), len(below.columns)):
                    found.append(two)
    return found


def _rank(m: HeaderMatch) -> tuple[int, int]:
    return m.specific, len(m.columns)


def detect_header(rows: list[list[object]], kind: str | None = None) -> HeaderMatch | None:
    """The best complete header match within the first rows (of ``kind``, or of any kind)."""
    best: HeaderMatch | None = None
    for m in _candidates(rows, (kind,) if kind else KINDS):
        if best is None or (_rank(m) > _rank(best) if kind is None else len(m.columns) > len(best.columns)):
            best = m
    return best


def known_headers(rows: list[list[object]], kind: str | None = None) -> HeaderMatch | None:
    """The row within the first rows with the most headers that are aliases of a field of ``kind``
    (of any kind: the kind with the most), matched as detection matches them, complete or not:
    what a clerk who says what a sheet is can start from when its required headers were renamed.
    The complete detection wins when there is one; None when no row names a field."""
    found = detect_header(rows, kind)
    if found is not None:
        return found
    best: HeaderMatch | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        row = row[:HEADER_SCAN_COLUMNS]
        if not _names_a_field(row):
            continue
        for k in (kind,) if kind else KINDS:
            m = match_row(row, k, i)
            if best is None or len(m.columns) > len(best.columns):
                best = m
    return best if best is not None and best.columns else None


_NAME_SAYS = {RECEIPTS: re.compile(r"回款|收款|到账|进账|receipt", re.I),
              LEDGER: re.compile(r"销售|发票|开票|应收|台账|发货|出库|sales|invoice|ledger", re.I),
              CUSTOMERS: re.compile(r"客户.*(资料|信息|档案|名录|清单)|信用资料|customer", re.I)}


@dataclass
class Classification:
    """What a sheet was taken for: its header match, and the kinds its headers fit equally (a tie)."""

    match: HeaderMatch | None
    tied: tuple[str, ...] = ()  # the kinds that fit as well as the one chosen (empty: no tie)
    settled_by: str | None = None  # the sheet or file name that settled a tie
    header_row: int | None = None  # 0-based: the header row the tied kinds share


def classify(rows: list[list[object]], names: tuple[str, ...] = ()) -> Classification:
    """The sheet's kind from its headers; a tie between kinds is settled by ``names`` (the sheet's,
    then the file's) when one of them says what it is, and reported either way."""
    found = _candidates(rows, KINDS)
    if not found:
        return Classification(None)
    top = max(_rank(m) for m in found)
    best: dict[str, HeaderMatch] = {}
    for m in found:
        if _rank(m) == top and m.kind not in best:
            best[m.kind] = m
    if len(best) == 1:
        return Classification(next(iter(best.values())))
    tied = tuple(k for k in KINDS if k in best)
    row = min(m.header_row for m in best.values())
    for name in names:
        says = [k for k in tied if _NAME_SAYS[k].search(name or "")]
        if len(says) == 1:
            return Classification(best[says[0]], tied, name, row)
    return Classification(None, tied, None, row)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
