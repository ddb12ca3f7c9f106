"""The registry: every rule runs, broken rules do not hide others, warning-only mode, catalogue."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from funds.compliance.findings import Finding, Rule, Severity
from funds.compliance.registry import RULES, catalogue_markdown, evaluate, rule_by_id
from funds.compliance.snapshot import AwardView, Snapshot, StageView, UseTotals, UseView
from funds.policy import CLAUSES, WAN, Programme

DOC = Path(__file__).parents[3] / "docs" / "compliance.md"


def zone_with_two_breaches() -> Snapshot:
    award = AwardView(
        code="ZONE-2025-0001",
        programme=Programme.SERVICE_ZONE.value,
        tier="",
        recipient="HF-GX",
        recipient_name="合肥高新区",
        city="合肥市",
        fund="mfg",
        amount=1000 * WAN,
        granted_on=date(2025, 3, 1),
        stages=(
            StageView(1, 2025, 400 * WAN, "recognition", "paid", paid_on=date(2025, 4, 1)),
            StageView(2, 2026, 600 * WAN, "assessment", "paid", paid_on=date(2026, 4, 1)),
        ),
        uses=UseTotals.of([UseView("own_use", 300 * WAN, date(2026, 5, 1), "诊断宣贯")]),
    )
    return Snapshot(as_of=date(2026, 6, 1), awards=(award,))


def test_every_rule_has_titles_programmes_and_a_clause_that_exists() -> None:
    assert len({r.id for r in RULES}) == len(RULES) >= 17
    for rule in RULES:
        assert rule.title_zh
        assert rule.title_en
        assert rule.programmes
        assert rule.clause is None or rule.clause in CLAUSES


def test_the_registry_reports_every_breach_not_only_the_first() -> None:
    result = evaluate(zone_with_two_breaches())
    rules = {f.rule for f in result.findings}
    assert {"pass-through-80", "stage-without-gate"} <= rules
    assert result.findings[0].severity is Severity.RED
    assert result.breaches >= 2


def test_a_rule_that_raises_becomes_a_red_finding_and_the_others_still_run() -> None:
    def broken(snapshot: Snapshot) -> list[Finding]:
        raise ZeroDivisionError("oops")

    bad = Rule("broken", "坏", "broken", Severity.RED, (Programme.SERVICE_ZONE,), None, broken)
    result = evaluate(zone_with_two_breaches(), rules=(bad, *RULES))
    assert "rule-failed:broken" in {f.key for f in result.findings}
    assert "pass-through-80" in {f.rule for f in result.findings}


def test_a_warning_only_rule_reports_but_does_not_count_as_a_breach() -> None:
    snapshot = zone_with_two_breaches()
    loud = evaluate(snapshot)
    quiet = evaluate(snapshot, warning_only={"pass-through-80", "stage-without-gate"})
    assert [f.key for f in quiet.findings] == [f.key for f in loud.findings]
    marked = [f for f in quiet.findings if f.rule == "pass-through-80"]
    assert marked
    assert all(f.warning_only for f in marked)
    assert quiet.breaches == loud.breaches - 2


def test_a_rule_shipped_warning_only_is_marked_without_a_switch() -> None:
    rules = tuple(replace(r, warning_only=r.id == "pass-through-80") for r in RULES)
    result = evaluate(zone_with_two_breaches(), rules=rules)
    assert all(f.warning_only for f in result.findings if f.rule == "pass-through-80")


def test_the_documented_catalogue_matches_the_registry() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert catalogue_markdown() in text, "regenerate the table in docs/compliance.md"


@pytest.mark.parametrize(
    ("rule", "programme", "clause"),
    [
        ("stage-without-gate", "advanced_cluster", "adv-annual-assessment"),
        ("stage-without-gate", "service_zone", "zone-staged"),
        ("stage-without-gate", "county_cluster", "county-validity"),
        ("paid-after-exit", "advanced_cluster", "adv-revocation"),
        ("paid-after-exit", "service_zone", "zone-exit-recovery"),
        ("assessment-missing", "advanced_cluster", "adv-annual-assessment"),
        ("assessment-missing", "service_zone", "zone-grades"),
        ("fund-year-budget", "service_zone", "zone-staged"),
        ("fund-year-budget", "", "budget-limit"),  # a fund-year finding names no programme
        ("pass-through-80", "service_zone", "zone-pass-through"),
    ],
)
def test_a_finding_cites_its_own_programmes_clause(rule: str, programme: str, clause: str) -> None:
    assert rule_by_id(rule).clause_for(programme) == clause
