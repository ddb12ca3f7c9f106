"""Money: what officers type becomes exact 分, and 分 prints back to what parses again."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funds.money import (
    MoneyError,
    format_wan,
    format_wan_exact,
    format_yuan,
    format_yuan_wan,
    parse_fen,
    parse_yuan_decimal,
    percent_of,
    round_preserving_total,
    to_yuan_string,
)

FIVE_MILLION_YUAN = 500_000_000


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("5000000", FIVE_MILLION_YUAN),
        ("5,000,000.00", FIVE_MILLION_YUAN),
        ("500万", FIVE_MILLION_YUAN),
        ("500万元", FIVE_MILLION_YUAN),
        ("0.05亿", FIVE_MILLION_YUAN),
        ("0.5亿", 5_000_000_000),
        ("1000 万", 1_000_000_000),
        ("1000万", 1_000_000_000),
        ("  12.5 元 ", 1250),
        ("0.01", 1),
        ("1，000.50", 100_050),
        ("500.123456万", 500_123_456),
    ],
)
def test_officers_amounts_parse_to_exact_fen(text: str, fen: int) -> None:
    assert parse_fen(text) == fen


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("12.345", "more precise than 1 分"),
        ("500.1234567万", "more precise than 1 分"),
        ("abc", "not a number"),
        ("5,00,000", "not a number"),
        ("", "not a number"),
        ("5 000 000", "not a number"),
        ("500万美元", "not a number"),
        ("-5", "negative"),
    ],
)
def test_bad_amounts_are_refused_quoting_the_input(text: str, reason: str) -> None:
    with pytest.raises(MoneyError) as info:
        parse_fen(text)
    assert reason in str(info.value)
    assert repr(text) in str(info.value)


def test_floats_are_refused() -> None:
    with pytest.raises(MoneyError, match="float"):
        parse_fen(0.1)  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="float"):
        format_yuan(1.5)  # type: ignore[arg-type]


def test_booleans_are_not_money() -> None:
    with pytest.raises(MoneyError):
        parse_fen(True)


def test_negative_allowed_only_when_asked() -> None:
    assert parse_fen("-1.00", allow_negative=True) == -100
    with pytest.raises(MoneyError, match="more than zero"):
        parse_fen("0", allow_zero=False)


def test_formats_in_yuan_and_wan() -> None:
    assert format_yuan(FIVE_MILLION_YUAN) == "5,000,000.00"
    assert format_yuan(-1) == "-0.01"
    assert format_wan(FIVE_MILLION_YUAN) == "500.00万"
    assert format_wan(5_000) == "0.01万"  # half up, display only
    assert format_wan(-5_000) == "-0.01万"
    assert format_wan_exact(500_123_456) == "500.123456万"
    assert to_yuan_string(FIVE_MILLION_YUAN) == "5000000.00"


def test_amounts_compared_in_a_message_show_the_fen_and_wan_only_from_one_wan() -> None:
    assert format_yuan_wan(FIVE_MILLION_YUAN) == "5,000,000.00 元 (500.00万元)"
    assert format_yuan_wan(FIVE_MILLION_YUAN - 1) == "4,999,999.99 元 (500.00万元)"
    assert format_yuan_wan(1) == "0.01 元"
    assert format_yuan_wan(-2_000_000) == "-20,000.00 元 (-2.00万元)"


def test_wire_amounts_are_decimal_strings_of_yuan() -> None:
    assert parse_yuan_decimal("5000000.00") == FIVE_MILLION_YUAN
    for bad in ("5e6", "500万", "1.001", "NaN"):
        with pytest.raises(MoneyError):
            parse_yuan_decimal(bad)


def test_minimum_share_rounds_up_so_80_percent_is_never_understated() -> None:
    assert percent_of(1_001, 80, 100) == 801
    assert percent_of(1_000, 80, 100) == 800


amounts = st.integers(min_value=-(10**15), max_value=10**15)


@given(amounts)
def test_parse_of_yuan_format_is_identity(fen: int) -> None:
    assert parse_fen(format_yuan(fen), allow_negative=True) == fen
    assert parse_fen(to_yuan_string(fen), allow_negative=True) == fen


@given(amounts)
def test_parse_of_exact_wan_format_is_identity(fen: int) -> None:
    assert parse_fen(format_wan_exact(fen), allow_negative=True) == fen


@given(
    st.lists(st.fractions(min_value=0, max_value=10**9), min_size=1, max_size=30),
)
def test_rounding_keeps_the_total_and_moves_each_part_less_than_one_fen(
    parts: list[Fraction],
) -> None:
    total = round(sum(parts))
    rounded = round_preserving_total(parts, total)
    assert sum(rounded) == total
    assert all(abs(r - p) < 1 for r, p in zip(rounded, parts, strict=True))
