"""Infeasible scenarios are diagnosed: arithmetic first, then the smallest relaxations."""

from __future__ import annotations

from dataclasses import replace

import pytest
from planner_factories import WAN, cand, scenario

from funds.planner.diagnose import precheck
from funds.planner.inputs import Commitment, Policy
from funds.planner.run import plan


def test_city_floors_above_one_hundred_percent_are_caught_before_solving() -> None:
    policy = Policy(cities=("合肥市", "黄山市"), city_floor_pct=60)
    findings = precheck(scenario(cand("A"), policy=policy))
    assert [f.check for f in findings] == ["floors_above_100"]


def test_commitments_above_a_budget_are_caught_before_solving() -> None:
    findings = precheck(scenario(cand("A"), budgets={2026: 300}, committed={2026: 400}))
    assert [f.check for f in findings] == ["commitments_over_budget"]
    assert findings[0].text.endswith("by 1,000,000.00 元 (100.00万元)")


def test_commitments_one_fen_above_a_budget_say_by_how_much_to_the_fen() -> None:
    inputs = scenario(cand("A"), budgets={2026: 300})
    one_fen_over = Commitment("old-2026", inputs.fund_years[0].fund, 2026, 300 * WAN + 1)
    findings = precheck(replace(inputs, commitments=(one_fen_over,)))
    assert findings[0].text.endswith("by 0.01 元")


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_commitments_above_a_budget_name_the_budget_and_the_shortfall(solver: str) -> None:
    result = plan(scenario(cand("A"), budgets={2026: 300}, committed={2026: 400}, solver=solver))
    assert result.status == "infeasible"
    assert result.plan is None
    assert result.diagnosis is not None
    [relax] = result.diagnosis.relaxations
    assert relax.rule == "budget:mfg:2026"
    assert relax.amount == pytest.approx(100.0)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_two_locks_that_cannot_both_fit_name_the_cheapest_relaxation(solver: str) -> None:
    policy = Policy(must_fund=("A", "B"))
    inputs = scenario(cand("A", wan=600), cand("B", wan=500), policy=policy, solver=solver)
    result = plan(inputs)
    assert result.status == "infeasible"
    assert result.diagnosis is not None
    relax = result.diagnosis.relaxations
    # 100万 more budget is cheaper than dropping a lock (worth 1000万 of slack).
    assert [(r.family, round(r.amount)) for r in relax] == [("budget", 100)]
    assert "raise the budget" in relax[0].advice
    assert precheck(inputs) == []


def test_a_city_without_candidates_cannot_get_its_award() -> None:
    policy = Policy(cities=("合肥市", "黄山市"), min_awards_per_city=1)
    result = plan(scenario(cand("A"), policy=policy))
    assert result.diagnosis is not None
    assert [f.check for f in result.diagnosis.findings] == ["city_without_candidates"]
    assert [r.rule for r in result.diagnosis.relaxations] == ["city_awards:黄山市"]
    assert result.plan is None
    assert result.baselines["greedy"].total_new == 500 * WAN
