"""Statements on the driver's cursor (funds.driver_sql): inside the session's transaction,
values stored as Core stores them, driver errors raised as SQLAlchemy's."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from factories import world, zone_award
from funds.api.models import IdempotentResponse
from funds.api.users import add_user, authenticate
from funds.db import table_of
from funds.driver_sql import DriverStatement, stamp
from funds.grants import accounts
from funds.ledger import AccountKind, AccountMismatch, BalanceRule, Ledger

_INSERT = DriverStatement(
    'INSERT INTO api_idempotency (user_id, "key", request_hash, method, path, status_code,'
    " body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
MOMENT = datetime(2025, 6, 1, 8, 30, 15, 123456)


def _row(user_id: int, key: str, moment: datetime = MOMENT) -> tuple[object, ...]:
    return (user_id, key, "h" * 64, "POST", "/x", 201, "{}", moment)


def test_a_statement_sees_what_the_session_flushed_and_is_rolled_back_with_it(
    session: Session,
) -> None:
    new = add_user(session, name="driver-a", role="admin")  # flushed, not committed
    found = DriverStatement("SELECT name, role FROM api_user WHERE id = ?").first(
        session, (new.user.id,)
    )
    assert found == ("driver-a", "admin")
    caller = authenticate(session, new.token)
    assert caller is not None
    assert (caller.id, caller.name, caller.role) == (new.user.id, "driver-a", "admin")
    assert authenticate(session, new.token + "x") is None


def test_a_timestamp_written_on_the_driver_is_stored_as_core_stores_it(session: Session) -> None:
    user = add_user(session, name="driver-b", role="admin").user
    assert user.id is not None
    row = list(_row(user.id, "by-driver"))
    row[-1] = stamp(session, MOMENT)
    _INSERT.execute(session, row)
    table = table_of(IdempotentResponse)
    session.connection().execute(
        insert(table).values(dict(zip(table.c.keys()[1:], _row(user.id, "by-core"), strict=True)))
    )
    raw = DriverStatement('SELECT "key", created_at FROM api_idempotency ORDER BY "key"')
    stored = dict(raw.execute(session).fetchall())
    assert stored["by-driver"] == stored["by-core"]
    read = session.connection().execute(select(table.c.key, table.c.created_at)).all()
    assert {key: moment for key, moment in read} == {"by-core": MOMENT, "by-driver": MOMENT}


def test_a_driver_error_is_raised_as_sqlalchemys_error(session: Session) -> None:
    user = add_user(session, name="driver-c", role="admin").user
    assert user.id is not None
    row = list(_row(user.id, "twice"))
    row[-1] = stamp(session, MOMENT)
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
