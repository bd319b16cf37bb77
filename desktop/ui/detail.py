"""The detail pane's content for one customer: items with their data, rules, metrics, aging, terms."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from urllib.parse import quote, unquote

from desktop.core.groups import GroupFigures
from desktop.core.models import Decision
from desktop.core.policy import Policy
from desktop.io.writers.forms import basis_text
from desktop.io.writers.labels import Labels, amount, percent
from desktop.messages.window import ZH
from desktop.ui.colors import Colours, colours
from desktop.ui.models import amount_text  # amounts read 1,236,000 everywhere in the window

GROUP_ANCHOR = "group"  # the group panel's heading: the pane scrolls to it with scrollToAnchor
CUSTOMER_LINK = "customer:"  # a group member's ID in the group panel links to its row: customer:<ID, %-quoted>
LINK_WORDS = {"group": "Same group name", "credit_code": "Same unified credit code",
              "controller": "Same actual controller"}


# A group of thousands (a holding) listed whole took a fifth of a second to lay out on each click,
# and stopped the window as a rating's results came in: the panel lists this many.
PANEL_MEMBERS = 50
LINK_NAMES = 20


def _level(level: str, pal: Colours) -> str:
    bg, fg = pal.level(level)
    return f'<span style="background:{bg};color:{fg};font-weight:bold">&nbsp;{escape(level)}&nbsp;</span>'


def customer_link(customer_id: str) -> str:
    return CUSTOMER_LINK + quote(customer_id, safe="")


def linked_customer(href: str) -> str | None:
    """The customer ID a link of the group panel names; None for any other link."""
    return unquote(href[len(CUSTOMER_LINK):]) if href.startswith(CUSTOMER_LINK) else None


def group_html(d: Decision, figures: GroupFigures | None, members: Mapping[str, Decision], policy: Policy,
               lang: str, pal: Colours) -> str:
    """The group panel of a member of a group: the group's name, how it is linked (each link: the
    field in words, the value, the customers carrying it), its members (ID, name, level; the ones
    forced to C marked, each ID a link to its row) and the group's figures after the group rules.
    ``members``: the members' decisions by ID; ``figures``: the group's, from Rating.groups."""
    g = d.group
    if g is None:
        return ""
    lab = Labels(lang)
    zh = lang == "zh"

    def tr(source: str) -> str:  # the window's words (desktop/messages/window.py)
        return ZH.get(source, source) if zh else source

    sep, colon, gap = ("、", "：", "") if zh else (", ", ": ", " ")  # （ in Chinese brings its own space
    forced = set(figures.forced_c) if figures is not None else {m for m in g.members
                                                                if members.get(m) is not None and members[m].overrides}

    def who(cid: str) -> str:
        m = members.get(cid)
        return escape(f"{cid} {m.customer.name}" if m is not None else cid)

    def carrying(customers) -> str:  # a link's customers, the first LINK_NAMES of them by name
        more = len(customers) - LINK_NAMES
        return sep.join(who(c) for c in customers[:LINK_NAMES]) + (
            f"{'' if zh else sep}{escape(tr('and {0} more').format(more))}" if more > 0 else "")  # 甲、乙等另 N 户

    links = "".join(f"<li>{escape(tr(LINK_WORDS.get(k.field, k.field)))}{colon}<b>{escape(k.value)}</b>"
                    f" — {carrying(k.customers)}</li>" for k in g.links)
    listed = set(g.members)
    if len(g.members) > PANEL_MEMBERS:  # this customer and the members forced to C first, then the rest in order
        first = [d.customer_id] + [m for m in g.members if m in forced and m != d.customer_id]
        listed = set(first[:PANEL_MEMBERS])
        listed.update([m for m in g.members if m not in listed][:PANEL_MEMBERS - len(listed)])
    rows = []
    for cid in (m for m in g.members if m in listed):
        m = members.get(cid)
        notes = []
        if cid == d.customer_id:
            notes.append(escape(tr("this customer")))
        if cid in forced:
            notes.append(f"<b style='color:{pal.error}'>{escape(tr('forced to C'))}</b>")
        elif m is not None and any(h.code == "CAP_B_GROUP_WARNING" for h in m.caps):
            notes.append(escape(tr("capped by the group warning")))
        if m is not None and m.limit_rules and m.eligible_limit < m.limit_before_rules:
            notes.append(escape(tr("limit {0} → {1}").format(amount_text(m.limit_before_rules),
                                                              amount_text(m.eligible_limit))))
        link = f"<a href='{escape(customer_link(cid), quote=True)}' style='color:{pal.text}'>{escape(cid)}</a>"
        rows.append(f"<tr><td>{link}</td><td>{escape(m.customer.name) if m else ''}</td>"
                    f"<td align=center>{_level(m.level, pal) if m else ''}</td><td>{sep.join(notes)}</td></tr>")
    if len(listed) < len(g.members):
        rows.append(f"<tr><td colspan=4>{escape(tr('… {0} more members: every member is on the groups sheet of the '
                                                  'results workbook, and the group filter shows them in the table.')
                                               .format(len(g.members) - len(listed)))}</td></tr>")
    head = (f"<tr style='background:{pal.header};color:{pal.header_text}'><th>{escape(tr('Customer ID'))}</th>"
            f"<th>{escape(tr('Name'))}</th><th>{escape(tr('Level'))}</th><th>{escape(tr('Notes'))}</th></tr>")

    def kv(label: str, value: str) -> str:
        return f"<tr><td style='color:{pal.muted}'>{escape(label)}</td><td align=right><b>{value}</b></td></tr>"

    sums = ""
    if figures is not None:
        f = figures
        if f.ceiling is None:
            ceiling = escape(tr("off (the total-amount control is switched off)"))
        else:
            ceiling = escape(tr("{0} ({1} of every customer's eligible limit, {2})").format(
                amount(float(f.ceiling)), percent(policy.group.concentration_share), amount_text(f.total_limit)))
        after = amount_text(f.eligible_limit)
        if f.reduced:
            after += f"{gap}<span style='color:{pal.error}'>{escape(tr('(scaled down)'))}</span>"
        requested = amount_text(f.requested_limit)
        if f.requests_over:
            requested += f"{gap}<span style='color:{pal.error}'>{escape(tr('(above the ceiling)'))}</span>"
        sums = (f"<p style='margin-bottom:2px'><b>{escape(tr('Group figures'))}</b></p><table cellspacing=0 cellpadding=2>"
                f"{kv(tr('Members'), str(len(g.members)))}{kv(lab('sales_12m'), amount_text(f.sales_12m))}"
                f"{kv(lab('open_ar'), amount_text(f.open_ar))}{kv(lab('overdue_balance'), amount_text(f.overdue_balance))}"
                f"{kv(tr('Eligible limits before the total-amount control (CNY)'), amount_text(f.eligible_limit_before))}"
                f"{kv(tr('Eligible limits after the total-amount control (CNY)'), after)}"
                f"{kv(tr('Ceiling of the group (CNY)'), ceiling)}{kv(tr('Requested limits (CNY)'), requested)}"
                f"{kv(tr('Worst level'), _level(f.worst_level, pal))}</table>")
    return (f"<h3><a name='{GROUP_ANCHOR}'></a>{escape(tr('Group'))}{colon}{escape(g.name)}</h3>"
            f"<p style='margin-bottom:2px'><b>{escape(tr('Linked by'))}</b></p><ul>{links}</ul>"
            f"<table border=1 cellspacing=0 cellpadding=3>{head}{''.join(rows)}</table>{sums}")


def detail_html(d: Decision, policy: Policy, lang: str = "zh", pal: Colours | None = None,
                figures: GroupFigures | None = None, members: Mapping[str, Decision] | None = None) -> str:
    """The pane's HTML, in the colours of ``pal`` (default: the application's palette's); for a
    member of a group, its group panel (``figures``: the group's, ``members``: the members'
    decisions by ID, see ``group_html``)."""
    pal = pal or colours()
    lab = Labels(lang)
    zh = lang == "zh"
    c, m = d.customer, d.metrics

    def t(chinese: str, english: str) -> str:
        return chinese if zh else english

    rows = "".join(
        f"<tr><td>{escape(lab.item(policy.item(i.key)))}</td><td align=right>{i.points} / {policy.item(i.key).points}"
        f"</td><td>{escape(basis_text(d, i.key, policy, lab))}</td>"
        f"<td>{escape(lab.scored_band(policy.item(i.key), i.band))}</td></tr>"
        for i in d.items)
    rules = list(d.rules)
    colon = "：" if zh else ": "

    def code(h) -> str:  # the code the workbooks print beside the words, for tracing: in the English view only
        return "" if zh else f" <span style='color:{pal.muted};font-size:small'>{escape(h.code)}</span>"

    # the rule in words, then what it fired on, as a sentence
    rules_html = "".join(f"<li><b>{escape(lab.code_words(h.code))}</b>{colon}{escape(lab.rule(h))}{code(h)}</li>"
                         for h in rules) or f"<li>{lab('none')}</li>"
    aging = "".join(f"<tr><td>{escape(lab.aging(b))}</td><td align=right>{amount_text(v)}</td></tr>"
                    for b, v in m.aging.items())
    exceeds = ", ".join({"term": t("账期", "term"), "limit": t("额度", "limit"),
                         "group_limit": t("集团申请额度合计", "group's requests in total")}[x] for x in d.exceeds)

    def kv(label: str, value: object) -> str:
        return f"<tr><td style='color:{pal.muted}'>{escape(label)}</td><td><b>{escape(str(value))}</b></td></tr>"

    def num(v: float | None, fmt: str = "{:,.2f}") -> str:
        return "—" if v is None else fmt.format(v)

    return f"""
<h2 style="margin-bottom:2px">{escape(c.name)} <span style="color:{pal.muted};font-size:small">{escape(c.customer_id)}</span></h2>
<p>{t('等级', 'Level')} {_level(d.level, pal)} &nbsp; {t('总分', 'Score')} <b>{d.total}</b>
 &nbsp; {t('按总分', 'by score')} {_level(d.raw_level, pal)}</p>
<table cellspacing=0 cellpadding=2>
{kv(lab('recommended_term'), d.recommended_term_days)}{kv(lab('eligible_limit'), amount_text(d.eligible_limit))}
{kv(lab('requested_term'), d.requested_term_days)}{kv(lab('requested_limit'), amount_text(d.requested_limit) or '—')}
{kv(lab('approval_route'), lab('route.' + d.approval_route))}
{kv(lab('exceeds_policy'), (lab('yes') + ' (' + exceeds + ')') if d.exceeds_policy else lab('no'))}
{kv(lab('next_review'), d.next_review.isoformat())}{kv(lab('salesperson'), c.salesperson or '—')}
</table>
<h3>{t('评分项目', 'Scorecard items')}</h3>
<table border=1 cellspacing=0 cellpadding=3 width="100%">
<tr style="background:{pal.header};color:{pal.header_text}"><th>{t('项目', 'Item')}</th><th>{t('得分', 'Points')}</th><th>{t('数据依据', 'Data basis')}</th>
<th>{t('分档', 'Band')}</th></tr>{rows}</table>
<h3>{t('触发规则', 'Rules fired')}</h3><ul>{rules_html}</ul>
{group_html(d, figures, members or {d.customer_id: d}, policy, lang, pal)}
<h3>{t('指标', 'Metrics')}</h3>
<table cellspacing=0 cellpadding=2>
{kv(lab('orders'), m.orders)}{kv(lab('sales_12m'), amount_text(m.sales_12m) or '—')}{kv(lab('sales_prev_12m'), amount_text(m.sales_prev_12m) or '—')}
{kv(lab('sales_growth'), num(m.sales_growth, '{:+.1%}'))}{kv(lab('avg_days_late'), num(m.avg_days_late, '{:.1f}'))}
{kv(lab('cooperation_years'), num(m.cooperation_years))}{kv(lab('debt_ratio'), num(m.debt_ratio, '{:.1%}'))}
{kv(lab('current_ratio'), num(m.current_ratio))}{kv(lab('dso'), num(m.dso, '{:.1f}'))}
</table>
<h3>{t('应收账龄', 'AR aging')}</h3>
<table border=1 cellspacing=0 cellpadding=3>{aging}
<tr><td><b>{lab('open_ar')}</b></td><td align=right><b>{amount_text(m.open_ar)}</b></td></tr>
<tr><td>{lab('overdue_balance')}</td><td align=right>{amount_text(m.overdue_balance)}</td></tr></table>
"""
