"""What every route depends on: the unit of work, the current user, the write context.

``SessionDep`` is one unit of work per request, read-only for GET: it commits when the route
returns and before the response is sent (``scope="function"``), and rolls back when anything
raises, so a request that fails changes nothing. ``CurrentUser`` is the live user whose
bearer token the request carries. Routes are plain ``def``: FastAPI runs them in its thread
pool, where a writer waiting for SQLite's lock (``BEGIN IMMEDIATE``, busy timeout 60 s) or for
PostgreSQL's row locks blocks only its own thread.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from funds.api.models import ApiUser
from funds.api.problems import BUSY, UNAUTHORIZED, ApiProblem
from funds.api.users import authenticate
from funds.db import Database

READS = frozenset({"GET", "HEAD"})
GATE_TIMEOUT = 120.0
MAX_GATE = 32
"""Below the 40 threads FastAPI runs sync routes on (anyio's default limiter)."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `funds users add NAME --role ROLE` (shown once).",
)


def get_database(request: Request) -> Database:
    """The database the app was created on."""
    database: Database = request.app.state.database
    return database


class Gate:
    """A semaphore of ``width`` per event loop (a test client runs one loop per client)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._loops = weakref.WeakKeyDictionary()

    def for_this_loop(self) -> asyncio.Semaphore:
        """The semaphore of the running loop."""
        loop = asyncio.get_running_loop()
        if loop not in self._loops:
            self._loops[loop] = asyncio.Semaphore(self.width)
        return self._loops[loop]


def connection_gate(database: Database) -> Gate:
    """The gate in front of the database: as wide as its connection pool, and narrower
    than the thread pool that runs the routes.

    Requests beyond it wait in the event loop, holding no thread: a SQLite writer blocked on
    the database's lock (``BEGIN IMMEDIATE``, busy timeout 60 s) holds a thread, and the
    writer that holds the lock needs threads to finish and commit, so the gate must leave
    some free. Without it, fifty clients exhaust the pool's connections (30 s checkout
    timeout) or the thread pool (every thread waiting on the lock, none left to commit).
    """
    pool = database.engine.pool
    width = MAX_GATE
    if isinstance(pool, QueuePool):
        width = pool.size() + max(getattr(pool, "_max_overflow", 0), 0)
    return Gate(max(1, min(width, MAX_GATE)))


async def hold_gate(request: Request) -> AsyncIterator[None]:
    """Wait (in the event loop, holding no thread) for room at the database's gate."""
    gate: Gate = request.app.state.gate
    semaphore = gate.for_this_loop()
    try:
        await asyncio.wait_for(semaphore.acquire(), GATE_TIMEOUT)
    except TimeoutError:
        raise ApiProblem(BUSY, f"the database stayed busy for {GATE_TIMEOUT:.0f} s") from None
    try:
        yield
    finally:
        semaphore.release()


def get_session(
    request: Request, _gate: Annotated[None, Depends(hold_gate, scope="function")]
) -> Iterator[Session]:
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
