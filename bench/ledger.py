"""Ledger benchmarks: durable commits, batches, as-of balances and verification.

Every figure is measured through the public posting API (``Database.unit_of_work`` and
``Ledger``) on a throw-away database: SQLite files in a temporary folder, and a scratch
PostgreSQL database that is created, migrated and dropped again. Beside the engine's
SQLite commit rate the same run measures plain ``sqlite3`` inserts of the same rows with
the same pragmas, so that the engine's overhead is a ratio taken on the same disk at the
same moment. ``FUNDS_BENCH_QUICK=1`` (or ``run(quick=True)``) shrinks every size for a
smoke run; its figures are not comparable with the targets.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import resource
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from funds.db import Database, make_engine
from funds.ledger import (
    AccountKind,
    BalanceRule,
    EntryRequest,
    Ledger,
    LedgerWriter,
    Leg,
    verify,
)
from funds.migrate import upgrade

PG_URL = os.environ.get("FUNDS_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIRST_DAY = date(2023, 1, 1)
DAYS = 4 * 365 + 1  # four years of effective dates
TREASURY = "bench:treasury"
HOT = "bench:hot"


@dataclass(frozen=True)
class Sizes:
    """How much work each benchmark does."""

    single_commits: int
    raw_commits: int
    big_ledger: int
    batch: int
    balance_queries: int
    pg_single_commits: int
    pg_clients: int
    pg_commits_per_client: int
    pg_history: int = 10_000
    """Entries the PostgreSQL scratch database holds before its timed phases (see
    :func:`seed_history`)."""


FULL = Sizes(3_000, 3_000, 1_000_000, 1_000, 2_000, 2_000, 16, 250)
QUICK = Sizes(200, 200, 20_000, 1_000, 200, 200, 16, 20, 1_000)


def figure(
    value: float, unit: str, target: float | None = None, better: str = "higher"
) -> dict[str, Any]:
    """One measured figure with its target and whether it meets it (``None``: no target)."""
    passed: bool | None = None
    if target is not None:
        passed = value >= target if better == "higher" else value <= target
    return {
        "value": round(value, 3),
        "unit": unit,
        "target": target,
        "better": better,
        "pass": passed,
    }


# -- workloads ----------------------------------------------------------------------


def open_accounts(db: Database, sources: list[str], targets: list[str]) -> None:
    """Open FREE source accounts and NON_NEGATIVE target accounts in one unit of work."""
    with db.unit_of_work() as s:
        book = Ledger(s)
        for code in sources:
            book.open_account(code, AccountKind.EQUITY, BalanceRule.FREE)
        for code in targets:
            book.open_account(code, AccountKind.ASSET, BalanceRule.NON_NEGATIVE)


def transfer(source: str, target: str, n: int, day: date, *, keyed: bool = True) -> EntryRequest:
    """A two-leg entry as the API posts it: idempotency key, voucher and links included."""
    return EntryRequest(
        kind="bench",
        effective_date=day,
        legs=[Leg(source, -(n % 9_000 + 100)), Leg(target, n % 9_000 + 100)],
        actor="bench",
        memo=f"transfer {n}",
        voucher=f"V-{n}",
        idempotency_key=f"bench-{uuid.uuid4().hex}" if keyed else None,
        links={"award": f"ADV-{n % 500:04d}"},
    )


def day_of(n: int, total: int) -> date:
    """Spread ``total`` entries evenly over four years of effective dates, in order."""
    return FIRST_DAY + timedelta(days=n * DAYS // max(total, 1))


def seed_history(db: Database, count: int, source: str, targets: list[str]) -> None:
    """Give the database ``count`` earlier entries, in batches, and analyse it.

    A ledger in use holds history, and its statistics say so (autovacuum analyses a table
    once a tenth of it has changed). A scratch database analysed while nearly empty plans
    its look-ups as sequential scans (cheapest on a few rows), and keeps those plans while
    the timed phase grows the tables: seen in ``pg_stat_user_tables``, every idempotency
    look-up and every balance check of the deferred trigger scanned its whole table. With
    10,000 earlier entries one client's commits went from 552–577/s to 683–724/s.
    """
    for start in range(0, count, 1_000):
        requests = [
            transfer(source, targets[n % len(targets)], n, day_of(n, count))
            for n in range(start, min(start + 1_000, count))
        ]
        with db.unit_of_work() as session:
            Ledger(session).post_batch(requests)
    refresh_statistics(db)


def single_commits(db: Database, count: int, sources: list[str], targets: list[str]) -> float:
    """Commit ``count`` entries, one durable unit of work each; return commits per second."""
    start = time.perf_counter()
    for n in range(count):
        request = transfer(
            sources[n % len(sources)], targets[n % len(targets)], n, day_of(n, count)
        )
        with db.unit_of_work() as s:
            Ledger(s).post(request)
    return count / (time.perf_counter() - start)


def raw_sqlite_commits(path: Path, count: int) -> float:
    """Plain sqlite3: one entry row and two posting rows per commit, same schema and pragmas."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL"):
        conn.execute(f"PRAGMA {pragma}")
    accounts = [row[0] for row in conn.execute("SELECT id FROM ledger_account ORDER BY id")]
    first = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_entry").fetchone() or (0,))[0]
    entry_sql = (
        "INSERT INTO ledger_entry (id, kind, effective_date, recorded_at, actor, memo, voucher,"
        " idempotency_key, request_hash, reverses_id, links, prev_hash, hash)"
        " VALUES (?, 'bench', ?, ?, 'bench', ?, ?, ?, ?, NULL, ?, ?, ?)"
    )
    posting_sql = (
        "INSERT INTO ledger_posting (entry_id, account_id, amount, effective_date)"
        " VALUES (?, ?, ?, ?)"
    )
    start = time.perf_counter()
    for n in range(count):
        entry_id = first + n + 1
        day = day_of(n, count).isoformat()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            entry_sql,
            (
                entry_id,
                day,
                "2026-01-01 00:00:00.000000",
                f"transfer {n}",
                f"V-{n}",
                f"raw-{uuid.uuid4().hex}",
                "0" * 64,
                "{}",
                "0" * 64,
                f"{entry_id:064x}",
            ),
        )
        conn.executemany(
            posting_sql,
            [(entry_id, accounts[0], -100, day), (entry_id, accounts[1 + n % 10], 100, day)],
        )
        conn.execute("COMMIT")
    rate = count / (time.perf_counter() - start)
    conn.close()
    return rate


def build_big_ledger(db: Database, total: int, batch: int) -> float:
    """Post ``total`` entries onto HOT in batches; return entries per second."""
    sources = [f"{TREASURY}:{i}" for i in range(10)]
    open_accounts(db, sources, [HOT])
    start = time.perf_counter()
    for first in range(0, total, batch):
        requests = [
            transfer(sources[n % 10], HOT, n, day_of(n, total), keyed=False)
            for n in range(first, min(first + batch, total))
        ]
        with db.unit_of_work() as s:
            Ledger(s).post_batch(requests)
    return total / (time.perf_counter() - start)


def balance_latencies(db: Database, queries: int) -> list[float]:
    """Time ``Ledger.balance(HOT, as_of=...)`` at random dates; return milliseconds, sorted."""
    rng = random.Random(7)
    times: list[float] = []
    with db.unit_of_work(readonly=True) as s:
        for _ in range(queries):
            as_of = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            start = time.perf_counter()
            Ledger(s).balance(HOT, as_of=as_of)
            times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def cpu_seconds() -> float:
    """CPU time of this process and of its waited-for children, user and system."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def percentile(sorted_values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank) of already sorted values."""
    rank = max(0, min(len(sorted_values) - 1, round(p / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


# -- SQLite -------------------------------------------------------------------------


def sqlite_database(folder: Path, name: str) -> Database:
    """A new, migrated SQLite database file in ``folder``."""
    db = Database(make_engine(f"sqlite:///{folder / name}"))
    upgrade(db.engine)
    return db


def sqlite_figures(sizes: Sizes, *, quick: bool) -> dict[str, Any]:
    """Every SQLite figure, each on a fresh database in a temporary folder."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="funds-bench-") as tmp:
        folder = Path(tmp)
        db = sqlite_database(folder, "single.sqlite3")
        targets = [f"bench:fund:{i}" for i in range(100)]
        open_accounts(db, [TREASURY], targets)
        cpu = time.process_time()
        engine_rate = single_commits(db, sizes.single_commits, [TREASURY], targets)
        cpu = (time.process_time() - cpu) / sizes.single_commits
        db.dispose()
        raw_db = sqlite_database(folder, "raw.sqlite3")
        open_accounts(raw_db, [TREASURY], targets[:10])
        raw_db.dispose()
        raw_rate = raw_sqlite_commits(folder / "raw.sqlite3", sizes.raw_commits)
        out["sqlite_single_commits_per_s"] = figure(engine_rate, "commits/s", 2_000)
        out["sqlite_raw_commits_per_s"] = figure(raw_rate, "commits/s")
        out["sqlite_single_cpu_ms_per_commit"] = figure(cpu * 1000, "ms", better="lower")
        out["sqlite_engine_overhead_ratio"] = figure(raw_rate / engine_rate, "raw/engine")

        big = sqlite_database(folder, "big.sqlite3")
        out["sqlite_batch_entries_per_s"] = figure(
            build_big_ledger(big, sizes.big_ledger, sizes.batch), "entries/s", 20_000
        )
        times = balance_latencies(big, sizes.balance_queries)
        out["sqlite_balance_as_of_p50_ms"] = figure(percentile(times, 50), "ms", better="lower")
        out["sqlite_balance_as_of_p99_ms"] = figure(percentile(times, 99), "ms", 1.0, "lower")
        with big.engine.connect() as conn:
            start, cpu_start = time.perf_counter(), cpu_seconds()
            report = verify(conn)
            seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
        if not report.ok:
            raise RuntimeError(f"verify failed on the benchmark ledger: {report.problem}")
        scale = 1.0 if quick else 1_000_000 / max(report.entries, 1)
        out["sqlite_verify_seconds"] = figure(seconds * scale, "s per 1M entries", 5.0, "lower")
        # verify may walk part of the chain in a second process: its CPU counts too
        out["sqlite_verify_cpu_seconds"] = figure(
            cpu * scale, "CPU s per 1M entries", None, "lower"
        )
        out["sqlite_verify_entries"] = report.entries
        big.dispose()
    return out


# -- PostgreSQL ---------------------------------------------------------------------


@contextmanager
def scratch_postgres() -> Iterator[Database]:
    """A new, migrated PostgreSQL database, dropped on the way out."""
    name = f"funds_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    db = Database(make_engine(url))
    try:
        upgrade(db.engine)
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def written_commits(
    writer: LedgerWriter, count: int, sources: list[str], targets: list[str]
) -> None:
    """Post ``count`` entries through ``writer``, each call returning once its entry is durable."""
    for n in range(count):
        writer.post(
            transfer(sources[n % len(sources)], targets[n % len(targets)], n, day_of(n, count))
        )


def threaded_commits(
    db: Database, clients: int, per_client: int, *, writer: LedgerWriter | None = None
) -> float:
    """``clients`` threads, each posting between its own accounts; return commits per second.

    Each thread commits its entries in units of work of their own, or with ``writer`` hands
    them to it (:class:`~funds.ledger.LedgerWriter`), which commits those that arrive
    together as one group. The accounts are new each run (``bench:src:RUN:…``).
    """
    run = uuid.uuid4().hex[:6]
    sources = [[f"bench:src:{run}:{c}"] for c in range(clients)]
    targets = [[f"bench:dst:{run}:{c}:{i}" for i in range(8)] for c in range(clients)]
    open_accounts(db, [s for group in sources for s in group], [t for g in targets for t in g])
    refresh_statistics(db)
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def client(c: int) -> None:
        barrier.wait()
        try:
            if writer is None:
                single_commits(db, per_client, sources[c], targets[c])
            else:
                written_commits(writer, per_client, sources[c], targets[c])
        except BaseException as error:  # reported after the run
            errors.append(error)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return clients * per_client / (time.perf_counter() - start)


def _process_client(url: str, c: int, per_client: int, barrier: Any, errors: Any) -> None:
    db = Database(make_engine(url, pool_size=1, max_overflow=0))
    sources, targets = [f"bench:src:{c}"], [f"bench:dst:{c}:{i}" for i in range(8)]
    try:
        single_commits(db, 5, sources, targets)  # connect, configure, warm the caches
        barrier.wait()
        single_commits(db, per_client, sources, targets)
    except BaseException as error:  # reported by the parent
        errors.put(f"{type(error).__name__}: {error}")
    finally:
        db.dispose()


def process_commits(db: Database, clients: int, per_client: int) -> float:
    """Like :func:`threaded_commits`, but each client is a process of its own, as the API's
    workers or several officers' CLIs would be: no interpreter lock shared between them."""
    sources = [f"bench:src:{c}" for c in range(clients)]
    targets = [f"bench:dst:{c}:{i}" for c in range(clients) for i in range(8)]
    open_accounts(db, sources, targets)
    refresh_statistics(db)
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(clients + 1)
    errors = context.Queue()
    workers = [
        context.Process(target=_process_client, args=(url, c, per_client, barrier, errors))
        for c in range(clients)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if not errors.empty():
        raise RuntimeError(errors.get())
    return clients * per_client / elapsed


def raw_postgres_commits(db: Database, count: int) -> float:
    """Plain psycopg on the pool's connection: one entry and two postings per commit."""
    raw = db.engine.raw_connection()
    source, target, first = _raw_postgres_start(raw)
    start = time.perf_counter()
    _raw_postgres_loop(raw, first, count, source, target)
    rate = count / (time.perf_counter() - start)
    raw.close()
    return rate


def _raw_postgres_start(raw: Any) -> tuple[int, int, int]:
    """The two accounts the raw rows post between, and the highest entry id so far."""
    cur = raw.cursor()
    cur.execute("SELECT id FROM ledger_account ORDER BY id LIMIT 2")
    source, target = (row[0] for row in cur.fetchall())
    cur.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_entry")
    first = cur.fetchall()[0][0]
    raw.commit()
    return source, target, first


def _raw_postgres_loop(raw: Any, first: int, count: int, source: int, target: int) -> None:
    """Commit ``count`` entries with ids from ``first + 1``, each with its two postings."""
    cur = raw.cursor()
    for n in range(count):
        entry_id = first + n + 1
        day = day_of(n, count)
        cur.execute(
            "INSERT INTO ledger_entry (id, kind, effective_date, recorded_at, actor, memo,"
            " voucher, idempotency_key, request_hash, reverses_id, links, prev_hash, hash)"
            " VALUES (%s, 'bench', %s, now(), 'bench', %s, %s, %s, %s, NULL, '{}', %s, %s)",
            (
                entry_id,
                day,
                f"transfer {n}",
                f"V-{n}",
                f"raw-{uuid.uuid4().hex}",
                "0" * 64,
                "0" * 64,
                f"{entry_id:064x}",
            ),
        )
        cur.executemany(
            "INSERT INTO ledger_posting (entry_id, account_id, amount, effective_date)"
            " VALUES (%s, %s, %s, %s)",
            [(entry_id, source, -100, day), (entry_id, target, 100, day)],
        )
        raw.commit()


def _raw_process_client(
    url: str, first: int, per_client: int, accounts: tuple[int, int], barrier: Any, done: Any
) -> None:
    db = Database(make_engine(url, pool_size=1, max_overflow=0))
    try:
        raw = db.engine.raw_connection()
        try:
            raw.cursor().execute("SELECT 1")  # connect before the clock starts
            raw.commit()
            barrier.wait()
            _raw_postgres_loop(raw, first, per_client, *accounts)
            done.put(time.perf_counter())  # the clock is the system's monotonic one
        finally:
            raw.close()
    except BaseException as error:  # reported by the parent
        done.put(f"{type(error).__name__}: {error}")
    finally:
        db.dispose()


def raw_postgres_process_commits(db: Database, clients: int, per_client: int) -> float:
    """:func:`raw_postgres_commits` from ``clients`` processes at once, each in its own id
    range: what the server and this machine sustain for that many clients with no engine.

    The clock stops when the last client has committed its last entry, not when the last
    process has exited (sixteen interpreters shutting down take a while on two cores).
    """
    raw = db.engine.raw_connection()
    source, target, first = _raw_postgres_start(raw)
    raw.close()
    url = db.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(clients + 1)
    done = context.Queue()
    workers = [
        context.Process(
            target=_raw_process_client,
            args=(url, first + c * per_client, per_client, (source, target), barrier, done),
        )
        for c in range(clients)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=120)
    start = time.perf_counter()
    ends = [done.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    failures = [end for end in ends if isinstance(end, str)]
    if failures:
        raise RuntimeError(failures[0])
    return clients * per_client / (max(float(end) for end in ends) - start)


def backend_cpu_seconds(database: str) -> float | None:
    """CPU (user + system) so far of the local PostgreSQL backends serving ``database``.

    Read from ``/proc`` (a backend's title names its database); ``None`` when none is
    found, as when the server runs on another machine.
    """
    total, found = 0, False
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            title = Path(entry.path, "cmdline").read_bytes()
            if not title.startswith(b"postgres: ") or database.encode() not in title.split():
                continue
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
        found = True
    return total / os.sysconf("SC_CLK_TCK") if found else None


def refresh_statistics(db: Database) -> None:
    """``ANALYZE`` a PostgreSQL database (SQLite: nothing), as autovacuum would by now.

    A scratch database is planned as empty: a statement prepared while a table was empty
    keeps its sequential scan as the table grows, until autovacuum analyses the table
    (within a minute in a running database, after most of a benchmark here). Measured on
    five runs of the sixteen clients through one writer, one after another on one scratch
    database: the server's CPU per entry grew from 0.18 to 0.56 ms without it and stayed
    at 0.18 ms with it."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def set_balance_trigger(db: Database, enabled: bool) -> None:
    """Switch the deferred balance trigger on or off (scratch database only, to price it)."""
    action = "ENABLE" if enabled else "DISABLE"
    with db.engine.begin() as conn:
        conn.execute(
            text(f"ALTER TABLE ledger_posting {action} TRIGGER trg_ledger_posting_balances")
        )


def postgres_figures(sizes: Sizes) -> dict[str, Any]:
    """PostgreSQL figures on a scratch database: one client, 16 clients, trigger cost."""
    out: dict[str, Any] = {}
    with scratch_postgres() as db:
        targets = [f"bench:fund:{i}" for i in range(100)]
        open_accounts(db, [TREASURY], targets)
        seed_history(db, sizes.pg_history, TREASURY, targets)
        cpu = time.process_time()
        one = single_commits(db, sizes.pg_single_commits, [TREASURY], targets)
        cpu = (time.process_time() - cpu) / sizes.pg_single_commits
        out["pg_single_commits_per_s"] = figure(one, "commits/s", 700)
        out["pg_single_client_cpu_ms_per_commit"] = figure(cpu * 1000, "ms", better="lower")
        commits = sizes.pg_clients * sizes.pg_commits_per_client
        out.update(sixteen_client_figures(db, sizes, "pg_16_clients", None))
        # the target's figure: the same clients' single entries through one LedgerWriter;
        # each call still returns only when its entry is durable, but entries that arrive
        # together share a commit
        writer = LedgerWriter(db)
        out.update(sixteen_client_figures(db, sizes, "pg_16_clients_group", writer, 3_000))
        out["pg_16_clients_group_commit_entries_per_commit"] = figure(
            commits / writer.groups, "entries/commit"
        )
        # the same sixteen clients as processes, committing alone: what the database side
        # sustains when the clients do not share one interpreter lock
        out["pg_16_processes_commits_per_s"] = figure(
            process_commits(db, sizes.pg_clients, sizes.pg_commits_per_client), "commits/s"
        )
        set_balance_trigger(db, False)
        refresh_statistics(db)
        try:
            bare = single_commits(db, sizes.pg_single_commits, [TREASURY], targets)
        finally:
            set_balance_trigger(db, True)
        out["pg_single_commits_per_s_without_balance_trigger"] = figure(bare, "commits/s")
        with db.engine.connect() as conn:
            report = verify(conn)
        if not report.ok:
            raise RuntimeError(f"verify failed on the PostgreSQL benchmark: {report.problem}")
        # last: these rows bypass the chain head, so the engine must not post after them
        raw = raw_postgres_commits(db, sizes.pg_single_commits)
        out["pg_raw_commits_per_s"] = figure(raw, "commits/s")
        out["pg_engine_overhead_ratio"] = figure(raw / one, "raw/engine")
        # the same rows from sixteen processes at once: the ceiling for the 16-client target
        out["pg_raw_16_processes_commits_per_s"] = figure(
            raw_postgres_process_commits(db, sizes.pg_clients, sizes.pg_commits_per_client),
            "commits/s",
        )
    return out


def sixteen_client_figures(
    db: Database,
    sizes: Sizes,
    prefix: str,
    writer: LedgerWriter | None,
    target: float | None = None,
) -> dict[str, Any]:
    """:func:`threaded_commits` (through ``writer``, if any) as ``PREFIX_commits_per_s``,
    with the client's and the server's CPU per commit (``PREFIX[_commit]_cpu_ms_…``)."""
    cpu_prefix = prefix if writer is None else f"{prefix}_commit"
    commits = sizes.pg_clients * sizes.pg_commits_per_client
    name = db.engine.url.database or ""
    cpu, server = time.process_time(), backend_cpu_seconds(name)
    rate = threaded_commits(db, sizes.pg_clients, sizes.pg_commits_per_client, writer=writer)
    cpu, server_after = (time.process_time() - cpu) / commits, backend_cpu_seconds(name)
    out = {
        f"{prefix}_commits_per_s": figure(rate, "commits/s", target),
        f"{cpu_prefix}_cpu_ms_per_commit": figure(cpu * 1000, "ms", better="lower"),
    }
    if server_after is not None:  # the backends this run's clients were served by
        out[f"{cpu_prefix}_server_cpu_ms_per_commit"] = figure(
            (server_after - (server or 0.0)) / commits * 1000, "ms", better="lower"
        )
    return out


def guarded(name: str, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one group of measurements; a failure is reported, not raised."""
    try:
        return measure()
    except Exception as error:  # a bench run reports what it could not measure
        return {f"{name}_error": f"{type(error).__name__}: {error}"}


def run(*, quick: bool = False) -> dict[str, Any]:
    """Run the ledger benchmarks; return JSON-able figures with targets and pass/fail."""
    quick = quick or os.environ.get("FUNDS_BENCH_QUICK") == "1"
    sizes = QUICK if quick else FULL
    figures: dict[str, Any] = {}
    load_before = os.getloadavg()[0]
    figures.update(guarded("sqlite", lambda: sqlite_figures(sizes, quick=quick)))
    figures.update(guarded("postgres", lambda: postgres_figures(sizes)))
    checked = [f["pass"] for f in figures.values() if isinstance(f, dict) and f["pass"] is not None]
    return {
        "quick": quick,
        "sizes": sizes.__dict__,
        "figures": figures,
        "load_average_1m": {"before": load_before, "after": os.getloadavg()[0]},
        "all_pass": bool(checked) and all(checked),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
