"""Grants: funds, budgets, recipients, enterprises, awards, stages, assessments, exits.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprise_credit_code")),
    )
    op.create_table(
        "fund",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund")),
        sa.UniqueConstraint("code", name=op.f("uq_fund_code")),
    )
    op.create_table(
        "recipient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("city", sa.String(length=20), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient")),
        sa.UniqueConstraint("code", name=op.f("uq_recipient_code")),
    )
    with op.batch_alter_table("recipient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recipient_city"), ["city"], unique=False)

    op.create_table(
        "award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("tier", sa.String(length=20), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("recognition_expires", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("granted_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["fund.id"], name=op.f("fk_award_fund_id_fund")),
        sa.ForeignKeyConstraint(
            ["recipient_id"], ["recipient.id"], name=op.f("fk_award_recipient_id_recipient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award")),
        sa.UniqueConstraint("code", name=op.f("uq_award_code")),
    )
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_fund_id"), ["fund_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_award_programme"), ["programme"], unique=False)
        batch_op.create_index(batch_op.f("ix_award_recipient_id"), ["recipient_id"], unique=False)

    op.create_table(
        "fund_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["fund_id"], ["fund.id"], name=op.f("fk_fund_year_fund_id_fund")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_year")),
        sa.UniqueConstraint("fund_id", "year", name=op.f("uq_fund_year_fund_id")),
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=20), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("reassessment", sa.Boolean(), nullable=False),
        sa.Column("rectification_due", sa.Date(), nullable=True),
        sa.Column("deemed", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_assessment_award_id_award")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index("ix_assessment_award_year", ["award_id", "year"], unique=False)

    op.create_table(
        "award_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("gate", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("commit_entry_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("release_entry_id", sa.Integer(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_entry_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_award_stage_award_id_award")
        ),
        sa.ForeignKeyConstraint(
            ["close_entry_id"],
            ["ledger_entry.id"],
            name=op.f("fk_award_stage_close_entry_id_ledger_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["commit_entry_id"],
            ["ledger_entry.id"],
            name=op.f("fk_award_stage_commit_entry_id_ledger_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["release_entry_id"],
            ["ledger_entry.id"],
            name=op.f("fk_award_stage_release_entry_id_ledger_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_stage")),
        sa.UniqueConstraint("award_id", "seq", name=op.f("uq_award_stage_award_id")),
    )
    with op.batch_alter_table("award_stage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_stage_award_id"), ["award_id"], unique=False)

    op.create_table(
        "award_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("voucher", sa.String(length=120), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("reversed_by", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_award_use_award_id_award")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_award_use_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entry.id"], name=op.f("fk_award_use_entry_id_ledger_entry")
        ),
        sa.ForeignKeyConstraint(
            ["reversed_by"], ["ledger_entry.id"], name=op.f("fk_award_use_reversed_by_ledger_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_use")),
    )
    with op.batch_alter_table("award_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_award_use_award_id"), ["award_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_award_use_enterprise_id"), ["enterprise_id"], unique=False
        )

    op.create_table(
        "budget_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_year_id", sa.Integer(), nullable=False),
        sa.Column("previous", sa.BigInteger(), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entry.id"], name=op.f("fk_budget_change_entry_id_ledger_entry")
        ),
        sa.ForeignKeyConstraint(
            ["fund_year_id"], ["fund_year.id"], name=op.f("fk_budget_change_fund_year_id_fund_year")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget_change")),
    )
    with op.batch_alter_table("budget_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_budget_change_fund_year_id"), ["fund_year_id"], unique=False
        )

    op.create_table(
        "recovery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("voucher", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("reversed_by", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_recovery_award_id_award")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entry.id"], name=op.f("fk_recovery_entry_id_ledger_entry")
        ),
        sa.ForeignKeyConstraint(
            ["reversed_by"], ["ledger_entry.id"], name=op.f("fk_recovery_reversed_by_ledger_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery")),
    )
    with op.batch_alter_table("recovery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recovery_award_id"), ["award_id"], unique=False)

    op.create_table(
        "report_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_report_submission_award_id_award")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submission")),
        sa.UniqueConstraint("award_id", "period", name=op.f("uq_report_submission_award_id")),
    )
    op.create_table(
        "termination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("recoverable", sa.BigInteger(), nullable=False),
        sa.Column("recovery_due", sa.Date(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_termination_award_id_award")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entry.id"], name=op.f("fk_termination_entry_id_ledger_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_termination")),
        sa.UniqueConstraint("award_id", name=op.f("uq_termination_award_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute('CREATE INDEX ix_ledger_account_code_c ON ledger_account (code COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_ledger_account_code_c")
    op.drop_table("termination")
    op.drop_table("report_submission")
    with op.batch_alter_table("recovery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recovery_award_id"))

    op.drop_table("recovery")
    with op.batch_alter_table("budget_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_change_fund_year_id"))

    op.drop_table("budget_change")
    with op.batch_alter_table("award_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_use_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_award_use_award_id"))

    op.drop_table("award_use")
    with op.batch_alter_table("award_stage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_stage_award_id"))

    op.drop_table("award_stage")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_award_year")

    op.drop_table("assessment")
    op.drop_table("fund_year")
    with op.batch_alter_table("award", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_award_recipient_id"))
        batch_op.drop_index(batch_op.f("ix_award_programme"))
        batch_op.drop_index(batch_op.f("ix_award_fund_id"))

    op.drop_table("award")
    with op.batch_alter_table("recipient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recipient_city"))

    op.drop_table("recipient")
    op.drop_table("fund")
    op.drop_table("enterprise")
