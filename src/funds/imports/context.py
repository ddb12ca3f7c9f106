"""The state pass two shares: who imports, the result being built, progress, row keys."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from funds import bulk
from funds.db import table_of
from funds.errors import FundsError, InvalidInput
from funds.grants.errors import Duplicate, UnknownRecord
from funds.imports.report import ImportResult, ParsedRow
from funds.ledger import Entry

Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: phase is ``reading``, ``checking`` or ``writing``."""

KEY_PREFIX = "import"
ENTRIES = table_of(Entry)

# Which column an error belongs to, by rule (RuleBreach) or by the kind of record not found.
RULE_COLUMNS: dict[str, str] = {
    "use-within-held": "amount",
    "own-use-at-most-20-percent": "amount",
    "budget-not-overdrawn": "amount",
    "fixed-award-amount": "amount",
    "zone-stage-within-validity": "split",
    "gate-recognition": "on",
    "gate-recognition-valid": "on",
    "gate-assessment": "seq",
    "gate-budget-year": "on",
    "award-once-per-recognition": "recipient",
    "eligible-recipient": "recipient",
    "stage-paid-once": "seq",
    "stage-not-cancelled": "seq",
    "release-requested-first": "seq",
    "maker-checker": "approved_by",
    "no-payment-after-exit": "award",
    "reassessment-after-failure": "reassessment",
    "idempotency": "voucher",
    "voucher-once": "voucher",
}
RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "award": ("award", "code"),
    "enterprise": ("enterprise", "credit_code"),
    "recipient": ("recipient", "code"),
    "fund": ("fund",),
    "stage": ("seq",),
}
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "stages": ("split", "amount"),
    "credit_code": ("credit_code", "enterprise"),
}


class AlreadyReported(Exception):
    """Raised for a row whose problem is already recorded: nothing more to say about it."""


@dataclass
class Context:
    """Pass two's working state for one import."""

    actor: str
    result: ImportResult
    progress: Progress | None = None
    later_kinds: bool = False
    """True while kinds that may depend on this one's writes are still to come."""
    checked: int = 0
    total: int = 0
    seen_keys: dict[str, int] = field(default_factory=dict)

    def refuse(self, row: ParsedRow, error: FundsError) -> None:
        """Record a domain refusal at the row, in the column it concerns; when the sheet has
        no such column (an optional one this row needs), say which column to add."""
        by_field = error.details.get("by_field")
        if isinstance(by_field, dict) and by_field:  # one problem per figure at fault
            for name, text in by_field.items():
                where = name if name in row.sheet.columns else None
                self.result.problems.append(row.problem(text, field=where, rule=error.rule))
            return
        fields = fields_of(error)
        found = next((f for f in fields if f in row.sheet.columns), None)
        message = error.message
        if found is None:
            kind = row.sheet.kind
            absent = next((kind.column(f) for f in fields if kind.has(f)), None)
            if absent is not None:
                message = f"the sheet has no column {absent.zh} ({absent.en}): {message}"
        self.result.problems.append(row.problem(message, field=found, rule=error.rule))

    def tick(self, rows: int = 1) -> None:
        """Count rows checked; report progress every 1,000 rows."""
        before = self.checked
        self.checked += rows
        if self.progress is not None and (self.checked // 1000 > before // 1000):
            self.progress("checking", self.checked, self.total)

    def first_use(self, key: str, row: ParsedRow) -> bool:
        """Tell whether ``key`` is new in this file; report a repeated one at its row."""
        earlier = self.seen_keys.setdefault(key, row.number)
        if earlier == row.number:
            return True
        self.result.problems.append(
            row.problem(
                f"repeats row {earlier} (same natural key {key.rsplit(':', 2)[-1]!r});"
                " give each payment its own 凭证号",
                field="voucher" if row.values.get("voucher") else None,
                rule="import-row-once",
            )
        )
        return False


def column_of(row: ParsedRow, error: FundsError) -> str | None:
    """Return the field of ``row`` that ``error`` concerns, when it can be told."""
    return next((f for f in fields_of(error) if f in row.sheet.columns), None)


def fields_of(error: FundsError) -> tuple[str, ...]:
    """Return the fields ``error`` may concern, most likely first."""
    if isinstance(error, InvalidInput):
        return FIELD_ALIASES.get(error.field, (error.field,))
    if isinstance(error, UnknownRecord | Duplicate):
        return RECORD_COLUMNS.get(str(error.details.get("what")), ())
    if error.rule in RULE_COLUMNS:
        return (RULE_COLUMNS[error.rule],)
    return ()


def natural_key(kind: str, award: str, row: ParsedRow, fields: Iterable[str]) -> str:
    """Return a row's idempotency key: its voucher, else a digest of its significant fields."""
    voucher = row.values.get("voucher")
    if voucher:
        return f"{KEY_PREFIX}:{kind}:{award}:v:{voucher}"
    significant = [_plain(row.values.get(f)) for f in fields]
    digest = hashlib.sha256(json.dumps(significant, ensure_ascii=False).encode()).hexdigest()
    return f"{KEY_PREFIX}:{kind}:{award}:d:{digest[:24]}"


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def existing_keys(session: Session, keys: list[str]) -> dict[str, tuple[int, str]]:
    """Return ``key → (entry id, request hash)`` for the keys already in the journal."""
    rows = bulk.select_in(
        session.connection(),
        ENTRIES,
        ("idempotency_key", "id", "request_hash"),
        "idempotency_key",
        keys,
    )
    return {str(key): (int(entry_id), str(digest)) for key, entry_id, digest in rows}
