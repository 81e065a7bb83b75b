"""Estimated counts: when results are too many to count exactly, and the sample instead.

Counting is exact up to settings.FACET_EXACT_COUNT_LIMIT results. Above it, counting every
match would read most of the table (a common word matches half of all findings: two seconds
at 1.5 million findings), so the counts come from a random sample of the table's pages
instead, scaled up and shown as estimates ("about 730,000"). The planner's row estimate
decides, before anything is counted. With the setting None, every count is exact.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from inspections.caching import cached_counts

SAMPLE_ROWS = 40_000  # about how many rows of the table a sampled count reads, by default
# The same pages each time, so a page's estimates do not change on reload.
SAMPLE_SEED = 0


@dataclass(frozen=True)
class Sample:
    """A fixed random set of a table's pages, and what a row counted on it stands for."""

    table: str
    percent: float
    scale: float  # rows of the table per row of the sample

    @property
    def clause(self) -> str:
        return f"TABLESAMPLE SYSTEM ({self.percent:.6f}) REPEATABLE ({SAMPLE_SEED})"


def table_sample(
    table: str, sample_rows: int = SAMPLE_ROWS, *, using: str = DEFAULT_DB_ALIAS
) -> Sample:
    """About `sample_rows` rows of `table`; a small table whole.

    The scale is the table's rows over the sample's (a ratio estimate), not 100/percent:
    pages hold different numbers of rows, and one draw of pages can hold a few percent
    more rows than its share. `using`: the database the sampled counts are read from.
    """
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        rows = cursor.fetchone()[0]  # the planner's count; -1 before the first ANALYZE
        if rows <= sample_rows:
            return Sample(table, 100.0, 1.0)
        sample = Sample(table, 100.0 * sample_rows / rows, 1.0)
        cursor.execute(f'SELECT COUNT(*) FROM "{table}" {sample.clause}')
        sampled = cursor.fetchone()[0]
    return Sample(table, sample.percent, rows / sampled if sampled else 1.0)


def kept_sample(table: str, sample_rows: int, using: str) -> Sample:
    """table_sample(), drawn once a data version: its pages and the rows they hold change
    only on import, and counting them read 3% of the table's pages on every page (75 ms
    of a phrase's at 100,000 letters)."""
    return cached_counts(
        f"sample:{table}:{sample_rows}", partial(table_sample, table, sample_rows, using=using)
    )


def too_many_to_count(queryset, *, estimate: int | None = None) -> bool:
    """Whether the planner expects `queryset` to give more than FACET_EXACT_COUNT_LIMIT rows:
    never when that setting is None (every count exact, however slow). `estimate`: the
    planner's estimate, if it was asked already."""
    limit = settings.FACET_EXACT_COUNT_LIMIT
    if limit is None:
        return False
    return (estimated_rows(queryset) if estimate is None else estimate) > limit


def estimated_rows(queryset) -> int:
    """The planner's estimate of how many rows `queryset` gives: a millisecond, no scan."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def about(count: int) -> int:
    """An estimate rounded to two significant figures, the precision a sample gives."""
    if count < 100:
        return count
    magnitude = 10 ** (int(math.log10(count)) - 1)
    return round(count / magnitude) * magnitude
