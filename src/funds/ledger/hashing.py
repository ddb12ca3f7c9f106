"""The canonical form of an entry and the hash chain over it.

``hash = sha256(prev_hash || canonical(entry))`` where ``canonical`` is compact JSON of a
fixed list of fields (id, kind, dates, actor, memo, voucher, idempotency key, request hash,
reversed entry, links, and the postings as ``[account code, amount]`` in posting order).
The first entry's ``prev_hash`` is :data:`GENESIS`. Changing any stored field of any
entry, or a posting, breaks that entry's hash and every later link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

GENESIS = "0" * 64

# Encoders built once: json.dumps builds a new JSONEncoder on every call with options.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_SORTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_REQUEST = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str).encode


def canonical_links(links: Mapping[str, Any]) -> str:
    """Return the canonical JSON text of an entry's links (sorted keys, compact)."""
    return _SORTED(dict(links))


def canonical_entry(
    *,
    entry_id: int,
    kind: str,
    effective_date: date | str,
    recorded_at: datetime | str,
    actor: str,
    memo: str,
    voucher: str | None,
    idempotency_key: str | None,
    request_hash: str,
    reverses_id: int | None,
    links: str,
    postings: Sequence[tuple[str, int]],
) -> bytes:
    """Return the bytes that an entry's hash covers."""
    fields = [
        entry_id,
        kind,
        _iso(effective_date),
        _iso(recorded_at),
        actor,
        memo,
        voucher,
        idempotency_key,
        request_hash,
        reverses_id,
        links,
        [list(p) for p in postings],
    ]
    return _COMPACT(fields).encode()


def _iso(value: date | datetime | str) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return value if isinstance(value, str) else value.isoformat()


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """Return ``sha256(prev_hash || canonical)`` as hex."""
    digest = hashlib.sha256(prev_hash.encode())
    digest.update(canonical)
    return digest.hexdigest()


def request_digest(request: Mapping[str, Any]) -> str:
    """Return the hash of a request, for idempotency: same request, same digest."""
    text = _REQUEST(request)
    return hashlib.sha256(text.encode()).hexdigest()
