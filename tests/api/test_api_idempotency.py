"""Idempotency-Key: a retry gets the first response; another body under the key is a 409."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.conftest import ZONE, Api, problem
from factories import credit_code
from funds.api import keys


def body(amount: str = "1000000.00") -> dict[str, Any]:
    return {
        "enterprise": credit_code(1),
        "amount": amount,
        "purpose": "培育服务型制造标杆企业",
        "on": "2025-06-01",
    }


def passed_on(api: Api) -> str:
    value: str = api.get(f"/awards/{ZONE}", user="auditor").json()["passed_on"]
    return value


def entries(api: Api) -> int:
    head: int = api.get("/ledger/head", user="auditor").json()["entry"]
    return head


def test_a_retry_with_the_same_key_and_body_returns_the_first_response(api: Api) -> None:
    path = f"/awards/{ZONE}/pass-throughs"
    first = api.post(path, body(), user="zone-hf", key="PZ-1")
    head = entries(api)
    again = api.post(path, body(), user="zone-hf", key="PZ-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert entries(api) == head
    assert passed_on(api) == "1000000.00"


def test_the_same_key_with_another_body_is_a_conflict_and_changes_nothing(api: Api) -> None:
    path = f"/awards/{ZONE}/pass-throughs"
    api.post(path, body(), user="zone-hf", key="PZ-1")
    other = problem(api.post(path, body("2000000.00"), user="zone-hf", key="PZ-1"), 409)
    assert other["rule"] == "idempotency"
    assert passed_on(api) == "1000000.00"


def test_the_same_key_on_another_route_is_a_conflict(api: Api) -> None:
    api.post(f"/awards/{ZONE}/pass-throughs", body(), user="zone-hf", key="K")
    spend = {"amount": "1.00", "purpose": "诊断宣贯"}
    problem(api.post(f"/awards/{ZONE}/spendings", spend, user="zone-hf", key="K"), 409)


def test_keys_belong_to_their_user(api: Api) -> None:
    first = api.post(f"/awards/{ZONE}/pass-throughs", body(), user="zone-hf", key="K")
    second = api.post(f"/awards/{ZONE}/pass-throughs", body(), user="admin", key="K")
    assert first.status_code == second.status_code == 201
    assert second.json()["entry"] != first.json()["entry"]
    assert passed_on(api) == "2000000.00"


def test_a_refused_request_stores_nothing_under_its_key(api: Api) -> None:
    path = f"/awards/{ZONE}/pass-throughs"
    problem(api.post(path, body("9000000.00"), user="zone-hf", key="K"), 409)
    assert api.post(path, body(), user="zone-hf", key="K").status_code == 201


def test_a_replayed_grant_and_approval_do_not_commit_or_pay_twice(api: Api) -> None:
    grant = {
        "programme": "service_zone",
        "recipient": "HF-GX",
        "fund": "mfg",
        "amount": "2000000.00",
        "split": [50, 50],
        "granted_on": "2026-02-01",
    }
    first = api.post("/awards", grant, user="finance-a", key="G-1")
    again = api.post("/awards", grant, user="finance-a", key="G-1")
    assert first.json()["code"] == again.json()["code"] == "ZONE-2026-0001"
    assert api.get("/awards", user="finance-a").json()["total"] == 3
    award = "ADV-2025-0001"
    api.post(f"/awards/{award}/stages/1/request", {"on": "2025-04-01"}, user="finance-a")
    paid = api.post(
        f"/awards/{award}/stages/1/approve", {"on": "2025-04-02"}, user="finance-b", key="A"
    )
    replay = api.post(
        f"/awards/{award}/stages/1/approve", {"on": "2025-04-02"}, user="finance-b", key="A"
    )
    assert paid.json() == replay.json()
    assert api.get(f"/awards/{award}", user="auditor").json()["paid"] == "2000000.00"


def test_a_malformed_key_is_refused_naming_the_header(api: Api) -> None:
    response = api.post(f"/awards/{ZONE}/pass-throughs", body(), user="zone-hf", key="x" * 121)
    assert problem(response, 422)["field"] == "Idempotency-Key"


def test_a_malformed_key_is_refused_whatever_its_fault(api: Api) -> None:
    for key in ("with space", "x" * 121, ""):
        response = api.post(f"/awards/{ZONE}/pass-throughs", body(), user="zone-hf", key=key)
        assert problem(response, 422)["field"] == "Idempotency-Key", key
    assert passed_on(api) == "0.00"


@pytest.mark.parametrize("token", ["nope", "funds_" + "x" * 300, "funds_unknown"])
def test_a_bad_token_with_a_key_is_401_not_an_error(api: Api, token: str) -> None:
    response = api.client.post(
        f"/awards/{ZONE}/pass-throughs",
        json=body(),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k"},
    )
    problem(response, 401)


def test_the_routes_own_look_up_replays_when_the_tokens_did_not_look(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The route's fallback (its own lock and look-up, by user id) finds what the look-up
    with the token would have found."""
    path = f"/awards/{ZONE}/pass-throughs"
    first = api.post(path, body(), user="zone-hf", key="PZ-1")
    monkeypatch.setattr(keys, "looked_up", lambda request, key: None)
    again = api.post(path, body(), user="zone-hf", key="PZ-1")
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    other = api.post(path, body("2.00"), user="zone-hf", key="PZ-1")
    assert problem(other, 409)["rule"] == "idempotency"


@given(st.text(max_size=130))
def test_a_key_is_sent_with_the_token_exactly_when_the_route_accepts_it(key: str) -> None:
    accepted = len(key) <= 120 and re.fullmatch(r"[\x21-\x7e]+", key) is not None
    assert keys.well_formed(key) == accepted
