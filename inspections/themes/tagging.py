"""Tagging: findings given themes in set-based SQL, by the model and the rules.

A theme the model (model.py) knows is given where its score is above the threshold: its
intercept plus the weights of the finding's lexemes, of those among its opening words and
of the themes whose rules match.
A theme it does not know is given where its compiled rules match. Both read weight A of a
finding's stored search vector (its text and the other spellings of its hyphenated words),
so the heading a finding stood under never tags every paragraph beneath it. One DELETE and
one INSERT ... SELECT, whatever the number of findings or themes. New findings (an
import's) are scored in Python instead, from the same features, the same way, before they
are stored, so that each row carries its themes (`new_finding_themes`).

Rows come in two kinds. Tagger rows (assigned_by "rule", by the model or the rules) follow
the tagger and go when it no longer gives them; editor rows are an editor's hand and are
never touched by tagging. A ThemeRejection is an editor saying "not this theme": tagging
never adds it back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.db.models import Count

from inspections.caching import bump_data_version
from inspections.models import Finding, FindingTheme, Theme, ThemeRejection
from inspections.themes.features import TEXT_VECTOR, new_finding_features
from inspections.themes.model import ThemeModel, theme_model
from inspections.themes.rules import compiled_query


@dataclass(frozen=True)
class ThemeChange:
    """What re-applying one theme's rules did (or, in a dry run, would do)."""

    added: list[int] = field(default_factory=list)  # finding ids
    removed: list[int] = field(default_factory=list)
    total: int = 0  # findings with the theme afterwards, by rules or editors


def tag_findings(*, inspection_ids: list[int] | None = None) -> int:
    """Tag these letters' findings (None: all) with every theme, in one statement.

    The importer calls this for each new letter: one round trip whatever the number of
    themes, each finding's text vector taken once. Keeps editor rows, never adds a
    rejected theme, and drops tagger rows no longer matched. Returns how many were added.
    """
    themes = list(Theme.objects.order_by("pk"))
    rows = _apply(themes, inspection_ids=inspection_ids)
    return sum(1 for was_added, _, _ in rows if was_added)


def _apply(themes: list[Theme], *, inspection_ids: list[int] | None) -> list[tuple]:
    """Tag findings with these themes: (added?, theme id, finding id) of each row changed.

    One DELETE and one INSERT ... SELECT. A theme the model knows is given where its score
    (model.py) is above the threshold; any other theme where its rules match.
    """
    model = theme_model()
    matched, params = _matched_sql(themes, model, inspection_ids=inspection_ids)
    finding_themes = FindingTheme._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"{matched},"
            f" removed AS (DELETE FROM {finding_themes} ft USING scoped s"
            "  WHERE ft.finding_id = s.id AND ft.theme_id = ANY(%s) AND ft.assigned_by = %s"
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
                *params,
                [theme.pk for theme in themes],
                FindingTheme.AssignedBy.RULE,
                FindingTheme.AssignedBy.RULE,
            ],
        )
        return cursor.fetchall()


def _matched_sql(
    themes: list[Theme],
    model: ThemeModel,
    *,
    inspection_ids: list[int] | None = None,
    finding_ids: list[int] | None = None,
) -> tuple[str, list]:
    """A WITH clause ending in `matched (finding_id, theme_id)`: what tagging gives.

    Also defines `scoped` (the findings and their text vectors) and `scores` (each
    modelled theme's score, for findings with any weighed feature). Scoring is a join of
    each finding's lexemes (unnest of its text vector) with the model's weights, passed as
    arrays: no table to keep in step with the file, and only a few thousand weights.
    """
    modelled = [theme for theme in themes if theme.slug in model]
    rules_only = [theme for theme in themes if theme.slug not in model]
    # Rules are matched for the themes tagged by rules and for those the scores read.
    needed = {theme.slug for theme in rules_only} | model.rule_slugs(t.slug for t in modelled)
    queries = _theme_queries(
        tuple(Theme.objects.filter(slug__in=needed).order_by("pk").values_list("pk", "rules"))
    )
    words: dict[str, dict[str, float]] = {}
    opening: dict[str, dict[str, float]] = {}
    for theme in modelled:
        for lexeme, weight in model.themes[theme.slug].words.items():
            words.setdefault(lexeme, {})[str(theme.pk)] = weight
        for lexeme, weight in model.themes[theme.slug].opening.items():
            opening.setdefault(lexeme, {})[str(theme.pk)] = weight
    slug_ids = dict(Theme.objects.filter(slug__in=needed).values_list("slug", "pk"))
    rule_weights = [
        (theme.pk, slug_ids[slug], weight)
        for theme in modelled
        for slug, weight in model.themes[theme.slug].rules.items()
        if slug in slug_ids
    ]
    values = ", ".join(["(%s::bigint, %s::tsquery)"] * len(queries))
    values = values or "(NULL::bigint, NULL::tsquery)"  # no rules at all: match nothing
    if finding_ids is not None:
        scope, scope_params = "f.id = ANY(%s)", [list(finding_ids)]
    elif inspection_ids is not None:
        scope, scope_params = "f.inspection_id = ANY(%s)", [list(inspection_ids)]
    else:
        scope, scope_params = "TRUE", []
    sql = (
        f"WITH rules (theme_id, query) AS (VALUES {values}),"
        f" scoped AS MATERIALIZED (SELECT f.id, {TEXT_VECTOR} AS text_vector"
        f"  FROM {Finding._meta.db_table} f WHERE {scope}),"
        " intercepts AS (SELECT * FROM unnest(%s::bigint[], %s::float8[])"
        "  AS i(theme_id, intercept)),"
        " rule_weights AS (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::float8[])"
        "  AS w(theme_id, rule_theme_id, weight)),"
        # Summed finding by finding (LATERAL): a few hundred rows each, never one hash of
        # every finding's rows, which at 150,000 findings spills gigabytes to disk. The word
        # weights are one jsonb {lexeme: {theme id: weight}}: a lexeme's weights are a
        # binary search in it, not a scan of every weight for every finding. The opening
        # words' weights are a second such object, read for the lexemes whose first
        # position (positions are in ascending order) is among the opening ones.
        " scores AS (SELECT s.id AS finding_id, c.theme_id, i.intercept + c.total AS score"
        "  FROM scoped s CROSS JOIN LATERAL (SELECT theme_id, sum(weight) AS total FROM ("
        "    SELECT w.key::bigint AS theme_id, w.value::float8 AS weight"
        "    FROM unnest(tsvector_to_array(s.text_vector)) AS l(lexeme),"
        "    jsonb_each_text(%s::jsonb -> l.lexeme) AS w"
        "    UNION ALL SELECT w.key::bigint, w.value::float8"
        "    FROM unnest(s.text_vector) AS l, jsonb_each_text(%s::jsonb -> l.lexeme) AS w"
        "    WHERE l.positions[1] <= %s"
        "    UNION ALL SELECT w.theme_id, w.weight"
        "    FROM rule_weights w JOIN rules r ON r.theme_id = w.rule_theme_id"
        "    WHERE s.text_vector @@ r.query) AS x GROUP BY theme_id) AS c"
        "  JOIN intercepts i ON i.theme_id = c.theme_id),"
        " hits AS (SELECT s.id AS finding_id, r.theme_id"
        "  FROM scoped s JOIN rules r ON r.theme_id = ANY(%s) AND s.text_vector @@ r.query),"
        " matched AS MATERIALIZED (SELECT finding_id, theme_id FROM ("
        "   SELECT finding_id, theme_id FROM scores WHERE score > %s"
        "   UNION ALL SELECT finding_id, theme_id FROM hits) m"
        f"  WHERE NOT EXISTS (SELECT 1 FROM {ThemeRejection._meta.db_table} x"
        "   WHERE x.finding_id = m.finding_id AND x.theme_id = m.theme_id))"
    )
    params = [
        *(value for query in queries for value in query),
        *scope_params,
        [theme.pk for theme in modelled],
        [model.themes[theme.slug].intercept for theme in modelled],
        *_columns(rule_weights, 3),
        json.dumps(words),
        json.dumps(opening),
        model.opening_positions,
        [theme.pk for theme in rules_only],
        model.threshold,
    ]
    return sql, params


def finding_scores(finding_ids: list[int]) -> dict[tuple[int, str], float]:
    """Each modelled theme's score for these findings, by the statement tagging runs.

    {(finding id, theme slug): score}; absent where no feature of the finding weighs.
    """
    themes = list(Theme.objects.order_by("pk"))
    matched, params = _matched_sql(themes, theme_model(), finding_ids=finding_ids)
    slugs = {theme.pk: theme.slug for theme in themes}
    with connection.cursor() as cursor:
        cursor.execute(f"{matched} SELECT finding_id, theme_id, score FROM scores", params)
        return {(fid, slugs[tid]): score for fid, tid, score in cursor.fetchall()}


def _columns(rows: list[tuple], width: int) -> list[list]:
    """Rows as columns, for unnest(): [(1, "a"), (2, "b")] -> [[1, 2], ["a", "b"]]."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[]] * width


def new_finding_themes(
    texts: list[str], *, extras: list[str], headings: list[str]
) -> tuple[list[list[int]], list[str]]:
    """For findings about to be stored: the ids of the themes `tag_findings` would give
    each, in order (as a finding's `theme_ids`), and each one's search vector as its row
    stores it (text), both from one stemming of its text (features.new_finding_features).

    The same features (PostgreSQL's lexemes and rule matches, `features.py`, of the text as
    a stored finding's would be) and the same scores, summed in Python (`ThemeModel.scores`,
    in the order the SQL sums them) rather than in SQL, where adding a few hundred weights
    a finding row by row cost ~1 ms a finding, most of an import's time in PostgreSQL.
    `extras`: each text's `compound_forms`; `headings`: what each stood under.
    """
    if not texts:
        return [], []
    model = theme_model()
    themes = dict(Theme.objects.values_list("slug", "pk"))
    # Rules are matched for the themes tagged by rules and for those the scores read.
    by_rules = {slug for slug in themes if slug not in model}
    needed = by_rules | model.rule_slugs(slug for slug in themes if slug in model)
    queries = dict(
        _theme_queries(
            tuple(Theme.objects.filter(slug__in=needed).order_by("pk").values_list("slug", "rules"))
        )
    )
    features, vectors = new_finding_features(
        texts, extras, headings, queries, opening_positions=model.opening_positions
    )
    theme_ids = [
        sorted(
            themes[slug]
            for slug in (by_rules & found.rule_hits)
            | model.tags(lexemes=found.lexemes, opening=found.opening, rule_hits=found.rule_hits)
            if slug in themes
        )
        for found in features
    ]
    return theme_ids, vectors


def add_new_finding_themes(finding_ids: list[int], theme_ids: list[list[int]]) -> int:
    """Give each finding just stored with these theme ids (`Finding.theme_ids`, as
    `new_finding_themes` gave them) their FindingTheme rows, as the rules', in one INSERT.
    Returns the rows added.

    Exactly those rows (no editor has rejected a theme of a finding just stored): the
    trigger that keeps a finding's ids those of its rows (migration 0021) is told they are
    already, and skips looking them up (~0.4 ms of PostgreSQL's CPU a letter).
    """
    rows = [
        (finding_id, theme_id)
        for finding_id, ids in zip(finding_ids, theme_ids, strict=True)
        for theme_id in ids
    ]
    if not rows:
        return 0
    # A savepoint: should the INSERT fail, the setting goes with it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL inspections.theme_ids_given = 'on'")
        cursor.execute(
            f"INSERT INTO {FindingTheme._meta.db_table} (finding_id, theme_id, assigned_by)"
            " SELECT m.finding_id, m.theme_id, %s"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS m(finding_id, theme_id)",
            [FindingTheme.AssignedBy.RULE, *_columns(rows, 2)],
        )
        added = cursor.rowcount
        cursor.execute("SET LOCAL inspections.theme_ids_given = 'off'")
        return added


@lru_cache(maxsize=4)
def _theme_queries(themes: tuple[tuple[object, str], ...]) -> list[tuple[object, str]]:
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
    """Re-tag every finding with every theme, in one statement and one transaction.

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
    """Re-tag every finding with one theme: after an admin edits its rules."""
    with transaction.atomic():
        return _retag([theme])[theme.slug]


def _retag(themes: list[Theme]) -> dict[str, ThemeChange]:
    """One DELETE and one INSERT ... SELECT for these themes over every finding.

    Each finding's text vector is taken once, matched against the rules and its lexemes
    joined with the model's weights (one pass over the findings, not one a theme).
    Returns each theme's change by slug.
    """
    bump_data_version()  # after the commit; never, if a dry run rolls back
    rows = _apply(themes, inspection_ids=None)
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
