"""The clawback register (退出与收回台账): every exit and revocation as of a date.

For each: the award and recipient, when and why it ended, the unpaid stages cancelled, the
money the recipient had received, the receivable raised, what was recovered and written
off, what is outstanding and by how many days it is overdue; then each repayment and
write-off with its voucher. Figures come from :func:`funds.reports.queries.clawback_register`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.platypus import Flowable
from sqlmodel import Session

from funds.money import format_yuan
from funds.reports import labels
from funds.reports.layout import build_pdf, cell, data_table, heading, para, stamp, title
from funds.reports.queries import ClawbackLine, clawback_register

TITLE = "退出与收回台账 Clawback register"


def clawback_pdf(session: Session, as_of: date) -> bytes:
    """Return the clawback register as of ``as_of``."""
    lines = clawback_register(session, as_of)
    return build_pdf(stamp(session, TITLE, as_of), clawback_story(lines, as_of))


def clawback_story(lines: Sequence[ClawbackLine], as_of: date) -> list[Flowable]:
    """Return the flowables of the register."""
    due = sum(x.due for x in lines)
    outstanding = sum(x.outstanding for x in lines)
    overdue = [x for x in lines if x.days_overdue(as_of)]
    story: list[Flowable] = [
        title("退出与收回台账"),
        para(
            f"截至 {as_of.isoformat()}，退出或撤销共 {len(lines)} 项；"
            f"应收回 {format_yuan(due)} 元，"
            f"已收回 {format_yuan(sum(x.recovered for x in lines))} 元，"
            f"核销 {format_yuan(sum(x.written_off for x in lines))} 元，"
            f"尚欠 {format_yuan(outstanding)} 元，其中逾期 {len(overdue)} 项"
            f" {format_yuan(sum(x.outstanding for x in overdue))} 元。"
        ),
        heading("一、退出与撤销 Exits and revocations"),
        _ended(lines),
        heading("二、收回情况 Amounts due and recovered（元）"),
        _money(lines, as_of),
    ]
    story += _recoveries(lines)
    return story


def _ended(lines: Sequence[ClawbackLine]) -> Flowable:
    rows = [
        [
            x.award,
            cell(x.recipient),
            x.city,
            labels.label(labels.TERMINATION, x.kind),
            cell(labels.label(labels.EXIT_REASON, x.reason)),
            x.effective_date.isoformat(),
            format_yuan(x.cancelled),
        ]
        for x in lines
    ]
    return data_table(
        ["奖补编号", "受补主体", "市", "类型", "原因", "生效日期", "取消未拨付（元）"],
        rows,
        widths=[0.14, 0.2, 0.08, 0.1, 0.18, 0.12, 0.16],
        numeric=[6],
    )


def _money(lines: Sequence[ClawbackLine], as_of: date) -> Flowable:
    rows: list[list[Any]] = []
    for x in lines:
        late = x.days_overdue(as_of)
        rows.append(
            [
                x.award,
                format_yuan(x.paid),
                format_yuan(x.due),
                format_yuan(x.recovered),
                format_yuan(x.written_off),
                format_yuan(x.outstanding),
                x.recovery_due.isoformat() if x.recovery_due else "—",
                f"逾期 {late} 天" if late else "",
            ]
        )
    fields = ("paid", "due", "recovered", "written_off", "outstanding")
    sums = [sum(getattr(x, f) for x in lines) for f in fields]
    rows.append(["合计", *(format_yuan(v) for v in sums), "", ""])
    return data_table(
        ["奖补编号", "已拨付", "应收回", "已收回", "已核销", "尚欠", "收回期限", "逾期"],
        rows,
        widths=[0.14, 0.13, 0.13, 0.12, 0.1, 0.12, 0.12, 0.12],
        numeric=[1, 2, 3, 4, 5],
        total=True,
    )


def _recoveries(lines: Sequence[ClawbackLine]) -> list[Flowable]:
    rows = [
        [
            x.award,
            r.effective_date.isoformat(),
            labels.label(labels.RECOVERY_KIND, r.kind),
            format_yuan(r.amount),
            r.voucher or "",
            cell(r.reason),
        ]
        for x in lines
        for r in x.recoveries
    ]
    if not rows:
        return []
    return [
        heading("三、收回与核销明细 Repayments and write-offs"),
        data_table(
            ["奖补编号", "日期", "类型", "金额（元）", "凭证号", "说明"],
            rows,
            widths=[0.14, 0.12, 0.08, 0.16, 0.22, 0.28],
            numeric=[3],
        ),
    ]
