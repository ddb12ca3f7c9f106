"""Group commit: entries from many threads share commits and come out as if posted alone.

A group is formed on purpose by holding the writer's first commit (a ``hold`` entry whose
``post_batch`` waits on an event) while the entries under test queue behind it; they then
go as one group. The ``db`` fixture runs the writer's units of work as savepoints on one
connection (the lead passes on after each commit); ``fresh_database`` runs them on a real
database, where the lead passes on before the commit, so that two groups overlap.
"""

from __future__ import annotations

import signal
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from conftest import on_postgres
from factories import FreshFactory
from funds.db import Database, table_of
from funds.ledger import (
    AccountKind,
    BalanceRule,
    BalanceRuleBroken,
    Entry,
    EntryRequest,
    IdempotencyConflict,
    Ledger,
    LedgerWriter,
    Leg,
    PostedEntry,
    UnbalancedEntry,
    UnknownAccount,
    verify,
)

HOLD = "hold"
Outcome = PostedEntry | BaseException


def move(
    source: str, target: str, amount: int, *, key: str | None = None, **kw: Any
) -> EntryRequest:
    return EntryRequest(
        kind=kw.pop("kind", "test"),
        effective_date=date(2026, 4, 1),
        legs=[Leg(source, -amount), Leg(target, amount)],
        actor="财务处-张",
        idempotency_key=key,
        **kw,
    )


def open_book(db: Database, prefix: str, funding: int) -> None:
    """A FREE treasury, a NON_NEGATIVE pool funded with ``funding`` 分, and two targets."""
    with db.unit_of_work() as session:
        ledger = Ledger(session)
        ledger.open_account(f"{prefix}treasury", AccountKind.EQUITY, BalanceRule.FREE)
        ledger.open_account(f"{prefix}pool", AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
        for name in ("a", "b"):
            ledger.open_account(f"{prefix}{name}", AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
        ledger.post(move(f"{prefix}treasury", f"{prefix}pool", funding))


@contextmanager
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """While the block runs, a batch holding a ``hold`` entry waits for the event to be set."""
    release = threading.Event()
    original = Ledger.post_batch

    def post_batch(self: Ledger, requests: Sequence[EntryRequest], **kw: Any) -> list[PostedEntry]:
        if any(r.kind == HOLD for r in requests):
            assert release.wait(30), "the held commit was never released"
        return original(self, requests, **kw)

    monkeypatch.setattr(Ledger, "post_batch", post_batch)
    try:
        yield release
    finally:
        release.set()


def start_held_group(db: Database, writer: LedgerWriter) -> threading.Thread:
    """Start the held entry's thread and wait until its group holds the writer's lead; the
    held entry moves 1 分 between two accounts of its own, outside every book."""
    with db.unit_of_work() as session:
        for code in ("hold:from", "hold:to"):
            Ledger(session).open_account(code, AccountKind.EQUITY, BalanceRule.FREE)
    holder = threading.Thread(
        target=writer.post, args=(move("hold:from", "hold:to", 1, kind=HOLD),)
    )
    holder.start()
    _wait_for(lambda: writer.waiting == 0 and writer.groups == 1)
    return holder


def post_as_one_group(
    db: Database, writer: LedgerWriter, requests: Sequence[EntryRequest], release: threading.Event
) -> list[Outcome]:
    """Post ``requests`` from a thread each, all queued behind a held commit, in order."""
    outcomes: list[Outcome | None] = [None] * len(requests)

    def post(i: int, request: EntryRequest) -> None:
        try:
            outcomes[i] = writer.post(request)
        except BaseException as error:  # compared by the test
            outcomes[i] = error

    threads = [start_held_group(db, writer)]
    for i, request in enumerate(requests):
        threads.append(threading.Thread(target=post, args=(i, request)))
        threads[-1].start()
        _wait_for(lambda n=i + 1: writer.waiting == n)  # type: ignore[misc]
    release.set()
    for thread in threads:
        thread.join(30)
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def _wait_for(condition: Callable[[], bool]) -> None:
    event = threading.Event()
    for _ in range(3000):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError("the writer's queue never reached the state waited for")


def balances(db: Database, prefix: str) -> dict[str, int]:
    """The balances of the accounts under ``prefix``, the held entry's own left out."""
    with db.unit_of_work(readonly=True) as session:
        found = Ledger(session).balances(prefix)
    return {code: amount for code, amount in found.items() if not code.startswith("hold:")}


def recorded_at(db: Database, ids: Sequence[int]) -> set[object]:
    """The distinct recorded-at times of the entries ``ids``."""
    with db.unit_of_work(readonly=True) as session:
        rows = session.connection().execute(
            select(table_of(Entry).c.recorded_at).where(table_of(Entry).c.id.in_(ids))
        )
        return {row[0] for row in rows}


def assert_verifies(db: Database) -> None:
    with db.unit_of_work(readonly=True) as session:
        report = verify(session.connection())
    assert report.ok, report.problems


def test_a_lone_entry_is_posted_at_once_in_a_group_of_its_own(db: Database) -> None:
    open_book(db, "", 1_000_00)
    writer = LedgerWriter(db)
    entry = writer.post(move("pool", "a", 250_00, key="k-1"))
    assert (writer.groups, writer.waiting) == (1, 0)
    assert entry.legs == (Leg("pool", -250_00), Leg("a", 250_00))
    assert balances(db, "") == {"treasury": -1_000_00, "pool": 750_00, "a": 250_00, "b": 0}


def test_entries_queued_behind_a_commit_share_the_next_one(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_book(db, "", 1_000_00)
    writer = LedgerWriter(db)
    requests = [move("pool", "a", 100_00 * (i + 1)) for i in range(4)]
    with held(monkeypatch) as release:
        outcomes = post_as_one_group(db, writer, requests, release)
    assert writer.groups == 2  # the held entry, then the four together
    ids = [o.id for o in outcomes if isinstance(o, PostedEntry)]
    assert len(ids) == 4
    assert ids == sorted(ids)
    assert len(recorded_at(db, ids)) == 1  # one commit: one recorded-at time
    assert balances(db, "")["a"] == 1_000_00
    assert balances(db, "")["pool"] == 0
    assert_verifies(db)


def test_an_overdraft_in_a_group_fails_alone_and_the_others_are_posted_in_order(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 300 元 in the pool: 200 元 out, then 150 元 (would leave -50), then 100 元
    open_book(db, "", 300_00)
    writer = LedgerWriter(db)
    requests = [move("pool", "a", 200_00), move("pool", "a", 150_00), move("pool", "b", 100_00)]
    with held(monkeypatch) as release:
        first, second, third = post_as_one_group(db, writer, requests, release)
    assert isinstance(first, PostedEntry)
    assert isinstance(third, PostedEntry)
    assert isinstance(second, BalanceRuleBroken)
    assert "pool" in str(second)
    assert balances(db, "") == {"treasury": -300_00, "pool": 0, "a": 200_00, "b": 100_00}
    assert_verifies(db)


def test_one_key_twice_in_a_group_posts_once_and_a_changed_request_conflicts(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_book(db, "", 1_000_00)
    writer = LedgerWriter(db)
    requests = [
        move("pool", "a", 100_00, key="voucher-7"),
        move("pool", "a", 100_00, key="voucher-7"),  # a retry: replays the first
        move("pool", "a", 999_00, key="voucher-7"),  # the same key for another request
    ]
    with held(monkeypatch) as release:
        first, retry, changed = post_as_one_group(db, writer, requests, release)
    assert isinstance(first, PostedEntry)
    assert isinstance(retry, PostedEntry)
    assert (retry.id, retry.replayed, first.replayed) == (first.id, True, False)
    assert isinstance(changed, IdempotencyConflict)
    assert balances(db, "")["a"] == 100_00


def test_an_entry_the_database_refuses_fails_alone_and_the_others_are_posted(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_book(db, "", 1_000_00)
    writer = LedgerWriter(db)
    requests = [
        move("pool", "a", 100_00),
        move("pool", "a", 100_00, reverses_id=999_999),  # no such entry: a foreign key
        move("pool", "b", 100_00),
    ]
    with held(monkeypatch) as release:
        first, second, third = post_as_one_group(db, writer, requests, release)
    assert isinstance(second, IntegrityError)
    assert isinstance(first, PostedEntry)
    assert isinstance(third, PostedEntry)
    assert len(recorded_at(db, [first.id, third.id])) == 2  # posted one by one after all
    assert balances(db, "") == {"treasury": -1_000_00, "pool": 800_00, "a": 100_00, "b": 100_00}
    assert_verifies(db)


def test_a_caller_interrupted_while_it_waits_leaves_the_queue_and_the_writer_goes_on(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_book(db, "", 1_000_00)
    writer = LedgerWriter(db)

    class Interrupted(BaseException):
        pass

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        with held(monkeypatch) as release:
            holder = start_held_group(db, writer)
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            with pytest.raises(Interrupted):
                writer.post(move("pool", "a", 100_00))  # waits behind the held group
            assert writer.waiting == 0
            release.set()
            holder.join(30)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    later = threading.Thread(target=writer.post, args=(move("pool", "b", 100_00),))
    later.start()
    later.join(10)
    assert not later.is_alive(), "the lead was lost with the interrupted caller"
    assert balances(db, "")["b"] == 100_00
    assert balances(db, "")["a"] == 0


def test_a_malformed_entry_is_refused_before_it_queues(db: Database) -> None:
    open_book(db, "", 1_000_00)
    writer = LedgerWriter(db)
    unbalanced = EntryRequest(
        kind="test",
        effective_date=date(2026, 4, 1),
        legs=[Leg("pool", -100_00), Leg("a", 99_00)],
        actor="财务处-张",
    )
    with pytest.raises(UnbalancedEntry, match="not zero"):
        writer.post(unbalanced)
    assert writer.groups == 0
    assert balances(db, "")["a"] == 0


def test_a_database_failure_fails_the_whole_group_and_is_not_retried(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_book(db, "", 1_000_00)
    writer = LedgerWriter(db)
    calls: list[int] = []
    with held(monkeypatch) as release:
        failing = Ledger.post_batch

        def post_batch(self: Ledger, requests: Sequence[EntryRequest], **kw: Any) -> Any:
            if all(r.kind != HOLD for r in requests):
                calls.append(len(requests))
                raise OperationalError("INSERT", {}, Exception("server closed the connection"))
            return failing(self, requests, **kw)

        monkeypatch.setattr(Ledger, "post_batch", post_batch)
        requests = [move("pool", "a", 100_00), move("pool", "b", 100_00)]
        outcomes = post_as_one_group(db, writer, requests, release)
    assert calls == [2]  # one attempt for the group, no entry posted again alone
    assert all(isinstance(o, OperationalError) for o in outcomes)
    assert outcomes[0] is not outcomes[1]  # each caller raises an object of its own
    assert all(str(o) == str(outcomes[0]) for o in outcomes)
    assert balances(db, "")["a"] == 0


def test_sixteen_threads_on_a_real_database_post_every_entry_exactly_once(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    open_book(database, "", 400 * 10_00 + 5)  # room for 400 moves of 10 元, 5 分 left
    writer = LedgerWriter(database)
    start = threading.Barrier(16)
    results: list[list[Outcome]] = [[] for _ in range(16)]

    def client(c: int) -> None:
        start.wait()
        for _ in range(30):  # 480 attempts in all: 80 must be refused
            try:
                results[c].append(writer.post(move("pool", "ab"[c % 2], 10_00)))
            except BalanceRuleBroken as refusal:
                results[c].append(refusal)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    posted = [o for r in results for o in r if isinstance(o, PostedEntry)]
    refused = [o for r in results for o in r if isinstance(o, BalanceRuleBroken)]
    assert (len(posted), len(refused)) == (400, 80)
    assert len({e.id for e in posted}) == 400
    assert writer.groups < 480  # some commits were shared
    book = balances(database, "")
    assert book["pool"] == 5
    assert book["a"] + book["b"] == 400 * 10_00
    assert_verifies(database)


def test_on_postgresql_the_lead_passes_before_the_commit_and_on_sqlite_after_it(
    fresh_database: FreshFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = fresh_database()
    open_book(database, "", 1_000_00)
    writer = LedgerWriter(database)
    events: list[str] = []
    commit, pass_lead = Session.commit, LedgerWriter._pass_lead

    def commit_spy(self: Session) -> None:
        events.append("commit")
        commit(self)

    def pass_spy(self: LedgerWriter) -> None:
        events.append("pass")
        pass_lead(self)

    monkeypatch.setattr(Session, "commit", commit_spy)
    monkeypatch.setattr(LedgerWriter, "_pass_lead", pass_spy)
    writer.post(move("pool", "a", 100_00))
    expected = ["pass", "commit"] if on_postgres() else ["commit", "pass"]
    assert events == expected


# -- property: a group comes out as the same entries posted one at a time -----------------

ACCOUNTS = ("pool", "a", "b", "missing")
requests_strategy = st.lists(
    st.tuples(
        st.sampled_from(ACCOUNTS),
        st.sampled_from(ACCOUNTS),
        st.integers(min_value=1, max_value=400_00),
        st.sampled_from([None, "k1", "k2"]),
    ).filter(lambda t: t[0] != t[1]),
    min_size=1,
    max_size=6,
)


def _requests(prefix: str, specs: Sequence[tuple[str, str, int, str | None]]) -> list[EntryRequest]:
    return [
        move(f"{prefix}{src}", f"{prefix}{dst}", amount, key=None if k is None else prefix + k)
        for src, dst, amount, k in specs
    ]


def _shape(outcome: Outcome) -> tuple[str, Any]:
    if isinstance(outcome, PostedEntry):
        return ("posted", (outcome.replayed, tuple(leg.amount for leg in outcome.legs)))
    return (type(outcome).__name__, None)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=requests_strategy)
def test_a_group_posts_what_the_same_entries_posted_one_at_a_time_would(
    db: Database, monkeypatch: pytest.MonkeyPatch, specs: list[tuple[str, str, int, str | None]]
) -> None:
    alone, grouped = f"s{uuid.uuid4().hex[:8]}:", f"g{uuid.uuid4().hex[:8]}:"
    for prefix in (alone, grouped):
        open_book(db, prefix, 500_00)
    expected: list[Outcome] = []
    for request in _requests(alone, specs):
        try:
            with db.unit_of_work() as session:
                expected.append(Ledger(session).post(request))
        except (BalanceRuleBroken, IdempotencyConflict, UnknownAccount) as refusal:
            expected.append(refusal)
    writer = LedgerWriter(db)
    with held(monkeypatch) as release:
        got = post_as_one_group(db, writer, _requests(grouped, specs), release)
    assert [_shape(o) for o in got] == [_shape(o) for o in expected]
    mine = balances(db, grouped)
    assert {k[len(grouped) :]: v for k, v in mine.items()} == {
        k[len(alone) :]: v for k, v in balances(db, alone).items()
    }
