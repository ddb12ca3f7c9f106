"""The demo: a deterministic ledger of 2024-2026 built from the shared data.

The 101 county clusters come from the action plan's list (``data/county_clusters.csv``,
COUNTY-PLAN); about 20 are recognised a year, as the plan says. Around them stand a few
advanced clusters and service zones. Budgets, award amounts, the county clusters'
recognition figures, enterprises and assessment results are SYNTHETIC (made up for the
demo, labelled 示例 where they appear); the rules applied to them are the real ones. The
story includes assessments with failures, one zone that fails its rectification, exits and
is clawed back, and one zone that passes too little on to enterprises.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources

from sqlmodel import Session, select

from funds import grants
from funds.grants.credit_code import make_credit_code
from funds.grants.models import Award
from funds.policy import WAN, YI, CountyClusterFacts, Grade, Programme

AS_OF = date(2026, 11, 15)
YEARS = (2024, 2025, 2026, 2027)
MFG = "mfg"
DIGITAL = "digital"
FINANCE_A, FINANCE_B, PROVINCE = "财务处-张", "财务处-李", "规划处-王"


@dataclass(frozen=True)
class CountyCluster:
    """One row of the action plan's list of county clusters."""

    cluster_id: str
    industry: str
    city: str
    county: str
    specialization: str


def county_clusters() -> list[CountyCluster]:
    """Read the 101 county clusters shipped with the package."""
    text = resources.files("funds.data").joinpath("county_clusters.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return [
        CountyCluster(r["cluster_id"], r["industry"], r["city"], r["county"], r["specialization"])
        for r in rows
    ]


def already_built(session: Session) -> bool:
    """Tell whether the demo (or anything) is already in the database."""
    return session.exec(select(Award).limit(1)).first() is not None


def build(session: Session) -> None:
    """Build the whole demo ledger in ``session`` (the caller commits)."""
    _funds_and_budgets(session)
    _enterprises(session)
    _county_clusters(session)
    _advanced_clusters(session)
    _service_zones(session)
    grants.apply_deadlines(session, as_of=AS_OF, actor="system")


def _funds_and_budgets(session: Session) -> None:
    grants.add_fund(session, actor=FINANCE_A, code=MFG, name="省制造强省建设资金")
    grants.add_fund(session, actor=FINANCE_A, code=DIGITAL, name="省制造业数字化转型资金")
    for year in YEARS:
        for fund, wan in ((MFG, 30_000), (DIGITAL, 5_000)):
            grants.set_budget(
                session,
                fund_code=fund,
                year=year,
                amount=wan * WAN,
                reason="年度资金预算（示例数据）",
                actor=FINANCE_A,
                effective_date=date(2023, 12, 1),  # the multi-year budget plan, approved at once
            )
    grants.set_budget(
        session,
        fund_code=MFG,
        year=2026,
        amount=28_000 * WAN,
        reason="年中预算调整，压减2000万（示例数据）",
        actor=FINANCE_A,
        effective_date=date(2026, 7, 1),
    )


CITIES_WITH_ENTERPRISES = ("合肥市", "芜湖市", "滁州市", "蚌埠市")


def enterprise_code(city_index: int, n: int) -> str:
    """A synthetic, valid 统一社会信用代码 for the n-th demo enterprise of a city."""
    return make_credit_code(f"9134{city_index:02d}00MA{n:07d}")


def _enterprises(session: Session) -> None:
    for i, city in enumerate(CITIES_WITH_ENTERPRISES, start=1):
        for n in range(1, 7):
            grants.add_enterprise(
                session,
                actor=FINANCE_A,
                credit_code=enterprise_code(i, n),
                name=f"{city[:-1]}示例企业{n:02d}有限公司",
                city=city,
            )


def _county_clusters(session: Session) -> None:
    clusters = county_clusters()
    for cluster in clusters:
        grants.add_recipient(
            session,
            actor=FINANCE_A,
            code=cluster.cluster_id,
            name=f"{cluster.county}{cluster.specialization}产业集群",
            kind="cluster",
            city=cluster.city,
            county=cluster.county,
        )
    for batch, year in enumerate((2024, 2025, 2026)):
        chosen = clusters[batch::5][:20]  # about 20 a year (COUNTY-PLAN 四)
        for cluster in chosen:
            _county_award(session, cluster, year)


def county_figures(cluster: CountyCluster) -> CountyClusterFacts:
    """SYNTHETIC recognition figures (示例) for a demo cluster that meet COUNTY-PLAN 附件4
    第三条; every eleventh is below 100亿 but first in the province (可适当放宽)."""
    number = int(cluster.cluster_id[2:])
    relaxed = number % 11 == 0
    return CountyClusterFacts(
        revenue=(60 + number % 40 if relaxed else 100 + number * 7 % 400) * YI,
        leading_enterprises=1 + number % 4,
        quality_enterprises=50 + number * 3 % 90,
        rd_intensity_percent=Decimal(220 + number * 13 % 180) / 100,
        first_in_province=relaxed,
    )


def _county_award(session: Session, cluster: CountyCluster, year: int) -> None:
    award = grants.grant_award(
        session,
        programme=Programme.COUNTY_CLUSTER,
        recipient=cluster.cluster_id,
        fund=MFG,
        amount=200 * WAN,
        split=(50, 50),
        granted_on=date(year, 6, 20),
        actor=FINANCE_A,
        county=county_figures(cluster),
    )
    _release(session, award.code, 1, date(year, 7, 15))
    if year >= 2026:
        return
    number = int(cluster.cluster_id[2:])
    for report_year in range(year, 2026):
        if report_year == 2025 and number % 13 == 0:
            continue  # one annual report not yet received
        grants.record_report(
            session,
            award=award.code,
            period=str(report_year),
            on=date(report_year + 1, 3, 20),
            actor="市工信局",
        )
    if number % 17 == 0:
        return  # no assessment submitted: deemed 不合格 at the deadline
    grade = Grade.UNQUALIFIED if number % 7 == 0 else Grade.QUALIFIED
    grants.record_assessment(
        session,
        award=award.code,
        year=year + 1,
        grade=grade,
        on=date(year + 1, 5, 10),
        actor=PROVINCE,
    )
    if grade.passes:
        _release(session, award.code, 2, date(year + 1, 6, 1))


ADVANCED = (
    ("ADV-HF-NEV", "合肥新能源汽车集群", "合肥市", "national"),
    ("ADV-WH-ROB", "芜湖机器人及智能装备集群", "芜湖市", "provincial"),
    ("ADV-BB-SIL", "蚌埠硅基新材料集群", "蚌埠市", "provincial"),
    ("ADV-MAS-RAIL", "马鞍山轨道交通装备集群", "马鞍山市", "provincial"),
)


def _advanced_clusters(session: Session) -> None:
    for code, name, city, tier in ADVANCED:
        grants.add_recipient(
            session, actor=FINANCE_A, code=code, name=name, kind="cluster", city=city
        )
        award = grants.grant_award(
            session,
            programme=Programme.ADVANCED_CLUSTER,
            recipient=code,
            fund=DIGITAL,
            tier=tier,
            granted_on=date(2024, 12, 10),
            actor=FINANCE_A,
        )
        _release(session, award.code, 1, date(2024, 12, 20))
        failing = code == "ADV-MAS-RAIL"
        for year in (2025, 2026):
            grade = Grade.UNQUALIFIED if failing else Grade.EXCELLENT
            grants.record_assessment(
                session,
                award=award.code,
                year=year,
                grade=grade,
                on=date(year, 5, 15),
                actor=PROVINCE,
            )
            if not failing:
                _release(session, award.code, year - 2023, date(year, 6, 10))
            elif year == 2026:
                break  # the second consecutive failure revoked the title


ZONES = (
    ("ZONE-HF-GX", "合肥高新技术产业开发区", "合肥市", "development_zone", 1000),
    ("ZONE-WH-JK", "芜湖经济技术开发区", "芜湖市", "development_zone", 800),
    ("ZONE-CZ-LY", "滁州市琅琊区", "滁州市", "district", 600),
)


def _service_zones(session: Session) -> None:
    for code, name, city, kind, wan in ZONES:
        grants.add_recipient(session, actor=FINANCE_A, code=code, name=name, kind=kind, city=city)
        award = grants.grant_award(
            session,
            programme=Programme.SERVICE_ZONE,
            recipient=code,
            fund=MFG,
            amount=wan * WAN,
            granted_on=date(2025, 3, 18),
            actor=FINANCE_A,
        )
        _release(session, award.code, 1, date(2025, 4, 8))
        city_index = CITIES_WITH_ENTERPRISES.index(city) + 1
        for report in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"):
            quarter_end = {"Q1": (3, 31), "Q2": (6, 30), "Q3": (9, 30), "Q4": (12, 31)}
            month, day = quarter_end[report[4:]]
            if code == "ZONE-CZ-LY" and report == "2026Q2":
                continue  # one quarterly report missing
            grants.record_report(
                session,
                award=award.code,
                period=report,
                on=date(int(report[:4]), month, day),
                actor=f"{name}经办",
            )
        if code == "ZONE-HF-GX":
            _good_zone(session, award.code, city_index, name)
        elif code == "ZONE-WH-JK":
            _failing_zone(session, award.code, city_index, name)
        else:
            _thin_zone(session, award.code, city_index, name)


def _pass_on(session: Session, award: str, city_index: int, n: int, wan: int, on: date) -> None:
    grants.record_pass_through(
        session,
        award=award,
        enterprise=enterprise_code(city_index, n),
        amount=wan * WAN,
        purpose=("培育服务型制造标杆企业", "打造制造服务一体化应用场景")[n % 2],
        on=on,
        voucher=f"{award}-PZ-{on:%Y%m%d}-{n}",
        actor="集聚区经办",
    )


def _good_zone(session: Session, award: str, city_index: int, name: str) -> None:
    for n, wan in enumerate((120, 100, 80, 40), start=1):
        _pass_on(session, award, city_index, n, wan, date(2025, 6, n * 5))
    grants.record_spending(
        session, award=award, amount=60 * WAN, purpose="诊断宣贯", on=date(2025, 8, 1), actor=name
    )
    grants.record_assessment(
        session,
        award=award,
        year=2026,
        grade=Grade.EXCELLENT,
        on=date(2026, 4, 28),
        actor=PROVINCE,
    )
    _release(session, award, 2, date(2026, 5, 20))
    for n, wan in enumerate((90, 80, 70), start=1):
        _pass_on(session, award, city_index, n + 3, wan, date(2026, 7, n * 7))


def _failing_zone(session: Session, award: str, city_index: int, name: str) -> None:
    _pass_on(session, award, city_index, 1, 150, date(2025, 7, 1))
    _pass_on(session, award, city_index, 2, 100, date(2025, 9, 1))
    grants.record_assessment(
        session,
        award=award,
        year=2026,
        grade=Grade.UNQUALIFIED,
        on=date(2026, 4, 28),
        actor=PROVINCE,
    )
    grants.record_assessment(
        session,
        award=award,
        year=2026,
        grade=Grade.UNQUALIFIED,
        on=date(2026, 7, 25),
        actor=PROVINCE,
        reassessment=True,
    )
    grants.record_recovery(
        session,
        award=award,
        amount=200 * WAN,
        on=date(2026, 10, 10),
        voucher=f"{award}-SH-1",
        actor=FINANCE_A,
    )


def _thin_zone(session: Session, award: str, city_index: int, name: str) -> None:
    _pass_on(session, award, city_index, 1, 60, date(2025, 6, 10))
    _pass_on(session, award, city_index, 2, 40, date(2025, 11, 10))
    grants.record_spending(
        session,
        award=award,
        amount=48 * WAN,
        purpose="搭建公共服务平台",
        on=date(2025, 9, 1),
        actor=name,
    )
    grants.record_assessment(
        session,
        award=award,
        year=2026,
        grade=Grade.QUALIFIED,
        on=date(2026, 4, 28),
        actor=PROVINCE,
    )
    _release(session, award, 2, date(2026, 5, 20))
    _pass_on(session, award, city_index, 3, 80, date(2026, 8, 15))


def _release(session: Session, award: str, seq: int, on: date) -> None:
    grants.request_release(session, award=award, seq=seq, actor=FINANCE_A, on=on)
    grants.approve_release(session, award=award, seq=seq, actor=FINANCE_B, on=on)
