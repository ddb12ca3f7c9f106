"""Errors the grants services raise, each naming the rule and the clause it enforces."""

from __future__ import annotations

from typing import Any

from funds.errors import ErrorKind, FundsError, InvalidInput, NotFound
from funds.policy import CLAUSES


class GrantsError(FundsError):
    """Raised when a grants operation is refused."""


class RuleBreach(GrantsError):
    """Raised when an operation would break a policy or bookkeeping rule.

    ``rule`` is the rule's id; ``clause`` cites the policy text (file and article).
    """

    def __init__(self, rule: str, message: str, *, clause: str | None = None, **details: Any):
        super().__init__(message, **details)
        self.rule = rule
        self.clause = CLAUSES[clause].cite() if clause else None


class GateNotMet(RuleBreach):
    """Raised when a stage is released without the passing assessment (or recognition)."""


class AwardEnded(RuleBreach):
    """Raised when money would move for an award whose recipient exited or was revoked."""


class BudgetShortfall(RuleBreach):
    """Raised when a year's available budget cannot carry a commitment; names the shortfall."""


class MakerChecker(RuleBreach):
    """Raised when the approver of a stage is the officer who requested it."""


class Duplicate(GrantsError):
    """Raised when a record with the same natural key already exists."""

    kind = ErrorKind.CONFLICT


class UnknownRecord(NotFound, GrantsError):
    """Raised when a fund, recipient, enterprise or award code does not exist."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"no {what} {key!r}", what=what, key=key)


__all__ = [
    "AwardEnded",
    "BudgetShortfall",
    "Duplicate",
    "GateNotMet",
    "GrantsError",
    "InvalidInput",
    "MakerChecker",
    "RuleBreach",
    "UnknownRecord",
]
