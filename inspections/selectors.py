"""Reads: what the pages show, in one place."""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.postgres.aggregates import BoolOr
from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import ExtractYear

from inspections import grades
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
    """The newest letters, each with its number of findings."""
    return letters().annotate(finding_count=Count("findings"))[:limit]


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
    its latest overall effectiveness grade (NO_GRADE where no report has graded it)."""
    latest = Inspection.objects.filter(authority=OuterRef("pk")).order_by("-letter_date", "-pk")
    return (
        Authority.objects.annotate(
            letter_count=Count("inspections"),
            latest_date=Subquery(latest.values("letter_date")[:1]),
            latest_id=Subquery(latest.values("pk")[:1]),
            latest_grade=grades.latest_grade(JudgementArea.OVERALL_EFFECTIVENESS, authority="pk"),
        )
        .filter(letter_count__gt=0)
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
    return {
        "letters": Inspection.objects.count(),
        "authorities": Authority.objects.filter(inspections__isnull=False).distinct().count(),
        "findings": Finding.objects.count(),
    }


def authority_letters(authority: Authority) -> QuerySet[Inspection]:
    """An authority's letters and reports, oldest first, each with its counts by category
    (and a report with its judgements)."""
    return (
        authority.inspections.defer(*LETTER_TEXT_FIELDS)
        .order_by("letter_date")
        .annotate(
            strengths=Count("findings", filter=_category(Category.STRENGTH)),
            developments=Count("findings", filter=_category(Category.DEVELOPMENT)),
            priority_actions=Count("findings", filter=_category(Category.PRIORITY_ACTION)),
            improvements=Count("findings", filter=_category(Category.IMPROVEMENT)),
            finding_count=Count("findings"),
        )
        .prefetch_related("judgements")
    )


def _category(category: str) -> Q:
    return Q(findings__category=category)


ADVERSE = [Category.DEVELOPMENT, Category.PRIORITY_ACTION]


# --- Themes: the theme pages -------------------------------------------------------------


def _in_category(categories: list[str], prefix: str = "findings__") -> Q:
    return Q(**{f"{prefix}category__in": categories})


def theme_counts() -> QuerySet[Theme]:
    """Every theme with its findings counted (all, strengths, weaknesses, councils), by group."""
    return Theme.objects.annotate(
        finding_count=Count("findings", distinct=True),
        strength_count=Count("findings", filter=_in_category([Category.STRENGTH]), distinct=True),
        weakness_count=Count("findings", filter=_in_category(ADVERSE), distinct=True),
        authority_count=Count("findings__inspection__authority", distinct=True),
        group_order=Case(
            *(When(group=value, then=index) for index, value in enumerate(ThemeGroup.values)),
            default=len(ThemeGroup.values),
        ),
    ).order_by("group_order", "name")


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
    rows = (
        Finding.objects.filter(themes=theme)
        .annotate(year=ExtractYear("inspection__letter_date"))
        .values("year", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        bucket = row["category"] if row["category"] in _CHART_CATEGORIES else "other"
        counts[row["year"]][bucket] += row["n"]
    if not counts:
        return []
    years = range(min(counts), max(counts) + 1)
    totals = dict(
        Finding.objects.annotate(year=ExtractYear("inspection__letter_date"))
        .filter(year__gte=years.start, year__lt=years.stop)
        .values_list("year")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        YearCounts(year=year, all_findings=totals.get(year, 0), **counts.get(year, {}))
        for year in years
    ]


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
    """The councils whose letters raise the theme most, per letter of that council."""
    letters = (
        Inspection.objects.filter(authority=OuterRef("inspection__authority"))
        .order_by()
        .values("authority")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        Finding.objects.filter(themes=theme)
        .values("inspection__authority")
        .annotate(
            finding_count=Count("pk"),
            weakness_count=Count("pk", filter=Q(category__in=ADVERSE)),
            letter_count=Count("inspection", distinct=True),
            all_letters=Subquery(letters),
        )
        .annotate(per_letter=F("finding_count") * 1.0 / F("all_letters"))
        .order_by(
            "-per_letter", "-finding_count", "-weakness_count", "inspection__authority__name"
        )[:limit]
    )
    authorities = Authority.objects.in_bulk([row["inspection__authority"] for row in rows])
    return [
        AuthorityCount(
            authority=authorities[row["inspection__authority"]],
            finding_count=row["finding_count"],
            weakness_count=row["weakness_count"],
            letter_count=row["letter_count"],
            all_letters=row["all_letters"],
        )
        for row in rows
    ]


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

    inspection: Inspection
    finding_count: int = 0
    raised_before: bool = False


@dataclass
class RecurringTheme:
    """A theme a council was told to improve in several letters, or told again."""

    theme: Theme
    letters: list[ThemeLetter]

    @property
    def years(self) -> list[int]:
        return sorted({letter.inspection.letter_date.year for letter in self.letters})

    @property
    def raised_before(self) -> bool:
        """A letter itself says the weakness was raised at an earlier inspection."""
        return any(letter.raised_before for letter in self.letters)


def recurring_themes(authority: Authority) -> list[RecurringTheme]:
    """Themes of a council's areas for development or priority action that recur.

    A theme recurs when it is a weakness in more than one of the council's letters, or
    when a letter marks the weakness as raised at an earlier inspection (the archive may
    not hold that earlier letter). Most letters first, then by name.

    Counted in the database, a row per theme and letter: a letter with 10,000 findings
    costs what a short one does, and no letter's text is read.
    """
    rows = (
        FindingTheme.objects.filter(
            finding__inspection__authority=authority, finding__category__in=ADVERSE
        )
        .values("theme_id", "finding__inspection_id")
        .annotate(
            finding_count=Count("pk"),
            raised_before=BoolOr("finding__recurring"),
            letter_date=Min("finding__inspection__letter_date"),
        )
        .order_by("letter_date", "finding__inspection_id", "theme_id")
    )
    rows = list(rows)
    themes = Theme.objects.only("name", "slug").in_bulk({row["theme_id"] for row in rows})
    inspections = Inspection.objects.only("letter_date", "inspection_type").in_bulk(
        {row["finding__inspection_id"] for row in rows}
    )
    by_theme: dict[int, RecurringTheme] = {}
    for row in rows:  # letters oldest first
        entry = by_theme.setdefault(
            row["theme_id"], RecurringTheme(theme=themes[row["theme_id"]], letters=[])
        )
        entry.letters.append(
            ThemeLetter(
                inspection=inspections[row["finding__inspection_id"]],
                finding_count=row["finding_count"],
                raised_before=row["raised_before"],
            )
        )
    recurring = [
        entry for entry in by_theme.values() if len(entry.letters) > 1 or entry.raised_before
    ]
    return sorted(recurring, key=lambda entry: (-len(entry.letters), entry.theme.name))


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
    [features] = finding_features([finding.pk], queries, using=read_alias(Finding))
    return ThemeEvidence(
        rule_lines=lines,
        modelled=True,
        score=finding_scores([finding.pk]).get((finding.pk, theme.slug)),
        threshold=model.threshold,
        words=model.heaviest_words(theme.slug, set(features.lexemes)),
        rules=sorted(
            ((hit, weights.rules[hit]) for hit in features.rule_hits if hit in weights.rules),
            key=lambda item: -abs(item[1]),
        ),
    )


@dataclass(frozen=True)
class DataVersion:
    """What the archive holds, in two cheap numbers: it changes whenever an answer might."""

    etag: str
    last_modified: datetime.datetime | None


def data_version() -> DataVersion:
    """The archive's version: the latest import, how many letters, the latest theme tag.

    A letter imported or deleted, or a theme given to a finding, changes it; the feeds and
    the API answer conditional requests with it (index reads: about 10 ms at 100,000
    letters, most of it the count).
    """
    # Three statements, each answered from an index: one aggregate of the three would scan.
    latest = Inspection.objects.aggregate(latest=Max("imported_at"))["latest"]
    count = Inspection.objects.count()
    tags = FindingTheme.objects.aggregate(latest=Max("pk"))
    stamp = latest.isoformat() if latest else "empty"
    key = f"{stamp}|{count}|{tags['latest'] or 0}"
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
