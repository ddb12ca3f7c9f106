"""Today, as the edges (CLI and API) read it: the real date, or ``FUNDS_TODAY`` when set.

The services take their dates as arguments; the CLI and the API supply today where a date
is left out, and refuse what cannot have happened yet (deadlines applied from a later day).
``FUNDS_TODAY`` (ISO date) sets that day for a whole process: a training copy of the books
kept at a fixed date, or a replay.
"""

from __future__ import annotations

import os
from datetime import date


def today() -> date:
    """Today, or ``FUNDS_TODAY`` when set (ISO date)."""
    forced = os.environ.get("FUNDS_TODAY")
    return date.fromisoformat(forced) if forced else date.today()
