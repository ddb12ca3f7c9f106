"""Worked examples for bugs the grants property tests found, one per bug."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from factories import FUND, cluster_award, release, world
from funds import grants
from funds.grants.errors import AwardEnded
from funds.grants.models import Stage
from funds.ledger import Ledger, verify
from funds.policy import WAN


@pytest.fixture
def books(session: Session) -> Session:
    world(session)
    return session


# ADV-MEASURES 第十四条, with recovery on fraud: revocation cancels every unpaid stage and
# raises a recovery of the money paid. Reversing a release afterwards used to put the stage
# back to "committed" on the revoked award, holding its budget for an award that can never
# be paid again, while the receivable still counted the money as paid.
def test_a_release_cannot_be_reversed_once_its_award_has_ended(books: Session) -> None:
    award = cluster_award(books, tier="national")
    release(books, award.code, 1, date(2025, 4, 1))
    grants.terminate(books, award=award.code, reason="fraud", on=date(2025, 9, 1), actor="p")
    first = books.exec(select(Stage).where(Stage.award_id == award.id, Stage.seq == 1)).one()
    assert first.release_entry_id is not None
    head = Ledger(books).head()
    with pytest.raises(AwardEnded, match="no release reversal"):
        grants.reverse_entry(
            books, entry_id=first.release_entry_id, reason="录入错误", actor="finance-b"
        )
    assert Ledger(books).head() == head
    result = grants.award_statement(books, award.code)
    assert [s.status for s in result.stages] == ["paid", "cancelled", "cancelled"]
    assert (result.paid, result.committed, result.receivable) == (400 * WAN, 0, 400 * WAN)
    execution = grants.fund_year_execution(books, FUND, 2025)
    assert execution.budget == execution.available + execution.committed + execution.paid
    assert verify(books.connection()).ok


def test_a_release_of_an_active_award_can_still_be_reversed(books: Session) -> None:
    award = cluster_award(books)
    release(books, award.code, 1, date(2025, 4, 1))
    first = books.exec(select(Stage).where(Stage.award_id == award.id, Stage.seq == 1)).one()
    assert first.release_entry_id is not None
    grants.reverse_entry(books, entry_id=first.release_entry_id, reason="录入错误", actor="b")
    result = grants.award_statement(books, award.code)
    assert (result.paid, result.held, result.committed) == (0, 0, 500 * WAN)
