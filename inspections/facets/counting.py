"""Facet counts: how many results each value of each facet would give.

Counts come from the same FilterSet as the result list. Each facet is counted with every
other facet's filter applied but not its own, so people can see what widening a choice
gives: clicking a value of a facet with nothing chosen yields exactly the count shown.

This module decides what is counted together and how: the whole table's counts kept from
one import to the next, every facet in one scan when words are searched, a sample when the
results are too many to count exactly (estimates.py). counting_sql.py writes the statements.
"""

from __future__ import annotations

from django.conf import settings
from django.http import QueryDict

from inspections.caching import cached_counts
from inspections.facets import estimates
from inspections.facets.counting_sql import FirstPage, chosen_condition, grouped_counts
from inspections.facets.estimates import SAMPLE_ROWS, Sample, kept_sample, too_many_to_count
from inspections.facets.query_strings import narrows, toggler, without_query
from inspections.facets.specs import Facet, FacetSpec, FacetValue


def facet_counts(
    filterset_class,
    data: QueryDict,
    queryset,
    specs: list[FacetSpec],
    *,
    sample_rows: int = SAMPLE_ROWS,
    page=None,
    first_page: FirstPage | None = None,
) -> list[Facet]:
    """Count every facet's values over the filtered results, each facet ignoring its own filter.

    Facets whose own filter is not in use see the same results, so they are counted together
    in one scan (GROUPING SETS, and the theme facet joined to the same rows); a facet with a
    chosen value gets a query of its own. `page`, the page's own FilterSet (of `data`), gives
    the results of facets whose filter is not in use without building and validating a
    second one. `first_page` gets its ids where the results are counted exactly, in the
    same statement (counting_sql.FirstPage).
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
        counted = _counts_in_one_scan(filterset_class, data, queryset, specs, first_page)
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
    page_here = None  # first_page, where the page's own results are few enough for it
    for key, (others, _group) in groups.items():
        if page is not None and key == every_filter:
            results_of[key] = page.qs.order_by()
        else:
            results_of[key] = filterset_class(others, queryset=queryset).qs.order_by()
        estimate = None
        if key == every_filter:
            estimate, page_here = _first_page_if_few(results_of[key], first_page)
        if too_many_to_count(results_of[key], estimate=estimate):
            sampled.append(key)
    sample = None
    if sampled:
        # The sample, drawn once and shared by every group that needs it.
        sample = kept_sample(queryset.model._meta.db_table, sample_rows, results_of[sampled[0]].db)
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
                counts.update(grouped_counts(results_of[key], groups[key][1])[0])
            else:
                estimated.update(spec.name for spec in groups[key][1])
    for key, (_others, group) in groups.items():
        if sampled_together and key in sampled:
            continue
        results = results_of[key]
        group_sample = sample if key in sampled else None
        # The page's own results (every filter applied), counted exactly and few: its first
        # page comes with the counts.
        own_page = page_here if key == every_filter else None
        grouped, totals = grouped_counts(
            results, group, group_sample, first_page=own_page if group_sample is None else None
        )
        if group_sample is not None and totals[0] <= settings.FACET_EXACT_COUNT_LIMIT:
            # The planner overestimated: few enough to count exactly, and a sample of so
            # few could miss them all.
            group_sample = None
            grouped, totals = grouped_counts(results, group, first_page=own_page)
        counts.update(grouped)
        if group_sample is not None:
            estimated.update(spec.name for spec in group)
    return [
        _facet(spec, counts[spec.name], data, estimated=spec.name in estimated) for spec in specs
    ]


def _whole_table_counts(
    filterset_class, queryset, group: list[FacetSpec], sample_rows: int
) -> tuple[dict[str, list[tuple[str, str, int]]], bool]:
    """The facets of `group` counted over the whole table, and whether on a sample: once a
    data version (inspections.caching), as the page with nothing chosen counts them."""

    def count() -> tuple[dict[str, list[tuple[str, str, int]]], bool]:
        results = filterset_class(QueryDict(), queryset=queryset).qs.order_by()
        sample = None
        if too_many_to_count(results):
            sample = kept_sample(queryset.model._meta.db_table, sample_rows, results.db)
        grouped, totals = grouped_counts(results, group, sample)
        if sample is not None and totals[0] <= settings.FACET_EXACT_COUNT_LIMIT:
            # Overestimated, as in facet_counts: counted exactly after all.
            sample = None
            grouped, _ = grouped_counts(results, group)
        return grouped, sample is not None

    # The exact-count limit in the key, as browse.py's: servers set differently may share
    # one Redis.
    names = ",".join(spec.name for spec in group)
    model = queryset.model._meta.label_lower
    limit = settings.FACET_EXACT_COUNT_LIMIT
    return cached_counts(f"whole_table:{model}:{limit}:{sample_rows}:{names}", count)


def _counts_in_one_scan(
    filterset_class,
    data: QueryDict,
    queryset,
    specs: list[FacetSpec],
    first_page: FirstPage | None = None,
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
    estimate, first_page = _first_page_if_few(superset, first_page)
    if too_many_to_count(superset, estimate=estimate):
        return None
    conditions = {
        index: chosen_condition(index, specs[index], data.getlist(specs[index].name))
        for index in chosen
    }
    unchosen = [index for index in range(len(specs)) if index not in chosen]
    groups = [(unchosen, list(conditions.values()))]
    groups += [
        ([index], [condition for other, condition in conditions.items() if other != index])
        for index in chosen
    ]
    # The first group's rows meet every chosen facet's condition: the page's results.
    counted, _ = grouped_counts(superset, specs, groups=groups, first_page=first_page)
    return counted


def _first_page_if_few(
    results, first_page: FirstPage | None
) -> tuple[int | None, FirstPage | None]:
    """The planner's estimate of `results` where `first_page` asks it (None otherwise: the
    sampling decision asks it only if it needs it), and `first_page` if they are few
    enough for it (FirstPage.MOST_ROWS) or it ranks them all anyway."""
    if first_page is None:
        return None, None
    estimate = estimates.estimated_rows(results)
    wanted = first_page.ranks_every_result or estimate <= FirstPage.MOST_ROWS
    return estimate, first_page if wanted else None


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
        index: chosen_condition(index, specs[index], data.getlist(specs[index].name))
        for index in chosen
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
    counted, totals = grouped_counts(superset, specs, sample, groups=groups)
    return counted, [totals.get(number, 0) for number in range(len(groups))]


def _facet(
    spec: FacetSpec, rows: list[tuple[str, str, int]], data: QueryDict, *, estimated: bool
) -> Facet:
    chosen = data.getlist(spec.name)
    fixed = spec.labels or {}
    counted = {value: (label or fixed.get(value, value), count) for value, label, count in rows}
    for value in chosen:
        # A chosen value with no results still shows, so it can be unchosen.
        counted.setdefault(value, (fixed.get(value, value), 0))
    toggled = toggler(data, spec.name)
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
