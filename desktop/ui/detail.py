"""The detail pane's content for one customer: items with their data, rules, metrics, aging, terms."""

from __future__ import annotations

from html import escape

from desktop.core.models import Decision
from desktop.core.policy import Policy
from desktop.io.writers.forms import basis_text
from desktop.io.writers.labels import Labels
from desktop.ui.colors import Colours, colours
from desktop.ui.models import amount_text  # amounts read 1,236,000 everywhere in the window


def _level(level: str, pal: Colours) -> str:
    bg, fg = pal.level(level)
    return f'<span style="background:{bg};color:{fg};font-weight:bold">&nbsp;{escape(level)}&nbsp;</span>'


def detail_html(d: Decision, policy: Policy, lang: str = "zh", pal: Colours | None = None) -> str:
    """The pane's HTML, in the colours of ``pal`` (default: the application's palette's)."""
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
