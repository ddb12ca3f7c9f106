"""The ledger as the rest of the engine uses it: post, retry, reverse, refuse, query."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from conftest import on_postgres
from funds.driver_sql import DriverStatement
from funds.ledger import (
    AccountKind,
    AccountMismatch,
    AlreadyReversed,
    BalanceRule,
    BalanceRuleBroken,
    EntryRequest,
    IdempotencyConflict,
    InvalidAmount,
    Ledger,
    Leg,
    UnbalancedEntry,
    UnknownAccount,
    verify,
)
from funds.ledger.driver import PostingDriver

TREASURY = "treasury"
AVAILABLE = "fund:mfg:2026:available"
COMMITTED = "award:ADV-2026-0001:committed"
WAN = 1_000_000


@pytest.fixture
def ledger(session: Session) -> Ledger:
    book = Ledger(session)
    book.open_account(TREASURY, AccountKind.EQUITY, BalanceRule.FREE)
    book.open_account(AVAILABLE, AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
    book.open_account(COMMITTED, AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
    return book


def move(
    source: str, target: str, amount: int, *, day: date = date(2026, 1, 5), **kw: object
) -> EntryRequest:
    return EntryRequest(
        kind="test",
        effective_date=day,
        legs=[Leg(source, -amount), Leg(target, amount)],
        actor="officer-a",
        **kw,  # type: ignore[arg-type]
    )


def test_a_budget_moves_money_from_treasury_to_available(ledger: Ledger) -> None:
    posted = ledger.post(move(TREASURY, AVAILABLE, 8000 * WAN, memo="2026 budget"))
    assert posted.id >= 1
    assert ledger.balance(AVAILABLE) == 8000 * WAN
    assert ledger.balance(TREASURY) == -8000 * WAN
    assert verify(ledger.session.connection()).ok


def test_entries_that_do_not_balance_are_refused(ledger: Ledger) -> None:
    bad = EntryRequest(
        kind="test",
        effective_date=date(2026, 1, 1),
        legs=[Leg(TREASURY, -100), Leg(AVAILABLE, 99)],
        actor="a",
    )
    with pytest.raises(UnbalancedEntry, match=r"sum to -0\.01"):
        ledger.post(bad)
    with pytest.raises(UnbalancedEntry, match="at least two"):
        ledger.post(
            EntryRequest(
                kind="t", effective_date=date(2026, 1, 1), legs=[Leg(TREASURY, 0)], actor="a"
            )
        )


def test_float_and_zero_amounts_are_refused(ledger: Ledger) -> None:
    with pytest.raises(InvalidAmount, match="not integer"):
        ledger.post(move(TREASURY, AVAILABLE, 1.5))  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount, match="zero"):
        ledger.post(move(TREASURY, AVAILABLE, 0))


def test_an_overdraft_is_refused_naming_the_account_and_changes_nothing(ledger: Ledger) -> None:
    ledger.post(move(TREASURY, AVAILABLE, 500 * WAN))
    with pytest.raises(BalanceRuleBroken) as info:
        ledger.post(move(AVAILABLE, COMMITTED, 500 * WAN + 1))
    assert AVAILABLE in str(info.value)
    assert info.value.details["balance"] == 500 * WAN
    assert ledger.balance(AVAILABLE) == 500 * WAN
    assert ledger.balance(COMMITTED) == 0


def test_unknown_accounts_are_named(ledger: Ledger) -> None:
    with pytest.raises(UnknownAccount, match="fund:nope"):
        ledger.post(move(TREASURY, "fund:nope", 1))


def test_reopening_an_account_with_another_rule_is_refused(ledger: Ledger) -> None:
    assert ledger.open_account(AVAILABLE, AccountKind.ASSET, BalanceRule.NON_NEGATIVE) > 0
    with pytest.raises(AccountMismatch):
        ledger.open_account(AVAILABLE, AccountKind.ASSET, BalanceRule.FREE)


def test_same_key_same_request_returns_the_first_entry(ledger: Ledger) -> None:
    first = ledger.post(move(TREASURY, AVAILABLE, 100, idempotency_key="k1"))
    again = ledger.post(move(TREASURY, AVAILABLE, 100, idempotency_key="k1"))
    assert again.id == first.id
    assert again.replayed
    assert not first.replayed
    assert ledger.balance(AVAILABLE) == 100


def test_same_key_different_request_is_a_conflict(ledger: Ledger) -> None:
    ledger.post(move(TREASURY, AVAILABLE, 100, idempotency_key="k1"))
    with pytest.raises(IdempotencyConflict, match="different request"):
        ledger.post(move(TREASURY, AVAILABLE, 101, idempotency_key="k1"))
    assert ledger.balance(AVAILABLE) == 100


def test_a_reversal_points_at_its_entry_and_happens_once(ledger: Ledger) -> None:
    entry = ledger.post(move(TREASURY, AVAILABLE, 300))
    reversal = ledger.reverse(entry.id, actor="officer-b", memo="typed the wrong fund")
    assert ledger.entry(reversal.id).reverses_id == entry.id
    assert ledger.balance(AVAILABLE) == 0
    with pytest.raises(AlreadyReversed, match=f"#{reversal.id}"):
        ledger.reverse(entry.id, actor="officer-b", memo="again")
    with pytest.raises(AlreadyReversed, match="itself a reversal"):
        ledger.reverse(reversal.id, actor="officer-b", memo="undo the undo")


def test_a_reversal_that_would_overdraw_is_refused(ledger: Ledger) -> None:
    budget = ledger.post(move(TREASURY, AVAILABLE, 300))
    ledger.post(move(AVAILABLE, COMMITTED, 200))
    with pytest.raises(BalanceRuleBroken):
        ledger.reverse(budget.id, actor="b", memo="budget withdrawn")


def test_as_of_balance_and_history_follow_effective_dates(ledger: Ledger) -> None:
    ledger.post(move(TREASURY, AVAILABLE, 1000, day=date(2026, 1, 10)))
    ledger.post(move(AVAILABLE, COMMITTED, 300, day=date(2026, 3, 1)))
    ledger.post(move(TREASURY, AVAILABLE, 50, day=date(2026, 2, 1)))  # back-dated
    assert ledger.balance(AVAILABLE, as_of=date(2026, 1, 9)) == 0
    assert ledger.balance(AVAILABLE, as_of=date(2026, 1, 31)) == 1000
    assert ledger.balance(AVAILABLE, as_of=date(2026, 2, 28)) == 1050
    assert ledger.balance(AVAILABLE) == 750
    lines = ledger.history(AVAILABLE, date(2026, 2, 1), date(2026, 12, 31))
    assert [(line.amount, line.balance) for line in lines] == [(50, 1050), (-300, 750)]
    assert ledger.balances("fund:mfg:") == {AVAILABLE: 750}


def test_a_batch_is_all_or_nothing(ledger: Ledger) -> None:
    ledger.post(move(TREASURY, AVAILABLE, 100))
    with pytest.raises(BalanceRuleBroken):
        ledger.post_batch([move(AVAILABLE, COMMITTED, 60), move(AVAILABLE, COMMITTED, 60)])
    assert ledger.balance(COMMITTED) == 0
    posted = ledger.post_batch([move(AVAILABLE, COMMITTED, 60), move(AVAILABLE, COMMITTED, 40)])
    assert [p.id for p in posted] == [posted[0].id, posted[0].id + 1]
    assert ledger.balance(AVAILABLE) == 0


def test_a_batch_stores_every_field_as_entries_posted_one_by_one_do(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a batch goes a statement a table (``unnest``); one entry goes as rows."""
    by_column: list[int] = []
    int8_cursor = PostingDriver._int8_cursor

    def spy(self: PostingDriver) -> Any:
        by_column.append(1)
        return int8_cursor(self)

    monkeypatch.setattr(PostingDriver, "_int8_cursor", spy)
    base = [ledger.post(move(TREASURY, AVAILABLE, 15 * WAN, memo=m)) for m in ("a", "b")]

    def varied(tag: str, reverses: int) -> list[EntryRequest]:
        return [
            move(TREASURY, COMMITTED, 5 * WAN, memo='拨付：第一期\n"引号"\\', voucher=None),
            move(
                TREASURY,
                COMMITTED,
                2_147_483_648,  # past int4
                day=date(2027, 12, 31),
                voucher="记-001",
                idempotency_key=f"key-{tag}",
                links={"award": "ADV-2026-0001", "stage": 2},
            ),
            move(AVAILABLE, TREASURY, 15 * WAN, reverses_id=reverses, links={"reverses": 0}),
        ]

    alone = [ledger.post(r) for r in varied("a", base[0].id)]
    batch = ledger.post_batch(varied("b", base[1].id))
    conn = ledger.session.connection()

    def stored(entry_id: int) -> tuple[object, ...]:
        row = conn.execute(
            text(
                "SELECT kind, effective_date, actor, memo, voucher, idempotency_key,"
                " reverses_id, links FROM ledger_entry WHERE id = :i"
            ),
            {"i": entry_id},
        ).one()
        legs = conn.execute(
            text(
                "SELECT account_id, amount, effective_date FROM ledger_posting WHERE entry_id = :i"
            ),
            {"i": entry_id},
        ).all()
        return (*row, sorted(tuple(leg) for leg in legs))

    for one, many in zip(alone, batch, strict=True):
        mine, theirs = list(stored(one.id)), list(stored(many.id))
        if mine[5] is not None:  # the keys differ by their tag
            mine[5] = str(mine[5]).replace("key-a", "key-b")
        if mine[6] is not None:  # each reverses its own base entry
            mine[6] = base[1].id
        assert mine == theirs
    assert len(by_column) == (1 if on_postgres() else 0)  # the batch, and only the batch
    assert ledger.balance(AVAILABLE) == 0
    assert ledger.balance(COMMITTED) == 2 * (5 * WAN + 2_147_483_648)
    report = verify(conn)
    assert report.ok, report.problems


def test_entries_cannot_be_updated_or_deleted_even_in_sql(ledger: Ledger) -> None:
    entry = ledger.post(move(TREASURY, AVAILABLE, 100))
    conn = ledger.session.connection()
    for statement in (
        f"UPDATE ledger_entry SET memo = 'x' WHERE id = {entry.id}",
        f"DELETE FROM ledger_posting WHERE entry_id = {entry.id}",
        f"UPDATE ledger_posting SET amount = 1 WHERE entry_id = {entry.id}",
        f"DELETE FROM ledger_entry WHERE id = {entry.id}",
    ):
        savepoint = conn.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
        savepoint.rollback()


def test_many_accounts_open_at_once_and_existing_ones_must_match(ledger: Ledger) -> None:
    ledger.open_accounts(
        [
            (AVAILABLE, AccountKind.ASSET, BalanceRule.NON_NEGATIVE, ""),
            ("award:X:held", AccountKind.ASSET, BalanceRule.NON_NEGATIVE, "held"),
            ("award:X:clawback", AccountKind.INCOME, BalanceRule.NON_POSITIVE, ""),
        ]
    )
    ledger.post(move("award:X:clawback", "award:X:held", 5))
    assert ledger.balance("award:X:held") == 5
    with pytest.raises(AccountMismatch, match="award:X:held"):
        ledger.open_accounts([("award:X:held", AccountKind.ASSET, BalanceRule.FREE, "")])


_BALANCE_AFTER = DriverStatement("SELECT balance FROM ledger_account WHERE code = ?")
_ENTRY_OF = DriverStatement("SELECT id, kind FROM ledger_entry WHERE id = ?")


def test_statements_alongside_an_entry_run_after_its_writes_and_not_on_a_replay(
    ledger: Ledger,
) -> None:
    def alongside(entry_id: int) -> list[tuple[DriverStatement, tuple[object, ...]]]:
        return [(_ENTRY_OF, (entry_id,)), (_BALANCE_AFTER, (AVAILABLE,))]

    first = ledger.post(move(TREASURY, AVAILABLE, 250, idempotency_key="a1"), alongside=alongside)
    assert first.alongside_rows == ((first.id, "test"), (250,))
    again = ledger.post(move(TREASURY, AVAILABLE, 250, idempotency_key="a1"), alongside=alongside)
    assert again.replayed
    assert again.alongside_rows == ()
    batch = ledger.post_batch(
        [move(TREASURY, AVAILABLE, 5), move(TREASURY, AVAILABLE, 7)], alongside=alongside
    )
    assert [p.alongside_rows for p in batch] == [
        ((batch[0].id, "test"), (262,)),  # read after the whole batch's writes
        ((batch[1].id, "test"), (262,)),
    ]
    assert verify(ledger.session.connection()).ok


def test_balances_from_a_day_give_the_balance_then_and_after_each_later_day(
    ledger: Ledger,
) -> None:
    ledger.post(move(TREASURY, AVAILABLE, 500, day=date(2026, 1, 5)))
    ledger.post(move(TREASURY, AVAILABLE, 300, day=date(2026, 1, 7)))
    ledger.post(move(AVAILABLE, COMMITTED, 600, day=date(2026, 1, 9)))
    ledger.post(move(TREASURY, AVAILABLE, 50, day=date(2026, 1, 9)))
    assert ledger.balances_from(AVAILABLE, date(2026, 1, 6)) == [
        (date(2026, 1, 6), 500),
        (date(2026, 1, 7), 800),
        (date(2026, 1, 9), 250),  # one point per day: both postings of the 9th
    ]
    assert ledger.balances_from(AVAILABLE, date(2026, 1, 9)) == [(date(2026, 1, 9), 250)]
    assert ledger.balances_from(AVAILABLE, date(2025, 12, 31))[0] == (date(2025, 12, 31), 0)
    assert ledger.balances_from("award:NEVER:held", date(2026, 1, 1)) == [(date(2026, 1, 1), 0)]


def test_a_failing_statement_alongside_fails_the_post_as_sqlalchemys_error(
    ledger: Ledger,
) -> None:
    orphan = DriverStatement(
        "INSERT INTO ledger_posting (entry_id, account_id, amount,"
        " effective_date) VALUES (?, ?, 1, ?)"
    )
    with pytest.raises(IntegrityError):  # no account -1: the foreign key refuses it
        ledger.post(
            move(TREASURY, AVAILABLE, 5),
            alongside=lambda entry_id: [(orphan, (entry_id, -1, "2026-01-05"))],
        )


@pytest.mark.parametrize("accounts", [3, 601])
def test_a_batch_reads_its_accounts_head_and_keys_however_many_there_are(
    ledger: Ledger, accounts: int
) -> None:
    """Up to 500 codes and keys the locking reads are one statement on SQLite, beyond that
    one per list of 500: either way the same accounts, head and replays come back."""
    codes = [f"fund:many:{i:04d}" for i in range(accounts)]
    ledger.open_accounts([(c, AccountKind.ASSET, BalanceRule.NON_NEGATIVE, "") for c in codes])
    first = ledger.post(move(TREASURY, codes[0], 100, idempotency_key="many-0"))
    requests = [
        move(TREASURY, code, 100 + i, idempotency_key=f"many-{i}") for i, code in enumerate(codes)
    ]
    posted = ledger.post_batch(requests)
    assert posted[0].replayed
    assert posted[0].id == first.id
    assert [p.id for p in posted[1:]] == list(range(first.id + 1, first.id + accounts))
    assert ledger.head() == (posted[-1].id, posted[-1].hash)
    assert ledger.balance(codes[-1]) == 100 + accounts - 1
    assert ledger.balance(TREASURY) == -sum(100 + i for i in range(accounts))
    with pytest.raises(IdempotencyConflict):
        ledger.post_batch([move(TREASURY, codes[1], 5, idempotency_key=f"many-{accounts - 1}")])
    assert verify(ledger.session.connection()).ok
