"""Small instances solved by hand, on HiGHS and on CBC."""

from __future__ import annotations

import pytest
from planner_factories import WAN, cand, scenario

from funds.planner.inputs import Candidate, Policy
from funds.planner.run import PlanResult, plan

SOLVERS = ["highs", "cbc"]


def funded(result: PlanResult) -> dict[str, tuple[int, int]]:
    summary = result.plan
    assert summary is not None
    return {a.candidate: (a.start, a.amount) for a in summary.awards}


def three() -> tuple[Candidate, Candidate, Candidate]:
    # value = score × 万元: A 54,000, B 40,000, C 28,000; budget 1000万.
    return cand("A", score=90, wan=600), cand("B", score=80, wan=500), cand("C", score=70, wan=400)


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_best_pair_that_fits_the_budget_is_funded(solver: str) -> None:
    result = plan(scenario(*three(), solver=solver))
    assert result.status == "optimal"
    assert funded(result) == {"A": (2026, 600 * WAN), "C": (2026, 400 * WAN)}
    assert result.objective == pytest.approx(82_000)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_must_fund_lock_changes_the_plan(solver: str) -> None:
    policy = Policy(must_fund=("B",))
    result = plan(scenario(*three(), policy=policy, solver=solver))
    assert set(funded(result)) == {"B", "C"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_must_not_fund_lock_keeps_the_best_candidate_out(solver: str) -> None:
    policy = Policy(must_not_fund=("A",))
    result = plan(scenario(*three(), policy=policy, solver=solver))
    assert set(funded(result)) == {"B", "C"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_ranged_grant_takes_what_the_budget_leaves(solver: str) -> None:
    inputs = scenario(
        cand("A", score=90, wan=600),
        cand("Z", score=50, wan=800, wan_min=200, programme="service_zone"),
        solver=solver,
    )
    assert funded(plan(inputs)) == {"A": (2026, 600 * WAN), "Z": (2026, 400 * WAN)}


@pytest.mark.parametrize("solver", SOLVERS)
def test_stages_land_in_their_years_and_commitments_count(solver: str) -> None:
    inputs = scenario(
        cand("A", score=90, wan=1000, schedule=(40, 30, 30)),
        cand("B", score=60, wan=500, schedule=(100,)),
        budgets={2026: 500, 2027: 500, 2028: 500},
        committed={2026: 100},
        solver=solver,
    )
    result = plan(inputs)
    assert result.plan is not None
    award = result.plan.funded()["A"]
    assert award.stages == [(2026, 400 * WAN), (2027, 300 * WAN), (2028, 300 * WAN)]
    # 2026 has 400万 left after commitments and A's first stage: B starts in 2027? It needs
    # 500万 in one year; 2027 and 2028 leave only 200万. So B is out.
    assert set(result.plan.funded()) == {"A"}
    assert [y.slack for y in result.plan.years] == [0, 200 * WAN, 200 * WAN]


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_award_per_city_outweighs_score(solver: str) -> None:
    policy = Policy(min_awards_per_city=1, cities=("合肥市", "黄山市"))
    inputs = scenario(
        *three()[:2],
        cand("H", score=40, wan=400, city="黄山市"),
        policy=policy,
        solver=solver,
    )
    assert set(funded(plan(inputs))) == {"A", "H"}


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_soft_rule_is_broken_only_as_far_as_it_must_be(solver: str) -> None:
    policy = Policy(min_industries=3, soft=("industry_count",))
    inputs = scenario(
        cand("A", score=90, wan=600),
        cand("B", score=80, wan=400, industry="医药"),
        policy=policy,
        solver=solver,
    )
    result = plan(inputs)
    assert set(funded(result)) == {"A", "B"}
    assert [(v.family, round(v.amount)) for v in result.violations] == [("industry_count", 1)]


@pytest.mark.parametrize("solver", SOLVERS)
def test_re_planning_keeps_the_baseline_when_it_costs_nothing(solver: str) -> None:
    inputs = scenario(
        cand("A", score=80, wan=500),
        cand("B", score=80, wan=500),
        cand("C", score=80, wan=500),
        baseline=(("C", 2026), ("B", 2026)),
        solver=solver,
    )
    result = plan(inputs)
    assert set(funded(result)) == {"B", "C"}
    assert result.changes == 0
