"""The approval workbook: an index sheet and one protected, print-ready sheet per form.

Each form carries its form ID, the run ID, the policy SHA-256, the register's fingerprint of
the decision (basis digest) and the seal of its locked facts (HMAC-SHA256 under the register's
key; see desktop.core.forms). A very hidden sheet ``_layout`` records, per form type, the cell
of every field, so the reader finds the inputs again after Excel or LibreOffice has rewritten
the file, whatever format it was saved in.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from xlsxwriter.utility import xl_rowcol_to_cell

from desktop.core.forms import (
    CREDIT_APPLICATION,
    DECISIONS,
    FACTS,
    INPUTS,
    SPECIAL_TERM,
    FormSpec,
    basis_digest,
    fact_values,
    seal,
    sealed_values,
)
from desktop.core.models import Decision, Rating
from desktop.core.policy import Policy
from desktop.io.forms_layout import Layout
from desktop.io.writers.labels import CODE_WORDS, FIELD_WORDS, Labels
from desktop.io.writers.results import RunFacts
from desktop.io.writers.xlsx import (
    FONT,
    Tick,
    col_chars,
    col_width_px,
    new_workbook,
    no_tick,
    put,
    row_height_pt,
    text_width_px,
    ticking,
)

INDEX_SHEET = "目录"
LAYOUT_SHEET = "_layout"
META_KEYS = ("form_id", "run_id", "policy_sha256", "basis_digest", "digest", "form_type")
LAYOUT_VERSION = 2  # 2: sealed with the register's key, basis digest, item basis and band cells
DECISION_ROLE = {CREDIT_APPLICATION: "manager_decision", SPECIAL_TERM: "cfo_decision"}


class _Formats:
    def __init__(self, wb):
        base = {"font_name": FONT, "font_size": 10, "valign": "vcenter", "border": 1, "text_wrap": True}
        self.title = wb.add_format({"font_name": FONT, "font_size": 16, "bold": True, "align": "center",
                                    "valign": "vcenter"})
        self.meta_label = wb.add_format({"font_name": FONT, "font_size": 9, "font_color": "#595959"})
        self.meta = wb.add_format({"font_name": FONT, "font_size": 9, "font_color": "#595959", "num_format": "@"})
        self.heading = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "font_size": 11})
        self.label = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
        self.value = wb.add_format({**base})
        self.money = wb.add_format({**base, "num_format": "#,##0.00"})
        self.int = wb.add_format({**base, "num_format": "0"})
        self.dec = wb.add_format({**base, "num_format": "0.00"})
        self.date = wb.add_format({**base, "num_format": "yyyy-mm-dd"})
        shade = {**base, "locked": False, "bg_color": "#FFF2CC"}
        self.input = wb.add_format(shade)
        self.input_date = wb.add_format({**shade, "num_format": "yyyy-mm-dd"})
        self.input_int = wb.add_format({**shade, "num_format": "0"})
        self.input_money = wb.add_format({**shade, "num_format": "#,##0.00"})
        self.center = wb.add_format({**base, "align": "center"})
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center"})
        self.link = wb.add_format({"font_name": FONT, "font_size": 10, "font_color": "#0563C1", "underline": 1})
        self.text = wb.add_format({"font_name": FONT, "font_size": 10})
        self._wb, self._base, self._points = wb, base, {}

    def points(self, max_points: int):
        """An item's points shown with the item's maximum ("25 / 30"); the cell holds the number."""
        if max_points not in self._points:
            self._points[max_points] = self._wb.add_format({**self._base, "align": "center",
                                                             "num_format": f'0" / {max_points}"'})
        return self._points[max_points]


def form_words(lab: Labels) -> dict[str, str]:
    """The words a form shows for codes (rules, operating status, routes, yes/no) in ``lab``'s language."""
    i = 0 if lab.lang == "zh" else 1
    words = {code: f"{code} {w[i]}" for code, w in CODE_WORDS.items()}
    words.update({k: w[i] for k, w in FIELD_WORDS.items()})
    words.update({f"route.{r}": lab(f"route.{r}") for r in ("none", "sales_manager", "cfo_special")})
    words.update({"yes": lab("yes"), "no": lab("no"), "none": lab("none"), "points_suffix": lab("points_suffix"),
                  "sep": "；" if lab.lang == "zh" else "; "})
    words.update({f"words.{code}": w[i] for code, w in CODE_WORDS.items()})  # a rule in words only
    words.update({f"group.{k}": lab(f"form.group.{k}") for k in (
        "none", "more", "more_links", "no_control", "scaled", "link.group", "link.credit_code", "link.controller")})
    return words


def _yuan(v: float) -> str:
    """An amount as a clerk reads it: 1,236,000 (the fen shown only when there are some: 1,236,000.50)."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def basis_text(d: Decision, key: str, policy: Policy, lab: Labels) -> str:
    """The data behind an item's points, in words."""
    item = policy.item(key)
    score = next(i for i in d.items if i.key == key)
    v = score.value
    zh = lab.lang == "zh"
    if v is None:
        return {"avg_days_late": "无到期发票（无付款记录）" if zh else "no invoices due (no history)",
                "cooperation_years": "无交易记录" if zh else "no trading",
                "sales_growth": "上年无交易" if zh else "no prior-year sales"}.get(item.basis, lab("missing"))
    if item.basis == "avg_days_late":
        return f"加权平均逾期 {v:.1f} 天" if zh else f"{v:.1f} days late (weighted)"
    if item.basis == "cooperation_years":
        first = score.detail.get("first_trade_date")
        since = f"（自 {first:%Y-%m-%d}）" if zh and first else (f" (since {first:%Y-%m-%d})" if first else "")
        return f"{v:.2f} 年{since}" if zh else f"{v:.2f} years{since}"
    if item.basis == "sales_12m":
        return f"{_yuan(v)} 元" if zh else f"CNY {_yuan(v)}"
    if item.basis == "sales_growth":
        prev = score.detail.get("sales_prev_12m", 0)
        return f"{v:+.1%}（上年 {_yuan(prev)} 元）" if zh else f"{v:+.1%} (prior year {_yuan(prev)})"
    if item.basis == "operating_status":
        return lab.word(v)
    if item.basis in ("debt_ratio",):
        return f"{v:.1%}"
    if item.basis == "current_ratio":
        return "∞" if math.isinf(v) else f"{v:.2f}"
    if item.basis == "registered_capital":
        return f"{_yuan(v)} 万元" if zh else f"CNY {_yuan(round(v * 10_000, 2))}"
    if item.basis == "documents_missing":
        missing = score.detail.get("missing", [])
        three = "（三证合一）" if zh and score.detail.get("three_in_one") else (
            " (three-in-one)" if score.detail.get("three_in_one") else "")
        if not missing:
            return ("齐全" if zh else "complete") + three
        return ("缺：" if zh else "missing: ") + ("、" if zh else ", ").join(lab.word(m) for m in missing) + three
    return str(v)


def sheet_title(prefix: str, customer_id: str, used: set[str]) -> str:
    """A valid, unique sheet name (31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\']", "_", f"{prefix}-{customer_id}")[:31]
    name, n = base, 2
    while name.lower() in used:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


class FormRenderer:
    """Renders one form type's layout; every form of the type puts each field in the same cell."""

    def __init__(self, wb, fm: _Formats, layout: Layout, policy: Policy, lab: Labels, password: str | None,
                 key: bytes | None = None, rating: Rating | None = None):
        self.wb, self.fm, self.layout, self.policy, self.lab = wb, fm, layout, policy, lab
        self.password = password
        self.key = key  # the register's secret: seals the form (None: a run in no register)
        self.cells: dict[str, str] = {}
        # a member's group figures and its fellow members (names, why one was forced to C)
        self.groups = {g.members: g for g in rating.groups} if rating is not None else {}
        self.peers = {d.customer_id: d for d in rating.decisions} if rating is not None and rating.groups else {}

    def _label(self, key: str, catalogue: dict) -> str:
        zh, en, _ = catalogue[key]
        return zh if self.lab.lang == "zh" else en

    def render(self, ws, spec: FormSpec, run: RunFacts, as_of, words: dict[str, str]) -> str:
        fm, layout, d = self.fm, self.layout, spec.decision
        facts = fact_values(d, as_of, words, self.groups.get(d.group.members) if d.group else None, self.peers,
                            self.lab.rule)
        for c, w in enumerate(layout.columns):
            ws.set_column(c, c, w)
        title = layout.title if self.lab.lang == "zh" else layout.title_en
        ws.merge_range(0, 0, 0, 5, title, fm.title)
        ws.set_row(0, 26)
        cells: dict[str, str] = {}
        shown: dict[str, Any] = {}  # every sealed cell's value, as written

        def meta(row: int, col: int, label: str, key: str, value: str, last: int | None = None) -> None:
            ws.write_string(row, col, label, fm.meta_label)
            ws.merge_range(row, col + 1, row, last or col + 2, value, fm.meta)
            cells[key] = xl_rowcol_to_cell(row, col + 1)
            shown[key] = value

        meta(1, 0, self.lab("form.form_id"), "form_id", spec.form_id)
        meta(1, 3, self.lab("run_id"), "run_id", run.run_id)
        r = 2
        breaks = []
        for block in layout.blocks:
            if block.new_page:
                breaks.append(r)
            ws.merge_range(r, 0, r, 5, block.heading if self.lab.lang == "zh" else block.heading_en, fm.heading)
            ws.set_row(r, 17)
            r += 1
            if block.kind in ("facts", "inputs"):
                for fields in block.rows:
                    span = 6 // len(fields)
                    # As tall as the row's wrapped labels and values; an opinion box holds two lines.
                    px = [col_width_px(w) for w in layout.columns]
                    texts = [(self._label(f, FACTS if block.kind == "facts" else INPUTS), px[n * span], fm.label)
                             for n, f in enumerate(fields)]
                    if block.kind == "facts":
                        texts += [(facts[f], sum(px[n * span + 1:(n + 1) * span]), fm.value)
                                  for n, f in enumerate(fields)]
                    opinion = any(INPUTS.get(f, ("", "", ""))[2] == "opinion" for f in fields)
                    ws.set_row(r, row_height_pt(texts, min_lines=2 if opinion else 1))
                    for n, fld in enumerate(fields):
                        c0 = n * span
                        c1 = c0 + span - 1
                        if block.kind == "facts":
                            ws.write_string(r, c0, self._label(fld, FACTS), fm.label)
                            value = facts[fld]
                            f = {"money": fm.money, "int": fm.int, "dec": fm.dec, "date": fm.date}.get(
                                FACTS[fld][2], fm.value)
                            self._merge_value(ws, r, c0 + 1, c1, value, f)
                            shown[fld] = value
                        else:
                            ws.write_string(r, c0, self._label(fld, INPUTS), fm.label)
                            self._input(ws, r, c0 + 1, c1, fld)
                        cells[fld] = xl_rowcol_to_cell(r, c0 + 1)
                    r += 1
            elif block.kind == "items":
                # item | data basis (two columns) | band (two columns: "逾期 > 15 天且 ≤ 30 天" on one
                # line) | points of the item's maximum ("25 / 30": the cell holds 25)
                heads = (["项目", "数据依据", "分档", "得分"] if self.lab.lang == "zh"
                         else ["Item", "Data basis", "Band", "Points"])
                ws.write_string(r, 0, heads[0], fm.header)
                ws.merge_range(r, 1, r, 2, heads[1], fm.header)
                ws.merge_range(r, 3, r, 4, heads[2], fm.header)
                ws.write_string(r, 5, heads[3], fm.header)
                px = [col_width_px(w) for w in layout.columns]
                widths = [px[0], px[1] + px[2], px[3] + px[4], px[5]]
                ws.set_row(r, row_height_pt(zip(heads, widths, [fm.header] * 4)))
                r += 1
                for it in d.items:
                    item = self.policy.item(it.key)
                    basis = basis_text(d, it.key, self.policy, self.lab)
                    band = self.lab.scored_band(item, it.band)
                    ws.write_string(r, 0, self.lab.item(item), fm.label)
                    ws.merge_range(r, 1, r, 2, basis, fm.value)
                    ws.merge_range(r, 3, r, 4, band, fm.center)
                    ws.write_number(r, 5, it.points, fm.points(item.points))
                    ws.set_row(r, row_height_pt(zip([self.lab.item(item), basis, band, f"{it.points} / {item.points}"],
                                                    widths, [fm.label, fm.value, fm.center, fm.center])))
                    cells[f"item:{it.key}:basis"] = xl_rowcol_to_cell(r, 1)
                    cells[f"item:{it.key}:band"] = xl_rowcol_to_cell(r, 3)
                    cells[f"item:{it.key}"] = xl_rowcol_to_cell(r, 5)
                    shown.update({f"item:{it.key}:basis": basis, f"item:{it.key}:band": band,
                                  f"item:{it.key}": it.points})
                    r += 1
            elif block.kind == "aging":
                buckets = self.policy.aging_buckets()
                for start in range(0, len(buckets), 3):
                    for n, b in enumerate(buckets[start:start + 3]):
                        ws.write_string(r, 2 * n, self.lab.aging(b), fm.label)
                        ws.write_number(r, 2 * n + 1, d.metrics.aging[b], fm.money)
                        cells[f"aging:{b}"] = xl_rowcol_to_cell(r, 2 * n + 1)
                        shown[f"aging:{b}"] = d.metrics.aging[b]
                    px = [col_width_px(w) for w in layout.columns]  # as tall as the wrapped bucket names
                    ws.set_row(r, row_height_pt([(self.lab.aging(b), px[2 * n], fm.label)
                                                 for n, b in enumerate(buckets[start:start + 3])]))
                    r += 1
        r += 1
        meta(r, 0, self.lab("policy_sha256"), "policy_sha256", self.policy.sha256, 5)
        meta(r + 1, 0, self.lab("form.basis_digest"), "basis_digest", basis_digest(d, as_of, self.key), 5)
        digest = seal(self.key, sealed_values(cells, shown.__getitem__))
        meta(r + 2, 0, self.lab("form.seal_keyed" if self.key else "form.seal_plain"), "digest", digest, 5)
        ws.merge_range(r + 3, 0, r + 3, 5, self.lab("form.fill_yellow"), fm.meta_label)
        last = r + 3
        cells["form_type"] = ""
        self.cells = cells
        self._print(ws, spec, last, breaks)
        ws.protect(self.password or "", {"select_locked_cells": True, "select_unlocked_cells": True,
                                         "format_rows": True})
        return digest

    def _merge_value(self, ws, r: int, c0: int, c1: int, value: Any, f) -> None:
        if c1 > c0:
            ws.merge_range(r, c0, r, c1, None, f)
        put(ws, r, c0, value, f)

    def _input(self, ws, r: int, c0: int, c1: int, fld: str) -> None:
        fm, kind = self.fm, INPUTS[fld][2]
        f = {"date": fm.input_date, "term": fm.input_int, "limit": fm.input_money}.get(kind, fm.input)
        if c1 > c0:
            ws.merge_range(r, c0, r, c1, None, f)
        else:
            ws.write_blank(r, c0, None, f)
        zh = self.lab.lang == "zh"
        levels = [lv.level for lv in self.policy.levels]
        rules = {
            "decision": {"validate": "list", "source": list(DECISIONS),
                         "input_message": "请选择：" + " / ".join(DECISIONS) if zh else "Choose " + " / ".join(DECISIONS)},
            "term": {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 3650,
                     "input_message": "整数天数，0 表示款到发货" if zh else "Whole days; 0 = cash before delivery"},
            "limit": {"validate": "decimal", "criteria": ">=", "value": 0,
                      "input_message": "非负金额（元）" if zh else "A non-negative amount (CNY)"},
            "date": {"validate": "date", "criteria": "between", "minimum": date(2000, 1, 1),
                     "maximum": date(2100, 12, 31), "input_message": "日期，如 2026-07-15" if zh else "A date"},
            "level": {"validate": "list", "source": levels,
                      "input_message": ("核定的信用等级：" if zh else "Final level: ") + "/".join(levels)},
            "signer": {"validate": "length", "criteria": "between", "minimum": 1, "maximum": 50,
                       "input_message": "签字人姓名" if zh else "Name of the person signing"},
        }
        rule = rules.get(kind)
        if rule:
            opts = {"input_title": self._label(fld, INPUTS)[:32], "error_title": self._label(fld, INPUTS)[:32],
                    "error_message": rule["input_message"][:255], **rule}
            ws.data_validation(r, c0, r, c1, opts)

    def _print(self, ws, spec: FormSpec, last: int, breaks: list[int]) -> None:
        ws.set_paper(9)
        ws.set_portrait()
        # A form is one page wide and as many tall as the layout's page breaks make it (the
        # application: the customer's data, then the approvals); the widths keep the scale up.
        ws.fit_to_pages(1, 0)
        if breaks:
            ws.set_h_pagebreaks(breaks)
        ws.print_area(0, 0, last, 5)
        ws.repeat_rows(0, 1)
        # No page header: the title and the form ID are the first two rows, and the footer names both
        # again; no page numbers either (one page, and LibreOffice counts the whole workbook's pages).
        ws.set_margins(left=0.3, right=0.3, top=0.3, bottom=0.45)
        title = self.layout.title if self.lab.lang == "zh" else self.layout.title_en
        ws.set_footer(f"&L{spec.form_id}&R{title.replace('&', '&&')}", margin=0.2)
        ws.center_horizontally()
        ws.hide_gridlines(2)


def write_approval_workbook(path: str, specs: Iterable[FormSpec], rating: Rating, policy: Policy, run: RunFacts,
                            layouts: dict[str, Layout], lang: str = "zh", password: str | None = None,
                            tick: Tick = no_tick, key: bytes | None = None,
                            scope: tuple[int, int, str] | None = None) -> None:
    """Write the index and the forms in ``specs`` to ``path``; ``tick()`` is the cancel checkpoint;
    ``key``: the secret of the register the run is recorded in (seals each form); ``scope``: the
    forms are those of a filter's customers (shown, rated, the filter in words), said on the index."""
    lab = Labels(lang)
    wb = new_workbook(path, in_memory=True)  # thousands of small sheets: no temporary file for each
    fm = _Formats(wb)
    words = form_words(lab)
    specs = list(specs)
    index = wb.add_worksheet(INDEX_SHEET if lang == "zh" else "Index")
    renderers = {t: FormRenderer(wb, fm, layouts[t], policy, lab, password, key, rating) for t in layouts}
    used = {index.name.lower(), LAYOUT_SHEET.lower()}
    rows = []
    for spec in ticking(specs, tick, every=20):
        layout = layouts[spec.form_type]
        ws = wb.add_worksheet(sheet_title(layout.sheet_prefix, spec.decision.customer_id, used))
        digest = renderers[spec.form_type].render(ws, spec, run, rating.as_of, words)
        rows.append((spec, ws.name, digest))
    _write_index(index, fm, lab, rows, renderers, layouts, run, scope)
    hidden = wb.add_worksheet(LAYOUT_SHEET)
    hidden.write_row(0, 0, ["form_type", "cells", "layout_sha256", "run_id", "policy_sha256", "program_version",
                            "lang", "layout_version"])
    rendered = [(t, rend) for t, rend in renderers.items() if rend.cells]  # types with at least one form
    for n, (t, rend) in enumerate(rendered, start=1):
        hidden.write_string(n, 0, t)
        hidden.write_string(n, 1, json.dumps(rend.cells, ensure_ascii=False))
        hidden.write_string(n, 2, layouts[t].sha256)
        hidden.write_string(n, 3, run.run_id)
        hidden.write_string(n, 4, policy.sha256)
        hidden.write_string(n, 5, run.program_version)
        hidden.write_string(n, 6, lang)
        hidden.write_number(n, 7, LAYOUT_VERSION)
    hidden.very_hidden()
    hidden.protect(password or "")
    index.activate()
    tick()
    wb.close()


def _write_index(ws, fm: _Formats, lab: Labels, rows, renderers, layouts, run: RunFacts,
                 scope: tuple[int, int, str] | None = None) -> None:
    zh = lab.lang == "zh"
    ws.merge_range(0, 0, 0, 8, "审批表单目录" if zh else "Approval forms", fm.title)
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, 8, f"{lab('run_id')}{'：' if zh else ': '}{run.run_id}", fm.text)
    if scope is not None:  # the forms of the customers a filter showed, not the whole run's
        shown, rated, words = scope
        ws.merge_range(2, 0, 2, 8, f"{lab('export_scope')}{'：' if zh else ': '}"
                       f"{lab('export_scope.filtered', rated, shown)}"
                       + (f"（{words}）" if zh and words else f" ({words})" if words else ""), fm.text)
    header = (["序号", "表单编号", "表单", "客户编号", "客户名称", "业务员", "申请账期(天)", "状态", "打开"] if zh else
              ["No.", "Form ID", "Form", "Customer ID", "Customer", "Salesperson", "Requested term", "Status", "Open"])
    ws.write_row(3, 0, header, fm.header)
    pending = "待审批" if zh else "pending"
    table = []  # the rows' values, for the widths and heights below
    for n, (spec, sheet, _digest) in enumerate(rows, start=1):
        r = 3 + n
        d = spec.decision
        layout = layouts[spec.form_type]
        table.append([n, spec.form_id, layout.title if zh else layout.title_en, d.customer_id, d.customer.name,
                      d.customer.salesperson, d.requested_term_days, pending, "→ " + sheet])
        ws.write_number(r, 0, n, fm.center)
        ws.write_string(r, 1, spec.form_id, fm.value)
        ws.write_string(r, 2, layout.title if zh else layout.title_en, fm.value)
        put(ws, r, 3, d.customer_id, fm.value)
        put(ws, r, 4, d.customer.name, fm.value)
        put(ws, r, 5, d.customer.salesperson, fm.value)
        put(ws, r, 6, d.requested_term_days, fm.int)
        decision_cell = renderers[spec.form_type].cells[DECISION_ROLE[spec.form_type]]
        ref = "'" + sheet.replace("'", "''") + "'!" + decision_cell
        ws.write_formula(r, 7, f'=IF({ref}="","{pending}",{ref})', fm.center, pending)
        ws.write_url(r, 8, f"internal:'{sheet}'!A1", fm.link, string="→ " + sheet)
    # Form IDs, customer IDs, terms, decisions and links on one line: their columns as wide as the
    # widest; titles, names and salespeople wrap beyond a width; headers wrap between words.
    formats = [fm.center, fm.value, fm.value, fm.value, fm.value, fm.value, fm.int, fm.center, fm.link]
    wraps_beyond = {2: 22, 4: 20, 5: 12}  # characters: a Chinese title, ten characters of a name
    widths = []
    for c in range(len(header)):
        texts = [str(v[c]) for v in table if v[c] is not None] + (list(DECISIONS) if c == 7 else [])
        longest = max([text_width_px(t, 10) for t in texts] + [0.0])
        word = max(text_width_px(w, 10, True) for w in header[c].split())
        chars = col_chars(max(longest, word) + 8)
        widths.append(max(6.0, min(chars, wraps_beyond.get(c, chars))))
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    px = [col_width_px(w) for w in widths]
    ws.set_row(3, row_height_pt(zip(header, px, [fm.header] * len(header))))
    for n, values in enumerate(table, start=1):
        ws.set_row(3 + n, row_height_pt(zip(values, px, formats)))
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, 3 + max(len(rows), 1), len(header) - 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.3, right=0.3, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(3)
    ws.set_footer("&R&P / &N")
    ws.protect("", {"autofilter": True, "sort": True, "select_locked_cells": True})
