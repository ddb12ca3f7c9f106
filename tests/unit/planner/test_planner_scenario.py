"""Scenario files: money as text or 分, floats refused, typos refused, canonical round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from funds.planner.errors import ScenarioInvalid
from funds.planner.scenario import inputs_from_dict, inputs_to_dict, load_scenario

EXAMPLE = Path(__file__).parents[3] / "examples" / "scenarios" / "anhui_2026_2030.toml"


def minimal(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "t",
        "budgets": [{"fund": "mfg", "year": 2026, "budget": "1000万"}],
        "candidates": [
            {
                "id": "A",
                "programme": "advanced_cluster",
                "fund": "mfg",
                "city": "合肥市",
                "industry": "汽车",
                "score": 80,
                "amount": "500万",
            },
        ],
    }
    body.update(changes)
    return body


def test_money_may_be_written_in_wan_yi_or_integer_fen() -> None:
    body = minimal(budgets=[{"fund": "mfg", "year": 2026, "budget": "0.5亿", "reserve": 100}])
    inputs = inputs_from_dict(body)
    assert inputs.fund_years[0].budget == 5_000_000_000
    assert inputs.fund_years[0].reserve == 100
    assert inputs.candidates[0].amount_min == inputs.candidates[0].amount_max == 500_000_000


def test_a_float_in_a_money_field_is_refused_naming_the_field() -> None:
    body = minimal(budgets=[{"fund": "mfg", "year": 2026, "budget": 1000.5}])
    with pytest.raises(ScenarioInvalid, match=r"budgets\[0\]\.budget: .*float"):
        inputs_from_dict(body)


def test_an_unknown_key_is_refused_so_a_typo_never_switches_a_rule_off() -> None:
    with pytest.raises(ScenarioInvalid, match=r"policy\.city_flor_pct"):
        inputs_from_dict(minimal(policy={"city_flor_pct": 5}))


def test_a_schedule_must_sum_to_one_hundred_percent() -> None:
    body = minimal()
    body["candidates"][0]["schedule"] = [50, 40]
    with pytest.raises(ScenarioInvalid, match=r"candidates\[0\]\.schedule"):
        inputs_from_dict(body)


def test_locks_must_name_existing_candidates() -> None:
    with pytest.raises(ScenarioInvalid, match="no candidate 'Z'"):
        inputs_from_dict(minimal(policy={"must_fund": ["Z"]}))


def test_the_canonical_form_reads_back_to_the_same_inputs() -> None:
    inputs = load_scenario(EXAMPLE)
    assert inputs_from_dict(inputs_to_dict(inputs)) == inputs


def test_the_example_scenario_covers_the_sixteen_cities() -> None:
    inputs = load_scenario(EXAMPLE)
    assert len({c.city for c in inputs.candidates}) == 16
    assert {c.programme for c in inputs.candidates} == {
        "advanced_cluster",
        "service_zone",
        "county_cluster",
    }
