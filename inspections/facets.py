"""Facet counts: how many results each value of each facet would give.

Counts come from the same FilterSet as the result list. Each facet is counted with every
other facet's filter applied but not its own, so people can see what widening a choice
gives: clicking a value of a facet with nothing chosen yields exactly the count shown.

Counting is exact up to settings.FACET_EXACT_COUNT_LIMIT results. Above it, counting every
match would read most of the table (a common word matches half of all findings: two seconds
at 1.5 million findings), so the counts come from a random sample of the table's pages
instead, scaled up and shown as estimates ("about 730,000"). The planner's row estimate
decides, before anything is counted. With the setting None, every count is exact.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, partial
from urllib.parse import urlencode

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Func, IntegerField, Value
from django.db.models.functions import Cast
from django.http import QueryDict

from inspections import grades
from inspections.caching import cached_counts
from inspections.models import (
    Authority,
    Category,
    FindingTheme,
    InspectionType,
    JudgementArea,
    Theme,
)

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
    # A result may have several values, through a many-to-many table: (table, column of the
    # result's id, column of the value). `value_path` is then unused.
    through: tuple[str, str, str] | None = None
    # What to group by when it is no field but computed for each row (a council's grade,
    # a subquery): the same expression its filter uses.
    expression: Callable[[], object] | None = None
    # A council's grade at each row's date, counted by joining these periods (a queryset of
    # authority_id, since, until, grade: grades.grade_periods) on the row's council and
    # date: one hash probe a row, where `expression` is a subquery a row.
    periods: Callable[[], object] | None = None
    in_order: tuple[str, ...] | None = None  # list values in this order (a scale)
    narrowable: bool = False  # long enough to offer a box that narrows its values by name
    # Counted by an id (`value_path`: a council's, a theme's), a number hashed once a row,
    # and named afterwards from the few rows it stands for: each id's (value, label). Ids
    # that give one value (the councils of a region) add up.
    named: Callable[[], dict[int, tuple[str, str]]] | None = None


def _councils_by_slug() -> dict[int, tuple[str, str]]:
    return {
        pk: (slug, name)
        for pk, slug, name in Authority.objects.order_by().values_list("pk", "slug", "name")
    }


def _councils_by_region() -> dict[int, tuple[str, str]]:
    return {
        pk: (region, region)
        for pk, region in Authority.objects.order_by().values_list("pk", "region")
    }


def councils_by_region() -> dict[int, tuple[str, str]]:
    """Each council's id: its region (twice, as a facet's value and label), read once a
    data version."""
    return cached_counts(f"names:{_councils_by_region.__name__}", _councils_by_region)


def _themes_by_slug() -> dict[int, tuple[str, str]]:
    return {
        pk: (slug, name)
        for pk, slug, name in Theme.objects.order_by().values_list("pk", "slug", "name")
    }


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


def letter_facets() -> list[FacetSpec]:
    """The facets of a letter's council, date and type: on a letter, or on a finding, which
    carries its letter's (models.Finding)."""
    return [
        FacetSpec("authority", "Council", "authority_id", named=_councils_by_slug, narrowable=True),
        FacetSpec("region", "Region", "authority_id", named=_councils_by_region),
        FacetSpec("year", "Year", "letter_date", by_value=True, is_year=True),
        FacetSpec(
            "inspection_type",
            "Inspection type",
            "inspection_type",
            labels=dict(InspectionType.choices),
        ),
    ]


GRADE_LABELS = dict(grades.grade_choices())
GRADE_ORDER = tuple(GRADE_LABELS)  # best first, as the scale reads

FINDING_FACETS = [
    *letter_facets(),
    FacetSpec("category", "Category", "category", labels=dict(Category.choices)),
    FacetSpec(
        "theme",
        "Theme",
        "",
        through=(FindingTheme._meta.db_table, "finding_id", "theme_id"),
        named=_themes_by_slug,
        narrowable=True,
    ),
    FacetSpec(
        "grade_at_time",
        "Council's overall grade at the time",
        "grade_at_time",
        labels=GRADE_LABELS,
        expression=grades.grade_at_time_of_finding,
        periods=partial(grades.grade_periods, JudgementArea.OVERALL_EFFECTIVENESS),
        in_order=GRADE_ORDER,
    ),
]
LETTER_FACETS = [
    *letter_facets(),
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
    page=None,
) -> list[Facet]:
    """Count every facet's values over the filtered results, each facet ignoring its own filter.

    Facets whose own filter is not in use see the same results, so they are counted together
    in one scan (GROUPING SETS, and the theme facet joined to the same rows); a facet with a
    chosen value gets a query of its own. `page`, the page's own FilterSet (of `data`), gives
    the results of facets whose filter is not in use without building and validating a
    second one.
    """
    groups: dict[str, tuple[QueryDict, list[FacetSpec]]] = {}
    for spec in specs:
        others = data.copy()
        for name in (spec.name, "page"):
            others.pop(name, None)
        groups.setdefault(others.urlencode(), (others, []))[1].append(spec)
    # Words searched are the costly part each group repeats (every match's row read to
    # find its values); without words, each group's filters narrow through indexes, and
    # one scan of the rows they share (the whole table, for two facets chosen) costs more.
    if len(groups) > 1 and (data.get("q") or "").strip():
        counted = _counts_in_one_scan(filterset_class, data, queryset, specs)
        if counted is not None:
            return [_facet(spec, counted[spec.name], data, estimated=False) for spec in specs]
    counts: dict[str, list[tuple[str, str, int]]] = {}
    estimated: set[str] = set()
    for key, (others, group) in list(groups.items()):
        if narrows(others) or queryset.query.where:
            continue
        # A facet whose own filter is the only one chosen counts the whole table: the same
        # counts for every page that chooses one value of it (a theme filter's theme facet,
        # 1.5 million findings sampled), kept from one import to the next.
        whole, sampled_whole = _whole_table_counts(filterset_class, queryset, group, sample_rows)
        counts.update(whole)
        if sampled_whole:
            estimated.update(spec.name for spec in group)
        del groups[key]
    every_filter = without_query(data)
    results_of: dict[str, object] = {}
    sampled: list[str] = []  # the groups too many to count exactly
    for key, (others, _group) in groups.items():
        if page is not None and key == every_filter:
            results_of[key] = page.qs.order_by()
        else:
            results_of[key] = filterset_class(others, queryset=queryset).qs.order_by()
        if too_many_to_count(results_of[key]):
            sampled.append(key)
    sample = None
    if sampled:
        # The sample, drawn once and shared by every group that needs it.
        sample = _kept_sample(queryset.model._meta.db_table, sample_rows, results_of[sampled[0]].db)
    sampled_together = len(sampled) > 1 and bool((data.get("q") or "").strip())
    if sampled_together:
        # As the exact counts above: each group would test the sample's rows for the words
        # again; one scan of the sample tests them once (a word with two facets: three
        # scans of the sample, 3 x 40,000 rows, become one).
        together = [groups[key][1] for key in sampled]
        grouped, totals = _sampled_in_one_scan(
            filterset_class, data, queryset, specs, together, sample
        )
        counts.update(grouped)
        for number, key in enumerate(sampled):
            if totals[number] <= settings.FACET_EXACT_COUNT_LIMIT:
                # Overestimated, as below: counted exactly after all.
                counts.update(_grouped_counts(results_of[key], groups[key][1])[0])
            else:
                estimated.update(spec.name for spec in groups[key][1])
    for key, (_others, group) in groups.items():
        if sampled_together and key in sampled:
            continue
        results = results_of[key]
        group_sample = sample if key in sampled else None
        grouped, totals = _grouped_counts(results, group, group_sample)
        if group_sample is not None and totals[0] <= settings.FACET_EXACT_COUNT_LIMIT:
            # The planner overestimated: few enough to count exactly, and a sample of so
            # few could miss them all.
            group_sample = None
            grouped, totals = _grouped_counts(results, group)
        counts.update(grouped)
        if group_sample is not None:
            estimated.update(spec.name for spec in group)
    return [
        _facet(spec, counts[spec.name], data, estimated=spec.name in estimated) for spec in specs
    ]


def narrows(data: QueryDict) -> bool:
    """Whether the (canonical) query string `data` leaves out any row: any filter but the
    order and the page."""
    return any(
        value for name in data if name not in ("sort", "page") for value in data.getlist(name)
    )


def _whole_table_counts(
    filterset_class, queryset, group: list[FacetSpec], sample_rows: int
) -> tuple[dict[str, list[tuple[str, str, int]]], bool]:
    """The facets of `group` counted over the whole table, and whether on a sample: once a
    data version (inspections.caching), as the page with nothing chosen counts them."""

    def count() -> tuple[dict[str, list[tuple[str, str, int]]], bool]:
        results = filterset_class(QueryDict(), queryset=queryset).qs.order_by()
        sample = None
        if too_many_to_count(results):
            sample = _kept_sample(queryset.model._meta.db_table, sample_rows, results.db)
        grouped, totals = _grouped_counts(results, group, sample)
        if sample is not None and totals[0] <= settings.FACET_EXACT_COUNT_LIMIT:
            # Overestimated, as in facet_counts: counted exactly after all.
            sample = None
            grouped, _ = _grouped_counts(results, group)
        return grouped, sample is not None

    # The exact-count limit in the key, as browse.py's: servers set differently may share
    # one Redis.
    names = ",".join(spec.name for spec in group)
    model = queryset.model._meta.label_lower
    limit = settings.FACET_EXACT_COUNT_LIMIT
    return cached_counts(f"whole_table:{model}:{limit}:{sample_rows}:{names}", count)


def _counts_in_one_scan(
    filterset_class, data: QueryDict, queryset, specs: list[FacetSpec]
) -> dict[str, list[tuple[str, str, int]]] | None:
    """Every facet counted in one scan when some are chosen; None when that scan would be
    too many rows to count exactly (the facets are then counted group by group, each on a
    sample if need be).

    Each chosen facet is counted ignoring its own choice, so each once needed a query of
    its own, every one reading the same matches of the words again (three scans of a common
    word for two facets chosen, 2.5 s at 100,000 letters). Here the rows meeting every
    other filter are read once, and each count keeps the rows meeting the other facets'
    choices: conditions on the value columns the facets count anyway.
    """
    chosen = [index for index, spec in enumerate(specs) if data.getlist(spec.name)]
    superset_data = data.copy()
    for index in chosen:
        superset_data.pop(specs[index].name, None)
    superset = filterset_class(superset_data, queryset=queryset).qs.order_by()
    if too_many_to_count(superset):
        return None
    conditions = {
        index: _chosen(index, specs[index], data.getlist(specs[index].name)) for index in chosen
    }
    unchosen = [index for index in range(len(specs)) if index not in chosen]
    groups = [(unchosen, list(conditions.values()))]
    groups += [
        ([index], [condition for other, condition in conditions.items() if other != index])
        for index in chosen
    ]
    counted, _ = _grouped_counts(superset, specs, groups=groups)
    return counted


def _sampled_in_one_scan(
    filterset_class,
    data: QueryDict,
    queryset,
    specs: list[FacetSpec],
    together: list[list[FacetSpec]],
    sample: Sample,
) -> tuple[dict[str, list[tuple[str, str, int]]], list[int]]:
    """The facets of each group of `together` counted on `sample` in one scan, as
    _counts_in_one_scan counts them exactly; with each group's total, in their order.

    A group is counted over the rows meeting every filter but its own facets': the rows
    of the sample meeting every filter but the chosen facets', less those failing another
    chosen facet's condition. The same rows as a sampled count of the group alone.
    """
    chosen = [index for index, spec in enumerate(specs) if data.getlist(spec.name)]
    superset_data = data.copy()
    for index in chosen:
        superset_data.pop(specs[index].name, None)
    superset = filterset_class(superset_data, queryset=queryset).qs.order_by()
    conditions = {
        index: _chosen(index, specs[index], data.getlist(specs[index].name)) for index in chosen
    }
    groups = []
    for group in together:
        own = {specs.index(spec) for spec in group}
        groups.append(
            (
                sorted(own),
                [condition for index, condition in conditions.items() if index not in own],
            )
        )
    counted, totals = _grouped_counts(superset, specs, sample, groups=groups)
    return counted, [totals.get(number, 0) for number in range(len(groups))]


def _names(spec: FacetSpec) -> dict[int, tuple[str, str]]:
    """Each id's (value, label) for a facet counted by id, kept under the data version like
    the counts (an editor's renaming moves it): no read of the councils or themes on most
    pages."""
    return cached_counts(f"names:{spec.named.__name__}", spec.named)


def _chosen(index: int, spec: FacetSpec, values: list[str]) -> tuple[str, list]:
    """SQL on the results' columns (facets.py's own: v<index>, result_id) that holds for
    the rows the facet's filter keeps, given its chosen values."""
    if spec.named is not None:
        names = _names(spec)
        ids = [pk for pk, (value, _) in names.items() if value in values]
        if spec.through:
            table, key, value = spec.through
            return (
                f'EXISTS (SELECT 1 FROM "{table}" AS chosen WHERE chosen.{key} = '
                f"results.result_id AND chosen.{value} = ANY(%s))",
                [ids],
            )
        return f"v{index} = ANY(%s)", [ids]
    # As text, as the values are in the query string: true/false, 2021, a code.
    return f"v{index}::text = ANY(%s)", [list(values)]


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


def _kept_sample(table: str, sample_rows: int, using: str) -> Sample:
    """table_sample(), drawn once a data version: its pages and the rows they hold change
    only on import, and counting them read 3% of the table's pages on every page (75 ms
    of a phrase's at 100,000 letters)."""
    return cached_counts(
        f"sample:{table}:{sample_rows}", partial(table_sample, table, sample_rows, using=using)
    )


def too_many_to_count(queryset) -> bool:
    """Whether the planner expects `queryset` to give more than FACET_EXACT_COUNT_LIMIT rows:
    never when that setting is None (every count exact, however slow)."""
    limit = settings.FACET_EXACT_COUNT_LIMIT
    return limit is not None and estimated_rows(queryset) > limit


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
    results,
    specs: list[FacetSpec],
    sample: Sample | None = None,
    *,
    groups: list[tuple[list[int], list[tuple[str, list]]]] | None = None,
) -> tuple[dict[str, list[tuple[str, str, int]]], dict[int, int]]:
    """(value, label, count) rows for each facet, and the rows counted by each group (by
    its number; 0 without `groups`), in one statement.

    The results are read once: GROUP BY GROUPING SETS counts the facets with one value a
    row, and a facet with several (themes) joins its table to the same rows. With a
    `sample`, the rows are those of a sample of the table's pages, and the counts are
    scaled up to the whole table.

    `groups` counts facets over different subsets of `results` in the same scan: each
    (facet indexes, conditions) counts those facets over the rows meeting the conditions
    (SQL on the results' columns, with their parameters). Without it, every facet is
    counted over every row.
    """
    groups = groups or [(list(range(len(specs))), [])]
    sql, params, sets = _facet_rows(results, specs, sample)
    columns = [name for index in range(len(specs)) for name in (sets.get(index) or [f"v{index}"])]
    parts = []
    for number, (counted, conditions) in enumerate(groups):
        part_sql, part_params = _group_part(number, specs, sets, counted, conditions)
        parts.append(part_sql)
        params += part_params
    uses = len(parts) + sum(1 for spec in specs if spec.through)
    # Read once, used by each count; inlined when used once (no tuples written aside).
    materialized = "MATERIALIZED " if uses > 1 else ""
    statement = f"WITH results AS {materialized}({sql}) " + " UNION ALL ".join(parts)
    # A transaction only for the sample's SET LOCAL: an exact count alone needs no BEGIN
    # and COMMIT, two round trips of a rare word's few milliseconds.
    in_transaction = (
        transaction.atomic(using=results.db) if sample is not None else contextlib.nullcontext()
    )
    with in_transaction, connections[results.db].cursor() as cursor:
        if sample is not None:
            # The planner expects the sample's matches to be many and would hash every
            # letter or theme row to join them; a few thousand index look-ups are faster.
            cursor.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return _by_facet(rows, specs, columns, sample.scale if sample is not None else 1)


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
    where = " AND ".join(f"({sql})" for sql, _ in conditions) or "TRUE"
    params = [param for _, condition_params in conditions for param in condition_params]
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
        if not specs[index].through:
            continue
        table, key, value = specs[index].through
        flags_here = ["0" if other == index else "1" for other in range(len(specs))]
        values = [
            "NULL::text" if name != f"v{index}" else f"through.{value}::text"
            for other in range(len(specs))
            for name in (sets.get(other) or [f"v{other}"])
        ]
        statement += (
            f" UNION ALL SELECT {number}, {', '.join(flags_here)}, {', '.join(values)}, "
            f'COUNT(*) FROM results JOIN "{table}" AS through ON through.{key} = '
            f"results.result_id WHERE {where} GROUP BY through.{value}"
        )
        all_params += params
    return statement, all_params


def _facet_rows(
    results, specs: list[FacetSpec], sample: Sample | None
) -> tuple[str, list, dict[int, list[str]]]:
    """The results as SQL with a column for each facet's value (and label), and for each
    facet counted by GROUPING SETS the columns of its set."""
    columns: dict[str, object] = {}
    sets: dict[int, list[str]] = {}
    joins: list[tuple[str, list]] = []  # grades at the time: (LEFT JOIN ... ON ..., params)
    joined_values: list[str] = []
    # A facet through another table (themes) joins on it, and so does its chosen values'
    # condition (facets._chosen).
    if any(spec.through for spec in specs):
        columns["result_id"] = F("pk")
    for index, spec in enumerate(specs):
        value = f"v{index}"
        if spec.through:
            continue
        if spec.periods is not None:
            columns[f"a{index}"] = F("authority_id")
            columns[f"d{index}"] = F("letter_date")
            periods_sql, periods_params = _periods_sql(spec.periods)
            joins.append(
                (
                    f"LEFT JOIN ({periods_sql}) AS p{index} ON p{index}.authority_id = "
                    f"results.a{index} AND results.d{index} >= p{index}.since AND "
                    f"(p{index}.until IS NULL OR results.d{index} < p{index}.until)",
                    list(periods_params),
                )
            )
            joined_values.append(f"COALESCE(p{index}.grade, %s) AS {value}")
            sets[index] = [value]
            continue
        if spec.expression is not None:
            columns[value] = spec.expression()
        elif spec.is_year:
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
    named = {spec.named: _names(spec) for spec in specs if spec.named}  # one read each
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
        counted.setdefault((index, _as_param(value)), [label, 0])[1] += count
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
    toggled = _toggler(data, spec.name)
    values = [
        FacetValue(
            value=value,
            label=str(label),
            count=count,
            selected=value in chosen,
            toggle_query=toggled(value),
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
    return _toggler(data, name)(value)


def _toggler(data: QueryDict, name: str) -> Callable[[str], str]:
    """toggle_query() for one facet's many values: the rest of the query encoded once.

    A facet lists up to 160 values, each with its link: copying the QueryDict for each
    (a deep copy) was a tenth of a rare word's page. Same string as QueryDict.urlencode():
    parameters in their order, the facet's own where it was or else last.
    """
    before: list[tuple[str, str]] = []
    after: list[tuple[str, str]] = []
    chosen = data.getlist(name) if name != "page" else []
    seen = False
    for key, values in data.lists():
        if key == "page":
            continue  # a new choice starts from page 1
        if key == name:
            seen = True
        else:
            (after if seen else before).extend((key, value) for value in values)
    head, tail = urlencode(before), urlencode(after)

    def toggled(value: str) -> str:
        own = [v for v in chosen if v != value] if value in chosen else [*chosen, value]
        middle = urlencode([(name, v) for v in own])
        return "&".join(part for part in (head, middle, tail) if part)

    return toggled


def without_query(data: QueryDict, *names: str) -> str:
    """The query string without the named parameters (and without the page number)."""
    query = data.copy()
    for name in (*names, "page"):
        query.pop(name, None)
    return query.urlencode()
