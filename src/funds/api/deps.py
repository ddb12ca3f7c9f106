"""What every route depends on: the unit of work, the current user, the write context.

``SessionDep`` is one unit of work per request, read-only for GET: it commits when the route
returns and before the response is sent (``scope="function"``), and rolls back when anything
raises, so a request that fails changes nothing. ``CurrentUser`` is the live user whose
bearer token the request carries. Routes are plain ``def``: FastAPI runs them in its thread
pool, where a writer waiting for SQLite's lock (``BEGIN IMMEDIATE``, busy timeout 60 s) or for
PostgreSQL's row locks blocks only its own thread.

Every hop to the thread pool costs a wake-up and a GIL hand-over (about a millisecond on a
busy machine), so only what touches the database runs there: a write request makes two
hops (the token look-up, the route, which commits at its end through
``WriteContext.respond``); opening the session, the role rule and the write context run in
the event loop, and so does closing a session that has no transaction left open.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.pool import QueuePool
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from funds.api import keys
from funds.api.problems import BUSY, UNAUTHORIZED, ApiProblem
from funds.api.users import Caller, authenticate
from funds.db import Database

READS = frozenset({"GET", "HEAD"})
KEY_HEADER = "Idempotency-Key"
GATE_TIMEOUT = 120.0
MAX_GATE = 32
"""Below the 40 threads FastAPI runs sync routes on (anyio's default limiter)."""

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token from `funds users add NAME --role ROLE` (shown once).",
)
"""The security scheme of the OpenAPI document (the header itself is read by
:func:`current_user`)."""


def get_database(request: Request) -> Database:
    """The database the app was created on."""
    database: Database = request.app.state.database
    return database


class Gate:
    """A semaphore of ``width`` per event loop (a test client runs one loop per client),
    and in front of it, when ``one_writer``, a lock that lets one write request at a time in.
    """

    def __init__(self, width: int, *, one_writer: bool = False) -> None:
        self.width = width
        self.one_writer = one_writer
        self._loops: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[asyncio.Semaphore, asyncio.Lock]
        ]
        self._loops = weakref.WeakKeyDictionary()

    def _of_this_loop(self) -> tuple[asyncio.Semaphore, asyncio.Lock]:
        loop = asyncio.get_running_loop()
        if loop not in self._loops:
            self._loops[loop] = (asyncio.Semaphore(self.width), asyncio.Lock())
        return self._loops[loop]

    def for_this_loop(self) -> asyncio.Semaphore:
        """The semaphore of the running loop."""
        return self._of_this_loop()[0]

    def writer_of_this_loop(self) -> asyncio.Lock | None:
        """The one-writer lock of the running loop (``None`` when writers are not queued)."""
        return self._of_this_loop()[1] if self.one_writer else None


def connection_gate(database: Database) -> Gate:
    """The gate in front of the database: as wide as its connection pool, and narrower
    than the thread pool that runs the routes.

    Requests beyond it wait in the event loop, holding no thread: a SQLite writer blocked on
    the database's lock (``BEGIN IMMEDIATE``, busy timeout 60 s) holds a thread, and the
    writer that holds the lock needs threads to finish and commit, so the gate must leave
    some free. Without it, fifty clients exhaust the pool's connections (30 s checkout
    timeout) or the thread pool (every thread waiting on the lock, none left to commit).

    Write requests also queue one at a time in the event loop, first come first served. On
    SQLite there is one writer anyway, and writers left to wait inside SQLite's busy handler
    poll with sleeps of up to 100 ms, in no order, so that under load a few of them wait for
    seconds while the lock is free (p99 4.3 s at 50 clients before the queue). On PostgreSQL
    every money-moving write queues on the ledger's chain-head row anyway; waiting there, 30
    threads fight the one holding the lock for the interpreter, and the row lock grants in no
    fixed order (same throughput, p99 2.1 s → 1.1 s at 50 clients with the queue).
    """
    pool = database.engine.pool
    width = MAX_GATE
    if isinstance(pool, QueuePool):
        width = pool.size() + max(getattr(pool, "_max_overflow", 0), 0)
    return Gate(max(1, min(width, MAX_GATE)), one_writer=True)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One unit of work for the request (read-only for GET), once there is room at the gate.

    The request first waits (in the event loop, holding no thread) for room at the
    database's gate. The session is made here in the event loop (it touches the database
    only at its first statement, in a route's or a dependency's thread); the commit or
    rollback runs in the thread pool, shielded from cancellation so that a client that
    hangs up cannot leave a transaction open. A write route commits at its end, in its own
    thread (``WriteContext.respond``); closing a session with no transaction open does no
    I/O, so that runs here, without a hop. Gate and unit of work are one dependency: every
    dependency FastAPI solves costs a little on every request, however small.
    """
    gate: Gate = request.app.state.gate
    readonly = request.method in READS
    writer = None if readonly else gate.writer_of_this_loop()
    semaphore = gate.for_this_loop()
    try:
        async with asyncio.timeout(GATE_TIMEOUT):
            if writer is not None:
                await writer.acquire()
            try:
                await semaphore.acquire()
            except BaseException:
                if writer is not None:
                    writer.release()
                raise
    except TimeoutError:
        raise ApiProblem(BUSY, f"the database stayed busy for {GATE_TIMEOUT:.0f} s") from None
    try:
        unit = get_database(request).unit_of_work(readonly=readonly)
        session = unit.__enter__()
        try:
            yield session
        except BaseException as error:
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(unit.__exit__, type(error), error, error.__traceback__)
            raise
        if session.in_transaction():
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(unit.__exit__, None, None, None)
        else:  # committed in the route's thread (WriteContext.respond): no I/O is left
            unit.__exit__(None, None, None)
    finally:
        semaphore.release()
        if writer is not None:
            writer.release()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def current_user(request: Request, session: SessionDep) -> Caller:
    """The user whose token the request carries; 401 without one or with a revoked one.

    The header is read here rather than through FastAPI's ``HTTPBearer`` dependency (one
    dependency fewer on every request, parsed alike); :func:`funds.api.rules.allow`
    declares the security scheme in the OpenAPI document instead.
    """
    scheme, token = get_authorization_scheme_param(request.headers.get("Authorization"))
    if not (scheme and token) or scheme.lower() != "bearer":
        raise ApiProblem(UNAUTHORIZED, "send the header Authorization: Bearer <API token>")
    key = None if request.method in READS else request.headers.get(KEY_HEADER)
    if key is None or not keys.well_formed(key):  # a bad key: the 422 comes from the route
        user, _ = authenticate(session, token)
    else:  # the key's lock and stored response travel with the token (funds.api.keys)
        dialect = session.get_bind().dialect.name
        user, cursors = authenticate(session, token, alongside=keys.statements(dialect, key))
        if user is not None:
            keys.remember(request, key, cursors)
    if user is None:
        raise ApiProblem(UNAUTHORIZED, "the API token is unknown or was revoked")
    return user


CurrentUser = Annotated[Caller, Depends(current_user)]
