"""The journal itself: balances as of a date, an account's history, entries, verification,
and reversal of a mistaken entry."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query

from funds import grants
from funds.api.deps import SessionDep
from funds.api.idempotency import Write
from funds.api.rules import allow
from funds.api.schemas.common import Limit, Offset, Page, page
from funds.api.schemas.grants import ReversalCreate, ReversalRead
from funds.api.schemas.ledger import (
    BalanceRead,
    EntryRead,
    HeadRead,
    HistoryLineRead,
    LegRead,
    VerifyRead,
)
from funds.api.types import KEY_PATTERN, Day
from funds.api.users import Role
from funds.grants.reconcile import verify_books
from funds.ledger import Ledger
from funds.money import to_yuan_string

router = APIRouter(prefix="/ledger", tags=["ledger"])
READERS = (Role.FINANCE, Role.AUDITOR)
EntryId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("/balances", **allow(*READERS))
def balances(
    session: SessionDep,
    prefix: Annotated[
        str, Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$", examples=["fund:mfg:2025:"])
    ] = "",
    as_of: Annotated[Day | None, Query(description="As of this effective date.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[BalanceRead]:
    """Balances of the accounts whose code starts with ``prefix``, now or as of a date."""
    rows = sorted(Ledger(session).balances(prefix, as_of=as_of).items())
    items = [BalanceRead(account=code, balance=to_yuan_string(v)) for code, v in rows]
    return page(items, limit, offset)


@router.get("/accounts/{account}/history", **allow(*READERS))
def history(
    account: Annotated[
        str, Path(max_length=200, pattern=KEY_PATTERN, examples=["award:ZONE-2025-0001:held"])
    ],
    session: SessionDep,
    start: Annotated[Day | None, Query(description="First effective date.")] = None,
    end: Annotated[Day | None, Query(description="Last effective date.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[HistoryLineRead]:
    """An account's postings in a date range, with the running balance after each."""
    lines = Ledger(session).history(account, start, end)
    items = [
        HistoryLineRead(
            entry=x.entry_id,
            effective_date=x.effective_date,
            kind=x.kind,
            memo=x.memo,
            voucher=x.voucher,
            amount=to_yuan_string(x.amount),
            balance=to_yuan_string(x.balance),
        )
        for x in lines
    ]
    return page(items, limit, offset)


@router.get("/entries/{entry}", **allow(*READERS))
def entry(entry: EntryId, session: SessionDep) -> EntryRead:
    """One journal entry with its postings."""
    ledger = Ledger(session)
    row = ledger.entry(entry)
    return EntryRead(
        id=entry,
        kind=row.kind,
        effective_date=row.effective_date,
        recorded_at=row.recorded_at,
        actor=row.actor,
        memo=row.memo,
        voucher=row.voucher,
        links=json.loads(row.links),
        reverses=row.reverses_id,
        reversed_by=ledger.reversal_of(entry),
        hash=row.hash,
        prev_hash=row.prev_hash,
        legs=[
            LegRead(account=x.account, amount=to_yuan_string(x.amount))
            for x in ledger.legs_of(entry)
        ],
    )


@router.get("/head", **allow(*READERS))
def head(session: SessionDep) -> HeadRead:
    """The newest entry's id and hash."""
    entry_id, digest = Ledger(session).head()
    return HeadRead(entry=entry_id, hash=digest)


@router.get("/verification", **allow(Role.AUDITOR))
def verification(session: SessionDep) -> VerifyRead:
    """Replay the journal (every hash, every entry's sum, every stored balance), then check
    the grants records (stages, uses, recoveries, exits) against the entries they name."""
    report = verify_books(session)
    return VerifyRead(
        ok=report.ok,
        entries=report.entries,
        postings=report.postings,
        accounts=report.accounts,
        records=report.records,
        head_hash=report.head_hash,
        first_problem=report.problem,
        problems=report.problems,
    )


@router.post(
    "/entries/{entry}/reversal", status_code=201, response_model=ReversalRead,
    **allow(Role.FINANCE),
)  # fmt: skip
def reverse(entry: EntryId, body: ReversalCreate, write: Write) -> object:
    """Reverse a mistaken entry (budget, release, pass-through, spending, recovery)."""

    def run() -> ReversalRead:
        posted = grants.reverse_entry(
            write.session,
            entry_id=entry,
            reason=body.reason,
            actor=write.actor,
            on=body.on,
            idempotency_key=write.service_key,
        )
        return ReversalRead(reversed=entry, entry=posted.id, replayed=posted.replayed)

    return write.respond(body, run, status_code=201)
