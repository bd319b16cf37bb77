"""The comparison workbook (评级对比) and its JSON (DOMAIN.md "Comparing policies and runs")."""

from __future__ import annotations

from typing import Any

from desktop.core.compare import Snap


def _side(s: Snap) -> dict[str, Any]:
    return {"level": s.level, "total": s.total, "term_days": s.term_days, "limit": s.limit, "route": s.route}


def compare_json(result) -> dict[str, Any]:
    c = result.comparison
    return {
        "a": {"label": c.a.label, "as_of": c.a.as_of, "policy": c.a.policy, "customers": len(c.a.snaps)},
        "b": {"label": c.b.label, "as_of": c.b.as_of, "policy": c.b.policy, "customers": len(c.b.snaps)},
        "matrix": c.matrix,
        "changed": c.changed,
        "total_limit": {"a": c.total_limit[0], "b": c.total_limit[1]},
        "approvals": {"a": c.approvals[0], "b": c.approvals[1]},
        "both": c.both, "only_a": list(c.only_a), "only_b": list(c.only_b),
        "customers": [{"customer_id": x.a.customer_id, "name": x.a.name, "changed": list(x.changed),
                       "a": _side(x.a), "b": _side(x.b),
                       "items": [{"key": i.key, "a": i.a, "b": i.b} for i in x.items],
                       "rules": [{"code": r, "a": False, "b": True} for r in x.rules_added]
                       + [{"code": r, "a": True, "b": False} for r in x.rules_removed]}
                      for x in c.customers],
    }


SHEETS = ("summary", "matrix", "changed", "audit")
DIAGONAL = "#D9D9D9"  # the migration matrix's customers whose level did not change


def write_compare(path: str, result, lang: str = "zh", tick=lambda: None) -> None:
    """The comparison workbook (评级对比) of ``result`` (``desktop.evaluate.CompareResult``) at
    ``path``: the two sides and what changed, the level migration matrix (its totals live
    formulas), every changed customer with the items and rules that made the difference, and
    the audit sheet. ``tick()`` is called every few thousand rows and before the package is
    zipped: the job's cancel checkpoint."""
    from desktop.io.writers.labels import Labels
    from desktop.io.writers.xlsx import Formats, abandon, new_workbook, print_setup

    lab = Labels(lang)
    c = result.comparison
    wb = new_workbook(path, constant_memory=True)  # every sheet is written top to bottom
    try:
        fm = Formats(wb)
        wb.set_properties({"title": lab("title.compare"), "author": result.operator, "company": ""})
        names = {k: lab("sheet.audit") if k == "audit" else lab(f"sheet.cmp_{k}") for k in SHEETS}
        ws = {k: wb.add_worksheet(names[k]) for k in SHEETS}
        _write_summary(wb, ws["summary"], fm, lab, c)
        _write_matrix(wb, ws["matrix"], fm, lab, c)
        _write_changed(ws["changed"], fm, lab, c, _item_names(result, lab), tick)
        _write_audit(ws["audit"], fm, lab, result)
        note = f"A {c.a.label}  B {c.b.label}"
        for key, sheet in ws.items():
            print_setup(sheet, names[key], note, landscape=True, repeat_header=key == "changed",
                        repeat_cols=2 if key == "changed" else 0)
        ws["summary"].activate()
        tick()
        wb.close()
    except BaseException:  # cancelled or failed: the temporary files go, the caller removes the target's
        abandon(wb)
        raise


def _day(text: str):
    """A side's as-of date as a date (written with the date format), or the text as recorded."""
    from datetime import date
    try:
        return date.fromisoformat(text[:10])
    except (TypeError, ValueError):
        return text or None


def _write_summary(wb, ws, fm, lab, c) -> None:
    from xlsxwriter.utility import xl_rowcol_to_cell

    from desktop.io.writers.xlsx import put
    ws.set_column(0, 0, 30)
    ws.set_column(1, 2, 26)
    ws.set_column(3, 3, 16)
    ws.write_string(0, 0, lab("title.compare"), fm.title)
    head = [lab("cmp.what"), lab("cmp.a"), lab("cmp.b"), lab("cmp.change")]
    r = 2
    ws.write_row(r, 0, head, fm.header)

    def pair(label: str, a, b, f, change: bool = False) -> None:
        nonlocal r
        r += 1
        ws.write_string(r, 0, label, fm.label)
        put(ws, r, 1, a, f)
        put(ws, r, 2, b, f)
        if change:
            left, right = xl_rowcol_to_cell(r, 1), xl_rowcol_to_cell(r, 2)
            ws.write_formula(r, 3, f"={right}-{left}", f, b - a)

    pair(lab("cmp.label"), c.a.label, c.b.label, fm.text)
    pair(lab("as_of"), _day(c.a.as_of), _day(c.b.as_of), fm.date)
    pair(lab("policy"), c.a.policy, c.b.policy, fm.text)
    pair(lab("count"), len(c.a.snaps), len(c.b.snaps), fm.int, change=True)

    def count(label: str, n: int) -> None:
        nonlocal r
        r += 1
        ws.write_string(r, 0, label, fm.text)
        put(ws, r, 1, n, fm.int)

    r += 1
    count(lab("cmp.both"), c.both)
    count(lab("cmp.only_a"), len(c.only_a))
    count(lab("cmp.only_b"), len(c.only_b))
    r += 2
    ws.write_string(r, 0, lab("cmp.changed"), fm.section)
    for key in ("level", "term", "limit", "route"):
        count(lab(f"cmp.changed.{key}"), c.changed.get(key, 0))
    count(lab("cmp.changed.any"), len(c.customers))
    r += 2
    ws.write_string(r, 0, lab("cmp.totals"), fm.section)
    r += 1
    ws.write_row(r, 0, head, fm.header)
    pair(lab("cmp.total_limit"), c.total_limit[0], c.total_limit[1], fm.money0, change=True)
    pair(lab("cmp.approvals_sm"), c.approvals[0].get("sales_manager", 0), c.approvals[1].get("sales_manager", 0),
         fm.int, change=True)
    pair(lab("cmp.approvals_cfo"), c.approvals[0].get("cfo", 0), c.approvals[1].get("cfo", 0), fm.int, change=True)


def _write_matrix(wb, ws, fm, lab, c) -> None:
    """Rows: a's level; columns: b's; the diagonal shaded; row and column totals as formulas."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    from desktop.io.writers.xlsx import FONT, col_width_px, put, row_height_pt
    levels = list(c.levels)
    n = len(levels)
    diagonal = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "num_format": "#,##0",
                              "bg_color": DIAGONAL, "bold": True, "border": 1, "border_color": "#BFBFBF"})
    cell = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "num_format": "#,##0",
                          "border": 1, "border_color": "#BFBFBF"})
    ws.set_column(0, 0, 18)
    ws.set_column(1, n + 1, 10)
    total_int = wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", "num_format": "#,##0",
                               "bold": True, "top": 1})
    note_w = 18 + 10 * (n + 1)
    ws.set_row(0, row_height_pt([(lab("cmp.matrix_note"), col_width_px(note_w), fm.note)]))
    ws.merge_range(0, 0, 0, n + 1, lab("cmp.matrix_note"), fm.note)
    top = 2
    ws.write_row(top, 0, [lab("cmp.matrix_corner"), *levels, lab("total_row")], fm.header)
    first, last = top + 1, top + n
    for i, la in enumerate(levels):
        r = first + i
        put(ws, r, 0, la, fm.level.get(la, fm.level_cell))
        for j, lb in enumerate(levels):
            put(ws, r, 1 + j, c.matrix.get(la, {}).get(lb, 0), diagonal if i == j else cell)
        ws.write_formula(r, n + 1, f"=SUM({xl_rowcol_to_cell(r, 1)}:{xl_rowcol_to_cell(r, n)})", total_int,
                         sum(c.matrix.get(la, {}).values()))
    t = last + 1
    put(ws, t, 0, lab("total_row"), fm.total_label)
    for j, lb in enumerate(levels + [None]):
        col = 1 + j
        cached = sum(row.get(lb, 0) for row in c.matrix.values()) if lb is not None else \
            sum(sum(row.values()) for row in c.matrix.values())
        ws.write_formula(t, col, f"=SUM({xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)})",
                         total_int, cached)
    same = sum(c.matrix.get(lv, {}).get(lv, 0) for lv in levels)
    diag = ",".join(xl_rowcol_to_cell(first + i, 1 + i) for i in range(n))
    total = xl_rowcol_to_cell(t, n + 1)
    put(ws, t + 2, 0, lab("cmp.level_same"), fm.label)
    ws.write_formula(t + 2, 1, f"=SUM({diag})" if n else "=0", fm.int, same)
    put(ws, t + 3, 0, lab("cmp.changed.level"), fm.label)
    ws.write_formula(t + 3, 1, f"={total}-{xl_rowcol_to_cell(t + 2, 1)}", fm.int, c.changed.get("level", 0))
    ws.freeze_panes(first, 1)


def _item_names(result, lab) -> dict[str, str]:
    """Item key -> its name: from the policies compared, else (two runs of the register) the
    shipped policy's; a key no policy knows stays as it is."""
    policies = [p for p in result.policies if p is not None]
    if not policies:
        try:
            from desktop.io.policy_file import load_policy
            policies = [load_policy()]
        except Exception:  # noqa: BLE001 (a broken installation: the keys are still shown)
            policies = []
    names: dict[str, str] = {}
    for p in reversed(policies):  # a's names win
        names.update({it.key: lab.item(it) for it in p.items})
    return names


def _route(lab, route: str) -> str:
    from desktop.messages.workbooks import LABELS
    return lab(f"route.{route}") if f"route.{route}" in LABELS else route


def _write_changed(ws, fm, lab, c, item_names: dict[str, str], tick) -> None:
    from desktop.io.writers.xlsx import fit_text_widths, ticking
    zh = lab.lang == "zh"
    sep, listed = ("；", "、") if zh else ("; ", ", ")
    keys = (("total", "total"), ("level", "level"), ("cmp.term", "term_days"), ("cmp.limit", "limit"),
            ("cmp.route", "route"))
    header = [lab("customer_id"), lab("name"), lab("cmp.what_changed")]
    for k, _ in keys:
        header += [lab("cmp.col_a", lab(k)), lab("cmp.col_b", lab(k))]
    header += [lab("cmp.items"), lab("cmp.rules_added"), lab("cmp.rules_removed")]

    def shown(x) -> str:
        return "—" if x is None else f"{x}"

    def row(x) -> list:
        out = [str(x.a.customer_id), str(x.a.name), listed.join(lab(f"cmp.changed.{k}") for k in x.changed)]
        for _, attr in keys:
            va, vb = getattr(x.a, attr), getattr(x.b, attr)
            out += [_route(lab, va), _route(lab, vb)] if attr == "route" else [va, vb]
        out.append(sep.join(f"{item_names.get(i.key, i.key)} {shown(i.a)}→{shown(i.b)}" for i in x.items))
        out.append(sep.join(lab.code_words(code) for code in x.rules_added))
        out.append(sep.join(lab.code_words(code) for code in x.rules_removed))
        return out

    sample = [row(x) for x in c.customers[:2000]]
    fit_text_widths(ws, header, sample, max_w=48, header_format=fm.header)
    ws.write_row(0, 0, header, fm.header)
    formats = [fm.text, fm.text, fm.text, fm.int, fm.int, fm.level_cell, fm.level_cell, fm.int, fm.int,
               fm.money0, fm.money0, fm.text, fm.text, fm.text, fm.text, fm.text]
    for r, x in ticking(enumerate(c.customers, start=1), tick):
        ws.write_cells(r, row(x), formats)
    if not c.customers:
        ws.write_string(2, 0, lab("cmp.none_changed"), fm.note)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, max(len(c.customers), 1), len(header) - 1)


def _write_audit(ws, fm, lab, result) -> None:
    from desktop.io.writers.audit import write_facts, write_inputs
    c = result.comparison
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 9, 11)
    ws.write_string(0, 0, lab("title.audit"), fm.title)
    facts = [(lab("program_version"), result.program_version), (lab("run_time"), result.started),
             (lab("operator"), result.operator)]
    for side, policy, col in ((c.a, result.policies[0], "cmp.col_a"), (c.b, result.policies[1], "cmp.col_b")):
        facts.append((lab(col, lab("cmp.label")), side.label))
        facts.append((lab(col, lab("as_of")), _day(side.as_of)))
        if policy is not None:
            facts += [(lab(col, lab(k)), v) for k, v in (("policy_file", policy.file_name), ("policy_name", policy.name),
                                                          ("policy_version", policy.version),
                                                          ("policy_sha256", policy.sha256))]
        else:
            facts.append((lab(col, lab("policy")), side.policy))
    if result.register is not None:
        facts.append((lab("bt.register"), str(result.register)))
    if result.register_head:
        facts.append((lab("register_head"), result.register_head))
    r = write_facts(ws, fm, facts, 2)
    if result.sheets:
        write_inputs(ws, fm, lab, result.sheets, r + 1)
