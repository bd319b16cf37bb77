"""Seeded benchmark workbooks: a customer credit sheet and a sales ledger of any size.

They look like an ERP export a clerk receives, only larger: a title row above the header,
Chinese names, customer IDs that are text with leading zeros (``001500``), mostly real date
and number cells with some dates and amounts written as text, a few blank rows, a total row
and ledger rows for customers who are not on the customer sheet.

The customer sheet has 所属集团 and 实际控制人 columns (DOMAIN.md "Groups and related parties"):
about 5 % of customers in groups of 2-20 named by 所属集团, written now and then full-width or
with a space; in some groups a member left 所属集团 blank and is linked by a shared 实际控制人 or
by a second customer ID with the same valid credit code, and a few controllers bridge two named
groups; one holding group (about 30 % of the customers) is large enough for the
total-amount control. Others write 无 and the like, a group name or a controller no one else
has: these link nobody. The groups come from a random stream of their own, so every other cell
is what the generator wrote before it had these columns.

    python benchmarks/data.py FOLDER [--customers 100000] [--ledger 1000000] [--seed 7] [--csv]

Files are cached: the same seed and sizes give the same bytes, and an existing file is kept.
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import xlsxwriter

from desktop.core.credit_code import check_char

AS_OF = date(2026, 6, 30)
PLACES = "华东 华南 华北 西南 东方 远大 恒信 金桥 永盛 新欣 宏达 天成 瑞丰 鼎盛 博远 中联 安泰 嘉禾 万通 隆基".split()
TRADES = "商贸 电子 建材 机械 食品 化工 物流 医药 纺织 五金".split()
SALES = ["王磊", "李娜", "张伟", "刘洋", "陈静", "赵敏", "孙强", "周婷"]
MANAGERS = ["吴刚", "郑华"]
STATUS = ["良好", "正常", "良好", "良好", "一般", "良好", "正常", "一般", "不良"]
TREND = ["增长", "平稳", "下滑", "增长", "平稳", "增长", "平稳", "增长", "平稳", "持续下滑"]
CUSTOMER_HEADERS = ["客户编号", "客户名称", "统一社会信用代码", "业务员", "销售经理", "首次合作日期", "注册资本（万元）",
                    "年度合作协议", "营业执照", "税务登记证", "组织机构代码证", "经营状况", "营业额趋势",
                    "被其他供应商起诉", "资产总额(万元)", "负债总额(万元)", "流动资产(万元)", "流动负债(万元)",
                    "现行账期(天)", "申请账期(天)", "申请额度(元)", "申请理由", "所属集团", "实际控制人"]
GROUP_COL, CONTROLLER_COL = CUSTOMER_HEADERS.index("所属集团"), CUSTOMER_HEADERS.index("实际控制人")
# The customer sheet's layout: bumped when its columns change, so a cached file of an older layout is
# not taken for this one (the ledger's layout has not changed: its cached files are still good).
CUSTOMER_LAYOUT = "g1"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏建国志新文宇浩")
HOLDING = "ZL中联控股集团"  # the holding group: its ASCII letters are also written full-width or in lower case
HOLDING_SHARE = 0.3  # of the customers: enough for its limits to pass 20 % of the run's total
GROUPED_SHARE = 0.05  # of the customers, in groups of 2-20
LEDGER_HEADERS = ["客户编号", "客户名称", "发票号码", "开票日期", "金额（元）", "到期日", "账期", "回款日期", "回款金额"]


def paths(folder: Path, customers: int, ledger: int, seed: int) -> tuple[Path, Path]:
    tag = f"{customers}c-{ledger}r-s{seed}"
    return folder / f"客户信用资料 {tag}-{CUSTOMER_LAYOUT}.xlsx", folder / f"销售明细 {tag}.xlsx"


def customer_id(n: int) -> str:
    return f"{n:06d}"  # text with leading zeros: a reader that guesses types turns it into a number


def credit_code(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(rng.choice(alphabet) for _ in range(9))
    return body + check_char(body)


def make(folder: Path, customers: int = 100_000, ledger: int = 1_000_000, seed: int = 7) -> tuple[Path, Path]:
    """Write both workbooks (unless they exist) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    cust_path, ledger_path = paths(folder, customers, ledger, seed)
    rng = random.Random(seed)
    names = _names(customers, rng)
    if not cust_path.exists():
        _customers(cust_path, names, rng, group_plan(customers, random.Random(f"{seed}-groups")))
    if not ledger_path.exists():
        _ledger(ledger_path, names, ledger, random.Random(seed + 1))
    return cust_path, ledger_path


def _names(customers: int, rng: random.Random) -> list[str]:
    """The customers' names, the first draws of the seed's stream."""
    return [f"{rng.choice(PLACES)}{rng.choice(TRADES)}{n}有限公司" for n in range(1, customers + 1)]


def _full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def _variant(name: str, rng: random.Random) -> str:
    """How a clerk happens to write a group's name: mostly as it is, now and then full-width,
    in lower case, with a space inside or around it (the same group after normalisation)."""
    pick = rng.random()
    if pick < 0.06:
        return _full_width(name)
    if pick < 0.09:
        return name.lower()
    if pick < 0.12:
        return f"{name[:2]} {name[2:]}"
    if pick < 0.15:
        return f" {name}　"
    return name


def group_plan(customers: int, rng: random.Random) -> dict[int, dict[str, str]]:
    """Customer number -> the 所属集团 / 实际控制人 / 统一社会信用代码 it writes (only customers
    that write one; a credit code here replaces the one the customer stream drew)."""
    people = iter(rng.sample(range(len(SURNAMES) * len(GIVEN) ** 2), len(SURNAMES) * len(GIVEN) ** 2))

    def person() -> str:  # a controller no one else has
        k = next(people)
        return SURNAMES[k // len(GIVEN) ** 2] + GIVEN[k // len(GIVEN) % len(GIVEN)] + GIVEN[k % len(GIVEN)]

    n_holding, n_grouped = round(customers * HOLDING_SHARE), round(customers * GROUPED_SHARE)
    chosen = rng.sample(range(1, customers + 1), n_holding + n_grouped)
    plan: dict[int, dict[str, str]] = {n: {"group": _variant(HOLDING, rng)} for n in sorted(chosen[:n_holding])}
    rest, k = chosen[n_holding:], 0
    small: list[list[int]] = []
    while len(rest) >= 2:
        size = min(rng.randint(2, 20), len(rest))
        members, rest = sorted(rest[:size]), rest[size:]
        k += 1
        name = f"{rng.choice(PLACES)}{rng.choice(['控股', '实业', '投资', '产业', '发展'])}集团{k}"
        for n in members:
            plan[n] = {"group": _variant(name, rng)}
        if len(members) >= 3 and rng.random() < 0.2:  # a member linked by its controller alone
            boss, alone = members[0], members[-1]
            plan[boss]["controller"] = plan[alone]["controller"] = person()
            del plan[alone]["group"]
        elif len(members) >= 3 and rng.random() < 0.15:  # the same legal entity under a second ID
            code = credit_code(rng)
            plan[members[0]]["credit_code"] = plan[members[-1]]["credit_code"] = code
            plan[members[-1]]["group"] = ""
        small.append(members)
    for a, b in zip(small[::25], small[1::25]):  # a controller bridges two named groups
        plan[a[1]]["controller"] = plan[b[1]]["controller"] = person()  # [1]: no other link of its own
    for n in range(1, customers + 1):  # link nobody: a word for none, a group of one, a controller of one
        if n in plan:
            continue
        pick = rng.random()
        if pick < 0.03:
            plan[n] = {"group": rng.choice(["无", "—", "独立", "无集团", "N/A", "／"])}
        elif pick < 0.04:
            plan[n] = {"group": f"{rng.choice(PLACES)}单体{n}号集团"}
        elif pick < 0.12:
            plan[n] = {"controller": person()}
    return plan


def _atomic(path: Path) -> Path:
    return path.with_name(f".~{path.name}.tmp")


def _customers(path: Path, names: list[str], rng: random.Random, plan: dict[int, dict[str, str]]) -> None:
    tmp = _atomic(path)
    wb = xlsxwriter.Workbook(tmp, {"constant_memory": True, "strings_to_numbers": False})
    ws = wb.add_worksheet("客户信用资料")
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, f"客户信用资料登记表（{AS_OF.year}年{AS_OF.month}月）")
    ws.write_row(1, 0, CUSTOMER_HEADERS)
    r = 2
    for n, name in enumerate(names, start=1):
        if n % 5000 == 0:
            r += 1  # a blank row between blocks
        start = datetime.combine(AS_OF - timedelta(days=rng.randrange(100, 4000)), datetime.min.time())
        assets = rng.choice([800, 1500, 3000, 6000, 12000, None])
        debt = rng.choice([0.3, 0.5, 0.55, 0.65, 0.8, 0.9])
        cur_a = None if assets is None else round(assets * rng.uniform(0.3, 0.7))
        ws.write_string(r, 0, customer_id(n))
        ws.write_string(r, 1, name)
        mine = plan.get(n, {})
        code = credit_code(rng) if rng.random() < 0.7 else None  # drawn even when the plan replaces it
        if mine.get("credit_code", code):
            ws.write_string(r, 2, mine.get("credit_code", code))
        if mine.get("group"):
            ws.write_string(r, GROUP_COL, mine["group"])
        if mine.get("controller"):
            ws.write_string(r, CONTROLLER_COL, mine["controller"])
        ws.write_string(r, 3, rng.choice(SALES))
        ws.write_string(r, 4, rng.choice(MANAGERS))
        if n % 50 == 0:
            ws.write_string(r, 5, f"{start.year}年{start.month}月{start.day}日")
        elif n % 9:
            ws.write_datetime(r, 5, start, datef)
        capital = rng.choice([50, 200, 800, 2000, 6000, "1,000", None])
        if capital is not None:
            ws.write(r, 6, capital)
        for col in (7, 8, 9, 10):
            ws.write_string(r, col, "是" if rng.random() < 0.8 else rng.choice(["否", "无", "Y", "√"]))
        ws.write_string(r, 11, rng.choice(STATUS))
        ws.write_string(r, 12, rng.choice(TREND))
        ws.write_string(r, 13, "否" if rng.random() < 0.95 else "是")
        if assets is not None:
            ws.write_number(r, 14, assets)
            ws.write_number(r, 15, round(assets * debt))
            ws.write_number(r, 16, cur_a)
            ws.write_number(r, 17, round(cur_a / rng.choice([0.8, 1.2, 1.7, 2.5])))
        ws.write(r, 18, rng.choice([30, 45, 60, 60, "60天"]))
        requested = rng.choice([None, None, None, 30, 60, 90, 120])
        if requested is not None:
            ws.write_number(r, 19, requested)
            ws.write(r, 20, rng.choice([200000, "50万", 1_000_000, 300000]))
            if requested > 90:
                ws.write_string(r, 21, "客户要求配合项目回款周期")
        r += 1
    ws.write_string(r, 0, customer_id(5))  # a duplicated customer ID
    ws.write_string(r, 1, names[4] + "（重复录入）")
    wb.close()
    tmp.replace(path)


def _ledger_rows(names: list[str], rows: int, rng: random.Random) -> Iterator[tuple[int, list[tuple[int, object]]]]:
    """The ledger's data rows as (sheet row, [(column, value)]): text, numbers, datetimes."""
    n_customers = len(names)
    base = datetime.combine(AS_OF - timedelta(days=760), datetime.min.time())
    r = 2
    for k in range(rows):
        if k % 100_000 == 99_999:
            r += 1  # a blank row
        c = rng.randrange(n_customers + n_customers // 200)  # 0.5 %: customers not on the sheet
        d = base + timedelta(days=rng.randrange(760))
        amount = round(rng.lognormvariate(10, 1), -2) or 100.0
        term = rng.choice([30, 45, 60])
        due = d + timedelta(days=term)
        cells: list[tuple[int, object]] = [
            (0, customer_id(c + 1)), (1, names[c] if c < n_customers else f"未登记客户{c}有限公司"),
            (2, f"FP{k + 1:08d}"), (3, f"{d.year}/{d.month}/{d.day}" if k % 97 == 0 else d),
            (4, f"¥{amount:,.2f}" if k % 89 == 0 else amount),
            (5, due) if k % 3 else (6, f"{term}天")]
        pay = due + timedelta(days=max(0, int(rng.gauss(3, 8))))
        if pay.date() <= AS_OF and rng.random() < 0.95:
            cells += [(7, pay), (8, amount)]
        yield r, cells
        r += 1


def _ledger(path: Path, names: list[str], rows: int, rng: random.Random) -> None:
    tmp = _atomic(path)
    wb = xlsxwriter.Workbook(tmp, {"constant_memory": True})
    ws = wb.add_worksheet("销售明细")
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, "销售及应收明细账")
    ws.write_row(1, 0, LEDGER_HEADERS)
    r = 1  # the header's row: the total row comes after the last row written
    for r, cells in _ledger_rows(names, rows, rng):
        for c, v in cells:
            if isinstance(v, str):
                ws.write_string(r, c, v)
            elif isinstance(v, datetime):
                ws.write_datetime(r, c, v, datef)
            else:
                ws.write_number(r, c, v)
    r += 1
    ws.write_string(r, 0, "合计")
    ws.write_formula(r, 4, f"=SUM(E3:E{r})", None, 0)
    wb.close()
    tmp.replace(path)


def ledger_csv(folder: Path, customers: int, rows: int, seed: int = 7) -> Path:
    """The ledger as a CSV file in GBK, as Excel on a Chinese Windows saves "CSV (逗号分隔)": the
    same rows as the workbook (dates as Excel shows them, yyyy-mm-dd), the title line above the
    header, the blank lines and the total line. Kept like the workbooks: an existing file is used."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"销售明细 {customers}c-{rows}r-s{seed}.csv"
    if path.exists():
        return path
    names = _names(customers, random.Random(seed))  # the stream make() draws them from first
    tmp = _atomic(path)
    total = 0.0
    with open(tmp, "w", encoding="gbk", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(["销售及应收明细账"])
        out.writerow(LEDGER_HEADERS)
        line = 2
        for r, cells in _ledger_rows(names, rows, random.Random(seed + 1)):
            while line < r:  # the blank rows
                out.writerow([])
                line += 1
            row = [""] * len(LEDGER_HEADERS)
            for c, v in cells:
                row[c] = (f"{v:%Y-%m-%d}" if isinstance(v, datetime) else v.replace("¥", "￥") if isinstance(v, str)
                          else f"{v:.2f}".rstrip("0").rstrip("."))  # GBK has the full-width yen sign only
                if c == 4 and not isinstance(v, str):
                    total += v
            out.writerow(row)
            line += 1
        out.writerow(["合计", "", "", "", f"{total:.2f}"])
    tmp.replace(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--ledger", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--csv", action="store_true", help="the ledger alone, as a GBK CSV file")
    a = ap.parse_args()
    if a.csv:
        print(ledger_csv(a.folder, a.customers, a.ledger, a.seed))
        return
    for p in make(a.folder, a.customers, a.ledger, a.seed):
        print(p)


if __name__ == "__main__":
    main()
