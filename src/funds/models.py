"""Imports every table module so that the metadata (and Alembic) sees them all."""

from funds.ledger import models as ledger_models

__all__ = ["ledger_models"]
