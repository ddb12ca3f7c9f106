"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

import funds.models  # noqa: F401  (registers every table)
from factories import FreshFactory
from funds.db import metadata
from funds.ledger import AccountKind, BalanceRule, EntryRequest, Ledger, Leg, verify
from funds.migrate import alembic_config, current_revision, head_revision, upgrade

# Created by hand in a migration for PostgreSQL prefix ranges; no model can express it.
EXPRESSION_INDEXES = {"ix_ledger_account_code_c"}


def _name(diff: Any) -> str:
    target = diff[1] if isinstance(diff, tuple) else diff[0][1]
    return str(getattr(target, "name", ""))


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [
            d for d in compare_metadata(context, metadata) if _name(d) not in EXPRESSION_INDEXES
        ]
    assert diff == []


def test_the_database_is_at_the_newest_revision(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)


def test_dropping_the_hash_index_keeps_a_posted_ledger_whole(fresh_database: FreshFactory) -> None:
    """Revision 0010 rebuilds ``ledger_entry`` on SQLite: rows, chain, triggers survive."""
    database = fresh_database()
    config = alembic_config(database.engine)
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0009")
    with database.unit_of_work() as session:
        book = Ledger(session)
        book.open_account("m:src", AccountKind.EQUITY, BalanceRule.FREE)
        book.open_account("m:dst", AccountKind.ASSET, BalanceRule.NON_NEGATIVE)
        first = book.post(_transfer(1))
        book.post(_transfer(2))
        book.reverse(first.id, actor="t", memo="undo")
    assert upgrade(database.engine)
    with database.unit_of_work() as session:
        book = Ledger(session)
        book.post(_transfer(3))
        assert book.balance("m:dst") == 500
        report = verify(session.connection())
    assert report.ok, report.problem
    assert report.entries == 4
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text("UPDATE ledger_entry SET memo = 'x' WHERE id = 1"))
    with pytest.raises(DBAPIError), database.engine.begin() as conn:  # foreign keys still hold
        conn.execute(
            text(
                "INSERT INTO ledger_posting (entry_id, account_id, amount, effective_date)"
                " VALUES (999, 1, 1, '2026-01-01')"
            )
        )


def _transfer(n: int) -> EntryRequest:
    return EntryRequest(
        kind="t",
        effective_date=date(2026, 1, n),
        legs=[Leg("m:src", -100 * n), Leg("m:dst", 100 * n)],
        actor="t",
        idempotency_key=f"m-{n}",
    )
