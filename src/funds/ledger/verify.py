"""Verification: re-check every hash and replay every balance against the stored one.

Reads the journal in id order straight from the database (no ORM objects, streamed in
chunks), recomputes each entry's canonical form and chained hash, checks that its
postings sum to zero, then compares the replayed balances with the stored running
balances, the per-day balances and the chain head. The first thing that does not hold is
reported by entry id or account code, so that an auditor knows where to look.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, text

from funds.ledger.hashing import GENESIS, canonical_entry, chain_hash

_CHUNK = 20_000
_STREAM = {"stream_results": True, "yield_per": _CHUNK}


@dataclass
class VerifyReport:
    """What verification found: counts, and the first problem (``None`` when all holds)."""

    entries: int = 0
    postings: int = 0
    accounts: int = 0
    head_hash: str = GENESIS
    problem: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every hash, sum and balance holds."""
        return self.problem is None

    def fail(self, message: str) -> None:
        """Record a problem (the first one is the headline)."""
        if self.problem is None:
            self.problem = message
        if len(self.problems) < 50:
            self.problems.append(message)


def verify(conn: Connection) -> VerifyReport:
    """Verify the whole ledger on ``conn`` and return the report."""
    report = VerifyReport()
    codes = {int(i): c for i, c in conn.execute(text("SELECT id, code FROM ledger_account"))}
    balances: dict[int, int] = defaultdict(int)
    daily: dict[tuple[int, date], int] = defaultdict(int)
    _check_chain(conn, codes, balances, daily, report)
    _check_balances(conn, codes, balances, report)
    _check_daily(conn, codes, daily, report)
    report.accounts = len(codes)
    return report


def _check_chain(
    conn: Connection,
    codes: dict[int, str],
    balances: dict[int, int],
    daily: dict[tuple[int, date], int],
    report: VerifyReport,
) -> None:
    prev = GENESIS
    last_id = 0
    entries = conn.execute(
        text(
            "SELECT id, kind, effective_date, recorded_at, actor, memo, voucher,"
            " idempotency_key, request_hash, reverses_id, links, prev_hash, hash"
            " FROM ledger_entry ORDER BY id"
        ),
        execution_options=_STREAM,
    )
    postings = _postings_by_entry(conn)
    current = next(postings, None)
    for row in entries:
        legs: list[tuple[int, int, date]] = []
        while current is not None and current[0] < row.id:
            report.fail(f"posting of entry #{current[0]} has no entry")
            current = next(postings, None)
        while current is not None and current[0] == row.id:
            legs.append((current[1], current[2], current[3]))
            current = next(postings, None)
        _check_entry(row, legs, prev, codes, report)
        for account_id, amount, day in legs:
            balances[account_id] += amount
            daily[(account_id, _as_date(day))] += amount
        prev = row.hash
        last_id = row.id
        report.entries += 1
        report.postings += len(legs)
    if current is not None:
        report.fail(f"posting of entry #{current[0]} has no entry")
    report.head_hash = prev
    head = conn.execute(
        text("SELECT last_entry_id, last_hash FROM ledger_chain_head WHERE id = 1")
    ).first()
    if head is None or (head.last_entry_id or 0) != last_id or head.last_hash != prev:
        report.fail(
            f"chain head does not match the newest entry #{last_id}: entries were removed or"
            " the head was changed"
        )


def _postings_by_entry(conn: Connection):  # type: ignore[no-untyped-def]
    rows = conn.execute(
        text(
            "SELECT entry_id, account_id, amount, effective_date FROM ledger_posting"
            " ORDER BY entry_id, id"
        ),
        execution_options=_STREAM,
    )
    for row in rows:
        yield int(row[0]), int(row[1]), int(row[2]), row[3]


def _check_entry(
    row: object,
    legs: list[tuple[int, int, date]],
    prev: str,
    codes: dict[int, str],
    report: VerifyReport,
) -> None:
    entry_id = row.id  # type: ignore[attr-defined]
    if row.prev_hash != prev:  # type: ignore[attr-defined]
        report.fail(f"entry #{entry_id}: prev_hash does not link to the entry before it")
    if len(legs) < 2 or sum(amount for _, amount, _ in legs) != 0:
        report.fail(f"entry #{entry_id}: postings do not balance to zero or are missing")
    if any(_as_date(day) != _as_date(row.effective_date) for _, _, day in legs):  # type: ignore[attr-defined]
        report.fail(f"entry #{entry_id}: a posting's effective date differs from its entry's")
    canonical = canonical_entry(
        entry_id=entry_id,
        kind=row.kind,  # type: ignore[attr-defined]
        effective_date=_as_date(row.effective_date),  # type: ignore[attr-defined]
        recorded_at=_as_datetime_iso(row.recorded_at),  # type: ignore[attr-defined]
        actor=row.actor,  # type: ignore[attr-defined]
        memo=row.memo,  # type: ignore[attr-defined]
        voucher=row.voucher,  # type: ignore[attr-defined]
        idempotency_key=row.idempotency_key,  # type: ignore[attr-defined]
        request_hash=row.request_hash,  # type: ignore[attr-defined]
        reverses_id=row.reverses_id,  # type: ignore[attr-defined]
        links=row.links,  # type: ignore[attr-defined]
        postings=[(codes.get(a, f"?{a}"), amount) for a, amount, _ in legs],
    )
    if chain_hash(prev, canonical) != row.hash:  # type: ignore[attr-defined]
        report.fail(f"entry #{entry_id}: hash does not match its contents (changed after posting)")


def _check_balances(
    conn: Connection, codes: dict[int, str], balances: dict[int, int], report: VerifyReport
) -> None:
    for account_id, stored in conn.execute(text("SELECT id, balance FROM ledger_account")):
        replayed = balances.get(int(account_id), 0)
        if int(stored) != replayed:
            report.fail(
                f"account {codes[int(account_id)]}: stored balance {stored} 分"
                f" differs from the replayed {replayed} 分"
            )


def _check_daily(
    conn: Connection,
    codes: dict[int, str],
    daily: dict[tuple[int, date], int],
    report: VerifyReport,
) -> None:
    stored = {
        (int(a), _as_date(d)): int(v)
        for a, d, v in conn.execute(text("SELECT account_id, day, delta FROM ledger_daily_balance"))
    }
    for key in sorted(set(stored) | {k for k, v in daily.items() if v}):
        if stored.get(key, 0) != daily.get(key, 0):
            report.fail(
                f"account {codes.get(key[0], key[0])}: per-day balance on {key[1]} is"
                f" {stored.get(key, 0)} 分, the postings say {daily.get(key, 0)} 分"
            )


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime_iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    text_value = str(value).replace(" ", "T")
    return text_value if "." in text_value else text_value + ".000000"
