"""Money as integer 分 (fen): parse what officers type, format what they read.

Every amount in the engine is an ``int`` of 分 (1 元 = 100 分, 1 万元 = 1,000,000 分,
1 亿元 = 10,000,000,000 分). Floats never enter: :func:`parse_fen` refuses them, because
``0.1 + 0.2`` is not ``0.3`` and an audit years later must add up to the 分. The only
place solver output (floats) becomes money is :func:`round_preserving_total`, which uses
the largest-remainder method so that rounded parts keep their exact total.

This module imports nothing of the project.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

FEN_PER_YUAN = 100
FEN_PER_WAN = 1_000_000
FEN_PER_YI = 10_000_000_000

_UNITS: dict[str, int] = {
    "": FEN_PER_YUAN,
    "元": FEN_PER_YUAN,
    "万": FEN_PER_WAN,
    "万元": FEN_PER_WAN,
    "亿": FEN_PER_YI,
    "亿元": FEN_PER_YI,
}

_AMOUNT = re.compile(
    r"""^(?P<sign>[-+]?)\s*
        (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
        \s*(?P<unit>亿元|万元|亿|万|元)?$""",
    re.VERBOSE,
)


class MoneyError(ValueError):
    """Raised when a text or value cannot be read as an exact amount of money.

    The message always quotes the input, so an officer can find the cell they typed.
    """

    def __init__(self, text: object, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"cannot read {text!r} as an amount: {reason}")


def parse_fen(text: str | int, *, allow_negative: bool = False, allow_zero: bool = True) -> int:
    """Return the amount in 分 that ``text`` names.

    Accepts ``5000000``, ``5,000,000.00``, ``500万``, ``500万元``, ``0.5亿``, ``1000 万``.
    A bare number is 元. A plain ``int`` is taken as 分 already (not 元), since only code
    passes ints. Floats, ``bool``, more precision than 1 分 and garbage are refused.
    """
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise MoneyError(text, f"expected text or integer 分, got {type(text).__name__}")
    if isinstance(text, int):
        return _check_sign(text, text, allow_negative=allow_negative, allow_zero=allow_zero)
    cleaned = text.strip().replace("，", ",").replace("\u3000", " ")
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise MoneyError(text, "not a number of 元, 万元 or 亿元 (example: 500万 or 5,000,000.00)")
    unit = match["unit"] or ""
    try:
        number = Decimal(match["number"].replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise MoneyError(text, "not a number") from exc
    scaled = number * _UNITS[unit]
    if scaled != scaled.to_integral_value():
        raise MoneyError(text, f"more precise than 1 分 ({_precision_hint(unit)})")
    fen = int(scaled)
    if match["sign"] == "-":
        fen = -fen
    return _check_sign(fen, text, allow_negative=allow_negative, allow_zero=allow_zero)


def _precision_hint(unit: str) -> str:
    decimals = {"": 2, "元": 2, "万": 6, "万元": 6, "亿": 10, "亿元": 10}[unit]
    return f"at most {decimals} decimals of {unit or '元'}"


def _check_sign(fen: int, text: object, *, allow_negative: bool, allow_zero: bool) -> int:
    if fen < 0 and not allow_negative:
        raise MoneyError(text, "a negative amount is not allowed here")
    if fen == 0 and not allow_zero:
        raise MoneyError(text, "the amount must be more than zero")
    return fen


def parse_yuan_decimal(text: str) -> int:
    """Return 分 for a decimal string of 元 as it travels in JSON (``"5000000.00"``)."""
    if not isinstance(text, str) or not re.fullmatch(r"-?\d+(\.\d{1,2})?", text.strip()):
        raise MoneyError(text, "expected a decimal string of 元 with at most 2 decimals")
    return parse_fen(text, allow_negative=True)


def format_yuan(fen: int, *, grouping: bool = True) -> str:
    """Format 分 as 元 with two decimals: ``500000000`` → ``5,000,000.00``."""
    _require_int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), FEN_PER_YUAN)
    body = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{body}.{cents:02d}"


def format_wan(fen: int, *, decimals: int = 2) -> str:
    """Format 分 as 万元 (``500000000`` → ``500.00万``), rounding half up for display only.

    Use :func:`format_wan_exact` where the printed figure must parse back to the same 分.
    """
    _require_int(fen)
    quantum = Decimal(1).scaleb(-decimals)
    rounded = (Decimal(fen) / FEN_PER_WAN).quantize(quantum, rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}万"


def format_yuan_wan(fen: int) -> str:
    """Format 分 as 元 to the 分, with 万元 after it from 1万元 on: ``5,000,000.00 元
    (500.00万元)``, ``0.01 元``.

    For a message that compares amounts: the 元 figure shows a difference of 1 分, which
    :func:`format_wan` rounds away (4,999,999.99 元 is ``500.00万``); the 万 only helps read it.
    """
    yuan = f"{format_yuan(fen)} 元"
    return yuan if abs(fen) < FEN_PER_WAN else f"{yuan} ({format_wan(fen)}元)"


def format_wan_exact(fen: int) -> str:
    """Format 分 as 万元 with as many decimals as needed (at least two) to be exact."""
    _require_int(fen)
    text = format(Decimal(fen) / FEN_PER_WAN, "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}.{frac}万"


def to_yuan_string(fen: int) -> str:
    """Return the JSON wire form of an amount: 元 as a decimal string (``"5000000.00"``)."""
    return format_yuan(fen, grouping=False)


def _require_int(fen: object) -> None:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError(fen, "amounts are integer 分; floats and other types are refused")


def share(part: int, whole: int) -> Fraction:
    """Return ``part / whole`` exactly (zero when ``whole`` is zero)."""
    return Fraction(part, whole) if whole else Fraction(0)


def percent_of(fen: int, numerator: int, denominator: int) -> int:
    """Return ``fen * numerator / denominator`` rounded up to the next 分 (ceiling).

    Used for minimum shares such as "at least 80 %": the minimum is never understated.
    """
    return -((-fen * numerator) // denominator)


def round_preserving_total(values: Sequence[Fraction | Decimal | float], total: int) -> list[int]:
    """Round ``values`` (in 分, possibly fractional) to ints that sum exactly to ``total``.

    Largest-remainder (Hamilton) method: floor every value, then give the missing 分 one each
    to the values with the largest fractional parts (ties broken by position). Raises
    :class:`MoneyError` when the floors alone already exceed ``total`` or the gap is larger
    than the number of values (the inputs do not describe ``total``).
    """
    exact = [Fraction(v) if not isinstance(v, Fraction) else v for v in values]
    floors = [v.numerator // v.denominator for v in exact]
    missing = total - sum(floors)
    if missing < 0 or missing > len(exact):
        raise MoneyError(total, f"parts {sum(exact)} cannot round to a total of {total} 分")
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return floors
