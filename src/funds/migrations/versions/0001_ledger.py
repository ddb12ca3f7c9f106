"""Ledger: accounts, entries, postings, per-day balances, chain head, append-only triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

GENESIS = "0" * 64
APPEND_ONLY = ("ledger_entry", "ledger_posting")


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_account")),
        sa.UniqueConstraint("code", name=op.f("uq_ledger_account_code")),
    )
    op.create_table(
        "ledger_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_entry_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_chain_head")),
    )
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("voucher", sa.String(length=120), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("reverses_id", sa.Integer(), nullable=True),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["ledger_entry.id"],
            name=op.f("fk_ledger_entry_reverses_id_ledger_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entry")),
        sa.UniqueConstraint("hash", name=op.f("uq_ledger_entry_hash")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_ledger_entry_idempotency_key")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_ledger_entry_reverses_id")),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_entry_effective_date"), ["effective_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_entry_voucher"), ["voucher"], unique=False)

    op.create_table(
        "ledger_daily_balance",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("delta", sa.BigInteger(), nullable=False),
        sa.Column("postings", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_account.id"],
            name=op.f("fk_ledger_daily_balance_account_id_ledger_account"),
        ),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_ledger_daily_balance")),
    )
    op.create_table(
        "ledger_posting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_account.id"],
            name=op.f("fk_ledger_posting_account_id_ledger_account"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entry.id"], name=op.f("fk_ledger_posting_entry_id_ledger_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_posting")),
    )
    with op.batch_alter_table("ledger_posting", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_posting_account_day", ["account_id", "effective_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_posting_entry_id"), ["entry_id"], unique=False)

    op.execute(
        sa.text(
            "INSERT INTO ledger_chain_head (id, last_entry_id, last_hash) VALUES (1, NULL, :g)"
        ).bindparams(g=GENESIS)
    )
    for statement in _trigger_sql(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS funds_refuse_change() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS funds_check_entry_balances() CASCADE")
    with op.batch_alter_table("ledger_posting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_posting_entry_id"))
        batch_op.drop_index("ix_ledger_posting_account_day")

    op.drop_table("ledger_posting")
    op.drop_table("ledger_daily_balance")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_voucher"))
        batch_op.drop_index(batch_op.f("ix_ledger_entry_effective_date"))

    op.drop_table("ledger_entry")
    op.drop_table("ledger_chain_head")
    op.drop_table("ledger_account")


def _trigger_sql(dialect: str) -> list[str]:
    """Triggers that refuse UPDATE and DELETE on the journal, and (PostgreSQL) check that
    each entry's postings sum to zero at commit."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER trg_{table}_no_{action.lower()} BEFORE {action} ON {table}"
            f" BEGIN SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead'); END"
            for table in APPEND_ONLY
            for action in ("UPDATE", "DELETE")
        ]
    statements = [
        """CREATE FUNCTION funds_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: post a reversal instead', TG_TABLE_NAME;
        END $$""",
        """CREATE FUNCTION funds_check_entry_balances() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF (SELECT COALESCE(SUM(amount), 0) FROM ledger_posting
                WHERE entry_id = NEW.entry_id) <> 0 THEN
                RAISE EXCEPTION 'ledger entry % does not balance to zero', NEW.entry_id;
            END IF;
            RETURN NULL;
        END $$""",
        """CREATE CONSTRAINT TRIGGER trg_ledger_posting_balances AFTER INSERT ON ledger_posting
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION funds_check_entry_balances()""",
    ]
    for table in APPEND_ONLY:
        statements.append(
            f"CREATE TRIGGER trg_{table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION funds_refuse_change()"
        )
        statements.append(
            f"CREATE TRIGGER trg_{table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION funds_refuse_change()"
        )
    return statements
