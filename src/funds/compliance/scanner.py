"""The scan: snapshot, rules, and the alert store kept in step with the findings.

A recorded scan (as of today) stores every finding as an alert under its stable key: a new
key opens an alert, a known one is updated (``last_seen``, message, amounts, severity), a
resolved one is reopened, and an alert whose finding is gone is resolved. Each change is
appended to the alert's history and, when a webhook is configured, to the outbox.

A replay (as of any other date) evaluates the rules as they would have run then and returns
the findings; it writes one ``compliance_scan`` row and leaves the alerts alone.

Before reading the snapshot a recorded scan takes a fingerprint of its inputs: the date, the
catalogue and the warning-only switches, the ledger's head (every money movement appends an
entry) and the row count and highest id of every grants table (every decision without money,
such as an assessment or a report, inserts a row). If it equals the previous recorded scan's,
nothing the rules read has changed and the stored alerts are the findings: the scan only
touches ``last_seen``. Records edited in place behind the services' back are not seen by the
fingerprint; ``--full`` (``force=True``) evaluates regardless.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlmodel import Session

import funds
from funds.compliance.findings import Finding, Severity
from funds.compliance.models import Alert, AlertEvent, OutboxEvent, RuleMode, Scan
from funds.compliance.registry import RULES, evaluate
from funds.compliance.snapshot import load_snapshot
from funds.db import table_of
from funds.grants import models as g
from funds.ledger import Ledger
from funds.money import to_yuan_string
from funds.policy import CLAUSES

ALERTS, EVENTS, OUTBOX = table_of(Alert), table_of(AlertEvent), table_of(OutboxEvent)
CATALOGUE_VERSION = "1"
"""Bump when a rule's logic changes, so that the next scan does not reuse older findings."""
_WATCHED = (
    g.Fund,
    g.FundYear,
    g.BudgetChange,
    g.Recipient,
    g.Enterprise,
    g.Award,
    g.Stage,
    g.Assessment,
    g.Termination,
    g.Recovery,
    g.Use,
    g.ReportSubmission,
)
SYSTEM = "scheduler"


@dataclass(frozen=True)
class ScanResult:
    """What a scan found and what it changed."""

    scan_id: int
    as_of: date
    recorded: bool
    reused: bool
    findings: tuple[Finding, ...]
    opened: int = 0
    reopened: int = 0
    resolved: int = 0
    changed: int = 0
    elapsed_ms: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def breaches(self) -> int:
        """Red findings that count (warning-only rules excluded): exit code 1 when > 0."""
        return sum(1 for f in self.findings if f.breach)


def warning_only_rules(session: Session) -> frozenset[str]:
    """The rules officers switched to warning-only, plus those shipped that way."""
    table = table_of(RuleMode)
    rows = session.connection().execute(select(table.c.rule, table.c.warning_only))
    modes = {rule: bool(quiet) for rule, quiet in rows}
    shipped = {r.id for r in RULES if r.warning_only and modes.get(r.id, True)}
    return frozenset(shipped | {rule for rule, quiet in modes.items() if quiet})


def fingerprint(session: Session, as_of: date, warning_only: Iterable[str]) -> str:
    """A digest of everything a scan's findings depend on (see the module docstring)."""
    head_id, head_hash = Ledger(session).head()
    parts: list[Any] = [
        funds.__version__,
        CATALOGUE_VERSION,
        [r.id for r in RULES],
        sorted(warning_only),
        as_of.isoformat(),
        head_id,
        head_hash,
    ]
    conn = session.connection()
    for model in _WATCHED:
        table = table_of(model)
        count, top = conn.execute(select(func.count(), func.max(table.c.id))).one()
        parts.append([table.name, count, top])
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def scan(
    session: Session,
    *,
    as_of: date,
    record: bool = True,
    enqueue: bool = False,
    actor: str = SYSTEM,
    force: bool = False,
) -> ScanResult:
    """Evaluate every rule as of ``as_of``; store alerts when ``record`` (see module doc)."""
    started = time.perf_counter()
    quiet = warning_only_rules(session)
    print_ = fingerprint(session, as_of, quiet)
    reuse = record and not force and _last_fingerprint(session) == print_
    row = Scan(
        as_of=as_of,
        recorded=record,
        fingerprint=print_,
        reused=reuse,
        findings=0,
        red=0,
        opened=0,
        resolved=0,
        elapsed_ms=0,
        actor=actor,
        started_at=_now(),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    counts: dict[str, int] = {}
    if reuse:
        findings = _reuse(session)
    else:
        findings = evaluate(load_snapshot(session, as_of), warning_only=quiet).findings
        if record:
            counts = _store(session, row.id, findings, as_of, enqueue=enqueue, actor=actor)
    row.findings = len(findings)
    row.red = sum(1 for f in findings if f.breach)
    row.opened = counts.get("opened", 0) + counts.get("reopened", 0)
    row.resolved = counts.get("resolved", 0)
    row.elapsed_ms = int((time.perf_counter() - started) * 1000)
    session.add(row)
    session.flush()
    return ScanResult(
        scan_id=row.id,
        as_of=as_of,
        recorded=record,
        reused=reuse,
        findings=findings,
        opened=counts.get("opened", 0),
        reopened=counts.get("reopened", 0),
        resolved=counts.get("resolved", 0),
        changed=counts.get("changed", 0),
        elapsed_ms=row.elapsed_ms,
        counts=_by_severity(findings),
    )


def _last_fingerprint(session: Session) -> str | None:
    query = (
        select(table_of(Scan).c.fingerprint)
        .where(table_of(Scan).c.recorded.is_(True))
        .order_by(table_of(Scan).c.id.desc())
        .limit(1)
    )
    found = session.connection().execute(query).scalar()
    return None if found is None else str(found)


def _by_severity(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {s.value: 0 for s in Severity}
    for f in findings:
        counts[f.severity.value] += 1
    return counts


def _reuse(session: Session) -> tuple[Finding, ...]:
    now = _now()
    session.connection().execute(
        update(ALERTS).where(ALERTS.c.state != "resolved").values(last_seen=now)
    )
    session.expire_all()
    rows = session.connection().execute(select(ALERTS).where(ALERTS.c.state != "resolved")).all()
    findings = [finding_of(row._mapping) for row in rows]
    findings.sort(key=lambda f: (f.severity.rank, f.rule, f.subject))
    return tuple(findings)


def finding_of(row: Mapping[Any, Any]) -> Finding:
    """Rebuild the finding an alert row (or its column values) stores."""
    return Finding(
        rule=row["rule"],
        subject=row["subject"],
        severity=Severity(row["severity"]),
        message=row["message"],
        action=row["action"],
        amounts=json.loads(row["amounts"]),
        award=row["award"],
        programme=row["programme"],
        city=row["city"],
        recipient=row["recipient"],
        warning_only=bool(row["warning_only"]),
    )


# -- the store ----------------------------------------------------------------------------


def _store(
    session: Session,
    scan_id: int,
    findings: tuple[Finding, ...],
    as_of: date,
    *,
    enqueue: bool,
    actor: str,
) -> dict[str, int]:
    now = _now()
    conn = session.connection()
    known = {row.key: row for row in conn.execute(select(ALERTS))}
    seen = {f.key for f in findings}
    counts = {"opened": 0, "reopened": 0, "resolved": 0, "changed": 0}
    new_rows: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    reopened: list[int] = []
    opened: list[Finding] = []
    for finding in findings:
        old = known.get(finding.key)
        values = _alert_values(finding, now, as_of)
        if old is None:
            new_rows.append({**values, "first_seen": now, "first_seen_as_of": as_of})
            opened.append(finding)
            counts["opened"] += 1
            continue
        kind = _change(old, finding)
        if kind == "reopened":
            reopened.append(old.id)
        elif old.state == "acknowledged":
            values["state"] = "acknowledged"
        updates.append({"alert_id": old.id, **values})
        if kind:
            counts[kind] += 1
            events.append(_event(old.id, scan_id, kind, now, actor, _detail(kind, old, finding)))
            if enqueue:
                outbox.append(_outbox(old.id, kind, finding, as_of, now))
    resolved = [row for key, row in known.items() if key not in seen and row.state != "resolved"]
    for row in resolved:
        counts["resolved"] += 1
        events.append(_event(row.id, scan_id, "resolved", now, actor, "finding no longer holds"))
        if enqueue:
            outbox.append(_outbox(row.id, "resolved", finding_of(row._mapping), as_of, now))
    for start in range(0, len(resolved), 500):
        conn.execute(
            update(ALERTS)
            .where(ALERTS.c.id.in_([row.id for row in resolved[start : start + 500]]))
            .values(state="resolved", resolved_at=now)
        )
    if updates:
        conn.execute(_UPDATE, updates)  # every row has the same keys: executemany needs that
    for start in range(0, len(reopened), 500):
        conn.execute(
            update(ALERTS)
            .where(ALERTS.c.id.in_(reopened[start : start + 500]))
            .values(resolved_at=None, acknowledged_by=None, acknowledged_at=None, ack_comment=None)
        )
    if new_rows:
        ids = _insert_alerts(session, new_rows)
        for row_id, values, finding in zip(ids, new_rows, opened, strict=True):
            events.append(_event(row_id, scan_id, "opened", now, actor, values["message"]))
            if enqueue:  # amounts in key order, as the stored alert has them
                stored = replace(finding, amounts=dict(sorted(finding.amounts.items())))
                outbox.append(_outbox(row_id, "opened", stored, as_of, now))
    if events:
        conn.execute(insert(EVENTS), events)
    if outbox:
        conn.execute(insert(OUTBOX), outbox)
    session.expire_all()  # the rows changed under any alert objects the session holds
    return counts


_UPDATE = update(ALERTS).where(ALERTS.c.id == bindparam("alert_id"))
# json.dumps with options builds an encoder per call; a scan encodes two documents per alert.
_SORTED_JSON = json.JSONEncoder(sort_keys=True).encode
_UNICODE_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _insert_alerts(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` in batches (one statement per batch); return their ids in order.

    RETURNING gives the id with each key (``sort_by_parameter_order`` would make SQLite
    insert one row per statement); keys are unique, so the ids are matched back by key.
    """
    query = insert(ALERTS).returning(ALERTS.c.key, ALERTS.c.id)
    ids: dict[str, int] = dict(session.connection().execute(query, rows).all())
    return [ids[row["key"]] for row in rows]


def _change(old: Any, finding: Finding) -> str | None:
    if old.state == "resolved":
        return "reopened"
    if old.severity != finding.severity.value or bool(old.warning_only) != finding.warning_only:
        return "changed"
    return None


def _detail(kind: str, old: Any, finding: Finding) -> str:
    if kind == "changed":
        return f"{old.severity} → {finding.severity.value}: {finding.message}"
    return finding.message


def _alert_values(finding: Finding, now: datetime, as_of: date) -> dict[str, Any]:
    return {
        "key": finding.key,
        "rule": finding.rule,
        "subject": finding.subject,
        "severity": finding.severity.value,
        "warning_only": finding.warning_only,
        "state": "open",
        "programme": finding.programme,
        "city": finding.city,
        "recipient": finding.recipient,
        "award": finding.award,
        "message": finding.message,
        "action": finding.action,
        "clause": _clause(finding.rule),
        "amounts": _SORTED_JSON(dict(finding.amounts)),
        "last_seen": now,
        "last_seen_as_of": as_of,
    }


_CLAUSES = {
    rule.id: CLAUSES[rule.clause].cite() if rule.clause else "bookkeeping" for rule in RULES
}


def _clause(rule_id: str) -> str:
    return _CLAUSES.get(rule_id, "")


def _event(
    alert_id: int, scan_id: int | None, kind: str, now: datetime, actor: str, detail: str
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "scan_id": scan_id,
        "kind": kind,
        "at": now,
        "actor": actor,
        "detail": detail,
    }


def _outbox(
    alert_id: int, kind: str, finding: Finding, as_of: date, now: datetime
) -> dict[str, Any]:
    return {
        "alert_id": alert_id,
        "event": kind,
        "payload": _UNICODE_JSON(event_payload(kind, finding, as_of, now)),
        "created_at": now,
        "attempts": 0,
        "delivered_at": None,
        "last_error": None,
    }


def event_payload(kind: str, finding: Finding, as_of: date, now: datetime) -> dict[str, Any]:
    """The JSON a webhook receives for one alert change (amounts as 元 decimal strings)."""
    return {
        "event": kind,
        "key": finding.key,
        "rule": finding.rule,
        "severity": finding.severity.value,
        "warning_only": finding.warning_only,
        "subject": finding.subject,
        "award": finding.award,
        "programme": finding.programme,
        "city": finding.city,
        "recipient": finding.recipient,
        "message": finding.message,
        "action": finding.action,
        "clause": _clause(finding.rule),
        "amounts": {k: to_yuan_string(v) for k, v in finding.amounts.items()},
        "as_of": as_of.isoformat(),
        "at": now.isoformat(timespec="seconds") + "Z",
    }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
