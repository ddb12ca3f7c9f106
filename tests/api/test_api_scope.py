"""Scope leaks: a city or recipient officer never sees another's data — not in lists, not in
counts, not in statements or receipts, not in alerts, not even in an error message."""

from __future__ import annotations

from datetime import date

import pytest

from api.conftest import ZONE, Api, problem
from factories import credit_code, release
from funds.db import Database
from funds.grants import record_pass_through

CLUSTER = "ADV-2025-0001"


@pytest.fixture
def paid_both(api: Api, db: Database) -> Api:
    """Both awards paid something; each recipient passed money on to an enterprise."""
    with db.unit_of_work() as session:
        release(session, CLUSTER, 1, date(2025, 4, 1))
        for award, enterprise, amount in ((ZONE, 1, 100_000_00), (CLUSTER, 3, 50_000_00),
                                          (CLUSTER, 1, 20_000_00)):  # fmt: skip
            record_pass_through(
                session,
                award=award,
                enterprise=credit_code(enterprise),
                amount=amount,
                purpose="技术创新项目",
                on=date(2025, 5, 1),
                actor="t",
            )
    return api


def test_lists_and_their_totals_hold_only_the_callers_city_or_recipient(api: Api) -> None:
    for user, code in (("city-hf", ZONE), ("zone-hf", ZONE), ("city-wh", CLUSTER)):
        awards = api.get("/awards", user=user).json()
        assert [a["code"] for a in awards["items"]] == [code]
        assert awards["total"] == 1
    recipients = api.get("/recipients", user="cluster-wh").json()
    assert [r["code"] for r in recipients["items"]] == ["WH-CL"]
    assert recipients["total"] == 1
    assert api.get("/awards", user="finance-a").json()["total"] == 2


def test_filtering_for_another_city_finds_nothing_rather_than_its_records(api: Api) -> None:
    response = api.get("/awards", user="city-hf", recipient="WH-CL")
    assert response.json() == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert api.get("/recipients", user="city-hf", city="芜湖").json()["total"] == 0


def test_another_award_is_exactly_as_missing_as_one_that_does_not_exist(api: Api) -> None:
    for user, other in (("city-hf", CLUSTER), ("zone-hf", CLUSTER), ("cluster-wh", ZONE)):
        hidden = problem(api.get(f"/awards/{other}", user=user), 404)
        missing = problem(api.get("/awards/NO-SUCH", user=user), 404)
        assert hidden["detail"] == missing["detail"].replace("NO-SUCH", other)
        assert hidden.keys() == missing.keys()
        assert "details" not in hidden or hidden["details"] == {"what": "award", "key": other}


def test_another_recipients_summary_is_not_found(api: Api) -> None:
    problem(api.get("/recipients/WH-CL", user="zone-hf"), 404)
    problem(api.get("/recipients/WH-CL", user="city-hf"), 404)
    assert api.get("/recipients/WH-CL", user="city-wh").status_code == 200


def test_a_recipient_cannot_move_money_of_another_award_nor_learn_its_state(api: Api) -> None:
    body = {"enterprise": credit_code(1), "amount": "1.00", "purpose": "技术创新项目"}
    hidden = problem(api.post(f"/awards/{CLUSTER}/pass-throughs", body, user="zone-hf"), 404)
    assert "ADV-2025-0001" in hidden["detail"]
    assert "hold" not in hidden["detail"]
    spend = {"amount": "1.00", "purpose": "诊断宣贯"}
    problem(api.post(f"/awards/{CLUSTER}/spendings", spend, user="zone-hf"), 404)
    problem(api.post(f"/awards/{CLUSTER}/reports", {"period": "2025"}, user="zone-hf"), 404)


def test_enterprise_receipts_show_only_money_paid_under_the_callers_awards(
    paid_both: Api,
) -> None:
    api = paid_both
    everything = api.get(f"/enterprises/{credit_code(1)}/receipts", user="auditor").json()
    assert everything["total"] == 2
    for user, award in (("zone-hf", ZONE), ("city-hf", ZONE), ("cluster-wh", CLUSTER)):
        mine = api.get(f"/enterprises/{credit_code(1)}/receipts", user=user).json()
        assert [r["award"] for r in mine["items"]] == [award]
        assert mine["total"] == 1


def test_an_enterprise_of_another_city_never_paid_by_the_caller_is_not_found(
    paid_both: Api,
) -> None:
    api = paid_both
    hidden = problem(api.get(f"/enterprises/{credit_code(3)}/receipts", user="zone-hf"), 404)
    missing = problem(api.get(f"/enterprises/{credit_code(88)}/receipts", user="zone-hf"), 404)
    assert hidden["detail"] == missing["detail"].replace(credit_code(88), credit_code(3))
    assert api.get(f"/enterprises/{credit_code(3)}/receipts", user="city-wh").status_code == 200
    own_city = api.get(f"/enterprises/{credit_code(2)}/receipts", user="city-hf")
    assert own_city.json()["total"] == 0


def test_alerts_of_another_city_are_neither_listed_nor_readable_nor_acknowledgeable(
    paid_both: Api,
) -> None:
    api = paid_both
    scanned = api.post("/alerts/scans", {"as_of": "2027-06-30"}, user="finance-a")
    assert scanned.status_code == 200
    recorded = api.post("/alerts/scans", {}, user="finance-a").json()
    everything = api.get("/alerts", user="auditor", limit=500).json()
    assert everything["total"] == len(recorded["findings"])
    mine = api.get("/alerts", user="city-hf", limit=500).json()
    assert {a["city"] for a in mine["items"]} <= {"合肥市"}
    assert mine["total"] == sum(1 for f in recorded["findings"] if f["city"] == "合肥市")
    theirs = [a for a in everything["items"] if a["city"] != "合肥市"]
    assert theirs, "the world should raise alerts in another city too"
    assert mine["items"], "and in the caller's city"
    for alert in theirs:
        problem(api.get(f"/alerts/{alert['key']}", user="city-hf"), 404)
        ack = {"comment": "看一下"}
        problem(api.post(f"/alerts/{alert['key']}/acknowledgement", ack, user="city-hf"), 404)
    for alert in api.get("/alerts", user="zone-hf", limit=500).json()["items"]:
        assert alert["recipient"] == "HF-GX"


def test_registering_a_code_already_registered_does_not_name_another_citys_enterprise(
    api: Api,
) -> None:
    body = {"credit_code": credit_code(3), "name": "冒名公司", "city": "合肥"}
    hidden = problem(api.post("/enterprises", body, user="zone-hf"), 409)
    assert hidden["detail"] == f"enterprise {credit_code(3)} is already registered"
    assert "芜湖丙公司" not in str(hidden)
    unscoped = problem(api.post("/enterprises", body, user="finance-a"), 409)
    assert "芜湖丙公司" in unscoped["detail"]


def test_a_pass_through_answers_nothing_of_an_enterprise_the_recipient_never_paid(
    api: Api,
) -> None:
    # The register is the province's: a recipient pays an enterprise by the credit code on
    # its payment document, its first payment included (across cities: an alert, not a
    # refusal); the answer names nothing the recipient did not send.
    body = {"enterprise": credit_code(3), "amount": "1.00", "purpose": "技术创新项目"}
    paid = api.post(f"/awards/{ZONE}/pass-throughs", body, user="zone-hf")
    assert paid.status_code == 201, paid.text
    assert "芜湖丙公司" not in paid.text
