"""Enterprises (final beneficiaries) and what each received."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import col, func, select

from funds import grants
from funds.api.deps import CurrentUser, SessionDep
from funds.api.idempotency import Write
from funds.api.rules import allow
from funds.api.schemas.common import Limit, Offset, Page
from funds.api.schemas.grants import EnterpriseCreate, EnterpriseRead, ReceiptRead
from funds.api.scope import Scope
from funds.api.types import Day
from funds.api.users import Role
from funds.grants.errors import Duplicate
from funds.grants.models import Enterprise
from funds.grants.usage import credit_code_of
from funds.grants.views import receipt_view

router = APIRouter(prefix="/enterprises", tags=["recipients and enterprises"])
CreditCode = Annotated[
    str, Path(max_length=18, pattern=r"^[0-9A-Za-z]+$", examples=["91340100MA0000001K"])
]


@router.post(
    "", status_code=201, response_model=EnterpriseRead, **allow(Role.FINANCE, Role.RECIPIENT)
)
def create_enterprise(body: EnterpriseCreate, write: Write) -> object:
    """Register an enterprise by its 统一社会信用代码 (check character validated).

    A code already registered is a conflict; a recipient officer is not told whose it is
    (the register is the province's: the enterprise may be another's).
    """

    def run() -> EnterpriseRead:
        try:
            row = grants.add_enterprise(
                write.session,
                credit_code=body.credit_code,
                name=body.name,
                city=body.city,
                actor=write.actor,
            )
        except Duplicate:
            if not Scope.of(write.user).limited:
                raise
            code = credit_code_of(body.credit_code)
            raise Duplicate(f"enterprise {code} is already registered") from None
        return EnterpriseRead.model_validate(row, from_attributes=True)

    return write.respond(body, run, status_code=201)


@router.get("", **allow(Role.FINANCE, Role.AUDITOR))
def list_enterprises(
    session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[EnterpriseRead]:
    """List the registered enterprises."""
    total = session.exec(select(func.count()).select_from(Enterprise)).one()
    rows = session.exec(
        select(Enterprise).order_by(col(Enterprise.credit_code)).limit(limit).offset(offset)
    ).all()
    items = [EnterpriseRead.model_validate(r, from_attributes=True) for r in rows]
    return Page[EnterpriseRead](items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/{credit_code}/receipts",
    **allow(Role.FINANCE, Role.AUDITOR, Role.CITY, Role.RECIPIENT),
)
def enterprise_receipts(
    credit_code: CreditCode,
    session: SessionDep,
    user: CurrentUser,
    as_of: Annotated[Day | None, Query(description="As of this date (default: now).")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ReceiptRead]:
    """What an enterprise received, award by award (a scoped user: under its awards only)."""
    scope = Scope.of(user)
    receipts = grants.enterprise_receipts(session, credit_code, as_of)
    scope.enterprise(session, credit_code, {r.award for r in receipts})
    visible = scope.visible_awards(session)
    if visible is not None:
        receipts = [r for r in receipts if r.award in visible]
    items = [ReceiptRead.model_validate(receipt_view(r)) for r in receipts]
    return Page[ReceiptRead](
        items=items[offset : offset + limit], total=len(items), limit=limit, offset=offset
    )
