"""Bulk rows straight to the database driver: insert, update by id, look up by key.

An import of 100,000 vouchers inserts 100,000 ``award_use`` rows and a first compliance scan
74,000 alert, history and webhook rows. Through SQLAlchemy Core each row costs a parameter
dictionary compiled against the statement and every value passed through its type's
converter in Python (about 20 µs a row), more than the database's own work. Here each row is
a tuple in column order handed to the driver's ``executemany``, and each column's bind
processor for the connection's dialect (SQLite stores dates and timestamps as ISO text) is
applied once per distinct value, since a batch repeats its dates and timestamps. The stored
values are exactly what Core would store. A driver with another parameter style falls back
to Core.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, select

BATCH = 500
"""Values per ``IN (...)`` list: well below SQLite's limit on bound variables."""

_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
"""Positional placeholders by DB-API paramstyle (sqlite3: qmark; psycopg: pyformat)."""


def _mark(conn: Connection) -> str | None:
    return _MARKS.get(conn.dialect.paramstyle)


def bound(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """``rows`` with each value converted as the column's type converts it for the driver."""
    dialect = conn.dialect
    values: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for n, name in enumerate(columns):
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if convert is not None:
            once: dict[Any, Any] = {}
            values[n] = [
                once[v] if v in once else once.setdefault(v, convert(v)) for v in values[n]
            ]
    return list(zip(*values, strict=True))


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``) into ``table``."""
    if not rows:
        return
    mark = _mark(conn)
    if mark is None:
        conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        return
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)})"
        f" VALUES ({', '.join([mark] * len(columns))})"
    )
    conn.exec_driver_sql(sql, bound(conn, table, columns, rows))


def update_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Update by id: each of ``rows`` is the values of ``columns`` followed by the row's id."""
    if not rows:
        return
    mark = _mark(conn)
    if mark is None:
        for row in rows:
            values = dict(zip(columns, row[:-1], strict=True))
            conn.execute(table.update().where(table.c.id == row[-1]).values(**values))
        return
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"UPDATE {quote(table.name)} SET {', '.join(f'{quote(c)} = {mark}' for c in columns)}"
        f" WHERE {quote('id')} = {mark}"
    )
    conn.exec_driver_sql(sql, bound(conn, table, (*columns, "id"), rows))


def select_in(
    conn: Connection, table: Table, columns: Sequence[str], key: str, values: Iterable[Any]
) -> list[tuple[Any, ...]]:
    """Rows of ``columns`` of ``table`` whose ``key`` column is one of ``values`` (text keys).

    The values are sent as they are: meant for text columns, which need no conversion.
    """
    wanted = list(values)
    mark = _mark(conn)
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        if mark is None:
            query = select(*(table.c[name] for name in columns)).where(table.c[key].in_(chunk))
            found.extend(tuple(row) for row in conn.execute(query))
            continue
        names = ", ".join(columns)
        marks = ", ".join([mark] * len(chunk))
        sql = f"SELECT {names} FROM {table.name} WHERE {key} IN ({marks})"
        found.extend(tuple(row) for row in conn.exec_driver_sql(sql, tuple(chunk)))
    return found
