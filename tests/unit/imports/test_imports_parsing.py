"""Pass one remembers what each column's reader made of a value, and reports every cell still."""

from __future__ import annotations

from datetime import date
from typing import Any

from funds.grants.credit_code import make_credit_code
from funds.imports.kinds import PASS_THROUGH
from funds.imports.parsing import parse_sheet
from funds.imports.reading import RawSheet
from funds.imports.report import ImportResult

CODE = make_credit_code("91340100MA0000001")
HEADERS = ("奖补编号", "统一社会信用代码", "金额", "用途", "凭证号", "下达日期")


def _parse(rows: list[tuple[Any, ...]]) -> tuple[list[Any], ImportResult]:
    numbered = list(enumerate([HEADERS, *rows], start=1))
    result = ImportResult(file="x.csv", dry_run=True)
    parsed = parse_sheet(RawSheet("下达企业", len(numbered), iter(numbered)), PASS_THROUGH, result)
    return parsed, result


def test_a_repeated_bad_value_is_reported_at_every_cell_that_holds_it() -> None:
    row = ("ZONE-2025-0001", CODE, "12.345", "用途", None, "2025-06-01")
    parsed, result = _parse([row, row, (*row[:2], "1万", *row[3:]), row])
    assert [p.cell for p in result.problems] == ["C2", "C3", "C5"]
    assert {p.message for p in result.problems} == {
        "'12.345' more precise than 1 分 (at most 2 decimals of 元)"
    }
    assert [p.value for p in result.problems] == ["12.345"] * 3
    assert [(r.number, r.values["amount"]) for r in parsed] == [(4, 1_000_000)]


def test_values_equal_in_python_but_of_other_types_are_read_apart() -> None:
    base = ("ZONE-2025-0001", CODE)
    rows = [
        (*base, 1, "用途", "V1", date(2025, 6, 1)),
        (*base, True, "用途", "V2", "2025-06-01"),
        (*base, 1.0, "用途", "V3", date(2025, 6, 1)),
    ]
    parsed, result = _parse(rows)
    assert [p.cell for p in result.problems] == ["C3"]
    assert [(r.number, r.values["amount"], r.values["on"]) for r in parsed] == [
        (2, 100, date(2025, 6, 1)),
        (4, 100, date(2025, 6, 1)),
    ]
