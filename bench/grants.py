"""Grants benchmark: officers' operations one unit of work at a time, then statements.

On a throw-away SQLite file, through the public services exactly as the CLI calls them
(``with database.unit_of_work() as s: grants.<service>(s, ...)``, one durable commit each):
grant 10,000 awards of three stages each (zones, advanced clusters and county clusters in
turn), release every stage (request by one officer, approval by another: 30,000 of each)
and record the passing assessments that stages 2 and 3 need (20,000), in the order time
would bring them. Every operation is timed on its own; the figures are mean, p50 and p99
per kind, with the process CPU time per operation beside them (the rest is waiting: the
durable commit's fsync, or other processes on a busy machine), and the cost of one bare
durable ``sqlite3`` commit on the same disk as the floor. Then the award statement, now
and as of a random date, for 2,000 random awards at that size, each in its own read-only
unit of work. Targets: ≤ 5 ms per operation (mean), statement p99 ≤ 10 ms.
``FUNDS_BENCH_QUICK=1`` (or ``run(quick=True)``) does the same with 500 awards; its
figures are not comparable with the targets at full size.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from funds import grants
from funds.db import Database, make_engine
from funds.grants.credit_code import make_credit_code
from funds.migrate import upgrade
from funds.policy import CITIES, WAN, Grade, Programme

FUND = "mfg"
YEARS = (2025, 2026, 2027)
PLANNED = date(2024, 12, 1)
"""When the bench's multi-year budgets are approved: before every grant they carry (a grant
needs its years' budgets on its own date)."""
GRANTED = date(2025, 3, 1)
OPERATION_TARGET_MS = 5.0
STATEMENT_P99_TARGET_MS = 10.0
PROGRAMMES = (Programme.SERVICE_ZONE, Programme.ADVANCED_CLUSTER, Programme.COUNTY_CLUSTER)
RECIPIENTS = {
    Programme.SERVICE_ZONE: ("ZONE-R", "development_zone"),
    Programme.ADVANCED_CLUSTER: ("ADV-R", "cluster"),
    Programme.COUNTY_CLUSTER: ("CC-R", "cluster"),
}


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` in 0..1)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary(times: list[float], target_ms: float | None, measure: str) -> dict[str, Any]:
    """Count, mean, p50, p99 and max in ms; ``measure`` (mean or p99) is held to the target."""
    ms = [t * 1000 for t in times]
    figures: dict[str, Any] = {
        "count": len(ms),
        "mean_ms": round(statistics.fmean(ms), 3),
        "p50_ms": round(percentile(ms, 0.50), 3),
        "p99_ms": round(percentile(ms, 0.99), 3),
        "max_ms": round(max(ms), 3),
    }
    if target_ms is not None:
        figures["target_ms"] = target_ms
        figures["target_on"] = measure
        figures["pass"] = figures[f"{measure}_ms"] <= target_ms
    return figures


class Timer:
    """Runs each operation in its own unit of work and keeps its time by kind."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.times: dict[str, list[float]] = {}
        self.cpu: dict[str, float] = {}

    def run(self, kind: str, call: Callable[[Session], object]) -> None:
        """One unit of work, as one CLI command: open, call the service, commit."""
        cpu, start = time.process_time(), time.perf_counter()
        with self.database.unit_of_work() as session:
            call(session)
        self.times.setdefault(kind, []).append(time.perf_counter() - start)
        self.cpu[kind] = self.cpu.get(kind, 0.0) + time.process_time() - cpu


def setup(database: Database, awards: int) -> None:
    """The fund, its budgets, one recipient per programme and city, a few enterprises."""
    with database.unit_of_work() as s:
        grants.add_fund(s, actor="bench", code=FUND, name="省制造强省建设资金")
        for year in YEARS:
            grants.set_budget(
                s,
                fund_code=FUND,
                year=year,
                amount=awards * 1000 * WAN,
                reason="bench",
                actor="b",
                effective_date=PLANNED,
            )
        for programme, (_, kind) in RECIPIENTS.items():
            # an advanced-cluster award is given once a recognition: a cluster an award
            count = awards // 3 + 1 if programme is Programme.ADVANCED_CLUSTER else len(CITIES)
            for n in range(count):
                grants.add_recipient(
                    s,
                    actor="bench",
                    code=recipient_code(programme, n),
                    name=recipient_code(programme, n),
                    kind=kind,
                    city=CITIES[n % len(CITIES)],
                )
        for n in range(16):
            grants.add_enterprise(
                s,
                actor="bench",
                credit_code=make_credit_code(f"91340100MA{n:07d}"),
                name=f"企业{n}",
                city="合肥",
            )


def recipient_code(programme: Programme, n: int) -> str:
    """The code of the ``n``-th recipient of ``programme``."""
    prefix, _ = RECIPIENTS[programme]
    return f"{prefix}{n:05d}" if programme is Programme.ADVANCED_CLUSTER else f"{prefix}{n:02d}"


def grant(timer: Timer, n: int) -> str:
    """Grant award ``n`` (programmes in turn; zones and county clusters spread over the
    cities, each advanced cluster awarded once)."""
    programme = PROGRAMMES[n % 3]
    codes: list[str] = []

    def call(s: Session) -> None:
        award = grants.grant_award(
            s,
            programme=programme,
            recipient=recipient_code(
                programme, n // 3 if programme is Programme.ADVANCED_CLUSTER else n % 16
            ),
            fund=FUND,
            granted_on=GRANTED,
            actor="finance-a",
            amount=None if programme is Programme.ADVANCED_CLUSTER else (300 + n % 700) * WAN,
            tier="provincial" if programme is Programme.ADVANCED_CLUSTER else "",
        )
        codes.append(award.code)

    timer.run("grant", call)
    return codes[0]


def release(timer: Timer, code: str, seq: int, on: date) -> None:
    """Request (finance-a) and approve (finance-b) one stage, each its own unit of work."""
    timer.run(
        "request_release",
        lambda s: grants.request_release(s, award=code, seq=seq, actor="finance-a", on=on),
    )
    timer.run(
        "approve_release",
        lambda s: grants.approve_release(s, award=code, seq=seq, actor="finance-b", on=on),
    )


def assess(timer: Timer, code: str, year: int) -> None:
    """Record the passing assessment of ``year`` that the year's stage needs."""
    timer.run(
        "record_assessment",
        lambda s: grants.record_assessment(
            s, award=code, year=year, grade=Grade.QUALIFIED, on=date(year, 5, 1), actor="province"
        ),
    )


def statements(database: Database, codes: list[str], count: int) -> dict[str, Any]:
    """Time ``award_statement`` now and as of a random date, each in a read-only unit of work."""
    rng = random.Random(11)
    now: list[float] = []
    as_of: list[float] = []
    for _ in range(count):
        code = rng.choice(codes)
        day = date(2025, 3, 1) + timedelta(days=rng.randrange(3 * 365))
        for times, when in ((now, None), (as_of, day)):
            start = time.perf_counter()
            with database.unit_of_work(readonly=True) as s:
                grants.award_statement(s, code, when)
            times.append(time.perf_counter() - start)
    return {
        "now": summary(now, STATEMENT_P99_TARGET_MS, "p99"),
        "as_of": summary(as_of, STATEMENT_P99_TARGET_MS, "p99"),
    }


def workload(database: Database, awards: int, statement_count: int) -> dict[str, Any]:
    """Build the books operation by operation, in time order, then read statements."""
    setup(database, awards)
    timer = Timer(database)
    codes = [grant(timer, n) for n in range(awards)]
    for code in codes:
        release(timer, code, 1, date(2025, 4, 1))
    for seq, year in ((2, 2026), (3, 2027)):
        for code in codes:
            assess(timer, code, year)
        for code in codes:
            release(timer, code, seq, date(year, 6, 1))
    operations = {}
    for kind, times in timer.times.items():
        operations[kind] = summary(times, OPERATION_TARGET_MS, "mean")
        operations[kind]["cpu_mean_ms"] = round(timer.cpu[kind] * 1000 / len(times), 3)
    every = [t for times in timer.times.values() for t in times]
    operations["all"] = summary(every, OPERATION_TARGET_MS, "mean")
    operations["all"]["cpu_mean_ms"] = round(sum(timer.cpu.values()) * 1000 / len(every), 3)
    return {"operations": operations, "statement": statements(database, codes, statement_count)}


def commit_floor(folder: Path, count: int = 300) -> dict[str, Any]:
    """One tiny durable commit with plain ``sqlite3`` and the engine's pragmas, on the same
    disk at the same time: the part of every operation that no code change can remove."""
    conn = sqlite3.connect(folder / "floor.sqlite3", isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    times = []
    for n in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v) VALUES (?)", (str(n),))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - start)
    conn.close()
    return summary(times, None, "mean")


def run(*, quick: bool = False) -> dict[str, Any]:
    """Run the benchmark and return its figures, targets and pass/fail."""
    awards = 500 if quick else 10_000
    statement_count = 500 if quick else 2_000
    with tempfile.TemporaryDirectory() as folder:
        database = Database(make_engine(f"sqlite:///{Path(folder) / 'grants.sqlite3'}"))
        upgrade(database.engine)
        try:
            start = time.perf_counter()
            figures = workload(database, awards, statement_count)
            elapsed = time.perf_counter() - start
            floor = commit_floor(Path(folder))
        finally:
            database.dispose()
    passed = all(f.get("pass", True) for f in figures["operations"].values()) and all(
        f["pass"] for f in figures["statement"].values()
    )
    return {
        "database": "sqlite (file, WAL, synchronous=FULL)",
        "awards": awards,
        "stages": 3 * awards,
        "statements": statement_count,
        **figures,
        "durable_commit_floor": floor,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "workload_seconds": round(elapsed, 1),
        "pass": passed,
    }


if __name__ == "__main__":
    print(json.dumps(run(quick=os.environ.get("FUNDS_BENCH_QUICK") == "1"), indent=2))
