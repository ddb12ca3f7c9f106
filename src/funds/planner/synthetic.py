"""Seeded synthetic provinces for benchmarks, property tests and demos.

A province has the 16 Anhui cities, a few industries, one fund with a budget per year,
some existing commitments, and candidates of the three programmes: advanced clusters at
the fixed 1000万 / 500万 tiers paid over three years, zone grants ranged 300万-1000万 paid
over two years with a pass-through plan, and county clusters ranged 200万-600万 paid in one
or two years. Budgets are sized so that about half the asked money can be funded.
"""

from __future__ import annotations

import random

from funds.planner.inputs import Candidate, Commitment, FundYear, PlanInputs, Policy, Settings
from funds.policy import CITIES

INDUSTRIES = (
    "汽车",
    "装备制造",
    "新材料",
    "电子信息",
    "生物医药",
    "绿色食品",
    "纺织服装",
    "家居",
    "新能源",
    "化工",
)
WAN = 1_000_000
FUND = "manufacturing"


def province(
    *,
    candidates: int,
    years: int,
    seed: int = 0,
    first_year: int = 2026,
    budget_ratio: float = 0.5,
    policy: Policy | None = None,
    settings: Settings | None = None,
) -> PlanInputs:
    """Return a synthetic scenario with ``candidates`` candidates over ``years`` years."""
    rng = random.Random(seed)
    cands = tuple(_candidate(rng, n, first_year) for n in range(candidates))
    asked = sum((c.amount_min + c.amount_max) // 2 for c in cands)
    per_year = int(asked * budget_ratio / years) // WAN * WAN
    budgets = tuple(FundYear(FUND, first_year + y, per_year + 50 * WAN) for y in range(years))
    commitments = tuple(
        Commitment(
            f"old-{y}-{k}", FUND, first_year + y, rng.randint(1, 10) * 100 * WAN, "advanced_cluster"
        )
        for y in range(min(years, 3))
        for k in range(max(1, candidates // 200))
    )
    return PlanInputs(
        name=f"synthetic {candidates}x{years} seed {seed}",
        fund_years=budgets,
        candidates=cands,
        commitments=commitments,
        policy=policy or Policy(),
        settings=settings or Settings(explain=False, marginal=False),
    )


def _candidate(rng: random.Random, n: int, first_year: int) -> Candidate:
    kind = rng.random()
    city, industry = rng.choice(CITIES), rng.choice(INDUSTRIES)
    score = round(rng.uniform(55, 98), 1)
    if kind < 0.25:
        national = rng.random() < 0.3
        amount = (1000 if national else 500) * WAN
        return Candidate(
            f"AC{n:05d}",
            f"{city}{industry}集群",
            "advanced_cluster",
            FUND,
            city,
            industry,
            score,
            amount,
            amount,
            (40, 30, 30),
            tier="national" if national else "provincial",
        )
    if kind < 0.45:
        return Candidate(
            f"SZ{n:05d}",
            f"{city}服务型制造集聚区",
            "service_zone",
            FUND,
            city,
            industry,
            score,
            300 * WAN,
            rng.choice((600, 800, 1000)) * WAN,
            (50, 50),
            pass_through_pct=float(rng.choice((75, 80, 85, 90))),
        )
    schedule = (100,) if rng.random() < 0.5 else (60, 40)
    return Candidate(
        f"CC{n:05d}",
        f"{city}{industry}特色集群",
        "county_cluster",
        FUND,
        city,
        industry,
        score,
        200 * WAN,
        rng.choice((400, 500, 600)) * WAN,
        schedule,
        earliest_start=first_year + (1 if rng.random() < 0.1 else 0),
    )
