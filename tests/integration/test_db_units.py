"""Units of work on a real database: one owns its transaction; on SQLite it keeps a spare.

A writing unit of work on a SQLite file keeps its connection open for the next one
(``funds.db._Spare``). These scenarios pin what must not change with that: the session
commits and rolls back as its own, a failed unit leaves nothing behind, a connection left
dirty is never handed on, and two units open at once never share a connection.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, col

from conftest import on_postgres
from factories import FreshFactory
from funds.db import Database, make_engine, table_of
from funds.ledger import Account, AccountKind, BalanceRule, Ledger
from funds.migrate import upgrade

sqlite_only = pytest.mark.skipif(on_postgres(), reason="the spare connection is SQLite's")
ACCOUNTS = table_of(Account)


def _driver(session: Session) -> Any:
    return session.connection().connection.driver_connection


def _open(session: Session, code: str) -> None:
    Ledger(session).open_account(code, AccountKind.ASSET, BalanceRule.FREE)


def _codes(database: Database) -> set[str]:
    with database.unit_of_work(readonly=True) as s:
        return set(s.connection().execute(select(ACCOUNTS.c.code)).scalars())


def _checked_out(database: Database) -> int:
    pool = database.engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


@sqlite_only
def test_writing_units_of_work_on_sqlite_reuse_one_connection(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    with database.unit_of_work() as s:
        first = _driver(s)
    with database.unit_of_work() as s:
        assert _driver(s) is first
    assert _checked_out(database) == 1  # the spare
    database.dispose()
    assert _checked_out(database) == 0


def test_a_session_that_commits_inside_its_unit_of_work_owns_that_transaction(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()

    def commit_then_fail() -> None:
        with database.unit_of_work() as s:
            _open(s, "kept")
            s.commit()
            _open(s, "dropped")
            raise RuntimeError("after the commit")

    with pytest.raises(RuntimeError):
        commit_then_fail()
    with database.unit_of_work() as s:
        _open(s, "rolled:back")
        s.rollback()
        _open(s, "committed")
    assert _codes(database) == {"kept", "committed"}


def test_a_failed_unit_of_work_leaves_nothing_and_the_next_one_commits(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()

    def fail() -> None:
        with database.unit_of_work() as s:
            _open(s, "lost")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    with database.unit_of_work() as s:
        _open(s, "saved")
    assert _codes(database) == {"saved"}


@sqlite_only
def test_a_connection_left_inside_a_transaction_is_not_handed_on(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    with database.unit_of_work() as s:
        dirty = _driver(s)
        s.commit()
        dirty.execute("BEGIN")  # behind SQLAlchemy's back
    assert _checked_out(database) == 0  # not kept: back in the pool, which rolled it back
    assert not dirty.in_transaction
    with database.unit_of_work() as s:
        _open(s, "after")
    assert _codes(database) == {"after"}


@sqlite_only
def test_two_units_of_work_open_at_once_never_share_a_connection(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    with database.unit_of_work() as s:
        spare = _driver(s)
    with database.unit_of_work() as outer:
        with database.unit_of_work() as inner:
            _open(inner, "inner")
            other = _driver(inner)
        _open(outer, "outer")
        assert _driver(outer) is spare
        assert other is not spare
    assert _checked_out(database) == 1  # one kept, the other back in the pool
    assert _codes(database) == {"inner", "outer"}


@sqlite_only
def test_a_session_used_after_its_unit_of_work_never_touches_the_spare(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    with database.unit_of_work() as s:
        spare = _driver(s)
    try:
        assert _driver(s) is not spare
    finally:
        s.close()


def test_readonly_units_and_postgresql_keep_no_connection(fresh_database: FreshFactory) -> None:
    database = fresh_database()
    with database.unit_of_work(readonly=True) as s:
        s.connection()
    expected = 0
    with database.unit_of_work() as s:
        s.connection()
    if not on_postgres():
        expected = 1
    assert _checked_out(database) == expected


def test_objects_read_in_a_unit_of_work_come_out_detached(fresh_database: FreshFactory) -> None:
    """A unit of work skips ``close()`` only when the session holds nothing; one that read
    or added ORM objects still closes, and every object leaves it detached."""
    database = fresh_database()
    with database.unit_of_work() as s:
        _open(s, "kept")
    with database.unit_of_work() as s:
        read = s.scalars(select(Account).where(col(Account.code) == "kept")).one()
        added = Account(
            code="added",
            name="",
            kind=AccountKind.ASSET,
            rule=BalanceRule.FREE,
            balance=0,
            created_at=datetime.now(),
        )
        s.add(added)
    assert inspect(read).detached
    assert inspect(added).detached
    assert _codes(database) == {"kept", "added"}


@sqlite_only
def test_no_spare_is_kept_while_an_overflow_connection_is_in_use(tmp_path: Path) -> None:
    database = Database(
        make_engine(f"sqlite:///{tmp_path / 'overflow.sqlite3'}", pool_size=2, max_overflow=1)
    )
    try:
        upgrade(database.engine)
        with database.unit_of_work() as s:
            s.connection()
        assert _checked_out(database) == 1  # the spare
        writing = database.unit_of_work()
        writing.__enter__().connection()  # on the spare
        readers = [database.unit_of_work(readonly=True) for _ in range(2)]
        for reader in readers:
            reader.__enter__().connection()  # the pool's other connection, then the overflow
        assert _checked_out(database) == 3
        writing.__exit__(None, None, None)  # ends while the overflow connection is out
        assert _checked_out(database) == 2  # the spare went back to the pool, not kept
        for reader in readers:
            reader.__exit__(None, None, None)
        assert _checked_out(database) == 0
        with database.unit_of_work() as s:
            s.connection()
        assert _checked_out(database) == 1  # within the pool's size again: one is kept
    finally:
        database.dispose()


@sqlite_only
def test_a_read_only_unit_takes_no_write_lock_and_a_writing_one_takes_it_as_it_begins(
    fresh_database: FreshFactory,
) -> None:
    database = fresh_database()
    other = sqlite3.connect(str(database.engine.url.database), isolation_level=None, timeout=0)
    try:
        with database.unit_of_work(readonly=True) as reader:
            reader.connection()  # begun: DEFERRED
            assert _driver(reader).in_transaction
            other.execute("BEGIN IMMEDIATE")  # the write lock is free
            other.execute("ROLLBACK")
        with database.unit_of_work() as writer:
            writer.connection()  # begun: IMMEDIATE, before any statement of its own
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once the unit has committed
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.mark.skipif(not on_postgres(), reason="SQLite's readers share their first snapshot")
def test_a_reading_unit_sees_one_state_and_writes_nothing_on_postgres(
    fresh_database: FreshFactory,
) -> None:
    """A read-only unit of work is one REPEATABLE READ snapshot (what another commits while
    it reads is not seen by it) and refuses a write; a writing unit afterwards is READ
    COMMITTED again (the pool resets what the reader set)."""
    database = fresh_database()
    with database.unit_of_work() as s:
        _open(s, "before")
    with database.unit_of_work(readonly=True) as reader:
        assert set(reader.connection().execute(select(ACCOUNTS.c.code)).scalars()) == {"before"}
        with database.unit_of_work() as writer:
            _open(writer, "meanwhile")
        assert set(reader.connection().execute(select(ACCOUNTS.c.code)).scalars()) == {"before"}
        with pytest.raises(DBAPIError, match="read-only transaction"):
            _open(reader, "from a reader")
    assert _codes(database) == {"before", "meanwhile"}
    with database.unit_of_work() as s:
        assert s.connection().exec_driver_sql("SHOW transaction_isolation").scalar() == (
            "read committed"
        )
