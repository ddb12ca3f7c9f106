"""The hash chain: one canonical form per entry, and every stored field is covered by it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funds.ledger.hashing import (
    GENESIS,
    RECORDED_AT_FORMAT,
    canonical_entry,
    canonical_links,
    chain_hash,
    compact_json,
    recorded_at_text,
    request_digest,
)


def entry_fields(**changes: Any) -> dict[str, Any]:
    """The fields of a fixed budget entry, with ``changes`` applied."""
    fields: dict[str, Any] = {
        "entry_id": 7,
        "kind": "budget",
        "effective_date": date(2026, 1, 5),
        "recorded_at": datetime(2026, 1, 5, 9, 30, 0, 123456),
        "actor": "officer-a",
        "memo": "2026 制造业 budget",
        "voucher": "V-001",
        "idempotency_key": "k-7",
        "request_hash": "ab" * 32,
        "reverses_id": None,
        "links": canonical_links({"year": 2026, "fund": "mfg"}),
        "postings": [("treasury", -800), ("fund:mfg:2026:available", 800)],
    }
    fields.update(changes)
    return fields


GOLDEN_CANONICAL = (
    '[7,"budget","2026-01-05","2026-01-05T09:30:00.123456","officer-a","2026 制造业 budget",'
    '"V-001","k-7","' + "ab" * 32 + '",null,"{\\"fund\\":\\"mfg\\",\\"year\\":2026}",'
    '[["treasury",-800],["fund:mfg:2026:available",800]]]'
)
GOLDEN_HASH = "77586f64e0e1b555c856bb4d757f1d24538627d91b18dc6b0088b5bc09c5432b"


def test_the_canonical_form_of_a_fixed_entry_never_changes() -> None:
    canonical = canonical_entry(**entry_fields())
    assert canonical.decode() == GOLDEN_CANONICAL
    assert chain_hash(GENESIS, canonical) == GOLDEN_HASH


def test_dates_read_back_as_text_hash_like_the_dates_that_were_posted() -> None:
    as_text = entry_fields(effective_date="2026-01-05", recorded_at="2026-01-05T09:30:00.123456")
    assert chain_hash(GENESIS, canonical_entry(**as_text)) == GOLDEN_HASH


def test_a_whole_second_keeps_its_microseconds_in_the_canonical_form() -> None:
    canonical = canonical_entry(**entry_fields(recorded_at=datetime(2026, 1, 5, 9, 30)))
    assert b'"2026-01-05T09:30:00.000000"' in canonical


def test_links_are_canonical_whatever_order_their_keys_came_in() -> None:
    assert canonical_links({"b": 1, "a": "甲"}) == canonical_links({"a": "甲", "b": 1})
    assert canonical_links({"b": 1, "a": "甲"}) == '{"a":"甲","b":1}'


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("entry_id", 8),
        ("kind", "budget-transfer"),
        ("effective_date", date(2026, 1, 6)),
        ("recorded_at", datetime(2026, 1, 5, 9, 30, 0, 123457)),
        ("actor", "officer-b"),
        ("memo", "2026 制造业 budget."),
        ("voucher", None),
        ("voucher", "V-002"),
        ("idempotency_key", None),
        ("idempotency_key", "k-8"),
        ("request_hash", "cd" * 32),
        ("reverses_id", 3),
        ("links", canonical_links({"year": 2027, "fund": "mfg"})),
        ("postings", [("treasury", -801), ("fund:mfg:2026:available", 801)]),
        ("postings", [("treasury", -800), ("fund:mfg:2026:committed", 800)]),
        ("postings", [("fund:mfg:2026:available", 800), ("treasury", -800)]),
        ("postings", [("treasury", -800), ("fund:mfg:2026:available", 800), ("x", 0)]),
    ],
)
def test_changing_any_field_changes_the_hash(field: str, value: Any) -> None:
    changed = canonical_entry(**entry_fields(**{field: value}))
    assert chain_hash(GENESIS, changed) != GOLDEN_HASH


def test_the_hash_depends_on_the_entry_before_it() -> None:
    canonical = canonical_entry(**entry_fields())
    assert chain_hash("1" * 64, canonical) != chain_hash(GENESIS, canonical)


def test_a_memo_cannot_be_shifted_into_the_actor_without_changing_the_hash() -> None:
    shifted = entry_fields(actor="officer-a2026", memo=" 制造业 budget")
    assert chain_hash(GENESIS, canonical_entry(**shifted)) != GOLDEN_HASH


def test_a_request_digest_ignores_key_order_and_sees_every_value() -> None:
    digest = request_digest({"amount": 100, "legs": [["a", -1], ["b", 1]]})
    assert digest == request_digest({"legs": [["a", -1], ["b", 1]], "amount": 100})
    assert digest != request_digest({"amount": 101, "legs": [["a", -1], ["b", 1]]})
    assert digest != request_digest({"amount": 100, "legs": [["b", 1], ["a", -1]]})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(value=JSON_VALUES, sort_keys=st.booleans(), ensure_ascii=st.booleans())
def test_the_prebuilt_encoder_writes_what_json_dumps_writes(
    value: Any, sort_keys: bool, ensure_ascii: bool
) -> None:
    encode = compact_json(sort_keys=sort_keys, ensure_ascii=ensure_ascii, default=str)
    expected = json.dumps(
        value, separators=(",", ":"), sort_keys=sort_keys, ensure_ascii=ensure_ascii, default=str
    )
    assert encode(value) == expected


def test_the_prebuilt_encoder_falls_back_to_str_for_dates_as_the_request_hash_does() -> None:
    encode = compact_json(sort_keys=True, default=str)
    assert (
        encode({"b": date(2026, 3, 30), "a": "预算"}) == '{"a":"\\u9884\\u7b97","b":"2026-03-30"}'
    )


ZONES = st.sampled_from([None, UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))])


@given(st.datetimes(timezones=ZONES))
def test_a_recorded_at_time_is_written_as_its_strftime_text(moment: datetime) -> None:
    assert recorded_at_text(moment) == moment.strftime(RECORDED_AT_FORMAT)
