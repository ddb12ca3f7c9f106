"""Verification: re-check every hash and replay every balance against the stored one.

Reads the journal in id order straight from the database (no ORM objects, streamed in
chunks), recomputes each entry's canonical form and chained hash, checks that its
postings sum to zero, then compares the replayed balances with the stored running
balances, the per-day balances and the chain head. The first thing that does not hold is
reported by entry id or account code, so that an auditor knows where to look.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from funds.ledger.hashing import GENESIS, canonical_entry, chain_hash

_CHUNK = 20_000
_STREAM = {"stream_results": True, "yield_per": _CHUNK}
_CANONICAL = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
"""The encoder of ``json.dumps(..., separators=(",", ":"), ensure_ascii=False)``, built once."""


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
    by_raw_day: dict[tuple[int, object], int] = defaultdict(int)
    entries = conn.execute(
        text(
            "SELECT id, kind, effective_date, recorded_at, actor, memo, voucher,"
            " idempotency_key, request_hash, reverses_id, links, prev_hash, hash"
            " FROM ledger_entry ORDER BY id"
        ),
        execution_options=_STREAM,
    )
    groups = _postings_by_entry(conn)
    group = next(groups, None)
    for chunk in entries.partitions(_CHUNK):
        for row in chunk:
            entry_id = row[0]
            while group is not None and group[0] < entry_id:
                for _ in group[1]:
                    report.fail(f"posting of entry #{group[0]} has no entry")
                group = next(groups, None)
            legs: list[tuple[int, int, object]] = []
            if group is not None and group[0] == entry_id:
                legs = group[1]
                group = next(groups, None)
            _check_entry(row, legs, prev, codes, report)
            for account_id, amount, day in legs:
                by_raw_day[(account_id, day)] += amount
            prev = row[12]
            last_id = entry_id
            report.entries += 1
            report.postings += len(legs)
    if group is not None:
        report.fail(f"posting of entry #{group[0]} has no entry")
    for (account_id, day), amount in by_raw_day.items():
        balances[account_id] += amount
        daily[(account_id, _as_date(day))] += amount
    report.head_hash = prev
    head = conn.execute(
        text("SELECT last_entry_id, last_hash FROM ledger_chain_head WHERE id = 1")
    ).first()
    if head is None or (head.last_entry_id or 0) != last_id or head.last_hash != prev:
        report.fail(
            f"chain head does not match the newest entry #{last_id}: entries were removed or"
            " the head was changed"
        )


def _postings_by_entry(
    conn: Connection,
) -> Iterator[tuple[int, list[tuple[int, int, object]]]]:
    """Yield ``(entry_id, [(account_id, amount, effective_date), ...])`` in entry order."""
    rows = conn.execute(
        text(
            "SELECT entry_id, account_id, amount, effective_date FROM ledger_posting"
            " ORDER BY entry_id, id"
        ),
        execution_options=_STREAM,
    )
    entry_id = None
    legs: list[tuple[int, int, object]] = []
    for chunk in rows.partitions(_CHUNK):
        for row in chunk:
            if row[0] != entry_id:
                if entry_id is not None:
                    yield int(entry_id), legs
                entry_id, legs = row[0], []
            legs.append((int(row[1]), int(row[2]), row[3]))
    if entry_id is not None:
        yield int(entry_id), legs


def _check_entry(
    row: Sequence[Any],
    legs: list[tuple[int, int, object]],
    prev: str,
    codes: dict[int, str],
    report: VerifyReport,
) -> None:
    (entry_id, kind, day, recorded, actor, memo, voucher, key, request, reverses, links) = row[:11]
    if row[11] != prev:
        report.fail(f"entry #{entry_id}: prev_hash does not link to the entry before it")
    if len(legs) < 2 or sum(amount for _, amount, _ in legs) != 0:
        report.fail(f"entry #{entry_id}: postings do not balance to zero or are missing")
    if any(leg_day != day and _as_date(leg_day) != _as_date(day) for _, _, leg_day in legs):
        report.fail(f"entry #{entry_id}: a posting's effective date differs from its entry's")
    postings: list[list[Any]] = [[codes.get(a, f"?{a}"), amount] for a, amount, _ in legs]
    # Fast path: the canonical form of hashing.canonical_entry, with a prebuilt encoder and
    # the stored text of dates as read. Whenever it does not reproduce the stored hash the
    # entry is judged by canonical_entry itself, so a shortcut can never pass or fail an
    # entry that the canonical form would judge otherwise (short of a SHA-256 collision).
    fast = _CANONICAL(
        [
            entry_id,
            kind,
            day if isinstance(day, str) else _as_date(day).isoformat(),
            _as_datetime_iso(recorded),
            actor,
            memo,
            voucher,
            key,
            request,
            reverses,
            links,
            postings,
        ]
    ).encode()
    if chain_hash(prev, fast) == row[12]:
        return
    canonical = canonical_entry(
        entry_id=entry_id,
        kind=kind,
        effective_date=_as_date(day),
        recorded_at=_as_datetime_iso(recorded),
        actor=actor,
        memo=memo,
        voucher=voucher,
        idempotency_key=key,
        request_hash=request,
        reverses_id=reverses,
        links=links,
        postings=[(code, amount) for code, amount in postings],
    )
    if chain_hash(prev, canonical) != row[12]:
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
