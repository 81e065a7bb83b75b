"""Reads of the theme pages: each theme's counts, its years, where it comes up most."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from django.db import connections
from django.db.models import (
    Case,
    Count,
    QuerySet,
    When,
)
from django.db.models.functions import ExtractYear

from inspections.caching import cached_counts
from inspections.models import (
    Authority,
    Category,
    Finding,
    FindingTheme,
    Inspection,
    Theme,
    ThemeGroup,
)
from inspections.routers import read_alias
from inspections.selectors.letters import ADVERSE, FINDING_TEXT_FIELDS, LETTER_TEXT_FIELDS


@dataclass(frozen=True)
class ThemeCounts:
    findings: int = 0
    strengths: int = 0
    weaknesses: int = 0  # areas for development or priority action
    authorities: int = 0  # councils with at least one finding under the theme


def theme_counts() -> list[Theme]:
    """Every theme with its findings counted (all, strengths, weaknesses, councils), by group.

    The counts are kept from one import to the next; the themes themselves (names,
    descriptions) are read each time.
    """
    counts = cached_counts("theme_counts", _count_themes)
    themes = list(
        Theme.objects.annotate(
            group_order=Case(
                *(When(group=value, then=index) for index, value in enumerate(ThemeGroup.values)),
                default=len(ThemeGroup.values),
            )
        ).order_by("group_order", "name")
    )
    for theme in themes:
        counted = counts.get(theme.pk, ThemeCounts())
        theme.finding_count = counted.findings
        theme.strength_count = counted.strengths
        theme.weakness_count = counted.weaknesses
        theme.authority_count = counted.authorities
    return themes


def _count_themes() -> dict[int, ThemeCounts]:
    """Every theme's counts in one pass over its rows, grouped two ways (GROUPING SETS).

    A finding has a theme at most once (finding_theme_unique), so rows count findings with
    no DISTINCT; councils are counted as (theme, council) groups. Four COUNT(DISTINCT)
    sorted every finding-theme row four times (129 MB on disk at 100,000 letters).
    """
    finding_theme = FindingTheme._meta.db_table
    finding = Finding._meta.db_table
    inspection = Inspection._meta.db_table
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(
            "SELECT ft.theme_id, f.category, GROUPING(i.authority_id) = 0, COUNT(*)"
            f" FROM {finding_theme} ft JOIN {finding} f ON f.id = ft.finding_id"
            f" JOIN {inspection} i ON i.id = f.inspection_id"
            " GROUP BY GROUPING SETS ((ft.theme_id, f.category), (ft.theme_id, i.authority_id))"
        )
        rows = cursor.fetchall()
    tallies: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for theme_id, category, by_council, count in rows:
        tally = tallies[theme_id]
        if by_council:  # a row of the (theme, council) set: one council
            tally["authorities"] += 1
            continue
        tally["findings"] += count
        if category == Category.STRENGTH:
            tally["strengths"] += count
        elif category in ADVERSE:
            tally["weaknesses"] += count
    return {theme_id: ThemeCounts(**tally) for theme_id, tally in tallies.items()}


@dataclass(frozen=True)
class YearCounts:
    """A theme's findings in one year's letters, beside all the findings of that year."""

    year: int
    strength: int = 0
    development: int = 0
    priority_action: int = 0
    other: int = 0  # overview, narrative and satisfactory findings
    all_findings: int = 0  # every finding of that year's letters, whatever its themes

    @property
    def total(self) -> int:
        return self.strength + self.development + self.priority_action + self.other

    def share(self, count: int) -> float:
        """`count` as a fraction of the year's findings: comparable across years."""
        return count / self.all_findings if self.all_findings else 0.0

    @property
    def total_share(self) -> float:
        return self.share(self.total)

    @property
    def total_percent(self) -> float:
        return 100 * self.total_share


def theme_year_series(theme: Theme) -> list[YearCounts]:
    """Findings with the theme per letter year, by category, with all that year's findings.

    How many findings a theme has in a year follows how many letters that year holds; its
    share of the year's findings does not. Years between are zeros.
    """
    return _theme_summary(theme).years


_CHART_CATEGORIES = {Category.STRENGTH, Category.DEVELOPMENT, Category.PRIORITY_ACTION}


@dataclass(frozen=True)
class AuthorityCount:
    authority: Authority
    finding_count: int
    weakness_count: int  # areas for development or priority action
    letter_count: int  # letters that raise the theme
    all_letters: int  # every letter of the council in the archive

    @property
    def per_letter(self) -> float:
        """Findings with the theme per letter of the council: a council with many letters
        does not come first for that alone."""
        return self.finding_count / self.all_letters if self.all_letters else 0.0


def theme_top_authorities(theme: Theme, *, limit: int = 10) -> list[AuthorityCount]:
    """The councils whose letters raise the theme most, per letter of that council.

    Most findings per letter first, then most findings, most weaknesses, and by name.
    """
    rows = _theme_summary(theme).councils[:limit]
    authorities = Authority.objects.in_bulk([row.authority_id for row in rows])
    return [
        AuthorityCount(
            authority=authorities[row.authority_id],
            finding_count=row.finding_count,
            weakness_count=row.weakness_count,
            letter_count=row.letter_count,
            all_letters=row.all_letters,
        )
        for row in rows
        if row.authority_id in authorities
    ]


@dataclass(frozen=True)
class _CouncilTally:
    authority_id: int
    finding_count: int
    weakness_count: int
    letter_count: int
    all_letters: int


@dataclass(frozen=True)
class _ThemeSummary:
    """What a theme's page counts: its year chart, and its councils in the page's order."""

    years: list[YearCounts]
    councils: list[_CouncilTally]


def _theme_summary(theme: Theme) -> _ThemeSummary:
    """The theme page's counts, kept from one import to the next."""
    return cached_counts(f"theme_summary:{theme.pk}", lambda: _count_theme(theme))


def _count_theme(theme: Theme) -> _ThemeSummary:
    """The theme's findings counted by year and category, and by council, in one pass.

    One GROUP BY GROUPING SETS over the theme's findings, which are read once (their
    category is in the finding rows); the year totals and each council's letters are
    archive-wide counts of their own. Before, the councils' query ran a subquery for every
    finding (1.1 s at 10,000 letters, a third of it compiling it with JIT).
    """
    finding_theme = FindingTheme._meta.db_table
    finding = Finding._meta.db_table
    inspection = Inspection._meta.db_table
    authority = Authority._meta.db_table
    adverse = [str(category) for category in ADVERSE]
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(
            "SELECT GROUPING(i.authority_id) = 0,"
            " EXTRACT(YEAR FROM i.letter_date)::integer AS year, f.category, i.authority_id,"
            " a.name, COUNT(*), COUNT(*) FILTER (WHERE f.category = ANY(%s)),"
            " COUNT(DISTINCT f.inspection_id)"
            f" FROM {finding_theme} ft JOIN {finding} f ON f.id = ft.finding_id"
            f" JOIN {inspection} i ON i.id = f.inspection_id"
            f" JOIN {authority} a ON a.id = i.authority_id"
            " WHERE ft.theme_id = %s"
            " GROUP BY GROUPING SETS ((year, f.category), (i.authority_id, a.name))",
            [adverse, theme.pk],
        )
        rows = cursor.fetchall()
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_council: list[tuple[int, str, int, int, int]] = []
    for per_council, year, category, authority_id, name, count, weaknesses, letters in rows:
        if per_council:
            by_council.append((authority_id, name, count, weaknesses, letters))
        else:
            bucket = category if category in _CHART_CATEGORIES else "other"
            by_year[year][bucket] += count
    return _ThemeSummary(years=_year_series(by_year), councils=_ranked_councils(by_council))


def _year_series(by_year: dict[int, dict[str, int]]) -> list[YearCounts]:
    if not by_year:
        return []
    totals = findings_per_year()
    return [
        YearCounts(year=year, all_findings=totals.get(year, 0), **by_year.get(year, {}))
        for year in range(min(by_year), max(by_year) + 1)
    ]


def _ranked_councils(rows: list[tuple[int, str, int, int, int]]) -> list[_CouncilTally]:
    letters = letters_per_authority()

    def rank(row: tuple[int, str, int, int, int]):
        authority_id, name, findings, weaknesses, _ = row
        # Exact fractions: two councils with the same share tie, then the next key decides.
        share = Fraction(findings, letters.get(authority_id) or 1)
        return (-share, -findings, -weaknesses, name)

    return [
        _CouncilTally(authority_id, findings, weaknesses, raising, letters.get(authority_id, 0))
        for authority_id, _, findings, weaknesses, raising in sorted(rows, key=rank)
    ]


def findings_per_year() -> dict[int, int]:
    """Every finding counted by its letter's year: the same for every theme's chart, so
    counted once an import for all of them."""
    return cached_counts("findings_per_year", _count_findings_per_year)


def _count_findings_per_year() -> dict[int, int]:
    return dict(
        Finding.objects.annotate(year=ExtractYear("inspection__letter_date"))
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by()
    )


def letters_per_authority() -> dict[int, int]:
    """Every council's number of letters in the archive, counted once an import."""
    return cached_counts("letters_per_authority", _count_letters_per_authority)


def _count_letters_per_authority() -> dict[int, int]:
    return dict(Inspection.objects.values_list("authority_id").annotate(n=Count("pk")).order_by())


def latest_theme_findings(theme: Theme, *, limit: int = 10) -> QuerySet[Finding]:
    """The theme's findings from the newest letters first."""
    return (
        Finding.objects.filter(themes=theme)
        .select_related("inspection__authority")
        .defer(*FINDING_TEXT_FIELDS, *(f"inspection__{name}" for name in LETTER_TEXT_FIELDS))
        .order_by("-inspection__letter_date", "inspection_id", "position")[:limit]
    )
