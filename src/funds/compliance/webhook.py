"""Webhook delivery of alert changes from the outbox: signed, retried, logged, never lost.

A scan writes each opened, reopened, changed or resolved alert to ``compliance_outbox`` in
the same unit of work as the alert itself. :func:`deliver_pending` then POSTs the undelivered
events, oldest first, in batches::

    POST <FUNDS_WEBHOOK_URL>
    Content-Type: application/json
    X-Funds-Timestamp: 1763800000
    X-Funds-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
    X-Funds-Delivery: <first event id>-<last event id>

    {"events": [{"id": 17, "event": "opened", "key": "pass-through-80:ZONE-2025-0001", ...}]}

A 2xx answer marks the batch delivered. A connection error, a timeout, 429 or 5xx is retried
with exponential backoff (``backoff * 2**n`` seconds); any other answer is not retried. Either
way a batch that did not get through stays in the outbox, delivery stops there (order is
kept) and the next scan tries again. Every attempt is written to ``compliance_delivery``.
Delivery is at least once: a receiver de-duplicates on the event ``id``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from sqlalchemy import select, update
from sqlmodel import Session

from funds.compliance.models import Delivery, OutboxEvent
from funds.db import table_of

OUTBOX = table_of(OutboxEvent)
SIGNATURE = "X-Funds-Signature"
TIMESTAMP = "X-Funds-Timestamp"


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how to deliver: URL, shared secret, retries, backoff, timeout, batch size."""

    url: str
    secret: str
    attempts: int = 4
    backoff: float = 0.5
    timeout: float = 10.0
    batch: int = 200

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebhookConfig | None:
        """Read ``FUNDS_WEBHOOK_URL`` and ``FUNDS_WEBHOOK_SECRET`` (None when no URL is set).

        ``FUNDS_WEBHOOK_ATTEMPTS`` and ``FUNDS_WEBHOOK_BACKOFF`` (seconds) tune the retries.
        """
        env = os.environ if env is None else env
        url = env.get("FUNDS_WEBHOOK_URL", "").strip()
        if not url:
            return None
        return cls(
            url=url,
            secret=env.get("FUNDS_WEBHOOK_SECRET", ""),
            attempts=int(env.get("FUNDS_WEBHOOK_ATTEMPTS", "4")),
            backoff=float(env.get("FUNDS_WEBHOOK_BACKOFF", "0.5")),
        )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_ok(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver checks: the header matches the body and timestamp (constant time)."""
    return hmac.compare_digest(sign(secret, timestamp, body), header)


@dataclass(frozen=True)
class DeliveryReport:
    """What one call of :func:`deliver_pending` did."""

    delivered: int
    pending: int
    attempts: int
    error: str | None = None


def deliver_pending(
    session: Session,
    config: WebhookConfig,
    *,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """POST every undelivered outbox event, oldest first, until done or a batch fails."""
    own = client is None
    http = client or httpx.Client(timeout=config.timeout)
    delivered = attempts = 0
    error: str | None = None
    try:
        while True:
            batch = _next_batch(session, config.batch)
            if not batch:
                break
            ok, tries, error = _send(session, http, config, batch, sleep)
            attempts += tries
            if not ok:
                break
            delivered += len(batch)
    finally:
        if own:
            http.close()
    pending = len(session.connection().execute(_PENDING).all())
    return DeliveryReport(delivered=delivered, pending=pending, attempts=attempts, error=error)


_PENDING = select(OUTBOX.c.id).where(OUTBOX.c.delivered_at.is_(None))


def pending_count(session: Session) -> int:
    """How many events wait for delivery."""
    return len(session.connection().execute(_PENDING).all())


def _next_batch(session: Session, size: int) -> list[tuple[int, str]]:
    rows = session.connection().execute(
        select(OUTBOX.c.id, OUTBOX.c.payload)
        .where(OUTBOX.c.delivered_at.is_(None))
        .order_by(OUTBOX.c.id)
        .limit(size)
    )
    return [(int(i), str(p)) for i, p in rows]


def _body(batch: list[tuple[int, str]]) -> bytes:
    events = [{"id": event_id, **json.loads(payload)} for event_id, payload in batch]
    return json.dumps({"events": events}, ensure_ascii=False, sort_keys=True).encode()


def _send(
    session: Session,
    http: httpx.Client,
    config: WebhookConfig,
    batch: list[tuple[int, str]],
    sleep: Callable[[float], None],
) -> tuple[bool, int, str | None]:
    body = _body(batch)
    ids = [event_id for event_id, _ in batch]
    error: str | None = None
    for attempt in range(1, config.attempts + 1):
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP: timestamp,
            SIGNATURE: sign(config.secret, timestamp, body),
            "X-Funds-Delivery": f"{ids[0]}-{ids[-1]}",
        }
        started = time.perf_counter()
        status: int | None = None
        try:
            answer = http.post(config.url, content=body, headers=headers)
            status = answer.status_code
            error = None if answer.is_success else f"HTTP {status}: {answer.text[:200]}"
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        _log(session, config.url, ids, attempt, status, error, started)
        if error is None:
            _mark(session, ids, delivered=True, error=None, tries=attempt)
            return True, attempt, None
        if status is not None and status < 500 and status != 429:
            break  # the receiver refused the request itself: retrying will not help
        if attempt < config.attempts:
            sleep(config.backoff * 2 ** (attempt - 1))
    _mark(session, ids, delivered=False, error=error, tries=attempt)
    return False, attempt, error


def _log(
    session: Session,
    url: str,
    ids: list[int],
    attempt: int,
    status: int | None,
    error: str | None,
    started: float,
) -> None:
    session.add(
        Delivery(
            url=url,
            first_event_id=ids[0],
            last_event_id=ids[-1],
            events=len(ids),
            attempt=attempt,
            status_code=status,
            ok=error is None,
            error=error,
            elapsed_ms=int((time.perf_counter() - started) * 1000),
            attempted_at=_now(),
        )
    )
    session.flush()


def _mark(
    session: Session, ids: list[int], *, delivered: bool, error: str | None, tries: int
) -> None:
    values: dict[str, object] = {"attempts": OUTBOX.c.attempts + tries, "last_error": error}
    if delivered:
        values["delivered_at"] = _now()
    session.connection().execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids)).values(**values))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
