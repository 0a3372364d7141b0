"""Charts of a pilot's progress, drawn as SVG by hand: no JavaScript and no plotting library, so the same
markup shows on the pilot page and prints in the PDF (WeasyPrint renders inline SVG).

One chart per level-2 indicator group (企业集聚, 平台建设, …). Indicators of a group differ in scale (312
above-scale enterprises beside 6 "little giants"), so each indicator gets a panel of its own, with its own
axis: the actual values over time (期初 at approval, each year's self-assessment, the mid-term and the final
evaluation) as a line, the target as a dashed line and the mid-term target as a diamond at the mid-term
evaluation. Percentages use a 0–100 axis; a count axis starts at 0 and has at least 1 at the top, so an
indicator whose target and values are all 0 still draws. A missing value leaves no point; the line joins
the points there are.

The markup is built with ElementTree, which escapes every text and attribute. Elements carry ``class`` and
``data-*`` attributes (panel, actual, target, midterm-target) for the tests and for styling.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "'WenQuanYi Micro Hei', 'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', sans-serif"

ACTUAL_COLOUR = "#1565c0"
TARGET_COLOUR = "#c62828"
MIDTERM_COLOUR = "#ef6c00"
GRID_COLOUR = "#e0e3e8"
AXIS_COLOUR = "#8a9099"
TEXT_COLOUR = "#1f2328"
MUTED_COLOUR = "#5f6670"

PANEL_WIDTH = 360
PANEL_HEIGHT = 210
HEADER_HEIGHT = 58
PLOT_LEFT = 46
PLOT_RIGHT = 62  # room for the target's label
PLOT_TOP = 40
PLOT_BOTTOM = 30


@dataclass(frozen=True)
class IndicatorSeries:
    """One indicator's values for a chart: ``actuals`` has one value (or None) per period."""

    name: str
    unit: str
    kind: str  # "count" or "percent"
    is_key: bool
    baseline: Decimal | None
    midterm_target: Decimal | None
    target: Decimal | None
    actuals: tuple[Decimal | None, ...]


def format_value(value, kind: str) -> str:
    """Counts without decimals, percentages with one and a per-cent sign."""
    number = Decimal(str(value))
    return f"{number:.1f}%" if kind == "percent" else f"{number:.0f}"


def nice_step(raw: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten, at least ``raw``."""
    exponent = math.floor(math.log10(raw))
    fraction = raw / 10**exponent
    for nice in (1, 2, 2.5, 5, 10):
        if fraction <= nice:
            return nice * 10**exponent
    return 10 ** (exponent + 1)  # pragma: no cover - fraction is below 10


def axis_ticks(values: list[float], kind: str) -> list[float]:
    """The y axis's ticks, from 0: 0–100 by 25 for percentages; up to five steps for counts, whole
    numbers, with some room above the highest value for its label."""
    if kind == "percent":
        return [0, 25, 50, 75, 100]
    top = max([v for v in values if v is not None] + [0])
    if top <= 0:
        return [0, 1]
    step = max(1, nice_step(top * 1.08 / 5))
    count = math.ceil(top * 1.08 / step)
    return [step * i for i in range(count + 1)]


def _tick_label(value: float, kind: str) -> str:
    text = f"{value:g}" if value < 1e6 else f"{value:.3g}"
    return f"{text}%" if kind == "percent" else text


def _sub(parent, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {key.replace("_", "-"): str(value) for key, value in attributes.items()})
    if text is not None:
        element.text = text
    return element


def _fmt(number: float) -> str:
    return f"{number:.1f}"


def _panel(parent, series: IndicatorSeries, periods: list[str], *, x0: float, y0: float, midterm_index: int | None):
    """One indicator's panel with its top-left corner at (x0, y0)."""
    group = _sub(parent, "g", **{"class": "panel", "data_indicator": series.name, "transform": f"translate({x0},{y0})"})
    title = f"{series.name}（{series.unit}）"
    _sub(
        group,
        "text",
        ("★ " if series.is_key else "") + title,
        x=8,
        y=18,
        font_size=13,
        font_weight="bold",
        fill=TEXT_COLOUR,
        **{"class": "panel-title"},
    )

    left, right = PLOT_LEFT, PANEL_WIDTH - PLOT_RIGHT
    top, bottom = PLOT_TOP, PANEL_HEIGHT - PLOT_BOTTOM
    labels = [_("期初"), *periods]
    values = [series.baseline, *series.actuals]
    everything = [float(v) for v in (*values, series.target, series.midterm_target) if v is not None]
    ticks = axis_ticks(everything, series.kind)
    ceiling = ticks[-1]

    def x_at(index: int) -> float:
        return (left + right) / 2 if len(labels) == 1 else left + (right - left) * index / (len(labels) - 1)

    def y_at(value: float) -> float:
        return bottom - (bottom - top) * min(value, ceiling) / ceiling

    for tick in ticks:
        y = _fmt(y_at(tick))
        _sub(group, "line", x1=left, x2=right, y1=y, y2=y, stroke=GRID_COLOUR, stroke_width=1)
        _sub(
            group,
            "text",
            _tick_label(tick, series.kind),
            x=left - 6,
            y=_fmt(y_at(tick) + 3.5),
            font_size=10,
            text_anchor="end",
            fill=MUTED_COLOUR,
            **{"class": "y-label"},
        )
    _sub(group, "line", x1=left, x2=right, y1=bottom, y2=bottom, stroke=AXIS_COLOUR, stroke_width=1)
    for index, label in enumerate(labels):
        _sub(
            group,
            "text",
            label,
            x=_fmt(x_at(index)),
            y=bottom + 16,
            font_size=11,
            text_anchor="middle",
            fill=MUTED_COLOUR,
            **{"class": "x-label"},
        )

    target_y = None if series.target is None else y_at(float(series.target))
    if series.target is not None:
        y = _fmt(target_y)
        _sub(
            group,
            "line",
            x1=left,
            x2=right,
            y1=y,
            y2=y,
            stroke=TARGET_COLOUR,
            stroke_width=1.5,
            stroke_dasharray="6 4",
            **{"class": "target", "data_value": series.target},
        )
        _sub(
            group,
            "text",
            _("目标 %(value)s") % {"value": format_value(series.target, series.kind)},
            x=right + 4,
            y=_fmt(y_at(float(series.target)) + 3.5),
            font_size=10,
            fill=TARGET_COLOUR,
            **{"class": "target-label"},
        )

    diamond_index = None if midterm_index is None else midterm_index + 1
    diamond_y = None if series.midterm_target is None else y_at(float(series.midterm_target))
    if series.midterm_target is not None:
        if midterm_index is not None:
            cx, cy = x_at(midterm_index + 1), y_at(float(series.midterm_target))
            _sub(
                group,
                "path",
                d=f"M{_fmt(cx)} {_fmt(cy - 6)} l6 6 l-6 6 l-6 -6 Z",
                fill="#fff",
                stroke=MIDTERM_COLOUR,
                stroke_width=1.5,
                **{"class": "midterm-target", "data_value": series.midterm_target},
            )
            _sub(
                group,
                "text",
                format_value(series.midterm_target, series.kind),
                x=_fmt(cx + 9),
                y=_fmt(cy + 4),
                font_size=9.5,
                text_anchor="start",
                fill=MIDTERM_COLOUR,
                **{"class": "midterm-label"},
            )
        else:  # no mid-term column: the mid-term target as a dotted line
            y = _fmt(y_at(float(series.midterm_target)))
            _sub(
                group,
                "line",
                x1=left,
                x2=right,
                y1=y,
                y2=y,
                stroke=MIDTERM_COLOUR,
                stroke_width=1,
                stroke_dasharray="2 3",
                **{"class": "midterm-target", "data_value": series.midterm_target},
            )

    points = [
        (x_at(index), y_at(float(value)), index, value) for index, value in enumerate(values) if value is not None
    ]
    if len(points) > 1:
        _sub(
            group,
            "polyline",
            points=" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y, _i, _v in points),
            fill="none",
            stroke=ACTUAL_COLOUR,
            stroke_width=2,
            stroke_linejoin="round",
            **{"class": "actual-line"},
        )
    for x, y, index, value in points:
        _sub(
            group,
            "circle",
            cx=_fmt(x),
            cy=_fmt(y),
            r=3.5,
            fill=ACTUAL_COLOUR,
            **{"class": "actual", "data_label": labels[index], "data_value": value},
        )
        # Above the point, unless the target's line runs there; the first and last flush with the point, so
        # that they stay clear of the axis labels and of the target's label.
        label_y = y - 7
        if index == diamond_index and diamond_y is not None and abs(diamond_y - y) < 16:
            label_y = min(y, diamond_y - 6) - 7  # above the mid-term diamond drawn there too
        if target_y is not None and abs(label_y - 4 - target_y) < 8:
            label_y = y + 15
        anchor = "start" if index == 0 and len(labels) > 1 else "end" if index == len(labels) - 1 else "middle"
        _sub(
            group,
            "text",
            format_value(value, series.kind),
            x=_fmt(x + {"start": 3, "end": -3, "middle": 0}[anchor]),
            y=_fmt(label_y),
            font_size=11,
            text_anchor=anchor,
            fill=ACTUAL_COLOUR,
            **{"class": "actual-label"},
        )
    if all(value is None for value in series.actuals):
        # Top right of the plot, clear of the points (the baseline) and the mid-term diamond.
        _sub(
            group,
            "text",
            _("暂无实际值"),
            x=_fmt(right),
            y=_fmt(top - 8),
            font_size=11,
            text_anchor="end",
            fill=MUTED_COLOUR,
            **{"class": "no-data"},
        )


def _legend(parent, y: float) -> None:
    legend = _sub(parent, "g", **{"class": "legend", "transform": f"translate(8,{y})"})
    _sub(legend, "line", x1=0, x2=22, y1=0, y2=0, stroke=ACTUAL_COLOUR, stroke_width=2)
    _sub(legend, "circle", cx=11, cy=0, r=3.5, fill=ACTUAL_COLOUR)
    _sub(legend, "text", _("实际值"), x=28, y=4, font_size=11, fill=TEXT_COLOUR)
    _sub(legend, "line", x1=90, x2=112, y1=0, y2=0, stroke=TARGET_COLOUR, stroke_width=1.5, stroke_dasharray="6 4")
    _sub(legend, "text", _("目标值"), x=118, y=4, font_size=11, fill=TEXT_COLOUR)
    _sub(legend, "path", d="M186 -6 l6 6 l-6 6 l-6 -6 Z", fill="#fff", stroke=MIDTERM_COLOUR, stroke_width=1.5)
    _sub(legend, "text", _("中期目标"), x=198, y=4, font_size=11, fill=TEXT_COLOUR)
    _sub(legend, "text", _("★ 关键指标"), x=264, y=4, font_size=11, fill=TEXT_COLOUR)


def group_chart(
    title: str, periods: list[str], series: list[IndicatorSeries], *, midterm_index: int | None = None, per_row: int = 2
) -> SafeString:
    """One group's chart: a title, a legend and a panel per indicator, ``per_row`` panels a row.
    ``periods`` are the x-axis labels after 期初; ``midterm_index`` is the mid-term evaluation's place in
    ``periods`` (its diamond goes there)."""
    columns = max(1, min(per_row, len(series)))
    rows = max(1, math.ceil(len(series) / columns))
    width, height = PANEL_WIDTH * columns, HEADER_HEIGHT + PANEL_HEIGHT * rows
    svg = ET.Element(
        "svg",
        {
            "xmlns": SVG_NS,
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "role": "img",
            "aria-label": title,
            "font-family": FONT,
            "class": "zg-chart",
        },
    )
    _sub(svg, "title", title)
    _sub(svg, "rect", x=0, y=0, width=width, height=height, fill="#fff")
    _sub(svg, "text", title, x=8, y=22, font_size=15, font_weight="bold", fill=TEXT_COLOUR, **{"class": "chart-title"})
    _legend(svg, 44)
    for index, item in enumerate(series):
        row, column = divmod(index, columns)
        _panel(
            svg,
            item,
            periods,
            x0=column * PANEL_WIDTH,
            y0=HEADER_HEIGHT + row * PANEL_HEIGHT,
            midterm_index=midterm_index,
        )
    return mark_safe(ET.tostring(svg, encoding="unicode"))  # noqa: S308 - ElementTree escaped every text


def progress_charts(progress, *, per_row: int = 2) -> list[dict]:
    """A chart per level-2 group of a pilot's progress (``evaluation.selectors.progress.Progress``):
    ``[{"group": Group, "svg": SafeString}]``, in the target table's order. ``per_row``: panels a row (3 on
    a screen, 2 on an A4 page, where a wider chart would print too small)."""
    periods = [column.short_label for column in progress.columns]
    keys = [column.key for column in progress.columns]
    midterm_index = keys.index("midterm") if "midterm" in keys else None
    charts = []
    for group in progress.groups:
        series = [
            IndicatorSeries(
                name=row.name,
                unit=row.unit,
                kind=row.kind,
                is_key=row.is_key,
                baseline=row.baseline,
                midterm_target=row.midterm_target,
                target=row.target,
                actuals=tuple(cell.value for cell in row.cells),
            )
            for row in group.rows
        ]
        title = f"{group.level1} · {group.level2}"
        svg = group_chart(title, periods, series, midterm_index=midterm_index, per_row=per_row)
        charts.append({"group": group, "svg": svg})
    return charts
