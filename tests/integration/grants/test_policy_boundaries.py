"""Worked examples on the edges a scenario writer would pick, each citing its clause in
../shared/policy/ (boundaries of dates and shares, what "consecutive" means, what happens to
years already forfeited, settings the texts leave open)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from factories import FUND, cluster_award, credit_code, release, world, zone_award
from funds import grants, policy
from funds.errors import InvalidInput
from funds.grants import accounts
from funds.grants.credit_code import make_credit_code
from funds.grants.errors import AwardEnded, GateNotMet, RuleBreach, UnknownRecord
from funds.grants.models import Stage, Use
from funds.ledger import Ledger
from funds.policy import WAN, YI, CountyClusterFacts, Gate, Grade, Programme, check_county_criteria


@pytest.fixture
def books(session: Session) -> Session:
    world(session)
    return session


def statement(session: Session, code: str, as_of: date | None = None) -> grants.AwardStatement:
    return grants.award_statement(session, code, as_of)


def fail(session: Session, code: str, year: int, on: date) -> list[str]:
    done = grants.record_assessment(
        session, award=code, year=year, grade=Grade.UNQUALIFIED, on=on, actor="p"
    )
    return [c.action for c in done]


def county_award(session: Session, granted_on: date, stages: list[grants.StagePlan]) -> str:
    return grants.grant_award(
        session,
        programme=Programme.COUNTY_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        amount=sum(s.amount for s in stages),
        granted_on=granted_on,
        stages=stages,
        actor="finance-a",
    ).code


# -- ZONE-GUIDE 评估管理: 评估不合格的，需在3个月内完成整改 ----------------------------------


@pytest.mark.parametrize(
    ("result_on", "due"),
    [
        (date(2025, 11, 30), date(2026, 2, 28)),  # no 30 February: the month's last day
        (date(2027, 11, 30), date(2028, 2, 29)),  # leap year
        (date(2026, 8, 31), date(2026, 11, 30)),
        (date(2026, 3, 31), date(2026, 6, 30)),
        (date(2026, 4, 30), date(2026, 7, 30)),  # the corresponding day, not the month's end
    ],
)
def test_three_months_to_rectify_end_on_the_corresponding_day_or_the_months_last_day(
    books: Session, result_on: date, due: date
) -> None:
    award = zone_award(books, granted_on=date(2024, 3, 1), split=(25, 25, 25, 25))
    done = grants.record_assessment(
        books, award=award.code, year=result_on.year, grade="不合格", on=result_on, actor="p"
    )
    assert done[0].action == "rectify"
    assert due.isoformat() in done[0].detail


def test_a_zone_may_still_rectify_on_the_due_date_and_exits_the_day_after(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    fail(books, award.code, 2025, date(2025, 11, 30))  # due 2026-02-28
    assert grants.apply_deadlines(books, as_of=date(2026, 2, 28)) == []
    grants.record_pass_through(
        books,
        award=award.code,
        enterprise=credit_code(1),
        amount=10 * WAN,
        purpose="培育服务型制造标杆企业",
        on=date(2026, 2, 28),
        actor="zone-officer",
    )
    done = grants.apply_deadlines(books, as_of=date(2026, 3, 1))
    assert [c.action for c in done][:2] == ["exit", "cancel"]
    result = statement(books, award.code)
    assert (result.status, result.recoverable) == ("exited", 400 * WAN)
    assert grants.award_statement(books, award.code).passed_on == 10 * WAN
    with pytest.raises(AwardEnded):
        grants.record_pass_through(
            books,
            award=award.code,
            enterprise=credit_code(1),
            amount=10 * WAN,
            purpose="培育服务型制造标杆企业",
            on=date(2026, 3, 1),
            actor="zone-officer",
        )


def test_a_passing_reassessment_on_the_due_date_keeps_the_zone(books: Session) -> None:
    award = zone_award(books)
    fail(books, award.code, 2025, date(2025, 11, 30))
    grants.record_assessment(
        books,
        award=award.code,
        year=2025,
        grade="合格",
        on=date(2026, 2, 28),
        actor="p",
        reassessment=True,
    )
    assert grants.apply_deadlines(books, as_of=date(2026, 3, 1)) == []
    assert statement(books, award.code).status == "active"


# ZONE-GUIDE 评估管理: 退出集聚区创建的，不予下达剩余奖补，并对已拨付财政资金予以收回
def test_a_zone_that_exits_for_any_reason_is_paid_nothing_more_and_owes_all_it_was_paid(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.record_assessment(
        books, award=award.code, year=2026, grade="优秀", on=date(2026, 5, 1), actor="p"
    )
    grants.request_release(books, award=award.code, seq=2, actor="finance-a", on=date(2026, 6, 1))
    done = grants.terminate(
        books, award=award.code, reason="主动退出", on=date(2026, 6, 2), actor="p"
    )
    assert [c.action for c in done] == ["exit", "cancel", "recover"]
    result = statement(books, award.code)
    assert [s.status for s in result.stages] == ["paid", "cancelled", "cancelled"]
    assert result.receivable == 400 * WAN
    with pytest.raises(AwardEnded, match="no payment"):
        grants.approve_release(
            books, award=award.code, seq=2, actor="finance-b", on=date(2026, 6, 3)
        )


# -- ADV-MEASURES 第十四条: 连续两年未通过考核……撤销省级集群称号 ----------------------------


def test_failures_in_two_years_with_a_pass_between_are_not_consecutive(books: Session) -> None:
    award = cluster_award(books, granted_on=date(2024, 3, 1))
    fail(books, award.code, 2024, date(2024, 12, 1))
    grants.record_assessment(
        books, award=award.code, year=2025, grade="合格", on=date(2025, 12, 1), actor="p"
    )
    assert "revocation" not in fail(books, award.code, 2026, date(2026, 12, 1))
    assert statement(books, award.code).status == "active"


def test_two_consecutive_years_failed_revoke_even_when_recorded_out_of_order(
    books: Session,
) -> None:
    award = cluster_award(books)
    assert fail(books, award.code, 2027, date(2027, 5, 20)) == ["forfeit"]
    done = fail(books, award.code, 2026, date(2027, 6, 1))  # a late 2026 result
    assert done == ["forfeit", "revocation", "cancel"]
    assert statement(books, award.code).status == "revoked"


@pytest.mark.parametrize("deadlines_first", [True, False])
def test_revocation_is_dated_by_the_later_of_the_two_failures_whatever_the_order(
    books: Session, deadlines_first: bool
) -> None:
    """2026 not assessed (deemed 不合格 at its deadline), 2027 不合格 on 2027-05-01: the title
    goes on 2027-05-01, whether the deadline is applied before or after the 2027 result, and
    money used in between was used while the cluster still held it."""
    award = cluster_award(books)  # stages 2025 (recognition), 2026, 2027
    release(books, award.code, 1, date(2025, 4, 1))
    grants.record_pass_through(
        books,
        award=award.code,
        enterprise=credit_code(1),
        amount=50 * WAN,
        purpose="产业科技创新实体项目",
        on=date(2027, 2, 1),
        actor="recipient",
    )
    if deadlines_first:
        grants.apply_deadlines(books, as_of=date(2027, 1, 2))
    fail(books, award.code, 2027, date(2027, 5, 1))
    grants.apply_deadlines(books, as_of=date(2027, 6, 1))
    result = statement(books, award.code)
    assert (result.status, result.ended_on) == ("revoked", date(2027, 5, 1))


def test_revocation_leaves_forfeited_years_forfeited_and_cancels_the_rest(books: Session) -> None:
    award = cluster_award(books, granted_on=date(2024, 3, 1))  # 2024, 2025, 2026
    release(books, award.code, 1, date(2024, 4, 1))
    fail(books, award.code, 2025, date(2025, 12, 1))
    fail(books, award.code, 2026, date(2026, 5, 1))
    result = statement(books, award.code)
    assert result.status == "revoked"
    assert [s.status for s in result.stages] == ["paid", "forfeited", "forfeited"]
    for year in (2025, 2026):
        assert grants.fund_year_execution(books, FUND, year).available == 10_000 * WAN
    assert result.committed == result.receivable == 0


def test_a_cluster_that_does_not_take_part_fails_that_year_and_twice_is_revoked(
    books: Session,
) -> None:
    award = cluster_award(books)  # stages 2025 (recognition), 2026, 2027
    release(books, award.code, 1, date(2025, 4, 1))
    done = grants.apply_deadlines(books, as_of=date(2027, 1, 1))
    assert [c.action for c in done] == ["deemed", "forfeit"]
    done = grants.apply_deadlines(books, as_of=date(2028, 1, 1))
    assert [c.action for c in done][:3] == ["deemed", "forfeit", "revocation"]
    result = statement(books, award.code)
    assert (result.status, result.paid, result.receivable) == ("revoked", 200 * WAN, 0)


def test_a_forfeited_year_is_never_paid_later(books: Session) -> None:
    award = cluster_award(books)
    fail(books, award.code, 2026, date(2026, 5, 20))
    with pytest.raises(RuleBreach, match="forfeited"):
        grants.request_release(
            books, award=award.code, seq=2, actor="finance-a", on=date(2026, 6, 1)
        )


# ADV-MEASURES 第十四条 with DOMAIN.md: recovery on revocation for fraud is a setting, on by default
@pytest.fixture
def no_recovery_on_fraud() -> Iterator[None]:
    previous = policy.configure(Programme.ADVANCED_CLUSTER, recover_on=frozenset())
    yield
    policy.PROGRAMMES[Programme.ADVANCED_CLUSTER] = previous


def test_revocation_for_breaking_the_law_does_not_recover_by_default(books: Session) -> None:
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    done = grants.terminate(
        books, award=award.code, reason="违反法律法规", on=date(2025, 9, 1), actor="p"
    )
    assert [c.action for c in done] == ["revocation", "cancel"]
    assert statement(books, award.code).receivable == 0


def test_recovery_on_fraud_can_be_switched_off(books: Session, no_recovery_on_fraud: None) -> None:
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.terminate(books, award=award.code, reason="弄虚作假", on=date(2025, 9, 1), actor="p")
    assert statement(books, award.code).receivable == 0


def test_recovery_on_fraud_is_on_by_default() -> None:
    assert policy.ADVANCED_CLUSTER.recovers(policy.ExitReason.FRAUD)
    assert not policy.ADVANCED_CLUSTER.recovers(policy.ExitReason.CONSECUTIVE_FAILURES)
    assert all(policy.SERVICE_ZONE.recovers(r) for r in policy.ExitReason)


# ADV-OPINION §二十一: 根据认定和考核评价结果分步到位
def test_only_the_first_stage_may_be_paid_on_the_recognition(books: Session) -> None:
    with pytest.raises(RuleBreach, match="only the first stage") as info:
        grants.grant_award(
            books,
            programme=Programme.ADVANCED_CLUSTER,
            recipient="WH-CL",
            fund=FUND,
            tier="provincial",
            granted_on=date(2025, 3, 1),
            stages=[
                grants.StagePlan(2025, 250 * WAN),
                grants.StagePlan(2026, 250 * WAN, Gate.RECOGNITION),
            ],
            actor="finance-a",
        )
    assert info.value.rule == "gate-assessment"


# ADV-OPINION §二十一: 省级先进制造业集群500万元 — not one 分 less, and the refusal shows the 分
def test_a_cluster_award_one_fen_short_of_its_tier_is_refused_showing_both_amounts_in_yuan(
    books: Session,
) -> None:
    with pytest.raises(RuleBreach) as refused:
        grants.grant_award(
            books,
            programme=Programme.ADVANCED_CLUSTER,
            recipient="WH-CL",
            fund=FUND,
            tier="provincial",
            amount=500 * WAN - 1,
            granted_on=date(2025, 3, 1),
            actor="finance-a",
        )
    assert refused.value.rule == "fixed-award-amount"
    assert refused.value.message.endswith("is 5,000,000.00 元 (500.00万元), not 4,999,999.99 元")


def test_a_tier_that_does_not_exist_is_refused(books: Session) -> None:
    with pytest.raises(InvalidInput, match="tier"):
        grants.grant_award(
            books,
            programme=Programme.ADVANCED_CLUSTER,
            recipient="WH-CL",
            fund=FUND,
            tier="市级",
            granted_on=date(2025, 3, 1),
            actor="finance-a",
        )
    assert cluster_award(books, tier="世界级").amount == 1000 * WAN


# -- COUNTY-PLAN 附件4 第六条: 集群有效期为3年……复核通过的有效期延长3年 ---------------------


def test_a_recognition_of_29_february_is_valid_to_28_february_three_years_on(
    books: Session,
) -> None:
    code = county_award(books, date(2024, 2, 29), [grants.StagePlan(2024, 300 * WAN)])
    assert statement(books, code).stages[0].status == "committed"
    grants.request_release(books, award=code, seq=1, actor="finance-a", on=date(2027, 2, 28))
    with pytest.raises(GateNotMet, match="expired"):
        grants.approve_release(books, award=code, seq=1, actor="finance-b", on=date(2027, 3, 1))


def test_stages_of_a_lapsed_county_recognition_wait_for_the_review(books: Session) -> None:
    code = county_award(
        books,
        date(2024, 6, 1),
        [grants.StagePlan(2024, 100 * WAN), grants.StagePlan(2027, 200 * WAN)],
    )
    grants.record_assessment(
        books, award=code, year=2027, grade="合格", on=date(2027, 5, 1), actor="p"
    )
    with pytest.raises(GateNotMet, match="expired"):
        grants.request_release(books, award=code, seq=2, actor="finance-a", on=date(2027, 6, 2))
    assert statement(books, code).committed == 300 * WAN  # still committed, not lost
    done = grants.review_recognition(books, award=code, passed=True, on=date(2027, 7, 1), actor="p")
    assert "2030-06-01" in done[0].detail  # extended from the old expiry, not the review date
    release(books, code, 2, date(2027, 7, 2))
    assert statement(books, code).paid == 200 * WAN


# COUNTY-PLAN 附件4 第三条: 营业收入100亿元以上（可适当放宽）、优质企业50家以上、
# 研发投入强度2.2%以上 (以上 counts the bound itself)
def test_county_criteria_count_the_bounds_themselves_as_met() -> None:
    exact = CountyClusterFacts(100 * YI, 1, 50, Decimal("2.2"))
    assert check_county_criteria(exact).met
    short = CountyClusterFacts(100 * YI - 1, 0, 49, Decimal("2.19"))
    assert len(check_county_criteria(short).unmet) == 4


def test_revenue_below_100_yi_may_be_relaxed_only_for_a_leading_cluster() -> None:
    first = CountyClusterFacts(80 * YI, 1, 60, Decimal("3"), first_in_province=True)
    check = check_county_criteria(first)
    assert check.met
    assert len(check.relaxable) == 1
    assert check_county_criteria(
        CountyClusterFacts(80 * YI, 1, 60, Decimal("3"), top_nationally=True)
    ).met
    assert not check_county_criteria(CountyClusterFacts(80 * YI, 1, 60, Decimal("3"))).met


# ZONE-GUIDE 附则: 有效期至2027年12月31日
def test_a_zone_stage_planned_in_2027_is_within_the_guideline(books: Session) -> None:
    award = grants.grant_award(
        books,
        programme=Programme.SERVICE_ZONE,
        recipient="HF-GX",
        fund=FUND,
        amount=1000 * WAN,
        granted_on=date(2027, 12, 31),
        stages=[grants.StagePlan(2027, 400 * WAN), grants.StagePlan(2027, 600 * WAN)],
        actor="finance-a",
    )
    release(books, award.code, 1, date(2027, 12, 31))
    grants.record_assessment(
        books, award=award.code, year=2027, grade="合格", on=date(2027, 12, 31), actor="p"
    )
    release(books, award.code, 2, date(2027, 12, 31))
    assert statement(books, award.code).paid == 1000 * WAN


# -- 分步到位: ADV-OPINION §二十一, ADV-MEASURES 第十二条, ZONE-GUIDE 评估管理 -----------------


@pytest.mark.parametrize(
    ("programme", "tier", "source"),
    [
        (Programme.ADVANCED_CLUSTER, "provincial", "ADV-MEASURES 第十二条"),
        (Programme.SERVICE_ZONE, "", "ZONE-GUIDE 评估管理"),
    ],
)
def test_an_award_the_text_pays_in_stages_cannot_be_planned_as_one_stage(
    books: Session, programme: Programme, tier: str, source: str
) -> None:
    with pytest.raises(RuleBreach, match="分步到位") as refused:
        grants.grant_award(
            books,
            programme=programme,
            recipient="HF-GX" if programme is Programme.SERVICE_ZONE else "WH-CL",
            fund=FUND,
            amount=None if tier else 500 * WAN,
            tier=tier,
            split=(100,),
            granted_on=date(2025, 3, 1),
            actor="finance-a",
        )
    assert refused.value.rule == "staged-payment"
    assert refused.value.clause is not None
    assert refused.value.clause.startswith(source)


def test_a_county_cluster_may_be_funded_in_one_stage_since_its_texts_set_no_stages(
    books: Session,
) -> None:
    """COUNTY-PLAN 附件4 第七条 and COUNTY-OPINION only say 统筹……专项资金 support the cluster."""
    code = county_award(books, date(2025, 6, 20), [grants.StagePlan(2025, 200 * WAN)])
    assert len(statement(books, code).stages) == 1


# ZONE-GUIDE 评估管理: 剩余资金 (≤ 20 %) is measured against the money received, not the award
def test_a_zones_own_use_cap_grows_with_each_stage_received(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))  # 400万 received of 1000万
    spend = {"award": award.code, "purpose": "搭建公共服务平台", "actor": "zone-officer"}
    with pytest.raises(RuleBreach, match="20 %"):
        grants.record_spending(books, amount=80 * WAN + 1, on=date(2025, 5, 1), **spend)
    grants.record_assessment(
        books, award=award.code, year=2026, grade="合格", on=date(2026, 5, 1), actor="p"
    )
    release(books, award.code, 2, date(2026, 6, 1))  # 700万 received
    grants.record_spending(books, amount=140 * WAN, on=date(2026, 6, 2), **spend)
    assert statement(books, award.code).spent == 140 * WAN


def zone_received_400_then_700(books: Session) -> str:
    """A zone paid 400万 on 2025-04-01 and 300万 more on 2026-06-01."""
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    grants.record_assessment(
        books, award=award.code, year=2026, grade="合格", on=date(2026, 5, 1), actor="p"
    )
    release(books, award.code, 2, date(2026, 6, 1))
    return award.code


# ZONE-GUIDE 评估管理: the 20 % left for own use is of the money received by the day it is used
def test_a_backdated_own_use_is_capped_by_what_had_been_received_by_its_date(
    books: Session,
) -> None:
    code = zone_received_400_then_700(books)
    spend = {"award": code, "purpose": "诊断宣贯", "actor": "zone-officer"}
    with pytest.raises(RuleBreach, match="by 2025-05-01") as refused:
        grants.record_spending(books, amount=80 * WAN + 1, on=date(2025, 5, 1), **spend)
    assert refused.value.rule == "own-use-at-most-20-percent"
    assert refused.value.details["received"] == 400 * WAN
    assert refused.value.details["cap"] == 80 * WAN
    grants.record_spending(books, amount=80 * WAN, on=date(2025, 5, 1), **spend)  # exactly 20 %
    grants.record_spending(books, amount=60 * WAN, on=date(2026, 6, 1), **spend)  # 140 of 700
    assert statement(books, code).spent == 140 * WAN


def test_own_use_dated_before_any_money_arrived_is_refused(books: Session) -> None:
    code = zone_received_400_then_700(books)
    with pytest.raises(RuleBreach, match=r"had received 0\.00 元 by 2025-03-31"):
        grants.record_spending(
            books, award=code, amount=1, purpose="诊断宣贯", on=date(2025, 3, 31), actor="z"
        )


def test_a_backdated_own_use_may_not_push_a_later_day_past_20_percent(books: Session) -> None:
    code = zone_received_400_then_700(books)
    spend = {"award": code, "purpose": "诊断宣贯", "actor": "zone-officer"}
    grants.record_spending(books, amount=140 * WAN, on=date(2026, 7, 1), **spend)  # 20 % of 700
    # Within 20 % of the 400万 received by 2025-05-01, but 150万 by 2026-07-01 is above 140万.
    with pytest.raises(RuleBreach, match="by 2026-07-01") as refused:
        grants.record_spending(books, amount=10 * WAN, on=date(2025, 5, 1), **spend)
    assert refused.value.details["spent"] == 140 * WAN
    assert statement(books, code).spent == 140 * WAN


def test_a_reversed_own_use_no_longer_counts_against_the_cap(books: Session) -> None:
    code = zone_received_400_then_700(books)
    spend = {"award": code, "purpose": "诊断宣贯", "actor": "zone-officer"}
    mistaken = grants.record_spending(books, amount=80 * WAN, on=date(2025, 5, 1), **spend)
    grants.reverse_entry(books, entry_id=mistaken.entry_id, reason="录错日期", actor="finance-a")
    grants.record_spending(books, amount=80 * WAN, on=date(2025, 6, 1), **spend)
    assert statement(books, code).spent == 80 * WAN


def test_a_release_cannot_be_reversed_while_own_use_rests_on_it(books: Session) -> None:
    code = zone_received_400_then_700(books)
    spend = {"award": code, "purpose": "诊断宣贯", "actor": "zone-officer"}
    grants.record_spending(books, amount=100 * WAN, on=date(2026, 7, 1), **spend)  # > 80万
    second = statement(books, code).stages[1]
    assert second.status == "paid"
    release_entry = books.exec(
        select(Stage.release_entry_id).where(Stage.seq == 2, Stage.year == 2026)
    ).one()
    assert release_entry is not None
    with pytest.raises(RuleBreach, match="reverse that own use before the release"):
        grants.reverse_entry(books, entry_id=release_entry, reason="录错", actor="finance-a")
    assert statement(books, code).paid == 700 * WAN


# -- assessments happen within the award's life: from its recognition, in their own year -----


def test_an_assessment_for_a_year_before_the_recognition_is_refused_naming_the_year(
    books: Session,
) -> None:
    award = zone_award(books, granted_on=date(2025, 3, 1))
    with pytest.raises(InvalidInput, match="before its recognition") as refused:
        grants.record_assessment(
            books, award=award.code, year=2024, grade="合格", on=date(2025, 4, 1), actor="p"
        )
    assert refused.value.field == "year"


def test_an_assessment_dated_before_the_recognition_is_refused_naming_the_date(
    books: Session,
) -> None:
    award = zone_award(books, granted_on=date(2025, 3, 1))
    with pytest.raises(InvalidInput, match="2025-02-28, before its recognition") as refused:
        grants.record_assessment(
            books, award=award.code, year=2025, grade="合格", on=date(2025, 2, 28), actor="p"
        )
    assert refused.value.field == "on"
    grants.record_assessment(  # the day of the recognition itself is possible
        books, award=award.code, year=2025, grade="合格", on=date(2025, 3, 1), actor="p"
    )


def test_a_2027_result_cannot_be_dated_in_2026(books: Session) -> None:
    award = zone_award(books, granted_on=date(2025, 3, 1))
    with pytest.raises(InvalidInput, match="the 2027 assessment") as refused:
        grants.record_assessment(
            books, award=award.code, year=2027, grade="合格", on=date(2026, 12, 31), actor="p"
        )
    assert refused.value.field == "on"
    assert statement(books, award.code).status == "active"


def test_a_result_given_after_its_year_is_still_recorded_and_gates_its_stage(
    books: Session,
) -> None:
    """Late is possible: the 2026 result given in January 2027 (and typed in later still)."""
    award = zone_award(books, granted_on=date(2025, 3, 1))  # stages 2025 / 2026 / 2027
    grants.record_assessment(
        books, award=award.code, year=2026, grade="合格", on=date(2027, 1, 20), actor="p"
    )
    release(books, award.code, 2, date(2027, 2, 1))
    assert statement(books, award.code).paid == 300 * WAN


# -- maker-checker (rules.md): the approval follows the request -----------------------------


def test_a_stage_cannot_be_approved_on_a_day_before_it_was_requested(books: Session) -> None:
    award = cluster_award(books)
    grants.request_release(books, award=award.code, seq=1, actor="finance-a", on=date(2025, 4, 5))
    with pytest.raises(InvalidInput, match="requested on 2025-04-05") as refused:
        grants.approve_release(
            books, award=award.code, seq=1, actor="finance-b", on=date(2025, 4, 1)
        )
    assert refused.value.field == "on"
    assert statement(books, award.code).paid == 0
    grants.approve_release(books, award=award.code, seq=1, actor="finance-b", on=date(2025, 4, 5))
    assert statement(books, award.code).stages[0].status == "paid"


def test_an_approver_named_with_spaces_around_the_requesters_name_is_the_requester(
    books: Session,
) -> None:
    award = cluster_award(books)
    grants.request_release(books, award=award.code, seq=1, actor="finance-a", on=date(2025, 4, 1))
    for approver in ("finance-a ", " finance-a", "finance-a\t"):
        with pytest.raises(RuleBreach, match="cannot also approve") as refused:
            grants.approve_release(
                books, award=award.code, seq=1, actor=approver, on=date(2025, 4, 2)
            )
        assert refused.value.rule == "maker-checker"
    paid = grants.approve_release(
        books, award=award.code, seq=1, actor=" finance-b ", on=date(2025, 4, 2)
    )
    assert (paid.requested_by, paid.approved_by) == ("finance-a", "finance-b")
    assert paid.release_entry_id is not None
    assert Ledger(books).entry(paid.release_entry_id).actor == "finance-b"


def test_a_blank_actor_is_refused_naming_the_field(books: Session) -> None:
    award = cluster_award(books)
    with pytest.raises(InvalidInput, match="names nobody") as refused:
        grants.request_release(books, award=award.code, seq=1, actor="  ", on=date(2025, 4, 1))
    assert refused.value.field == "actor"
    assert statement(books, award.code).stages[0].status == "committed"


# -- GB 32100-2015: 统一社会信用代码 --------------------------------------------------------


def test_a_credit_code_is_found_whatever_case_it_is_typed_in(books: Session) -> None:
    code = credit_code(1)
    assert grants.enterprise_receipts(books, code.lower()) == []


def test_a_credit_code_must_start_with_a_registration_authority(books: Session) -> None:
    with pytest.raises(InvalidInput, match="registration authority"):
        grants.add_enterprise(
            books, actor="f", credit_code=make_credit_code("0" * 17), name="无", city="合肥"
        )


def mistyped(code: str) -> str:
    """``code`` with another check character (its last)."""
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_a_credit_code_with_a_wrong_check_character_is_a_typing_slip_not_an_unknown_one(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    wrong = mistyped(credit_code(1))
    with pytest.raises(InvalidInput, match="check character is '0', should be") as refused:
        grants.record_pass_through(
            books, award=award.code, enterprise=wrong, amount=WAN, purpose="技术创新项目",
            on=date(2025, 5, 1), actor="z",
        )  # fmt: skip
    assert refused.value.field == "enterprise"
    with pytest.raises(InvalidInput, match="check character") as looked_up:
        grants.enterprise_receipts(books, wrong.lower())
    assert looked_up.value.field == "credit_code"
    with pytest.raises(UnknownRecord):  # a valid code nobody registered
        grants.enterprise_receipts(books, credit_code(88))
    assert statement(books, award.code).passed_on == 0


# -- ZONE-GUIDE 评估管理: 剩余资金用于开展诊断宣贯…… (own use, by purpose) -----------------


def test_an_own_use_purpose_is_recorded_without_the_spaces_around_it(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))

    def spend(purpose: str) -> Use:
        return grants.record_spending(
            books, award=award.code, amount=WAN, purpose=purpose, on=date(2025, 5, 1), actor="z"
        )

    padded, plain = spend(" 诊断宣贯\u3000"), spend("诊断宣贯")
    assert padded.purpose == plain.purpose == "诊断宣贯"
    assert Ledger(books).balance(accounts.spent(award.code, "诊断宣贯")) == 2 * WAN
    for blank in ("", "  "):
        with pytest.raises(InvalidInput, match="say what") as refused:
            spend(blank)
        assert refused.value.field == "purpose"
    assert statement(books, award.code).spent == 2 * WAN


# -- bookkeeping: a voucher (凭证号) is one payment document -------------------------------


def test_a_voucher_used_again_on_the_same_award_is_refused_naming_the_earlier_entry(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))

    def spend(voucher: str | None, on: date = date(2025, 5, 2)) -> Use:
        return grants.record_spending(
            books, award=award.code, amount=WAN, purpose="诊断宣贯", on=on, voucher=voucher,
            actor="z",
        )  # fmt: skip

    first = spend("ZC-1", date(2025, 5, 1))
    for again in ("ZC-1", " ZC-1 "):
        with pytest.raises(RuleBreach, match="voucher 'ZC-1' is already recorded") as refused:
            spend(again)
        assert refused.value.rule == "voucher-once"
        assert refused.value.details == {"voucher": "ZC-1", "entry": first.entry_id}
        assert f"entry #{first.entry_id}, own spending of 10,000.00 元 dated 2025-05-01" in (
            refused.value.message
        )
    with pytest.raises(RuleBreach, match="voucher 'ZC-1'"):  # nor passed on with it
        grants.record_pass_through(
            books, award=award.code, enterprise=credit_code(1), amount=WAN,
            purpose="技术创新项目", on=date(2025, 5, 2), voucher="ZC-1", actor="z",
        )  # fmt: skip
    for voucher in ("ZC-2", None, None):  # another voucher, or none: each a payment of its own
        spend(voucher)
    assert statement(books, award.code).spent == 4 * WAN


def test_a_retry_under_its_key_is_the_first_use_and_a_reversed_use_frees_its_voucher(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    other = cluster_award(books)
    release(books, other.code, 1, date(2025, 4, 1))

    def pay(code: str, key: str | None = None, amount: int = WAN) -> Use:
        return grants.record_pass_through(
            books, award=code, enterprise=credit_code(1), amount=amount,
            purpose="技术创新项目", on=date(2025, 5, 1), voucher="PZ-9", actor="z",
            idempotency_key=key,
        )  # fmt: skip

    first = pay(award.code, "k")
    assert pay(award.code, "k").entry_id == first.entry_id
    pay(other.code)  # another award's vouchers are its own
    grants.reverse_entry(books, entry_id=first.entry_id, reason="金额录错", actor="finance-a")
    assert pay(award.code, amount=2 * WAN).voucher == "PZ-9"
    assert statement(books, award.code).passed_on == 2 * WAN
