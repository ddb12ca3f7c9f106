"""Drop the unique index on ``ledger_entry.hash``.

The index guarded nothing the chain does not: each hash covers the one before it, and
``funds verify`` re-derives every hash. But its key is random, so every new entry wrote into
a random page of it — in a batch of 1,000 entries on a ledger of a million, a thousand
pages — and posting in batches ran at 10,000 entries/s with it and 16,000 without.

On SQLite a UNIQUE constraint goes only with its table: the table is rebuilt (rows, other
indexes and foreign keys as they were) and its append-only triggers are made again.
:func:`funds.migrate.upgrade` runs SQLite migrations with foreign keys off, as SQLite's
own procedure for rebuilding a table asks, and checks them before it commits.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TRIGGERS = [
    f"CREATE TRIGGER trg_ledger_entry_no_{action.lower()} BEFORE {action} ON ledger_entry"
    " BEGIN SELECT RAISE(ABORT, 'ledger_entry is append-only: post a reversal instead'); END"
    for action in ("UPDATE", "DELETE")
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("uq_ledger_entry_hash", "ledger_entry", type_="unique")
        return
    with op.batch_alter_table("ledger_entry", recreate="always") as batch_op:
        batch_op.drop_constraint("uq_ledger_entry_hash", type_="unique")
    for statement in _TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.create_unique_constraint("uq_ledger_entry_hash", "ledger_entry", ["hash"])
        return
    with op.batch_alter_table("ledger_entry", recreate="always") as batch_op:
        batch_op.create_unique_constraint("uq_ledger_entry_hash", ["hash"])
    for statement in _TRIGGERS:
        op.execute(statement)
