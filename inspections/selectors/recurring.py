"""Reads of a council's recurring weaknesses: the themes its letters raise more than once."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.aggregates import BoolOr
from django.db import connections
from django.db.models import (
    Count,
    Max,
)

from inspections.models import (
    Authority,
    Finding,
    FindingTheme,
    Inspection,
    Theme,
)
from inspections.routers import read_alias
from inspections.selectors.letters import ADVERSE


@dataclass
class ThemeLetter:
    """One letter's weaknesses under a theme: how many, and whether any was raised before."""

    # The letter's id, not the letter: kept with the counts, a model instance a letter made
    # reading the council's overview back (unpickling) most of its cost at 700 letters.
    inspection_id: int
    finding_count: int = 0
    raised_before: bool = False
    # Its link and name, made once a letter: the same few newest letters recur under most
    # themes, and reversing a URL in the template for each was most of the table's time.
    url: str = ""
    label: str = ""


@dataclass
class RecurringTheme:
    """A theme a council was told to improve in several letters, or told again."""

    theme: Theme
    letter_count: int  # letters that name it as a weakness
    years: list[int]  # the years of those letters, oldest first
    raised_before: bool  # a letter itself says it was raised at an earlier inspection
    latest_letters: list[ThemeLetter]  # the newest few of them, oldest first

    @property
    def year_spans(self) -> str:
        """The years as runs, "2009–2012, 2015": at 700 letters a theme recurs most years."""
        runs: list[list[int]] = []
        for year in self.years:
            if runs and year == runs[-1][-1] + 1:
                runs[-1].append(year)
            else:
                runs.append([year])
        return ", ".join(
            f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs
        )


RECURRING_LATEST_LETTERS = 3


def recurring_themes(
    authority: Authority, *, latest: int = RECURRING_LATEST_LETTERS
) -> list[RecurringTheme]:
    """Themes of a council's areas for development or priority action that recur.

    A theme recurs when it is a weakness in more than one of the council's letters, or
    when a letter marks the weakness as raised at an earlier inspection (the archive may
    not hold that earlier letter). Most letters first, then by name; each with its years
    and its `latest` newest letters, so a council of 700 letters shows what one of 7 does
    (its findings page lists them all).

    One statement reads the council's weaknesses once and returns a row per theme and
    shown letter; no letter's text is read, and a letter of 10,000 findings costs what a
    short one does.
    """
    rows = _recurring_rows(authority, latest)
    themes = Theme.objects.only("name", "slug").in_bulk({row["theme_id"] for row in rows})
    inspections = (
        Inspection.objects.only("letter_date", "inspection_type")
        .order_by()
        .in_bulk({row["inspection_id"] for row in rows})
    )
    links = {
        pk: (
            letter.get_absolute_url(),
            f"{letter.get_inspection_type_display()}, {letter.letter_date:%-d %b %Y}",
        )
        for pk, letter in inspections.items()
    }
    by_theme: dict[int, RecurringTheme] = {}
    for row in rows:  # letters oldest first
        entry = by_theme.setdefault(
            row["theme_id"],
            RecurringTheme(
                theme=themes[row["theme_id"]],
                letter_count=row["letter_count"],
                years=sorted(row["years"]),
                raised_before=row["theme_raised_before"],
                latest_letters=[],
            ),
        )
        entry.latest_letters.append(
            ThemeLetter(
                inspection_id=row["inspection_id"],
                finding_count=row["finding_count"],
                raised_before=row["raised_before"],
                url=links[row["inspection_id"]][0],
                label=links[row["inspection_id"]][1],
            )
        )
    return sorted(by_theme.values(), key=lambda entry: (-entry.letter_count, entry.theme.name))


_RECURRING_COLUMNS = [
    "theme_id",
    "letter_count",
    "theme_raised_before",
    "years",
    "inspection_id",
    "finding_count",
    "raised_before",
]


def _recurring_rows(authority: Authority, latest: int) -> list[dict]:
    """A row per recurring theme and each of its `latest` newest letters, oldest first.

    The ORM builds the grouped weaknesses (a row per theme and letter); the rest is SQL
    around it: Django puts a window over aggregates into GROUP BY, which PostgreSQL
    refuses, and two ORM statements read the council's findings twice (at 700 letters,
    ~12,000 findings: most of the page's time). As a CTE used twice it is read once.
    """
    grouped = (
        FindingTheme.objects.filter(
            finding__inspection__authority=authority, finding__category__in=ADVERSE
        )
        .values("theme_id", "finding__inspection_id")
        .annotate(
            finding_count=Count("*"),
            raised_before=BoolOr("finding__recurring"),
            letter_date=Max("finding__inspection__letter_date"),
        )
        .order_by()
    )
    sql, params = grouped.query.sql_with_params()
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(
            "WITH weak(theme_id, inspection_id, finding_count, raised_before, letter_date)"
            f" AS ({sql}),"
            " recurring AS (SELECT theme_id, COUNT(*) AS letter_count,"
            "  BOOL_OR(raised_before) AS raised_before,"
            "  ARRAY_AGG(DISTINCT EXTRACT(YEAR FROM letter_date)::int) AS years"
            "  FROM weak GROUP BY theme_id"
            "  HAVING COUNT(*) > 1 OR BOOL_OR(raised_before)),"
            " ranked AS (SELECT weak.*, ROW_NUMBER() OVER (PARTITION BY theme_id"
            "  ORDER BY letter_date DESC, inspection_id DESC) AS rank FROM weak)"
            " SELECT r.theme_id, r.letter_count, r.raised_before, r.years,"
            "  k.inspection_id, k.finding_count, k.raised_before"
            " FROM recurring r JOIN ranked k ON k.theme_id = r.theme_id AND k.rank <= %s"
            " ORDER BY k.letter_date, k.inspection_id, r.theme_id",
            [*params, latest],
        )
        return [dict(zip(_RECURRING_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
