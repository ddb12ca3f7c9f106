"""Worked examples from an audit of the engine against ../shared/policy/: the dates an
exit, a repayment or a report may carry, and edges of rectification, consecutive failures
and the report deadlines, each citing its clause."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from factories import FUND, cluster_award, credit_code, release, world, zone_award
from funds import grants
from funds.compliance import load_snapshot
from funds.compliance.rules_lifecycle import (
    consecutive_failures,
    county_annual_report,
    rectification_due,
    stage_without_gate,
    zone_quarterly_report,
)
from funds.errors import InvalidInput
from funds.grants.errors import BudgetShortfall, GateNotMet, RuleBreach
from funds.grants.models import Award
from funds.policy import (
    CLAUSES,
    WAN,
    YI,
    CountyClusterFacts,
    ExitReason,
    Grade,
    Programme,
    canonical,
)


@pytest.fixture
def books(session: Session) -> Session:
    world(session)
    return session


def assess(session: Session, code: str, year: int, grade: str, on: date, **kw: bool) -> list[str]:
    done = grants.record_assessment(
        session, award=code, year=year, grade=grade, on=on, actor="province", **kw
    )
    return [c.action for c in done]


def severities(rule_findings: list, subject: str) -> list[str]:  # type: ignore[type-arg]
    return [str(f.severity) for f in rule_findings if f.subject == subject]


# -- ZONE-GUIDE 评估管理: 退出集聚区创建的，不予下达剩余奖补，并对已拨付财政资金予以收回 ------
# An exit dated before money already paid or used would leave that money paid to a zone
# that had left (不予下达剩余奖补); dated before the recognition it cannot have happened.


def test_an_exit_dated_before_a_payment_already_made_is_refused_naming_the_date(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    with pytest.raises(InvalidInput, match="2025-04-01") as info:
        grants.terminate(
            books, award=award.code, reason="主动退出", on=date(2025, 3, 15), actor="p"
        )
    assert info.value.field == "on"
    assert grants.award_statement(books, award.code).status == "active"
    with pytest.raises(InvalidInput, match="2025-04-01"):  # paid on the exit day = after it
        grants.terminate(books, award=award.code, reason="主动退出", on=date(2025, 4, 1), actor="p")
    done = grants.terminate(
        books, award=award.code, reason="主动退出", on=date(2025, 4, 2), actor="p"
    )
    assert [c.action for c in done] == ["exit", "cancel", "recover"]
    assert grants.award_statement(books, award.code).receivable == 400 * WAN


def test_an_exit_dated_before_a_pass_through_already_recorded_is_refused(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.record_pass_through(
        books,
        award=award.code,
        enterprise=credit_code(1),
        amount=100 * WAN,
        purpose="培育服务型制造标杆企业",
        on=date(2025, 6, 1),
        actor="zone-officer",
    )
    with pytest.raises(InvalidInput, match="2025-06-01"):
        grants.terminate(books, award=award.code, reason="主动退出", on=date(2025, 5, 1), actor="p")


def test_an_exit_or_revocation_dated_before_the_recognition_is_refused(books: Session) -> None:
    zone = zone_award(books)
    cluster = cluster_award(books)
    for code, reason in ((zone.code, "主动退出"), (cluster.code, "弄虚作假")):
        with pytest.raises(InvalidInput, match="before its recognition"):
            grants.terminate(books, award=code, reason=reason, on=date(2025, 2, 28), actor="p")


def test_a_repayment_cannot_be_dated_before_the_exit_that_raised_the_receivable(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.terminate(books, award=award.code, reason="主动退出", on=date(2025, 6, 1), actor="p")
    with pytest.raises(InvalidInput, match="2025-06-01") as info:
        grants.record_recovery(books, award=award.code, amount=WAN, on=date(2025, 5, 31), actor="p")
    assert info.value.field == "on"
    grants.record_recovery(books, award=award.code, amount=WAN, on=date(2025, 6, 1), actor="p")
    assert grants.award_statement(books, award.code).receivable == 399 * WAN


# -- ZONE-GUIDE 评估管理: 每季度末向省工业和信息化厅报送; COUNTY-PLAN 附件4 第八条 -------------


def test_a_quarterly_report_is_given_at_the_quarters_end_not_before(books: Session) -> None:
    award = zone_award(books)  # granted 2025-03-01
    for period, on in (("2025Q3", date(2025, 5, 1)), ("2025Q3", date(2025, 8, 30))):
        with pytest.raises(InvalidInput, match="due at the end of the period") as info:
            grants.record_report(books, award=award.code, period=period, on=on, actor="z")
        assert info.value.field == "on"
    grants.record_report(books, award=award.code, period="2025Q3", on=date(2025, 8, 31), actor="z")
    grants.record_report(books, award=award.code, period="2025Q2", on=date(2025, 6, 30), actor="z")


def test_no_report_is_taken_for_a_period_that_ended_before_the_recognition(
    books: Session,
) -> None:
    award = zone_award(books)  # granted 2025-03-01: 2025Q1 is due, 2024Q4 was not
    with pytest.raises(InvalidInput, match="no report is due on 2024Q4") as info:
        grants.record_report(
            books, award=award.code, period="2024Q4", on=date(2025, 3, 20), actor="z"
        )
    assert info.value.field == "period"
    grants.record_report(books, award=award.code, period="2025Q1", on=date(2025, 3, 20), actor="z")


def test_the_quarterly_report_is_due_on_the_quarters_last_day(books: Session) -> None:
    award = zone_award(books)  # granted 2025-03-01
    subject = f"{award.code}:2025Q1"
    assert severities(zone_quarterly_report(load_snapshot(books, date(2025, 3, 31))), subject) == [
        "orange"
    ]
    assert severities(zone_quarterly_report(load_snapshot(books, date(2025, 4, 1))), subject) == [
        "red"
    ]
    grants.record_report(books, award=award.code, period="2025Q1", on=date(2025, 3, 31), actor="z")
    assert severities(zone_quarterly_report(load_snapshot(books, date(2025, 4, 1))), subject) == []


def county_award(session: Session) -> str:
    facts = CountyClusterFacts(
        revenue=100 * YI,
        leading_enterprises=1,
        quality_enterprises=50,
        rd_intensity_percent=Decimal("2.2"),
    )
    return grants.grant_award(
        session,
        programme=Programme.COUNTY_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        amount=300 * WAN,
        granted_on=date(2025, 3, 1),
        stages=[grants.StagePlan(2025, 300 * WAN)],
        actor="finance-a",
        county=facts,
    ).code


def test_the_county_annual_report_is_due_on_30_march_itself(books: Session) -> None:
    code = county_award(books)
    subject = f"{code}:2025"
    on_the_day = county_annual_report(load_snapshot(books, date(2026, 3, 30)))
    assert severities(on_the_day, subject) == ["orange"]
    assert severities(county_annual_report(load_snapshot(books, date(2026, 3, 31))), subject) == [
        "red"
    ]
    for period, on in (("2026", date(2025, 12, 1)), ("2025", date(2025, 12, 31))):  # 上一年度
        with pytest.raises(InvalidInput, match="once the year is over"):
            grants.record_report(books, award=code, period=period, on=on, actor="c")
    grants.record_report(books, award=code, period="2025", on=date(2026, 3, 30), actor="c")
    assert severities(county_annual_report(load_snapshot(books, date(2026, 3, 31))), subject) == []


# -- ZONE-GUIDE 评估管理: 评估不合格的，需在3个月内完成整改……整改后评估仍不合格的，退出 -------


def test_a_result_of_30_april_is_rectified_by_30_july_and_overdue_on_31_july(
    books: Session,
) -> None:
    award = zone_award(books)
    assess(books, award.code, 2026, "不合格", date(2026, 4, 30))
    subject = f"{award.code}:2026"
    assert severities(rectification_due(load_snapshot(books, date(2026, 7, 30))), subject) == [
        "orange"
    ]
    assert severities(rectification_due(load_snapshot(books, date(2026, 7, 31))), subject) == [
        "red"
    ]
    assert grants.apply_deadlines(books, as_of=date(2026, 7, 30)) == []
    done = grants.apply_deadlines(books, as_of=date(2026, 7, 31))
    assert done[0].action == "exit"
    assert "2026-07-31" in done[0].detail


def test_a_rectified_zone_that_fails_next_year_rectifies_again_and_does_not_exit(
    books: Session,
) -> None:
    award = zone_award(books)  # stages 2025, 2026, 2027
    assert assess(books, award.code, 2026, "不合格", date(2026, 4, 30)) == ["rectify"]
    assert assess(books, award.code, 2026, "合格", date(2026, 7, 30), reassessment=True) == []
    release(books, award.code, 2, date(2026, 8, 1))
    # 整改后评估仍不合格 is the re-assessment only: a new year's 不合格 is a first failure.
    assert assess(books, award.code, 2027, "不合格", date(2027, 4, 30)) == ["rectify"]
    assert grants.award_statement(books, award.code).status == "active"


def test_not_taking_part_in_the_reassessment_exits_the_zone_and_recovers_what_was_paid(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    assess(books, award.code, 2026, "不合格", date(2026, 4, 30))
    done = assess(
        books, award.code, 2026, Grade.NOT_SUBMITTED, date(2026, 7, 20), reassessment=True
    )
    assert done == ["exit", "cancel", "recover"]
    result = grants.award_statement(books, award.code)
    assert (result.status, result.receivable) == ("exited", 400 * WAN)


# -- ADV-MEASURES 第十四条: 连续两年未通过考核 ------------------------------------------------


def test_fail_pass_fail_raises_only_the_one_more_failure_warning(books: Session) -> None:
    award = cluster_award(books, granted_on=date(2024, 3, 1))
    assess(books, award.code, 2024, "不合格", date(2024, 12, 1))
    assess(books, award.code, 2025, "合格", date(2025, 12, 1))
    assess(books, award.code, 2026, "不合格", date(2026, 12, 1))
    found = consecutive_failures(load_snapshot(books, date(2026, 12, 2)))
    assert severities(found, award.code) == ["yellow"]
    assert grants.award_statement(books, award.code).status == "active"


# -- ZONE-GUIDE 评估管理: 评估优秀的推荐申报工业和信息化部服务型制造创新发展高地 ----------------


def test_an_excellent_zone_is_recommended_to_the_ministry_and_a_qualified_one_is_not(
    books: Session,
) -> None:
    award = zone_award(books)
    done = grants.record_assessment(
        books, award=award.code, year=2025, grade="优秀", on=date(2025, 11, 1), actor="p"
    )
    assert [c.action for c in done] == ["recommend"]
    assert "服务型制造创新发展高地" in done[0].detail
    assert assess(books, award.code, 2026, "合格", date(2026, 11, 1)) == []
    cluster = cluster_award(books)
    assert assess(books, cluster.code, 2025, "优秀", date(2025, 11, 1)) == []


# ZONE-GUIDE 评估管理: 需在3个月内完成整改，并在整改时限内再次提交评价材料……重新组织评估.
# With no re-assessment by the due date the zone exits the day after (apply_deadlines); a
# re-assessment dated later must not save it only because the deadlines had not yet run.
def test_a_reassessment_dated_after_the_rectification_period_is_refused(books: Session) -> None:
    award = zone_award(books)
    assess(books, award.code, 2026, "不合格", date(2026, 4, 30))  # due 2026-07-30
    with pytest.raises(RuleBreach, match="2026-07-30") as info:
        assess(books, award.code, 2026, "合格", date(2026, 7, 31), reassessment=True)
    assert info.value.rule == "reassessment-within-rectification"
    assert assess(books, award.code, 2026, "合格", date(2026, 7, 30), reassessment=True) == []
    assert grants.apply_deadlines(books, as_of=date(2026, 8, 1)) == []


def test_a_late_reassessment_leaves_the_zone_to_exit_the_day_after_its_due_date(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    assess(books, award.code, 2026, "不合格", date(2026, 4, 30))
    with pytest.raises(RuleBreach):
        assess(books, award.code, 2026, "优秀", date(2026, 9, 1), reassessment=True)
    done = grants.apply_deadlines(books, as_of=date(2026, 9, 1))
    assert [c.action for c in done][:3] == ["exit", "cancel", "recover"]
    result = grants.award_statement(books, award.code)
    assert (result.status, result.receivable) == ("exited", 400 * WAN)


# COUNTY-PLAN 附件4 第六条: 每次有效期满后……复核，复核通过的有效期延长3年 (one review a period)
def test_a_recognition_period_is_reviewed_once_and_extended_once(books: Session) -> None:
    code = county_award(books)  # granted 2025-03-01, valid to 2028-03-01
    done = grants.review_recognition(
        books, award=code, passed=True, on=date(2028, 2, 20), actor="p"
    )
    assert "2031-03-01" in done[0].detail
    with pytest.raises(RuleBreach, match="already reviewed") as info:
        grants.review_recognition(books, award=code, passed=True, on=date(2028, 2, 25), actor="p")
    assert info.value.rule == "review-once-per-period"
    done = grants.review_recognition(books, award=code, passed=True, on=date(2031, 3, 2), actor="p")
    assert "2034-03-01" in done[0].detail


# The texts' own words are accepted as officers type them: ZONE-GUIDE 评估管理 不参加评估的视为
# 不合格, 整改后评估仍不合格的退出; ADV-MEASURES 第十四条 违反相关法律法规.
@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("不参加评估", Grade.NOT_SUBMITTED),
        ("不参加", Grade.NOT_SUBMITTED),
        ("整改后评估仍不合格", ExitReason.FAILED_RECTIFICATION),
        ("违反相关法律法规", ExitReason.ILLEGAL),
        ("省级服务型制造集聚区", Programme.SERVICE_ZONE),
        ("省县域制造业特色产业集群", Programme.COUNTY_CLUSTER),
    ],
)
def test_the_words_of_the_texts_name_grades_reasons_and_programmes(typed: str, value: str) -> None:
    assert canonical(typed) == value


def test_a_zone_not_taking_part_in_the_words_of_the_text_must_rectify(books: Session) -> None:
    award = zone_award(books)
    assert assess(books, award.code, 2026, "不参加评估", date(2026, 4, 30)) == ["rectify"]


# ZONE-GUIDE 附则: 本导则自发布之日起施行，有效期至2027年12月31日 (that day included)
def test_a_zone_may_be_granted_and_paid_on_31_december_2027_but_not_granted_a_day_later(
    books: Session,
) -> None:
    def grant(on: date) -> str:
        return grants.grant_award(
            books,
            programme=Programme.SERVICE_ZONE,
            recipient="HF-GX",
            fund=FUND,
            amount=500 * WAN,
            granted_on=on,
            stages=[grants.StagePlan(on.year, 200 * WAN), grants.StagePlan(on.year, 300 * WAN)],
            actor="finance-a",
        ).code

    code = grant(date(2027, 12, 31))
    release(books, code, 1, date(2027, 12, 31))
    assert grants.award_statement(books, code).paid == 200 * WAN
    with pytest.raises(RuleBreach, match="2027-12-31") as info:
        grant(date(2028, 1, 1))
    assert info.value.rule == "zone-stage-within-validity"


# ADV-MEASURES 第十二条 / ZONE-GUIDE 评估管理: 根据……年度资金预算规模分步到位 (never overdrawn)
def test_a_year_budget_carries_a_stage_of_exactly_its_size_and_not_one_fen_more(
    books: Session,
) -> None:
    grants.set_budget(books, fund_code=FUND, year=2029, amount=400 * WAN, reason="x", actor="f")
    grants.set_budget(books, fund_code=FUND, year=2030, amount=600 * WAN, reason="x", actor="f")

    def grant(last: int) -> Award:
        return grants.grant_award(
            books,
            programme=Programme.COUNTY_CLUSTER,
            recipient="WH-CL",
            fund=FUND,
            amount=400 * WAN + last,
            granted_on=date(2029, 3, 1),
            stages=[grants.StagePlan(2029, 400 * WAN), grants.StagePlan(2030, last)],
            actor="finance-a",
        )

    with pytest.raises(BudgetShortfall) as info:
        grant(600 * WAN + 1)
    assert (info.value.rule, info.value.details["shortfall"]) == ("budget-not-overdrawn", 1)
    grant(600 * WAN)
    assert grants.fund_year_execution(books, FUND, 2030).available == 0
    with pytest.raises(RuleBreach) as cut:
        grants.set_budget(
            books, fund_code=FUND, year=2030, amount=600 * WAN - 1, reason="cut", actor="f"
        )
    assert cut.value.rule == "budget-not-below-commitments"


# -- each programme's refusal cites its own text -----------------------------------------
# The budget a grant is charged to: ADV-MEASURES 第十二条 for a cluster award, ZONE-GUIDE
# 评估管理 (根据考核评价结果和年度资金预算规模分步到位) for a zone grant.


@pytest.mark.parametrize(
    ("programme", "clause"),
    [(Programme.SERVICE_ZONE, "zone-staged"), (Programme.ADVANCED_CLUSTER, "budget-limit")],
)
def test_a_budget_shortfall_cites_the_programmes_own_clause(
    books: Session, programme: Programme, clause: str
) -> None:
    grants.set_budget(books, fund_code=FUND, year=2026, amount=100 * WAN, reason="x", actor="f")
    grants.set_budget(books, fund_code=FUND, year=2027, amount=100 * WAN, reason="x", actor="f")
    with pytest.raises(BudgetShortfall) as info:
        grants.grant_award(
            books,
            programme=programme,
            recipient="HF-GX" if programme is Programme.SERVICE_ZONE else "WH-CL",
            fund=FUND,
            amount=500 * WAN,
            tier="provincial" if programme is Programme.ADVANCED_CLUSTER else "",
            granted_on=date(2026, 3, 1),
            stages=[grants.StagePlan(2026, 200 * WAN), grants.StagePlan(2027, 300 * WAN)],
            actor="finance-a",
        )
    assert info.value.rule == "budget-not-overdrawn"
    assert info.value.clause == CLAUSES[clause].cite()


# ADV-MEASURES 第十二条: 根据考核评价结果和年度资金预算规模分步到位 — a stage is paid from its
# own year's budget, so never before that year begins, even when its gate (the recognition)
# is already met.
def test_a_stage_is_not_paid_before_the_year_of_its_budget(books: Session) -> None:
    award = grants.grant_award(
        books,
        programme=Programme.ADVANCED_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        tier="provincial",
        granted_on=date(2025, 3, 1),
        stages=[grants.StagePlan(2026, 200 * WAN), grants.StagePlan(2027, 300 * WAN)],
        actor="finance-a",
    )
    with pytest.raises(GateNotMet, match=r"2026 budget.*before 2026-01-01") as info:
        release(books, award.code, 1, date(2025, 12, 31))
    assert info.value.rule == "gate-budget-year"
    assert grants.award_statement(books, award.code).paid == 0
    release(books, award.code, 1, date(2026, 1, 1))
    assert grants.award_statement(books, award.code).paid == 200 * WAN


# ADV-OPINION §二十一: 给予新认定的国家级、世界级先进制造业集群1000万元、
# 省级先进制造业集群500万元补助
# — to a cluster, on its new recognition: once at a tier, again only for a tier of a larger sum.
def test_an_advanced_cluster_award_goes_to_a_cluster_once_per_recognition(books: Session) -> None:
    first = cluster_award(books, tier="provincial")
    with pytest.raises(RuleBreach, match=f"already holds {first.code}") as again:
        cluster_award(books, tier="provincial", granted_on=date(2026, 3, 1))
    assert again.value.rule == "award-once-per-recognition"
    assert again.value.clause is not None
    assert "§二十一" in again.value.clause
    upgraded = cluster_award(books, tier="national", granted_on=date(2026, 3, 1))
    assert upgraded.amount == 1000 * WAN  # in full: the text nets nothing
    with pytest.raises(RuleBreach, match=f"already holds {upgraded.code}"):
        cluster_award(books, tier="national", granted_on=date(2026, 6, 1))
    world_level = cluster_award(books, tier="world", granted_on=date(2026, 6, 1))
    assert world_level.amount == 1000 * WAN
    with pytest.raises(RuleBreach, match="is a development_zone") as zone:
        cluster_award(books, tier="provincial", recipient="HF-GX")
    assert zone.value.rule == "eligible-recipient"


# COUNTY-PLAN 附件4 第二条: 县域制造业特色产业集群……定位在县（市、区）区划范围内
def test_a_county_cluster_is_funded_through_a_cluster_county_or_district_only(
    books: Session,
) -> None:
    with pytest.raises(RuleBreach, match="is a development_zone") as info:
        grants.grant_award(
            books,
            programme=Programme.COUNTY_CLUSTER,
            recipient="HF-GX",
            fund=FUND,
            amount=200 * WAN,
            granted_on=date(2025, 3, 1),
            stages=[grants.StagePlan(2025, 200 * WAN)],
            county=CountyClusterFacts(
                revenue=120 * YI,
                leading_enterprises=1,
                quality_enterprises=60,
                rd_intensity_percent=Decimal("2.5"),
            ),
            actor="finance-a",
        )
    assert info.value.rule == "eligible-recipient"


# COUNTY-PLAN 附件4 第六条: 每次有效期满后，由省工业和信息化厅组织开展复核工作 — the review
# comes at the end of the period (from 90 days before it expires, a setting), never a year
# into it, where a pass would stretch the recognition to six years.
def test_a_recognition_is_reviewed_at_the_end_of_its_period_not_early(books: Session) -> None:
    code = county_award(books)  # granted 2025-03-01, valid to 2028-03-01
    with pytest.raises(RuleBreach, match="from 2027-12-02 on, not 2026-04-01") as early:
        grants.review_recognition(books, award=code, passed=True, on=date(2026, 4, 1), actor="p")
    assert early.value.rule == "review-at-period-end"
    with pytest.raises(RuleBreach, match="from 2027-12-02 on, not 2027-12-01"):
        grants.review_recognition(books, award=code, passed=False, on=date(2027, 12, 1), actor="p")
    assert grants.award_statement(books, code).status == "active"
    done = grants.review_recognition(
        books, award=code, passed=True, on=date(2027, 12, 2), actor="p"
    )
    assert "2031-03-01" in done[0].detail  # the early tries left the expiry alone


# ADV-MEASURES 第十四条: 连续两年未通过考核，或有弄虚作假、违反相关法律法规的，按程序撤销;
# ZONE-GUIDE 评估管理: 整改后评估仍不合格的，退出集聚区创建 — each programme ends for its own
# reasons, and a reason that is a result (two failed years, a failed re-assessment) must be
# on record: the engine ends the award itself when the result is recorded.
@pytest.mark.parametrize(
    ("programme", "reason"),
    [("cluster", "failed_rectification"), ("cluster", "expired"), ("zone", "consecutive_failures")],
)
def test_an_award_ends_only_for_a_reason_of_its_own_programme(
    books: Session, programme: str, reason: str
) -> None:
    award = cluster_award(books) if programme == "cluster" else zone_award(books)
    with pytest.raises(InvalidInput, match=rf"not \S+ \({reason}\)") as info:
        grants.terminate(books, award=award.code, reason=reason, on=date(2025, 6, 1), actor="p")
    assert info.value.field == "reason"
    assert grants.award_statement(books, award.code).status == "active"


def test_a_revocation_for_two_failed_years_needs_them_on_record(books: Session) -> None:
    award = cluster_award(books)
    assess(books, award.code, 2025, "不合格", date(2025, 12, 1))
    with pytest.raises(RuleBreach, match="two consecutive failed assessments") as info:
        grants.terminate(
            books, award=award.code, reason="连续两年未通过考核", on=date(2026, 1, 5), actor="p"
        )
    assert info.value.rule == "exit-reason-on-record"
    assert grants.award_statement(books, award.code).status == "active"
    done = assess(books, award.code, 2026, "不合格", date(2026, 12, 1))  # the engine revokes
    assert "revocation" in done
    assert grants.award_statement(books, award.code).status == "revoked"


def test_a_zone_exit_for_failed_rectification_needs_the_failed_reassessment(
    books: Session,
) -> None:
    award = zone_award(books)
    with pytest.raises(RuleBreach, match="re-assessment after rectification") as info:
        grants.terminate(
            books, award=award.code, reason="整改后评估仍不合格", on=date(2025, 6, 1), actor="p"
        )
    assert info.value.rule == "exit-reason-on-record"
    done = grants.terminate(books, award=award.code, reason="fraud", on=date(2025, 6, 1), actor="p")
    assert [c.action for c in done][:1] == ["exit"]


# COUNTY-PLAN 附件4 第八条: 于每年3月30日前将上一年度集群发展情况报省工业和信息化厅 — a report
# that comes late is kept on record as late (yellow), not forgotten once it arrives.
def test_a_county_report_filed_late_stays_on_record_as_late(books: Session) -> None:
    code = county_award(books)
    grants.record_report(books, award=code, period="2025", on=date(2026, 5, 10), actor="county")
    late = [f for f in county_annual_report(load_snapshot(books, date(2026, 5, 20)))]
    assert [(f.subject, str(f.severity)) for f in late] == [(f"{code}:2025", "yellow")]
    assert "迟报 41 天" in late[0].message
    assert "2026-03-30" in late[0].message


def test_a_county_report_filed_on_30_march_raises_nothing(books: Session) -> None:
    code = county_award(books)
    grants.record_report(books, award=code, period="2025", on=date(2026, 3, 30), actor="county")
    assert county_annual_report(load_snapshot(books, date(2026, 5, 20))) == []


# ZONE-GUIDE 评估管理: 每季度末……报送 — the same for a zone's quarterly report.
def test_a_zone_report_filed_after_the_quarter_end_is_late(books: Session) -> None:
    award = zone_award(books)  # granted 2025-03-01: 2025Q1 is due 2025-03-31
    grants.record_report(books, award=award.code, period="2025Q1", on=date(2025, 4, 3), actor="z")
    found = zone_quarterly_report(load_snapshot(books, date(2025, 4, 10)))
    first = [f for f in found if f.subject == f"{award.code}:2025Q1"]
    assert [str(f.severity) for f in first] == ["yellow"]
    assert "迟报 3 天" in first[0].message


# ZONE-GUIDE 评估管理: 需在3个月内完成整改，并在整改时限内再次提交评价材料和相关佐证材料……由省
# 工业和信息化厅重新组织评估 — the deadline binds the zone's submission, not the province's
# re-assessment: materials in by the due date keep the zone in until it is re-assessed.
def test_materials_submitted_by_the_due_date_keep_the_zone_in_until_reassessed(
    books: Session,
) -> None:
    award = zone_award(books)
    assess(books, award.code, 2026, "不合格", date(2026, 4, 30))  # due 2026-07-30
    grants.record_rectification(books, award=award.code, year=2026, on=date(2026, 7, 30), actor="z")
    assert grants.apply_deadlines(books, as_of=date(2026, 8, 20)) == []
    [finding] = rectification_due(load_snapshot(books, date(2026, 8, 20)))
    assert str(finding.severity) == "orange"
    assert "待省厅复评" in finding.message
    with pytest.raises(InvalidInput, match="cannot precede the rectification materials"):
        assess(books, award.code, 2026, "合格", date(2026, 7, 29), reassessment=True)
    assert assess(books, award.code, 2026, "合格", date(2026, 9, 1), reassessment=True) == []
    assert grants.award_statement(books, award.code).status == "active"
    assert rectification_due(load_snapshot(books, date(2026, 9, 2))) == []


def test_materials_after_the_due_date_are_refused_and_the_zone_exits(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    assess(books, award.code, 2026, "不合格", date(2026, 4, 30))
    with pytest.raises(RuleBreach, match="ended on 2026-07-30") as info:
        grants.record_rectification(
            books, award=award.code, year=2026, on=date(2026, 7, 31), actor="z"
        )
    assert info.value.rule == "rectification-within-deadline"
    done = grants.apply_deadlines(books, as_of=date(2026, 8, 1))
    assert [c.action for c in done][:3] == ["exit", "cancel", "recover"]


def test_materials_follow_a_pending_failure_only(books: Session) -> None:
    award = zone_award(books)
    with pytest.raises(RuleBreach, match="none is pending") as none:
        grants.record_rectification(
            books, award=award.code, year=2026, on=date(2026, 5, 1), actor="z"
        )
    assert none.value.rule == "rectification-after-failure"
    assess(books, award.code, 2026, "合格", date(2026, 4, 30))
    with pytest.raises(RuleBreach, match="none is pending"):
        grants.record_rectification(
            books, award=award.code, year=2026, on=date(2026, 5, 1), actor="z"
        )


def test_a_failed_result_dated_the_day_of_a_payment_does_not_flag_that_payment(
    books: Session,
) -> None:
    """ADV-OPINION §二十二: the recognition stage paid on 2025-06-01, the 2025 不合格 given the
    same day after it: the payment stood on its gate when it was made."""
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 6, 1))
    assess(books, award.code, 2025, "不合格", date(2025, 6, 1))
    found = stage_without_gate(load_snapshot(books, date(2025, 7, 1)))
    assert [f.subject for f in found] == []
