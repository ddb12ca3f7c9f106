"""Single statements of a request's hot path, run straight on the DB-API cursor.

A statement every write request runs (the token look-up, the idempotency row, the ledger
entry under an idempotency key, an account's existence, the response's totals) costs
70–100 µs of SQLAlchemy's Python through Core even when prebuilt (cache key, parameter
processing, result set-up), where the driver takes 10–15 µs to run it on SQLite. A
:class:`DriverStatement` is written once, with ``?`` placeholders, and run on the cursor of
the connection the session already holds: the same transaction, the same locks, the same
savepoints in tests (as :mod:`funds.ledger.driver` does for the posting path). On
PostgreSQL, where a round trip costs more than the statement it carries, statements that
do not depend on each other's rows can travel together (:func:`run_together`), and the last
insert of a unit of work can travel with its ``COMMIT`` (:func:`commit_with`).

Values go in and come out as the driver has them: plain strings and integers here, and on
SQLite a timestamp as the text SQLAlchemy stores (:func:`stamp`). A driver error is raised
as SQLAlchemy's wrapper of it (``IntegrityError``, ``OperationalError``, ...), so that the
API answers it exactly as one raised through Core.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session


class DriverStatement:
    """One SQL text per dialect (``?`` placeholders; no ``%`` in the text)."""

    __slots__ = ("_sql",)

    def __init__(self, sql: str, *, postgresql: str | None = None) -> None:
        self._sql = {"sqlite": sql, "postgresql": (postgresql or sql).replace("?", "%s")}

    def text(self, dialect: str) -> str:
        """The statement's SQL for ``dialect`` (``sqlite`` or ``postgresql``)."""
        return self._sql[dialect]

    def execute(self, session: Session, params: Sequence[Any] = ()) -> Any:
        """Run the statement in the session's transaction; return the driver's cursor."""
        conn = session.connection()
        sql = self._sql[conn.dialect.name]
        cursor = _driver(conn).cursor()
        try:
            cursor.execute(sql, params)
        except conn.dialect.loaded_dbapi.Error as error:
            raise wrapped_error(conn, sql, params, error) from error
        return cursor

    def first(self, session: Session, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """Run the statement and return its first row (``None`` when there is none)."""
        row: tuple[Any, ...] | None = self.execute(session, params).fetchone()
        return row


def run_together(
    session: Session, statements: Sequence[tuple[DriverStatement, Sequence[Any]]]
) -> list[Any]:
    """Run ``(statement, params)`` pairs in order; return their cursors, to fetch from.

    On PostgreSQL they travel together (psycopg's pipeline): one round trip instead of one
    each, every result already received. A failing statement raises as
    :meth:`DriverStatement.execute` would (naming all of them: in a pipeline the error
    comes back for the batch). On SQLite fetch what a statement returns before the commit:
    a statement left with rows to read keeps SQLite from committing.
    """
    conn = session.connection()
    name, driver = conn.dialect.name, _driver(conn)
    cursors = [driver.cursor() for _ in statements]
    try:
        with nullcontext() if name == "sqlite" else driver.pipeline():
            for cursor, (statement, params) in zip(cursors, statements, strict=True):
                cursor.execute(statement.text(name), params)
    except conn.dialect.loaded_dbapi.Error as error:
        sql = "; ".join(statement.text(name) for statement, _ in statements)
        raise wrapped_error(conn, sql, (), error) from error
    return cursors


def commit_with(session: Session, statement: DriverStatement, params: Sequence[Any]) -> None:
    """Run ``statement`` last in the session's transaction and commit.

    On PostgreSQL the statement and the ``COMMIT`` travel together (psycopg's pipeline):
    one round trip, not two, at the end of a write request, while the ledger's chain head
    is still locked. The ``COMMIT`` is a statement in the pipeline, not ``commit()``, which
    would sync once more, and it runs before SQLAlchemy's commit, which then finds the
    transaction ended and does no I/O: SQLAlchemy hands the connection back to the pool at
    its commit, so that must come after the pipeline is closed. A session bound to a
    connection or inside a savepoint (tests) does not own the transaction: there the
    statement and SQLAlchemy's commit run as usual. If the statement fails, the
    transaction ends rolled back and the error is raised as SQLAlchemy's wrapper of it.
    """
    session.flush()  # whatever the ORM holds goes first, on its own
    conn = session.connection()
    owned = isinstance(session.bind, Engine) and not conn.in_nested_transaction()
    if conn.dialect.name == "sqlite" or not owned:  # a caller's transaction is not ours to end
        statement.execute(session, params)
        session.commit()
        return
    driver, sql = _driver(conn), statement.text(conn.dialect.name)
    try:
        with driver.pipeline():
            cursor = driver.cursor()
            cursor.execute(sql, params)
            cursor.execute("COMMIT")
    except conn.dialect.loaded_dbapi.Error as error:
        raise wrapped_error(conn, sql, params, error) from error
    session.commit()


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


def stored_day(session: Session, value: date) -> date | str:
    """``value`` as the driver stores a ``DATE`` column, as Core would (ISO text on SQLite)."""
    if session.connection().dialect.name == "sqlite":
        return value.isoformat()
    return value


def _driver(conn: Connection) -> Any:
    driver = conn.connection.driver_connection
    assert driver is not None, "the unit of work's connection is closed"
    return driver


def wrapped_error(
    conn: Connection, sql: str, params: Sequence[Any], error: Exception
) -> DBAPIError:
    """``error``, raised by the driver running ``sql``, as SQLAlchemy's wrapper of it."""
    wrapped = DBAPIError.instance(
        sql, params, error, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
    )
    assert isinstance(wrapped, DBAPIError)
    return wrapped
