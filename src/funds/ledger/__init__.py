"""The double-entry journal of provincial funds.

Accounts hold integer 分 under a balance rule; entries are appended, balanced, hash-chained
and never changed (a reversal is a new entry that points at the old one). See
:mod:`funds.ledger.service` for the posting API and :mod:`funds.ledger.verify` for the
audit replay, and :mod:`funds.ledger.writer` for entries from many threads committed together.
"""

from funds.ledger.errors import (
    AccountMismatch,
    AlreadyReversed,
    BalanceRuleBroken,
    IdempotencyConflict,
    IntegrityFailure,
    InvalidAmount,
    LedgerError,
    UnbalancedEntry,
    UnknownAccount,
    UnknownEntry,
)
from funds.ledger.models import Account, AccountKind, BalanceRule, Entry, Posting
from funds.ledger.service import (
    Alongside,
    EntryRequest,
    HistoryLine,
    Ledger,
    Leg,
    PostedEntry,
)
from funds.ledger.verify import VerifyReport, verify
from funds.ledger.writer import LedgerWriter

__all__ = [
    "Account",
    "AccountKind",
    "AccountMismatch",
    "Alongside",
    "AlreadyReversed",
    "BalanceRule",
    "BalanceRuleBroken",
    "Entry",
    "EntryRequest",
    "HistoryLine",
    "IdempotencyConflict",
    "IntegrityFailure",
    "InvalidAmount",
    "Ledger",
    "LedgerError",
    "LedgerWriter",
    "Leg",
    "PostedEntry",
    "Posting",
    "UnbalancedEntry",
    "UnknownAccount",
    "UnknownEntry",
    "VerifyReport",
    "verify",
]
