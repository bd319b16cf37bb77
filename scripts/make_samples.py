"""Make the bundled sample workbooks (seeded, so the files are the same on every run).

They look like what finance clerks really receive: a title row and merged cells above the
header, units in headers, full-width characters, yes/no written six ways, amounts as text,
dates in five forms, blank rows, a total row, an Excel error value, a duplicated customer
ID, ledger rows for a customer who is not on the customer sheet, and receipts in a GBK CSV.

Two groups of related customers (DOMAIN.md "Groups and related parties"), the rest stand alone:
嘉禾集团, three members one of which is sued by its suppliers (the early warning caps the two
others, A on their own, at B), and 恒信控股(HX), whose eligible limits add up to more than 20 % of
all customers' (the total-amount control scales them down); its members are linked by 所属集团
written three ways, by 实际控制人 and by one credit code under two customer IDs.

The history (``make_history``, in ``templates/samples-history``, beside the samples rather than in
them, so that ``templates/samples/*`` reads the samples alone): invoices and payments from
2026-07-01 to 2026-11-30, for back-testing ratings made as of the samples' earlier month-ends.
Each customer goes on paying as its habit drew its sample ledger, and slips (pays a month or more
later, or not by 2026-11-30) more often the worse that habit, its operating status and lawsuits.

    python scripts/make_samples.py [FOLDER [HISTORY]]   (default: templates/samples and FOLDER-history)
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from desktop.core.credit_code import check_char

AS_OF = date(2026, 6, 30)
CREATED = {"created": datetime(2026, 6, 30)}  # a fixed date in the file properties: the same bytes every run
SURNAMES = "华东 华南 华北 西南 东方 远大 恒信 金桥 永盛 新欣 宏达 天成 瑞丰 鼎盛 博远 中联 安泰 嘉禾 万通 隆基".split()
TRADES = "商贸 电子 建材 机械 食品 化工 物流 医药 纺织 五金".split()
SALES = ["王磊", "李娜", "张伟", "刘洋", "陈静"]
STATUS = ["良好", "正常", "良好", "良好", "一般", "良好", "正常", "一般", "不良"]
TREND = ["增长", "平稳", "下滑", "增长", "平稳", "增长", "平稳", "增长", "平稳", "持续下滑"]
YES = ["是", "有", "Y", "√", "1", "是"]
NO = ["否", "无", "N", "×", "0", "否"]
# 所属集团 as the clerks wrote it: 恒信控股(HX) with full-width letters and brackets, spaces and small
# letters (one group all the same); 无 and 独立 link nobody. Everyone else: blank.
GROUPS = {
    "C0025": "嘉禾集团", "C0033": "嘉禾集团", "C0035": "嘉禾集团",  # C0025 is sued by its suppliers
    "C0004": "恒信控股(HX)", "C0019": "恒信控股(HX)", "C0005": "恒信控股（ＨＸ）", "C0034": " 恒信控股 (hx)",
    "C0010": "无", "C0022": "无", "C0041": "独立",
}
# 实际控制人: C0026 belongs to 恒信控股(HX) through its controller alone; the others link nobody.
CONTROLLERS = {"C0004": "李建华", "C0026": "李建华", "C0007": "王志远", "C0025": "周文斌", "C0003": "陈国栋"}
SAME_CODE_AS = {"C0031": "C0005"}  # one company under two customer IDs (the same credit code)


def credit_code(rng: random.Random, valid: bool = True) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(rng.choice(alphabet) for _ in range(9))
    check = check_char(body)
    if not valid:
        check = alphabet[(alphabet.index(check) + 1) % len(alphabet)]
    return body + check


def fmt_date(rng: random.Random, d: date):
    form = rng.randrange(6)
    if form == 0:
        return f"{d.year}/{d.month}/{d.day}"
    if form == 1:
        return f"{d.year}.{d.month}.{d.day}"
    if form == 2:
        return f"{d.year}年{d.month}月{d.day}日"
    if form == 3:
        return int(d.strftime("%Y%m%d"))
    return d  # a real date cell


def fmt_amount(rng: random.Random, x: float):
    form = rng.randrange(10)
    if form == 0:
        return f"¥{x:,.2f}"
    if form == 1 and x >= 10000 and round(x, -2) == x:
        return f"{x / 10000:g}万"
    if form == 2 and x < 0:
        return f"({-x:,.2f})"
    return x


def worked_example(ws, r: int, c: dict, datef) -> int:
    """The domain brief's worked example, exactly: 14 orders, 2,400,000 in the last 12 months,
    2,100,000 in the 12 before, 4.2 days late on average. Paid in the ledger's paid columns."""
    rows = []
    for k in range(4):  # prior year: 4 x 525,000, paid on time
        d = date(2024, 8, 15) + timedelta(days=80 * k)
        rows.append((d, 525_000, d + timedelta(days=60), 0))
    for k, late in enumerate([4, 4, 4, 4, 4, 4, 4, 4, 5, 5]):  # last 12 months: 10 x 240,000
        d = date(2025, 7, 10) + timedelta(days=24 * k)
        rows.append((d, 240_000, d + timedelta(days=60), late))
    for k, (d, amount, due, late) in enumerate(rows):
        ws.write_row(r, 0, [c["cid"], c["name"], f"YD{k + 1:04d}"])
        ws.write_datetime(r, 3, d, datef)
        ws.write_number(r, 4, amount)
        ws.write_datetime(r, 5, due, datef)
        ws.write_datetime(r, 7, due + timedelta(days=late), datef)
        ws.write_number(r, 8, amount)
        r += 1
    return r


def make(folder: Path) -> tuple[list[dict], int]:
    rng = random.Random(20260630)
    folder.mkdir(parents=True, exist_ok=True)
    customers = []
    for n in range(1, 43):
        cid = f"C{n:04d}"
        name = f"{rng.choice(SURNAMES)}{rng.choice(TRADES)}有限公司"
        profile = rng.random()
        start = AS_OF - timedelta(days=rng.randrange(100, 4000))
        size = rng.choice([80_000, 150_000, 300_000, 600_000, 1_200_000, 3_000_000, 7_000_000])
        late = rng.choice([0, 0, 0, 0, 1, 2, 3, 5, 10, 20, 45, 100]) if profile > 0.1 else 0
        if n == 5:
            profile = 0.05  # a new customer with no invoices yet
        customers.append(dict(cid=cid, name=name, start=start, size=size, late=late, profile=profile))
    # the worked example of the domain brief, as customer C0007
    customers[6].update(name="远大机械有限公司", start=date(2019, 3, 1), size=2_400_000, late=4, profile=0.9)

    # ---------- customer credit sheet ----------
    wb = xlsxwriter.Workbook(folder / "客户信用资料 2026.xlsx")
    wb.set_properties(CREATED)
    ws = wb.add_worksheet("客户信用资料")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "font_name": "等线"})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "font_name": "等线"})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    headers = ["客户编号", "客户名称", "统一社会信用代码", "业务员", "所属集团", "实际控制人", "首次合作日期", "注册资本（万元）",
               "年度合作协议", "营业执照", "税务登记证", "组织机构代码证", "经营状况", "营业额趋势", "被其他供应商起诉",
               "资产总额(万元)", "负债总额(万元)", "流动资产(万元)", "流动负债(万元)", "现行账期(天)", "申请账期(天)",
               "申请额度(元)", "申请理由"]
    ws.merge_range(0, 0, 0, len(headers) - 1, "客户信用资料登记表（2026年6月）", title)
    ws.write_row(1, 0, ["填表单位：财务部信用管理组", "", "", "", "", "单位：万元（注明者除外）"])
    ws.write_row(2, 0, headers, head)
    r = 3
    codes = {}
    for i, c in enumerate(customers):
        if i in (12, 30):
            r += 1  # blank rows people leave between blocks
        three_in_one = rng.random() < 0.7
        assets = rng.choice([800, 1500, 3000, 6000, 12000, None])
        debt = rng.choice([0.3, 0.5, 0.55, 0.65, 0.8, 0.9])
        cur_a = None if assets is None else round(assets * rng.uniform(0.3, 0.7))
        row = [
            c["cid"] if i != 3 else "Ｃ0004",  # full-width letter: read as C0004
            c["name"],
            credit_code(rng, valid=(i % 11 != 5)) if three_in_one else None,
            rng.choice(SALES),
            rng.choice(["", "", "远大集团", "恒信控股"]),  # drawn as before, replaced below (GROUPS)
            CONTROLLERS.get(c["cid"]),
            fmt_date(rng, c["start"]) if i % 9 else None,
            rng.choice([50, 200, 800, 2000, 6000, "1,000", None]),
            rng.choice(YES) if rng.random() < 0.8 else rng.choice(NO),
            rng.choice(YES),
            rng.choice(YES) if not three_in_one or rng.random() < 0.5 else None,
            rng.choice(YES) if not three_in_one or rng.random() < 0.5 else rng.choice(["", "无"]),
            rng.choice(STATUS) if i % 13 else None,
            rng.choice(TREND),
            rng.choice(NO * 4 + ["是"]),
            assets, None if assets is None else round(assets * debt),
            cur_a, None if cur_a is None else round(cur_a / rng.choice([0.8, 1.2, 1.7, 2.5])),
            rng.choice([30, 45, 60, "60天", None]),
            rng.choice([None, None, None, 30, 60, 90, 120]),
            rng.choice([None, None, 200000, "50万", 1_000_000]),
            None,
        ]
        row[4] = GROUPS.get(c["cid"])
        if c["cid"] == "C0007":  # the worked example: everything on file, good, a 120-day request, no group
            row[2:23] = [credit_code(rng), "王磊", None, CONTROLLERS["C0007"], date(2019, 3, 1), 2000, "是", "是",
                         "是", "是", "良好", "增长", "否", 10000, 5500, 4000, 2500, 60, 120, 500000,
                         "年度大单，需延长账期以配合工程结算"]
        if c["cid"] in SAME_CODE_AS:
            assert row[2] and i % 11 != 5 and codes[SAME_CODE_AS[c["cid"]]], "both have a valid code of their own"
            row[2] = codes[SAME_CODE_AS[c["cid"]]]
        codes[c["cid"]] = row[2] if row[2] and i % 11 != 5 else None
        c["status"], c["sued"] = row[12], row[14] == "是"  # for the history (make_history)
        if row[20] and row[20] > 90 and not row[22]:
            row[22] = "客户要求配合项目回款周期"
        for col, v in enumerate(row):
            if isinstance(v, date):
                ws.write_datetime(r, col, v, datef)
            elif v is None:
                continue
            elif isinstance(v, str):
                ws.write_string(r, col, v)
            else:
                ws.write(r, col, v)
        r += 1
    # a duplicated customer ID, and a row with an Excel error value in a numeric column
    ws.write_row(r, 0, ["C0015", "华南电子有限公司（重复录入）", None, "李娜"])
    ws.write_row(r + 1, 0, ["C0043", "金桥物流有限公司", None, "张伟"])
    ws.write_formula(r + 1, headers.index("资产总额(万元)"), "=1/0", None, "#DIV/0!")
    ws.write_row(r + 2, 0, ["", "=HYPERLINK(\"http://example.invalid\",\"点击\")"])  # a name but no ID
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 22)
    ws.set_column(3, len(headers) - 1, 12)
    ws.freeze_panes(3, 2)
    wb.close()

    # ---------- sales ledger ----------
    wb = xlsxwriter.Workbook(folder / "销售明细 2024-2026.xlsx")
    wb.set_properties(CREATED)
    ws = wb.add_worksheet("销售明细")
    hdr = ["客户编号", "客户名称", "发票号码", "开票日期", "金额（元）", "到期日", "账期", "回款日期", "回款金额"]
    ws.merge_range(0, 0, 0, len(hdr) - 1, "销售及应收明细账", title)
    ws.write_row(1, 0, hdr, head)
    r = 2
    inv = 1
    receipts = []
    for c in customers:
        if c["profile"] < 0.08 and c["cid"] != "C0007":
            continue  # no trading yet
        if c["cid"] == "C0007":
            r = worked_example(ws, r, c, datef)
            inv += 14
            continue
        n_orders = rng.choice([1, 2, 5, 8, 12, 15, 20, 25, 30, 40])
        first_inv = max(c["start"], AS_OF - timedelta(days=760))
        span = (AS_OF - first_inv).days
        per_order = c["size"] / max(1, min(n_orders, 12))
        for k in range(n_orders):
            d = first_inv + timedelta(days=int(span * (k + 0.5) / n_orders))
            amount = round(per_order * rng.uniform(0.6, 1.4), -2)
            term = rng.choice([30, 45, 60])
            due = d + timedelta(days=term)
            row = [c["cid"], c["name"], f"FP{inv:06d}", fmt_date(rng, d), fmt_amount(rng, amount),
                   fmt_date(rng, due) if rng.random() < 0.7 else None, None if rng.random() < 0.7 else f"{term}天"]
            if rng.random() < 0.05:
                row[0] = None  # ID missing: matched by exact name
            for col, v in enumerate(row):
                if isinstance(v, date):
                    ws.write_datetime(r, col, v, datef)
                elif v is not None:
                    ws.write_string(r, col, v) if isinstance(v, str) else ws.write(r, col, v)
            r += 1
            inv += 1
            pay_day = due + timedelta(days=max(0, int(rng.gauss(c["late"], 3))))
            receipted = pay_day <= AS_OF + timedelta(days=20) and rng.random() < 0.93
            c.setdefault("invoices", []).append(dict(date=d, amount=amount, due=due, pay_day=pay_day,
                                                     receipted=receipted))
            if receipted:
                if rng.random() < 0.15:  # paid in two parts
                    receipts.append((c["cid"], pay_day - timedelta(days=5), round(amount * 0.4, 2)))
                    receipts.append((c["cid"], pay_day, round(amount * 0.6, 2)))
                else:
                    receipts.append((c["cid"], pay_day, amount))
            if rng.random() < 0.03:  # a credit note
                ws.write_row(r, 0, [c["cid"], c["name"], f"HZ{inv:06d}"])
                ws.write_datetime(r, 3, d + timedelta(days=10), datef)
                ws.write_number(r, 4, -round(amount * 0.1, -2))
                r += 1
        if c["cid"] == "C0020":
            r += 1  # a blank row
    # rows for a customer who is not on the customer sheet, a bad amount and a total row
    ws.write_row(r, 0, ["C9999", "未登记客户有限公司", f"FP{inv:06d}", "2026/5/1", 12000])
    next_invoice = inv + 2
    ws.write_row(r + 1, 0, ["C0002", customers[1]["name"], f"FP{inv + 1:06d}", "2026/5/3", "约一万"])
    ws.write_row(r + 2, 0, ["合计", "", "", "", ""])
    ws.write_formula(r + 2, 4, f"=SUM(E3:E{r + 2})", None, 0)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 8, 13)
    wb.close()

    # ---------- receipts, as a GBK CSV exported from the bank system ----------
    receipts.sort(key=lambda x: (x[1], x[0]))
    with open(folder / "回款明细.csv", "w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(["客户编号", "回款日期", "回款金额"])
        for cid, d, amount in receipts:
            w.writerow([cid, d.strftime("%Y-%m-%d"), f"{amount:.2f}"])
    return customers, next_invoice


HISTORY_END = date(2026, 11, 30)  # the history's own as-of date: the back-test's evaluation date
# How often an invoice "slips" (paid more than a month later than the customer's habit, or not at
# all by HISTORY_END), by the latent risk that also drew the customer's sample ledger and sheet.
SLIP = (0.03, 0.15, 0.40)
# The chance, by the same risk, that an invoice the samples leave unpaid although it fell due (the
# 7 % the receipts skip) is paid in the history, on a day from July to October; else it stays open.
OLD_DEBT_PAID = (0.8, 0.5, 0.2)


def latent_risk(c: dict) -> int:
    """0 low, 1 medium, 2 high: the customer's habit of paying late (what drew its ledger), one
    step worse for a poor operating status or a supplier's lawsuit on the sheet. The rating sees
    these only through the samples, so the back-test measures how well it reads them."""
    risk = 0 if c["late"] <= 3 else 1 if c["late"] <= 20 else 2
    return min(2, risk + (c.get("status") == "不良") + bool(c.get("sued")))


def make_history(folder: Path, customers: list[dict], next_invoice: int) -> None:
    """What happened after the samples' as-of date (2026-07-01 .. HISTORY_END), for back-testing:
    a ledger of the new invoices with what was paid on them by HISTORY_END in its paid columns,
    and the receipts of the invoices the samples leave open at 2026-06-30 (a UTF-8 CSV). Seeded
    on its own, so the samples are the same bytes whether or not the history is made."""
    rng = random.Random(20261130)
    folder.mkdir(parents=True, exist_ok=True)
    start, days = AS_OF + timedelta(days=1), (HISTORY_END - AS_OF).days
    receipts = []
    wb = xlsxwriter.Workbook(folder / "销售明细 2026年7-11月.xlsx")
    wb.set_properties({"created": datetime(2026, 11, 30)})
    ws = wb.add_worksheet("销售明细")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "font_name": "等线"})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "font_name": "等线"})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    hdr = ["客户编号", "客户名称", "发票号码", "开票日期", "金额（元）", "到期日", "账期", "回款日期", "回款金额"]
    ws.merge_range(0, 0, 0, len(hdr) - 1, "销售及应收明细账（2026年7月-11月）", title)
    ws.write_row(1, 0, hdr, head)
    r, inv = 2, next_invoice
    for c in customers:
        old = c.get("invoices", [])
        if not old and c["cid"] != "C0007":
            continue  # not trading (C0007's ledger is the worked example, all paid)
        risk = latent_risk(c)
        # the invoices open at 2026-06-30: paid later, as the customer's habit (and its slips) goes
        for o in old:
            if o["receipted"]:
                continue
            if o["pay_day"] <= AS_OF + timedelta(days=20):  # unpaid in the samples for no reason
                if rng.random() >= OLD_DEBT_PAID[risk]:
                    continue  # still unpaid at HISTORY_END
                pay_day = start + timedelta(days=rng.randrange(days - 30))
            else:
                pay_day = o["pay_day"] + timedelta(days=rng.randrange(30, 90) if rng.random() < SLIP[risk] else 0)
            if pay_day <= HISTORY_END:
                receipts.append((c["cid"], pay_day, o["amount"]))
        # new invoices, as often and as large as before
        if old:
            span = max(30, (AS_OF - old[0]["date"]).days)
            rate, size = len(old) / span, sum(o["amount"] for o in old) / len(old)
        else:
            rate, size = 10 / 365, 240_000
        n = max(1, round(rate * days * rng.uniform(0.6, 1.4)))
        for d in sorted(start + timedelta(days=rng.randrange(days)) for _ in range(n)):
            amount = round(size * rng.uniform(0.6, 1.4), -2)
            term = rng.choice([30, 45, 60])
            due = d + timedelta(days=term)
            late = max(0, int(rng.gauss(c["late"], 3)))
            if rng.random() < SLIP[risk]:
                late += rng.randrange(30, 90)
            paid = due + timedelta(days=late)
            row = [c["cid"], c["name"], f"FP{inv:06d}", fmt_date(rng, d), fmt_amount(rng, amount),
                   fmt_date(rng, due) if rng.random() < 0.7 else None, None if rng.random() < 0.7 else f"{term}天"]
            if paid <= HISTORY_END:
                row += [fmt_date(rng, paid), amount]
            for col, v in enumerate(row):
                if isinstance(v, date):
                    ws.write_datetime(r, col, v, datef)
                elif v is not None:
                    ws.write_string(r, col, v) if isinstance(v, str) else ws.write(r, col, v)
            r += 1
            inv += 1
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 8, 13)
    wb.close()

    receipts.sort(key=lambda x: (x[1], x[0]))
    with open(folder / "回款明细 2026年7-11月.csv", "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(["客户编号", "回款日期", "回款金额"])
        for cid, d, amount in receipts:
            w.writerow([cid, d.strftime("%Y-%m-%d"), f"{amount:.2f}"])


if __name__ == "__main__":
    samples = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "templates" / "samples"
    history = Path(sys.argv[2]) if len(sys.argv) > 2 else samples.with_name(samples.name + "-history")
    make_history(history, *make(samples))
