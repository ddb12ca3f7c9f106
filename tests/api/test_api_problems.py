"""Problem details for every error, no trace ever sent; OpenAPI with an example per body."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api.conftest import ZONE, Api, problem
from funds.api import create_app
from funds.api.routers import ROUTERS
from funds.api.rules import allow_everyone
from funds.db import Database


def test_a_body_that_is_not_json_is_a_422_problem(api: Api) -> None:
    response = api.client.post(
        f"/awards/{ZONE}/pass-throughs",
        content=b"{not json",
        headers=api.headers("zone-hf") | {"Content-Type": "application/json"},
    )
    problem(response, 422)


def test_unknown_fields_are_refused_so_a_typo_is_never_ignored(api: Api) -> None:
    response = api.post("/funds", {"code": "x", "name": "x", "nmae": "y"}, user="finance-a")
    assert problem(response, 422)["field"] == "nmae"


def test_a_bad_query_parameter_names_it(api: Api) -> None:
    body = problem(api.get(f"/awards/{ZONE}", user="auditor", as_of="30/06/2025"), 422)
    assert body["field"] == "as_of"
    assert problem(api.get("/awards", user="auditor", limit=0), 422)["field"] == "limit"
    assert problem(api.get(f"/awards/{ZONE}", user="auditor", as_of="1999-12-31"), 422)


def test_an_unknown_path_and_a_wrong_method_are_problems_too(api: Api) -> None:
    assert problem(api.get("/nowhere", user="admin"), 404)["type"].endswith("/not-found")
    response = api.client.delete("/awards", headers=api.headers("admin"))
    problem(response, 405)
    assert response.headers["allow"]


def test_an_unexpected_error_is_a_bare_500_with_no_trace_and_is_logged(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> dict[str, Any]:
        raise ZeroDivisionError("secret internals")

    router = APIRouter()
    router.add_api_route("/explode", explode, methods=["GET"], **allow_everyone())
    monkeypatch.setattr("funds.api.app.ROUTERS", [*ROUTERS, router])
    from funds.api.users import add_user

    with db.unit_of_work() as session:
        token = add_user(session, name="x", role="admin").token
    with caplog.at_level(logging.ERROR, logger="funds.api"), TestClient(create_app(db)) as client:
        response = client.get("/explode", headers={"Authorization": f"Bearer {token}"})
    body = problem(response, 500)
    assert body["type"].endswith("/internal-error")
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "ZeroDivisionError" in caplog.text


def test_every_error_response_is_documented_as_problem_json(app: FastAPI) -> None:
    schema = app.openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (
                        method,
                        path,
                    )
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_every_request_body_has_an_example(app: FastAPI) -> None:
    schema = app.openapi()
    components = schema["components"]["schemas"]
    bodies = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            bodies += 1
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            examples = components[ref.rsplit("/", 1)[1]].get("examples")
            assert examples, f"{method.upper()} {path} has no example"
    assert bodies == 19


def test_the_examples_validate_against_their_models() -> None:
    from funds.api.schemas import compliance, grants, planner

    for module in (grants, compliance, planner):
        for model in vars(module).values():
            extra = getattr(model, "model_config", {}).get("json_schema_extra")
            if isinstance(extra, dict) and "examples" in extra:
                for example in extra["examples"]:
                    model.model_validate(example)


def test_the_docs_page_and_the_openapi_document_are_served(api: Api) -> None:
    docs = api.client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    document = api.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    assert document["info"]["title"] == "funds API"


def test_a_body_that_is_not_utf8_is_a_400_problem(api: Api) -> None:
    response = api.client.post(
        "/funds",
        content=b"\xff\xfe{",
        headers=api.headers("finance-a") | {"Content-Type": "application/json"},
    )
    assert problem(response, 400)["type"].endswith("/unreadable-body")
