"""A zone's rectification materials, submitted within the rectification period.

ZONE-GUIDE 评估管理: 需在3个月内完成整改，并在整改时限内再次提交评价材料和相关佐证材料……由省
工业和信息化厅重新组织评估. The deadline binds the zone's submission; the province's
re-assessment may follow it after the due date. One row per award and assessed year.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rectification_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["award.id"], name=op.f("fk_rectification_submission_award_id_award")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_submission")),
        sa.UniqueConstraint("award_id", "year", name=op.f("uq_rectification_submission_award_id")),
    )


def downgrade() -> None:
    op.drop_table("rectification_submission")
