"""Errors the compliance services raise."""

from __future__ import annotations

from funds.errors import ErrorKind, FundsError, InvalidInput, NotFound


class ComplianceError(FundsError):
    """Raised when a compliance operation is refused."""


class UnknownAlert(NotFound, ComplianceError):
    """Raised when no alert has the key or id given."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no alert {key!r}", alert=key)


class AlertAlreadyResolved(ComplianceError):
    """Raised when an officer acknowledges an alert that has already been resolved."""

    kind = ErrorKind.CONFLICT

    def __init__(self, key: str) -> None:
        super().__init__(f"alert {key!r} is resolved; there is nothing to acknowledge", alert=key)


class UnknownRule(InvalidInput, ComplianceError):
    """Raised when a rule id is not in the catalogue."""

    def __init__(self, rule: str, known: list[str]) -> None:
        super().__init__("rule", f"{rule!r} is not a rule; known: {', '.join(known)}", rule=rule)
