"""The results workbook: summary, results, AR aging, exceptions and audit sheets.

The total score and both levels are live formulas over the item cells and the level
table on the audit sheet, written with their cached values, so a spreadsheet program
that recalculates shows the same numbers as the engine.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from desktop.core.models import Rating, RowIssue
from desktop.core.policy import Policy
from desktop.io.sheets import SheetSource
from desktop.io.writers.audit import write_facts, write_inputs
from desktop.io.writers.labels import Labels
from desktop.io.writers.results_sheet import (
    GROUP_HEADER_ROW,
    GROUP_STARTS,
    Names,
    results_columns,
    write_group_sheet,
    write_policy_tables,
    write_results_sheet,
)
from desktop.io.writers.xlsx import (
    Formats,
    Tick,
    abandon,
    display_width,
    fit_widths,
    new_workbook,
    no_tick,
    print_setup,
    put,
    quote_sheet,
    ticking,
    write_rows,
)


@dataclass(frozen=True)
class RunFacts:
    """What identifies a run, for the summary and audit sheets."""

    run_id: str
    started: datetime
    operator: str
    program_version: str
    register_head: str = ""  # the run's last entry in the rating register: "#seq sha256"




def _rules_text(hits, lab: Labels) -> str:
    return "; ".join(lab.code(h.code) for h in hits)


def _num(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and (math.isnan(v))) else v


def write_results(path: str, rating: Rating, policy: Policy, sheets: list[SheetSource],
                  issues: list[RowIssue], run: RunFacts, lang: str = "zh", tick: Tick = no_tick,
                  filtered: tuple[int, str] | None = None) -> None:
    """Write the whole results workbook to ``path`` (the caller makes it atomic).

    ``tick()`` is called every few thousand rows and before the package is zipped: the job's
    cancel checkpoint (it raises to stop; the caller removes the temporary file).
    ``filtered``: ``rating`` holds only the customers a filter showed; (how many the run rated,
    the filter in words), said on the summary sheet so that no reader takes it for the whole run.
    """
    lab = Labels(lang)
    wb = new_workbook(path, constant_memory=True)  # every sheet below is written top to bottom
    try:
        fm = Formats(wb)
        wb.set_properties({"title": lab("title.summary") + (
                               "" if filtered is None else f" ({lab('export_scope')})"),
                           "author": run.operator, "company": "",
                           "comments": f"run {run.run_id}"})
        names = {k: lab(f"sheet.{k}") for k in ("summary", "results", "groups", "aging", "exceptions", "audit")}
        ws_sum = wb.add_worksheet(names["summary"])
        ws_res = wb.add_worksheet(names["results"])
        ws_grp = wb.add_worksheet(names["groups"])
        ws_age = wb.add_worksheet(names["aging"])
        ws_exc = wb.add_worksheet(names["exceptions"])
        ws_aud = wb.add_worksheet(names["audit"])

        scope = None if filtered is None else lab("export_scope.filtered", filtered[0], n_rated(rating))
        tables = _write_audit(wb, ws_aud, fm, lab, rating, policy, sheets, run,
                              None if filtered is None else (scope, filtered[1] or lab("none")))
        n = write_results_sheet(ws_res, fm, lab, rating, policy, tables, tick)
        write_group_sheet(wb, ws_grp, fm, lab, rating, policy, names["results"], tick, whole=filtered is None)
        _write_aging(ws_age, fm, lab, rating, policy, tick)
        _write_exceptions(ws_exc, fm, lab, issues, tick)
        not_rated = sum(s.rows_rejected for s in sheets if s.kind == "customers")
        _write_summary(wb, ws_sum, fm, lab, rating, policy, issues, run, names["results"], n, not_rated, filtered)
        note = f"{lab('run_id')} {run.run_id}  {lab('as_of')} {rating.as_of.isoformat()}" + (
            f"  {scope}" if scope else "")  # every printed page of a filtered export says it is one
        print_setup(ws_sum, names["summary"], note, landscape=True, repeat_header=False)
        print_setup(ws_res, names["results"], note, repeat_cols=2, groups=[i for i, col in enumerate(
            results_columns(policy, lab)) if col.key in GROUP_STARTS])
        print_setup(ws_grp, names["groups"], note, repeat_header=False, repeat_cols=2)
        ws_grp.repeat_rows(GROUP_HEADER_ROW)
        print_setup(ws_age, names["aging"], note, repeat_cols=2)
        print_setup(ws_exc, names["exceptions"], note, repeat_cols=4)
        print_setup(ws_aud, names["audit"], note, landscape=True, repeat_header=False, repeat_cols=1)
        _write_facts(wb, rating, policy, run, tick)
        ws_sum.activate()
        tick()
        wb.close()
    except BaseException:  # cancelled or failed: the temporary files go, the caller removes the target's
        abandon(wb)
        raise


FACTS_SHEET = "_facts"
FACTS_FORMAT = "json-rows"  # one cell of JSON a customer; the first version had one cell a value
FACT_COLUMNS = ("customer_id", "name", "total", "raw_level", "system_level", "recommended_term", "eligible_limit",
                "requested_term", "requested_limit", "orders", "sales_12m", "open_ar", "overdue_balance",
                "route", "exceeds_policy", "rules", "next_review")


def _write_facts(wb, rating: Rating, policy: Policy, run: RunFacts, tick: Tick = no_tick) -> None:
    """A very hidden, language-independent copy of the facts approval forms are checked against.

    Row 1 identifies the run, row 2 names the facts; below, each customer's ID and its facts as
    a JSON array in that order: exact numbers, and a tenth of the cells one cell a value took
    (the sheet is for the program, not for reading; the results sheet shows the same facts).
    """
    ws = wb.add_worksheet(FACTS_SHEET)
    ws.write_row(0, 0, ["run_id", run.run_id, "policy_sha256", policy.sha256, "as_of", rating.as_of.isoformat(),
                        "format", FACTS_FORMAT, "started", run.started.date().isoformat()])
    ws.write_row(1, 0, list(FACT_COLUMNS) + [f"item:{it.key}" for it in policy.items])
    plain = [None, None]
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for r, d in ticking(enumerate(rating.decisions, start=2), tick):
        m = d.metrics
        values = [d.customer_id, d.customer.name, d.total, d.raw_level, d.level, d.recommended_term_days,
                  d.eligible_limit, d.requested_term_days, d.requested_limit, m.orders, _num(m.sales_12m),
                  _num(m.open_ar), _num(m.overdue_balance), d.approval_route, d.exceeds_policy,
                  [h.code for h in d.rules], d.next_review.isoformat()] + \
            [i.points for i in d.items]
        ws.write_cells(r, [d.customer_id, dumps(values)], plain)
    ws.very_hidden()


def _write_aging(ws, fm: Formats, lab: Labels, rating: Rating, policy: Policy, tick: Tick = no_tick) -> None:
    buckets = policy.aging_buckets()
    header = [lab("customer_id"), lab("name"), lab("salesperson"), lab("open_ar")] + \
        [lab.aging(b) for b in buckets] + [lab("overdue_balance"), lab("dso")]
    rows = [[d.customer_id, d.customer.name, d.customer.salesperson, d.metrics.open_ar]
            + [d.metrics.aging[b] for b in buckets] + [d.metrics.overdue_balance, d.metrics.dso]
            for d in rating.decisions]
    fit_widths(ws, header, rows)  # column settings before the rows
    ws.write_row(0, 0, header, fm.header)
    ws.set_row(0, 30)
    last = len(header) - 1
    cell_formats = [fm.text if c < 3 else (fm.dec1 if c == last else fm.money) for c in range(len(header))]
    write_rows(ws, 1, rows, cell_formats, tick)
    total_row = len(rows) + 1
    put(ws, total_row, 0, lab("total_row"), fm.total_label)
    for c in range(3, len(header) - 1):
        col = xl_col_to_name(c)
        cached = sum(_num(row[c]) or 0 for row in rows)
        ws.write_formula(total_row, c, f"=SUM({col}2:{col}{max(total_row, 2)})", fm.total, cached)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)


def _write_exceptions(ws, fm: Formats, lab: Labels, issues: list[RowIssue], tick: Tick = no_tick) -> None:
    header = [lab(k) for k in ("severity", "file", "sheet", "row", "column", "value", "problem", "action")]
    rows = [[lab(f"severity.{i.severity}"), i.file, i.sheet, i.row, i.column, i.value, lab.issue(i.problem),
             lab.issue(i.action)] for i in issues]
    fit_widths(ws, header, rows, max_w=60)  # column settings before the rows
    ws.write_row(0, 0, header, fm.header)
    cell_formats = [fm.text] * len(header)
    for r, row in ticking(enumerate(rows, start=1), tick):
        ws.write_cells(r, row, [fm.date if hasattr(v, "isoformat") else fm.text for v in row]
                       if any(hasattr(v, "isoformat") for v in row) else cell_formats)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)


def write_issues(path: str, issues: list[RowIssue], lang: str = "zh", tick: Tick = no_tick) -> None:
    """The row issues alone, as the results workbook's exceptions sheet lays them out (the
    window's issues panel exports what it shows: its severity filter, in its order)."""
    lab = Labels(lang)
    wb = new_workbook(path, constant_memory=True)
    try:
        fm = Formats(wb)
        wb.set_properties({"title": lab("sheet.exceptions"), "company": ""})
        name = lab("sheet.exceptions")
        ws = wb.add_worksheet(name)
        _write_exceptions(ws, fm, lab, issues, tick)
        print_setup(ws, name, "", repeat_cols=4)
        tick()
        wb.close()
    except BaseException:  # cancelled or failed: the temporary files go, the caller removes the target's
        abandon(wb)
        raise


def _write_summary(wb, ws, fm: Formats, lab: Labels, rating: Rating, policy: Policy,
                   issues: list[RowIssue], run: RunFacts, results_sheet: str, n: int, not_rated: int,
                   filtered: tuple[int, str] | None = None) -> None:
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 3, 14)
    ws.write_string(0, 0, lab("title.summary"), fm.title)
    facts = [("run_id", run.run_id, fm.text), ("as_of", rating.as_of, fm.date),
             ("run_time", run.started, fm.datetime), ("operator", run.operator, fm.text),
             ("policy", f"{policy.name} {policy.version} ({policy.file_name})", fm.text),
             ("customers_rated", n, fm.int),
             *((("export_scope", lab("export_scope.filtered", filtered[0], n), fm.label),
                ("export_filter", filtered[1] or lab("none"), fm.text)) if filtered is not None else ()),
             ("customers_not_rated", not_rated, fm.int),
             ("exceptions_count", len(issues), fm.int)]
    r = 2
    for key, value, f in facts:
        ws.write_string(r, 0, lab(key), fm.label)
        put(ws, r, 1, value, f)
        r += 1
    r += 1
    ws.write_string(r, 0, lab("level_counts"), fm.section)
    r += 1
    ws.write_row(r, 0, [lab("level"), lab("count")], fm.header)
    first = r + 1
    final_col = xl_col_to_name(next(i for i, col in enumerate(results_columns(policy, lab)) if col.key == "final_level"))
    rng = f"{quote_sheet(results_sheet)}!${final_col}$2:${final_col}${max(n + 1, 2)}"
    for lv in policy.levels:
        r += 1
        put(ws, r, 0, lab.level_label(lv), fm.level.get(lv.level, fm.text))
        count = sum(1 for d in rating.decisions if d.level == lv.level)
        ws.write_formula(r, 1, f'=COUNTIF({rng},"{lv.level}")', fm.int, count)
    last = r
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"name": lab("count"), "categories": [ws.name, first, 0, last, 0],
                      "values": [ws.name, first, 1, last, 1], "data_labels": {"value": True},
                      "points": [{"fill": {"color": _colour(lv.level)}} for lv in policy.levels]})
    chart.set_title({"name": lab("chart.title"), "name_font": {"name": "等线", "size": 12}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": "等线"}})
    chart.set_size({"width": 480, "height": 288})
    ws.insert_chart(2, 3, chart)
    r += 2
    open_ar = sum(d.metrics.open_ar for d in rating.decisions)
    overdue = sum(d.metrics.overdue_balance for d in rating.decisions)
    for key, value in (("open_ar_total", open_ar), ("overdue_total", overdue)):
        ws.write_string(r, 0, lab(key), fm.label)
        put(ws, r, 1, round(value, 2), fm.money)
        r += 1
    r += 1
    ws.write_string(r, 0, lab("routes"), fm.section)
    r += 1
    for route in ("none", "sales_manager", "cfo_special"):
        ws.write_string(r, 0, lab(f"route.{route}"), fm.text)
        put(ws, r, 1, sum(1 for d in rating.decisions if d.approval_route == route), fm.int)
        r += 1
    ws.write_string(r, 0, lab("exceeds_count"), fm.text)
    put(ws, r, 1, sum(1 for d in rating.decisions if d.exceeds_policy), fm.int)


def _colour(level: str) -> str:
    from desktop.io.writers.xlsx import LEVEL_COLOURS
    return LEVEL_COLOURS.get(level, "#5B9BD5")


def n_rated(rating: Rating) -> int:
    return len(rating.decisions)


def _write_audit(wb, ws, fm: Formats, lab: Labels, rating: Rating, policy: Policy,
                 sheets: list[SheetSource], run: RunFacts, scope: tuple[str, str] | None = None) -> Names:
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 9, 11)
    # the band as a clerk writes it ("逾期 > 7 天且 ≤ 30 天"), as wide as the longest
    bands = [lab.band(b.interval, it.basis) for it in policy.items for b in it.bands]
    ws.set_column(3, 3, max([16] + [display_width(t) + 2 for t in bands]))
    ws.write_string(0, 0, lab("title.audit"), fm.title)
    facts = [("program_version", run.program_version), ("run_id", run.run_id),
             ("run_time", run.started), ("operator", run.operator), ("as_of", rating.as_of),
             ("policy_file", policy.file_name), ("policy_name", policy.name),
             ("policy_version", policy.version), ("policy_sha256", policy.sha256)]
    if run.register_head:
        facts.append(("register_head", run.register_head))
    if scope is not None:  # the customers shown by a filter only: the tables below are the whole run's
        facts += [("export_scope", f"{scope[0]}；{lab('export_scope.whole_run')}" if lab.lang == "zh"
                   else f"{scope[0]}; {lab('export_scope.whole_run')}"), ("export_filter", scope[1])]
    r = write_facts(ws, fm, ((lab(key), value) for key, value in facts), 2)

    r, names = write_policy_tables(wb, ws, fm, lab, policy, rating.as_of, r + 1)

    # Inputs and row reconciliation.
    write_inputs(ws, fm, lab, sheets, r + 2)
    return names
