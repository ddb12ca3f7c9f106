"""Why a scenario has no plan: arithmetic checks first, then the smallest relaxations.

:func:`precheck` catches what needs no solver (floors summing above 100 %, existing
commitments above a year's budget, a must-fund candidate that cannot be funded, ...).
:func:`relaxations` re-solves the scenario in elastic form, every rule with a slack, and
minimises the weighted slack (万元 of money, or :data:`~funds.planner.model.COUNT_WEIGHT`
万元 per award, industry or recognition); the rules left with slack are the smallest set of
relaxations, by that measure, that make the scenario feasible, each with its size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pulp

from funds.money import format_yuan_wan
from funds.planner.inputs import PlanInputs
from funds.planner.model import PlanModel, build_model
from funds.planner.rounding import caps
from funds.planner.solve import solve

SLACK_EPSILON = 1e-6


@dataclass
class Finding:
    """A reason found without solving that the scenario cannot be met."""

    check: str
    text: str


@dataclass
class Relaxation:
    """A rule that must give way, and by how much, for the scenario to be feasible."""

    rule: str
    family: str
    text: str
    amount: float
    unit: str
    advice: str


def fundable(inputs: PlanInputs) -> list[str]:
    """Return the ids of candidates that could be funded at all (eligible, unlocked, a start)."""
    banned = set(inputs.policy.must_not_fund)
    return [
        c.id
        for c in inputs.candidates
        if c.eligible and c.id not in banned and inputs.start_years(c)
    ]


def precheck(inputs: PlanInputs) -> list[Finding]:
    """Return the arithmetic reasons (no solver needed) that ``inputs`` is infeasible."""
    return _budget_checks(inputs) + _share_checks(inputs) + _lock_checks(inputs)


def _budget_checks(inputs: PlanInputs) -> list[Finding]:
    out = []
    for (fund, year), left in sorted(caps(inputs).items()):
        if left < 0:
            out.append(
                Finding(
                    "commitments_over_budget",
                    f"{fund} {year}: existing commitments exceed the budget less reserve by "
                    f"{format_yuan_wan(-left)}",
                )
            )
    return out


def _share_checks(inputs: PlanInputs) -> list[Finding]:
    policy = inputs.policy
    overrides = {b.group: b for b in policy.city_bounds}
    floors, out = 0.0, []
    for city in inputs.regional_cities():
        b = overrides.get(city)
        floor = b.floor_pct if b and b.floor_pct is not None else policy.city_floor_pct
        ceiling = b.ceiling_pct if b and b.ceiling_pct is not None else policy.city_ceiling_pct
        floors += floor or 0.0
        if floor and ceiling is not None and floor > ceiling:
            out.append(
                Finding(
                    "floor_above_ceiling",
                    f"{city}: floor {floor:g} % is above ceiling {ceiling:g} %",
                )
            )
    if floors > 100.0 + 1e-9:
        out.append(Finding("floors_above_100", f"city floors sum to {floors:g} %, above 100 %"))
    return out


def _lock_checks(inputs: PlanInputs) -> list[Finding]:
    policy, out = inputs.policy, []
    ok = set(fundable(inputs))
    by_id = {c.id: c for c in inputs.candidates}
    for cid in policy.must_fund:
        if cid not in ok:
            why = by_id[cid].ineligible_reason or "not eligible or no start year fits its stages"
            out.append(Finding("must_fund_unfundable", f"must-fund {cid} cannot be funded: {why}"))
    if policy.min_awards_per_city:
        cities: dict[str, int] = defaultdict(int)
        for cid in ok:
            cities[by_id[cid].city] += 1
        for city in inputs.regional_cities():
            if cities[city] < policy.min_awards_per_city:
                out.append(
                    Finding(
                        "city_without_candidates",
                        f"{city} has {cities[city]} fundable candidate(s); the rule asks for "
                        f"{policy.min_awards_per_city} award(s)",
                    )
                )
    industries = {by_id[cid].industry for cid in ok}
    if policy.min_industries > len(industries):
        out.append(
            Finding(
                "too_few_industries",
                f"only {len(industries)} industries have fundable candidates; "
                f"the rule asks for {policy.min_industries}",
            )
        )
    most = dict(policy.max_recognitions)
    locked: dict[str, int] = defaultdict(int)
    for cid in policy.must_fund:
        locked[by_id[cid].programme] += 1
    for programme, n in locked.items():
        limit = most.get(programme)
        if limit is not None and n > limit * len(inputs.years):
            out.append(
                Finding(
                    "locks_over_recognitions",
                    f"{n} must-fund {programme} candidates, at most "
                    f"{limit * len(inputs.years)} recognitions in the plan",
                )
            )
    return out


def relaxations(
    inputs: PlanInputs, *, solver: str, force: str | None = None, exclude: str | None = None
) -> tuple[str, list[Relaxation]]:
    """Re-solve in elastic form; return the solve status and the rules that must give way.

    ``force`` names a candidate forced into the plan (to learn which rule keeps it out),
    ``exclude`` one kept out of it (to learn which rule needs it).
    """
    model = build_model(inputs, elastic=True)
    if force is not None and force in model.least_rows:
        model.least_rows[force].changeRHS(1)
    if exclude is not None and exclude in model.take_rows:
        model.take_rows[exclude].changeRHS(0)
    model.problem.sense = pulp.LpMinimize
    model.problem.setObjective(model.violation)
    settings = inputs.settings
    outcome = solve(
        model.problem, solver=solver, time_limit=settings.time_limit, gap=settings.gap_pct / 100
    )
    if not outcome.has_plan:
        return outcome.status, []
    return outcome.status, read_slacks(model)


def read_slacks(model: PlanModel) -> list[Relaxation]:
    """Return the rules of ``model`` whose slack is positive in the current solution."""
    out = []
    for rule in model.rules:
        if rule.slack is None:
            continue
        amount = float(rule.slack.varValue or 0.0)
        if amount > SLACK_EPSILON:
            out.append(
                Relaxation(
                    rule.name,
                    rule.family,
                    rule.text,
                    amount,
                    rule.unit,
                    _advice(rule.family, rule.name, amount),
                )
            )
    return out


def _advice(family: str, name: str, amount: float) -> str:
    money = f"{amount:,.2f}万"
    count = f"{amount:.2f}".rstrip("0").rstrip(".")
    subject = name.split(":", 1)[-1].replace(":", " ")
    return {
        "budget": f"raise the budget of {subject} by {money} (or cut commitments or reserve)",
        "must_fund": f"drop the must-fund lock on {subject}",
        "city_share": f"move {money} of new money to meet {name.split(':', 1)[0]} of {subject}",
        "city_awards": f"{subject} is short of {count} award(s): lower the minimum",
        "industry_count": f"{count} more industr(ies) needed: lower the minimum",
        "industry_share": f"industry {subject} is {money} above its ceiling: raise it",
        "recognitions": f"{count} recognition(s) over the cap in {subject}: raise it",
        "pass_through": f"pass-through is short by {money} of weighted money: lower the minimum",
    }.get(family, f"relax {name} by {amount:g}")
