"""Rules about the life of an award: gates, exits, assessments, rectification, reports.

Each function is pure: a snapshot in, findings out. Several of these can only fire if a
record was changed behind the services' back (the services refuse the breach); the rules
prove, every night, that it did not happen.
"""

from __future__ import annotations

from datetime import date, timedelta

from funds.compliance.findings import Finding, Severity, award_finding
from funds.compliance.snapshot import AwardView, Snapshot, StageView
from funds.money import format_yuan
from funds.policy import Gate, Programme

SOON_DAYS = 30
"""Deadlines this close (rectification, reports, recovery) raise an orange finding."""
EXPIRY_NOTICE_DAYS = 90
"""A county recognition expiring this soon raises an orange finding."""
QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))


def stage_without_gate(snapshot: Snapshot) -> list[Finding]:
    """ADV-OPINION §二十一 / ZONE-GUIDE: no stage is paid before its gate holds.

    The first stage needs the recognition (paid on or after the grant, before a county
    recognition expires); the others a passing (优秀 or 合格) final assessment of the stage's
    year known on the day it was paid; none is paid before 1 January of its budget year.
    """
    found = []
    for award in snapshot.awards:
        for stage in award.stages:
            problem = _gate_problem(award, stage) if stage.status == "paid" else None
            if problem:
                found.append(
                    award_finding(
                        "stage-without-gate",
                        award,
                        Severity.RED,
                        f"{award.code} 第{stage.seq}期（{stage.year}年，"
                        f"{format_yuan(stage.amount)} 元）于 {stage.paid_on} 拨付，但{problem}",
                        "暂停后续拨付，查明审批过程，必要时收回该期资金 / stop further"
                        " releases, investigate the approval, recover the stage if unjustified",
                        part=f"#{stage.seq}",
                        amounts={"stage": stage.amount},
                    )
                )
    return found


def _gate_problem(award: AwardView, stage: StageView) -> str | None:
    paid_on = stage.paid_on
    assert paid_on is not None
    if paid_on < award.granted_on:
        return f"早于认定日期 {award.granted_on} / paid before the recognition"
    if paid_on.year < stage.year:
        return (
            f"早于其预算年度 {stage.year} 年 / paid before {stage.year}-01-01, the start of the"
            " year whose budget carries it"
        )
    if award.recognition_expires is not None and paid_on > award.recognition_expires:
        return f"认定已于 {award.recognition_expires} 到期 / paid after the recognition expired"
    result = award.final_assessment(stage.year, paid_on)
    if stage.gate != Gate.ASSESSMENT:  # only a failure on record before the day it was paid
        result = award.final_assessment(stage.year, paid_on - timedelta(days=1))
    if stage.gate == Gate.ASSESSMENT and result is None:
        return (
            f"{stage.year}年度考核为「无考核结果」/ paid without a passing {stage.year} assessment"
        )
    if result is not None and not result.grade.passes:
        return (
            f"{stage.year}年度考核为「{result.grade.label}」/ paid in a year whose assessment"
            " failed"
        )
    return None


def paid_after_exit(snapshot: Snapshot) -> list[Finding]:
    """ZONE-GUIDE (不予下达剩余奖补) / ADV-MEASURES 第十四条: nothing is paid after exit."""
    found = []
    for award in snapshot.awards:
        if award.ended_on is None:
            continue
        for stage in award.stages:
            if stage.paid_on is not None and stage.paid_on >= award.ended_on:
                found.append(
                    award_finding(
                        "paid-after-exit",
                        award,
                        Severity.RED,
                        f"{award.code} 已于 {award.ended_on} {award.status}，第{stage.seq}期"
                        f" {format_yuan(stage.amount)} 元 仍于 {stage.paid_on} 拨付 /"
                        " a stage was paid to an exited or revoked recipient",
                        "立即收回该期资金并查明原因 / recover the stage at once and investigate",
                        part=f"#{stage.seq}",
                        amounts={"stage": stage.amount},
                    )
                )
    return found


def rectification_due(snapshot: Snapshot) -> list[Finding]:
    """ZONE-GUIDE 评估管理: an unqualified zone rectifies within 3 months and is re-assessed.

    Orange in the 30 days before the due date, red once it has passed with no re-assessment
    and no rectification materials submitted; orange while materials submitted in time
    await the re-assessment.
    """
    found = []
    for award in snapshot.awards:
        if not award.active:
            continue
        for result in award.assessments:
            due = result.rectification_due
            latest = award.final_assessment(result.year)
            if due is None or latest is not result:
                continue
            days = (due - snapshot.as_of).days
            if days > SOON_DAYS:
                continue
            submitted = award.rectified.get(result.year)
            if submitted is not None:  # in time: the province's re-assessment is what is due
                found.append(
                    award_finding(
                        "rectification-due",
                        award,
                        Severity.ORANGE,
                        f"{award.code} {award.recipient_name}: {result.year}年度评估不合格，"
                        f"整改材料已于 {submitted} 报送，待省厅复评 / rectification materials"
                        f" submitted {submitted}; awaiting the re-assessment",
                        "组织复评；复评仍不合格的退出创建 / hold the re-assessment; a second"
                        " 不合格 exits the zone",
                        part=f":{result.year}",
                    )
                )
                continue
            late = days < 0
            found.append(
                award_finding(
                    "rectification-due",
                    award,
                    Severity.RED if late else Severity.ORANGE,
                    f"{award.code} {award.recipient_name}: {result.year}年度评估不合格，整改期限"
                    f" {due}"
                    + (f" 已过 {-days} 天仍未复评" if late else f"，还有 {days} 天")
                    + f" / rectification {'overdue, no re-assessment' if late else 'due'} {due}",
                    "组织整改复评；复评仍不合格的退出创建 / hold the re-assessment; a second"
                    " 不合格 exits the zone",
                    part=f":{result.year}",
                )
            )
    return found


def _assessed_years(award: AwardView) -> list[int]:
    return sorted({s.year for s in award.stages if s.gate == Gate.ASSESSMENT})


def assessment_missing(snapshot: Snapshot) -> list[Finding]:
    """ZONE-GUIDE (不参加评估的视为不合格) / ADV-OPINION §二十二: every year is assessed.

    Red for a stage year whose assessment deadline (a programme setting, 31 December of the
    year by default) has passed with no result recorded.
    """
    found = []
    for award in snapshot.awards:
        if not award.active:
            continue
        month, day = award.rules.assessment_due
        for year in _assessed_years(award):
            deadline = date(year, month, day)
            if deadline >= snapshot.as_of or award.final_assessment(year) is not None:
                continue
            found.append(
                award_finding(
                    "assessment-missing",
                    award,
                    Severity.RED,
                    f"{award.code} {award.recipient_name}: {year}年度考核截止 {deadline}，"
                    "未录入考核结果（视为不合格）/ no assessment recorded for"
                    f" {year}; its deadline has passed",
                    "录入考核结果，或运行 apply-deadlines 按不合格处理 / record the result or"
                    " apply the deadline (counts as unqualified)",
                    part=f":{year}",
                )
            )
    return found


def consecutive_failures(snapshot: Snapshot) -> list[Finding]:
    """ADV-MEASURES 第十四条: two consecutive failed assessments revoke the title.

    Red when any two consecutive years both failed (whatever order they were recorded in) and
    the cluster is still active; yellow when the latest one failed (one more failure revokes).
    """
    found = []
    for award in snapshot.awards:
        limit = award.rules.revoke_after_consecutive_failures
        if not limit or not award.active or not award.assessments:
            continue
        streak, latest_year = _longest_failed_run(award)
        red = streak >= limit
        if not red:
            latest_year = max(a.year for a in award.assessments)
            streak = _failed_run_ending(award, latest_year)
        if streak == 0:
            continue
        found.append(
            award_finding(
                "consecutive-failures",
                award,
                Severity.RED if red else Severity.YELLOW,
                f"{award.code} {award.recipient_name}: 截至{latest_year}年"
                f"连续 {streak} 年未通过考核"
                + ("，应撤销称号但尚未处理" if red else "，再有一年未通过将撤销称号")
                + f" / {streak} consecutive failed assessment(s)",
                "按程序撤销集群称号并取消未拨付资金 / revoke the title and cancel unpaid stages"
                if red
                else "督促集群整改，确保下一年度考核通过 / follow up so the next year passes",
            )
        )
    return found


def _failed_run_ending(award: AwardView, year: int) -> int:
    streak = 0
    while True:
        result = award.final_assessment(year - streak)
        if result is None or result.grade.passes:
            return streak
        streak += 1


def _longest_failed_run(award: AwardView) -> tuple[int, int]:
    """The longest run of consecutive failed years (in any order recorded) and its last year."""
    years = sorted({a.year for a in award.assessments})
    best = (0, 0)
    for year in years:
        streak = _failed_run_ending(award, year)
        if streak > best[0]:
            best = (streak, year)
    return best


def zone_stage_after_validity(snapshot: Snapshot) -> list[Finding]:
    """ZONE-GUIDE 附则: the guideline is valid until 2027-12-31; no stage may fall after it."""
    found = []
    for award in snapshot.awards:
        until = award.rules.valid_until
        if until is None:
            continue
        for stage in award.stages:
            if stage.year > until.year and stage.status not in ("cancelled", "forfeited"):
                found.append(
                    award_finding(
                        "zone-stage-after-validity",
                        award,
                        Severity.RED,
                        f"{award.code} 第{stage.seq}期计划于 {stage.year} 年，超出导则有效期"
                        f"（{until}）/ stage planned after the guideline's validity",
                        "调整分期计划至 2027 年以内，或取消该期 / re-plan or cancel the stage",
                        part=f"#{stage.seq}",
                        amounts={"stage": stage.amount},
                    )
                )
    return found


def _quarters(award: AwardView, as_of: date) -> list[tuple[str, date]]:
    """Quarters from the grant's to the end of the grant period, with their due dates."""
    out = []
    last = min(award.period_end, award.ended_on or award.period_end)
    for year in range(award.granted_on.year, last.year + 1):
        for q, (month, day) in enumerate(QUARTER_ENDS, start=1):
            due = date(year, month, day)
            if due >= award.granted_on and due <= last and (due - as_of).days <= SOON_DAYS:
                out.append((f"{year}Q{q}", due))
    return out


def _report_finding(
    rule: str, award: AwardView, period: str, due: date, as_of: date, what: str
) -> Finding:
    days = (due - as_of).days
    late = days < 0
    return award_finding(
        rule,
        award,
        Severity.RED if late else Severity.ORANGE,
        f"{award.code} {award.recipient_name}: {period} {what}应于 {due} 前报送，"
        + (f"已逾期 {-days} 天" if late else f"还有 {days} 天")
        + f" / {period} report {'overdue since' if late else 'due on'} {due}",
        "催报并录入报送日期 / chase the report and record its submission",
        part=f":{period}",
    )


def _late_finding(
    rule: str, award: AwardView, period: str, due: date, filed: date, what: str
) -> Finding:
    """Yellow: the report came, after its due date (the record keeps that it was late)."""
    days = (filed - due).days
    return award_finding(
        rule,
        award,
        Severity.YELLOW,
        f"{award.code} {award.recipient_name}: {period} {what}应于 {due} 前报送，{filed} 才报送，"
        f"迟报 {days} 天 / {period} report filed {filed}, {days} days after its due date {due}",
        "核实迟报原因并存档 / note why it was late",
        part=f":{period}",
    )


def _report_or_late(
    rule: str, award: AwardView, period: str, due: date, as_of: date, what: str
) -> Finding | None:
    filed = award.reports.get(period)
    if filed is None:
        return _report_finding(rule, award, period, due, as_of, what)
    return _late_finding(rule, award, period, due, filed, what) if filed > due else None


def zone_quarterly_report(snapshot: Snapshot) -> list[Finding]:
    """ZONE-GUIDE 评估管理: a progress report at the end of every quarter.

    Due on the quarter's last day; orange in the 30 days before, red after it; yellow once
    filed late (the alert stays, as a record that it came late).
    """
    found = []
    for award in snapshot.awards:
        if not award.rules.quarterly_report or not award.active:
            continue
        for period, due in _quarters(award, snapshot.as_of):
            finding = _report_or_late(
                "zone-quarterly-report", award, period, due, snapshot.as_of, "季度进展报告"
            )
            if finding is not None:
                found.append(finding)
    return found


def county_annual_report(snapshot: Snapshot) -> list[Finding]:
    """COUNTY-PLAN 附件4 第八条: last year's report by 30 March every year (orange before,
    red after, yellow once filed late)."""
    found = []
    for award in snapshot.awards:
        due_on = award.rules.annual_report_due
        if due_on is None or not award.active:
            continue
        for year in range(award.granted_on.year, snapshot.as_of.year + 1):
            due = date(year + 1, *due_on)
            if (due - snapshot.as_of).days > SOON_DAYS:
                continue
            finding = _report_or_late(
                "county-annual-report", award, str(year), due, snapshot.as_of, "年度发展情况"
            )
            if finding is not None:
                found.append(finding)
    return found


def county_recognition_expiry(snapshot: Snapshot) -> list[Finding]:
    """COUNTY-PLAN 附件4 第六条: recognition lasts 3 years; a review (复核) extends it.

    Orange within 90 days of expiry; red once expired while the award is still active.
    """
    found = []
    for award in snapshot.awards:
        expires = award.recognition_expires
        if expires is None or not award.active or award.programme != Programme.COUNTY_CLUSTER:
            continue
        days = (expires - snapshot.as_of).days
        if days > EXPIRY_NOTICE_DAYS:
            continue
        late = days < 0  # the expiry date is the last valid day
        found.append(
            award_finding(
                "county-recognition-expiry",
                award,
                Severity.RED if late else Severity.ORANGE,
                f"{award.code} {award.recipient_name}: 集群认定有效期至 {expires}，"
                + ("已到期未复核" if late else f"还有 {days} 天到期")
                + f" / recognition {'expired' if late else 'expires'} {expires}",
                "组织复核；复核通过的有效期延长3年 / hold the review (复核) to extend it by"
                " 3 years",
            )
        )
    return found
