"""The application factory: routers, role rules, problem details, OpenAPI.

``create_app(database)`` serves ``database`` (tests pass their rolled-back one); without one
it opens ``FUNDS_DATABASE_URL`` (or the SQLite default) and brings its schema up to date.
``funds serve`` runs :func:`app_from_env` under uvicorn.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from funds import __version__
from funds.api import problems
from funds.api.deps import bearer, connection_gate
from funds.api.routers import ROUTERS, award_actions
from funds.api.rules import SECURITY_SCHEME, PublicRule, rule_of
from funds.db import Database
from funds.migrate import upgrade

DESCRIPTION = """\
The engine's services over HTTP: funds and budgets, recipients and enterprises, awards and
their stages, pass-through and own spending, assessments, exits and recovery, the ledger,
compliance alerts and allocation plans.

* **Authentication**: `Authorization: Bearer <token>`; tokens come from
  `funds users add NAME --role ROLE` and are shown once. Each route lists the roles that may
  call it (`x-roles`); a city or recipient officer sees only their own records.
* **Amounts** travel as decimal strings of 元 (`"5000000.00"`); JSON numbers and more than
  two decimals are refused. Dates are ISO (`2025-03-18`).
* **Errors** are RFC 9457 problem details (`application/problem+json`): 422 names the field,
  409 the rule and its clause. A request that fails changes nothing.
* **Idempotency**: POSTs take an `Idempotency-Key`; a retry with the same key and body gets
  the first response again, another body under the same key is a 409.

See `docs/api.md` for the role table and examples.
"""


def create_app(database: Database | None = None) -> FastAPI:
    """Build the API on ``database`` (default: the configured one, migrated)."""
    if database is None:
        database = Database.from_url()
        upgrade(database.engine)
    app = FastAPI(
        title="funds API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=[{"name": name} for name in TAGS],
    )
    app.state.database = database
    app.state.gate = connection_gate(database)
    _require_rules(ROUTERS)
    for router in matching_order(ROUTERS):
        app.include_router(router)
    problems.install(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The app on the configured database (the uvicorn factory of ``funds serve``)."""
    return create_app()


TAGS = (
    "service",
    "funds and budgets",
    "recipients and enterprises",
    "awards",
    "ledger",
    "compliance",
    "planner",
)


def api_routes(routers: list[APIRouter] | None = None) -> list[APIRoute]:
    """The route table: every route of the registered routers (default: :data:`ROUTERS`)."""
    return [r for router in routers or ROUTERS for r in router.routes if isinstance(r, APIRoute)]


HOT_ROUTERS = (award_actions.router,)
"""Tried first by every request: the money-moving writes (pass-through, spending, releases)."""


def matching_order(routers: list[APIRouter]) -> list[APIRouter]:
    """``routers`` in the order a request tries them: :data:`HOT_ROUTERS` first, then the rest.

    A request is matched against the routers in turn, and against every route of each
    router before its own: a pass-through, whose router came seventh, spent about 450 of
    its 4,900 Python calls there. Only the order of routes that match the same method and
    path could change an answer, and no route of :data:`HOT_ROUTERS` shares one with
    another router's (a test checks every pair); the OpenAPI document keeps the order of
    :data:`~funds.api.routers.ROUTERS`.
    """
    return [
        *(r for r in routers if r in HOT_ROUTERS),
        *(r for r in routers if r not in HOT_ROUTERS),
    ]


def _require_rules(routers: list[APIRouter]) -> None:
    missing = [
        f"{sorted(r.methods or ())} {r.path}" for r in api_routes(routers) if rule_of(r) is None
    ]
    if missing:
        raise RuntimeError(f"routes without a role rule (see funds.api.rules): {missing}")


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=api_routes(),
        tags=app.openapi_tags,
    )
    schema.setdefault("components", {})["securitySchemes"] = {
        SECURITY_SCHEME: bearer.model.model_dump(mode="json", by_alias=True, exclude_none=True)
    }
    components = schema["components"].setdefault("schemas", {})
    problem = problems.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    public = {r.path for r in api_routes() if isinstance(rule_of(r), PublicRule)}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            _problem_responses(operation, method, path in public)
    app.openapi_schema = schema
    return schema


_PROBLEM_TEXT = {
    400: "The body is not readable (not UTF-8 JSON).",
    401: "No token, or an unknown or revoked one.",
    403: "The caller's role may not do this.",
    404: "No such record (or not in the caller's scope).",
    409: "A rule breach (with `rule` and `clause`), or a conflict.",
    422: "Invalid input: `field` and `errors` say which and why.",
    500: "An unexpected error (logged; no trace is sent).",
    503: "The database is busy or unreachable; retry.",
}


def _problem_responses(operation: dict[str, Any], method: str, public: bool) -> None:
    statuses = {500, 503} if public else {401, 403, 404, 422, 500, 503}
    if method == "post":
        statuses |= {400, 409}
    responses = operation.setdefault("responses", {})
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _PROBLEM_TEXT[status],
            "content": {problems.MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
