"""A dataset drawn as bars (inline SVG, server-side) and written as CSV.

Only geometry is computed here; the template draws it, so every label is escaped there.
Weekly series stand as columns along time, categories as horizontal bars.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format

from backend.moderation.dashboard.selectors import Dataset

WIDTH = 640
# Weekly columns
COLUMNS_HEIGHT = 240
TOP, BOTTOM, LEFT, RIGHT = 24, 32, 8, 8
# Horizontal bars
ROW_HEIGHT = 32
BAR_HEIGHT = 20
LABEL_WIDTH = 200
VALUE_ROOM = 56
LABEL_MAX = 26
# Cells a spreadsheet would run as a formula: written as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Bar:
    label: str  # as the axis shows it (a long name shortened)
    title: str  # the bar's tooltip: the full label and its value
    value: int
    x: int
    y: int
    width: int
    height: int
    label_x: int
    label_y: int
    value_x: int
    value_y: int


@dataclass(frozen=True)
class Chart:
    dataset: Dataset
    width: int
    height: int
    horizontal: bool
    bars: tuple[Bar, ...]
    baseline_y: int

    @property
    def key(self) -> str:
        return self.dataset.key


def label_of(value) -> str:
    if isinstance(value, date):
        return date_format(value, "j/m")
    return str(value)


def _shorten(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1].rstrip() + "…"


def bar_chart(dataset: Dataset) -> Chart:
    """Columns for a weekly series, horizontal bars for categories; an empty chart draws its
    bars flat, never divides by zero."""
    values = [int(row[dataset.plotted]) for row in dataset.rows]
    labels = [label_of(row[0]) for row in dataset.rows]
    highest = max(values, default=0) or 1
    if dataset.over_time:
        return _columns(dataset, labels, values, highest)
    return _rows(dataset, labels, values, highest)


def _columns(dataset, labels, values, highest) -> Chart:
    plot_height = COLUMNS_HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) // max(len(values), 1)
    bar_width = slot * 7 // 10
    baseline = TOP + plot_height
    bars = []
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = round(plot_height * value / highest)
        x = LEFT + n * slot + (slot - bar_width) // 2
        centre = x + bar_width // 2
        bars.append(
            Bar(
                label=label,
                title=f"{label} : {value}",
                value=value,
                x=x,
                y=baseline - height,
                width=bar_width,
                height=height,
                label_x=centre,
                label_y=baseline + 20,
                value_x=centre,
                value_y=baseline - height - 6,
            )
        )
    return Chart(dataset, WIDTH, COLUMNS_HEIGHT, False, tuple(bars), baseline)


def _rows(dataset, labels, values, highest) -> Chart:
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = []
    for n, (label, value) in enumerate(zip(labels, values, strict=True)):
        width = round(room * value / highest)
        y = 8 + n * ROW_HEIGHT
        middle = y + BAR_HEIGHT // 2 + 5
        bars.append(
            Bar(
                label=_shorten(label),
                title=f"{label} : {value}",
                value=value,
                x=LABEL_WIDTH,
                y=y,
                width=width,
                height=BAR_HEIGHT,
                label_x=LABEL_WIDTH - 8,
                label_y=middle,
                value_x=LABEL_WIDTH + width + 6,
                value_y=middle,
            )
        )
    height = 16 + len(bars) * ROW_HEIGHT
    return Chart(dataset, WIDTH, height, True, tuple(bars), height - 8)


def _cell(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def as_csv(dataset: Dataset) -> str:
    """The dataset's table: its header, then one line per row (dates as YYYY-MM-DD)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(dataset.columns)
    for row in dataset.rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()
