"""The role × route matrix, generated from the app's route table.

Every route must declare a rule; every role outside it gets 403 before anything is read,
every role inside it gets past the rule (to a success, a 404 or a 422, never 401, 403 or
a 5xx). The table in ``docs/api.md`` must say the same, so the documentation stays true.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from api.conftest import USERS, Api
from factories import credit_code
from funds.api import create_app
from funds.api.app import api_routes
from funds.api.routers import ROUTERS
from funds.api.rules import PublicRule, RoleRule, rule_of
from funds.api.users import Role
from funds.db import Database

DOCS = Path(__file__).parents[2] / "docs" / "api.md"
PLACEHOLDERS = {
    "code": "ZONE-2025-0001",
    "seq": "1",
    "fund": "mfg",
    "year": "2025",
    "key": "none",
    "entry": "1",
    "run": "1",
    "account": "award:ZONE-2025-0001:held",
    "credit_code": credit_code(1),
}
ROLE_USER = {spec["role"]: name for name, spec in reversed(USERS.items())}


def routes() -> list[tuple[str, str, APIRoute]]:
    return [(m, r.path, r) for r in api_routes() for m in sorted(r.methods or ())]


def fill(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS[m[1]], path)


def test_every_route_declares_a_role_rule() -> None:
    assert [f"{m} {p}" for m, p, r in routes() if rule_of(r) is None] == []


def test_the_app_refuses_to_start_with_a_route_without_a_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stray = APIRouter()
    stray.add_api_route("/stray", lambda: {}, methods=["GET"])
    monkeypatch.setattr("funds.api.app.ROUTERS", [*ROUTERS, stray])
    with pytest.raises(RuntimeError, match="/stray"):
        create_app(Database.from_url("sqlite://"))


@pytest.mark.parametrize(("method", "path", "route"), routes(), ids=lambda x: str(x))
def test_each_role_gets_exactly_what_the_route_rule_allows(
    api: Api, method: str, path: str, route: APIRoute
) -> None:
    rule = rule_of(route)
    for role in Role:
        user = ROLE_USER[role.value]
        response = api.client.request(
            method,
            fill(path),
            headers=api.headers(user),
            json={} if method == "POST" else None,
        )
        allowed = isinstance(rule, PublicRule) or (
            isinstance(rule, RoleRule) and role in rule.roles
        )
        if allowed:
            assert response.status_code not in (401, 403), (role, response.text)
            assert response.status_code < 500, (role, response.text)
        else:
            assert response.status_code == 403, (role, response.text)
            assert response.json()["type"].endswith("/forbidden")


def roles_of(route: APIRoute) -> set[str]:
    rule = rule_of(route)
    if isinstance(rule, PublicRule):
        return {"public"}
    assert rule is not None
    return {r.value for r in rule.roles}


def test_admin_may_call_every_route() -> None:
    for _, _, route in routes():
        assert roles_of(route) & {"public", "admin"}


def documented_rules() -> dict[str, set[str]]:
    table: dict[str, set[str]] = {}
    for line in DOCS.read_text("utf-8").splitlines():
        match = re.match(r"\|\s*`(GET|POST) ([^`]+)`\s*\|\s*([^|]+)\|", line)
        if match:
            table[f"{match[1]} {match[2]}"] = {r.strip() for r in match[3].split(",")}
    return table


def test_the_role_table_in_the_api_guide_matches_the_routes() -> None:
    declared = {f"{method} {path}": roles_of(route) for method, path, route in routes()}
    assert documented_rules() == declared


def test_the_route_table_is_every_operation_of_the_app(app: FastAPI) -> None:
    operations = {f"{m.upper()} {p}" for p, ops in app.openapi()["paths"].items() for m in ops}
    assert operations == {f"{m} {p}" for m, p, _ in routes()}


def test_the_openapi_document_lists_each_routes_roles(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    for method, path, route in routes():
        expected = sorted(roles_of(route))
        assert paths[path][method.lower()]["x-roles"] == expected
