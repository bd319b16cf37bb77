"""The working papers (明细底稿): every ledger line, payment and receipt the metrics come from.

An auditor recomputes each customer's ledger figures from this workbook alone:

- the invoice lines (发票明细): every ledger row dated on or before D as the metrics used it:
  its due date and how it was found, amount, paid by D, balance at D, days past due, the year
  it falls in, whether it counts for payment timeliness and with what weight and amount x
  days late, its aging bucket, and whether it is the first line of its order;
- the payments (回款分摊): each paid portion of an invoice, from the ledger row's paid columns
  or from a receipt, with its days late and what it adds to amount x days late;
- the receipts (回款核销): each receipt, what it paid (FIFO) and what was left unapplied;
- the customer totals (客户汇总): one row a customer whose every figure is a SUMIFS or COUNTIFS
  formula over the line sheets, written with the engine's value, so a spreadsheet program
  that recalculates shows the figures of the results workbook.

The formulas find a customer's lines by its customer number (客户序号, a whole number given
here), not by its ID: SUMIFS reads a criterion as a pattern ("*", "?", "~", a leading "<" or
"=") and text that looks like a number as that number ("0012" would match "12"), and IDs come
from users' files.

A list longer than a worksheet holds goes on over several sheets (发票明细1, 发票明细2, ...);
the totals add up every one of them. Written top to bottom in constant memory.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from desktop.core.metrics import (
    DUE_FROM,
    WINDOW_12M,
    WINDOW_OLDER,
    WINDOW_PREV,
    LedgerLines,
    late_parts,
    one_year_before,
    order_keys,
)
from desktop.core.models import Rating
from desktop.core.policy import Policy
from desktop.io.writers.labels import Labels
from desktop.io.writers.xlsx import (
    FONT,
    Formats,
    Formula,
    Shared,
    Tick,
    abandon,
    fit_widths,
    new_workbook,
    no_tick,
    print_setup,
    put,
    ticking,
)

MAX_ROWS = 1_048_576  # rows a worksheet holds (Excel 2007 and later), its header row included
CHUNK = 50_000  # rows turned into Python values at a time: memory stays flat for a million lines
ROUND_DIGITS = 12  # the average days late, rounded as on the results sheet
_EPOCH = np.datetime64("1899-12-30", "D")  # Excel's day 0
_FEN = 100


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _s(text: str) -> str:
    """Text inside a formula's quotes."""
    return '"' + text.replace('"', '""') + '"'


def _serials(dates: pd.Series) -> np.ndarray:
    """Dates as Excel day numbers (the cells carry a date format)."""
    return (dates.to_numpy().astype("datetime64[D]") - _EPOCH).astype("int64")


def _pick(words: Sequence[str], codes: np.ndarray) -> np.ndarray:
    return np.asarray(words, dtype=object)[codes]


@dataclass
class _Table:
    """One list of the working papers: its columns' keys, headers, formats and values (equal lengths)."""

    name: str  # the sheet's name (numbered when the list needs more than one sheet)
    keys: list[str]
    headers: list[str]
    formats: list[str]  # Formats attributes
    columns: list[np.ndarray]

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def _table(name: str, spec: list[tuple[str, str, str, Any]]) -> _Table:
    """``spec``: (key, header, format, values) per column."""
    return _Table(name, [k for k, *_ in spec], [h for _, h, _, _ in spec], [f for _, _, f, _ in spec],
                  [np.asarray(v) for *_, v in spec])


@dataclass(frozen=True)
class _Sheet:
    """A worksheet holding part of a list: its name and the Excel row number of its last data row."""

    name: str
    last_row: int  # 1 when the sheet has no data row (its ranges then cover the blank row 2)

    def range(self, col: int) -> str:
        c = xl_col_to_name(col)
        return f"{_quote(self.name)}!${c}$2:${c}${max(self.last_row, 2)}"


def _split(rows: int) -> list[tuple[int, int]]:
    """(first, end) of the rows each sheet holds: one sheet, or as many as the list needs."""
    per = MAX_ROWS - 1
    if rows <= per:
        return [(0, rows)]
    return [(a, min(a + per, rows)) for a in range(0, rows, per)]


def _names(base: str, parts: int, lang: str) -> list[str]:
    """发票明细, or 发票明细1, 发票明细2, ... (Invoice lines 1, ... in English)."""
    sep = "" if lang == "zh" else " "
    return [base] if parts == 1 else [f"{base}{sep}{k}" for k in range(1, parts + 1)]


# ---------------------------------------------------------------- the lists

@dataclass
class _Papers:
    decisions: list
    number: dict[str, int]  # customer id -> customer number (its row on the totals sheet, from 1)
    lines: _Table
    portions: _Table
    receipts: _Table


def _prepare(lines: LedgerLines, rating: Rating, policy: Policy, lab: Labels,
             customers: Sequence[str] | None) -> _Papers:
    wanted = None if customers is None else set(customers)
    decisions = [d for d in rating.decisions if wanted is None or d.customer_id in wanted]
    number = {d.customer_id: n for n, d in enumerate(decisions, start=1)}
    names = {d.customer_id: d.customer.name for d in decisions}
    yes, no = lab("yes"), lab("no")

    # Invoice lines: by customer (in the results' order), then invoice date, then ledger order.
    inv = lines.invoices
    inv = inv[inv["customer_id"].isin(number).to_numpy()]
    cno = inv["customer_id"].map(number).to_numpy(dtype="int64")
    order = np.lexsort((np.arange(len(inv)), inv["row"].to_numpy(), inv["invoice_date"].to_numpy(), cno))
    inv, cno = inv.iloc[order], cno[order]
    n = len(inv)
    line_no = np.arange(1, n + 1, dtype="int64")
    line_of = pd.Series(line_no, index=inv.index)  # ledger index -> line number
    positive = inv["amount_fen"].to_numpy() > 0
    portions = lines.portions
    paid = portions.groupby("invoice")["amount_fen"].sum().reindex(inv.index, fill_value=0).to_numpy()
    parts = late_parts(lines)
    per_line = parts.groupby("invoice")[["w", "wd"]].sum().reindex(inv.index)
    counted = inv["timeliness"].to_numpy(dtype=bool)
    keys = pd.DataFrame({"c": cno, "k": order_keys(inv).to_numpy()})
    first = np.zeros(n, dtype=bool)  # an order counts once (its first line here), a credit note never
    first[positive] = ~keys[positive].duplicated().to_numpy()
    window_words = [""] * 3
    window_words[WINDOW_12M], window_words[WINDOW_PREV], window_words[WINDOW_OLDER] = \
        lab("window.12m"), lab("window.prev"), lab("window.older")
    buckets = list(policy.aging_buckets())
    bucket_codes = pd.Categorical(inv["bucket"], categories=buckets).codes
    is_open = inv["open_fen"].to_numpy() != 0  # days past due and bucket are the open balance's: blank when none
    weight = np.where(counted, per_line["w"].fillna(0).to_numpy() / _FEN, np.nan)
    late = np.where(counted, per_line["wd"].fillna(0).to_numpy() / _FEN, np.nan)
    line_table = _table(lab("sheet.detail_lines"), [
        ("line_no", lab("line_no"), "int", line_no),
        ("customer_id", lab("customer_id"), "text", inv["customer_id"].to_numpy(dtype=object)),
        ("name", lab("name"), "text", inv["customer_id"].map(names).to_numpy(dtype=object)),
        ("source_row", lab("source_row"), "int", inv["row"].to_numpy(dtype="int64")),
        ("invoice_no", lab("invoice_no"), "text", inv["invoice_no"].to_numpy(dtype=object)),
        ("invoice_date", lab("invoice_date"), "date", _serials(inv["invoice_date"])),
        ("due", lab("due_date"), "date", _serials(inv["due"])),
        ("due_from", lab("due_from"), "text",
         _pick([lab(f"due_from.{k}") for k in DUE_FROM], inv["due_from"].to_numpy(dtype="int64"))),
        ("amount", lab("line_amount"), "money", inv["amount_fen"].to_numpy() / _FEN),
        ("paid", lab("paid_by_as_of"), "money", paid / _FEN),
        ("open", lab("open_at_as_of"), "money", inv["open_fen"].to_numpy() / _FEN),
        ("days_past_due", lab("days_past_due"), "int",
         np.where(is_open, inv["days_past_due"].to_numpy(dtype="int64"), np.nan)),
        ("window", lab("window"), "text", _pick(window_words, inv["window"].to_numpy(dtype="int64"))),
        ("first", lab("first_of_order"), "text", np.where(first, yes, no).astype(object)),
        ("counted", lab("counts_timeliness"), "text", np.where(counted, yes, no).astype(object)),
        ("weight", lab("timeliness_weight"), "money", weight),
        ("late", lab("late_amount_days"), "money", late),
        ("bucket", lab("aging_bucket"), "text",
         np.where(is_open, _pick([lab.aging(b) for b in buckets], bucket_codes), None)),
        ("customer_no", lab("customer_no"), "int", cno),
    ])

    # Receipts, in FIFO order within each customer, numbered as listed here.
    rec = lines.receipts
    rec = rec[rec["customer_id"].isin(number).to_numpy()]
    rec_cno = rec["customer_id"].map(number).to_numpy(dtype="int64")
    r_order = np.lexsort((rec.index.to_numpy(), rec_cno))
    rec, rec_cno = rec.iloc[r_order], rec_cno[r_order]
    receipt_no = pd.Series(np.arange(1, len(rec) + 1, dtype="int64"), index=rec.index)  # position -> number

    # Payments: each portion of a listed invoice, in line order, then date.
    p = portions[portions["invoice"].isin(line_of.index).to_numpy()]
    p_line = line_of.reindex(p["invoice"]).to_numpy()
    p_rec = p["receipt"].to_numpy()
    p_rec_no = receipt_no.reindex(p_rec).fillna(0).to_numpy(dtype="int64")
    p_order = np.lexsort((p.index.to_numpy(), p_rec_no, p["date"].to_numpy(), p_line))
    p, p_line, p_rec, p_rec_no = p.iloc[p_order], p_line[p_order], p_rec[p_order], p_rec_no[p_order]
    p_inv = inv.loc[p["invoice"].to_numpy()]
    p_counted = p_inv["timeliness"].to_numpy(dtype=bool)
    portion_wd = parts.loc[parts["portion"] >= 0].set_index("portion")["wd"]
    rec_rows = rec["row"].reindex(p_rec).to_numpy() if len(rec) else np.zeros(len(p), dtype="int64")
    ledger_word = lab("paid_from.ledger")
    source = np.array([ledger_word if r < 0 else lab("paid_from.receipt", k, int(row))
                       for r, k, row in zip(p_rec.tolist(), p_rec_no.tolist(), np.nan_to_num(rec_rows).tolist())],
                      dtype=object)
    days_late = p["days_late"].to_numpy(dtype="int64")
    portion_table = _table(lab("sheet.detail_portions"), [
        ("line_no", lab("line_no"), "int", p_line.astype("int64")),
        ("customer_id", lab("customer_id"), "text", p_inv["customer_id"].to_numpy(dtype=object)),
        ("name", lab("name"), "text", p_inv["customer_id"].map(names).to_numpy(dtype=object)),
        ("invoice_no", lab("invoice_no"), "text", p_inv["invoice_no"].to_numpy(dtype=object)),
        ("due", lab("due_date"), "date", _serials(p_inv["due"])),
        ("date", lab("payment_date"), "date", _serials(p["date"])),
        ("amount", lab("payment_amount"), "money", p["amount_fen"].to_numpy() / _FEN),
        ("source", lab("paid_from"), "text", source),
        ("days_late", lab("days_late"), "int", days_late),
        ("days_counted", lab("days_counted"), "int", np.maximum(days_late, 0)),
        ("counted", lab("counts_timeliness"), "text", np.where(p_counted, yes, no).astype(object)),
        ("late", lab("weight_days"), "money",
         np.where(p_counted, portion_wd.reindex(p.index).fillna(0).to_numpy() / _FEN, np.nan)),
        ("customer_no", lab("customer_no"), "int", cno[p_line - 1]),
    ])

    # Where each receipt went: the lines it paid, in the order FIFO applied it.
    from_rec = pd.DataFrame({"receipt": p_rec, "line": p_line, "amount": p["amount_fen"].to_numpy(),
                             "no": p_inv["invoice_no"].to_numpy(dtype=object),
                             "due": p_inv["due"].to_numpy(), "date": p_inv["invoice_date"].to_numpy()})
    from_rec = from_rec[from_rec["receipt"] >= 0].sort_values(["receipt", "due", "date", "line"], kind="stable")
    none_word = lab("no_invoice_no")
    texts = [f"{line} {none_word if no is None or no != no else no} {amount / _FEN:,.2f}"
             for line, no, amount in zip(from_rec["line"].tolist(), from_rec["no"].tolist(),
                                         from_rec["amount"].tolist())]
    applied_to = pd.Series(texts, index=from_rec["receipt"].to_numpy(), dtype=object).groupby(level=0).agg("; ".join) \
        if texts else pd.Series(dtype=object)
    amount_fen = rec["amount_fen"].to_numpy() if len(rec) else np.zeros(0, dtype="int64")
    unapplied_fen = np.asarray(rec["unapplied_fen"].to_numpy() if len(rec) else np.zeros(0), dtype="int64")
    receipt_table = _table(lab("sheet.detail_receipts"), [
        ("receipt_no", lab("receipt_no"), "int", receipt_no.to_numpy()),
        ("customer_id", lab("customer_id"), "text", rec["customer_id"].to_numpy(dtype=object)),
        ("name", lab("name"), "text", rec["customer_id"].map(names).to_numpy(dtype=object)),
        ("source_row", lab("source_row"), "int", rec["row"].to_numpy(dtype="int64")),
        ("date", lab("receipt_date"), "date", _serials(rec["date"])),
        ("amount", lab("receipt_amount"), "money", amount_fen / _FEN),
        ("applied", lab("applied"), "money", np.where(amount_fen > 0, amount_fen - unapplied_fen, 0) / _FEN),
        ("unapplied", lab("unapplied"), "money", unapplied_fen / _FEN),
        ("applied_to", lab("applied_to"), "wrap", applied_to.reindex(rec.index).to_numpy(dtype=object)),
        ("customer_no", lab("customer_no"), "int", rec_cno),
    ])
    return _Papers(decisions, number, line_table, portion_table, receipt_table)


# ---------------------------------------------------------------- writing

def _rows(table: _Table, first: int, end: int) -> Iterator[list]:
    """Rows ``first``..``end`` - 1 as lists of Python values, a chunk at a time."""
    for a in range(first, end, CHUNK):
        b = min(a + CHUNK, end)
        yield from map(list, zip(*(c[a:b].tolist() for c in table.columns)))


def _write_list(wb, fm: Formats, lab: Labels, table: _Table, note: str, tick: Tick,
                widths: dict[str, int] | None = None) -> list[_Sheet]:
    """``table`` on one sheet, or on as many as it needs; returns the sheets."""
    parts = _split(table.rows)
    sheets = []
    formats = [getattr(fm, f) for f in table.formats]
    sample = list(_rows(table, 0, min(table.rows, 2000)))
    for name, (a, b) in zip(_names(table.name, len(parts), lab.lang), parts):
        ws = wb.add_worksheet(name)
        fit_widths(ws, table.headers, sample, max_w=30)  # column settings before the rows
        for c, f in enumerate(table.formats):
            if f == "date":  # day numbers in the sample: as wide as a date
                ws.set_column(c, c, 11)
        for key, w in (widths or {}).items():
            c = table.keys.index(key)
            ws.set_column(c, c, w)
        ws.write_row(0, 0, table.headers, fm.header)
        ws.set_row(0, 42)
        for r, row in ticking(enumerate(_rows(table, a, b), start=1), tick):
            ws.write_cells(r, row, formats)
        ws.freeze_panes(1, 3)
        ws.autofilter(0, 0, max(b - a, 1), len(table.headers) - 1)
        print_setup(ws, name, note, repeat_cols=3)
        sheets.append(_Sheet(name, b - a + 1))
    return sheets


@dataclass(frozen=True)
class _Total:
    """A column of the customer totals: header, format, the engine's value, and the formula's parts."""

    header: str
    fmt: str
    value: Callable[[Any], Any]  # Decision -> cached value
    kind: str  # "sumifs" | "countifs" | "avg"
    column: str | None = None  # the line sheets' column summed
    criteria: tuple[tuple[str, str], ...] = ()  # (line column, criterion as written in the formula)
    money: bool = True


def _totals(lab: Labels, policy: Policy) -> list[_Total]:
    yes = _s(lab("yes"))

    def avg(d) -> Any:
        v = d.metrics.avg_days_late
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, ROUND_DIGITS)

    cols = [
        _Total(lab("invoice_lines"), "int", lambda d: d.metrics.invoices, "countifs", money=False),
        _Total(lab("sales_12m"), "money", lambda d: d.metrics.sales_12m, "sumifs", "amount",
               (("window", _s(lab("window.12m"))),)),
        _Total(lab("sales_prev_12m"), "money", lambda d: d.metrics.sales_prev_12m, "sumifs", "amount",
               (("window", _s(lab("window.prev"))),)),
        _Total(lab("orders"), "int", lambda d: d.metrics.orders, "countifs", None, (("first", yes),), money=False),
        _Total(lab("due_invoices"), "int", lambda d: d.metrics.due_invoices, "countifs", None, (("counted", yes),),
               money=False),
        _Total(lab("due_amount"), "money", lambda d: d.metrics.due_fen / _FEN, "sumifs", "weight",
               (("counted", yes),)),
        _Total(lab("late_amount_days"), "money", lambda d: d.metrics.late_fen_days_float / _FEN, "sumifs", "late",
               (("counted", yes),)),
        _Total(lab("avg_days_late"), "dec1", avg, "avg", money=False),
        _Total(lab("open_ar"), "money", lambda d: d.metrics.open_ar, "sumifs", "open"),
        _Total(lab("overdue_balance"), "money", lambda d: d.metrics.overdue_balance, "sumifs", "open",
               (("open", '">0"'), ("days_past_due", '">=1"'))),
    ]
    for b in policy.aging_buckets():
        cols.append(_Total(lab.aging(b), "money", lambda d, b=b: d.metrics.aging[b], "sumifs", "open",
                           (("bucket", _s(lab.aging(b))),)))
    return cols


def _write_totals(wb, ws, fm: Formats, lab: Labels, papers: _Papers, policy: Policy, line_sheets: list[_Sheet],
                  note: str, tick: Tick) -> None:
    """One row a customer: every figure a formula over the line sheets, with the engine's value."""
    table = papers.lines
    totals = _totals(lab, policy)
    lead = [lab("customer_no"), lab("customer_id"), lab("name")]
    headers = lead + [t.header for t in totals]
    letters = [xl_col_to_name(c) for c in range(len(headers))]
    col = {t.header: len(lead) + i for i, t in enumerate(totals)}
    key = table.keys.index("customer_no")

    def over_sheets(t: _Total) -> str:
        terms = []
        for s in line_sheets:
            crit = f"{s.range(key)},$A2" + "".join(f",{s.range(table.keys.index(c))},{v}" for c, v in t.criteria)
            if t.kind == "countifs":
                terms.append(f"COUNTIFS({crit})")
            else:
                terms.append(f"SUMIFS({s.range(table.keys.index(t.column))},{crit})")
        text = "+".join(terms)
        return f"=ROUND({text},2)" if t.money else f"={text}"

    due, late = letters[col[lab("due_amount")]], letters[col[lab("late_amount_days")]]
    avg_text = f'=IF({due}2>0,ROUND({late}2/{due}2,{ROUND_DIGITS}),"")'
    texts = [avg_text if t.kind == "avg" else over_sheets(t) for t in totals]

    n = len(papers.decisions)
    sample = [[i, d.customer_id, d.customer.name] + [t.value(d) for t in totals]
              for i, d in enumerate(papers.decisions[:2000], start=1)]
    fit_widths(ws, [h.split("(")[0] for h in headers], sample, max_w=30)  # column settings before the rows
    ws.set_column(0, 0, 8)
    ws.write_row(0, 0, headers, fm.header)
    ws.set_row(0, 42)
    formats = [fm.int, fm.text, fm.text] + [getattr(fm, t.fmt) for t in totals]
    sums = [0.0] * len(totals)
    for r, d in ticking(enumerate(papers.decisions, start=1), tick):
        row: list[Any] = [r, d.customer_id, d.customer.name]
        for i, t in enumerate(totals):
            v = t.value(d)
            if t.kind != "avg":
                sums[i] += v
            c = len(lead) + i
            row.append(Shared(i, v, texts[i], f"{letters[c]}2:{letters[c]}{n + 1}") if r == 1 else Shared(i, v))
        ws.write_cells(r, row, formats)

    # The total row: the columns' sums (money rounded to the fen, as each customer's figure).
    total_int = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "bold": True, "top": 1,
                               "num_format": "#,##0"})
    total_dec = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "bold": True, "top": 1,
                               "num_format": "0.0"})
    tr = n + 1
    row = [None, lab("total_row"), None]
    values: dict[int, Any] = {}
    for i, t in enumerate(totals):
        c = len(lead) + i
        if t.kind == "avg":
            row.append(None)
            continue
        span = f"{letters[c]}2:{letters[c]}{max(n + 1, 2)}"
        value = round(sums[i], 2) if t.money else int(sums[i])
        values[c] = value
        row.append(Formula(f"=ROUND(SUM({span}),2)" if t.money else f"=SUM({span})", value))
    a = next(len(lead) + i for i, t in enumerate(totals) if t.kind == "avg")
    due_total, late_total = values[col[lab("due_amount")]], values[col[lab("late_amount_days")]]
    row[a] = Formula(f'=IF({due}{tr + 1}>0,ROUND({late}{tr + 1}/{due}{tr + 1},{ROUND_DIGITS}),"")',
                     round(late_total / due_total, ROUND_DIGITS) if due_total > 0 else "")
    ws.write_cells(tr, row, [fm.total_label] * 3 + [total_dec if t.kind == "avg" else
                                                    (fm.total if t.money else total_int) for t in totals])
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(n, 1), len(headers) - 1)
    print_setup(ws, ws.name, note, repeat_cols=3)


def _write_notes(ws, fm: Formats, lab: Labels, rating: Rating, policy: Policy, papers: _Papers, run,
                 sheets: dict[str, list[_Sheet]], note: str) -> None:
    d = pd.Timestamp(rating.as_of)
    y1, y2 = one_year_before(d, 1).date(), one_year_before(d, 2).date()
    ws.set_column(0, 0, 46)
    ws.set_column(1, 1, 60)
    ws.write_string(0, 0, lab("title.detail"), fm.title)
    facts: list[tuple[str, Any, Any]] = []
    if run is not None:
        facts.append((lab("run_id"), run.run_id, fm.text))
    facts += [(lab("as_of"), rating.as_of, fm.date),
              (lab("policy"), f"{policy.name} {policy.version} ({policy.file_name})", fm.text),
              (lab("policy_sha256"), policy.sha256, fm.text),
              (lab("detail.window_12m"), f"{y1.isoformat()} — {rating.as_of.isoformat()}", fm.text),
              (lab("detail.window_prev"), f"{y2.isoformat()} — {y1.isoformat()}", fm.text),
              (lab("detail.customers"), len(papers.decisions), fm.int)]
    for kind, label in (("lines", "sheet.detail_lines"), ("portions", "sheet.detail_portions"),
                        ("receipts", "sheet.detail_receipts")):
        rows = sum(s.last_row - 1 for s in sheets[kind])
        facts.append((lab(label), f"{rows:,} — " + ", ".join(s.name for s in sheets[kind]), fm.text))
    r = 2
    for label, value, f in facts:
        ws.write_string(r, 0, label, fm.label)
        put(ws, r, 1, value, f)
        r += 1
    r += 1
    ws.merge_range(r, 0, r, 1, lab("detail.note"), fm.note)
    ws.set_row(r, 200)
    print_setup(ws, ws.name, note, landscape=False, repeat_header=False)


def write_detail(path: str, lines: LedgerLines, rating: Rating, policy: Policy, lang: str = "zh",
                 customers: Sequence[str] | None = None, tick: Tick = no_tick, run=None) -> None:
    """Write the working papers of ``rating`` (the customers ``customers`` only, when given) to ``path``.

    ``lines`` is what ``desktop.core.metrics.ledger_lines`` gave for the ledger and receipts the
    rating used; ``run`` (RunFacts) names the run on the notes sheet. ``tick()`` is the job's
    cancel checkpoint, called every few thousand rows and before the package is zipped.
    """
    lab = Labels(lang)
    tick()
    papers = _prepare(lines, rating, policy, lab, customers)
    tick()
    wb = new_workbook(path, constant_memory=True)  # every sheet below is written top to bottom
    try:
        fm = Formats(wb)
        wb.set_properties({"title": lab("title.detail"), "author": run.operator if run is not None else "",
                           "company": "", "comments": f"run {run.run_id}" if run is not None else ""})
        note = (f"{lab('run_id')} {run.run_id}  " if run is not None else "") + \
            f"{lab('as_of')} {rating.as_of.isoformat()}"
        ws_totals = wb.add_worksheet(lab("sheet.detail_summary"))  # the first tab; written once the lines are
        sheets = {"lines": _write_list(wb, fm, lab, papers.lines, note, tick),
                  "portions": _write_list(wb, fm, lab, papers.portions, note, tick),
                  "receipts": _write_list(wb, fm, lab, papers.receipts, note, tick, {"applied_to": 60})}
        _write_totals(wb, ws_totals, fm, lab, papers, policy, sheets["lines"], note, tick)
        _write_notes(wb.add_worksheet(lab("sheet.detail_notes")), fm, lab, rating, policy, papers, run, sheets, note)
        ws_totals.activate()
        tick()
        wb.close()
    except BaseException:  # cancelled or failed: the temporary files go, the caller removes the target's
        abandon(wb)
        raise
