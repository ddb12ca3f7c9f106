"""Money is checked on every day from an entry's effective date, not only today.

A grant, a budget cut or a reversal dated ``d`` changes the books on ``d`` and every later
day. The fund's execution as of any of those days must still add up: no year's budget more
than committed (ADV-MEASURES 第十二条 年度资金预算; ZONE-GUIDE 评估管理), no reversal that
undoes an entry before it happened.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from factories import FUND, cluster_award, credit_code, release, world, zone_award
from funds import grants
from funds.errors import InvalidInput
from funds.grants.errors import AwardEnded, BudgetShortfall, RuleBreach
from funds.grants.models import Assessment, Award, FundYear, Stage
from funds.ledger import AlreadyReversed, Ledger, verify
from funds.policy import WAN

ONE_YEAR = [grants.StagePlan(2025, 400 * WAN), grants.StagePlan(2025, 600 * WAN)]
"""A 1000万 zone grant whose two stages are both planned in 2025 (分步到位 within a year)."""


def available(session: Session, year: int, as_of: date) -> int:
    return grants.fund_year_execution(session, FUND, year, as_of=as_of).available


def set_budget(session: Session, year: int, wan: int, on: date, reason: str = "压减") -> FundYear:
    return grants.set_budget(
        session,
        fund_code=FUND,
        year=year,
        amount=wan * WAN,
        reason=reason,
        actor="finance-a",
        effective_date=on,
    )


def one_year_zone(session: Session, recipient: str, on: date) -> Award:
    """A 1000万 zone grant to ``recipient`` dated ``on``, both stages in 2025 (ONE_YEAR)."""
    return grants.grant_award(
        session,
        programme="service_zone",
        recipient=recipient,
        fund=FUND,
        amount=1000 * WAN,
        granted_on=on,
        stages=ONE_YEAR,
        actor="finance-a",
    )


# ADV-MEASURES 第十二条: a stage is committed against its year's budget. A budget set on
# 1 June does not carry a grant dated 1 March: as of March the year had nothing to commit.
def test_a_grant_dated_before_its_year_budget_was_set_is_refused(session: Session) -> None:
    world(session, years=(2026, 2027))
    set_budget(session, 2025, 10_000, date(2025, 6, 1), "年度预算")
    head = Ledger(session).head()
    with pytest.raises(BudgetShortfall, match=r"available budget 0\.00 元 cannot carry") as info:
        zone_award(session, granted_on=date(2025, 3, 1))
    assert "the 2025 budget was 0.00 元 on 2025-03-01 and is 100,000,000.00 元 now" in str(
        info.value
    )
    assert info.value.details == {
        "fund": FUND,
        "year": 2025,
        "available": 0,
        "needed": 400 * WAN,
        "shortfall": 400 * WAN,
        "as_of": date(2025, 3, 1),
    }
    assert Ledger(session).head() == head
    award = zone_award(session, granted_on=date(2025, 6, 1))
    assert available(session, 2025, date(2025, 6, 1)) == 9_600 * WAN
    assert award.code == "ZONE-2025-0001"


# The money an exit sends back to the budget is there from the exit's date on. A grant dated
# before the exit could not have used it: as of its date the year was fully committed.
def test_money_freed_by_an_exit_cannot_carry_a_grant_dated_before_the_exit(
    session: Session,
) -> None:
    world(session, budget_wan=1000)
    first = one_year_zone(session, "HF-GX", date(2025, 3, 1))
    grants.terminate(
        session, award=first.code, reason="voluntary", on=date(2025, 9, 1), actor="province"
    )
    assert available(session, 2025, date(2025, 9, 1)) == 1000 * WAN
    assert available(session, 2025, date(2025, 5, 1)) == 0
    grants.add_recipient(
        session, actor="p", code="WH-JK", name="芜湖经开区", kind="development_zone", city="芜湖"
    )
    with pytest.raises(BudgetShortfall, match=r"0\.00 元 cannot carry 10,000,000\.00 元"):
        one_year_zone(session, "WH-JK", date(2025, 5, 1))
    one_year_zone(session, "WH-JK", date(2025, 9, 1))
    for day in (date(2025, 3, 1), date(2025, 5, 1), date(2025, 9, 1), date(2025, 12, 31)):
        assert available(session, 2025, day) >= 0
    assert verify(session.connection()).ok


# A budget cut dated 1 January takes the money out on every day from then. A grant of
# 2025-03-01 committed 400万; a cut to 9,800万 leaves 9,400万 free, fine; a cut to 100万
# would leave the March books committing more than the budget, even though the grant was
# later forfeited or not: it is refused, naming the day.
def test_a_budget_cut_is_checked_on_every_day_from_its_date(session: Session) -> None:
    world(session)
    zone_award(session, granted_on=date(2025, 3, 1))
    with pytest.raises(RuleBreach, match=r"on 2025-03-01 only 96,000,000\.00 元") as info:
        set_budget(session, 2025, 100, date(2025, 1, 1))
    assert info.value.rule == "budget-not-below-commitments"
    set_budget(session, 2025, 9_800, date(2025, 1, 1))
    assert available(session, 2025, date(2025, 3, 1)) == 9_400 * WAN


# Here the cut is checked against a commitment that later returns to the budget: today the
# year has its whole budget free, but from 1 March to 31 August 400万 of it was committed.
def test_a_budget_cut_cannot_overdraw_the_days_before_money_came_back(session: Session) -> None:
    world(session, budget_wan=1000)
    award = zone_award(session, granted_on=date(2025, 3, 1))
    grants.terminate(
        session, award=award.code, reason="voluntary", on=date(2025, 9, 1), actor="province"
    )
    assert available(session, 2025, date(2025, 12, 31)) == 1000 * WAN
    with pytest.raises(RuleBreach, match=r"on 2025-03-01 only 6,000,000\.00 元"):
        set_budget(session, 2025, 100, date(2025, 1, 1))
    # Dated after the money came back, the same cut holds on every day.
    set_budget(session, 2025, 100, date(2025, 9, 1))
    assert available(session, 2025, date(2025, 9, 1)) == 100 * WAN


def test_a_reversal_cannot_be_dated_before_the_entry_it_reverses(session: Session) -> None:
    world(session)
    award = zone_award(session, granted_on=date(2025, 3, 1))
    release(session, award.code, 1, date(2025, 4, 1))
    use = pass_on(session, award.code, 1, 100, date(2025, 6, 1))
    head = Ledger(session).head()
    with pytest.raises(RuleBreach, match="dated 2025-06-01; its reversal cannot") as info:
        grants.reverse_entry(
            session, entry_id=use, reason="录入错误", actor="b", on=date(2025, 5, 1)
        )
    assert info.value.rule == "reversal-not-before-entry"
    assert Ledger(session).head() == head
    statement = grants.award_statement(session, award.code, as_of=date(2025, 5, 15))
    assert statement.passed_on == 0
    grants.reverse_entry(session, entry_id=use, reason="录入错误", actor="b", on=date(2025, 6, 1))
    assert grants.award_statement(session, award.code).passed_on == 0


# A budget top-up of 2025-02-01 carried a grant of 2025-03-01. Reversing the top-up, on any
# date from 1 March on, would leave the year committing more than its budget.
def test_a_budget_top_up_cannot_be_reversed_under_the_grants_it_carried(
    session: Session,
) -> None:
    world(session, budget_wan=100)
    top_up = set_budget(session, 2025, 1000, date(2025, 2, 1), "追加预算")
    assert top_up.budget == 1000 * WAN
    entry, _ = Ledger(session).head()
    one_year_zone(session, "HF-GX", date(2025, 3, 1))
    for on in (None, date(2025, 12, 1)):
        with pytest.raises(RuleBreach, match="reverse the budget change") as info:
            grants.reverse_entry(
                session, entry_id=entry, reason="录入错误", actor="finance-b", on=on
            )
        assert info.value.rule == "budget-not-below-commitments"
    assert grants.fund_year_execution(session, FUND, 2025).budget == 1000 * WAN


def pass_on(
    session: Session, award: str, n: int, wan: int, on: date, voucher: str | None = None
) -> int:
    """合肥高新区 passes ``wan`` 万 of ``award`` on to enterprise ``n``; return the entry."""
    return grants.record_pass_through(
        session,
        award=award,
        enterprise=credit_code(n),
        amount=wan * WAN,
        purpose="设备购置补助",
        on=on,
        voucher=voucher,
        actor="合肥高新区-李",
    ).entry_id


def assess(session: Session, award: str, year: int, grade: str, on: date, **kw: bool) -> None:
    grants.record_assessment(
        session, award=award, year=year, grade=grade, on=on, actor="province", **kw
    )


# ADV-OPINION §二十二: a cluster that fails a year gets nothing for it. The recognition stage
# was paid on 2025-06-01; a 2025 不合格 dated 2025-05-01 would say it was paid while its year
# stood failed. The result is refused naming its date; dated the payment day or later it is
# recorded (the payment stood on its gate when it was made).
def test_a_failed_year_cannot_be_dated_before_its_stage_was_paid(session: Session) -> None:
    world(session)
    award = cluster_award(session)
    release(session, award.code, 1, date(2025, 6, 1))
    head = Ledger(session).head()
    with pytest.raises(InvalidInput, match="was paid on 2025-06-01") as info:
        assess(session, award.code, 2025, "不合格", date(2025, 5, 1))
    assert info.value.details["field"] == "on"
    assert Ledger(session).head() == head
    assert grants.award_statement(session, award.code).stages[0].status == "paid"
    assess(session, award.code, 2025, "不合格", date(2025, 11, 1))
    assert grants.award_statement(session, award.code).status == "active"


# ZONE-GUIDE 评估管理: a zone still 不合格 on re-assessment exits on the re-assessment's day.
# It passed 100万 on to an enterprise on 2026-06-15; a failed re-assessment dated 2026-06-01
# would exit it before that pass-through. Refused; dated 2026-06-20 the zone exits then.
def test_a_result_that_ends_an_award_cannot_be_dated_before_money_it_used(
    session: Session,
) -> None:
    world(session)
    award = zone_award(session)
    release(session, award.code, 1, date(2025, 4, 1))
    assess(session, award.code, 2026, "不合格", date(2026, 4, 30))
    pass_on(session, award.code, 1, 100, date(2026, 6, 15))
    head = Ledger(session).head()
    with pytest.raises(InvalidInput, match=r"ends the award \(exit on 2026-06-01\)"):
        assess(session, award.code, 2026, "不合格", date(2026, 6, 1), reassessment=True)
    assert Ledger(session).head() == head
    assert grants.award_statement(session, award.code).status == "active"
    assess(session, award.code, 2026, "不合格", date(2026, 6, 20), reassessment=True)
    statement = grants.award_statement(session, award.code)
    assert (statement.status, statement.receivable) == ("exited", 400 * WAN)


# ADV-MEASURES 第十四条: two consecutive failed years revoke the title, on the day the second
# result was given. The cluster passed 50万 on on 2026-03-01; a 2026 不合格 dated 2026-02-01
# after a failed 2025 would revoke it before that pass-through.
def test_a_second_failed_year_cannot_revoke_before_money_already_used(session: Session) -> None:
    world(session)
    award = cluster_award(session)
    release(session, award.code, 1, date(2025, 6, 1))
    assess(session, award.code, 2025, "不合格", date(2025, 11, 1))
    grants.record_pass_through(
        session,
        award=award.code,
        enterprise=credit_code(3),
        amount=50 * WAN,
        purpose="集群企业技术改造补助",
        on=date(2026, 3, 1),
        actor="芜湖集群-王",
    )
    with pytest.raises(InvalidInput, match=r"\(revocation on 2026-02-01\)"):
        assess(session, award.code, 2026, "不合格", date(2026, 2, 1))
    assert grants.award_statement(session, award.code).status == "active"
    assess(session, award.code, 2026, "不合格", date(2026, 3, 2))
    assert grants.award_statement(session, award.code).status == "revoked"


# An auditor's statement as of a day shows the books of that day: a stage forfeited later
# (ADV-OPINION §二十二, the 2027 不合格 of 2027-05-01) reads committed, with no note of the
# forfeit, as of 2026-03-05; a release requested later shows no requester.
def test_a_statement_as_of_a_day_shows_nothing_that_happened_later(session: Session) -> None:
    world(session)
    award = cluster_award(session)
    release(session, award.code, 1, date(2025, 6, 1))
    assess(session, award.code, 2026, "合格", date(2026, 3, 1))
    grants.request_release(
        session, award=award.code, seq=2, actor="finance-a", on=date(2026, 3, 10)
    )
    assess(session, award.code, 2027, "不合格", date(2027, 5, 1))
    now = grants.award_statement(session, award.code).stages
    assert (now[2].status, now[2].closed_on) == ("forfeited", date(2027, 5, 1))
    assert now[2].note
    assert (now[1].status, now[1].requested_by) == ("requested", "finance-a")
    earlier = grants.award_statement(session, award.code, as_of=date(2026, 3, 5)).stages
    assert [(s.status, s.note, s.requested_by) for s in earlier[1:]] == [
        ("committed", "", None),
        ("committed", "", None),
    ]


# ADV-OPINION (皖政办秘〔2023〕55号, 2023年12月1日) §二十一 creates the 500万 / 1000万 award:
# a recognition dated the day before it has no basis for one.
def test_an_advanced_cluster_award_before_its_founding_text_is_refused(session: Session) -> None:
    world(session, years=(2023, 2024, 2025, 2026))
    head = Ledger(session).head()
    with pytest.raises(RuleBreach, match="rests on a text of 2023-12-01") as info:
        cluster_award(session, granted_on=date(2023, 11, 30))
    assert info.value.rule == "programme-in-force"
    assert "§二十一" in (info.value.clause or "")
    assert Ledger(session).head() == head
    assert cluster_award(session, granted_on=date(2023, 12, 1)).code == "ADV-2023-0001"


# ZONE-GUIDE 评估管理: 需在3个月内完成整改，并在整改时限内再次提交评价材料……整改后评估仍不合格的，
# 退出. A 2025 不合格 of 2025-11-01 is due by 2026-02-01; with no materials by then the zone
# exits on 2026-02-02, whether or not anyone has applied the deadlines yet. From that day no
# money moves and no result is taken; up to it, and once materials are in, the zone goes on.
def test_a_zone_past_its_rectification_date_without_materials_gets_nothing_more(
    session: Session,
) -> None:
    world(session)
    award = zone_award(session)
    release(session, award.code, 1, date(2025, 4, 1))
    assess(session, award.code, 2025, "不合格", date(2025, 11, 1))

    pass_on(session, award.code, 1, 10, date(2026, 2, 1))
    head = Ledger(session).head()
    with pytest.raises(AwardEnded, match="the zone exits on 2026-02-02") as info:
        pass_on(session, award.code, 1, 10, date(2026, 2, 2))
    assert info.value.rule == "no-payment-after-exit"
    with pytest.raises(AwardEnded, match="no assessment dated 2026-03-01"):
        assess(session, award.code, 2026, "合格", date(2026, 3, 1))
    assert Ledger(session).head() == head
    done = grants.apply_deadlines(session, as_of=date(2026, 3, 1))
    assert ("exit", "exit on 2026-02-02: failed_rectification") in [
        (c.action, c.detail) for c in done
    ]


def test_a_zone_whose_materials_came_in_time_goes_on_past_its_rectification_date(
    session: Session,
) -> None:
    world(session)
    award = zone_award(session)
    release(session, award.code, 1, date(2025, 4, 1))
    assess(session, award.code, 2025, "不合格", date(2025, 11, 1))
    grants.record_rectification(
        session, award=award.code, year=2025, on=date(2026, 1, 20), actor="合肥高新区"
    )
    grants.record_pass_through(
        session,
        award=award.code,
        enterprise=credit_code(1),
        amount=10 * WAN,
        purpose="设备购置补助",
        on=date(2026, 3, 1),
        actor="合肥高新区-李",
    )
    assert grants.award_statement(session, award.code).passed_on == 10 * WAN


# A release reversed undoes a payment entered by mistake: the stage goes back to committed as
# the grant made it. Dated a month after the payment, the books as of the days between would
# hold the 400万 without the stage being paid (held 400万, paid 0, committed 600万 of a
# 1000万 award). So it carries the payment's day; then every day adds up.
def test_a_release_reversal_is_dated_the_day_of_the_payment(session: Session) -> None:
    world(session)
    award = zone_award(session)
    release(session, award.code, 1, date(2025, 4, 1))
    assert grants.award_statement(session, award.code).stages[0].status == "paid"
    stage = session.exec(select(Stage).where(Stage.award_id == award.id, Stage.seq == 1)).one()
    assert stage.release_entry_id is not None
    with pytest.raises(InvalidInput, match="paid on 2025-04-01; reversing its release") as info:
        grants.reverse_entry(
            session,
            entry_id=stage.release_entry_id,
            reason="录入错误",
            actor="finance-b",
            on=date(2025, 5, 1),
        )
    assert info.value.details["field"] == "on"
    grants.reverse_entry(
        session, entry_id=stage.release_entry_id, reason="录入错误", actor="finance-b"
    )
    for day in (date(2025, 4, 1), date(2025, 4, 15), date(2025, 12, 31)):
        s = grants.award_statement(session, award.code, as_of=day)
        assert (s.paid, s.held, s.committed) == (0, 0, 1000 * WAN)
        execution = grants.fund_year_execution(session, FUND, 2025, as_of=day)
        assert execution.budget == execution.available + execution.committed + execution.paid


# A voucher is one payment. Reversed on 2025-06-01, the first use of 记-9 still stood on the
# days before: a second use of 记-9 dated then would count the payment twice as of those days.
def test_a_reversed_use_frees_its_voucher_from_the_reversal_date_on(session: Session) -> None:
    world(session)
    award = zone_award(session)
    release(session, award.code, 1, date(2025, 4, 1))

    first = pass_on(session, award.code, 1, 100, date(2025, 5, 1), voucher="记-9")
    grants.reverse_entry(
        session, entry_id=first, reason="企业账户有误", actor="finance-b", on=date(2025, 6, 1)
    )
    with pytest.raises(RuleBreach, match=f"entry #{first}") as info:
        pass_on(session, award.code, 2, 100, date(2025, 5, 1), voucher="记-9")
    assert info.value.rule == "voucher-once"
    pass_on(session, award.code, 2, 100, date(2025, 6, 1), voucher="记-9")
    assert grants.award_statement(session, award.code, as_of=date(2025, 5, 15)).passed_on == (
        100 * WAN
    )


# Deadlines are applied in the order of their days. The 2026 不合格 of 2026-04-30 was due by
# 2026-07-30: with no materials the zone exits on 2026-07-31. The 2027 assessment, due by
# 2027-12-31, was never owed by a zone that had left; it is not deemed 不合格 after the exit.
def test_deadlines_after_an_exit_are_not_applied(session: Session) -> None:
    world(session)
    award = zone_award(session)
    release(session, award.code, 1, date(2025, 4, 1))
    assess(session, award.code, 2026, "不合格", date(2026, 4, 30))
    done = grants.apply_deadlines(session, as_of=date(2028, 1, 5))
    assert [(c.action, c.detail) for c in done if c.action in ("exit", "deemed")] == [
        ("exit", "exit on 2026-07-31: failed_rectification")
    ]
    years = session.exec(select(Assessment.year).where(Assessment.award_id == award.id)).all()
    assert sorted(years) == [2026, 2026]


# A retry of a reversal under its key gets the first reversal back, and a second reversal is
# refused as such, even though the reversed top-up no longer carries anything to check.
def test_a_budget_reversal_retried_is_the_first_and_a_second_is_refused_as_such(
    session: Session,
) -> None:
    world(session, budget_wan=100)
    set_budget(session, 2025, 1000, date(2025, 2, 1), "追加预算")
    entry, _ = Ledger(session).head()
    first = grants.reverse_entry(
        session, entry_id=entry, reason="录入错误", actor="finance-b", idempotency_key="rv-1"
    )
    again = grants.reverse_entry(
        session, entry_id=entry, reason="录入错误", actor="finance-b", idempotency_key="rv-1"
    )
    assert (again.id, again.replayed) == (first.id, True)
    with pytest.raises(AlreadyReversed):
        grants.reverse_entry(session, entry_id=entry, reason="again", actor="finance-b")
    assert grants.fund_year_execution(session, FUND, 2025).budget == 100 * WAN
