"""Tables of the HTTP API: its users (with hashed tokens) and stored idempotent responses.

A user is a name, a role and (for the scoped roles) a city or a recipient code. Its API token
is shown once when the user is created; only its sha256 is stored, so a stolen database does
not hand out tokens. Revoking sets ``revoked_at``; the row stays, because entries and records
name the user as their actor.

``api_idempotency`` keeps the first response to a money-moving POST under the user and the
``Idempotency-Key`` they sent, with a hash of the request, written in the same transaction as
the operation: a retry gets the stored response, another request under the same key a 409.

This module imports no web framework, so the CLI can manage users without loading one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def _stamp(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=False), nullable=nullable)


class ApiUser(SQLModel, table=True):
    """Someone (or something) that calls the API with a bearer token."""

    __tablename__ = "api_user"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(120), nullable=False, unique=True))
    """Recorded as the actor of everything the user does."""
    role: str = Field(sa_column=Column(String(20), nullable=False))
    """admin, finance, recipient, city, planner or auditor."""
    city: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    """The one city a ``city`` user reads and reviews (e.g. 合肥市)."""
    recipient: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    """The one recipient code a ``recipient`` user acts for."""
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    """sha256 (hex) of the bearer token; the token itself is never stored."""
    token_hint: str = Field(sa_column=Column(String(12), nullable=False))
    """The token's first characters, to tell tokens apart in listings."""
    created_at: datetime = Field(sa_column=_stamp())
    """When the user was created (UTC, naive)."""
    revoked_at: datetime | None = Field(default=None, sa_column=_stamp(nullable=True))
    """When the token was revoked (UTC, naive); a revoked user cannot authenticate."""


class IdempotentResponse(SQLModel, table=True):
    """The first response to a POST sent with an ``Idempotency-Key``."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(Integer, ForeignKey("api_user.id"), nullable=False))
    key: str = Field(sa_column=Column(String(120), nullable=False))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    """sha256 of the method, the path and the canonical JSON of the validated body."""
    method: str = Field(sa_column=Column(String(10), nullable=False))
    path: str = Field(sa_column=Column(String(300), nullable=False))
    status_code: int = Field(sa_column=Column(Integer, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    """The response body exactly as first sent (JSON)."""
    created_at: datetime = Field(sa_column=_stamp())
