"""A finding's features for the theme model, as PostgreSQL sees them.

Training and the admin's explanations take features from PostgreSQL, never from a Python
stemmer, so they are exactly what the tagging SQL joins against: the lexemes of the text
vector (tsvector_to_array of weight A: the text and the other spellings of its hyphenated
words), those of them at one of its first few positions (the opening words) and the themes
whose compiled rules match that vector.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connections

from inspections.models import Finding
from inspections.parsing.hyphens import compound_forms
from inspections.themes.tagging import TEXT_VECTOR


@dataclass(frozen=True)
class Features:
    lexemes: frozenset[str]
    opening: frozenset[str]  # the lexemes at one of the first `opening_positions` positions
    rule_hits: frozenset[str]  # slugs of the themes whose rules match


# The same vector as a stored finding's weight A, for text not stored as a finding.
_TEXT_VECTOR = "(to_tsvector('english', r.body) || to_tsvector('english', r.extra))"


def text_features(
    texts: list[str], queries: dict[str, str], *, opening_positions: int, using="default"
) -> list[Features]:
    """Each text's features, stemmed as if it were a finding; `queries`: slug: tsquery."""
    extras = [compound_forms(text) for text in texts]
    return _features(
        "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS r(body, extra, n)",
        _TEXT_VECTOR,
        [texts, extras],
        len(texts),
        queries,
        opening_positions,
        using,
    )


def finding_features(
    finding_ids: list[int], queries: dict[str, str], *, opening_positions: int, using="default"
) -> list[Features]:
    """Stored findings' features, in the order of `finding_ids`."""
    return _features(
        f"FROM unnest(%s::bigint[]) WITH ORDINALITY AS r(id, n)"
        f" JOIN {Finding._meta.db_table} f ON f.id = r.id",
        TEXT_VECTOR,
        [list(finding_ids)],
        len(finding_ids),
        queries,
        opening_positions,
        using,
    )


def _features(source, vector, params, count, queries, opening_positions, using) -> list[Features]:
    slugs = sorted(slug for slug, query in queries.items() if query)
    with connections[using].cursor() as cursor:
        # A lexeme's positions are in ascending order: the first is where it first occurs.
        cursor.execute(
            f"SELECT r.n, tsvector_to_array({vector}),"
            f" ARRAY(SELECT l.lexeme FROM unnest({vector}) AS l WHERE l.positions[1] <= %s),"
            " ARRAY(SELECT q.slug FROM unnest(%s::text[], %s::tsquery[]) AS q(slug, query)"
            f"  WHERE {vector} @@ q.query ORDER BY q.slug)"
            f" {source} ORDER BY r.n",
            [opening_positions, slugs, [queries[slug] for slug in slugs], *params],
        )
        rows = cursor.fetchall()
    if len(rows) != count:
        raise ValueError(f"features of {len(rows)} of {count} findings: some are gone")
    return [
        Features(frozenset(lexemes), frozenset(opening), frozenset(hits))
        for _, lexemes, opening, hits in rows
    ]
