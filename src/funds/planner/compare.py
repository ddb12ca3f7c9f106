"""Two or more stored runs side by side, with the differences marked.

Works on the stored results (JSON), so any runs can be compared later, whichever
scenario and solver produced them. A row differs when the runs do not all agree on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One line of a comparison: a key and each run's value (None when absent)."""

    key: str
    values: list[Any]
    differs: bool


@dataclass
class Comparison:
    """Runs side by side: funded candidates, spend by year, city and industry."""

    runs: list[dict[str, Any]]
    funded: list[Row] = field(default_factory=list)
    years: list[Row] = field(default_factory=list)
    cities: list[Row] = field(default_factory=list)
    industries: list[Row] = field(default_factory=list)


def compare(runs: list[tuple[int, dict[str, Any]]]) -> Comparison:
    """Compare stored results ``(run id, results JSON)``."""
    head = [
        {
            "run": rid,
            "scenario": r["scenario"],
            "status": r["label"],
            "solver": r["solver"],
            "total_new": (r["plan"] or {}).get("total_new"),
            "value": (r["plan"] or {}).get("value"),
        }
        for rid, r in runs
    ]
    plans = [
        r["plan"] or {"awards": [], "years": [], "cities": [], "industries": []} for _, r in runs
    ]
    funded = [{a["candidate"]: f"{a['start']}: {a['amount']}" for a in p["awards"]} for p in plans]
    years = [{f"{y['fund']} {y['year']}": y["new"] for y in p["years"]} for p in plans]
    cities = [{g["group"]: g["amount"] for g in p["cities"]} for p in plans]
    industries = [{g["group"]: g["amount"] for g in p["industries"]} for p in plans]
    return Comparison(head, _rows(funded), _rows(years), _rows(cities), _rows(industries))


def _rows(columns: list[dict[str, Any]]) -> list[Row]:
    keys = sorted({k for column in columns for k in column})
    out = []
    for key in keys:
        values = [column.get(key) for column in columns]
        out.append(Row(key, values, len({repr(v) for v in values}) > 1))
    return out
