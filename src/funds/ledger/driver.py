"""The posting path's statements, run on the DB-API cursor of the unit of work's connection.

Posting one entry runs a fixed handful of statements (read and lock the accounts, read and
lock the chain head, look up idempotency keys, insert the entry and its postings, set the
running balances, add the per-day balances, move the head). Through SQLAlchemy Core each
costs 0.1–0.2 ms of Python (cache lookup, per-row bind processing, result set-up), several
times what SQLite takes to run it, so these statements are written out once per dialect
here and executed on the driver's own cursor. The cursor belongs to the connection the
session already holds: the same transaction, the same locks, the same savepoints in tests.

On PostgreSQL each round trip to the server costs more than the statement it carries, so
the driver pipelines (psycopg's pipeline mode): the reads that lock the accounts and the
chain head and look up idempotency keys travel together, and so do all the writes; an
entry costs two round trips before the commit instead of one per statement. A batch of
entries writes each table with one statement over ``unnest`` of its columns, integers
sent as int8 so that the statement's parameter types never change. (One statement of
data-modifying CTEs over ``unnest`` arrays, typed by their values, was tried earlier and
was three times slower: with types that vary it is planned afresh each time.)

Values are passed as the SQLAlchemy column types would store them, so that rows written
here and rows written through the ORM are indistinguishable: on SQLite a date is its ISO
text and a timestamp is ``YYYY-MM-DD HH:MM:SS.ffffff``; psycopg takes ``date`` and
``datetime`` objects as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from funds.driver_sql import sqlite_timestamp, wrapped_error

_IN_CHUNK = 500
"""Keys per ``IN (...)`` list: well below SQLite's limit on bound variables."""

_UNNEST_FROM = 2
"""Entries in one write from which PostgreSQL gets a statement a table (see ``_PG_WRITES``).
One entry's rows go as they are: for them the arrays cost more Python than they save."""

_ENTRY_COLUMNS = (
    "id, kind, effective_date, recorded_at, actor, memo, voucher, idempotency_key,"
    " request_hash, reverses_id, links, prev_hash, hash"
)
_SQL = {
    "insert_entry": f"INSERT INTO ledger_entry ({_ENTRY_COLUMNS})"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "insert_posting": "INSERT INTO ledger_posting (entry_id, account_id, amount, effective_date)"
    " VALUES (?, ?, ?, ?)",
    "set_balance": "UPDATE ledger_account SET balance = ? WHERE id = ?",
    "add_daily": "INSERT INTO ledger_daily_balance (account_id, day, delta, postings)"
    " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, day) DO UPDATE SET"
    " delta = ledger_daily_balance.delta + excluded.delta,"
    " postings = ledger_daily_balance.postings + excluded.postings",
    "set_head": "UPDATE ledger_chain_head SET last_entry_id = ?, last_hash = ? WHERE id = 1",
    "head": "SELECT last_entry_id, last_hash FROM ledger_chain_head WHERE id = 1",
}
_ACCOUNTS = "SELECT id, code, rule, balance FROM ledger_account WHERE code IN ({}) ORDER BY id"
_REPLAYS = (
    "SELECT idempotency_key, id, request_hash FROM ledger_entry WHERE idempotency_key IN ({})"
)
_LOCK_ACCOUNTS = "SELECT 0, id, code, rule, balance FROM ledger_account WHERE code IN ({})"
_LOCK_HEAD = "SELECT 1, last_entry_id, last_hash, NULL, NULL FROM ledger_chain_head WHERE id = 1"
_LOCK_REPLAYS = (
    "SELECT 2, id, idempotency_key, request_hash, NULL FROM ledger_entry"
    " WHERE idempotency_key IN ({})"
)
_SQLITE = _SQL
_POSTGRES = {name: sql.replace("?", "%s") for name, sql in _SQL.items()}
_POSTGRES["head"] += " FOR UPDATE"
_PG_ACCOUNTS = (
    "SELECT id, code, rule, balance FROM ledger_account WHERE code = ANY(%s) ORDER BY id FOR UPDATE"
)
_PG_REPLAYS = (
    "SELECT idempotency_key, id, request_hash FROM ledger_entry WHERE idempotency_key = ANY(%s)"
)
# A batch's rows go in one statement a table, over ``unnest`` of one array a column, where
# ``executemany`` would send a statement a row: measured on groups of nine entries, the
# server's CPU falls by about a sixth and the client's by about a tenth. Every integer is
# sent as int8 (``_int8_cursor``), so the parameter types, and with them the prepared
# statement, stay the same from one batch to the next; they travel in binary, which
# spares psycopg quoting each text element.
_PG_WRITES = {
    "insert_entry": f"INSERT INTO ledger_entry ({_ENTRY_COLUMNS}) SELECT * FROM unnest("
    "%b::int8[], %b::text[], %b::date[], %b::timestamp[], %b::text[], %b::text[], %b::text[],"
    " %b::text[], %b::text[], %b::int8[], %b::text[], %b::text[], %b::text[])",
    "insert_posting": "INSERT INTO ledger_posting (entry_id, account_id, amount, effective_date)"
    " SELECT * FROM unnest(%b::int8[], %b::int8[], %b::int8[], %b::date[])",
    "set_balance": "UPDATE ledger_account SET balance = new.balance"
    " FROM unnest(%b::int8[], %b::int8[]) AS new (balance, id) WHERE ledger_account.id = new.id",
    "add_daily": "INSERT INTO ledger_daily_balance (account_id, day, delta, postings)"
    " SELECT * FROM unnest(%b::int8[], %b::date[], %b::int8[], %b::int8[])"
    " ON CONFLICT (account_id, day) DO UPDATE SET"
    " delta = ledger_daily_balance.delta + excluded.delta,"
    " postings = ledger_daily_balance.postings + excluded.postings",
}


class PostingDriver:
    """The posting path's reads and writes on one connection, in its dialect's form.

    On PostgreSQL the reads of accounts and of the chain head lock their rows
    (``FOR UPDATE``, accounts in id order, then the head); on SQLite the unit of work
    already holds the database's write lock (``BEGIN IMMEDIATE``).
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.dialect = conn.dialect.name
        self.sqlite = self.dialect == "sqlite"
        self._sql = _SQLITE if self.sqlite else _POSTGRES
        driver = conn.connection.driver_connection
        assert driver is not None, "the unit of work's connection is closed"
        self._driver: Any = driver
        self._cursor = driver.cursor()

    def day(self, value: date) -> date | str:
        """Return ``value`` as the driver stores a ``DATE`` column."""
        return value.isoformat() if self.sqlite else value

    def stamp(self, value: datetime) -> datetime | str:
        """Return ``value`` as the driver stores a ``TIMESTAMP`` column (naive UTC)."""
        return sqlite_timestamp(value) if self.sqlite else value

    def lock(
        self, codes: Sequence[str], keys: Sequence[str]
    ) -> tuple[list[tuple[int, str, str, int]], tuple[int, str] | None, dict[str, tuple[int, str]]]:
        """Return :meth:`accounts`, :meth:`head` and :meth:`replays` (no keys: none), locked.

        On PostgreSQL the three statements go in one pipeline: one round trip, the
        accounts locked in id order before the head, as when they are sent one by one. On
        SQLite, where the unit of work already holds the write lock, they are one statement
        (a ``UNION ALL`` of the three, each row tagged with its part) unless the codes or
        keys need more than one ``IN`` list: one statement run costs less than three.
        """
        if self.sqlite:
            if len(codes) > _IN_CHUNK or len(keys) > _IN_CHUNK:
                return self.accounts(codes), self.head(), self.replays(keys) if keys else {}
            return self._lock_at_once(codes, keys)
        accounts, head, replays = self._cursor, self._driver.cursor(), self._driver.cursor()
        try:
            with self._driver.pipeline():
                accounts.execute(_PG_ACCOUNTS, (list(codes),))
                head.execute(self._sql["head"])
                if keys:
                    replays.execute(_PG_REPLAYS, (list(keys),))
        except self._conn.dialect.loaded_dbapi.Error as error:  # a deadlock, a lock timeout
            raise wrapped_error(self._conn, "the ledger's locking reads", (), error) from error
        row = head.fetchone()
        found = replays.fetchall() if keys else []
        return (
            list(accounts.fetchall()),
            None if row is None else (int(row[0] or 0), str(row[1])),
            {key: (int(entry_id), digest) for key, entry_id, digest in found},
        )

    def _lock_at_once(
        self, codes: Sequence[str], keys: Sequence[str]
    ) -> tuple[list[tuple[int, str, str, int]], tuple[int, str] | None, dict[str, tuple[int, str]]]:
        """:meth:`lock` on SQLite in one statement (at most :data:`_IN_CHUNK` codes and keys)."""
        sql = _LOCK_ACCOUNTS.format(", ".join("?" * len(codes))) + " UNION ALL " + _LOCK_HEAD
        if keys:
            sql += " UNION ALL " + _LOCK_REPLAYS.format(", ".join("?" * len(keys)))
        accounts: list[tuple[int, str, str, int]] = []
        head: tuple[int, str] | None = None
        replays: dict[str, tuple[int, str]] = {}
        for part, first, second, third, fourth in self._fetch(sql, (*codes, *keys)):
            if part == 0:
                accounts.append((first, second, third, fourth))
            elif part == 1:
                head = (int(first or 0), str(second))
            else:
                replays[second] = (int(first), third)
        accounts.sort()  # in id order, as :meth:`accounts` returns them
        return accounts, head, replays

    def accounts(self, codes: Sequence[str]) -> list[tuple[int, str, str, int]]:
        """Return ``(id, code, rule, balance)`` of the accounts named, locked, in id order."""
        if not self.sqlite:
            return self._fetch(_PG_ACCOUNTS, (list(codes),))
        rows: list[tuple[int, str, str, int]] = []
        for part in _chunks(codes):
            rows += self._fetch(_ACCOUNTS.format(", ".join("?" * len(part))), part)
        return sorted(rows) if len(codes) > _IN_CHUNK else rows

    def head(self) -> tuple[int, str] | None:
        """Return the chain head ``(last entry id, last hash)``, locked; ``None`` if missing."""
        rows = self._fetch(self._sql["head"], ())
        return None if not rows else (int(rows[0][0] or 0), str(rows[0][1]))

    def replays(self, keys: Sequence[str]) -> dict[str, tuple[int, str]]:
        """Return ``{key: (entry id, request hash)}`` for the keys already in the journal."""
        if not self.sqlite:
            found = self._fetch(_PG_REPLAYS, (list(keys),))
        else:
            found = []
            for part in _chunks(keys):
                found += self._fetch(_REPLAYS.format(", ".join("?" * len(part))), part)
        return {key: (int(entry_id), digest) for key, entry_id, digest in found}

    def write(
        self,
        entries: Sequence[tuple[Any, ...]],
        postings: Sequence[tuple[Any, ...]],
        balances: Iterable[tuple[int, int]],
        daily: Sequence[tuple[Any, ...]],
        head: tuple[int, str],
        alongside: Sequence[tuple[str, Sequence[Any]]] = (),
    ) -> list[tuple[Any, ...] | None]:
        """Insert entries and postings, set balances ``(balance, id)``, add days, move the head;
        then run the ``alongside`` statements ``(sql in this dialect, params)`` and return the
        first row of each (``None`` for none).

        ``entries`` rows follow the column order of ``ledger_entry`` above; ``postings`` are
        ``(entry id, account id, amount, day)``; ``daily`` are ``(account id, day, delta,
        postings)`` in a fixed order, so that concurrent writers lock rows alike. On
        PostgreSQL the ``alongside`` statements travel in the same round trip as the writes.
        """
        cursor, sql = self._cursor, self._sql
        extra = [self._driver.cursor() for _ in alongside]
        tables = (
            ("insert_entry", entries),
            ("insert_posting", postings),
            ("set_balance", list(balances)),
            ("add_daily", daily),
        )
        by_column = not self.sqlite and len(entries) >= _UNNEST_FROM
        writes = self._int8_cursor() if by_column else cursor
        try:
            with nullcontext() if self.sqlite else self._driver.pipeline():
                for name, rows in tables:
                    if not by_column:
                        cursor.executemany(sql[name], rows)
                    elif rows:
                        writes.execute(_PG_WRITES[name], _columns(rows))
                cursor.execute(sql["set_head"], head)
                for other, (text, params) in zip(extra, alongside, strict=True):
                    other.execute(text, params)
        except self._conn.dialect.loaded_dbapi.Error as error:  # as Core would raise it
            raise wrapped_error(self._conn, "the ledger's writes", (), error) from error
        finally:
            if by_column:
                writes.close()
        return [other.fetchone() for other in extra]

    def _int8_cursor(self) -> Any:
        """A cursor of this connection that sends every integer, alone or in a list, as int8."""
        from psycopg.types.numeric import Int8BinaryDumper  # only PostgreSQL needs psycopg

        cursor = self._driver.cursor()
        cursor.adapters.register_dumper(int, Int8BinaryDumper)
        return cursor

    def _fetch(self, sql: str, params: Sequence[Any]) -> list[Any]:
        try:
            return list(self._cursor.execute(sql, params).fetchall())
        except self._conn.dialect.loaded_dbapi.Error as error:
            raise wrapped_error(self._conn, sql, params, error) from error


def _columns(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Turn rows into one list a column: the arrays that ``unnest`` turns back into rows."""
    return [list(column) for column in zip(*rows, strict=True)]


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]
