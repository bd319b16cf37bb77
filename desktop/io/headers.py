"""Header aliases, header-row detection and sheet classification.

A header cell is normalised (full-width to half-width, spaces and marks removed, a unit
in brackets split off: ``注册资本（万元）`` -> ``注册资本`` + ``万元``) and looked up in the
alias table of each sheet kind. The row within the first rows that matches the most
fields of a kind is the header row; the kind with the best match is the sheet's kind.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

CUSTOMERS, LEDGER, RECEIPTS, IGNORED = "customers", "ledger", "receipts", "ignored"
KINDS = (CUSTOMERS, LEDGER, RECEIPTS)
HEADER_SCAN_ROWS = 30

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
        "group": ["所属集团", "集团", "关联集团", "group"],
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

    @property
    def complete(self) -> bool:
        return all(any(f in self.columns for f in group) for group in REQUIRED[self.kind])


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


def detect_header(rows: list[list[object]], kind: str | None = None) -> HeaderMatch | None:
    """The best complete header match within the first rows (of ``kind``, or of any kind)."""
    best: HeaderMatch | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        for k in (kind,) if kind else KINDS:
            m = match_row(row, k, i)
            if m.complete and (best is None or len(m.columns) > len(best.columns)):
                best = m
    return best


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
