"""What the planner plans, the grants module grants as planned.

A candidate's default schedule is the split the grants module plans the programme's awards
in (``ProgrammeRules.default_split``), a schedule of fewer stages than an advanced cluster or
a zone grant needs (分步到位: ADV-OPINION §二十一, ADV-MEASURES 第十二条, ZONE-GUIDE 评估管理)
is refused when the scenario is read, and a zone never starts where a stage would fall after
2027-12-31 (ZONE-GUIDE 附则). So every award of a plan is granted with its planned stages.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import Session

from factories import FUND, world
from funds import grants
from funds.grants.county import county_facts
from funds.grants.errors import RuleBreach
from funds.planner.errors import ScenarioInvalid
from funds.planner.run import plan
from funds.planner.scenario import inputs_from_dict
from funds.policy import ADVANCED_CLUSTER, SERVICE_ZONE, WAN

RECIPIENTS = {"service_zone": "HF-GX", "advanced_cluster": "WH-CL", "county_cluster": "WH-CL"}


def scenario(*candidates: dict[str, Any], years: tuple[int, ...] = (2025, 2026, 2027)) -> Any:
    """A scenario on the test world's fund ``mfg``; candidates name no schedule."""
    base = {"city": "合肥市", "industry": "汽车", "score": 80}
    return inputs_from_dict(
        {
            "name": "plan to grant",
            "budgets": [{"fund": FUND, "year": y, "budget": "5000万"} for y in years],
            "candidates": [base | c for c in candidates],
            "settings": {"explain": False, "marginal": False, "time_limit": 10},
        }
    )


ZONE = {"id": "Z", "programme": "service_zone", "fund": FUND, "amount": "1000万"}
CLUSTER = {
    "id": "A",
    "programme": "advanced_cluster",
    "fund": FUND,
    "amount": "500万",
    "tier": "provincial",
}
COUNTY = {"id": "C", "programme": "county_cluster", "fund": FUND, "amount": "300万"}


def grant_as_planned(session: Session, line: Any) -> grants.AwardStatement:
    county = None
    if line.programme == "county_cluster":
        county = county_facts(
            line.programme,
            revenue="120亿",
            leading_enterprises=2,
            quality_enterprises=60,
            rd_intensity="2.5%",
        )
    award = grants.grant_award(
        session,
        programme=line.programme,
        recipient=RECIPIENTS[line.programme],
        fund=FUND,
        amount=None if line.tier else line.amount,
        tier=line.tier,
        stages=[grants.StagePlan(year, amount) for year, amount in line.stages],
        granted_on=date(line.start, 3, 1),
        actor="finance-a",
        county=county,
    )
    return grants.award_statement(session, award.code)


def test_a_candidate_without_a_schedule_is_planned_in_the_grants_modules_split() -> None:
    inputs = scenario(ZONE, CLUSTER, COUNTY)
    for candidate in inputs.candidates:
        assert candidate.schedule == (40, 30, 30)
    assert SERVICE_ZONE.default_split == ADVANCED_CLUSTER.default_split == (40, 30, 30)


def test_every_award_of_a_plan_is_granted_with_its_planned_stages(session: Session) -> None:
    world(session)
    result = plan(scenario(ZONE, CLUSTER, COUNTY))
    assert result.plan is not None
    funded = result.plan.funded()
    assert set(funded) == {"Z", "A", "C"}
    assert funded["Z"].stages == [(2025, 400 * WAN), (2026, 300 * WAN), (2027, 300 * WAN)]
    for line in funded.values():
        statement = grant_as_planned(session, line)
        assert [(s.year, s.amount) for s in statement.stages] == line.stages
        assert statement.amount == line.amount


@pytest.mark.parametrize("candidate", [ZONE, CLUSTER], ids=["zone", "cluster"])
def test_a_one_stage_schedule_the_grants_module_refuses_is_refused_by_the_planner(
    session: Session, candidate: dict[str, Any]
) -> None:
    with pytest.raises(ScenarioInvalid, match="分步到位") as refused:
        scenario(candidate | {"schedule": [100]})
    assert refused.value.field == "candidates[0].schedule"
    world(session)  # ... as the grants module refuses the award it would have planned
    with pytest.raises(RuleBreach) as grant_refused:
        grants.grant_award(
            session,
            programme=candidate["programme"],
            recipient=RECIPIENTS[candidate["programme"]],
            fund=FUND,
            amount=None if "tier" in candidate else 1000 * WAN,
            tier=candidate.get("tier", ""),
            split=(100,),
            granted_on=date(2025, 3, 1),
            actor="finance-a",
        )
    assert grant_refused.value.rule == "staged-payment"


def test_a_county_cluster_may_still_be_planned_in_one_stage() -> None:
    inputs = scenario(COUNTY | {"schedule": [100]})
    assert inputs.candidates[0].schedule == (100,)


def test_a_zone_starts_only_where_its_stages_end_by_2027(session: Session) -> None:
    inputs = scenario(ZONE, years=(2025, 2026, 2027, 2028, 2029))
    assert inputs.start_years(inputs.candidates[0]) == (2025,)  # 40/30/30: 2025-2027
    two = scenario(ZONE | {"schedule": [50, 50]}, years=(2025, 2026, 2027, 2028, 2029))
    assert two.start_years(two.candidates[0]) == (2025, 2026)
    late = plan(scenario(ZONE, years=(2026, 2027, 2028)))
    assert late.plan is not None
    assert late.plan.funded() == {}  # from 2026 its third stage would fall in 2028
