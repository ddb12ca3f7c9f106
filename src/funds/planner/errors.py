"""The planner's branch of :class:`~funds.errors.FundsError`.

An infeasible scenario is not an error: it is a result with a diagnosis. Errors here are
refusals to run at all (an unreadable scenario, no solver) and runs that do not exist.
"""

from __future__ import annotations

from typing import Any

from funds.errors import ErrorKind, FundsError, InvalidInput, NotFound


class PlannerError(FundsError):
    """Raised for every refusal the planner makes."""


class ScenarioInvalid(InvalidInput, PlannerError):
    """Raised when a scenario field cannot be read; names the field (``candidates[3].amount``)."""

    kind = ErrorKind.INVALID

    def __init__(self, field: str, message: str, **details: Any) -> None:
        InvalidInput.__init__(self, field, message, **details)


class SolverUnavailable(PlannerError):
    """Raised when the scenario asks for a solver that is not installed."""

    kind = ErrorKind.INVALID

    def __init__(self, solver: str, available: list[str]) -> None:
        super().__init__(
            f"solver {solver!r} is not available (available: {', '.join(available) or 'none'})",
            solver=solver,
            available=available,
        )


class RunNotFound(NotFound, PlannerError):
    """Raised when a stored plan run with the given id does not exist."""

    def __init__(self, run_id: int) -> None:
        NotFound.__init__(self, f"plan run {run_id} does not exist", run_id=run_id)
        self.run_id = run_id
