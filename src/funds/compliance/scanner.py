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

import gc
import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlmodel import Session

import funds
from funds import bulk
from funds.compliance.findings import Finding, Severity
from funds.compliance.models import Alert, AlertEvent, OutboxEvent, RuleMode, Scan
from funds.compliance.registry import RULES, evaluate
from funds.compliance.snapshot import load_snapshot
from funds.db import one_snapshot, table_of
from funds.grants import models as g
from funds.ledger import Ledger
from funds.money import to_yuan_string
from funds.policy import CLAUSES, Programme

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
    g.RectificationSubmission,
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
    with _no_cyclic_gc():
        return _scan(session, as_of, record=record, enqueue=enqueue, actor=actor, force=force)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector for the scan, then let it resume.

    A scan builds a few hundred thousand small objects (the snapshot's views, the findings,
    the rows to write), none of them in a reference cycle, and frees them by reference
    counting. While they pile up the collector keeps walking all of them again: a dozen full
    collections, about a quarter of a first scan's processor time at 10,000 awards. Paused
    for the scan, it collects once afterwards. The switch is process-wide; a thread running
    meanwhile only keeps its cyclic garbage a few seconds longer.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _scan(
    session: Session, as_of: date, *, record: bool, enqueue: bool, actor: str, force: bool
) -> ScanResult:
    started = time.perf_counter()
    with one_snapshot(session) as reads:  # the inputs, one state of the database
        quiet = warning_only_rules(session)
        print_ = fingerprint(reads, as_of, quiet)
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
            findings = evaluate(load_snapshot(reads, as_of), warning_only=quiet).findings
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
    query = select(*(ALERTS.c[name] for name in _FINDING_COLUMNS))  # no stamps to convert
    rows = session.connection().execute(query.where(ALERTS.c.state != "resolved")).all()
    findings = [finding_of(row._mapping) for row in rows]
    findings.sort(key=lambda f: (f.severity.rank, f.rule, f.subject))
    return tuple(findings)


_FINDING_COLUMNS = (
    "rule",
    "subject",
    "severity",
    "message",
    "action",
    "amounts",
    "award",
    "programme",
    "city",
    "recipient",
    "warning_only",
)
"""The alert columns :func:`finding_of` reads."""


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
    stamp = _Stamp(as_of, now)
    conn = session.connection()
    known = {row.key: row for row in conn.execute(select(ALERTS)).all()}
    top = max((row.id for row in known.values()), default=0)
    seen = {f.key for f in findings}
    counts = {"opened": 0, "reopened": 0, "resolved": 0, "changed": 0}
    new_rows: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    outbox: list[tuple[Any, ...]] = []
    reopened: list[int] = []
    opened: list[Finding] = []
    for finding in findings:
        old = known.get(finding.key)
        values = _alert_values(finding, now, as_of)
        if old is None:
            new_rows.append((*values, now, as_of))
            opened.append(finding)
            counts["opened"] += 1
            continue
        kind = _change(old, finding)
        if kind == "reopened" or (old.state == "acknowledged" and _escalated(old, finding)):
            reopened.append(old.id)  # an acknowledgement answers the alert as it then stood
        elif old.state == "acknowledged":
            values[_STATE] = "acknowledged"
        updates.append((*values, old.id))
        if kind:
            counts[kind] += 1
            events.append((old.id, scan_id, kind, now, actor, _detail(kind, old, finding)))
            if enqueue:
                outbox.append(_outbox(old.id, kind, finding, finding.amounts, stamp))
    resolved = [row for key, row in known.items() if key not in seen and row.state != "resolved"]
    for row in resolved:
        counts["resolved"] += 1
        events.append((row.id, scan_id, "resolved", now, actor, "finding no longer holds"))
        if enqueue:
            gone = finding_of(row._mapping)
            outbox.append(_outbox(row.id, "resolved", gone, gone.amounts, stamp))
    for start in range(0, len(resolved), 500):
        conn.execute(
            update(ALERTS)
            .where(ALERTS.c.id.in_([row.id for row in resolved[start : start + 500]]))
            .values(state="resolved", resolved_at=now)
        )
    bulk.update_rows(conn, ALERTS, _ALERT_COLUMNS, updates)
    for start in range(0, len(reopened), 500):
        conn.execute(
            update(ALERTS)
            .where(ALERTS.c.id.in_(reopened[start : start + 500]))
            .values(resolved_at=None, acknowledged_by=None, acknowledged_at=None, ack_comment=None)
        )
    if new_rows:
        bulk.insert_rows(conn, ALERTS, _NEW_ALERT_COLUMNS, new_rows)
        ids = _ids_above(conn, top)
        for finding in opened:
            row_id = ids[finding.key]
            events.append((row_id, scan_id, "opened", now, actor, finding.message))
            if enqueue:  # amounts in key order, as the stored alert has them
                stored = dict(sorted(finding.amounts.items()))
                outbox.append(_outbox(row_id, "opened", finding, stored, stamp))
    bulk.insert_rows(conn, EVENTS, _EVENT_COLUMNS, events)
    bulk.insert_rows(conn, OUTBOX, _OUTBOX_COLUMNS, outbox)
    session.expire_all()  # the rows changed under any alert objects the session holds
    return counts


# -- bulk writes on the driver --------------------------------------------------------------
#
# A first scan writes three rows per finding (alert, history event, webhook event): 74,000
# rows for 24,662 findings. Through SQLAlchemy's executemany each row's parameters are
# assembled into a dictionary and each value passed through its type's converter (on
# SQLite, a datetime becomes text in Python), which cost more than SQLite's own work. Here
# the rows are plain tuples in column order, each distinct value is converted once (a
# scan's timestamps and dates are the same in every row), and the driver's executemany
# runs one prepared statement for them all. Same SQL types, same stored text.

_ALERT_COLUMNS = (
    "key",
    "rule",
    "subject",
    "severity",
    "warning_only",
    "state",
    "programme",
    "city",
    "recipient",
    "award",
    "message",
    "action",
    "clause",
    "amounts",
    "last_seen",
    "last_seen_as_of",
)
"""The columns a scan sets on every alert it sees, in the order of :func:`_alert_values`."""
_STATE = _ALERT_COLUMNS.index("state")
_NEW_ALERT_COLUMNS = (*_ALERT_COLUMNS, "first_seen", "first_seen_as_of")
_EVENT_COLUMNS = ("alert_id", "scan_id", "kind", "at", "actor", "detail")
_OUTBOX_COLUMNS = ("alert_id", "event", "payload", "created_at", "attempts")
# json.dumps with options builds an encoder per call; a scan encodes two documents per alert.
_SORTED_JSON = json.JSONEncoder(sort_keys=True).encode
_UNICODE_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _ids_above(conn: Connection, top: int) -> dict[str, int]:
    """The ids of the alerts inserted after the one with id ``top``, by key."""
    query = select(ALERTS.c.key, ALERTS.c.id).where(ALERTS.c.id > top)
    return {key: row_id for key, row_id in conn.execute(query).all()}


@dataclass(frozen=True)
class _Stamp:
    """The scan's date and time as a webhook payload writes them (formatted once per scan)."""

    as_of: date
    now: datetime
    as_of_iso: str = field(init=False)
    at: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "as_of_iso", self.as_of.isoformat())
        object.__setattr__(self, "at", self.now.isoformat(timespec="seconds") + "Z")


def _change(old: Any, finding: Finding) -> str | None:
    if old.state == "resolved":
        return "reopened"
    if old.severity != finding.severity.value or bool(old.warning_only) != finding.warning_only:
        return "changed"
    return None


def _escalated(old: Any, finding: Finding) -> bool:
    """Tell whether ``finding`` is graver than the stored alert ``old``: a higher severity
    (yellow → orange → red), or a warning-only rule now enforced."""
    return finding.severity.rank < Severity(old.severity).rank or (
        bool(old.warning_only) and not finding.warning_only
    )


def _detail(kind: str, old: Any, finding: Finding) -> str:
    if kind == "changed":
        withdrawn = (
            f"; acknowledgement by {old.acknowledged_by} withdrawn, the alert is open again"
            if old.state == "acknowledged" and _escalated(old, finding)
            else ""
        )
        return f"{old.severity} → {finding.severity.value}{withdrawn}: {finding.message}"
    return finding.message


def _alert_values(finding: Finding, now: datetime, as_of: date) -> list[Any]:
    """The values of :data:`_ALERT_COLUMNS` for ``finding``."""
    return [
        finding.key,
        finding.rule,
        finding.subject,
        finding.severity.value,
        finding.warning_only,
        "open",
        finding.programme,
        finding.city,
        finding.recipient,
        finding.award,
        finding.message,
        finding.action,
        _clause(finding.rule, finding.programme),
        _SORTED_JSON(dict(finding.amounts)),
        now,
        as_of,
    ]


def _cited(key: str | None) -> str:
    return CLAUSES[key].cite() if key else "bookkeeping"


_CLAUSES = {
    (rule.id, programme): _cited(rule.clause_for(programme))
    for rule in RULES
    for programme in ("", *(p.value for p in Programme))
}
"""What a finding cites, by rule and the programme of its award (``""``: none)."""


def _clause(rule_id: str, programme: str) -> str:
    return _CLAUSES.get((rule_id, programme)) or _CLAUSES.get((rule_id, ""), "")


def _outbox(
    alert_id: int, kind: str, finding: Finding, amounts: Mapping[str, int], stamp: _Stamp
) -> tuple[Any, ...]:
    """An outbox row (:data:`_OUTBOX_COLUMNS`) for ``finding`` with ``amounts`` in that order."""
    payload = _payload(kind, finding, amounts, stamp.as_of_iso, stamp.at)
    return (alert_id, kind, _UNICODE_JSON(payload), stamp.now, 0)


def event_payload(kind: str, finding: Finding, as_of: date, now: datetime) -> dict[str, Any]:
    """The JSON a webhook receives for one alert change (amounts as 元 decimal strings)."""
    at = now.isoformat(timespec="seconds") + "Z"
    return _payload(kind, finding, finding.amounts, as_of.isoformat(), at)


def _payload(
    kind: str, finding: Finding, amounts: Mapping[str, int], as_of: str, at: str
) -> dict[str, Any]:
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
        "clause": _clause(finding.rule, finding.programme),
        "amounts": {k: to_yuan_string(v) for k, v in amounts.items()},
        "as_of": as_of,
        "at": at,
    }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
