"""Invariants on random small provinces: budgets, locks, rounding, solver agreement."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from planner_factories import FUND, WAN

from funds.planner.inputs import Candidate, FundYear, PlanInputs, Policy, Settings
from funds.planner.rounding import split_stages
from funds.planner.run import plan

CITIES = ("合肥市", "黄山市", "六安市")
SCHEDULES = ((100,), (50, 50), (40, 30, 30), (60, 40))


@st.composite
def provinces(draw: st.DrawFn) -> PlanInputs:
    n = draw(st.integers(2, 8))
    years = draw(st.integers(1, 3))
    candidates = []
    for i in range(n):
        hi = draw(st.sampled_from((300, 500, 1000)))
        lo = draw(st.sampled_from((hi, 100)))
        candidates.append(
            Candidate(
                f"C{i}",
                f"C{i}",
                "county_cluster",
                FUND,
                draw(st.sampled_from(CITIES)),
                draw(st.sampled_from(("汽车", "医药"))),
                float(draw(st.integers(50, 99))),
                lo * WAN,
                hi * WAN,
                draw(st.sampled_from(SCHEDULES)),
            )
        )
    ids = [c.id for c in candidates]
    locked = draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
    must, banned = tuple(locked[:1]), tuple(locked[1:])
    budgets = tuple(
        FundYear(FUND, 2026 + y, draw(st.integers(2, 20)) * 100 * WAN + draw(st.integers(0, 99)))
        for y in range(years)
    )
    return PlanInputs(
        "prop",
        budgets,
        tuple(candidates),
        policy=Policy(must_fund=must, must_not_fund=banned),
        settings=Settings(time_limit=5, gap_pct=0.0, explain=False, marginal=False),
    )


@settings(max_examples=25)
@given(provinces())
def test_a_plan_never_exceeds_a_budget_and_respects_its_locks(inputs: PlanInputs) -> None:
    result = plan(inputs)
    if result.plan is None:
        assert result.status == "infeasible"
        assert inputs.policy.must_fund
        return
    assert all(y.slack >= 0 for y in result.plan.years)
    assert result.plan.breaches == []
    funded = set(result.plan.funded())
    assert set(inputs.policy.must_fund) <= funded
    assert not set(inputs.policy.must_not_fund) & funded


@settings(max_examples=15)
@given(provinces())
def test_highs_and_cbc_reach_the_same_objective(inputs: PlanInputs) -> None:
    from dataclasses import replace

    def value(solver: str) -> float | None:
        result = plan(replace(inputs, settings=replace(inputs.settings, solver=solver)))
        return result.plan.value if result.plan else None

    highs, cbc = value("highs"), value("cbc")
    if highs is None or cbc is None:
        assert highs is None
        assert cbc is None
        return
    assert abs(highs - cbc) <= 1e-6 * max(1.0, abs(highs)) + 1e-3


@given(
    st.integers(0, 10**12),
    st.sampled_from(SCHEDULES),
)
def test_stage_rounding_keeps_the_award_total(amount: int, schedule: tuple[int, ...]) -> None:
    stages = split_stages(amount, 2026, schedule)
    assert sum(part for _y, part in stages) == amount
    for (_year, part), pct in zip(stages, [p for p in schedule if p], strict=True):
        assert abs(part - Fraction(amount * pct, 100)) < 1


@settings(max_examples=25)
@given(provinces())
def test_every_total_is_the_sum_of_exact_fen(inputs: PlanInputs) -> None:
    result = plan(inputs)
    if result.plan is None:
        return
    awards = result.plan.awards
    assert all(isinstance(a.amount, int) for a in awards)
    assert result.plan.total_new == sum(a.amount for a in awards)
    assert sum(y.new for y in result.plan.years) == result.plan.total_new
    assert sum(g.amount for g in result.plan.cities) == result.plan.total_new
    for a in awards:
        assert sum(part for _y, part in a.stages) == a.amount
