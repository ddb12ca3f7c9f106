"""Blank templates officers fill in: one sheet with the headers, one sheet that explains them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

from funds.imports.kinds import Kind
from funds.imports.reading import INSTRUCTIONS_SHEET


def headers(kind: Kind, *, english: bool = False) -> list[str]:
    """The header row of ``kind``'s template (Chinese unless ``english``)."""
    return [c.en if english else c.zh for c in kind.columns]


def template_csv(kind: Kind, *, english: bool = False) -> str:
    """The CSV template: the header row only."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(headers(kind, english=english))
    return out.getvalue()


def write_template(kind: Kind, path: Path, *, english: bool = False) -> None:
    """Write the template to ``path`` (``.csv``: UTF-8 with BOM, so Excel reads the Chinese)."""
    if path.suffix.lower() == ".csv":
        path.write_text(template_csv(kind, english=english), encoding="utf-8-sig")
        return
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = kind.zh
    sheet.append(headers(kind, english=english))
    for index, column in enumerate(kind.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = max(14, 2 * len(column.zh) + 4)
        if column.field in ("on", "granted_on"):
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    notes = book.create_sheet(INSTRUCTIONS_SHEET)
    notes.append(["列名", "English header", "必填 required", "说明 notes"])
    for column in kind.columns:
        notes.append([column.zh, column.en, "是" if column.required else "否", column.note])
    notes.append([])
    notes.append([f"{kind.zh} ({kind.name}): {kind.summary}"])
    notes.append(
        ["Amounts: bare numbers are 元; 500万, 0.5亿 and 5,000,000.00 are read as written."]
    )
    book.save(path)
