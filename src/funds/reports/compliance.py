"""The compliance report (合规预警报告): open alerts by severity, city and rule.

It reads the alert store as the last recorded scan left it (open and acknowledged alerts;
the data's as-of date is that scan's), counts them by severity, by city and by rule, and
lists each alert with what was found, what to do and the policy clause it enforces, worst
first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable
from sqlmodel import Session, col, select

from funds.compliance import AlertFilter, list_alerts, rule_by_id
from funds.compliance.models import Alert, Scan
from funds.reports import labels
from funds.reports.layout import build_pdf, cell, data_table, heading, para, stamp, title

TITLE = "合规预警报告 Compliance report"
SEVERITIES = ("red", "orange", "yellow")


def last_scan_date(session: Session) -> date | None:
    """Return the as-of date of the newest recorded scan, if any."""
    query = select(Scan).where(col(Scan.recorded)).order_by(col(Scan.id).desc()).limit(1)
    newest = session.exec(query).first()
    return None if newest is None else newest.as_of


def open_alerts(session: Session, city: str | None = None) -> list[Alert]:
    """Return the open and acknowledged alerts (of ``city`` when given), worst first."""
    return list_alerts(session, AlertFilter(state="active", city=city))


def compliance_pdf(session: Session, *, city: str | None = None) -> bytes:
    """Return the compliance report over the alert store (one city's when ``city`` is given)."""
    alerts = open_alerts(session, city)
    as_of = last_scan_date(session) or date.today()
    name = f"{TITLE} — {city}" if city else TITLE
    return build_pdf(stamp(session, name, as_of), compliance_story(alerts, as_of, city))


def rule_title(rule: str) -> str:
    """The rule's Chinese title (its id when the catalogue does not know it)."""
    try:
        return rule_by_id(rule).title_zh
    except KeyError:
        return rule


def compliance_story(alerts: Sequence[Alert], as_of: date, city: str | None) -> list[Flowable]:
    """Return the flowables of the report."""
    scope = city or "全省"
    story: list[Flowable] = [
        title(f"合规预警报告（{scope}）"),
        para(
            f"截至 {as_of.isoformat()} 最近一次扫描，未解决的预警共 {len(alerts)} 条"
            f"（红色 {_count(alerts, 'red')}，橙色 {_count(alerts, 'orange')}，"
            f"黄色 {_count(alerts, 'yellow')}）。红色为已违规，橙色为即将违规或期限临近，"
            "黄色为值得关注的风险。"
        ),
    ]
    story += _by_city(alerts)
    story += _by_rule(alerts)
    for severity in SEVERITIES:
        story += _listing(severity, [a for a in alerts if a.severity == severity])
    return story


def _count(alerts: Sequence[Alert], severity: str) -> int:
    return sum(1 for a in alerts if a.severity == severity)


def _by_city(alerts: Sequence[Alert]) -> list[Flowable]:
    counts = Counter((a.city, a.severity) for a in alerts)
    per_city = Counter(a.city for a in alerts)
    cities = sorted(per_city, key=lambda c: (-per_city[c], c))
    rows = [[c, *(str(counts[c, s]) for s in SEVERITIES), str(per_city[c])] for c in cities]
    rows.append(["合计", *(str(_count(alerts, s)) for s in SEVERITIES), str(len(alerts))])
    table = data_table(
        ["市", "红色", "橙色", "黄色", "合计"],
        rows,
        widths=[0.3, 0.14, 0.14, 0.14, 0.14],
        numeric=[1, 2, 3, 4],
        total=True,
    )
    return [heading("一、按市 By city"), table]


def _by_rule(alerts: Sequence[Alert]) -> list[Flowable]:
    counts = Counter(a.rule for a in alerts)
    clause = {a.rule: a.clause for a in alerts}
    worst: dict[str, str] = {}
    for a in alerts:  # alerts come worst first
        worst.setdefault(a.rule, a.severity)
    rules = sorted(counts, key=lambda r: (SEVERITIES.index(worst[r]), -counts[r], r))
    rows = [
        [
            cell(f"{rule_title(r)}（{r}）"),
            labels.label(labels.SEVERITY, worst[r]),
            str(counts[r]),
            cell(clause[r]),
        ]
        for r in rules
    ]
    table = data_table(
        ["规则", "最高等级", "条数", "依据条款"],
        rows,
        widths=[0.38, 0.16, 0.08, 0.38],
        numeric=[2],
    )
    return [heading("二、按规则 By rule"), table]


def _listing(severity: str, alerts: Sequence[Alert]) -> list[Flowable]:
    if not alerts:
        return []
    number = {"red": "三", "orange": "四", "yellow": "五"}[severity]
    rows = [
        [
            cell(a.award or a.subject),
            a.city,
            cell(rule_title(a.rule)),
            cell(a.message, f"处理：{a.action}" if a.action else ""),
            cell(a.clause),
            labels.label(labels.ALERT_STATE, a.state),
        ]
        for a in alerts
    ]
    header = ["对象", "市", "规则", "情况与处理", "依据条款", "状态"]
    return [
        CondPageBreak(40 * mm),
        heading(f"{number}、{labels.label(labels.SEVERITY, severity)} {len(alerts)} 条"),
        data_table(header, rows, widths=[0.12, 0.07, 0.14, 0.43, 0.16, 0.08]),
    ]
