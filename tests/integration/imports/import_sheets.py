"""Helpers of the import tests: write a sheet as xlsx or csv, run ``funds import`` on it."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from funds.cli import app


def write(path: Path, headers: list[str], rows: list[list[Any]]) -> Path:
    """Write ``headers`` and ``rows`` to ``path``, as csv or xlsx by its suffix."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([v.isoformat() if isinstance(v, date) else v for v in row])
        return path
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def run(kind: str, path: Path) -> tuple[int, dict[str, Any]]:
    """Run ``funds import KIND PATH --json``; return its exit code and report."""
    result = CliRunner().invoke(app, ["import", kind, str(path), "--json"])
    assert result.stdout, result.output
    return result.exit_code, json.loads(result.stdout)
