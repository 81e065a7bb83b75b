"""Facet counts: how many results each value of each facet would give.

Counts come from the same FilterSet as the result list. Each facet is counted with every
other facet's filter applied but not its own, so people can see what widening a choice
gives: clicking a value of a facet with nothing chosen yields exactly the count shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, F
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
    FacetSpec("theme", "Theme", "themes__slug", label_path="themes__name"),
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
    """Count every facet's values over the filtered results, each facet ignoring its own filter."""
    facets = []
    for spec in specs:
        others = data.copy()
        others.pop(spec.name, None)
        others.pop("page", None)
        results = filterset_class(others, queryset=queryset).qs.order_by()
        facets.append(_count_one(spec, results, data))
    return facets


def _count_one(spec: FacetSpec, results, data: QueryDict) -> Facet:
    if spec.is_year:
        rows = results.values(value=ExtractYear(spec.value_path)).annotate(n=Count("pk"))
    elif spec.label_path:
        rows = results.values(value=F(spec.value_path), name=F(spec.label_path)).annotate(
            n=Count("pk")
        )
    else:
        rows = results.values(value=F(spec.value_path)).annotate(n=Count("pk"))
    chosen = data.getlist(spec.name)
    counted = {}
    for row in rows:
        if row["value"] is None or row["value"] == "":
            continue
        value = _as_param(row["value"])
        counted[value] = (row.get("name") or (spec.labels or {}).get(value, value), row["n"])
    for value in chosen:
        # A chosen value with no results still shows, so it can be unchosen.
        counted.setdefault(value, ((spec.labels or {}).get(value, value), 0))
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
