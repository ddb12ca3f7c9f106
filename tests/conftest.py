"""Shared fixtures: one migrated database per test session, one rolled-back transaction
per test.

``FUNDS_TEST_DATABASE_URL`` selects PostgreSQL (CI runs the suite on both); without it
the suite runs on a SQLite file in a temporary folder. On PostgreSQL each run creates a
database of its own on that server (and drops it afterwards). Tests that need real commits from
several connections (concurrency, tampering from another connection, subprocess CLI)
ask for ``fresh_database``, which builds a new, empty, migrated database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from factories import FreshFactory
from funds.db import Database, make_engine
from funds.migrate import upgrade

TEST_URL = os.environ.get("FUNDS_TEST_DATABASE_URL", "")


def on_postgres() -> bool:
    """Tell whether the suite runs against PostgreSQL."""
    return TEST_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    private = None
    if on_postgres():
        # A database of this run's own, so that parallel runs on one server never collide.
        private = f"funds_test_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE DATABASE "{private}"')
        url = make_url(TEST_URL).set(database=private).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'funds.sqlite3'}"
    eng = make_engine(url)
    upgrade(eng)
    yield eng
    eng.dispose()
    if private is not None:
        _admin(f'DROP DATABASE IF EXISTS "{private}" WITH (FORCE)')


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A database whose every unit of work is rolled back at the end of the test."""
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield Database(engine, bind=conn)
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A session inside the test's rolled-back transaction."""
    with db.session() as s:
        yield s


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[FreshFactory]:
    """Build new, empty, migrated databases that commit for real (dropped afterwards)."""
    made: list[tuple[Database, str | None]] = []

    def build() -> Database:
        if on_postgres():
            name = f"funds_fresh_{uuid.uuid4().hex[:12]}"
            _admin(f'CREATE DATABASE "{name}"')
            url = make_url(TEST_URL).set(database=name).render_as_string(hide_password=False)
            database = Database(make_engine(url))
            made.append((database, name))
        else:
            path = tmp_path / f"fresh-{uuid.uuid4().hex[:8]}.sqlite3"
            database = Database(make_engine(f"sqlite:///{path}"))
            made.append((database, None))
        upgrade(database.engine)
        return database

    yield build
    for database, name in made:
        database.dispose()
        if name is not None:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin(statement: str) -> None:
    admin = create_engine(TEST_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(statement))
    admin.dispose()


settings.register_profile("funds", deadline=None, print_blob=True)
settings.load_profile("funds")
