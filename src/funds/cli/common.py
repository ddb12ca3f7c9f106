"""What every command shares: the database, the unit of work, errors and output.

Commands are thin: parse, call one service in one unit of work, render. Domain errors
become a message in the officer's terms on standard error and the exit code that
:data:`funds.errors.EXIT_CODES` gives their kind; with ``--json`` the error is printed as
JSON on standard output too, so a scheduler can read it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlmodel import Session

from funds.db import Database
from funds.errors import EXIT_CODES, FundsError
from funds.migrate import upgrade
from funds.money import MoneyError

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

_database: Database | None = None
_factory: Callable[[], Database] = Database.from_url


def set_database_factory(factory: Callable[[], Database]) -> None:
    """Make commands use ``factory`` for their database (tests point it at theirs)."""
    global _database, _factory
    _factory = factory
    _database = None


def database() -> Database:
    """Return the database, creating or upgrading its schema on first use."""
    global _database
    if _database is None:
        _database = _factory()
        upgrade(_database.engine)
    return _database


@contextmanager
def unit_of_work(*, json_output: bool = False, readonly: bool = False) -> Iterator[Session]:
    """Open one unit of work; turn domain errors into messages and exit codes."""
    try:
        with database().unit_of_work(readonly=readonly) as session:
            yield session
    except FundsError as error:
        fail(error.message, error.to_dict(), EXIT_CODES[error.kind], json_output=json_output)
    except MoneyError as error:
        body = {"error": "MoneyError", "kind": "invalid", "message": str(error)}
        fail(str(error), body, 2, json_output=json_output)


def fail(message: str, body: dict[str, Any], code: int, *, json_output: bool) -> None:
    """Print an error for people (stderr) and machines (JSON), then exit with ``code``."""
    if json_output:
        print(json.dumps(body, ensure_ascii=False, default=str))
    line = f"[bold red]refused:[/] {message}"
    if body.get("rule"):
        line += f"\n  rule: {body['rule']}"
    if body.get("clause"):
        line += f"\n  source: {body['clause']}"
    err_console.print(line, highlight=False)
    raise typer.Exit(code)


def parse_date(value: str | None, field: str = "date") -> date | None:
    """Read an ISO date typed on the command line."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        err_console.print(f"[bold red]refused:[/] {field}: {value!r} is not a date (YYYY-MM-DD)")
        raise typer.Exit(2) from None


def emit_json(payload: Any) -> None:
    """Print ``payload`` as JSON (amounts are already strings or 分)."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n")


def say(json_output: bool, payload: Any, message: str) -> None:
    """Print ``payload`` as JSON for machines, or ``message`` for people."""
    if json_output:
        emit_json(payload)
    else:
        console.print(message, highlight=False)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a table for people; columns whose name ends in 元/万元 are right-aligned."""
    out = Table(title=title, title_justify="left")
    for column in columns:
        right = column.endswith(("元", "万", "分", "%")) or column in ("#", "count")
        out.add_column(column, justify="right" if right else "left")
    for row in rows:
        out.add_row(*(str(cell) for cell in row))
    console.print(out)
