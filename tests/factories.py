"""Keyword-only factories for the grants world, with sensible defaults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlmodel import Session

from funds import grants
from funds.db import Database
from funds.grants.credit_code import make_credit_code
from funds.grants.models import Award
from funds.policy import WAN, Programme

FUND = "mfg"

FreshFactory = Callable[[], Database]
"""Builds a new, empty, migrated database (the ``fresh_database`` fixture)."""


def credit_code(n: int) -> str:
    """A valid synthetic credit code, different for each ``n``."""
    return make_credit_code(f"91340100MA{n:07d}")


def world(
    session: Session,
    *,
    budget_wan: int = 10_000,
    years: tuple[int, ...] = (2024, 2025, 2026, 2027, 2028),
) -> None:
    """A fund with a budget per year, two recipients and three enterprises."""
    grants.add_fund(session, actor="财务处-张", code=FUND, name="省制造强省建设资金")
    for year in years:
        grants.set_budget(
            session,
            fund_code=FUND,
            year=year,
            amount=budget_wan * WAN,
            reason="年度预算",
            actor="finance-a",
            effective_date=date(2023, 12, 1),  # the multi-year budget plan, approved at once
        )
    grants.add_recipient(
        session,
        actor="财务处-张",
        code="HF-GX",
        name="合肥高新区",
        kind="development_zone",
        city="合肥市",
    )
    grants.add_recipient(
        session,
        actor="财务处-张",
        code="WH-CL",
        name="芜湖新能源汽车集群",
        kind="cluster",
        city="芜湖",
        county="鸠江区",
    )
    for n, (name, city) in enumerate(
        [("合肥甲公司", "合肥市"), ("合肥乙公司", "合肥市"), ("芜湖丙公司", "芜湖市")], start=1
    ):
        grants.add_enterprise(
            session, actor="财务处-张", credit_code=credit_code(n), name=name, city=city
        )


def zone_award(
    session: Session,
    *,
    amount_wan: int = 1000,
    granted_on: date = date(2025, 3, 1),
    split: tuple[int, ...] = (40, 30, 30),
) -> Award:
    """A service-zone grant to 合肥高新区, staged 40/30/30 from the grant year."""
    return grants.grant_award(
        session,
        programme=Programme.SERVICE_ZONE,
        recipient="HF-GX",
        fund=FUND,
        amount=amount_wan * WAN,
        granted_on=granted_on,
        split=split,
        actor="finance-a",
    )


def zone_paid_in_one_year(
    session: Session, *, amount_wan: int = 1000, year: int = 2025, paid_on: date | None = None
) -> Award:
    """A zone grant whose whole amount arrives in ``year``: granted on 1 March, two stages
    (分步到位: 40 % on the recognition, 60 % on that year's 合格), both paid on ``paid_on``."""
    paid_on = paid_on or date(year, 4, 1)
    amount = amount_wan * WAN
    award = grants.grant_award(
        session,
        programme=Programme.SERVICE_ZONE,
        recipient="HF-GX",
        fund=FUND,
        amount=amount,
        granted_on=date(year, 3, 1),
        stages=[grants.StagePlan(year, amount * 2 // 5), grants.StagePlan(year, amount * 3 // 5)],
        actor="finance-a",
    )
    grants.record_assessment(
        session, award=award.code, year=year, grade="合格", on=paid_on, actor="province"
    )
    release(session, award.code, 1, paid_on)
    release(session, award.code, 2, paid_on)
    return award


def cluster_award(
    session: Session,
    *,
    tier: str = "provincial",
    granted_on: date = date(2025, 3, 1),
    recipient: str = "WH-CL",
) -> Award:
    """An advanced-cluster award to the 芜湖 cluster (or another ``recipient``)."""
    return grants.grant_award(
        session,
        programme=Programme.ADVANCED_CLUSTER,
        recipient=recipient,
        fund=FUND,
        tier=tier,
        granted_on=granted_on,
        actor="finance-a",
    )


def another_cluster(session: Session, code: str = "HF-CL") -> str:
    """Add a second cluster recipient (合肥) and return its code: an advanced-cluster award is
    given once a recognition (新认定, ADV-OPINION §二十一), so a second award needs one."""
    grants.add_recipient(
        session,
        actor="财务处-张",
        code=code,
        name=f"合肥{code}集群",
        kind="cluster",
        city="合肥市",
        county="蜀山区",
    )
    return code


def release(session: Session, award: str, seq: int, on: date) -> None:
    """Request (finance-a) and approve (finance-b) a stage."""
    grants.request_release(session, award=award, seq=seq, actor="finance-a", on=on)
    grants.approve_release(session, award=award, seq=seq, actor="finance-b", on=on)
