"""What the model is given: budgets, existing commitments, candidates, policy and settings.

These dataclasses are the model's whole world. A scenario file fills them today
(:mod:`funds.planner.scenario`); a ledger adapter will fill :class:`FundYear` and
:class:`Commitment` from the grants tables later, without the model changing. Money is
integer 分 here, as everywhere at the edges; the model converts to 万元 floats inside and
:mod:`funds.planner.rounding` converts back. Shares and rates are percentages (``5`` = 5 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from funds.money import format_wan, format_yuan, format_yuan_wan
from funds.policy import ProgrammeRules, rules_for

PROGRAMMES = ("advanced_cluster", "service_zone", "county_cluster")
"""Programme codes (DOMAIN.md A, B, C); a scenario may name others, these are checked."""


def programme_rules(programme: str) -> ProgrammeRules | None:
    """Return the grants rules of ``programme`` (``None`` for one the engine does not know)."""
    try:
        return rules_for(programme)
    except ValueError:
        return None


def _cited(rules: ProgrammeRules, rule: str) -> str:
    """`` (SOURCE article (file))`` for the clause ``rule`` of ``rules`` enforces, or ``""``."""
    clause = rules.clause(rule)
    return f" ({clause.cite()})" if clause else ""


def default_schedule(programme: str) -> tuple[int, ...]:
    """Return the schedule a candidate gets when none is given: the split the grants module
    plans the award in when none is given (``ProgrammeRules.default_split``), so that a plan
    is granted as planned; one payment for a programme the engine does not know."""
    rules = programme_rules(programme)
    return rules.default_split if rules is not None else (100,)


def schedule_problem(programme: str, schedule: tuple[int, ...]) -> str | None:
    """Say why the grants module would refuse an award of ``programme`` paid by ``schedule``
    (fewer stages than the text's 分步到位 needs), or return ``None``."""
    rules = programme_rules(programme)
    stages = sum(1 for pct in schedule if pct)
    if rules is None or stages >= rules.min_stages:
        return None
    cited = _cited(rules, "staged")
    return (
        f"a {rules.name_zh} is paid in stages by its assessment results (分步到位{cited}):"
        f" give at least {rules.min_stages} years with a share, not {list(schedule)}"
    )


def amount_problem(
    programme: str, tier: str, amount_min: int, amount_max: int
) -> tuple[str, str] | None:
    """Say which field breaks the programme's fixed amounts and why, or return ``None``.

    An advanced-cluster award is 1000万 for a national or world cluster and 500万 for a
    provincial one (ADV-OPINION §二十一): its candidate asks for exactly its tier's amount,
    never a range or another sum. Without a tier, 500万 is taken as provincial; 1000万 must
    say national or world (the grants module records the tier).
    """
    rules = programme_rules(programme)
    if rules is None or not rules.tiers:
        return None
    cited = _cited(rules, "amount")
    tiers = ", ".join(f"{name} {format_wan(amount)}元" for name, amount in rules.tiers.items())
    if tier and tier not in rules.tiers:
        return "tier", f"a {rules.name_zh}'s tier is one of {tiers}{cited}; not {tier!r}"
    allowed = {rules.tiers[tier]} if tier else set(rules.tiers.values())
    if amount_min == amount_max and amount_min in allowed:
        if not tier and tier_of(programme, amount_min) == "":
            names = " or ".join(n for n, a in rules.tiers.items() if a == amount_min)
            return "tier", f"{format_wan(amount_min)}元 is the {names} tier{cited}: name which"
        return None
    # Amounts that differ are shown to the 分: 4,999,999.99 元 in 万 would read 500.00万.
    asked = format_yuan(amount_min)
    if amount_max != amount_min:
        asked = f"a range {asked}–{format_yuan(amount_max)}"
    if tier:
        what = f"a {tier} {rules.name_zh} is {format_yuan_wan(rules.tiers[tier])}"
    else:
        every = ", ".join(f"{n} {format_yuan_wan(a)}" for n, a in rules.tiers.items())
        what = f"a {rules.name_zh} is {every}"
    return "amount", f"{what}{cited}, not {asked} 元"


def tier_amount(programme: str, tier: str) -> int | None:
    """The fixed award of ``programme``'s ``tier`` (``None``: no such tier, or none fixed)."""
    rules = programme_rules(programme)
    return rules.tiers.get(tier) if rules is not None and tier else None


def tier_of(programme: str, amount: int) -> str:
    """The one tier of ``programme`` whose award is ``amount`` (``""``: none, or several)."""
    rules = programme_rules(programme)
    named = [n for n, a in rules.tiers.items() if a == amount] if rules is not None else []
    return named[0] if len(named) == 1 else ""


def pass_through_problem(programme: str, pct: float | None) -> str | None:
    """Say why a candidate that plans to pass on ``pct`` % cannot be funded, or ``None``.

    A zone passes at least 80 % of its grant on to enterprises (ZONE-GUIDE 评估管理), each
    zone on its own: a zone that plans less is ineligible whatever the others plan.
    """
    rules = programme_rules(programme)
    least = None if rules is None else rules.min_pass_through_percent
    if rules is None or least is None or pct is None or pct >= least:
        return None
    cited = _cited(rules, "pass_through")
    return (
        f"plans to pass on {pct:g} % to enterprises; a {rules.name_zh} must pass on at least"
        f" {least} %{cited}"
    )


RULE_FAMILIES = (
    "must_fund",
    "city_share",
    "city_awards",
    "industry_count",
    "industry_share",
    "recognitions",
    "pass_through",
)
"""Rules that can be made soft (penalised slack). Budgets are never soft."""


@dataclass(frozen=True)
class FundYear:
    """One fund's budget for one year: what may be paid that year, less a reserve."""

    fund: str
    year: int
    budget: int
    """Annual budget in 分."""
    reserve: int = 0
    """分 kept back from planning (contingency); the plan pays at most ``budget - reserve``."""


@dataclass(frozen=True)
class Commitment:
    """An unpaid stage of a live award: money already promised in ``year``."""

    ref: str
    fund: str
    year: int
    amount: int
    """Unpaid amount of the stage in 分."""
    programme: str = ""
    release_pct: float | None = None
    """Chance (percent) that the stage is released; None uses the programme's pass rate."""


@dataclass(frozen=True)
class Candidate:
    """An application that could be recognised and funded.

    Fixed tiers (1000万 national/world cluster, 500万 provincial) have ``amount_min ==
    amount_max``; zone and county grants give a range and the model picks the amount.
    ``schedule`` gives the percent of the amount paid in the start year, the next year, ...;
    left empty it is the programme's (:func:`default_schedule`, the grants module's split).
    """

    id: str
    name: str
    programme: str
    fund: str
    city: str
    industry: str
    score: float
    """Merit 0-100 (indicator tables or officers' evaluation); weights money in the objective."""
    amount_min: int
    """Smallest grant in 分."""
    amount_max: int
    """Largest grant in 分 (equal to ``amount_min`` for a fixed tier)."""
    schedule: tuple[int, ...] = ()
    tier: str = ""
    county: str = ""
    earliest_start: int | None = None
    latest_start: int | None = None
    eligible: bool = True
    ineligible_reason: str = ""
    pass_through_pct: float | None = None
    """Planned share passed on to enterprises (zone grants), percent."""

    def __post_init__(self) -> None:
        if not self.schedule:
            object.__setattr__(self, "schedule", default_schedule(self.programme))
        short = pass_through_problem(self.programme, self.pass_through_pct)
        if short is not None and self.eligible:  # the text's floor, not a planner's choice
            object.__setattr__(self, "eligible", False)
            object.__setattr__(self, "ineligible_reason", short)

    @property
    def fixed(self) -> bool:
        """Tell whether the amount is fixed (a tier) rather than chosen by the model."""
        return self.amount_min == self.amount_max


@dataclass(frozen=True)
class ShareBound:
    """Floor and/or ceiling (percent of all new money) for one city or industry."""

    group: str
    floor_pct: float | None = None
    ceiling_pct: float | None = None


@dataclass(frozen=True)
class Policy:
    """The planners' knobs; every rule is off unless set."""

    cities: tuple[str, ...] = ()
    """Cities the regional rules cover (empty: every city that has a candidate)."""
    city_floor_pct: float | None = None
    city_ceiling_pct: float | None = None
    city_bounds: tuple[ShareBound, ...] = ()
    """Per-city overrides of the default floor and ceiling."""
    min_awards_per_city: int = 0
    min_industries: int = 0
    industry_ceiling_pct: float | None = None
    max_recognitions: tuple[tuple[str, int], ...] = ()
    """(programme, most new recognitions per start year), e.g. ("county_cluster", 20)."""
    must_fund: tuple[str, ...] = ()
    must_not_fund: tuple[str, ...] = ()
    min_pass_through_pct: float | None = None
    """Funded candidates with a pass-through plan pass on at least this share in total."""
    soft: tuple[str, ...] = ()
    """Rule families (:data:`RULE_FAMILIES`) treated as penalised slack instead of hard."""
    soft_penalty: float = 1.0
    """Weight of one unit of slack (万元, or one award/industry counted as 1000万)."""


@dataclass(frozen=True)
class Settings:
    """How to solve; defaults suit a province-sized scenario."""

    solver: str = "auto"
    """``auto`` (HiGHS where installed, else CBC), ``highs`` or ``cbc``."""
    time_limit: float = 20.0
    """Seconds per solve."""
    gap_pct: float = 0.1
    """Relative MIP gap (percent) at which the solver may stop."""
    delay_discount_pct: float = 1.0
    """Value lost per year of delay in a start, so that earlier starts win ties."""
    pass_rates: tuple[tuple[str, float], ...] = ()
    """(programme, percent) chance that an existing stage is released; default 100."""
    explain: bool = True
    explain_limit: int = 60
    """Most candidates explained by re-solving; the rest get a cheap bound."""
    marginal: bool = True
    threads: int | None = None

    def pass_rate(self, programme: str) -> float:
        """Return the release probability (0-1) for stages of ``programme``."""
        return dict(self.pass_rates).get(programme, 100.0) / 100.0


@dataclass(frozen=True)
class LedgerSource:
    """Where budgets and commitments came from when they were read from the grants ledger."""

    funds: tuple[tuple[str, str], ...]
    """(fund as the scenario names it, ledger fund code) for every fund read."""
    as_of: str | None
    """ISO date of the books read (None: the books as they stood when the run was made)."""
    head_id: int
    """Id of the newest ledger entry when the books were read."""
    head_hash: str
    """Its hash: the fingerprint of every entry up to it."""
    assumed: tuple[tuple[str, int], ...] = ()
    """Planning fund-years the ledger has no budget for; the scenario's figure was kept."""


@dataclass(frozen=True)
class PlanInputs:
    """Everything one planning run needs; pure data, no database."""

    name: str
    fund_years: tuple[FundYear, ...]
    candidates: tuple[Candidate, ...]
    commitments: tuple[Commitment, ...] = ()
    policy: Policy = field(default_factory=Policy)
    settings: Settings = field(default_factory=Settings)
    baseline: tuple[tuple[str, int], ...] = ()
    """A previous plan (candidate id, start year); re-planning changes as little as it can."""
    description: str = ""
    source: LedgerSource | None = None
    """Set when budgets and commitments were read from the ledger (see ``planner.adapter``)."""

    @cached_property
    def years(self) -> tuple[int, ...]:
        """The planning years, ascending."""
        return tuple(sorted({fy.year for fy in self.fund_years}))

    @cached_property
    def _budget_rows(self) -> dict[tuple[str, int], FundYear]:
        return {(fy.fund, fy.year): fy for fy in self.fund_years}

    def budget(self, fund: str, year: int) -> FundYear | None:
        """Return the budget row of ``fund`` in ``year`` (None when it has none)."""
        return self._budget_rows.get((fund, year))

    def expected_commitments(self, fund: str, year: int) -> float:
        """Return the expected existing payments of ``fund`` in ``year`` in 分 (float)."""
        total = 0.0
        for c in self.commitments:
            if c.fund == fund and c.year == year:
                rate = (
                    c.release_pct / 100.0
                    if c.release_pct is not None
                    else self.settings.pass_rate(c.programme)
                )
                total += c.amount * rate
        return total

    def regional_cities(self) -> tuple[str, ...]:
        """Return the cities the regional rules cover."""
        if self.policy.cities:
            return self.policy.cities
        return tuple(sorted({c.city for c in self.candidates}))

    def start_years(self, candidate: Candidate) -> tuple[int, ...]:
        """Return the start years in which every stage of ``candidate`` has a budget year and
        falls within its programme's validity (zone stages by 2027-12-31, ZONE-GUIDE 附则)."""
        out = []
        rules = programme_rules(candidate.programme)
        last = rules.valid_until.year if rules is not None and rules.valid_until else None
        paid = [k for k, pct in enumerate(candidate.schedule) if pct]
        for year in self.years:
            if last is not None and year + paid[-1] > last:
                continue
            if candidate.earliest_start is not None and year < candidate.earliest_start:
                continue
            if candidate.latest_start is not None and year > candidate.latest_start:
                continue
            rows = self._budget_rows
            fund = candidate.fund
            if all((fund, year + k) in rows for k, pct in enumerate(candidate.schedule) if pct):
                out.append(year)
        return tuple(out)
