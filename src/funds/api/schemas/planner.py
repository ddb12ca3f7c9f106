"""Bodies of the planner routes: a scenario in, a stored run out, runs compared.

A scenario is the planner's own format (``docs/planner.md``), the same as a ``.json``
scenario file: money is text (``"500万"``, ``"5,000,000.00"``) or integer 分, never a float.
Runs come back as the planner stores them, money as integer 分.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, RootModel

from funds.api.schemas.common import Strict
from funds.api.types import Stamp

EXAMPLE_SCENARIO: dict[str, Any] = {
    "name": "api-example",
    "settings": {"time_limit": 5, "explain": True, "marginal": False},
    "policy": {"min_industries": 1},
    "programmes": {
        "county_cluster": {
            "fund": "mfg",
            "amount_min": "200万",
            "amount_max": "500万",
            "schedule": [60, 40],
        }
    },
    "budgets": [
        {"fund": "mfg", "year": 2026, "budget": "1000万"},
        {"fund": "mfg", "year": 2027, "budget": "1000万"},
    ],
    "candidates": [
        {
            "id": "CC004",
            "name": "宁国市高性能密封件",
            "programme": "county_cluster",
            "city": "宣城市",
            "industry": "汽车",
            "score": 89,
        },
        {
            "id": "CC009",
            "name": "含山县汽车驱动系统关键零部件",
            "programme": "county_cluster",
            "city": "马鞍山市",
            "industry": "汽车",
            "score": 91,
        },
    ],
}


class Scenario(RootModel[dict[str, Any]]):
    """A planning scenario (see ``docs/planner.md``)."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_SCENARIO]})


class PlanRunRead(Strict):
    """A stored run: its id, who ran it, and the planner's result (money in 分)."""

    run: int
    scenario: str
    status: str
    solver: str
    actor: str
    created_at: Stamp
    elapsed_ms: int
    inputs_hash: str
    result: dict[str, Any]


class PlanRunSummaryRead(Strict):
    """A stored run in a list."""

    run: int
    scenario: str
    status: str
    solver: str
    actor: str
    created_at: Stamp
    elapsed_ms: int


class ComparisonRead(Strict):
    """Runs side by side; ``differs`` marks the rows where they do not agree (money in 分)."""

    runs: list[dict[str, Any]]
    funded: list[dict[str, Any]]
    years: list[dict[str, Any]]
    cities: list[dict[str, Any]]
    industries: list[dict[str, Any]]
