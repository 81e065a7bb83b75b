"""The findings and letters pages' reads: filter, count facets, paginate, snippet one page.

Views hand the query string in and render what comes back; exports reuse the same
filtering, so a download holds exactly what the page listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.utils.functional import cached_property

from inspections.caching import cached_counts
from inspections.facets import (
    FINDING_FACETS,
    LETTER_FACETS,
    Facet,
    FirstPage,
    facet_counts,
    narrows,
    without_query,
)
from inspections.filters import (
    ArchiveFilter,
    FindingFilter,
    LetterFilter,
    canonical_query,
    ignored_values,
)
from inspections.models import Finding, Inspection, Theme
from inspections.result_order import (
    Listed,
    Scale,
    in_order,
    read_page,
    results_key,
    sparse,
    window_start,
)
from inspections.search import marked_if_matched, normalise_query, words_searched
from inspections.selectors import LETTER_TEXT_FIELDS, ResultFinding, result_findings

RESULTS_PER_PAGE = 20

# A letter's row brings its whole text's vector, fifteen findings' worth: fewer of them.
FINDINGS_SCALE = Scale(sample_rows=40_000, listed=10_000)
LETTERS_SCALE = Scale(sample_rows=10_000, listed=2_000)


class CountedPaginator(Paginator):
    """A paginator told its total, which the facet counts already give, saving a COUNT."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclass(frozen=True)
class Chip:
    label: str
    remove_query: str


@dataclass(frozen=True)
class Notice:
    """Why the page shows what it shows, where that is not what was asked for."""

    text: str
    link_label: str = ""
    link_query: str = ""  # a query string that does what the reader likely meant


@dataclass
class Browse:
    filterset: ArchiveFilter
    facets: list[Facet]
    page: Page
    query: str
    chips: list[Chip]
    data: QueryDict  # the state as understood: unknown values dropped
    query_string: str  # the same without the page number, for links
    total: int
    estimated: bool = False  # total and facet counts are estimates from a sample
    notices: list[Notice] = field(default_factory=list)

    @property
    def canonical_query(self) -> str:
        """The state as search engines should know the page: filters sorted by name, the
        default order and page 1 left out, so one result list has one address."""
        params = sorted(
            (name, value)
            for name in self.data
            if name != "page"
            for value in self.data.getlist(name)
            if value and not (name == "sort" and value == "relevance")
        )
        if self.page.number > 1:
            params.append(("page", str(self.page.number)))
        return urlencode(params)

    @property
    def listed(self) -> int:
        """How many of the results the pages go through: all, unless they are estimated."""
        return self.page.paginator.count


def browse_findings(data: QueryDict) -> Browse:
    browse = _browse(
        FindingFilter,
        data,
        Finding.objects.all(),
        FINDING_FACETS,
        total_facet="category",
        newest_field="letter_date",
        scale=FINDINGS_SCALE,
    )
    ids = [finding.pk for finding in browse.page.object_list]
    # The page's rows in one hand-written statement (selectors.result_rows), their themes
    # named from those kept under the data version.
    themes = themes_by_name()
    browse.page.object_list = [
        _with_themes(_with_snippet(finding), themes)
        for finding in result_findings(ids, browse.query)
    ]
    return browse


def browse_letters(data: QueryDict) -> Browse:
    browse = _browse(
        LetterFilter,
        data,
        Inspection.objects.all(),
        LETTER_FACETS,
        total_facet="inspection_type",
        newest_field="letter_date",
        scale=LETTERS_SCALE,
    )
    ids = [letter.pk for letter in browse.page.object_list]
    rows = (
        Inspection.objects.filter(pk__in=ids)
        .select_related("authority")
        .defer(*LETTER_TEXT_FIELDS)
        .with_snippets(browse.query, field="source_text")
    )
    by_id = {letter.pk: letter for letter in rows}
    browse.page.object_list = [_with_snippet(by_id[pk]) for pk in ids]
    return browse


def _browse(
    filterset_class,
    data: QueryDict,
    queryset,
    specs,
    *,
    total_facet: str,
    newest_field: str,
    scale: Scale,
) -> Browse:
    asked = data
    filterset = filterset_class(data, queryset=queryset)
    filterset.is_valid()  # values that fail validation are left out of cleaned_data
    notices = [Notice(f"Ignored: {reason}.") for reason in ignored_values(filterset, data)]
    # From here on, the state as the FilterSet understood it (it filters the same way).
    data = canonical_query(filterset, data)
    notices += _empty_range(filterset, data)
    # The first page of what narrows is asked with its counts; past it, the counts are kept.
    first_page = None
    if narrows(data) and not _past_first_page(data):
        first_page = FirstPage.of(filterset.qs, RESULTS_PER_PAGE)
    facets = _facet_counts(filterset, data, queryset, specs, scale, first_page=first_page)
    for facet in facets:
        facet.narrow(asked.get(facet.narrow_param, ""))  # typed to find a value, not a filter
    # Every result has exactly one value of `total_facet`, so its counts add up to the total.
    counted = next(facet for facet in facets if facet.name == total_facet)
    chosen = counted.selected
    total = sum(value.count for value in (chosen or counted.values))
    listed = min(total, scale.listed) if counted.estimated else total
    since = window_start(facets, scale.listed) if counted.estimated else None
    if since is not None and not sparse(total, queryset):
        since = None
    results = in_order(
        filterset,
        filterset.qs.only("pk"),
        newest_field,
        scale,
        estimated=counted.estimated,
        since=since,
        data=data,
    )
    paginator = CountedPaginator(results, RESULTS_PER_PAGE, count=listed)
    number, page_notices = page_number(data.get("page"), paginator.num_pages)
    page = paginator.page(number)
    notices += page_notices
    query = normalise_query(filterset.form.cleaned_data.get("q"))
    if query and not total and not words_searched(query):
        notices.append(_unsearchable(query))
    # The first page's ids came with exact counts of the page's own results; not where the
    # total is an estimate (another group sampled): the page then lists the best of the
    # newest, as its next pages will.
    with_counts = first_page is not None and first_page.ids is not None
    if with_counts and page.number == 1 and not counted.estimated:
        page.object_list = [Listed(pk) for pk in first_page.ids]
    else:
        read_page(page, filterset, total=total, query=query)
    return Browse(
        filterset=filterset,
        facets=facets,
        page=page,
        query=query,
        chips=_chips(filterset, facets, data),
        data=data,
        query_string=without_query(data),
        total=total,
        estimated=counted.estimated,
        notices=notices,
    )


def _facet_counts(
    filterset, data: QueryDict, queryset, specs, scale: Scale, *, first_page: FirstPage | None
) -> list[Facet]:
    """The facets' counts; with nothing chosen and no words, kept from one import to the next.

    The page as first opened counts the whole table, and every reader gets the same counts
    until the archive changes. The order (`sort`) is in the key: the facets' links keep it.
    Past the first page of anything else, the counts are those of its first page: kept
    too, for the reader paging on.
    """

    def count() -> list[Facet]:
        return facet_counts(
            type(filterset),
            data,
            queryset,
            specs,
            sample_rows=scale.sample_rows,
            page=filterset,
            first_page=first_page,
        )

    # The exact-count limit in the key: servers set differently (the benchmark's exact and
    # sampled ones) may share one Redis.
    limit = settings.FACET_EXACT_COUNT_LIMIT
    model = queryset.model._meta.label_lower
    if narrows(data):
        if not _past_first_page(data):
            return count()
        # As the window of the best of the newest (BestOfNewest): a reader on page 2 goes
        # on to page 3, and every page shows the same counts, a common word's sampled
        # ones costing 0.1 to 0.3 s at 100,000 letters. Once a data version.
        return cached_counts(f"facets:past_first_page:{results_key(queryset, data)}", count)
    return cached_counts(f"facets:{model}:{limit}:{without_query(data)}", count)


def _past_first_page(data: QueryDict) -> bool:
    try:
        return int(data.get("page") or 1) > 1
    except ValueError:
        return False


def _empty_range(filterset: ArchiveFilter, data: QueryDict) -> list[Notice]:
    cleaned = filterset.form.cleaned_data
    start, end = cleaned.get("year_from"), cleaned.get("year_to")
    if not (start and end and start > end):
        return []
    swapped = data.copy()
    swapped["year_from"], swapped["year_to"] = str(end), str(start)
    return [
        Notice(
            f"From {start} to {end} is an empty range: no letter is dated both {start} or "
            f"later and {end} or earlier.",
            link_label=f"From {end} to {start} instead",
            link_query=without_query(swapped),
        )
    ]


def page_number(asked: str | None, last: int) -> tuple[int, list[Notice]]:
    """The page to show for `?page=`: out-of-range numbers go to the nearest page there is."""
    if asked is None or not asked.strip():
        return 1, []
    try:
        number = int(asked)
    except ValueError:
        return 1, [Notice(f"‘{asked[:20]}’ is not a page number: this is page 1.")]
    if number < 1:
        return 1, [Notice(f"There is no page {number}: this is the first page.")]
    if number > last:
        return last, [Notice(f"There is no page {number:,}: this is the last page, {last:,}.")]
    return number, []


def _unsearchable(query: str) -> Notice:
    if any(character.isalnum() for character in query):
        return Notice(
            f"Every word of “{query}” is too common to search for (words such as “the”, "
            "“and”, “of”, and “or” and “not” between words), so nothing can match it. "
            "Search for the words that matter, e.g. caseloads or “management oversight”."
        )
    return Notice(f"“{query}” has no words to search for: search for letters or digits.")


def _chips(filterset: ArchiveFilter, facets: list[Facet], data: QueryDict) -> list[Chip]:
    chips = [
        Chip(f"{facet.label}: {value.label}", value.toggle_query)
        for facet in facets
        for value in facet.selected
    ]
    cleaned = filterset.form.cleaned_data
    for name, label in (("year_from", "From"), ("year_to", "To")):
        if cleaned.get(name):
            chips.append(Chip(f"{label} {cleaned[name]}", without_query(data, name)))
    if cleaned.get("letter"):
        chips.append(Chip(f"Letter: {cleaned['letter']}", without_query(data, "letter")))
    return chips


def _with_snippet(row):
    row.snippet = marked_if_matched(row)
    return row


def themes_by_name() -> dict[int, tuple[int, str, str]]:
    """Each theme's id: its place in name order (the database's collation), slug and name;
    read once a data version (an editor's renaming moves it)."""

    def read() -> dict[int, tuple[int, str, str]]:
        named = Theme.objects.order_by("name", "pk").values_list("pk", "slug", "name")
        return {pk: (place, slug, name) for place, (pk, slug, name) in enumerate(named)}

    return cached_counts("themes_by_name", read)


def _with_themes(finding: ResultFinding, themes: dict[int, tuple[int, str, str]]) -> ResultFinding:
    """`tagged_themes`: the finding's themes as (slug, name), by name."""
    tagged = sorted(themes[pk] for pk in finding.theme_ids if pk in themes)
    finding.tagged_themes = [(slug, name) for _, slug, name in tagged]
    return finding
