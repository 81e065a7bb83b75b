"""The rows of one page of the findings page's results: one statement, plain rows.

A page lists twenty findings, each with its council, its letter's date and type, its theme
ids and, for a search, its text with the matches marked. Through the ORM (select_related,
a subquery of theme ids, the snippet's expressions) those rows took ~7 ms at 100,000
letters, of which the statement itself ~3: compiling it and making three model instances
a row were the rest. Here the statement is written once, and each row is a small record
with what the page shows (inspections.templatetags.browse_tags.finding_result_items).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import connections
from django.urls import reverse
from django.utils.safestring import SafeString

from inspections.models import Authority, Finding
from inspections.routers import read_alias
from inspections.search import normalise_query, snippet_sql


@dataclass(frozen=True)
class ResultCouncil:
    pk: int
    name: str
    slug: str

    def get_absolute_url(self) -> str:
        return reverse("inspections:authority-detail", args=[self.slug])


@dataclass(frozen=True)
class ResultLetter:
    pk: int
    letter_date: datetime.date
    inspection_type: str
    authority: ResultCouncil

    def get_absolute_url(self) -> str:
        return reverse("inspections:letter-detail", args=[self.pk])


@dataclass
class ResultFinding:
    pk: int
    inspection: ResultLetter
    category: str
    heading: str
    position: int
    text: str
    recurring: bool
    theme_ids: list[int]
    snippet_raw: str | None = None  # search.snippet_sql's: None without a query or a match
    # Set by the page (browse.browse_findings): the snippet marked, the themes named.
    snippet: SafeString | None = None
    tagged_themes: list[tuple[str, str]] = field(default_factory=list)

    def get_absolute_url(self) -> str:
        return f"{self.inspection.get_absolute_url()}#finding-{self.position}"


def result_findings(ids: list[int], query: str | None) -> list[ResultFinding]:
    """The findings of `ids`, in that order, with their snippets of `query` if any.

    A finding carries its letter's council, date and type (models.Finding), so no letter is
    read; an id no longer stored is left out.
    """
    if not ids:
        return []
    finding = Finding._meta.db_table
    columns = (
        "f.id, f.inspection_id, f.letter_date, f.inspection_type, a.id, a.name, a.slug, "
        "f.category, f.heading, f.position, f.text, f.recurring, f.theme_ids"
    )
    params: list = []
    query = normalise_query(query)
    if query:
        snippet, params = snippet_sql("f.text", "f.search_vector", query, whole=True)
        columns += f", {snippet}"
    sql = (
        f"SELECT {columns} FROM unnest(%s::bigint[]) WITH ORDINALITY AS page(id, n)"
        f" JOIN {finding} f ON f.id = page.id"
        f" JOIN {Authority._meta.db_table} a ON a.id = f.authority_id"
        " ORDER BY page.n"
    )
    with connections[read_alias(Finding)].cursor() as cursor:
        cursor.execute(sql, [*params, list(ids)])
        rows = cursor.fetchall()
    return [_finding(row) for row in rows]


def _finding(row: tuple) -> ResultFinding:
    (pk, letter_pk, letter_date, inspection_type, council_pk, name, slug) = row[:7]
    category, heading, position, text, recurring, theme_ids = row[7:13]
    council = ResultCouncil(council_pk, name, slug)
    return ResultFinding(
        pk=pk,
        inspection=ResultLetter(letter_pk, letter_date, inspection_type, council),
        category=category,
        heading=heading,
        position=position,
        text=text,
        recurring=recurring,
        theme_ids=theme_ids,
        snippet_raw=row[13] if len(row) > 13 else None,
    )
