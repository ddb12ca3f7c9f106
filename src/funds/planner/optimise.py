"""Solve a built model in priority order and read the plan out of it.

1. When some rule is soft: minimise the penalised slack (*violation*), then hold it.
2. Maximise score-weighted money (:attr:`~funds.planner.model.PlanModel.value`).
3. With a baseline plan: hold the value within the gap tolerance and minimise changes.

Each stage is a solve with the scenario's time limit and gap; the outcome reported for
the run is the value stage's (the plan's quality), and every stage's outcome is kept.

The value stage starts from the LP relaxation: its optimum is an upper bound, and its
funded candidates (``x = 1``) topped up greedily by score give a plan. When that plan
breaks no rule and is within the gap tolerance of the bound, it is returned as it is
(a proven gap, ``stopped_by="gap_tolerance"``, method ``lp_bound``); otherwise it is the
warm start of the branch-and-bound.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field, replace

import pulp

from funds.planner.baselines import greedy, repair
from funds.planner.inputs import Candidate
from funds.planner.model import FEN_PER_WAN, PlanModel
from funds.planner.results import check_rules, plan_value
from funds.planner.rounding import FenAward, to_fen
from funds.planner.solve import CLOSED_GAP, SolveOutcome, solve

HOLD_TOLERANCE = 1e-6
INTEGRAL = 1e-6
"""An LP value this close to 1 counts as a whole pick (fixed in the LP-fix search)."""


@dataclass
class Optimised:
    """The outcome of the staged solve."""

    outcome: SolveOutcome
    """The value stage (or the first stage that found no plan)."""
    stages: dict[str, SolveOutcome] = field(default_factory=dict)
    violation: float = 0.0
    changes: int | None = None


def run_stages(model: PlanModel, *, solver: str) -> Optimised:
    """Optimise ``model`` in priority order; leave the final solution in its variables."""
    settings = model.inputs.settings
    gap = settings.gap_pct / 100.0

    def go() -> SolveOutcome:
        return solve(
            model.problem,
            solver=solver,
            time_limit=settings.time_limit,
            gap=gap,
            threads=settings.threads,
        )

    stages: dict[str, SolveOutcome] = {}
    violation = 0.0
    problem = model.problem
    if model.violation.keys():
        problem.sense = pulp.LpMinimize
        problem.setObjective(model.violation)
        stages["violation"] = first = go()
        if not first.has_plan:
            return Optimised(first, stages)
        violation = first.objective or 0.0
        hold = model.violation <= violation + HOLD_TOLERANCE * max(1.0, violation)
        problem.addConstraint(hold, "hold_violation")
    problem.sense = pulp.LpMaximize
    problem.setObjective(model.value)
    stages["value"] = main = value_stage(model, solver, gap)
    if not main.has_plan or model.changes is None:
        return Optimised(main, stages, violation)
    floor = (main.objective or 0.0) * (1.0 - gap) - HOLD_TOLERANCE
    problem.addConstraint(model.value >= floor, "hold_value")
    problem.sense = pulp.LpMinimize
    problem.setObjective(model.changes)
    stages["changes"] = third = go()
    if not third.has_plan:  # keep the value stage's plan: re-solve it
        release_value_hold(model)
        problem.sense = pulp.LpMaximize
        problem.setObjective(model.value)
        go()
        return Optimised(main, stages, violation)
    return Optimised(main, stages, violation, round(third.objective or 0.0))


def value_stage(model: PlanModel, solver: str, gap: float) -> SolveOutcome:
    """Maximise the value within ``settings.time_limit`` for the whole stage.

    1. The LP relaxation: its optimum bounds every plan from above.
    2. Its whole picks, topped up greedily and repaired to meet the city and industry
       rules (:func:`~funds.planner.baselines.repair`): returned when it breaks no rule
       and lies within the gap of the bound (``lp_bound``).
    3. The MIP with the LP's whole picks (``x = 1``) fixed and everything else free: a
       smaller search; returned when within the gap of the LP bound (``lp_fix``; the gap
       is proved by the LP bound, not by this search).
    4. Otherwise the full MIP, warm-started from the better feasible plan of 2 and 3, in
       the time left. Its status is the solver's own (a time limit is reported as such).
    """
    settings = model.inputs.settings
    started = time.perf_counter()

    def left() -> float:
        return max(settings.time_limit - (time.perf_counter() - started), 0.01)

    def go(**options: bool) -> SolveOutcome:
        return solve(
            model.problem,
            solver=solver,
            time_limit=left(),
            gap=gap,
            threads=settings.threads,
            **options,
        )

    relaxed = go(mip=False)
    if not relaxed.has_plan or relaxed.objective is None:
        return go()
    bound = relaxed.objective
    lp_x = {key: float(x.varValue or 0.0) for key, x in model.x.items()}
    start = repair(model.inputs, rounded_start(model))
    value = plan_value(model.inputs, start)
    feasible = not check_rules(model.inputs, start)
    if feasible and _rel(bound, value) <= gap:
        load(model, start)
        return _proved(relaxed, value, bound, "lp_bound", time.perf_counter() - started)
    for tight, share in ((True, 1 / 3), (False, 1 / 2)):
        fixed = _fixed_solve(model, lp_x, solver, gap, bound, left() * share, tight=tight)
        if fixed is None or not fixed.has_plan or fixed.objective is None:
            continue
        if _rel(bound, fixed.objective) <= gap:
            seconds = time.perf_counter() - started
            return _proved(relaxed, fixed.objective, bound, "lp_fix", seconds)
        if not feasible or fixed.objective > value:
            feasible, value, start = True, fixed.objective, to_fen(model.inputs, picks(model))
    load(model, start if feasible else [])
    outcome = go(warm_start=feasible)
    return replace(outcome, seconds=time.perf_counter() - started)


def _rel(bound: float, value: float) -> float:
    return abs(bound - value) / max(abs(value), 1e-9)


def _proved(
    relaxed: SolveOutcome, value: float, bound: float, method: str, seconds: float
) -> SolveOutcome:
    rel = _rel(bound, value)
    state, stopped = ("optimal", "proof") if rel <= CLOSED_GAP else ("feasible", "gap_tolerance")
    return replace(
        relaxed,
        status=state,
        stopped_by=stopped,
        objective=value,
        bound=bound,
        gap=rel,
        method=method,
        seconds=seconds,
    )


def _fixed_solve(
    model: PlanModel,
    lp_x: dict[tuple[str, int], float],
    solver: str,
    gap: float,
    bound: float,
    time_limit: float,
    *,
    tight: bool,
) -> SolveOutcome | None:
    """Solve the MIP with the LP's whole picks (``x = 1``) fixed; restore the bounds after.

    ``tight`` also fixes out every candidate the LP left out entirely that scores below
    the lowest-scoring candidate the LP funds at all (it buys less value per 万元 than
    any of them): a much smaller search. The rest stays free, so the search can still
    fill the money the LP split fractionally. None when nothing would be fixed.
    """
    taken: dict[str, float] = defaultdict(float)
    for (cid, _t), v in lp_x.items():
        taken[cid] += v
    scores = [model.candidate[cid].score for cid, v in taken.items() if v > INTEGRAL]
    cut = min(scores, default=0.0)
    saved = {key: (x.lowBound, x.upBound) for key, x in model.x.items()}
    fixed = 0
    for key, x in model.x.items():
        if x.upBound is not None and x.upBound < 1:
            continue
        if lp_x[key] >= 1.0 - INTEGRAL:
            x.lowBound = 1
            fixed += 1
        elif tight and taken[key[0]] <= INTEGRAL and model.candidate[key[0]].score < cut:
            x.upBound = 0
            fixed += 1
    target = bound / (1.0 + gap)  # a plan at least this good is within the gap of the bound
    try:
        if fixed == 0:
            return None
        return solve(
            model.problem,
            solver=solver,
            time_limit=time_limit,
            gap=gap / 2,
            gap_abs=max(bound - target, 1e-6),
            target=target,
            threads=model.inputs.settings.threads,
        )
    finally:
        for key, x in model.x.items():
            x.lowBound, x.upBound = saved[key]


def rounded_start(model: PlanModel) -> list[FenAward]:
    """Return the LP relaxation's whole picks topped up greedily (call after an LP solve)."""
    preset = [
        (cand, t, round(amount * FEN_PER_WAN))
        for cand, t, amount in picks(model, threshold=1.0 - 1e-6)
    ]
    return greedy(model.inputs, preset=preset)


def load(model: PlanModel, awards: list[FenAward]) -> None:
    """Set the model's variables to the plan ``awards`` (a warm start)."""
    for x in model.x.values():
        x.varValue = 0.0
    for var, _coef in model.terms.values():
        var.varValue = 0.0
    for rule in model.rules:
        if rule.slack is not None:
            rule.slack.varValue = 0.0
    industries = {a.candidate.industry for a in awards}
    for award in awards:
        key = (award.candidate.id, award.start)
        if key not in model.x:
            continue
        model.x[key].varValue = 1.0
        for var in model.money[key]:
            if var.name.startswith("a_"):
                var.varValue = award.amount / FEN_PER_WAN
    for var, industry in model.industry_used.items():
        var.varValue = 1.0 if industry in industries else 0.0
    if model.total_var is not None:
        loaded = [a.amount for a in awards if (a.candidate.id, a.start) in model.x]
        model.total_var.varValue = sum(loaded) / FEN_PER_WAN


def release_value_hold(model: PlanModel) -> None:
    """Neutralise the baseline stage's value floor (for explanation re-solves)."""
    row = model.problem.get_constraint_by_name("hold_value")
    if row is not None:
        row.changeRHS(-1e30)


def picks(model: PlanModel, *, threshold: float = 0.5) -> list[tuple[Candidate, int, float]]:
    """Return (candidate, start year, amount in 万元) for every funded candidate."""
    by_id = {c.id: c for c in model.inputs.candidates}
    out = []
    for (cid, t), x in model.x.items():
        if (x.varValue or 0.0) > threshold:
            out.append((by_id[cid], t, float(pulp.value(model.money[cid, t]) or 0.0)))
    return out
