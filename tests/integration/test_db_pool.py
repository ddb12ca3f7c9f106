"""The pool's liveness check on PostgreSQL: an idle connection is pinged before use."""

from __future__ import annotations

import pytest
from sqlalchemy import text

import funds.db
from conftest import on_postgres
from factories import FreshFactory

pytestmark = pytest.mark.skipif(not on_postgres(), reason="connection liveness is a server matter")


def _backend_pid(database: funds.db.Database) -> int:
    with database.engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_cut_while_idle_is_replaced_before_anyone_uses_it(
    fresh_database: FreshFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = fresh_database()
    monkeypatch.setattr(funds.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    with database.engine.connect() as victim, database.engine.connect() as other:
        cut = victim.execute(text("SELECT pg_backend_pid()")).scalar_one()
        victim.rollback()
        victim.close()  # back in the pool, idle
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})
        other.commit()
    # both pooled connections are handed out again, the dead one replaced unseen
    with database.engine.connect() as one, database.engine.connect() as two:
        pids = {c.execute(text("SELECT pg_backend_pid()")).scalar_one() for c in (one, two)}
    assert len(pids) == 2
    assert cut not in pids


def test_a_connection_in_use_a_moment_ago_is_not_pinged(
    fresh_database: FreshFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = fresh_database()
    pings: list[object] = []
    dialect = database.engine.dialect
    monkeypatch.setattr(dialect, "do_ping", lambda dbapi_connection: pings.append(dbapi_connection))
    _backend_pid(database)
    _backend_pid(database)
    assert pings == []
    monkeypatch.setattr(funds.db, "PING_AFTER_IDLE_SECONDS", 0.0)
    _backend_pid(database)
    assert len(pings) == 1
