"""Bodies of the ledger routes: balances, history, entries, head, verification."""

from __future__ import annotations

from datetime import date

from funds.api.schemas.common import Strict
from funds.api.types import Stamp


class BalanceRead(Strict):
    """An account's balance (元) now or as of a date."""

    account: str
    balance: str


class HistoryLineRead(Strict):
    """One posting of an account, with the running balance after it (元)."""

    entry: int
    effective_date: date
    kind: str
    memo: str
    voucher: str | None
    amount: str
    balance: str


class LegRead(Strict):
    """One posting of an entry (元; positive in, negative out)."""

    account: str
    amount: str


class EntryRead(Strict):
    """A journal entry with its postings."""

    id: int
    kind: str
    effective_date: date
    recorded_at: Stamp
    actor: str
    memo: str
    voucher: str | None
    links: dict[str, object]
    reverses: int | None
    reversed_by: int | None
    hash: str
    prev_hash: str
    legs: list[LegRead]


class HeadRead(Strict):
    """The newest entry and its hash: the ledger's fingerprint."""

    entry: int
    hash: str


class VerifyRead(Strict):
    """The result of replaying the whole journal: every hash, sum and balance."""

    ok: bool
    entries: int
    postings: int
    accounts: int
    records: int
    """Grants records (stages, uses, recoveries, exits) checked against their entries."""
    head_hash: str
    first_problem: str | None
    problems: list[str]
