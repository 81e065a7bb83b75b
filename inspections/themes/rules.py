"""Theme rules: lines of text an editor writes, compiled into one PostgreSQL tsquery.

A line is web-search syntax (`caseload`, `"management oversight"`, `supervision -order`),
matched against the stemmed text of a finding. Two prefixes:

- `tsquery:` the rest is PostgreSQL's own tsquery syntax, for words near each other:
  `tsquery: plan <3> (child <-> protect)` (`<N>`: the second word N words after the first);
- `unless:` the rest (either syntax) keeps the theme off a finding it matches, for a word
  that, in that company, is only a passing mention (`unless: "approved mental health"`).

And ` && ` joins parts a finding must all match, each in the line's syntax: for words that
say little alone but name the subject together (`analysis && assessments`).

A theme matches a finding when any of its other lines matches and no `unless:` line does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction

RAW = "tsquery:"
UNLESS = "unless:"
AND = " && "


@dataclass(frozen=True)
class Rule:
    line: str  # as the editor wrote it
    query: str  # the tsquery PostgreSQL makes of it, in text; "" when it can match nothing
    exclude: bool  # an `unless:` line


def rule_lines(rules: str) -> list[str]:
    """The rules of a theme, one a line; blank lines and `#` comments are not rules."""
    lines = (line.strip() for line in rules.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _parts(line: str) -> tuple[bool, bool, str]:
    """(exclude, raw, text) of a rule line."""
    exclude = line.lower().startswith(UNLESS)
    if exclude:
        line = line[len(UNLESS) :].strip()
    raw = line.lower().startswith(RAW)
    if raw:
        line = line[len(RAW) :].strip()
    return exclude, raw, line


def compile_rules(rules: str) -> list[Rule]:
    """Each rule line with the tsquery PostgreSQL makes of it, in one round trip.

    Stop words vanish and words are stemmed, so `"not recorded"` is just `'record'`.
    Raises ValueError naming the line when a `tsquery:` line is not valid tsquery syntax.
    """
    lines = rule_lines(rules)
    if not lines:
        return []
    parts = [_parts(line) for line in lines]
    # Each part of each line, flattened for one statement: (line index, raw, text).
    pieces = [
        (index, raw, piece.strip())
        for index, (_, raw, body) in enumerate(parts)
        for piece in body.split(AND)
    ]
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(
                    "SELECT CASE WHEN raw THEN to_tsquery('english', body)::text"
                    " ELSE websearch_to_tsquery('english', body)::text END"
                    " FROM unnest(%s::text[], %s::boolean[]) WITH ORDINALITY AS r(body, raw, n)"
                    " ORDER BY n",
                    [[body for _, _, body in pieces], [raw for _, raw, _ in pieces]],
                )
                compiled = [row[0] for row in cursor.fetchall()]
        except DatabaseError:
            bad = _first_bad_line(lines, parts)
            raise ValueError(f"Not valid tsquery syntax: {bad}") from None
    by_line: list[list[str]] = [[] for _ in lines]
    for (index, _, _), query in zip(pieces, compiled, strict=True):
        by_line[index].append(query)
    return [
        Rule(line=line, query=_all_of(queries), exclude=exclude)
        for line, queries, (exclude, _, _) in zip(lines, by_line, parts, strict=True)
    ]


def _all_of(queries: list[str]) -> str:
    """Parts that must all match; a part with no terms makes the whole line match nothing."""
    if len(queries) == 1:
        return queries[0]
    if not all(queries):
        return ""
    return " & ".join(f"({query})" for query in queries)


def _first_bad_line(lines: list[str], parts: list[tuple[bool, bool, str]]) -> str:
    with connection.cursor() as cursor:
        for line, (_, raw, body) in zip(lines, parts, strict=True):
            if not raw:
                continue
            try:
                with transaction.atomic():
                    for piece in body.split(AND):
                        cursor.execute("SELECT to_tsquery('english', %s)", [piece])
            except DatabaseError:
                return line
    return lines[0]


def explain_rules(rules: str) -> list[tuple[str, str]]:
    """Each rule line beside the tsquery PostgreSQL makes of it, for editors checking rules."""
    return [(rule.line, rule.query) for rule in compile_rules(rules)]


def rules_without_terms(rules: str) -> list[str]:
    """Rule lines that can never match: nothing but stop words and punctuation."""
    return [rule.line for rule in compile_rules(rules) if not rule.query]


def compiled_query(rules: str) -> str:
    """A theme's rules as one tsquery, in text; "" when none can match.

    The lines ORed, and none of the `unless:` lines. A line that stems to the same query as
    an earlier one ("caseload", "caseloads") is left out: every finding is matched against
    every theme, and a sixth of the lines were such repeats.
    """
    compiled = compile_rules(rules)
    match = _any_of(rule.query for rule in compiled if rule.query and not rule.exclude)
    if not match:
        return ""
    unless = _any_of(rule.query for rule in compiled if rule.query and rule.exclude)
    return f"({match}) & !({unless})" if unless else match


def _any_of(queries: Iterable[str]) -> str:
    return " | ".join(f"({query})" for query in dict.fromkeys(queries))
