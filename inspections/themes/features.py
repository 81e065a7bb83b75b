"""A finding's features for the theme model, as PostgreSQL sees them.

Training and the admin's explanations take features from PostgreSQL, never from a Python
stemmer, so they are exactly what the tagging SQL joins against: the lexemes of the text
vector (tsvector_to_array of weight A: the text and the other spellings of its hyphenated
words), those of them at one of its first few positions (the opening words) and the themes
whose compiled rules match that vector.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db import connections

from inspections.models import Finding
from inspections.parsing.hyphens import compound_forms
from inspections.themes.rule_terms import RuleIndex

# The stored vector weighs finding text A and heading B: rules and the model look at the
# text alone.
TEXT_VECTOR = "ts_filter(f.search_vector, '{a}')"


@dataclass(frozen=True)
class Features:
    lexemes: frozenset[str]
    opening: frozenset[str]  # the lexemes at one of the first `opening_positions` positions
    rule_hits: frozenset[str]  # slugs of the themes whose rules match


# The same vector as a stored finding's weight A, for text not stored as a finding.
_TEXT_VECTOR = (
    "(setweight(to_tsvector('english', r.body), 'A')"
    " || setweight(to_tsvector('english', r.extra), 'A'))"
)
# A finding's whole stored vector (models.Finding.search_vector, as migration 0022's trigger
# makes it): its text's, then its heading's at weight B.
_STORED_VECTOR = "r.vector || setweight(to_tsvector('english', r.heading), 'B')"


def text_features(
    texts: list[str], queries: dict[str, str], *, opening_positions: int, using="default"
) -> list[Features]:
    """Each text's features, stemmed as if it were a finding; `queries`: slug: tsquery."""
    extras = [compound_forms(text) for text in texts]
    features, _ = _features(
        "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS r(body, extra, n)",
        _TEXT_VECTOR,
        [texts, extras],
        len(texts),
        queries,
        opening_positions,
        using,
    )
    return features


def new_finding_features(
    texts: list[str],
    extras: list[str],
    headings: list[str],
    queries: dict[str, str],
    *,
    opening_positions: int,
    using="default",
) -> tuple[list[Features], list[str]]:
    """The features of findings about to be stored, and each one's search vector as the
    row stores it (as text): each text stemmed once for both. `extras`: each text's
    `compound_forms`."""
    return _features(
        "FROM unnest(%s::text[], %s::text[], %s::text[])"
        " WITH ORDINALITY AS r(body, extra, heading, n)",
        _TEXT_VECTOR,
        [texts, extras, headings],
        len(texts),
        queries,
        opening_positions,
        using,
        stored=True,
    )


def finding_features(
    finding_ids: list[int], queries: dict[str, str], *, opening_positions: int, using="default"
) -> list[Features]:
    """Stored findings' features, in the order of `finding_ids`."""
    features, _ = _features(
        f"FROM unnest(%s::bigint[]) WITH ORDINALITY AS r(id, n)"
        f" JOIN {Finding._meta.db_table} f ON f.id = r.id",
        TEXT_VECTOR,
        [_array(finding_ids)],
        len(finding_ids),
        queries,
        opening_positions,
        using,
    )
    return features


def _features(
    source, vector, params, count, queries, opening_positions, using, stored=False
) -> tuple[list[Features], list[str]]:
    """The features of the rows of `source` (SQL: FROM ..., rows numbered n), whose vector
    is `vector`; and with `stored`, each row's stored vector (_STORED_VECTOR) as text, made
    from the same vector (OFFSET 0: computed once), else an empty list."""
    slugs = sorted(slug for slug, query in queries.items() if query)
    with connections[using].cursor() as cursor:
        # The vector as its text, read here: building the arrays of its lexemes and of its
        # opening ones in PostgreSQL cost three times what this text and a regex do.
        whole = f"({_STORED_VECTOR})::text" if stored else "NULL"
        inner = "r.heading, " if stored else ""
        cursor.execute(
            f"SELECT r.n, r.vector::text, {whole} FROM (SELECT r.n, {inner}{vector} AS vector"
            f" {source} OFFSET 0) AS r ORDER BY r.n",
            params,
        )
        fetched = cursor.fetchall()
        vectors = {n: text for n, text, _ in fetched}
        whole_texts = [whole_text for _, _, whole_text in fetched] if stored else []
        rows = [(n, *_lexemes(text, opening_positions)) for n, text in vectors.items()]
        if len(rows) != count:
            raise ValueError(f"features of {len(rows)} of {count} findings: some are gone")
        hits = _rule_hits(cursor, vectors, rows, slugs, queries)
    features = [
        Features(lexemes, opening, hits.get(n, frozenset())) for n, lexemes, opening in rows
    ]
    return features, whole_texts


# A lexeme of a tsvector's text ('it''s':1A,7A): quotes doubled, backslashes escaped, then
# its positions, in ascending order (the first is where it first occurs), if it has any.
_LEXEME = re.compile(r"'((?:[^'\\]|''|\\.)*)'(?::(\d+))?")
_ESCAPE = re.compile(r"''|\\(.)")


@lru_cache(maxsize=4)
def _opening_lexeme(opening_positions: int) -> re.Pattern:
    """A lexeme (with no quote or backslash in it) whose first position is one of the first
    `opening_positions`: its text followed by a number that small."""
    numbers = "|".join(str(position) for position in range(opening_positions, 0, -1)) or "(?!)"
    return re.compile(rf"'([^']*)':(?:{numbers})[A-D]?(?![0-9])")


def _lexemes(vector: str, opening_positions: int) -> tuple[frozenset[str], frozenset[str]]:
    """A tsvector's text to (its lexemes, those first at one of its first positions)."""
    if "''" not in vector and "\\" not in vector:
        # No lexeme with a quote in it: every other piece between quotes is one. Cut with
        # str.split and one regex, not a regex's groups a lexeme: five times faster.
        return (
            frozenset(vector.split("'")[1::2]),
            frozenset(_opening_lexeme(opening_positions).findall(vector)),
        )
    lexemes = []
    opening = []
    for lexeme, first in _LEXEME.findall(vector):
        lexeme = _ESCAPE.sub(lambda m: m.group(1) or "'", lexeme)
        lexemes.append(lexeme)
        if first and int(first) <= opening_positions:
            opening.append(lexeme)
    return frozenset(lexemes), frozenset(opening)


def _rule_hits(cursor, vectors, rows, slugs, queries) -> dict[int, frozenset[str]]:
    """The themes whose rules each row's vector matches, by row number: PostgreSQL matches
    only the themes its lexemes leave possible (`rule_terms`), not every theme: 45 themes'
    queries tried on every finding were two thirds of the features' time.

    The vectors are those just read (`vectors`: row number: its text), sent back: made
    again from a text not yet stored (an import's), each would be stemmed a second time,
    ~60 us a finding."""
    if not slugs:
        return {}
    index = _rule_index(tuple((slug, queries[slug]) for slug in slugs))
    place = {slug: number for number, slug in enumerate(slugs, start=1)}
    tries = [(n, place[slug]) for n, lexemes, _ in rows for slug in index.possible(lexemes)]
    if not tries:
        return {}
    tried = sorted({n for n, _ in tries})
    # The vectors as one text, cut where no lexeme can hold the character (the parser
    # makes words of letters and digits): a list is quoted element by element, ~1 ms of
    # Python a letter of fifteen findings.
    cursor.execute(
        "SELECT t.n, t.theme FROM unnest(%s::bigint[],"
        " string_to_array(%s, chr(31))::tsvector[]) AS r(n, vector)"
        " JOIN unnest(%s::bigint[], %s::int[]) AS t(n, theme) ON t.n = r.n"
        " WHERE r.vector @@ (%s::tsquery[])[t.theme]",
        [
            _array(tried),
            "\x1f".join(vectors[n] for n in tried),
            _array(n for n, _ in tries),
            _array(theme for _, theme in tries),
            [queries[slug] for slug in slugs],
        ],
    )
    found: dict[int, set[str]] = {}
    for n, theme in cursor.fetchall():
        found.setdefault(n, set()).add(slugs[theme - 1])
    return {n: frozenset(themes) for n, themes in found.items()}


def _array(numbers: Iterable[int]) -> str:
    """Whole numbers as a PostgreSQL array's text: a list of thousands is made ten times
    faster so than by the driver's quoting of each."""
    return "{" + ",".join(map(str, numbers)) + "}"


@lru_cache(maxsize=8)
def _rule_index(queries: tuple[tuple[str, str], ...]) -> RuleIndex:
    # Read once for as long as the rules last (an admin's edit makes new queries).
    return RuleIndex(dict(queries))
