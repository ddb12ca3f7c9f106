"""The fast workbook reader gives the validator exactly the rows openpyxl's read-only mode gives."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from funds.imports import xlsx
from funds.imports.reading import open_sheets

SAMPLES = Path(__file__).parents[2] / "data" / "imports"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

# Styles of the template workbook below: 1 a date, 2 a duration, 3 a number format "0.00".
SHARED = [
    "奖补编号",
    "<t>plain</t>",
    '<t xml:space="preserve">  spaced  </t>',
    "<r><t>rich </t></r><r><rPr><b/></rPr><t>bold</t></r>",
    "<r><t>run one</t></r><r><t>, run two</t></r>",
    "<t>合肥</t><rPh sb='0' eb='2'><t>ヘフェイ</t></rPh><phoneticPr fontId='1'/>",
    "<t>a_x005F_x000D_b</t>",
    "<t/>",
    "<t>first</t><t>last wins</t>",
    "<t>&lt;escaped &amp; entities&gt; &#x4E2D;</t>",
]


def _strings_xml() -> str:
    sis = "".join(f"<si>{s}</si>" if s.startswith("<") else f"<si><t>{s}</t></si>" for s in SHARED)
    return f'<sst xmlns="{MAIN}" count="{len(SHARED)}" uniqueCount="{len(SHARED)}">{sis}</sst>'


EDGE_ROWS = """
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>
  <c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c></row>
<row r="2"><c r="A2" t="s"><v>6</v></c><c r="B2" t="s"><v>7</v></c><c r="C2" t="s"><v>8</v></c>
  <c r="D2" t="s"><v>9</v></c></row>
<row r="3"><c r="A3" t="inlineStr"><is><t>inline</t></is></c>
  <c r="B3" t="inlineStr"><is><r><t>in</t></r><r><rPr><i/></rPr><t>line runs</t></r></is></c>
  <c r="C3" t="inlineStr"><is/></c><c r="D3" t="inlineStr"></c>
  <c r="E3" t="inlineStr"><is><t/></is></c>
  <c r="F3" t="inlineStr"><is><t>a_x005F_b</t></is></c></row>
<row r="4"><c r="A4"><v>12</v></c><c r="B4" t="n"><v>1.5</v></c><c r="C4"><v>1E3</v></c>
  <c r="D4" s="3"><v>-0</v></c><c r="E4" s=""><v>7</v></c><c r="F4"><v></v></c></row>
<row r="6"><c r="A6" s="1"><v>45717</v></c><c r="B6" s="1"><v>45717.75</v></c>
  <c r="C6" s="1"><v>0.25</v></c><c r="D6" s="1"><v>30</v></c><c r="E6" s="2"><v>1.5</v></c>
  <c r="F6" s="1"><v>45717</v></c></row>
<row r="7"><c r="A7" t="b"><v>1</v></c><c r="B7" t="b"><v>0</v></c>
  <c r="C7" t="str"><f>A1&amp;"x"</f><v>cached text</v></c><c r="D7"><f>1+1</f></c>
  <c r="E7" t="e"><v>#N/A</v></c><c r="F7" t="d"><v>2025-03-01T08:30:00</v></c></row>
<row><c t="s"><v>1</v></c><c><v>2</v></c><c r="E8"><v>5</v></c><c><v>6</v></c></row>
<row r="9"/>
<row r="3"><c r="A3"><v>999</v></c></row>
<row r="11" spans="1:9"><c r="b11"><v>2</v></c><c r="H11" t="inlineStr"><is><t>past F</t></is></c>
  <c r="C11" t="x"><v>odd type</v></c></row>
<row r="12.0"><c r="A12"><v>1</v></c></row>
"""


def _sheet_xml(rows: str, dimension: str | None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def _workbook(
    tmp_path: Path,
    sheets: dict[str, tuple[str, str | None]],
    *,
    epoch_1904: bool = False,
    strings: bool = True,
) -> Path:
    """A workbook with the template's styles and these sheets' XML (rows, dimension)."""
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name in sheets:
        book.create_sheet(name)
    sheet = book.worksheets[0]
    sheet["A1"] = date(2025, 1, 1)
    sheet["A2"] = timedelta(hours=5)
    sheet["A3"] = 1.5
    sheet["A3"].number_format = "0.00"
    if epoch_1904:
        book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    template = io.BytesIO()
    book.save(template)
    written = zipfile.ZipFile(template)
    styles = re.findall(rb'<c r="A\d" s="(\d)"', written.read("xl/worksheets/sheet1.xml"))
    assert styles == [b"1", b"2", b"3"]
    path = tmp_path / "edge.xlsx"
    with zipfile.ZipFile(path, "w") as out:
        for item in written.infolist():
            data = written.read(item.filename)
            match = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if match:
                rows, dimension = list(sheets.values())[int(match[1]) - 1]
                data = _sheet_xml(rows, dimension).encode()
            if item.filename == "[Content_Types].xml" and strings:
                override = (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
                )
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            out.writestr(item.filename, data)
        if strings:
            out.writestr("xl/sharedStrings.xml", _strings_xml())
    return path


def _read(path: Path, *, fast: bool) -> list[tuple[str, list[tuple[int, tuple[Any, ...]]]]]:
    """Every sheet's rows (openpyxl fills a missing row of an unsized sheet with ``[]``)."""
    with open_sheets(path, fast=fast) as sheets:
        return [(s.name, [(n, tuple(values)) for n, values in s.rows]) for s in sheets]


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.xlsx")))
def test_every_sample_workbook_reads_the_same_with_both_readers(name: str) -> None:
    path = SAMPLES / name
    fast = _read(path, fast=True)
    assert fast == _read(path, fast=False)
    assert any(rows for _, rows in fast)


@pytest.mark.parametrize("dimension", [None, "A1:F12", "A1:D8", "B2:F20"])
def test_edge_cells_and_rows_read_the_same_with_both_readers(
    tmp_path: Path, dimension: str | None
) -> None:
    path = _workbook(tmp_path, {"下达企业": (EDGE_ROWS, dimension), "空": ("", dimension)})
    fast = _read(path, fast=True)
    assert fast == _read(path, fast=False)
    rows = dict(fast[0][1])
    if dimension is None:
        assert rows[2][:4] == ("a_x000D_b", "", "last wins", "<escaped & entities> 中")
        assert rows[6][:5] == (
            datetime(2025, 3, 1),
            datetime(2025, 3, 1, 18),
            datetime(1899, 12, 30, 6).time(),
            datetime(1900, 1, 30),
            timedelta(days=1.5),
        )
        assert rows[7][:2] == (True, False)


def test_a_1904_workbook_reads_its_dates_the_same_with_both_readers(tmp_path: Path) -> None:
    path = _workbook(tmp_path, {"下达企业": (EDGE_ROWS, None)}, epoch_1904=True)
    fast = _read(path, fast=True)
    assert fast == _read(path, fast=False)
    assert dict(fast[0][1])[6][0] == datetime(2029, 3, 2)


def test_a_workbook_without_shared_strings_reads_the_same_with_both_readers(
    tmp_path: Path,
) -> None:
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>内联</t></is></c><c r="B1"><v>3</v></c></row>'
    path = _workbook(tmp_path, {"下达企业": (rows, None)}, strings=False)
    assert _read(path, fast=True) == _read(path, fast=False) == [("下达企业", [(1, ("内联", 3))])]


def test_a_date_serial_beyond_the_calendar_warns_and_reads_as_openpyxl_reads_it(
    tmp_path: Path,
) -> None:
    rows = '<row r="1"><c r="A1" s="1"><v>99999999</v></c><c r="B1" s="1"><v>45717</v></c></row>'
    path = _workbook(tmp_path, {"下达企业": (rows, None)})
    with pytest.warns(UserWarning, match="outside the limits for dates"):
        fast = _read(path, fast=True)
    with pytest.warns(UserWarning, match="outside the limits for dates"):
        assert fast == _read(path, fast=False)
    assert fast[0][1][0][1] == ("#VALUE!", datetime(2025, 3, 1))


def test_shared_strings_are_read_as_openpyxl_reads_them() -> None:
    from openpyxl.reader.strings import read_string_table

    data = _strings_xml().encode()
    assert xlsx.shared_strings(io.BytesIO(data)) == read_string_table(io.BytesIO(data))


def test_a_sheet_without_a_dimension_has_no_size_as_openpyxl_says(tmp_path: Path) -> None:
    path = _workbook(tmp_path, {"下达企业": (EDGE_ROWS, None)})
    book = xlsx.load_workbook(path)
    try:
        sheet = book.worksheets[0]
        assert (sheet.max_row, sheet.max_column) == (None, None)
    finally:
        book.close()
