"""Field types of the API's requests: amounts, dates, codes and free text.

Amounts travel as decimal strings of 元 (``"5000000.00"``): a JSON number is refused with a
422 naming the field, because a float cannot be trusted to the 分, and more than two
decimals is refused by the pattern. Dates are ISO (``2025-03-18``) between 2000 and 2099.
Codes and free text are bounded by the columns that store them and may not hold control
characters, so that every database refuses nothing the API accepted.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from funds.errors import InvalidInput
from funds.money import MoneyError, parse_yuan_decimal

AMOUNT_PATTERN = r"^(0|[1-9][0-9]{0,12})(\.[0-9]{1,2})?$"
"""Up to 13 digits of 元 (below 10 万亿) and at most two decimals: exact in 分."""
CODE_PATTERN = r"^[^\x00-\x20\x7f/:?#%\\]+$"
"""Public codes (fund, recipient, award): no spaces, control characters, ``/``, ``:``."""
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
"""Free text: anything but control characters (tab and newlines are allowed)."""
KEY_PATTERN = r"^[^\x00-\x1f\x7f/]+$"
"""Alert keys and ledger account codes (``:`` allowed)."""
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _refuse_numbers(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(
            'amounts travel as decimal strings of 元 such as "5000000.00"; JSON numbers are refused'
        )
    return value


def _iso_day(value: object) -> object:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DAY.fullmatch(value):
        raise ValueError("dates are ISO text such as 2025-03-18")
    return value


def _within_range(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"dates run from {FIRST_DAY} to {LAST_DAY}")
    return value


Amount = Annotated[
    str,
    BeforeValidator(_refuse_numbers),
    Field(
        pattern=AMOUNT_PATTERN,
        description="元 as a decimal string with at most two decimals (exact in 分).",
        examples=["5000000.00"],
    ),
]
Day = Annotated[
    date,
    BeforeValidator(_iso_day),
    AfterValidator(_within_range),
    Field(description="ISO date, 2000-01-01 to 2099-12-31.", examples=["2025-03-18"]),
]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Stamp = Annotated[datetime, AfterValidator(_utc)]
"""A moment as stored (naive UTC) sent with its offset: ``2025-03-18T08:00:00Z``."""
Year = Annotated[int, Field(ge=2000, le=2099, examples=[2025])]
Seq = Annotated[int, Field(ge=1, le=100, examples=[1])]


def code_field(max_length: int = 40) -> Any:
    """A ``Field`` for a public code of at most ``max_length`` characters."""
    return Field(min_length=1, max_length=max_length, pattern=CODE_PATTERN)


def text_field(max_length: int, *, min_length: int = 0) -> Any:
    """A ``Field`` for free text stored in a column of ``max_length`` characters."""
    return Field(min_length=min_length, max_length=max_length, pattern=TEXT_PATTERN)


Code = Annotated[str, code_field()]


def fen(value: str, field: str) -> int:
    """Return the 分 of a validated amount string, naming ``field`` if it cannot be read."""
    try:
        return parse_yuan_decimal(value)
    except MoneyError as error:
        raise InvalidInput(field, error.reason) from None
