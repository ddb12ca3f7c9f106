"""Baselines a planner can hold the optimised plan against.

* **Greedy by score**: must-fund candidates first, then by score (highest first); each
  takes the earliest start year whose stages all fit the money left in their fund-years,
  at the largest amount that fits (ranged grants) and within the recognition caps. It
  ignores regional, industry and pass-through rules; :func:`~funds.planner.results.check_rules`
  reports what it breaks.
* **Method of Equal Shares across cities** (Peters & Skowron): each of the ``n`` cities
  the regional rules cover holds ``1/n`` of all money the plan may spend; a candidate is
  supported by its city, with utility its score-weighted money, so each round funds the
  affordable candidate with the smallest price per utility (``1 / score``) and its city
  pays. When no city can pay for another candidate, the leftover is filled greedily
  (the usual completion). Years are scheduled as in the greedy baseline.

Both work in exact 分 and return :class:`~funds.planner.rounding.FenAward` lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from funds.planner.inputs import Candidate, PlanInputs
from funds.planner.rounding import FenAward, caps, split_stages


class _Books:
    """Money left per fund-year and recognitions used per programme-year."""

    def __init__(self, inputs: PlanInputs) -> None:
        self.inputs = inputs
        self.left = caps(inputs)
        self.most = dict(inputs.policy.max_recognitions)
        self.used: dict[tuple[str, int], int] = defaultdict(int)
        self.banned = set(inputs.policy.must_not_fund)
        self.awards: list[FenAward] = []
        self.taken: set[str] = set()

    def place(self, cand: Candidate, *, start: int | None = None, cap: int | None = None) -> bool:
        """Fund ``cand`` at its earliest fitting start (or ``start``); False when none fits."""
        if cand.id in self.taken or cand.id in self.banned or not cand.eligible:
            return False
        starts = [start] if start is not None else self.inputs.start_years(cand)
        for t in starts:
            if self.used[cand.programme, t] >= self.most.get(cand.programme, 1 << 30):
                continue
            amount = self._fit(cand, t, min(cap or cand.amount_max, cand.amount_max))
            if amount is not None:
                self._book(cand, t, amount)
                return True
        return False

    def _fit(self, cand: Candidate, t: int, most: int) -> int | None:
        amount = most
        for k, pct in enumerate(cand.schedule):
            if pct:
                room = self.left.get((cand.fund, t + k))
                if room is None:
                    return None
                amount = min(amount, room * 100 // pct)
        for _ in range(3):  # largest-remainder stages can round a part up by 1 分
            if amount < cand.amount_min or (cand.fixed and amount < cand.amount_max):
                return None
            stages = split_stages(amount, t, cand.schedule)
            if all(part <= self.left[cand.fund, y] for y, part in stages):
                return amount
            amount -= len(cand.schedule)
        return None

    def _book(self, cand: Candidate, t: int, amount: int) -> None:
        stages = split_stages(amount, t, cand.schedule)
        for y, part in stages:
            self.left[cand.fund, y] -= part
        self.used[cand.programme, t] += 1
        self.awards.append(FenAward(cand, t, amount, stages))
        self.taken.add(cand.id)


def by_score(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Return candidates by score, highest first (ties by id)."""
    return sorted(candidates, key=lambda c: (-c.score, c.id))


def greedy(
    inputs: PlanInputs, *, preset: Iterable[tuple[Candidate, int, int]] = ()
) -> list[FenAward]:
    """Return the greedy-by-score plan; ``preset`` (candidate, start, 分) are placed first."""
    books = _Books(inputs)
    by_id = {c.id: c for c in inputs.candidates}
    for cid in inputs.policy.must_fund:
        books.place(by_id[cid])
    for cand, start, amount in preset:
        books.place(cand, start=start, cap=amount)
    for cand in by_score(inputs.candidates):
        books.place(cand)
    return books.awards


def equal_shares(inputs: PlanInputs) -> list[FenAward]:
    """Return the Method of Equal Shares plan across cities, completed greedily."""
    books = _Books(inputs)
    by_id = {c.id: c for c in inputs.candidates}
    for cid in inputs.policy.must_fund:
        books.place(by_id[cid])
    cities = inputs.regional_cities()
    total = sum(max(v, 0) for v in books.left.values()) + sum(a.amount for a in books.awards)
    purse: dict[str, int] = dict.fromkeys(cities, total // max(len(cities), 1))
    for award in books.awards:
        purse[award.candidate.city] = purse.get(award.candidate.city, 0) - award.amount
    for cand in by_score(inputs.candidates):  # smallest price per utility = highest score
        money = purse.get(cand.city, 0)
        if money < cand.amount_min:
            continue
        if books.place(cand, cap=money):
            purse[cand.city] = money - books.awards[-1].amount
    for cand in by_score(inputs.candidates):
        books.place(cand)
    return books.awards
