"""Bodies of the import routes: what an uploaded file added, and where its problems are."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from funds.api.schemas.common import Strict
from funds.imports import ImportResult, Problem


class KindCountsRead(Strict):
    """Rows of one kind: read, new (or, on a dry run, would be new), already there."""

    rows: int
    new: int
    existing: int


class ImportRead(Strict):
    """A clean file: checked (``dry_run``, nothing written) or applied and committed."""

    file: str = Field(examples=["下达明细.xlsx"])
    dry_run: bool
    committed: bool
    rows: int
    new: int
    existing: int = Field(description="Rows recorded earlier: a re-upload creates nothing.")
    kinds: dict[str, KindCountsRead]
    ignored: list[str] = Field(description="Columns and sheets that were not read.")

    @classmethod
    def of(cls, result: ImportResult) -> ImportRead:
        """The response of a clean ``result``."""
        return cls(
            file=result.file,
            dry_run=result.dry_run,
            committed=result.committed,
            rows=result.rows,
            new=result.new,
            existing=result.existing,
            kinds={k: KindCountsRead(**vars(c)) for k, c in result.counts.items()},
            ignored=result.ignored,
        )


def problem_details(result: ImportResult) -> dict[str, Any]:
    """The ``details`` of a refused file's 422: every problem at its cell, and the counts."""
    return {
        "file": result.file,
        "problems": [cell_problem(p) for p in result.problems],
        "rows": result.rows,
        "kinds": {k: vars(c) for k, c in result.counts.items()},
        "ignored": result.ignored,
    }


def cell_problem(problem: Problem) -> dict[str, Any]:
    """One problem: ``sheet``, ``row`` (as Excel shows it), ``column`` (the header as
    written), ``cell`` (``D7``), ``value``, ``message`` and ``rule`` where one was breached."""
    return problem.to_dict()
