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
Terms = dict[pulp.LpVariable, float]
"""A linear expression as {variable: coefficient}."""


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
    terms: dict[Key, tuple[pulp.LpVariable, float]] = field(default_factory=dict)
    """Money of each (candidate, start year) as one term: (``x``, amount) or (``a``, 1)."""
    starts_of: dict[str, list[int]] = field(default_factory=dict)
    candidate: dict[str, Candidate] = field(default_factory=dict)
    total_var: pulp.LpVariable | None = None
    """All new money in 万元, defined by one row, when some share rule needs it: a share
    row then reads ``share - p × total``, sparse instead of naming every award."""

    def starts(self, cid: str) -> list[int]:
        """Return the start years the model allows for candidate ``cid``."""
        return self.starts_of.get(cid, [])

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


# Rows are built from coefficient dicts ({variable: coefficient}) in one pass each, never by
# adding PuLP expressions together (each ``+`` copies), so building stays linear in size.


def _row(terms: Terms, sense: int, rhs: float) -> pulp.LpConstraint:
    return pulp.LpConstraint(pulp.LpAffineExpression(terms), sense, rhs=rhs)


def _add(into: Terms, terms: Terms, factor: float = 1.0) -> None:
    for var, coef in terms.items():
        into[var] = into.get(var, 0.0) + coef * factor


def _decisions(model: PlanModel) -> None:
    inputs = model.inputs
    first = inputs.years[0] if inputs.years else 0
    keep = 1.0 - inputs.settings.delay_discount_pct / 100.0
    banned = set(inputs.policy.must_not_fund)
    value: Terms = {}
    for n, cand in enumerate(inputs.candidates):
        model.candidate[cand.id] = cand
        starts = inputs.start_years(cand) if cand.eligible else ()
        model.starts_of[cand.id] = list(starts)
        if not starts:
            continue
        upper = 0.0 if cand.id in banned else 1.0
        take: Terms = {}
        for t in starts:
            x = model.problem.add_variable(f"x_{n}_{t}", 0, upper, pulp.LpInteger)
            model.x[cand.id, t] = x
            var, coef = _money_of(model, cand, n, t, x)
            model.terms[cand.id, t] = (var, coef)
            model.money[cand.id, t] = pulp.LpAffineExpression([(var, coef)])
            value[var] = value.get(var, 0.0) + coef * cand.score * keep ** (t - first)
            take[x] = 1.0
        model.take_rows[cand.id] = _row(take, pulp.LpConstraintLE, 1)
        model.problem.addConstraint(model.take_rows[cand.id], f"take_{n}")
    model.value = pulp.LpAffineExpression(value)


def _money_of(
    model: PlanModel, cand: Candidate, n: int, t: int, x: pulp.LpVariable
) -> tuple[pulp.LpVariable, float]:
    if cand.fixed:
        return x, wan(cand.amount_max)
    a = model.problem.add_variable(f"a_{n}_{t}", 0, wan(cand.amount_max))
    high = _row({a: 1.0, x: -wan(cand.amount_max)}, pulp.LpConstraintLE, 0)
    low = _row({a: 1.0, x: -wan(cand.amount_min)}, pulp.LpConstraintGE, 0)
    model.problem.addConstraint(high, f"amax_{n}_{t}")
    model.problem.addConstraint(low, f"amin_{n}_{t}")
    return a, 1.0


def payment_terms(model: PlanModel) -> dict[Key, Terms]:
    """Return the new payments of each (fund, year) in 万元 as coefficient dicts."""
    out: dict[Key, Terms] = defaultdict(dict)
    for (cid, t), (var, coef) in model.terms.items():
        cand = model.candidate[cid]
        for k, pct in enumerate(cand.schedule):
            if pct:
                row = out[cand.fund, t + k]
                row[var] = row.get(var, 0.0) + coef * pct / 100.0
    return out


def payments(model: PlanModel) -> dict[Key, pulp.LpAffineExpression]:
    """Return the new payments of each (fund, year) in 万元 as expressions."""
    return {key: pulp.LpAffineExpression(t) for key, t in payment_terms(model).items()}


def _budgets(model: PlanModel) -> None:
    inputs = model.inputs
    new = payment_terms(model)
    for fy in inputs.fund_years:
        key = (fy.fund, fy.year)
        existing = wan(inputs.expected_commitments(fy.fund, fy.year))
        cap = wan(fy.budget - fy.reserve)
        row = _row(new.get(key, {}), pulp.LpConstraintLE, cap - existing)
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
        picks = {model.x[cand.id, t]: 1.0 for t in starts}
        row = _row(picks, pulp.LpConstraintGE, 1 if cand.id in must else 0)
        if cand.id in must:
            rule = Rule(f"must_fund:{cand.id}", "must_fund", row, "count", f"{cand.id} is funded")
            model.add_rule(rule, soft=_soft(model, "must_fund"), penalty=_penalty(model))
        else:
            model.problem.addConstraint(row, f"least_{n}")
        model.least_rows[cand.id] = row


def total_terms(model: PlanModel) -> Terms:
    """Return all new money of the plan in 万元 as a coefficient dict."""
    out: Terms = {}
    for var, coef in model.terms.values():
        out[var] = out.get(var, 0.0) + coef
    return out


def share_base(model: PlanModel) -> Terms:
    """Return the total that share rules take percentages of: one variable, defined once."""
    if model.total_var is None:
        total = model.problem.add_variable("total_new", 0)
        terms = total_terms(model)
        _add(terms, {total: 1.0}, -1.0)
        model.problem.addConstraint(_row(terms, pulp.LpConstraintEQ, 0), "total_new")
        model.total_var = total
    return {model.total_var: 1.0}


def total_new(model: PlanModel) -> pulp.LpAffineExpression:
    """Return all new money of the plan in 万元."""
    return pulp.LpAffineExpression(total_terms(model))


def _group_money(model: PlanModel, attr: str) -> dict[str, Terms]:
    groups: dict[str, Terms] = defaultdict(dict)
    for (cid, _t), (var, coef) in model.terms.items():
        row = groups[getattr(model.candidate[cid], attr)]
        row[var] = row.get(var, 0.0) + coef
    return groups


def _group_count(model: PlanModel, attr: str) -> dict[str, Terms]:
    groups: dict[str, Terms] = defaultdict(dict)
    for (cid, _t), x in model.x.items():
        groups[getattr(model.candidate[cid], attr)][x] = 1.0
    return groups


def _share_rule(
    model: PlanModel,
    family: str,
    group: str,
    share: Terms,
    pct: float,
    ge: bool,
    total: Terms,
) -> None:
    terms: Terms = {}
    _add(terms, total, -pct / 100.0)
    _add(terms, share)
    row = _row(terms, pulp.LpConstraintGE if ge else pulp.LpConstraintLE, 0)
    word = "at least" if ge else "at most"
    kind = "floor" if ge else "ceiling"
    text = f"{group} gets {word} {pct:g} % of new money"
    rule = Rule(f"{family}_{kind}:{group}", family, row, "万元", text)
    model.add_rule(rule, soft=_soft(model, family), penalty=_penalty(model))


def _has_city_shares(model: PlanModel) -> bool:
    policy = model.inputs.policy
    bounds = [(b.floor_pct, b.ceiling_pct) for b in policy.city_bounds]
    bounds.append((policy.city_floor_pct, policy.city_ceiling_pct))
    return any(floor or (ceiling is not None and ceiling < 100) for floor, ceiling in bounds)


def _regional(model: PlanModel) -> None:
    policy = model.inputs.policy
    money = _group_money(model, "city")
    counts = _group_count(model, "city")
    total = share_base(model) if _has_city_shares(model) else {}
    overrides = {b.group: b for b in policy.city_bounds}
    for city in model.inputs.regional_cities():
        share = money.get(city, {})
        bound = overrides.get(city)
        floor = bound.floor_pct if bound and bound.floor_pct is not None else policy.city_floor_pct
        ceiling = (
            bound.ceiling_pct
            if bound and bound.ceiling_pct is not None
            else policy.city_ceiling_pct
        )
        if floor:
            _share_rule(model, "city_share", city, share, floor, True, total)
        if ceiling is not None and ceiling < 100:
            _share_rule(model, "city_share", city, share, ceiling, False, total)
        if policy.min_awards_per_city:
            row = _row(counts.get(city, {}), pulp.LpConstraintGE, policy.min_awards_per_city)
            text = f"{city} gets at least {policy.min_awards_per_city} award(s)"
            rule = Rule(f"city_awards:{city}", "city_awards", row, "count", text)
            model.add_rule(rule, soft=_soft(model, "city_awards"), penalty=_penalty(model))


def _industries(model: PlanModel) -> None:
    policy = model.inputs.policy
    counts = _group_count(model, "industry")
    if policy.min_industries:
        used: Terms = {}
        for n, industry in enumerate(sorted(counts)):
            y = model.problem.add_variable(f"ind_{n}", 0, 1, pulp.LpInteger)
            terms: Terms = {y: 1.0}
            _add(terms, counts[industry], -1.0)
            model.problem.addConstraint(_row(terms, pulp.LpConstraintLE, 0), f"ind_used_{n}")
            model.industry_used[y] = industry
            used[y] = 1.0
        row = _row(used, pulp.LpConstraintGE, policy.min_industries)
        text = f"at least {policy.min_industries} industries funded"
        rule = Rule("industry_count", "industry_count", row, "count", text)
        model.add_rule(rule, soft=_soft(model, "industry_count"), penalty=_penalty(model))
    if policy.industry_ceiling_pct is not None and policy.industry_ceiling_pct < 100:
        total = share_base(model)
        for industry, share in sorted(_group_money(model, "industry").items()):
            _share_rule(
                model,
                "industry_share",
                industry,
                share,
                policy.industry_ceiling_pct,
                False,
                total,
            )


def _recognitions(model: PlanModel) -> None:
    most_of = dict(model.inputs.policy.max_recognitions)
    if not most_of:
        return
    started: dict[tuple[str, int], Terms] = defaultdict(dict)
    for (cid, t), x in model.x.items():
        programme = model.candidate[cid].programme
        if programme in most_of:
            started[programme, t][x] = 1.0
    for programme, most in model.inputs.policy.max_recognitions:
        for year in model.inputs.years:
            xs = started.get((programme, year))
            if not xs:
                continue
            row = _row(xs, pulp.LpConstraintLE, most)
            text = f"at most {most} new {programme} recognitions in {year}"
            rule = Rule(f"recognitions:{programme}:{year}", "recognitions", row, "count", text)
            model.add_rule(rule, soft=_soft(model, "recognitions"), penalty=_penalty(model))


def _pass_through(model: PlanModel) -> None:
    least = model.inputs.policy.min_pass_through_pct
    if least is None:
        return
    terms: Terms = {}
    for (cid, _t), (var, coef) in model.terms.items():
        planned = model.candidate[cid].pass_through_pct
        if planned is not None:
            terms[var] = terms.get(var, 0.0) + coef * (planned - least) / 100.0
    if not terms:
        return
    row = _row(terms, pulp.LpConstraintGE, 0)
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
