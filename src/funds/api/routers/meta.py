"""Who am I, and is the service up."""

from __future__ import annotations

from fastapi import APIRouter

from funds.api.deps import CurrentUser
from funds.api.rules import allow_everyone, allow_public
from funds.api.schemas.common import Strict

router = APIRouter(tags=["service"])


class UserRead(Strict):
    """The calling user: name (recorded as actor), role and scope."""

    name: str
    role: str
    city: str | None
    recipient: str | None


class HealthRead(Strict):
    """The service answers."""

    status: str


@router.get("/me", **allow_everyone())
def me(user: CurrentUser) -> UserRead:
    """The user the token belongs to."""
    return UserRead(name=user.name, role=user.role, city=user.city, recipient=user.recipient)


@router.get("/health", **allow_public())
def health() -> HealthRead:
    """Liveness: answers without a token and without touching the database."""
    return HealthRead(status="ok")
