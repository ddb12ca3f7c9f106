"""Pass one: read every cell of a sheet, collecting every problem with its cell.

The header row is the first of the top ten rows that names at least one column of the
kind (a title row above it is skipped). Columns the kind does not know are ignored and
listed; a required column that is missing is a problem at the header row, naming it; an
optional column that is missing reads as blank in every row. Blank rows are skipped. A row
with any unreadable cell is reported and left out of pass two.

The readers of :mod:`funds.imports.cells` are pure, and a large file repeats most of its
cells (a few awards, a few thousand enterprises, a few hundred dates), so each column
remembers what its reader made of a raw value — the typed value or the reason it was
refused — keyed by the value and its type (``1``, ``1.0`` and ``TRUE`` stay apart). A
remembered refusal is reported at every cell that holds it, exactly as a fresh one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

from funds.imports.cells import CellProblem
from funds.imports.kinds import Column, Kind
from funds.imports.reading import RawSheet
from funds.imports.report import ImportResult, ParsedRow, Problem, SheetInfo, column_letter

HEADER_SEARCH_ROWS = 10
MEMO_LIMIT = 20_000
"""Distinct raw values remembered per column (a column of unique vouchers stops there)."""

Tick = Callable[[int], None]


def parse_sheet(
    raw: RawSheet, kind: Kind, result: ImportResult, tick: Tick | None = None
) -> list[ParsedRow]:
    """Return the readable rows of ``raw``; add a :class:`Problem` for every bad cell."""
    rows = iter(raw.rows)
    found = _find_header(rows, kind)
    if found is None:
        expected = "、".join(c.zh for c in kind.columns if c.required)
        result.problems.append(
            Problem(raw.name, None, None, f"no header row found; expected columns {expected}")
        )
        return []
    header_row, headers = found
    sheet = SheetInfo(name=raw.name, kind=kind, header_row=header_row)
    slots = _map_columns(sheet, headers, result)
    if slots is None:
        return []
    parsed: list[ParsedRow] = []
    counts = result.count(kind.name)
    readers = [_Slot(index, column, *sheet.columns[column.field]) for index, column in slots]
    absent = {c.field: None for c in kind.columns if c.field not in sheet.columns}
    for number, values in rows:
        if tick is not None and number % 1000 == 0:
            tick(number)
        if not any(_present(v) for v in values):
            continue
        counts.rows += 1
        row = _parse_row(sheet, number, values, readers, result.problems, absent)
        if row is not None:
            parsed.append(row)
    return parsed


def _find_header(
    rows: Iterator[tuple[int, tuple[Any, ...]]], kind: Kind
) -> tuple[int, tuple[Any, ...]] | None:
    for number, values in rows:
        if any(isinstance(v, str) and kind.match(v) for v in values):
            return number, values
        if number >= HEADER_SEARCH_ROWS:
            return None
    return None


def _map_columns(
    sheet: SheetInfo, headers: tuple[Any, ...], result: ImportResult
) -> list[tuple[int, Column]] | None:
    slots: list[tuple[int, Column]] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        if not _present(header):
            continue
        text = str(header).strip()
        column = sheet.kind.match(text)
        letter = column_letter(index)
        if column is None:
            result.ignored.append(f"{sheet.name} column {letter} {text!r}")
            continue
        if column.field in seen:
            result.problems.append(
                Problem(
                    sheet.name,
                    sheet.header_row,
                    text,
                    f"two columns hold {column.zh}: {seen[column.field]!r} and {text!r}",
                    cell=f"{letter}{sheet.header_row}",
                )
            )
            continue
        seen[column.field] = text
        sheet.columns[column.field] = (text, letter)
        slots.append((index, column))
    missing = [c for c in sheet.kind.columns if c.required and c.field not in sheet.columns]
    for column in missing:
        result.problems.append(
            Problem(
                sheet.name,
                sheet.header_row,
                column.zh,
                f"the required column {column.zh} ({column.en}) is missing",
            )
        )
    return None if missing else slots


class _Slot:
    """One column of the sheet as read: where it is, its reader and what it remembered."""

    __slots__ = ("column", "field", "header", "index", "letter", "memo", "required")

    def __init__(self, index: int, column: Column, header: str, letter: str) -> None:
        self.index = index
        self.column = column
        self.field = column.field
        self.required = column.required
        self.header = header
        self.letter = letter
        self.memo: dict[tuple[type, Any], tuple[bool, Any]] = {}

    def read(self, raw: Any) -> tuple[bool, Any]:
        """``(True, typed value)`` or ``(False, why the reader refused it)``."""
        key = (raw.__class__, raw)
        found = self.memo.get(key)
        if found is None:
            try:
                found = (True, self.column.read(raw))
            except CellProblem as error:
                found = (False, str(error))
            if len(self.memo) < MEMO_LIMIT:
                self.memo[key] = found
        return found


def _parse_row(
    sheet: SheetInfo,
    number: int,
    values: tuple[Any, ...],
    slots: list[_Slot],
    problems: list[Problem],
    absent: dict[str, None],
) -> ParsedRow | None:
    typed: dict[str, Any] = absent.copy()  # optional columns the sheet leaves out
    bad = False
    width = len(values)
    for slot in slots:
        raw = values[slot.index] if slot.index < width else None
        if not _present(raw):
            if slot.required:
                bad = True
                problems.append(
                    Problem(
                        sheet.name,
                        number,
                        slot.header,
                        f"{slot.column.zh} is required",
                        f"{slot.letter}{number}",
                    )
                )
            typed[slot.field] = None
            continue
        ok, value = slot.read(raw)
        if ok:
            typed[slot.field] = value
            continue
        bad = True
        shown = raw.isoformat() if isinstance(raw, date | datetime) else str(raw)
        problems.append(
            Problem(
                sheet.name,
                number,
                slot.header,
                f"{shown!r} {value}",
                cell=f"{slot.letter}{number}",
                value=shown,
            )
        )
    return None if bad else ParsedRow(sheet, number, typed)


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
