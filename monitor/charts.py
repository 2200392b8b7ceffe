"""Server-rendered SVG charts for the spending monitor: the geometry in Python, the markup in
templates/monitor/_bar_chart.html and _trend_chart.html. No JavaScript and no inline CSS (the
Content-Security-Policy allows neither); every chart reads in black and white and sits next to
a table with the same figures.

All coordinates are SVG user units (1 unit = 1 px); the templates print them with
{% localize off %}. Text widths are estimated for DejaVu Sans, whose average glyph is about
0.6 em wide, so labels are shortened before they can run into the bars.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _

from portal.templatetags.portal import format_decimal, money, number, percent

FONT_SIZE = 11
CHAR_WIDTH = 6.6  # a generous average for DejaVu Sans at 11 px
ID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")

# Bar chart
BAR_WIDTH = 640
BAR_LABEL_MIN, BAR_LABEL_MAX = 80, 200  # room for the names on the left
BAR_VALUE = 112  # room for an amount at the end of a bar ("€ -1.234.567,89")
BAR_HEIGHT = 14
BAR_GAP = 6
HIGHLIGHT_MARK = "▶ "

# Trend chart
TREND_WIDTH = 640
TREND_LEFT, TREND_RIGHT, TREND_TOP = 92, 24, 12
TREND_PLOT_HEIGHT = 220
TREND_XLABELS = 34  # two lines under the axis: month, year
LEGEND_ROW = 20
LEGEND_SAMPLE = 40  # the width of a line sample in the legend
MAX_SERIES = 4
DASHES = ("", "8 4", "2 3", "10 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")
QUARTER_MONTHS = (1, 4, 7, 10)


@dataclass
class Bar:
    """One bar. A value of None is a suppressed figure: no bar, the chart's hidden_label instead."""

    label: str
    value: Decimal | None
    url: str = ""
    highlighted: bool = False


@dataclass
class Series:
    """One line. A value of None is a gap; dash is an SVG stroke-dasharray ("" picks one)."""

    name: str
    values: list[Decimal | None]
    dash: str = ""


def _r(value: float) -> float:
    return round(value, 1)


def text_width(text: str, font_size: int = FONT_SIZE) -> float:
    return len(text) * CHAR_WIDTH * font_size / FONT_SIZE


def truncate(text: str, width: float) -> str:
    """The text, shortened with an ellipsis so that it fits in about `width` units."""
    room = max(1, int(width / CHAR_WIDTH + 1e-6))
    return text if len(text) <= room else text[: room - 1].rstrip() + "…"


def format_value(value: Decimal, value_format: str) -> str:
    if value_format == "money":
        return money(value)
    if value_format == "number":
        return number(value)
    if value_format == "percent":
        return percent(value, 1)
    raise ValueError(f"Unknown value_format {value_format!r}: use money, number or percent.")


def _ids(chart_id: str) -> dict:
    if not ID_PATTERN.match(chart_id):
        raise ValueError(f"chart_id {chart_id!r} is not a valid id: a letter, then letters, digits, - or _.")
    return {"id": chart_id, "title_id": f"{chart_id}-title", "desc_id": f"{chart_id}-desc"}


# ---------------------------------------------------------------------------------------- bars


def _bar_scale(bars: list[Bar], label_width: float) -> tuple[float, float, float]:
    """(zero_x, units per unit of value, left edge of the plot). Positive bars grow right from
    zero_x, negative ones left; the sum of the largest of each fills the room between them."""
    values = [b.value for b in bars if b.value is not None]
    positive = float(max((v for v in values if v > 0), default=0))
    negative = float(-min((v for v in values if v < 0), default=0))
    left = label_width + (BAR_VALUE if negative else 0)
    room = BAR_WIDTH - left - BAR_VALUE
    extent = positive + negative
    if not extent:
        return left, 0.0, left
    scale = room / extent
    return left + negative * scale, scale, left


def _bar_geometry(bar: Bar, index: int, zero_x: float, scale: float, value_format: str, hidden: str) -> dict:
    y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
    text_y = y + BAR_HEIGHT - 3
    shown = {"y": y, "text_y": text_y, "url": bar.url, "highlighted": bar.highlighted, "full_label": bar.label}
    if bar.value is None:
        return shown | {"rect": False, "value_text": hidden, "value_x": _r(zero_x + 6), "value_anchor": "start"}
    width = float(abs(bar.value)) * scale
    width = 0.0 if bar.value == 0 else max(width, 1.0)
    negative = bar.value < 0
    x = zero_x - width if negative else zero_x
    return shown | {
        "rect": True,
        "x": _r(x),
        "width": _r(width),
        "value_text": format_value(bar.value, value_format),
        "value_x": _r(x - 6) if negative else _r(x + width + 6),
        "value_anchor": "end" if negative else "start",
    }


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: list[Bar],
    *,
    hidden_label: str = "",
    value_format: str = "money",
) -> dict:
    """Horizontal bars in the given order, names on the left, the figure at the end of each bar.
    Grey bars with a black outline; a highlighted bar is solid black with its name in bold after
    a ▶. A bar with a url is a link. A suppressed value (None) draws no bar but hidden_label."""
    hidden = hidden_label or _("not shown")
    longest = max((text_width(HIGHLIGHT_MARK + b.label) for b in bars), default=0)
    label_width = min(max(longest + 14, BAR_LABEL_MIN), BAR_LABEL_MAX)
    zero_x, scale, plot_left = _bar_scale(bars, label_width)
    rows = []
    for index, bar in enumerate(bars):
        row = _bar_geometry(bar, index, zero_x, scale, value_format, hidden)
        mark = HIGHLIGHT_MARK if bar.highlighted else ""
        row["label"] = mark + truncate(bar.label, label_width - 14 - text_width(mark))
        row["tooltip"] = f"{bar.label}: {row['value_text']}"
        rows.append(row)
    height = max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    return _ids(chart_id) | {
        "title": title,
        "description": description,
        "width": BAR_WIDTH,
        "height": height,
        "label_x": _r(label_width - 8),
        "zero_x": _r(zero_x),
        "plot_left": _r(plot_left),
        "bars": rows,
        "empty": not bars,
        "empty_text": _("No figures to show"),
        "has_links": any(b.url for b in bars),
    }


# -------------------------------------------------------------------------------------- trend


def nice_ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    """Gridline values from at or below `low` (never above 0) to at or above `high` (never below
    0): whole-euro steps of 1, 2, 2.5 or 5 times a power of ten, 4 or 5 values for most ranges."""
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    if low == high:
        high = low + 4
    span = high - low
    exponent = max(0, int(math.floor(math.log10(float(span)))) - 1)
    for power in range(exponent, exponent + 4):
        for mantissa in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)):
            step = mantissa * Decimal(10) ** power
            if step != step.to_integral_value():
                continue
            first = (low / step).to_integral_value(rounding=ROUND_FLOOR)
            last = (high / step).to_integral_value(rounding=ROUND_CEILING)
            if last - first <= 4:
                return [(first + i) * step for i in range(int(last - first) + 1)]
    raise AssertionError("unreachable: a step of 10 ** (exponent + 3) always fits")


def month_label(month: datetime.date) -> tuple[str, str]:
    """("jan", "2025") in the active language; Dutch in the portal: jan feb mrt ... okt nov dec."""
    return str(MONTHS_3[month.month]), str(month.year)


def marker_path(kind: str, x: float, y: float) -> str:
    """An SVG path for a marker of about 8 units centred on (x, y)."""
    if kind == "circle":
        return f"M{_r(x - 4)},{_r(y)} a4,4 0 1,0 8,0 a4,4 0 1,0 -8,0 z"
    if kind == "square":
        return f"M{_r(x - 3.5)},{_r(y - 3.5)} h7 v7 h-7 z"
    if kind == "triangle":
        return f"M{_r(x)},{_r(y - 4.5)} L{_r(x + 4.5)},{_r(y + 3.5)} L{_r(x - 4.5)},{_r(y + 3.5)} z"
    return f"M{_r(x)},{_r(y - 5)} L{_r(x + 5)},{_r(y)} L{_r(x)},{_r(y + 5)} L{_r(x - 5)},{_r(y)} z"


def _runs(values: list[Decimal | None], xs: list[float], y_of) -> list[list[tuple[float, float]]]:
    """The points of each unbroken stretch of values; None ends a stretch."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for x, value in zip(xs, values, strict=True):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((x, y_of(value)))
    if current:
        runs.append(current)
    return runs


def _x_ticks(months: list[datetime.date], xs: list[float], bottom: float) -> list[dict]:
    """A short tick per month; per quarter a long tick with "jan" above "2025"."""
    labelled = {i for i, m in enumerate(months) if m.month in QUARTER_MONTHS} or {0}
    ticks = []
    for index, (month, x) in enumerate(zip(months, xs, strict=True)):
        name, year = month_label(month)
        long = index in labelled
        ticks.append({"x": x, "y2": bottom + (6 if long else 3), "labelled": long, "month": name, "year": year})
    return ticks


def _legend(series: list[dict], top: float) -> tuple[list[dict], float]:
    """Legend items in rows across the chart: a line sample with its marker, then the name."""
    x, y, items = float(TREND_LEFT), top, []
    for line in series:
        name = truncate(line["name"], TREND_WIDTH - TREND_LEFT - TREND_RIGHT - LEGEND_SAMPLE - 8)
        width = LEGEND_SAMPLE + 6 + text_width(name) + 24
        if x > TREND_LEFT and x + width > TREND_WIDTH - TREND_RIGHT:
            x, y = float(TREND_LEFT), y + LEGEND_ROW
        middle = y + LEGEND_ROW / 2
        items.append(
            line
            | {
                "legend_name": name,
                "legend_x1": _r(x),
                "legend_x2": _r(x + LEGEND_SAMPLE),
                "legend_y": _r(middle),
                "legend_text_x": _r(x + LEGEND_SAMPLE + 6),
                "legend_text_y": _r(middle + 4),
                "legend_marker": marker_path(line["marker"], x + LEGEND_SAMPLE / 2, middle),
            }
        )
        x += width
    return items, y + LEGEND_ROW


def _check_series(months: list[datetime.date], series: list[Series]) -> None:
    if len(series) > MAX_SERIES:
        raise ValueError(f"At most {MAX_SERIES} series: more lines do not read in black and white.")
    for line in series:
        if len(line.values) != len(months):
            raise ValueError(f"Series {line.name!r} has {len(line.values)} values for {len(months)} months.")


def trend_chart(chart_id: str, title: str, description: str, months: list[datetime.date], series: list[Series]) -> dict:
    """Lines over the months (up to 36), the y axis from 0 (or below, for negative values) with
    whole-euro gridlines. Each series has its own dash pattern and marker shape (circle, square,
    triangle, diamond) and is named in a legend inside the chart; None leaves a gap."""
    _check_series(months, series)
    values = [v for line in series for v in line.values if v is not None]
    ticks = nice_ticks(min(values, default=Decimal(0)), max(values, default=Decimal(0)))
    bottom, right = TREND_TOP + TREND_PLOT_HEIGHT, TREND_WIDTH - TREND_RIGHT
    low, span = float(ticks[0]), float(ticks[-1] - ticks[0])

    def y_of(value: Decimal) -> float:
        return _r(bottom - (float(value) - low) / span * TREND_PLOT_HEIGHT)

    step = (right - TREND_LEFT) / (len(months) - 1) if len(months) > 1 else 0
    xs = [_r(TREND_LEFT + i * step) if step else _r((TREND_LEFT + right) / 2) for i in range(len(months))]
    lines = []
    for index, line in enumerate(series):
        runs = _runs(line.values, xs, y_of)
        marker = MARKERS[index]
        lines.append(
            {
                "name": line.name,
                "dash": line.dash or DASHES[index],
                "marker": marker,
                "hollow": index % 2 == 1,
                "runs": [" ".join(f"{x},{y}" for x, y in run) for run in runs],
                "markers": [marker_path(marker, x, y) for run in runs for x, y in run],
            }
        )
    lines, height = _legend(lines, bottom + TREND_XLABELS)
    gridlines = [{"y": y_of(t), "label": "€\u00a0" + format_decimal(t, 0), "zero": t == 0} for t in ticks]
    return _ids(chart_id) | {
        "title": title,
        "description": description,
        "width": TREND_WIDTH,
        "height": int(math.ceil(height + 4)),
        "left": TREND_LEFT,
        "right": right,
        "top": TREND_TOP,
        "bottom": bottom,
        "gridlines": gridlines if values else [],
        "x_ticks": _x_ticks(months, xs, bottom),
        "label_y": bottom + 18,
        "series": lines,
        "empty": not values,
        "empty_text": _("No figures to show"),
    }
