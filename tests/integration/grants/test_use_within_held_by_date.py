"""Money is passed on or spent only once it has arrived: the recipient's holding for the
award, as of the use's date and on every later day, must cover it.

A stage's money is held from the day its release is effective (拨付日期). A pass-through or
own use dated earlier was paid from money the recipient did not yet have; one dated later
but before other uses may not take money those later uses already took. Bookkeeping
(passed on + spent ≤ received, as of every date), DOMAIN.md "Money flows" 3 and 4.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, col, select

from factories import FUND, cluster_award, credit_code, release, world, zone_award
from funds import grants
from funds.grants.errors import RuleBreach
from funds.grants.models import Award, Stage, Use
from funds.grants.queries import passed_and_paid
from funds.ledger import Ledger, verify
from funds.policy import WAN

PURPOSE = "培育服务型制造标杆企业"


@pytest.fixture
def books(session: Session) -> Session:
    world(session)
    return session


def pass_on(session: Session, award: str, amount: int, on: date, n: int = 1) -> Use:
    return grants.record_pass_through(
        session,
        award=award,
        enterprise=credit_code(n),
        amount=amount,
        purpose=PURPOSE,
        on=on,
        actor="zone-officer",
    )


def zone_with_two_stages_paid(session: Session) -> str:
    """A 1000万 zone grant (2025-03-01): 400万 paid 2025-04-01, 300万 paid 2026-04-01."""
    award = zone_award(session)
    release(session, award.code, 1, date(2025, 4, 1))
    grants.record_assessment(
        session, award=award.code, year=2026, grade="合格", on=date(2026, 3, 20), actor="p"
    )
    release(session, award.code, 2, date(2026, 4, 1))
    return award.code


def release_entry_of(session: Session, award: str, seq: int) -> int:
    found = session.exec(
        select(Stage.release_entry_id).join(Award).where(Award.code == award, Stage.seq == seq)
    ).one()
    assert found is not None
    return found


def test_a_pass_through_dated_before_its_stage_was_released_is_refused(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))  # 400万 held from 2025-04-01
    head = Ledger(books).head()
    with pytest.raises(RuleBreach) as refused:
        pass_on(books, award.code, 100 * WAN, date(2025, 3, 15))
    assert refused.value.rule == "use-within-held"
    assert refused.value.message == (
        f"{award.code} holds 0.00 元 as of 2025-03-15; it cannot pass on 1,000,000.00 元"
        " dated 2025-03-15"
    )
    assert refused.value.details == {"held": 0, "amount": 100 * WAN, "as_of": date(2025, 3, 15)}
    assert Ledger(books).head() == head
    assert books.exec(select(Use)).all() == []
    pass_on(books, award.code, 100 * WAN, date(2025, 4, 1))  # the day it arrived: accepted
    assert grants.award_statement(books, award.code).passed_on == 100 * WAN


def test_own_spending_dated_before_the_money_arrived_is_refused(books: Session) -> None:
    # An advanced cluster has no own-use cap; the holding alone must cover the spending.
    award = cluster_award(books)  # provincial 500万, stage 1 200万
    release(books, award.code, 1, date(2025, 4, 1))
    with pytest.raises(RuleBreach, match=r"holds 0\.00 元 as of 2025-03-20") as refused:
        grants.record_spending(
            books,
            award=award.code,
            amount=50 * WAN,
            purpose="公共服务平台建设",
            on=date(2025, 3, 20),
            actor="cluster-officer",
        )
    assert refused.value.rule == "use-within-held"
    assert "it cannot spend 500,000.00 元 dated 2025-03-20" in refused.value.message
    assert grants.award_statement(books, award.code).spent == 0


def test_a_backdated_pass_through_may_not_take_money_a_later_one_already_passed_on(
    books: Session,
) -> None:
    code = zone_with_two_stages_paid(books)  # held now 700万
    pass_on(books, code, 400 * WAN, date(2025, 6, 1))  # every 元 of stage 1, before stage 2
    # 400万 was held on 2025-05-01, but all of it went on 2025-06-01, a year before the
    # 300万 of stage 2 arrived: 100万 more dated 2025-05-01 leaves 2025-06-01 short.
    with pytest.raises(RuleBreach) as refused:
        pass_on(books, code, 100 * WAN, date(2025, 5, 1), n=2)
    assert refused.value.message == (
        f"{code} holds 4,000,000.00 元 as of 2025-05-01, but uses dated up to 2025-06-01"
        " leave only 0.00 元 of it; it cannot pass on 1,000,000.00 元 dated 2025-05-01"
    )
    assert refused.value.details["held"] == 0
    assert refused.value.details["as_of"] == date(2025, 6, 1)
    pass_on(books, code, 300 * WAN, date(2026, 4, 1), n=2)  # stage 2's money, once it came
    assert grants.award_statement(books, code).held == 0


def test_what_a_backdated_use_may_take_is_the_least_held_from_its_date_on(books: Session) -> None:
    code = zone_with_two_stages_paid(books)
    pass_on(books, code, 300 * WAN, date(2025, 6, 1))  # leaves 100万 until 2026-04-01
    pass_on(books, code, 100 * WAN, date(2025, 5, 1), n=2)  # exactly what was left
    with pytest.raises(RuleBreach, match=r"leave only 0\.00 元"):
        pass_on(books, code, 1, date(2025, 5, 2), n=3)
    assert grants.award_statement(books, code, date(2025, 12, 31)).held == 0
    assert verify(books.connection()).ok


# -- reversing a release (corrections) -------------------------------------------------------


def test_reversing_a_release_puts_the_stage_back_to_approved_unpaid_and_it_can_be_paid_again(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    entry = release_entry_of(books, award.code, 1)
    grants.reverse_entry(books, entry_id=entry, reason="拨付日期录错", actor="finance-a")
    stage = grants.award_statement(books, award.code).stages[0]
    assert (stage.status, stage.paid_on) == ("committed", None)
    result = grants.award_statement(books, award.code)
    assert (result.paid, result.held, result.committed) == (0, 0, 1000 * WAN)
    assert grants.award_statement(books, award.code, date(2025, 5, 1)).held == 0
    execution = grants.fund_year_execution(books, FUND, 2025)
    assert (execution.committed, execution.paid) == (400 * WAN, 0)
    assert execution.budget == execution.available + execution.committed + execution.paid
    release(books, award.code, 1, date(2025, 4, 8))  # paid again on the right date
    again = grants.award_statement(books, award.code).stages[0]
    assert (again.status, again.paid_on) == ("paid", date(2025, 4, 8))
    assert verify(books.connection()).ok


def test_a_release_whose_money_was_passed_on_cannot_be_reversed(books: Session) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    pass_on(books, award.code, 350 * WAN, date(2025, 6, 1))
    entry = release_entry_of(books, award.code, 1)
    head = Ledger(books).head()
    with pytest.raises(RuleBreach) as refused:
        grants.reverse_entry(books, entry_id=entry, reason="录错", actor="finance-a")
    assert refused.value.rule == "use-within-held"
    assert refused.value.message == (
        f"stage {award.code}#1 paid 4,000,000.00 元 on 2025-04-01; reversing it would leave"
        f" {award.code} holding -3,500,000.00 元 on 2025-06-01, because pass-throughs or own"
        " spending dated by then used the money; reverse those before the release that paid"
        " for them"
    )
    assert Ledger(books).head() == head
    stage = grants.award_statement(books, award.code).stages[0]
    assert (stage.status, stage.paid_on) == ("paid", date(2025, 4, 1))


def test_a_release_cannot_be_reversed_when_a_later_stage_would_only_cover_it_afterwards(
    books: Session,
) -> None:
    code = zone_with_two_stages_paid(books)
    pass_on(books, code, 300 * WAN, date(2025, 6, 1))  # held now 400万: 100 + 300
    # Reversing stage 1 leaves 400万 held today, but the 300万 passed on in 2025 had only
    # stage 1 to come from: on 2025-06-01 the holding would be −300万.
    with pytest.raises(RuleBreach, match=r"stage ZONE-2025-0001#1 paid 4,000,000\.00 元"):
        grants.reverse_entry(
            books, entry_id=release_entry_of(books, code, 1), reason="录错", actor="finance-a"
        )
    assert grants.award_statement(books, code).paid == 700 * WAN
    grants.reverse_entry(  # stage 2 carried none of it
        books, entry_id=release_entry_of(books, code, 2), reason="录错", actor="finance-a"
    )
    assert grants.award_statement(books, code).held == 100 * WAN


def test_once_the_uses_it_paid_for_are_reversed_the_release_can_be_reversed(
    books: Session,
) -> None:
    award = zone_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    use = pass_on(books, award.code, 350 * WAN, date(2025, 6, 1))
    grants.reverse_entry(books, entry_id=use.entry_id, reason="凭证作废", actor="finance-a")
    entry = release_entry_of(books, award.code, 1)
    grants.reverse_entry(books, entry_id=entry, reason="录错", actor="finance-a")
    result = grants.award_statement(books, award.code)
    assert (result.paid, result.held, result.passed_on) == (0, 0, 0)
    assert [s.status for s in result.stages] == ["committed"] * 3
    assert verify(books.connection()).ok


def test_a_recorded_use_is_the_stored_row_and_carries_the_awards_totals(books: Session) -> None:
    award = zone_with_two_stages_paid(books)
    first = pass_on(books, award, 100 * WAN, date(2026, 5, 1))
    second = pass_on(books, award, 50 * WAN, date(2026, 5, 2), n=2)
    spent = grants.record_spending(
        books,
        award=award,
        amount=10 * WAN,
        purpose="搭建公共服务平台",
        on=date(2026, 5, 3),
        actor="z",
    )
    found = books.get(Award, first.award_id)
    assert found is not None
    assert first.totals_after == (100 * WAN, 700 * WAN)
    assert second.totals_after == (150 * WAN, 700 * WAN)
    assert spent.totals_after == (150 * WAN, 700 * WAN)  # spending passes nothing on
    assert spent.totals_after == passed_and_paid(books, award, found.id)  # type: ignore[arg-type]
    ids = [first.id, second.id, spent.id]
    books.expunge_all()  # read the rows back as stored
    stored = books.exec(select(Use).where(col(Use.id).in_(ids)).order_by(col(Use.id))).all()
    assert [(u.kind, u.amount, u.effective_date, u.reversed_by, u.actor) for u in stored] == [
        ("pass_through", 100 * WAN, date(2026, 5, 1), None, "zone-officer"),
        ("pass_through", 50 * WAN, date(2026, 5, 2), None, "zone-officer"),
        ("own_use", 10 * WAN, date(2026, 5, 3), None, "z"),
    ]
    assert all(u.totals_after is None for u in stored)
    assert verify(books.connection()).ok


def test_a_use_rolled_back_leaves_nothing_behind_in_the_session(books: Session) -> None:
    award = zone_with_two_stages_paid(books)
    savepoint = books.begin_nested()
    gone = pass_on(books, award, 100 * WAN, date(2026, 5, 1))
    savepoint.rollback()
    assert books.get(Use, gone.id) is None
    kept = pass_on(books, award, 40 * WAN, date(2026, 5, 1))  # may get the same id back
    assert books.get(Use, kept.id) is not None
    assert [u.amount for u in books.exec(select(Use)).all()] == [40 * WAN]
    assert kept.totals_after == (40 * WAN, 700 * WAN)
