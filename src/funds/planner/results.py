"""A plan in exact 分 and the figures a planner reads: per year, per city, per industry.

:func:`summarise` turns awards (from the optimiser or a baseline) into the same
:class:`Summary`, so every plan is judged by one yardstick: :func:`plan_value` (the
score-weighted money the optimiser maximises) and :func:`check_rules` (every budget and
policy rule, checked on the integer plan, each breach described in words).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from funds.money import format_wan, format_yuan_wan
from funds.planner.inputs import PlanInputs
from funds.planner.model import FEN_PER_WAN
from funds.planner.rounding import FenAward, caps

SHARE_TOLERANCE_PCT = 0.01
"""Share rules are checked to 0.01 percentage points (rounding to 分 moves shares a hair)."""


@dataclass
class AwardLine:
    """One funded candidate: amount and stages in 分."""

    candidate: str
    name: str
    programme: str
    tier: str
    city: str
    industry: str
    fund: str
    score: float
    start: int
    amount: int
    """Award in 分."""
    stages: list[tuple[int, int]]
    """(year, 分) per stage."""


@dataclass
class YearLine:
    """One fund-year: budget, reserve, expected existing payments, new money, what is left."""

    fund: str
    year: int
    budget: int
    reserve: int
    existing: int
    """Expected payments on existing commitments in 分 (pass rates applied, rounded)."""
    new: int
    """New stages of this plan paid this year, in 分."""
    slack: int
    """Budget less reserve, existing and new, in 分 (negative means over budget)."""


@dataclass
class GroupLine:
    """Awards and new money of one city or industry, with its share of all new money."""

    group: str
    awards: int
    amount: int
    share_pct: float


@dataclass
class Summary:
    """A plan (optimised or baseline) with its totals and the rules it breaks."""

    awards: list[AwardLine]
    total_new: int
    value: float
    years: list[YearLine]
    cities: list[GroupLine]
    industries: list[GroupLine]
    breaches: list[str] = field(default_factory=list)

    def funded(self) -> dict[str, AwardLine]:
        """Return the awards by candidate id."""
        return {a.candidate: a for a in self.awards}


def plan_value(inputs: PlanInputs, awards: list[FenAward]) -> float:
    """Return the score-weighted money of ``awards`` (the optimiser's second objective)."""
    first = inputs.years[0] if inputs.years else 0
    keep = 1.0 - inputs.settings.delay_discount_pct / 100.0
    return sum(
        a.candidate.score * a.amount / FEN_PER_WAN * keep ** (a.start - first) for a in awards
    )


def summarise(inputs: PlanInputs, awards: list[FenAward]) -> Summary:
    """Return the summary of ``awards`` under ``inputs``."""
    total = sum(a.amount for a in awards)
    lines = [
        AwardLine(
            a.candidate.id,
            a.candidate.name,
            a.candidate.programme,
            a.candidate.tier,
            a.candidate.city,
            a.candidate.industry,
            a.candidate.fund,
            a.candidate.score,
            a.start,
            a.amount,
            list(a.stages),
        )
        for a in sorted(awards, key=lambda a: (a.start, a.candidate.id))
    ]
    return Summary(
        awards=lines,
        total_new=total,
        value=plan_value(inputs, awards),
        years=_years(inputs, awards),
        cities=_groups(awards, "city", total, inputs.regional_cities()),
        industries=_groups(awards, "industry", total, ()),
        breaches=check_rules(inputs, awards),
    )


def _years(inputs: PlanInputs, awards: list[FenAward]) -> list[YearLine]:
    paid: dict[tuple[str, int], int] = defaultdict(int)
    for a in awards:
        for year, part in a.stages:
            paid[a.candidate.fund, year] += part
    out = []
    for fy in sorted(inputs.fund_years, key=lambda f: (f.fund, f.year)):
        existing = round(inputs.expected_commitments(fy.fund, fy.year))
        new = paid.get((fy.fund, fy.year), 0)
        slack = fy.budget - fy.reserve - existing - new
        out.append(YearLine(fy.fund, fy.year, fy.budget, fy.reserve, existing, new, slack))
    return out


def _groups(
    awards: list[FenAward], attr: str, total: int, always: tuple[str, ...]
) -> list[GroupLine]:
    amount: dict[str, int] = dict.fromkeys(always, 0)
    count: dict[str, int] = dict.fromkeys(always, 0)
    for a in awards:
        key = getattr(a.candidate, attr)
        amount[key] = amount.get(key, 0) + a.amount
        count[key] = count.get(key, 0) + 1
    return [
        GroupLine(g, count[g], amount[g], round(100.0 * amount[g] / total, 4) if total else 0.0)
        for g in sorted(amount, key=lambda g: (-amount[g], g))
    ]


def check_rules(inputs: PlanInputs, awards: list[FenAward]) -> list[str]:
    """Return every budget and policy rule ``awards`` break, in words (empty when none)."""
    out = _check_budgets(inputs, awards) + _check_locks(inputs, awards)
    out += _check_shares(inputs, awards) + _check_counts(inputs, awards)
    return out


def _check_budgets(inputs: PlanInputs, awards: list[FenAward]) -> list[str]:
    paid: dict[tuple[str, int], int] = defaultdict(int)
    for a in awards:
        for year, part in a.stages:
            paid[a.candidate.fund, year] += part
    limit = caps(inputs)
    out = []
    for key, amount in sorted(paid.items()):
        if key not in limit:
            out.append(f"{key[0]} pays {format_wan(amount)} in {key[1]}, a year with no budget")
        elif amount > limit[key]:
            over = format_yuan_wan(amount - limit[key])
            out.append(f"{key[0]} {key[1]}: new stages exceed the budget left by {over}")
    return out


def _check_locks(inputs: PlanInputs, awards: list[FenAward]) -> list[str]:
    funded = {a.candidate.id for a in awards}
    out = [f"must-fund {c} is not funded" for c in inputs.policy.must_fund if c not in funded]
    out += [f"must-not-fund {c} is funded" for c in inputs.policy.must_not_fund if c in funded]
    return out


def _check_shares(inputs: PlanInputs, awards: list[FenAward]) -> list[str]:
    policy = inputs.policy
    total = sum(a.amount for a in awards)
    if not total:
        return []
    out = []
    city_share = {g.group: g.share_pct for g in _groups(awards, "city", total, ())}
    overrides = {b.group: b for b in policy.city_bounds}
    for city in inputs.regional_cities():
        b = overrides.get(city)
        floor = b.floor_pct if b and b.floor_pct is not None else policy.city_floor_pct
        ceiling = b.ceiling_pct if b and b.ceiling_pct is not None else policy.city_ceiling_pct
        share = city_share.get(city, 0.0)
        if floor and share < floor - SHARE_TOLERANCE_PCT:
            out.append(f"{city} gets {share:.2f} % of new money, below its floor {floor:g} %")
        if ceiling is not None and share > ceiling + SHARE_TOLERANCE_PCT:
            out.append(f"{city} gets {share:.2f} % of new money, above its ceiling {ceiling:g} %")
    ceiling = policy.industry_ceiling_pct
    if ceiling is not None:
        for g in _groups(awards, "industry", total, ()):
            if g.share_pct > ceiling + SHARE_TOLERANCE_PCT:
                out.append(f"industry {g.group} gets {g.share_pct:.2f} %, above {ceiling:g} %")
    least = policy.min_pass_through_pct
    planned = [a for a in awards if a.candidate.pass_through_pct is not None]
    if least is not None and planned:
        weight = sum(a.amount for a in planned)
        mean = sum(a.amount * (a.candidate.pass_through_pct or 0.0) for a in planned) / weight
        if mean < least - SHARE_TOLERANCE_PCT:
            out.append(f"planned pass-through {mean:.2f} % is below {least:g} %")
    return out


def _check_counts(inputs: PlanInputs, awards: list[FenAward]) -> list[str]:
    policy = inputs.policy
    out = []
    if policy.min_awards_per_city:
        per_city: dict[str, int] = defaultdict(int)
        for a in awards:
            per_city[a.candidate.city] += 1
        for city in inputs.regional_cities():
            if per_city[city] < policy.min_awards_per_city:
                out.append(
                    f"{city} has {per_city[city]} award(s), fewer than {policy.min_awards_per_city}"
                )
    industries = {a.candidate.industry for a in awards}
    if policy.min_industries and len(industries) < policy.min_industries:
        out.append(f"{len(industries)} industries funded, fewer than {policy.min_industries}")
    most = dict(policy.max_recognitions)
    started: dict[tuple[str, int], int] = defaultdict(int)
    for a in awards:
        started[a.candidate.programme, a.start] += 1
    for (programme, year), n in sorted(started.items()):
        if programme in most and n > most[programme]:
            out.append(f"{n} new {programme} recognitions in {year}, more than {most[programme]}")
    return out


def summary_from_dict(body: dict[str, Any]) -> Summary:
    """Rebuild a :class:`Summary` from its stored JSON form."""
    return Summary(
        awards=[
            AwardLine(**{**a, "stages": [tuple(s) for s in a["stages"]]}) for a in body["awards"]
        ],
        total_new=body["total_new"],
        value=body["value"],
        years=[YearLine(**y) for y in body["years"]],
        cities=[GroupLine(**g) for g in body["cities"]],
        industries=[GroupLine(**g) for g in body["industries"]],
        breaches=list(body["breaches"]),
    )
