"""Stacked bar charts drawn on the server as SVG: the geometry the year charts share.

A chart is a column a year, each a stack of segments (a category's share of a theme's
findings, a grade's number of councils), on an axis from 0 to a round top. Templates draw
the bars and ticks this computes; the numbers stay in a table beside each chart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str  # what the segment counts: its colour (a category, a grade)
    label: str  # what a reader hovering over it is told


@dataclass(frozen=True)
class Tick:
    value: int
    position: float


@dataclass(frozen=True)
class Layout:
    """A chart's size and margins, in SVG units."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> int:
        return self.top + self.plot_height


Segment = tuple[str, float, str]  # (series, value, label)


def axis_top(largest: float) -> int:
    """The smallest of 4, 8, 20, 40, 60, 80, 100 at least `largest`: four steps of a round
    size (values are per cent, or counts of councils)."""
    for top in (4, 8, 20, 40, 60, 80, 100):
        if largest <= top:
            return top
    return 100


def stacked_bars(
    columns: list[tuple[int, list[Segment]]], layout: Layout, top: int, *, label_every: int = 1
) -> tuple[list[Bar], list[Tick], list[Tick]]:
    """(bars, year ticks, value ticks) for these columns, one a year, stacked from 0.

    Every `label_every`th year gets a tick, so that many years do not crowd the axis.
    """
    band = layout.plot_width / max(len(columns), 1)
    bar_width = min(band * 0.7, 48)
    bars, years = [], []
    for index, (year, segments) in enumerate(columns):
        x = layout.left + index * band + (band - bar_width) / 2
        base = layout.baseline
        for series, value, label in segments:
            if not value:
                continue
            height = layout.plot_height * value / top
            base -= height
            bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(base, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    series=series,
                    label=label,
                )
            )
        if index % label_every == 0:
            years.append(Tick(year, round(layout.left + (index + 0.5) * band, 1)))
    step = max(top // 4, 1)
    ticks = [
        Tick(value, round(layout.top + layout.plot_height * (1 - value / top), 1))
        for value in range(0, top + 1, step)
    ]
    return bars, years, ticks
