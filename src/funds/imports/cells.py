"""Reading one cell: text, amounts, dates, whole numbers, credit codes, choices.

Each reader takes the raw value a spreadsheet gives (``str`` from CSV; ``str``, ``int``,
``float``, ``datetime`` or ``bool`` from openpyxl) and returns a typed value or raises
:class:`CellProblem` with a message in the officer's terms. ``None`` and blank text never
reach a reader: the caller treats them as an empty cell (an error only when the column is
required).

Amounts go through :func:`funds.money.parse_fen`, the parser every other edge uses. A
numeric Excel cell holds a binary float; it is turned into the shortest decimal text that
reads back as the same float (what Excel shows, ``1234.56``) and that text is parsed like
a typed one, so ``1234.567`` is refused as more precise than 1 分 and an integer cell of
``5000000`` means 5,000,000 元, never 分.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal

from funds.errors import InvalidInput
from funds.grants.county import parse_percent
from funds.grants.credit_code import credit_code_problem
from funds.money import MoneyError, parse_fen


class CellProblem(ValueError):
    """Raised when a cell cannot be read as what its column holds; the message says why."""


def as_text(value: object, *, max_length: int = 200) -> str:
    """Read a text cell (a number typed in a text column is kept as its digits)."""
    if isinstance(value, bool):
        raise CellProblem("expected text, got a TRUE/FALSE cell")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        raise CellProblem("expected text, got a date")
    text = str(value).strip()
    if len(text) > max_length:
        raise CellProblem(f"is {len(text)} characters long; at most {max_length} fit")
    return text


def as_code(value: object) -> str:
    """Read a public code (recipient, award, fund): text without ':' (the ledger's separator)."""
    text = as_text(value, max_length=40)
    if ":" in text or "：" in text:
        raise CellProblem("a code may not contain ':'")
    return text


def as_amount(value: object) -> int:
    """Read a positive amount of money into 分 (bare numbers are 元; 500万 and 0.5亿 work)."""
    if isinstance(value, bool | datetime | date):
        raise CellProblem("expected an amount such as 500万 or 5,000,000.00")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellProblem("expected an amount, got a value that is not a number")
        value = format(Decimal(repr(value)), "f")
    elif isinstance(value, int):
        value = str(value)
    try:
        return parse_fen(str(value), allow_zero=False)
    except MoneyError as error:
        raise CellProblem(error.reason) from None


def as_percent(value: object) -> Decimal:
    """Read an exact percent: ``2.2%`` or ``2.2`` (a number cell is read as what Excel shows).

    A cell formatted as a percentage holds a fraction (``0.022`` for 2.2 %); it is refused
    rather than guessed at, with a hint to type the percent as text.
    """
    if isinstance(value, bool | datetime | date):
        raise CellProblem("expected a percent such as 2.2%")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise CellProblem("expected a percent, got a value that is not a number")
        text = format(Decimal(repr(value)), "f")
        if 0 < value < 1:
            raise CellProblem(
                f"holds {text}: a cell formatted as a percentage keeps a fraction;"
                " type the percent as text, e.g. 2.2%"
            )
        value = text
    try:
        return parse_percent(str(value))
    except InvalidInput as error:
        raise CellProblem(error.message.removeprefix(f"{error.field}: ")) from None


_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def as_date(value: object) -> date:
    """Read a date: a date cell, ``2025-03-01``, ``2025/3/1`` or ``2025年3月1日``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise CellProblem("expected a date such as 2025-03-01 (format the cell as a date)")
    match = _DATE.match(value.strip())
    if match is None:
        raise CellProblem("expected a date such as 2025-03-01, 2025/3/1 or 2025年3月1日")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as error:
        raise CellProblem(f"is not a day of the calendar ({error})") from None


def as_whole(value: object, *, low: int = 1, high: int = 9999) -> int:
    """Read a whole number between ``low`` and ``high`` (a year, a stage number)."""
    if isinstance(value, bool):
        raise CellProblem("expected a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        value = int(value)
    if not isinstance(value, int):
        raise CellProblem("expected a whole number")
    if not low <= value <= high:
        raise CellProblem(f"must be between {low} and {high}")
    return value


def as_credit_code(value: object) -> str:
    """Read a 统一社会信用代码 and check its check character (GB 32100-2015)."""
    code = as_text(value, max_length=40).upper()
    problem = credit_code_problem(code)
    if problem:
        raise CellProblem(f"is not a valid 统一社会信用代码: {problem}")
    return code


def as_choice(value: object, choices: Mapping[str, str]) -> str:
    """Read one of ``choices`` (the officer's word, Chinese or English → the stored value)."""
    text = as_text(value).strip()
    found = choices.get(text) or choices.get(text.lower())
    if found is None:
        words = "、".join(dict.fromkeys(choices))
        raise CellProblem(f"is not one of {words}")
    return found


def as_yes_no(value: object) -> bool:
    """Read 是/否, yes/no, true/false, 1/0 or a TRUE/FALSE cell."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("是", "y", "yes", "true", "1", "复评"):
        return True
    if text in ("否", "n", "no", "false", "0"):
        return False
    raise CellProblem("expected 是 or 否")


def as_split(value: object) -> tuple[int, ...]:
    """Read a stage split in whole percent: ``40/30/30`` (also ``40-30-30``, ``40,30,30``)."""
    text = as_text(value)
    parts = re.split(r"\s*[/\-,，、]\s*", text)
    if not all(p.isdigit() for p in parts):
        raise CellProblem("expected whole percents such as 40/30/30")
    percents = tuple(int(p) for p in parts)
    if sum(percents) != 100 or any(p <= 0 for p in percents):
        raise CellProblem("the percents must be positive and add up to 100")
    return percents
