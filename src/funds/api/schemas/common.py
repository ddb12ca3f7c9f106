"""Shapes every router shares: pages of a list, pagination parameters."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``, and ``total`` matching the filters."""

    items: list[T]
    total: int
    limit: int
    offset: int


Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]


def page(items: list[T], limit: int, offset: int) -> Page[T]:
    """Cut one page out of a full list (for lists the services return whole)."""
    return Page[T](
        items=items[offset : offset + limit], total=len(items), limit=limit, offset=offset
    )


class Strict(BaseModel):
    """A request body: unknown fields are refused, so a typo never goes unnoticed."""

    model_config = ConfigDict(extra="forbid")
