"""The fund execution report (专项资金年度执行情况): one fund-year as of a date.

Totals first (budget, committed, paid, available, cancelled, recovered, with the check that
budget = committed + paid + available), then the same figures by programme and by city with
bar charts, then a table per city listing each award's stages in the year, for the city
officer who forwards it to the counties. Figures come from
:func:`funds.reports.queries.fund_execution`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable
from sqlmodel import Session

from funds.money import format_wan, format_yuan
from funds.reports import labels
from funds.reports.charts import bar_chart
from funds.reports.layout import (
    build_pdf,
    cell,
    data_table,
    gap,
    heading,
    key_values,
    para,
    stamp,
    title,
)
from funds.reports.queries import AwardExecution, Execution, FundExecution, fund_execution

TITLE = "专项资金年度执行情况 Fund execution"


def fund_execution_pdf(session: Session, fund: str, year: int, as_of: date) -> bytes:
    """Return the execution report of fund ``fund`` in ``year`` as of ``as_of``."""
    figures = fund_execution(session, fund, year, as_of)
    report = stamp(session, f"{TITLE} — {fund} {year}", as_of)
    return build_pdf(report, execution_story(figures))


def execution_story(x: FundExecution) -> list[Flowable]:
    """Return the flowables of the report."""
    t = x.total
    story: list[Flowable] = [
        title(f"{x.fund_name} {t.year} 年度执行情况"),
        key_values(
            [
                ("资金", f"{x.fund_name}（{t.fund}）"),
                ("年度", str(t.year)),
                ("奖补项目数", str(len(x.awards))),
                ("数据截至", t.as_of.isoformat()),
            ]
        ),
    ]
    story += _totals(x)
    story += _breakdown("二、按项目类别 By programme", "项目类别", x.programmes, horizontal=False)
    story += _breakdown("三、按市 By city", "市", x.cities, horizontal=True)
    story += [CondPageBreak(70 * mm), heading("四、分市明细 Awards by city")]
    for city in x.cities:
        story += _city_table(city, x.awards_in(city.key))
    return story


def _totals(x: FundExecution) -> list[Flowable]:
    t = x.total
    rows = [
        ("年度预算", t.budget),
        ("已承诺未拨付", t.committed),
        ("已拨付", t.paid),
        ("可用（未承诺）", t.available),
        ("已取消（退回预算）", t.cancelled),
        ("当年收回", t.recovered),
    ]
    table = data_table(
        ["项目", "金额（元）", "金额（万元）", "占预算"],
        [(name, format_yuan(v), format_wan(v)[:-1], _share(v, t.budget)) for name, v in rows],
        widths=[0.3, 0.26, 0.22, 0.14],
        numeric=[1, 2, 3],
    )
    balance = t.committed + t.paid + t.available
    check = "相符" if balance == t.budget else f"不符，差 {format_yuan(t.budget - balance)} 元"
    chart = bar_chart(
        "预算执行（万元）",
        ["预算", "已承诺", "已拨付", "可用", "已取消", "收回"],
        [("金额", [v for _, v in rows])],
    )
    return [
        heading("一、总体 Totals"),
        table,
        gap(1),
        para(f"核对：预算 = 已承诺未拨付 + 已拨付 + 可用，{check}。", small=True),
        chart,
    ]


def _share(part: int, whole: int) -> str:
    if not whole:
        return "—"
    tenths = part * 1000 // whole
    return f"{tenths // 10}.{tenths % 10} %"


HEADER = [
    "奖补数",
    "计划（元）",
    "已承诺未拨付（元）",
    "已拨付（元）",
    "已取消（元）",
    "当年收回（元）",
]


def _figures(x: Execution) -> list[str]:
    return [
        str(x.awards),
        format_yuan(x.planned),
        format_yuan(x.committed),
        format_yuan(x.paid),
        format_yuan(x.cancelled),
        format_yuan(x.recovered),
    ]


def _breakdown(
    caption: str, what: str, groups: Sequence[Execution], *, horizontal: bool
) -> list[Flowable]:
    total = Execution("total", "合计")
    for group in groups:
        total.add(group)
    rows = [[g.label, *_figures(g)] for g in groups] + [["合计", *_figures(total)]]
    table = data_table(
        [what, *HEADER],
        rows,
        widths=[0.2, 0.07, 0.15, 0.16, 0.15, 0.13, 0.14],
        numeric=[1, 2, 3, 4, 5, 6],
        total=True,
    )
    chart = bar_chart(
        f"{what}：已拨付、已承诺未拨付、已取消（万元）",
        [g.label for g in groups],
        [
            ("已拨付", [g.paid for g in groups]),
            ("已承诺未拨付", [g.committed for g in groups]),
            ("已取消", [g.cancelled for g in groups]),
        ],
        horizontal=horizontal,
    )
    return [CondPageBreak(60 * mm), heading(caption), table, chart]


def _city_table(city: Execution, awards: Sequence[AwardExecution]) -> list[Flowable]:
    rows: list[list[Any]] = [
        [
            a.key,
            cell(a.recipient),
            labels.programme_short(a.programme),
            labels.label(labels.AWARD_STATUS, a.status),
            format_yuan(a.committed),
            format_yuan(a.paid),
            format_yuan(a.cancelled),
            format_yuan(a.recovered),
        ]
        for a in awards
    ]
    subtotal = [city.committed, city.paid, city.cancelled, city.recovered]
    rows.append(["小计", "", "", "", *(format_yuan(v) for v in subtotal)])
    header = [
        "奖补编号",
        "受补主体",
        "类别",
        "状态",
        "已承诺未拨付",
        "已拨付",
        "已取消",
        "当年收回",
    ]
    return [
        CondPageBreak(40 * mm),
        heading(f"{city.label}（{city.awards} 项，单位：元）"),
        data_table(
            header,
            rows,
            widths=[0.135, 0.215, 0.1, 0.07, 0.12, 0.12, 0.12, 0.12],
            numeric=[4, 5, 6, 7],
            total=True,
        ),
    ]
