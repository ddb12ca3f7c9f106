"""What an import found and did: problems by sheet, row and column; rows new and already there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from funds.imports.kinds import Kind
from funds.money import format_yuan


def column_letter(index: int) -> str:
    """Return the spreadsheet letter of a zero-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class Problem:
    """One reason the file cannot be applied, where the officer will find it.

    ``row`` is the row number Excel shows; ``column`` the header as written in the file
    (``None`` when the problem concerns the whole row or sheet); ``cell`` the reference such
    as ``D7``; ``value`` what the cell holds.
    """

    sheet: str
    row: int | None
    column: str | None
    message: str
    cell: str | None = None
    value: str | None = None
    rule: str | None = None

    def where(self) -> str:
        """The location in the officer's words: ``下达企业 row 7, 金额 (D7)``."""
        parts = [self.sheet]
        if self.row is not None:
            parts.append(f"row {self.row}")
        text = " ".join(parts)
        if self.column:
            text += f", {self.column}"
            if self.cell:
                text += f" ({self.cell})"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Return the problem as plain data."""
        body: dict[str, Any] = {"sheet": self.sheet, "row": self.row, "column": self.column}
        body |= {"cell": self.cell, "value": self.value, "message": self.message}
        if self.rule:
            body["rule"] = self.rule
        return body


@dataclass
class SheetInfo:
    """A sheet as read: its kind, and where each field's column is (header, letter)."""

    name: str
    kind: Kind
    columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    """field → (header as written, column letter)."""
    header_row: int = 1


class ParsedRow:
    """A row whose every cell was read: typed values by field."""

    __slots__ = ("number", "sheet", "values")

    def __init__(self, sheet: SheetInfo, number: int, values: dict[str, Any]) -> None:
        self.sheet = sheet
        self.number = number
        self.values = values

    def problem(
        self, message: str, *, field: str | None = None, rule: str | None = None
    ) -> Problem:
        """Build a problem at this row (and at ``field``'s cell when given)."""
        header, letter = self.sheet.columns.get(field or "", (None, None))
        value = _shown(field, self.values.get(field)) if field else None
        return Problem(
            sheet=self.sheet.name,
            row=self.number,
            column=header,
            message=message,
            cell=f"{letter}{self.number}" if letter else None,
            value=value,
            rule=rule,
        )


def _shown(field: str, value: Any) -> str | None:
    """A typed value as the officer reads it: amounts in 元, dates ISO."""
    if value is None:
        return None
    if field == "amount" and isinstance(value, int):
        return format_yuan(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class KindCounts:
    """Rows of one kind: how many were read, new, already there."""

    rows: int = 0
    new: int = 0
    existing: int = 0


@dataclass
class ImportResult:
    """The outcome of reading, checking and (when clean) applying a file."""

    file: str
    dry_run: bool
    counts: dict[str, KindCounts] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    """Columns and sheets that were not read, for the officer to notice."""
    committed: bool = False

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    @property
    def rows(self) -> int:
        """Rows read, over every kind."""
        return sum(c.rows for c in self.counts.values())

    @property
    def new(self) -> int:
        """Rows that are (or, on a dry run, would be) new."""
        return sum(c.new for c in self.counts.values())

    @property
    def existing(self) -> int:
        """Rows already recorded earlier (re-imports create nothing)."""
        return sum(c.existing for c in self.counts.values())

    def count(self, kind: str) -> KindCounts:
        """Return the counts of ``kind``, creating them."""
        return self.counts.setdefault(kind, KindCounts())

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain data (the ``--json`` output)."""
        return {
            "file": self.file,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "committed": self.committed,
            "rows": self.rows,
            "new": self.new,
            "existing": self.existing,
            "kinds": {k: vars(c) for k, c in self.counts.items()},
            "errors": [p.to_dict() for p in self.problems],
            "ignored": self.ignored,
        }
