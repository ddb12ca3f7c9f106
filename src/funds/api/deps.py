"""What every route depends on: the unit of work, the current user, the write context.

``SessionDep`` is one unit of work per request, read-only for GET: it commits when the route
returns and before the response is sent (``scope="function"``), and rolls back when anything
raises, so a request that fails changes nothing. ``CurrentUser`` is the live user whose
bearer token the request carries. Routes are plain ``def``: FastAPI runs them in its thread
pool, where a writer waiting for SQLite's lock (``BEGIN IMMEDIATE``, busy timeout 60 s) or for
PostgreSQL's row locks blocks only its own thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from funds.api.models import ApiUser
from funds.api.problems import UNAUTHORIZED, ApiProblem
from funds.api.users import authenticate
from funds.db import Database

READS = frozenset({"GET", "HEAD"})

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `funds users add NAME --role ROLE` (shown once).",
)


def get_database(request: Request) -> Database:
    """The database the app was created on."""
    database: Database = request.app.state.database
    return database


def get_session(request: Request) -> Iterator[Session]:
    """One unit of work for the request (read-only for GET)."""
    database = get_database(request)
    with database.unit_of_work(readonly=request.method in READS) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def current_user(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiUser:
    """The user whose token the request carries; 401 without one or with a revoked one."""
    if credentials is None:
        raise ApiProblem(UNAUTHORIZED, "send the header Authorization: Bearer <API token>")
    user = authenticate(session, credentials.credentials)
    if user is None:
        raise ApiProblem(UNAUTHORIZED, "the API token is unknown or was revoked")
    return user


CurrentUser = Annotated[ApiUser, Depends(current_user)]
