"""RFC 9457 problem details: the one table from errors to HTTP, and the handlers.

Every error reaches the client as ``application/problem+json`` with ``type`` (a URI per
kind of problem, ``https://funds.example/problems/<slug>``), ``title``, ``status``,
``detail`` and ``instance`` (the request path), plus the extensions ``rule`` and ``clause``
(which rule was breached and where the policy states it), ``field`` and ``errors`` (which
input was wrong and why) and ``details`` (the objects involved, as plain data).

Domain errors map by their :class:`~funds.errors.ErrorKind` (:data:`BY_KIND`, the same kinds
the CLI maps to exit codes in :data:`funds.errors.EXIT_CODES`). Anything unexpected is logged
with its trace on the server and answered with a bare 500: no trace ever reaches a client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from funds.errors import ErrorKind, FundsError
from funds.money import MoneyError

log = logging.getLogger("funds.api")

PROBLEM_BASE = "https://funds.example/problems/"
MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    """A kind of problem: its slug (the end of its ``type`` URI), title and status."""

    slug: str
    title: str
    status: int

    @property
    def uri(self) -> str:
        """The ``type`` member of the problem document."""
        return PROBLEM_BASE + self.slug


INVALID = ProblemType("invalid-input", "The request has invalid input", 422)
RULE = ProblemType("rule-breach", "The request breaks a rule", 409)
NOT_FOUND = ProblemType("not-found", "Not found", 404)
CONFLICT = ProblemType("conflict", "The request conflicts with an earlier one", 409)
INTEGRITY = ProblemType("ledger-integrity", "The ledger does not verify", 500)
UNAUTHORIZED = ProblemType("unauthorized", "Authentication required", 401)
FORBIDDEN = ProblemType("forbidden", "Not allowed for this role", 403)
METHOD = ProblemType("method-not-allowed", "Method not allowed", 405)
UNREADABLE = ProblemType("unreadable-body", "The request body could not be read", 400)
BUSY = ProblemType("busy", "The database is busy; retry", 503)
INTERNAL = ProblemType("internal-error", "Internal error", 500)

BY_KIND: dict[ErrorKind, ProblemType] = {
    ErrorKind.INVALID: INVALID,
    ErrorKind.RULE: RULE,
    ErrorKind.NOT_FOUND: NOT_FOUND,
    ErrorKind.CONFLICT: CONFLICT,
    ErrorKind.INTEGRITY: INTEGRITY,
}
"""The table: how each kind of domain error is reported over HTTP."""

BY_STATUS: dict[int, ProblemType] = {
    p.status: p for p in (UNREADABLE, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, METHOD, BUSY, INTERNAL)
}


class FieldProblem(BaseModel):
    """One input that could not be read."""

    field: str = Field(examples=["amount"])
    """Where it is: ``amount``, ``stages[0].amount``, ``as_of`` (query), ``idempotency-key``."""
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str = Field(examples=[RULE.uri])
    title: str
    status: int
    detail: str
    instance: str
    rule: str | None = None
    clause: str | None = None
    field: str | None = None
    errors: list[FieldProblem] | None = None
    details: dict[str, Any] | None = None


class ApiProblem(Exception):
    """Raised by the edge itself for 401 and 403 (domain errors are :class:`FundsError`)."""

    def __init__(self, kind: ProblemType, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def problem_response(
    request: Request | None,
    kind: ProblemType,
    detail: str,
    *,
    path: str = "",
    headers: Mapping[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """Build the problem+json response for ``kind``."""
    body = Problem(
        type=kind.uri,
        title=kind.title,
        status=kind.status,
        detail=detail,
        instance=request.url.path if request is not None else path,
        **extensions,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        status_code=kind.status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def funds_error(request: Request, error: Exception) -> JSONResponse:
    """A domain refusal: status from :data:`BY_KIND`, with rule, clause, field, details."""
    assert isinstance(error, FundsError)
    plain: dict[str, Any] = error.to_dict().get("details", {})
    details = {k: v for k, v in plain.items() if k != "field"}
    field = error.details.get("field")
    return problem_response(
        request,
        BY_KIND[error.kind],
        error.message,
        rule=error.rule,
        clause=error.clause,
        field=str(field) if field is not None else None,
        errors=[FieldProblem(field=str(field), message=error.message)] if field else None,
        details=details or None,
    )


def money_error(request: Request, error: Exception) -> JSONResponse:
    """An amount that is not exact in 分 (normally caught with its field named first)."""
    assert isinstance(error, MoneyError)
    return problem_response(request, INVALID, str(error))


def validation_error(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's request validation, as problem+json naming each field and why."""
    assert isinstance(error, RequestValidationError)
    errors = [FieldProblem(field=_field(e["loc"]), message=e["msg"]) for e in error.errors()]
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    return problem_response(
        request,
        INVALID,
        summary or "the request could not be read",
        field=errors[0].field if errors else None,
        errors=errors,
    )


def _field(loc: Sequence[Any]) -> str:
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else list(loc)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or (str(loc[0]) if loc else "body")


def api_problem(request: Request, error: Exception) -> JSONResponse:
    """401 and 403 raised by authentication and the role rules."""
    assert isinstance(error, ApiProblem)
    headers = {"WWW-Authenticate": "Bearer"} if error.kind is UNAUTHORIZED else None
    return problem_response(request, error.kind, error.detail, headers=headers)


def http_error(request: Request, error: Exception) -> JSONResponse:
    """Routing errors (unknown path, wrong method) and any other HTTP error."""
    assert isinstance(error, HTTPException)
    kind = BY_STATUS.get(error.status_code) or ProblemType(
        f"http-{error.status_code}", "HTTP error", error.status_code
    )
    return problem_response(request, kind, str(error.detail), headers=error.headers)


def integrity_error(request: Request, error: Exception) -> JSONResponse:
    """A unique key taken by a concurrent request between our check and our write."""
    log.warning("integrity error on %s: %s", request.url.path, error.__class__.__name__)
    return problem_response(
        request,
        CONFLICT,
        "a concurrent request changed the same records; nothing was changed, retry",
    )


def operational_error(request: Request, error: Exception) -> JSONResponse:
    """The database is locked, unreachable or aborted the transaction (deadlock)."""
    log.warning("database unavailable on %s", request.url.path, exc_info=error)
    return problem_response(
        request,
        BUSY,
        "the database could not complete the request; nothing was changed, retry",
        headers={"Retry-After": "1"},
    )


def data_error(request: Request, error: Exception) -> JSONResponse:
    """A value the database refused (the input types should stop these first)."""
    log.warning("data error on %s", request.url.path, exc_info=error)
    return problem_response(request, INVALID, "a value does not fit what the database stores")


def install(app: FastAPI) -> None:
    """Register every handler on ``app`` and the catch-all middleware."""
    app.add_exception_handler(FundsError, funds_error)
    app.add_exception_handler(MoneyError, money_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ApiProblem, api_problem)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity_error)
    app.add_exception_handler(OperationalError, operational_error)
    app.add_exception_handler(PoolTimeout, operational_error)
    app.add_exception_handler(DataError, data_error)
    app.add_middleware(CatchAll)


class CatchAll:
    """ASGI middleware: an unexpected exception becomes a logged, trace-free 500 problem."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = problem_response(
                None,
                INTERNAL,
                "the server failed to answer; the error is logged",
                path=str(scope.get("path", "")),
            )
            await response(scope, receive, send)
