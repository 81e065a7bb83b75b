"""Grades: what full inspection reports (ILACS) judged, read for the pages.

A council's grade in a judgement is the one its latest report to grade that judgement gave
(care leavers were graded apart only from 2023: a council last inspected before has no such
grade). "At the time" of a letter, it is the latest such report dated on or before the
letter. Both are correlated subqueries on one report's judgement, walked through the
partial index of reports by council and date (migration 0009), so filtering and counting
by grade never loads reports into Python.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Lead
from django.urls import reverse

from inspections.models import (
    Authority,
    Grade,
    Inspection,
    InspectionType,
    Judgement,
    JudgementArea,
)

REPORT = InspectionType.ILACS
AREAS: list[str] = list(JudgementArea.values)
# Best first: the order of columns, legends and sorting.
GRADES: list[str] = [Grade.OUTSTANDING, Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE]
GRADE_LABELS: dict[str, str] = dict(Grade.choices)
# A facet value for "no report has graded it", so a facet's counts add up to the results.
NO_GRADE = "none"
# Short names for column heads and facet titles; JudgementArea's labels are Ofsted's words.
AREA_SHORT = {
    JudgementArea.OVERALL_EFFECTIVENESS: "Overall effectiveness",
    JudgementArea.LEADERSHIP: "Leaders",
    JudgementArea.HELP_AND_PROTECTION: "Help and protection",
    JudgementArea.CHILDREN_IN_CARE: "Children in care",
    JudgementArea.CARE_LEAVERS: "Care leavers",
}
GRADE_SHORT = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate",
    Grade.NOT_GRADED: "Not graded",
}


def reports() -> QuerySet[Inspection]:
    return Inspection.objects.filter(inspection_type=REPORT)


def latest_grade(
    area: str, *, authority: str = "authority_id", on_or_before: str | None = None
) -> Coalesce:
    """The grade in `area` of the latest report about the row's council, or NO_GRADE.

    `authority` names the row's council id; with `on_or_before` (a date field of the row),
    only reports dated on or before it count: the grade "at the time".
    """
    judgements = Judgement.objects.filter(
        area=area,
        inspection__inspection_type=REPORT,
        inspection__authority_id=OuterRef(authority),
    )
    if on_or_before:
        judgements = judgements.filter(inspection__letter_date__lte=OuterRef(on_or_before))
    newest = judgements.order_by("-inspection__letter_date", "-inspection_id").values("grade")[:1]
    return Coalesce(Subquery(newest), Value(NO_GRADE), output_field=CharField())


def own_grade(area: str) -> Coalesce:
    """The grade the row's own report gave in `area`; NO_GRADE for a letter (or not judged)."""
    judged = Judgement.objects.filter(inspection=OuterRef("pk"), area=area).values("grade")
    return Coalesce(Subquery(judged[:1]), Value(NO_GRADE), output_field=CharField())


def grade_at_time_of_finding() -> Coalesce:
    """A finding's council's overall effectiveness when its letter was written (a report's
    own findings count under the grade that report gave)."""
    return latest_grade(
        JudgementArea.OVERALL_EFFECTIVENESS,
        authority="authority_id",
        on_or_before="letter_date",
    )


def grade_periods(area: str) -> QuerySet:
    """Each report's grade in `area` and the dates it held: from the report's date until
    the council's next report to grade `area` (None: still current).

    Rows `authority_id`, `since`, `until`, `grade`: a few hundred. Counting findings by the
    grade at the time joins these on council and date (facets/counting_sql.py), one hash
    probe a finding, where `grade_at_time_of_finding()` runs a subquery for each finding (a
    second a million).
    Two reports on one day: the later id holds from that day, as `latest_grade` orders them.
    """
    return (
        Judgement.objects.filter(area=area, inspection__inspection_type=REPORT)
        .annotate(
            authority_id=F("inspection__authority_id"),
            since=F("inspection__letter_date"),
            until=Window(
                Lead("inspection__letter_date"),
                partition_by=[F("inspection__authority_id")],
                order_by=[F("inspection__letter_date").asc(), F("inspection_id").asc()],
            ),
        )
        .values("authority_id", "since", "until", "grade")
        .order_by()
    )


# Filtering by a council's grade now asks the other way round from counting: not "what is
# this row's grade" for every row (a subquery each), but "which councils hold a chosen
# grade", a few rows the planner joins once (at 100,000 letters, ~500 ms to ~300 ms for the
# whole letters page). The grade at the time depends on each letter's date, so it stays a
# subquery a letter, which the planner checks on the letter before joining its findings.


def councils_graded(area: str, chosen: list[str]) -> Q:
    """Rows (with an `authority_id`) whose council's latest grade in `area` is one chosen."""
    councils = (
        Authority.objects.alias(grade=latest_grade(area, authority="pk"))
        .filter(grade__in=chosen)
        .values("pk")
    )
    return Q(authority_id__in=councils)


def grade_label(grade: str) -> str:
    """A grade code in words: "requires_improvement" -> "Requires improvement"."""
    return dict(grade_choices()).get(grade, grade)


def export_name() -> str:
    return f"grades-{datetime.date.today():%Y-%m-%d}.csv"


def grade_choices() -> list[tuple[str, str]]:
    return [*((grade, GRADE_SHORT[grade]) for grade in [*GRADES, Grade.NOT_GRADED])] + [
        (NO_GRADE, "No grade yet")
    ]


def judgements_in_order(inspection: Inspection) -> list[Judgement]:
    """A report's judgements (prefetched) in the order Ofsted lists them, overall first."""
    return sorted(inspection.judgements.all(), key=lambda judgement: AREAS.index(judgement.area))


# -- A council's page ---------------------------------------------------------------------


@dataclass
class HistoryRow:
    """One report on a council's line of time, with its grades."""

    inspection: Inspection
    grades: dict[str, str] = field(default_factory=dict)  # area -> grade

    @property
    def is_report(self) -> bool:
        return self.inspection.inspection_type == REPORT

    @property
    def cells(self) -> list[str]:
        """Its grade in each area, in AREAS order ("" where it gave none)."""
        return [self.grades.get(area, "") for area in AREAS]


def grade_history(authority: Authority) -> list[HistoryRow]:
    """Every report about the council, oldest first, with its grades.

    Reports only: a council's letters (hundreds at 100,000 letters) are counted by month for
    its chart and by year for its table (see authority_page).
    """
    inspections = (
        reports()
        .filter(authority=authority)
        .order_by("letter_date", "pk")
        .only("pk", "inspection_type", "letter_date", "framework", "title", "authority_id")
        .prefetch_related(Prefetch("judgements", queryset=Judgement.objects.order_by()))
    )
    return [
        HistoryRow(inspection, {j.area: j.grade for j in inspection.judgements.all()})
        for inspection in inspections
    ]


# -- The national view --------------------------------------------------------------------

# Sortable columns: the query parameter's value and what it orders by.
SORT_COLUMNS = ["council", "region", "date", *AREAS]
DEFAULT_SORT = "council"


def _grade_rank(column: str) -> Case:
    """A grade column as a number to sort by: outstanding 1 ... inadequate 4, then the rest."""
    return Case(
        *(When(**{column: grade}, then=Value(rank)) for rank, grade in enumerate(GRADES, 1)),
        default=Value(len(GRADES) + 1),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class NationalRow:
    authority: Authority
    report_id: int
    report_date: datetime.date
    framework: str
    grades: list[str]  # in AREAS order; NO_GRADE where none


def national_table(sort: str = DEFAULT_SORT) -> tuple[list[NationalRow], str]:
    """Every council with a report, with its latest grade in each judgement, sorted.

    `sort` is a column of SORT_COLUMNS, "-" before it for the other way; anything else
    sorts by council. Grades sort best first (outstanding to inadequate, then ungraded).
    Returns the rows and the sort applied.
    """
    descending = sort.startswith("-")
    column = sort.removeprefix("-")
    if column not in SORT_COLUMNS:
        column, descending = DEFAULT_SORT, False
    latest = reports().filter(authority=OuterRef("pk")).order_by("-letter_date", "-pk")
    authorities = Authority.objects.annotate(
        report_id=Subquery(latest.values("pk")[:1]),
        report_date=Subquery(latest.values("letter_date")[:1]),
        report_framework=Subquery(latest.values("framework")[:1]),
        **{f"grade_{area}": latest_grade(area, authority="pk") for area in AREAS},
    ).filter(report_id__isnull=False)
    if column == "council":
        key = F("name")
    elif column == "region":
        key = F("region")
    elif column == "date":
        key = F("report_date")
    else:
        key = _grade_rank(f"grade_{column}")
    key = key.desc() if descending else key.asc()
    # Ties (many councils share a grade) in name order, whichever way the column goes.
    authorities = authorities.order_by(key, "name", "slug")
    rows = [
        NationalRow(
            authority=authority,
            report_id=authority.report_id,
            report_date=authority.report_date,
            framework=authority.report_framework,
            grades=[getattr(authority, f"grade_{area}") for area in AREAS],
        )
        for authority in authorities
    ]
    return rows, ("-" if descending else "") + column


COLUMN_LABELS = {
    "council": "Council",
    "region": "Region",
    "date": "Latest report",
    **AREA_SHORT,
}


@dataclass(frozen=True)
class SortHeader:
    """A column head of the national table: the link that sorts by it, and how it is sorted."""

    column: str
    label: str
    query: str  # ?sort= value the link asks for: this column, the other way if sorted by it
    aria_sort: str  # "ascending", "descending" or "none"


def sort_headers(applied: str) -> list[SortHeader]:
    column, descending = applied.removeprefix("-"), applied.startswith("-")
    headers = []
    for name in SORT_COLUMNS:
        if name == column:
            state = "descending" if descending else "ascending"
            query = name if descending else f"-{name}"
        else:
            state, query = "none", name
        headers.append(SortHeader(name, COLUMN_LABELS[name], query, state))
    return headers


@dataclass(frozen=True)
class AreaCounts:
    area: str
    counts: list[int]  # councils at each grade of COUNT_COLUMNS

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def linked(self) -> list[GradeCount]:
        pairs = zip(COUNT_COLUMNS, self.counts, strict=True)
        return [GradeCount(grade, count) for grade, count in pairs]


@dataclass(frozen=True)
class GradeCount:
    grade: str
    count: int


COUNT_COLUMNS = [*GRADES, Grade.NOT_GRADED, NO_GRADE]


def grade_counts(rows: list[NationalRow]) -> list[AreaCounts]:
    """Councils at each grade, per judgement, over the national table's rows (in COUNT_COLUMNS
    order)."""
    result = []
    for index, area in enumerate(AREAS):
        counted = Counter(row.grades[index] for row in rows)
        result.append(AreaCounts(area, [counted.get(grade, 0) for grade in COUNT_COLUMNS]))
    return result


def grade_rank(grade: str) -> int:
    """Where a grade sorts: as national_table sorts it (best first, the rest after)."""
    return GRADES.index(grade) + 1 if grade in GRADES else len(GRADES) + 1


@dataclass(frozen=True)
class YearGrades:
    """Councils by their latest overall effectiveness grade at the end of a year."""

    year: int
    counts: dict[str, int]  # grade of GRADES -> councils

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def cells(self) -> list[int]:
        return [self.counts.get(grade, 0) for grade in GRADES]


def national_by_year() -> list[YearGrades]:
    """How the national picture moved: at each year's end, councils by their latest overall
    effectiveness grade, from the first report's year to the last's.

    One query reads every report's overall grade (a few per council, so a few hundred rows
    at most); the running "latest" per council is kept in Python.
    """
    judgements = (
        Judgement.objects.filter(
            area=JudgementArea.OVERALL_EFFECTIVENESS, inspection__inspection_type=REPORT
        )
        .order_by("inspection__letter_date", "inspection_id")
        .values_list("inspection__authority_id", "inspection__letter_date", "grade")
    )
    by_year: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for authority_id, date, grade in judgements:
        by_year[date.year].append((authority_id, grade))
    if not by_year:
        return []
    latest: dict[int, str] = {}
    series = []
    for year in range(min(by_year), max(by_year) + 1):
        latest.update(by_year.get(year, []))
        counted = Counter(grade for grade in latest.values() if grade in GRADES)
        series.append(YearGrades(year, dict(counted)))
    return series


EXPORT_COLUMNS = [
    "council",
    "gss_code",
    "dfe_la_code",
    "region",
    "report_date",
    "framework",
    *AREAS,
    "report_url",
]


def export_rows(rows: list[NationalRow], *, base_url: str) -> list[dict]:
    """The national table as flat rows for the CSV: grades as codes, "" where none."""
    base_url = base_url.rstrip("/")
    return [
        {
            "council": row.authority.name,
            "gss_code": row.authority.gss_code,
            "dfe_la_code": row.authority.la_code,
            "region": row.authority.region,
            "report_date": row.report_date.isoformat(),
            "framework": row.framework,
            **{
                area: "" if grade == NO_GRADE else grade
                for area, grade in zip(AREAS, row.grades, strict=True)
            },
            "report_url": base_url + reverse("inspections:letter-detail", args=[row.report_id]),
        }
        for row in rows
    ]
