"""Reports benchmark: the fund execution report and every award statement for 500 awards.

The books are built as :mod:`bench.compliance` builds them (grants services for funds and
people, bulk ledger batches and records for 500 awards with stages, releases and
pass-through), with one recorded compliance scan so the statements carry open alerts. Then,
timed, each in a read-only unit of work: registering the CJK font (once per process), the
fund execution report of the busiest fund-year (≤ 3 s), and one PDF of the statements of all
500 awards (≤ 30 s). ``FUNDS_BENCH_QUICK=1`` builds 100 awards instead (targets scaled).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bench.compliance import AS_OF, FUND, build, figure
from funds.compliance import scan
from funds.db import Database, make_engine
from funds.migrate import upgrade
from funds.reports import all_award_codes, award_statement_pdf, fund_execution_pdf
from funds.reports.fonts import cjk_font

T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """Run ``action``; return the wall-clock seconds it took and its result."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def cpu_timed(action: Callable[[], T]) -> tuple[float, float, T]:
    """Run ``action``; return wall-clock seconds, this process's CPU seconds and its result.

    On a loaded machine wall time overstates the work; CPU time shows what the report costs.
    """
    cpu = time.process_time()
    wall, result = timed(action)
    return wall, time.process_time() - cpu, result


def run(*, quick: bool = False) -> dict[str, Any]:
    """Build the books, time the reports, return JSON-able figures."""
    quick = quick or os.environ.get("FUNDS_BENCH_QUICK") == "1"
    awards = 100 if quick else 500
    scale = awards / 500
    with tempfile.TemporaryDirectory(prefix="funds-bench-reports-") as tmp:
        db = Database(make_engine(f"sqlite:///{Path(tmp) / 'reports.sqlite3'}"))
        upgrade(db.engine)
        build_seconds, built = timed(lambda: build(db, awards, awards * 40))
        with db.unit_of_work() as s:
            alerts = scan(s, as_of=AS_OF).opened
        font_seconds, font = timed(cjk_font)
        with db.unit_of_work(readonly=True) as s:
            fund_seconds, fund_cpu, fund_pdf = cpu_timed(
                lambda: fund_execution_pdf(s, FUND, 2026, AS_OF)
            )
            codes = all_award_codes(s)
            all_seconds, all_cpu, all_pdf = cpu_timed(lambda: award_statement_pdf(s, codes, AS_OF))
        db.dispose()
    return {
        "quick": quick,
        "built": built,
        "build_seconds": round(build_seconds, 1),
        "alerts": alerts,
        "font": font.path or font.name,
        "statements": len(codes),
        "fund_report_bytes": len(fund_pdf),
        "statements_bytes": len(all_pdf),
        "figures": {
            "font_registration_s": figure(font_seconds, "s"),
            "sqlite_fund_execution_report_s": figure(fund_seconds, "s", 3.0 * scale),
            "sqlite_fund_execution_report_cpu_s": figure(fund_cpu, "s"),
            "sqlite_all_award_statements_s": figure(all_seconds, "s", 30.0 * scale),
            "sqlite_all_award_statements_cpu_s": figure(all_cpu, "s"),
            "statements_per_s": figure(len(codes) / all_seconds, "/s", better="higher"),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, ensure_ascii=False))
