"""Import benchmark: 100,000 pass-through rows checked and applied in one transaction.

A throw-away SQLite file holds a fund with its budgets, 20 service-zone awards whose first
stage is paid, and 2,000 enterprises (through the grants services). Two files of 100,000
vouchers each are written — an ``.xlsx`` (streamed by openpyxl in write-only mode) and a
``.csv`` — and imported through :func:`funds.imports.import_file` exactly as ``funds import
pass-through`` does: every cell read, every row checked against what its award still holds,
then posted and committed as one unit of work. Timed: the ``.xlsx`` import, the same file
again (every row already there, nothing written), the ``.csv`` import, and ``verify`` over
the result. Peak memory is the process's maximum resident set size. Targets: ≤ 30 s per
100,000-row file, < 1 GiB. ``FUNDS_BENCH_QUICK=1`` uses 5,000 rows per file.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from funds import grants
from funds.db import Database, make_engine
from funds.grants.credit_code import make_credit_code
from funds.imports import ImportResult, import_file
from funds.ledger import Alongside, EntryRequest, Ledger, PostedEntry, verify
from funds.migrate import upgrade
from funds.policy import WAN, Programme

FUND = "mfg"
AWARDS = 20
ENTERPRISES = 2_000
HEADERS = ["奖补编号", "统一社会信用代码", "金额", "用途", "凭证号", "下达日期"]
PURPOSES = ("培育服务型制造标杆企业", "打造制造服务一体化应用场景")


def build(db: Database) -> None:
    """Fund, budgets, 20 zone awards of 5亿 with the first stage (2亿) paid, enterprises."""
    with db.unit_of_work() as s:
        grants.add_fund(s, actor="bench", code=FUND, name="省制造强省建设资金")
        for year in (2025, 2026, 2027):
            grants.set_budget(
                s,
                fund_code=FUND,
                year=year,
                amount=AWARDS * 50_000 * WAN,
                reason="bench",
                actor="b",
                effective_date=date(2024, 12, 1),  # the multi-year plan, before the grants
            )
        grants.add_recipient(
            s, actor="bench", code="HF", name="合肥高新区", kind="development_zone", city="合肥"
        )
        for n in range(ENTERPRISES):
            grants.add_enterprise(
                s, actor="bench", credit_code=credit(n), name=f"企业{n:04d}", city="合肥"
            )
        for n in range(AWARDS):
            code = award_code(n)
            grants.grant_award(
                s,
                programme=Programme.SERVICE_ZONE,
                recipient="HF",
                fund=FUND,
                amount=50_000 * WAN,
                granted_on=date(2025, 1, 2),
                code=code,
                actor="b",
            )
            grants.request_release(s, award=code, seq=1, actor="a", on=date(2025, 2, 1))
            grants.approve_release(s, award=code, seq=1, actor="b", on=date(2025, 2, 1))


def credit(n: int) -> str:
    """A valid synthetic credit code."""
    return make_credit_code(f"91340100MB{n:07d}")


def award_code(n: int) -> str:
    """The code of bench award ``n``."""
    return f"ZONE-2025-{n + 1:04d}"


def rows(count: int, prefix: str, seed: int) -> Iterator[list[Any]]:
    """``count`` pass-through rows, amounts typed the ways officers type them."""
    rng = random.Random(seed)
    start = date(2025, 3, 1)
    for n in range(count):
        yuan = rng.randrange(1_000, 20_000)
        amount: Any = (yuan, f"{yuan:,}.00", f"{yuan / 10_000:.4f}万")[n % 3]
        yield [
            award_code(n % AWARDS),
            credit(rng.randrange(ENTERPRISES)),
            amount,
            PURPOSES[n % 2],
            f"{prefix}-{n:07d}",
            start + timedelta(days=n % 300),
        ]


def write_xlsx(path: Path, count: int) -> None:
    """Stream ``count`` rows into a workbook (write-only mode)."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("下达企业")
    sheet.append(HEADERS)
    for row in rows(count, "X", seed=1):
        sheet.append(row)
    book.save(path)


def write_csv(path: Path, count: int) -> None:
    """Write ``count`` rows as UTF-8 CSV with the BOM Excel writes."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        for row in rows(count, "C", seed=2):
            writer.writerow([*row[:5], row[5].isoformat()])


class Phases:
    """When each phase of an import began (from its progress callback), and its CPU time."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.cpu = time.process_time()
        self.first: dict[str, float] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.first.setdefault(phase, time.perf_counter())

    def figures(self) -> dict[str, float]:
        """Wall seconds per phase and in all, and the CPU seconds of this process."""
        ended = time.perf_counter()
        marks = [("reading", self.started)]
        marks += [(p, self.first[p]) for p in ("checking", "writing") if p in self.first]
        out = {
            f"{name}_seconds": round(end - start, 2)
            for (name, start), (_, end) in zip(marks, [*marks[1:], ("", ended)], strict=True)
        }
        out["seconds"] = round(ended - self.started, 2)
        out["cpu_seconds"] = round(time.process_time() - self.cpu, 2)
        return out


@contextmanager
def ledger_time() -> Iterator[list[float]]:
    """Add the wall and CPU seconds spent inside :meth:`Ledger.post_batch` to ``[wall, cpu]``.

    The import's writing phase is mostly the ledger's posting path; this tells the two apart.
    """
    spent = [0.0, 0.0]
    original = Ledger.post_batch

    def timed(
        self: Ledger, requests: Sequence[EntryRequest], *, alongside: Alongside | None = None
    ) -> list[PostedEntry]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(self, requests, alongside=alongside)
        finally:
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu

    Ledger.post_batch = timed  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        Ledger.post_batch = original  # type: ignore[method-assign]


def timed_import(db: Database, path: Path) -> tuple[dict[str, float], ImportResult]:
    """Import ``path`` as ``funds import pass-through`` does; return timings and the result.

    ``reading_seconds`` covers pass one (every cell read and checked), ``checking_seconds``
    the business rules, ``writing_seconds`` the posting and the commit, of which
    ``post_batch_seconds`` inside the ledger.
    """
    phases = Phases()
    with ledger_time() as ledger, db.unit_of_work() as session:
        result = import_file(session, path, kind="pass_through", actor="bench", progress=phases)
        if not result.ok:
            raise RuntimeError(f"bench file refused: {result.problems[:3]}")
    figures = phases.figures()
    figures["post_batch_seconds"] = round(ledger[0], 2)
    figures["post_batch_cpu_seconds"] = round(ledger[1], 2)
    return figures, result


def peak_rss_mib() -> float:
    """The process's peak resident set size so far, MiB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run(*, quick: bool = False) -> dict[str, Any]:
    """Run the benchmark; return its figures."""
    count = 5_000 if quick else 100_000
    load_before = [round(load, 2) for load in os.getloadavg()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = Database(make_engine(f"sqlite:///{folder / 'bench.sqlite3'}"))
        upgrade(db.engine)
        build(db)
        xlsx, csv_file = folder / "pass_through.xlsx", folder / "pass_through.csv"
        write_xlsx(xlsx, count)
        write_csv(csv_file, count)
        rss_before = peak_rss_mib()
        xlsx_times, first = timed_import(db, xlsx)
        again_times, again = timed_import(db, xlsx)
        csv_times, from_csv = timed_import(db, csv_file)
        start = time.perf_counter()
        with db.unit_of_work(readonly=True) as session:
            report = verify(session.connection())
        verify_seconds = time.perf_counter() - start
        db.dispose()
    return {
        "load_average_before": load_before,
        "load_average_after": [round(load, 2) for load in os.getloadavg()],
        "rows_per_file": count,
        "xlsx_import": xlsx_times,
        "xlsx_rows_per_second": round(count / xlsx_times["seconds"]),
        "reimport": again_times,
        "reimport_new_existing": [again.new, again.existing],
        "csv_import": csv_times,
        "csv_rows_per_second": round(count / csv_times["seconds"]),
        "new_rows": first.new + from_csv.new,
        "verify_seconds": round(verify_seconds, 2),
        "verify_ok": report.ok,
        "peak_rss_mib_before_imports": rss_before,
        "peak_rss_mib": peak_rss_mib(),
        "target_seconds": 30,
        "target_rss_mib": 1024,
        "within_targets": max(xlsx_times["seconds"], csv_times["seconds"]) <= 30
        and peak_rss_mib() < 1024,
    }


if __name__ == "__main__":
    figures = run(quick=os.environ.get("FUNDS_BENCH_QUICK") == "1")
    json.dump(figures, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
