"""Full-text search: the one entry point for finding findings and letters by their words.

`SearchQuerySet.search()` takes what a person typed, in web-search syntax (`"management
oversight"`, `caseloads OR workload`, `supervision -police`), matches it against the stored
English tsvector and ranks by relevance, newest first on ties. A blank query returns
everything unranked. PostgreSQL's websearch parser accepts any input, so a malformed query
never errors. Snippets are computed only for the rows a page shows, and are escaped before
the <mark> tags are put in, so letter text can never become markup.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection, models
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from inspections.parsing.hyphens import query_with_compounds

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 500  # as QUERY_VALUE_MAX_LENGTH, whose middleware tells the reader

# Highlight delimiters PostgreSQL puts around matches: control characters, which the
# importer strips from letter text; rows stored before that, or written some other way,
# have them (and the stand-ins below) taken out before the snippet is made, so after
# escaping they can only be our own markers.
_MARK_START = "\x02"
_MARK_END = "\x03"
# ts_headline drops anything that looks like an HTML tag, so "<script>" in a letter would
# vanish from its snippet. These stand in for <, > and & while PostgreSQL builds the
# snippet, and become &lt; &gt; &amp; afterwards: the text shows exactly as written.
_STAND_INS = {"&": "\x06", "<": "\x04", ">": "\x05"}
_ENTITIES = {stand_in: escape(character) for character, stand_in in _STAND_INS.items()}
_OUR_CONTROLS = _MARK_START + _MARK_END + "".join(_STAND_INS.values())


def normalise_query(query: str | None) -> str:
    """What we search for, as the reader typed it: trimmed, length-capped, with our
    highlight markers removed."""
    text = (query or "").replace(_MARK_START, " ").replace(_MARK_END, " ")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def search_query(query: str) -> SearchQuery:
    """The tsquery for a normalised query. Hyphenated words read as their whole form or
    their parts (inspections.parsing.hyphens), so every spelling finds the same findings."""
    return SearchQuery(query_with_compounds(query), search_type="websearch", config=SEARCH_CONFIG)


def words_searched(query: str | None) -> int:
    """How many words of `query` are searched for: 0 when each is too common ("the and")."""
    query = normalise_query(query)
    if not query:
        return 0
    # Reads no table, so any server answers: the primary's connection, open already for
    # the data version (inspections.caching), rather than the replica's.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))",
            [SEARCH_CONFIG, query_with_compounds(query)],
        )
        return cursor.fetchone()[0]


class SearchQuerySet(models.QuerySet):
    """A queryset over a model with a stored `search_vector`."""

    def search(
        self, query: str | None, *, newest_field: str, ranked: bool = True
    ) -> SearchQuerySet:
        """Rows matching `query`, best first and newest first on ties; blank: all, newest first.

        Not `ranked`: the matches newest first, with no `rank`. For a list sorted by date,
        which would compute every match's rank for nothing (~1 ms of a rare word's 1,136
        matches at 100,000 letters, and a whole pass over a common word's).
        """
        query = normalise_query(query)
        if not query:
            return self.order_by(f"-{newest_field}", "-pk")
        terms = search_query(query)
        if not ranked:
            return self.filter(search_vector=terms).order_by(f"-{newest_field}", "-pk")
        return (
            self.filter(search_vector=terms)
            .annotate(rank=SearchRank(F("search_vector"), terms))
            .order_by("-rank", f"-{newest_field}", "-pk")
        )

    def with_snippets(
        self, query: str | None, *, field: str, whole: bool = False
    ) -> SearchQuerySet:
        """Annotate `snippet_raw`, the matched words marked (None for a row that does not
        match); use on one page of rows only.

        `whole` marks every match in the whole text (a letter page); otherwise a few
        fragments around the matches (a result list).
        """
        query = normalise_query(query)
        if not query:
            return self
        table = connection.ops.quote_name(self.model._meta.db_table)
        column = connection.ops.quote_name(self.model._meta.get_field(field).column)
        sql, params = snippet_sql(
            f"{table}.{column}", f'{table}."search_vector"', query, whole=whole
        )
        return self.annotate(snippet_raw=RawSQL(sql, params, output_field=models.TextField()))


# ts_headline's options: every match in the whole text, or a few fragments around them.
_WHOLE_TEXT = f'StartSel="{_MARK_START}", StopSel="{_MARK_END}", HighlightAll=true'
_FRAGMENTS = (
    f'StartSel="{_MARK_START}", StopSel="{_MARK_END}", MaxFragments=3, MaxWords=30, '
    'MinWords=12, FragmentDelimiter=" … "'
)


def snippet_sql(text_sql: str, vector_sql: str, query: str, *, whole: bool) -> tuple[str, list]:
    """SQL for a row's snippet of a normalised `query`: its text (`text_sql`, SQL naming
    it) with the matches between our markers, or NULL where its vector (`vector_sql`) does
    not match the whole query: ts_headline marks every query word, even one the query
    excludes (-police), so only rows that match may show marks. The one place a snippet's
    SQL is written (with_snippets, and the findings page's rows: selectors.result_rows)."""
    # translate() with no replacement deletes: any of our control characters in the text;
    # then the stand-ins for <, > and &.
    text, text_params = f"translate({text_sql}, %s, '')", [_OUR_CONTROLS]
    for character, stand_in in _STAND_INS.items():
        text = f"replace({text}, %s, %s)"
        text_params += [character, stand_in]
    terms = "websearch_to_tsquery(%s::regconfig, %s)"
    searched = query_with_compounds(query)
    headline = f"ts_headline(%s::regconfig, {text}, {terms}, %s)"
    sql = f"CASE WHEN {vector_sql} @@ {terms} THEN {headline} END"
    params = [
        SEARCH_CONFIG,
        searched,
        SEARCH_CONFIG,
        *text_params,
        SEARCH_CONFIG,
        searched,
        _WHOLE_TEXT if whole else _FRAGMENTS,
    ]
    return sql, params


def marked(snippet_raw: str) -> SafeString:
    """Escape a snippet, then turn our markers into <mark> tags: safe whatever the text holds."""
    html = escape(snippet_raw)
    for stand_in, entity in _ENTITIES.items():
        html = html.replace(stand_in, entity)
    return mark_safe(html.replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>"))


def marked_if_matched(row) -> SafeString | None:
    """`marked()` snippet of a row annotated by with_snippets() that matched the query."""
    snippet_raw = getattr(row, "snippet_raw", None)
    return None if snippet_raw is None else marked(snippet_raw)
