"""Theme pieces for templates: the per-year chart, drawn from numbers the view read."""

from django import template

from inspections.charts import Layout, axis_top, stacked_bars
from inspections.selectors import YearCounts

register = template.Library()


# Stacked from the bottom in this order; the legend and the table use it too.
SERIES = [
    ("strength", "Strengths"),
    ("development", "Areas for development"),
    ("priority_action", "Areas for priority action"),
    ("other", "Other findings"),
]
LAYOUT = Layout(width=640, height=260, left=40, right=8, top=12, bottom=30)
MAX_X_LABELS = 14


@register.inclusion_tag("inspections/themes/_year_chart.html")
def year_chart(series: list[YearCounts], title: str) -> dict:
    """A stacked bar chart, as inline SVG drawn on the server, of the theme's share of each
    year's findings, by category: a year that holds more letters is not taller for that."""
    top = axis_top(max((100 * year.total_share for year in series), default=0))
    columns = [
        (
            year.year,
            [
                (
                    key,
                    100 * year.share(getattr(year, key)),
                    f"{year.year}, {name.lower()}: {getattr(year, key)} of {year.all_findings}"
                    f" findings ({100 * year.share(getattr(year, key)):.1f}%)",
                )
                for key, name in SERIES
            ],
        )
        for year in series
    ]
    label_every = -(-len(series) // MAX_X_LABELS) or 1
    bars, years, ticks = stacked_bars(columns, LAYOUT, top, label_every=label_every)
    return {
        "title": title,
        "series": series,
        "legend": SERIES,
        "bars": bars,
        "years": years,
        "ticks": ticks,
        "width": LAYOUT.width,
        "height": LAYOUT.height,
        "left": LAYOUT.left,
        "right": LAYOUT.width - LAYOUT.right,
        "baseline": LAYOUT.baseline,
        "year_label_y": LAYOUT.baseline + 20,
        "total": sum(year.total for year in series),
    }
