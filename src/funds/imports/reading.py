"""Streaming the rows of a ``.xlsx`` or ``.csv`` file, with the row numbers Excel shows.

An ``.xlsx`` workbook is read as openpyxl's read-only mode reads it (rows are parsed as
they are reached, so a 100,000-row sheet never sits in memory as cells) with ``data_only``
(a formula's last computed value); the cells themselves are parsed by
:mod:`funds.imports.xlsx`, several times faster and with the same values (``fast=False``
uses openpyxl throughout). A ``.csv`` file is UTF-8 (with or without the BOM Excel
writes) or, failing that, GB18030 (what Excel on Chinese Windows saves); its one sheet is
named after the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl

from funds.errors import InvalidInput
from funds.imports import xlsx

SUFFIXES = (".xlsx", ".xlsm", ".csv")
INSTRUCTIONS_SHEET = "说明"


@dataclass
class RawSheet:
    """One sheet: its name, its last row when known cheaply, and its rows as they stream."""

    name: str
    max_row: int
    """The last row number (0 when unknown: a workbook's rows are counted as read)."""
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    """``(Excel row number, cell values)``, every row including blank ones."""


@contextmanager
def open_sheets(path: Path, *, fast: bool = True) -> Iterator[list[RawSheet]]:
    """Yield the sheets of ``path`` (one for a CSV file); the file is closed afterwards."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidInput("file", f"{path.name}: expected an .xlsx or .csv file")
    if not path.is_file():
        raise InvalidInput("file", f"{path}: no such file")
    if suffix == ".csv":
        yield [_csv_sheet(path)]
        return
    try:
        if fast:
            book = xlsx.load_workbook(path)
        else:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise InvalidInput("file", f"{path.name} cannot be read as a workbook: {error}") from None
    try:
        yield [
            RawSheet(
                name=sheet.title,
                max_row=0,  # asking openpyxl would parse the whole sheet once more
                rows=_numbered(
                    xlsx.sheet_rows(sheet) if fast else sheet.iter_rows(min_row=1, values_only=True)
                ),
            )
            for sheet in book.worksheets
            if sheet.title != INSTRUCTIONS_SHEET
        ]
    finally:
        book.close()


def _numbered(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    yield from enumerate(rows, start=1)


def _csv_sheet(path: Path) -> RawSheet:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InvalidInput("file", f"{path.name} is neither UTF-8 nor GB18030 text")
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    reader = csv.reader(io.StringIO(text, newline=""))
    return RawSheet(name=path.stem, max_row=lines, rows=_numbered(map(tuple, reader)))
