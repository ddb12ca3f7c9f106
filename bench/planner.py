"""Planner benchmark: seeded synthetic provinces solved by HiGHS and CBC side by side.

Cases (issue 6), with the bench's rules (at least one award per city, no industry above
25 % of new money): 300 candidates × 5 years × 16 cities to a 0.1 % gap (target 2 s);
2,000 × 5 to 0.1 % (5 s); 5,000 × 10 to 0.5 % (30 s); a grid of 24 what-if runs on
1,000 × 5 (budget ratio × city floor × industry ceiling; 20 s for the grid). Each figure
is the wall time of a whole :func:`funds.planner.run.plan` (model build, solve, rounding
to 分, summaries and the two baselines; explanations and marginal values off), with the
status and gap the solver truly reached and how the gap was proved (``lp_bound``,
``lp_fix`` or the solver's own search).

Every case runs in a child process with a wall-clock cap (and the solver's time limit set
to it), so a slow case is recorded as ``timed out`` with what it got done instead of
holding the bench up; each result is printed (stderr) as it arrives, and the whole bench
stays within :data:`BUDGET_FULL` seconds (:data:`BUDGET_QUICK` with
``FUNDS_BENCH_QUICK=1``, which also shrinks every case tenfold). The load average is
recorded before and after: the machine's load moves every figure.

Run alone with ``python -m bench.planner``.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import sys
import time
from dataclasses import replace
from multiprocessing.queues import Queue
from typing import Any

from funds.planner.inputs import Policy, Settings
from funds.planner.run import plan
from funds.planner.solve import available_solvers
from funds.planner.synthetic import province

POLICY = Policy(min_awards_per_city=1, industry_ceiling_pct=25.0)
CASES = [
    # name, candidates, years, gap %, target s, cap s (full), cap s (quick)
    ("300x5", 300, 5, 0.1, 2.0, 20.0, 6.0),
    ("2000x5", 2000, 5, 0.1, 5.0, 40.0, 6.0),
    ("5000x10", 5000, 10, 0.5, 30.0, 100.0, 8.0),
]
GRID_TARGET = 20.0
GRID_CAP = (100.0, 8.0)
BUDGET_FULL = 570.0
BUDGET_QUICK = 55.0


def _one(
    candidates: int, years: int, gap_pct: float, solver: str, time_limit: float, **knobs: Any
) -> dict[str, Any]:
    settings = Settings(
        solver=solver, gap_pct=gap_pct, time_limit=time_limit, explain=False, marginal=False
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
        "label": result.label,
        "gap_pct": None if result.gap is None else round(result.gap * 100, 4),
        "method": value.method if value else None,
        "funded": len(result.plan.awards) if result.plan else 0,
        "breaches": len(result.plan.breaches) if result.plan else None,
    }


def _grid_runs(candidates: int, solver: str, time_limit: float, out: Queue[Any]) -> None:
    for ratio in (0.3, 0.4, 0.5, 0.6):
        for floor in (None, 1.0, 2.0):
            for ceiling in (25.0, 40.0):
                policy = replace(POLICY, city_floor_pct=floor, industry_ceiling_pct=ceiling)
                one = _one(
                    candidates, 5, 0.1, solver, time_limit, budget_ratio=ratio, policy=policy
                )
                out.put(("run", one))


def _child(job: tuple[Any, ...], out: Queue[Any]) -> None:
    kind, *args = job
    try:
        if kind == "case":
            out.put(("done", _one(*args)))
        else:
            _grid_runs(args[0], args[1], args[2], out)
            out.put(("done", None))
    except Exception as exc:  # a crash is a result too
        out.put(("error", f"{type(exc).__name__}: {exc}"))


def _capped(job: tuple[Any, ...], cap: float) -> tuple[str, list[Any], float]:
    """Run ``job`` in a child process for at most ``cap`` seconds.

    Return how it ended (``done``, ``error: ...`` or ``timed out``), what it reported and
    the wall time.
    """
    ctx = mp.get_context("fork")
    out: Queue[Any] = ctx.Queue()
    child = ctx.Process(target=_child, args=(job, out), daemon=True)
    started = time.perf_counter()
    child.start()
    got: list[Any] = []
    ending = "timed out"
    while True:
        left = cap - (time.perf_counter() - started)
        if left <= 0:
            break
        try:
            kind, body = out.get(timeout=min(left, 1.0))
        except Exception:  # queue.Empty: keep waiting while the child lives
            if not child.is_alive():
                ending = "error: the case process died"
                break
            continue
        if kind == "done":
            ending = "done"
            if body is not None:
                got.append(body)
            break
        if kind == "error":
            ending = f"error: {body}"
            break
        got.append(body)
    seconds = time.perf_counter() - started
    if child.is_alive():
        child.kill()
    child.join(5)
    return ending, got, seconds


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(*, quick: bool = False) -> dict[str, Any]:
    """Run every case on every available solver; return JSON-able figures."""
    scale = 10 if quick else 1
    budget = BUDGET_QUICK if quick else BUDGET_FULL
    started = time.perf_counter()
    out: dict[str, Any] = {
        "solvers": available_solvers(),
        "quick": quick,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "cases": {},
    }

    def cap_of(wanted: float) -> float:
        return min(wanted, budget - (time.perf_counter() - started))

    for name, candidates, years, gap_pct, target, cap_full, cap_quick in CASES:
        n = max(candidates // scale, 20)
        row: dict[str, Any] = {"candidates": n, "target_seconds": target, "gap_target_pct": gap_pct}
        for solver in out["solvers"]:
            cap = cap_of(cap_quick if quick else cap_full)
            if cap < 2.0:
                row[solver] = {"status": "skipped (bench time budget spent)"}
                continue
            # the solver's own limit (per optimisation stage) ends it inside the cap
            job = ("case", n, years, gap_pct, solver, max(cap * (0.4 if quick else 0.6), 1.0))
            ending, got, seconds = _capped(job, cap)
            if ending == "done":
                row[solver] = {**got[0], "within_target": got[0]["seconds"] <= target}
            else:
                row[solver] = {"status": ending, "seconds": f"> {seconds:.1f}", "cap": cap}
            _say(f"{name} {solver}: {json.dumps(row[solver], ensure_ascii=False)}")
        out["cases"][name] = row
    grid: dict[str, Any] = {"candidates": 1000 // scale, "runs": 24, "target_seconds": GRID_TARGET}
    for solver in out["solvers"]:
        cap = cap_of(GRID_CAP[1] if quick else GRID_CAP[0])
        if cap < 2.0:
            grid[solver] = {"status": "skipped (bench time budget spent)"}
            continue
        per_run = 1.0 if quick else 10.0
        ending, got, seconds = _capped(("grid", 1000 // scale, solver, per_run), cap)
        statuses: dict[str, int] = {}
        for one in got:
            statuses[one["status"]] = statuses.get(one["status"], 0) + 1
        grid[solver] = {
            "status": "done" if ending == "done" else f"{ending} after {len(got)} of 24 runs",
            "seconds": round(seconds, 3) if ending == "done" else f"> {seconds:.1f}",
            "completed_runs": len(got),
            "statuses": statuses,
            "slowest_run_seconds": max((one["seconds"] for one in got), default=None),
            "breaches": sum(one["breaches"] or 0 for one in got),
            "within_target": ending == "done" and seconds <= GRID_TARGET,
        }
        _say(f"grid24 {solver}: {json.dumps(grid[solver], ensure_ascii=False)}")
    out["cases"]["grid24_1000x5"] = grid
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick=os.environ.get("FUNDS_BENCH_QUICK") == "1"), indent=2))
