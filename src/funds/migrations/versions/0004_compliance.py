"""Compliance: alerts and their history, scans, rule modes, webhook outbox and delivery log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compliance_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=140), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("warning_only", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("programme", sa.String(length=30), nullable=False),
        sa.Column("city", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("award", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("clause", sa.String(length=200), nullable=False),
        sa.Column("amounts", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(), nullable=False),
        sa.Column("last_seen", sa.DateTime(), nullable=False),
        sa.Column("first_seen_as_of", sa.Date(), nullable=False),
        sa.Column("last_seen_as_of", sa.Date(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("ack_comment", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_alert")),
        sa.UniqueConstraint("key", name=op.f("uq_compliance_alert_key")),
    )
    with op.batch_alter_table("compliance_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compliance_alert_city"), ["city"], unique=False)
        batch_op.create_index(batch_op.f("ix_compliance_alert_rule"), ["rule"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_compliance_alert_severity"), ["severity"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_compliance_alert_state"), ["state"], unique=False)

    op.create_table(
        "compliance_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("first_event_id", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("elapsed_ms", sa.BigInteger(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_delivery")),
    )
    op.create_table(
        "compliance_rule_mode",
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("warning_only", sa.Boolean(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("rule", name=op.f("pk_compliance_rule_mode")),
    )
    op.create_table(
        "compliance_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("recorded", sa.Boolean(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("reused", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.Integer(), nullable=False),
        sa.Column("red", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("elapsed_ms", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_scan")),
    )
    with op.batch_alter_table("compliance_scan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_scan_fingerprint"), ["fingerprint"], unique=False
        )

    op.create_table(
        "compliance_alert_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["compliance_alert.id"],
            name=op.f("fk_compliance_alert_event_alert_id_compliance_alert"),
        ),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["compliance_scan.id"],
            name=op.f("fk_compliance_alert_event_scan_id_compliance_scan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_alert_event")),
    )
    with op.batch_alter_table("compliance_alert_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_alert_event_alert_id"), ["alert_id"], unique=False
        )

    op.create_table(
        "compliance_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["compliance_alert.id"],
            name=op.f("fk_compliance_outbox_alert_id_compliance_alert"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_outbox")),
    )
    with op.batch_alter_table("compliance_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_outbox_delivered_at"), ["delivered_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("compliance_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_outbox_delivered_at"))

    op.drop_table("compliance_outbox")
    with op.batch_alter_table("compliance_alert_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_alert_event_alert_id"))

    op.drop_table("compliance_alert_event")
    with op.batch_alter_table("compliance_scan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_scan_fingerprint"))

    op.drop_table("compliance_scan")
    op.drop_table("compliance_rule_mode")
    op.drop_table("compliance_delivery")
    with op.batch_alter_table("compliance_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_alert_state"))
        batch_op.drop_index(batch_op.f("ix_compliance_alert_severity"))
        batch_op.drop_index(batch_op.f("ix_compliance_alert_rule"))
        batch_op.drop_index(batch_op.f("ix_compliance_alert_city"))

    op.drop_table("compliance_alert")
