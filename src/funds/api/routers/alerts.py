"""Compliance: list and read alerts (scoped), acknowledge them, run a scan, the rule catalogue.

A scan as of today (``FUNDS_TODAY`` overrides the date, as for the CLI) records alerts and,
when a webhook is configured, queues their events and delivers them after the response; a
scan as of another date is a replay that changes no alert.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Path, Query, Request
from sqlmodel import Session, select

from funds.api.deps import CurrentUser, SessionDep, get_database
from funds.api.idempotency import Write
from funds.api.rules import allow, allow_everyone
from funds.api.schemas.common import Limit, Offset, Page, page
from funds.api.schemas.compliance import (
    Acknowledgement,
    AlertDetailRead,
    AlertEventRead,
    AlertRead,
    FindingRead,
    RuleRead,
    ScanRead,
    ScanRequest,
)
from funds.api.scope import Scope
from funds.api.types import CODE_PATTERN, KEY_PATTERN
from funds.api.users import Role
from funds.clock import today
from funds.compliance import (
    RULES,
    AlertFilter,
    Finding,
    WebhookConfig,
    acknowledge,
    deliver_pending,
    get_alert,
    history,
    list_alerts,
    scan,
)
from funds.compliance.alerts import rule_modes
from funds.compliance.errors import UnknownAlert
from funds.compliance.models import Alert
from funds.db import Database
from funds.money import to_yuan_string
from funds.policy import Programme

router = APIRouter(tags=["compliance"])
AlertKey = Annotated[
    str, Path(max_length=200, pattern=KEY_PATTERN, examples=["pass-through-80:ZONE-2025-0001"])
]
State = Annotated[str, Query(pattern="^(open|acknowledged|resolved|active|all)$")]


def _get_alert(session: Session, key: str) -> Alert:
    """The alert with this key or id. ``get_alert`` reads any ``str.isdigit`` key as an id,
    and ``int("²")`` raises: such a key (a digit that is not a decimal) is simply unknown."""
    if key.isdigit() and not key.isdecimal():
        raise UnknownAlert(key)
    return get_alert(session, key)


def alert_read(a: Alert) -> AlertRead:
    """An alert as the API shows it."""
    return AlertRead(
        id=a.id or 0,
        key=a.key,
        rule=a.rule,
        subject=a.subject,
        severity=a.severity,
        warning_only=a.warning_only,
        state=a.state,
        programme=a.programme,
        city=a.city,
        recipient=a.recipient,
        award=a.award,
        message=a.message,
        action=a.action,
        clause=a.clause,
        amounts={k: to_yuan_string(v) for k, v in json.loads(a.amounts).items()},
        first_seen=a.first_seen,
        last_seen=a.last_seen,
        first_seen_as_of=a.first_seen_as_of,
        last_seen_as_of=a.last_seen_as_of,
        resolved_at=a.resolved_at,
        acknowledged_by=a.acknowledged_by,
        acknowledged_at=a.acknowledged_at,
        ack_comment=a.ack_comment,
    )


@router.get("/alerts", **allow_everyone())
def alerts(
    session: SessionDep,
    user: CurrentUser,
    severity: Annotated[str | None, Query(pattern="^(red|orange|yellow)$")] = None,
    programme: Programme | None = None,
    city: Annotated[str | None, Query(max_length=20, pattern=CODE_PATTERN)] = None,
    recipient: Annotated[str | None, Query(max_length=40, pattern=CODE_PATTERN)] = None,
    rule: Annotated[str | None, Query(max_length=60, pattern=CODE_PATTERN)] = None,
    state: State = "active",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AlertRead]:
    """Stored alerts in scope, worst first, filtered."""
    found = list_alerts(
        session,
        AlertFilter(severity, programme.value if programme else None, city, recipient, rule, state),
    )
    scope = Scope.of(user)
    visible = set(session.exec(scope.alerts(select(Alert.id)))) if scope.limited else None
    items = [alert_read(a) for a in found if visible is None or a.id in visible]
    return page(items, limit, offset)


@router.get("/alerts/{key}", **allow_everyone())
def alert(key: AlertKey, session: SessionDep, user: CurrentUser) -> AlertDetailRead:
    """One alert with its history."""
    found = Scope.of(user).alert(_get_alert(session, key), key)
    events = [
        AlertEventRead(kind=e.kind, at=e.at, actor=e.actor, detail=e.detail, scan=e.scan_id)
        for e in history(session, found)
    ]
    return AlertDetailRead(**alert_read(found).model_dump(), history=events)


@router.post(
    "/alerts/{key}/acknowledgement", response_model=AlertRead, **allow(Role.FINANCE, Role.CITY)
)
def acknowledge_alert(key: AlertKey, body: Acknowledgement, write: Write) -> object:
    """Acknowledge an alert: the caller has seen it and says what will be done."""

    def run() -> AlertRead:
        Scope.of(write.user).alert(_get_alert(write.session, key), key)
        return alert_read(
            acknowledge(write.session, key=key, actor=write.actor, comment=body.comment)
        )

    return write.respond(body, run)


@router.post("/alerts/scans", response_model=ScanRead, **allow(Role.FINANCE))
def run_scan(body: ScanRequest, write: Write, tasks: BackgroundTasks, request: Request) -> object:
    """Evaluate every rule (as of today: record alerts; another date: replay)."""
    now = today()
    day = body.as_of or now
    config = WebhookConfig.from_env()

    def run() -> ScanRead:
        result = scan(
            write.session,
            as_of=day,
            record=day == now,
            enqueue=config is not None,
            actor=write.actor,
            force=body.full,
        )
        return ScanRead(
            as_of=day,
            recorded=result.recorded,
            reused=result.reused,
            scan=result.scan_id,
            elapsed_ms=result.elapsed_ms,
            counts=result.counts,
            breaches=result.breaches,
            opened=result.opened,
            reopened=result.reopened,
            changed=result.changed,
            resolved=result.resolved,
            findings=[_finding(f) for f in result.findings],
        )

    response = write.respond(body, run)
    if config is not None and day == now:
        tasks.add_task(_deliver, get_database(request), config)
    return response


def _deliver(database: Database, config: WebhookConfig) -> None:
    with database.unit_of_work() as session:
        deliver_pending(session, config)


def _finding(f: Finding) -> FindingRead:
    return FindingRead(
        key=f.key,
        rule=f.rule,
        severity=f.severity.value,
        warning_only=f.warning_only,
        breach=f.breach,
        subject=f.subject,
        award=f.award,
        programme=f.programme,
        city=f.city,
        recipient=f.recipient,
        message=f.message,
        action=f.action,
        amounts={k: to_yuan_string(v) for k, v in f.amounts.items()},
    )


@router.get("/rules", **allow_everyone())
def rules(session: SessionDep) -> list[RuleRead]:
    """The rule catalogue: each rule's clause, severity, programmes and current mode."""
    modes = {k: v.warning_only for k, v in rule_modes(session).items()}
    return [
        RuleRead(
            id=r.id,
            title_zh=r.title_zh,
            title_en=r.title_en,
            severity=r.severity.value,
            programmes=[p.value for p in r.programmes],
            clause=r.cite(),
            clauses=r.cites(),
            warning_only=modes.get(r.id, r.warning_only),
        )
        for r in RULES
    ]
