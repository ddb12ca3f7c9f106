"""Idempotent POSTs: the same ``Idempotency-Key`` and body get the first response again.

Under a key the first response (status and body) is stored in ``api_idempotency``, keyed by
the user and the key, with a hash of the method, path and canonical body, in the same
transaction as the operation: either both are committed or neither. A retry with the same
key and body returns the stored response byte for byte (with ``Idempotent-Replayed: true``);
the same key with another body or path is a 409. The key is also handed to the services,
namespaced by user (``api:<user id>:<key>``), so the ledger itself refuses to post twice under it.

Concurrent requests under one key are serialised: SQLite's writers already are (``BEGIN
IMMEDIATE``); on PostgreSQL a transaction-scoped advisory lock on the key makes the second
wait for the first to commit and then find its response. The lock and the look-up travel
with the token's (:mod:`funds.api.keys`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlmodel import Session

from funds.api import keys
from funds.api.deps import KEY_HEADER, CurrentUser, SessionDep
from funds.api.users import Caller
from funds.db import is_sqlite
from funds.driver_sql import DriverStatement, commit_with, run_together, stamp
from funds.errors import ErrorKind, FundsError

REPLAYED_HEADER = "Idempotent-Replayed"
JSON = "application/json"

# On the driver's cursor (funds.driver_sql): every write request runs it, and these rows
# are never needed as ORM objects.
_STORE = DriverStatement(
    'INSERT INTO api_idempotency (user_id, "key", request_hash, method, path, status_code,'
    " body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class IdempotencyKeyReused(FundsError):
    """Raised when an ``Idempotency-Key`` comes back with another request."""

    kind = ErrorKind.CONFLICT
    rule = "idempotency"


@dataclass(frozen=True)
class WriteContext:
    """What a state-changing route needs: its unit of work, its user and the key sent."""

    session: Session
    user: Caller
    request: Request
    key: str | None

    @property
    def actor(self) -> str:
        """Who is recorded as doing it: the user's name."""
        return self.user.name

    @property
    def service_key(self) -> str | None:
        """The key handed to the services, namespaced by user."""
        return None if self.key is None else f"api:{self.user.id}:{self.key}"

    def respond(
        self,
        payload: BaseModel | None,
        run: Callable[[], BaseModel],
        *,
        status_code: int = 200,
    ) -> Response:
        """Run the operation once per key and return (or replay) its response.

        The unit of work commits here, at the end of the route, in the route's thread: the
        commit then needs no thread-pool hop of its own (``get_session`` finds nothing left
        to do). Whatever fails, the commit included, raises, and the unit is rolled back.
        """
        digest = _digest(self.request, payload)
        if self.key is not None:
            stored = self._stored(digest)
            if stored is not None:
                self.session.commit()
                return stored
        body = run().model_dump_json()
        if self.key is None:
            self.session.commit()
        else:  # the stored response and the commit: one round trip on PostgreSQL
            commit_with(
                self.session,
                _STORE,
                (
                    self.user.id,
                    self.key,
                    digest,
                    self.request.method,
                    self.request.url.path[:300],
                    status_code,
                    body,
                    stamp(self.session, datetime.now(UTC).replace(tzinfo=None)),
                ),
            )
        return Response(body, status_code=status_code, media_type=JSON)

    def _stored(self, digest: str) -> Response | None:
        assert self.key is not None
        looked = keys.looked_up(self.request, self.key)
        if looked is not None:  # with the token, under the key's lock (funds.api.keys)
            row = looked.row
        elif is_sqlite(self.session):
            row = keys.FIND.first(self.session, (self.user.id, self.key))
        else:  # the key's lock and the look-up under it: one round trip
            _, found = run_together(
                self.session,
                [
                    (keys.LOCK, (self.key, self.user.id)),
                    (keys.FIND, (self.user.id, self.key)),
                ],
            )
            row = found.fetchone()
        if row is None:
            return None
        request_hash, method, path, status, stored_body = row
        if request_hash != digest:
            raise IdempotencyKeyReused(
                f"the Idempotency-Key {self.key!r} was used for another request"
                f" ({method} {path}); use a new key for a new request",
                key=self.key,
            )
        return Response(
            stored_body,
            status_code=status,
            media_type=JSON,
            headers={REPLAYED_HEADER: "true"},
        )


def _digest(request: Request, payload: BaseModel | None) -> str:
    body = None if payload is None else payload.model_dump(mode="json")
    canonical = json.dumps(
        [request.method, request.url.path, body], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def write_context(
    session: SessionDep,
    user: CurrentUser,
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=KEY_HEADER,
            min_length=1,
            max_length=keys.MAX_LENGTH,
            pattern=r"^[\x21-\x7e]+$",
            description="Retry-safe key (1–120 visible ASCII characters): a retry with the"
            " same key and body returns the first response; another body is a 409.",
        ),
    ] = None,
) -> WriteContext:
    """The write context of a state-changing request."""
    return WriteContext(session, user, request, idempotency_key)


Write = Annotated[WriteContext, Depends(write_context)]
