"""County cluster recognition figures on the award (COUNTY-PLAN 附件4 第三条).

Every column is nullable: awards of other programmes, and county awards stored before the
criteria were checked, carry none.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = (
    ("cluster_revenue", sa.BigInteger()),
    ("leading_enterprises", sa.Integer()),
    ("quality_enterprises", sa.Integer()),
    ("rd_intensity_bp", sa.Integer()),
    ("first_in_province", sa.Boolean()),
    ("top_nationally", sa.Boolean()),
)


def upgrade() -> None:
    with op.batch_alter_table("award", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("award", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
