"""Statements on the driver's cursor (funds.driver_sql): inside the session's transaction,
values stored as Core stores them, driver errors raised as SQLAlchemy's."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from factories import FreshFactory, world, zone_award
from funds.api.models import IdempotentResponse
from funds.api.users import add_user, authenticate
from funds.db import Database, table_of
from funds.driver_sql import DriverStatement, commit_with, run_together, stamp
from funds.grants import accounts
from funds.ledger import AccountKind, AccountMismatch, BalanceRule, Ledger

_INSERT = DriverStatement(
    'INSERT INTO api_idempotency (user_id, "key", request_hash, method, path, status_code,'
    " body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
MOMENT = datetime(2025, 6, 1, 8, 30, 15, 123456)


def _row(user_id: int, key: str, moment: datetime = MOMENT) -> tuple[object, ...]:
    return (user_id, key, "h" * 64, "POST", "/x", 201, "{}", moment)


def _user_row(session: Session, name: str, key: str) -> list[object]:
    """A new admin user's idempotency row under ``key``, its time stored as Core would."""
    user = add_user(session, name=name, role="admin").user
    assert user.id is not None
    row = list(_row(user.id, key))
    row[-1] = stamp(session, MOMENT)
    return row


def test_a_statement_sees_what_the_session_flushed_and_is_rolled_back_with_it(
    session: Session,
) -> None:
    new = add_user(session, name="driver-a", role="admin")  # flushed, not committed
    found = DriverStatement("SELECT name, role FROM api_user WHERE id = ?").first(
        session, (new.user.id,)
    )
    assert found == ("driver-a", "admin")
    caller, _ = authenticate(session, new.token)
    assert caller is not None
    assert (caller.id, caller.name, caller.role) == (new.user.id, "driver-a", "admin")
    assert authenticate(session, new.token + "x") == (None, [])


def test_a_timestamp_written_on_the_driver_is_stored_as_core_stores_it(session: Session) -> None:
    row = _user_row(session, "driver-b", "by-driver")
    _INSERT.execute(session, row)
    table = table_of(IdempotentResponse)
    user_id = row[0]
    assert isinstance(user_id, int)
    by_core = _row(user_id, "by-core")
    session.connection().execute(
        insert(table).values(dict(zip(table.c.keys()[1:], by_core, strict=True)))
    )
    raw = DriverStatement('SELECT "key", created_at FROM api_idempotency ORDER BY "key"')
    stored = dict(raw.execute(session).fetchall())
    assert stored["by-driver"] == stored["by-core"]
    read = session.connection().execute(select(table.c.key, table.c.created_at)).all()
    assert {key: moment for key, moment in read} == {"by-core": MOMENT, "by-driver": MOMENT}


def test_a_driver_error_is_raised_as_sqlalchemys_error(session: Session) -> None:
    row = _user_row(session, "driver-c", "twice")
    _INSERT.execute(session, row)
    with pytest.raises(IntegrityError):
        _INSERT.execute(session, row)


def test_an_account_already_open_is_found_and_one_of_another_kind_refused(
    session: Session,
) -> None:
    world(session)
    award = zone_award(session)
    ledger = Ledger(session)
    code = accounts.passed(award.code, "91340100MA0000001K")
    opened = accounts.open_account(ledger, code, "企业1")
    assert accounts.open_account(Ledger(session), code) == opened == ledger.account_id(code)
    odd = f"award:{award.code}:passed:ODD"
    ledger.open_account(odd, AccountKind.ASSET, BalanceRule.FREE)
    with pytest.raises(AccountMismatch, match="ODD"):
        accounts.open_account(Ledger(session), odd)


def _ids_of_keys(db: Database) -> list[str]:
    with db.unit_of_work(readonly=True) as s:
        rows = DriverStatement('SELECT "key" FROM api_idempotency ORDER BY "key"').execute(s)
        return [key for (key,) in rows.fetchall()]


def test_commit_with_writes_its_statement_and_commits_for_real(
    fresh_database: FreshFactory,
) -> None:
    db = fresh_database()
    with db.session() as s:
        row = _user_row(s, "driver-d", "last")
        commit_with(s, _INSERT, row)
        assert not s.in_transaction()
    assert _ids_of_keys(db) == ["last"]
    with db.unit_of_work(readonly=True) as s:
        assert DriverStatement("SELECT name FROM api_user").first(s) == ("driver-d",)


def test_a_failing_commit_with_keeps_nothing_of_the_transaction(
    fresh_database: FreshFactory,
) -> None:
    db = fresh_database()
    with db.session() as s:
        row = _user_row(s, "driver-e", "first")
        _INSERT.execute(s, row)
        with pytest.raises(IntegrityError):
            commit_with(s, _INSERT, row)  # the same key twice
        s.rollback()
    assert _ids_of_keys(db) == []
    with db.unit_of_work(readonly=True) as s:
        assert DriverStatement("SELECT count(*) FROM api_user").first(s) == (0,)
    with db.unit_of_work() as s:  # the pooled connection is whole again
        assert DriverStatement("SELECT 1").first(s) == (1,)


def test_statements_run_together_in_order_and_each_keeps_its_rows(session: Session) -> None:
    row = _user_row(session, "driver-f", "together")
    count = DriverStatement('SELECT count(*) FROM api_idempotency WHERE "key" = ?')
    before, _, after = run_together(
        session, [(count, ("together",)), (_INSERT, row), (count, ("together",))]
    )
    assert (before.fetchone(), after.fetchone()) == ((0,), (1,))
    with pytest.raises(IntegrityError):
        run_together(session, [(count, ("together",)), (_INSERT, row)])


def test_commit_with_leaves_a_callers_transaction_to_the_caller(
    fresh_database: FreshFactory,
) -> None:
    db = fresh_database()
    with db.engine.connect() as conn:
        outer = conn.begin()
        s = Session(bind=conn)
        commit_with(s, _INSERT, _user_row(s, "driver-g", "theirs"))
        s.close()
        outer.rollback()
    assert _ids_of_keys(db) == []
