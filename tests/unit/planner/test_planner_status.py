"""Status honesty: a time limit is reported as such, whatever PuLP says."""

from __future__ import annotations

import random

import pulp
import pytest

from funds.planner.solve import choose_solver, solve


def hard_knapsack(n: int = 1000) -> pulp.LpProblem:
    rng = random.Random(1)
    problem = pulp.LpProblem("hard", pulp.LpMaximize)
    xs = [problem.add_variable(f"x{i}", 0, 1, pulp.LpInteger) for i in range(n)]
    weights = [rng.randint(50, 150) for _ in range(n)]
    for j in range(5):
        row = pulp.lpSum(rng.randint(1, 100) * x for x in xs) <= 5000
        problem.addConstraint(row, f"c{j}")
    problem.setObjective(
        pulp.lpSum((w + rng.randint(-20, 20)) * x for w, x in zip(weights, xs, strict=True))
    )
    return problem


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_time_limited_solve_is_feasible_with_a_gap_although_pulp_says_optimal(
    solver: str,
) -> None:
    problem = hard_knapsack()
    outcome = solve(problem, solver=solver, time_limit=1.0, gap=0.0)
    assert problem.status == pulp.LpStatusOptimal  # the trap: PuLP's own status
    assert outcome.status == "feasible"
    assert outcome.stopped_by == "time_limit"
    assert outcome.gap is not None
    assert outcome.gap > 0
    assert outcome.label().startswith("feasible, gap ")


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_an_infeasible_model_is_reported_infeasible(solver: str) -> None:
    problem = pulp.LpProblem("bad", pulp.LpMaximize)
    x = problem.add_variable("x", 0, 1, pulp.LpInteger)
    problem.addConstraint(x >= 2, "impossible")
    problem.setObjective(pulp.LpAffineExpression([(x, 1.0)]))
    assert solve(problem, solver=solver, time_limit=5, gap=0.0).status == "infeasible"


def test_auto_prefers_highs() -> None:
    assert choose_solver("auto") == "highs"
