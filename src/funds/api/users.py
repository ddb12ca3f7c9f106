"""API users and their tokens: create (token shown once), list, revoke, authenticate.

Services flush; the edge (``funds users ...``) commits. A token is ``funds_`` followed by 32
random bytes in URL-safe base64; only its sha256 is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from funds.actors import actor_name
from funds.api.models import ApiUser
from funds.driver_sql import DriverStatement, run_together
from funds.errors import ErrorKind, FundsError, InvalidInput, NotFound
from funds.grants.common import recipient_by_code
from funds.policy import normalise_city

TOKEN_PREFIX = "funds_"

Alongside = Callable[[str], Sequence[tuple[DriverStatement, Sequence[Any]]]]
"""Given a token's hash, the statements that travel with its look-up (see :func:`authenticate`)."""


class Role(StrEnum):
    """What a user may do; see ``docs/api.md`` for the full role × route table."""

    ADMIN = "admin"  # everything
    FINANCE = "finance"  # province: budgets, awards, stage request/approve, recoveries
    RECIPIENT = "recipient"  # one recipient: its pass-through, own spending and reports
    CITY = "city"  # reads and reviews one city
    PLANNER = "planner"  # allocation scenarios
    AUDITOR = "auditor"  # reads everything, runs verify


class UserExists(FundsError):
    """Raised when a user with the same name already exists."""

    kind = ErrorKind.CONFLICT


class UnknownUser(NotFound):
    """Raised when no user has the given name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no API user {name!r}", user=name)


@dataclass(frozen=True, slots=True)
class Caller:
    """The live user a request's token names: what routes, scopes and records need of it."""

    id: int
    name: str
    """Recorded as the actor of everything the user does."""
    role: str
    city: str | None
    recipient: str | None


@dataclass(frozen=True)
class NewUser:
    """A user just created, with the token that will never be shown again."""

    user: ApiUser
    token: str


def hash_token(token: str) -> str:
    """Return the stored form of a token (sha256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def add_user(
    session: Session,
    *,
    name: str,
    role: Role | str,
    city: str | None = None,
    recipient: str | None = None,
) -> NewUser:
    """Create a user with a fresh token; a city user needs a city, a recipient user a code."""
    role = _role(role)
    name = actor_name(name, "name")
    if len(name) > 120:
        raise InvalidInput("name", "a user name has 1 to 120 characters")
    city, recipient = _scope_of(session, role, city, recipient)
    if session.exec(select(ApiUser).where(ApiUser.name == name)).first() is not None:
        raise UserExists(f"API user {name!r} already exists", user=name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user = ApiUser(
        name=name,
        role=str(role),
        city=city,
        recipient=recipient,
        token_hash=hash_token(token),
        token_hint=token[: len(TOKEN_PREFIX) + 4],
        created_at=_now(),
    )
    session.add(user)
    session.flush()
    return NewUser(user, token)


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidInput("role", f"{role!r} is not one of {known}") from None


def _scope_of(
    session: Session, role: Role, city: str | None, recipient: str | None
) -> tuple[str | None, str | None]:
    if role is Role.CITY:
        if not city or recipient:
            raise InvalidInput("city", "a city user needs --city (and no --recipient)")
        try:
            return normalise_city(city), None
        except ValueError as error:
            raise InvalidInput("city", str(error)) from None
    if role is Role.RECIPIENT:
        if not recipient or city:
            raise InvalidInput("recipient", "a recipient user needs --recipient (and no --city)")
        return None, recipient_by_code(session, recipient).code
    if city or recipient:
        raise InvalidInput("role", f"a {role.value} user is not limited to a city or recipient")
    return None, None


def list_users(session: Session) -> list[ApiUser]:
    """Return every user, revoked ones included, by name."""
    return list(session.exec(select(ApiUser).order_by(col(ApiUser.name))))


def revoke_user(session: Session, *, name: str) -> ApiUser:
    """Revoke the user's token (the user row stays: records name it as their actor)."""
    user = session.exec(select(ApiUser).where(ApiUser.name == name)).first()
    if user is None:
        raise UnknownUser(name)
    if user.revoked_at is None:
        user.revoked_at = _now()
        session.add(user)
        session.flush()
    return user


_BY_TOKEN = DriverStatement(
    "SELECT id, name, role, city, recipient FROM api_user"
    " WHERE token_hash = ? AND revoked_at IS NULL"
)


def authenticate(
    session: Session, token: str, *, alongside: Alongside | None = None
) -> tuple[Caller | None, list[Any]]:
    """Return the live user holding ``token`` (or ``None``), and the cursors of ``alongside``.

    This runs on every request, first in its transaction, so it is one statement on the
    driver's cursor (:mod:`funds.driver_sql`) reading the five columns a :class:`Caller` has
    (a plain dataclass: building an ``ApiUser`` model cost more than the query), and on
    PostgreSQL it travels with the transaction's ``BEGIN`` (:func:`run_together`): one round
    trip, not two. ``alongside``, given the token's hash, returns statements that go in the
    same round trip (a write's idempotency key: :mod:`funds.api.keys`); their cursors come
    back in order, to fetch from. The hash is a plain sha256, which is right for a token of
    32 random bytes (nothing to guess, so no slow password hash is needed).
    """
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None, []
    token_hash = hash_token(token)
    extra = [] if alongside is None else alongside(token_hash)
    found, *cursors = run_together(session, [(_BY_TOKEN, (token_hash,)), *extra])
    row = found.fetchone()
    return (None if row is None else Caller(*row)), cursors


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
