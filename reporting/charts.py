"""Charts drawn on the server as SVG: grouped bars and lines with a scaled axis and a legend.

No script and no inline style (the content security policy allows neither): shapes carry classes
the stylesheet colours, and every chart has a title, a description and per-point tooltips, with the
same figures in a table next to it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import get_format, number_format

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 44
MAX_LABELS = 12


@dataclass
class Series:
    name: Any
    values: list[float | int | None]


@dataclass
class Chart:
    key: str
    title: Any
    labels: list[str]
    series: list[Series]
    kind: str = "bar"  # "bar" or "line"
    unit: str = ""  # shown after tick values, e.g. "%"
    description: Any = ""
    geometry: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.geometry = layout(self)

    @property
    def empty(self) -> bool:
        return not self.labels or all(value in (None, 0) for series in self.series for value in series.values)


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: float, digits: int) -> str:
    """In the reader's language (decimal and thousands separators), trailing zeros dropped."""
    text = number_format(round(value, digits), digits, force_grouping=True)
    if digits:
        separator = get_format("DECIMAL_SEPARATOR")
        text = text.rstrip("0").rstrip(separator) if separator in text else text
    return text


def _fmt(value: float) -> str:
    """An axis tick: short (thousands as k, millions as M)."""
    if abs(value) >= 1_000_000:
        return _number(value / 1_000_000, 2) + "M"
    if abs(value) >= 10_000:
        return _number(value / 1_000, 1) + "k"
    if abs(value) >= 10 or value == int(value):
        return _number(value, 0)
    return _number(value, 2)


def _full(value: float) -> str:
    """A point's exact value, for its tooltip."""
    return _number(value, 0 if value == int(value) else 2)


def layout(chart: Chart) -> dict[str, Any]:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [float(v) for series in chart.series for v in series.values if v is not None]
    # The axis always holds zero; below it (an NPS, a loss) it goes as far as the lowest value needs.
    high, low = max([*values, 0.0]), min([*values, 0.0])
    step = nice_ceiling((high - low) / 4) if high > low else 0.25
    bottom = math.floor(low / step) * step
    steps = max(1, math.ceil((high - bottom) / step))
    top = bottom + steps * step
    span = top - bottom
    ticks = [
        {"y": round(TOP + plot_h - plot_h * i / steps, 1), "label": _fmt(bottom + step * i) + chart.unit}
        for i in range(steps + 1)
    ]
    count = max(len(chart.labels), 1)
    group_w = plot_w / count
    every = max(1, math.ceil(count / MAX_LABELS))
    # Labels longer than their slot are shortened; the full text stays in the tooltip.
    room = max(3, int(group_w * every / 6.5))
    labels = [
        {
            "x": round(LEFT + group_w * (i + 0.5), 1),
            "text": text if len(text) <= room else text[: room - 1].rstrip() + "…",
            "full": text,
        }
        for i, text in enumerate(str(label) for label in chart.labels)
        if i % every == 0
    ]

    def y_of(value: float) -> float:
        return round(TOP + plot_h - plot_h * (value - bottom) / span, 1)

    zero = y_of(0.0)

    shapes: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    n_series = max(len(chart.series), 1)
    bar_w = group_w * 0.8 / n_series
    for s_index, series in enumerate(chart.series):
        points = []
        for i, value in enumerate(series.values):
            if value is None:
                continue
            tip = f"{series.name} · {chart.labels[i]}: {_full(float(value))}{chart.unit}"
            if chart.kind == "line":
                point = {"x": round(LEFT + group_w * (i + 0.5), 1), "y": y_of(float(value)), "tip": tip}
                points.append(point)
            else:
                y = y_of(float(value))
                shapes.append(
                    {
                        "x": round(LEFT + group_w * i + group_w * 0.1 + bar_w * s_index, 1),
                        "y": min(y, zero),
                        "w": round(max(bar_w - 1, 1), 1),
                        "h": round(abs(zero - y), 1),
                        "series": s_index,
                        "tip": tip,
                    }
                )
        if chart.kind == "line":
            lines.append(
                {
                    "series": s_index,
                    "path": " ".join(f"{p['x']},{p['y']}" for p in points),
                    "points": points,
                }
            )
    legend = [{"series": i, "name": series.name} for i, series in enumerate(chart.series)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": zero,
        "label_y": TOP + plot_h + 18,  # labels stay under the plot, even when the zero line is higher
        "ticks": ticks,
        "labels": labels,
        "bars": shapes,
        "lines": lines,
        "legend": legend if len(chart.series) > 1 else [],
    }
