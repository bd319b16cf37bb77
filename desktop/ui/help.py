"""The user guide (F1) and the dialog that shows it.

The guide ships as ``templates/help/guide_<lang>.html`` (found through desktop.paths). Its prose
is fixed; what the policy decides is filled in each time it is shown, from the policy in use:
the scorecard (items, points, bands), the levels with their scores, base terms, limit factors
and review periods, the force-C, cap and term rules the policy switches on, the approval
threshold and the limit formula's numbers; and the window's shortcuts from its actions. So a
policy edited or chosen since is the one explained, never a copy of the shipped numbers.
A placeholder ``{{name}}`` the guide uses and nobody fills is a bug: it raises KeyError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout

from desktop.core.policy import Policy
from desktop.io.writers.labels import Labels
from desktop.paths import help_guide_path
from desktop.ui.colors import colours
from desktop.ui.screen import fit_to_screen

PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_MNEMONIC = re.compile(r"\(&\w\)|&(?=[^&\s])")  # "打开工作簿(&O)…", "&Open workbooks…"
TABLE = '<table border="1" cellspacing="0" cellpadding="4" width="100%" style="border-collapse: collapse">'
# Data every customer has (desktop.core.scoring.basis_values: sales of 0 without invoices, a count
# of documents): its item has no "no data" band worth a line.
NEVER_MISSING = frozenset({"sales_12m", "documents_missing"})


def action_words(text: str) -> str:
    """An action's text as a sentence says it: no mnemonic, no ellipsis."""
    return _MNEMONIC.sub("", text).replace("…", "").replace("...", "").strip()


def _number(v: float) -> str:
    """1,000; 1.5; 1 (not 1.0)."""
    return f"{v:,}" if isinstance(v, int) else format(v, ",g")


def _list(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>"


def _row(cells: list[str], head: bool = False) -> str:
    tag = "th" if head else "td"
    pal = colours()  # the palette's: a header row that reads in dark mode too
    start = f'<tr style="background:{pal.header};color:{pal.header_text}">' if head else "<tr>"
    return start + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"


def scorecard_table(policy: Policy, lab: Labels, t: Callable[[str], str]) -> str:
    """One row per item: its points, the data it is scored on, each band (and no data) with its points."""
    rows = [_row([t("Item"), t("Points (maximum)"), t("Data"), t("Bands and points")], head=True)]
    for item in policy.items:
        if item.categories:
            bands = [(lab.word(name), points) for name, points in item.categories]
        else:
            bands = [(lab.band(b.interval, item.basis), b.points) for b in item.bands]
        if item.basis not in NEVER_MISSING:
            bands.append((lab.missing_band(item.basis), item.missing_points))
        rows.append(_row([escape(lab.item(item)), str(item.points), escape(lab.basis(item.basis)),
                          "<br>".join(escape(t("{0}: {1} points").format(band, points)) for band, points in bands)]))
    rows.append(_row([f"<b>{escape(t('Total'))}</b>", f"<b>{policy.total_points}</b>", "", ""]))
    return TABLE + "".join(rows) + "</table>"


def levels_table(policy: Policy, lab: Labels, t: Callable[[str], str]) -> str:
    """One row per level, best first: the total scores it takes, base term, limit factor, review period."""
    rows = [_row([t("Level"), t("Total score"), t("Base term (days)"), t("Limit factor"), t("Review (months)")],
                 head=True)]
    levels = policy.levels
    for i, lv in enumerate(levels):
        if i == 0:
            scores = f"≥ {lv.min_score}"
        elif i == len(levels) - 1 and lv.min_score <= 0:
            scores = f"≤ {levels[i - 1].min_score - 1}"
        else:
            scores = f"{lv.min_score}–{levels[i - 1].min_score - 1}"
        days = policy.terms.base_days.get(lv.level, 0)
        term = t("{0} (cash before delivery)").format(days) if days == 0 else str(days)
        factor = policy.limit.factors.get(lv.level)
        rows.append(_row([f"<b>{escape(lab.level_label(lv))}</b>", scores, escape(term),
                          "" if factor is None else _number(factor), str(policy.review_months.get(lv.level, ""))]))
    return TABLE + "".join(rows) + "</table>"


def rule_lists(policy: Policy, t: Callable[[str], str]) -> dict[str, str]:
    """The force-C, cap and term rules this policy switches on, as sentences with its numbers."""
    fc, cap, terms = policy.force_c, policy.cap, policy.terms
    force = [line for on, line in (
        (fc.timeliness, t("Payment timeliness scores {0} points or fewer (a customer with a payment history)")
         .format(fc.timeliness_max_points)),
        (fc.operating_poor, t("Operating status is poor")),
        (fc.revenue_decline, t("Revenue in sustained decline")),
        (fc.litigation, t("Sued by other suppliers over payment"))) if on]
    caps = [line for on, line in (
        (cap.new_customer, t("New customer: fewer than {0} orders, or less than {1} years of cooperation")
         .format(cap.new_customer_min_orders, _number(cap.new_customer_min_years))),
        (cap.documents, t("Key documents incomplete: business licence, tax registration, organisation code"))) if on]
    term_lines = []
    if terms.new_customer_cash_orders > 0:
        term_lines.append(t("A new customer's first {0} orders are cash before delivery (0 days).")
                          .format(terms.new_customer_cash_orders))
    needs = {(True, True): "Credit terms need a signed annual agreement and complete key documents; otherwise 0 days.",
             (True, False): "Credit terms need a signed annual agreement; otherwise 0 days.",
             (False, True): "Credit terms need complete key documents; otherwise 0 days."}.get(
        (terms.require_agreement, terms.require_documents))
    if needs:
        term_lines.append(t(needs))
    term_lines.append(t("Otherwise the recommended term is the level's base term (table above)."))
    return {"force_c": _list(force or [t("None: this policy forces no customer to C.")]),
            "caps_intro": escape(t("these customers are rated {0} at most:").format(cap.level) if caps
                                 else t("this policy caps no level.")),
            "caps": _list(caps) if caps else "",
            "terms": _list(term_lines)}


def guide_html(policy: Policy, lang: str, t: Callable[[str], str], policy_file: str,
               shortcuts: list[tuple[str, str]], keys: dict[str, str], note: str = "",
               policy_name: str | None = None) -> str:
    """The guide in ``lang`` for ``policy`` (read from ``policy_file``; ``policy_name``: how the
    window names it, default its name and version). ``t`` words the window's texts in ``lang``;
    ``shortcuts``: (key, action text) of the window's actions; ``keys``: the key of each job the
    guide names (open, rate, export, forms, approvals, policy, help); ``note``: a warning about
    the policy shown first."""
    lab = Labels(lang)
    values = {
        "policy_name": escape(policy_name or f"{policy.name} {policy.version}"),
        "policy_file": escape(policy_file),
        "policy_note": f'<p style="color:{colours().error}">{escape(note)}</p>' if note else "",
        "muted": colours().muted,
        "total_points": str(policy.total_points),
        "scorecard": scorecard_table(policy, lab, t),
        "levels": levels_table(policy, lab, t),
        "sales_manager_max_days": str(policy.sales_manager_max_days),
        "months_per_year": _number(policy.limit.months_per_year),
        "days_per_month": _number(policy.limit.days_per_month),
        "round_down_to": _number(policy.limit.round_down_to),
        "shortcuts": TABLE + _row([t("Key"), t("What it does")], head=True) + "".join(
            _row([escape(key), escape(action_words(words))]) for key, words in shortcuts) + "</table>",
        **rule_lists(policy, t),
        **{f"key_{job}": escape(key) for job, key in keys.items()},
    }
    template = help_guide_path(lang).read_text(encoding="utf-8")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


class HelpDialog(QDialog):
    """The guide in a browser the clerk can keep open beside the window (it is not modal)."""

    def __init__(self, html: str, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        fit_to_screen(self, (800, 860), centred=True)
