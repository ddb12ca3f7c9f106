"""The fast verification on SQLite answers exactly as the reference replay, or stands aside.

The fast way renders each entry's canonical form in SQL and sums balances with
``GROUP BY``; these tests pin that SQLite's text is byte for byte the canonical form, that
every odd row it could misjudge makes it hand over to the replay (same report), and that
the second process is used, and only believed when it saw the same ledger.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Any, cast

import pytest
from sqlalchemy import Engine

from funds.db import Database
from funds.ledger import (
    AccountKind,
    BalanceRule,
    EntryRequest,
    Ledger,
    Leg,
    VerifyReport,
    sqlite_walk,
    verify,
)
from funds.ledger.hashing import canonical_entry

FreshFactory = Callable[[], Database]
verify_module = importlib.import_module("funds.ledger.verify")

TRICKY_TEXTS = [
    'a "quoted" memo with a back\\slash and a /slash/',
    "tab\there, new\nline, return\r, form\f, bell\x07, nul\x00, unit\x1f, del\x7f",
    "制造业 专项资金 · 合肥市 «seed»",
    "emoji 😀 and line separators \u2028 \u2029 and a bom \ufeff",
    "</script><!-- -->",
    "",
]


@pytest.fixture
def sqlite_only(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the fast way is SQLite's; PostgreSQL always replays")


def post_tricky_ledger(database: Database) -> None:
    """Accounts and entries whose every text field needs JSON escaping somewhere."""
    with database.unit_of_work() as session:
        ledger = Ledger(session)
        treasury = 'treasury:"省级"\\main'
        ledger.open_account(treasury, AccountKind.EQUITY, BalanceRule.FREE)
        for n, memo in enumerate(TRICKY_TEXTS):
            target = f"fund:{n}:{memo[:6]}"
            ledger.open_account(target, AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
            ledger.post(
                EntryRequest(
                    kind="test",
                    effective_date=date(2026, 1, 1 + n),
                    legs=[Leg(treasury, -(n + 1) * 1000), Leg(target, (n + 1) * 1000)],
                    actor=f"officer {memo[:3]}",
                    memo=memo,
                    voucher=None if n % 2 else f"V-{memo[:4]}",
                    idempotency_key=f"key {memo[:5]}" if n % 3 else None,
                    links={"award": memo, "n": n, "nested": {"z": [1, "二"], "a": None}},
                )
            )
        first = ledger.post(
            EntryRequest(
                kind="split",
                effective_date=date(2026, 2, 1),
                legs=[Leg(treasury, -3), Leg(f"fund:0:{TRICKY_TEXTS[0][:6]}", 1)]
                + [Leg(f"fund:{n}:{TRICKY_TEXTS[n][:6]}", 1) for n in (2, 4)],
                actor="officer-a",
                memo="three legs",
            )
        )
        ledger.reverse(first.id, actor="officer-b", memo="undo 三")


def raw(database: Database) -> sqlite3.Connection:
    path = database.engine.url.database
    assert path is not None
    return sqlite3.connect(path)


def both(database: Database) -> tuple[VerifyReport, VerifyReport]:
    return outcome(database, fast=True), outcome(database, fast=False)


def outcome(database: Database, *, fast: bool) -> Any:
    """The report, or the error raised (the replay cannot add up a text amount)."""
    try:
        with database.unit_of_work(readonly=True) as session:
            return verify(session.connection(), fast=fast)
    except ValueError as error:
        return repr(error)


def tamper(database: Database, *statements: str) -> None:
    conn = raw(database)
    try:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            conn.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


@pytest.mark.usefixtures("sqlite_only")
def test_sqlites_text_of_every_entry_is_byte_for_byte_the_canonical_form(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    post_tricky_ledger(database)
    conn = raw(database)
    try:
        codes = dict(conn.execute("SELECT id, code FROM ledger_account"))
        rows = conn.execute(sqlite_walk.WALK, (sqlite_walk.LOWEST, sqlite_walk.HIGHEST))
        checked = 0
        for entry_id, prev_hash, _, hashed, *_ in rows.fetchall():
            (kind, day, recorded, actor, memo, voucher, key, request, reverses, links) = (
                conn.execute(
                    "SELECT kind, effective_date, recorded_at, actor, memo, voucher,"
                    " idempotency_key, request_hash, reverses_id, links"
                    " FROM ledger_entry WHERE id = ?",
                    (entry_id,),
                ).fetchone()
            )
            legs = conn.execute(
                "SELECT account_id, amount FROM ledger_posting WHERE entry_id = ? ORDER BY id",
                (entry_id,),
            ).fetchall()
            canonical = canonical_entry(
                entry_id=entry_id,
                kind=kind,
                effective_date=date.fromisoformat(day),
                recorded_at=verify_module._as_datetime_iso(recorded),
                actor=actor,
                memo=memo,
                voucher=voucher,
                idempotency_key=key,
                request_hash=request,
                reverses_id=reverses,
                links=links,
                postings=[(codes[a], amount) for a, amount in legs],
            )
            assert hashed == prev_hash.encode() + canonical
            checked += 1
        walked = sqlite_walk.walk(conn, sqlite_walk.LOWEST, sqlite_walk.HIGHEST, "0" * 64, 10)
    finally:
        conn.close()
    assert checked == len(TRICKY_TEXTS) + 2
    assert walked["suspects"] == []  # no entry needed the reference to pass


@pytest.mark.usefixtures("sqlite_only")
@pytest.mark.parametrize(
    ("statements", "replayed"),
    [
        pytest.param(
            ["UPDATE ledger_posting SET amount = amount + 0.5 WHERE id = 3"], True, id="real"
        ),
        pytest.param(["UPDATE ledger_posting SET amount = 'lots' WHERE id = 3"], True, id="text"),
        pytest.param(
            [f"UPDATE ledger_posting SET amount = {2**62} WHERE entry_id = 2"], True, id="overflow"
        ),
        pytest.param([f"UPDATE ledger_posting SET amount = {2**51} WHERE id = 3"], True, id="huge"),
        pytest.param(
            ["UPDATE ledger_posting SET entry_id = 999 WHERE id = 3"], False, id="trailing"
        ),
        pytest.param(
            [
                "DELETE FROM ledger_entry WHERE id = 2",
                "INSERT INTO ledger_posting (entry_id, account_id, amount, effective_date)"
                " VALUES (2, 1, 5, '2026-01-02')",
            ],
            False,
            id="orphans-in-the-middle",
        ),
        pytest.param(["DELETE FROM ledger_posting WHERE entry_id = 3"], False, id="no-postings"),
        pytest.param(
            ["UPDATE ledger_posting SET account_id = 999 WHERE id = 1"], False, id="no-account"
        ),
        pytest.param(
            [
                "UPDATE ledger_entry SET effective_date = effective_date || ' 00:00:00'"
                " WHERE id = 2",
            ],
            False,
            id="date-with-time",
        ),
        pytest.param(
            [
                "UPDATE ledger_posting SET effective_date = effective_date || ' 00:00:00'",
                "UPDATE ledger_daily_balance SET day = day || ' 00:00:00' WHERE rowid % 2 = 0",
            ],
            False,
            id="posting-dates-with-time",
        ),
        pytest.param(
            ["UPDATE ledger_entry SET recorded_at = replace(recorded_at, ' ', 'T')"],
            False,
            id="recorded-with-T",
        ),
        pytest.param(
            ["UPDATE ledger_entry SET recorded_at = substr(recorded_at, 1, 19) WHERE id = 4"],
            False,
            id="recorded-without-microseconds",
        ),
        pytest.param(
            ["UPDATE ledger_entry SET reverses_id = 'null' WHERE id = 1"], False, id="typed"
        ),
        pytest.param(["UPDATE ledger_entry SET memo = 42 WHERE id = 1"], False, id="memo-number"),
        pytest.param(
            [
                "UPDATE ledger_entry SET prev_hash = (SELECT prev_hash FROM ledger_entry"
                " WHERE id = 1) WHERE id = 5",
            ],
            False,
            id="relinked",
        ),
        pytest.param(["UPDATE ledger_posting SET amount = -amount"], False, id="all-legs-flipped"),
    ],
)
def test_the_fast_way_reports_exactly_what_the_replay_reports(
    fresh_database: FreshFactory,
    monkeypatch: pytest.MonkeyPatch,
    statements: list[str],
    replayed: bool,
) -> None:
    database = fresh_database()
    post_tricky_ledger(database)
    tamper(database, *statements)
    replays = count_replays(monkeypatch)
    fast = outcome(database, fast=True)
    assert bool(replays) == replayed  # only odd amounts make the fast way stand aside
    assert fast == outcome(database, fast=False)


def count_replays(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count how often the reference replay is called."""
    calls: list[int] = []
    real_replay = verify_module._replay

    def counting(conn: Any) -> VerifyReport:
        calls.append(1)
        return cast(VerifyReport, real_replay(conn))

    monkeypatch.setattr(verify_module, "_replay", counting)
    return calls


@pytest.mark.usefixtures("sqlite_only")
def test_an_untampered_tricky_ledger_verifies_both_ways(
    fresh_database: FreshFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = fresh_database()
    post_tricky_ledger(database)
    replays = count_replays(monkeypatch)
    fast = outcome(database, fast=True)
    assert replays == []
    assert fast.ok, fast.problems
    assert fast == outcome(database, fast=False)


def record_walks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Record the id ranges that this process walks itself."""
    ranges: list[tuple[int, int]] = []
    real_walk = sqlite_walk.walk

    def recording(conn: sqlite3.Connection, lo: int, hi: int, *args: Any) -> dict[str, Any]:
        ranges.append((lo, hi))
        return real_walk(conn, lo, hi, *args)

    monkeypatch.setattr(sqlite_walk, "walk", recording)
    return ranges


@pytest.fixture
def split_ledger(fresh_database: FreshFactory, monkeypatch: pytest.MonkeyPatch) -> Database:
    database = fresh_database()
    post_tricky_ledger(database)  # ids 1..8: this process walks 1..4, the worker 5..8
    monkeypatch.setattr(verify_module, "_PARALLEL_MIN", 1)
    monkeypatch.setattr(verify_module, "_LOW_SHARE", 0.5)
    return database


@pytest.mark.usefixtures("sqlite_only")
def test_the_upper_id_range_is_walked_by_a_second_process(
    split_ledger: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ranges = record_walks(monkeypatch)
    replays = count_replays(monkeypatch)
    fast = outcome(split_ledger, fast=True)
    assert replays == []
    assert ranges == [(sqlite_walk.LOWEST, 4), (8, sqlite_walk.HIGHEST)]
    assert fast.ok
    assert fast == outcome(split_ledger, fast=False)


@pytest.mark.usefixtures("sqlite_only")
@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (
            "UPDATE ledger_entry SET prev_hash = '" + "e" * 64 + "' WHERE id = 5",
            "entry #5: prev_hash does not link to the entry before it",
        ),
        (
            "UPDATE ledger_entry SET memo = 'changed' WHERE id = 4",
            "entry #4: hash does not match its contents (changed after posting)",
        ),
        (
            "UPDATE ledger_entry SET memo = 'changed' WHERE id = 6",
            "entry #6: hash does not match its contents (changed after posting)",
        ),
        ("DELETE FROM ledger_entry WHERE id = 4", "posting of entry #4 has no entry"),
    ],
)
def test_a_tamper_at_the_range_boundary_is_caught_by_the_split_walk(
    split_ledger: Database, statement: str, problem: str
) -> None:
    tamper(split_ledger, statement)
    fast, replay = both(split_ledger)
    assert fast.problem == problem
    assert fast == replay


@pytest.mark.usefixtures("sqlite_only")
def test_a_second_process_that_cannot_start_leaves_the_walk_to_this_one(
    split_ledger: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ranges = record_walks(monkeypatch)
    monkeypatch.setattr(verify_module.sys, "executable", "/nonexistent/python")
    fast, replay = both(split_ledger)
    assert fast == replay
    assert (4, 8) in ranges


@pytest.mark.usefixtures("sqlite_only")
def test_a_second_process_that_saw_another_ledger_is_not_believed(
    split_ledger: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    tamper(split_ledger, "UPDATE ledger_entry SET memo = 'changed' WHERE id = 6")
    ranges = record_walks(monkeypatch)
    real_answer = verify_module._Split._worker_answer

    def stale(self: Any) -> dict[str, Any] | None:
        answer = cast(dict[str, Any] | None, real_answer(self))
        assert answer is not None
        answer["suspects"] = []  # what a worker on an older snapshot might have said
        answer["posted"] -= 1
        return answer

    monkeypatch.setattr(verify_module._Split, "_worker_answer", stale)
    fast, replay = both(split_ledger)
    assert fast.problem == "entry #6: hash does not match its contents (changed after posting)"
    assert fast == replay
    assert (4, 8) in ranges
