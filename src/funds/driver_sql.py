"""Single statements of a request's hot path, run straight on the DB-API cursor.

A statement every write request runs (the token look-up, the idempotency row, the ledger
entry under an idempotency key, an account's existence, the response's totals) costs
70–100 µs of SQLAlchemy's Python through Core even when prebuilt (cache key, parameter
processing, result set-up), where the driver takes 10–15 µs to run it on SQLite. A
:class:`DriverStatement` is written once, with ``?`` placeholders, and run on the cursor of
the connection the session already holds: the same transaction, the same locks, the same
savepoints in tests (as :mod:`funds.ledger.driver` does for the posting path).

Values go in and come out as the driver has them: plain strings and integers here, and on
SQLite a timestamp as the text SQLAlchemy stores (:func:`stamp`). A driver error is raised
as SQLAlchemy's wrapper of it (``IntegrityError``, ``OperationalError``, ...), so that the
API answers it exactly as one raised through Core.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session


class DriverStatement:
    """One SQL text per dialect (``?`` placeholders; no ``%`` in the text)."""

    __slots__ = ("_sql",)

    def __init__(self, sql: str, *, postgresql: str | None = None) -> None:
        self._sql = {"sqlite": sql, "postgresql": (postgresql or sql).replace("?", "%s")}

    def execute(self, session: Session, params: Sequence[Any] = ()) -> Any:
        """Run the statement in the session's transaction; return the driver's cursor."""
        conn = session.connection()
        sql = self._sql[conn.dialect.name]
        cursor = _driver(conn).cursor()
        try:
            cursor.execute(sql, params)
        except conn.dialect.loaded_dbapi.Error as error:
            raise _wrapped(conn, sql, params, error) from error
        return cursor

    def first(self, session: Session, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run the statement and return its first row (``None`` when there is none)."""
        row: tuple[Any, ...] | None = self.execute(session, params).fetchone()
        return row


SQLITE_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy stores a ``TIMESTAMP`` on SQLite (text, microseconds always shown)."""


def sqlite_timestamp(value: datetime) -> str:
    """Return ``value.strftime(SQLITE_TIMESTAMP)``, the text SQLite stores for ``value``.

    For a naive time from the year 1000 on, ``isoformat`` writes the same text in half the
    time (pinned by a property test); any other goes through ``strftime``.
    """
    if value.tzinfo is None and value.year >= 1000:
        return value.isoformat(" ", "microseconds")
    return value.strftime(SQLITE_TIMESTAMP)


def stamp(session: Session, value: datetime) -> datetime | str:
    """``value`` (naive UTC) as the driver stores a ``TIMESTAMP`` column, as Core would."""
    if session.connection().dialect.name == "sqlite":
        return sqlite_timestamp(value)
    return value


def _driver(conn: Connection) -> Any:
    driver = conn.connection.driver_connection
    assert driver is not None, "the unit of work's connection is closed"
    return driver


def _wrapped(conn: Connection, sql: str, params: Sequence[Any], error: Exception) -> DBAPIError:
    wrapped = DBAPIError.instance(
        sql, params, error, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
    )
    assert isinstance(wrapped, DBAPIError)
    return wrapped
