"""Tagging: each theme's compiled rules applied to findings, in set-based SQL.

Rules match weight A of a finding's stored search vector (its text and the other spellings
of its hyphenated words), so the heading a finding stood under never tags every paragraph
beneath it. One DELETE and one INSERT ... SELECT, whatever the number of findings or themes.

Rows come in two kinds. Rule rows follow the current rules and go when the rules stop
matching; editor rows are an editor's hand and are never touched by tagging. A
ThemeRejection is an editor saying "not this theme": tagging never adds it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count

from inspections.caching import bump_data_version
from inspections.models import Finding, FindingTheme, Theme, ThemeRejection
from inspections.themes.rules import compiled_query

# The stored vector weighs finding text A and heading B: rules look at the text alone.
TEXT_VECTOR = "ts_filter(f.search_vector, '{a}')"


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
            f" scoped AS MATERIALIZED (SELECT f.id, {TEXT_VECTOR} AS text_vector"
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


def tag_new_findings(*, finding_ids: list[int]) -> int:
    """Apply every theme's rules to findings just stored, in one statement.

    `tag_findings` for findings that have no theme rows and no rejections yet (the
    importer's, in the transaction that stored them): the INSERT alone, without the anti-
    joins that look for rows to drop or rejections to respect. By primary key, so that the
    findings are found by index however stale the planner's statistics are in the middle of
    a bulk import. Returns the number of theme assignments added.
    """
    queries = _theme_queries(tuple(Theme.objects.order_by("pk").values_list("pk", "rules")))
    if not queries or not finding_ids:
        return 0
    values = ", ".join(["(%s::bigint, %s::tsquery)"] * len(queries))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH rules (theme_id, query) AS (VALUES {values}),"
            f" scoped AS MATERIALIZED (SELECT f.id, {TEXT_VECTOR} AS text_vector"
            f"  FROM {Finding._meta.db_table} f WHERE f.id = ANY(%s))"
            f" INSERT INTO {FindingTheme._meta.db_table} (finding_id, theme_id, assigned_by)"
            " SELECT s.id, r.theme_id, %s FROM scoped s JOIN rules r ON s.text_vector @@ r.query",
            [
                *(value for query in queries for value in query),
                list(finding_ids),
                FindingTheme.AssignedBy.RULE,
            ],
        )
        return cursor.rowcount


@lru_cache(maxsize=4)
def _theme_queries(themes: tuple[tuple[int, str], ...]) -> list[tuple[int, str]]:
    """Each theme's rules as one tsquery, as text, for as long as they last.

    Keyed by every theme's rules, so an admin's edit makes a new entry; parsing several
    hundred rule lines for every imported letter would cost more than tagging it.
    """
    compiled = ((theme_id, compiled_query(rules)) for theme_id, rules in themes)
    return [(theme_id, query) for theme_id, query in compiled if query]


def retag_all(
    *,
    progress: Callable[[Theme, ThemeChange], None] | None = None,
    dry_run: bool = False,
) -> dict[str, ThemeChange]:
    """Re-apply every theme's rules to every finding, in one statement and one transaction.

    `progress` hears about each theme, in slug order, once all are done. A dry run rolls
    everything back and reports what would have changed.
    """
    with transaction.atomic():
        themes = list(Theme.objects.order_by("slug"))
        changes = _retag(themes)
        if progress is not None:
            for theme in themes:
                progress(theme, changes[theme.slug])
        if dry_run:
            transaction.set_rollback(True)
    return changes


def retag_theme(theme: Theme) -> ThemeChange:
    """Re-apply one theme's rules to every finding: after an admin edits them."""
    with transaction.atomic():
        return _retag([theme])[theme.slug]


def _retag(themes: list[Theme]) -> dict[str, ThemeChange]:
    """One DELETE and one INSERT ... SELECT for these themes over every finding.

    Each finding's text vector is taken once and matched against every theme's query (one
    pass over the findings, not one a theme). Returns each theme's change by slug.
    """
    bump_data_version()  # after the commit; never, if a dry run rolls back
    queries = [(theme.pk, compiled_query(theme.rules)) for theme in themes]
    queries = [(theme_id, query) for theme_id, query in queries if query]
    findings = Finding._meta.db_table
    finding_themes = FindingTheme._meta.db_table
    rejections = ThemeRejection._meta.db_table
    values = ", ".join(["(%s::bigint, %s::tsquery)"] * len(queries))
    values = values or "(NULL::bigint, NULL::tsquery)"  # no rules at all: match nothing
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH rules (theme_id, query) AS (VALUES {values}),"
            " matched AS MATERIALIZED (SELECT f.id AS finding_id, r.theme_id"
            f"  FROM {findings} f JOIN rules r ON {TEXT_VECTOR} @@ r.query"
            f"  WHERE NOT EXISTS (SELECT 1 FROM {rejections} x"
            "   WHERE x.finding_id = f.id AND x.theme_id = r.theme_id)),"
            f" removed AS (DELETE FROM {finding_themes} ft"
            "  WHERE ft.theme_id = ANY(%s) AND ft.assigned_by = %s"
            "  AND NOT EXISTS (SELECT 1 FROM matched m"
            "   WHERE m.finding_id = ft.finding_id AND m.theme_id = ft.theme_id)"
            "  RETURNING ft.theme_id, ft.finding_id),"
            f" added AS (INSERT INTO {finding_themes} (finding_id, theme_id, assigned_by)"
            "  SELECT finding_id, theme_id, %s FROM matched"
            "  ON CONFLICT (finding_id, theme_id) DO NOTHING"
            "  RETURNING theme_id, finding_id)"
            " SELECT TRUE, theme_id, finding_id FROM added"
            " UNION ALL SELECT FALSE, theme_id, finding_id FROM removed",
            [
                *(value for query in queries for value in query),
                [theme.pk for theme in themes],
                FindingTheme.AssignedBy.RULE,
                FindingTheme.AssignedBy.RULE,
            ],
        )
        rows = cursor.fetchall()
    added: dict[int, list[int]] = {theme.pk: [] for theme in themes}
    removed: dict[int, list[int]] = {theme.pk: [] for theme in themes}
    for was_added, theme_id, finding_id in rows:
        (added if was_added else removed)[theme_id].append(finding_id)
    totals = dict(
        FindingTheme.objects.filter(theme__in=themes)
        .values_list("theme")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        theme.slug: ThemeChange(
            added=sorted(added[theme.pk]),
            removed=sorted(removed[theme.pk]),
            total=totals.get(theme.pk, 0),
        )
        for theme in themes
    }
