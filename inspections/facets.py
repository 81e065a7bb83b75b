"""Facet counts: how many results each value of each facet would give.

Counts come from the same FilterSet as the result list. Each facet is counted with every
other facet's filter applied but not its own, so people can see what widening a choice
gives: clicking a value of a facet with nothing chosen yields exactly the count shown.

Counting is exact up to EXACT_COUNT_LIMIT results. Above it, counting every match would
read most of the table (a common word matches half of all findings: two seconds at 1.5
million findings), so the counts come from a random sample of the table's pages instead,
scaled up and shown as estimates ("about 730,000"). The planner's row estimate decides,
before anything is counted.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.db.models.functions import ExtractYear
from django.http import QueryDict

from inspections import grades
from inspections.models import Category, InspectionType

EXACT_COUNT_LIMIT = 10_000  # results; more are counted on a sample
SAMPLE_ROWS = 40_000  # about how many rows of the table a sampled count reads, by default
# The same pages each time, so a page's estimates do not change on reload.
SAMPLE_SEED = 0


@dataclass(frozen=True)
class FacetSpec:
    name: str  # the query-string parameter it filters
    label: str
    value_path: str  # what to group by, from the model listed
    label_path: str | None = None  # a second column that names the value, if any
    labels: dict | None = None  # fixed names for fixed values
    by_value: bool = False  # list in value order (years) rather than by count
    is_year: bool = False
    many: bool = False  # a result may have several values (through a many-to-many)
    # What to group by when it is no field but computed for each row (a council's grade,
    # a subquery): the same expression its filter uses.
    expression: Callable[[], object] | None = None
    in_order: tuple[str, ...] | None = None  # list values in this order (a scale)
    narrowable: bool = False  # long enough to offer a box that narrows its values by name


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    toggle_query: str  # the query string with this value chosen or unchosen


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    estimated: bool = False  # counted on a sample of the table, scaled up
    narrowable: bool = False
    narrowed_by: str = ""  # the text its values were narrowed by (`find_<name>=`)
    hidden: int = 0  # values left out by that text

    @property
    def selected(self) -> list[FacetValue]:
        return [value for value in self.values if value.selected]

    @property
    def narrow_param(self) -> str:
        return narrow_param(self.name)

    def narrow(self, text: str) -> None:
        """Keep the values whose name holds `text` (any case, any accents), and every chosen
        value: what a reader typed to find one council among 150. Counts are untouched."""
        wanted = _folded(text)[:NARROW_MAX_CHARACTERS]
        if not self.narrowable or not wanted:
            return
        kept = [v for v in self.values if v.selected or wanted in _folded(v.label)]
        self.narrowed_by = text.strip()[:NARROW_MAX_CHARACTERS]
        self.hidden = len(self.values) - len(kept)
        self.values = kept


NARROW_MAX_CHARACTERS = 100


def narrow_param(name: str) -> str:
    """The query-string parameter that narrows facet `name`'s list (not the results)."""
    return f"find_{name}"


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def letter_facets(letter_path: str) -> list[FacetSpec]:
    return [
        FacetSpec(
            "authority",
            "Council",
            f"{letter_path}authority__slug",
            label_path=f"{letter_path}authority__name",
            narrowable=True,
        ),
        FacetSpec("region", "Region", f"{letter_path}authority__region"),
        FacetSpec("year", "Year", f"{letter_path}letter_date", by_value=True, is_year=True),
        FacetSpec(
            "inspection_type",
            "Inspection type",
            f"{letter_path}inspection_type",
            labels=dict(InspectionType.choices),
        ),
    ]


GRADE_LABELS = dict(grades.grade_choices())
GRADE_ORDER = tuple(GRADE_LABELS)  # best first, as the scale reads

FINDING_FACETS = [
    *letter_facets("inspection__"),
    FacetSpec("category", "Category", "category", labels=dict(Category.choices)),
    FacetSpec(
        "theme", "Theme", "themes__slug", label_path="themes__name", many=True, narrowable=True
    ),
    FacetSpec(
        "grade_at_time",
        "Council's overall grade at the time",
        "grade_at_time",
        labels=GRADE_LABELS,
        expression=grades.grade_at_time_of_finding,
        in_order=GRADE_ORDER,
    ),
]
LETTER_FACETS = [
    *letter_facets(""),
    FacetSpec(
        "priority_action",
        "Area for priority action",
        "priority_action",
        labels={"true": "Yes", "false": "No"},
    ),
    *(
        FacetSpec(
            f"latest_{area}",
            f"{grades.AREA_SHORT[area]} (council's latest report)",
            f"latest_{area}",
            labels=GRADE_LABELS,
            expression=partial(grades.latest_grade, area),
            in_order=GRADE_ORDER,
        )
        for area in grades.AREAS
    ),
]


def facet_counts(
    filterset_class,
    data: QueryDict,
    queryset,
    specs: list[FacetSpec],
    *,
    sample_rows: int = SAMPLE_ROWS,
) -> list[Facet]:
    """Count every facet's values over the filtered results, each facet ignoring its own filter.

    Facets whose own filter is not in use see the same results, so they are counted together
    in one scan (GROUPING SETS); a facet with a chosen value gets a query of its own. The
    theme facet, reached through a many-to-many join, is always counted on its own.
    """
    groups: dict[str, tuple[QueryDict, list[FacetSpec]]] = {}
    for spec in specs:
        others = data.copy()
        for name in (spec.name, "page"):
            others.pop(name, None)
        # A facet with several values a result (themes) would multiply the shared rows.
        key = f"{others.urlencode()}|{spec.name}" if spec.many else others.urlencode()
        groups.setdefault(key, (others, []))[1].append(spec)
    counts: dict[str, list[tuple[str, str, int]]] = {}
    estimated: set[str] = set()
    table_pages = None  # the sample, drawn once and shared by every group that needs it
    for others, group in groups.values():
        results = filterset_class(others, queryset=queryset).qs.order_by()
        sample = None
        if too_many_to_count(results):
            table_pages = table_pages or table_sample(
                queryset.model._meta.db_table, sample_rows, using=results.db
            )
            sample = table_pages
        grouped, total = _grouped_counts(results, group, sample)
        if sample is not None and total <= EXACT_COUNT_LIMIT:
            # The planner overestimated: few enough to count exactly, and a sample of so
            # few could miss them all.
            sample = None
            grouped, total = _grouped_counts(results, group)
        counts.update(grouped)
        if sample is not None:
            estimated.update(spec.name for spec in group)
    return [
        _facet(spec, counts[spec.name], data, estimated=spec.name in estimated) for spec in specs
    ]


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


def too_many_to_count(queryset) -> bool:
    """Whether the planner expects `queryset` to give more than EXACT_COUNT_LIMIT rows."""
    return estimated_rows(queryset) > EXACT_COUNT_LIMIT


def estimated_rows(queryset) -> int:
    """The planner's estimate of how many rows `queryset` gives: a millisecond, no scan."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _grouped_counts(
    results, specs: list[FacetSpec], sample: Sample | None = None
) -> tuple[dict[str, list[tuple[str, str, int]]], int]:
    """(value, label, count) rows for each facet, and the rows counted, in one query.

    One GROUP BY GROUPING SETS query. With a `sample`, the rows are those of a sample of
    the table's pages, and the counts are scaled up to the whole table.
    """
    columns: dict[str, object] = {}
    sets = []
    for index, spec in enumerate(specs):
        value = f"v{index}"
        if spec.expression is not None:
            columns[value] = spec.expression()
        elif spec.is_year:
            columns[value] = ExtractYear(spec.value_path)
        else:
            columns[value] = F(spec.value_path)
        names = [value]
        if spec.label_path:
            columns[f"l{index}"] = F(spec.label_path)
            names.append(f"l{index}")
        sets.append(names)
    sql, params = results.values(**columns).query.sql_with_params()
    if sample is not None:
        sql = _sampled(sql, sample)
    selected = ", ".join(columns)
    # The empty set counts every row: the sample's size, or the theme facet's rows.
    grouping = ", ".join([*(f"({', '.join(names)})" for names in sets), "()"])
    flags = ", ".join(f"GROUPING(v{index})" for index in range(len(specs)))
    # SET LOCAL holds inside a transaction: on the connection the results are read from.
    with transaction.atomic(using=results.db), connections[results.db].cursor() as cursor:
        if sample is not None:
            # The planner expects the sample's matches to be many and would hash every
            # letter or theme row to join them; a few thousand index look-ups are faster.
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute(
            f"SELECT {flags}, {selected}, COUNT(*) FROM ({sql}) AS results "
            f"GROUP BY GROUPING SETS ({grouping})",
            params,
        )
        rows = cursor.fetchall()
    scale = sample.scale if sample is not None else 1
    by_facet: dict[str, list[tuple[str, str, int]]] = {spec.name: [] for spec in specs}
    names = list(columns)
    total = 0
    for row in rows:
        flags_row, values, count = row[: len(specs)], row[len(specs) : -1], row[-1]
        if 0 not in flags_row:
            total = round(count * scale)
            continue
        # GROUPING(v) is 0 for the one facet this row counts.
        index = flags_row.index(0)
        cells = dict(zip(names, values, strict=True))
        value = cells[f"v{index}"]
        if value is None or value == "":
            continue
        by_facet[specs[index].name].append(
            (_as_param(value), cells.get(f"l{index}"), round(count * scale))
        )
    return by_facet, total


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


def about(count: int) -> int:
    """An estimate rounded to two significant figures, the precision a sample gives."""
    if count < 100:
        return count
    magnitude = 10 ** (int(math.log10(count)) - 1)
    return round(count / magnitude) * magnitude


def _facet(
    spec: FacetSpec, rows: list[tuple[str, str, int]], data: QueryDict, *, estimated: bool
) -> Facet:
    chosen = data.getlist(spec.name)
    fixed = spec.labels or {}
    counted = {value: (label or fixed.get(value, value), count) for value, label, count in rows}
    for value in chosen:
        # A chosen value with no results still shows, so it can be unchosen.
        counted.setdefault(value, (fixed.get(value, value), 0))
    values = [
        FacetValue(
            value=value,
            label=str(label),
            count=count,
            selected=value in chosen,
            toggle_query=toggle_query(data, spec.name, value),
        )
        for value, (label, count) in counted.items()
    ]
    # Chosen values first: in a long list, the one chosen is never out of sight.
    if spec.in_order:
        rank = {value: index for index, value in enumerate(spec.in_order)}
        values.sort(key=lambda item: (not item.selected, rank.get(item.value, len(rank))))
    elif spec.by_value:
        values.sort(key=lambda item: (not item.selected, item.value))
    else:
        values.sort(key=lambda item: (not item.selected, -item.count, item.label))
    return Facet(spec.name, spec.label, values, estimated=estimated, narrowable=spec.narrowable)


def _as_param(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def toggle_query(data: QueryDict, name: str, value: str) -> str:
    """The query string with `value` of `name` added if absent, removed if present."""
    query = data.copy()
    query.pop("page", None)
    values = query.getlist(name)
    query.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    return query.urlencode()


def without_query(data: QueryDict, *names: str) -> str:
    """The query string without the named parameters (and without the page number)."""
    query = data.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    return query.urlencode()
