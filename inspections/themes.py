"""Themes: what each finding is about, and what the archive shows about each theme.

A theme's rules are lines of web-search syntax (`caseload`, `"management oversight"`,
`supervision -"supervision order"`) that PostgreSQL matches against the stemmed text of a
finding: weight A of its stored search vector, so the heading a finding stood under never
tags every paragraph beneath it. Tagging is set-based: one DELETE and one INSERT ... SELECT
per theme, whatever the number of findings.

Rows come in two kinds. Rule rows follow the current rules and go when the rules stop
matching; editor rows are an editor's hand and are never touched by tagging. A
ThemeRejection is an editor saying "not this theme": tagging never adds it back.

Services (writes) come first, then selectors (reads) for the theme pages, the council page
and the findings page.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.contrib.postgres.aggregates import BoolOr
from django.db import connection, transaction
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import ExtractYear

from inspections.caching import bump_data_version
from inspections.models import (
    Authority,
    Category,
    Finding,
    FindingTheme,
    Inspection,
    Theme,
    ThemeRejection,
)
from inspections.selectors import FINDING_TEXT_FIELDS, LETTER_TEXT_FIELDS

TAXONOMY_FILE = Path(__file__).resolve().parent / "data" / "themes.json"
ADVERSE = [Category.DEVELOPMENT, Category.PRIORITY_ACTION]
# The stored vector weighs finding text A and heading B: rules look at the text alone.
_TEXT_VECTOR = "ts_filter(f.search_vector, '{a}')"


# --- Rules -------------------------------------------------------------------------------


def rule_lines(rules: str) -> list[str]:
    """The rules of a theme, one a line; blank lines and `#` comments are not rules."""
    lines = (line.strip() for line in rules.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def rules_without_terms(rules: str) -> list[str]:
    """Rule lines that can never match: nothing but stop words and punctuation."""
    return [line for line, query in explain_rules(rules) if not query]


def explain_rules(rules: str) -> list[tuple[str, str]]:
    """Each rule line beside the tsquery PostgreSQL makes of it, for editors checking rules.

    Stop words vanish and words are stemmed, so `"not recorded"` is just `'record'`.
    """
    lines = rule_lines(rules)
    if not lines:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT line, websearch_to_tsquery('english', line)::text"
            " FROM unnest(%s::text[]) WITH ORDINALITY AS rule(line, n) ORDER BY n",
            [lines],
        )
        return [(line, query) for line, query in cursor.fetchall()]


def compiled_query(rules: str) -> str:
    """A theme's rule lines as one tsquery, in text: the lines ORed; "" when none can match."""
    return " | ".join(f"({query})" for _, query in explain_rules(rules) if query)


# --- Services ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeChange:
    """What re-applying one theme's rules did (or, in a dry run, would do)."""

    added: list[int] = field(default_factory=list)  # finding ids
    removed: list[int] = field(default_factory=list)
    total: int = 0  # findings with the theme afterwards, by rules or editors


def tag_findings(*, inspection_ids: list[int] | None = None) -> int:
    """Apply every theme's rules to these letters' findings (None: all), in one statement.

    The importer calls this for each new letter: one round trip whatever the number of
    themes, joining each theme's compiled query against the letters' findings, each
    finding's text vector taken once. Keeps editor rows, never adds a rejected theme, and
    drops rule rows the rules no longer match. Returns the number of theme assignments added.
    """
    queries = _theme_queries(tuple(Theme.objects.order_by("pk").values_list("pk", "rules")))
    findings = Finding._meta.db_table
    finding_themes = FindingTheme._meta.db_table
    rejections = ThemeRejection._meta.db_table
    values = ", ".join(["(%s::bigint, %s::tsquery)"] * len(queries))
    values = values or "(NULL::bigint, NULL::tsquery)"  # no rules at all: match nothing
    if inspection_ids is None:
        scope, scope_params = "TRUE", []
    else:
        scope, scope_params = "f.inspection_id = ANY(%s)", [list(inspection_ids)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH rules (theme_id, query) AS (VALUES {values}),"
            f" scoped AS MATERIALIZED (SELECT f.id, {_TEXT_VECTOR} AS text_vector"
            f"  FROM {findings} f WHERE {scope}),"
            " matched AS (SELECT s.id AS finding_id, r.theme_id"
            "  FROM scoped s JOIN rules r ON s.text_vector @@ r.query"
            f"  WHERE NOT EXISTS (SELECT 1 FROM {rejections} x"
            "   WHERE x.finding_id = s.id AND x.theme_id = r.theme_id)),"
            f" removed AS (DELETE FROM {finding_themes} ft USING scoped s"
            "  WHERE ft.finding_id = s.id AND ft.assigned_by = %s"
            "  AND NOT EXISTS (SELECT 1 FROM matched m"
            "   WHERE m.finding_id = ft.finding_id AND m.theme_id = ft.theme_id))"
            f" INSERT INTO {finding_themes} (finding_id, theme_id, assigned_by)"
            " SELECT finding_id, theme_id, %s FROM matched"
            " ON CONFLICT (finding_id, theme_id) DO NOTHING",
            [
                *(value for query in queries for value in query),
                *scope_params,
                FindingTheme.AssignedBy.RULE,
                FindingTheme.AssignedBy.RULE,
            ],
        )
        return cursor.rowcount


@lru_cache(maxsize=4)
def _theme_queries(themes: tuple[tuple[int, str], ...]) -> list[tuple[int, str]]:
    """Each theme's rules as one tsquery (its lines ORed), as text, for as long as they last.

    Keyed by every theme's rules, so an admin's edit makes a new entry; parsing ~200 rule
    lines for every imported letter would cost more than tagging it.
    """
    compiled = ((theme_id, compiled_query(rules)) for theme_id, rules in themes)
    return [(theme_id, query) for theme_id, query in compiled if query]


def retag_all(
    *,
    progress: Callable[[Theme, ThemeChange], None] | None = None,
    dry_run: bool = False,
) -> dict[str, ThemeChange]:
    """Re-apply every theme's rules to every finding, theme by theme, in one transaction.

    `progress` hears about each theme as it is done. A dry run rolls everything back and
    reports what would have changed.
    """
    changes: dict[str, ThemeChange] = {}
    with transaction.atomic():
        for theme in Theme.objects.order_by("slug"):
            change = _retag(theme)
            changes[theme.slug] = change
            if progress is not None:
                progress(theme, change)
        if dry_run:
            transaction.set_rollback(True)
    return changes


def retag_theme(theme: Theme) -> ThemeChange:
    """Re-apply one theme's rules to every finding: after an admin edits them."""
    with transaction.atomic():
        return _retag(theme)


def _retag(theme: Theme) -> ThemeChange:
    added, removed = _tag_theme(theme)
    bump_data_version()  # after the commit; never, if a dry run rolls back
    total = FindingTheme.objects.filter(theme=theme).count()
    return ThemeChange(added=added, removed=removed, total=total)


def _tag_theme(theme: Theme) -> tuple[list[int], list[int]]:
    """One DELETE and one INSERT ... SELECT; returns the finding ids added and removed."""
    query = compiled_query(theme.rules)
    findings = Finding._meta.db_table
    finding_themes = FindingTheme._meta.db_table
    rejections = ThemeRejection._meta.db_table
    matches = f"{_TEXT_VECTOR} @@ %s::tsquery" if query else "FALSE"
    match_params = [query] if query else []
    rejected = (
        f"EXISTS (SELECT 1 FROM {rejections} r WHERE r.finding_id = f.id AND r.theme_id = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {finding_themes} ft USING {findings} f"
            " WHERE ft.finding_id = f.id AND ft.theme_id = %s AND ft.assigned_by = %s"
            f" AND (NOT ({matches}) OR {rejected})"
            " RETURNING ft.finding_id",
            [theme.pk, FindingTheme.AssignedBy.RULE, *match_params, theme.pk],
        )
        removed = sorted(row[0] for row in cursor.fetchall())
        added: list[int] = []
        if query:
            cursor.execute(
                f"INSERT INTO {finding_themes} (finding_id, theme_id, assigned_by)"
                f" SELECT f.id, %s, %s FROM {findings} f"
                f" WHERE {matches} AND NOT {rejected}"
                " ON CONFLICT (finding_id, theme_id) DO NOTHING"
                " RETURNING finding_id",
                [theme.pk, FindingTheme.AssignedBy.RULE, *match_params, theme.pk],
            )
            added = sorted(row[0] for row in cursor.fetchall())
    return added, removed


def correct_themes(*, finding: Finding, themes: Iterable[Theme]) -> None:
    """An editor's hand: the finding is about exactly these themes.

    Themes added become editor rows (lifting any earlier rejection); themes taken away are
    recorded as rejections so that retagging never puts them back. Themes kept stay as
    they were.
    """
    wanted = {theme.pk for theme in themes}
    with transaction.atomic():
        bump_data_version()
        current = set(
            FindingTheme.objects.filter(finding=finding).values_list("theme_id", flat=True)
        )
        for theme_id in current - wanted:
            FindingTheme.objects.filter(finding=finding, theme_id=theme_id).delete()
            ThemeRejection.objects.get_or_create(finding=finding, theme_id=theme_id)
        for theme_id in wanted - current:
            ThemeRejection.objects.filter(finding=finding, theme_id=theme_id).delete()
            FindingTheme.objects.create(
                finding=finding, theme_id=theme_id, assigned_by=FindingTheme.AssignedBy.EDITOR
            )


def drop_rejected_themes(*, finding: Finding) -> int:
    """Take off a finding any theme an editor has rejected for it; returns how many."""
    rejected = ThemeRejection.objects.filter(finding=finding).values("theme_id")
    deleted, _ = FindingTheme.objects.filter(finding=finding, theme_id__in=rejected).delete()
    bump_data_version()
    return deleted


def load_taxonomy(*, path: Path = TAXONOMY_FILE) -> int:
    """Make the themes in the database those of the taxonomy file; returns how many.

    Migration 0002 seeds the same file into a new database but never overwrites what an
    admin edited; this overwrites, for tests, the quality bench and fresh set-ups.
    """
    entries = json.loads(path.read_text(encoding="utf-8"))
    with transaction.atomic():
        for entry in entries:
            Theme.objects.update_or_create(
                slug=entry["slug"],
                defaults={
                    "name": entry["name"],
                    "description": entry["description"],
                    "rules": "\n".join(entry["rules"]),
                },
            )
    return len(entries)


# --- Selectors: theme pages ----------------------------------------------------------------


def _in_category(categories: list[str], prefix: str = "findings__") -> Q:
    return Q(**{f"{prefix}category__in": categories})


def theme_counts() -> QuerySet[Theme]:
    """Every theme with its findings counted: all, strengths, weaknesses, councils."""
    return Theme.objects.annotate(
        finding_count=Count("findings", distinct=True),
        strength_count=Count("findings", filter=_in_category([Category.STRENGTH]), distinct=True),
        weakness_count=Count("findings", filter=_in_category(ADVERSE), distinct=True),
        authority_count=Count("findings__inspection__authority", distinct=True),
    ).order_by("name")


@dataclass(frozen=True)
class YearCounts:
    year: int
    strength: int = 0
    development: int = 0
    priority_action: int = 0
    other: int = 0  # overview, narrative and satisfactory findings

    @property
    def total(self) -> int:
        return self.strength + self.development + self.priority_action + self.other


def theme_year_series(theme: Theme) -> list[YearCounts]:
    """Findings with the theme per letter year, by category; years between are zeros."""
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
    return [
        YearCounts(year=year, **counts.get(year, {}))
        for year in range(min(counts), max(counts) + 1)
    ]


_CHART_CATEGORIES = {Category.STRENGTH, Category.DEVELOPMENT, Category.PRIORITY_ACTION}


@dataclass(frozen=True)
class AuthorityCount:
    authority: Authority
    finding_count: int
    weakness_count: int  # areas for development or priority action
    letter_count: int


def theme_top_authorities(theme: Theme, *, limit: int = 10) -> list[AuthorityCount]:
    """The councils whose letters raise the theme most often."""
    rows = list(
        Finding.objects.filter(themes=theme)
        .values("inspection__authority")
        .annotate(
            finding_count=Count("pk"),
            weakness_count=Count("pk", filter=Q(category__in=ADVERSE)),
            letter_count=Count("inspection", distinct=True),
        )
        .order_by("-finding_count", "-weakness_count", "inspection__authority__name")[:limit]
    )
    authorities = Authority.objects.in_bulk([row["inspection__authority"] for row in rows])
    return [
        AuthorityCount(
            authority=authorities[row["inspection__authority"]],
            finding_count=row["finding_count"],
            weakness_count=row["weakness_count"],
            letter_count=row["letter_count"],
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


# --- Selectors: the council page ---------------------------------------------------------


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


# --- Selectors: the findings page and its CSV --------------------------------------------


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
