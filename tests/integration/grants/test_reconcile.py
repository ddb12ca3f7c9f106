"""``funds verify`` checks the grants records against the ledger entries they name: a row
edited behind the engine's back (a use's amount, a stage's status, an exit's receivable)
fails verification, naming the row, instead of changing what statements and alerts say."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Connection, text
from sqlmodel import Session

from factories import FreshFactory, cluster_award, credit_code, release, world, zone_award
from funds import grants
from funds.grants import reconcile
from funds.grants.reconcile import verify_books
from funds.ledger import AccountKind, BalanceRule, EntryRequest, Ledger, Leg
from funds.policy import WAN, Grade

ledger_verify = importlib.import_module("funds.ledger.verify")  # the module, not its function


@pytest.fixture
def books(session: Session) -> Session:
    """A paid cluster stage and a forfeited one; a zone that passed money on, exited and
    repaid part of what it owes."""
    world(session)
    cluster = cluster_award(session)
    release(session, cluster.code, 1, date(2025, 4, 1))
    grants.record_assessment(
        session,
        award=cluster.code,
        year=2026,
        grade=Grade.UNQUALIFIED,
        on=date(2026, 5, 1),
        actor="p",
    )
    zone = zone_award(session)
    release(session, zone.code, 1, date(2025, 4, 1))
    grants.record_pass_through(
        session,
        award=zone.code,
        enterprise=credit_code(1),
        amount=120 * WAN,
        purpose="培育服务型制造标杆企业",
        on=date(2025, 6, 1),
        actor="z",
    )
    grants.terminate(session, award=zone.code, reason="fraud", on=date(2025, 9, 1), actor="p")
    grants.record_recovery(
        session,
        award=zone.code,
        kind="repayment",
        amount=100 * WAN,
        on=date(2025, 10, 1),
        actor="f",
    )
    session.flush()
    return session


def test_records_written_by_the_engine_agree_with_the_ledger(books: Session) -> None:
    report = verify_books(books)
    assert report.ok, report.problems
    assert report.records == 3 + 3 + 1 + 1 + 1  # stages of both, the use, the repayment, the exit


@pytest.mark.parametrize(
    ("tamper", "says"),
    [
        (
            "UPDATE award_use SET amount = 500000000",
            "pass_through #{use} says 5,000,000.00 元; its entry #{entry} moved 1,200,000.00 元",
        ),
        ("UPDATE award_use SET effective_date = '2025-05-01'", "is dated 2025-05-01"),
        (
            "UPDATE award_stage SET status = 'committed' WHERE status = 'forfeited'",
            "should leave 1,500,000.00 元 committed; its commitment account holds 0.00 元",
        ),
        (
            "UPDATE award_stage SET paid_on = '2025-03-15' WHERE status = 'paid'",
            "payment is dated 2025-03-15; its entry is dated 2025-04-01",
        ),
        ("UPDATE recovery SET amount = amount + 1", "repayment #{recovery} says 1,000,000.01 元"),
        ("UPDATE termination SET recoverable = 0", "exit receivable says 0.00 元"),
        ("UPDATE award SET status = 'active', ended_on = NULL", "is active, and its exit"),
    ],
)
def test_a_record_edited_behind_the_engine_fails_verification(
    books: Session, tamper: str, says: str
) -> None:
    conn = books.connection()
    use, entry = conn.execute(text("SELECT id, entry_id FROM award_use")).one()
    recovery = conn.execute(text("SELECT id FROM recovery")).scalar_one()
    conn.execute(text(tamper))
    report = verify_books(books)
    assert not report.ok
    assert says.format(use=use, entry=entry, recovery=recovery) in " ".join(report.problems)


def test_verification_reads_one_snapshot_while_others_post(
    fresh_database: FreshFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry committed by another writer while ``verify`` reads (here: between its read of
    the entries and its read of the postings) is not half seen: PostgreSQL's default READ
    COMMITTED would show the new postings without their entry and report a broken ledger."""
    database = fresh_database()

    def post_one(n: int) -> None:
        with database.unit_of_work() as unit:
            Ledger(unit).post(
                EntryRequest(
                    kind="test",
                    effective_date=date(2026, 4, 1),
                    legs=[Leg("treasury", -100), Leg("fund:mfg:2026:available", 100)],
                    actor="officer-a",
                    idempotency_key=f"snapshot-{n}",
                )
            )

    with database.unit_of_work() as unit:
        ledger = Ledger(unit)
        ledger.open_account("treasury", AccountKind.EQUITY, BalanceRule.FREE)
        ledger.open_account("fund:mfg:2026:available", AccountKind.ASSET, BalanceRule.FREE)
    post_one(0)
    postings_by_entry = ledger_verify._postings_by_entry

    def meanwhile(conn: Connection) -> Iterator[tuple[int, list[tuple[int, int, object]]]]:
        post_one(1)  # committed by another connection mid-verification
        yield from postings_by_entry(conn)

    monkeypatch.setattr(ledger_verify, "_postings_by_entry", meanwhile)
    monkeypatch.setattr(reconcile, "verify", lambda conn: ledger_verify.verify(conn, fast=False))
    with database.unit_of_work(readonly=True) as unit:
        report = verify_books(unit)
    assert report.ok, report.problems
    assert report.entries == 1  # the snapshot's: the entry posted meanwhile is not in it
    with database.unit_of_work(readonly=True) as unit:
        assert verify_books(unit).entries == 2
