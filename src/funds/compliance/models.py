"""The alert store: alerts with their history, scans, rule modes and the webhook outbox.

An alert is a finding that a recorded scan has seen, under the finding's stable key
(``rule:subject``): seen again, the same row is updated; no longer found, it is resolved; found
once more after that, it is reopened. Every such change, and every acknowledgement, appends an
``compliance_alert_event`` row, so an alert's history can be read back in order. Changes that
a receiver must hear about (opened, reopened, resolved) also go into ``compliance_outbox``, and
each attempt to deliver them is logged in ``compliance_delivery``. Money columns are integer 分
inside the JSON ``amounts`` text (``{"received": 400000000, ...}``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlmodel import Field, SQLModel


def _fk(target: str) -> ForeignKey:
    return ForeignKey(target)


def _stamp(nullable: bool = False) -> Column[datetime]:
    return Column(DateTime(timezone=False), nullable=nullable)


class Alert(SQLModel, table=True):
    """A finding seen by a recorded scan, kept under its stable key until resolved."""

    __tablename__ = "compliance_alert"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    """``rule:subject``, e.g. ``pass-through-80:ZONE-2025-0001``."""
    rule: str = Field(sa_column=Column(String(60), nullable=False))
    subject: str = Field(sa_column=Column(String(140), nullable=False))
    severity: str = Field(sa_column=Column(String(10), nullable=False))
    """red, orange or yellow (this finding's; may differ from the rule's default)."""
    warning_only: bool = Field(sa_column=Column(Boolean, nullable=False))
    """True when the rule runs in warning-only mode: reported, not counted as a breach."""
    state: str = Field(sa_column=Column(String(12), nullable=False))
    """open, acknowledged or resolved."""
    programme: str = Field(sa_column=Column(String(30), nullable=False))
    city: str = Field(sa_column=Column(String(20), nullable=False))
    recipient: str = Field(sa_column=Column(String(40), nullable=False))
    award: str = Field(sa_column=Column(String(40), nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    clause: str = Field(sa_column=Column(String(200), nullable=False))
    amounts: str = Field(sa_column=Column(Text, nullable=False))
    """JSON object of named amounts in 分."""
    first_seen: datetime = Field(sa_column=_stamp())
    """When a scan first found it (UTC, naive)."""
    last_seen: datetime = Field(sa_column=_stamp())
    """When a scan last found it (UTC, naive)."""
    first_seen_as_of: date = Field(sa_column=Column(Date, nullable=False))
    last_seen_as_of: date = Field(sa_column=Column(Date, nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=_stamp(nullable=True))
    acknowledged_by: str | None = Field(default=None, sa_column=Column(String(120)))
    acknowledged_at: datetime | None = Field(default=None, sa_column=_stamp(nullable=True))
    ack_comment: str | None = Field(default=None, sa_column=Column(Text))


class AlertEvent(SQLModel, table=True):
    """One change in an alert's life: opened, updated, resolved, reopened, acknowledged."""

    __tablename__ = "compliance_alert_event"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(
        sa_column=Column(Integer, _fk("compliance_alert.id"), nullable=False, index=True)
    )
    scan_id: int | None = Field(
        default=None, sa_column=Column(Integer, _fk("compliance_scan.id"), nullable=True)
    )
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    at: datetime = Field(sa_column=_stamp())
    actor: str = Field(sa_column=Column(String(120), nullable=False))
    detail: str = Field(sa_column=Column(Text, nullable=False))


class Scan(SQLModel, table=True):
    """One evaluation of every rule; a replay (``recorded`` false) leaves the alerts alone."""

    __tablename__ = "compliance_scan"

    id: int | None = Field(default=None, primary_key=True)
    as_of: date = Field(sa_column=Column(Date, nullable=False))
    recorded: bool = Field(sa_column=Column(Boolean, nullable=False))
    """False for a replay as of another date: findings returned, alerts untouched."""
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    """sha256 of everything the findings depend on (see :mod:`funds.compliance.scanner`)."""
    reused: bool = Field(sa_column=Column(Boolean, nullable=False))
    """True when nothing had changed since the previous recorded scan and its alerts stood."""
    findings: int = Field(sa_column=Column(Integer, nullable=False))
    red: int = Field(sa_column=Column(Integer, nullable=False))
    """Red findings that count as breaches (warning-only ones excluded)."""
    opened: int = Field(sa_column=Column(Integer, nullable=False))
    resolved: int = Field(sa_column=Column(Integer, nullable=False))
    elapsed_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    actor: str = Field(sa_column=Column(String(120), nullable=False))
    started_at: datetime = Field(sa_column=_stamp())


class RuleMode(SQLModel, table=True):
    """A rule switched to warning-only (or back), with who did it and why."""

    __tablename__ = "compliance_rule_mode"

    rule: str = Field(sa_column=Column(String(60), primary_key=True))
    warning_only: bool = Field(sa_column=Column(Boolean, nullable=False))
    actor: str = Field(sa_column=Column(String(120), nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    changed_at: datetime = Field(sa_column=_stamp())


class OutboxEvent(SQLModel, table=True):
    """An alert change waiting for (or done with) webhook delivery."""

    __tablename__ = "compliance_outbox"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(sa_column=Column(Integer, _fk("compliance_alert.id"), nullable=False))
    event: str = Field(sa_column=Column(String(20), nullable=False))
    """opened, reopened or resolved."""
    payload: str = Field(sa_column=Column(Text, nullable=False))
    """The event as JSON, exactly as it will be sent."""
    created_at: datetime = Field(sa_column=_stamp())
    attempts: int = Field(sa_column=Column(Integer, nullable=False))
    delivered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=False), nullable=True, index=True)
    )
    """When the receiver accepted it (UTC, naive); NULL while it waits."""
    last_error: str | None = Field(default=None, sa_column=Column(Text))


class Delivery(SQLModel, table=True):
    """One attempt to POST a batch of outbox events to the webhook (the delivery log)."""

    __tablename__ = "compliance_delivery"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(String(500), nullable=False))
    first_event_id: int = Field(sa_column=Column(Integer, nullable=False))
    last_event_id: int = Field(sa_column=Column(Integer, nullable=False))
    events: int = Field(sa_column=Column(Integer, nullable=False))
    attempt: int = Field(sa_column=Column(Integer, nullable=False))
    status_code: int | None = Field(default=None, sa_column=Column(Integer))
    ok: bool = Field(sa_column=Column(Boolean, nullable=False))
    error: str | None = Field(default=None, sa_column=Column(Text))
    elapsed_ms: int = Field(sa_column=Column(BigInteger, nullable=False))
    attempted_at: datetime = Field(sa_column=_stamp())
