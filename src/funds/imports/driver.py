"""Bulk statements straight to the database driver, for the import's own rows.

An import of 100,000 vouchers inserts 100,000 ``award_use`` rows, opens tens of thousands
of accounts and looks up 100,000 idempotency keys. Through SQLAlchemy Core each row costs
a parameter dictionary compiled against the statement (about 20 µs); here each row is a
tuple handed to the driver's ``executemany``. The values are what Core would send: each
column's bind processor for the connection's dialect (SQLite stores dates as ISO text) is
looked up once and applied to that column. Any other driver parameter style falls back to
Core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, select

BATCH = 500
"""Values per ``IN (...)`` list."""

_MARKS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _mark(conn: Connection) -> str | None:
    return _MARKS.get(conn.dialect.paramstyle)


def _processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[Any]:
    dialect = conn.dialect
    return [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]


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
    processors = _processors(conn, table, columns)
    converting = [(i, p) for i, p in enumerate(processors) if p is not None]
    if converting:
        rows = [_converted(row, converting) for row in rows]
    names = ", ".join(columns)
    marks = ", ".join([mark] * len(columns))
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)


def _converted(
    row: tuple[Any, ...], converting: list[tuple[int, Callable[[Any], Any]]]
) -> tuple[Any, ...]:
    values = list(row)
    for index, processor in converting:
        values[index] = processor(values[index])
    return tuple(values)


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
