"""Who registered each fund, recipient and enterprise, and when.

Rows registered before this revision keep an empty ``registered_by`` and a NULL time: the
engine did not record them then, and inventing a name would be worse than saying so.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("fund", "recipient", "enterprise")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("registered_by", sa.String(120), nullable=False, server_default="")
            )
            batch_op.add_column(sa.Column("registered_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("registered_at")
            batch_op.drop_column("registered_by")
