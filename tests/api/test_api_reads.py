"""The ledger, compliance and planner routes: balances as of a date, history, verification,
alerts (scan, list, read, acknowledge), the rule catalogue, plan runs and comparisons."""

from __future__ import annotations

from typing import Any

import pytest

from api.conftest import ZONE, Api, problem
from funds.api.schemas.planner import EXAMPLE_SCENARIO


def test_balances_read_now_and_as_of_a_date(api: Api) -> None:
    now = api.get("/ledger/balances", user="auditor", prefix=f"award:{ZONE}:").json()
    assert now["items"] == [{"account": f"award:{ZONE}:held", "balance": "4000000.00"}]
    before = api.get(
        "/ledger/balances", user="auditor", prefix=f"award:{ZONE}:", as_of="2025-03-31"
    ).json()
    assert before["items"][0]["balance"] == "0.00"
    paged = api.get("/ledger/balances", user="finance-a", prefix="fund:mfg:", limit=2).json()
    assert len(paged["items"]) == 2
    assert paged["total"] > 2


def test_an_accounts_history_has_running_balances_within_dates(api: Api) -> None:
    account = f"award:{ZONE}:held"
    lines = api.get(f"/ledger/accounts/{account}/history", user="auditor").json()["items"]
    assert [(x["kind"], x["amount"], x["balance"]) for x in lines] == [
        ("release", "4000000.00", "4000000.00")
    ]
    empty = api.get(
        f"/ledger/accounts/{account}/history", user="auditor", start="2025-05-01", end="2025-12-31"
    )
    assert empty.json()["total"] == 0
    problem(api.get("/ledger/accounts/award:NOPE:held/history", user="auditor"), 404)


def test_an_entry_shows_its_legs_actor_and_chain(api: Api) -> None:
    head = api.get("/ledger/head", user="finance-a").json()
    entry = api.get(f"/ledger/entries/{head['entry']}", user="auditor").json()
    assert entry["hash"] == head["hash"]
    assert entry["kind"] == "release"
    assert entry["actor"] == "finance-b"
    assert sum(int(leg["amount"].replace(".", "")) for leg in entry["legs"]) == 0
    problem(api.get("/ledger/entries/999999", user="auditor"), 404)


def test_the_auditor_verifies_the_ledger(api: Api) -> None:
    report = api.get("/ledger/verification", user="auditor").json()
    assert report["ok"] is True
    assert report["first_problem"] is None
    assert report["entries"] == api.get("/ledger/head", user="auditor").json()["entry"]


def test_a_scan_records_alerts_that_are_listed_read_and_acknowledged(api: Api) -> None:
    scan = api.post("/alerts/scans", {}, user="finance-a")
    assert scan.status_code == 200, scan.text
    assert scan.json()["recorded"] is True
    listed = api.get("/alerts", user="auditor", limit=500).json()
    assert listed["total"] == len(scan.json()["findings"]) > 0
    key = listed["items"][0]["key"]
    detail = api.get(f"/alerts/{key}", user="finance-a").json()
    assert detail["history"][0]["kind"] == "opened"
    ack = api.post(f"/alerts/{key}/acknowledgement", {"comment": "已督促整改"}, user="finance-b")
    assert ack.status_code == 200, ack.text
    assert ack.json()["acknowledged_by"] == "finance-b"
    assert ack.json()["state"] == "acknowledged"
    assert api.get("/alerts", user="auditor", state="acknowledged").json()["total"] == 1
    problem(api.post("/alerts/nope:x/acknowledgement", {"comment": "x"}, user="admin"), 404)
    empty = api.post(f"/alerts/{key}/acknowledgement", {"comment": ""}, user="admin")
    assert problem(empty, 422)["field"] == "comment"


def test_a_scan_as_of_another_date_is_a_replay_that_records_no_alert(api: Api) -> None:
    replay = api.post("/alerts/scans", {"as_of": "2027-06-30"}, user="finance-a").json()
    assert replay["recorded"] is False
    assert api.get("/alerts", user="auditor").json()["total"] == 0


def test_alert_filters_are_checked(api: Api) -> None:
    assert problem(api.get("/alerts", user="auditor", severity="pink"), 422)["field"] == "severity"
    assert problem(api.get("/alerts", user="auditor", city="北京"), 422)["field"] == "city"


def test_the_rule_catalogue_cites_every_rules_clause(api: Api) -> None:
    rules = api.get("/rules", user="city-hf").json()
    assert len(rules) >= 10
    assert all(r["clause"] for r in rules)
    assert {"red", "orange", "yellow"} >= {r["severity"] for r in rules}


@pytest.fixture
def scenario() -> dict[str, Any]:
    return dict(EXAMPLE_SCENARIO)


def test_a_planner_runs_a_scenario_reads_it_and_compares_two_runs(
    api: Api, scenario: dict[str, Any]
) -> None:
    first = api.post("/plans/runs", scenario, user="planner")
    assert first.status_code == 201, first.text
    run = first.json()
    assert run["actor"] == "planner"
    assert run["status"] == "optimal"
    assert run["result"]["plan"]["awards"]
    budgets = [{"fund": "mfg", "year": year, "budget": "300万"} for year in (2026, 2027)]
    tighter = scenario | {"budgets": budgets}
    second = api.post("/plans/runs", tighter, user="admin").json()
    shown = api.get(f"/plans/runs/{run['run']}", user="auditor").json()
    assert shown == run
    listed = api.get("/plans/runs", user="planner").json()
    assert [r["run"] for r in listed["items"]] == [second["run"], run["run"]]
    compared = api.get("/plans/comparisons", user="planner", run=[run["run"], second["run"]]).json()
    assert [r["run"] for r in compared["runs"]] == [run["run"], second["run"]]
    assert any(row["differs"] for row in compared["funded"])


def test_a_scenario_with_a_float_amount_is_refused_naming_the_field(
    api: Api, scenario: dict[str, Any]
) -> None:
    bad = scenario | {"budgets": [{"fund": "mfg", "year": 2026, "budget": 1000.5}]}
    body = problem(api.post("/plans/runs", bad, user="planner"), 422)
    assert body["field"].startswith("budgets[0]")


def test_an_unknown_run_is_404_and_a_comparison_needs_two(api: Api) -> None:
    problem(api.get("/plans/runs/424242", user="planner"), 404)
    problem(api.get("/plans/comparisons", user="planner", run=[1]), 422)


def test_an_alert_key_of_unicode_digits_is_simply_unknown(api: Api) -> None:
    problem(api.get("/alerts/²", user="auditor"), 404)
    problem(api.post("/alerts/²/acknowledgement", {"comment": "x"}, user="finance-a"), 404)
