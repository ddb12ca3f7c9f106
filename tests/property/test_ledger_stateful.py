"""Random sequences of ledger operations against a model that replays them in memory.

The machine posts single and multi-leg entries (often back-dated), retries them with the
same idempotency key (same request: the same entry comes back; another request: a
conflict), reverses entries (a second reversal is refused), tries overdrafts and posts
batches. Every operation runs in its own unit of work, as an API request would; a refusal
rolls it back. After every step the database must agree with the model: balances now and
as of several dates, entries that sum to zero, no account past its rule, a chain head at
the newest entry, and ``verify`` finding nothing wrong. Each example runs inside one
transaction that is rolled back at the end, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine, func, or_, select
from sqlmodel import Session

from funds.db import Database, table_of
from funds.ledger import (
    Account,
    AccountKind,
    AlreadyReversed,
    BalanceRule,
    BalanceRuleBroken,
    EntryRequest,
    IdempotencyConflict,
    Ledger,
    Leg,
    PostedEntry,
    Posting,
    verify,
)

INCOME = "prop:income"  # a source that only gives
TREASURY = "prop:treasury"
FUND_A = "prop:fund:a"
FUND_B = "prop:fund:b"
AWARD = "prop:award:x"
RULES = {
    INCOME: BalanceRule.NON_POSITIVE,
    TREASURY: BalanceRule.FREE,
    FUND_A: BalanceRule.NON_NEGATIVE,
    FUND_B: BalanceRule.NON_NEGATIVE,
    AWARD: BalanceRule.NON_NEGATIVE,
}
CODES = sorted(RULES)
NON_NEGATIVE = [code for code in CODES if RULES[code] is BalanceRule.NON_NEGATIVE]
CHECK_DAYS = (date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 14), date(2026, 3, 31))

codes = st.sampled_from(CODES)
amounts = st.integers(min_value=1, max_value=5_000)
days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 31))
ACCOUNTS = table_of(Account)
POSTINGS = table_of(Posting)

T = TypeVar("T")


def move(source: str, target: str, amount: int, day: date, key: str | None = None) -> EntryRequest:
    return EntryRequest(
        kind="transfer",
        effective_date=day,
        legs=[Leg(source, -amount), Leg(target, amount)],
        actor="officer-a",
        memo=f"{source} → {target}",
        idempotency_key=key,
    )


def post_again(request: EntryRequest) -> Callable[[Ledger], PostedEntry]:
    return lambda ledger: ledger.post(request)


@dataclass
class ModelEntry:
    """What the model remembers of a posted entry."""

    legs: tuple[Leg, ...]
    day: date
    reverses: int | None = None
    reversed_by: int | None = None


@dataclass(frozen=True)
class KeyedCall:
    """A call made with an idempotency key, the entry it posted, and how to make it again."""

    entry_id: int
    again: Callable[[Ledger], PostedEntry]


class LedgerMachine(RuleBasedStateMachine):
    """The ledger under random operations, checked against an in-memory replay."""

    engine: ClassVar[Engine]
    """The test session's migrated engine, set by the test that runs the machine."""

    def __init__(self) -> None:
        super().__init__()
        self.conn = self.engine.connect()
        self.outer = self.conn.begin()
        self.database = Database(self.engine, bind=self.conn)
        self.balances = dict.fromkeys(CODES, 0)
        self.daily: dict[tuple[str, date], int] = defaultdict(int)
        self.entries: dict[int, ModelEntry] = {}
        self.keys: dict[str, KeyedCall] = {}
        self.keys_made = 0
        self.checks = 0
        with self.database.unit_of_work() as session:
            ledger = Ledger(session)
            for code, balance_rule in RULES.items():
                ledger.open_account(code, AccountKind.ASSET, balance_rule)
            self.head, self.head_hash = ledger.head()

    def teardown(self) -> None:
        self.outer.rollback()
        self.conn.close()

    # -- rules --------------------------------------------------------------------------

    @rule(
        outs=st.lists(st.tuples(codes, amounts), min_size=1, max_size=3),
        to=codes,
        day=days,
        keyed=st.booleans(),
    )
    def post(self, outs: list[tuple[str, int]], to: str, day: date, keyed: bool) -> None:
        legs = [Leg(code, -amount) for code, amount in outs]
        legs.append(Leg(to, sum(amount for _, amount in outs)))
        key = self.new_key() if keyed else None
        request = EntryRequest(
            kind="transfer", effective_date=day, legs=legs, actor="officer-a", idempotency_key=key
        )
        self.post_or_refuse(request, post_again(request))

    @rule(source=st.sampled_from([INCOME, TREASURY]), to=codes, amount=amounts, day=days)
    def fund(self, source: str, to: str, amount: int, day: date) -> None:
        """Money in from a source, so that later moves have something to move."""
        request = move(source, to, amount, day)
        self.post_or_refuse(request, post_again(request))

    @rule(code=st.sampled_from(NON_NEGATIVE), extra=amounts, day=days)
    def overdraw(self, code: str, extra: int, day: date) -> None:
        request = move(code, TREASURY, self.balances[code] + extra, day)
        self.refused(BalanceRuleBroken, lambda ledger: ledger.post(request))

    @rule(extra=amounts, day=days)
    def overfill_a_source_that_only_gives(self, extra: int, day: date) -> None:
        request = move(TREASURY, INCOME, extra - self.balances[INCOME], day)
        self.refused(BalanceRuleBroken, lambda ledger: ledger.post(request))

    @precondition(lambda self: bool(self.keys))
    @rule(data=st.data())
    def retry_the_same_request(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.keys)), label="key")
        call = self.keys[key]
        posted = self.run(call.again)
        assert posted.replayed
        assert posted.id == call.entry_id
        assert posted.legs == self.entries[call.entry_id].legs

    @precondition(lambda self: bool(self.keys))
    @rule(data=st.data(), day=days)
    def retry_the_key_with_another_request(self, data: st.DataObject, day: date) -> None:
        key = data.draw(st.sampled_from(sorted(self.keys)), label="key")
        other = move(INCOME, TREASURY, 1, day, key)
        self.refused(IdempotencyConflict, lambda ledger: ledger.post(other))

    @precondition(lambda self: bool(self.entries))
    @rule(data=st.data(), day=st.none() | days, keyed=st.booleans())
    def reverse(self, data: st.DataObject, day: date | None, keyed: bool) -> None:
        entry_id = data.draw(st.sampled_from(sorted(self.entries)), label="entry")
        self.reverse_or_refuse(entry_id, day, self.new_key() if keyed else None)

    @precondition(lambda self: any(e.reversed_by for e in self.entries.values()))
    @rule(data=st.data(), day=st.none() | days, keyed=st.booleans())
    def reverse_a_reversed_entry_again(
        self, data: st.DataObject, day: date | None, keyed: bool
    ) -> None:
        reversed_ids = sorted(i for i, e in self.entries.items() if e.reversed_by)
        entry_id = data.draw(st.sampled_from(reversed_ids), label="entry")
        self.reverse_or_refuse(entry_id, day, self.new_key() if keyed else None)

    @rule(
        moves=st.lists(st.tuples(codes, codes, amounts, days), min_size=2, max_size=4),
        keyed=st.booleans(),
    )
    def batch(self, moves: list[tuple[str, str, int, date]], keyed: bool) -> None:
        requests = [
            move(s, t, amount, day, self.new_key() if keyed else None)
            for s, t, amount, day in moves
        ]
        self.post_batch_or_refuse(requests)

    @rule(source=st.sampled_from([INCOME, TREASURY]), to=codes, amount=amounts, day=days)
    def batch_with_one_key_twice(self, source: str, to: str, amount: int, day: date) -> None:
        key = self.new_key()
        requests = [move(source, to, amount, day, key), move(source, to, 1, day, key)]
        breaks = self.breaks(requests[0].legs, self.balances)
        expected = BalanceRuleBroken if breaks else IdempotencyConflict
        self.refused(expected, lambda ledger: ledger.post_batch(requests))

    @precondition(lambda self: any(self.reversible(i) for i in self.entries))
    @rule(data=st.data())
    def batch_reversing_one_entry_twice(self, data: st.DataObject) -> None:
        entry_id = data.draw(
            st.sampled_from(sorted(i for i in self.entries if self.reversible(i))), label="entry"
        )
        entry = self.entries[entry_id]
        reversal = EntryRequest(
            kind="reversal",
            effective_date=entry.day,
            legs=[Leg(leg.account, -leg.amount) for leg in entry.legs],
            actor="officer-b",
            reverses_id=entry_id,
        )
        first_breaks = self.breaks(reversal.legs, self.balances)
        expected = BalanceRuleBroken if first_breaks else AlreadyReversed
        self.refused(expected, lambda ledger: ledger.post_batch([reversal, reversal]))

    # -- invariants ---------------------------------------------------------------------

    @invariant()
    def balances_keep_their_rules_and_equal_the_replay_now_and_as_of(self) -> None:
        """Every account now; as of one check day and for one account in turn per step
        (all of them, every step, would make the run slow for little gain)."""
        self.checks += 1
        day = CHECK_DAYS[self.checks % len(CHECK_DAYS)]
        code = CODES[self.checks % len(CODES)]
        expected = self.as_of(day)
        with self.database.unit_of_work(readonly=True) as session:
            ledger = Ledger(session)
            stored = ledger.balances("prop:")
            assert all(stored[code] >= 0 for code in NON_NEGATIVE)
            assert stored[INCOME] <= 0
            assert stored == self.balances
            assert ledger.balances("prop:", as_of=day) == expected
            assert ledger.balance(code) == self.balances[code]
            assert ledger.balance(code, as_of=day) == expected[code]

    @invariant()
    def every_entry_sums_to_zero_and_postings_replay_to_stored_balances(self) -> None:
        with self.database.unit_of_work(readonly=True) as session:
            conn = session.connection()
            unbalanced = conn.execute(
                select(POSTINGS.c.entry_id)
                .group_by(POSTINGS.c.entry_id)
                .having(or_(func.sum(POSTINGS.c.amount) != 0, func.count() < 2))
            ).all()
            replayed = conn.execute(
                select(ACCOUNTS.c.code, ACCOUNTS.c.balance, func.sum(POSTINGS.c.amount))
                .join(POSTINGS, POSTINGS.c.account_id == ACCOUNTS.c.id)
                .group_by(ACCOUNTS.c.code, ACCOUNTS.c.balance)
            ).all()
        assert unbalanced == []
        for code, stored, total in replayed:
            assert int(stored) == int(total) == self.balances[code]

    @invariant()
    def the_chain_ends_at_the_newest_entry_and_verifies(self) -> None:
        with self.database.unit_of_work(readonly=True) as session:
            assert Ledger(session).head() == (self.head, self.head_hash)
            report = verify(session.connection())
        assert report.ok, report.problems
        assert report.entries == self.head
        assert report.head_hash == self.head_hash

    # -- the model ----------------------------------------------------------------------

    def new_key(self) -> str:
        self.keys_made += 1
        return f"prop-{self.keys_made}"

    def run(self, call: Callable[[Ledger], T]) -> T:
        """Run ``call`` in its own unit of work, as one request would."""
        session: Session
        with self.database.unit_of_work() as session:
            return call(Ledger(session))

    def refused(self, error: type[Exception], call: Callable[[Ledger], object]) -> None:
        """``call`` must raise ``error``; the invariants then check that nothing changed."""
        with pytest.raises(error):
            self.run(call)

    def breaks(self, legs: Iterable[Leg], balances: dict[str, int]) -> bool:
        after = dict(balances)
        for leg in legs:
            after[leg.account] += leg.amount
        return any(after[c] < 0 for c in NON_NEGATIVE) or after[INCOME] > 0

    def reversible(self, entry_id: int) -> bool:
        entry = self.entries[entry_id]
        return entry.reverses is None and entry.reversed_by is None

    def as_of(self, day: date) -> dict[str, int]:
        totals = dict.fromkeys(CODES, 0)
        for (code, when), amount in self.daily.items():
            if when <= day:
                totals[code] += amount
        return totals

    def apply(
        self, posted: PostedEntry, legs: Sequence[Leg], day: date, reverses: int | None = None
    ) -> None:
        assert not posted.replayed
        assert posted.id == self.head + 1
        assert posted.legs == tuple(legs)
        assert posted.effective_date == day
        for leg in legs:
            self.balances[leg.account] += leg.amount
            self.daily[(leg.account, day)] += leg.amount
        self.entries[posted.id] = ModelEntry(tuple(legs), day, reverses=reverses)
        if reverses is not None:
            self.entries[reverses].reversed_by = posted.id
        self.head, self.head_hash = posted.id, posted.hash

    def post_or_refuse(self, request: EntryRequest, call: Callable[[Ledger], PostedEntry]) -> None:
        if self.breaks(request.legs, self.balances):
            self.refused(BalanceRuleBroken, call)
            return
        posted = self.run(call)
        self.apply(posted, request.legs, request.effective_date)
        if request.idempotency_key is not None:
            self.keys[request.idempotency_key] = KeyedCall(posted.id, call)

    def reverse_or_refuse(self, entry_id: int, day: date | None, key: str | None) -> None:
        entry = self.entries[entry_id]

        def call(ledger: Ledger) -> PostedEntry:
            return ledger.reverse(
                entry_id, actor="officer-b", memo="撤销", effective_date=day, idempotency_key=key
            )

        legs = [Leg(leg.account, -leg.amount) for leg in entry.legs]
        if not self.reversible(entry_id):
            self.refused(AlreadyReversed, call)
        elif self.breaks(legs, self.balances):
            self.refused(BalanceRuleBroken, call)
        else:
            posted = self.run(call)
            self.apply(posted, legs, day or entry.day, reverses=entry_id)
            if key is not None:
                self.keys[key] = KeyedCall(posted.id, call)

    def post_batch_or_refuse(self, requests: list[EntryRequest]) -> None:
        trial = dict(self.balances)
        for request in requests:
            if self.breaks(request.legs, trial):
                self.refused(BalanceRuleBroken, lambda ledger: ledger.post_batch(requests))
                return
            for leg in request.legs:
                trial[leg.account] += leg.amount
        posted = self.run(lambda ledger: ledger.post_batch(requests))
        assert len(posted) == len(requests)
        for one, request in zip(posted, requests, strict=True):
            self.apply(one, request.legs, request.effective_date)
            if request.idempotency_key is not None:
                self.keys[request.idempotency_key] = KeyedCall(one.id, post_again(request))


def test_random_operations_keep_every_ledger_invariant(engine: Engine) -> None:
    class LedgerOnTheTestDatabase(LedgerMachine):
        pass

    LedgerOnTheTestDatabase.engine = engine
    # Every step costs some thirty statements (the checks included); a round trip to
    # PostgreSQL costs several times one to SQLite, so it runs fewer examples.
    examples = 15 if engine.dialect.name == "postgresql" else 30
    run_state_machine_as_test(
        LedgerOnTheTestDatabase,
        settings=settings(max_examples=examples, stateful_step_count=30, deadline=None),
    )
