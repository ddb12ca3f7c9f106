"""Alembic environment: runs on the connection handed in by :mod:`funds.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import funds.models  # noqa: F401  (registers every table on the metadata)
from funds.db import make_engine, metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
