"""SQLite's timestamp text (funds.driver_sql.sqlite_timestamp) is SQLITE_TIMESTAMP's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from funds.driver_sql import SQLITE_TIMESTAMP, sqlite_timestamp

ZONES = st.sampled_from([None, UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))])


@given(st.datetimes(timezones=ZONES))
def test_a_timestamp_is_written_as_its_strftime_text(moment: datetime) -> None:
    assert sqlite_timestamp(moment) == moment.strftime(SQLITE_TIMESTAMP)


def test_a_timestamp_keeps_its_microseconds_when_they_are_zero() -> None:
    assert sqlite_timestamp(datetime(2026, 1, 5, 9, 30)) == "2026-01-05 09:30:00.000000"
