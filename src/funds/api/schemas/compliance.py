"""Bodies of the compliance routes: alerts, their history, scans and the rule catalogue."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict

from funds.api.schemas.common import Strict
from funds.api.types import Day, Stamp, text_field


class AlertRead(Strict):
    """A stored alert (amounts in 元)."""

    id: int
    key: str
    rule: str
    subject: str
    severity: str
    warning_only: bool
    state: str
    programme: str
    city: str
    recipient: str
    award: str
    message: str
    action: str
    clause: str
    amounts: dict[str, str]
    first_seen: Stamp
    last_seen: Stamp
    first_seen_as_of: date
    last_seen_as_of: date
    resolved_at: Stamp | None
    acknowledged_by: str | None
    acknowledged_at: Stamp | None
    ack_comment: str | None


class AlertEventRead(Strict):
    """One change in an alert's life."""

    kind: str
    at: Stamp
    actor: str
    detail: str
    scan: int | None


class AlertDetailRead(AlertRead):
    """An alert with its history."""

    history: list[AlertEventRead]


class Acknowledgement(Strict):
    """Who saw the alert (the caller) and what they will do about it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"comment": "已督促整改，6月底前补报"}]},
    )
    comment: Annotated[str, text_field(2000, min_length=1)]


class ScanRequest(Strict):
    """Evaluate every rule: as of today it records alerts; as of another date it replays."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"full": False}, {"as_of": "2026-06-30"}]}
    )
    as_of: Day | None = None
    full: bool = False


class FindingRead(Strict):
    """One finding of a scan (amounts in 元)."""

    key: str
    rule: str
    severity: str
    warning_only: bool
    breach: bool
    subject: str
    award: str
    programme: str
    city: str
    recipient: str
    message: str
    action: str
    amounts: dict[str, str]


class ScanRead(Strict):
    """What a scan found and what it changed in the alert store."""

    as_of: date
    recorded: bool
    reused: bool
    scan: int
    elapsed_ms: int
    counts: dict[str, int]
    breaches: int
    opened: int
    reopened: int
    changed: int
    resolved: int
    findings: list[FindingRead]


class RuleRead(Strict):
    """A rule of the catalogue, with its clause and current mode."""

    id: str
    title_zh: str
    title_en: str
    severity: str
    programmes: list[str]
    clause: str
    clauses: dict[str, str]
    """Each programme → the clause its findings cite (a programme's own text where it has one)."""
    warning_only: bool
