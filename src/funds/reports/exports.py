"""What each spreadsheet export holds: the journal, balances, award statements, alerts and
a planner run's results, each built by one function into an :class:`~funds.reports.sheets.Export`.

Figures come from the same services the PDFs use, so a spreadsheet and a report of the same
date agree to the 分. See :mod:`funds.reports.sheets` for the units and the file formats.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from funds import grants
from funds.grants.views import percent_text
from funds.ledger import Account, Entry, Ledger, Posting
from funds.planner.service import get_run, results_of
from funds.reports import labels
from funds.reports.award import all_award_codes
from funds.reports.compliance import last_scan_date, open_alerts, rule_title
from funds.reports.layout import stamp
from funds.reports.sheets import WAN, YUAN, Export, Sheet, amounts_text, day_text, frame, wan, yuan

JOURNAL = ["分录号", "记账日期", "录入时间", "类型", "摘要", "凭证号", "经办人", "科目",
           f"金额{YUAN}", f"金额{WAN}", "冲销分录", "哈希"]  # fmt: skip


def journal_export(
    session: Session, *, start: date | None = None, end: date | None = None
) -> Export:
    """Every posting of the journal effective in ``[start, end]``, by entry."""
    query = (
        select(Posting, Entry, Account)
        .join(Entry, col(Entry.id) == Posting.entry_id)
        .join(Account, col(Account.id) == Posting.account_id)
        .order_by(col(Posting.entry_id), col(Posting.id))
    )
    if start is not None:
        query = query.where(Posting.effective_date >= start)
    if end is not None:
        query = query.where(Posting.effective_date <= end)
    rows = [
        dict(
            zip(
                JOURNAL,
                (
                    entry.id,
                    posting.effective_date.isoformat(),
                    f"{entry.recorded_at:%Y-%m-%d %H:%M:%S}",
                    entry.kind,
                    entry.memo,
                    entry.voucher or "",
                    entry.actor,
                    account.code,
                    yuan(posting.amount),
                    wan(posting.amount),
                    entry.reverses_id or "",
                    entry.hash,
                ),
                strict=True,
            )
        )
        for posting, entry, account in session.exec(query)
    ]
    report = stamp(session, "会计分录 Journal", end or date.today())
    return Export("会计分录 Journal", report, [Sheet("journal", "分录", frame(rows, JOURNAL))])


BALANCES = ["科目", "名称", "类别", f"余额{YUAN}", f"余额{WAN}"]


def balances_export(session: Session, *, as_of: date, prefix: str = "") -> Export:
    """The balance of every account (whose code starts with ``prefix``) as of ``as_of``."""
    balances = Ledger(session).balances(prefix, as_of=as_of)
    accounts = {a.code: a for a in session.exec(select(Account).order_by(col(Account.code)))}
    rows = [
        dict(
            zip(
                BALANCES,
                (code, accounts[code].name, str(accounts[code].kind), yuan(v), wan(v)),
                strict=True,
            )
        )
        for code, v in sorted(balances.items())
    ]
    report = stamp(session, "科目余额 Balances", as_of)
    return Export("科目余额 Balances", report, [Sheet("balances", "余额", frame(rows, BALANCES))])


AWARDS = ["奖补编号", "项目类别", "级别", "受补主体编号", "受补主体", "所在市", "资金",
          "状态", "结束日期", f"奖补总额{YUAN}", f"奖补总额{WAN}", f"已承诺未拨付{YUAN}",
          f"已拨付{YUAN}", f"已拨付{WAN}", f"结存{YUAN}", f"下达企业{YUAN}", "下达比例（%）",
          f"自用{YUAN}", f"应收回{YUAN}", f"尚欠{YUAN}", f"已收回{YUAN}", f"已核销{YUAN}",
          "收回期限"]  # fmt: skip
STAGES = ["奖补编号", "期次", "计划年度", f"金额{YUAN}", "拨付条件", "状态", "拨付日期",
          "结束日期", "申请人", "审批人"]  # fmt: skip


def awards_export(session: Session, *, as_of: date) -> Export:
    """One row per award (its statement as of ``as_of``), and one per stage."""
    statements = [grants.award_statement(session, c, as_of) for c in all_award_codes(session)]
    rows = [dict(zip(AWARDS, _award_row(s), strict=True)) for s in statements]
    stages = [
        dict(
            zip(
                STAGES,
                (
                    s.code,
                    x.seq,
                    x.year,
                    yuan(x.amount),
                    labels.label(labels.GATE, x.gate),
                    labels.label(labels.STAGE_STATUS, x.status),
                    day_text(x.paid_on),
                    day_text(x.closed_on),
                    x.requested_by or "",
                    x.approved_by or "",
                ),
                strict=True,
            )
        )
        for s in statements
        for x in s.stages
    ]
    report = stamp(session, "奖补资金对账 Award statements", as_of)
    sheets = [
        Sheet("awards", "奖补", frame(rows, AWARDS)),
        Sheet("stages", "分期", frame(stages, STAGES)),
    ]
    return Export("奖补资金对账 Award statements", report, sheets)


def _award_row(s: grants.AwardStatement) -> tuple[Any, ...]:
    return (
        s.code,
        labels.programme(s.programme),
        labels.label(labels.TIER, s.tier),
        s.recipient_code,
        s.recipient_name,
        s.city,
        s.fund,
        labels.label(labels.AWARD_STATUS, s.status),
        day_text(s.ended_on),
        yuan(s.amount),
        wan(s.amount),
        yuan(s.committed),
        yuan(s.paid),
        wan(s.paid),
        yuan(s.held),
        yuan(s.passed_on),
        percent_text(s.pass_through_ratio),
        yuan(s.spent),
        yuan(s.recoverable),
        yuan(s.receivable),
        yuan(s.recovered),
        yuan(s.written_off),
        day_text(s.recovery_due),
    )


ALERTS = ["编号", "等级", "状态", "规则", "规则名称", "对象", "奖补编号", "受补主体编号", "市",
          "项目类别", "情况", "处理", "依据条款", "金额", "首次发现", "最近发现（截至）",
          "确认人", "确认说明"]  # fmt: skip


def alerts_export(session: Session, *, city: str | None = None) -> Export:
    """The open and acknowledged alerts, worst first."""
    rows = [
        dict(
            zip(
                ALERTS,
                (
                    a.key,
                    labels.label(labels.SEVERITY, a.severity),
                    labels.label(labels.ALERT_STATE, a.state),
                    a.rule,
                    rule_title(a.rule),
                    a.subject,
                    a.award,
                    a.recipient,
                    a.city,
                    labels.programme(a.programme) if a.programme else "",
                    a.message,
                    a.action,
                    a.clause,
                    amounts_text(a.amounts),
                    a.first_seen_as_of.isoformat(),
                    a.last_seen_as_of.isoformat(),
                    a.acknowledged_by or "",
                    a.ack_comment or "",
                ),
                strict=True,
            )
        )
        for a in open_alerts(session, city)
    ]
    report = stamp(session, "合规预警 Alerts", last_scan_date(session) or date.today())
    return Export("合规预警 Alerts", report, [Sheet("alerts", "预警", frame(rows, ALERTS))])


PLAN_AWARDS = ["编号", "名称", "项目类别", "级别", "市", "产业", "资金", "评分", "起始年",
               f"金额{YUAN}", f"金额{WAN}", "分期（年度:万元）"]  # fmt: skip
PLAN_YEARS = ["资金", "年度", f"预算{WAN}", f"预留{WAN}", f"既有拨付预计{WAN}", f"新增{WAN}",
              f"结余{WAN}"]  # fmt: skip
PLAN_GROUPS = ["分组", "名称", "个数", f"新增{WAN}", "占比（%）"]
PLAN_WHY = ["编号", "是否资助", "原因", "方法"]


def plan_export(session: Session, run_id: int) -> Export:
    """A stored planner run's results: funded candidates, fund-years, groups, explanations."""
    run = get_run(session, run_id)
    body = results_of(run)
    plan = body.get("plan") or {"awards": [], "years": [], "cities": [], "industries": []}
    awards = [
        dict(
            zip(
                PLAN_AWARDS,
                (
                    a["candidate"],
                    a["name"],
                    labels.programme(a["programme"]),
                    labels.label(labels.TIER, a.get("tier", "")),
                    a["city"],
                    a["industry"],
                    a["fund"],
                    a["score"],
                    a["start"],
                    yuan(a["amount"]),
                    wan(a["amount"]),
                    "; ".join(f"{y}:{wan(v)}" for y, v in a["stages"]),
                ),
                strict=True,
            )
        )
        for a in plan["awards"]
    ]
    years = [
        _row(PLAN_YEARS, y["fund"], y["year"], *(wan(y[k]) for k in YEAR_FIGURES))
        for y in plan["years"]
    ]
    groups = [
        _row(PLAN_GROUPS, kind, g["group"], g["awards"], wan(g["amount"]), g["share_pct"])
        for kind, key in (("市", "cities"), ("产业", "industries"))
        for g in plan[key]
    ]
    why = [
        _row(PLAN_WHY, e["candidate"], "是" if e["funded"] else "否", e["reason"], e["method"])
        for e in body.get("explanations") or []
    ]
    title = f"资金分配方案 Plan run {run_id}: {run.scenario_name}"
    report = stamp(session, title, run.created_at.date())
    sheets = [
        Sheet("awards", "资助对象", frame(awards, PLAN_AWARDS)),
        Sheet("years", "年度资金", frame(years, PLAN_YEARS)),
        Sheet("groups", "按市与产业", frame(groups, PLAN_GROUPS)),
        Sheet("explanations", "原因说明", frame(why, PLAN_WHY)),
    ]
    return Export(title, report, sheets)


YEAR_FIGURES = ("budget", "reserve", "existing", "new", "slack")


def _row(columns: list[str], *values: Any) -> dict[str, Any]:
    return dict(zip(columns, values, strict=True))
