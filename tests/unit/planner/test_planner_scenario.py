"""Scenario files: money as text or 分, floats refused, typos refused, canonical round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from funds.money import parse_fen
from funds.planner.errors import ScenarioInvalid
from funds.planner.run import plan
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


# -- the programmes' fixed amounts and floors (the policy texts) -----------------------


def advanced(**fields: Any) -> dict[str, Any]:
    body = minimal()
    body["candidates"][0] |= fields
    return body


@pytest.mark.parametrize(
    ("tier", "amount", "stored"),
    [
        ("provincial", "500万", "provincial"),
        ("national", "1000万", "national"),
        ("world", "1000万", "world"),
        ("省级", "500万", "provincial"),
        ("国家级", "1000万", "national"),
        ("", "500万", "provincial"),  # one tier has that amount: it is the tier
    ],
)
def test_an_advanced_cluster_asks_for_its_tier_amount(tier: str, amount: str, stored: str) -> None:
    # ADV-OPINION §二十一: 国家级、世界级先进制造业集群1000万元、省级先进制造业集群500万元
    candidate = inputs_from_dict(advanced(tier=tier, amount=amount)).candidates[0]
    assert candidate.amount_min == candidate.amount_max == parse_fen(amount)
    assert candidate.tier == stored


@pytest.mark.parametrize(("tier", "amount"), [("national", "1000万"), ("省级", "500万")])
def test_a_cluster_that_names_its_tier_asks_for_its_amount(tier: str, amount: str) -> None:
    body = advanced(tier=tier)
    del body["candidates"][0]["amount"]
    candidate = inputs_from_dict(body).candidates[0]
    assert candidate.amount_min == candidate.amount_max == parse_fen(amount)


@pytest.mark.parametrize(
    ("fields", "where", "says"),
    [
        (
            {"tier": "provincial", "amount": "800万"},
            "amount",
            r"5,000,000\.00 元 \(500\.00万元\).*not 8,000,000\.00 元$",
        ),
        (
            {"tier": "national", "amount": "500万"},
            "amount",
            r"10,000,000\.00 元 \(1,000\.00万元\).*not 5,000,000\.00 元$",
        ),
        ({"amount": "750万"}, "amount", r"provincial 5,000,000\.00 元.*not 7,500,000\.00 元$"),
        # 1 分 short of the tier: in 万 with two decimals it would read 500.00万 twice
        ({"tier": "provincial", "amount": "4999999.99"}, "amount", r"not 4,999,999\.99 元$"),
        ({"tier": "city", "amount": "500万"}, "tier", "not 'city'"),
        ({"amount": "1000万"}, "tier", "world or national tier.*name which"),
    ],
)
def test_any_other_advanced_cluster_amount_is_refused_citing_the_clause(
    fields: dict[str, str], where: str, says: str
) -> None:
    with pytest.raises(ScenarioInvalid, match=rf"candidates\[0\]\.{where}: .*{says}") as caught:
        inputs_from_dict(advanced(**fields))
    assert "ADV-OPINION §二十一" in str(caught.value)


def test_an_advanced_cluster_range_is_refused() -> None:
    body = minimal()
    body["candidates"][0] = {k: v for k, v in body["candidates"][0].items() if k != "amount"} | {
        "amount_min": "500万",
        "amount_max": "1000万",
    }
    with pytest.raises(ScenarioInvalid, match=r"candidates\[0\]\.amount_min: .*a range"):
        inputs_from_dict(body)


def zone(pct: float, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"Z{pct:g}",
        "programme": "service_zone",
        "fund": "mfg",
        "city": "芜湖市",
        "industry": "服务型制造",
        "score": 90,
        "amount_min": "200万",
        "amount_max": "400万",
        "schedule": [50, 50],  # zone stages end by 2027-12-31 (ZONE-GUIDE 附则)
        "pass_through_pct": pct,
    } | fields


def test_a_zone_planning_under_80_percent_is_ineligible_whatever_the_others_plan() -> None:
    # ZONE-GUIDE 评估管理: 创建主体应将不低于80%奖补资金下达企业 — each zone, not on average
    inputs = inputs_from_dict(minimal(candidates=[zone(60, eligible=True), zone(100), zone(80)]))
    low, full, floor = inputs.candidates
    assert not low.eligible
    assert "60 %" in low.ineligible_reason
    assert "at least 80 %" in low.ineligible_reason
    assert "ZONE-GUIDE 评估管理" in low.ineligible_reason
    assert full.eligible
    assert floor.eligible


def test_the_planner_never_funds_a_zone_under_80_percent() -> None:
    budgets = [{"fund": "mfg", "year": y, "budget": "1000万"} for y in (2026, 2027)]
    inputs = inputs_from_dict(minimal(budgets=budgets, candidates=[zone(79.5), zone(85, score=10)]))
    result = plan(inputs)
    assert result.plan is not None
    assert {a.candidate for a in result.plan.awards} == {"Z85"}
