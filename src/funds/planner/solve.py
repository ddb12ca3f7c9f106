"""Run HiGHS or CBC on a model and report, truthfully, what the solver achieved.

PuLP reports ``Optimal`` for a MIP that a time limit stopped with merely a feasible plan
(both for HiGHS and CBC). So the status here is read from the solver itself: HiGHS's model
status and MIP gap (``Highs.getInfo()``), or CBC's log (``Result - Stopped on time limit``,
the objective and the bound it printed). The outcome says ``optimal`` only when the gap is
closed (≤ :data:`CLOSED_GAP`), ``feasible`` with the gap and what stopped the search
otherwise, ``infeasible``, or ``no_solution`` when time ran out before any plan was found.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import pulp

from funds.planner.errors import SolverUnavailable

CLOSED_GAP = 1e-6
"""A relative gap at or below this counts as proven optimal (solver tolerance noise)."""


@dataclass(frozen=True)
class SolveOutcome:
    """What one solve achieved, as the solver (not PuLP) reports it."""

    status: str
    """``optimal``, ``feasible``, ``infeasible`` or ``no_solution``."""
    stopped_by: str
    """``proof``, ``gap_tolerance``, ``time_limit``, ``target`` (a plan as good as asked for
    was found; used by the planner's own searches) or ``""`` (no search, or infeasible)."""
    objective: float | None
    bound: float | None
    gap: float | None
    """Relative gap between the plan and the best bound (0.001 = 0.1 %)."""
    seconds: float
    solver: str
    solver_version: str
    method: str = "solver"
    """``solver`` (the solver's own search) or ``lp_bound`` (a rounded plan within the gap
    of the LP relaxation's bound, which proves the gap without branching)."""

    @property
    def has_plan(self) -> bool:
        """Tell whether the solver returned a plan (optimal or feasible)."""
        return self.status in ("optimal", "feasible")

    def label(self) -> str:
        """Return the status as a planner reads it: ``feasible, gap 0.08 % (time limit)``."""
        if self.status != "feasible":
            return self.status.replace("_", " ")
        gap = "unknown" if self.gap is None else f"{self.gap * 100:.2f} %"
        why = {
            "time_limit": "time limit reached",
            "gap_tolerance": "within gap tolerance",
            "target": "good enough for the target",
        }
        return f"feasible, gap {gap} ({why.get(self.stopped_by, self.stopped_by)})"


def available_solvers() -> list[str]:
    """Return the solvers this installation can run, preferred first."""
    names = pulp.listSolvers(onlyAvailable=True)
    out = []
    if "HiGHS" in names:
        out.append("highs")
    if os.access(_cbc_path(), os.X_OK):
        out.append("cbc")
    return out


def choose_solver(requested: str) -> str:
    """Resolve ``auto`` to HiGHS where installed, else CBC; refuse what is not installed."""
    have = available_solvers()
    if requested == "auto":
        if not have:
            raise SolverUnavailable("auto", have)
        return have[0]
    if requested not in have:
        raise SolverUnavailable(requested, have)
    return requested


def _cbc_path() -> str:
    return str(pulp.PULP_CBC_CMD.pulp_cbc_path)


def solve(
    problem: pulp.LpProblem,
    *,
    solver: str,
    time_limit: float,
    gap: float,
    mip: bool = True,
    threads: int | None = None,
    warm_start: bool = False,
    gap_abs: float | None = None,
    target: float | None = None,
) -> SolveOutcome:
    """Solve ``problem`` in place with ``solver`` (``highs`` or ``cbc``) and say how it went.

    ``warm_start`` hands the variables' current values to the solver as a first plan;
    ``gap_abs`` also lets the search stop once plan and bound are that close in absolute
    terms, and ``target`` (HiGHS only) once a plan at least that good is found (the status
    still reports the relative gap reached).
    """
    start = time.perf_counter()
    if solver == "highs":
        return _solve_highs(
            problem, start, time_limit, gap, mip, threads, warm_start, gap_abs, target
        )
    return _solve_cbc(problem, start, time_limit, gap, mip, threads, warm_start, gap_abs)


class _WarmHiGHS(pulp.HiGHS):  # type: ignore[misc]
    """PuLP's HiGHS interface, plus a starting plan from the variables' values."""

    def callSolver(self, lp: pulp.LpProblem) -> None:  # noqa: N802 (PuLP's name)
        import highspy

        highs: Any = lp.solverModel
        variables = lp.variables()
        values = [0.0] * len(variables)
        for var in variables:
            values[var.index] = float(var.varValue or 0.0)
        start = highspy.HighsSolution()
        start.col_value = values
        start.value_valid = True
        highs.setSolution(start)
        highs.run()


def _solve_highs(
    problem: pulp.LpProblem,
    start: float,
    time_limit: float,
    gap: float,
    mip: bool,
    threads: int | None,
    warm_start: bool,
    gap_abs: float | None,
    target: float | None,
) -> SolveOutcome:
    kind = _WarmHiGHS if warm_start and mip else pulp.HiGHS
    options: dict[str, float] = {}
    if target is not None and mip:  # HiGHS minimises: a maximised objective is negated
        options["objective_target"] = -target if problem.sense == pulp.LpMaximize else target
    cmd = kind(
        msg=False,
        mip=mip,
        timeLimit=time_limit,
        gapRel=gap,
        gapAbs=gap_abs,
        threads=threads,
        **options,
    )
    problem.solve(cmd)
    highs: Any = problem.solverModel
    status = highs.getModelStatus().name  # kOptimal, kTimeLimit, kInfeasible, ...
    info = highs.getInfo()
    has_solution = info.primal_solution_status == 2
    sense = 1 if problem.sense == pulp.LpMinimize else -1
    version = str(highs.version())
    seconds = time.perf_counter() - start
    if status in ("kInfeasible", "kUnboundedOrInfeasible"):
        return SolveOutcome("infeasible", "", None, None, None, seconds, "highs", version)
    if not has_solution:
        return SolveOutcome(
            "no_solution", "time_limit", None, None, None, seconds, "highs", version
        )
    objective = _objective(problem)
    is_mip = mip and any(v.cat == pulp.LpInteger for v in problem.variables())
    if not is_mip:
        return SolveOutcome(
            "optimal", "proof", objective, objective, 0.0, seconds, "highs", version
        )
    bound = sense * float(info.mip_dual_bound)
    rel = _relative_gap(objective, bound)
    if status == "kObjectiveTarget":
        stopped = "target"
    else:
        stopped = "time_limit" if status != "kOptimal" else _by_gap(rel)
    state = "optimal" if stopped == "proof" else "feasible"
    return SolveOutcome(state, stopped, objective, bound, rel, seconds, "highs", version)


def _by_gap(rel: float) -> str:
    return "proof" if rel <= CLOSED_GAP else "gap_tolerance"


def _relative_gap(objective: float, bound: float) -> float:
    return abs(bound - objective) / max(abs(objective), 1e-9)


def _objective(problem: pulp.LpProblem) -> float:
    value = pulp.value(problem.objective)
    return float(value) if value is not None else 0.0


_CBC_VERSION = re.compile(r"Version:\s*(\S+)")
_CBC_RESULT = re.compile(r"Result - (.+)")
_CBC_OBJECTIVE = re.compile(r"Objective value:\s*(\S+)")
_CBC_BOUND = re.compile(r"(?:Upper|Lower) bound:\s*(\S+)")


def _solve_cbc(
    problem: pulp.LpProblem,
    start: float,
    time_limit: float,
    gap: float,
    mip: bool,
    threads: int | None,
    warm_start: bool,
    gap_abs: float | None,
) -> SolveOutcome:
    handle, log_path = tempfile.mkstemp(prefix="funds-cbc-", suffix=".log")
    os.close(handle)
    try:
        cmd = pulp.COIN_CMD(
            path=_cbc_path(),
            msg=False,
            mip=mip,
            timeLimit=time_limit,
            gapRel=gap,
            gapAbs=gap_abs,
            threads=threads,
            logPath=log_path,
            warmStart=warm_start and mip,
        )
        problem.solve(cmd)
        with open(log_path, encoding="utf-8", errors="replace") as log:
            text = log.read()
    finally:
        os.unlink(log_path)
    return _read_cbc(problem, text, time.perf_counter() - start, mip)


def _read_cbc(problem: pulp.LpProblem, log: str, seconds: float, mip: bool) -> SolveOutcome:
    version_match = _CBC_VERSION.search(log)
    version = version_match.group(1) if version_match else "unknown"
    result_match = _CBC_RESULT.search(log)
    result = result_match.group(1).lower() if result_match else ""
    pulp_status = problem.status
    if "infeasible" in result or pulp_status == pulp.LpStatusInfeasible:
        return SolveOutcome("infeasible", "", None, None, None, seconds, "cbc", version)
    if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return SolveOutcome("no_solution", "time_limit", None, None, None, seconds, "cbc", version)
    objective = _objective(problem)
    bound_match = _CBC_BOUND.search(log)
    if not mip:
        state = "optimal" if pulp_status == pulp.LpStatusOptimal else "no_solution"
        return SolveOutcome(state, "proof", objective, objective, 0.0, seconds, "cbc", version)
    if not bound_match:
        stopped = "time_limit" if "time" in result else "proof"
        state = "optimal" if stopped == "proof" else "feasible"
        gap = 0.0 if stopped == "proof" else None
        return SolveOutcome(state, stopped, objective, objective, gap, seconds, "cbc", version)
    bound = float(bound_match.group(1))
    rel = _relative_gap(objective, bound)
    stopped = "time_limit" if "stopped on time" in result else _by_gap(rel)
    state = "optimal" if stopped == "proof" else "feasible"
    return SolveOutcome(state, stopped, objective, bound, rel, seconds, "cbc", version)
