"""Worked examples for bugs the grants property tests found, one per bug."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from factories import FUND, cluster_award, release, world, zone_award
from funds import grants
from funds.errors import InvalidInput
from funds.grants.errors import AwardEnded, Duplicate, RuleBreach
from funds.grants.models import Assessment, Stage
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


# ADV-OPINION §二十二 按年度组织开展集群建设考核评价工作: a cluster's year is assessed once.
# A second result for it used to say "record a re-assessment instead", which is refused for
# a cluster; now it says the result stands. A zone's 不合格 points to the re-assessment.
def test_a_second_result_for_a_year_says_what_the_officer_can_do(books: Session) -> None:
    cluster = cluster_award(books)
    grants.record_assessment(
        books, award=cluster.code, year=2025, grade="合格", on=date(2025, 11, 1), actor="p"
    )
    with pytest.raises(Duplicate, match="a year is assessed once and its result stands"):
        grants.record_assessment(
            books, award=cluster.code, year=2025, grade="不合格", on=date(2025, 12, 1), actor="p"
        )
    zone = zone_award(books)
    grants.record_assessment(
        books, award=zone.code, year=2026, grade="不合格", on=date(2026, 4, 30), actor="p"
    )
    with pytest.raises(Duplicate, match="record it as a re-assessment instead"):
        grants.record_assessment(
            books, award=zone.code, year=2026, grade="合格", on=date(2026, 6, 1), actor="p"
        )


# Progress reports are a zone's (ZONE-GUIDE 评估管理 每季度末) and a county cluster's (附件4
# 第八条); an advanced cluster files none. The refusal used to offer "e.g. 2025", the very
# value it refused.
def test_an_advanced_cluster_report_is_refused_as_not_required(books: Session) -> None:
    cluster = cluster_award(books)
    with pytest.raises(RuleBreach, match="files no progress reports") as info:
        grants.record_report(
            books, award=cluster.code, period="2025", on=date(2026, 3, 1), actor="c"
        )
    assert info.value.rule == "reports-of-programme"


# An officer's name is stored as one form wherever it is recorded (funds.actors): "p " and
# "p" are the same officer in every record, not only in journal entries, and a blank name
# says nobody did it.
def test_every_record_stores_its_actor_stripped_and_refuses_a_blank_one(books: Session) -> None:
    award = grants.grant_award(
        books,
        programme="service_zone",
        recipient="HF-GX",
        fund=FUND,
        amount=1000 * WAN,
        granted_on=date(2025, 3, 1),
        actor=" finance-a ",
    )
    assert award.granted_by == "finance-a"
    grants.record_assessment(
        books, award=award.code, year=2026, grade="合格", on=date(2026, 3, 1), actor="省厅 "
    )
    assessment = books.exec(select(Assessment).where(Assessment.award_id == award.id)).one()
    assert assessment.actor == "省厅"
    with pytest.raises(InvalidInput, match="names nobody") as info:
        grants.record_report(
            books, award=award.code, period="2026Q1", on=date(2026, 3, 31), actor="  "
        )
    assert info.value.details["field"] == "actor"
