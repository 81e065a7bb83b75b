"""The SQL that counts facets: one statement reading the results once for many counts
(grouped_counts), on a sample of the table's pages if need be, scaled up; and the condition
on the results' columns that keeps a chosen facet's rows (chosen_condition), for counting
several groups of facets in that one scan.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

from django.db import connections, transaction
from django.db.models import F, Func, IntegerField, Value
from django.db.models.functions import Cast

from inspections import grades
from inspections.facets.estimates import Sample
from inspections.facets.query_strings import as_param
from inspections.facets.specs import FacetSpec, names_by_id
from inspections.models import Inspection


def grouped_counts(
    results,
    specs: list[FacetSpec],
    sample: Sample | None = None,
    *,
    groups: list[tuple[list[int], list[tuple[str, list]]]] | None = None,
    first_page: FirstPage | None = None,
) -> tuple[dict[str, list[tuple[str, str, int]]], dict[int, int]]:
    """(value, label, count) rows for each facet, and the rows counted by each group (by
    its number; 0 without `groups`), in one statement.

    The results are read once: GROUP BY GROUPING SETS counts the facets with one value a
    row, and a facet with several (themes) unnests them from the same rows. With a
    `sample`, the rows are those of a sample of the table's pages, and the counts are
    scaled up to the whole table.

    `groups` counts facets over different subsets of `results` in the same scan: each
    (facet indexes, conditions) counts those facets over the rows meeting the conditions
    (SQL on the results' columns, with their parameters). Without it, every facet is
    counted over every row.

    `first_page` (exact counts only) reads the first page of the rows the first group
    counts, in its order, from the same rows: its `ids` are set.
    """
    groups = groups or [(list(range(len(specs))), [])]
    order = first_page.order_by if first_page is not None else ()
    sql, params, sets = _facet_rows(results, specs, sample, order)
    columns = [name for index in range(len(specs)) for name in (sets.get(index) or [f"v{index}"])]
    parts = []
    for number, (counted, conditions) in enumerate(groups):
        part_sql, part_params = _group_part(number, specs, sets, counted, conditions)
        parts.append(part_sql)
        params += part_params
    if first_page is not None:
        part_sql, part_params = _first_page_part(specs, columns, groups[0][1], first_page)
        parts.append(part_sql)
        params += part_params
    uses = len(parts) + sum(1 for spec in specs if spec.array)
    # Read once, used by each count; inlined when used once (no tuples written aside).
    materialized = "MATERIALIZED " if uses > 1 else ""
    statement = f"WITH results AS {materialized}({sql}) " + " UNION ALL ".join(parts)
    # A letter's search vector is stored out of line (TOAST: its whole text's words, ~6.6
    # KB compressed). Costing a test of each row's vector as cheap, the planner reads every
    # letter a common word matches and tests it (10,000 letters: ~150 ms), where the search
    # index answers a plain word without reading a vector (~12 ms).
    from_index = sample is None and results.model is Inspection and " @@ " in sql
    # A transaction only for a SET LOCAL: an exact count alone needs no BEGIN and COMMIT,
    # two round trips of a rare word's few milliseconds.
    in_transaction = (
        transaction.atomic(using=results.db)
        if sample is not None or from_index
        else contextlib.nullcontext()
    )
    with in_transaction, connections[results.db].cursor() as cursor:
        if from_index:
            cursor.execute("SET LOCAL enable_seqscan = off")
        if sample is not None:
            # The planner expects the sample's matches to be many and would sort them to
            # merge-join; hash joins stay on: a chosen theme's findings (95,000 at 100,000
            # letters) are hashed once rather than looked up for each of the sample's
            # 41,000 rows (the theme filter's counts: 219 -> 120 ms).
            cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    if first_page is not None:
        [listed] = [row[1 + len(specs)] for row in rows if row[0] == _FIRST_PAGE]
        first_page.ids = [int(pk) for pk in listed.strip("{}").split(",")] if listed else []
        rows = [row for row in rows if row[0] != _FIRST_PAGE]
    return _by_facet(rows, specs, columns, sample.scale if sample is not None else 1)


@dataclass
class FirstPage:
    """The first page of the results, asked of the statement that counts them exactly.

    A search's matches are read once for the counts and once again for the page (1,136
    matches of a rare word at 100,000 letters: 1.8 ms, and a transaction for the planner's
    settings); counted exactly, every match is in the statement's rows already, so the
    page's ids come with the counts. `ids` stays None when they were not read that way.
    """

    # Asked only of results the planner expects to be this many or fewer: the page is
    # then sorted from every counted row, where alone it could stop at its twentieth (a
    # common word's 380,000 matches at 100,000 letters, newest first: 2.11 s with its
    # page, 1.98 without; a rare word's 1,136: 3 ms less). Not of a page by relevance,
    # which ranks every result however it is read (see `ranks_every_result`).
    MOST_ROWS: ClassVar[int] = 5_000

    order_by: tuple[str, ...]  # the results' order: field names, "-" for descending
    size: int
    ids: list[int] | None = None

    @property
    def ranks_every_result(self) -> bool:
        """Whether the page is ordered by relevance: read alone, it would rank every result
        too before its first twenty, so the statement that counts them saves a second read
        however many they are (a theme and a word at 100,000 letters: the 74,000 findings
        with the theme looked up once, not twice)."""
        return self.order_by[:1] == ("-rank",)

    @classmethod
    def of(cls, queryset, size: int) -> FirstPage | None:
        """For `queryset`'s order; None when it is not one of field names (an expression)."""
        order_by = tuple(queryset.query.order_by)
        if not order_by or not all(isinstance(name, str) for name in order_by):
            return None
        return cls(order_by, size)


# The number of the first page's rows in grouped_counts' statement: the groups count from 0.
_FIRST_PAGE = -1


def _first_page_part(
    specs: list[FacetSpec], columns: list[str], conditions: list[tuple[str, list]], page: FirstPage
) -> tuple[str, list]:
    """The SELECT of the first page's ids: of the rows meeting `conditions` (the first
    group's, every chosen facet's), in the page's order, as one array in the first value
    column of one row. The LIMIT keeps only a page's worth of rows while it sorts."""
    where, params = _all_of(conditions)
    order = ", ".join(
        f"o{index} {'DESC' if name.startswith('-') else 'ASC'}"
        for index, name in enumerate(page.order_by)
    )
    kept = ", ".join(f"o{index}" for index in range(len(page.order_by)))
    listed = f"array_agg(result_id ORDER BY {order})::text"
    values = [listed, *(["NULL::text"] * (len(columns) - 1))]
    statement = (
        f"SELECT {_FIRST_PAGE}, {', '.join(['1'] * len(specs))}, {', '.join(values)}, 0 FROM ("
        f"SELECT result_id, {kept} FROM results WHERE {where} ORDER BY {order} LIMIT %s"
        ") AS first_page"
    )
    return statement, [*params, page.size]


def _all_of(conditions: list[tuple[str, list]]) -> tuple[str, list]:
    """SQL holding where every condition (SQL and its parameters) holds, and its parameters."""
    where = " AND ".join(f"({sql})" for sql, _ in conditions) or "TRUE"
    return where, [param for _, condition_params in conditions for param in condition_params]


def _group_part(
    number: int,
    specs: list[FacetSpec],
    sets: dict[int, list[str]],
    counted: list[int],
    conditions: list[tuple[str, list]],
) -> tuple[str, list]:
    """The SELECTs counting the facets `counted` over the results meeting `conditions`.

    Every row starts with the group's number, then a GROUPING flag for each facet (0 for
    the one it counts, 1 elsewhere: the empty set's row, all 1, is the group's total), each
    facet's value columns (NULL where not counted) and the count.
    """
    where, params = _all_of(conditions)
    single = [index for index in counted if index in sets]
    names = [name for index in single for name in sets[index]]
    flags = [f"GROUPING(v{index})" if index in single else "1" for index in range(len(specs))]
    # Every value as text, so that the parts' columns line up (NULL where a part does not
    # count a facet): the query string's values are text anyway.
    selected = [
        f"{name}::text" if index in single else "NULL::text"
        for index in range(len(specs))
        for name in (sets.get(index) or [f"v{index}"])
    ]
    grouping = ", ".join([*(f"({', '.join(sets[index])})" for index in single), "()"])
    inner = ", ".join(names) or "1"
    # Counted first by every value column together (one hash probe a row), then those few
    # thousand counts summed by each facet: hashing every row once for each facet cost more
    # than reading the rows.
    statement = (
        f"SELECT {number}, {', '.join(flags)}, {', '.join(selected)}, "
        f"COALESCE(SUM(n), 0)::bigint FROM ("
        f"SELECT {inner}, COUNT(*) AS n FROM results WHERE {where} GROUP BY {inner}"
        f") AS counted GROUP BY GROUPING SETS ({grouping})"
    )
    all_params = list(params)
    for index in counted:
        if not specs[index].array:
            continue
        flags_here = ["0" if other == index else "1" for other in range(len(specs))]
        values = [
            "NULL::text" if name != f"v{index}" else "element.value::text"
            for other in range(len(specs))
            for name in (sets.get(other) or [f"v{other}"])
        ]
        # Each result's values from its own row: the themes a finding carries (where they
        # were looked up by index, a result at a time: ~50 ms for a sample's 10,000
        # matches at 100,000 letters). Unnested in the select list, not as a LATERAL
        # function scan set up again for every row (twice the time).
        statement += (
            f" UNION ALL SELECT {number}, {', '.join(flags_here)}, {', '.join(values)}, "
            f"COUNT(*) FROM (SELECT unnest(v{index}) AS value FROM results WHERE {where})"
            " AS element GROUP BY element.value"
        )
        all_params += params
    return statement, all_params


def _facet_rows(
    results, specs: list[FacetSpec], sample: Sample | None, order_by: tuple[str, ...] = ()
) -> tuple[str, list, dict[int, list[str]]]:
    """The results as SQL with a column for each facet's value (and label), and for each
    facet counted by GROUPING SETS the columns of its set; with `order_by`, the id and a
    column o<n> for each field the results are ordered by (FirstPage)."""
    columns: dict[str, object] = {}
    sets: dict[int, list[str]] = {}
    joins: list[tuple[str, list]] = []  # grades at the time: (LEFT JOIN ... ON ..., params)
    joined_values: list[str] = []
    if order_by:
        columns["result_id"] = F("pk")
    for index, name in enumerate(order_by):
        columns[f"o{index}"] = F(name.removeprefix("-"))
    for index, spec in enumerate(specs):
        value = f"v{index}"
        if spec.array:
            # Not grouped by (GROUPING SETS): unnested where counted (_group_part).
            columns[value] = F(spec.value_path)
            continue
        if spec.periods is not None:
            columns[f"a{index}"] = F("authority_id")
            if spec.latest_period:
                held = f"p{index}.until IS NULL"
            else:
                columns[f"d{index}"] = F("letter_date")
                held = (
                    f"results.d{index} >= p{index}.since AND "
                    f"(p{index}.until IS NULL OR results.d{index} < p{index}.until)"
                )
            periods_sql, periods_params = _periods_sql(spec.periods)
            joins.append(
                (
                    f"LEFT JOIN ({periods_sql}) AS p{index} ON p{index}.authority_id = "
                    f"results.a{index} AND {held}",
                    list(periods_params),
                )
            )
            joined_values.append(f"COALESCE(p{index}.grade, %s) AS {value}")
            sets[index] = [value]
            continue
        if spec.is_year:
            # date_part()::int, not EXTRACT: EXTRACT gives a numeric, slower to hash.
            columns[value] = Cast(
                Func(Value("year"), F(spec.value_path), function="date_part"), IntegerField()
            )
        else:
            columns[value] = F(spec.value_path)
        sets[index] = [value]
        if spec.label_path:
            columns[f"l{index}"] = F(spec.label_path)
            sets[index].append(f"l{index}")
    if not columns:
        columns["result_id"] = F("pk")
    sql, params = results.values(**columns).query.sql_with_params()
    if sample is not None:
        sql = _sampled(sql, sample)
    params = list(params)
    if joins:
        sql = f"SELECT results.*, {', '.join(joined_values)} FROM ({sql}) AS results " + " ".join(
            join for join, _ in joins
        )
        params = [grades.NO_GRADE] * len(joined_values) + params
        for _, join_params in joins:
            params += join_params
    return sql, params, sets


@cache
def _periods_sql(periods: Callable[[], object]) -> tuple[str, tuple]:
    """A facet's grade periods as SQL: the same statement every time, compiled once a
    process (compiling the window query was ~4% of a rare word's Python calls)."""
    return periods().query.sql_with_params()


def _by_facet(
    rows, specs: list[FacetSpec], columns: list[str], scale: float
) -> tuple[dict[str, list[tuple[str, str, int]]], dict[int, int]]:
    by_facet: dict[str, list[tuple[str, str, int]]] = {spec.name: [] for spec in specs}
    named = {spec.named: names_by_id(spec) for spec in specs if spec.named}  # one read each
    totals: dict[int, int] = {}  # each group's rows
    counted: dict[tuple[int, str], list] = {}  # (facet, value) -> [label, count]
    for row in rows:
        number, row = row[0], row[1:]
        flags_row, values, count = row[: len(specs)], row[len(specs) : -1], row[-1]
        if 0 not in flags_row:
            totals[number] = round(count * scale)
            continue
        index = flags_row.index(0)
        cells = dict(zip(columns, values, strict=True))
        value, label = cells[f"v{index}"], cells.get(f"l{index}")
        if specs[index].named is not None and value is not None:
            value, label = named[specs[index].named].get(int(value), (None, None))
        if value is None or value == "":
            continue
        counted.setdefault((index, as_param(value)), [label, 0])[1] += count
    for (index, value), (label, count) in counted.items():
        by_facet[specs[index].name].append((value, label, round(count * scale)))
    return by_facet, totals


def _sampled(sql: str, sample: Sample) -> str:
    """The query reading its main table through TABLESAMPLE, which Django cannot express."""
    # The table itself, not one of its columns ("EXTRACT(YEAR FROM "table"."column")").
    # The first is the outer query's FROM: values() put no subquery before it.
    sampled, found = re.subn(
        rf'FROM "{re.escape(sample.table)}"(?=\s|$)',
        lambda match: f"{match.group(0)} {sample.clause}",
        sql,
        count=1,
    )
    if not found:
        raise ValueError(f"no FROM {sample.table} in the query to sample")
    return sampled


def chosen_condition(index: int, spec: FacetSpec, values: list[str]) -> tuple[str, list]:
    """SQL on the results' columns (this module's own: v<index>) that holds for the rows
    the facet's filter keeps, given its chosen values."""
    if spec.named is not None:
        names = names_by_id(spec)
        ids = [pk for pk, (value, _) in names.items() if value in values]
        if spec.array:
            return f"v{index} && %s::bigint[]", [ids]
        return f"v{index} = ANY(%s)", [ids]
    # As text, as the values are in the query string: true/false, 2021, a code.
    return f"v{index}::text = ANY(%s)", [list(values)]
