"""Webhook delivery against a real HTTP server on 127.0.0.1 started by the test: signature,
retries with backoff, the delivery log, and nothing lost while the receiver is down."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlmodel import Session, select

from factories import release, world, zone_award
from funds.compliance import WebhookConfig, deliver_pending, scan
from funds.compliance.models import Delivery, OutboxEvent
from funds.compliance.webhook import SIGNATURE, TIMESTAMP, pending_count, signature_ok

SECRET = "s3cret"


@dataclass
class Receiver:
    """A webhook receiver that records requests and fails the first ``fail`` of them."""

    server: ThreadingHTTPServer
    fail: int = 0
    status: int = 503
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def events(self) -> list[dict[str, Any]]:
        ok = self.requests[self.fail :]
        return [e for _, body in ok for e in json.loads(body)["events"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            me = box["r"]
            me.requests.append((dict(self.headers.items()), body))
            code = me.status if len(me.requests) <= me.fail else 200
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["r"] = Receiver(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box["r"]
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def alerts(session: Session) -> Session:
    """Books with open alerts, scanned with the outbox on."""
    world(session)
    award = zone_award(session)
    release(session, award.code, 1, date(2025, 4, 1))
    scan(session, as_of=date(2025, 7, 1), enqueue=True)
    return session


def config(url: str, attempts: int = 3) -> WebhookConfig:
    return WebhookConfig(url=url, secret=SECRET, attempts=attempts, backoff=0.25, timeout=5)


def test_events_are_posted_with_a_valid_hmac_signature(alerts: Session, receiver: Receiver) -> None:
    waiting = pending_count(alerts)
    report = deliver_pending(alerts, config(receiver.url), sleep=lambda s: None)
    assert (report.delivered, report.pending) == (waiting, 0)
    headers, body = receiver.requests[0]
    assert signature_ok(SECRET, headers[TIMESTAMP], body, headers[SIGNATURE])
    assert not signature_ok("wrong", headers[TIMESTAMP], body, headers[SIGNATURE])
    assert not signature_ok(SECRET, headers[TIMESTAMP], body + b" ", headers[SIGNATURE])
    events = receiver.events()
    assert {e["event"] for e in events} == {"opened"}
    assert all(e["id"] and e["key"] and e["message"] for e in events)
    log = alerts.exec(select(Delivery)).all()
    assert [(d.ok, d.status_code, d.attempt) for d in log] == [(True, 200, 1)]


def test_a_failing_receiver_is_retried_with_exponential_backoff(
    alerts: Session, receiver: Receiver
) -> None:
    receiver.fail = 2
    pauses: list[float] = []
    report = deliver_pending(alerts, config(receiver.url, attempts=3), sleep=pauses.append)
    assert report.pending == 0
    assert pauses == [0.25, 0.5]
    log = alerts.exec(select(Delivery).order_by(Delivery.id)).all()  # type: ignore[arg-type]
    assert [(d.attempt, d.status_code, d.ok) for d in log] == [
        (1, 503, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert {o.attempts for o in alerts.exec(select(OutboxEvent))} == {3}


def test_a_refused_request_is_not_retried_and_waits_for_the_next_scan(
    alerts: Session, receiver: Receiver
) -> None:
    receiver.fail, receiver.status = 1, 400
    first = deliver_pending(alerts, config(receiver.url), sleep=lambda s: None)
    assert (first.delivered, first.attempts) == (0, 1)
    assert first.error is not None
    assert first.error.startswith("HTTP 400")
    second = deliver_pending(alerts, config(receiver.url), sleep=lambda s: None)
    assert second.pending == 0


def test_nothing_is_lost_while_the_receiver_is_down(alerts: Session, receiver: Receiver) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    waiting = pending_count(alerts)
    down = deliver_pending(alerts, config(dead, attempts=2), sleep=lambda s: None)
    assert (down.delivered, down.pending) == (0, waiting)
    assert down.error is not None
    assert "Connect" in down.error
    # the alerts change meanwhile: a report arrives, the next scan resolves its alert
    from funds import grants

    grants.record_report(
        alerts, award="ZONE-2025-0001", period="2025Q2", on=date(2025, 6, 30), actor="z"
    )
    scan(alerts, as_of=date(2025, 7, 1), enqueue=True)
    up = deliver_pending(alerts, config(receiver.url), sleep=lambda s: None)
    assert (up.delivered, up.pending) == (waiting + 1, 0)
    events = receiver.events()
    assert [e["event"] for e in events][-1] == "resolved"
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
