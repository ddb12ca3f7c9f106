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

    def drop(self, award: FenAward) -> None:
        """Take ``award`` out of the plan and give its money back."""
        for y, part in award.stages:
            self.left[award.candidate.fund, y] += part
        self.used[award.candidate.programme, award.start] -= 1
        self.awards.remove(award)
        self.taken.discard(award.candidate.id)

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


def _ceilings(inputs: PlanInputs) -> list[tuple[str, dict[str, float]]]:
    """Return (attribute, {group: ceiling fraction}) for the city and industry ceilings."""
    policy = inputs.policy
    out: list[tuple[str, dict[str, float]]] = []
    overrides = {b.group: b for b in policy.city_bounds}
    cities: dict[str, float] = {}
    for city in inputs.regional_cities():
        bound = overrides.get(city)
        pct = (
            bound.ceiling_pct
            if bound and bound.ceiling_pct is not None
            else policy.city_ceiling_pct
        )
        if pct is not None and pct < 100:
            cities[city] = pct / 100.0
    if cities:
        out.append(("city", cities))
    if policy.industry_ceiling_pct is not None and policy.industry_ceiling_pct < 100:
        industries = {c.industry for c in inputs.candidates}
        out.append(("industry", dict.fromkeys(industries, policy.industry_ceiling_pct / 100.0)))
    return out


REPAIR_MARGIN = 0.999
"""Shares are repaired to just under their ceiling, so rounding never tips them over."""
REPAIR_ROUNDS = 12


def repair(inputs: PlanInputs, awards: list[FenAward]) -> list[FenAward]:
    """Return ``awards`` changed, where it can, to meet the city and industry rules.

    A heuristic for a warm start (and an honest baseline of what simple fixing achieves):
    cities short of ``min_awards_per_city`` get their best fitting candidates (dropping
    the weakest award of a city with awards to spare when the money is short); a city or
    industry above its ceiling loses money (ranged awards trimmed, then its weakest awards
    dropped) and the money freed goes, by score, to candidates whose groups stay under
    their ceilings. Budgets and recognition caps hold throughout (the books check them);
    what it cannot fix, :func:`~funds.planner.results.check_rules` still reports.
    """
    books = _Books(inputs)
    for award in awards:
        books.place(award.candidate, start=award.start, cap=award.amount)
    must = set(inputs.policy.must_fund)
    ceilings = _ceilings(inputs)
    ranked = by_score(inputs.candidates)
    least = inputs.policy.min_awards_per_city
    for _round in range(REPAIR_ROUNDS):
        changed = _fill_cities(inputs, books, ranked, must)
        changed |= _trim_ceilings(books, ceilings, must, least, gentle=True)
        changed |= _refill(books, ranked, ceilings)
        if not changed:
            break
    _trim_ceilings(books, ceilings, must, least, gentle=False)
    return books.awards


def _fill_cities(
    inputs: PlanInputs, books: _Books, ranked: list[Candidate], must: set[str]
) -> bool:
    least = inputs.policy.min_awards_per_city
    if not least:
        return False
    changed = False
    for city in inputs.regional_cities():
        have = sum(1 for a in books.awards if a.candidate.city == city)
        for cand in (c for c in ranked if c.city == city):
            if have >= least:
                break
            if books.place(cand):
                have += 1
                changed = True
                continue
            if cand.id in books.taken or cand.id in books.banned or not cand.eligible:
                continue
            counts: dict[str, int] = defaultdict(int)
            for a in books.awards:
                counts[a.candidate.city] += 1
            spare = [
                a
                for a in books.awards
                if a.candidate.fund == cand.fund
                and a.candidate.id not in must
                and counts[a.candidate.city] > least
            ]
            for victim in sorted(spare, key=lambda a: (a.candidate.score, a.candidate.id)):
                books.drop(victim)
                if books.place(cand):
                    have += 1
                    changed = True
                    break
                books.place(victim.candidate, start=victim.start, cap=victim.amount)
    return changed


def _shares(books: _Books, attr: str) -> tuple[dict[str, int], int]:
    money: dict[str, int] = defaultdict(int)
    for a in books.awards:
        money[getattr(a.candidate, attr)] += a.amount
    return money, sum(money.values())


def _trim_ceilings(
    books: _Books,
    ceilings: list[tuple[str, dict[str, float]]],
    must: set[str],
    least: int,
    *,
    gentle: bool,
) -> bool:
    """Take money from groups above their ceiling.

    ``gentle`` takes the excess over the ceiling of today's total, once per group (the
    refill that follows puts money elsewhere and the total recovers); otherwise enough
    that the share holds even if nothing replaces the money taken.
    """
    changed = False
    for attr, limit in ceilings:
        for _pass in range(1 if gentle else len(limit) + 1):
            money, total = _shares(books, attr)
            over = [
                (g, m - limit[g] * REPAIR_MARGIN * total)
                for g, m in money.items()
                if g in limit and m > limit[g] * REPAIR_MARGIN * total
            ]
            if not over:
                break
            group, excess = max(over, key=lambda o: o[1])
            frac = limit[group] * REPAIR_MARGIN
            cut = int(excess) + 1 if gentle else int(excess / (1.0 - frac)) + 1  # S-x <= f(T-x)
            members = sorted(
                (a for a in books.awards if getattr(a.candidate, attr) == group),
                key=lambda a: (a.candidate.score, a.candidate.id),
            )
            for award in members:
                if cut <= 0:
                    break
                if award.candidate.id in must:
                    continue
                room = award.amount - award.candidate.amount_min
                if not award.candidate.fixed and room > 0:
                    take = min(room, cut)
                    books.drop(award)
                    books.place(award.candidate, start=award.start, cap=award.amount - take)
                    cut -= take
                    changed = True
                    continue
                city_count = sum(
                    1 for a in books.awards if a.candidate.city == award.candidate.city
                )
                if city_count <= least:
                    continue
                books.drop(award)
                cut -= award.amount
                changed = True
    return changed


def _refill(
    books: _Books, ranked: list[Candidate], ceilings: list[tuple[str, dict[str, float]]]
) -> bool:
    changed = False
    shares = [(attr, limit, *_shares(books, attr)) for attr, limit in ceilings]
    for cand in ranked:
        if cand.id in books.taken:
            continue
        most = cand.amount_max
        for attr, limit, money, total in shares:
            group = getattr(cand, attr)
            if group in limit:
                f = limit[group] * REPAIR_MARGIN
                most = min(
                    most, int((f * total - money.get(group, 0)) / (1.0 - f))
                )  # S+A <= f(T+A)
        if most < cand.amount_min or not books.place(cand, cap=most):
            continue
        changed = True
        added = books.awards[-1].amount
        shares = [
            (
                attr,
                limit,
                {**money, getattr(cand, attr): money.get(getattr(cand, attr), 0) + added},
                total + added,
            )
            for attr, limit, money, total in shares
        ]
    return changed


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
