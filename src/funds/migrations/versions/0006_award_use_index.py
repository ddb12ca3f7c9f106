"""Index award uses by award and kind (statements read pass-through and own use apart).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("award_use", schema=None) as batch_op:
        batch_op.create_index("ix_award_use_award_kind", ["award_id", "kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("award_use", schema=None) as batch_op:
        batch_op.drop_index("ix_award_use_award_kind")
