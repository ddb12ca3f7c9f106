"""A county cluster's recognition figures (COUNTY-PLAN 附件4 第三条): read, check, store.

A county cluster is recognised, and granted, only on figures that meet the criteria of
附件4 第三条: revenue of at least 100亿元 (可适当放宽 for a cluster whose revenue is first in
the province or near the top nationally: the officer marks it so), at least one leading
enterprise, at least 50 quality enterprises and an average R&D intensity of at least
2.2 %. The figures are stored on the award (the recognition) with the grant, so an auditor
sees what the recognition rested on.

The edges (CLI, API, spreadsheet import) require the figures for every new county grant
(:func:`county_facts`). :func:`funds.grants.grant_award` itself checks them whenever they
are given and records a grant without them only for code that replays history: awards
stored before the criteria were checked keep empty figures.

Amounts are integer 分; the R&D intensity is an exact ``Decimal`` percent, stored as basis
points (0.01 %), so ``2.2%`` is 220 and a float never enters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from funds.errors import InvalidInput
from funds.grants.errors import RuleBreach
from funds.grants.models import Award
from funds.money import FEN_PER_YI, MoneyError, parse_fen
from funds.policy import (
    COUNTY_CRITERIA,
    COUNTY_MIN_QUALITY,
    COUNTY_MIN_RD_PERCENT,
    COUNTY_MIN_REVENUE,
    CountyClusterFacts,
    Programme,
    ProgrammeRules,
    canonical,
    check_county_criteria,
)

FIGURES = ("revenue", "leading_enterprises", "quality_enterprises", "rd_intensity")
"""The figures an officer gives for a county cluster, as the edges name the fields."""
CRITERION_FIGURES = {
    "revenue": "revenue",
    "leading-enterprise": "leading_enterprises",
    "quality-enterprises": "quality_enterprises",
    "rd-intensity": "rd_intensity",
}
"""The figure (field) each criterion of :data:`funds.policy.COUNTY_CRITERIA` is judged on."""
assert CRITERION_FIGURES.keys() == COUNTY_CRITERIA.keys()

_PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*[%％]?\s*$")


def parse_percent(value: str | Decimal | int, field: str = "rd_intensity") -> Decimal:
    """Return the exact percent an officer typed: ``2.2%``, ``2.2 %``, ``2.2％`` or ``2.2``.

    At most two decimals (0.01 %, a basis point) and between 0 and 100; floats and ``bool``
    are refused, since a binary float is not the figure the statistics office published.
    """
    if isinstance(value, bool) or not isinstance(value, str | Decimal | int):
        raise InvalidInput(
            field, f"{value!r} is not an exact percent; give text such as 2.2% (never a float)"
        )
    text = str(value) if not isinstance(value, str) else value
    match = _PERCENT.match(text)
    if match is None:
        raise InvalidInput(field, f"{value!r} is not a percent such as 2.2%")
    try:
        percent = Decimal(match[1])
    except InvalidOperation:  # pragma: no cover - the pattern admits only digits
        raise InvalidInput(field, f"{value!r} is not a percent such as 2.2%") from None
    if percent > 100:
        raise InvalidInput(field, f"{value!r} is more than 100 %")
    if percent * 100 != (percent * 100).to_integral_value():
        raise InvalidInput(field, f"{value!r} is more precise than 0.01 % (two decimals)")
    return percent


def county_facts(
    programme: Programme | str,
    *,
    revenue: str | int | None,
    leading_enterprises: int | None,
    quality_enterprises: int | None,
    rd_intensity: str | Decimal | int | None,
    first_in_province: bool = False,
    top_nationally: bool = False,
) -> CountyClusterFacts | None:
    """Read the recognition figures an edge received for a grant of ``programme``.

    A county cluster needs all four figures (the missing one is named); another programme
    takes none. Revenue is 分 (an ``int``) or text for :func:`funds.money.parse_fen`
    (``120亿``, ``12,000,000,000.00``); counts are whole numbers of at least zero.
    """
    given = {
        "revenue": revenue,
        "leading_enterprises": leading_enterprises,
        "quality_enterprises": quality_enterprises,
        "rd_intensity": rd_intensity,
    }
    if canonical(programme) != Programme.COUNTY_CLUSTER:
        marks = {"first_in_province": first_in_province, "top_nationally": top_nationally}
        extra = [name for name, value in given.items() if value is not None]
        extra += [name for name, marked in marks.items() if marked]
        if extra:
            raise InvalidInput(
                extra[0], "only a county cluster's recognition carries these figures"
            )
        return None
    if revenue is None:
        raise _missing("revenue")
    if leading_enterprises is None:
        raise _missing("leading_enterprises")
    if quality_enterprises is None:
        raise _missing("quality_enterprises")
    if rd_intensity is None:
        raise _missing("rd_intensity")
    return CountyClusterFacts(
        revenue=_revenue(revenue),
        leading_enterprises=_count(leading_enterprises, "leading_enterprises"),
        quality_enterprises=_count(quality_enterprises, "quality_enterprises"),
        rd_intensity_percent=parse_percent(rd_intensity),
        first_in_province=first_in_province,
        top_nationally=top_nationally,
    )


def _missing(field: str) -> InvalidInput:
    return InvalidInput(
        field,
        "a county cluster is recognised on its revenue, leading and quality enterprises and"
        " R&D intensity (COUNTY-PLAN 附件4 第三条); give them all",
    )


def _revenue(value: str | int) -> int:
    try:
        return parse_fen(value, allow_zero=False)
    except MoneyError as error:
        raise InvalidInput("revenue", error.reason + f" (given {value!r})") from None


def _count(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(field, f"{value!r} is not a whole number of enterprises")
    return value


def check_recognition(rules: ProgrammeRules, facts: CountyClusterFacts | None) -> None:
    """Refuse figures given for another programme, or a county cluster that misses a
    criterion of COUNTY-PLAN 附件4 第三条 (:class:`RuleBreach` ``county-criteria`` naming each
    one missed, and in ``by_field`` each one by the figure it is judged on, for the edges to
    point at); revenue below 100亿 passes only when the cluster is marked as first in the
    province or near the top nationally."""
    if facts is None:
        return
    if rules.programme is not Programme.COUNTY_CLUSTER:
        raise InvalidInput("county", f"a {rules.name_zh} is not recognised on county figures")
    _count(facts.revenue, "revenue")
    _count(facts.leading_enterprises, "leading_enterprises")
    _count(facts.quality_enterprises, "quality_enterprises")
    percent = parse_percent(facts.rd_intensity_percent)
    facts = replace(facts, rd_intensity_percent=percent)
    check = check_county_criteria(facts)
    if check.met:
        return
    intro = "a county cluster is recognised only when it meets COUNTY-PLAN 附件4 第三条: "
    shortfalls = {c: _shortfall(c, facts, percent) for c in check.unmet}
    raise RuleBreach(
        "county-criteria",
        intro + "; ".join(shortfalls.values()),
        clause=rules.clauses["criteria"],
        criteria=list(check.unmet),
        by_field={CRITERION_FIGURES[c]: intro + text for c, text in shortfalls.items()},
    )


def _shortfall(criterion: str, facts: CountyClusterFacts, percent: Decimal) -> str:
    text = COUNTY_CRITERIA[criterion]
    if criterion == "revenue":
        return (
            f"revenue {yi_text(facts.revenue)} is below {yi_text(COUNTY_MIN_REVENUE)} ({text};"
            " 可适当放宽 only for a cluster first in the province or near the top nationally)"
        )
    if criterion == "leading-enterprise":
        return f"no leading enterprise ({text})"
    if criterion == "quality-enterprises":
        return f"{facts.quality_enterprises} quality enterprises, not {COUNTY_MIN_QUALITY} ({text})"
    return f"R&D intensity {percent} % is below {COUNTY_MIN_RD_PERCENT} % ({text})"


def yi_text(fen: int) -> str:
    """Format 分 as 亿元, exactly: ``10000000000`` → ``1亿元``, ``5 * 10**9`` → ``0.5亿元``."""
    number = format(Decimal(fen) / FEN_PER_YI, "f")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number}亿元"


def request_part(facts: CountyClusterFacts) -> dict[str, object]:
    """The figures as they enter the grant's idempotency hash (plain, exact data)."""
    return {
        "revenue": facts.revenue,
        "leading_enterprises": facts.leading_enterprises,
        "quality_enterprises": facts.quality_enterprises,
        "rd_intensity_bp": basis_points(facts.rd_intensity_percent),
        "first_in_province": facts.first_in_province,
        "top_nationally": facts.top_nationally,
    }


def basis_points(percent: Decimal) -> int:
    """Return a percent of at most two decimals as basis points (``2.2`` → 220)."""
    return int(parse_percent(percent) * 100)


def store(award: Award, facts: CountyClusterFacts) -> None:
    """Put the recognition figures on the award (the caller adds and flushes it)."""
    award.cluster_revenue = facts.revenue
    award.leading_enterprises = facts.leading_enterprises
    award.quality_enterprises = facts.quality_enterprises
    award.rd_intensity_bp = basis_points(facts.rd_intensity_percent)
    award.first_in_province = facts.first_in_province
    award.top_nationally = facts.top_nationally


@dataclass(frozen=True)
class CountyFigures:
    """The figures a county recognition rested on, as stored (revenue in 分)."""

    revenue: int
    leading_enterprises: int
    quality_enterprises: int
    rd_intensity_percent: str
    """Exact percent with two decimals, e.g. ``"2.20"``."""
    first_in_province: bool
    top_nationally: bool


def figures_of_facts(facts: CountyClusterFacts) -> CountyFigures:
    """Return the figures as :func:`figures_of` reads them back once stored."""
    points = basis_points(facts.rd_intensity_percent)
    return CountyFigures(
        revenue=facts.revenue,
        leading_enterprises=facts.leading_enterprises,
        quality_enterprises=facts.quality_enterprises,
        rd_intensity_percent=_percent_text(points),
        first_in_province=facts.first_in_province,
        top_nationally=facts.top_nationally,
    )


def _percent_text(points: int) -> str:
    return f"{points // 100}.{points % 100:02d}"


def figures_of(award: Award) -> CountyFigures | None:
    """Return the stored figures of a county recognition (``None`` when none were recorded)."""
    if award.cluster_revenue is None or award.rd_intensity_bp is None:
        return None
    return CountyFigures(
        revenue=award.cluster_revenue,
        leading_enterprises=award.leading_enterprises or 0,
        quality_enterprises=award.quality_enterprises or 0,
        rd_intensity_percent=_percent_text(award.rd_intensity_bp),
        first_in_province=bool(award.first_in_province),
        top_nationally=bool(award.top_nationally),
    )
