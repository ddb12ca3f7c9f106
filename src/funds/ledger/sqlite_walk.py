"""The fast chain walk of :func:`funds.ledger.verify` on SQLite: a filter, never a judge.

One statement walks the journal in id order and lets SQLite build, per entry, the text of
its canonical form (``json_array`` of the hashed fields with the postings as
``[code, amount]`` in posting order), the number of its postings, their sum and how many of
them carry another effective date than the entry. Python then only hashes that text with
the previous entry's stored hash and compares. An entry for which any of this does not hold
exactly is a *suspect*: it is handed back, with the hash that precedes it, to be judged by
the reference check in :mod:`funds.ledger.verify` (which builds the canonical form with
:func:`funds.ledger.hashing.canonical_entry`). The walk can therefore not fail an entry,
and it passes one only when the stored hash covers SQLite's JSON of the stored row, which
for every row the engine writes is byte for byte the canonical form (pinned by tests); a
row whose text SQLite would render differently (an unusual timestamp, a float amount) is
merely a suspect, judged by the reference.

The sums are only exact when every amount is an integer of sane size; the caller checks
that first (:data:`ODD_AMOUNTS`). An overflow still raises, and the caller then falls back.

The module imports nothing but the standard library, so that ``python -I sqlite_walk.py``
can walk one id range of a database file in a second process (see :func:`main`).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from typing import Any
from urllib.parse import quote

GENESIS = "0" * 64
AMOUNT_BOUND = 2**50
"""Amounts beyond ±2**50 分 (about 11 trillion yuan) are left to the exact replay."""

ODD_AMOUNTS = (
    f"typeof(amount) <> 'integer' OR amount NOT BETWEEN -{AMOUNT_BOUND} AND {AMOUNT_BOUND}"
)
"""A posting whose amount SQL arithmetic would not add exactly (text, real, null, huge)."""

WALK = (
    "SELECT e.id, e.prev_hash, e.hash,"
    " CAST(e.prev_hash || json_array(e.id, e.kind, e.effective_date,"
    " replace(e.recorded_at, ' ', 'T'), e.actor, e.memo, e.voucher, e.idempotency_key,"
    " e.request_hash, e.reverses_id, e.links,"
    " json_group_array(json_array(coalesce(a.code, '?' || p.account_id), p.amount))) AS BLOB),"
    " count(p.id), sum(p.amount), sum(p.effective_date IS NOT e.effective_date)"
    " FROM ledger_entry e"
    " LEFT JOIN ledger_posting p ON p.entry_id = e.id"
    " LEFT JOIN ledger_account a ON a.id = p.account_id"
    " WHERE e.id > ? AND e.id <= ?"
    " GROUP BY e.id ORDER BY e.id"
)
"""Per entry in ``(lo, hi]``: id, prev_hash, hash, the hashed bytes (the entry's own
``prev_hash`` and its canonical text: where the link holds that is the previous entry's
hash), its number of postings, their sum, and how many carry another effective date.

The postings are visited through ``ix_ledger_posting_entry_id``, hence in id order within
an entry; were SQLite ever to visit them otherwise, the hash would not match and the entry
would be judged by the reference check, which orders them itself."""

SUMS = (
    "SELECT account_id, effective_date, sum(amount), count(*),"
    f" sum({ODD_AMOUNTS}) FROM ledger_posting"
    " WHERE entry_id > ? AND entry_id <= ?"
    " GROUP BY account_id, effective_date"
)
"""Per account and stored day, over the postings of entry ids in ``(lo, hi]``: their sum,
their number, and how many have an amount that :data:`ODD_AMOUNTS` leaves to Python."""
LOWEST, HIGHEST = -(2**63), 2**63 - 1
"""The widest id range SQLite can hold."""

_CHUNK = 20_000
_MMAP_BYTES = 1 << 32


def walk(
    conn: sqlite3.Connection, lo: int, hi: int, prev: str, max_suspects: int
) -> dict[str, Any]:
    """Walk the entries with ``lo < id <= hi``; ``prev`` is the stored hash before ``lo``.

    Returns the number of entries and of their postings, the last entry's stored hash,
    the suspects as ``[entry_id, hash before it]`` in id order (``complete`` is false when
    there were more than ``max_suspects``), and :data:`SUMS` over the same id range as
    ``sums``, with ``posted`` the number of postings it covers (orphans included).
    """
    sha256 = hashlib.sha256
    suspects: list[list[Any]] = []
    entries = postings = 0
    last_id: int | None = None
    cursor = conn.execute(WALK, (lo, hi))
    while rows := cursor.fetchmany(_CHUNK):
        for entry_id, prev_hash, stored, hashed, legs, total, other_days in rows:
            plain = (
                prev_hash == prev
                and legs >= 2
                and total == 0
                and not other_days
                and sha256(hashed).hexdigest() == stored
            )
            if not plain and len(suspects) <= max_suspects:
                suspects.append([entry_id, prev])
            prev = stored
            entries += 1
            postings += legs
        last_id = rows[-1][0]
    cursor.close()
    sums = [list(row) for row in conn.execute(SUMS, (lo, hi))]
    return {
        "entries": entries,
        "postings": postings,
        "last_id": last_id,
        "last_hash": prev,
        "suspects": suspects[:max_suspects],
        "complete": len(suspects) <= max_suspects,
        "sums": [[a, day, amount, odd] for a, day, amount, _, odd in sums],
        "posted": sum(row[3] for row in sums),
    }


def main(argv: list[str]) -> int:
    """Worker: ``sqlite_walk.py PATH LO HI PREV MAX_SUSPECTS`` prints :func:`walk` as JSON.

    The file is opened read-only (and memory-mapped, which saves copying its pages) and
    walked inside one read transaction.
    """
    path, lo, hi, prev, max_suspects = argv
    conn = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, isolation_level=None)
    try:
        conn.execute(f"PRAGMA mmap_size = {_MMAP_BYTES}")
        conn.execute("BEGIN")
        result = walk(conn, int(lo), int(hi), prev, int(max_suspects))
        conn.execute("COMMIT")
    finally:
        conn.close()
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
