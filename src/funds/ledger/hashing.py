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
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring,
    encode_basestring_ascii,
)
from typing import Any

GENESIS = "0" * 64


def compact_json(
    *, sort_keys: bool = False, ensure_ascii: bool = True, default: Any = None
) -> Callable[[Any], str]:
    """Return a function equal to ``json.dumps(value, separators=(",", ":"), ...)``, built once.

    ``json.dumps`` with options builds a new encoder on every call, and even a kept
    ``JSONEncoder.encode`` builds its C encoder anew each time; this builds the C encoder
    once (values are hashed, so they must be acyclic: the circular-reference check is
    skipped). The text is the same, character for character (pinned by a property test).
    """
    encoder = json.JSONEncoder(
        sort_keys=sort_keys, separators=(",", ":"), ensure_ascii=ensure_ascii, default=default
    )
    if c_make_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return encoder.encode
    make = c_make_encoder(
        None,
        encoder.default,
        encode_basestring_ascii if ensure_ascii else encode_basestring,
        None,
        ":",
        ",",
        sort_keys,
        False,
        True,
    )

    def encode(value: Any) -> str:
        return "".join(make(value, 0))

    return encode


_COMPACT = compact_json(ensure_ascii=False)
_SORTED = compact_json(sort_keys=True, ensure_ascii=False)
_REQUEST = compact_json(sort_keys=True, default=str)


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


RECORDED_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
"""How the canonical form writes an entry's recorded-at time (microseconds always shown)."""


def recorded_at_text(value: datetime) -> str:
    """Return ``value`` as the canonical form writes a recorded-at time.

    The text is ``value.strftime(RECORDED_AT_FORMAT)``; for a naive time from the year 1000
    on, ``isoformat`` writes the same text in half the time (pinned by a property test).
    """
    if value.tzinfo is None and value.year >= 1000:
        return value.isoformat(timespec="microseconds")
    return value.strftime(RECORDED_AT_FORMAT)


def _iso(value: date | datetime | str) -> str:
    if isinstance(value, datetime):
        return recorded_at_text(value)
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
