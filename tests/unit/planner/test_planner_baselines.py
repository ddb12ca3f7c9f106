"""Baselines (greedy, Method of Equal Shares), the warm-start repair and the 分 rounding trim."""

from __future__ import annotations

from dataclasses import replace

import pytest
from planner_factories import FUND, WAN, cand, scenario

from funds.planner.baselines import equal_shares, greedy, repair
from funds.planner.inputs import Policy, Settings
from funds.planner.results import check_rules
from funds.planner.rounding import caps, to_fen
from funds.planner.run import plan
from funds.planner.synthetic import province


def funded(awards: list) -> dict[str, int]:  # type: ignore[type-arg]
    return {a.candidate.id: a.amount for a in awards}


def test_equal_shares_gives_each_city_its_share_before_scores_compete() -> None:
    # 1000万 for two cities: 500万 each. 合肥 has the two best candidates; greedy gives it
    # everything, equal shares funds 合肥's best from its half and 芜湖's from the other.
    inputs = scenario(
        cand("H1", score=90, wan=500, city="合肥市"),
        cand("H2", score=85, wan=500, city="合肥市"),
        cand("W1", score=60, wan=500, city="芜湖市"),
    )
    assert funded(greedy(inputs)) == {"H1": 500 * WAN, "H2": 500 * WAN}
    assert funded(equal_shares(inputs)) == {"H1": 500 * WAN, "W1": 500 * WAN}


def test_equal_shares_completes_the_leftover_greedily() -> None:
    # 1200万: halves of 600万. 合肥 pays 500万 for H1 and cannot pay for H2 (500万) with
    # the 100万 left; 芜湖 pays for W1; the 200万 left over goes to the best that fits.
    inputs = scenario(
        cand("H1", score=90, wan=500, city="合肥市"),
        cand("H2", score=85, wan=500, city="合肥市"),
        cand("W1", score=60, wan=500, city="芜湖市"),
        cand("W2", score=50, wan=200, city="芜湖市"),
        budgets={2026: 1200},
    )
    assert funded(equal_shares(inputs)) == {"H1": 500 * WAN, "W1": 500 * WAN, "W2": 200 * WAN}


def test_equal_shares_caps_a_ranged_grant_at_its_city_purse() -> None:
    inputs = scenario(
        cand("H1", score=90, wan=800, wan_min=100, city="合肥市"),
        cand("W1", score=60, wan=500, city="芜湖市"),
    )
    # 合肥's purse is 500万: H1 gets 500万 of the 800万 it asks; 芜湖 pays for W1.
    assert funded(equal_shares(inputs)) == {"H1": 500 * WAN, "W1": 500 * WAN}


def test_repair_gives_a_city_without_an_award_its_best_candidate() -> None:
    inputs = scenario(
        cand("H1", score=90, wan=500, city="合肥市"),
        cand("H2", score=85, wan=500, city="合肥市"),
        cand("W1", score=60, wan=500, city="芜湖市"),
        policy=Policy(min_awards_per_city=1),
    )
    start = greedy(inputs)
    assert check_rules(inputs, start)
    fixed = repair(inputs, start)
    assert funded(fixed) == {"H1": 500 * WAN, "W1": 500 * WAN}
    assert check_rules(inputs, fixed) == []


def test_repair_trims_an_industry_above_its_ceiling_and_refills_elsewhere() -> None:
    inputs = scenario(
        cand("A", score=90, wan=600, wan_min=100, industry="汽车"),
        cand("B", score=60, wan=600, wan_min=100, industry="新材料"),
        cand("C", score=50, wan=600, wan_min=100, industry="电子信息"),
        policy=Policy(industry_ceiling_pct=50),
    )
    start = greedy(inputs)  # A 600万, B 400万: 汽车 60 %
    assert check_rules(inputs, start)
    fixed = repair(inputs, start)
    assert check_rules(inputs, fixed) == []
    amounts = funded(fixed)
    assert amounts["A"] <= 500 * WAN
    assert sum(amounts.values()) > 990 * WAN  # the money taken from A went elsewhere


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_repair_never_breaks_a_budget(seed: int) -> None:
    inputs = province(
        candidates=120,
        years=3,
        seed=seed,
        policy=Policy(min_awards_per_city=1, industry_ceiling_pct=25, city_ceiling_pct=15),
    )
    fixed = repair(inputs, greedy(inputs))
    assert not [b for b in check_rules(inputs, fixed) if "budget" in b]


def test_rounding_trims_the_few_fen_of_solver_tolerance_above_a_cap() -> None:
    # The solver's floats put 1000万 and 3 分 into a 1000万 year; the ranged award paying
    # most that year loses the excess, the fixed tier keeps its exact amount.
    fixed_tier = cand("T", wan=400)
    ranged = cand("R", wan=600, wan_min=100)
    inputs = scenario(fixed_tier, ranged)
    awards = to_fen(inputs, [(fixed_tier, 2026, 400.0), (ranged, 2026, 600.000003)])
    amounts = funded(awards)
    assert amounts["T"] == 400 * WAN
    assert amounts["R"] <= 600 * WAN
    assert sum(amounts.values()) <= caps(inputs)[FUND, 2026]
    assert all(sum(p for _y, p in a.stages) == a.amount for a in awards)


def test_the_trim_splits_stages_again_and_keeps_the_award_above_its_minimum() -> None:
    ranged = cand("R", wan=1000, wan_min=100, schedule=(50, 50))
    inputs = scenario(ranged, budgets={2026: 500, 2027: 500})
    (award,) = to_fen(inputs, [(ranged, 2026, 1000.00001)])
    assert award.amount >= ranged.amount_min
    assert sum(p for _y, p in award.stages) == award.amount
    assert all(p <= caps(inputs)[FUND, y] for y, p in award.stages)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_gap_proved_by_the_lp_bound_is_within_the_tolerance(solver: str) -> None:
    inputs = province(
        candidates=150,
        years=3,
        seed=5,
        policy=Policy(min_awards_per_city=1, industry_ceiling_pct=25),
        settings=Settings(solver=solver, gap_pct=0.5, time_limit=30, explain=False, marginal=False),
    )
    result = plan(inputs)
    value = result.stages["value"]
    assert result.plan is not None
    assert result.plan.breaches == []
    if value.method in ("lp_bound", "lp_fix"):
        assert value.status in ("optimal", "feasible")
        assert value.gap is not None
        assert value.gap <= 0.005 + 1e-9
        assert value.bound is not None
        assert value.objective is not None
        assert value.bound >= value.objective - 1e-6
    elif value.stopped_by == "time_limit":
        assert value.status == "feasible"


def test_a_time_limit_stops_no_plan_from_claiming_optimal() -> None:
    inputs = replace(
        province(candidates=200, years=3, seed=9, policy=Policy(min_awards_per_city=1)),
        settings=Settings(gap_pct=0.0, time_limit=0.05, explain=False, marginal=False),
    )
    result = plan(inputs)
    value = result.stages["value"]
    if value.status == "optimal":
        assert value.gap is not None
        assert value.gap <= 1e-6
