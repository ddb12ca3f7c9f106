"""Verification catches what was changed behind the engine's back, and says where.

Every tamper test runs three ways: ``fast`` (on SQLite the walk in SQL, suspects judged
by the reference check), ``replay`` (the reference: ``verify(conn, fast=False)``) and
``split`` (the fast way with the upper id range walked by a second process, forced on
for three entries). On PostgreSQL all three are the replay.

Tampering is done the way an attacker with database access would do it: on SQLite with a
raw ``sqlite3`` connection to the file, dropping the append-only triggers first; on
PostgreSQL inside the test's transaction with ``session_replication_role = replica``, which
switches the triggers (and foreign keys) off.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from funds.cli import app
from funds.cli.common import set_database_factory
from funds.db import Database
from funds.ledger import (
    AccountKind,
    BalanceRule,
    EntryRequest,
    Ledger,
    Leg,
    VerifyReport,
    verify,
)

FreshFactory = Callable[[], Database]
# the module, not the function that ``funds.ledger`` exports under the same name
verify_module = importlib.import_module("funds.ledger.verify")

TREASURY = "treasury"
AVAILABLE = "fund:mfg:2026:available"
COMMITTED = "award:ADV-2026-0001:committed"


def move(source: str, target: str, amount: int, day: date, memo: str) -> EntryRequest:
    return EntryRequest(
        kind="test",
        effective_date=day,
        legs=[Leg(source, -amount), Leg(target, amount)],
        actor="officer-a",
        memo=memo,
    )


@dataclass
class Book:
    """A committed ledger of three entries, and the means to tamper with it."""

    database: Database
    method: str = "fast"
    entries: list[int] = field(default_factory=list)
    accounts: dict[str, int] = field(default_factory=dict)

    def post_three_entries(self) -> None:
        with self.database.unit_of_work() as session:
            ledger = Ledger(session)
            for code, rule in (
                (TREASURY, BalanceRule.FREE),
                (AVAILABLE, BalanceRule.NON_NEGATIVE),
                (COMMITTED, BalanceRule.NON_NEGATIVE),
            ):
                self.accounts[code] = ledger.open_account(code, AccountKind.ASSET, rule)
            for request in (
                move(TREASURY, AVAILABLE, 1000, date(2026, 1, 5), "2026 budget"),
                move(AVAILABLE, COMMITTED, 300, date(2026, 2, 1), "award ADV-0001"),
                move(AVAILABLE, COMMITTED, 200, date(2026, 3, 1), "award ADV-0002"),
            ):
                self.entries.append(ledger.post(request).id)

    def head(self) -> tuple[int, str]:
        with self.database.unit_of_work(readonly=True) as session:
            return Ledger(session).head()

    def verify(self) -> VerifyReport:
        with self.database.unit_of_work(readonly=True) as session:
            return verify(session.connection(), fast=self.method != "replay")

    def tamper(self, *statements: str) -> None:
        """Run ``statements`` with the append-only triggers out of the way."""
        if self.database.engine.dialect.name == "postgresql":
            with self.database.unit_of_work() as session:
                conn = session.connection()
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for statement in statements:
                    conn.execute(text(statement))
                conn.execute(text("SET LOCAL session_replication_role = origin"))
            return
        path = self.database.engine.url.database
        assert path is not None
        raw = sqlite3.connect(path)
        try:
            triggers = raw.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            for (name,) in triggers.fetchall():
                raw.execute(f"DROP TRIGGER {name}")
            for statement in statements:
                raw.execute(statement)
            raw.commit()
        finally:
            raw.close()


@pytest.fixture(params=["fast", "replay", "split"])
def book(
    request: pytest.FixtureRequest,
    engine: Engine,
    fresh_database: FreshFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> Book:
    if engine.dialect.name == "postgresql":
        database: Database = request.getfixturevalue("db")
    else:
        database = fresh_database()
    if request.param == "split":
        monkeypatch.setattr(verify_module, "_PARALLEL_MIN", 1)
    made = Book(database, method=request.param)
    made.post_three_entries()
    return made


def test_an_untouched_ledger_verifies_and_reports_its_head(book: Book) -> None:
    report = book.verify()
    assert report.ok, report.problems
    assert report.problems == []
    assert (report.entries, report.postings, report.accounts) == (3, 6, 3)
    assert report.head_hash == book.head()[1]


def test_an_empty_ledger_verifies(fresh_database: FreshFactory) -> None:
    database = fresh_database()
    with database.unit_of_work(readonly=True) as session:
        report = verify(session.connection())
    assert report.ok
    assert (report.entries, report.postings) == (0, 0)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("memo", "'award ADV-0009'"),
        ("actor", "'officer-z'"),
        ("kind", "'grant'"),
        ("voucher", "'V-FAKE'"),
        ("links", """'{"award":"ADV-0009"}'"""),
    ],
)
def test_a_changed_field_of_an_entry_breaks_its_hash(book: Book, column: str, value: str) -> None:
    second = book.entries[1]
    book.tamper(f"UPDATE ledger_entry SET {column} = {value} WHERE id = {second}")
    report = book.verify()
    assert not report.ok
    assert report.problem == (
        f"entry #{second}: hash does not match its contents (changed after posting)"
    )


def test_a_changed_amount_on_both_legs_breaks_the_hash_and_the_balances(book: Book) -> None:
    second = book.entries[1]
    book.tamper(f"UPDATE ledger_posting SET amount = amount * 2 WHERE entry_id = {second}")
    report = book.verify()
    assert report.problem is not None
    assert report.problem.startswith(f"entry #{second}: hash does not match")
    assert any(p.startswith(f"account {AVAILABLE}: stored balance") for p in report.problems)


def test_a_changed_amount_on_one_leg_unbalances_the_entry(book: Book) -> None:
    second = book.entries[1]
    book.tamper(f"UPDATE ledger_posting SET amount = 3000 WHERE entry_id = {second} AND amount > 0")
    report = book.verify()
    assert report.problem == f"entry #{second}: postings do not balance to zero or are missing"


def test_a_fraction_of_a_fen_written_into_an_amount_is_caught(book: Book) -> None:
    if book.database.engine.dialect.name != "sqlite":
        pytest.skip("a PostgreSQL BIGINT cannot hold a fraction; SQLite stores what it is given")
    second = book.entries[1]
    book.tamper(f"UPDATE ledger_posting SET amount = amount + 0.5 WHERE entry_id = {second}")
    report = book.verify()
    assert report.problem is not None
    assert report.problem.startswith(f"entry #{second}: posting amount ")
    assert report.problem.endswith("is not a whole number of 分")
    assert any(p.startswith(f"account {AVAILABLE}: stored balance") for p in report.problems)


def test_a_changed_effective_date_of_an_entry_is_caught(book: Book) -> None:
    second = book.entries[1]
    book.tamper(f"UPDATE ledger_entry SET effective_date = '2025-12-31' WHERE id = {second}")
    report = book.verify()
    assert report.problem == (
        f"entry #{second}: a posting's effective date differs from its entry's"
    )
    assert any(p.startswith(f"entry #{second}: hash does not match") for p in report.problems)


def test_a_back_dated_entry_with_its_postings_breaks_the_hash_and_the_daily_balances(
    book: Book,
) -> None:
    second = book.entries[1]
    book.tamper(
        f"UPDATE ledger_entry SET effective_date = '2025-12-31' WHERE id = {second}",
        f"UPDATE ledger_posting SET effective_date = '2025-12-31' WHERE entry_id = {second}",
    )
    report = book.verify()
    assert report.problem is not None
    assert report.problem.startswith(f"entry #{second}: hash does not match")
    assert f"account {AVAILABLE}: per-day balance on 2025-12-31 is 0 分" in "\n".join(
        report.problems
    )


def test_a_deleted_posting_is_caught(book: Book) -> None:
    second = book.entries[1]
    book.tamper(f"DELETE FROM ledger_posting WHERE entry_id = {second} AND amount < 0")
    report = book.verify()
    assert report.problem == f"entry #{second}: postings do not balance to zero or are missing"


def test_a_posting_moved_to_another_account_breaks_the_hash(book: Book) -> None:
    second, treasury = book.entries[1], book.accounts[TREASURY]
    book.tamper(
        f"UPDATE ledger_posting SET account_id = {treasury}"
        f" WHERE entry_id = {second} AND amount < 0"
    )
    report = book.verify()
    assert report.problem is not None
    assert report.problem.startswith(f"entry #{second}: hash does not match")


def test_a_changed_stored_balance_names_the_account(book: Book) -> None:
    book.tamper(f"UPDATE ledger_account SET balance = balance + 1 WHERE code = '{AVAILABLE}'")
    report = book.verify()
    assert report.problem == (
        f"account {AVAILABLE}: stored balance 501 分 differs from the replayed 500 分"
    )


def test_a_changed_per_day_balance_names_the_account_and_day(book: Book) -> None:
    available = book.accounts[AVAILABLE]
    book.tamper(
        "UPDATE ledger_daily_balance SET delta = delta + 100"
        f" WHERE account_id = {available} AND day = '2026-02-01'"
    )
    report = book.verify()
    assert report.problem == (
        f"account {AVAILABLE}: per-day balance on 2026-02-01 is -200 分, the postings say -300 分"
    )


def test_a_deleted_middle_entry_breaks_the_link_of_the_next(book: Book) -> None:
    second, third = book.entries[1], book.entries[2]
    book.tamper(
        f"DELETE FROM ledger_posting WHERE entry_id = {second}",
        f"DELETE FROM ledger_entry WHERE id = {second}",
    )
    report = book.verify()
    assert report.problem == (f"entry #{third}: prev_hash does not link to the entry before it")


def test_a_deleted_last_entry_leaves_the_chain_head_pointing_past_the_end(book: Book) -> None:
    second, third = book.entries[1], book.entries[2]
    available, committed = book.accounts[AVAILABLE], book.accounts[COMMITTED]
    book.tamper(  # a careful attacker also puts every balance back
        f"DELETE FROM ledger_posting WHERE entry_id = {third}",
        f"DELETE FROM ledger_entry WHERE id = {third}",
        f"UPDATE ledger_account SET balance = balance + 200 WHERE id = {available}",
        f"UPDATE ledger_account SET balance = balance - 200 WHERE id = {committed}",
        "DELETE FROM ledger_daily_balance WHERE day = '2026-03-01'",
    )
    report = book.verify()
    assert report.problems == [
        f"chain head does not match the newest entry #{second}: entries were removed or"
        " the head was changed"
    ]


def test_a_truncation_that_also_rewinds_the_head_shows_in_the_published_fingerprint(
    book: Book,
) -> None:
    published = book.head()
    second, third = book.entries[1], book.entries[2]
    available, committed = book.accounts[AVAILABLE], book.accounts[COMMITTED]
    book.tamper(
        f"DELETE FROM ledger_posting WHERE entry_id = {third}",
        f"DELETE FROM ledger_entry WHERE id = {third}",
        f"UPDATE ledger_account SET balance = balance + 200 WHERE id = {available}",
        f"UPDATE ledger_account SET balance = balance - 200 WHERE id = {committed}",
        "DELETE FROM ledger_daily_balance WHERE day = '2026-03-01'",
        f"UPDATE ledger_chain_head SET last_entry_id = {second},"
        f" last_hash = (SELECT hash FROM ledger_entry WHERE id = {second})",
    )
    report = book.verify()
    assert report.ok  # internally consistent: only an outside copy of the head can tell
    assert report.entries == 2
    assert report.head_hash != published[1]


def test_a_changed_chain_head_is_caught(book: Book) -> None:
    book.tamper("UPDATE ledger_chain_head SET last_hash = '" + "f" * 64 + "'")
    report = book.verify()
    assert report.problem is not None
    assert report.problem.startswith(
        f"chain head does not match the newest entry #{book.entries[2]}"
    )


# -- through the command line -------------------------------------------------------


@pytest.fixture
def cli_book(fresh_database: FreshFactory) -> Iterator[Book]:
    """A committed ledger in its own database, which the CLI is pointed at."""
    made = Book(fresh_database())
    made.post_three_entries()
    set_database_factory(lambda: made.database)
    try:
        yield made
    finally:
        set_database_factory(Database.from_url)


def test_funds_verify_exits_zero_on_a_good_ledger(cli_book: Book) -> None:
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 0, result.output
    assert "ledger verifies: 3 entries, 6 postings, 3 accounts" in result.stdout


def test_funds_verify_exits_six_naming_the_tampered_entry(cli_book: Book) -> None:
    second = cli_book.entries[1]
    cli_book.tamper(f"UPDATE ledger_entry SET memo = 'award ADV-0009' WHERE id = {second}")
    result = CliRunner().invoke(app, ["verify"])
    assert result.exit_code == 6
    assert "LEDGER DOES NOT VERIFY" in result.stderr
    assert f"entry #{second}: hash does not match" in " ".join(result.stderr.split())


def test_funds_verify_json_reports_counts_and_head(cli_book: Book) -> None:
    result = CliRunner().invoke(app, ["verify", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report == {
        "ok": True,
        "entries": 3,
        "postings": 6,
        "accounts": 3,
        "records": 0,  # no grants records in this ledger
        "head_hash": cli_book.head()[1],
        "first_problem": None,
        "problems": [],
    }


def test_funds_verify_json_names_the_first_problem_and_exits_six(cli_book: Book) -> None:
    available = cli_book.accounts[AVAILABLE]
    cli_book.tamper(f"UPDATE ledger_account SET balance = 0 WHERE id = {available}")
    result = CliRunner().invoke(app, ["verify", "--json"])
    assert result.exit_code == 6
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["first_problem"] == (
        f"account {AVAILABLE}: stored balance 0 分 differs from the replayed 500 分"
    )
    assert report["problems"] == [report["first_problem"]]
