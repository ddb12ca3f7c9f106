"""Concurrent retries of one request through the services record it once."""

from __future__ import annotations

import threading
from datetime import date

from sqlmodel import func, select

from factories import FreshFactory, credit_code, release, world, zone_award
from funds import grants
from funds.grants.models import Award, Use
from funds.ledger import verify
from funds.policy import WAN


def test_concurrent_retries_of_one_pass_through_record_one_use(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    with database.unit_of_work() as session:
        world(session)
        code = zone_award(session).code
        release(session, code, 1, date(2025, 4, 1))
    errors: list[Exception] = []

    def retry() -> None:
        try:
            with database.unit_of_work() as session:
                grants.record_pass_through(
                    session,
                    award=code,
                    enterprise=credit_code(1),
                    amount=10 * WAN,
                    purpose="培育服务型制造标杆企业",
                    on=date(2025, 6, 1),
                    actor="zone-officer",
                    idempotency_key="PZ-42",
                )
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.unit_of_work(readonly=True) as session:
        assert session.exec(select(func.count()).select_from(Use)).one() == 1
        assert grants.award_statement(session, code).passed_on == 10 * WAN
        assert verify(session.connection()).ok


def test_concurrent_grants_get_distinct_codes(fresh_database: FreshFactory) -> None:
    database = fresh_database()
    with database.unit_of_work() as session:
        world(session)
    errors: list[Exception] = []

    def grant() -> None:
        try:
            with database.unit_of_work() as session:
                zone_award(session, amount_wan=10)
        except Exception as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=grant) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.unit_of_work(readonly=True) as session:
        codes = session.exec(select(Award.code)).all()
    assert sorted(codes) == [f"ZONE-2025-{n:04d}" for n in range(1, 9)]
