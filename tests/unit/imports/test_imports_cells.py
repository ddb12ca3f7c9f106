"""Reading cells the way officers fill them in, and refusing what cannot be read exactly."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from funds.grants.credit_code import make_credit_code
from funds.imports.cells import (
    CellProblem,
    as_amount,
    as_choice,
    as_code,
    as_credit_code,
    as_date,
    as_split,
    as_text,
    as_whole,
    as_yes_no,
)
from funds.imports.context import natural_key
from funds.imports.kinds import GRADE_WORDS, KINDS, PASS_THROUGH, PROGRAMME_WORDS, kind_named
from funds.imports.report import ParsedRow, SheetInfo, column_letter
from funds.policy import ALIASES, Grade, Programme

CODE = make_credit_code("91340100MA0000001")


@pytest.mark.parametrize(
    ("cell", "fen"),
    [
        ("500万", 500_000_000),
        ("5,000,000.00", 500_000_000),
        ("0.5亿", 5_000_000_000),
        (5_000_000, 500_000_000),  # an integer cell is 元, never 分
        (1234.56, 123_456),  # a float cell is read as the decimal Excel shows
        (300000.5, 30_000_050),
        (1e20, 10**22),  # exponent notation in the shortest repr
    ],
)
def test_an_amount_cell_is_read_into_fen_as_the_officer_wrote_it(cell: object, fen: int) -> None:
    assert as_amount(cell) == fen


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("12.345", "more precise than 1 分"),
        (1234.567, "more precise than 1 分"),
        ("abc", "not a number"),
        ("-5万", "negative"),
        ("0", "more than zero"),
        (float("nan"), "not a number"),
        (True, "expected an amount"),
        (datetime(2025, 1, 1), "expected an amount"),
    ],
)
def test_an_amount_that_is_not_exact_money_is_refused_with_the_reason(
    cell: object, reason: str
) -> None:
    with pytest.raises(CellProblem, match=reason):
        as_amount(cell)


@pytest.mark.parametrize(
    "cell",
    ["2025-03-01", "2025/3/1", "2025.3.1", "2025年3月1日", "2025/3/1 0:00", date(2025, 3, 1)],
)
def test_a_date_is_read_from_a_date_cell_or_the_usual_spellings(cell: object) -> None:
    assert as_date(cell) == date(2025, 3, 1)


def test_a_datetime_cell_gives_its_day() -> None:
    assert as_date(datetime(2025, 3, 1, 9, 30)) == date(2025, 3, 1)


@pytest.mark.parametrize("cell", ["2025-02-30", "明天", 45000, "3/1/2025"])
def test_what_is_not_a_calendar_day_is_refused(cell: object) -> None:
    with pytest.raises(CellProblem):
        as_date(cell)


def test_a_credit_code_is_upper_cased_and_its_check_character_verified() -> None:
    assert as_credit_code(f" {CODE.lower()} ") == CODE
    wrong = CODE[:-1] + ("0" if CODE[-1] != "0" else "1")
    with pytest.raises(CellProblem, match="check character"):
        as_credit_code(wrong)
    with pytest.raises(CellProblem, match="18 characters"):
        as_credit_code("9134")


def test_whole_numbers_text_and_codes_accept_what_excel_stores() -> None:
    assert as_whole(2.0) == 2
    assert as_whole(" 3 ") == 3
    assert as_text(12345.0) == "12345"
    with pytest.raises(CellProblem, match="whole number"):
        as_whole("第一期")
    with pytest.raises(CellProblem, match="between"):
        as_whole(0)
    with pytest.raises(CellProblem, match="':'"):
        as_code("ZONE:1")
    with pytest.raises(CellProblem, match="at most 5"):
        as_text("abcdefg", max_length=5)


def test_choices_accept_chinese_and_english_words() -> None:
    assert as_choice("合格", GRADE_WORDS) == "qualified"
    assert as_choice("Qualified", GRADE_WORDS) == "qualified"
    assert as_choice("未参加评估", GRADE_WORDS) == "not_submitted"
    with pytest.raises(CellProblem, match="is not one of"):
        as_choice("良好", GRADE_WORDS)
    assert as_yes_no("是") is True
    assert as_yes_no("no") is False
    with pytest.raises(CellProblem):
        as_yes_no("也许")


def test_a_split_must_be_whole_percents_adding_up_to_100() -> None:
    assert as_split("40/30/30") == (40, 30, 30)
    assert as_split("50、50") == (50, 50)
    with pytest.raises(CellProblem, match="add up to 100"):
        as_split("50/40")


def test_headers_match_in_chinese_english_and_with_a_unit_in_brackets() -> None:
    assert PASS_THROUGH.match("金额（元）") is PASS_THROUGH.column("amount")
    assert PASS_THROUGH.match(" Amount ") is PASS_THROUGH.column("amount")
    assert PASS_THROUGH.match("Credit Code") is PASS_THROUGH.column("enterprise")
    assert PASS_THROUGH.match("备注") is None
    assert kind_named("下达企业") is PASS_THROUGH
    assert kind_named("pass-through") is PASS_THROUGH
    assert kind_named("nonsense") is None
    assert all(kind_named(k.zh) is k for k in KINDS.values())


def test_column_letters_run_like_a_spreadsheet() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_a_row_s_natural_key_is_its_voucher_or_a_digest_of_what_it_says() -> None:
    sheet = SheetInfo(name="下达企业", kind=PASS_THROUGH)
    values = {"enterprise": CODE, "amount": 100, "purpose": "x", "on": date(2025, 1, 1)}
    fields = ("enterprise", "amount", "purpose", "on")
    with_voucher = ParsedRow(sheet, 2, {**values, "voucher": "PZ-1"})
    assert (
        natural_key("pass_through", "Z-1", with_voucher, fields) == "import:pass_through:Z-1:v:PZ-1"
    )
    plain = natural_key("pass_through", "Z-1", ParsedRow(sheet, 3, values), fields)
    again = natural_key("pass_through", "Z-1", ParsedRow(sheet, 9, dict(values)), fields)
    other = natural_key(
        "pass_through", "Z-1", ParsedRow(sheet, 3, {**values, "amount": 101}), fields
    )
    assert plain == again
    assert plain != other
    assert plain.startswith("import:pass_through:Z-1:d:")


def test_import_sheets_take_the_policy_texts_own_words_as_the_cli_does() -> None:
    """不参加评估的视为不合格 (ZONE-GUIDE 评估管理); 省级服务型制造集聚区 (ZONE-GUIDE 总则)."""
    assert as_choice("不参加评估", GRADE_WORDS) == "not_submitted"
    assert as_choice("不参加", GRADE_WORDS) == "not_submitted"
    assert as_choice("省级服务型制造集聚区", PROGRAMME_WORDS) == "service_zone"
    assert as_choice("省县域制造业特色产业集群", PROGRAMME_WORDS) == "county_cluster"
    for word, meant in ALIASES.items():  # every name the CLI takes for a grade or programme
        if isinstance(meant, Grade):
            assert as_choice(word, GRADE_WORDS) == meant
        if isinstance(meant, Programme):
            assert as_choice(word, PROGRAMME_WORDS) == meant
