"""Credit Desk against the floor the libraries set and against a plain pandas + openpyxl script.

    python benchmarks/run.py [--data DIR] [--repeat 3] [--peer-repeat 1] [--sizes full,small]
                             [--no-forms | --only-forms] [--no-responsive | --responsive]
                             [--no-backtest | --backtest] [--no-csv | --csv]

For each size (full: 100,000 customers and 1,000,000 ledger rows; small: 10 % of that) it
times, each measurement in a fresh process (wall time and the child's peak memory):

(a) floor   fastexcel reading both workbooks into Arrow, then xlsxwriter writing a workbook
            of the same shape as our results workbook: the same sheets, rows and columns, with
            text, number and formula cells where ours has them (stock xlsxwriter calls,
            formats created once, constant-memory mode);
(b) ours    ``credit-desk score CUSTOMERS LEDGER --as-of 2026-06-30 --out results.xlsx``;
(c) forms   the approval workbook with 5,000 forms (``write_approval_workbook``) against
            xlsxwriter writing 5,000 sheets holding the same cells as one of our form sheets,
            then the same workbook read back (``read_filled_workbook``): read back / write;
(d) peer    pandas.read_excel with openpyxl, per-customer aggregates with groupby, and
            DataFrame.to_excel with openpyxl of a results table of the same size;
(e) read floor  fastexcel reading every sheet of both workbooks into Arrow, nothing parsed;
(f) pack floor  deflating, at level 1, the XML parts of our own results workbook (in the child,
            the parts read first): (e) + (f) is the true floor of the job, ours / (e + f) printed;
(g) polars  polars.read_excel with calamine, the same aggregates with group_by, write_excel of a
            results table of the same size (benchmarks/requirements.txt installs polars);
    profile benchmarks/profile_stages.py: one more run of ours, its time by stage;
(h) window  ``pytest -m perf tests/test_responsive.py``: the window rating 10,000 customers
            and 100,000 rows (CREDIT_DESK_RESPONSIVE_SIZE sets another size) in its engine
            process, its longest event-loop gap and progress interval held to their limits
            (about 20 s; ``--responsive`` runs this step alone, ``--no-responsive`` skips it).
(i) back-test  the outcomes of 6 runs of every customer over the ledger (``ledger_lines`` as of
            the evaluation date 2026-06-30, then ``desktop.core.backtest.outcomes`` of the cases of
            6 month-ends 2025-07-31 .. 2025-12-31, each horizon of 6 months observable), timed in
            the child after it read the workbooks (``--backtest`` runs this step alone,
            ``--no-backtest`` skips it).
(j) csv     ``credit-desk score`` of the full size's customer sheet with a GBK CSV ledger of
            5,000,000 rows (``benchmarks/data.py --csv``; ``--csv`` runs this step alone,
            ``--no-csv`` skips it): its time and peak memory.

It prints medians, peak memory and the ratios ours/floor, ours/(e + f), peer/ours and full/small.
The generated workbooks are cached in the data folder (seeded: the same bytes every run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
SIZES = {"full": (100_000, 1_000_000), "small": (10_000, 100_000)}
AS_OF = "2026-06-30"
FORMS = 5_000
BACKTEST_RUNS = ("2025-07-31", "2025-08-31", "2025-09-30", "2025-10-31", "2025-11-30", "2025-12-31")


# ---------------------------------------------------------------- measurements (parent side)

def measure(argv: list[str]) -> tuple[float, float, str]:
    """Run ``argv`` in a child process; (wall seconds, peak resident memory in MB, its stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} … failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, err  # ru_maxrss is in KB on Linux


def figures_of(runs: list[tuple[float, float, str]]) -> list[dict]:
    """The JSON line each child printed last on its stderr (the times it took itself)."""
    return [json.loads(err.strip().splitlines()[-1]) for _, _, err in runs]


def child(task: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "_child", task, *args]


def timed(name: str, argv: list[str], repeat: int) -> dict:
    runs = [measure(argv) for _ in range(repeat)]
    result = {"name": name, "median_s": statistics.median(w for w, _, _ in runs),
              "peak_mb": max(m for _, m, _ in runs), "runs": [round(w, 2) for w, _, _ in runs]}
    print(f"  {name:<38} median {result['median_s']:7.2f} s   peak {result['peak_mb']:7.0f} MB   "
          f"runs {result['runs']}", flush=True)
    return result


# ---------------------------------------------------------------- the tasks (child side)

def task_floor(customers: str, ledger: str, shape_file: str, out: str) -> None:
    import xlsxwriter

    tables = _read_all(customers, ledger)
    names = [v for v in tables[0].column(1).to_pylist() if v]  # text of the right kind for text cells
    shape = json.loads(Path(shape_file).read_text(encoding="utf-8"))
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    fmt = {k: wb.add_format({"font_name": "等线", "num_format": f}) for k, f in
           (("n", "#,##0.00"), ("s", "@"), ("f", "0"), ("d", "yyyy-mm-dd"))}
    for sheet in shape:
        ws = wb.add_worksheet(sheet["name"])
        ws.write_row(0, 0, sheet["header"])
        kinds, formulas = sheet["kinds"], sheet["formulas"]
        for r in range(1, sheet["rows"]):
            for c, kind in enumerate(kinds):
                if kind == "n":
                    ws.write_number(r, c, r * 1.5 + c, fmt["n"])
                elif kind == "s":
                    ws.write_string(r, c, names[(r + c) % len(names)], fmt["s"])
                elif kind == "f":
                    ws.write_formula(r, c, formulas[str(c)].replace("{row}", str(r + 1)), fmt["f"], r)
    wb.close()


def task_peer(customers: str, ledger: str, shape_file: str, out: str) -> None:
    """What an analyst writes: pandas + openpyxl both ways, the rules as groupby aggregates,
    and sheets of the same shape as ours written with DataFrame.to_excel."""
    import pandas as pd

    cust = pd.read_excel(customers, engine="openpyxl", header=1, dtype={"客户编号": str})
    led = pd.read_excel(ledger, engine="openpyxl", header=1, dtype={"客户编号": str})
    led["开票日期"] = pd.to_datetime(led["开票日期"], errors="coerce")
    led["金额（元）"] = pd.to_numeric(led["金额（元）"], errors="coerce")
    led["到期日"] = pd.to_datetime(led["到期日"], errors="coerce")
    led["回款日期"] = pd.to_datetime(led["回款日期"], errors="coerce")
    as_of = pd.Timestamp(AS_OF)
    last12 = led["开票日期"] > as_of - pd.DateOffset(years=1)
    late = (led["回款日期"].fillna(as_of) - led["到期日"]).dt.days.clip(lower=0)
    g = led.assign(s12=led["金额（元）"].where(last12, 0), late=late,
                   open=led["金额（元）"].where(led["回款日期"].isna() | (led["回款日期"] > as_of), 0)).groupby("客户编号")
    agg = pd.DataFrame({"orders": g.size(), "sales_12m": g["s12"].sum(), "avg_late": g["late"].mean(),
                        "open_ar": g["open"].sum()})
    table = cust.merge(agg, left_on="客户编号", right_index=True, how="left")
    table["score"] = (25 - table["avg_late"].fillna(99).clip(upper=25)) + (table["sales_12m"] > 1e6) * 20
    table["level"] = pd.cut(table["score"], [-1, 40, 60, 75, 90, 101], labels=["C", "B", "A", "AA", "AAA"])
    shape = json.loads(Path(shape_file).read_text(encoding="utf-8"))
    with pd.ExcelWriter(out, engine="openpyxl") as xw:
        for sheet in shape:
            width = len(sheet["kinds"])
            cols = [table.columns[c % len(table.columns)] for c in range(width)]
            part = table.iloc[: sheet["rows"] - 1][cols]
            part.columns = [f"{c}_{n}" for n, c in enumerate(cols)]
            part.to_excel(xw, sheet_name=sheet["name"][:31], index=False)


def _read_all(*paths: str) -> list:
    """Every sheet of ``paths`` read by fastexcel into Arrow, nothing parsed."""
    import fastexcel

    tables = []
    for path in paths:
        reader = fastexcel.read_excel(path)
        tables += [reader.load_sheet(name, header_row=None).to_arrow() for name in reader.sheet_names]
    return tables


def task_read_floor(customers: str, ledger: str) -> None:
    """(e) the read floor: what (a) reads, and no more."""
    _read_all(customers, ledger)


def task_pack_floor(ours: str) -> None:
    """(f) the pack floor: deflating, at level 1, the XML parts of our own results workbook (read
    and inflated first, not timed); the child prints the time of the deflation and the XML's size."""
    import zipfile
    import zlib

    with zipfile.ZipFile(ours) as z:
        parts = [z.read(info) for info in z.infolist()]
    start = time.perf_counter()
    for part in parts:
        packer = zlib.compressobj(1, zlib.DEFLATED, -15)
        packer.compress(part)
        packer.flush()
    print(json.dumps({"pack_s": time.perf_counter() - start, "xml_mb": sum(map(len, parts)) / 1e6}),
          file=sys.stderr)


def task_polars(customers: str, ledger: str, shape_file: str, out: str) -> None:
    """The same analyst's job in polars: read_excel with calamine, the rules as group-by
    aggregates, and sheets of the same shape as ours written with write_excel."""
    import polars as pl
    import xlsxwriter

    def day(col: str) -> pl.Expr:  # the ledger's dates as written: dates, 2025-09-13 00:00:00, 2025/6/14
        text = pl.col(col).cast(pl.String)
        return pl.coalesce(text.str.to_date("%Y-%m-%d", strict=False),
                           text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
                           text.str.to_date("%Y/%m/%d", strict=False)).alias(col)

    cust = pl.read_excel(customers, engine="calamine", read_options={"header_row": 1},
                         schema_overrides={"客户编号": pl.String})
    led = pl.read_excel(ledger, engine="calamine", read_options={"header_row": 1},
                        schema_overrides={"客户编号": pl.String})
    as_of = pl.lit(AS_OF).str.to_date()
    led = led.with_columns(day("开票日期"), day("到期日"), day("回款日期"),
                           pl.col("金额（元）").cast(pl.String).cast(pl.Float64, strict=False))
    agg = (led.with_columns(
               s12=pl.when(pl.col("开票日期") > as_of.dt.offset_by("-1y")).then(pl.col("金额（元）")).otherwise(0),
               late=(pl.col("回款日期").fill_null(as_of) - pl.col("到期日")).dt.total_days().clip(lower_bound=0),
               open=pl.when(pl.col("回款日期").is_null() | (pl.col("回款日期") > as_of))
                      .then(pl.col("金额（元）")).otherwise(0))
           .group_by("客户编号")
           .agg(orders=pl.len(), sales_12m=pl.col("s12").sum(), avg_late=pl.col("late").mean(),
                open_ar=pl.col("open").sum()))
    table = cust.join(agg, on="客户编号", how="left")
    table = table.with_columns(score=(25 - pl.col("avg_late").fill_null(99).clip(upper_bound=25))
                               + (pl.col("sales_12m") > 1e6).cast(pl.Int32) * 20)
    level = pl.lit("C")
    for cut, name in ((40, "B"), (60, "A"), (75, "AA"), (90, "AAA")):
        level = pl.when(pl.col("score") > cut).then(pl.lit(name)).otherwise(level)
    table = table.with_columns(level=level)
    shape = json.loads(Path(shape_file).read_text(encoding="utf-8"))
    with xlsxwriter.Workbook(out) as wb:  # write_excel makes each sheet a table: not in constant-memory mode
        for sheet in shape:
            width = len(sheet["kinds"])
            cols = [table.columns[c % len(table.columns)] for c in range(width)]
            part = table.head(sheet["rows"] - 1).select(
                [pl.col(c).alias(f"{c}_{n}") for n, c in enumerate(cols)])
            part.write_excel(workbook=wb, worksheet=sheet["name"][:31], autofit=False)


def _rated_small(data: str):
    from datetime import date

    from benchmarks_data import make

    from desktop import services
    from desktop.io.policy_file import load_policy
    from desktop.session import ImportRequest

    files = list(make(Path(data), *SIZES["small"]))
    imported = services.import_inputs(ImportRequest(tuple(files), (), date(2026, 6, 30)))
    return services.rate_imported(imported, load_policy(None), date(2026, 6, 30), files)


def task_forms(data: str, out: str) -> None:
    from desktop.core.forms import forms_needed
    from desktop.io.forms_layout import load_layouts
    from desktop.io.writers.forms import write_approval_workbook

    rated = _rated_small(data)
    specs = forms_needed(rated.rating, rated.policy, rated.run.run_id, frozenset(
        d.customer_id for d in rated.rating.decisions))[:FORMS]
    start = time.perf_counter()
    write_approval_workbook(out, specs, rated.rating, rated.policy, rated.run, load_layouts())
    print(json.dumps({"write_s": time.perf_counter() - start}), file=sys.stderr)


def task_forms_read(path: str) -> None:
    """The approval workbook read back as the approvals command reads a filled one."""
    from desktop.io.approvals_reader import read_filled_workbook

    start = time.perf_counter()
    forms, problems = read_filled_workbook(Path(path))
    print(json.dumps({"read_s": time.perf_counter() - start, "forms": len(forms), "problems": len(problems)}),
          file=sys.stderr)


def task_forms_floor(template_file: str, out: str) -> None:
    import xlsxwriter

    template = json.loads(Path(template_file).read_text(encoding="utf-8"))
    wb = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_numbers": False,
                                   "strings_to_urls": False})
    fmt = wb.add_format({"font_name": "等线", "border": 1})
    for n in range(FORMS):
        ws = wb.add_worksheet(f"F{n:05d}")
        for r0, c0, r1, c1 in template["merges"]:
            ws.merge_range(r0, c0, r1, c1, None, fmt)
        for r, c, kind, value in template["cells"]:
            if kind == "n":
                ws.write_number(r, c, value, fmt)
            elif kind == "f":
                ws.write_formula(r, c, value, fmt)
            elif kind == "b":
                ws.write_blank(r, c, None, fmt)
            else:
                ws.write_string(r, c, value, fmt)
    wb.close()


def task_backtest(data: str, n_cust: str, n_ledger: str) -> None:
    """The back-test's outcome step over a generated set: every customer on the sheet rated at each
    of ``BACKTEST_RUNS`` is a case (the ratings themselves are not needed for the outcomes)."""
    from datetime import date

    import pandas as pd
    from benchmarks_data import make

    from desktop import services
    from desktop.core.backtest import OutcomeRule, outcomes
    from desktop.core.metrics import ledger_lines
    from desktop.core.rating import current_terms
    from desktop.io.policy_file import load_policy
    from desktop.session import ImportRequest

    evaluation = date.fromisoformat(AS_OF)
    files = list(make(Path(data), int(n_cust), int(n_ledger)))
    imported = services.import_inputs(ImportRequest(tuple(files), (), evaluation))
    policy = load_policy(None)
    ids = [c.customer_id for c in imported.customers]
    cases = pd.DataFrame({"customer_id": ids * len(BACKTEST_RUNS),
                          "as_of": [date.fromisoformat(d) for d in BACKTEST_RUNS for _ in ids]})
    start = time.perf_counter()
    lines = ledger_lines(imported.ledger, imported.receipts, current_terms(imported.customers), policy, evaluation)
    lines_s = time.perf_counter() - start
    judged = outcomes(lines, cases, OutcomeRule())
    total_s = time.perf_counter() - start
    print(json.dumps({"lines_s": lines_s, "outcomes_s": total_s - lines_s, "total_s": total_s,
                      "cases": len(judged), "bad": int(judged["bad"].sum()),
                      "ledger_rows": len(imported.ledger)}), file=sys.stderr)


# ---------------------------------------------------------------- shapes of our outputs

def results_shape(path: Path, out: Path) -> None:
    """Sheets, rows, header and per-column cell kinds of our results workbook (read, not timed)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    shape = []
    for ws in wb.worksheets:
        rows = ws.max_row
        head = list(ws.iter_rows(min_row=1, max_row=min(rows, 40), values_only=False))
        width = max((len(r) for r in head), default=0)
        kinds, formulas = ["b"] * width, {}
        for row in head[1:]:
            for c, cell in enumerate(row):
                if cell.value is None or kinds[c] == "f":
                    continue
                if cell.data_type == "f":
                    kinds[c] = "f"
                    formulas[str(c)] = str(cell.value).replace(str(cell.row), "{row}")
                elif kinds[c] == "b":
                    kinds[c] = "s" if cell.data_type == "s" else "n"
        header = ["" if c.value is None else str(c.value) for c in head[0]] if head else []
        shape.append({"name": ws.title, "rows": rows, "header": header, "kinds": kinds, "formulas": formulas})
    out.write_text(json.dumps(shape, ensure_ascii=False), encoding="utf-8")


def form_cells(path: Path, out: Path) -> None:
    """The cells (formatted blanks included) and merged ranges of our first form sheet, to be
    written 5,000 times by the floor."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[1]
    merges = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
    merged = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
    cells = []
    for row in ws.iter_rows():
        for cell in row:
            r, c = cell.row - 1, cell.column - 1
            if cell.value is None:
                if cell.has_style and (r, c) not in merged:
                    cells.append((r, c, "b", None))
                continue
            kind = "f" if cell.data_type == "f" else "n" if isinstance(cell.value, (int, float)) else "s"
            cells.append((r, c, kind, cell.value if kind != "s" else str(cell.value)))
    out.write_text(json.dumps({"cells": cells, "merges": merges}, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------- main

def run_size(label: str, data: Path, work: Path, repeat: int, peer_repeat: int) -> dict:
    from benchmarks_data import make

    n_cust, n_ledger = SIZES[label]
    print(f"\n{label}: {n_cust:,} customers, {n_ledger:,} ledger rows", flush=True)
    customers, ledger = (str(p) for p in make(data, n_cust, n_ledger))
    ours_out = work / f"ours-{label}.xlsx"
    ours = timed("(b) credit-desk score", [sys.executable, "-m", "desktop.cli", "score", customers, ledger,
                                           "--as-of", AS_OF, "--out", str(ours_out),
                                           # recorded as every run is, in a register of its own
                                           "--register", str(work / f"register-{label}.sqlite")], repeat)
    shape = work / f"shape-{label}.json"
    results_shape(ours_out, shape)
    floor = timed("(a) floor: fastexcel + xlsxwriter", child("floor", customers, ledger, str(shape),
                                                             str(work / f"floor-{label}.xlsx")), repeat)
    read = timed("(e) read floor: fastexcel, no parsing", child("read_floor", customers, ledger), repeat)
    packs = [measure(child("pack_floor", str(ours_out))) for _ in range(repeat)]
    pack_figures = figures_of(packs)
    pack = {"name": "(f) pack floor", "median_s": statistics.median(f["pack_s"] for f in pack_figures),
            "xml_mb": pack_figures[0]["xml_mb"], "runs": [round(f["pack_s"], 2) for f in pack_figures]}
    print(f"  {'(f) pack floor: deflate level 1':<38} median {pack['median_s']:7.2f} s   "
          f"{pack['xml_mb']:,.0f} MB of our XML   runs {pack['runs']}", flush=True)
    peer = timed("(d) peer: pandas + openpyxl", child("peer", customers, ledger, str(shape),
                                                      str(work / f"peer-{label}.xlsx")), peer_repeat)
    try:
        import polars  # noqa: F401  (benchmarks/requirements.txt)
        polars_peer = timed("(g) peer: polars + calamine", child("polars", customers, ledger, str(shape),
                                                                 str(work / f"polars-{label}.xlsx")), peer_repeat)
    except ImportError:
        polars_peer = None
        print("  (g) peer: polars is not installed (pip install -r benchmarks/requirements.txt)")
    true_floor = read["median_s"] + pack["median_s"]
    result = {"size": label, "customers": n_cust, "ledger_rows": n_ledger, "ours": ours, "floor": floor,
              "read_floor": read, "pack_floor": pack, "peer": peer, "polars": polars_peer,
              "ours_over_floor": ours["median_s"] / floor["median_s"],
              "ours_over_true_floor": ours["median_s"] / true_floor,
              "peer_over_ours": peer["median_s"] / ours["median_s"],
              "polars_over_ours": polars_peer["median_s"] / ours["median_s"] if polars_peer else None}
    print(f"  ours / floor (a) = {result['ours_over_floor']:.2f}   ours / true floor (e + f = {true_floor:.2f} s) = "
          f"{result['ours_over_true_floor']:.2f}   pandas peer / ours = {result['peer_over_ours']:.1f}"
          + (f"   polars peer / ours = {result['polars_over_ours']:.1f}" if polars_peer else ""))
    result["profile"] = profile(label, data, work)
    return result


CSV_ROWS = 5_000_000


def run_csv(data: Path, work: Path, rows: int = CSV_ROWS) -> dict:
    """(j) The large CSV ledger: the full size's customer sheet and a GBK CSV ledger of ``rows``
    rows (benchmarks/data.py --csv), scored once: its time and peak memory."""
    from benchmarks_data import ledger_csv, make

    n_cust = SIZES["full"][0]
    customers = str(make(data, n_cust, SIZES["full"][1])[0])
    ledger = str(ledger_csv(data, n_cust, rows))
    print(f"\ncsv: {n_cust:,} customers, a CSV ledger of {rows:,} rows", flush=True)
    return timed(f"(j) score, {rows // 1_000_000}M-row CSV ledger",
                 [sys.executable, "-m", "desktop.cli", "score", customers, ledger, "--as-of", AS_OF,
                  "--out", str(work / "ours-csv.xlsx")], 1)


def profile(label: str, data: Path, work: Path) -> dict:
    """benchmarks/profile_stages.py's stage table of one more run of ours, in a child process."""
    figures = work / f"profile-{label}.json"
    measure([sys.executable, str(HERE / "profile_stages.py"), "--data", str(data), "--size", label, "--json", str(figures)])
    result = json.loads(figures.read_text(encoding="utf-8"))
    wall = result["wall_s"]
    print(f"  where ours spends its time (benchmarks/profile_stages.py, one run of {wall:.2f} s): " + ", ".join(
        f"{stage} {secs:.2f} s" for stage, secs in result["stages"].items() if secs >= 0.005))
    return result


def run_forms(data: Path, work: Path, repeat: int) -> dict:
    print(f"\nforms: {FORMS:,} approval forms in one workbook", flush=True)
    ours_out = work / "forms-ours.xlsx"
    ours = [measure(child("forms", str(data), str(ours_out))) for _ in range(repeat)]
    # the child times the write alone (rating the customers first is not part of it)
    writes = [f["write_s"] for f in figures_of(ours)]
    cells = work / "form-cells.json"
    form_cells(ours_out, cells)
    floor = timed("(c) floor: xlsxwriter, 5,000 sheets", child("forms_floor", str(cells),
                                                                str(work / "forms-floor.xlsx")), repeat)
    median = statistics.median(writes)
    print(f"  {'(c) ours: approval workbook':<38} median {median:7.2f} s   peak "
          f"{max(m for _, m, _ in ours):7.0f} MB (with rating 10,000 customers first)   runs "
          f"{[round(w, 2) for w in writes]}")
    ratio = median / floor["median_s"]
    print(f"  ours / floor = {ratio:.2f}")
    reads = [measure(child("forms_read", str(ours_out))) for _ in range(repeat)]
    figures = figures_of(reads)
    read = statistics.median(f["read_s"] for f in figures)
    if figures[0]["forms"] != FORMS or figures[0]["problems"]:
        raise SystemExit(f"the approval workbook read back {figures[0]['forms']} forms and "
                         f"{figures[0]['problems']} problems, not {FORMS} forms")
    print(f"  {'(c) read back (read_filled_workbook)':<38} median {read:7.2f} s   peak "
          f"{max(m for _, m, _ in reads):7.0f} MB   runs {[round(f['read_s'], 2) for f in figures]}")
    print(f"  read back / write = {read / median:.2f}")
    return {"ours_write_s": median, "floor": floor, "ours_over_floor": ratio, "read_back_s": read,
            "read_over_write": read / median}


def run_backtest(data: Path, labels: list[str], repeat: int) -> dict:
    """(i): the outcomes of 6 runs of every customer, timed in the child (reading the workbooks
    first is not part of it; the peak memory is the child's, reading included)."""
    results = {}
    for label in labels:
        n_cust, n_ledger = SIZES[label]
        print(f"\nback-test: outcomes of {len(BACKTEST_RUNS)} runs x {n_cust:,} customers over "
              f"{n_ledger:,} ledger rows", flush=True)
        runs = [measure(child("backtest", str(data), str(n_cust), str(n_ledger))) for _ in range(repeat)]
        figures = figures_of(runs)
        med = {k: statistics.median(f[k] for f in figures) for k in ("lines_s", "outcomes_s", "total_s")}
        f = figures[0]
        print(f"  {'(i) ledger_lines + outcomes':<38} median {med['total_s']:7.2f} s   peak "
              f"{max(m for _, m, _ in runs):7.0f} MB (with reading the workbooks first)   runs "
              f"{[round(x['total_s'], 2) for x in figures]}")
        print(f"  ledger_lines {med['lines_s']:.2f} s, outcomes {med['outcomes_s']:.2f} s: {f['cases']:,} cases "
              f"({f['bad']:,} bad) over {f['ledger_rows']:,} ledger lines, "
              f"{med['outcomes_s'] / f['cases'] * 1e6:.1f} µs a case")
        results[label] = {**med, "cases": f["cases"], "bad": f["bad"], "peak_mb": max(m for _, m, _ in runs)}
    return results


def run_responsive(data: Path) -> dict:
    """The window's responsiveness test with its wall-clock limits (marked ``perf``, skipped
    in the default test run), in a child process; its figures line and whether it passed."""
    print("\nwindow: tests/test_responsive.py -m perf", flush=True)
    env = {**os.environ, "CREDIT_DESK_PERF": "1", "CREDIT_DESK_BENCH_DATA": str(data),
           "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-m", "perf",
                           "tests/test_responsive.py"], cwd=HERE.parent, env={**env, "PYTHONIOENCODING": "utf-8"},
                          capture_output=True, text=True, encoding="utf-8", errors="replace")
    wall = time.perf_counter() - start
    lines = proc.stdout.splitlines()
    # "10000x100000: job 5.6 s, … longest event-loop gap 85 ms, … longest interval 0.26 s"
    figures = next((line for line in lines if ": job " in line and "longest event-loop gap" in line), "")
    summary = next((line for line in reversed(lines) if line.strip()), "")
    passed = proc.returncode == 0
    print(f"  {figures or '(no figures line)'}")
    print(f"  {'passed' if passed else 'FAILED'} in {wall:.1f} s: {summary}")
    if not passed:
        print("\n".join(lines[-40:]) + proc.stderr[-2000:])
    return {"figures": figures, "passed": passed, "wall_s": round(wall, 1), "summary": summary}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-repeat", type=int, default=1, help="the peer takes minutes at full size")
    ap.add_argument("--sizes", default="full,small")
    ap.add_argument("--no-forms", action="store_true")
    ap.add_argument("--only-forms", action="store_true")
    ap.add_argument("--no-responsive", action="store_true")
    ap.add_argument("--responsive", action="store_true", help="only the window's responsiveness step")
    ap.add_argument("--no-backtest", action="store_true")
    ap.add_argument("--backtest", action="store_true", help="only the back-test's outcome step, at --sizes")
    ap.add_argument("--no-csv", action="store_true")
    ap.add_argument("--csv", action="store_true", help=f"only the {CSV_ROWS:,}-row CSV ledger step")
    a = ap.parse_args()
    alone = a.only_forms or a.responsive or a.backtest or a.csv  # one step only
    a.data.mkdir(parents=True, exist_ok=True)
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="credit-desk-bench-") as tmp:
        work = Path(tmp)
        results = {} if alone else {
            label: run_size(label, a.data, work, a.repeat, a.peer_repeat) for label in a.sizes.split(",")}
        if "full" in results and "small" in results:
            t = results["full"]["ours"]["median_s"] / results["small"]["ours"]["median_s"]
            print(f"\nlinearity: 10x the data took {t:.1f}x the time (ours); "
                  f"floor {results['full']['floor']['median_s'] / results['small']['floor']['median_s']:.1f}x")
        if not a.no_csv and (not alone or a.csv):
            results["csv"] = run_csv(a.data, work)
        if not a.no_forms and (not alone or a.only_forms):
            results["forms"] = run_forms(a.data, work, a.repeat)
        if not a.no_backtest and (not alone or a.backtest):
            results["backtest"] = run_backtest(a.data, a.sizes.split(","), a.repeat)
        if not a.no_responsive and (not alone or a.responsive):
            results["responsive"] = run_responsive(a.data)
    (a.data / "last-run.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "_child":
        sys.modules.setdefault("benchmarks_data", __import__("data"))
        globals()["task_" + sys.argv[2]](*sys.argv[3:])
    else:
        sys.modules.setdefault("benchmarks_data", __import__("data"))
        main()
