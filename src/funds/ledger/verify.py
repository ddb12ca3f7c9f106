"""Verification: re-check every hash and replay every balance against the stored one.

The journal is read in id order straight from the database, each entry's chained hash is
recomputed over its canonical form, its postings must sum to zero and carry its effective
date, and the replayed balances are compared with the stored running balances, the
per-day balances and the chain head. The first thing that does not hold is reported by
entry id or account code, so that an auditor knows where to look.

Two ways reach the same report. :func:`_replay` is the reference: Python streams every
entry and posting, builds the canonical form and adds every posting up itself; it serves
PostgreSQL, and SQLite whenever the fast way cannot answer exactly. :func:`_verify_sqlite`
lets SQLite do the bulk work (see :mod:`funds.ledger.sqlite_walk`): one statement renders
each entry's canonical text and posting aggregates, Python hashes, and every entry that is
not plainly right is judged by the reference's own per-entry check; the balances and
per-day balances are summed by ``GROUP BY``. A SQL sum could be fooled where Python's
could not, so the fast way refuses (and the replay answers) when any amount is not an
integer within ``±2**50`` (a real, text or null amount would be added inexactly or not at
all), when a sum overflows, when any statement fails, or when too many entries are
suspect; postings of no entry are subtracted from the SQL sums, as the replay never adds
them. On a big SQLite file the walk is split in two id ranges, the upper one walked by a
second process (see :class:`_Split`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, text

from funds.ledger import sqlite_walk
from funds.ledger.hashing import (
    GENESIS,
    canonical_entry,
    chain_hash,
    compact_json,
    recorded_at_text,
)

_CHUNK = 20_000
_STREAM = {"stream_results": True, "yield_per": _CHUNK}
_CANONICAL = compact_json(ensure_ascii=False)
"""The canonical form's encoder (``hashing.compact_json``), the one the posting path uses."""
_MAX_SUSPECTS = 1_000
"""More suspect entries than this in a walk: the fast way gives up and the replay answers."""
_PARALLEL_MIN = 200_000
"""Below this many entries the second process costs more than it saves."""
_LOW_SHARE = 0.48
"""The share of the id span walked in this process, which also does the checks after it."""
_ENTRY_COLUMNS = (
    "id, kind, effective_date, recorded_at, actor, memo, voucher,"
    " idempotency_key, request_hash, reverses_id, links, prev_hash, hash"
)


@dataclass
class VerifyReport:
    """What verification found: counts, and the first problem (``None`` when all holds)."""

    entries: int = 0
    postings: int = 0
    accounts: int = 0
    records: int = 0
    """Rows of the grants records checked against the ledger (:mod:`funds.grants.reconcile`)."""
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


def verify(conn: Connection, *, fast: bool = True) -> VerifyReport:
    """Verify the whole ledger on ``conn`` and return the report.

    ``fast=False`` always takes the reference replay (slower on SQLite, same report).
    """
    if fast and conn.dialect.name == "sqlite":
        report = _verify_sqlite(conn)
        if report is not None:
            return report
    return _replay(conn)


def _replay(conn: Connection) -> VerifyReport:
    """The reference: stream every entry and posting through Python."""
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
        text(f"SELECT {_ENTRY_COLUMNS} FROM ledger_entry ORDER BY id"),
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
            legs = _check_entry(row, legs, prev, codes, report)
            for account_id, amount, day in legs:
                by_raw_day[(account_id, day)] += amount
            prev = row[12]
            last_id = entry_id
            report.entries += 1
            report.postings += len(legs)
    while group is not None:
        for _ in group[1]:
            report.fail(f"posting of entry #{group[0]} has no entry")
        group = next(groups, None)
    for (account_id, day), amount in by_raw_day.items():
        balances[account_id] += amount
        daily[(account_id, _as_date(day))] += amount
    report.head_hash = prev
    _check_head(conn, last_id, prev, report)


def _check_head(conn: Connection, last_id: int, last_hash: str, report: VerifyReport) -> None:
    head = conn.execute(
        text("SELECT last_entry_id, last_hash FROM ledger_chain_head WHERE id = 1")
    ).first()
    if head is None or (head.last_entry_id or 0) != last_id or head.last_hash != last_hash:
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
            legs.append((int(row[1]), row[2], row[3]))
    if entry_id is not None:
        yield int(entry_id), legs


def _check_entry(
    row: Sequence[Any],
    legs: list[tuple[int, int, object]],
    prev: str,
    codes: dict[int, str],
    report: VerifyReport,
) -> list[tuple[int, int, object]]:
    """Check one entry; return its legs with every amount a whole number of 分.

    An amount stored as anything but an integer (``100.5`` or ``'100'`` written behind the
    engine's back) is reported and counts as 0, so the replayed balances disagree as well; a
    truncating ``int()`` would let ``100.5`` hash like ``100``.
    """
    (entry_id, kind, day, recorded, actor, memo, voucher, key, request, reverses, links) = row[:11]
    odd = [amount for _, amount, _ in legs if type(amount) is not int]
    if odd:
        report.fail(f"entry #{entry_id}: posting amount {odd[0]!r} is not a whole number of 分")
        legs = [(a, amount if type(amount) is int else 0, d) for a, amount, d in legs]
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
        return legs
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
    return legs


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


# -- SQLite: the walk in SQL, the judgement by the reference check -------------------


def _verify_sqlite(conn: Connection) -> VerifyReport | None:
    """The fast way on SQLite; ``None`` when it cannot answer exactly (the replay will)."""
    # Through SQLAlchemy first, so that the caller's transaction (and snapshot) is open.
    codes = {int(i): c for i, c in conn.execute(text("SELECT id, code FROM ledger_account"))}
    raw = cast(sqlite3.Connection, conn.connection.dbapi_connection)
    try:
        return _verify_sqlite_raw(conn, raw, codes)
    except sqlite3.Error:  # an overflowing sum, a BLOB in a text column, ...
        return None


def _verify_sqlite_raw(
    conn: Connection, raw: sqlite3.Connection, codes: dict[int, str]
) -> VerifyReport | None:
    report = VerifyReport(accounts=len(codes))
    first_id, last_id = raw.execute("SELECT min(id), max(id) FROM ledger_entry").fetchone()
    with _Split(raw, first_id, last_id) as split:
        walks = split.walks()
    if walks is None:
        return None
    sums = [row for walk in walks for row in walk["sums"]]
    if any(odd for *_, odd in sums):
        return None
    report.entries = sum(w["entries"] for w in walks)
    report.postings = sum(w["postings"] for w in walks)
    posted = sum(w["posted"] for w in walks)
    if raw.execute("SELECT count(*) FROM ledger_posting").fetchone() != (posted,):
        return None  # a posting outside every id range: an entry_id that is not a number
    orphans: list[tuple[int, int, int, object]] = []
    if posted != report.postings:
        orphans = raw.execute(
            "SELECT p.entry_id, p.account_id, p.amount, p.effective_date FROM ledger_posting p"
            " WHERE NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.id = p.entry_id)"
            " ORDER BY p.entry_id, p.id"
        ).fetchall()
        if len(orphans) != posted - report.postings:
            return None
    _judge_suspects(raw, walks, orphans, codes, report)
    report.head_hash = walks[-1]["last_hash"]
    _check_head(conn, last_id or 0, report.head_hash, report)
    balances, daily = _replayed_sums(sums, orphans)
    _check_balances(conn, codes, balances, report)
    _check_daily(conn, codes, daily, report)
    return report


def _replayed_sums(
    sums: list[list[Any]], orphans: list[tuple[int, int, int, object]]
) -> tuple[dict[int, int], dict[tuple[int, date], int]]:
    """Balances and per-day balances from the SQL sums, less the postings of no entry."""
    by_raw_day: dict[tuple[int, object], int] = defaultdict(int)
    for account_id, day, amount, _ in sums:
        by_raw_day[(int(account_id), day)] += int(amount)
    for _, account_id, amount, day in orphans:
        by_raw_day[(int(account_id), day)] -= int(amount)
    balances: dict[int, int] = defaultdict(int)
    daily: dict[tuple[int, date], int] = defaultdict(int)
    for (account_id, day), amount in by_raw_day.items():
        balances[account_id] += amount
        daily[(account_id, _as_date(day))] += amount
    return balances, daily


def _judge_suspects(
    raw: sqlite3.Connection,
    walks: list[dict[str, Any]],
    orphans: list[tuple[int, int, int, object]],
    codes: dict[int, str],
    report: VerifyReport,
) -> None:
    """Judge each suspect with the reference check, reporting orphans in id order between."""
    pending = iter(orphans)
    orphan = next(pending, None)
    for walk in walks:
        for entry_id, prev in walk["suspects"]:
            while orphan is not None and orphan[0] < entry_id:
                report.fail(f"posting of entry #{orphan[0]} has no entry")
                orphan = next(pending, None)
            row = raw.execute(
                f"SELECT {_ENTRY_COLUMNS} FROM ledger_entry WHERE id = ?", (entry_id,)
            ).fetchone()
            legs = [
                (int(a), int(amount), day)
                for a, amount, day in raw.execute(
                    "SELECT account_id, amount, effective_date FROM ledger_posting"
                    " WHERE entry_id = ? ORDER BY id",
                    (entry_id,),
                )
            ]
            _check_entry(row, legs, prev, codes, report)
    while orphan is not None:
        report.fail(f"posting of entry #{orphan[0]} has no entry")
        orphan = next(pending, None)


class _Split:
    """The chain walk over id ranges, the middle one possibly in a second process.

    Without a split one walk covers every id. With one, this process walks
    ``(LOWEST, split]`` while ``python -I sqlite_walk.py`` walks ``(split, last]`` on the
    same file, told the stored hash of the last entry at or below ``split`` so that it
    checks the link across the boundary exactly as one walk would; this process then
    walks ``(last, HIGHEST]``, where only postings of no entry can be. The second process
    reads its own snapshot, so its answer is only taken when it saw the same range as
    this connection (same entry count, newest id and hash, same number of postings);
    otherwise, or if it fails, this process walks the range itself. Used as a context
    manager so that the worker never outlives it.
    """

    def __init__(self, raw: sqlite3.Connection, first_id: int | None, last_id: int | None):
        self.raw = raw
        self.last_id = last_id
        self.split: int | None = None
        self.prev_at_split = GENESIS
        self.worker: subprocess.Popen[bytes] | None = None
        if first_id is not None and last_id is not None and _can_split(first_id, last_id):
            self.split = first_id + int((last_id - first_id) * _LOW_SHARE)

    def __enter__(self) -> _Split:
        path = _database_file(self.raw)
        if self.split is None or path is None:
            self.split = None
            return self
        (self.prev_at_split,) = self.raw.execute(
            "SELECT hash FROM ledger_entry WHERE id <= ? ORDER BY id DESC LIMIT 1", (self.split,)
        ).fetchone()
        args = [path, str(self.split), str(self.last_id), self.prev_at_split, str(_MAX_SUSPECTS)]
        try:
            self.worker = subprocess.Popen(
                [sys.executable, "-I", sqlite_walk.__file__, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            self.worker = None
        return self

    def __exit__(self, *_: object) -> None:
        if self.worker is not None and self.worker.poll() is None:
            self.worker.kill()
            self.worker.wait()

    def walks(self) -> list[dict[str, Any]] | None:
        """The walks of the ranges in id order; ``None`` when one had too many suspects."""
        low, high = sqlite_walk.LOWEST, sqlite_walk.HIGHEST
        if self.split is None or self.last_id is None:
            walks = [sqlite_walk.walk(self.raw, low, high, GENESIS, _MAX_SUSPECTS)]
        else:
            first = sqlite_walk.walk(self.raw, low, self.split, GENESIS, _MAX_SUSPECTS)
            middle = self._middle()
            tail = sqlite_walk.walk(
                self.raw, self.last_id, high, middle["last_hash"], _MAX_SUSPECTS
            )
            walks = [first, middle, tail]
        return walks if all(w["complete"] for w in walks) else None

    def _middle(self) -> dict[str, Any]:
        assert self.split is not None
        assert self.last_id is not None
        answer = self._worker_answer()
        if answer is not None:
            bounds = (self.split, self.last_id)
            (entries,) = self.raw.execute(
                "SELECT count(*) FROM ledger_entry WHERE id > ? AND id <= ?", bounds
            ).fetchone()
            (posted,) = self.raw.execute(
                "SELECT count(*) FROM ledger_posting WHERE entry_id > ? AND entry_id <= ?", bounds
            ).fetchone()
            (newest,) = self.raw.execute(
                "SELECT hash FROM ledger_entry WHERE id = ?", (self.last_id,)
            ).fetchone()
            seen = (answer["entries"], answer["last_id"], answer["last_hash"], answer["posted"])
            if seen == (entries, self.last_id, newest, posted):
                return answer
        return sqlite_walk.walk(
            self.raw, self.split, self.last_id, self.prev_at_split, _MAX_SUSPECTS
        )

    def _worker_answer(self) -> dict[str, Any] | None:
        if self.worker is None:
            return None
        out, _ = self.worker.communicate()
        if self.worker.returncode != 0:
            return None
        try:
            return cast(dict[str, Any], json.loads(out))
        except ValueError:
            return None


def _can_split(first_id: int, last_id: int) -> bool:
    """Worth a second process: many entries, a second core, a Python to start."""
    many = last_id - first_id + 1 >= _PARALLEL_MIN
    return many and (os.cpu_count() or 1) >= 2 and bool(sys.executable)


def _database_file(raw: sqlite3.Connection) -> str | None:
    """The file behind the main database of ``raw`` (``None`` in memory)."""
    for _, name, path in raw.execute("PRAGMA database_list"):
        if name == "main":
            return str(path) or None
    return None


def _as_date(value: object) -> date:
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _as_datetime_iso(value: object) -> str:
    if isinstance(value, datetime):
        return recorded_at_text(value)
    text_value = str(value).replace(" ", "T")
    return text_value if "." in text_value else text_value + ".000000"
