"""The one place where the model's 万元 floats become exact 分.

:func:`to_fen` is the documented rounding step. For each funded candidate:

1. A fixed tier keeps its exact amount in 分. A ranged amount ``v`` 万元 becomes
   ``v * 1,000,000`` 分, clamped into the candidate's [minimum, maximum].
2. The ranged amounts of each fund are rounded together with the largest-remainder
   method (:func:`funds.money.round_preserving_total`) to whole 分 whose sum is the
   rounded sum of the floats: the fund's total new money is kept.
3. Each amount is split into its stages with the same method (stage ``k`` gets
   ``schedule[k] %``), so the stages of an award add up to the award exactly.
4. Solver tolerances (about 10⁻⁷ 万元 per row) can leave a fund-year a few 分 above its
   cap after rounding; the excess is taken off the ranged award paying most that year
   (never below its minimum), and its stages are split again.

Every total shown afterwards (per year, city, industry, fund) is a sum of these integers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from funds.money import round_preserving_total
from funds.planner.inputs import Candidate, PlanInputs
from funds.planner.model import FEN_PER_WAN


@dataclass
class FenAward:
    """A funded candidate with its amount and stages in exact 分."""

    candidate: Candidate
    start: int
    amount: int
    stages: list[tuple[int, int]]
    """(year, 分) for each stage with a non-zero share."""


def split_stages(amount: int, start: int, schedule: tuple[int, ...]) -> list[tuple[int, int]]:
    """Split ``amount`` 分 into stages by ``schedule`` percentages; parts sum to ``amount``."""
    parts = round_preserving_total([Fraction(amount * pct, 100) for pct in schedule], amount)
    return [(start + k, part) for k, part in enumerate(parts) if schedule[k]]


def to_fen(inputs: PlanInputs, picks: list[tuple[Candidate, int, float]]) -> list[FenAward]:
    """Turn (candidate, start year, amount in 万元) from the solver into exact 分 awards."""
    fen: dict[int, int] = {}
    ranged: dict[str, list[int]] = defaultdict(list)
    floats: dict[int, float] = {}
    for i, (cand, _start, amount_wan) in enumerate(picks):
        if cand.fixed:
            fen[i] = cand.amount_max
        else:
            value = min(max(amount_wan * FEN_PER_WAN, cand.amount_min), cand.amount_max)
            floats[i] = value
            ranged[cand.fund].append(i)
    for members in ranged.values():
        values = [Fraction(floats[i]) for i in members]
        total = round(sum(values))
        for i, part in zip(members, round_preserving_total(values, total), strict=True):
            fen[i] = part
    awards = [
        FenAward(cand, start, fen[i], split_stages(fen[i], start, cand.schedule))
        for i, (cand, start, _a) in enumerate(picks)
    ]
    _repair_overshoot(inputs, awards)
    return awards


def caps(inputs: PlanInputs) -> dict[tuple[str, int], int]:
    """Return what each fund-year may pay for new awards, in whole 分 (rounded down)."""
    return {
        (fy.fund, fy.year): math.floor(
            fy.budget - fy.reserve - inputs.expected_commitments(fy.fund, fy.year) + 1e-6
        )
        for fy in inputs.fund_years
    }


def _repair_overshoot(inputs: PlanInputs, awards: list[FenAward]) -> None:
    limit = caps(inputs)
    for _round in range(20):
        paid: dict[tuple[str, int], int] = defaultdict(int)
        for award in awards:
            for year, part in award.stages:
                paid[award.candidate.fund, year] += part
        over = [
            (key, paid[key] - limit.get(key, 0)) for key in paid if paid[key] > limit.get(key, 0)
        ]
        if not over:
            return
        (fund, year), excess = over[0]
        payers = [
            a
            for a in awards
            if a.candidate.fund == fund
            and not a.candidate.fixed
            and a.amount > a.candidate.amount_min
            and any(y == year for y, _ in a.stages)
        ]
        if not payers:
            return  # nothing adjustable: the plan's own check reports the breach
        award = max(payers, key=lambda a: dict(a.stages)[year])
        pct = award.candidate.schedule[year - award.start]
        cut = min(-((-excess * 100) // pct) + 1, award.amount - award.candidate.amount_min)
        award.amount -= cut
        award.stages = split_stages(award.amount, award.start, award.candidate.schedule)
