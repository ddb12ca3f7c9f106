"""Worked examples of a county cluster's recognition against COUNTY-PLAN 附件4 第三条:

原则上集群营业收入应达100亿元以上，集群营业收入居全省同行业第一位或位居全国同行业前列的集群，
可适当放宽条件……至少拥有一家龙头企业……优质企业50家以上……平均研发投入强度达2.2%以上.

The figures are checked when the county cluster is granted, stored on the award and shown
in its statement; a refused recognition commits nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session

from factories import FUND, world
from funds import grants
from funds.errors import InvalidInput
from funds.grants.county import county_facts, parse_percent
from funds.grants.errors import RuleBreach
from funds.money import parse_fen
from funds.policy import COUNTY_MIN_REVENUE, WAN, YI, CountyClusterFacts, Programme


@pytest.fixture
def books(session: Session) -> Session:
    world(session)
    return session


def facts(**changes: object) -> CountyClusterFacts:
    """A cluster exactly on every bound: 100亿元, 1 leading, 50 quality, 2.2 %."""
    base: dict[str, object] = {
        "revenue": 100 * YI,
        "leading_enterprises": 1,
        "quality_enterprises": 50,
        "rd_intensity_percent": Decimal("2.2"),
    }
    return CountyClusterFacts(**(base | changes))  # type: ignore[arg-type]


def recognise(session: Session, county: CountyClusterFacts | None) -> str:
    return grants.grant_award(
        session,
        programme=Programme.COUNTY_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        amount=300 * WAN,
        granted_on=date(2025, 6, 20),
        split=(50, 50),
        actor="finance-a",
        county=county,
    ).code


def available_2025(session: Session) -> int:
    return grants.fund_year_execution(session, FUND, 2025).available


def test_a_cluster_exactly_on_every_bound_is_recognised_and_its_figures_are_stored(
    books: Session,
) -> None:
    code = recognise(books, facts())
    figures = grants.award_statement(books, code).county
    assert figures is not None
    assert (figures.revenue, figures.leading_enterprises, figures.quality_enterprises) == (
        100 * YI,
        1,
        50,
    )
    assert figures.rd_intensity_percent == "2.20"
    assert not figures.first_in_province


@pytest.mark.parametrize(
    ("changes", "criterion", "words"),
    [
        ({"revenue": 100 * YI - 1}, "revenue", "营业收入应达100亿元以上"),
        ({"leading_enterprises": 0}, "leading-enterprise", "至少拥有一家龙头企业"),
        ({"quality_enterprises": 49}, "quality-enterprises", "优质企业50家以上"),
        ({"rd_intensity_percent": Decimal("2.19")}, "rd-intensity", "平均研发投入强度达2.2%以上"),
    ],
)
def test_a_cluster_short_of_one_criterion_is_refused_naming_it_and_its_clause(
    books: Session, changes: dict[str, object], criterion: str, words: str
) -> None:
    before = available_2025(books)
    with pytest.raises(RuleBreach) as refused:
        recognise(books, facts(**changes))
    assert refused.value.rule == "county-criteria"
    assert refused.value.details["criteria"] == [criterion]
    assert words in refused.value.message
    assert refused.value.clause == "COUNTY-PLAN 附件4 第三条 (003_1417568373b4d75d.txt)"
    assert available_2025(books) == before  # nothing committed


def test_every_missed_criterion_is_named_at_once(books: Session) -> None:
    short = facts(
        revenue=80 * YI,
        leading_enterprises=0,
        quality_enterprises=12,
        rd_intensity_percent=Decimal("1.79"),
    )
    with pytest.raises(RuleBreach) as refused:
        recognise(books, short)
    assert refused.value.details["criteria"] == [
        "revenue",
        "leading-enterprise",
        "quality-enterprises",
        "rd-intensity",
    ]
    assert "80亿元 is below 100亿元" in refused.value.message
    assert "1.79 %" in refused.value.message


# 集群营业收入居全省同行业第一位或位居全国同行业前列的集群，可适当放宽条件
@pytest.mark.parametrize("mark", ["first_in_province", "top_nationally"])
def test_revenue_below_100_yi_is_relaxed_only_for_a_cluster_marked_as_leading(
    books: Session, mark: str
) -> None:
    with pytest.raises(RuleBreach, match="可适当放宽 only for a cluster first in the province"):
        recognise(books, facts(revenue=80 * YI))
    code = recognise(books, facts(revenue=80 * YI, **{mark: True}))
    figures = grants.award_statement(books, code).county
    assert figures is not None
    assert getattr(figures, mark) is True


def test_the_relaxation_is_for_revenue_only(books: Session) -> None:
    leading = facts(revenue=80 * YI, quality_enterprises=49, first_in_province=True)
    with pytest.raises(RuleBreach) as refused:
        recognise(books, leading)
    assert refused.value.details["criteria"] == ["quality-enterprises"]


def test_figures_for_another_programme_are_refused(books: Session) -> None:
    with pytest.raises(InvalidInput, match="county"):
        grants.grant_award(
            books,
            programme=Programme.SERVICE_ZONE,
            recipient="HF-GX",
            fund=FUND,
            amount=100 * WAN,
            granted_on=date(2025, 6, 20),
            actor="finance-a",
            county=facts(),
        )


def test_a_county_award_recorded_without_figures_shows_none(books: Session) -> None:
    """History (awards stored before the criteria were checked) keeps empty figures."""
    code = recognise(books, None)
    assert grants.award_statement(books, code).county is None


def test_a_retry_with_the_same_key_and_figures_returns_the_first_award(books: Session) -> None:
    first = grants.grant_award(
        books,
        programme=Programme.COUNTY_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        amount=300 * WAN,
        granted_on=date(2025, 6, 20),
        actor="finance-a",
        county=facts(),
        idempotency_key="cc-1",
    )
    again = grants.grant_award(
        books,
        programme=Programme.COUNTY_CLUSTER,
        recipient="WH-CL",
        fund=FUND,
        amount=300 * WAN,
        granted_on=date(2025, 6, 20),
        actor="finance-a",
        county=facts(),
        idempotency_key="cc-1",
    )
    assert again.code == first.code


# -- what the edges read ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "percent"),
    [("2.2%", "2.2"), ("2.2", "2.2"), (" 2.25 % ", "2.25"), ("3％", "3"), (Decimal("2.2"), "2.2")],
)
def test_an_rd_intensity_is_read_exactly(typed: str | Decimal, percent: str) -> None:
    assert parse_percent(typed) == Decimal(percent)


@pytest.mark.parametrize("typed", [2.2, "2.205%", "abc", "101%", True, "-1%"])
def test_an_rd_intensity_that_is_not_an_exact_percent_is_refused_naming_the_field(
    typed: object,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_percent(typed)  # type: ignore[arg-type]
    assert refused.value.field == "rd_intensity"


def test_the_edges_read_revenue_with_the_money_parser_and_require_every_figure() -> None:
    read = county_facts(
        "县域制造业特色产业集群",
        revenue="120亿",
        leading_enterprises=2,
        quality_enterprises=60,
        rd_intensity="2.4%",
    )
    assert read == CountyClusterFacts(120 * YI, 2, 60, Decimal("2.4"))
    with pytest.raises(InvalidInput) as refused:
        county_facts(
            "county_cluster",
            revenue="120亿",
            leading_enterprises=2,
            quality_enterprises=None,
            rd_intensity="2.4%",
        )
    assert refused.value.field == "quality_enterprises"
    with pytest.raises(InvalidInput) as refused:
        county_facts(
            "county_cluster",
            revenue="12.3456789亿x",
            leading_enterprises=2,
            quality_enterprises=60,
            rd_intensity="2.4%",
        )
    assert refused.value.field == "revenue"
    none = county_facts(
        "service_zone",
        revenue=None,
        leading_enterprises=None,
        quality_enterprises=None,
        rd_intensity=None,
    )
    assert none is None


def test_the_100_yi_bound_is_the_amount_officers_write_as_100_yi() -> None:
    assert COUNTY_MIN_REVENUE == 100 * YI == parse_fen("100亿") == parse_fen("1,000,000万")
