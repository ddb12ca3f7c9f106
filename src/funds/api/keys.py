"""An Idempotency-Key's lock and stored response, read in the round trip of the token look-up.

A write request under a key first finds its user by the bearer token, then takes the key's
lock (PostgreSQL: a transaction-scoped advisory lock on the user and the key; on SQLite the
write unit of work already holds the database's lock, ``BEGIN IMMEDIATE``) and reads the
response stored under the key (:mod:`funds.api.idempotency`). The key's statements name the
user by the token's hash, so all of them travel together with the transaction's ``BEGIN``
(:func:`funds.api.users.authenticate`): one round trip where there were three. An unknown
token locks nothing and finds nothing (the subquery is ``NULL``); a revoked one may lock
and find; either way the request is refused with a 401. A key that is not well formed is
not sent: the route refuses it with a 422 naming the header.

What the look-up found waits on the request (:func:`remember`) for the route's
:class:`~funds.api.idempotency.WriteContext`, which reads it again itself only if it is not
there for the same user and key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from funds.api.users import Alongside
from funds.driver_sql import DriverStatement

MAX_LENGTH = 120
"""The longest ``Idempotency-Key`` accepted (the header's own limit, checked here too)."""
_USER = "(SELECT id FROM api_user WHERE token_hash = ?)"
"""The token's user, revoked or not: whether it may act is the token look-up's to say (a
revocation committed between the statements must not lose the key's lock or its response)."""
_STORED = "SELECT request_hash, method, path, status_code, body FROM api_idempotency"
FIND = DriverStatement(f'{_STORED} WHERE user_id = ? AND "key" = ?')
LOCK = DriverStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, ?))")
"""The key's lock by user id and key: the same lock as the one taken by token."""
_FIND_BY_TOKEN = DriverStatement(f'{_STORED} WHERE user_id = {_USER} AND "key" = ?')
_LOCK_BY_TOKEN = DriverStatement(f"SELECT pg_advisory_xact_lock(hashtextextended(?, {_USER}))")


@dataclass(frozen=True)
class Looked:
    """What the look-up with the token found under ``key`` (``row``: ``None`` for nothing)."""

    key: str
    row: tuple[Any, ...] | None


def well_formed(key: str) -> bool:
    """Tell whether the route accepts ``key``: 1–120 visible ASCII characters, as the
    ``Idempotency-Key`` header of :func:`funds.api.idempotency.write_context` requires."""
    return 0 < len(key) <= MAX_LENGTH and all("\x21" <= c <= "\x7e" for c in key)


def statements(dialect: str, key: str) -> Alongside:
    """The key's statements for :func:`funds.api.users.authenticate`, given the token's hash."""

    def build(token_hash: str) -> Sequence[tuple[DriverStatement, Sequence[Any]]]:
        find = (_FIND_BY_TOKEN, (token_hash, key))
        return [find] if dialect == "sqlite" else [(_LOCK_BY_TOKEN, (key, token_hash)), find]

    return build


def remember(request: Request, key: str, cursors: Sequence[Any]) -> None:
    """Keep what the key's statements found for the route (their cursors, in order)."""
    request.state.idempotency = Looked(key, cursors[-1].fetchone())


def looked_up(request: Request, key: str) -> Looked | None:
    """What the token's look-up found under ``key``, if it looked."""
    found = getattr(request.state, "idempotency", None)
    return found if isinstance(found, Looked) and found.key == key else None
