"""Customer-facing notices of payment terms (付款条件通知书).

Meant for the customer, so they show the payment term only: never the credit level, the
score, the rules or the limit (保密原则). One print-ready sheet per customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from desktop.io.writers.forms import sheet_title
from desktop.io.writers.xlsx import FONT, new_workbook


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


def write_notices(path: str, notices: list[Notice], company: str = "") -> None:
    wb = new_workbook(path)
    title = wb.add_format({"font_name": FONT, "font_size": 18, "bold": True, "align": "center"})
    body = wb.add_format({"font_name": FONT, "font_size": 12, "text_wrap": True, "valign": "top"})
    strong = wb.add_format({"font_name": FONT, "font_size": 14, "bold": True, "align": "center", "border": 1,
                            "valign": "vcenter", "text_wrap": True})
    right = wb.add_format({"font_name": FONT, "font_size": 12, "align": "right"})
    used: set[str] = set()
    for n in notices:
        ws = wb.add_worksheet(sheet_title("通知", n.customer_id, used))
        ws.set_column(0, 0, 90)
        ws.hide_gridlines(2)
        ws.write_string(0, 0, "付款条件通知书", title)
        ws.set_row(0, 36)
        ws.write_string(2, 0, f"致：{n.customer_name}", body)
        text = (f"感谢贵司一直以来的支持与合作。根据我司客户信用管理规定，自 {n.effective:%Y年%m月%d日} 起，"
                f"贵司与我司交易的付款条件如下：")
        ws.write_string(4, 0, text, body)
        ws.set_row(4, 40)
        ws.write_string(6, 0, term_words(n.term_days), strong)
        ws.set_row(6, 44)
        extra = ("按我司规定，新客户的前三笔订单实行款到发货。" if n.new_customer else
                 "如付款条件有调整，我司将另行书面通知。")
        ws.write_string(8, 0, extra + "如有疑问，请与我司业务员或财务部联系。", body)
        ws.set_row(8, 40)
        ws.write_string(12, 0, (company or "") + " 财务部", right)
        ws.write_string(13, 0, f"{n.effective:%Y年%m月%d日}", right)
        ws.set_paper(9)
        ws.set_portrait()
        ws.fit_to_pages(1, 1)
        ws.print_area(0, 0, 14, 0)
        ws.protect()
    if not notices:
        wb.add_worksheet("通知").write_string(0, 0, "（无需发送的通知）")
    wb.close()
