"""Worked examples per rule on hand-built snapshots: one that breaches, one that does not, and
one on the edge. No database: the rules are pure functions of the snapshot."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from funds.compliance import rules_anomaly as anomaly
from funds.compliance import rules_lifecycle as life
from funds.compliance import rules_money as money
from funds.compliance.findings import Finding, Severity
from funds.compliance.snapshot import (
    AssessmentView,
    AwardLedger,
    AwardView,
    EnterpriseView,
    FundYearView,
    RecoveryView,
    Snapshot,
    StageView,
    TerminationView,
    UseTotals,
    UseView,
)
from funds.policy import WAN, Grade, Programme

HEFEI = "合肥市"


def paid(seq: int, year: int, amount_wan: int, on: date, gate: str = "") -> StageView:
    gate = gate or ("recognition" if seq == 1 else "assessment")
    return StageView(seq, year, amount_wan * WAN, gate, "paid", paid_on=on)


def open_stage(seq: int, year: int, amount_wan: int, status: str = "committed") -> StageView:
    gate = "recognition" if seq == 1 else "assessment"
    return StageView(seq, year, amount_wan * WAN, gate, status)


def award_view(fields: dict[str, Any]) -> AwardView:
    """An award; ``uses`` may be given as individual uses, totalled as the snapshot does."""
    if isinstance(fields.get("uses"), tuple):
        fields = fields | {"uses": UseTotals.of(fields["uses"])}
    return AwardView(**fields)


def zone(**changes: Any) -> AwardView:
    base: dict[str, Any] = {
        "code": "ZONE-2025-0001",
        "programme": Programme.SERVICE_ZONE.value,
        "tier": "",
        "recipient": "HF-GX",
        "recipient_name": "合肥高新区",
        "city": HEFEI,
        "fund": "mfg",
        "amount": 1000 * WAN,
        "granted_on": date(2025, 3, 1),
        "stages": (
            paid(1, 2025, 400, date(2025, 4, 1)),
            open_stage(2, 2026, 300),
            open_stage(3, 2027, 300),
        ),
    }
    return award_view(base | changes)


def cluster(**changes: Any) -> AwardView:
    base: dict[str, Any] = {
        "code": "ADV-2025-0001",
        "programme": Programme.ADVANCED_CLUSTER.value,
        "tier": "provincial",
        "recipient": "WH-CL",
        "recipient_name": "芜湖新能源汽车集群",
        "city": "芜湖市",
        "fund": "mfg",
        "amount": 500 * WAN,
        "granted_on": date(2025, 3, 1),
        "stages": (
            paid(1, 2025, 200, date(2025, 4, 1)),
            open_stage(2, 2026, 150),
            open_stage(3, 2027, 150),
        ),
    }
    return award_view(base | changes)


def county(**changes: Any) -> AwardView:
    base: dict[str, Any] = {
        "code": "CC-2024-0001",
        "programme": Programme.COUNTY_CLUSTER.value,
        "tier": "",
        "recipient": "WH-CL",
        "recipient_name": "芜湖集群",
        "city": "芜湖市",
        "fund": "mfg",
        "amount": 300 * WAN,
        "granted_on": date(2024, 6, 1),
        "recognition_expires": date(2027, 6, 1),
        "stages": (paid(1, 2024, 300, date(2024, 7, 1)),),
    }
    return award_view(base | changes)


def through(amount: int, on: date, enterprise: str = "E1") -> UseView:
    return UseView("pass_through", amount, on, "培育服务型制造标杆企业", enterprise)


def own(amount: int, on: date) -> UseView:
    return UseView("own_use", amount, on, "诊断宣贯")


def snap(*awards: AwardView, as_of: date, **extra: Any) -> Snapshot:
    return Snapshot(as_of=as_of, awards=awards, **extra)


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


# -- pass-through ≥ 80 % (ZONE-GUIDE 评估管理) ----------------------------------------------

ALL_PAID = (
    paid(1, 2025, 400, date(2025, 4, 1)),
    paid(2, 2026, 300, date(2026, 6, 1)),
    paid(3, 2027, 300, date(2027, 6, 1)),
)
AFTER = date(2028, 1, 5)


def test_a_finished_grant_at_exactly_80_percent_passes() -> None:
    award = zone(stages=ALL_PAID, uses=(through(800 * WAN, date(2027, 7, 1)),))
    assert money.pass_through_80(snap(award, as_of=AFTER)) == []


def test_a_finished_grant_one_fen_below_80_percent_is_red_with_the_shortfall() -> None:
    award = zone(stages=ALL_PAID, uses=(through(800 * WAN - 1, date(2027, 7, 1)),))
    found = only(money.pass_through_80(snap(award, as_of=AFTER)))
    assert found.severity is Severity.RED
    assert found.key == "pass-through-80:ZONE-2025-0001"
    assert found.amounts["shortfall"] == 1
    assert "79.9 %" in found.message


def test_own_spending_above_20_percent_is_red_before_the_grant_ends() -> None:
    award = zone(uses=(own(80 * WAN + 1, date(2025, 5, 1)),))
    found = only(money.pass_through_80(snap(award, as_of=date(2025, 6, 1))))
    assert found.severity is Severity.RED
    assert found.amounts["excess_own_use"] == 1


def test_own_spending_of_exactly_20_percent_is_not_a_breach() -> None:
    award = zone(uses=(own(80 * WAN, date(2025, 5, 1)), through(320 * WAN, date(2025, 6, 1))))
    assert money.pass_through_80(snap(award, as_of=date(2025, 12, 31))) == []


def test_a_slow_pace_of_pass_through_is_orange_and_says_the_pace_assumed() -> None:
    award = zone(uses=(through(40 * WAN, date(2025, 6, 1)),))
    found = only(money.pass_through_80(snap(award, as_of=date(2025, 12, 31))))
    assert found.severity is Severity.ORANGE
    assert "匀速" in found.message
    assert "straight-line pace" in found.message
    assert found.amounts["expected"] == 1000 * WAN


def test_a_pace_that_reaches_80_percent_raises_nothing() -> None:
    award = zone(uses=(through(320 * WAN, date(2025, 6, 1)),))
    assert money.pass_through_80(snap(award, as_of=date(2025, 12, 31))) == []


def test_no_pace_is_assumed_in_the_first_30_days_after_the_first_receipt() -> None:
    award = zone()
    assert money.pass_through_80(snap(award, as_of=date(2025, 4, 30))) == []
    assert only(money.pass_through_80(snap(award, as_of=date(2025, 5, 1)))).severity == "orange"


def test_clusters_have_no_pass_through_floor() -> None:
    award = cluster(stages=(paid(1, 2025, 200, date(2025, 4, 1)),))
    assert money.pass_through_80(snap(award, as_of=date(2030, 1, 1))) == []


# -- gates and exits -----------------------------------------------------------------------


def passed_2026(on: date = date(2026, 5, 20)) -> AssessmentView:
    return AssessmentView(2026, Grade.QUALIFIED, on)


def test_a_stage_paid_without_its_years_passing_assessment_is_red() -> None:
    award = cluster(
        stages=(paid(1, 2025, 200, date(2025, 4, 1)), paid(2, 2026, 150, date(2026, 6, 1)))
    )
    found = only(life.stage_without_gate(snap(award, as_of=date(2026, 7, 1))))
    assert found.key == "stage-without-gate:ADV-2025-0001#2"
    assert "无考核结果" in found.message


def test_a_stage_paid_on_the_day_of_its_passing_assessment_is_lawful() -> None:
    award = cluster(
        stages=(paid(1, 2025, 200, date(2025, 4, 1)), paid(2, 2026, 150, date(2026, 5, 20))),
        assessments=(passed_2026(),),
    )
    assert life.stage_without_gate(snap(award, as_of=date(2026, 7, 1))) == []


def test_a_passing_assessment_recorded_after_the_payment_does_not_open_the_gate() -> None:
    award = cluster(
        stages=(paid(1, 2025, 200, date(2025, 4, 1)), paid(2, 2026, 150, date(2026, 5, 19))),
        assessments=(passed_2026(),),
    )
    assert len(life.stage_without_gate(snap(award, as_of=date(2026, 7, 1)))) == 1


def test_a_first_stage_paid_before_the_recognition_is_red() -> None:
    award = cluster(stages=(paid(1, 2025, 200, date(2025, 2, 28)),))
    assert len(life.stage_without_gate(snap(award, as_of=date(2025, 7, 1)))) == 1


def test_a_stage_paid_on_the_day_of_exit_is_red_and_one_paid_the_day_before_is_not() -> None:
    exited = {"status": "exited", "ended_on": date(2026, 7, 20)}
    late = zone(stages=(paid(1, 2025, 400, date(2026, 7, 20)),), **exited)
    early = zone(stages=(paid(1, 2025, 400, date(2026, 7, 19)),), **exited)
    assert only(life.paid_after_exit(snap(late, as_of=date(2026, 8, 1)))).subject.endswith("#1")
    assert life.paid_after_exit(snap(early, as_of=date(2026, 8, 1))) == []


# -- rectification, assessments ------------------------------------------------------------

FAILED = AssessmentView(
    2026, Grade.UNQUALIFIED, date(2026, 4, 30), rectification_due=date(2026, 7, 30), order=1
)


@pytest.mark.parametrize(
    ("as_of", "severity"),
    [
        (date(2026, 6, 29), None),
        (date(2026, 6, 30), Severity.ORANGE),
        (date(2026, 7, 30), Severity.ORANGE),
        (date(2026, 7, 31), Severity.RED),
    ],
)
def test_rectification_is_orange_30_days_before_and_red_after_its_due_date(
    as_of: date, severity: Severity | None
) -> None:
    found = life.rectification_due(snap(zone(assessments=(FAILED,)), as_of=as_of))
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_a_reassessment_settles_the_rectification() -> None:
    again = AssessmentView(2026, Grade.QUALIFIED, date(2026, 7, 15), reassessment=True, order=2)
    award = zone(assessments=(FAILED, again))
    assert life.rectification_due(snap(award, as_of=date(2026, 8, 1))) == []


def test_an_assessment_missing_after_its_deadline_is_red() -> None:
    found = only(life.assessment_missing(snap(zone(), as_of=date(2027, 1, 1))))
    assert found.key == "assessment-missing:ZONE-2025-0001:2026"
    assert life.assessment_missing(snap(zone(), as_of=date(2026, 12, 31))) == []


def test_a_recorded_assessment_is_not_missing() -> None:
    award = zone(assessments=(passed_2026(),))
    assert life.assessment_missing(snap(award, as_of=date(2027, 1, 1))) == []


def failed(year: int) -> AssessmentView:
    return AssessmentView(year, Grade.UNQUALIFIED, date(year, 5, 20), order=year)


def test_two_consecutive_failures_of_an_active_cluster_are_red() -> None:
    award = cluster(assessments=(failed(2026), failed(2027)))
    assert only(life.consecutive_failures(snap(award, as_of=date(2027, 6, 1)))).severity == "red"


def test_one_failure_is_a_yellow_risk_and_a_pass_between_breaks_the_streak() -> None:
    one = cluster(assessments=(failed(2026),))
    broken = cluster(
        assessments=(
            failed(2025),
            AssessmentView(2026, Grade.EXCELLENT, date(2026, 5, 1)),
            failed(2027),
        )
    )
    assert only(life.consecutive_failures(snap(one, as_of=date(2026, 6, 1)))).severity == "yellow"
    assert (
        only(life.consecutive_failures(snap(broken, as_of=date(2027, 6, 1)))).severity == "yellow"
    )


def test_two_consecutive_failures_before_a_later_pass_are_still_red() -> None:
    # ADV-MEASURES 第十四条 is about consecutive years, whichever was recorded last
    award = cluster(
        assessments=(
            failed(2026),
            failed(2027),
            AssessmentView(2028, Grade.QUALIFIED, date(2028, 5, 1)),
        )
    )
    found = only(life.consecutive_failures(snap(award, as_of=date(2028, 6, 1))))
    assert found.severity == "red"
    assert "截至2027年连续 2 年" in found.message


def test_a_revoked_cluster_is_acted_on() -> None:
    award = cluster(
        assessments=(failed(2026), failed(2027)), status="revoked", ended_on=date(2027, 5, 20)
    )
    assert life.consecutive_failures(snap(award, as_of=date(2027, 6, 1))) == []


# -- reports and recognition ---------------------------------------------------------------


def test_quarterly_reports_are_orange_when_due_soon_and_red_when_overdue() -> None:
    award = zone(reports={"2025Q1": date(2025, 3, 31)})
    found = life.zone_quarterly_report(snap(award, as_of=date(2025, 9, 1)))
    assert [(f.subject, f.severity) for f in found] == [
        ("ZONE-2025-0001:2025Q2", Severity.RED),
        ("ZONE-2025-0001:2025Q3", Severity.ORANGE),
    ]


def test_a_quarter_reported_on_its_last_day_is_not_overdue() -> None:
    award = zone(reports={"2025Q1": date(2025, 3, 31), "2025Q2": date(2025, 6, 30)})
    assert life.zone_quarterly_report(snap(award, as_of=date(2025, 6, 30))) == []


def test_the_county_annual_report_is_due_by_30_march() -> None:
    award = county()
    assert life.county_annual_report(snap(award, as_of=date(2025, 2, 27))) == []
    assert (
        only(life.county_annual_report(snap(award, as_of=date(2025, 3, 30)))).severity == "orange"
    )
    late = only(life.county_annual_report(snap(award, as_of=date(2025, 3, 31))))
    assert (late.subject, late.severity) == ("CC-2024-0001:2024", Severity.RED)
    done = county(reports={"2024": date(2025, 3, 20)})
    assert life.county_annual_report(snap(done, as_of=date(2025, 4, 1))) == []


def test_county_recognition_expiring_within_90_days_is_orange_and_expired_is_red() -> None:
    award = county(reports={"2024": date(2025, 3, 1)})
    assert life.county_recognition_expiry(snap(award, as_of=date(2027, 3, 2))) == []
    soon = only(life.county_recognition_expiry(snap(award, as_of=date(2027, 3, 3))))
    assert soon.severity is Severity.ORANGE
    last_day = only(life.county_recognition_expiry(snap(award, as_of=date(2027, 6, 1))))
    assert last_day.severity is Severity.ORANGE  # 2027-06-01 is the last valid day
    gone = only(life.county_recognition_expiry(snap(award, as_of=date(2027, 6, 2))))
    assert gone.severity is Severity.RED


def test_zone_stages_after_2027_are_red_unless_cancelled() -> None:
    late = zone(stages=(paid(1, 2027, 500, date(2027, 4, 1)), open_stage(2, 2028, 500)))
    cancelled = zone(
        stages=(paid(1, 2027, 500, date(2027, 4, 1)), open_stage(2, 2028, 500, "cancelled"))
    )
    edge = zone(stages=(paid(1, 2027, 1000, date(2027, 4, 1)),))
    assert only(
        life.zone_stage_after_validity(snap(late, as_of=date(2027, 5, 1)))
    ).subject.endswith("#2")
    assert life.zone_stage_after_validity(snap(cancelled, edge, as_of=date(2027, 5, 1))) == []


# -- budgets and bookkeeping ---------------------------------------------------------------


def fund_year(budget_wan: int, paid_wan: int, committed_wan: int) -> FundYearView:
    return FundYearView("mfg", 2026, budget_wan * WAN, 0, committed_wan * WAN, paid_wan * WAN)


def test_commitments_above_the_budget_are_red_and_exactly_the_budget_is_not() -> None:
    over = fund_year(1000, 400, 600)
    over = FundYearView("mfg", 2026, over.budget, 0, over.committed + 1, over.paid)
    found = only(money.fund_year_budget(Snapshot(date(2026, 6, 1), fund_years=(over,))))
    assert (found.key, found.amounts["excess"]) == ("fund-year-budget:mfg:2026", 1)
    assert "commitments" in found.message
    exact = Snapshot(date(2026, 6, 1), fund_years=(fund_year(1000, 400, 600),))
    assert money.fund_year_budget(exact) == []


def test_payments_above_the_budget_say_so() -> None:
    found = only(
        money.fund_year_budget(Snapshot(date(2026, 6, 1), fund_years=(fund_year(100, 101, 0),)))
    )
    assert "payments" in found.message


def test_paid_above_awarded_is_red_whether_the_stages_or_the_ledger_show_it() -> None:
    by_ledger = zone(ledger=AwardLedger(held=1000 * WAN + 1))
    fine = zone(ledger=AwardLedger(held=400 * WAN))
    found = only(money.paid_above_awarded(snap(by_ledger, fine, as_of=date(2025, 6, 1))))
    assert found.amounts["excess"] == 1


def test_use_above_money_received_is_red_and_using_all_of_it_is_not() -> None:
    over = zone(uses=(through(400 * WAN + 1, date(2025, 5, 1)),))
    full = zone(
        code="ZONE-2025-0002",
        uses=(through(320 * WAN, date(2025, 5, 1)), own(80 * WAN, date(2025, 5, 1))),
    )
    found = only(money.used_above_received(snap(over, full, as_of=date(2025, 6, 1))))
    assert found.award == "ZONE-2025-0001"


EXIT = TerminationView(
    "exit", "failed_rectification", date(2026, 7, 20), 400 * WAN, date(2026, 10, 18)
)


def test_recovery_above_what_is_due_is_red() -> None:
    over = zone(
        termination=EXIT, recoveries=(RecoveryView("repayment", 400 * WAN + 1, date(2026, 9, 1)),)
    )
    exact = zone(
        code="Z2",
        termination=EXIT,
        recoveries=(RecoveryView("repayment", 400 * WAN, date(2026, 9, 1)),),
    )
    assert [
        f.award for f in money.recovered_above_due(snap(over, exact, as_of=date(2026, 9, 2)))
    ] == ["ZONE-2025-0001"]


@pytest.mark.parametrize(
    ("as_of", "severity"),
    [
        (date(2026, 9, 17), None),
        (date(2026, 9, 18), Severity.ORANGE),
        (date(2026, 10, 18), Severity.ORANGE),
        (date(2026, 10, 19), Severity.RED),
    ],
)
def test_recovery_is_orange_30_days_before_its_due_date_and_red_after(
    as_of: date, severity: Severity | None
) -> None:
    award = zone(termination=EXIT, status="exited", ended_on=EXIT.effective_date)
    found = money.recovery_overdue(snap(award, as_of=as_of))
    assert [f.severity for f in found] == ([severity] if severity else [])


def test_a_recovery_fully_repaid_or_written_off_is_not_overdue() -> None:
    award = zone(
        termination=EXIT,
        recoveries=(
            RecoveryView("repayment", 100 * WAN, date(2026, 9, 1)),
            RecoveryView("write_off", 300 * WAN, date(2026, 9, 2)),
        ),
    )
    assert money.recovery_overdue(snap(award, as_of=date(2027, 1, 1))) == []


# -- anomalies -----------------------------------------------------------------------------


def test_the_same_amount_to_the_same_enterprise_within_30_days_is_flagged_yellow() -> None:
    award = zone(uses=(through(10 * WAN, date(2025, 5, 1)), through(10 * WAN, date(2025, 5, 31))))
    found = only(anomaly.duplicate_payment(snap(award, as_of=date(2025, 6, 1))))
    assert (found.severity, found.subject) == (
        Severity.YELLOW,
        f"ZONE-2025-0001:E1:{10 * WAN}",
    )


def test_the_same_amount_31_days_apart_or_to_another_enterprise_is_not_a_duplicate() -> None:
    award = zone(
        uses=(
            through(10 * WAN, date(2025, 5, 1)),
            through(10 * WAN, date(2025, 6, 1)),
            through(10 * WAN, date(2025, 6, 2), "E2"),
        )
    )
    assert anomaly.duplicate_payment(snap(award, as_of=date(2025, 7, 1))) == []


def test_more_than_half_of_the_pass_through_to_one_enterprise_is_flagged_and_half_is_not() -> None:
    half = zone(uses=(through(50, date(2025, 5, 1)), through(50, date(2025, 5, 2), "E2")))
    more = zone(
        code="Z2", uses=(through(51, date(2025, 5, 1)), through(49, date(2025, 5, 2), "E2"))
    )
    found = anomaly.concentrated_pass_through(snap(half, more, as_of=date(2025, 6, 1)))
    assert [f.subject for f in found] == ["Z2:E1"]


def test_pass_through_outside_the_recipients_city_is_flagged_yellow() -> None:
    enterprises = {
        "E1": EnterpriseView("E1", "合肥甲公司", HEFEI),
        "E2": EnterpriseView("E2", "芜湖丙公司", "芜湖市"),
    }
    award = zone(uses=(through(10, date(2025, 5, 1)), through(10, date(2025, 5, 2), "E2")))
    found = only(
        anomaly.pass_through_outside_city(
            snap(award, as_of=date(2025, 6, 1), enterprises=enterprises)
        )
    )
    assert (found.subject, found.severity) == ("ZONE-2025-0001:E2", Severity.YELLOW)


def test_three_payments_of_the_same_amount_make_one_duplicate_finding() -> None:
    award = zone(
        uses=tuple(through(10 * WAN, date(2025, 5, day)) for day in (1, 1, 20)),
    )
    found = only(anomaly.duplicate_payment(snap(award, as_of=date(2025, 6, 1))))
    assert "2025-05-01 与 2025-05-01、2025-05-01 与 2025-05-20" in found.message
    assert found.amounts == {"amount": 10 * WAN}  # money only, in 分: no count posing as 分
