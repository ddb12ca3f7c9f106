"""Schemathesis against the OpenAPI document: every operation, generated requests as an
admin, no 5xx, and every response matches the schema (status, content type, body).

The schema comes from an app on an unused in-memory database (generating the document
touches no database); each request goes to the test's own app, on the world of
``conftest.api``, rolled back afterwards. Bounded: a few examples per operation, the
explicit example of every request body among them.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, checks

from api.conftest import Api
from funds.api import create_app
from funds.db import Database

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
"""Authentication is tested explicitly (``test_api_auth``, ``test_api_roles``); the generated
requests all carry an admin token."""
schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(Database.from_url("sqlite://")))


def _latin1(value: str) -> bytes:
    return value.encode("latin-1", "replace")


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_generated_request_gets_a_5xx_or_a_response_off_the_schema(
    case: Case[Any], api: Api
) -> None:
    request = case.as_transport_kwargs(base_url="http://testserver", headers=api.headers("admin"))
    request.pop("cookies", None)  # the API reads none
    if "data" in request:
        request["content"] = request.pop("data")
    # generated negative headers may hold any character; send them as the bytes HTTP allows
    request["headers"] = {k: _latin1(v) for k, v in request["headers"].items()}
    response = api.client.request(**request)
    assert response.status_code < 500, (case.as_curl_command(), response.text)
    case.validate_response(response, checks=CHECKS)
