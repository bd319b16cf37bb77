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
  that recalculates shows the figures of the results workbook; below them the total, the
  same figures straight over every line, and a check row (✓ where the two agree).

The formulas find a customer's lines by its customer number (客户序号, a whole number given
here), not by its ID: SUMIFS reads a criterion as a pattern ("*", "?", "~", a leading "<" or
"=") and text that looks like a number as that number ("0012" would match "12"), and IDs come
from users' files.

Each customer's formulas read only its own rows: the lines are listed customer by customer,
so a customer's lines are one run of rows (on one sheet, or two where a sheet ends). Over the
whole columns, every formula would read every line: 10,000 customers x 16 figures over
100,000 lines is 16 billion cell tests, and LibreOffice had not finished recalculating after
ten minutes (over its own rows: 36 s to open, recalculate and save). The price: re-sorting a
line sheet moves lines out of their customer's rows; the check row then shows ✗ (the lines'
own total still counts them), and sorting back by line number (明细序号) restores it.

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
    first_of_order,
    late_parts,
    one_year_before,
)
from desktop.core.models import Rating, text_objects
from desktop.core.policy import Policy
from desktop.io.writers.labels import Labels
from desktop.io.writers.results_sheet import ROUND_DIGITS  # the average days late, as on the results sheet
from desktop.io.writers.xlsx import (
    FONT,
    Formats,
    Formula,
    Tick,
    abandon,
    fit_widths,
    formula_text,
    new_workbook,
    no_tick,
    print_setup,
    put,
    quote_sheet,
    ticking,
)

MAX_ROWS = 1_048_576  # rows a worksheet holds (Excel 2007 and later), its header row included
CHUNK = 50_000  # rows turned into Python values at a time: memory stays flat for a million lines
_EPOCH = np.datetime64("1899-12-30", "D")  # Excel's day 0
_FEN = 100






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
        return f"{quote_sheet(self.name)}!${c}$2:${c}${max(self.last_row, 2)}"


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
    blocks: list[tuple[int, int]]  # per customer, in order: (first, end) of its lines in the list


def _prepare(lines: LedgerLines, rating: Rating, policy: Policy, lab: Labels,
             customers: Sequence[str] | None) -> _Papers:
    wanted = None if customers is None else set(customers)
    decisions = [d for d in rating.decisions if wanted is None or d.customer_id in wanted]
    number = {d.customer_id: n for n, d in enumerate(decisions, start=1)}
    names = {d.customer_id: d.customer.name for d in decisions}
    yes, no = lab("yes"), lab("no")

    # Invoice lines: by customer (in the results' order), then invoice date, then ledger order.
    inv = lines.invoices
    inv = inv.loc[inv["customer_id"].isin(number).to_numpy(),  # the columns written, not the ledger's others
                  ["customer_id", "invoice_no", "row", "invoice_date", "due", "due_from", "amount_fen", "open_fen",
                   "days_past_due", "window", "timeliness", "bucket"]]
    cno = inv["customer_id"].map(number).to_numpy(dtype="int64")
    order = np.lexsort((np.arange(len(inv)), inv["row"].to_numpy(), inv["invoice_date"].to_numpy(), cno))
    inv, cno = inv.iloc[order], cno[order]
    n = len(inv)
    line_no = np.arange(1, n + 1, dtype="int64")
    line_of = pd.Series(line_no, index=inv.index)  # ledger index -> line number
    portions = lines.portions
    paid = portions.groupby("invoice")["amount_fen"].sum().reindex(inv.index, fill_value=0).to_numpy()
    parts = late_parts(lines)
    per_line = parts.groupby("invoice")[["w", "wd"]].sum().reindex(inv.index)
    portion_wd = parts.loc[parts["portion"] >= 0].set_index("portion")["wd"]
    del parts  # a million-line frame: the peak of the export is here, so nothing is kept longer than needed
    counted = inv["timeliness"].to_numpy(dtype=bool)
    first = first_of_order(inv)  # an order counts once (its first line here), a credit note never
    window_words = [""] * 3
    window_words[WINDOW_12M], window_words[WINDOW_PREV], window_words[WINDOW_OLDER] = \
        lab("window.12m"), lab("window.prev"), lab("window.older")
    buckets = list(policy.aging_buckets())
    bucket_codes = pd.Categorical(inv["bucket"], categories=buckets).codes
    is_open = inv["open_fen"].to_numpy() != 0  # days past due and bucket are the open balance's: blank when none
    weight = np.where(counted, per_line["w"].fillna(0).to_numpy() / _FEN, np.nan)
    late = np.where(counted, per_line["wd"].fillna(0).to_numpy() / _FEN, np.nan)
    ids = inv["customer_id"].to_numpy(dtype=object)
    customer_names = inv["customer_id"].map(names).to_numpy(dtype=object)
    invoice_nos = text_objects(inv["invoice_no"])
    invoice_days, due_days = _serials(inv["invoice_date"]), _serials(inv["due"])
    line_table = _table(lab("sheet.detail_lines"), [
        ("line_no", lab("line_no"), "int", line_no),
        ("customer_id", lab("customer_id"), "text", ids),
        ("name", lab("name"), "text", customer_names),
        ("source_row", lab("source_row"), "int", inv["row"].to_numpy(dtype="int64")),
        ("invoice_no", lab("invoice_no"), "text", invoice_nos),
        ("invoice_date", lab("invoice_date"), "date", invoice_days),
        ("due", lab("due_date"), "date", due_days),
        ("due_from", lab("due_from"), "text",
         _pick([lab(f"due_from.{k}") for k in DUE_FROM], inv["due_from"].to_numpy(dtype="int64"))),
        ("amount", lab("line_amount"), "money", inv["amount_fen"].to_numpy() / _FEN),
        ("paid", lab("paid_by_as_of"), "money", paid / _FEN),
        ("open", lab("open_at_as_of"), "money", inv["open_fen"].to_numpy() / _FEN),
        ("days_past_due", lab("days_past_due"), "int",
         np.where(is_open, inv["days_past_due"].to_numpy(dtype="int64"), np.nan)),
        ("window", lab("window"), "text", _pick(window_words, inv["window"].to_numpy(dtype="int64"))),
        ("first", lab("first_of_order"), "text", _pick((no, yes), first.astype("int64"))),
        ("counted", lab("counts_timeliness"), "text", _pick((no, yes), counted.astype("int64"))),
        ("weight", lab("timeliness_weight"), "money", weight),
        ("late", lab("late_amount_days"), "money", late),
        ("bucket", lab("aging_bucket"), "text",
         np.where(is_open, _pick([lab.aging(b) for b in buckets], bucket_codes), None)),
        ("customer_no", lab("customer_no"), "int", cno),
    ])

    del per_line, inv
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
    at = p_line - 1  # each portion's line, by position in the lines' arrays
    p_counted = counted[at]
    rec_rows = rec["row"].reindex(p_rec).to_numpy() if len(rec) else np.zeros(len(p), dtype="int64")
    ledger_word = lab("paid_from.ledger")
    source = np.array([ledger_word if r < 0 else lab("paid_from.receipt", k, int(row))
                       for r, k, row in zip(p_rec.tolist(), p_rec_no.tolist(), np.nan_to_num(rec_rows).tolist())],
                      dtype=object)
    days_late = p["days_late"].to_numpy(dtype="int64")
    portion_table = _table(lab("sheet.detail_portions"), [
        ("line_no", lab("line_no"), "int", p_line.astype("int64")),
        ("customer_id", lab("customer_id"), "text", ids[at]),
        ("name", lab("name"), "text", customer_names[at]),
        ("invoice_no", lab("invoice_no"), "text", invoice_nos[at]),
        ("due", lab("due_date"), "date", due_days[at]),
        ("date", lab("payment_date"), "date", _serials(p["date"])),
        ("amount", lab("payment_amount"), "money", p["amount_fen"].to_numpy() / _FEN),
        ("source", lab("paid_from"), "text", source),
        ("days_late", lab("days_late"), "int", days_late),
        ("days_counted", lab("days_counted"), "int", np.maximum(days_late, 0)),
        ("counted", lab("counts_timeliness"), "text", _pick((no, yes), p_counted.astype("int64"))),
        ("late", lab("weight_days"), "money",
         np.where(p_counted, portion_wd.reindex(p.index).fillna(0).to_numpy() / _FEN, np.nan)),
        ("customer_no", lab("customer_no"), "int", cno[at]),
    ])

    # Where each receipt went: the lines it paid, in the order FIFO applied it.
    from_rec = pd.DataFrame({"receipt": p_rec, "line": p_line, "amount": p["amount_fen"].to_numpy(),
                             "no": invoice_nos[at], "due": due_days[at], "date": invoice_days[at]})
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
    numbers = np.arange(1, len(decisions) + 1)
    blocks = list(zip(np.searchsorted(cno, numbers, "left").tolist(), np.searchsorted(cno, numbers, "right").tolist()))
    return _Papers(decisions, number, line_table, portion_table, receipt_table, blocks)


# ---------------------------------------------------------------- writing

def _rows(table: _Table, first: int, end: int) -> Iterator[tuple]:
    """Rows ``first``..``end`` - 1 as tuples of Python values, a chunk at a time."""
    for a in range(first, end, CHUNK):
        b = min(a + CHUNK, end)
        yield from zip(*(c[a:b].tolist() for c in table.columns))


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
    yes = formula_text(lab("yes"))

    def avg(d) -> Any:
        v = d.metrics.avg_days_late
        return "" if v is None or (isinstance(v, float) and math.isnan(v)) else round(v, ROUND_DIGITS)

    cols = [
        _Total(lab("invoice_lines"), "int", lambda d: d.metrics.invoices, "countifs", money=False),
        _Total(lab("sales_12m"), "money", lambda d: d.metrics.sales_12m, "sumifs", "amount",
               (("window", formula_text(lab("window.12m"))),)),
        _Total(lab("sales_prev_12m"), "money", lambda d: d.metrics.sales_prev_12m, "sumifs", "amount",
               (("window", formula_text(lab("window.prev"))),)),
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
                           (("bucket", formula_text(lab.aging(b))),)))
    return cols


def _block_pieces(first: int, end: int, line_sheets: list[_Sheet]) -> list[tuple[_Sheet, int, int]]:
    """Where lines ``first``..``end`` - 1 (0-based, in list order) lie: (sheet, first Excel row,
    last Excel row) on each sheet they reach. A customer without lines: the one row where its
    lines would be (its customer number matches nothing there)."""
    out, spans, start = [], [], 0
    for sheet in line_sheets:
        stop = start + sheet.last_row - 1  # this sheet holds lines start..stop - 1
        spans.append((sheet, start, stop))
        lo, hi = max(first, start), min(end, stop)
        if lo < hi:
            out.append((sheet, lo - start + 2, hi - 1 - start + 2))
        start = stop
    if out:
        return out
    at = min(first, start - 1)
    for sheet, a, b in spans:
        if a <= at < b:
            return [(sheet, at - a + 2, at - a + 2)]
    return [(line_sheets[0], 2, 2)]  # no lines at all


def _write_totals(wb, ws, fm: Formats, lab: Labels, papers: _Papers, policy: Policy, line_sheets: list[_Sheet],
                  note: str, tick: Tick) -> None:
    """One row a customer: every figure a formula over the customer's lines, with the engine's value;
    then the total, the same totals straight over the whole line sheets, and a check that they agree."""
    table = papers.lines
    totals = _totals(lab, policy)
    lead = [lab("customer_no"), lab("customer_id"), lab("name")]
    headers = lead + [t.header for t in totals]
    letters = [xl_col_to_name(c) for c in range(len(headers))]
    col = {t.header: len(lead) + i for i, t in enumerate(totals)}
    where = {k: table.keys.index(k) for k in table.keys}
    due, late = letters[col[lab("due_amount")]], letters[col[lab("late_amount_days")]]

    used = sorted({"customer_no", "line_no"} | {t.column for t in totals if t.column}
                  | {c for t in totals for c, _ in t.criteria})
    columns = {key: xl_col_to_name(where[key]) for key in used}
    prefix = {sheet.name: {key: f"{quote_sheet(sheet.name)}!${c}$" for key, c in columns.items()} for sheet in line_sheets}

    def ranges(pieces) -> list[dict[str, str]]:
        """Each piece's range of every column the formulas use ('发票明细'!$I$5:$I$34)."""
        out = []
        for sheet, r1, r2 in pieces:
            if r1 is None:
                r1, r2 = 2, max(sheet.last_row, 2)
            out.append({key: f"{p}{r1}:${columns[key]}${r2}" for key, p in prefix[sheet.name].items()})
        return out

    def formula(t: _Total, pieces: list[dict[str, str]], row: int | None) -> str:
        """``row``: the customer's Excel row (its customer number in column A); None: every line."""
        terms = []
        for rg in pieces:
            crit = [f"{rg['customer_no']},$A{row}"] if row is not None else []
            crit += [f"{rg[c]},{v}" for c, v in t.criteria]
            if t.kind == "countifs":
                terms.append(f"COUNTIFS({','.join(crit)})" if crit else f"COUNT({rg['line_no']})")
            elif crit:
                terms.append(f"SUMIFS({rg[t.column]},{','.join(crit)})")
            else:
                terms.append(f"SUM({rg[t.column]})")
        text = "+".join(terms)
        return f"=ROUND({text},2)" if t.money else f"={text}"

    def average(r: int, cached_due: Any, cached_late: Any) -> Formula:
        value = round(cached_late / cached_due, ROUND_DIGITS) if cached_due else ""
        return Formula(f'=IF({due}{r}>0,ROUND({late}{r}/{due}{r},{ROUND_DIGITS}),"")', value)

    n = len(papers.decisions)
    sample = [[i, d.customer_id, d.customer.name] + [t.value(d) for t in totals]
              for i, d in enumerate(papers.decisions[:2000], start=1)]
    fit_widths(ws, [h.split("(")[0] for h in headers], sample, max_w=30)  # column settings before the rows
    ws.set_column(0, 0, 8)
    ws.write_row(0, 0, headers, fm.header)
    ws.set_row(0, 42)
    formats = [fm.int, fm.text, fm.text] + [getattr(fm, t.fmt) for t in totals]
    sums: list[list] = [[] for _ in totals]
    everywhere = ranges([(sheet, None, None) for sheet in line_sheets])
    for r, d in ticking(enumerate(papers.decisions, start=1), tick):
        pieces = ranges(_block_pieces(*papers.blocks[r - 1], line_sheets))
        row: list[Any] = [r, d.customer_id, d.customer.name]
        for i, t in enumerate(totals):
            v = t.value(d)
            if t.kind == "avg":
                row.append(Formula(f'=IF({due}{r + 1}>0,ROUND({late}{r + 1}/{due}{r + 1},{ROUND_DIGITS}),"")', v))
                continue
            sums[i].append(v)
            row.append(Formula(formula(t, pieces, r + 1), v))
        ws.write_cells(r, row, formats)

    # The total; the same figures over every line (no customer criterion); and whether they agree.
    base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "bold": True, "top": 1}
    total_int = wb.add_format({**base, "num_format": "#,##0"})
    total_dec = wb.add_format({**base, "num_format": "0.0"})
    check = wb.add_format({**base, "align": "center"})
    line_sums = _line_totals(table, totals)
    tr, cr, kr = n + 1, n + 2, n + 3  # 0-based rows of the total, the lines' total and the check
    total_row: list[Any] = [None, lab("total_row"), None]
    lines_row: list[Any] = [None, lab("detail.lines_total"), None]
    check_row: list[Any] = [None, lab("detail.check"), None]
    for i, t in enumerate(totals):
        c = len(lead) + i
        if t.kind == "avg":
            for out in (total_row, lines_row, check_row):
                out.append(None)
            continue
        x = letters[c]
        value = round(math.fsum(sums[i]), 2) if t.money else int(sum(sums[i]))
        span = f"{x}2:{x}{max(n + 1, 2)}"
        total_row.append(Formula(f"=ROUND(SUM({span}),2)" if t.money else f"=SUM({span})", value))
        lines_row.append(Formula(formula(t, everywhere, None), line_sums[i]))
        check_row.append(Formula(f'=IF(ROUND({x}{tr + 1}-{x}{cr + 1},2)=0,"✓","✗")',
                                 "✓" if round(value - line_sums[i], 2) == 0 else "✗"))
    a = next(len(lead) + i for i, t in enumerate(totals) if t.kind == "avg")
    for out, r in ((total_row, tr), (lines_row, cr)):
        out[a] = average(r + 1, out[col[lab("due_amount")]].value, out[col[lab("late_amount_days")]].value)
    for r, out, f in ((tr, total_row, None), (cr, lines_row, None), (kr, check_row, check)):
        ws.write_cells(r, out, [fm.total_label] * 3 + [f or (total_dec if t.kind == "avg" else fm.total if t.money
                                                             else total_int) for t in totals])
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(n, 1), len(headers) - 1)
    print_setup(ws, ws.name, note, repeat_cols=3)


def _line_totals(table: _Table, totals: list[_Total]) -> list[Any]:
    """Each totals column over every line of the list, as its formula without a customer criterion gives it."""
    cols = dict(zip(table.keys, table.columns))
    out: list[Any] = []
    for t in totals:
        if t.kind == "avg":
            out.append(None)
            continue
        keep = np.ones(table.rows, dtype=bool)
        for key, criterion in t.criteria:
            keep &= _matching(cols[key], criterion[1:-1].replace('""', '"'))
        if t.kind == "countifs":
            out.append(int(keep.sum()))
        else:
            out.append(round(math.fsum(np.nan_to_num(cols[t.column][keep].astype("float64")).tolist()), 2))
    return out


def _matching(values: np.ndarray, criterion: str) -> np.ndarray:
    """Which cells a criterion as we write them (">0", ">=1", or a word) takes; blanks never."""
    for op in (">=", ">"):
        if criterion.startswith(op):
            x = np.nan_to_num(values.astype("float64"), nan=-np.inf)
            return x >= float(criterion[2:]) if op == ">=" else x > float(criterion[1:])
    return values == criterion


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
    ws.merge_range(r + 1, 0, r + 1, 1, lab("detail.blocks_note"), fm.note)
    ws.set_row(r + 1, 60)
    print_setup(ws, ws.name, note, landscape=True, repeat_header=False)


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
    del lines  # the caller passes the only reference: a million-line frame goes before the writing
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
