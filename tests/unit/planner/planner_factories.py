"""Keyword-only builders of small planning scenarios (amounts in 万元 for readability)."""

from __future__ import annotations

from funds.planner.inputs import Candidate, Commitment, FundYear, PlanInputs, Policy, Settings

WAN = 1_000_000
FUND = "mfg"


def cand(
    cid: str,
    *,
    score: float = 80.0,
    wan: int = 500,
    wan_min: int | None = None,
    city: str = "合肥市",
    industry: str = "汽车",
    programme: str = "advanced_cluster",
    schedule: tuple[int, ...] = (100,),
    eligible: bool = True,
    pass_through_pct: float | None = None,
) -> Candidate:
    """Return a candidate of ``wan`` 万元 (ranged from ``wan_min`` when given)."""
    return Candidate(
        cid,
        cid,
        programme,
        FUND,
        city,
        industry,
        score,
        (wan_min if wan_min is not None else wan) * WAN,
        wan * WAN,
        schedule,
        eligible=eligible,
        pass_through_pct=pass_through_pct,
    )


def scenario(
    *candidates: Candidate,
    budgets: dict[int, int] | None = None,
    committed: dict[int, int] | None = None,
    policy: Policy | None = None,
    solver: str = "auto",
    baseline: tuple[tuple[str, int], ...] = (),
    explain: bool = False,
    marginal: bool = False,
    delay_discount_pct: float = 0.0,
) -> PlanInputs:
    """Return a one-fund scenario; ``budgets`` and ``committed`` map year to 万元."""
    budgets = budgets or {2026: 1000}
    return PlanInputs(
        name="test",
        fund_years=tuple(FundYear(FUND, y, b * WAN) for y, b in sorted(budgets.items())),
        candidates=candidates,
        commitments=tuple(
            Commitment(f"old-{y}", FUND, y, a * WAN) for y, a in (committed or {}).items()
        ),
        policy=policy or Policy(),
        settings=Settings(
            solver=solver,
            time_limit=10,
            gap_pct=0.0,
            explain=explain,
            marginal=marginal,
            delay_discount_pct=delay_discount_pct,
        ),
        baseline=baseline,
    )
