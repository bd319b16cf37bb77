"""Small builders for typed records, so core tests state only what matters to them."""

from __future__ import annotations

from datetime import date

import pandas as pd

from desktop.core.models import LEDGER_COLUMNS, RECEIPT_COLUMNS, Customer, SourceRef

VALID_CODE = "91350100M000100Y43"  # GB 32100-2015 example with a correct check digit


def customer(cid: str = "C1", **kw) -> Customer:
    base = dict(name=f"客户{cid}", source=SourceRef("t.xlsx", "客户", 2), credit_code=None,
                license=True, tax_registration=True, org_code=True, agreement=True,
                operating_status="good", revenue_trend="stable", sued_by_suppliers=False,
                total_assets=10000.0, total_liabilities=5500.0, current_assets=4000.0,
                current_liabilities=2500.0, registered_capital=2000.0, first_trade_date=date(2019, 3, 1))
    base.update(kw)
    return Customer(customer_id=cid, **base)


def ledger(rows: list[dict]) -> pd.DataFrame:
    """rows: dicts with customer_id, invoice_date, amount and optional due_date, term_days,
    paid_date, paid_amount, invoice_no."""
    out = []
    for n, r in enumerate(rows):
        out.append({"customer_id": r.get("customer_id", "C1"), "invoice_no": r.get("invoice_no", f"INV{n}"),
                    "invoice_date": r["invoice_date"], "amount": r["amount"], "due_date": r.get("due_date"),
                    "term_days": r.get("term_days"), "paid_date": r.get("paid_date"),
                    "paid_amount": r.get("paid_amount"), "row": n + 2})
    frame = pd.DataFrame(out, columns=list(LEDGER_COLUMNS))
    for c in ("invoice_date", "due_date", "paid_date"):
        frame[c] = pd.to_datetime(frame[c])
    return frame.astype(LEDGER_COLUMNS)


def receipts(rows: list[tuple[str, date, float]]) -> pd.DataFrame:
    frame = pd.DataFrame([{"customer_id": c, "date": d, "amount": a, "row": n + 2}
                          for n, (c, d, a) in enumerate(rows)], columns=list(RECEIPT_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.astype(RECEIPT_COLUMNS)


def no_receipts() -> pd.DataFrame:
    return receipts([])


def worked_example_ledger(cid: str = "C1") -> list[dict]:
    """14 orders: 4 x 525,000 in the prior year (on time), 10 x 240,000 in the last 12 months,
    paid 4,4,4,4,4,4,4,4,5,5 days late: amount-weighted 4.2 days."""
    from datetime import timedelta
    rows = []
    for k in range(4):
        d = date(2024, 8, 15) + timedelta(days=80 * k)
        rows.append({"customer_id": cid, "invoice_date": d, "amount": 525_000.0, "due_date": d + timedelta(days=60),
                     "paid_date": d + timedelta(days=60), "paid_amount": 525_000.0})
    for k, late in enumerate([4, 4, 4, 4, 4, 4, 4, 4, 5, 5]):
        d = date(2025, 7, 10) + timedelta(days=24 * k)
        due = d + timedelta(days=60)
        rows.append({"customer_id": cid, "invoice_date": d, "amount": 240_000.0, "due_date": due,
                     "paid_date": due + timedelta(days=late), "paid_amount": 240_000.0})
    return rows
