"""Rules about amounts: the 80 % pass-through floor, budgets, and the bookkeeping limits.

Each function is pure: a snapshot in, findings out. Amounts in findings are integer 分;
messages give them in 元 or 万元 the way officers read them.
"""

from __future__ import annotations

from datetime import timedelta

from funds.compliance.findings import Finding, Severity, award_finding, percent
from funds.compliance.snapshot import AwardView, Snapshot
from funds.money import format_wan, format_yuan, percent_of
from funds.policy import Programme

PACE_MIN_DAYS = 30
"""The 80 % projection needs at least this many days since the first receipt to have a pace."""


def pass_through_80(snapshot: Snapshot) -> list[Finding]:
    """ZONE-GUIDE 评估管理: at least 80 % of the grant is passed on to enterprises.

    Red when the grant period is over (31 December of the last stage's year) below 80 % of
    the money received, or when the recipient's own spending already exceeds 20 % of it
    (80 % can then no longer be met). Orange when, at the straight-line pace of pass-through
    since the first receipt, the total passed on by the period's end will be short of 80 % of
    the money the award will have paid (its amount less cancelled or forfeited stages).
    Exited awards are left to the recovery rules: their money is being recovered.
    """
    found = []
    for award in snapshot.awards:
        rules = award.rules
        floor = rules.min_pass_through_percent
        if floor is None or not award.active or award.paid == 0:
            continue
        finding = _pass_through(snapshot, award, floor)
        if finding is not None:
            found.append(finding)
    return found


def _pass_through(snapshot: Snapshot, award: AwardView, floor: int) -> Finding | None:
    received, passed, own = award.paid, award.passed_on, award.own_use
    amounts = {"received": received, "passed_on": passed, "own_use": own}
    need = percent_of(received, floor, 100)
    if own * 100 > received * (100 - floor):
        return award_finding(
            "pass-through-80",
            award,
            Severity.RED,
            f"{award.code} {award.recipient_name}: 自用 {format_yuan(own)} 元 已占到位资金"
            f" {format_yuan(received)} 元 的 {percent(own, received)}，超过 {100 - floor}%，"
            f"下达企业不低于 {floor}% 已无法达到 / own spending already exceeds"
            f" {100 - floor} % of the money received, so {floor} % pass-through is impossible",
            "责令退回超出部分或调整为下达企业的用途，并说明原因 / have the excess own spending"
            " returned or re-purposed and explained",
            amounts={**amounts, "excess_own_use": own - (received - need)},
        )
    if snapshot.as_of > award.period_end:
        if passed >= need:
            return None
        return award_finding(
            "pass-through-80",
            award,
            Severity.RED,
            f"{award.code} {award.recipient_name}: 奖补期已于 {award.period_end} 结束，下达企业"
            f" {format_yuan(passed)} 元，仅为到位资金 {format_yuan(received)} 元 的"
            f" {percent(passed, received)}（应不低于 {floor}%，差 {format_yuan(need - passed)} 元）"
            f" / grant period over with {percent(passed, received)} passed on",
            "督促创建主体补足下达企业资金，或启动收回 / have the shortfall passed on or recovered",
            amounts={**amounts, "required": need, "shortfall": need - passed},
        )
    return _projection(snapshot, award, floor, amounts)


def _projection(
    snapshot: Snapshot, award: AwardView, floor: int, amounts: dict[str, int]
) -> Finding | None:
    first = award.first_paid_on
    assert first is not None
    elapsed = (snapshot.as_of - first).days
    if elapsed < PACE_MIN_DAYS:
        return None
    remaining = (award.period_end - snapshot.as_of).days
    expected = award.amount - award.closed
    passed = amounts["passed_on"]
    projected = min(passed + passed * remaining // elapsed, expected - amounts["own_use"])
    target = percent_of(expected, floor, 100)
    if projected >= target:
        return None
    return award_finding(
        "pass-through-80",
        award,
        Severity.ORANGE,
        f"{award.code} {award.recipient_name}: 按自首笔到位资金（{first}）以来 {elapsed} 天"
        f" 下达企业 {format_wan(passed)} 的匀速进度推算，至 {award.period_end} 约下达"
        f" {format_wan(projected)}，为应到位 {format_wan(expected)} 的"
        f" {percent(projected, expected)}，"
        f"低于 {floor}% / at the straight-line pace since the first receipt the pass-through"
        f" will reach about {percent(projected, expected)} by the end of the grant period",
        f"督促加快下达企业进度，至少还需下达 {format_yuan(target - passed)} 元 / speed up"
        " pass-through to enterprises",
        amounts={**amounts, "expected": expected, "projected": projected, "required": target},
    )


def fund_year_budget(snapshot: Snapshot) -> list[Finding]:
    """ADV-MEASURES 第十二条 / ZONE-GUIDE: payments and commitments stay within the budget."""
    found = []
    for fy in snapshot.fund_years:
        drawn = fy.paid + fy.committed
        if drawn <= fy.budget:
            continue
        over = "payments" if fy.paid > fy.budget else "commitments"
        found.append(
            Finding(
                rule="fund-year-budget",
                subject=f"{fy.fund}:{fy.year}",
                severity=Severity.RED,
                message=f"{fy.fund} {fy.year} 年度预算 {format_yuan(fy.budget)} 元，已拨付"
                f" {format_yuan(fy.paid)} 元、已承诺未拨付 {format_yuan(fy.committed)} 元，超出"
                f" {format_yuan(drawn - fy.budget)} 元 / {over} exceed the annual budget",
                action="核对预算调整与承诺记录，追加预算或取消超出的承诺 / amend the budget or"
                " release the excess commitments",
                amounts={
                    "budget": fy.budget,
                    "paid": fy.paid,
                    "committed": fy.committed,
                    "excess": drawn - fy.budget,
                },
            )
        )
    return found


def paid_above_awarded(snapshot: Snapshot) -> list[Finding]:
    """Bookkeeping: an award never pays more than it awards (stage records and the ledger)."""
    found = []
    for award in snapshot.awards:
        paid = max(award.paid, award.ledger.received)
        if paid <= award.amount:
            continue
        found.append(
            award_finding(
                "paid-above-awarded",
                award,
                Severity.RED,
                f"{award.code}: 已拨付 {format_yuan(paid)} 元，超过奖补总额"
                f" {format_yuan(award.amount)} 元 / paid above the amount awarded",
                "核对拨付凭证，冲正多拨款项 / check the release vouchers and reverse the excess",
                amounts={
                    "awarded": award.amount,
                    "paid_stages": award.paid,
                    "paid_ledger": award.ledger.received,
                    "excess": paid - award.amount,
                },
            )
        )
    return found


def used_above_received(snapshot: Snapshot) -> list[Finding]:
    """Bookkeeping: passed on + spent never exceed the money the recipient received."""
    found = []
    for award in snapshot.awards:
        used = award.passed_on + award.own_use
        if used <= award.paid and award.ledger.held >= 0:
            continue
        found.append(
            award_finding(
                "used-above-received",
                award,
                Severity.RED,
                f"{award.code}: 下达企业与自用合计 {format_yuan(used)} 元，超过到位资金"
                f" {format_yuan(award.paid)} 元 / passed on plus spent exceed the money held",
                "核对使用凭证与拨付记录，冲正多记的使用 / reconcile use records with releases",
                amounts={
                    "received": award.paid,
                    "used": used,
                    "held_ledger": award.ledger.held,
                    "excess": used - award.paid,
                },
            )
        )
    return found


def recovered_above_due(snapshot: Snapshot) -> list[Finding]:
    """Bookkeeping: repayments and write-offs never exceed the receivable raised."""
    found = []
    for award in snapshot.awards:
        due = award.termination.recoverable if award.termination else 0
        settled = sum(r.amount for r in award.recoveries)
        if settled <= due and award.ledger.receivable >= 0:
            continue
        found.append(
            award_finding(
                "recovered-above-due",
                award,
                Severity.RED,
                f"{award.code}: 已收回及核销 {format_yuan(settled)} 元，超过应收回"
                f" {format_yuan(due)} 元 / recovered above what is due",
                "核对收回凭证，退还或冲正多收部分 / refund or reverse the excess",
                amounts={"due": due, "settled": settled, "excess": settled - due},
            )
        )
    return found


def recovery_overdue(snapshot: Snapshot) -> list[Finding]:
    """ZONE-GUIDE 评估管理 (已拨付财政资金予以收回): recovery outstanding past its due date.

    The due date is the termination's (the programme's ``recovery_due_days`` after the exit,
    90 by default). Orange in the 30 days before it, red after it.
    """
    found = []
    for award in snapshot.awards:
        term = award.termination
        if term is None or term.recoverable == 0:
            continue
        settled = sum(r.amount for r in award.recoveries)
        outstanding = term.recoverable - settled
        due = term.recovery_due or term.effective_date + timedelta(
            days=award.rules.recovery_due_days
        )
        days = (due - snapshot.as_of).days
        if outstanding <= 0 or days > 30:
            continue
        late = days < 0
        found.append(
            award_finding(
                "recovery-overdue",
                award,
                Severity.RED if late else Severity.ORANGE,
                f"{award.code} {award.recipient_name}: 应收回 {format_yuan(term.recoverable)} 元，"
                f"尚欠 {format_yuan(outstanding)} 元，"
                + (
                    f"已逾期 {-days} 天（应于 {due} 前收回）"
                    if late
                    else f"{due} 到期（还有 {days} 天）"
                )
                + f" / recovery {'overdue since' if late else 'due on'} {due}",
                "发函催收，必要时报请财政扣回 / demand repayment in writing; escalate for"
                " withholding if unpaid",
                amounts={"recoverable": term.recoverable, "outstanding": outstanding},
            )
        )
    return found


ZONE_ONLY = (Programme.SERVICE_ZONE,)
