"""A workbook's rows read straight from the sheet XML, with exactly the values openpyxl gives.

openpyxl's read-only mode builds a dictionary per cell and a descriptor-checked object per
string; on a 100,000-row sheet that is most of an import's reading time. This module keeps
openpyxl for everything around the cells — the package manifest, the sheet list, the
stylesheet (which styles are dates), the 1900/1904 epoch and the sheet's dimension — and
replaces only the two loops that dominate:

* the shared-string table (:func:`shared_strings`), where a plain ``<si><t>…</t></si>`` or
  runs of ``<r><t>…</t></r>`` are joined directly and anything else (phonetic runs, run
  properties, attributes) still goes through openpyxl's ``Text.from_tree``;
* the rows of a sheet (:func:`sheet_rows`), a line-by-line port of
  ``ReadOnlyWorksheet._cells_by_row`` and ``WorkSheetParser.parse_row`` / ``parse_cell``
  for ``data_only`` workbooks: missing rows and cells become ``None``, rows are as wide as
  the dimension says (or as their last cell when it is absent), cells without an ``r``
  reference follow the one before. Shared and inline strings, numbers, booleans and cached
  formula text are read here; any other cell (an ISO date cell, an error cell, a rich
  inline string, a date serial outside the calendar) is handed to openpyxl's own
  ``parse_cell``, so it gets exactly openpyxl's value (or warning).

``tests/unit/imports/test_imports_xlsx.py`` reads the sample workbooks and hand-made edge
cases both ways and requires identical rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast
from xml.etree.ElementTree import Element, XMLPullParser, iterparse

from openpyxl.cell.text import Text
from openpyxl.packaging.relationship import get_dependents, get_rels_path
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import DATA_TAG as DATA
from openpyxl.worksheet._reader import DIMENSION_TAG as DIMENSION
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.dimensions import SheetDimension
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

ROW = f"{{{SHEET_MAIN_NS}}}row"
VALUE = f"{{{SHEET_MAIN_NS}}}v"
INLINE = f"{{{SHEET_MAIN_NS}}}is"
TEXT = f"{{{SHEET_MAIN_NS}}}t"
DIGITS = "0123456789"
PLAIN, DATE, DURATION = 0, 1, 2


CHUNK = 1 << 14  # 16 KiB, as iterparse reads: larger chunks measured slower


class _Reader(ExcelReader):  # type: ignore[misc]  # openpyxl is untyped
    """openpyxl's read-only reader with :func:`shared_strings` and :class:`_Sheet`."""

    def read_strings(self) -> None:
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as src:
                self.shared_strings = shared_strings(src)

    def read_worksheets(self) -> None:
        """``ExcelReader.read_worksheets`` for a read-only workbook, with :class:`_Sheet`."""
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files:
                continue
            if "chartsheet" in rel.Type:
                self.read_chartsheet(sheet, rel)
                continue
            rels_path = get_rels_path(rel.target)
            if rels_path in self.valid_files:
                get_dependents(self.archive, rels_path)
            worksheet = _Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


class _Sheet(ReadOnlyWorksheet):  # type: ignore[misc]  # openpyxl is untyped
    """A read-only sheet whose size is read without parsing the rows when it is not stated.

    openpyxl looks for ``<dimension>`` until the end of ``<sheetData>``, so a sheet written
    without one (as openpyxl's write-only mode writes) is parsed once just to learn it has
    no size. ``<dimension>`` comes before ``<sheetData>``; reaching its start is enough.
    """

    def _get_size(self) -> None:
        with self._get_source() as src:
            dimensions = _dimensions(src)
        if dimensions is not None:
            self._min_column, self._min_row, self._max_column, self._max_row = dimensions


def _dimensions(source: IO[bytes]) -> Any:
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    while chunk := source.read(CHUNK):
        parser.feed(chunk)
        for event, element in _events(parser):
            if event == "end" and element.tag == DIMENSION:
                return SheetDimension.from_tree(element).boundaries
            if event == "start" and element.tag == DATA:
                return None
    return None


def load_workbook(path: Path) -> Any:
    """Open ``path`` as ``openpyxl.load_workbook(path, read_only=True, data_only=True)`` does."""
    reader = _Reader(path, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def shared_strings(source: IO[bytes]) -> list[str]:
    """Return the shared-string table as openpyxl's ``read_string_table`` does."""
    strings: list[str] = []
    si = f"{{{SHEET_MAIN_NS}}}si"
    for _, node in iterparse(source):
        if node.tag == si:
            text = _plain_text(node)
            if text is None:
                text = Text.from_tree(node).content
            strings.append(text.replace("x005F_", ""))
            node.clear()
    return strings


def _plain_text(node: Element) -> str | None:
    """Text of ``<si>``/``<is>`` made of ``<t>`` and bare ``<r><t>`` runs; ``None`` otherwise.

    As ``Text.content``: the last plain ``<t>`` first, then each run's last ``<t>``.
    """
    if node.attrib:
        return None
    plain: str | None = None
    runs: list[str] = []
    for child in node:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r" and not child.attrib:
            run: str | None = None
            for part in child:
                if _local(part.tag) != "t":
                    return None
                run = part.text
            if run is not None:
                runs.append(run)
        else:
            return None
    return "".join([plain, *runs] if plain is not None else runs)


class _Cells:
    """``parse_cell`` for one sheet: fast for common cells, openpyxl's for the rest."""

    def __init__(self, sheet: Any) -> None:
        book = sheet.parent
        self.strings: list[str] = sheet._shared_strings
        self.epoch = book.epoch
        self.dates: set[int] = book._date_formats
        self.durations: set[int] = book._timedelta_formats
        self.parser = WorkSheetParser(
            None,
            self.strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        self.styles: dict[str | None, int] = {}
        self.columns: dict[str, int] = {}
        self.serials: dict[Any, Any] = {}

    def style(self, attribute: str | None) -> int:
        """:data:`PLAIN`, :data:`DATE` or :data:`DURATION`, for a cell's ``s`` attribute.

        As ``parse_cell``: no attribute is style 0, an empty one no style at all.
        """
        found = self.styles.get(attribute)
        if found is None:
            number = 0 if attribute is None else int(attribute) if attribute else None
            found = PLAIN
            if number in self.dates:
                found = DURATION if number in self.durations else DATE
            self.styles[attribute] = found
        return found

    def row(self, element: Element, row_number: int) -> list[tuple[int, Any]]:
        """``(column, value)`` of every child of a ``<row>``, as ``parse_row`` gives them."""
        cells: list[tuple[int, Any]] = []
        append = cells.append
        columns = self.columns
        styles = self.styles
        column = 0
        for cell in element:
            get = cell.get
            kind = get("t", "n")
            ref = get("r")
            if ref:
                letters = ref.rstrip(DIGITS)
                found = columns.get(letters) if len(letters) < len(ref) else None
                column = found if found is not None else self.column(ref)
            else:
                column += 1
            attribute = get("s")
            style = styles.get(attribute)
            if style is None:
                style = self.style(attribute)
            if kind == "inlineStr":
                append((column, self._inline(cell, row_number, column)))
                continue
            value = cell.findtext(VALUE, None) or None
            if value is None:
                append((column, None))
            elif kind == "s":
                append((column, self.strings[int(value)]))
            elif kind == "n":
                number = _number(value)
                if style == PLAIN:
                    append((column, number))
                elif style == DATE:
                    append((column, self._serial(number, cell, row_number, column)))
                else:
                    append((column, self._slow(cell, row_number, column)))
            elif kind == "str":
                append((column, value))
            elif kind == "b":
                append((column, bool(int(value))))
            else:
                append((column, self._slow(cell, row_number, column)))
        return cells

    def column(self, ref: str) -> int:
        """The column of reference ``ref`` (``coordinate_to_tuple``), remembered by letters.

        Letters are remembered only when they are plain ``A``–``Z`` followed by digits, where
        ``coordinate_to_tuple`` splits the reference exactly there.
        """
        column = int(coordinate_to_tuple(ref)[1])
        letters = ref.rstrip(DIGITS)
        if letters != ref and letters.isascii() and letters.isalpha() and letters.isupper():
            self.columns[letters] = column
        return column

    def _inline(self, cell: Element, row_number: int, column: int) -> Any:
        """An inline string: ``<is><t>…</t></is>`` here, anything richer as openpyxl reads it."""
        found = cell.find(INLINE)
        if found is None:
            return None
        if len(found) == 1 and not found.attrib and found[0].tag == TEXT:
            text = found[0].text
            return "" if text is None else text
        value = _plain_text(found)
        return self._slow(cell, row_number, column) if value is None else value

    def _serial(self, number: float, cell: Element, row_number: int, column: int) -> Any:
        """A date serial as ``from_excel`` reads it, remembered by its type and value."""
        key = (number.__class__, number)
        found = self.serials.get(key, self)
        if found is self:
            try:
                found = from_excel(number, self.epoch, timedelta=False)
            except (OverflowError, ValueError):
                return self._slow(cell, row_number, column)  # openpyxl warns; "#VALUE!"
            self.serials[key] = found
        return found

    def _slow(self, cell: Element, row_number: int, column: int) -> Any:
        """openpyxl's own ``parse_cell`` (its column counter set as it would be)."""
        self.parser.row_counter = row_number
        self.parser.col_counter = column - 1
        return self.parser.parse_cell(cell)["value"]


def _number(text: str) -> int | float:
    """``_cast_number``: a float when the text has a point or an exponent, else an int."""
    return float(text) if "." in text or "E" in text or "e" in text else int(text)


def _row_number(element: Element, previous: int) -> int:
    """``parse_row``'s row counter: the ``r`` attribute, else the previous row plus one."""
    ref = element.get("r")
    if ref is None:
        return previous + 1
    try:
        return int(ref)
    except ValueError:
        number = float(ref)
        if number.is_integer():
            return int(number)
        raise ValueError(f"{ref} is not a valid row number") from None


def sheet_rows(sheet: Any) -> Iterator[tuple[Any, ...]]:
    """The values of ``sheet.iter_rows(min_row=1, values_only=True)`` of a read-only sheet."""
    max_col: int | None = sheet.max_column
    max_row: int | None = sheet.max_row
    empty: tuple[Any, ...] = () if max_col is None else (None,) * max_col
    cells = _Cells(sheet)
    counter = 1
    number = 0
    idx = 1
    with sheet.parent._archive.open(sheet._worksheet_path) as src:
        for element in _rows(src):
            number = _row_number(element, number)
            values = cells.row(element, number)
            element.clear()
            idx = number
            if max_row is not None and idx > max_row:
                break
            while counter < idx:
                counter += 1
                yield empty
            if counter <= idx:
                yield _widened(values, max_col)
                counter += 1
    if max_row is not None and max_row < idx:
        for _ in range(counter, max_row + 1):
            yield empty


def _rows(source: IO[bytes]) -> Iterator[Element]:
    """Every ``<row>`` element once it is complete (``iterparse`` without its extra layer)."""
    parser: XMLPullParser[Element] = XMLPullParser(events=("end",))
    while chunk := source.read(CHUNK):
        parser.feed(chunk)
        for _, element in _events(parser):
            if element.tag == ROW:
                yield element
    parser.close()
    for _, element in _events(parser):
        if element.tag == ROW:
            yield element


def _events(parser: XMLPullParser[Element]) -> Iterator[tuple[str, Element]]:
    """The parser's pending events; only element events are asked for."""
    return cast(Iterator[tuple[str, Element]], parser.read_events())


def _widened(cells: list[tuple[int, Any]], max_col: int | None) -> tuple[Any, ...]:
    """``_get_row``: as wide as the sheet (or the row's last cell), cells in their columns."""
    if not cells and not max_col:
        return ()
    width = max_col or cells[-1][0]
    row: list[Any] = [None] * width
    for column, value in cells:
        if 1 <= column <= width:
            row[column - 1] = value
    return tuple(row)
