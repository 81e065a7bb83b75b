"""Which results a page lists, in what order, and how they are read.

Ranked whole, or the best of the newest when a search matches too many to rank
(BestOfNewest); the first page's ids may come with the counts (facets.FirstPage), any
other page is read here with the planner told what the counts showed. The findings and
letters pages (browse.py), their exports and the API list the same results so.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page
from django.db import connections, transaction
from django.http import QueryDict

from inspections.best_of_newest import BestOfNewest
from inspections.facets import Facet, too_many_to_count, without_query
from inspections.filters import ArchiveFilter
from inspections.routers import read_alias
from inspections.search import normalise_query

SERIAL_BELOW = 20_000  # results; fewer are ranked without parallel workers
FEW_MATCHES = 5_000  # a search's matches; fewer are listed from the search index, sorted


@dataclass(frozen=True)
class Scale:
    """How a page copes with more results than it can count exactly (see facets/estimates.py)."""

    # Rows of the table the estimated counts are made on.
    sample_rows: int
    # Results listed: ranking a common word's 700,000 matches would read them all, so the
    # best matches among the newest `listed` are listed, in pages, instead.
    listed: int


@dataclass(frozen=True)
class Listed:
    """A result of a page read with its counts: its id, all the page's rows need."""

    pk: int


def read_page(page: Page, filterset, *, total: int, query: str) -> None:
    """`page`'s results read, the planner told what the counts showed."""
    planner = []
    if total < SERIAL_BELOW:
        # The counts say the matches are few: starting parallel workers would cost more
        # than ranking them (measured ~20 ms of a rare word's 25 ms at 100,000 letters).
        planner.append("SET LOCAL max_parallel_workers_per_gather = 0")
    if query and total < FEW_MATCHES:
        # Newest (or oldest) first, the planner walks the date index testing each row
        # for the words, expecting the matches spread evenly; a rare word's are not
        # (one council's letters): 45 ms at 100,000 letters, where reading its matches
        # through the search index and sorting them takes a few.
        planner.append("SET LOCAL enable_indexscan = off")
    if planner:
        # SET LOCAL holds inside a transaction, on the connection the rows are read from;
        # the settings go in one statement, one round trip.
        alias = read_alias(filterset.qs.model)
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("; ".join(planner))
            page.object_list = list(page.object_list)
    else:
        page.object_list = list(page.object_list)


def results_key(queryset, data: QueryDict) -> str:
    """What names a query's results for what is kept of them: the model, the count limit
    (which decides what is listed; servers set differently may share one Redis) and every
    filter but the page (canonical, in the order given: one key for one query string),
    hashed, as words can be long."""
    named = f"{queryset.model._meta.label_lower}:{settings.FACET_EXACT_COUNT_LIMIT}:"
    return hashlib.sha256((named + without_query(data)).encode()).hexdigest()


def _searched_by_relevance(filterset) -> bool:
    """Whether the FilterSet searches words and lists the matches best first: the only
    order that may be too costly to give whole."""
    cleaned = filterset.form.cleaned_data
    by_relevance = (cleaned.get("sort") or "relevance") == "relevance"
    return by_relevance and bool(normalise_query(cleaned.get("q")))


def in_order(
    filterset,
    results,
    newest_field: str,
    scale: Scale,
    *,
    estimated: bool,
    since: datetime.date | None = None,
    data: QueryDict | None = None,
):
    """`results` (the FilterSet's, with what each row needs) in the order the page lists them.

    Ranked whole, or the best of the newest `scale.listed` when they are too many to rank
    (`since`: where the newest are likely to start, see BestOfNewest; `data`: the state
    as understood, which names the results).
    """
    if estimated and _searched_by_relevance(filterset):
        key = results_key(results, data if data is not None else filterset.data)
        return BestOfNewest(
            filterset.qs, newest_field, scale.listed, rows=results, since=since, kept_as=key
        )
    return results


# Matches under this share of the table are sparse: the newest are found faster through
# the search index ANDed with a date range than by walking the date index testing each row
# (a phrase matching 6% of findings: 73,000 pages read, 14,000 with the range); a common
# word (25%) is found by the walk in 40,000 rows, where the search index's bitmap of its
# 382,000 matches alone took 0.5 s (of 1.6) at 100,000 letters.
SPARSE_SHARE = 0.10


def sparse(total: int, queryset) -> bool:
    """Whether `total` results are a small share of the table (by the planner's count)."""
    with connections[read_alias(queryset.model)].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        rows = cursor.fetchone()[0]
    return rows > 0 and total < SPARSE_SHARE * rows


# The estimated results of the years read first, over the window they are to fill: room
# for the sample's error (a year's estimate from ~100 sampled matches is within 20% or so).
WINDOW_MARGIN = 1.5


def window_start(facets: list[Facet], window: int) -> datetime.date | None:
    """The first day of the fewest newest years whose results, by the year facet's counts,
    are likely to fill a window of `window`: None if all the years together are unlikely to.

    Only a hint (BestOfNewest reads every match should those years fall short), so an
    estimate, or a count that leaves out a chosen year, does no harm.
    """
    by_year = next((facet for facet in facets if facet.name == "year"), None)
    if by_year is None:
        return None
    found = 0
    for value in sorted(by_year.values, key=lambda value: value.value, reverse=True):
        found += value.count
        if found >= WINDOW_MARGIN * window:
            return datetime.date(int(value.value), 1, 1)
    return None


def api_results(filterset: ArchiveFilter, *, newest_field: str, scale: Scale):
    """The FilterSet's results in the page's order, for the API's cursor pages.

    Where a search by relevance matches too many to rank them all, the page lists the best
    of the newest `scale.listed` matches; so does this (the API loads the rows it lists).
    """
    results = filterset.qs
    if not _searched_by_relevance(filterset):
        return results
    if not too_many_to_count(results.order_by()):
        return results
    return BestOfNewest(results, newest_field, scale.listed)
