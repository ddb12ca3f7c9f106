"""Spreadsheet exports (pandas): the journal, balances, award statements, alerts and planner
results, as Excel workbooks (openpyxl) or CSV files, with Chinese headers.

Every amount is written in 元, and the headline amounts also in 万元, as exact decimals
(``Decimal``, never a float): CSV shows ``5000000.00`` and ``500.00``; Excel stores numbers
and shows them with thousands separators. A workbook is formatted for reading: a bold,
shaded header row that stays in place when scrolling, an autofilter, and column widths that
fit their contents (CJK characters count double). Its last sheet, 说明, says what the figures
are as of and the ledger's fingerprint when the file was made. CSV files carry data only,
in UTF-8 with a byte-order mark so that Excel opens the Chinese correctly; an export with
several tables writes one CSV per table (``name.csv``, ``name.stages.csv``, ...).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from funds.errors import InvalidInput
from funds.money import format_wan_exact, format_yuan
from funds.reports.layout import Stamp

YUAN = "（元）"
WAN = "（万元）"
MONEY_FORMAT = "#,##0.00"


def yuan(fen: int) -> Decimal:
    """An amount in 分 as an exact decimal of 元 (``500000000`` → ``5000000.00``)."""
    return Decimal(fen).scaleb(-2)


def wan(fen: int) -> Decimal:
    """An amount in 分 as an exact decimal of 万元, at least two decimals (→ ``500.00``)."""
    return Decimal(format_wan_exact(fen)[:-1].replace(",", ""))


@dataclass
class Sheet:
    """One table of an export: a sheet of a workbook, or one CSV file."""

    key: str
    """ASCII name, used for the extra CSV files (``name.<key>.csv``)."""
    name: str
    """Sheet name as officers read it (Chinese, at most 31 characters)."""
    frame: pd.DataFrame


@dataclass
class Export:
    """An export: its tables and where its figures come from."""

    title: str
    stamp: Stamp
    sheets: list[Sheet] = field(default_factory=list)


def frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A data frame with exactly ``columns`` (empty exports keep their headers)."""
    return pd.DataFrame(list(rows), columns=list(columns))


def check_target(out: Path) -> None:
    """Refuse a file name that is neither ``.xlsx`` nor ``.csv`` (before any work is done)."""
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise InvalidInput("out", f"{out.name}: exports are written as .xlsx or .csv")


def write(export: Export, out: Path) -> list[Path]:
    """Write ``export`` to ``out`` (``.xlsx`` or ``.csv``); return the files written."""
    check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        out.write_bytes(to_excel(export))
        return [out]
    written = []
    for i, sheet in enumerate(export.sheets):
        path = out if i == 0 else out.with_name(f"{out.stem}.{sheet.key}.csv")
        path.write_bytes(to_csv(sheet))
        written.append(path)
    return written


def to_csv(sheet: Sheet) -> bytes:
    """One table as CSV bytes (UTF-8 with BOM)."""
    text = sheet.frame.to_csv(index=False, lineterminator="\n")
    return ("\ufeff" + text).encode("utf-8")


def to_excel(export: Export) -> bytes:
    """The whole export as an ``.xlsx`` workbook."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for sheet in export.sheets:
            sheet.frame.to_excel(writer, sheet_name=sheet.name[:31], index=False)
            _format(writer.sheets[sheet.name[:31]], sheet.frame)
        about = _about(export)
        about.to_excel(writer, sheet_name="说明", index=False)
        _format(writer.sheets["说明"], about)
    return buffer.getvalue()


def _about(export: Export) -> pd.DataFrame:
    s = export.stamp
    rows = [
        ("报表", export.title),
        ("数据截至", s.as_of.isoformat()),
        ("生成时间（UTC）", f"{s.generated_at:%Y-%m-%d %H:%M:%S}"),
        ("账本最新分录", str(s.head_id)),
        ("账本哈希", s.head_hash),
        ("金额单位", "标注（元）的列为元，标注（万元）的列为万元；均为精确值"),
    ]
    return pd.DataFrame(rows, columns=["项目", "内容"])


_HEADER_FILL = PatternFill("solid", fgColor="E8ECF2")


def _format(ws: Worksheet, data: pd.DataFrame) -> None:
    ws.freeze_panes = "A2"
    if len(data.columns):
        ws.auto_filter.ref = ws.dimensions
    for index, column in enumerate(data.columns, start=1):
        letter = get_column_letter(index)
        head = ws.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = _HEADER_FILL
        head.alignment = Alignment(vertical="center")
        values = [str(v) for v in data[column].head(2000) if v is not None]
        width = max([_display_width(str(column)), *map(_display_width, values)], default=8)
        ws.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        if str(column).endswith((YUAN, WAN)):
            for row in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].number_format = MONEY_FORMAT


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def amounts_text(amounts_json: str) -> str:
    """An alert's named amounts (JSON of 分) as ``received 3,200,000.00元; ...``."""
    amounts: dict[str, int] = json.loads(amounts_json or "{}")
    return "; ".join(f"{k} {format_yuan(v)}元" for k, v in amounts.items())


def day_text(day: date | None) -> str:
    """A date as ISO text, or empty."""
    return day.isoformat() if day else ""
