"""The root of every domain error the engine raises.

Each package adds one branch (``LedgerError``, ``GrantsError``, ...). Errors know nothing
of HTTP or of the terminal: :data:`funds.errors.KIND_OF` sorts them into a few kinds that
the CLI turns into exit codes and the API into RFC 9457 problem details, in one table.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    """How an edge should treat an error."""

    INVALID = "invalid"  # the request is malformed: which field, why
    RULE = "rule"  # the request breaks a rule of the policy or of bookkeeping
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # idempotency key reused with another request, already done
    INTEGRITY = "integrity"  # the stored ledger does not verify


class FundsError(Exception):
    """Raised for every refusal the engine makes; never for a bug.

    ``kind`` tells the edges how to report it; ``rule`` and ``clause`` (where set) name the
    policy rule and its source so that an officer can look it up; ``details`` carries the
    objects involved as plain data.
    """

    kind: ErrorKind = ErrorKind.RULE
    rule: str | None = None
    clause: str | None = None

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """Return the error as plain data for JSON output."""
        body: dict[str, Any] = {"error": type(self).__name__, "kind": str(self.kind)}
        body["message"] = self.message
        if self.rule:
            body["rule"] = self.rule
        if self.clause:
            body["clause"] = self.clause
        if self.details:
            body["details"] = {k: _plain(v) for k, v in self.details.items()}
        return body


class InvalidInput(FundsError):
    """Raised when a request's field cannot be read: it names the field and why."""

    kind = ErrorKind.INVALID

    def __init__(self, field: str, message: str, **details: Any) -> None:
        super().__init__(f"{field}: {message}", field=field, **details)
        self.field = field


class NotFound(FundsError):
    """Raised when a named record (award, recipient, account, ...) does not exist."""

    kind = ErrorKind.NOT_FOUND


def _plain(value: Any) -> Any:
    if isinstance(value, str | int | bool | type(None)):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 2,
    ErrorKind.RULE: 3,
    ErrorKind.NOT_FOUND: 4,
    ErrorKind.CONFLICT: 5,
    ErrorKind.INTEGRITY: 6,
}
"""CLI exit codes per error kind (0 is success, 1 is reserved for "red alerts open")."""
