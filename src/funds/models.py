"""Imports every table module so that the metadata (and Alembic) sees them all."""

from funds.api import models as api_models
from funds.compliance import models as compliance_models
from funds.grants import models as grants_models
from funds.ledger import models as ledger_models
from funds.planner import models as planner_models

__all__ = ["api_models", "compliance_models", "grants_models", "ledger_models", "planner_models"]
