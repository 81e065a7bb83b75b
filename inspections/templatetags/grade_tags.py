"""Grade charts drawn on the server as inline SVG: a council's grades over time, and the
national picture year by year. Each comes with a table of the same numbers beside it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import template

from inspections import grades
from inspections.charts import Layout, Tick, axis_top, stacked_bars

register = template.Library()

# A grade's few letters, written in its band where there is room: colour is never the
# only way to tell grades apart.
GRADE_ABBREVIATIONS = {
    "outstanding": "Outst.",
    "good": "Good",
    "requires_improvement": "RI",
    "inadequate": "Inad.",
    "not_graded": "NG",
}


@register.filter
def grade_label(grade: str) -> str:
    return grades.grade_label(grade)


@register.filter
def grade_rank(grade: str) -> int:
    return grades.grade_rank(grade)


@register.filter
def area_label(area: str) -> str:
    return grades.AREA_SHORT.get(area, area)


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    grade: str
    label: str  # for the tooltip
    text: str  # written inside, where it fits
    text_x: float
    url: str


@dataclass(frozen=True)
class Mark:
    x: float
    is_report: bool
    label: str


@dataclass(frozen=True)
class Lane:
    name: str
    y: float
    middle: float
    bands: list[Band]


TIMELINE = {"width": 760, "left": 150, "right": 16, "top": 8, "lane": 30, "bottom": 28}


@register.inclusion_tag("inspections/_grade_timeline.html")
def grade_timeline(history: list[grades.HistoryRow], months: list, name: str) -> dict:
    """Each judgement a lane: a band per report, in its grade's colour, lasting until the
    next report to grade it; below, every report and each month's letters (`months`, from
    authority_page.summary) as marks on the same axis: a mark a month, whatever the number
    of letters."""
    if not history:
        return {"history": []}
    size = TIMELINE
    dates = sorted(
        [row.inspection.letter_date for row in history] + [month.first_date for month in months]
    )
    start = datetime.date(dates[0].year, 1, 1)
    end = datetime.date(dates[-1].year + 1, 1, 1)
    plot_width = size["width"] - size["left"] - size["right"]

    def x(date: datetime.date) -> float:
        return round(size["left"] + plot_width * (date - start).days / (end - start).days, 1)

    lanes = []
    for index, area in enumerate(grades.AREAS):
        graded = [row for row in history if area in row.grades]
        bands = []
        for number, row in enumerate(graded):
            left = x(row.inspection.letter_date)
            right = (
                x(graded[number + 1].inspection.letter_date)
                if number + 1 < len(graded)
                else size["width"] - size["right"]
            )
            grade = row.grades[area]
            width = round(max(right - left, 2), 1)
            bands.append(
                Band(
                    x=left,
                    width=width,
                    grade=grade,
                    label=f"{grades.AREA_SHORT[area]}: {grade_label(grade)} "
                    f"(report of {row.inspection.letter_date:%-d %B %Y})",
                    text=GRADE_ABBREVIATIONS.get(grade, "") if width >= 34 else "",
                    text_x=round(left + 4, 1),
                    url=row.inspection.get_absolute_url(),
                )
            )
        y = size["top"] + index * size["lane"]
        lanes.append(Lane(grades.AREA_SHORT[area], y, y + size["lane"] / 2, bands))
    marks_y = size["top"] + len(lanes) * size["lane"] + size["lane"] / 2
    marks = [
        Mark(x=x(month.first_date), is_report=False, label=month.label) for month in months
    ] + [
        Mark(
            x=x(row.inspection.letter_date),
            is_report=True,
            label=f"{row.inspection.get_inspection_type_display()}, "
            f"{row.inspection.letter_date:%-d %B %Y}",
        )
        for row in history
    ]
    baseline = size["top"] + (len(lanes) + 1) * size["lane"]
    years = list(range(start.year, end.year + 1))
    every = -(-len(years) // 12) or 1
    ticks = [
        Tick(year, x(datetime.date(year, 1, 1)))
        for number, year in enumerate(years)
        if number % every == 0
    ]
    return {
        "name": name,
        "history": history,
        "lanes": lanes,
        "marks": marks,
        "marks_y": marks_y,
        "ticks": ticks,
        "width": size["width"],
        "height": baseline + size["bottom"],
        "left": size["left"],
        "right": size["width"] - size["right"],
        "lane_height": size["lane"] - 6,
        "baseline": baseline,
        "year_label_y": baseline + 18,
        "legend": [(grade, grade_label(grade)) for grade in [*grades.GRADES, "not_graded"]],
        "areas": grades.AREAS,
        "report_count": len(history),
        "letter_count": sum(month.count for month in months),
    }


CHART = Layout(width=720, height=300, left=44, right=12, top=12, bottom=32)


@register.inclusion_tag("inspections/_grade_year_chart.html")
def grade_year_chart(series: list[grades.YearGrades]) -> dict:
    """Stacked bars, one a year: councils by their latest overall effectiveness grade."""
    top = axis_top(max((year.total for year in series), default=0))
    columns = [
        (
            year.year,
            [
                (
                    grade,
                    year.counts.get(grade, 0),
                    f"{year.year}, {grade_label(grade).lower()}: {year.counts.get(grade, 0)}",
                )
                for grade in grades.GRADES
            ],
        )
        for year in series
    ]
    bars, years, ticks = stacked_bars(columns, CHART, top)
    return {
        "series": series,
        "bars": bars,
        "years": years,
        "ticks": ticks,
        "legend": [(grade, grade_label(grade)) for grade in grades.GRADES],
        "width": CHART.width,
        "height": CHART.height,
        "left": CHART.left,
        "right": CHART.width - CHART.right,
        "baseline": CHART.baseline,
        "year_label_y": CHART.baseline + 20,
    }
