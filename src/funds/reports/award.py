"""The award statement (奖补资金对账单): one award as of a date, for a finance officer to
print and sign.

It shows the award and its recipient; the stages (planned, paid, cancelled); the money
position from the ledger; the pass-through to enterprises by enterprise and purpose with the
ratio against the programme's floor (80 % for zone grants, ZONE-GUIDE 评估管理); the
recipient's own spending; the receivable and recoveries after an exit; and the open alerts
on the award. Many statements can go into one PDF, each starting on a new page with its own
page numbers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from fractions import Fraction

from reportlab.platypus import Flowable, PageBreak
from sqlmodel import Session, col, select

from funds import grants
from funds.compliance import AlertFilter, list_alerts
from funds.compliance.models import Alert
from funds.grants.models import Award
from funds.money import format_wan, format_yuan
from funds.reports import labels
from funds.reports.layout import (
    Section,
    build_pdf,
    cell,
    data_table,
    gap,
    heading,
    key_values,
    para,
    signatures,
    stamp,
    title,
)
from funds.reports.queries import PassThroughLine, pass_through_lines

TITLE = "奖补资金对账单 Award statement"


def award_statement_pdf(session: Session, codes: Sequence[str], as_of: date) -> bytes:
    """Return the statements of awards ``codes`` as of ``as_of``, one after another."""
    report = stamp(session, TITLE, as_of)
    alerts = open_alerts_by_award(session)
    uses = pass_through_lines(session, codes, as_of)
    story: list[Flowable] = []
    for i, code in enumerate(codes):
        statement = grants.award_statement(session, code, as_of)
        if i:
            story.append(PageBreak())
        story += statement_story(statement, uses.get(code, []), alerts.get(code, []))
    return build_pdf(report, story)


def all_award_codes(session: Session) -> list[str]:
    """Return every award's code, in order."""
    return list(session.exec(select(Award.code).order_by(col(Award.code))))


def open_alerts_by_award(session: Session) -> dict[str, list[Alert]]:
    """Return the open and acknowledged alerts, worst first, by award code."""
    out: dict[str, list[Alert]] = defaultdict(list)
    for alert in list_alerts(session, AlertFilter(state="active")):
        if alert.award:
            out[alert.award].append(alert)
    return dict(out)


def statement_story(
    s: grants.AwardStatement, uses: Sequence[PassThroughLine], alerts: Sequence[Alert]
) -> list[Flowable]:
    """Return the flowables of one statement."""
    story: list[Flowable] = [
        Section(f"{s.code} · {s.recipient_name}"),
        title(f"{TITLE} — {s.code}"),
    ]
    story.append(_head(s))
    story += _stages(s)
    story += _position(s)
    story += _pass_through(s, uses)
    story += _own_use(s)
    story += _recovery(s)
    story += _alerts(alerts)
    story.append(signatures())
    return story


def _head(s: grants.AwardStatement) -> Flowable:
    status = labels.label(labels.AWARD_STATUS, s.status) + (
        f"（{s.ended_on}）" if s.ended_on else ""
    )
    return key_values(
        [
            ("奖补编号", s.code),
            ("项目类别", labels.programme(s.programme, s.tier)),
            ("受补主体", f"{s.recipient_name}（{s.recipient_code}）"),
            ("所在市", s.city),
            ("资金来源", s.fund),
            ("奖补总额", f"{format_yuan(s.amount)} 元（{format_wan(s.amount)}元）"),
            ("批准日期", s.granted_on.isoformat()),
            ("状态", status),
            ("数据截至", s.as_of.isoformat()),
        ]
    )


def _stages(s: grants.AwardStatement) -> list[Flowable]:
    rows: list[tuple[object, ...]] = [
        (
            x.seq,
            x.year,
            format_yuan(x.amount),
            labels.label(labels.GATE, x.gate),
            labels.label(labels.STAGE_STATUS, x.status),
            (x.paid_on or x.closed_on or "") and str(x.paid_on or x.closed_on),
            x.requested_by or "",
            x.approved_by or "",
        )
        for x in s.stages
    ]
    rows.append(("合计", "", format_yuan(sum(x.amount for x in s.stages)), "", "", "", "", ""))
    header = [
        "期次",
        "计划年度",
        "金额（元）",
        "拨付条件",
        "状态",
        "拨付/结束日期",
        "申请人",
        "审批人",
    ]
    widths = [0.07, 0.09, 0.16, 0.13, 0.13, 0.14, 0.14, 0.14]
    return [heading("一、分期安排 Stages"), data_table(header, rows, widths=widths, numeric=[2],
                                                     total=True)]  # fmt: skip


def _position(s: grants.AwardStatement) -> list[Flowable]:
    rows = [
        ("已承诺未拨付", s.committed),
        ("已拨付（到位资金）", s.paid),
        ("受补主体结存", s.held),
        ("下达企业", s.passed_on),
        ("自用", s.spent),
        ("应收回未收", s.receivable),
        ("已收回", s.recovered),
        ("已核销", s.written_off),
    ]
    table = data_table(
        ["项目", "金额（元）", "金额（万元）"],
        [(name, format_yuan(v), format_wan(v)[:-1]) for name, v in rows],
        widths=[0.4, 0.3, 0.3],
        numeric=[1, 2],
    )
    return [heading("二、资金状况 Money position"), table]


def _pass_through(s: grants.AwardStatement, uses: Sequence[PassThroughLine]) -> list[Flowable]:
    story: list[Flowable] = [heading("三、下达企业 Pass-through to enterprises")]
    ratio = labels.percent(s.pass_through_ratio)
    line = f"下达企业 {format_yuan(s.passed_on)} 元，占到位资金 {format_yuan(s.paid)} 元的 {ratio}"
    floor = s.min_pass_through_percent
    if floor:
        met = s.pass_through_ratio * 100 >= floor
        verdict = "达到" if met else "未达到"
        line += f"；{verdict}不低于 {floor} % 的要求（ZONE-GUIDE 评估管理）"
        if not met and s.paid:
            short = -(-(s.paid * floor) // 100) - s.passed_on
            line += f"，尚差 {format_yuan(short)} 元"
    story.append(para(line + "。"))
    if uses:
        rows = [
            (u.credit_code, u.enterprise, u.city, u.purpose, format_yuan(u.amount)) for u in uses
        ]
        rows.append(("合计", "", "", "", format_yuan(sum(u.amount for u in uses))))
        story += [
            gap(1.5),
            data_table(
                ["统一社会信用代码", "企业", "所在市", "用途", "金额（元）"],
                rows,
                widths=[0.2, 0.27, 0.1, 0.27, 0.16],
                numeric=[4],
                total=True,
            ),
        ]
    return story


def _own_use(s: grants.AwardStatement) -> list[Flowable]:
    if not s.purposes and not s.spent:
        return []
    share = labels.percent(Fraction(s.spent, s.paid)) if s.paid else "—"
    rows = [(p.name, format_yuan(p.amount)) for p in s.purposes]
    rows.append(("合计", format_yuan(s.spent)))
    return [
        heading("四、自用资金 Own spending"),
        para(f"受补主体自用 {format_yuan(s.spent)} 元，占到位资金的 {share}。"),
        gap(1.5),
        data_table(["用途", "金额（元）"], rows, widths=[0.6, 0.4], numeric=[1], total=True),
    ]


def _recovery(s: grants.AwardStatement) -> list[Flowable]:
    if not (s.recoverable or s.receivable or s.recovered or s.written_off):
        return []
    rows = [
        ("应收回", format_yuan(s.recoverable)),
        ("已收回", format_yuan(s.recovered)),
        ("已核销", format_yuan(s.written_off)),
        ("尚欠", format_yuan(s.receivable)),
        ("收回期限", s.recovery_due.isoformat() if s.recovery_due else "—"),
    ]
    overdue = s.recovery_due is not None and s.recovery_due < s.as_of and s.receivable > 0
    story: list[Flowable] = [
        heading("五、应收回与收回 Receivable and recoveries"),
        data_table(["项目", "金额（元）/日期"], rows, widths=[0.4, 0.3], numeric=[1]),
    ]
    if overdue:
        assert s.recovery_due is not None
        days = (s.as_of - s.recovery_due).days
        story.append(para(f"已逾期 {days} 天，尚欠 {format_yuan(s.receivable)} 元。"))
    return story


def _alerts(alerts: Sequence[Alert]) -> list[Flowable]:
    story: list[Flowable] = [heading("六、未处理预警 Open alerts")]
    if not alerts:
        return [*story, para("无。")]
    rows = [
        (
            labels.label(labels.SEVERITY, a.severity),
            cell(a.rule),
            cell(a.message),
            cell(a.clause),
        )
        for a in alerts
    ]
    return [
        *story,
        data_table(["等级", "规则", "情况", "依据"], rows, widths=[0.13, 0.17, 0.48, 0.22]),
    ]
