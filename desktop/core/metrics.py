"""Ledger metrics for all customers at once, column-wise (no Python loop over rows).

Inputs are typed tables (see ``desktop.core.models.LEDGER_COLUMNS``); the output is one
row per customer id with orders, sales, growth, amount-weighted days late, open AR, its
aging, overdue balance and DSO, as of the assessment date D.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from desktop.core.policy import Policy

# Amounts are allocated in whole fen (cents) so FIFO never leaves 0.0000001 balances.
_FEN = 100


def one_year_before(d: pd.Timestamp, years: int = 1) -> pd.Timestamp:
    """The same calendar day ``years`` earlier (29 Feb -> 28 Feb)."""
    return d - pd.DateOffset(years=years)


# How a due date was found, in the order DOMAIN.md gives (codes of ``due_from``).
DUE_FROM = ("due_date", "term_days", "current_term", "invoice_date")


def due_dates(ledger: pd.DataFrame, current_term_days: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Due date column, else invoice date + term days, else + the customer's current term, else
    the invoice date; and how each was found (an index into ``DUE_FROM``)."""
    customer_term = ledger["customer_id"].map(current_term_days).astype("float64")
    term = ledger["term_days"].fillna(customer_term)
    derived = ledger["invoice_date"] + pd.to_timedelta(term.fillna(0), unit="D")
    source = np.select([ledger["due_date"].notna().to_numpy(), ledger["term_days"].notna().to_numpy(),
                        customer_term.notna().to_numpy()], [0, 1, 2], 3).astype("int8")
    return ledger["due_date"].fillna(derived), pd.Series(source, index=ledger.index)


def fifo_allocate(invoices: pd.DataFrame, receipts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply receipts FIFO to invoice balances, per customer.

    ``invoices``: customer_id, due, invoice_date, row, balance_fen (FIFO order: oldest due
    date first, then invoice date, then row order).
    ``receipts``: customer_id, date, amount_fen, row, sorted by customer and date.
    Returns (portions: invoice index, date, amount_fen, receipt position in ``receipts``)
    and the unapplied receipts.
    Vectorised: each customer's invoices and receipts are laid on one running-total axis,
    and every piece between consecutive running totals belongs to one invoice and one receipt.
    """
    inv = invoices[invoices["balance_fen"] > 0].sort_values(
        ["customer_id", "due", "invoice_date", "row"], kind="stable")
    taken = receipts["amount_fen"].to_numpy() > 0
    rec = receipts[taken]
    rec_pos = np.flatnonzero(taken)  # positions in ``receipts``: a zero or negative receipt before keeps its place
    if inv.empty or rec.empty:
        empty = pd.DataFrame({"invoice": pd.Series(dtype="int64"), "date": pd.Series(dtype="datetime64[s]"),
                              "amount_fen": pd.Series(dtype="int64"), "receipt": pd.Series(dtype="int64")})
        return empty, rec.assign(unapplied_fen=rec["amount_fen"])
    inv_end = inv.groupby("customer_id", sort=False)["balance_fen"].cumsum()
    rec_end = rec.groupby("customer_id", sort=False)["amount_fen"].cumsum()
    inv_axis = pd.DataFrame({"customer_id": inv["customer_id"].to_numpy(), "end": inv_end.to_numpy(),
                             "invoice": inv.index.to_numpy()})
    rec_axis = pd.DataFrame({"customer_id": rec["customer_id"].to_numpy(), "end": rec_end.to_numpy(),
                             "date": rec["date"].to_numpy(), "rec": rec_pos})
    points = pd.concat([inv_axis[["customer_id", "end"]], rec_axis[["customer_id", "end"]]])
    points = points.drop_duplicates().sort_values(["customer_id", "end"], kind="stable")
    points["start"] = points.groupby("customer_id", sort=False)["end"].shift(1, fill_value=0)
    # A piece (start, end] lies under the first invoice / receipt whose running total reaches end.
    pieces = pd.merge_asof(points.sort_values("end"), inv_axis.sort_values("end"), on="end",
                           by="customer_id", direction="forward")
    pieces = pd.merge_asof(pieces.sort_values("end"), rec_axis.sort_values("end"), on="end",
                           by="customer_id", direction="forward")
    pieces = pieces.dropna(subset=["invoice", "rec"])
    portions = pd.DataFrame({"invoice": pieces["invoice"].astype("int64").to_numpy(),
                             "date": pieces["date"].to_numpy(),
                             "amount_fen": (pieces["end"] - pieces["start"]).astype("int64").to_numpy(),
                             "receipt": pieces["rec"].astype("int64").to_numpy()})
    applied = pd.Series((pieces["end"] - pieces["start"]).to_numpy(),
                        index=pieces["rec"].astype("int64").to_numpy()).groupby(level=0).sum()
    unapplied = rec.assign(unapplied_fen=rec["amount_fen"].to_numpy()
                           - applied.reindex(rec_pos, fill_value=0).to_numpy())
    return portions, unapplied[unapplied["unapplied_fen"] > 0]


WINDOW_12M, WINDOW_PREV, WINDOW_OLDER = 0, 1, 2  # codes of ``window``: which year an invoice date is in


@dataclass(frozen=True)
class LedgerLines:
    """Every ledger line and payment portion as the metrics use them (the working papers).

    ``invoices``: the ledger rows dated on or before D, indexed as the ledger, with ``due``,
    ``due_from`` (index into ``DUE_FROM``), ``amount_fen``, ``open_fen`` (balance at D),
    ``days_past_due``, ``window`` (12 months / prior 12 months / older), ``timeliness``
    (counts for payment timeliness), ``bucket`` (aging bucket of its open balance).
    ``portions``: each payment of an invoice: ``invoice`` (index), ``date``, ``amount_fen``,
    ``receipt`` (position in ``receipts``, -1 when paid on the ledger row), ``days_late``.
    ``receipts``: the receipts dated on or before D in FIFO order, with ``amount_fen`` and
    ``unapplied_fen``.
    """

    invoices: pd.DataFrame
    portions: pd.DataFrame
    receipts: pd.DataFrame


def ledger_lines(ledger: pd.DataFrame, receipts: pd.DataFrame, current_term_days: pd.Series,
                 policy: Policy, as_of: date) -> LedgerLines:
    """Due dates, payments (on the ledger rows and receipts applied FIFO), balances at D,
    windows, days late and aging buckets of every line, column-wise."""
    d = pd.Timestamp(as_of)
    y1, y2 = one_year_before(d, 1), one_year_before(d, 2)
    dated = (ledger["invoice_date"] <= d).to_numpy()
    # every line dated by D (the usual case): the ledger as it is, its plain 0..n-1 index kept, so
    # the look-ups by invoice below are arithmetic, not a hash of millions of rows (the columns
    # added below go on this frame only: the ledger itself is never changed)
    led = ledger.copy(deep=False) if dated.all() else ledger[dated]
    led["due"], led["due_from"] = due_dates(led, current_term_days)
    led["amount_fen"] = (led["amount"] * _FEN).round().astype("int64")
    positive = led["amount_fen"] > 0

    # Payments recorded on the ledger rows: a paid date without an amount pays the invoice in full.
    paid_amount = led["paid_amount"].where(led["paid_amount"].notna() | led["paid_date"].isna(),
                                           led["amount"])
    paid_fen = (paid_amount.fillna(0) * _FEN).round().astype("int64").clip(lower=0)
    paid_fen = paid_fen.where(positive, 0).clip(upper=led["amount_fen"].clip(lower=0))
    paid_date = led["paid_date"].fillna(led["due"])  # an amount without a date: paid when due
    ledger_portions = pd.DataFrame({"invoice": led.index.to_numpy(), "date": paid_date.to_numpy(),
                                    "amount_fen": paid_fen.to_numpy(), "receipt": -1})
    ledger_portions = ledger_portions[ledger_portions["amount_fen"] > 0]

    # Receipts dated after D are unpaid at D; the rest go FIFO onto what the ledger leaves open.
    rec = receipts[receipts["date"] <= d].copy()
    rec["amount_fen"] = (rec["amount"] * _FEN).round().astype("int64")
    rec = rec.sort_values(["customer_id", "date", "row"], kind="stable").reset_index(drop=True)
    led_paid_by_d = paid_fen.where(paid_date <= d, 0)
    inv_for_fifo = led[["customer_id", "due", "invoice_date", "row"]].assign(
        balance_fen=(led["amount_fen"] - led_paid_by_d).where(positive, 0))
    fifo_portions, unapplied = fifo_allocate(inv_for_fifo, rec)
    rec["unapplied_fen"] = unapplied["unapplied_fen"].reindex(rec.index, fill_value=0).to_numpy() \
        if len(unapplied) else 0
    portions = pd.concat([ledger_portions, fifo_portions], ignore_index=True)
    portions = portions[portions["date"] <= d].reset_index(drop=True)

    # Per invoice: what was paid by D, and the balance still open at D.
    paid_by_d = portions.groupby("invoice")["amount_fen"].sum().reindex(led.index, fill_value=0)
    led["open_fen"] = (led["amount_fen"] - paid_by_d).where(positive, led["amount_fen"])
    led["days_past_due"] = ((d - led["due"]) // pd.Timedelta(days=1)).astype("int64")
    led["window"] = np.select([((led["invoice_date"] > y1) & (led["invoice_date"] <= d)).to_numpy(),
                               ((led["invoice_date"] > y2) & (led["invoice_date"] <= y1)).to_numpy()],
                              [WINDOW_12M, WINDOW_PREV], WINDOW_OLDER).astype("int8")
    # Payment timeliness: invoices due in the trailing year, or due and still open at D; an
    # invoice that counts, counts whole (its paid portions as well as its open balance).
    led["timeliness"] = positive & (((led["due"] > y1) & (led["due"] <= d))
                                    | ((led["open_fen"] > 0) & (led["due"] <= d)))
    due_of = led["due"].reindex(portions["invoice"]).to_numpy()
    portions["days_late"] = ((portions["date"].to_numpy() - due_of) // np.timedelta64(1, "D")).astype("int64")

    # Aging: a credit balance (credit note not yet used) is owed to the customer, not overdue
    # by it: it sits in the "not due" bucket.
    edges = [-np.inf, 0, *policy.aging_bucket_upper_days, np.inf]
    days_for_aging = led["days_past_due"].where(led["open_fen"] >= 0, 0)
    led["bucket"] = pd.cut(days_for_aging, bins=edges, labels=list(policy.aging_buckets()), right=True)
    return LedgerLines(invoices=led, portions=portions, receipts=rec)


def late_parts(lines: LedgerLines) -> pd.DataFrame:
    """What payment timeliness weighs, one row a part: each paid portion of an invoice that
    counts (its amount, max(0, days late)) and each such invoice's balance open and due at D
    (its days past due). Columns ``invoice`` (ledger index), ``portion`` (index into
    ``lines.portions``; -1 for the open balance), ``customer_id``, ``w`` (fen), ``days`` and
    ``wd`` (fen x days, exact). The metrics sum it per customer, the working papers per line."""
    led, portions = lines.invoices, lines.portions
    cid = led["customer_id"]
    counted = led["timeliness"]
    p = portions[counted.reindex(portions["invoice"]).to_numpy()]
    paid_part = pd.DataFrame({"invoice": p["invoice"].to_numpy(), "portion": p.index.to_numpy(),
                              "customer_id": cid.reindex(p["invoice"]).to_numpy(),
                              "w": p["amount_fen"].to_numpy(), "days": np.maximum(p["days_late"].to_numpy(), 0)})
    open_sel = led[counted & (led["open_fen"] > 0)]
    open_part = pd.DataFrame({"invoice": open_sel.index.to_numpy(), "portion": -1,
                              "customer_id": open_sel["customer_id"].to_numpy(),
                              "w": open_sel["open_fen"].to_numpy(), "days": open_sel["days_past_due"].to_numpy()})
    late = pd.concat([paid_part, open_part], ignore_index=True)
    late["wd"] = late["w"] * late["days"]
    return late


def first_of_order(invoices: pd.DataFrame) -> np.ndarray:
    """True on the first line of each order: an order is a customer's order/invoice number among
    its lines of a positive amount (a credit note is never an order); a line without a number is
    an order of its own. Worked on integer codes of the customers and numbers (a ledger of
    millions of lines is never hashed as pairs of texts)."""
    positive = invoices["amount_fen"].to_numpy() > 0
    numbered = invoices["invoice_no"].notna().to_numpy() & positive
    first = positive & ~numbered
    if not numbered.any():
        return first
    lines = np.flatnonzero(numbered)
    customer, _ = pd.factorize(invoices["customer_id"].to_numpy()[lines])
    numbers = invoices["invoice_no"].array
    # Customers in parts of about half a million lines (an order is one customer's): the numbers
    # of one part at a time are hashed, never all of a ledger's millions at once.
    parts = max(1, -(-len(lines) // ORDER_PART_LINES))
    part = customer % parts
    for k in range(parts):
        mine = np.flatnonzero(part == k)  # in ledger order
        number, distinct = pd.factorize(numbers.take(lines[mine]))
        pair = customer[mine].astype("int64") * (len(distinct) + 1) + number
        _, at = np.unique(pair, return_index=True)  # the first line of each pair (a stable sort)
        first[lines[mine[at]]] = True
    return first


ORDER_PART_LINES = 500_000


def compute_metrics(ledger: pd.DataFrame, receipts: pd.DataFrame, current_term_days: pd.Series,
                    policy: Policy, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics per customer id, and the receipts that found no open invoice.

    ``current_term_days`` maps customer id -> the customer's current term (days).
    """
    lines = ledger_lines(ledger, receipts, current_term_days, policy, as_of)
    led = lines.invoices
    # The customer IDs as integer codes, in the order a group-by sorts them: each per-customer sum
    # below groups these (the IDs' texts are hashed once, not once a sum); every code occurs.
    codes, ids = pd.factorize(led["customer_id"].to_numpy(), sort=True)
    cid = pd.Series(codes, index=led.index)

    # Payment timeliness, amount-weighted: whole fen times whole days, summed exactly.
    counted = led["timeliness"]
    late = late_parts(lines)
    late["wd_float"] = late["w"].astype("float64") * late["days"]
    late_sum = late.groupby(cid.reindex(late["invoice"]).to_numpy())[["w", "wd", "wd_float"]].sum()
    # Beyond int64 (hostile sizes), the exact sum is not kept and the float one decides.
    exact_ok = late_sum["wd_float"].abs() < 2.0 ** 62
    avg_days_late = (late_sum["wd_float"] / late_sum["w"]).where(late_sum["w"] > 0)

    # Sales and orders.
    t12 = led["window"] == WINDOW_12M
    prev = led["window"] == WINDOW_PREV
    sales_12m = led["amount_fen"].where(t12, 0).groupby(cid).sum() / _FEN
    sales_prev = led["amount_fen"].where(prev, 0).groupby(cid).sum() / _FEN
    orders = pd.Series(first_of_order(led), index=led.index).groupby(cid).sum()
    first_invoice = led.groupby(cid)["invoice_date"].min()

    # Open AR and aging; credit balances never lower the overdue balance.
    aging = led["open_fen"].groupby([cid, led["bucket"]], observed=False).sum().unstack(fill_value=0) / _FEN
    aging = aging.reindex(columns=list(policy.aging_buckets()), fill_value=0.0)
    open_ar = led["open_fen"].groupby(cid).sum() / _FEN
    overdue = led["open_fen"].where((led["days_past_due"] >= 1) & (led["open_fen"] > 0), 0).groupby(cid).sum() / _FEN

    out = pd.DataFrame({
        "orders": orders, "sales_12m": sales_12m, "sales_prev_12m": sales_prev,
        "avg_days_late": avg_days_late, "open_ar": open_ar, "overdue_balance": overdue,
        "first_invoice_date": first_invoice, "invoices": led.groupby(cid).size(),
        "due_invoices": counted.groupby(cid).sum(), "due_fen": late_sum["w"],
        "late_fen_days": late_sum["wd"].where(exact_ok, 0), "late_exact": exact_ok,
        "late_fen_days_float": late_sum["wd_float"],
    })
    out = out.join(aging.add_prefix("aging:"), how="left")
    out.index = pd.Index(ids[out.index.to_numpy(dtype="int64")])  # each code's customer id, as a group-by of the IDs gives
    ints = ["orders", "invoices", "due_invoices", "due_fen", "late_fen_days"]
    out[ints] = out[ints].fillna(0).astype("int64")
    out["late_exact"] = out["late_exact"].fillna(True).astype(bool)
    fill0 = [c for c in out.columns if c.startswith("aging:")] + ["sales_12m", "sales_prev_12m",
                                                                   "open_ar", "overdue_balance", "late_fen_days_float"]
    out[fill0] = out[fill0].fillna(0.0)
    unapplied = lines.receipts[lines.receipts["unapplied_fen"] > 0]
    unapplied = unapplied.assign(unapplied=unapplied["unapplied_fen"] / _FEN)
    return out, unapplied
