"""Reading and acting on stored alerts: list with filters, show with history, acknowledge,
and switch a rule between enforcing and warning-only.

Services flush; the edge commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from funds.actors import actor_name
from funds.compliance.errors import AlertAlreadyResolved, UnknownAlert, UnknownRule
from funds.compliance.findings import Severity
from funds.compliance.models import Alert, AlertEvent, OutboxEvent, RuleMode
from funds.compliance.registry import RULE_IDS
from funds.errors import InvalidInput
from funds.policy import Programme, normalise_city

STATES = ("open", "acknowledged", "resolved", "active", "all")
"""``active`` means open or acknowledged (not resolved); ``all`` means every state."""


@dataclass(frozen=True)
class AlertFilter:
    """What ``funds alerts list`` narrows by; ``None`` means any."""

    severity: str | None = None
    programme: str | None = None
    city: str | None = None
    recipient: str | None = None
    rule: str | None = None
    state: str = "active"


def list_alerts(session: Session, filters: AlertFilter | None = None) -> list[Alert]:
    """Return the alerts that match ``filters``, worst first, then by key."""
    f = filters or AlertFilter()
    query = select(Alert)
    if f.state not in STATES:
        raise InvalidInput("state", f"{f.state!r} is not one of {', '.join(STATES)}")
    if f.state == "active":
        query = query.where(Alert.state != "resolved")
    elif f.state != "all":
        query = query.where(Alert.state == f.state)
    if f.severity is not None:
        query = query.where(Alert.severity == _severity(f.severity))
    if f.programme is not None:
        query = query.where(Alert.programme == _programme(f.programme))
    if f.city is not None:
        query = query.where(Alert.city == _city(f.city))
    if f.recipient is not None:
        query = query.where(Alert.recipient == f.recipient)
    if f.rule is not None:
        query = query.where(Alert.rule == f.rule)
    rows = list(session.exec(query.order_by(col(Alert.key))))
    return sorted(rows, key=lambda a: Severity(a.severity).rank)


def _severity(value: str) -> str:
    try:
        return Severity(value).value
    except ValueError:
        raise InvalidInput("severity", f"{value!r} is not red, orange or yellow") from None


def _programme(value: str) -> str:
    try:
        return Programme(value).value
    except ValueError:
        known = ", ".join(p.value for p in Programme)
        raise InvalidInput("programme", f"{value!r} is not one of {known}") from None


def _city(value: str) -> str:
    try:
        return normalise_city(value)
    except ValueError as error:
        raise InvalidInput("city", str(error)) from None


def get_alert(session: Session, key: str) -> Alert:
    """Return the alert with this key (or numeric id) or raise :class:`UnknownAlert`."""
    query = select(Alert).where(Alert.key == key)
    found = session.exec(query).first()
    if found is None and key.isascii() and key.isdigit():  # '²' is a digit, not an int
        found = session.get(Alert, int(key))
    if found is None:
        raise UnknownAlert(key)
    return found


def history(session: Session, alert: Alert) -> list[AlertEvent]:
    """Return the alert's events in the order they happened."""
    query = select(AlertEvent).where(AlertEvent.alert_id == alert.id)
    return list(session.exec(query.order_by(col(AlertEvent.id))))


def deliveries(session: Session, alert: Alert) -> list[OutboxEvent]:
    """Return the webhook events of the alert (delivered or waiting)."""
    query = select(OutboxEvent).where(OutboxEvent.alert_id == alert.id)
    return list(session.exec(query.order_by(col(OutboxEvent.id))))


def acknowledge(session: Session, *, key: str, actor: str, comment: str) -> Alert:
    """Record that ``actor`` has seen the alert and what they will do about it."""
    actor = actor_name(actor, "by")
    if not comment.strip():
        raise InvalidInput("comment", "say what is being done about the alert")
    alert = get_alert(session, key)
    if alert.state == "resolved":
        raise AlertAlreadyResolved(alert.key)
    now = _now()
    alert.state, alert.acknowledged_by = "acknowledged", actor
    alert.acknowledged_at, alert.ack_comment = now, comment
    session.add(alert)
    assert alert.id is not None
    session.add(
        AlertEvent(alert_id=alert.id, kind="acknowledged", at=now, actor=actor, detail=comment)
    )
    session.flush()
    return alert


def set_rule_mode(
    session: Session, *, rule: str, warning_only: bool, actor: str, reason: str
) -> RuleMode:
    """Switch ``rule`` to warning-only (reports, not counted as a breach) or back."""
    if rule not in RULE_IDS:
        raise UnknownRule(rule, sorted(RULE_IDS))
    if not reason.strip():
        raise InvalidInput("reason", "say why the rule's mode changes")
    row = session.get(RuleMode, rule) or RuleMode(
        rule=rule, warning_only=warning_only, actor=actor, reason=reason, changed_at=_now()
    )
    row.warning_only, row.actor, row.reason, row.changed_at = warning_only, actor, reason, _now()
    session.add(row)
    session.flush()
    return row


def rule_modes(session: Session) -> dict[str, RuleMode]:
    """Return the recorded mode switches by rule id."""
    return {m.rule: m for m in session.exec(select(RuleMode))}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
