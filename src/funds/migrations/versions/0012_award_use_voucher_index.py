"""Index award uses by award and voucher, where a voucher is given.

A pass-through or own use whose voucher (凭证号) a standing use of the same award already has
is refused (rule ``voucher-once``, funds.grants.usage): the look-up runs on every use that
carries a voucher, under the award's lock. Uses without one are left out of the index and
cost it nothing.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

GIVEN = sa.text("voucher IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_award_use_award_voucher",
        "award_use",
        ["award_id", "voucher"],
        unique=False,
        sqlite_where=GIVEN,
        postgresql_where=GIVEN,
    )


def downgrade() -> None:
    op.drop_index("ix_award_use_award_voucher", table_name="award_use")
