"""Errors the ledger raises; each names the entry or account involved."""

from __future__ import annotations

from typing import Any

from funds.errors import ErrorKind, FundsError, NotFound


class LedgerError(FundsError):
    """Raised when the ledger refuses a posting, a reversal or a query."""


class UnbalancedEntry(LedgerError):
    """Raised when an entry has fewer than two postings or they do not sum to zero."""

    kind = ErrorKind.INVALID
    rule = "entry-balances"


class InvalidAmount(LedgerError):
    """Raised when a posting's amount is not a non-zero integer of 分."""

    kind = ErrorKind.INVALID
    rule = "amounts-are-fen"


class UnknownAccount(NotFound, LedgerError):
    """Raised when a posting or query names an account that was never opened."""

    def __init__(self, code: str) -> None:
        super().__init__(f"no ledger account {code!r}", account=code)
        self.code = code


class UnknownEntry(NotFound, LedgerError):
    """Raised when a reversal names an entry that does not exist."""

    def __init__(self, entry_id: int) -> None:
        super().__init__(f"no ledger entry #{entry_id}", entry=entry_id)
        self.entry_id = entry_id


class AccountMismatch(LedgerError):
    """Raised when an account is opened again with another kind or balance rule."""

    kind = ErrorKind.CONFLICT


class BalanceRuleBroken(LedgerError):
    """Raised when a posting would take an account's balance past its rule.

    ``account``, ``balance`` (before), ``change`` and ``rule`` say which and by how much.
    """

    rule = "balance-rule"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message, **details)


class IdempotencyConflict(LedgerError):
    """Raised when an idempotency key is reused for a different request."""

    kind = ErrorKind.CONFLICT
    rule = "idempotency"


class AlreadyReversed(LedgerError):
    """Raised when an entry that was already reversed is reversed again."""

    kind = ErrorKind.CONFLICT
    rule = "reverse-once"


class IntegrityFailure(LedgerError):
    """Raised by verification when a hash, a balance or the chain does not hold."""

    kind = ErrorKind.INTEGRITY
