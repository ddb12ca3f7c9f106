"""Why each candidate is in or out, by re-solving the plan without it or with it.

* Funded: the plan is re-solved with the candidate excluded; what the objective loses is
  its value to the plan (often less than its own score-weighted money, since others take
  its place). If the plan cannot be made without it, the rule that needs it is named.
* Not funded: a rule may keep it out outright (not eligible, must-not-fund lock, no start
  year whose stages all land in budget years). Otherwise the plan is re-solved with the
  candidate forced in: if that is infeasible, the elastic re-solve names the rules in the
  way; if feasible, the objective's loss gives the score it would need to get in (with the
  same amount and start, the forced plan would then beat the plan without it).

Re-solves cost time, so at most ``settings.explain_limit`` candidates are explained this
way (the funded ones with the smallest contribution and the unfunded ones with the highest
score first: those nearest the cut); the others get their own contribution as a bound.
Losses are exact only up to the solver's gap: a loss within the gap is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulp

from funds.planner.diagnose import relaxations
from funds.planner.inputs import Candidate, PlanInputs, programme_rules
from funds.planner.model import PlanModel
from funds.planner.optimise import value_stage
from funds.planner.results import Summary


@dataclass
class Explanation:
    """Why one candidate is funded or not, in words and figures."""

    candidate: str
    funded: bool
    reason: str
    loss: float | None = None
    """Objective lost without it (funded) or by forcing it in (unfunded), score·万元."""
    needed_score: float | None = None
    blocking_rules: list[str] = field(default_factory=list)
    method: str = "resolve"
    """``resolve`` (re-solved), ``rule`` (kept out by a rule) or ``bound`` (not re-solved)."""
    amount: float | None = None
    """万元: what a funded candidate gets, or what an unfunded one would get if forced in."""


def explain(model: PlanModel, plan: Summary, base: float, *, solver: str) -> list[Explanation]:
    """Explain every candidate of ``model.inputs`` against the solved ``plan``."""
    inputs = model.inputs
    funded = plan.funded()
    gap = inputs.settings.gap_pct / 100.0
    budget = inputs.settings.explain_limit
    out: dict[str, Explanation] = {}
    for cand in inputs.candidates:
        if cand.id not in funded:
            rule = _kept_out(inputs, model, cand)
            if rule:
                out[cand.id] = Explanation(cand.id, False, rule, method="rule")
    near_cut = sorted(
        (c for c in inputs.candidates if c.id in funded),
        key=lambda c: (c.score * funded[c.id].amount, c.id),
    ) + sorted(
        (c for c in inputs.candidates if c.id not in out and c.id not in funded),
        key=lambda c: (-c.score, c.id),
    )
    model.problem.sense = pulp.LpMaximize
    model.problem.setObjective(model.value)
    for n, cand in enumerate(near_cut):
        is_funded = cand.id in funded
        if n >= budget:
            out[cand.id] = _bound_only(cand, is_funded)
        elif is_funded:
            out[cand.id] = _without(model, cand, base, gap, solver)
        else:
            out[cand.id] = _with(model, cand, base, gap, solver)
    for cand in inputs.candidates:
        if not cand.fixed and cand.id in funded:
            out[cand.id] = _ranged_funded(inputs, plan, cand, out[cand.id])
    return [out[c.id] for c in inputs.candidates]


SPENT_FEN = 10_000
"""A fund-year with at most 100 元 left counts as spent (rounding leaves a few 分)."""


def _ranged_funded(
    inputs: PlanInputs, plan: Summary, cand: Candidate, why: Explanation
) -> Explanation:
    """Say what a funded ranged grant gets of what it asks, and what holds it below that."""
    award = plan.funded()[cand.id]
    got, most = award.amount / 1_000_000, cand.amount_max / 1_000_000
    why.amount = got
    if award.amount >= cand.amount_max:
        why.reason += f"; gets the full {most:,.2f}万 it asks"
        return why
    left = {(y.fund, y.year): y.slack for y in plan.years}
    spent = [year for year, _part in award.stages if left.get((cand.fund, year), 0) <= SPENT_FEN]
    if spent:
        holds = f"the budget of {cand.fund} in {spent[0]} is spent"
    else:
        holds = "a share rule (city or industry ceiling, pass-through) or the value of others"
    why.reason += f"; gets {got:,.2f}万 of the {most:,.2f}万 it asks: {holds}"
    return why


def _kept_out(inputs: PlanInputs, model: PlanModel, cand: Candidate) -> str:
    if not cand.eligible:
        return f"not eligible: {cand.ineligible_reason or 'marked ineligible'}"
    if cand.id in inputs.policy.must_not_fund:
        return "locked out (must-not-fund)"
    if not model.starts(cand.id):
        rules = programme_rules(cand.programme)
        if rules is not None and rules.valid_until is not None:
            return (
                "no start year lets every stage land in a year with a budget and by"
                f" {rules.valid_until} (the {rules.name_zh} guideline's validity)"
            )
        return "no start year lets every stage land in a year with a budget"
    return ""


def _bound_only(cand: Candidate, is_funded: bool) -> Explanation:
    own = cand.score * cand.amount_max / 1_000_000
    word = "contributes at most" if is_funded else "would contribute at most"
    text = f"{word} {own:,.0f} score·万元 (not re-solved: explain_limit reached)"
    return Explanation(cand.id, is_funded, text, method="bound")


def _without(
    model: PlanModel, cand: Candidate, base: float, gap: float, solver: str
) -> Explanation:
    row = model.take_rows[cand.id]
    row.changeRHS(0)
    try:
        outcome = value_stage(model, solver, gap)
    finally:
        row.changeRHS(1)
    if not outcome.has_plan:
        return Explanation(
            cand.id,
            True,
            "the rules cannot be met without it (a floor, lock or minimum count needs it)",
            blocking_rules=[],
        )
    loss = base - (outcome.objective or 0.0)
    if loss <= gap * abs(base):
        text = (
            f"replaceable: without it the plan loses {max(loss, 0):,.0f} score·万元, within the gap"
        )
    else:
        text = f"without it the plan loses {loss:,.0f} score·万元"
    return Explanation(cand.id, True, text, loss=loss)


def _with(model: PlanModel, cand: Candidate, base: float, gap: float, solver: str) -> Explanation:
    row = model.least_rows[cand.id]
    row.changeRHS(1)
    try:
        outcome = value_stage(model, solver, gap)
        forced = [
            (t, float(pulp.value(model.money[cand.id, t]) or 0.0))
            for t in model.starts(cand.id)
            if (model.x[cand.id, t].varValue or 0) > 0.5
        ]
    finally:
        row.changeRHS(0)
    if not outcome.has_plan:
        _status, blockers = relaxations(model.inputs, solver=solver, force=cand.id)
        names = [b.text for b in blockers]
        text = "a rule keeps it out: " + (
            "; ".join(names) if names else "the plan is infeasible with it"
        )
        return Explanation(cand.id, False, text, blocking_rules=[b.rule for b in blockers])
    loss = base - (outcome.objective or 0.0)
    if not forced or loss <= gap * abs(base):
        return Explanation(cand.id, False, "could join at no loss beyond the gap", loss=loss)
    start, amount = forced[0]
    first = model.inputs.years[0]
    keep = (1.0 - model.inputs.settings.delay_discount_pct / 100.0) ** (start - first)
    needed = cand.score + loss / max(amount * keep, 1e-9)
    text = (
        f"needs score {needed:.1f} (has {cand.score:g}) to enter at {amount:,.0f}万 from "
        f"{start}; forcing it in loses {loss:,.0f} score·万元"
    )
    if not cand.fixed:
        low, high = cand.amount_min / 1_000_000, cand.amount_max / 1_000_000
        text += f" (forced in, the plan gives it {amount:,.2f}万 of {low:,.0f}–{high:,.0f}万 asked)"
    return Explanation(cand.id, False, text, loss=loss, needed_score=needed, amount=amount)
