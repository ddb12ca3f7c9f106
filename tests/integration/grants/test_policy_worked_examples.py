"""One worked example per rule, straight from the policy texts in ../shared/policy/."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, select

from factories import FUND, another_cluster, cluster_award, credit_code, release, world, zone_award
from funds import grants
from funds.errors import InvalidInput
from funds.grants.errors import AwardEnded, BudgetShortfall, GateNotMet, MakerChecker, RuleBreach
from funds.grants.models import Stage
from funds.ledger import verify
from funds.policy import WAN, Grade, Programme


@pytest.fixture
def books(session: Session) -> Session:
    world(session)
    return session


def statement(session: Session, code: str, as_of: date | None = None) -> grants.AwardStatement:
    return grants.award_statement(session, code, as_of)


# ADV-OPINION §二十一: 国家级、世界级 1000万元，省级 500万元，分步到位
def test_advanced_cluster_awards_are_1000_wan_national_and_500_wan_provincial(
    books: Session,
) -> None:
    national = cluster_award(books, tier="national", recipient=another_cluster(books))
    provincial = cluster_award(books, tier="provincial")
    assert national.amount == 1000 * WAN
    assert provincial.amount == 500 * WAN
    assert [s.amount for s in statement(books, provincial.code).stages] == [
        200 * WAN,
        150 * WAN,
        150 * WAN,
    ]
    with pytest.raises(RuleBreach, match=r"500\.00万") as info:
        grants.grant_award(
            books,
            programme=Programme.ADVANCED_CLUSTER,
            recipient="WH-CL",
            fund=FUND,
            tier="provincial",
            amount=600 * WAN,
            granted_on=date(2025, 3, 1),
            actor="finance-a",
        )
    assert info.value.clause is not None
    assert "§二十一" in info.value.clause


def test_award_codes_are_public_and_sequential(books: Session) -> None:
    assert cluster_award(books).code == "ADV-2025-0001"
    assert cluster_award(books, recipient=another_cluster(books)).code == "ADV-2025-0002"
    assert zone_award(books).code == "ZONE-2025-0001"


# ADV-MEASURES 第十二条: 根据考核评价结果和年度资金预算规模分步到位
def test_grant_is_refused_naming_the_shortfall_when_a_year_budget_is_too_small(
    books: Session,
) -> None:
    grants.set_budget(
        books, fund_code=FUND, year=2026, amount=100 * WAN, reason="压减", actor="finance-a"
    )
    before = grants.fund_year_execution(books, FUND, 2025)
    with pytest.raises(BudgetShortfall, match=r"short by 2,000,000\.00") as info:
        zone_award(books, amount_wan=1000)  # 2026 stage is 300万 against 100万 available
    assert info.value.details["year"] == 2026
    assert grants.fund_year_execution(books, FUND, 2025) == before


def test_a_budget_cannot_be_cut_below_what_is_committed(books: Session) -> None:
    zone_award(books, amount_wan=1000)
    with pytest.raises(RuleBreach, match="already committed"):
        grants.set_budget(
            books, fund_code=FUND, year=2025, amount=100 * WAN, reason="cut", actor="finance-a"
        )


def test_first_stage_is_paid_on_recognition_with_maker_checker(books: Session) -> None:
    award = zone_award(books)
    grants.request_release(books, award=award.code, seq=1, actor="finance-a", on=date(2025, 4, 1))
    with pytest.raises(MakerChecker):
        grants.approve_release(
            books, award=award.code, seq=1, actor="finance-a", on=date(2025, 4, 2)
        )
    grants.approve_release(books, award=award.code, seq=1, actor="finance-b", on=date(2025, 4, 2))
    result = statement(books, award.code)
    assert result.paid == result.held == 400 * WAN
    assert result.committed == 600 * WAN
    with pytest.raises(RuleBreach, match="already paid"):
        grants.request_release(
            books, award=award.code, seq=1, actor="finance-a", on=date(2025, 5, 1)
        )


# ADV-OPINION §二十二: 对通过考核评价的集群，落实相关财政补助政策
def test_no_stage_is_paid_without_its_passing_assessment(books: Session) -> None:
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    with pytest.raises(GateNotMet, match="passing assessment") as info:
        grants.request_release(
            books, award=award.code, seq=2, actor="finance-a", on=date(2026, 6, 1)
        )
    assert info.value.rule == "gate-assessment"
    grants.record_assessment(
        books, award=award.code, year=2026, grade=Grade.QUALIFIED, on=date(2026, 5, 20), actor="p"
    )
    release(books, award.code, 2, date(2026, 6, 1))
    assert statement(books, award.code).paid == 350 * WAN


def test_a_cluster_that_fails_a_year_gets_nothing_for_that_year(books: Session) -> None:
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.record_assessment(
        books,
        award=award.code,
        year=2026,
        grade=Grade.UNQUALIFIED,
        on=date(2026, 5, 20),
        actor="p",
    )
    result = statement(books, award.code)
    assert [s.status for s in result.stages] == ["paid", "forfeited", "committed"]
    assert grants.fund_year_execution(books, FUND, 2026).available == 10_000 * WAN


# ADV-OPINION §二十二: 对通过考核评价的集群，落实相关财政补助政策 — the recognition year too
def test_a_cluster_that_fails_its_recognition_year_gets_no_stage_for_it(books: Session) -> None:
    award = cluster_award(books)  # stage 1 (2025) on the recognition of 2025-03-01
    grants.request_release(books, award=award.code, seq=1, actor="finance-a", on=date(2025, 4, 1))
    done = grants.record_assessment(
        books, award=award.code, year=2025, grade="不合格", on=date(2025, 11, 1), actor="p"
    )
    assert [c.action for c in done] == ["forfeit"]
    result = statement(books, award.code)
    assert [s.status for s in result.stages] == ["forfeited", "committed", "committed"]
    assert grants.fund_year_execution(books, FUND, 2025).available == 10_000 * WAN
    with pytest.raises(RuleBreach, match="forfeited"):
        grants.approve_release(
            books, award=award.code, seq=1, actor="finance-b", on=date(2025, 11, 3)
        )


def test_a_zone_recognition_stage_waits_while_its_year_stands_failed(books: Session) -> None:
    award = zone_award(books)
    grants.record_assessment(
        books, award=award.code, year=2025, grade="不合格", on=date(2025, 5, 1), actor="p"
    )
    with pytest.raises(GateNotMet, match="2025 assessment was 不合格"):
        grants.request_release(
            books, award=award.code, seq=1, actor="finance-a", on=date(2025, 5, 2)
        )
    grants.record_assessment(
        books,
        award=award.code,
        year=2025,
        grade="合格",
        on=date(2025, 7, 1),
        actor="p",
        reassessment=True,
    )
    grants.request_release(books, award=award.code, seq=1, actor="finance-a", on=date(2025, 7, 2))
    grants.approve_release(books, award=award.code, seq=1, actor="finance-b", on=date(2025, 7, 2))
    assert statement(books, award.code).stages[0].status == "paid"


# ADV-MEASURES 第十四条: 连续两年未通过考核……撤销省级集群称号
def test_two_consecutive_failed_cluster_assessments_revoke_the_title(books: Session) -> None:
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    for year in (2026, 2027):
        grants.record_assessment(
            books,
            award=award.code,
            year=year,
            grade=Grade.UNQUALIFIED,
            on=date(year, 5, 20),
            actor="p",
        )
    result = statement(books, award.code)
    assert result.status == "revoked"
    assert result.committed == 0
    assert result.receivable == 0  # recovery on revocation only for fraud (setting)
    with pytest.raises(AwardEnded):
        grants.request_release(
            books, award=award.code, seq=3, actor="finance-a", on=date(2027, 6, 1)
        )


def test_fraud_revocation_recovers_the_money_paid(books: Session) -> None:
    award = cluster_award(books, tier="national")
    release(books, award.code, 1, date(2025, 4, 1))
    grants.terminate(books, award=award.code, reason="fraud", on=date(2025, 9, 1), actor="p")
    assert statement(books, award.code).receivable == 400 * WAN


# ZONE-GUIDE 评估管理: 不合格 → 3个月内完成整改；整改后仍不合格 → 退出；已拨付资金予以收回
def test_zone_unqualified_sets_rectification_three_months_on(books: Session) -> None:
    award = zone_award(books)
    done = grants.record_assessment(
        books,
        award=award.code,
        year=2026,
        grade=Grade.UNQUALIFIED,
        on=date(2026, 4, 30),
        actor="p",
    )
    assert done[0].action == "rectify"
    assert "2026-07-30" in done[0].detail
    assert statement(books, award.code).stages[1].status == "committed"  # the stage waits


def test_zone_passing_reassessment_releases_the_waiting_stage(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.record_assessment(
        books, award=award.code, year=2026, grade="unqualified", on=date(2026, 4, 30), actor="p"
    )
    grants.record_assessment(
        books,
        award=award.code,
        year=2026,
        grade="qualified",
        on=date(2026, 7, 15),
        actor="p",
        reassessment=True,
    )
    release(books, award.code, 2, date(2026, 8, 1))
    assert statement(books, award.code).paid == 700 * WAN


def test_zone_exit_recovers_everything_paid(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.record_pass_through(
        books,
        award=award.code,
        enterprise=credit_code(1),
        amount=300 * WAN,
        purpose="培育服务型制造标杆企业",
        on=date(2025, 6, 1),
        actor="zone-officer",
    )
    grants.record_assessment(
        books, award=award.code, year=2026, grade="unqualified", on=date(2026, 4, 30), actor="p"
    )
    done = grants.record_assessment(
        books,
        award=award.code,
        year=2026,
        grade="unqualified",
        on=date(2026, 7, 20),
        actor="p",
        reassessment=True,
    )
    assert [c.action for c in done] == ["exit", "cancel", "recover"]
    result = statement(books, award.code)
    assert result.status == "exited"
    assert result.committed == 0
    assert result.receivable == result.recoverable == 400 * WAN
    assert grants.fund_year_execution(books, FUND, 2027).available == 10_000 * WAN
    grants.record_recovery(
        books, award=award.code, amount=100 * WAN, on=date(2026, 9, 1), actor="finance-a"
    )
    with pytest.raises(RuleBreach, match="more than is due"):
        grants.record_recovery(
            books, award=award.code, amount=300 * WAN + 1, on=date(2026, 9, 2), actor="finance-a"
        )
    grants.record_recovery(
        books,
        award=award.code,
        amount=300 * WAN,
        on=date(2026, 9, 2),
        actor="finance-a",
        kind="write_off",
        reason="主体注销",
    )
    result = statement(books, award.code)
    assert (result.recovered, result.written_off, result.receivable) == (100 * WAN, 300 * WAN, 0)
    assert verify(books.connection()).ok


# ZONE-GUIDE 评估管理: 不参加评估的视为不合格
def test_a_missing_assessment_counts_as_unqualified_once_its_deadline_is_past(
    books: Session,
) -> None:
    award = zone_award(books)
    assert grants.apply_deadlines(books, as_of=date(2026, 12, 31)) == []
    done = grants.apply_deadlines(books, as_of=date(2027, 1, 2))
    assert [c.action for c in done] == ["deemed", "rectify"]
    done = grants.apply_deadlines(books, as_of=date(2027, 4, 1))
    assert "exit" in [c.action for c in done]
    assert statement(books, award.code).status == "exited"


# ZONE-GUIDE 评估管理: 不低于80%奖补资金下达企业，剩余资金用于……
def test_zone_own_use_is_capped_at_twenty_percent_of_money_received(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))  # 400万 received
    grants.record_spending(
        books,
        award=award.code,
        amount=80 * WAN,
        purpose="诊断宣贯",
        on=date(2025, 5, 1),
        actor="zone-officer",
    )
    with pytest.raises(RuleBreach, match="20 %") as info:
        grants.record_spending(
            books,
            award=award.code,
            amount=1,
            purpose="诊断宣贯",
            on=date(2025, 5, 2),
            actor="zone-officer",
        )
    assert info.value.clause is not None
    assert "ZONE-GUIDE" in info.value.clause
    with pytest.raises(InvalidInput, match="not an own-use purpose"):
        grants.record_spending(
            books,
            award=award.code,
            amount=1,
            purpose="发放奖金",
            on=date(2025, 5, 2),
            actor="zone-officer",
        )


def test_pass_through_never_exceeds_what_the_recipient_holds(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    with pytest.raises(RuleBreach, match=r"holds 4,000,000\.00"):
        grants.record_pass_through(
            books,
            award=award.code,
            enterprise=credit_code(2),
            amount=400 * WAN + 1,
            purpose="打造制造服务一体化应用场景",
            on=date(2025, 6, 1),
            actor="zone-officer",
        )
    assert statement(books, award.code).passed_on == 0


# ZONE-GUIDE 附则: 有效期至2027年12月31日
def test_zone_stages_after_the_guideline_validity_are_refused(books: Session) -> None:
    with pytest.raises(RuleBreach, match="2027-12-31"):
        zone_award(books, granted_on=date(2026, 3, 1))  # 40/30/30 → 2026, 2027, 2028
    award = zone_award(books, granted_on=date(2026, 3, 1), split=(50, 50))
    assert [s.year for s in statement(books, award.code).stages] == [2026, 2027]


# COUNTY-PLAN 附件4 第六条: 集群有效期为3年 (民法典 第二百零二条: 到期月的对应日为期间的最后一日)
def test_county_recognition_lasts_three_years_to_its_corresponding_day(books: Session) -> None:
    award = grants.grant_award(
        books,
        programme=Programme.COUNTY_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        amount=300 * WAN,
        granted_on=date(2024, 6, 1),
        split=(100,),
        actor="finance-a",
    )
    assert award.recognition_expires == date(2027, 6, 1)  # the last valid day
    with pytest.raises(GateNotMet, match="expired"):
        grants.request_release(
            books, award=award.code, seq=1, actor="finance-a", on=date(2027, 6, 2)
        )
    release(books, award.code, 1, date(2027, 6, 1))


def test_reversing_a_mistyped_pass_through_restores_the_holding(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    use = grants.record_pass_through(
        books,
        award=award.code,
        enterprise=credit_code(1),
        amount=50 * WAN,
        purpose="培育服务型制造标杆企业",
        on=date(2025, 6, 1),
        actor="zone-officer",
        voucher="PZ-001",
    )
    grants.reverse_entry(books, entry_id=use.entry_id, reason="金额录错", actor="finance-a")
    result = statement(books, award.code)
    assert (result.passed_on, result.held) == (0, 400 * WAN)
    assert statement(books, award.code, date(2025, 6, 1)).passed_on == 0


def test_as_of_statements_show_the_past(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    assert statement(books, award.code, date(2025, 3, 31)).paid == 0
    assert statement(books, award.code, date(2025, 4, 1)).held == 400 * WAN


def test_idempotent_retry_of_a_pass_through_records_it_once(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    kwargs = {
        "award": award.code,
        "enterprise": credit_code(1),
        "amount": 10 * WAN,
        "purpose": "培育服务型制造标杆企业",
        "on": date(2025, 6, 1),
        "actor": "zone-officer",
        "idempotency_key": "voucher-PZ-7",
    }
    first = grants.record_pass_through(books, **kwargs)  # type: ignore[arg-type]
    again = grants.record_pass_through(books, **kwargs)  # type: ignore[arg-type]
    assert first.id == again.id
    assert statement(books, award.code).passed_on == 10 * WAN


# COUNTY-PLAN 附件4 第六条: 每次有效期满后……复核通过的有效期延长3年
def test_a_passed_review_extends_a_county_recognition_by_three_years(books: Session) -> None:
    award = grants.grant_award(
        books,
        programme=Programme.COUNTY_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        amount=300 * WAN,
        granted_on=date(2024, 6, 1),
        stages=[grants.StagePlan(2024, 100 * WAN), grants.StagePlan(2027, 200 * WAN)],
        actor="finance-a",
    )
    done = grants.review_recognition(
        books, award=award.code, passed=True, on=date(2027, 5, 20), actor="p"
    )
    assert "2030-06-01" in done[0].detail
    grants.record_assessment(
        books, award=award.code, year=2027, grade="qualified", on=date(2027, 5, 25), actor="p"
    )
    release(books, award.code, 2, date(2027, 6, 15))  # after the first 3 years, still valid
    assert statement(books, award.code).paid == 200 * WAN


def test_a_failed_review_lets_the_recognition_expire_and_frees_the_budget(
    books: Session,
) -> None:
    award = grants.grant_award(
        books,
        programme=Programme.COUNTY_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        amount=300 * WAN,
        granted_on=date(2024, 6, 1),
        stages=[grants.StagePlan(2024, 100 * WAN), grants.StagePlan(2027, 200 * WAN)],
        actor="finance-a",
    )
    done = grants.review_recognition(
        books, award=award.code, passed=False, on=date(2027, 6, 1), actor="p"
    )
    assert [c.action for c in done] == ["revocation", "cancel"]
    assert statement(books, award.code).committed == 0
    assert grants.fund_year_execution(books, FUND, 2027).available == 10_000 * WAN


# ZONE-GUIDE 总则: 其创建主体为县（市、区）和省级以上开发区
def test_a_zone_grant_goes_only_to_a_county_district_or_development_zone(
    books: Session,
) -> None:
    with pytest.raises(RuleBreach, match="development_zone") as info:
        grants.grant_award(
            books,
            programme=Programme.SERVICE_ZONE,
            recipient="WH-CL",  # a cluster
            fund=FUND,
            amount=500 * WAN,
            granted_on=date(2025, 3, 1),
            actor="finance-a",
        )
    assert info.value.rule == "eligible-recipient"


# ZONE-GUIDE 总则: 省级以上开发区（包括高新技术开发区和经济技术开发区）; a 市级 park is not one
def test_a_zone_grant_to_a_development_zone_below_provincial_level_is_refused(
    books: Session,
) -> None:
    grants.add_recipient(
        books, code="LA-SJ", name="六安市级产业园", kind="local_zone", city="六安", actor="a"
    )
    with pytest.raises(RuleBreach, match="省级以下开发区") as info:
        grants.grant_award(
            books,
            programme=Programme.SERVICE_ZONE,
            recipient="LA-SJ",
            fund=FUND,
            amount=500 * WAN,
            granted_on=date(2025, 3, 1),
            actor="finance-a",
        )
    assert info.value.rule == "eligible-recipient"
    assert "总则" in str(info.value.clause)
    assert grants.fund_year_execution(books, FUND, 2025).committed == 0


def test_a_pass_through_reversed_later_still_counts_before_its_reversal(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    use = grants.record_pass_through(
        books,
        award=award.code,
        enterprise=credit_code(1),
        amount=50 * WAN,
        purpose="培育服务型制造标杆企业",
        on=date(2025, 6, 1),
        actor="zone-officer",
    )
    grants.reverse_entry(
        books, entry_id=use.entry_id, reason="凭证作废", actor="finance-a", on=date(2025, 8, 1)
    )
    before = statement(books, award.code, date(2025, 7, 1))
    assert before.passed_on == 50 * WAN
    assert [line.amount for line in before.enterprises] == [50 * WAN]
    after = statement(books, award.code, date(2025, 8, 1))
    assert (after.passed_on, after.enterprises) == (0, [])
    assert grants.enterprise_receipts(books, credit_code(1), date(2025, 7, 1))[0].amount == 50 * WAN
    assert grants.enterprise_receipts(books, credit_code(1)) == []


def test_a_reassessment_cannot_precede_the_failure_it_follows(books: Session) -> None:
    award = zone_award(books)
    grants.record_assessment(
        books, award=award.code, year=2026, grade="unqualified", on=date(2026, 4, 30), actor="p"
    )
    with pytest.raises(RuleBreach, match="cannot precede"):
        grants.record_assessment(
            books,
            award=award.code,
            year=2026,
            grade="qualified",
            on=date(2026, 4, 1),
            actor="p",
            reassessment=True,
        )


def test_award_codes_keep_counting_past_9999(books: Session) -> None:
    grants.add_recipient(
        books, actor="财务处-张", code="CZ", name="滁州某区", kind="district", city="滁州"
    )
    award = grants.grant_award(
        books,
        programme=Programme.SERVICE_ZONE,
        recipient="CZ",
        fund=FUND,
        amount=100,
        stages=[grants.StagePlan(2025, 50), grants.StagePlan(2026, 50)],
        code="ZONE-2025-9999",
        granted_on=date(2025, 3, 1),
        actor="finance-a",
    )
    assert award.code == "ZONE-2025-9999"
    assert zone_award(books, amount_wan=1).code == "ZONE-2025-10000"
    assert zone_award(books, amount_wan=1).code == "ZONE-2025-10001"


def test_officers_may_use_the_chinese_names_of_programmes_tiers_and_grades(
    books: Session,
) -> None:
    award = grants.grant_award(
        books,
        programme="先进制造业集群",
        recipient="WH-CL",
        fund=FUND,
        tier="国家级",
        granted_on=date(2025, 3, 1),
        actor="finance-a",
    )
    assert (award.programme, award.tier, award.amount) == (
        "advanced_cluster",
        "national",
        1000 * WAN,
    )
    done = grants.record_assessment(
        books, award=award.code, year=2026, grade="不合格", on=date(2026, 5, 1), actor="p"
    )
    assert [c.action for c in done] == ["forfeit"]
    with pytest.raises(InvalidInput, match="programme"):
        grants.grant_award(
            books,
            programme="人才补贴",
            recipient="WH-CL",
            fund=FUND,
            amount=1,
            granted_on=date(2025, 3, 1),
            actor="finance-a",
        )


# ADV-OPINION §二十一: 用于支持集群企业产业科技创新实体项目、公共服务平台建设等
def test_a_cluster_cannot_pass_money_on_for_a_service_zone_purpose(books: Session) -> None:
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    use: dict[str, Any] = {"award": award.code, "enterprise": credit_code(1), "amount": 10 * WAN}
    with pytest.raises(InvalidInput, match="服务型制造集聚区奖补") as refused:
        grants.record_pass_through(
            books, **use, purpose="培育服务型制造标杆企业", on=date(2025, 5, 1), actor="r"
        )
    assert refused.value.field == "purpose"
    assert statement(books, award.code).passed_on == 0
    grants.record_pass_through(
        books, **use, purpose="产业科技创新实体项目", on=date(2025, 5, 1), actor="r"
    )
    grants.record_pass_through(  # the list ends in 等: other wording stands
        books, **use, purpose="集群企业技术改造项目", on=date(2025, 5, 2), actor="r"
    )
    assert statement(books, award.code).passed_on == 20 * WAN


# ZONE-GUIDE 评估管理: 剩余资金用于开展诊断宣贯、推介典型案例、搭建公共服务平台、举办工业设计赛事等
def test_a_zone_own_use_purpose_is_not_money_passed_on(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    with pytest.raises(InvalidInput, match="record it as own spending") as refused:
        grants.record_pass_through(
            books,
            award=award.code,
            enterprise=credit_code(1),
            amount=10 * WAN,
            purpose="诊断宣贯",
            on=date(2025, 5, 1),
            actor="r",
        )
    assert refused.value.field == "purpose"
    assert statement(books, award.code).passed_on == 0


def test_a_reversed_release_in_a_failed_cluster_year_is_forfeited_not_left_committed(
    books: Session,
) -> None:
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.record_assessment(
        books, award=award.code, year=2025, grade="不合格", on=date(2025, 11, 1), actor="p"
    )
    paid = statement(books, award.code).stages[0]
    assert paid.status == "paid"
    entry = books.exec(select(Stage.release_entry_id).where(Stage.award_id == award.id)).first()
    assert entry is not None
    grants.reverse_entry(books, entry_id=entry, reason="付错", actor="finance-b")
    result = statement(books, award.code)
    assert result.stages[0].status == "forfeited"
    assert grants.fund_year_execution(books, FUND, 2025).available == 10_000 * WAN
