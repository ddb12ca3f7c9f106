"""Recipients (scoped: a city officer sees its city's, a recipient officer itself)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import col, func, select

from funds import grants
from funds.api.deps import CurrentUser, SessionDep
from funds.api.idempotency import Write
from funds.api.rules import allow, allow_everyone
from funds.api.schemas.common import Limit, Offset, Page
from funds.api.schemas.grants import (
    RecipientCreate,
    RecipientKind,
    RecipientRead,
    RecipientSummaryRead,
)
from funds.api.scope import Scope
from funds.api.types import CODE_PATTERN, Day
from funds.api.users import Role
from funds.grants.models import Recipient
from funds.grants.views import recipient_view

router = APIRouter(prefix="/recipients", tags=["recipients and enterprises"])
RecipientCode = Annotated[str, Path(max_length=40, pattern=CODE_PATTERN, examples=["HF-GX"])]


@router.post("", status_code=201, response_model=RecipientRead, **allow(Role.FINANCE))
def create_recipient(body: RecipientCreate, write: Write) -> object:
    """Register a recipient."""

    def run() -> RecipientRead:
        row = grants.add_recipient(
            write.session,
            code=body.code,
            name=body.name,
            kind=body.kind,
            city=body.city,
            county=body.county,
            actor=write.actor,
        )
        return RecipientRead.model_validate(row, from_attributes=True)

    return write.respond(body, run, status_code=201)


@router.get("", **allow_everyone())
def list_recipients(
    session: SessionDep,
    user: CurrentUser,
    city: Annotated[str | None, Query(max_length=20, pattern=CODE_PATTERN)] = None,
    kind: RecipientKind | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[RecipientRead]:
    """List the recipients in scope, filtered by city and kind."""
    query = Scope.of(user).recipients(select(Recipient))
    if city is not None:
        query = query.where(Recipient.city == _city(city))
    if kind is not None:
        query = query.where(Recipient.kind == kind)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Recipient.code)).limit(limit).offset(offset)).all()
    items = [RecipientRead.model_validate(r, from_attributes=True) for r in rows]
    return Page[RecipientRead](items=items, total=total, limit=limit, offset=offset)


def _city(value: str) -> str:
    from funds.policy import normalise_city

    try:
        return normalise_city(value)
    except ValueError:
        return value  # an unknown city matches nothing


@router.get("/{code}", **allow_everyone())
def show_recipient(
    code: RecipientCode,
    session: SessionDep,
    user: CurrentUser,
    as_of: Annotated[Day | None, Query(description="As of this date (default: now).")] = None,
) -> RecipientSummaryRead:
    """A recipient with the statement of each of its awards, as of a date."""
    Scope.of(user).recipient_record(session, code)
    summary = grants.recipient_summary(session, code, as_of)
    return RecipientSummaryRead.model_validate(recipient_view(summary))
