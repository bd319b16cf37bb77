"""The working papers (明细底稿): an auditor recomputes every customer's ledger figures from them alone.

Each test reads the workbooks back (openpyxl, the XML, LibreOffice) and compares with the
results workbook, never with the engine's objects where the claim is "from the workbook alone".
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import xlsx_xml
from libreoffice import convert, soffice
from test_readers import xlsx

from desktop import services, session
from desktop.cli import main
from desktop.core.cancel import CancelToken
from desktop.errors import Cancelled, StaleRatingError, UsageError
from desktop.io.writers import detail
from desktop.io.writers.labels import Labels
from desktop.paths import samples_dir

SAMPLES = sorted(samples_dir().iterdir())
AS_OF = date(2026, 6, 30)
Y1, Y2 = date(2025, 6, 30), date(2024, 6, 30)
RESULT_COLUMNS = ("近12个月销售额(元)", "前12个月销售额(元)", "订单数", "计入及时性的发票数", "计入金额(元)",
                  "逾期金额×天数(元·天)", "加权平均逾期天数", "应收余额(元)", "逾期余额(元)")
needs_lo = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")


def score(tmp_path: Path, inputs=SAMPLES, **kw):
    out = tmp_path / "评级结果.xlsx"
    kw.setdefault("detail_out", tmp_path / "明细 底稿.xlsx")
    result = services.score(session.ScoreRequest(inputs=list(inputs), as_of=AS_OF, out=out, **kw))
    return result, out, kw["detail_out"]


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    return score(tmp_path_factory.mktemp("papers"))


# ---------------------------------------------------------------- reading the workbooks back

def _day(v) -> date | None:
    return v.date() if isinstance(v, datetime) else v


def rows_of(ws) -> list[dict]:
    it = ws.iter_rows(values_only=True)
    header = next(it)
    return [dict(zip(header, (_day(v) for v in r))) for r in it]


def lists(path: Path, lang: str = "zh") -> dict[str, list[dict]]:
    """The lines, payments and receipts of a working-papers workbook, each over all its sheets."""
    lab = Labels(lang)
    wb = openpyxl.load_workbook(path, data_only=True)
    out = {}
    for kind in ("lines", "portions", "receipts", "summary"):
        base = lab(f"sheet.detail_{kind}")
        names = [n for n in wb.sheetnames if re.fullmatch(re.escape(base) + r"( ?\d+)?", n)]
        assert names, (kind, wb.sheetnames)
        out[kind] = [r for n in names for r in rows_of(wb[n])]
    # the totals sheet: one row a customer (its customer number first), then the total rows
    rows = out.pop("summary")
    out["summary"] = [r for r in rows if isinstance(next(iter(r.values())), int)]
    out["foot"] = {r[lab("customer_id")]: r for r in rows if r not in out["summary"] and r[lab("customer_id")]}
    return out


def results_rows(path: Path) -> dict[str, dict]:
    wb = openpyxl.load_workbook(path, data_only=True)
    res = {r["客户编号"]: r for r in rows_of(wb["评级结果"])}
    for r in rows_of(wb["应收账龄"]):
        if r["客户编号"] in res:
            res[r["客户编号"]] |= {f"aging:{k}": v for k, v in r.items()}
    return res


def money(x: float) -> float:
    return round(x + 0.0, 2)


# ---------------------------------------------------------------- (a) recomputed from the papers alone

def rederive(p: dict[str, list[dict]]) -> dict[str, dict]:
    """Every line checked against its dates and payments, then every customer's figures summed."""
    paid: dict[int, list[dict]] = defaultdict(list)
    for q in p["portions"]:
        assert q["逾期天数(负数为提前)"] == (q["回款日期"] - q["到期日"]).days
        assert q["计入天数"] == max(0, q["逾期天数(负数为提前)"])
        paid[q["明细序号"]].append(q)
    per: dict[str, dict] = defaultdict(lambda: defaultdict(float))
    orders: dict[str, set] = defaultdict(set)
    for line in p["lines"]:
        n, amount, due = line["明细序号"], line["金额(元)"], line["到期日"]
        parts = paid.get(n, [])
        assert money(sum(q["回款金额(元)"] for q in parts)) == line["截至基准日已回款(元)"]
        open_ = money(amount - line["截至基准日已回款(元)"]) if amount > 0 else amount
        assert line["基准日余额(元)"] == open_
        window = "近12个月" if Y1 < line["开票日期"] <= AS_OF else "前12个月" if Y2 < line["开票日期"] <= Y1 else "更早"
        assert line["所属期间"] == window
        dpd = (AS_OF - due).days
        assert line["余额逾期天数(负数为未到期)"] == (dpd if open_ != 0 else None)
        counted = amount > 0 and (Y1 < due <= AS_OF or (open_ > 0 and due <= AS_OF))
        assert line["计入及时性"] == ("是" if counted else "否")
        if counted:
            weight = sum(q["回款金额(元)"] for q in parts) + max(open_, 0)
            late = sum(q["回款金额(元)"] * q["计入天数"] for q in parts) + max(open_, 0) * dpd
            assert (line["及时性权重(元)"], line["逾期金额×天数(元·天)"]) == (money(weight), money(late))
            assert all(q["计入及时性"] == "是" and q["金额×计入天数(元·天)"] == money(q["回款金额(元)"] * q["计入天数"])
                       for q in parts)
        else:
            assert line["及时性权重(元)"] is None and line["逾期金额×天数(元·天)"] is None
        c = per[line["客户编号"]]
        c["近12个月销售额(元)"] += amount if window == "近12个月" else 0
        c["前12个月销售额(元)"] += amount if window == "前12个月" else 0
        if amount > 0:
            orders[line["客户编号"]].add(line["发票号码"] or ("row", line["源文件行号"]))
        c["计入及时性的发票数"] += counted
        c["计入金额(元)"] += line["及时性权重(元)"] or 0
        c["逾期金额×天数(元·天)"] += line["逾期金额×天数(元·天)"] or 0
        c["应收余额(元)"] += open_
        c["逾期余额(元)"] += open_ if open_ > 0 and dpd >= 1 else 0
        if open_:
            c[f"aging:{line['余额账龄段']}"] += open_
        c["first_lines"] += line["订单首行(计入订单数)"] == "是"
    for cid, c in per.items():
        c["订单数"] = len(orders[cid])
        assert c.pop("first_lines") == c["订单数"]  # the flag the COUNTIFS counts, re-derived
        c["加权平均逾期天数"] = c["逾期金额×天数(元·天)"] / c["计入金额(元)"] if c["计入金额(元)"] else None
    return per


def test_every_customers_figures_recomputed_from_the_papers_alone_equal_the_results_sheet(papers):
    result, out, papers_path = papers
    p = lists(papers_path)
    derived = rederive(p)
    res = results_rows(out)
    assert [r["客户编号"] for r in p["summary"]] == list(res)  # every customer, in the results' order
    assert len(p["lines"]) > 500 and len(p["portions"]) > 500 and len(p["receipts"]) > 500
    buckets = [f"aging:{Labels('zh').aging(b)}" for b in result.policy.aging_buckets()]
    assert len(buckets) == 7 and all(b in next(iter(res.values())) for b in buckets)
    checked = 0
    for cid, want in res.items():
        got = derived.get(cid, defaultdict(float, {"加权平均逾期天数": None}))
        for col in RESULT_COLUMNS:
            if col == "加权平均逾期天数":
                assert (got[col] is None) == (want[col] in (None, "")), cid
                if got[col] is not None:
                    assert got[col] == pytest.approx(want[col], rel=1e-11), cid
            else:
                assert money(got[col]) == want[col], (cid, col)
        for b in buckets:
            assert money(got[b]) == want[b], (cid, b)
        checked += 1
    assert checked == 42 and sum(bool(derived[c]["计入金额(元)"]) for c in derived) > 20


def test_each_receipt_is_applied_in_full_or_listed_as_unapplied(papers):
    result, _, papers_path = papers
    p = lists(papers_path)
    by_receipt = defaultdict(float)
    for q in p["portions"]:
        m = re.fullmatch(r"回款第(\d+)笔\(源文件第(\d+)行\)", q["回款来源"])
        if m:
            by_receipt[int(m.group(1))] += q["回款金额(元)"]
    receipts = {r["回款序号"]: r for r in p["receipts"]}
    assert sorted(receipts) == list(range(1, len(receipts) + 1))
    for n, r in receipts.items():
        assert money(by_receipt.get(n, 0)) == r["已核销(元)"]
        assert money(r["已核销(元)"] + r["未核销(元)"]) == r["回款金额(元)"]
        listed = re.findall(r"(\d+) \S+ ([\d,]+\.\d\d)", r["核销至发票(先进先出：明细序号 发票号码 金额)"] or "")
        assert money(sum(float(a.replace(",", "")) for _, a in listed)) == r["已核销(元)"]
    over = [i for i in result.issues if i.problem.startswith("receipt exceeds")]  # listed as row issues too
    assert sum(1 for r in receipts.values() if r["未核销(元)"] > 0) == len(over)


def test_sheets_fonts_panes_and_text(papers):
    _, _, papers_path = papers
    wb = openpyxl.load_workbook(papers_path)
    assert wb.sheetnames == ["客户汇总", "发票明细", "回款分摊", "回款核销", "底稿说明"]
    for name in wb.sheetnames[:4]:
        ws = wb[name]
        assert ws.freeze_panes == "D2" and ws.auto_filter.ref.startswith("A1:"), name
        assert ws["A1"].font.name == "等线" and ws.print_title_rows == "$1:$1", name
        assert ws.page_setup.paperSize == 9
    lines = wb["发票明细"]
    header = [c.value for c in lines[1]]
    assert header[:8] == ["明细序号", "客户编号", "客户名称", "源文件行号", "发票号码", "开票日期", "到期日", "到期日来源"]
    assert {r[7] for r in lines.iter_rows(min_row=2, values_only=True)} <= {"到期日列", "发票日+账期天数",
                                                                           "发票日+客户现行账期", "发票日"}
    assert lines["F2"].number_format == "yyyy-mm-dd" and isinstance(lines["F2"].value, datetime)


# ---------------------------------------------------------------- the formulas, evaluated

TERM = re.compile(r"(SUMIFS|COUNTIFS|SUM|COUNT)\(([^()]*)\)")
ARG = re.compile(r"'(?:[^']|'')*'![^,]+|\"(?:[^\"]|\"\")*\"|[^,]+")
RANGE = re.compile(r"'((?:[^']|'')*)'!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)")


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _cells(book, ref: str) -> list:
    m = RANGE.fullmatch(ref)
    assert m, ref
    sheet, col, first, last = m.group(1).replace("''", "'"), _col(m.group(2)), int(m.group(3)), int(m.group(5))
    return [row[col] if col < len(row) else None for row in book[sheet][first - 1:last]]


def _matches(v, crit) -> bool:
    if isinstance(crit, (int, float)):
        return v == crit
    m = re.fullmatch(r"(>=|<=|<>|>|<|=)?(.*)", crit)
    op, x = m.group(1), m.group(2)
    if op is None:
        return isinstance(v, str) and v.lower() == x.lower()
    if not isinstance(v, (int, float)):
        return False
    x = float(x)
    return {">=": v >= x, "<=": v <= x, "<>": v != x, ">": v > x, "<": v < x, "=": v == x}[op]


def evaluate(text: str, key: int | None, book) -> float:
    """A totals formula as we write them: [ROUND(] SUMIFS/COUNTIFS/SUM/COUNT terms joined by + [,2)]."""
    m = re.fullmatch(r"=ROUND\((.*),2\)", text)
    inner = m.group(1) if m else text[1:]
    assert TERM.sub("", inner).replace("+", "") == "", text  # nothing but the terms
    total = 0.0
    for fn, args in TERM.findall(inner):
        parts = ARG.findall(args)
        if fn in ("SUM", "COUNT"):
            cells = [v for v in _cells(book, parts[0]) if isinstance(v, (int, float))]
            total += sum(cells) if fn == "SUM" else len(cells)
            continue
        value = _cells(book, parts.pop(0)) if fn == "SUMIFS" else None
        pairs = []
        while parts:
            rng, crit = parts.pop(0), parts.pop(0)
            if re.fullmatch(r"\$A\d+", crit):
                assert key is not None, text
                pairs.append((_cells(book, rng), key))
            else:
                pairs.append((_cells(book, rng), crit[1:-1].replace('""', '"')))
        n = len(pairs[0][0])
        for i in range(n):
            if all(_matches(cells[i], crit) for cells, crit in pairs):
                total += 1 if value is None else (value[i] or 0)
    return round(total, 2) if m else total


def check_formulas(path: Path, lang: str = "zh") -> tuple[int, dict[str, dict]]:
    """Every totals formula evaluated over the line sheets equals its cached value (each customer's,
    the lines' total, the total and the check rows); returns how many formulas were evaluated and
    the customers' cached values."""
    lab = Labels(lang)
    wf = openpyxl.load_workbook(path)
    wv = openpyxl.load_workbook(path, data_only=True)
    book = {n: list(wv[n].iter_rows(values_only=True)) for n in wv.sheetnames}
    summary = lab("sheet.detail_summary")
    formulas = list(wf[summary].iter_rows(values_only=True))
    values = book[summary]
    header = values[0]
    n, cached, rows = 0, {}, {}
    for f_row, v_row in zip(formulas[1:], values[1:]):
        if isinstance(v_row[0], int):  # a customer
            cached[v_row[1]] = dict(zip(header, v_row))
            key = v_row[0]
        elif v_row[1] == lab("detail.lines_total"):
            key = None
        else:
            rows[v_row[1]] = (f_row, v_row)
            continue
        for f, v in zip(f_row[3:], v_row[3:]):
            if TERM.search(f):
                assert evaluate(f, key, book) == v, (v_row[1], f[:80])
                n += 1
            else:  # the average: late / due, as on the results sheet
                assert f.startswith("=IF(") and ",12)" in f
        rows[v_row[1]] = (f_row, v_row)
    total_f, total_v = rows[lab("total_row")]
    lines_v = rows[lab("detail.lines_total")][1]
    check_f, check_v = rows[lab("detail.check")]
    for c, h in enumerate(header[3:], start=3):
        if total_f[c].startswith("=IF("):  # the average
            continue
        assert total_v[c] == pytest.approx(sum(r[h] for r in cached.values()), abs=1e-6), h
        assert total_v[c] == lines_v[c] and check_v[c] == "✓" and check_f[c].startswith("=IF(ROUND("), h
    return n, cached


def test_the_totals_are_formulas_that_evaluate_to_their_cached_values(papers):
    result, out, papers_path = papers
    n, cached = check_formulas(papers_path)
    assert n == 42 * 16 + 16  # 16 SUMIFS/COUNTIFS columns a customer, and the lines' total
    res = results_rows(out)
    for cid, row in cached.items():  # and the cached values are the results workbook's
        for col in RESULT_COLUMNS:
            assert (row[col] or None) == (res[cid][col] or None), (cid, col)
    foot = lists(papers_path)["foot"]
    assert foot["合计"]["近12个月销售额(元)"] == money(sum(r["近12个月销售额(元)"] for r in res.values()))
    # each customer's formulas read its own rows of the line sheet: as many as its lines
    ws = openpyxl.load_workbook(papers_path)["客户汇总"]
    spans = 0
    for r in range(2, 44):
        m = re.fullmatch(r"=COUNTIFS\('发票明细'!\$S\$(\d+):\$S\$(\d+),\$A\d+\)", ws.cell(r, 4).value)
        if cached[ws.cell(r, 2).value]["发票行数"]:
            assert int(m.group(2)) - int(m.group(1)) + 1 == cached[ws.cell(r, 2).value]["发票行数"]
            spans += 1
        else:
            assert m.group(1) == m.group(2)  # one row, another customer's: nothing counted
    assert spans > 20


# ---------------------------------------------------------------- (b) LibreOffice recalculates

def norm(rows: list[dict]) -> list[dict]:
    """Rows as compared after a recalculation: "" as blank; the average days late to 12 significant
    digits (it is rounded to 12 decimals, which a double holds only to about 15 digits in all)."""
    return [{k: None if v == "" else round(v, 12 - len(str(int(abs(v))))) if k in AVG and isinstance(v, float)
             else v for k, v in r.items()} for r in rows]


AVG = ("加权平均逾期天数", "Avg days late (weighted)")


@pytest.mark.libreoffice
@needs_lo
def test_libreoffice_recalculates_the_totals_to_their_cached_values(papers, tmp_path):
    _, _, papers_path = papers
    recalculated = convert(papers_path, "xlsx", tmp_path / "recalc", tmp_path / "profile")
    before = rows_of(openpyxl.load_workbook(papers_path, data_only=True)["客户汇总"])
    after = rows_of(openpyxl.load_workbook(recalculated, data_only=True)["客户汇总"])
    assert len(after) == len(before) == 42 + 3  # the customers and the three total rows
    assert norm(after) == norm(before)


@pytest.mark.libreoffice
@needs_lo
def test_libreoffice_really_recalculates_an_edited_line(papers, tmp_path):
    """An auditor changes one line's amount: the customer's total and the grand total follow."""
    _, _, papers_path = papers
    wb = openpyxl.load_workbook(papers_path)
    lines = wb["发票明细"]
    header = [c.value for c in lines[1]]
    row = next(r for r in range(2, lines.max_row + 1)
               if lines.cell(r, 2).value == "C0007" and lines.cell(r, header.index("所属期间") + 1).value == "近12个月")
    amount = lines.cell(row, header.index("金额(元)") + 1)
    amount.value += 1000
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    recalculated = convert(edited, "xlsx", tmp_path / "recalc", tmp_path / "profile")
    want = {r["客户编号"]: r for r in rows_of(openpyxl.load_workbook(papers_path, data_only=True)["客户汇总"])}
    got = {r["客户编号"]: r for r in rows_of(openpyxl.load_workbook(recalculated, data_only=True)["客户汇总"])}
    assert got["C0007"]["近12个月销售额(元)"] == want["C0007"]["近12个月销售额(元)"] + 1000
    assert got["合计"]["近12个月销售额(元)"] == want["合计"]["近12个月销售额(元)"] + 1000
    assert got["C0001"] == want["C0001"]


@pytest.mark.libreoffice
@needs_lo
def test_a_re_sorted_line_sheet_shows_in_the_check_row(papers, tmp_path):
    """Each customer's formulas read its own rows: sorting the lines otherwise is caught, not hidden."""
    _, _, papers_path = papers
    wb = openpyxl.load_workbook(papers_path)
    lines = wb["发票明细"]
    rows = [[c.value for c in row] for row in lines.iter_rows(min_row=2)]
    amount = [c.value for c in lines[1]].index("金额(元)")
    rows.sort(key=lambda r: -r[amount])  # by amount, largest first, as an auditor might
    for r, values in enumerate(rows, start=2):
        for c, v in enumerate(values, start=1):
            lines.cell(r, c).value = v
    edited = tmp_path / "sorted.xlsx"
    wb.save(edited)
    recalculated = convert(edited, "xlsx", tmp_path / "recalc", tmp_path / "profile")
    foot = lists(recalculated)["foot"]
    assert foot["明细合计(全部明细行)"] == lists(papers_path)["foot"]["明细合计(全部明细行)"]  # every line still there
    assert "✗" in foot["核对：合计=明细合计"].values()


# ---------------------------------------------------------------- (c) more lines than a sheet holds

@pytest.fixture
def split(tmp_path, monkeypatch):
    monkeypatch.setattr(detail, "MAX_ROWS", 250)  # 249 data rows a sheet
    monkeypatch.setattr(detail, "CHUNK", 7)  # chunks that straddle the sheets' edges
    return score(tmp_path)


def test_a_list_longer_than_a_sheet_goes_on_over_several_and_the_totals_add_them_all(split, papers):
    result, out, split_path = split
    wb = openpyxl.load_workbook(split_path)
    assert wb.sheetnames == ["客户汇总", "发票明细1", "发票明细2", "发票明细3", "回款分摊1", "回款分摊2", "回款分摊3",
                             "回款分摊4", "回款核销1", "回款核销2", "回款核销3", "底稿说明"]
    assert [wb[f"发票明细{k}"].max_row for k in (1, 2, 3)] == [250, 250, 617 - 2 * 249 + 1]
    for name in wb.sheetnames[1:-1]:
        assert wb[name].max_row <= 250 and wb[name]["A1"].value in ("明细序号", "回款序号")
    totals = wb["客户汇总"]
    every = next(r for r in totals.iter_rows(values_only=True) if r[1] == "明细合计(全部明细行)")[4]
    assert all(f"'发票明细{k}'!$I$2:$I$" in every for k in (1, 2, 3)) and every.count("SUMIFS(") == 3
    terms = [totals.cell(r, 5).value.count("SUMIFS(") for r in range(2, 44)]
    assert set(terms) == {1, 2}  # a customer whose lines go on to the next sheet: a term for each sheet
    whole, part = lists(papers[2]), lists(split_path)
    for kind in ("lines", "portions", "receipts"):
        assert part[kind] == whole[kind], kind  # the same rows, in the same order, over the sheets
    n, cached = check_formulas(split_path)
    assert n == 42 * 16 + 16
    assert part["summary"] == whole["summary"] and part["foot"] == whole["foot"]
    assert rederive(part) == rederive(whole)


@pytest.mark.libreoffice
@needs_lo
def test_libreoffice_totals_the_split_sheets_as_cached(split, tmp_path):
    _, _, split_path = split
    recalculated = convert(split_path, "xlsx", tmp_path / "recalc", tmp_path / "profile")
    before = rows_of(openpyxl.load_workbook(split_path, data_only=True)["客户汇总"])
    after = rows_of(openpyxl.load_workbook(recalculated, data_only=True)["客户汇总"])
    assert norm(after) == norm(before) and len(after) == 45


# ---------------------------------------------------------------- (d) the command line

def test_the_command_line_writes_the_working_papers(tmp_path, capsys):
    out, papers_path = tmp_path / "结果.xlsx", tmp_path / "底稿" / "明细.xlsx"
    papers_path.parent.mkdir()
    assert main(["score", *map(str, SAMPLES), "--as-of", "2026-06-30", "--out", str(out), "--detail",
                 str(papers_path), "--no-register"]) == 0
    assert f"Wrote {papers_path}" in capsys.readouterr().out
    wb = openpyxl.load_workbook(papers_path, read_only=True)
    assert wb.sheetnames[0] == "客户汇总"
    wb.close()
    assert [p.name for p in papers_path.parent.iterdir()] == ["明细.xlsx"]  # no temporary file beside it


@pytest.mark.parametrize("args, message", [
    (["--detail", "{out}"], "named for two outputs"),
    (["--detail", "{out_spelled_otherwise}"], "named for two outputs"),
    (["--detail", "{dir}/明细.csv"], "--detail must name an .xlsx file"),
    (["--detail-customers", "C0001"], "--detail-customers needs --detail"),
    (["--detail", "{dir}/明细.xlsx", "--detail-customers", "C0001,C9999"], "not among the customers rated: C9999"),
])
def test_the_command_line_refuses_a_detail_it_cannot_write(tmp_path, capsys, args, message):
    out = tmp_path / "结果.xlsx"
    argv = [a.format(out=out, out_spelled_otherwise=tmp_path / "." / "结果.xlsx", dir=tmp_path) for a in args]
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main(["score", *map(str, SAMPLES), "--as-of", "2026-06-30", "--out", str(out),
                               "--no-register", *argv]))
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # nothing written: not the results either


# ---------------------------------------------------------------- (e) chosen customers only

def test_the_working_papers_of_chosen_customers_hold_theirs_only(tmp_path, papers):
    chosen = frozenset({"C0007", "C0001"})
    result, out, papers_path = score(tmp_path, detail_customers=chosen)
    p = lists(papers_path)
    assert [r["客户编号"] for r in p["summary"]] == ["C0001", "C0007"]  # in the results' order
    for kind in ("lines", "portions"):
        assert {r["客户编号"] for r in p[kind]} == chosen, kind
    assert p["receipts"] and {r["客户编号"] for r in p["receipts"]} <= chosen  # C0007's are on its ledger rows
    whole = lists(papers[2])
    for kind in ("lines", "portions"):  # the same rows as in the papers of everyone (their numbers apart)
        strip = lambda rows: [{k: v for k, v in r.items() if k not in ("明细序号", "客户序号", "回款来源")}  # noqa: E731
                              for r in rows if r["客户编号"] in chosen]
        assert strip(p[kind]) == strip(whole[kind]), kind
    n, cached = check_formulas(papers_path)
    assert n == 2 * 16 + 16
    derived, res = rederive(p), results_rows(out)
    for cid in chosen:
        assert derived[cid]["订单数"] == res[cid]["订单数"] == cached[cid]["订单数"]
        assert money(derived[cid]["逾期金额×天数(元·天)"]) == res[cid]["逾期金额×天数(元·天)"]
        assert cached[cid]["应收余额(元)"] == res[cid]["应收余额(元)"]


# ---------------------------------------------------------------- the use case

def test_the_export_is_a_use_case_of_the_session_with_its_commit_point(tmp_path, private_tmp):
    s = session.Session()
    reading = session.ImportRequest(tuple(SAMPLES), (), AS_OF)
    done = s.run(session.RateRequest(reading))
    target = tmp_path / "明细.xlsx"
    with pytest.raises(StaleRatingError):
        s.run(session.ExportDetail(target, run_id="20260101-000000-abcdef"))

    class StopWriting(CancelToken):
        def report(self, stage, fraction):
            if stage == "write":
                self.cancel()
    stop = StopWriting()
    target.write_bytes(b"previous papers")
    with pytest.raises(Cancelled):
        s.run(session.ExportDetail(target, run_id=done.run.run_id), stop.report, stop)
    assert target.read_bytes() == b"previous papers" and list(private_tmp.iterdir()) == []
    with pytest.raises(UsageError, match="C9999"):
        s.run(session.ExportDetail(target, frozenset({"C9999"}), run_id=done.run.run_id))
    assert target.read_bytes() == b"previous papers"
    exported = s.run(session.ExportDetail(target, frozenset({"C0007"}), run_id=done.run.run_id))
    assert exported.paths == [target] and [r["客户编号"] for r in lists(target)["summary"]] == ["C0007"]
    assert list(private_tmp.iterdir()) == []


def test_a_cancel_token_stops_the_writer_within_its_rows(tmp_path, papers):
    result = papers[0]
    from desktop.core.metrics import ledger_lines
    from desktop.core.rating import current_terms
    from desktop.io.importer import import_files
    imported = import_files(SAMPLES, [], AS_OF)
    lines = ledger_lines(imported.ledger, imported.receipts, current_terms(imported.customers), result.policy, AS_OF)
    ticks = []

    def tick():
        ticks.append(1)
        if len(ticks) == 4:
            raise Cancelled()
    with pytest.raises(Cancelled):
        detail.write_detail(str(tmp_path / "d.xlsx"), lines, result.rating, result.policy, tick=tick)
    assert not (tmp_path / "d.xlsx").exists()
    detail.write_detail(str(tmp_path / "d.xlsx"), lines, result.rating, result.policy, tick=lambda: ticks.append(1))
    assert len(ticks) > 8  # before the lists, per sheet, before the package is zipped


# ---------------------------------------------------------------- hostile IDs and text

HOSTILE_IDS = ["C*", "C1", "0012", "12", "~1", "=1+1", "<5", "C?"]


def hostile_inputs(tmp_path: Path) -> list[Path]:
    customers = [["客户编号", "客户名称", "营业执照"]] + [[cid, f"=HYPERLINK(\"x\",\"{n}\")", "是"]
                                                   for n, cid in enumerate(HOSTILE_IDS)]
    ledger = [["客户编号", "发票号码", "开票日期", "金额", "到期日", "回款日期", "回款金额"]]
    for n, cid in enumerate(HOSTILE_IDS):
        ledger.append([cid, f"=1+{n}", date(2026, 1, 1) + timedelta(days=n), 1000.0 * (n + 1), date(2026, 2, 1),
                       date(2026, 2, 1) + timedelta(days=3 * n), 500.0])
        ledger.append([cid, "+A1", date(2025, 3, 1), 10.0 + n, None, None, None])
    ledger.append(["C1", "due today", date(2026, 5, 1), 70.0, AS_OF, None, None])  # open, due on D: not overdue
    ledger.append(["12", "credit", date(2026, 5, 2), -30.0, date(2026, 3, 1), None, None])  # a credit note
    return [xlsx(tmp_path / "客户.xlsx", {"客户": customers}), xlsx(tmp_path / "明细.xlsx", {"明细": ledger})]


def test_ids_that_are_patterns_or_numbers_to_sumifs_keep_their_own_lines(tmp_path):
    result, out, papers_path = score(tmp_path, hostile_inputs(tmp_path))
    assert sorted(d.customer_id for d in result.rating.decisions) == sorted(HOSTILE_IDS)
    n, cached = check_formulas(papers_path)
    res = results_rows(out)
    for cid in HOSTILE_IDS:
        for col in RESULT_COLUMNS:
            assert (cached[cid][col] or None) == (res[cid][col] or None), (cid, col)
        assert cached[cid]["发票行数"] == 2 + (cid in ("C1", "12"))
    assert res["C1"]["应收余额(元)"] - res["C1"]["逾期余额(元)"] >= 70  # the line due on D is open, not overdue
    found = xlsx_xml.assert_text_not_formula(papers_path, ["=1+1", "=1+2", "+A1", '=HYPERLINK("x","1")', "C*"])
    assert found >= 10
    assert xlsx_xml.external_links(papers_path) == []


@pytest.mark.libreoffice
@needs_lo
def test_libreoffice_keeps_pattern_like_ids_apart(tmp_path):
    _, _, papers_path = score(tmp_path, hostile_inputs(tmp_path))
    recalculated = convert(papers_path, "xlsx", tmp_path / "recalc", tmp_path / "profile")
    before = rows_of(openpyxl.load_workbook(papers_path, data_only=True)["客户汇总"])
    after = rows_of(openpyxl.load_workbook(recalculated, data_only=True)["客户汇总"])
    assert norm(after) == norm(before)


def test_english_working_papers_evaluate_the_same(tmp_path, papers):
    _, _, en_path = score(tmp_path, lang="en")
    wb = openpyxl.load_workbook(en_path, read_only=True)
    assert wb.sheetnames == ["Customer totals", "Invoice lines", "Payments", "Receipts applied", "Notes"]
    wb.close()
    n, cached = check_formulas(en_path, "en")
    zh = {r["客户编号"]: r for r in lists(papers[2])["summary"]}
    assert n == 42 * 16 + 16
    assert [row["Sales 12m (CNY)"] for row in cached.values()] == [zh[c]["近12个月销售额(元)"] for c in cached]
    assert [row["Overdue (CNY)"] for row in cached.values()] == [zh[c]["逾期余额(元)"] for c in cached]


# ---------------------------------------------------------------- the ledger lines the papers read

def test_a_payment_from_a_receipt_names_that_receipt_after_a_negative_one():
    """A refund (negative receipt) is not applied, and the receipts after it keep their numbers."""
    import pandas as pd
    from builders import ledger, receipts

    from desktop.core.metrics import ledger_lines
    from desktop.io.policy_file import load_policy

    led = ledger([{"invoice_date": date(2026, 1, 1), "amount": 100.0, "term_days": 30},
                  {"invoice_date": date(2026, 2, 1), "amount": 100.0, "term_days": 30}])
    rec = receipts([("C1", date(2026, 1, 5), -5.0), ("C1", date(2026, 2, 10), 100.0), ("C1", date(2026, 3, 10), 50.0)])
    lines = ledger_lines(led, rec, pd.Series({"C1": 30.0}), load_policy(), AS_OF)
    rows = lines.receipts["row"].to_numpy()
    got = [(int(p.amount_fen), int(rows[p.receipt])) for p in lines.portions.itertuples()]
    assert got == [(10000, 3), (5000, 4)]  # paid by the receipts on rows 3 and 4, not by the refund on row 2


# ---------------------------------------------------------------- the window

def test_the_window_exports_the_working_papers_of_the_selected_rows(qtbot, qapp, tmp_path):
    pytest.importorskip("PySide6")
    from PySide6.QtCore import QItemSelectionModel
    from window_helpers import TIMEOUT, load, open_window, rate

    w = open_window(qtbot, qapp, tmp_path)
    try:
        load(qtbot, w, SAMPLES)
        rate(qtbot, w)
        assert w.act_detail.isEnabled() and w.act_detail_selected.isEnabled()
        assert w.act_detail.text() == "导出明细底稿(&W)…"
        m = w.results_model
        # row 3 alone (the rating leaves a current row selected), then row 7 added to it
        w.table.selectionModel().select(m.index(3, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                        | QItemSelectionModel.SelectionFlag.Rows)
        w.table.selectionModel().select(m.index(7, 0), QItemSelectionModel.SelectionFlag.Select
                                        | QItemSelectionModel.SelectionFlag.Rows)
        chosen = [m.row_object(r).customer_id for r in (3, 7)]
        target = tmp_path / "底稿" / "明细底稿.xlsx"
        target.parent.mkdir()
        with qtbot.waitSignal(w.exported, timeout=TIMEOUT) as sig:
            w.export_detail(target, selected=True)
        qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
        assert sig.args[0] == [target]
        ids = [r["客户编号"] for r in lists(target)["summary"]]
        order = [d.customer_id for d in w.result.rating.decisions]
        assert ids == sorted(chosen, key=order.index)
        everyone = tmp_path / "底稿" / "全部.xlsx"
        with qtbot.waitSignal(w.exported, timeout=TIMEOUT):
            w.export_detail(everyone)
        qtbot.waitUntil(lambda: w.worker is None, timeout=TIMEOUT)
        assert len(lists(everyone)["summary"]) == 42
    finally:
        w.close()
