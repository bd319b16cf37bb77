"""Ledger metrics for all customers at once, column-wise (no Python loop over rows).

Inputs are typed tables (see ``desktop.core.models.LEDGER_COLUMNS``); the output is one
row per customer id with orders, sales, growth, amount-weighted days late, open AR, its
aging, overdue balance and DSO, as of the assessment date D.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from desktop.core.policy import Policy

# Amounts are allocated in whole fen (cents) so FIFO never leaves 0.0000001 balances.
_FEN = 100


def one_year_before(d: pd.Timestamp, years: int = 1) -> pd.Timestamp:
    """The same calendar day ``years`` earlier (29 Feb -> 28 Feb)."""
    return d - pd.DateOffset(years=years)


def due_dates(ledger: pd.DataFrame, current_term_days: pd.Series) -> pd.Series:
    """Due date column, else invoice date + term days, else + the customer's current term, else the invoice date."""
    term = ledger["term_days"].copy()
    term = term.fillna(ledger["customer_id"].map(current_term_days).astype("float64"))
    derived = ledger["invoice_date"] + pd.to_timedelta(term.fillna(0), unit="D")
    return ledger["due_date"].fillna(derived)


def fifo_allocate(invoices: pd.DataFrame, receipts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply receipts FIFO to invoice balances, per customer.

    ``invoices``: customer_id, due, invoice_date, row, balance_fen (FIFO order: oldest due
    date first, then invoice date, then row order).
    ``receipts``: customer_id, date, amount_fen, row, sorted by customer and date.
    Returns (portions: invoice index, date, amount_fen) and the unapplied receipts.
    Vectorised: each customer's invoices and receipts are laid on one running-total axis,
    and every piece between consecutive running totals belongs to one invoice and one receipt.
    """
    inv = invoices[invoices["balance_fen"] > 0].sort_values(
        ["customer_id", "due", "invoice_date", "row"], kind="stable")
    rec = receipts[receipts["amount_fen"] > 0]
    if inv.empty or rec.empty:
        empty = pd.DataFrame({"invoice": pd.Series(dtype="int64"), "date": pd.Series(dtype="datetime64[s]"),
                              "amount_fen": pd.Series(dtype="int64")})
        return empty, rec.assign(unapplied_fen=rec["amount_fen"])
    inv_end = inv.groupby("customer_id", sort=False)["balance_fen"].cumsum()
    rec_end = rec.groupby("customer_id", sort=False)["amount_fen"].cumsum()
    inv_axis = pd.DataFrame({"customer_id": inv["customer_id"].to_numpy(), "end": inv_end.to_numpy(),
                             "invoice": inv.index.to_numpy()})
    rec_axis = pd.DataFrame({"customer_id": rec["customer_id"].to_numpy(), "end": rec_end.to_numpy(),
                             "date": rec["date"].to_numpy(), "rec": np.arange(len(rec))})
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
                             "amount_fen": (pieces["end"] - pieces["start"]).astype("int64").to_numpy()})
    applied = pd.Series((pieces["end"] - pieces["start"]).to_numpy(),
                        index=pieces["rec"].astype("int64").to_numpy()).groupby(level=0).sum()
    unapplied = rec.assign(unapplied_fen=rec["amount_fen"].to_numpy()
                           - applied.reindex(np.arange(len(rec)), fill_value=0).to_numpy())
    return portions, unapplied[unapplied["unapplied_fen"] > 0]


def compute_metrics(ledger: pd.DataFrame, receipts: pd.DataFrame, current_term_days: pd.Series,
                    policy: Policy, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Metrics per customer id, and the receipts that found no open invoice.

    ``current_term_days`` maps customer id -> the customer's current term (days).
    """
    d = pd.Timestamp(as_of)
    y1, y2 = one_year_before(d, 1), one_year_before(d, 2)
    led = ledger[ledger["invoice_date"] <= d].copy()
    led["due"] = due_dates(led, current_term_days)
    led["amount_fen"] = (led["amount"] * _FEN).round().astype("int64")
    positive = led["amount_fen"] > 0

    # Payments recorded on the ledger rows: a paid date without an amount pays the invoice in full.
    paid_amount = led["paid_amount"].where(led["paid_amount"].notna() | led["paid_date"].isna(),
                                           led["amount"])
    paid_fen = (paid_amount.fillna(0) * _FEN).round().astype("int64").clip(lower=0)
    paid_fen = paid_fen.where(positive, 0).clip(upper=led["amount_fen"].clip(lower=0))
    paid_date = led["paid_date"].fillna(led["due"])  # an amount without a date: paid when due
    ledger_portions = pd.DataFrame({"invoice": led.index.to_numpy(), "date": paid_date.to_numpy(),
                                    "amount_fen": paid_fen.to_numpy()})
    ledger_portions = ledger_portions[ledger_portions["amount_fen"] > 0]

    # Receipts dated after D are unpaid at D; the rest go FIFO onto what the ledger leaves open.
    rec = receipts[receipts["date"] <= d].copy()
    rec["amount_fen"] = (rec["amount"] * _FEN).round().astype("int64")
    rec = rec.sort_values(["customer_id", "date", "row"], kind="stable").reset_index(drop=True)
    led_paid_by_d = paid_fen.where(paid_date <= d, 0)
    inv_for_fifo = led[["customer_id", "due", "invoice_date", "row"]].assign(
        balance_fen=(led["amount_fen"] - led_paid_by_d).where(positive, 0))
    fifo_portions, unapplied = fifo_allocate(inv_for_fifo, rec)
    portions = pd.concat([ledger_portions, fifo_portions], ignore_index=True)
    portions = portions[portions["date"] <= d]

    # Per invoice: what was paid by D, and the balance still open at D.
    paid_by_d = portions.groupby("invoice")["amount_fen"].sum().reindex(led.index, fill_value=0)
    led["open_fen"] = (led["amount_fen"] - paid_by_d).where(positive, led["amount_fen"])
    led["days_past_due"] = (d - led["due"]).dt.days

    # Payment timeliness: invoices due in the trailing year, or due and still open at D.
    in_window = positive & (((led["due"] > y1) & (led["due"] <= d))
                            | ((led["open_fen"] > 0) & (led["due"] <= d)))
    sel = led.index[in_window]
    p = portions[portions["invoice"].isin(sel)]
    p_days = (p["date"].to_numpy() - led.loc[p["invoice"], "due"].to_numpy()) / np.timedelta64(1, "D")
    paid_part = pd.DataFrame({"customer_id": led.loc[p["invoice"], "customer_id"].to_numpy(),
                              "w": p["amount_fen"].to_numpy(), "days": np.maximum(p_days, 0)})
    open_sel = led.loc[sel]
    open_sel = open_sel[open_sel["open_fen"] > 0]
    open_part = pd.DataFrame({"customer_id": open_sel["customer_id"].to_numpy(),
                              "w": open_sel["open_fen"].to_numpy(),
                              "days": open_sel["days_past_due"].to_numpy().astype("float64")})
    late = pd.concat([paid_part, open_part], ignore_index=True)
    late["wd"] = late["w"] * late["days"]
    late_sum = late.groupby("customer_id")[["w", "wd"]].sum()
    avg_days_late = (late_sum["wd"] / late_sum["w"]).where(late_sum["w"] > 0)

    # Sales and orders.
    t12 = (led["invoice_date"] > y1) & (led["invoice_date"] <= d)
    prev = (led["invoice_date"] > y2) & (led["invoice_date"] <= y1)
    cid = led["customer_id"]
    sales_12m = led["amount_fen"].where(t12, 0).groupby(cid).sum() / _FEN
    sales_prev = led["amount_fen"].where(prev, 0).groupby(cid).sum() / _FEN
    order_key = led["invoice_no"].where(led["invoice_no"].notna(), "#row" + led["row"].astype(str))
    orders = pd.DataFrame({"c": cid, "k": order_key})[positive].drop_duplicates().groupby("c").size()
    first_invoice = led.groupby(cid)["invoice_date"].min()

    # Open AR and aging.
    # A credit balance (credit note not yet used) is owed to the customer, not overdue by it:
    # it reduces open AR in the "not due" bucket and never the overdue balance.
    edges = [-np.inf, 0, *policy.aging_bucket_upper_days, np.inf]
    days_for_aging = led["days_past_due"].where(led["open_fen"] >= 0, 0)
    bucket = pd.cut(days_for_aging, bins=edges, labels=list(policy.aging_buckets()), right=True)
    aging = led["open_fen"].groupby([cid, bucket], observed=False).sum().unstack(fill_value=0) / _FEN
    aging = aging.reindex(columns=list(policy.aging_buckets()), fill_value=0.0)
    open_ar = led["open_fen"].groupby(cid).sum() / _FEN
    overdue = led["open_fen"].where((led["days_past_due"] >= 1) & (led["open_fen"] > 0), 0).groupby(cid).sum() / _FEN

    out = pd.DataFrame({
        "orders": orders, "sales_12m": sales_12m, "sales_prev_12m": sales_prev,
        "avg_days_late": avg_days_late, "open_ar": open_ar, "overdue_balance": overdue,
        "first_invoice_date": first_invoice, "invoices": led.groupby(cid).size(),
    })
    out = out.join(aging.add_prefix("aging:"), how="left")
    out[["orders", "invoices"]] = out[["orders", "invoices"]].fillna(0).astype("int64")
    fill0 = [c for c in out.columns if c.startswith("aging:")] + ["sales_12m", "sales_prev_12m",
                                                                   "open_ar", "overdue_balance"]
    out[fill0] = out[fill0].fillna(0.0)
    unapplied = unapplied.assign(unapplied=unapplied["unapplied_fen"] / _FEN) if len(unapplied) else unapplied
    return out, unapplied
