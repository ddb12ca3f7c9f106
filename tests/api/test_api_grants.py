"""Grants over HTTP: each operation's success, and its refusals changing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from api.conftest import ZONE, Api, problem
from factories import credit_code

CLUSTER = "ADV-2025-0001"


def held(api: Api, award: str = ZONE) -> str:
    held_amount: str = api.get(f"/awards/{award}", user="finance-a").json()["held"]
    return held_amount


def pass_through(amount: Any = "500000.00", **changes: Any) -> dict[str, Any]:
    body = {
        "enterprise": credit_code(1),
        "amount": amount,
        "purpose": "培育服务型制造标杆企业",
        "voucher": "PZ-1",
        "on": "2025-06-01",
    }
    return body | changes


def test_finance_registers_a_fund_and_sets_its_budget(api: Api) -> None:
    created = api.post("/funds", {"code": "dx", "name": "省制造业数字化转型资金"}, user="finance-a")
    assert created.status_code == 201, created.text
    budget = api.post(
        "/funds/dx/budgets",
        {
            "year": 2026,
            "amount": "30000000.00",
            "reason": "年度预算",
            "effective_date": "2025-12-01",
        },
        user="finance-a",
    )
    assert budget.json() == {"fund": "dx", "year": 2026, "budget": "30000000.00"}
    listed = api.get("/funds", user="auditor").json()
    assert {
        "code": "dx",
        "name": "省制造业数字化转型资金",
        "registered_by": "finance-a",
        "budgets": {"2026": "30000000.00"},
    } in listed["items"]
    execution = api.get("/funds/dx/years/2026", user="planner").json()
    assert execution["budget"] == execution["available"] == "30000000.00"


def test_a_second_fund_with_the_same_code_is_a_conflict(api: Api) -> None:
    body = problem(api.post("/funds", {"code": "mfg", "name": "x"}, user="finance-a"), 409)
    assert body["type"].endswith("/conflict")


def test_a_budget_cut_below_commitments_is_refused_naming_the_rule(api: Api) -> None:
    response = api.post(
        "/funds/mfg/budgets", {"year": 2025, "amount": "1.00", "reason": "削减"}, user="finance-a"
    )
    body = problem(response, 409)
    assert body["rule"] == "budget-not-below-commitments"
    assert "clause" in body
    assert api.get("/funds/mfg/years/2025", user="finance-a").json()["budget"] == "100000000.00"


def test_the_fund_execution_of_an_unknown_fund_is_404(api: Api) -> None:
    problem(api.get("/funds/nope/years/2025", user="finance-a"), 404)


def test_finance_registers_a_recipient_and_anyone_in_scope_reads_it(api: Api) -> None:
    body = {"code": "LA-JK", "name": "六安经开区", "kind": "development_zone", "city": "六安"}
    created = api.post("/recipients", body, user="finance-a")
    assert created.status_code == 201
    assert created.json()["city"] == "六安市"
    assert created.json()["registered_by"] == "finance-a"
    summary = api.get("/recipients/LA-JK", user="auditor").json()
    assert summary["awards"] == []


def test_a_zone_grant_to_a_park_below_provincial_level_is_refused_naming_the_clause(
    api: Api,
) -> None:
    body = {"code": "LA-SJ", "name": "六安市级产业园", "kind": "local_zone", "city": "六安"}
    assert api.post("/recipients", body, user="finance-a").status_code == 201
    before = api.get("/funds/mfg/years/2025", user="finance-a").json()
    grant = {
        "programme": "service_zone",
        "recipient": "LA-SJ",
        "fund": "mfg",
        "amount": "5000000.00",
        "granted_on": "2025-03-01",
    }
    refusal = problem(api.post("/awards", grant, user="finance-a"), 409)
    assert refusal["rule"] == "eligible-recipient"
    assert "总则" in refusal["clause"]
    assert api.get("/funds/mfg/years/2025", user="finance-a").json() == before


def test_a_recipient_in_an_unknown_city_is_refused_naming_the_field(api: Api) -> None:
    body = {"code": "X", "name": "x", "kind": "county", "city": "北京"}
    assert problem(api.post("/recipients", body, user="finance-a"), 422)["field"] == "city"


def test_an_enterprise_with_a_bad_check_character_is_refused(api: Api) -> None:
    code = credit_code(9)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    body = {"credit_code": wrong, "name": "x", "city": "合肥"}
    assert problem(api.post("/enterprises", body, user="finance-a"), 422)["field"] == "credit_code"
    ok = api.post("/enterprises", body | {"credit_code": code}, user="zone-hf")
    assert ok.status_code == 201
    assert ok.json()["registered_by"] == "zone-hf"
    listed = api.get("/enterprises", user="auditor", limit=2, offset=0).json()
    assert listed["total"] == 4
    assert len(listed["items"]) == 2


def test_finance_grants_an_award_committed_stage_by_stage(api: Api) -> None:
    response = api.post(
        "/awards",
        {
            "programme": "service_zone",
            "recipient": "HF-GX",
            "fund": "mfg",
            "amount": "6000000.00",
            "stages": [
                {"year": 2026, "amount": "3000000.00"},
                {"year": 2027, "amount": "3000000.00"},
            ],
            "granted_on": "2026-02-01",
        },
        user="finance-a",
    )
    assert response.status_code == 201, response.text
    award = response.json()
    assert award["code"] == "ZONE-2026-0001"
    assert award["committed"] == "6000000.00"
    assert [s["amount"] for s in award["stages"]] == ["3000000.00", "3000000.00"]
    listed = api.get("/awards", user="finance-a", programme="service_zone").json()
    assert [a["code"] for a in listed["items"]] == [ZONE, "ZONE-2026-0001"]


def test_a_grant_beyond_the_budget_names_the_shortfall_and_changes_nothing(api: Api) -> None:
    before = api.get("/funds/mfg/years/2026", user="finance-a").json()
    response = api.post(
        "/awards",
        {
            "programme": "service_zone",
            "recipient": "HF-GX",
            "fund": "mfg",
            "amount": "900000000.00",
            "split": [50, 50],
            "granted_on": "2026-02-01",
        },
        user="finance-a",
    )
    body = problem(response, 409)
    assert body["rule"] == "budget-not-overdrawn"
    assert body["details"]["fund"] == "mfg"
    assert api.get("/funds/mfg/years/2026", user="finance-a").json() == before
    assert api.get("/awards", user="finance-a").json()["total"] == 2


def test_an_award_amount_sent_as_a_number_is_refused_naming_the_field(api: Api) -> None:
    response = api.post(
        "/awards",
        {
            "programme": "service_zone",
            "recipient": "HF-GX",
            "fund": "mfg",
            "amount": 6000000,
            "granted_on": "2026-02-01",
        },
        user="finance-a",
    )
    body = problem(response, 422)
    assert body["field"] == "amount"
    assert "decimal strings" in body["errors"][0]["message"]


def test_a_stage_amount_that_is_not_exact_in_fen_is_refused_naming_the_stage(api: Api) -> None:
    response = api.post(
        "/awards",
        {
            "programme": "service_zone",
            "recipient": "HF-GX",
            "fund": "mfg",
            "amount": "6000000.00",
            "stages": [{"year": 2026, "amount": "6000000.001"}],
            "granted_on": "2026-02-01",
        },
        user="finance-a",
    )
    assert problem(response, 422)["field"] == "stages[0].amount"


def test_a_cluster_with_the_wrong_amount_for_its_tier_breaks_the_cited_rule(api: Api) -> None:
    response = api.post(
        "/awards",
        {
            "programme": "advanced_cluster",
            "recipient": "WH-CL",
            "fund": "mfg",
            "tier": "provincial",
            "amount": "6000000.00",
            "granted_on": "2026-02-01",
        },
        user="finance-a",
    )
    body = problem(response, 409)
    assert body["rule"] == "fixed-award-amount"
    assert "ADV-OPINION" in body["clause"] or "二十一" in body["clause"]


def test_a_stage_is_requested_by_one_officer_and_approved_by_another(api: Api) -> None:
    requested = api.post(
        f"/awards/{CLUSTER}/stages/1/request", {"on": "2025-04-01"}, user="finance-a"
    )
    assert requested.json()["status"] == "requested"
    assert requested.json()["requested_by"] == "finance-a"
    approved = api.post(
        f"/awards/{CLUSTER}/stages/1/approve", {"on": "2025-04-02"}, user="finance-b"
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_by"] == "finance-b"
    assert approved.json()["entry"] > 0
    assert api.get(f"/awards/{CLUSTER}", user="cluster-wh").json()["paid"] == "2000000.00"


def test_the_requester_cannot_approve_their_own_stage(api: Api) -> None:
    api.post(f"/awards/{CLUSTER}/stages/1/request", {"on": "2025-04-01"}, user="finance-a")
    response = api.post(
        f"/awards/{CLUSTER}/stages/1/approve", {"on": "2025-04-02"}, user="finance-a"
    )
    assert problem(response, 409)["rule"] == "maker-checker"
    assert api.get(f"/awards/{CLUSTER}", user="finance-a").json()["paid"] == "0.00"


def test_a_stage_without_its_passing_assessment_is_refused_with_its_clause(api: Api) -> None:
    response = api.post(f"/awards/{ZONE}/stages/2/request", {"on": "2026-04-01"}, user="finance-a")
    body = problem(response, 409)
    assert body["rule"] == "gate-assessment"
    assert body["clause"]


def test_an_unknown_stage_or_award_is_404(api: Api) -> None:
    problem(api.post(f"/awards/{ZONE}/stages/9/request", {}, user="finance-a"), 404)
    problem(api.post("/awards/NOPE/stages/1/request", {}, user="finance-a"), 404)
    problem(api.get("/awards/NOPE", user="finance-a"), 404)


def test_the_recipient_passes_money_on_and_the_ratio_follows(api: Api) -> None:
    response = api.post(f"/awards/{ZONE}/pass-throughs", pass_through("3500000.00"), user="zone-hf")
    assert response.status_code == 201, response.text
    use = response.json()
    assert use["actor"] == "zone-hf"
    assert use["enterprise"] == credit_code(1)
    assert use["pass_through_percent"] == "87.50"
    statement = api.get(f"/awards/{ZONE}", user="city-hf").json()
    assert statement["held"] == "500000.00"
    assert statement["enterprises"][0]["amount"] == "3500000.00"


def test_passing_on_more_than_is_held_is_refused_and_changes_nothing(api: Api) -> None:
    response = api.post(f"/awards/{ZONE}/pass-throughs", pass_through("4000000.01"), user="zone-hf")
    assert problem(response, 409)["rule"] == "use-within-held"
    assert held(api) == "4000000.00"


def test_a_pass_through_dated_before_the_stage_was_paid_is_refused_and_changes_nothing(
    api: Api,
) -> None:
    # Stage 1 (4,000,000.00 元) was released on 2025-04-01: nothing was held on 2025-03-15.
    early = pass_through("500000.00", on="2025-03-15")
    body = problem(api.post(f"/awards/{ZONE}/pass-throughs", early, user="zone-hf"), 409)
    assert body["rule"] == "use-within-held"
    assert body["detail"] == (
        f"{ZONE} holds 0.00 元 as of 2025-03-15; it cannot pass on 500,000.00 元 dated 2025-03-15"
    )
    assert body["details"] == {"held": 0, "amount": 50_000_000, "as_of": "2025-03-15"}
    assert held(api) == "4000000.00"
    assert api.get(f"/awards/{ZONE}", user="finance-a").json()["enterprises"] == []


def test_a_release_whose_money_was_passed_on_cannot_be_reversed_over_http(api: Api) -> None:
    api.post(f"/awards/{ZONE}/pass-throughs", pass_through("3500000.00"), user="zone-hf")
    history = api.get(f"/ledger/accounts/award:{ZONE}:held/history", user="auditor").json()
    release = next(line["entry"] for line in history["items"] if line["kind"] == "release")
    response = api.post(f"/ledger/entries/{release}/reversal", {"reason": "录错"}, user="finance-a")
    body = problem(response, 409)
    assert body["rule"] == "use-within-held"
    assert "reverse those before the release that paid for them" in body["detail"]
    assert api.get(f"/awards/{ZONE}", user="finance-a").json()["stages"][0]["status"] == "paid"


def test_amounts_that_are_not_exact_decimal_strings_are_refused_naming_the_field(
    api: Api,
) -> None:
    for amount in (5000, 5000.5, "0.001", "500万", "-1.00", "1e3", True):
        response = api.post(f"/awards/{ZONE}/pass-throughs", pass_through(amount), user="zone-hf")
        assert problem(response, 422)["field"] == "amount", amount
    zero = api.post(f"/awards/{ZONE}/pass-throughs", pass_through("0.00"), user="zone-hf")
    assert problem(zero, 422)["field"] == "amount"
    assert held(api) == "4000000.00"


def test_a_pass_through_to_an_unknown_enterprise_is_404(api: Api) -> None:
    response = api.post(
        f"/awards/{ZONE}/pass-throughs", pass_through(enterprise=credit_code(77)), user="zone-hf"
    )
    problem(response, 404)


def test_a_credit_code_with_a_wrong_check_character_is_422_naming_the_field(api: Api) -> None:
    good = credit_code(1)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = api.post(
        f"/awards/{ZONE}/pass-throughs", pass_through(enterprise=wrong), user="zone-hf"
    )
    body = problem(response, 422)
    assert body["field"] == "enterprise"
    assert "check character" in body["detail"]
    receipts = problem(api.get(f"/enterprises/{wrong}/receipts", user="finance-a"), 422)
    assert receipts["field"] == "credit_code"
    assert held(api) == "4000000.00"


def test_an_own_use_purpose_typed_with_spaces_is_recorded_as_listed(api: Api) -> None:
    body = {"amount": "1000.00", "purpose": " 诊断宣贯 ", "on": "2025-06-15"}
    spent = api.post(f"/awards/{ZONE}/spendings", body, user="zone-hf")
    assert spent.status_code == 201, spent.text
    assert spent.json()["purpose"] == "诊断宣贯"
    blank = api.post(f"/awards/{ZONE}/spendings", body | {"purpose": " "}, user="zone-hf")
    assert problem(blank, 422)["field"] == "purpose"


def test_the_recipient_spends_within_its_20_percent_and_not_beyond(api: Api) -> None:
    body = {"amount": "500000.00", "purpose": "诊断宣贯", "on": "2025-06-15"}
    spent = api.post(f"/awards/{ZONE}/spendings", body, user="zone-hf")
    assert spent.status_code == 201, spent.text
    assert spent.json()["kind"] == "own_use"
    over = api.post(f"/awards/{ZONE}/spendings", body | {"amount": "400000.00"}, user="zone-hf")
    assert problem(over, 409)["rule"] == "own-use-at-most-20-percent"
    bad = api.post(f"/awards/{ZONE}/spendings", body | {"purpose": "买车"}, user="zone-hf")
    assert problem(bad, 422)["field"] == "purpose"


def test_own_spending_with_a_voucher_already_recorded_is_409_unless_it_is_a_retry(
    api: Api,
) -> None:
    body = {"amount": "1000.00", "purpose": "诊断宣贯", "voucher": "ZC-7", "on": "2025-06-15"}
    first = api.post(f"/awards/{ZONE}/spendings", body, user="zone-hf", key="zc-7")
    assert first.status_code == 201, first.text
    retry = api.post(f"/awards/{ZONE}/spendings", body, user="zone-hf", key="zc-7")
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    again = problem(api.post(f"/awards/{ZONE}/spendings", body, user="zone-hf"), 409)
    assert again["rule"] == "voucher-once"
    assert (
        f"voucher 'ZC-7' is already recorded for {ZONE}: entry #{first.json()['entry']}"
        in (again["detail"])
    )
    assert api.get(f"/awards/{ZONE}", user="finance-a").json()["spent"] == "1000.00"


def test_an_unqualified_reassessment_exits_the_zone_and_raises_recovery(api: Api) -> None:
    first = api.post(
        f"/awards/{ZONE}/assessments",
        {"year": 2026, "grade": "unqualified", "on": "2026-04-30"},
        user="finance-a",
    )
    assert first.status_code == 201, first.text
    assert [c["action"] for c in first.json()["consequences"]] == ["rectify"]
    second = api.post(
        f"/awards/{ZONE}/assessments",
        {"year": 2026, "grade": "unqualified", "on": "2026-07-20", "reassessment": True},
        user="finance-a",
    )
    actions = [c["action"] for c in second.json()["consequences"]]
    assert actions == ["exit", "cancel", "recover"]
    statement = api.get(f"/awards/{ZONE}", user="finance-a").json()
    assert statement["status"] == "exited"
    assert statement["receivable"] == "4000000.00"
    repaid = api.post(
        f"/awards/{ZONE}/recoveries", {"amount": "1000000.00", "on": "2026-09-01"}, user="finance-a"
    )
    assert repaid.status_code == 201, repaid.text
    assert repaid.json()["outstanding"] == "3000000.00"
    too_much = api.post(f"/awards/{ZONE}/recoveries", {"amount": "3000000.01"}, user="finance-a")
    assert problem(too_much, 409)["rule"] == "recover-at-most-due"
    write_off = api.post(
        f"/awards/{ZONE}/recoveries", {"amount": "1.00", "kind": "write_off"}, user="finance-a"
    )
    assert problem(write_off, 422)["field"] == "reason"


def test_a_second_assessment_of_a_year_is_a_conflict(api: Api) -> None:
    body = {"year": 2026, "grade": "qualified", "on": "2026-04-30"}
    assert api.post(f"/awards/{ZONE}/assessments", body, user="finance-a").status_code == 201
    problem(api.post(f"/awards/{ZONE}/assessments", body, user="finance-a"), 409)
    bad_grade = api.post(f"/awards/{ZONE}/assessments", body | {"grade": "good"}, user="finance-a")
    assert problem(bad_grade, 422)["field"] == "grade"


def test_a_revocation_cancels_unpaid_stages_and_money_stops(api: Api) -> None:
    ended = api.post(
        f"/awards/{CLUSTER}/termination",
        {"reason": "illegal", "on": "2025-05-01"},
        user="finance-a",
    )
    assert ended.status_code == 201, ended.text
    assert ended.json()["consequences"][0]["action"] == "revocation"
    again = api.post(f"/awards/{CLUSTER}/termination", {"reason": "fraud"}, user="finance-a")
    assert problem(again, 409)["rule"] == "no-payment-after-exit"
    unknown = api.post(f"/awards/{CLUSTER}/termination", {"reason": "bored"}, user="finance-a")
    assert problem(unknown, 422)["field"] == "reason"


def test_reports_are_recorded_once_per_period(api: Api) -> None:
    report = api.post(
        f"/awards/{ZONE}/reports", {"period": "2025Q2", "on": "2025-07-05"}, user="zone-hf"
    )
    assert report.status_code == 201, report.text
    assert report.json() == {
        "award": ZONE,
        "period": "2025Q2",
        "submitted_on": "2025-07-05",
        "actor": "zone-hf",
    }
    problem(api.post(f"/awards/{ZONE}/reports", {"period": "2025Q2"}, user="finance-a"), 409)
    wrong = api.post(f"/awards/{ZONE}/reports", {"period": "2025"}, user="zone-hf")
    assert problem(wrong, 422)["field"] == "period"


# ZONE-GUIDE 评估管理: a zone granted in 2024 with its second stage planned in 2025 has no
# 2025 assessment by 31 December 2025: from then it counts as 不合格. ZONE's first assessed
# year is 2026, not due yet on 30 June 2026.
def test_passed_deadlines_deem_missing_assessments_unqualified(api: Api) -> None:
    grant = {
        "programme": "service_zone",
        "recipient": "HF-GX",
        "fund": "mfg",
        "amount": "6000000.00",
        "stages": [{"year": 2024, "amount": "3000000.00"}, {"year": 2025, "amount": "3000000.00"}],
        "granted_on": "2024-03-01",
    }
    earlier = api.post("/awards", grant, user="finance-a")
    assert earlier.status_code == 201, earlier.text
    response = api.post("/assessments/deadlines", {"as_of": "2026-06-30"}, user="finance-a")
    assert response.status_code == 200, response.text
    deemed = [c for c in response.json()["consequences"] if c["action"] == "deemed"]
    assert [c["award"] for c in deemed] == [earlier.json()["code"]]
    assert "2025: no assessment by 2025-12-31" in deemed[0]["detail"]


# A deadline after today has not passed: the 2026 assessment may still be recorded until
# 31 December. Applying it from a later as_of would record 不合格 for a year still open.
def test_deadlines_are_not_applied_from_a_day_after_today(api: Api) -> None:
    tomorrow = date.today() + timedelta(days=1)
    before = api.get(f"/awards/{ZONE}", user="finance-a").json()
    response = api.post("/assessments/deadlines", {"as_of": tomorrow.isoformat()}, user="finance-a")
    assert problem(response, 422)["field"] == "as_of"
    assert "after today" in response.json()["detail"]
    assert api.get(f"/awards/{ZONE}", user="finance-a").json() == before


def test_a_mistaken_pass_through_is_reversed_and_the_money_is_held_again(api: Api) -> None:
    use = api.post(f"/awards/{ZONE}/pass-throughs", pass_through("1000000.00"), user="zone-hf")
    entry = use.json()["entry"]
    reversed_ = api.post(
        f"/ledger/entries/{entry}/reversal", {"reason": "金额录入错误"}, user="finance-a"
    )
    assert reversed_.status_code == 201, reversed_.text
    assert reversed_.json()["reversed"] == entry
    assert held(api) == "4000000.00"
    twice = api.post(f"/ledger/entries/{entry}/reversal", {"reason": "again"}, user="finance-a")
    assert problem(twice, 409)["type"].endswith("/conflict")
    grant_entry = api.get(f"/ledger/entries/{entry - 1}", user="auditor").json()
    assert grant_entry["kind"] in ("release", "grant", "budget")
    problem(api.post("/ledger/entries/999999/reversal", {"reason": "x"}, user="finance-a"), 404)


def test_a_recipient_summary_and_enterprise_receipts_read_as_of_a_date(api: Api) -> None:
    api.post(f"/awards/{ZONE}/pass-throughs", pass_through("1000000.00"), user="zone-hf")
    before = api.get("/recipients/HF-GX", user="zone-hf", as_of="2025-05-01").json()
    assert before["awards"][0]["passed_on"] == "0.00"
    after = api.get("/recipients/HF-GX", user="zone-hf").json()
    assert after["awards"][0]["passed_on"] == "1000000.00"
    receipts = api.get(f"/enterprises/{credit_code(1)}/receipts", user="finance-a").json()
    assert receipts["items"][0]["amount"] == "1000000.00"
    early = api.get(f"/enterprises/{credit_code(1)}/receipts", user="finance-a", as_of="2025-05-31")
    assert early.json()["total"] == 0


def test_rectification_materials_submitted_in_time_let_a_late_reassessment_count(
    api: Api,
) -> None:
    # ZONE-GUIDE 评估管理: 在整改时限内再次提交评价材料……由省工业和信息化厅重新组织评估
    failed = {"year": 2026, "grade": "unqualified", "on": "2026-04-30"}  # due 2026-07-30
    assert api.post(f"/awards/{ZONE}/assessments", failed, user="finance-a").status_code == 201
    late = api.post(
        f"/awards/{ZONE}/rectifications", {"year": 2026, "on": "2026-08-02"}, user="zone-hf"
    )
    assert problem(late, 409)["rule"] == "rectification-within-deadline"
    sent = api.post(
        f"/awards/{ZONE}/rectifications", {"year": 2026, "on": "2026-07-20"}, user="zone-hf"
    )
    assert sent.status_code == 201, sent.text
    assert sent.json() == {
        "award": ZONE,
        "year": 2026,
        "submitted_on": "2026-07-20",
        "actor": "zone-hf",
    }
    again = api.post(f"/awards/{ZONE}/rectifications", {"year": 2026}, user="finance-a")
    problem(again, 409)
    deadlines = api.post("/assessments/deadlines", {"as_of": "2026-08-15"}, user="finance-a")
    assert all(c["action"] != "exit" for c in deadlines.json()["consequences"])
    passed = api.post(
        f"/awards/{ZONE}/assessments",
        {"year": 2026, "grade": "qualified", "on": "2026-09-01", "reassessment": True},
        user="finance-a",
    )
    assert passed.status_code == 201, passed.text
    assert api.get(f"/awards/{ZONE}", user="finance-a").json()["status"] == "active"
