"""Bar charts for the PDF reports (reportlab graphics), labelled in the CJK font.

Amounts arrive in 分 and are drawn in 万元. The conversion to ``float`` happens here and only
for geometry: a bar's length, never a printed figure (printed figures come from
:mod:`funds.money`).
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from funds.money import FEN_PER_WAN
from funds.reports.layout import WIDTH, styles

PALETTE = (
    colors.HexColor("#3b6ea5"),
    colors.HexColor("#e0a030"),
    colors.HexColor("#8fa9c7"),
    colors.HexColor("#b5524a"),
    colors.HexColor("#6a9a5b"),
)

Series = tuple[str, Sequence[int]]
"""A named series of amounts in 分, one per category."""


def wan(fen: int) -> float:
    """An amount in 分 as 万元, for drawing only."""
    return fen / FEN_PER_WAN


def bar_chart(
    caption: str, categories: Sequence[str], series: Sequence[Series], *, horizontal: bool = False
) -> Drawing:
    """A grouped bar chart of ``series`` over ``categories`` (万元), with a legend.

    Horizontal charts suit many categories (cities); their height grows with the count.
    """
    font = styles().font
    rows = max(len(categories), 1)
    height = 60 + rows * (10 + 6 * len(series)) if horizontal else 190
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart() if horizontal else VerticalBarChart()
    left = 80 if horizontal else 45
    chart.x, chart.y = left, 30
    chart.width, chart.height = WIDTH - left - 120, height - 55
    chart.data = [[wan(v) for v in values] or [0.0] for _, values in series]
    chart.categoryAxis.categoryNames = list(categories) or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = "{:,.0f}".format
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#e3e6ec")
    if horizontal:
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -3
        chart.categoryAxis.reverseDirection = True
    chart.barSpacing = 0.5
    chart.groupSpacing = 4
    for i in range(len(series)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    drawing.add(_legend(series, x=WIDTH - 110, y=height - 30))
    drawing.add(String(0, height - 12, caption, fontName=font, fontSize=9))
    drawing.add(String(left, 8, "单位：万元", fontName=font, fontSize=7, fillColor=colors.grey))
    return drawing


def _legend(series: Sequence[Series], *, x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName = styles().font
    legend.fontSize = 7.5
    legend.alignment = "right"
    legend.boxAnchor = "nw"
    legend.columnMaximum = 8
    legend.dxTextSpace = 4
    legend.colorNamePairs = [
        (PALETTE[i % len(PALETTE)], name) for i, (name, _) in enumerate(series)
    ]
    return legend
