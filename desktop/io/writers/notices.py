"""Customer-facing notices of payment terms (付款条件通知书).

Meant for the customer, so they show the payment term only: never the credit level, the
score, the rules or the limit (保密原则). One print-ready sheet per customer.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from desktop.io.writers.forms import sheet_title
from desktop.io.writers.xlsx import FONT, col_width_px, new_workbook, row_height_pt


@dataclass(frozen=True)
class Notice:
    customer_id: str
    customer_name: str
    term_days: int
    effective: date
    new_customer: bool  # the first orders are cash before delivery


def term_words(days: int) -> str:
    if days <= 0:
        return "款到发货（先付款，后发货）"
    return f"开具发票后 {days} 天内付清货款"


WIDTH = 74  # characters: the one column, a portrait A4 page wide at 100 % (margins below)


def _paragraph(ws, width: int, row: int, text: str, fmt, least: float = 0.0) -> None:
    """One paragraph in ``row``, the row as tall as the wrapped text (a long name, a long company name)."""
    ws.write_string(row, 0, text, fmt)
    ws.set_row(row, max(least, row_height_pt([(text, width, fmt)])))


def write_notices(path: str, notices: list[Notice], company: str = "") -> None:
    wb = new_workbook(path)
    title = wb.add_format({"font_name": FONT, "font_size": 18, "bold": True, "align": "center", "valign": "vcenter"})
    body = wb.add_format({"font_name": FONT, "font_size": 12, "text_wrap": True, "valign": "top"})
    strong = wb.add_format({"font_name": FONT, "font_size": 14, "bold": True, "align": "center", "border": 1,
                            "valign": "vcenter", "text_wrap": True})
    right = wb.add_format({"font_name": FONT, "font_size": 12, "align": "right", "text_wrap": True})
    width = col_width_px(WIDTH)
    used: set[str] = set()
    for n in notices:
        ws = wb.add_worksheet(sheet_title("通知", n.customer_id, used))
        ws.set_column(0, 0, WIDTH)
        ws.hide_gridlines(2)
        line = functools.partial(_paragraph, ws, width)
        line(0, "付款条件通知书", title, 36)
        line(2, f"致：{n.customer_name}", body)
        line(4, f"感谢贵司一直以来的支持与合作。根据我司客户信用管理规定，自 {n.effective:%Y年%m月%d日} 起，"
                "贵司与我司交易的付款条件如下：", body)
        line(6, term_words(n.term_days), strong, 44)
        extra = ("按我司规定，新客户的前三笔订单实行款到发货。" if n.new_customer else
                 "如付款条件有调整，我司将另行书面通知。")
        line(8, extra + "如有疑问，请与我司业务员或财务部联系。", body)
        line(12, f"{company} 财务部".strip(), right)
        line(13, f"{n.effective:%Y年%m月%d日}", right)
        ws.set_paper(9)
        ws.set_portrait()
        ws.set_margins(left=0.7, right=0.7, top=0.75, bottom=0.75)
        ws.fit_to_pages(1, 1)  # one page; at 100 % unless a very long name or company takes more rows
        ws.print_area(0, 0, 14, 0)
        ws.protect()
    if not notices:
        ws = wb.add_worksheet("通知")
        ws.set_column(0, 0, WIDTH)
        ws.write_string(0, 0, "（无需发送的通知）")
    wb.close()
