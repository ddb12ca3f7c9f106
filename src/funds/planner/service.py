"""Planner services: run a scenario and store it, read runs back, compare them.

Services take a session and flush; the edge (CLI, API) commits. Solving happens outside
the database: :func:`run_and_store` calls the pure :func:`funds.planner.run.plan` and then
writes one ``plan_run`` row holding the canonical inputs and the whole result.
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from funds.planner.compare import Comparison, compare
from funds.planner.errors import RunNotFound
from funds.planner.inputs import PlanInputs
from funds.planner.models import PlanRun
from funds.planner.run import PlanResult, plan
from funds.planner.scenario import canonical_json


def store_run(
    session: Session, inputs: PlanInputs, result: PlanResult, *, actor: str = "", elapsed: float
) -> PlanRun:
    """Store ``result`` with the inputs that produced it; return the new row (flushed)."""
    text = canonical_json(inputs)
    run = PlanRun(
        scenario_name=inputs.name[:200],
        inputs_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        inputs=text,
        results=json.dumps(result.to_dict(), ensure_ascii=False, sort_keys=True),
        solver=result.solver,
        solver_version=result.solver_version[:40],
        planner_version=result.planner_version[:40],
        status=result.status,
        gap_ppm=None if result.gap is None else round(result.gap * 1_000_000),
        elapsed_ms=round(elapsed * 1000),
        actor=actor[:120],
        created_at=datetime.now(UTC).replace(tzinfo=None),
    )
    session.add(run)
    session.flush()
    return run


def run_and_store(
    session: Session, inputs: PlanInputs, *, actor: str = ""
) -> tuple[PlanRun, PlanResult]:
    """Plan ``inputs`` and store the run."""
    started = time.perf_counter()
    result = plan(inputs)
    run = store_run(session, inputs, result, actor=actor, elapsed=time.perf_counter() - started)
    return run, result


def get_run(session: Session, run_id: int) -> PlanRun:
    """Return stored run ``run_id``."""
    run = session.get(PlanRun, run_id)
    if run is None:
        raise RunNotFound(run_id)
    return run


def list_runs(session: Session, *, limit: int = 50) -> list[PlanRun]:
    """Return the newest runs first."""
    return list(session.exec(select(PlanRun).order_by(col(PlanRun.id).desc()).limit(limit)))


def results_of(run: PlanRun) -> dict[str, Any]:
    """Return the stored results JSON of ``run``."""
    body: dict[str, Any] = json.loads(run.results)
    return body


def compare_runs(session: Session, run_ids: list[int]) -> Comparison:
    """Compare stored runs side by side."""
    return compare([(rid, results_of(get_run(session, rid))) for rid in run_ids])
