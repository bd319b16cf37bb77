"""A long column is parsed a block of rows at a time (values.PARSE_BLOCK): the blocks joined give
exactly what the whole column parsed at once gives, for every parser, with the awkward cells
(blank, bad, corrected, the cells only the slow path reads) on both sides of every cut."""

import random

import numpy as np
import pandas as pd
import pytest

from desktop.io import values as V

CELLS = {
    V.parse_amount: ["1200.50", "0", "-35", "1,200", "¥3,000.00", "abc", None, "", "1e5", "12.345",
                     "１２３", "(500)", "99999999999999999", "3.0", " 7 "],
    V.parse_date: ["2026-03-01 00:00:00", "2026/3/1", "20260301", "2026年3月1日", "not a date", None,
                   "1899-12-31 00:00:00", "2200-01-01 00:00:00", "45000", "2026-02-30", "3/1/2026"],
    V.parse_date_1904: ["2026-03-01 00:00:00", "45000", None, "bad"],
    V.parse_code: ["C001", "c001", " C002 ", "C\u200b003", "客户一", None, "", "=1+1", "A-17", "C001"],
    V.parse_credit_code: ["91350100M000100Y43", "91350100m000100y43", "bad", None, "9135\u200b0100M000100Y43"],
    V.parse_text: ["厦门甲公司", "  spaced  ", "#N/A", None, "", "=cmd", "Total Co."],
    V.parse_int_days: ["30", "30.0", "45天", "-5", "x", None, "90", "365000"],
    V.parse_yes_no: ["是", "否", "有", "无", "Y", "N", "yes", "maybe", None],
}


@pytest.mark.parametrize("parser", list(CELLS), ids=lambda p: p.__name__)
@pytest.mark.parametrize("block", [1, 3, 7, 50])
def test_blocks_give_what_the_whole_column_gives(parser, block, monkeypatch):
    rng = random.Random(block)
    cells = [rng.choice(CELLS[parser]) for _ in range(200)]
    column = pd.Series(cells, index=np.arange(5, 205), dtype="str")  # Excel rows: an index not from 0
    whole_out, whole_problems = V.parse_column(column, parser)
    monkeypatch.setattr(V, "PARSE_BLOCK", block)
    out, problems = V.parse_column(column, parser)
    assert out.dtype == whole_out.dtype
    assert out.index.equals(column.index) and problems.index.equals(column.index)
    pd.testing.assert_series_equal(out, whole_out)
    pd.testing.assert_series_equal(problems, whole_problems)
    assert whole_problems.notna().any() or parser is V.parse_date_1904  # the bad cells were in the column


def test_the_imported_ledger_is_a_table_that_can_be_changed(tmp_path):
    """The ledger is made of its parsed arrays without a copy, yet stays an ordinary table: its
    numeric columns can be written (copy-on-write gives read-only views, copied then), and its
    invoice numbers are text with a blank where the cell was blank."""
    from desktop.io.importer import import_files

    (tmp_path / "客户.csv").write_text("客户编号,客户名称\nC1,甲公司\nC2,乙公司\n", encoding="utf-8")
    (tmp_path / "明细.csv").write_text("客户编号,发票号码,开票日期,金额\nC1,F1,2026-01-01,100\nC2,,2026-01-02,50\n",
                                      encoding="utf-8")
    ledger = import_files([tmp_path / "客户.csv", tmp_path / "明细.csv"]).ledger
    ledger.loc[0, "amount"] = 1.0
    ledger.loc[1, "paid_amount"] = 2.0
    ledger.loc[1, "customer_id"] = "C1"
    ledger.loc[0, "invoice_date"] = pd.Timestamp("2026-02-01")
    assert ledger["amount"].tolist() == [1.0, 50.0] and ledger.at[1, "paid_amount"] == 2.0
    assert ledger["invoice_no"].dtype == "str"
    assert ledger.at[0, "invoice_no"] == "F1" and pd.isna(ledger.at[1, "invoice_no"])
