"""Tagging: each theme's compiled rules applied to findings, in set-based SQL.

Rules match weight A of a finding's stored search vector (its text and the other spellings
of its hyphenated words), so the heading a finding stood under never tags every paragraph
beneath it. One DELETE and one INSERT ... SELECT a theme, whatever the number of findings.

Rows come in two kinds. Rule rows follow the current rules and go when the rules stop
matching; editor rows are an editor's hand and are never touched by tagging. A
ThemeRejection is an editor saying "not this theme": tagging never adds it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction

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
    total = FindingTheme.objects.filter(theme=theme).count()
    return ThemeChange(added=added, removed=removed, total=total)


def _tag_theme(theme: Theme) -> tuple[list[int], list[int]]:
    """One DELETE and one INSERT ... SELECT; returns the finding ids added and removed."""
    query = compiled_query(theme.rules)
    findings = Finding._meta.db_table
    finding_themes = FindingTheme._meta.db_table
    rejections = ThemeRejection._meta.db_table
    matches = f"{TEXT_VECTOR} @@ %s::tsquery" if query else "FALSE"
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
