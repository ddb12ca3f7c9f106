"""Awards: grant, list (scoped, filtered, paged) and the statement as of a date."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import col, func, select

from funds import grants
from funds.api.deps import CurrentUser, SessionDep
from funds.api.idempotency import Write
from funds.api.rules import allow, allow_everyone
from funds.api.schemas.common import Limit, Offset, Page
from funds.api.schemas.grants import AwardCreate, AwardStatementRead, AwardSummaryRead
from funds.api.scope import Scope
from funds.api.types import CODE_PATTERN, Day, fen
from funds.api.users import Role
from funds.errors import InvalidInput
from funds.grants.awards import StagePlan
from funds.grants.county import county_facts
from funds.grants.models import Award, Fund, Recipient
from funds.grants.views import statement_view
from funds.money import to_yuan_string
from funds.policy import Programme

router = APIRouter(prefix="/awards", tags=["awards"])
AwardCode = Annotated[str, Path(max_length=40, pattern=CODE_PATTERN, examples=["ZONE-2025-0001"])]
AsOf = Annotated[Day | None, Query(description="As of this date (default: now).")]


@router.post("", status_code=201, response_model=AwardStatementRead, **allow(Role.FINANCE))
def grant_award(body: AwardCreate, write: Write) -> object:
    """Grant an award and commit its stages against each year's budget (money-moving)."""

    def run() -> AwardStatementRead:
        figures = body.county
        if figures is None and body.programme is Programme.COUNTY_CLUSTER:
            raise InvalidInput(
                "county", "a county cluster is recognised on its figures (COUNTY-PLAN 附件4 第三条)"
            )
        county = county_facts(
            body.programme,
            revenue=figures.revenue if figures else None,
            leading_enterprises=figures.leading_enterprises if figures else None,
            quality_enterprises=figures.quality_enterprises if figures else None,
            rd_intensity=figures.rd_intensity if figures else None,
            first_in_province=figures.first_in_province if figures else False,
            top_nationally=figures.top_nationally if figures else False,
        )
        award = grants.grant_award(
            write.session,
            programme=body.programme,
            recipient=body.recipient,
            fund=body.fund,
            granted_on=body.granted_on,
            actor=write.actor,
            amount=fen(body.amount, "amount") if body.amount is not None else None,
            tier=body.tier,
            split=tuple(body.split) if body.split else None,
            stages=(
                [
                    StagePlan(s.year, fen(s.amount, f"stages[{i}].amount"))
                    for i, s in enumerate(body.stages)
                ]
                if body.stages
                else None
            ),
            code=body.code,
            idempotency_key=write.service_key,
            county=county,
        )
        statement = grants.award_statement(write.session, award.code)
        return AwardStatementRead.model_validate(statement_view(statement))

    return write.respond(body, run, status_code=201)


@router.get("", **allow_everyone())
def list_awards(
    session: SessionDep,
    user: CurrentUser,
    programme: Programme | None = None,
    status: Annotated[str | None, Query(pattern="^(active|exited|revoked|closed)$")] = None,
    recipient: Annotated[str | None, Query(max_length=40, pattern=CODE_PATTERN)] = None,
    fund: Annotated[str | None, Query(max_length=40, pattern=CODE_PATTERN)] = None,
    granted_from: Annotated[Day | None, Query(description="Granted on or after.")] = None,
    granted_to: Annotated[Day | None, Query(description="Granted on or before.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AwardSummaryRead]:
    """List the awards in scope, filtered, by code."""
    query = (
        select(Award, Recipient, Fund)
        .join(Recipient, col(Recipient.id) == Award.recipient_id)
        .join(Fund, col(Fund.id) == Award.fund_id)
    )
    query = Scope.of(user).recipients(query)
    if programme is not None:
        query = query.where(Award.programme == programme.value)
    if status is not None:
        query = query.where(Award.status == status)
    if recipient is not None:
        query = query.where(Recipient.code == recipient)
    if fund is not None:
        query = query.where(Fund.code == fund)
    if granted_from is not None:
        query = query.where(Award.granted_on >= granted_from)
    if granted_to is not None:
        query = query.where(Award.granted_on <= granted_to)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(col(Award.code)).limit(limit).offset(offset)).all()
    items = [
        AwardSummaryRead(
            code=a.code,
            programme=a.programme,
            tier=a.tier,
            recipient=r.code,
            recipient_name=r.name,
            city=r.city,
            fund=f.code,
            amount=to_yuan_string(a.amount),
            granted_on=a.granted_on,
            status=a.status,
            ended_on=a.ended_on,
        )
        for a, r, f in rows
    ]
    return Page[AwardSummaryRead](items=items, total=total, limit=limit, offset=offset)


@router.get("/{code}", **allow_everyone())
def show_award(
    code: AwardCode, session: SessionDep, user: CurrentUser, as_of: AsOf = None
) -> AwardStatementRead:
    """The award's statement as of a date: stages, payments, pass-through, recovery."""
    Scope.of(user).award(session, code)
    return AwardStatementRead.model_validate(
        statement_view(grants.award_statement(session, code, as_of))
    )
