"""Fifty concurrent clients against a real server: grants drawing on one budget, approvals
racing for the same stages, pass-through racing for the same held money. Nothing is ever
overdrawn, nothing is paid twice, no request gets a 5xx, and the ledger verifies."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from api.api_server import serving
from conftest import on_postgres
from factories import FUND, credit_code
from funds import grants
from funds.api.models import ApiUser, IdempotentResponse
from funds.api.users import add_user, revoke_user
from funds.db import Database
from funds.grants.awards import StagePlan
from funds.ledger import Ledger, verify
from funds.policy import WAN, Programme

CLIENTS = 50
RETRIES = 5
AWARDS = ("ZONE-2025-0001", "ZONE-2025-0002")


def setup(database: Database) -> dict[str, str]:
    """Budget 5000万 for 2025; two awards of 1000万 in 2025 (and a 1万 second stage in 2026,
    since a zone is paid in stages: 分步到位), both first stages requested."""
    with database.unit_of_work() as session:
        grants.add_fund(session, actor="财务处-张", code=FUND, name="省制造强省建设资金")
        grants.set_budget(session, fund_code=FUND, year=2025, amount=5000 * WAN, reason="年度预算",
                          actor="setup", effective_date=date(2024, 12, 1))  # fmt: skip
        grants.set_budget(session, fund_code=FUND, year=2026, amount=10_000 * WAN,
                          reason="年度预算", actor="setup",
                          effective_date=date(2024, 12, 1))  # fmt: skip
        grants.add_recipient(session, actor="财务处-张", code="HF-GX", name="合肥高新区",
                             kind="development_zone", city="合肥")  # fmt: skip
        grants.add_enterprise(
            session, actor="财务处-张", credit_code=credit_code(1), name="合肥甲公司", city="合肥"
        )
        for code in AWARDS:
            grants.grant_award(
                session,
                programme=Programme.SERVICE_ZONE,
                recipient="HF-GX",
                fund=FUND,
                amount=1001 * WAN,
                granted_on=date(2025, 3, 1),
                stages=[StagePlan(2025, 1000 * WAN), StagePlan(2026, 1 * WAN)],
                code=code,
                actor="setup",
            )
            grants.request_release(session, award=code, seq=1, actor="finance-a",
                                   on=date(2025, 4, 1))  # fmt: skip
        return {
            name: add_user(session, name=name, **spec).token
            for name, spec in {
                "finance-a": {"role": "finance"},
                "finance-b": {"role": "finance"},
                "zone-hf": {"role": "recipient", "recipient": "HF-GX"},
            }.items()
        }


def client_call(base: str, token: str, n: int) -> tuple[str, int]:
    """Client ``n``: a grant, an approval or a pass-through, depending on ``n``."""
    award = AWARDS[n % 2]
    if n < 10:
        kind, path = "grant", "/awards"
        body: dict[str, Any] = {
            "programme": "service_zone", "recipient": "HF-GX", "fund": FUND,
            "amount": "10010000.00", "stages": [{"year": 2025, "amount": "10000000.00"},
                                                {"year": 2026, "amount": "10000.00"}],
            "granted_on": "2025-05-01",
        }  # fmt: skip
    elif n < 30:
        kind, path, body = "approve", f"/awards/{award}/stages/1/approve", {"on": "2025-04-02"}
    else:
        kind, path = "pass", f"/awards/{award}/pass-throughs"
        body = {"enterprise": credit_code(1), "amount": "3000000.00",
                "purpose": "培育服务型制造标杆企业", "on": "2025-06-01"}  # fmt: skip
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"client-{n}"}
    with httpx.Client(base_url=base, timeout=120) as http:
        for _ in range(RETRIES):
            response = http.post(path, json=body, headers=headers)
            if not retryable(response):
                break
    return kind, response.status_code


def retryable(response: httpx.Response) -> bool:
    """A 503, or a 409 that says a concurrent request won a race: nothing was changed."""
    if response.status_code == 503:
        return True
    return response.status_code == 409 and "concurrent" in response.json()["detail"]


def test_fifty_concurrent_clients_never_overdraw_and_the_ledger_verifies(
    fresh_database: Callable[[], Database],
) -> None:
    database = fresh_database()
    tokens = setup(database)
    results: list[tuple[str, int]] = []
    start = threading.Barrier(CLIENTS)

    def run(n: int) -> None:
        token = tokens["finance-a" if n < 10 else "finance-b" if n < 30 else "zone-hf"]
        start.wait()
        results.append(client_call(base, token, n))

    with serving(database) as base:
        threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    statuses = Counter(results)
    assert len(results) == CLIENTS
    assert all(status < 500 for _, status in results), statuses
    assert statuses[("approve", 200)] == 2, statuses
    assert statuses[("grant", 201)] == 3, statuses
    passes = statuses[("pass", 201)]
    with database.unit_of_work(readonly=True) as session:
        ledger = Ledger(session)
        assert ledger.balance(f"fund:{FUND}:2025:available") == 0
        held = [ledger.balance(f"award:{a}:held") for a in AWARDS]
        assert all(h >= 0 for h in held)
        assert sum(held) == 2000 * WAN - passes * 300 * WAN
        assert passes <= 6
        report = verify(session.connection())
    assert report.ok, report.problem


def test_ten_concurrent_sends_under_one_key_record_one_pass_through_and_agree(
    fresh_database: Callable[[], Database],
) -> None:
    """The key's lock is taken with the token's look-up (funds.api.keys): the first request
    records, the other nine wait for its commit and get its response again. Two servers on
    the one database, as two workers would be: each lets its writers in one at a time, so
    only the key's lock keeps the two from recording twice."""
    database = fresh_database()
    tokens = setup(database)
    with database.unit_of_work() as session:
        grants.approve_release(session, award=AWARDS[0], seq=1, actor="finance-b",
                               on=date(2025, 4, 2))  # fmt: skip
    body = {"enterprise": credit_code(1), "amount": "100.00", "purpose": "培育服务型制造标杆企业",
            "on": "2025-06-01"}  # fmt: skip
    headers = {"Authorization": f"Bearer {tokens['zone-hf']}", "Idempotency-Key": "once"}
    responses: list[httpx.Response] = []
    start = threading.Barrier(10)

    def send(base: str) -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            start.wait()
            responses.append(http.post(f"/awards/{AWARDS[0]}/pass-throughs", json=body,
                                       headers=headers))  # fmt: skip

    with serving(database) as one, serving(database) as two:
        threads = [threading.Thread(target=send, args=((one, two)[n % 2],)) for n in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert [r.status_code for r in responses] == [201] * 10
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") != "true" for r in responses) == 1
    with database.unit_of_work(readonly=True) as session:
        passed = Ledger(session).balance(f"award:{AWARDS[0]}:passed:{credit_code(1)}")
    assert passed == 100_00


def test_a_revoked_token_under_a_key_is_refused_and_records_nothing(
    fresh_database: Callable[[], Database],
) -> None:
    database = fresh_database()
    tokens = setup(database)
    with database.unit_of_work() as session:
        revoke_user(session, name="finance-a")
    with serving(database) as base, httpx.Client(base_url=base) as http:
        response = http.post(
            "/funds", json={"code": "x", "name": "y"},
            headers={"Authorization": f"Bearer {tokens['finance-a']}", "Idempotency-Key": "k"},
        )  # fmt: skip
    assert response.status_code == 401
    with database.unit_of_work(readonly=True) as session:
        assert session.exec(select(IdempotentResponse)).all() == []


@pytest.mark.skipif(not on_postgres(), reason="the key's advisory lock is PostgreSQL's")
def test_a_retry_waiting_on_its_keys_lock_replays_even_if_the_token_is_revoked_meanwhile(
    fresh_database: Callable[[], Database],
) -> None:
    """The request was authenticated when it came in; a revocation committed while it waits
    for the key's lock does not make it lose the stored response (and run again: 409)."""
    database = fresh_database()
    tokens = setup(database)
    with database.unit_of_work() as session:
        grants.approve_release(session, award=AWARDS[0], seq=1, actor="finance-b",
                               on=date(2025, 4, 2))  # fmt: skip
        user_id = session.exec(select(ApiUser.id).where(ApiUser.name == "zone-hf")).one()
    body = {"enterprise": credit_code(1), "amount": "100.00", "purpose": "培育服务型制造标杆企业",
            "on": "2025-06-01"}  # fmt: skip
    headers = {"Authorization": f"Bearer {tokens['zone-hf']}", "Idempotency-Key": "once"}
    path = f"/awards/{AWARDS[0]}/pass-throughs"
    answers: list[httpx.Response] = []
    with serving(database) as base, httpx.Client(base_url=base, timeout=60) as http:
        first = http.post(path, json=body, headers=headers)
        with database.engine.connect() as holder:  # holds the key's lock
            holder.execute(text("SELECT pg_advisory_xact_lock(hashtextextended('once', :u))"),
                           {"u": user_id})  # fmt: skip
            retry = threading.Thread(target=lambda: answers.append(
                http.post(path, json=body, headers=headers)))  # fmt: skip
            retry.start()
            time.sleep(1.0)  # the retry has looked up its token and waits for the lock
            with database.unit_of_work() as session:
                revoke_user(session, name="zone-hf")
            holder.rollback()
            retry.join(timeout=60)
    assert first.status_code == 201
    assert [a.status_code for a in answers] == [201]
    assert answers[0].headers["idempotent-replayed"] == "true"
    assert answers[0].content == first.content
