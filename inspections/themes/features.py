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

# The stored vector weighs finding text A and heading B: rules and the model look at the
# text alone.
TEXT_VECTOR = "ts_filter(f.search_vector, '{a}')"


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
    # Each rule one `@@` in an array (a constant query each), not a join with the rules
    # unnested again for every finding (a few per cent less).
    matches = ", ".join(["r.vector @@ %s::tsquery"] * len(slugs)) or "NULL"
    with connections[using].cursor() as cursor:
        # The vector taken once a row (in a subquery), not once for each use of it (once a
        # rule): 3,000 findings of bench_10k, 370 -> 220 ms, interleaved.
        # A lexeme's positions are in ascending order: the first is where it first occurs.
        cursor.execute(
            "SELECT r.n, tsvector_to_array(r.vector),"
            " ARRAY(SELECT l.lexeme FROM unnest(r.vector) AS l WHERE l.positions[1] <= %s),"
            f" ARRAY[{matches}]::boolean[]"
            f" FROM (SELECT r.n, {vector} AS vector {source} OFFSET 0) AS r ORDER BY r.n",
            [opening_positions, *(queries[slug] for slug in slugs), *params],
        )
        rows = cursor.fetchall()
    if len(rows) != count:
        raise ValueError(f"features of {len(rows)} of {count} findings: some are gone")
    return [
        Features(
            frozenset(lexemes),
            frozenset(opening),
            frozenset(slug for slug, hit in zip(slugs, hits, strict=False) if hit),
        )
        for _, lexemes, opening, hits in rows
    ]
