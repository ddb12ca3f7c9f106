"""A fixed workload that measures the machine, not the engine, recorded beside the figures.

The benchmarks' figures move with the machine: the same posting code measured 2,046 single
SQLite commits/s on session 6's machine and 892/s on session 8's, where plain sqlite3
inserting the same rows was slower by about as much (4,450/s against 2,078/s). A figure is
comparable with another run's only once both machines are known, so every ``make bench``
times the same three small things first:
a pure-Python loop (the interpreter), SHA-256 over a buffer (the hash chain's primitive) and
rows inserted into an in-memory SQLite database (the embedded engine without a disk). Each
is the best of a few repetitions, so a neighbour's burst counts less.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from typing import Any

REPEATS = 5


def _best(work: Callable[[], object]) -> float:
    """The least wall time of :data:`REPEATS` runs of ``work``, in seconds."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def _loop() -> int:
    total = 0
    for n in range(1_000_000):
        total += n
    return total


def _sha256() -> bytes:
    return hashlib.sha256(bytes(8 << 20)).digest()


def _sqlite_rows() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, account TEXT, amount INTEGER)")
    conn.executemany(
        "INSERT INTO t (account, amount) VALUES (?, ?)",
        ((f"fund:{n % 100}", n) for n in range(100_000)),
    )
    conn.commit()
    conn.close()


def reference() -> dict[str, Any]:
    """Time the fixed workload; lower milliseconds mean a faster machine."""
    return {
        "python_loop_1m_ms": round(_best(_loop) * 1000, 1),
        "sha256_mib_per_s": round(8 / _best(_sha256)),
        "sqlite_memory_inserts_per_s": round(100_000 / _best(_sqlite_rows)),
    }


if __name__ == "__main__":
    print(reference())
