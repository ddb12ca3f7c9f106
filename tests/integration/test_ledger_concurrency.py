"""Many writers at once: balance rules hold under lock, retries post once, nothing deadlocks.

Every thread opens its own unit of work on a real database (``fresh_database``) and
commits, as separate requests of the API would. On PostgreSQL the ledger's row locks
serialise the writers; on SQLite ``BEGIN IMMEDIATE`` and the busy timeout do.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TypeVar

from sqlalchemy import func, select

from funds.db import Database, table_of
from funds.ledger import (
    AccountKind,
    AlreadyReversed,
    BalanceRule,
    BalanceRuleBroken,
    Entry,
    EntryRequest,
    Ledger,
    Leg,
    PostedEntry,
    verify,
)

FreshFactory = Callable[[], Database]

THREADS = 16
POSTS_PER_THREAD = 25
AMOUNT = 7_00  # 7 元 per move
TREASURY = "treasury"
POOL = "fund:mfg:2026:available"

T = TypeVar("T")


def move(source: str, target: str, amount: int, **kw: object) -> EntryRequest:
    return EntryRequest(
        kind="test",
        effective_date=date(2026, 4, 1),
        legs=[Leg(source, -amount), Leg(target, amount)],
        actor="officer-a",
        **kw,  # type: ignore[arg-type]
    )


def target_of(thread: int) -> str:
    return f"award:T{thread:02d}:committed"


def run_together(work: Callable[[int], T]) -> list[T]:
    """Run ``work(i)`` on THREADS threads released at the same moment; re-raise any error."""
    start = threading.Barrier(THREADS)

    def job(i: int) -> T:
        start.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(job, i) for i in range(THREADS)]
        return [future.result() for future in futures]


def open_accounts(database: Database, funding: int) -> None:
    """Open the pool and one target per thread (half of them before the pool, so that
    lock order by id differs from posting order), then fund the pool."""
    with database.unit_of_work() as session:
        ledger = Ledger(session)
        ledger.open_account(TREASURY, AccountKind.EQUITY, BalanceRule.FREE)
        for i in range(THREADS // 2):
            ledger.open_account(target_of(i), AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
        ledger.open_account(POOL, AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
        for i in range(THREADS // 2, THREADS):
            ledger.open_account(target_of(i), AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
        ledger.post(move(TREASURY, POOL, funding, memo="funding"))


def assert_verifies(database: Database) -> None:
    with database.unit_of_work(readonly=True) as session:
        report = verify(session.connection())
    assert report.ok, report.problems


def test_concurrent_withdrawals_never_overdraw_and_account_for_every_fen(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    funding = 250 * AMOUNT + 3  # 400 attempts, room for 250 of them
    open_accounts(database, funding)

    def withdraw(thread: int) -> tuple[int, int]:
        moved = refused = 0
        for _ in range(POSTS_PER_THREAD):
            try:
                with database.unit_of_work() as session:
                    Ledger(session).post(move(POOL, target_of(thread), AMOUNT))
                moved += 1
            except BalanceRuleBroken:
                refused += 1
        return moved, refused

    results = run_together(withdraw)
    moved = sum(m for m, _ in results)
    assert moved + sum(r for _, r in results) == THREADS * POSTS_PER_THREAD
    with database.unit_of_work(readonly=True) as session:
        ledger = Ledger(session)
        remaining = ledger.balance(POOL)
        targets = ledger.balances("award:")
        entries = session.connection().execute(select(func.count()).select_from(Entry)).scalar()
    assert remaining >= 0
    assert moved * AMOUNT + remaining == funding
    assert (moved, remaining) == (250, 3)
    assert targets == {target_of(i): results[i][0] * AMOUNT for i in range(THREADS)}
    assert entries == 1 + moved
    assert_verifies(database)


def test_transfers_in_both_directions_at_once_do_not_deadlock_and_conserve_money(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    open_accounts(database, 100 * AMOUNT)
    with database.unit_of_work() as session:
        Ledger(session).post(move(POOL, target_of(0), 50 * AMOUNT))

    def shuffle(thread: int) -> int:
        there, back = (POOL, target_of(0)) if thread % 2 else (target_of(0), POOL)
        refused = 0
        for _ in range(10):
            try:
                with database.unit_of_work() as session:
                    Ledger(session).post(move(there, back, 3 * AMOUNT))
            except BalanceRuleBroken:
                refused += 1
        return refused

    run_together(shuffle)
    with database.unit_of_work(readonly=True) as session:
        ledger = Ledger(session)
        pool, target = ledger.balance(POOL), ledger.balance(target_of(0))
    assert pool >= 0
    assert target >= 0
    assert pool + target == 100 * AMOUNT
    assert_verifies(database)


def test_the_same_idempotent_request_from_many_threads_posts_one_entry(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    open_accounts(database, 10 * AMOUNT)
    request = move(POOL, target_of(0), AMOUNT, idempotency_key="award:ADV-0001:pay:1")

    def post(_: int) -> PostedEntry:
        with database.unit_of_work() as session:
            return Ledger(session).post(request)

    posted = run_together(post)
    assert len({p.id for p in posted}) == 1
    assert sorted(p.replayed for p in posted) == [False] + [True] * (THREADS - 1)
    with database.unit_of_work(readonly=True) as session:
        ledger = Ledger(session)
        assert ledger.balance(POOL) == 9 * AMOUNT
        assert ledger.balance(target_of(0)) == AMOUNT
        keyed = session.connection().execute(
            select(func.count()).where(table_of(Entry).c.idempotency_key.is_not(None))
        )
        assert keyed.scalar() == 1
    assert_verifies(database)


def test_many_threads_reversing_one_entry_reverse_it_once(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    open_accounts(database, 10 * AMOUNT)
    with database.unit_of_work() as session:
        entry = Ledger(session).post(move(POOL, target_of(0), AMOUNT)).id

    def reverse(thread: int) -> int | None:
        try:
            with database.unit_of_work() as session:
                return Ledger(session).reverse(entry, actor=f"officer-{thread}", memo="undo").id
        except AlreadyReversed:
            return None

    reversals = [r for r in run_together(reverse) if r is not None]
    assert len(reversals) == 1
    with database.unit_of_work(readonly=True) as session:
        ledger = Ledger(session)
        assert ledger.reversal_of(entry) == reversals[0]
        assert ledger.balance(POOL) == 10 * AMOUNT
    assert_verifies(database)
