"""One planning run, start to finish: check, solve, round, explain, compare with baselines.

:func:`plan` is pure (no database): it takes :class:`~funds.planner.inputs.PlanInputs` and
returns a :class:`PlanResult`, whose :meth:`PlanResult.to_dict` is what a run stores.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from funds.planner.baselines import equal_shares, greedy
from funds.planner.diagnose import Finding, Relaxation, precheck, read_slacks, relaxations
from funds.planner.explain import Explanation, explain
from funds.planner.inputs import PlanInputs
from funds.planner.marginal import Marginal, marginal_values
from funds.planner.model import PlanModel, build_model
from funds.planner.optimise import picks, release_value_hold, run_stages
from funds.planner.results import Summary, summarise
from funds.planner.rounding import to_fen
from funds.planner.solve import SolveOutcome, choose_solver


def planner_version() -> str:
    """Return the version of the ``funds`` package (stored with every run)."""
    try:
        return version("funds")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "0+unknown"


@dataclass
class Diagnosis:
    """Why a scenario has no plan."""

    findings: list[Finding]
    relaxations: list[Relaxation]
    elastic_status: str


@dataclass
class PlanResult:
    """Everything one run produced; ``to_dict`` is its stored JSON."""

    scenario: str
    solver: str
    solver_version: str
    planner_version: str
    status: str
    label: str
    stopped_by: str
    gap: float | None
    objective: float | None
    bound: float | None
    seconds: float
    stages: dict[str, SolveOutcome]
    plan: Summary | None = None
    violations: list[Relaxation] = field(default_factory=list)
    changes: int | None = None
    explanations: list[Explanation] = field(default_factory=list)
    marginal: list[Marginal] = field(default_factory=list)
    diagnosis: Diagnosis | None = None
    baselines: dict[str, Summary] = field(default_factory=dict)
    source: dict[str, Any] | None = None
    """Where budgets and commitments came from when read from the ledger (funds, as-of
    date, ledger head id and hash); None for a scenario file's own figures."""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-able data (money as integer 分)."""
        return asdict(self)


def plan(inputs: PlanInputs) -> PlanResult:
    """Plan ``inputs``: the optimised plan with explanations, or a diagnosis."""
    started = time.perf_counter()
    solver = choose_solver(inputs.settings.solver)
    findings = precheck(inputs)
    model = build_model(inputs)
    optimised = run_stages(model, solver=solver)
    outcome = optimised.outcome
    result = PlanResult(
        inputs.name,
        solver,
        outcome.solver_version,
        planner_version(),
        outcome.status,
        outcome.label(),
        outcome.stopped_by,
        outcome.gap,
        outcome.objective,
        outcome.bound,
        0.0,
        optimised.stages,
    )
    if inputs.source is not None:
        result.source = asdict(inputs.source)
    result.baselines = {
        "greedy": summarise(inputs, greedy(inputs)),
        "equal_shares": summarise(inputs, equal_shares(inputs)),
    }
    if not outcome.has_plan:
        status, relax = relaxations(inputs, solver=solver)
        result.diagnosis = Diagnosis(findings, relax, status)
    else:
        _fill_plan(result, model, optimised.changes, solver)
    result.seconds = time.perf_counter() - started
    return result


def _fill_plan(result: PlanResult, model: PlanModel, changes: int | None, solver: str) -> None:
    inputs = model.inputs
    result.violations = read_slacks(model)
    result.changes = changes
    summary = summarise(inputs, to_fen(inputs, picks(model)))
    result.plan = summary
    release_value_hold(model)
    base = summary.value
    if inputs.settings.explain:
        result.explanations = explain(model, summary, base, solver=solver)
    if inputs.settings.marginal:
        funded = set(summary.funded())
        result.marginal = marginal_values(model, funded, base, solver=solver)
