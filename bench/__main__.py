"""Run every benchmark module present and print one JSON document on stdout.

Each module named in :data:`MODULES` exposes ``run(*, quick: bool = False) -> dict``; the
ones not written yet are listed as absent. ``FUNDS_BENCH_QUICK=1`` asks for a reduced-size
smoke run. The document opens with the machine's own reference figures
(:func:`bench.machine.reference`), taken before any benchmark runs, so that runs on
different machines can be told apart.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from typing import Any

from bench.machine import reference

MODULES = [
    "bench.ledger",
    "bench.planner",
    "bench.grants",
    "bench.compliance",
    "bench.reports",
    "bench.imports",
    "bench.api",
]


def main() -> int:
    """Run the benchmarks and print the JSON document; exit 1 when a module failed."""
    quick = os.environ.get("FUNDS_BENCH_QUICK") == "1"
    machine = reference()
    results: dict[str, Any] = {}
    failed = False
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            results[name] = {"absent": True}
            continue
        start = time.perf_counter()
        try:
            results[name] = module.run(quick=quick)
        except Exception as error:  # one broken bench must not hide the others' figures
            failed = True
            results[name] = {"error": f"{type(error).__name__}: {error}"}
        results[name]["seconds"] = round(time.perf_counter() - start, 1)
    document = {
        "quick": quick,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": machine,
        "benchmarks": results,
    }
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
