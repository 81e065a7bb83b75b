"""Reads: what the pages show, in one place."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction

from django.contrib.postgres.aggregates import BoolOr
from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear

from inspections import caching, grades
from inspections.caching import cached_counts
from inspections.models import (
    Authority,
    Category,
    Finding,
    FindingTheme,
    Inspection,
    JudgementArea,
    SourceDocument,
    Theme,
    ThemeGroup,
)
from inspections.routers import read_alias
from inspections.search import marked_if_matched
from inspections.themes.features import finding_features
from inspections.themes.model import theme_model
from inspections.themes.rules import compile_rules, compiled_query
from inspections.themes.tagging import TEXT_VECTOR, finding_scores

# A letter's whole text and the vectors built from it: tens of KB a letter (megabytes for a
# long one), which no list shows. Every read of letters for a list leaves them behind.
LETTER_TEXT_FIELDS = ("source_text", "search_extra", "search_vector")
FINDING_TEXT_FIELDS = ("search_extra", "search_vector")


def latest_letters(limit: int = 10) -> QuerySet[Inspection]:
    """The newest letters, each with its number of findings.

    Counted by a subquery, which PostgreSQL runs for the `limit` rows kept only: a join
    and GROUP BY counted every letter's findings before the LIMIT (all 1.5 million of them
    at 100,000 letters).
    """
    findings = (
        Finding.objects.filter(inspection=OuterRef("pk"))
        .order_by()
        .values("inspection")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return letters().annotate(finding_count=Coalesce(Subquery(findings), 0))[:limit]


def letters() -> QuerySet[Inspection]:
    """Every letter, newest first, with what its list row shows."""
    return (
        Inspection.objects.select_related("authority")
        .defer(*LETTER_TEXT_FIELDS)
        .order_by("-letter_date", "authority__name")
    )


def letter_with_findings(pk: int, *, query: str | None = None) -> Inspection:
    """One letter with its findings; with a query, each finding's matches are marked."""
    findings = (
        Finding.objects.order_by("position")
        .defer(*FINDING_TEXT_FIELDS)
        .with_snippets(query, field="text", whole=True)
    )
    inspection = (
        Inspection.objects.select_related("authority")
        .defer(*LETTER_TEXT_FIELDS)
        .annotate(has_original=Exists(SourceDocument.objects.filter(inspection=OuterRef("pk"))))
        # Not the findings' themes: the page does not show them, and for a long letter they
        # were the most of its time (10,000 findings: 2 of 4.5 s).
        .prefetch_related(Prefetch("findings", queryset=findings), "judgements")
        .get(pk=pk)
    )
    for finding in inspection.findings.all():
        # Only findings that matched get marks; the rest show as they are.
        finding.highlighted = marked_if_matched(finding)
    return inspection


def authorities() -> QuerySet[Authority]:
    """Councils with letters, each with its number of letters, its latest letter date and
    its latest overall effectiveness grade (NO_GRADE where no report has graded it).

    Every figure is a subquery per council on its index of letters by date, with no join:
    a join counted with GROUP BY made Django group by the grade subquery too, which then
    ran once per letter (10,000 times at 10,000 letters) instead of once per council.
    """
    letters = Inspection.objects.filter(authority=OuterRef("pk")).order_by()
    latest = letters.order_by("-letter_date", "-pk")
    return (
        Authority.objects.filter(Exists(letters))
        .annotate(
            letter_count=Subquery(letters.values("authority").annotate(n=Count("pk")).values("n")),
            latest_date=Subquery(latest.values("letter_date")[:1]),
            latest_id=Subquery(latest.values("pk")[:1]),
            latest_grade=grades.latest_grade(JudgementArea.OVERALL_EFFECTIVENESS, authority="pk"),
        )
        .order_by("name")
    )


def findings_by_category(inspection: Inspection) -> list[tuple[str, str, list[Finding]]]:
    """The letter's findings grouped by category, as (category, heading, findings).

    Groups come in the order the letter first gives them, as a reader of the letter expects.
    """
    groups: dict[str, list[Finding]] = {}
    for finding in inspection.findings.all():  # in position order
        groups.setdefault(finding.category, []).append(finding)
    return [
        (category, CATEGORY_HEADINGS[category], findings) for category, findings in groups.items()
    ]


CATEGORY_HEADINGS = {
    Category.OVERVIEW: "Overview",
    Category.NARRATIVE: "Findings",
    Category.STRENGTH: "Strengths",
    Category.SATISFACTORY: "Satisfactory practice",
    Category.DEVELOPMENT: "Areas for development",
    Category.PRIORITY_ACTION: "Areas for priority action",
    Category.IMPROVEMENT: "What needs to improve",
}


def archive_counts() -> dict[str, int]:
    """How many letters, councils with letters and findings: counted once an import."""
    return cached_counts("archive_counts", _count_archive)


def _count_archive() -> dict[str, int]:
    return {
        "letters": Inspection.objects.count(),
        "authorities": Authority.objects.filter(inspections__isnull=False).distinct().count(),
        "findings": Finding.objects.count(),
    }


def authority_letters(authority: Authority) -> QuerySet[Inspection]:
    """An authority's letters and reports, newest first: what its page lists, a page at a
    time (with_finding_counts then reads the page's own)."""
    return authority.inspections.order_by("-letter_date", "-pk")


def with_finding_counts(letters: QuerySet[Inspection]) -> QuerySet[Inspection]:
    """`letters` (a page of them, sliced) in the same order, each with its counts by category
    and a report's overall effectiveness grade (NO_GRADE for a letter).

    The counts join only these letters' findings: annotating the whole council's list
    before its LIMIT grouped all ~700 letters' findings at 100,000 letters to show 20.
    """
    return (
        Inspection.objects.filter(pk__in=letters.values("pk"))
        .defer(*LETTER_TEXT_FIELDS)
        .order_by("-letter_date", "-pk")
        .annotate(
            strengths=Count("findings", filter=_category(Category.STRENGTH)),
            developments=Count("findings", filter=_category(Category.DEVELOPMENT)),
            priority_actions=Count("findings", filter=_category(Category.PRIORITY_ACTION)),
            improvements=Count("findings", filter=_category(Category.IMPROVEMENT)),
            finding_count=Count("findings"),
            overall_grade=grades.own_grade(JudgementArea.OVERALL_EFFECTIVENESS),
        )
    )


def _category(category: str) -> Q:
    return Q(findings__category=category)


ADVERSE = [Category.DEVELOPMENT, Category.PRIORITY_ACTION]


# --- Themes: the theme pages -------------------------------------------------------------


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


# --- Themes: the council page --------------------------------------------------------------


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


# --- Themes: the findings page ------------------------------------------------------------


def themes_for_findings(finding_ids: Iterable[int]) -> dict[int, list[Theme]]:
    """Each finding's themes by name, in one query (findings without themes are absent)."""
    themes: dict[int, list[Theme]] = defaultdict(list)
    rows = (
        FindingTheme.objects.filter(finding_id__in=list(finding_ids))
        .select_related("theme")
        .order_by("theme__name")
    )
    for row in rows:
        themes[row.finding_id].append(row.theme)
    return dict(themes)


def matching_rules(*, finding: Finding, theme: Theme) -> list[str]:
    """Why the rules give a finding a theme: the rule lines its text matches, in order."""
    rules = [rule for rule in compile_rules(theme.rules) if rule.query and not rule.exclude]
    if not rules:
        return []
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(
            "SELECT r.n FROM unnest(%s::tsquery[]) WITH ORDINALITY AS r(query, n),"
            f" {Finding._meta.db_table} f WHERE f.id = %s AND {TEXT_VECTOR} @@ r.query"
            " ORDER BY r.n",
            [[rule.query for rule in rules], finding.pk],
        )
        return [rules[n - 1].line for (n,) in cursor.fetchall()]


@dataclass(frozen=True)
class ThemeEvidence:
    """Why the tagger gives a finding a theme: what an editor needs to correct it."""

    rule_lines: list[str]  # the theme's rule lines the text matches
    modelled: bool  # False: the model does not know the theme, its rules alone tag it
    score: float | None = None  # the model's, as tagging computes it in SQL
    threshold: float = 0.0
    words: list[tuple[str, float]] = field(default_factory=list)  # heaviest first
    rules: list[tuple[str, float]] = field(default_factory=list)  # themes whose rules matched


def theme_evidence(*, finding: Finding, theme: Theme) -> ThemeEvidence:
    """The rule lines that match and, for a modelled theme, its score and heaviest words."""
    lines = matching_rules(finding=finding, theme=theme)
    model = theme_model()
    if theme.slug not in model:
        return ThemeEvidence(rule_lines=lines, modelled=False)
    weights = model.themes[theme.slug]
    themes = Theme.objects.filter(slug__in=weights.rules).values_list("slug", "rules")
    queries = {slug: compiled_query(rules) for slug, rules in themes}
    [features] = finding_features(
        [finding.pk],
        queries,
        opening_positions=model.opening_positions,
        using=read_alias(Finding),
    )
    return ThemeEvidence(
        rule_lines=lines,
        modelled=True,
        score=finding_scores([finding.pk]).get((finding.pk, theme.slug)),
        threshold=model.threshold,
        words=model.heaviest_words(theme.slug, set(features.lexemes), set(features.opening)),
        rules=sorted(
            ((hit, weights.rules[hit]) for hit in features.rule_hits if hit in weights.rules),
            key=lambda item: -abs(item[1]),
        ),
    )


@dataclass(frozen=True)
class DataVersion:
    """The archive's version as HTTP validators: it changes whenever an answer might."""

    etag: str
    last_modified: datetime.datetime | None


def data_version() -> DataVersion:
    """The data version (caching.data_version) as an ETag, the latest import as Last-Modified.

    One version for the pages' caches, the counts and the API: every import, retag and
    admin edit advances it once it commits, so an edited finding changes the ETag too (the
    latest import and the numbers of letters and tags, used before, did not move then).
    """
    version = caching.data_version()
    latest = Inspection.objects.aggregate(latest=Max("imported_at"))["latest"]  # an index read
    key = f"{version}|{latest.isoformat() if latest else 'empty'}"
    return DataVersion(
        etag='"' + hashlib.sha256(key.encode()).hexdigest()[:20] + '"',
        last_modified=latest,
    )


# --- The API's reads ------------------------------------------------------------------------


def api_letters() -> QuerySet[Inspection]:
    """Letters with what the API shows of each: council, judgements, whether the PDF is kept."""
    return (
        Inspection.objects.select_related("authority")
        .defer("source_text", "search_vector", "search_extra")
        .annotate(has_original=Exists(SourceDocument.objects.filter(inspection=OuterRef("pk"))))
        .prefetch_related("judgements")
    )


def api_letters_with_findings() -> QuerySet[Inspection]:
    """Letters for the API, each with its findings in order and their themes."""
    findings = Finding.objects.order_by("position").defer("search_vector", "search_extra")
    return api_letters().prefetch_related(
        Prefetch("findings", queryset=findings),
        Prefetch("findings__themes", queryset=Theme.objects.order_by("name")),
    )


def api_findings() -> QuerySet[Finding]:
    """Findings with their letter, council and themes."""
    return (
        Finding.objects.select_related("inspection__authority")
        .defer(
            "search_vector",
            "search_extra",
            "inspection__source_text",
            "inspection__search_vector",
            "inspection__search_extra",
        )
        .prefetch_related(Prefetch("themes", queryset=Theme.objects.order_by("name")))
    )


def api_themes() -> QuerySet[Theme]:
    """Every theme with its number of findings."""
    return Theme.objects.annotate(finding_count=Count("findings")).order_by("name")
