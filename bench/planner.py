"""Planner benchmark: seeded synthetic provinces solved by HiGHS and CBC side by side.

Cases (issue 6): 300 candidates × 5 years × 16 cities to a 0.1 % gap (target 2 s);
2,000 × 5 to 0.1 % (5 s); 5,000 × 10 to 0.5 % (30 s); a grid of 24 what-if runs on
1,000 × 5 (20 s for the grid). Each figure is the wall time of a whole
:func:`funds.planner.run.plan` (model build, solve, rounding to 分, summaries and the two
baselines; explanations and marginal values off), with the status and gap the solver
truly reached and how the gap was proved (``lp_bound`` or the solver's search).

Run alone with ``python -m bench.planner``; ``FUNDS_BENCH_QUICK=1`` shrinks every case.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from typing import Any

from funds.planner.inputs import Policy, Settings
from funds.planner.run import plan
from funds.planner.solve import available_solvers
from funds.planner.synthetic import province

POLICY = Policy(min_awards_per_city=1, industry_ceiling_pct=25.0)
CASES = [
    ("300x5", 300, 5, 0.1, 2.0),
    ("2000x5", 2000, 5, 0.1, 5.0),
    ("5000x10", 5000, 10, 0.5, 30.0),
]


def _one(candidates: int, years: int, gap_pct: float, solver: str, **knobs: Any) -> dict[str, Any]:
    settings = Settings(
        solver=solver, gap_pct=gap_pct, time_limit=60.0, explain=False, marginal=False
    )
    policy = knobs.pop("policy", POLICY)
    inputs = province(
        candidates=candidates,
        years=years,
        seed=knobs.pop("seed", 7),
        policy=policy,
        settings=settings,
        **knobs,
    )
    started = time.perf_counter()
    result = plan(inputs)
    seconds = time.perf_counter() - started
    value = result.stages.get("value")
    return {
        "seconds": round(seconds, 3),
        "solve_seconds": round(value.seconds, 3) if value else None,
        "status": result.status,
        "gap_pct": None if result.gap is None else round(result.gap * 100, 4),
        "method": value.method if value else None,
        "funded": len(result.plan.awards) if result.plan else 0,
        "breaches": len(result.plan.breaches) if result.plan else None,
    }


def _grid(candidates: int, solver: str) -> dict[str, Any]:
    started = time.perf_counter()
    statuses: dict[str, int] = {}
    for ratio in (0.3, 0.4, 0.5, 0.6):
        for floor in (None, 1.0, 2.0):
            for ceiling in (25.0, 40.0):
                policy = replace(POLICY, city_floor_pct=floor, industry_ceiling_pct=ceiling)
                one = _one(candidates, 5, 0.1, solver, budget_ratio=ratio, policy=policy)
                statuses[one["status"]] = statuses.get(one["status"], 0) + 1
    return {"runs": 24, "seconds": round(time.perf_counter() - started, 3), "statuses": statuses}


def run(*, quick: bool = False) -> dict[str, Any]:
    """Run every case on every available solver; return JSON-able figures."""
    scale = 10 if quick else 1
    out: dict[str, Any] = {"solvers": available_solvers(), "cases": {}}
    for name, candidates, years, gap_pct, target in CASES:
        row: dict[str, Any] = {"target_seconds": target, "gap_target_pct": gap_pct}
        for solver in out["solvers"]:
            row[solver] = _one(max(candidates // scale, 20), years, gap_pct, solver)
            row[solver]["within_target"] = row[solver]["seconds"] <= target
        out["cases"][name] = row
    grid: dict[str, Any] = {"target_seconds": 20.0}
    for solver in out["solvers"]:
        grid[solver] = _grid(1000 // scale, solver)
        grid[solver]["within_target"] = grid[solver]["seconds"] <= 20.0
    out["cases"]["grid24_1000x5"] = grid
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick=os.environ.get("FUNDS_BENCH_QUICK") == "1"), indent=2))
