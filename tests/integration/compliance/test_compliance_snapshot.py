"""The snapshot totals award uses in SQL: the totals, the repeated payments and the findings
must be those of the use rows read one by one, as of any date (reversals included)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlmodel import Session, select

from factories import credit_code, release, world, zone_award
from funds import grants
from funds.compliance import evaluate, load_snapshot
from funds.compliance.snapshot import UseTotals, UseView
from funds.grants.models import Enterprise, Use
from funds.ledger import Entry
from funds.policy import WAN


@pytest.fixture
def books(session: Session) -> Session:
    world(session)
    return session


def pay(session: Session, award: str, wan: int, on: date, n: int) -> int:
    use = grants.record_pass_through(
        session,
        award=award,
        enterprise=credit_code(n),
        amount=wan * WAN,
        purpose="培育服务型制造标杆企业",
        on=on,
        actor="zone-officer",
    )
    return use.entry_id


def uses_one_by_one(session: Session, day: date) -> list[UseView]:
    """Every use row live on ``day``, read as an object each (the reading before totals)."""
    out = []
    for use in session.exec(select(Use).order_by(Use.id)).all():  # type: ignore[arg-type]
        reversal = session.get(Entry, use.reversed_by) if use.reversed_by else None
        if use.effective_date > day or (reversal and reversal.effective_date <= day):
            continue
        enterprise = session.get(Enterprise, use.enterprise_id) if use.enterprise_id else None
        out.append(
            UseView(
                use.kind,
                use.amount,
                use.effective_date,
                use.purpose,
                enterprise.credit_code if enterprise else None,
            )
        )
    return out


DAYS = (
    date(2025, 4, 30),
    date(2025, 5, 20),
    date(2025, 8, 15),
    date(2025, 8, 31),
    date(2025, 9, 1),
    date(2026, 1, 1),
)


def test_use_totals_and_repeats_match_the_rows_read_one_by_one(books: Session) -> None:
    award = zone_award(books).code
    release(books, award, 1, date(2025, 4, 1))
    pay(books, award, 10, date(2025, 5, 1), n=1)
    pay(books, award, 10, date(2025, 5, 20), n=1)  # E1 twice within 30 days
    pay(books, award, 10, date(2025, 7, 1), n=1)  # and a third time, 42 days later
    first = pay(books, award, 12, date(2025, 8, 1), n=2)
    pay(books, award, 12, date(2025, 8, 10), n=2)  # E2 twice, the first reversed on 1 Sept
    grants.reverse_entry(
        books, entry_id=first, reason="重复录入", actor="finance-a", on=date(2025, 9, 1)
    )
    pay(books, award, 25, date(2025, 6, 1), n=3)  # 芜湖: outside 合肥
    pay(books, award, 7, date(2025, 6, 2), n=3)
    grants.record_spending(
        books, award=award, amount=5 * WAN, purpose="诊断宣贯", on=date(2025, 6, 15), actor="z"
    )
    for day in DAYS:
        snapshot = load_snapshot(books, day)
        (view,) = snapshot.awards
        rows = uses_one_by_one(books, day)
        assert view.uses == UseTotals.of(rows), day
        by_rows = replace(snapshot, awards=(replace(view, uses=UseTotals.of(rows)),))
        assert evaluate(snapshot).findings == evaluate(by_rows).findings, day


def test_duplicates_concentration_and_other_cities_on_a_worked_example(books: Session) -> None:
    award = zone_award(books).code
    release(books, award, 1, date(2025, 4, 1))
    pay(books, award, 10, date(2025, 5, 1), n=1)
    pay(books, award, 10, date(2025, 5, 20), n=1)
    first = pay(books, award, 12, date(2025, 8, 1), n=2)
    pay(books, award, 12, date(2025, 8, 10), n=2)
    grants.reverse_entry(
        books, entry_id=first, reason="重复录入", actor="finance-a", on=date(2025, 9, 1)
    )
    pay(books, award, 60, date(2025, 6, 1), n=3)

    def keys(day: date, rule: str) -> list[str]:
        found = evaluate(load_snapshot(books, day)).findings
        return sorted(f.subject for f in found if f.rule == rule)

    e1, e2, e3 = credit_code(1), credit_code(2), credit_code(3)
    assert keys(date(2025, 8, 31), "duplicate-payment") == [
        f"{award}:{e1}:{10 * WAN}",
        f"{award}:{e2}:{12 * WAN}",
    ]
    assert keys(date(2025, 9, 1), "duplicate-payment") == [f"{award}:{e1}:{10 * WAN}"]
    assert keys(date(2025, 5, 19), "duplicate-payment") == []
    # 60 of 104 (万) before the reversal, 60 of 92 after: more than half either way
    assert keys(date(2025, 9, 1), "concentrated-pass-through") == [f"{award}:{e3}"]
    assert keys(date(2025, 9, 1), "pass-through-outside-city") == [f"{award}:{e3}"]
    view = load_snapshot(books, date(2025, 9, 1)).awards[0]
    assert view.uses.by_enterprise == {e1: 20 * WAN, e2: 12 * WAN, e3: 60 * WAN}
    assert [(u.enterprise, u.effective_date) for u in view.uses.repeats] == [
        (e1, date(2025, 5, 1)),
        (e1, date(2025, 5, 20)),
    ]
