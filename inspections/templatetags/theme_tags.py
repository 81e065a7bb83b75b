"""Theme pieces for templates: the per-year chart, drawn from numbers the view read."""

from dataclasses import dataclass

from django import template

from inspections.selectors import YearCounts

register = template.Library()


# Stacked from the bottom in this order; the legend and the table use it too.
SERIES = [
    ("strength", "Strengths"),
    ("development", "Areas for development"),
    ("priority_action", "Areas for priority action"),
    ("other", "Other findings"),
]
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 30
MAX_X_LABELS = 14


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str
    label: str


@dataclass(frozen=True)
class Tick:
    value: int
    position: float


@register.inclusion_tag("inspections/themes/_year_chart.html")
def year_chart(series: list[YearCounts], title: str) -> dict:
    """A stacked bar chart, as inline SVG drawn on the server, of the theme's share of each
    year's findings, by category: a year that holds more letters is not taller for that."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _axis_top(max((100 * year.total_share for year in series), default=0))
    band = plot_width / max(len(series), 1)
    bar_width = min(band * 0.7, 48)
    label_every = -(-len(series) // MAX_X_LABELS) or 1
    bars, years = [], []
    for index, year in enumerate(series):
        x = LEFT + index * band + (band - bar_width) / 2
        base = TOP + plot_height
        for key, name in SERIES:
            count = getattr(year, key)
            if not count:
                continue
            percent = 100 * year.share(count)
            height = plot_height * percent / top
            base -= height
            bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(base, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    series=key,
                    label=(
                        f"{year.year}, {name.lower()}: {count} of {year.all_findings}"
                        f" findings ({percent:.1f}%)"
                    ),
                )
            )
        if index % label_every == 0:
            years.append(Tick(value=year.year, position=round(LEFT + (index + 0.5) * band, 1)))
    ticks = [
        Tick(value=value, position=round(TOP + plot_height * (1 - value / top), 1))
        for value in range(0, top + 1, top // 4)
    ]
    return {
        "title": title,
        "series": series,
        "legend": SERIES,
        "bars": bars,
        "years": years,
        "ticks": ticks,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline": TOP + plot_height,
        "year_label_y": TOP + plot_height + 20,
        "total": sum(year.total for year in series),
    }


def _axis_top(largest: float) -> int:
    """The smallest of 4, 8, 20, 40, 60, 80, 100 (per cent) at least `largest`: four steps
    of a round size."""
    for top in (4, 8, 20, 40, 60, 80, 100):
        if largest <= top:
            return top
    return 100
