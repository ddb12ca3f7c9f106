"""Page layout shared by every PDF report: styles, tables, and the stamp on every page.

Every page carries the report's title, the data's as-of date, when it was generated and the
ledger's fingerprint at that moment (the newest entry's id and its sha256 hash), so a
printed page can be matched to the ledger it came from. Page numbers read "第 n 页 / 共 m
页"; a report that holds several documents (award statements for many awards) numbers the
pages of each document on its own, marked by :class:`Section` flowables.

The canvas keeps each page's drawing until the end and draws the header and footer in
:meth:`_StampedCanvas.save`, when the page counts are known (the usual reportlab recipe).
Styles are built once per process: building them registers the CJK font, which is slow.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlmodel import Session

from funds.ledger import Ledger
from funds.reports.fonts import cjk_font

PAGE = A4
MARGIN = 16 * mm
WIDTH = PAGE[0] - 2 * MARGIN
"""Usable width of a page, in points."""


@dataclass(frozen=True)
class Stamp:
    """What every page of one report says about where its figures come from."""

    title: str
    as_of: date
    generated_at: datetime
    """When the report was generated (UTC, naive)."""
    head_id: int
    """Id of the newest ledger entry when the report was generated (0: empty ledger)."""
    head_hash: str
    """sha256 hash of that entry: the ledger's fingerprint."""

    @property
    def fingerprint(self) -> str:
        """The ledger fingerprint as printed: ``#209 a6c5…`` (whole hash)."""
        return f"#{self.head_id} {self.head_hash}"


def stamp(session: Session, title: str, as_of: date) -> Stamp:
    """Read the ledger's head now and return the stamp for a report as of ``as_of``."""
    head_id, head_hash = Ledger(session).head()
    now = datetime.now(UTC).replace(tzinfo=None)
    return Stamp(title, as_of, now, head_id, head_hash)


@dataclass(frozen=True)
class Styles:
    """Paragraph styles of the reports, all in the CJK font."""

    font: str
    title: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle


@cache
def styles() -> Styles:
    """Return the report styles (registers the CJK font on first use)."""
    font = cjk_font().name
    body = ParagraphStyle("funds-body", fontName=font, fontSize=9, leading=13)
    return Styles(
        font=font,
        title=ParagraphStyle(
            "funds-title", parent=body, fontSize=15, leading=20, spaceAfter=4 * mm
        ),
        heading=ParagraphStyle(
            "funds-heading",
            parent=body,
            fontSize=11,
            leading=15,
            spaceBefore=4 * mm,
            spaceAfter=2 * mm,
        ),
        body=body,
        small=ParagraphStyle("funds-small", parent=body, fontSize=7.5, leading=10),
        cell=ParagraphStyle("funds-cell", parent=body, fontSize=7.5, leading=9.5),
    )


def title(text: str) -> Paragraph:
    """The title paragraph of a report or section."""
    return Paragraph(escape(text), styles().title)


def heading(text: str) -> Paragraph:
    """A heading inside a report."""
    return Paragraph(escape(text), styles().heading)


def para(text: str, *, small: bool = False) -> Paragraph:
    """A paragraph of plain text (escaped)."""
    return Paragraph(escape(text), styles().small if small else styles().body)


def cell(*lines: str) -> Paragraph:
    """A table cell that wraps (for long texts such as alert messages), one or more lines."""
    return Paragraph("<br/>".join(escape(line) for line in lines if line), styles().cell)


def escape(text: str) -> str:
    """Escape the three characters reportlab's paragraph markup reads."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def gap(height_mm: float = 3) -> Spacer:
    """Vertical space."""
    return Spacer(1, height_mm * mm)


_BASE_TABLE = [
    ("FONTSIZE", (0, 0), (-1, -1), 7.5),
    ("LEADING", (0, 0), (-1, -1), 9.5),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8ecf2")),
    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#46536a")),
    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#c9ced8")),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
]


def data_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    widths: Sequence[float] | None = None,
    numeric: Sequence[int] = (),
    total: bool = False,
) -> Table:
    """A table with a shaded header that repeats on each page.

    ``widths`` are fractions of the page width; ``numeric`` names the right-aligned columns
    (amounts); ``total`` shades and rules off the last row.
    """
    data = [list(header), *[list(r) for r in rows]]
    col_widths = [w * WIDTH for w in widths] if widths else None
    table = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
    commands: list[Any] = [("FONTNAME", (0, 0), (-1, -1), styles().font), *_BASE_TABLE]
    commands += [("ALIGN", (i, 0), (i, -1), "RIGHT") for i in numeric]
    if total and rows:
        commands += [
            ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.HexColor("#46536a")),
            ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f4f6f9")),
        ]
    table.setStyle(TableStyle(commands))
    return table


def key_values(pairs: Sequence[tuple[str, str]], *, columns: int = 2) -> Table:
    """Label-value pairs in ``columns`` column pairs (the head of a statement); values wrap."""
    value_style = ParagraphStyle("funds-value", parent=styles().body, fontSize=8.5, leading=11)
    cells: list[Any] = []
    for label, value in pairs:
        cells += [label, Paragraph(escape(value), value_style)]
    cells += [""] * (-len(cells) % (2 * columns))
    data = [cells[i : i + 2 * columns] for i in range(0, len(cells), 2 * columns)]
    label_w, value_w = 0.16, 1 / columns - 0.16
    widths = [w * WIDTH for _ in range(columns) for w in (label_w, value_w)]
    table = Table(data, colWidths=widths, hAlign="LEFT")
    commands: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), styles().font),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ]
    grey = colors.HexColor("#5a6478")
    commands += [("TEXTCOLOR", (2 * i, 0), (2 * i, -1), grey) for i in range(columns)]
    table.setStyle(TableStyle(commands))
    return table


def signatures(roles: Sequence[str] = ("经办人", "复核人", "负责人")) -> KeepTogether:
    """Lines for the officers who sign a printed statement."""
    cells = [f"{role}（签字）：" for role in roles] + ["日期："]
    data = [cells, ["" for _ in cells]]
    table = Table(data, colWidths=[WIDTH / len(cells)] * len(cells), rowHeights=[12, 22])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles().font),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("LINEBELOW", (0, 1), (-1, 1), 0.5, colors.black),
                ("RIGHTPADDING", (0, 0), (-1, -1), 12),
            ]
        )
    )
    return KeepTogether([gap(6), table])


class Section(Flowable):  # type: ignore[misc]
    """A zero-size marker: the pages from here on belong to document ``name``.

    Page numbers restart for each section, and the section's name is printed in the header.
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.width = self.height = 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv.funds_section = self.name


def _canvas_class(report: Stamp) -> type[canvas.Canvas]:
    font = styles().font

    class _StampedCanvas(canvas.Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.funds_section = ""
            self._funds_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._funds_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            totals = Counter(page["funds_section"] for page in self._funds_pages)
            seen: Counter[str] = Counter()
            for page in self._funds_pages:
                self.__dict__.update(page)
                seen[self.funds_section] += 1
                self._decorate(seen[self.funds_section], totals[self.funds_section])
                super().showPage()
            super().save()

        def _decorate(self, number: int, count: int) -> None:
            width, height = PAGE
            self.saveState()
            self.setFont(font, 8)
            self.setFillColor(colors.HexColor("#46536a"))
            top = height - MARGIN + 5 * mm
            self.drawString(MARGIN, top, report.title)
            if self.funds_section:
                self.drawRightString(width - MARGIN, top, self.funds_section)
            self.setStrokeColor(colors.HexColor("#c9ced8"))
            self.setLineWidth(0.4)
            self.line(MARGIN, top - 2 * mm, width - MARGIN, top - 2 * mm)
            self.line(MARGIN, MARGIN - 3 * mm, width - MARGIN, MARGIN - 3 * mm)
            self.setFont(font, 7)
            made = f"{report.generated_at:%Y-%m-%d %H:%M:%S} UTC"
            self.drawString(
                MARGIN, MARGIN - 7 * mm, f"数据截至 {report.as_of.isoformat()}  ·  生成于 {made}"
            )
            self.drawRightString(width - MARGIN, MARGIN - 7 * mm, f"第 {number} 页 / 共 {count} 页")
            self.drawString(
                MARGIN, MARGIN - 10.5 * mm, f"账本指纹 ledger head {report.fingerprint}"
            )
            self.restoreState()

    return _StampedCanvas


def build_pdf(report: Stamp, story: Sequence[Flowable]) -> bytes:
    """Lay ``story`` out on A4 pages stamped with ``report`` and return the PDF."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN + 2 * mm,
        title=report.title,
        author="funds",
        subject=f"as of {report.as_of.isoformat()}; ledger head {report.fingerprint}",
        creator="funds reports",
    )
    doc.build(list(story), canvasmaker=_canvas_class(report))
    return buffer.getvalue()
