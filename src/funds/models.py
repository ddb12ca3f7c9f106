"""Imports every table module so that the metadata (and Alembic) sees them all."""

from funds.ledger import models as ledger_models
from funds.planner import models as planner_models  # noqa: F401

__all__ = ["ledger_models"]
