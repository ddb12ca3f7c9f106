"""Time ``verify`` alone on a big SQLite ledger that is built once and reused.

``python -m bench.verify PATH`` builds a ledger of ``--entries`` entries at ``PATH`` (with
:func:`bench.ledger.build_big_ledger`, a few minutes for 1,000,000) unless the file is
already there, then times ``verify`` on it ``--repeat`` times and prints JSON: each run's
wall and CPU seconds (CPU of this process and its children: on a shared machine the
wall figure follows the load), the best wall figure, and the load average before and
after. The file is only read after it is built, so the same file gives before/after
figures of a change to ``verify``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from bench.ledger import FULL, build_big_ledger, cpu_seconds
from funds.db import Database, make_engine
from funds.ledger import verify
from funds.migrate import upgrade


def ensure_ledger(path: Path, entries: int) -> None:
    """Build the benchmark ledger at ``path`` unless it exists already."""
    if path.exists():
        return
    partial = path.with_name(path.name + ".building")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    db = Database(make_engine(f"sqlite:///{partial}"))
    upgrade(db.engine)
    build_big_ledger(db, entries, FULL.batch)
    db.dispose()
    partial.rename(path)


def time_verify(path: Path, repeat: int, *, fast: bool = True) -> dict[str, Any]:
    """Run ``verify`` on the ledger at ``path`` ``repeat`` times; return the figures."""
    db = Database(make_engine(f"sqlite:///{path}"))
    runs: list[float] = []
    cpu: list[float] = []
    load_before = os.getloadavg()
    entries = 0
    for _ in range(repeat):
        with db.engine.connect() as conn:
            start, cpu_start = time.perf_counter(), cpu_seconds()
            report = verify(conn, fast=fast)
            runs.append(time.perf_counter() - start)
            cpu.append(cpu_seconds() - cpu_start)
        if not report.ok:
            raise RuntimeError(f"verify failed on the benchmark ledger: {report.problem}")
        entries = report.entries
    db.dispose()
    return {
        "entries": entries,
        "way": "fast" if fast else "replay",
        "seconds": [round(s, 3) for s in runs],
        "best_seconds": round(min(runs), 3),
        "cpu_seconds": [round(s, 3) for s in cpu],
        "load_average": {"before": load_before, "after": os.getloadavg()},
    }


def main() -> None:
    """Build the ledger if needed, then print the verify timings as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--entries", type=int, default=FULL.big_ledger)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--replay", action="store_true", help="time the reference replay")
    args = parser.parse_args()
    ensure_ledger(args.path, args.entries)
    print(json.dumps(time_verify(args.path, args.repeat, fast=not args.replay), indent=2))


if __name__ == "__main__":
    main()
