"""The back-test workbook (回测报告) and its JSON (DOMAIN.md "Back-testing")."""

from __future__ import annotations

import math
from typing import Any

from desktop.io.writers.xlsx import FONT


def _num(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
        return None
    return x


def _iso(x: Any) -> str | None:
    if x is None:
        return None
    try:
        import pandas as pd
        if pd.isna(x):
            return None
        return pd.Timestamp(x).date().isoformat()
    except (TypeError, ValueError):
        return str(x)


def backtest_json(result) -> dict[str, Any]:
    """The issue's JSON: evaluation date, the outcome rule, the runs, the tables and the cases."""
    rep = result.report
    cases = rep.cases
    seen = cases[cases["observable"]] if cases is not None and len(cases) else None
    case_rows = []
    if seen is not None:
        for r in seen.itertuples(index=False):
            bad = bool(r.bad)
            case_rows.append({"run_id": r.run_id, "as_of": _iso(r.as_of), "customer_id": r.customer_id,
                              "level": r.level, "score": int(r.score), "bad": bad,
                              "invoice": (None if not bad else (str(r.invoice_no) if r.invoice_no is not None
                                                                else f"#row{int(r.invoice_row)}")),
                              "invoice_row": int(r.invoice_row) if bad else None,
                              "days_past_due": int(r.days_past_due) if bad else None,
                              "unpaid": round(float(r.unpaid), 2) if bad else None,
                              "bad_on": _iso(r.bad_on) if bad else None})
    return {
        "evaluation_date": rep.evaluation_date.isoformat(),
        "horizon_months": rep.rule.horizon_months, "late_days": rep.rule.late_days,
        "tolerance": rep.rule.tolerance_fen / 100, "source": rep.source,
        "runs": [{"run_id": r.run_id, "as_of": r.as_of.isoformat(), "cases": r.cases, "observable": r.observable,
                  **({"superseded_by": r.superseded_by} if r.superseded_by else {})} for r in rep.runs],
        "levels": [{"level": lv.level, "cases": lv.cases, "bad": lv.bad, "bad_rate": _num(lv.bad_rate),
                    "ci_low": _num(lv.ci_low), "ci_high": _num(lv.ci_high)} for lv in rep.levels],
        "monotonic": rep.monotonic, "auc": _num(rep.auc), "ks": _num(rep.ks),
        "items": {key: [{"band": b.key, "points": b.points, "cases": b.cases, "bad": b.bad,
                         "bad_rate": _num(b.bad_rate)} for b in rows] for key, rows in rep.items.items()},
        "rules": [{"code": r.key, "cases": r.cases, "bad": r.bad, "bad_rate": _num(r.bad_rate)} for r in rep.rules],
        "psi": {"value": _num(rep.psi), "reading": rep.psi_reading,
                "from_run": rep.psi_runs[0] if rep.psi_runs else None,
                "to_run": rep.psi_runs[1] if rep.psi_runs else None},
        "not_observable": rep.not_observable, "not_trading": rep.not_trading, "not_on_sheet": rep.not_on_sheet,
        "customer_facts_today": "customer_facts_today" in rep.notes,
        "data_end": rep.data_end.isoformat() if rep.data_end else None,
        "ledger_ends_before_evaluation": "ledger_ends_before_evaluation" in rep.notes,
        "register_head": result.register_head,
        "cases": case_rows,
    }



# ---------------------------------------------------------------- the workbook (回测报告)
# Sheets in this order; the case list (案例明细) is the source the level table recounts with
# COUNTIFS, its columns in CASE_HEADER's order (the level in E, the outcome in G).

SHEETS = ("summary", "levels", "items", "rules", "mix", "roc", "cases", "audit")
CASE_HEADER = ("run_id", "as_of", "customer_id", "name", "level", "total", "bt.case_bad", "invoice_no",
               "bt.invoice_row", "due_date", "bt.bad_on", "bt.days_past_due", "bt.unpaid")
CASE_LEVEL_COL, CASE_BAD_COL = "E", "G"
LEVEL_HEADER = ("level", "bt.cases", "bt.bad", "bt.bad_rate", "bt.ci_low", "bt.ci_high", "bt.err_plus", "bt.err_minus")
EXCEL_EPOCH = "1899-12-30"  # day 0 of Excel's 1900 date system (as xlsxwriter counts, after 1 March 1900)
CHART_W, CHART_H, CHART_GAP = 500, 300, 12
PCT_SHOWN = "100.0%"  # the widest a share shows (column widths are measured on the text shown)
CASE_ROWS = 1_048_575  # an Excel sheet's rows under its header: a longer case list goes on to 案例明细 (2), ...
NO_BAND = frozenset(("None", "nan", "NaN", "<NA>", "NaT"))  # a register run that did not record its bands


def _sheet_names(lab) -> dict[str, str]:
    return {k: lab("sheet.audit") if k == "audit" else lab(f"sheet.bt_{k}") for k in SHEETS}


def write_backtest(path: str, result, lang: str = "zh", tick=lambda: None) -> None:
    """The back-test workbook (回测报告) of ``result`` (``desktop.evaluate.BacktestResult``) at
    ``path``: a summary with the bad rate by level and the ROC curve as charts, a sheet per table
    of the report, every observable case, and the audit sheet.

    The level table counts its cases and bad cases with COUNTIFS over the case list and works
    out the bad rate and its Wilson interval with formulas (written with the engine's values),
    so that an auditor who edits the case list sees the table follow. ``tick()`` is called every
    few thousand rows and before the package is zipped: the job's cancel checkpoint.
    """
    from desktop.io.writers.labels import Labels
    from desktop.io.writers.xlsx import Formats, abandon, new_workbook, print_setup

    lab = Labels(lang)
    rep = result.report
    wb = new_workbook(path, constant_memory=True)  # every sheet is written top to bottom
    try:
        fm = Formats(wb)
        wb.set_properties({"title": lab("title.backtest"), "author": result.operator, "company": ""})
        names = _sheet_names(lab)
        seen = _observable(rep)
        parts = max(1, -(-len(seen) // CASE_ROWS))  # sheets the case list needs
        keys = [k for key in SHEETS for k in ([key] + [f"cases{p}" for p in range(2, parts + 1)]
                                                if key == "cases" else [key])]
        names |= {f"cases{p}": f"{names['cases']} ({p})" for p in range(2, parts + 1)}
        ws = {k: wb.add_worksheet(names[k]) for k in keys}
        case_sheets = [(names["cases"] if p == 1 else names[f"cases{p}"],
                        min(CASE_ROWS, len(seen) - (p - 1) * CASE_ROWS)) for p in range(1, parts + 1)]
        levels = [lv.level for lv in rep.levels]
        _write_summary(wb, ws["summary"], fm, lab, result, names, len(levels), seen)
        _write_levels(ws["levels"], fm, lab, rep, case_sheets)
        _write_items(ws["items"], fm, lab, rep, result.policy)
        _write_rules(ws["rules"], fm, lab, rep)
        _write_mix(ws["mix"], fm, lab, rep, levels)
        _write_roc(ws["roc"], fm, lab, rep, seen)
        for p in range(1, parts + 1):
            _write_cases(wb, ws["cases" if p == 1 else f"cases{p}"], fm, lab,
                         seen.iloc[(p - 1) * CASE_ROWS:p * CASE_ROWS], tick)
        _write_audit(ws["audit"], fm, lab, result)
        note = f"{lab('bt.evaluation_date')} {rep.evaluation_date.isoformat()}"
        for key, sheet in ws.items():
            print_setup(sheet, names[key], note, landscape=True, repeat_header=key not in ("summary", "audit"),
                        repeat_cols=3 if key.startswith("cases") else 0)
        ws["summary"].activate()
        tick()
        wb.close()
    except BaseException:  # cancelled or failed: the temporary files go, the caller removes the target's
        abandon(wb)
        raise


def _observable(rep):
    """The observable cases, in the order of the runs and then as rated."""
    import pandas as pd
    cases = rep.cases
    if cases is None or not len(cases):
        return pd.DataFrame({c: [] for c in ("run_id", "as_of", "customer_id", "name", "level", "score", "bad")})
    return cases[cases["observable"]]


def _pct(v: float) -> str:
    from desktop.io.writers.labels import percent
    return percent(v, 1)


def _tall(ws, r: int, cells) -> None:
    """Row ``r`` as tall as its wrapped text needs: ``cells`` (text, width in characters, format)."""
    from desktop.io.writers.xlsx import col_width_px, row_height_pt
    ws.set_row(r, row_height_pt((text, col_width_px(w), f) for text, w, f in cells))


SUM_A, SUM_B, SUM_C = 26, 12, 78  # the summary's columns: label, number, words


def _write_summary(wb, ws, fm, lab, result, names: dict[str, str], n_levels: int, seen) -> None:
    from desktop.io.writers.xlsx import put, quote_sheet
    rep = result.report
    rule = rep.rule
    label = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "bold": True, "text_wrap": True})
    ws.set_column(0, 0, SUM_A)
    ws.set_column(1, 1, SUM_B)
    ws.set_column(2, 2, SUM_C)
    ws.write_string(0, 0, lab("title.backtest"), fm.title)
    r = 2

    def words(name: str, text: str) -> None:  # a fact in words, across the number and words columns
        nonlocal r
        _tall(ws, r, [(text, SUM_B + SUM_C, fm.wrap), (name, SUM_A, label)])
        ws.write_string(r, 0, name, label)
        ws.merge_range(r, 1, r, 2, "", fm.wrap)
        put(ws, r, 1, text, fm.wrap)
        r += 1

    def number(name: str, value, f, reading: str | None) -> None:  # a figure and what it says
        nonlocal r
        _tall(ws, r, [(reading or "", SUM_C, fm.wrap), (name, SUM_A, label)])
        ws.write_string(r, 0, name, label)
        put(ws, r, 1, value, f)
        put(ws, r, 2, reading, fm.wrap)
        r += 1

    number(lab("bt.evaluation_date"), rep.evaluation_date, fm.date, None)
    words(lab("bt.outcome_rule"), lab("bt.outcome_rule.text", rule.horizon_months, rule.late_days,
                                      _yuan(rule.tolerance_fen)))
    words(lab("bt.source"), _source_words(lab, result))
    if "customer_facts_today" in rep.notes:
        words(lab("bt.note"), lab("bt.facts_today"))
    if "ledger_ends_before_evaluation" in rep.notes:
        words(lab("bt.note"), lab("bt.ledger_ends", rep.data_end.isoformat(), rep.evaluation_date.isoformat()))
    counted = [x for x in rep.runs if x.observable]
    words(lab("bt.runs_counted"), lab("bt.runs_counted.text", f"{len(counted):,}", f"{len(seen):,}"))
    number(lab("bt.not_observable"), rep.not_observable, fm.int, lab("bt.not_observable.text"))
    if rep.source == "rerate":
        number(lab("bt.not_trading"), rep.not_trading, fm.int, lab("bt.not_trading.text"))
    if rep.not_on_sheet:
        number(lab("bt.not_on_sheet"), rep.not_on_sheet, fm.int, lab("bt.not_on_sheet.text"))
    n_bad = int(seen["bad"].sum()) if len(seen) else 0
    number(lab("bt.bad_total"), n_bad, fm.int,
           lab("bt.bad_total.text", _pct(n_bad / len(seen))) if len(seen) else None)
    number(lab("bt.auc"), _num(rep.auc), fm.dec4,
           lab("bt.auc.reading", _pct(rep.auc)) if rep.auc is not None else lab("bt.not_computable"))
    number(lab("bt.ks"), _num(rep.ks), fm.dec4,
           lab("bt.ks.reading", _figure(rep.ks * 100)) if rep.ks is not None else lab("bt.not_computable"))
    verdict = {True: "yes", False: "no", None: "none"}[rep.monotonic]
    words(lab("bt.monotonic"), lab(f"bt.monotonic.{verdict}"))
    if rep.psi is not None and rep.psi_runs:
        number(lab("bt.psi"), rep.psi, fm.dec4, lab("bt.psi.reading", lab(f"bt.psi.{rep.psi_reading}"),
                                                    rep.psi_runs[0], rep.psi_runs[1]))
    else:
        number(lab("bt.psi"), None, fm.dec4, lab("bt.psi.none"))
    words(lab("sheet.bt_cases"), lab("bt.cases_note"))

    r += 1
    levels = quote_sheet(names["levels"])
    if len(seen) and n_levels:
        # the level rows of the level table; the values written with the ranges (constant-memory
        # mode cannot read them back): the chart shows before a program recalculates it
        cell = f"={levels}!${{0}}$2:${{0}}${n_levels + 1}"
        chart = wb.add_chart({"type": "column"})
        chart.add_series({
            "name": lab("bt.bad_rate"),
            "categories": cell.format("A"), "categories_data": [x.level for x in rep.levels],
            "values": cell.format("D"), "values_data": [x.bad_rate for x in rep.levels],
            "points": [{"fill": {"color": _colour(lv.level)}, "border": {"color": "#595959"}} for lv in rep.levels],
            "data_labels": {"value": True, "num_format": "0.0%", "position": "inside_base",
                            "font": {"name": "等线", "size": 9}},
            "y_error_bars": {"type": "custom", "plus_values": cell.format("G"), "minus_values": cell.format("H"),
                             "plus_data": [_num(x.ci_high - x.bad_rate) if x.cases else 0 for x in rep.levels],
                             "minus_data": [_num(x.bad_rate - x.ci_low) if x.cases else 0 for x in rep.levels],
                             "end_style": 1, "line": {"color": "#404040", "width": 1.25}},
        })
        chart.set_title({"name": lab("bt.chart.bad_rate"), "name_font": {"name": "等线", "size": 11}})
        chart.set_legend({"none": True})
        chart.set_x_axis({"num_font": {"name": "等线"}})
        top = max([x.ci_high for x in rep.levels if x.ci_high is not None] or [1.0])
        chart.set_y_axis({"min": 0, "max": min(1.0, math.ceil(top * 10 + 1e-9) / 10), "num_format": "0%", "num_font": {"name": "等线"},
                          "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        chart.set_size({"width": CHART_W, "height": CHART_H})
        ws.insert_chart(r, 0, chart)
        if rep.roc:
            roc = wb.add_chart({"type": "scatter", "subtype": "straight"})
            points = f"={quote_sheet(names['roc'])}!${{0}}$2:${{0}}${len(rep.roc) + 1}"
            fpr, tpr = [p[0] for p in rep.roc], [p[1] for p in rep.roc]
            roc.add_series({"name": lab("bt.roc_series"), "categories": points.format("B"), "categories_data": fpr,
                            "values": points.format("C"), "values_data": tpr,
                            "line": {"color": "#1F4E78", "width": 2}})
            roc.add_series({"name": lab("bt.diagonal"), "categories": points.format("B"), "categories_data": fpr,
                            "values": points.format("B"), "values_data": fpr,
                            "line": {"color": "#A6A6A6", "width": 1, "dash_type": "dash"}})
            roc.set_title({"name": lab("bt.chart.roc", f"{rep.auc:.3f}"), "name_font": {"name": "等线", "size": 11}})
            axis = {"min": 0, "max": 1, "major_unit": 0.2, "num_format": "0%", "num_font": {"name": "等线"},
                    "name_font": {"name": "等线", "size": 9, "bold": False}}
            roc.set_x_axis({**axis, "name": lab("bt.fpr")})
            roc.set_y_axis({**axis, "name": lab("bt.tpr"), "major_gridlines": {"visible": True,
                                                                               "line": {"color": "#D9D9D9"}}})
            roc.set_legend({"position": "bottom", "font": {"name": "等线"}})
            roc.set_size({"width": CHART_W, "height": CHART_H})
            ws.insert_chart(r, 0, roc, {"x_offset": CHART_W + CHART_GAP})
        else:
            ws.write_string(r + 16, 0, lab("bt.chart.no_roc"), fm.note)
    else:
        ws.write_string(r, 0, lab("bt.chart.no_data"), fm.note)


def _figure(v: float) -> str:
    from desktop.io.writers.labels import figure
    return figure(v, 1)


def _yuan(fen: int) -> str:
    from desktop.io.writers.labels import amount
    return amount(fen / 100)


def _colour(level: str) -> str:
    from desktop.io.writers.xlsx import LEVEL_COLOURS
    return LEVEL_COLOURS.get(level, "#5B9BD5")


def _source_words(lab, result) -> str:
    rep = result.report
    if rep.source == "rerate":
        sep = "、" if lab.lang == "zh" else ", "
        days = result.rerate_at or tuple(sorted({x.as_of for x in rep.runs}))
        return lab("bt.source.rerate", sep.join(d.isoformat() for d in days))
    return lab("bt.source.register")


def _write_levels(ws, fm, lab, rep, case_sheets: list[tuple[str, int]]) -> None:
    """``case_sheets``: each sheet of the case list and its number of cases; the counts add up
    a COUNTIFS over each."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    from desktop.core.backtest import Z95
    from desktop.io.writers.xlsx import fit_text_widths, formula_text, put, quote_sheet
    header = [lab(k) for k in LEVEL_HEADER]
    fit_text_widths(ws, header, [["AAA", 100_000, 100_000] + [PCT_SHOWN] * 5], max_w=16, header_format=fm.header)
    ws.set_column(0, 0, 12)
    ws.write_row(0, 0, header, fm.header)
    ranges = [(f"{quote_sheet(name)}!${CASE_LEVEL_COL}$2:${CASE_LEVEL_COL}${max(rows + 1, 2)}",
               f"{quote_sheet(name)}!${CASE_BAD_COL}$2:${CASE_BAD_COL}${max(rows + 1, 2)}") for name, rows in case_sheets]
    n = len(rep.levels)
    z_row = n + 3  # 0-based: after the levels, the total and a blank row
    z = f"$B${z_row + 1}"
    yes = formula_text(lab("yes"))
    for i, lv in enumerate(rep.levels, start=1):
        a, b, c, d, e, f = (xl_rowcol_to_cell(i, k) for k in range(6))
        put(ws, i, 0, lv.level, fm.level.get(lv.level, fm.level_cell))
        ws.write_formula(i, 1, "=" + "+".join(f"COUNTIFS({lv},{a})" for lv, _ in ranges), fm.int, lv.cases)
        ws.write_formula(i, 2, "=" + "+".join(f"COUNTIFS({lv},{a},{bad},{yes})" for lv, bad in ranges), fm.int,
                         lv.bad)
        blank = '""'
        ws.write_formula(i, 3, f"=IF({b}>0,{c}/{b},{blank})", fm.pct, _cached(lv.bad_rate))
        root = f"{z}*SQRT({d}*(1-{d})/{b}+{z}^2/(4*{b}^2))"
        centre, shrink = f"{d}+{z}^2/(2*{b})", f"(1+{z}^2/{b})"
        ws.write_formula(i, 4, f"=IF({b}>0,MAX(0,({centre}-{root})/{shrink}),{blank})", fm.pct, _cached(lv.ci_low))
        ws.write_formula(i, 5, f"=IF({b}>0,MIN(1,({centre}+{root})/{shrink}),{blank})", fm.pct, _cached(lv.ci_high))
        ws.write_formula(i, 6, f"=IF({b}>0,{f}-{d},{blank})", fm.pct,
                         _cached(None if not lv.cases else lv.ci_high - lv.bad_rate))
        ws.write_formula(i, 7, f"=IF({b}>0,{d}-{e},{blank})", fm.pct,
                         _cached(None if not lv.cases else lv.bad_rate - lv.ci_low))
    t = n + 1
    total, bad = sum(x.cases for x in rep.levels), sum(x.bad for x in rep.levels)
    put(ws, t, 0, lab("total_row"), fm.total_label)
    for k, v in ((1, total), (2, bad)):
        col = "BC"[k - 1]
        ws.write_formula(t, k, f"=SUM({col}2:{col}{max(t, 2)})", fm.int, v)
    ws.write_formula(t, 3, f'=IF(B{t + 1}>0,C{t + 1}/B{t + 1},"")', fm.pct, _cached(bad / total if total else None))
    put(ws, z_row, 0, lab("bt.z"), fm.label)
    put(ws, z_row, 1, Z95, fm.dec4)
    ws.set_row(z_row + 1, 40)
    ws.merge_range(z_row + 1, 0, z_row + 1, len(header) - 1, lab("bt.levels_note"), fm.note)
    ws.freeze_panes(1, 1)


def _cached(v):
    return "" if v is None else v


def _write_items(ws, fm, lab, rep, policy) -> None:
    from desktop.io.writers.labels import band_words
    from desktop.io.writers.xlsx import fit_text_widths, put
    known = {it.key: it for it in policy.items}
    header = [lab(k) for k in ("item", "band", "points", "bt.cases", "bt.bad", "bt.bad_rate")]
    rows = []
    for key, bands in rep.items.items():
        item = known.get(key)
        name = lab.item(item) if item is not None else key
        for b in bands:
            if b.key is None or b.key in NO_BAND:
                band = lab("bt.points_only", "" if b.points is None else b.points)
            elif item is not None:
                band = lab.scored_band(item, b.key)
            else:
                band = band_words(None, b.key, lab.lang)
            rows.append([name, band, b.points, b.cases, b.bad, b.bad_rate])
    fit_text_widths(ws, header, [r[:5] + [PCT_SHOWN] for r in rows], max_w=40, header_format=fm.header)
    ws.write_row(0, 0, header, fm.header)
    for r, row in enumerate(rows, start=1):
        put(ws, r, 0, row[0], fm.text)
        put(ws, r, 1, row[1], fm.text)
        put(ws, r, 2, row[2], fm.int)
        put(ws, r, 3, row[3], fm.int)
        put(ws, r, 4, row[4], fm.int)
        ws.write_formula(r, 5, f'=IF(D{r + 1}>0,E{r + 1}/D{r + 1},"")', fm.pct, _cached(row[5]))
    ws.freeze_panes(1, 2)
    if rows:
        ws.autofilter(0, 0, len(rows), len(header) - 1)


def _write_rules(ws, fm, lab, rep) -> None:
    from desktop.io.writers.xlsx import fit_text_widths, put
    header = [lab(k) for k in ("bt.rule_code", "bt.rule", "bt.cases", "bt.bad", "bt.bad_rate")]
    rows = [[x.key, lab.code_words(x.key), x.cases, x.bad, x.bad_rate] for x in rep.rules]
    fit_text_widths(ws, header, [r[:4] + [PCT_SHOWN] for r in rows], max_w=40, header_format=fm.header)
    ws.write_row(0, 0, header, fm.header)
    for r, row in enumerate(rows, start=1):
        put(ws, r, 0, row[0], fm.text)
        put(ws, r, 1, row[1], fm.text)
        put(ws, r, 2, row[2], fm.int)
        put(ws, r, 3, row[3], fm.int)
        ws.write_formula(r, 4, f'=IF(C{r + 1}>0,D{r + 1}/C{r + 1},"")', fm.pct, _cached(row[4]))
    if not rows:
        ws.write_string(2, 0, lab("bt.rules_none"), fm.note)
    ws.freeze_panes(1, 0)


def _write_mix(ws, fm, lab, rep, levels: list[str]) -> None:
    """The level mix of every run, and the PSI of the first counted run against the last, as
    formulas over the mix (written with the engine's values)."""
    from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

    from desktop.core.backtest import PSI_FLOOR
    from desktop.io.writers.xlsx import col_chars, col_width_px, fit_text_widths, put, row_height_pt, text_width_px
    cases = rep.cases
    mix: dict[tuple[str, str], int] = {}
    if cases is not None and len(cases):
        mix = {(str(rid), str(lv)): int(n) for (rid, lv), n in cases.groupby(["run_id", "level"]).size().items()}
    header = [lab(k) for k in ("run_id", "as_of", "bt.run_status", "bt.cases")] + levels
    rows = []
    for x in rep.runs:
        status = (lab("bt.run.superseded", x.superseded_by) if x.superseded_by else
                  lab("bt.run.counted") if x.observable else lab("bt.run.not_observable"))
        rows.append([x.run_id, x.as_of, status, x.cases] + [mix.get((x.run_id, lv), 0) for lv in levels])
    psi_header = [lab("level"), lab("bt.share_first"), lab("bt.share_last"), lab("bt.psi_part")]
    widths = fit_text_widths(ws, header, rows, max_w=40, header_format=fm.header)
    widths[0] = max(widths[0], col_chars(text_width_px(lab("bt.psi_floor"), bold=True) + 8))
    for c in range(4):  # the PSI block below uses the first four columns too
        widths[c] = max(widths[c], 12 if c < 3 else 16)
        ws.set_column(c, c, widths[c])
    ws.set_column(4, 4 + len(levels) - 1, 10)
    ws.write_row(0, 0, header, fm.header)
    row_of = {}
    for r, row in enumerate(rows, start=1):
        put(ws, r, 0, row[0], fm.text)
        put(ws, r, 1, row[1], fm.date)
        put(ws, r, 2, row[2], fm.text)
        for c, v in enumerate(row[3:], start=3):
            put(ws, r, c, v, fm.int)
        row_of[row[0]] = r
    if rep.psi is None or not rep.psi_runs or not levels:
        return
    first, last = (row_of[rid] for rid in rep.psi_runs)
    lv0, lv1 = xl_col_to_name(4), xl_col_to_name(4 + len(levels) - 1)
    r = len(rows) + 2
    ws.write_string(r, 0, lab("bt.psi_table", *rep.psi_runs), fm.section)
    r += 1
    ws.set_row(r, row_height_pt((h, col_width_px(w), fm.header) for h, w in zip(psi_header, widths)))
    ws.write_row(r, 0, psi_header, fm.header)
    floor_row = r + len(levels) + 1
    floor = f"$B${floor_row + 1}"
    n_a = sum(mix.get((rep.psi_runs[0], lv), 0) for lv in levels)
    n_b = sum(mix.get((rep.psi_runs[1], lv), 0) for lv in levels)
    top = r + 1
    for k, lv in enumerate(levels):
        r += 1
        col = xl_col_to_name(4 + k)
        a = mix.get((rep.psi_runs[0], lv), 0) / n_a
        b = mix.get((rep.psi_runs[1], lv), 0) / n_b
        put(ws, r, 0, lv, fm.level.get(lv, fm.level_cell))
        ws.write_formula(r, 1, f"={col}{first + 1}/SUM(${lv0}{first + 1}:${lv1}{first + 1})", fm.dec4, a)
        ws.write_formula(r, 2, f"={col}{last + 1}/SUM(${lv0}{last + 1}:${lv1}{last + 1})", fm.dec4, b)
        pa, pb = (xl_rowcol_to_cell(r, c) for c in (1, 2))
        fa, fb = max(a, PSI_FLOOR), max(b, PSI_FLOOR)
        ws.write_formula(r, 3, f"=(MAX({pb},{floor})-MAX({pa},{floor}))*LN(MAX({pb},{floor})/MAX({pa},{floor}))",
                         fm.dec4, (fb - fa) * math.log(fb / fa))
    r += 1
    put(ws, r, 0, lab("bt.psi_floor"), fm.label)
    put(ws, r, 1, PSI_FLOOR, fm.dec4)
    r += 1
    put(ws, r, 0, lab("bt.psi_total"), fm.total_label)
    ws.write_formula(r, 3, f"=SUM(D{top + 1}:D{top + len(levels)})", fm.dec4, rep.psi)
    ws.freeze_panes(1, 1)


def _write_roc(ws, fm, lab, rep, seen) -> None:
    """The ROC curve's points (what the summary's chart draws): the origin, then one a score."""
    import numpy as np

    from desktop.io.writers.xlsx import fit_text_widths, put
    header = [lab(k) for k in ("bt.score_at_most", "bt.fpr", "bt.tpr")]
    scores = np.unique(seen["score"].to_numpy(dtype="float64")) if len(seen) else np.array([])
    points = list(rep.roc)
    at = [None] + [int(s) if float(s).is_integer() else float(s) for s in scores] \
        if len(points) == len(scores) + 1 else [None] * len(points)
    fit_text_widths(ws, header, [[100, PCT_SHOWN, PCT_SHOWN]], max_w=24, header_format=fm.header)
    ws.write_row(0, 0, header, fm.header)
    for r, ((fpr, tpr), s) in enumerate(zip(points, at), start=1):
        put(ws, r, 0, s, fm.int)
        put(ws, r, 1, fpr, fm.pct)
        put(ws, r, 2, tpr, fm.pct)
    r = len(points) + 2
    ws.set_row(r, 54)
    ws.merge_range(r, 0, r, 2, lab("bt.roc_note") if points else lab("bt.chart.no_roc"), fm.note)
    ws.freeze_panes(1, 0)


def _serials(values) -> list:
    """Dates as Excel's day numbers (floats; NaN where there is none), written with a date format."""
    import numpy as np
    import pandas as pd
    stamps = pd.to_datetime(pd.Series(values), errors="coerce")
    days = (stamps - pd.Timestamp(EXCEL_EPOCH)) / pd.Timedelta(days=1)
    return np.asarray(days, dtype="float64").tolist()


def _numbers(values) -> list:
    import numpy as np
    import pandas as pd
    return np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype="float64").tolist()


def _texts(values) -> list:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in values]


def _write_cases(wb, ws, fm, lab, seen, tick) -> None:
    """Every observable case, a row each, through the fast row writer (600,000 rows for 100,000
    customers rated 6 times): the columns are converted whole, then written row by row."""
    import numpy as np

    from desktop.io.writers.xlsx import fit_text_widths, ticking
    header = [lab(k) for k in CASE_HEADER]
    n = len(seen)
    bad = seen["bad"].to_numpy(dtype=bool) if n else np.zeros(0, dtype=bool)
    yes, no = lab("yes"), lab("no")

    def col(name):
        return seen[name].tolist() if name in seen else [None] * n

    columns = [_texts(col("run_id")), _serials(col("as_of")), _texts(col("customer_id")), _texts(col("name")),
               _texts(col("level")), _numbers(col("score")), np.where(bad, yes, no).tolist(),
               _texts(col("invoice_no")), _numbers(col("invoice_row")), _serials(col("due")),
               _serials(col("bad_on")), _numbers(col("days_past_due")), _numbers(col("unpaid"))]
    dated = {1, 9, 10}
    sample = [["2026-12-31" if c in dated else v for c, v in enumerate(row)]
              for row in zip(*(column[:2000] for column in columns))]
    fit_text_widths(ws, header, sample, max_w=40, pad_px=6, header_format=fm.header)
    ws.write_row(0, 0, header, fm.header)
    centred = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "align": "center"}
    day, flag = wb.add_format({**centred, "num_format": "yyyy-mm-dd"}), wb.add_format(centred)
    formats = [fm.text, day, fm.text, fm.text, fm.level_cell, fm.int, flag, fm.text, fm.int, day, day, fm.int,
               fm.money]
    for r, row in ticking(enumerate(zip(*columns), start=1), tick):
        ws.write_cells(r, row, formats)
    ws.freeze_panes(1, 3)
    ws.autofilter(0, 0, max(n, 1), len(header) - 1)


def _write_audit(ws, fm, lab, result) -> None:
    from desktop.io.writers.audit import write_facts, write_inputs
    rep, policy = result.report, result.policy
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 9, 11)
    ws.write_string(0, 0, lab("title.audit"), fm.title)
    facts = [("program_version", result.program_version), ("run_time", result.started),
             ("operator", result.operator), ("bt.evaluation_date", rep.evaluation_date),
             ("bt.source", _source_words(lab, result))]
    if result.rerate_at:
        facts.append(("bt.rerate_at", ("、" if lab.lang == "zh" else ", ").join(d.isoformat() for d in result.rerate_at)))
    facts += [("bt.horizon_months", rep.rule.horizon_months), ("bt.late_days", rep.rule.late_days),
              ("bt.tolerance", rep.rule.tolerance_fen / 100), ("policy_file", policy.file_name),
              ("policy_name", policy.name), ("policy_version", policy.version), ("policy_sha256", policy.sha256)]
    if result.register is not None:
        facts.append(("bt.register", str(result.register)))
    if result.register_head:
        facts.append(("register_head", result.register_head))
    r = write_facts(ws, fm, ((lab(k), v) for k, v in facts), 2)
    write_inputs(ws, fm, lab, result.sheets, r + 1)
