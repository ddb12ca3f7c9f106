"""The stored planner run: a scenario's inputs, the solver's answer and how it was reached.

A run is kept whole so that it can be reproduced and compared later: ``inputs`` is the
canonical JSON of the scenario exactly as solved (its sha256 in ``inputs_hash``), ``results``
the plan with its explanations. The solver, its version, the status it truly reached, the
MIP gap and the wall time are columns, so a list of runs can be read without parsing JSON.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, String, Text
from sqlmodel import Field, SQLModel


class PlanRun(SQLModel, table=True):
    """One solved (or refused as infeasible) planning scenario."""

    __tablename__ = "plan_run"

    id: int | None = Field(default=None, primary_key=True)
    scenario_name: str = Field(sa_column=Column(String(200), nullable=False))
    inputs_hash: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    """sha256 of ``inputs``: equal hashes mean the same scenario was solved."""
    inputs: str = Field(sa_column=Column(Text, nullable=False))
    """Canonical JSON of the scenario (money as integer 分)."""
    results: str = Field(sa_column=Column(Text, nullable=False))
    """JSON of the plan, explanations and diagnosis (money as integer 分)."""
    solver: str = Field(sa_column=Column(String(40), nullable=False))
    solver_version: str = Field(sa_column=Column(String(40), nullable=False))
    planner_version: str = Field(sa_column=Column(String(40), nullable=False))
    """Version of the ``funds`` package whose model produced the run."""
    status: str = Field(sa_column=Column(String(40), nullable=False))
    """``optimal``, ``feasible``, ``infeasible`` or ``no_solution`` (time ran out first)."""
    gap_ppm: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    """Relative MIP gap in parts per million (1,000 = 0.1 %); None when no plan was found."""
    elapsed_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    """Wall time of the whole run in milliseconds (model build, solve, explanations)."""
    actor: str = Field(default="", sa_column=Column(String(120), nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=False), nullable=False))
    """When the run was stored (UTC, naive)."""
