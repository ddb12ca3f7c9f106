"""The allocation model as a PuLP mixed-integer programme (pure: no database).

Decision: ``x[c, t] = 1`` when candidate ``c`` is funded with its first stage in year
``t``; a ranged candidate also gets ``a[c, t]``, its amount in 万元 (between its minimum
and maximum when funded, zero otherwise). Stage ``k`` pays ``schedule[k] %`` of the amount
in year ``t + k``, and every fund-year's expected existing commitments plus new stages stay
within its budget less the reserve. Those budget rows are always hard.

Every policy rule is a :class:`Rule`: a row with an optional non-negative slack. A rule
family listed in ``policy.soft`` gets its slack in the *violation* objective; in
*elastic* mode (diagnosis) every rule, budgets included, gets one. The solve in
:mod:`funds.planner.solve` optimises in priority order: violation, then score-weighted
money (:attr:`PlanModel.value`), then changes from a baseline plan.

Units inside the model: money in 万元 (floats), counts as counts; a count of slack weighs
as much as :data:`COUNT_WEIGHT` 万元 when slacks of both kinds are added up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pulp

from funds.planner.inputs import Candidate, PlanInputs

FEN_PER_WAN = 1_000_000
COUNT_WEIGHT = 1000.0
"""One award, industry or recognition of slack counts like 1000万 of slack."""

Key = tuple[str, int]


def wan(fen: float) -> float:
    """Convert 分 to 万元 for the model."""
    return fen / FEN_PER_WAN


@dataclass
class Rule:
    """One relaxable row of the model, with what a planner needs to read its slack."""

    name: str
    family: str
    constraint: pulp.LpConstraint
    unit: str
    """``万元`` or ``count``: the unit of the slack."""
    text: str
    """What the rule says, in the planner's words."""
    slack: pulp.LpVariable | None = None

    @property
    def weight(self) -> float:
        """Weight of one unit of this rule's slack."""
        return COUNT_WEIGHT if self.unit == "count" else 1.0


@dataclass
class PlanModel:
    """A built model: the PuLP problem and handles on what the rest of the planner reads."""

    inputs: PlanInputs
    problem: pulp.LpProblem
    x: dict[Key, pulp.LpVariable] = field(default_factory=dict)
    money: dict[Key, pulp.LpAffineExpression] = field(default_factory=dict)
    """Amount of each (candidate, start year) in 万元: ``A * x`` or the ranged ``a``."""
    rules: list[Rule] = field(default_factory=list)
    budget_rows: dict[Key, pulp.LpConstraint] = field(default_factory=dict)
    take_rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    """``sum_t x[c, t] <= 1``; its right side set to 0 excludes ``c``."""
    least_rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    """``sum_t x[c, t] >= lo``; its right side set to 1 forces ``c`` in."""
    value: pulp.LpAffineExpression = field(default_factory=pulp.LpAffineExpression)
    violation: pulp.LpAffineExpression = field(default_factory=pulp.LpAffineExpression)
    changes: pulp.LpAffineExpression | None = None
    industry_used: dict[pulp.LpVariable, str] = field(default_factory=dict)
    """Binary per industry: 1 only when the industry has a funded candidate."""
    elastic: bool = False

    def starts(self, cid: str) -> list[int]:
        """Return the start years the model allows for candidate ``cid``."""
        return [t for (c, t) in self.x if c == cid]

    def add_rule(self, rule: Rule, *, soft: bool, penalty: float = 1.0) -> None:
        """Add ``rule``'s row; give it a slack when it is soft or the model is elastic."""
        if soft or self.elastic:
            slack = self.problem.add_variable(f"s_{len(self.rules)}", lowBound=0)
            sign = 1 if rule.constraint.sense == pulp.LpConstraintGE else -1
            rule.constraint.expr.addterm(slack, sign)
            rule.slack = slack
            self.violation.addterm(slack, penalty * rule.weight)
        self.problem.addConstraint(rule.constraint, rule.name)
        self.rules.append(rule)


def build_model(inputs: PlanInputs, *, elastic: bool = False) -> PlanModel:
    """Build the model of ``inputs``; ``elastic`` gives every rule a slack (diagnosis)."""
    model = PlanModel(inputs, pulp.LpProblem("plan", pulp.LpMaximize), elastic=elastic)
    _decisions(model)
    _budgets(model)
    _locks(model)
    _regional(model)
    _industries(model)
    _recognitions(model)
    _pass_through(model)
    _baseline(model)
    return model


def _decisions(model: PlanModel) -> None:
    inputs = model.inputs
    first = inputs.years[0] if inputs.years else 0
    keep = 1.0 - inputs.settings.delay_discount_pct / 100.0
    banned = set(inputs.policy.must_not_fund)
    for n, cand in enumerate(inputs.candidates):
        starts = inputs.start_years(cand) if cand.eligible else ()
        if not starts:
            continue
        upper = 0.0 if cand.id in banned else 1.0
        for t in starts:
            x = model.problem.add_variable(f"x_{n}_{t}", 0, upper, pulp.LpInteger)
            model.x[cand.id, t] = x
            model.money[cand.id, t] = _money_of(model, cand, n, t, x)
            model.value += model.money[cand.id, t] * (cand.score * keep ** (t - first))
        picks = pulp.lpSum(model.x[cand.id, t] for t in starts)
        model.take_rows[cand.id] = picks <= 1
        model.problem.addConstraint(model.take_rows[cand.id], f"take_{n}")


def _money_of(
    model: PlanModel, cand: Candidate, n: int, t: int, x: pulp.LpVariable
) -> pulp.LpAffineExpression:
    if cand.fixed:
        return pulp.LpAffineExpression([(x, wan(cand.amount_max))])
    a = model.problem.add_variable(f"a_{n}_{t}", 0, wan(cand.amount_max))
    model.problem.addConstraint(a - wan(cand.amount_max) * x <= 0, f"amax_{n}_{t}")
    model.problem.addConstraint(a - wan(cand.amount_min) * x >= 0, f"amin_{n}_{t}")
    return pulp.LpAffineExpression([(a, 1.0)])


def payments(model: PlanModel) -> dict[Key, pulp.LpAffineExpression]:
    """Return the new payments of each (fund, year) in 万元 as expressions."""
    out: dict[Key, list[tuple[pulp.LpAffineExpression, float]]] = defaultdict(list)
    by_id = {c.id: c for c in model.inputs.candidates}
    for (cid, t), money in model.money.items():
        cand = by_id[cid]
        for k, pct in enumerate(cand.schedule):
            if pct:
                out[cand.fund, t + k].append((money, pct / 100.0))
    return {key: pulp.lpSum(m * s for m, s in terms) for key, terms in out.items()}


def _budgets(model: PlanModel) -> None:
    inputs = model.inputs
    new = payments(model)
    for fy in inputs.fund_years:
        key = (fy.fund, fy.year)
        existing = wan(inputs.expected_commitments(fy.fund, fy.year))
        cap = wan(fy.budget - fy.reserve)
        expr = new.get(key, pulp.LpAffineExpression())
        row = expr <= cap - existing
        text = f"payments of {fy.fund} in {fy.year} within budget less reserve"
        model.add_rule(Rule(f"budget:{fy.fund}:{fy.year}", "budget", row, "万元", text), soft=False)
        model.budget_rows[key] = row


def _soft(model: PlanModel, family: str) -> bool:
    return family in model.inputs.policy.soft


def _penalty(model: PlanModel) -> float:
    return model.inputs.policy.soft_penalty


def _locks(model: PlanModel) -> None:
    must = set(model.inputs.policy.must_fund)
    for n, cand in enumerate(model.inputs.candidates):
        starts = model.starts(cand.id)
        if not starts:
            if cand.id in must:  # locked in but unfundable: a row no plan can meet
                never = model.problem.add_variable(f"never_{n}", 0, 0)
                rule = Rule(
                    f"must_fund:{cand.id}",
                    "must_fund",
                    never >= 1,
                    "count",
                    f"{cand.id} is funded (it cannot be: no eligible start)",
                )
                model.add_rule(rule, soft=_soft(model, "must_fund"), penalty=_penalty(model))
            continue
        picks = pulp.lpSum(model.x[cand.id, t] for t in starts)
        row = picks >= (1 if cand.id in must else 0)
        if cand.id in must:
            rule = Rule(f"must_fund:{cand.id}", "must_fund", row, "count", f"{cand.id} is funded")
            model.add_rule(rule, soft=_soft(model, "must_fund"), penalty=_penalty(model))
        else:
            model.problem.addConstraint(row, f"least_{n}")
        model.least_rows[cand.id] = row


def total_new(model: PlanModel) -> pulp.LpAffineExpression:
    """Return all new money of the plan in 万元."""
    return pulp.lpSum(model.money.values())


def _group_money(model: PlanModel, attr: str) -> dict[str, pulp.LpAffineExpression]:
    by_id = {c.id: c for c in model.inputs.candidates}
    groups: dict[str, list[pulp.LpAffineExpression]] = defaultdict(list)
    for (cid, _t), money in model.money.items():
        groups[getattr(by_id[cid], attr)].append(money)
    return {g: pulp.lpSum(ms) for g, ms in groups.items()}


def _group_count(model: PlanModel, attr: str) -> dict[str, pulp.LpAffineExpression]:
    by_id = {c.id: c for c in model.inputs.candidates}
    groups: dict[str, list[pulp.LpVariable]] = defaultdict(list)
    for (cid, _t), x in model.x.items():
        groups[getattr(by_id[cid], attr)].append(x)
    return {g: pulp.lpSum(xs) for g, xs in groups.items()}


def _share_rule(
    model: PlanModel, family: str, group: str, share: pulp.LpAffineExpression, pct: float, ge: bool
) -> None:
    total = total_new(model)
    row = (share - (pct / 100.0) * total >= 0) if ge else (share - (pct / 100.0) * total <= 0)
    word = "at least" if ge else "at most"
    kind = "floor" if ge else "ceiling"
    text = f"{group} gets {word} {pct:g} % of new money"
    rule = Rule(f"{family}_{kind}:{group}", family, row, "万元", text)
    model.add_rule(rule, soft=_soft(model, family), penalty=_penalty(model))


def _regional(model: PlanModel) -> None:
    policy = model.inputs.policy
    money = _group_money(model, "city")
    counts = _group_count(model, "city")
    overrides = {b.group: b for b in policy.city_bounds}
    for city in model.inputs.regional_cities():
        share = money.get(city, pulp.LpAffineExpression())
        bound = overrides.get(city)
        floor = bound.floor_pct if bound and bound.floor_pct is not None else policy.city_floor_pct
        ceiling = (
            bound.ceiling_pct
            if bound and bound.ceiling_pct is not None
            else policy.city_ceiling_pct
        )
        if floor:
            _share_rule(model, "city_share", city, share, floor, ge=True)
        if ceiling is not None and ceiling < 100:
            _share_rule(model, "city_share", city, share, ceiling, ge=False)
        if policy.min_awards_per_city:
            row = counts.get(city, pulp.LpAffineExpression()) >= policy.min_awards_per_city
            text = f"{city} gets at least {policy.min_awards_per_city} award(s)"
            rule = Rule(f"city_awards:{city}", "city_awards", row, "count", text)
            model.add_rule(rule, soft=_soft(model, "city_awards"), penalty=_penalty(model))


def _industries(model: PlanModel) -> None:
    policy = model.inputs.policy
    counts = _group_count(model, "industry")
    if policy.min_industries:
        used = []
        for n, industry in enumerate(sorted(counts)):
            y = model.problem.add_variable(f"ind_{n}", 0, 1, pulp.LpInteger)
            model.problem.addConstraint(y - counts[industry] <= 0, f"ind_used_{n}")
            model.industry_used[y] = industry
            used.append(y)
        row = pulp.lpSum(used) >= policy.min_industries
        text = f"at least {policy.min_industries} industries funded"
        rule = Rule("industry_count", "industry_count", row, "count", text)
        model.add_rule(rule, soft=_soft(model, "industry_count"), penalty=_penalty(model))
    if policy.industry_ceiling_pct is not None and policy.industry_ceiling_pct < 100:
        for industry, share in sorted(_group_money(model, "industry").items()):
            _share_rule(
                model, "industry_share", industry, share, policy.industry_ceiling_pct, ge=False
            )


def _recognitions(model: PlanModel) -> None:
    by_id = {c.id: c for c in model.inputs.candidates}
    for programme, most in model.inputs.policy.max_recognitions:
        for year in model.inputs.years:
            xs = [
                x
                for (cid, t), x in model.x.items()
                if t == year and by_id[cid].programme == programme
            ]
            if not xs:
                continue
            row = pulp.lpSum(xs) <= most
            text = f"at most {most} new {programme} recognitions in {year}"
            rule = Rule(f"recognitions:{programme}:{year}", "recognitions", row, "count", text)
            model.add_rule(rule, soft=_soft(model, "recognitions"), penalty=_penalty(model))


def _pass_through(model: PlanModel) -> None:
    least = model.inputs.policy.min_pass_through_pct
    if least is None:
        return
    by_id = {c.id: c for c in model.inputs.candidates}
    terms = [
        money * ((by_id[cid].pass_through_pct or 0.0) - least) / 100.0
        for (cid, _t), money in model.money.items()
        if by_id[cid].pass_through_pct is not None
    ]
    if not terms:
        return
    row = pulp.lpSum(terms) >= 0
    text = f"funded grants pass on at least {least:g} % to enterprises in total"
    rule = Rule("pass_through", "pass_through", row, "万元", text)
    model.add_rule(rule, soft=_soft(model, "pass_through"), penalty=_penalty(model))


def _baseline(model: PlanModel) -> None:
    if not model.inputs.baseline:
        return
    before = dict(model.inputs.baseline)
    terms: list[tuple[pulp.LpVariable, float]] = []
    constant = 0.0
    for (cid, t), x in model.x.items():
        if before.get(cid) == t:
            constant += 1.0
            terms.append((x, -1.0))
        else:
            terms.append((x, 1.0))
    for cid, t in before.items():
        if (cid, t) not in model.x:
            constant += 1.0  # the baseline award cannot be kept as it was
    model.changes = pulp.LpAffineExpression(terms, constant=constant)
