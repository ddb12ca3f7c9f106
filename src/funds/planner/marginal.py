"""What one more 1,000万 in a fund-year buys.

The LP relaxation's dual on each budget row estimates the objective gained per 万元 of
budget. Solvers disagree on the sign convention of duals in a maximisation (HiGHS solves
the negated problem), so every estimate is sign-checked against a re-solve of the LP with
the budget raised by :data:`STEP_WAN`; a disagreement flips the dual and is reported. The
MIP is then re-solved with the extra money to show what it actually buys: the gain in
score-weighted money and the candidates that join or leave.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from funds.planner.model import PlanModel
from funds.planner.optimise import picks, value_stage
from funds.planner.solve import solve

STEP_WAN = 1000.0


@dataclass
class Marginal:
    """The value of :data:`STEP_WAN` more budget in one fund-year."""

    fund: str
    year: int
    dual_estimate: float
    """Dual × 1000万 from the LP relaxation, after the sign check (score·万元)."""
    lp_gain: float
    """LP objective gained by re-solving with 1000万 more."""
    sign_flipped: bool
    mip_gain: float | None = None
    joins: list[str] = field(default_factory=list)
    leaves: list[str] = field(default_factory=list)


def marginal_values(
    model: PlanModel, funded: set[str], base: float, *, solver: str
) -> list[Marginal]:
    """Return the marginal value of budget for every fund-year of ``model``."""
    settings = model.inputs.settings
    gap = settings.gap_pct / 100.0
    problem = model.problem
    problem.sense = pulp.LpMaximize
    problem.setObjective(model.value)

    def lp() -> float | None:
        o = solve(problem, solver=solver, time_limit=settings.time_limit, gap=gap, mip=False)
        return o.objective if o.has_plan else None

    lp0 = lp()
    if lp0 is None:
        return []
    duals = {key: float(row.pi or 0.0) for key, row in model.budget_rows.items()}
    out = []
    for (fund, year), row in model.budget_rows.items():
        rhs = -row.constant
        row.changeRHS(rhs + STEP_WAN)
        try:
            lp1 = lp()
            mip = value_stage(model, solver, gap)
            now = {c.id for c, _t, _a in picks(model)} if mip.has_plan else set()
        finally:
            row.changeRHS(rhs)
        gain = (lp1 - lp0) if lp1 is not None else 0.0
        estimate = duals[fund, year] * STEP_WAN
        flipped = estimate * gain < 0
        out.append(
            Marginal(
                fund,
                year,
                -estimate if flipped else estimate,
                gain,
                flipped,
                (mip.objective or 0.0) - base if mip.has_plan else None,
                sorted(now - funded),
                sorted(funded - now) if mip.has_plan else [],
            )
        )
    return out
