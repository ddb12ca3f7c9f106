"""The money-moving write path made cheap: the token header read by hand, the scope checked
by one statement, the routers tried hot first, the response's ratio from one statement and
the commit at the end of the route — each answering exactly as before."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from api.conftest import ZONE, Api, problem
from factories import credit_code
from funds.api.app import HOT_ROUTERS, api_routes
from funds.api.routers import ROUTERS

CLUSTER = "ADV-2025-0001"


def pass_through(amount: str, enterprise: int = 1, **changes: Any) -> dict[str, Any]:
    body = {
        "enterprise": credit_code(enterprise),
        "amount": amount,
        "purpose": "培育服务型制造标杆企业",
        "on": "2025-06-01",
    }
    return body | changes


def test_the_bearer_scheme_is_read_in_any_case_and_a_missing_token_is_401(api: Api) -> None:
    token = api.tokens["admin"]
    for header in (f"bearer {token}", f"BEARER {token}", f"Bearer   {token}  "):
        response = api.client.get("/me", headers={"Authorization": header})
        assert response.status_code == 200, header
    for header in ("Bearer", "Bearer ", token, f"Token {token}", ""):
        response = api.client.get("/me", headers={"Authorization": header})
        assert "Authorization: Bearer" in problem(response, 401)["detail"], header
        assert response.headers["www-authenticate"] == "Bearer"


def test_the_openapi_document_asks_for_the_token_on_every_route_but_the_public_ones(
    api: Api,
) -> None:
    document = api.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"] == {
        "token": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from `funds users add NAME --role ROLE` (shown once).",
        }
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            public = operation["x-roles"] == ["public"]
            expected: list[dict[str, list[str]]] | None = None if public else [{"token": []}]
            assert operation.get("security") == expected, f"{method} {path}"


def _segments(route: APIRoute) -> list[str | None]:
    """The route's path, a literal per segment and ``None`` for a parameter."""
    return [None if re.fullmatch(r"\{[^}]+\}", s) else s for s in route.path.split("/")]


def _overlap(a: APIRoute, b: APIRoute) -> bool:
    """Tell whether some request could match both routes (same method, same path)."""
    if not (a.methods or set()) & (b.methods or set()):
        return False
    left, right = _segments(a), _segments(b)
    return len(left) == len(right) and all(
        x is None or y is None or x == y for x, y in zip(left, right, strict=True)
    )


def test_no_route_tried_first_could_take_a_request_of_another_router() -> None:
    hot = api_routes(list(HOT_ROUTERS))
    others = api_routes([r for r in ROUTERS if r not in HOT_ROUTERS])
    assert hot
    assert others
    clashes = [(a.path, b.path) for a in hot for b in others if _overlap(a, b)]
    assert clashes == []


def test_the_openapi_paths_keep_the_order_of_the_routers() -> None:
    from funds.api import create_app
    from funds.db import Database, make_engine

    app = create_app(Database(make_engine("sqlite://")))
    documented = list(app.openapi()["paths"])
    expected = list(dict.fromkeys(r.path for r in api_routes()))
    assert documented == expected


def test_another_award_and_no_award_refuse_a_pass_through_alike(api: Api) -> None:
    body = pass_through("1.00")
    others = problem(api.post(f"/awards/{CLUSTER}/pass-throughs", body, user="zone-hf"), 404)
    missing = problem(api.post("/awards/NOPE/pass-throughs", body, user="zone-hf"), 404)
    assert others["detail"].replace(CLUSTER, "X") == missing["detail"].replace("NOPE", "X")
    assert others["type"] == missing["type"]


def test_an_unknown_award_is_404_before_the_body_is_judged_for_any_role(api: Api) -> None:
    # The scope check runs before the service, which would refuse the purpose first.
    body = pass_through("1.00", purpose=" ")
    for user in ("zone-hf", "admin"):
        problem(api.post("/awards/NOPE/pass-throughs", body, user=user), 404)
    assert problem(api.post(f"/awards/{ZONE}/pass-throughs", body, user="admin"), 422)


def test_the_ratio_counts_every_enterprise_paid_and_only_this_awards(api: Api) -> None:
    first = api.post(f"/awards/{ZONE}/pass-throughs", pass_through("1000000.00", 1), user="zone-hf")
    assert first.json()["pass_through_percent"] == "25.00"
    second = api.post(f"/awards/{ZONE}/pass-throughs", pass_through("500000.00", 2), user="zone-hf")
    assert second.json()["pass_through_percent"] == "37.50"
    spent = api.post(
        f"/awards/{ZONE}/spendings",
        {"amount": "100000.00", "purpose": "诊断宣贯", "on": "2025-06-02"},
        user="zone-hf",
    )
    assert spent.status_code == 201, spent.text
    assert spent.json()["pass_through_percent"] == "37.50"
    statement = api.get(f"/awards/{ZONE}", user="finance-a").json()
    assert statement["pass_through_percent"] == "37.50"


def test_a_committed_write_is_seen_by_the_next_request_and_its_replay(api: Api) -> None:
    headers = api.headers("zone-hf", key="write-path-1")
    url = f"/awards/{ZONE}/pass-throughs"
    body = pass_through("100.00")
    first = api.client.post(url, json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = api.client.post(url, json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    conflict = api.client.post(url, json=pass_through("200.00"), headers=headers)
    assert problem(conflict, 409)["rule"] == "idempotency"
    statement = api.get(f"/awards/{ZONE}", user="finance-a").json()
    assert statement["enterprises"][0]["amount"] == "100.00"
