"""Why each candidate is in or out, and what more budget buys."""

from __future__ import annotations

import pytest
from planner_factories import cand, scenario

from funds.planner.explain import Explanation
from funds.planner.inputs import Policy
from funds.planner.run import PlanResult, plan


def explained() -> tuple[PlanResult, dict[str, Explanation]]:
    inputs = scenario(
        cand("A", score=90, wan=600),
        cand("B", score=80, wan=500),
        cand("C", score=70, wan=400),
        cand("X", eligible=False),
        cand("L", score=99, wan=100),
        policy=Policy(must_not_fund=("L",)),
        explain=True,
        marginal=True,
    )
    result = plan(inputs)
    return result, {e.candidate: e for e in result.explanations}


def test_an_unfunded_candidate_is_told_the_score_it_would_need() -> None:
    why = explained()[1]["B"]
    # Forcing B in gives B + C = 68,000 instead of 82,000: it needs 14,000 / 500 = 28 more.
    assert why.needed_score == pytest.approx(108.0)
    assert why.loss == pytest.approx(14_000)


def test_a_funded_candidate_is_told_what_the_plan_loses_without_it() -> None:
    why = explained()[1]["A"]
    # Without A the best is B + C = 68,000: the plan loses 14,000.
    assert why.funded
    assert why.loss == pytest.approx(14_000)


def test_rules_that_keep_a_candidate_out_are_named() -> None:
    found = explained()[1]
    assert "not eligible" in found["X"].reason
    assert "must-not-fund" in found["L"].reason


def test_one_more_thousand_wan_buys_the_candidate_left_out() -> None:
    result = explained()[0]
    [marginal] = result.marginal
    assert marginal.joins == ["B"]
    assert marginal.mip_gain == pytest.approx(40_000)
    assert marginal.lp_gain > 0
    assert marginal.dual_estimate > 0


def test_a_ranged_grant_is_told_what_it_gets_and_what_it_would_get() -> None:
    # 1000万: A (90, 100-800万) and B (80, 500万 fixed) beat A alone at 800万 (85,000 vs
    # 72,000), so A gets 500万: the budget holds it. C (50, 100-400万) forced in: best is
    # A 800万 + C 200万 = 82,000 (A 400 + B 500 + C 100 gives 81,000), so C gets 200万,
    # the plan loses 3,000 and C needs 50 + 3,000 / 200 = 65.
    inputs = scenario(
        cand("A", score=90, wan=800, wan_min=100),
        cand("B", score=80, wan=500),
        cand("C", score=50, wan=400, wan_min=100),
        explain=True,
    )
    found = {e.candidate: e for e in plan(inputs).explanations}
    assert found["A"].amount == pytest.approx(500)
    assert "gets 500.00万 of the 800.00万 it asks" in found["A"].reason
    assert "budget of mfg in 2026 is spent" in found["A"].reason
    assert found["C"].amount == pytest.approx(200)
    assert found["C"].needed_score == pytest.approx(65)
    assert "forced in, the plan gives it 200.00万" in found["C"].reason
    assert found["B"].amount is None  # a fixed tier has nothing to choose
