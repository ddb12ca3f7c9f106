"""Funds and their annual budgets; a fund-year's execution as of a date."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import col, func, select

from funds import grants
from funds.api.deps import SessionDep
from funds.api.idempotency import Write
from funds.api.rules import allow
from funds.api.schemas.common import Limit, Offset, Page
from funds.api.schemas.grants import BudgetRead, BudgetSet, ExecutionRead, FundCreate, FundRead
from funds.api.types import CODE_PATTERN, Day, fen
from funds.api.users import Role
from funds.grants.models import Fund, FundYear
from funds.grants.views import execution_view
from funds.money import to_yuan_string

router = APIRouter(prefix="/funds", tags=["funds and budgets"])
FundCode = Annotated[str, Path(max_length=40, pattern=CODE_PATTERN, examples=["mfg"])]
PROVINCE = (Role.FINANCE, Role.AUDITOR, Role.PLANNER)


@router.post("", status_code=201, response_model=FundRead, **allow(Role.FINANCE))
def create_fund(body: FundCreate, write: Write) -> object:
    """Register a special fund (资金来源)."""

    def run() -> FundRead:
        fund = grants.add_fund(write.session, code=body.code, name=body.name, actor=write.actor)
        return FundRead(code=fund.code, name=fund.name, registered_by=fund.registered_by)

    return write.respond(body, run, status_code=201)


@router.get("", **allow(*PROVINCE))
def list_funds(session: SessionDep, limit: Limit = 50, offset: Offset = 0) -> Page[FundRead]:
    """List the funds with their annual budgets."""
    total = session.exec(select(func.count()).select_from(Fund)).one()
    funds = session.exec(select(Fund).order_by(col(Fund.code)).limit(limit).offset(offset)).all()
    ids = [f.id for f in funds]
    budgets: dict[int, dict[str, str]] = {}
    for row in session.exec(select(FundYear).where(col(FundYear.fund_id).in_(ids))):
        budgets.setdefault(row.fund_id, {})[str(row.year)] = to_yuan_string(row.budget)
    items = [
        FundRead(
            code=f.code,
            name=f.name,
            registered_by=f.registered_by,
            budgets=dict(sorted(budgets.get(f.id or 0, {}).items())),
        )
        for f in funds
    ]
    return Page[FundRead](items=items, total=total, limit=limit, offset=offset)


@router.post("/{fund}/budgets", response_model=BudgetRead, **allow(Role.FINANCE))
def set_budget(fund: FundCode, body: BudgetSet, write: Write) -> object:
    """Set or amend a fund's annual budget (money-moving: send an ``Idempotency-Key``)."""

    def run() -> BudgetRead:
        row = grants.set_budget(
            write.session,
            fund_code=fund,
            year=body.year,
            amount=fen(body.amount, "amount"),
            reason=body.reason,
            actor=write.actor,
            effective_date=body.effective_date,
            idempotency_key=write.service_key,
        )
        return BudgetRead(fund=fund, year=body.year, budget=to_yuan_string(row.budget))

    return write.respond(body, run)


@router.get("/{fund}/years/{year}", **allow(*PROVINCE))
def fund_execution(
    fund: FundCode,
    year: Annotated[int, Path(ge=2000, le=2099)],
    session: SessionDep,
    as_of: Annotated[Day | None, Query(description="As of this date (default: now).")] = None,
) -> ExecutionRead:
    """A fund-year's execution: budget, committed, paid, available, recovered, cancelled."""
    result = grants.fund_year_execution(session, fund, year, as_of)
    return ExecutionRead.model_validate(execution_view(result))
