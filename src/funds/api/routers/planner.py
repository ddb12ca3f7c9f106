"""Allocation planning: run a scenario (stored), read a run, list runs, compare runs.

Solving happens inside the request, on the planner's time limits; the API caps a solve at
:data:`MAX_SOLVE_SECONDS` so that one scenario cannot hold a worker for long.
"""

from __future__ import annotations

import math
from dataclasses import asdict, replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import Field
from sqlmodel import col, func, select

from funds.api.deps import SessionDep
from funds.api.idempotency import Write
from funds.api.rules import allow
from funds.api.schemas.common import Limit, Offset, Page
from funds.api.schemas.planner import (
    ComparisonRead,
    PlanRunRead,
    PlanRunSummaryRead,
    Scenario,
)
from funds.api.users import Role
from funds.planner.models import PlanRun
from funds.planner.scenario import inputs_from_dict
from funds.planner.service import compare_runs, get_run, results_of, run_and_store

router = APIRouter(prefix="/plans", tags=["planner"])
MAX_SOLVE_SECONDS = 30.0
READERS = (Role.PLANNER, Role.AUDITOR)
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such solver figures travel as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _read(run: PlanRun) -> PlanRunRead:
    return PlanRunRead(
        run=run.id or 0,
        scenario=run.scenario_name,
        status=run.status,
        solver=run.solver,
        actor=run.actor,
        created_at=run.created_at,
        elapsed_ms=run.elapsed_ms,
        inputs_hash=run.inputs_hash,
        result=_finite(results_of(run)),
    )


@router.post("/runs", status_code=201, response_model=PlanRunRead, **allow(Role.PLANNER))
def run_scenario(body: Scenario, write: Write) -> object:
    """Solve a scenario, store the run and return the plan (or the diagnosis)."""

    def run() -> PlanRunRead:
        inputs = inputs_from_dict(body.root)
        if inputs.settings.time_limit > MAX_SOLVE_SECONDS:
            inputs = replace(
                inputs, settings=replace(inputs.settings, time_limit=MAX_SOLVE_SECONDS)
            )
        stored, _ = run_and_store(write.session, inputs, actor=write.actor)
        return _read(stored)

    return write.respond(body, run, status_code=201)


@router.get("/runs", **allow(*READERS))
def list_runs(
    session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> Page[PlanRunSummaryRead]:
    """Stored runs, newest first."""
    total = session.exec(select(func.count()).select_from(PlanRun)).one()
    rows = session.exec(
        select(PlanRun).order_by(col(PlanRun.id).desc()).limit(limit).offset(offset)
    ).all()
    items = [
        PlanRunSummaryRead(
            run=r.id or 0,
            scenario=r.scenario_name,
            status=r.status,
            solver=r.solver,
            actor=r.actor,
            created_at=r.created_at,
            elapsed_ms=r.elapsed_ms,
        )
        for r in rows
    ]
    return Page[PlanRunSummaryRead](items=items, total=total, limit=limit, offset=offset)


@router.get("/runs/{run}", **allow(*READERS))
def show_run(run: RunId, session: SessionDep) -> PlanRunRead:
    """A stored run with its whole result."""
    return _read(get_run(session, run))


@router.get("/comparisons", **allow(*READERS))
def compare(
    session: SessionDep,
    run: Annotated[
        list[Annotated[int, Field(ge=1, le=2**31 - 1)]],
        Query(min_length=2, max_length=10, description="Two or more run ids (repeat)."),
    ],
) -> ComparisonRead:
    """Runs side by side; rows where they differ are marked."""
    return ComparisonRead.model_validate(_finite(asdict(compare_runs(session, run))))
