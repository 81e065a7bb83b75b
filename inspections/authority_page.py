"""A council's page at any size: its letters counted by year, type and month, and listed a
page at a time.

At 100,000 letters a council has ~700 letters, and its page once listed every one (and
again under each recurring theme): 977 KB and 2.8 s. What it shows now grows with the years
a council spans, not with its letters; the letters page (`/letters/?authority=<slug>`)
searches and filters them all.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncMonth

from inspections import grades, selectors
from inspections.browse import Notice, page_number
from inspections.caching import cached_counts
from inspections.models import Authority, InspectionType, JudgementArea

LETTERS_PER_PAGE = 20


def letters_page(
    authority: Authority, *, asked: str | None, count: int
) -> tuple[Page, list[Notice]]:
    """The page `asked` (the raw `?page=`) of the council's letters, newest first, each with
    its counts; a number out of range gives the nearest page, with a notice saying so.

    `count` is the council's number of letters as its overview counted them (the same
    data version): the page is then read in one statement, not a COUNT and the page."""
    paginator = Paginator(selectors.authority_letters(authority), LETTERS_PER_PAGE)
    paginator.count = count  # a cached_property, given rather than counted
    number, notices = page_number(asked, paginator.num_pages)
    page = paginator.page(number)
    page.object_list = list(selectors.with_finding_counts(page.object_list))
    return page, notices


@dataclass(frozen=True)
class LetterMonth:
    """The council's letters (reports apart) of one month: one mark on its grade chart."""

    month: datetime.date  # its first day
    count: int
    first_date: datetime.date
    first_type: str  # the first letter's inspection type: the only one's, when count is 1

    @property
    def label(self) -> str:
        if self.count == 1:
            return f"{InspectionType(self.first_type).label}, {self.first_date:%-d %B %Y}"
        return f"{self.count} letters, {self.month:%B %Y}"


@dataclass
class YearRow:
    """The council's letters and reports of one year, and its grade at the year's end."""

    year: int
    letters: int = 0  # reports included
    priority_action: int = 0  # letters naming an area for priority action
    by_type: Counter[str] = field(default_factory=Counter)
    overall_grade: str = grades.NO_GRADE  # from the latest report on or before 31 December

    @property
    def types(self) -> list[tuple[str, int]]:
        """(label, count) of each inspection type in the year, most first."""
        return [
            (InspectionType(kind).label, count)
            for kind, count in sorted(self.by_type.items(), key=lambda item: (-item[1], item[0]))
        ]


@dataclass(frozen=True)
class Summary:
    letters: int  # reports included
    years: list[YearRow]  # every year from the first letter's to the last's, oldest first
    types: list[tuple[str, str, int]]  # (inspection type, label, letters), most first
    months: list[LetterMonth]  # months with letters (reports apart), oldest first


def summary(authority: Authority, *, reports: list[grades.HistoryRow]) -> Summary:
    """The council's letters counted by year, type and month, in one grouped statement
    (a row per month and type, read through its index by council and date); `reports` (from
    grades.grade_history) give each year's overall effectiveness at its end."""
    rows = (
        authority.inspections.annotate(month=TruncMonth("letter_date"))
        .values("month", "inspection_type")
        .annotate(
            count=Count("pk"),
            priority_action=Count("pk", filter=Q(priority_action=True)),
            first_date=Min("letter_date"),
        )
        .order_by("month", "inspection_type")
    )
    years: dict[int, YearRow] = {}
    types: Counter[str] = Counter()
    months: dict[datetime.date, list[dict]] = {}
    for row in rows:
        number = row["month"].year
        year = years[number] if number in years else years.setdefault(number, YearRow(number))
        year.letters += row["count"]
        year.priority_action += row["priority_action"]
        year.by_type[row["inspection_type"]] += row["count"]
        types[row["inspection_type"]] += row["count"]
        if row["inspection_type"] != grades.REPORT:  # reports are marked one by one
            months.setdefault(row["month"], []).append(row)
    for number in range(min(years, default=0), max(years, default=0)):  # years between
        years.setdefault(number, YearRow(number))
    _grade_each_year_end(years, reports)
    return Summary(
        letters=sum(types.values()),
        years=[years[number] for number in sorted(years)],
        types=[
            (kind, InspectionType(kind).label, count)
            for kind, count in sorted(types.items(), key=lambda item: (-item[1], item[0]))
        ],
        months=[_letter_month(month, month_rows) for month, month_rows in months.items()],
    )


def _letter_month(month: datetime.date, rows: list[dict]) -> LetterMonth:
    first = min(rows, key=lambda row: (row["first_date"], row["inspection_type"]))
    return LetterMonth(
        month=month,
        count=sum(row["count"] for row in rows),
        first_date=first["first_date"],
        first_type=first["inspection_type"],
    )


def _grade_each_year_end(years: dict[int, YearRow], reports: list[grades.HistoryRow]) -> None:
    """Each year's overall effectiveness: the latest report dated that year or before."""
    overall = [
        (row.inspection.letter_date.year, row.grades[JudgementArea.OVERALL_EFFECTIVENESS])
        for row in reports  # oldest first
        if JudgementArea.OVERALL_EFFECTIVENESS in row.grades
    ]
    for number, year in years.items():
        for report_year, grade in overall:
            if report_year <= number:
                year.overall_grade = grade


@dataclass
class Overview:
    """What a council's page shows besides its page of letters: its reports' grades, its
    letters counted by year, type and month, and its recurring weaknesses."""

    history: list[grades.HistoryRow]
    summary: Summary
    recurring: list[selectors.RecurringTheme]


def overview(authority: Authority) -> Overview:
    """The council's overview, counted once a data version (an import, a retag or an edit
    makes it anew): its recurring themes read every weakness finding of the council's
    (3,300 at 700 letters), half the page's cost."""

    def count() -> Overview:
        history = grades.grade_history(authority)
        return Overview(
            history=history,
            summary=summary(authority, reports=history),
            recurring=selectors.recurring_themes(authority),
        )

    return cached_counts(f"council:{authority.pk}", count)
