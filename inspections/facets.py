"""Facet counts: how many results each value of each facet would give.

Counts come from the same FilterSet as the result list. Each facet is counted with every
other facet's filter applied but not its own, so people can see what widening a choice
gives: clicking a value of a facet with nothing chosen yields exactly the count shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F
from django.db.models.functions import ExtractYear
from django.http import QueryDict

from inspections.models import Category, InspectionType


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

    @property
    def selected(self) -> list[FacetValue]:
        return [value for value in self.values if value.selected]


def letter_facets(letter_path: str) -> list[FacetSpec]:
    return [
        FacetSpec(
            "authority",
            "Council",
            f"{letter_path}authority__slug",
            label_path=f"{letter_path}authority__name",
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


FINDING_FACETS = [
    *letter_facets("inspection__"),
    FacetSpec("category", "Category", "category", labels=dict(Category.choices)),
    FacetSpec("theme", "Theme", "themes__slug", label_path="themes__name", many=True),
]
LETTER_FACETS = [
    *letter_facets(""),
    FacetSpec(
        "priority_action",
        "Area for priority action",
        "priority_action",
        labels={"true": "Yes", "false": "No"},
    ),
]


def facet_counts(filterset_class, data: QueryDict, queryset, specs: list[FacetSpec]) -> list[Facet]:
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
    for others, group in groups.values():
        results = filterset_class(others, queryset=queryset).qs.order_by()
        counts.update(_grouped_counts(results, group))
    return [_facet(spec, counts[spec.name], data) for spec in specs]


def _grouped_counts(results, specs: list[FacetSpec]) -> dict[str, list[tuple[str, str, int]]]:
    """(value, label, count) rows for each facet, from one GROUP BY GROUPING SETS query."""
    columns: dict[str, object] = {}
    sets = []
    for index, spec in enumerate(specs):
        value = f"v{index}"
        columns[value] = ExtractYear(spec.value_path) if spec.is_year else F(spec.value_path)
        names = [value]
        if spec.label_path:
            columns[f"l{index}"] = F(spec.label_path)
            names.append(f"l{index}")
        sets.append(names)
    sql, params = results.values(**columns).query.sql_with_params()
    selected = ", ".join(columns)
    grouping = ", ".join(f"({', '.join(names)})" for names in sets)
    flags = ", ".join(f"GROUPING(v{index})" for index in range(len(specs)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {flags}, {selected}, COUNT(*) FROM ({sql}) AS results "
            f"GROUP BY GROUPING SETS ({grouping})",
            params,
        )
        rows = cursor.fetchall()
    by_facet: dict[str, list[tuple[str, str, int]]] = {spec.name: [] for spec in specs}
    names = list(columns)
    for row in rows:
        flags_row, values, count = row[: len(specs)], row[len(specs) : -1], row[-1]
        # GROUPING(v) is 0 for the one facet this row counts.
        index = flags_row.index(0)
        cells = dict(zip(names, values, strict=True))
        value = cells[f"v{index}"]
        if value is None or value == "":
            continue
        by_facet[specs[index].name].append((_as_param(value), cells.get(f"l{index}"), count))
    return by_facet


def _facet(spec: FacetSpec, rows: list[tuple[str, str, int]], data: QueryDict) -> Facet:
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
    if spec.by_value:
        values.sort(key=lambda item: item.value)
    else:
        values.sort(key=lambda item: (-item.count, item.label))
    return Facet(spec.name, spec.label, values)


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
