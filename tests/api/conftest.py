"""Fixtures of the HTTP tests: the app on the rolled-back database, a world of funds and
awards, one user per role (and two of the scoped ones), and a client that calls as them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from factories import cluster_award, release, world, zone_award
from funds.api import create_app
from funds.api.users import add_user
from funds.db import Database

USERS: dict[str, dict[str, str]] = {
    "admin": {"role": "admin"},
    "finance-a": {"role": "finance"},
    "finance-b": {"role": "finance"},
    "auditor": {"role": "auditor"},
    "planner": {"role": "planner"},
    "city-hf": {"role": "city", "city": "合肥市"},
    "city-wh": {"role": "city", "city": "芜湖市"},
    "zone-hf": {"role": "recipient", "recipient": "HF-GX"},
    "cluster-wh": {"role": "recipient", "recipient": "WH-CL"},
}
"""One user per role; the scoped roles twice, to test that neither sees the other."""
ZONE = "ZONE-2025-0001"


@dataclass
class Api:
    """A test client that calls as one of :data:`USERS` (or as nobody)."""

    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, user: str | None, key: str | None = None) -> dict[str, str]:
        """The headers of a call as ``user`` with an optional idempotency key."""
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, path: str, *, user: str | None, **params: Any) -> httpx.Response:
        """GET ``path`` as ``user``."""
        return self.client.get(path, headers=self.headers(user), params=params)

    def post(
        self, path: str, body: Any = None, *, user: str | None, key: str | None = None
    ) -> httpx.Response:
        """POST ``body`` as JSON to ``path`` as ``user``."""
        return self.client.post(path, json=body, headers=self.headers(user, key))


@pytest.fixture
def app(db: Database) -> FastAPI:
    """The API on the test's rolled-back database."""
    return create_app(db)


@pytest.fixture
def api(app: FastAPI, db: Database) -> Iterator[Api]:
    """A world (fund ``mfg``, recipients HF-GX and WH-CL, three enterprises, a zone award
    with its first stage paid, a cluster award) and one token per user."""
    with db.unit_of_work() as session:
        world(session)
        zone_award(session)
        cluster_award(session)
        release(session, ZONE, 1, date(2025, 4, 1))
        tokens = {name: add_user(session, name=name, **spec).token for name, spec in USERS.items()}
    with TestClient(app) as client:
        yield Api(client, tokens)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Assert ``response`` is a problem document with ``status``; return it."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://funds.example/problems/")
    assert {"title", "detail", "instance"} <= body.keys()
    return body
