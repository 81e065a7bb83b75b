"""Counts over the whole archive kept under the data version (caching.cached_counts).

Home, /themes/, a theme's page and the findings and letters pages with nothing chosen read
them; an import, a retag or an admin edit advances the version, after which they are
counted afresh. Each test runs with the store in local memory and in Redis (db 5).
"""

import csv
import datetime
import io
import os
import re
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisUnreachable

from inspections import browse
from inspections.browse import browse_findings
from inspections.caching import bump_data_version, cached_counts
from inspections.filters import region_choices
from inspections.importer import import_letter, import_paths
from inspections.models import Finding, Inspection, Theme
from inspections.themes import tagging
from tests.conftest import SEED_DIR, in_ci, seed_path
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db

# A database of its own: clear() empties it.
REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/5")
STORES = {
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "c"},
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
}


@pytest.fixture(params=list(STORES))
def count_store(request, settings):
    # Off in tests (settings/test.py): factories never advance the version.
    settings.CACHES = {**settings.CACHES, "counts": STORES[request.param]}
    store = caches["counts"]
    try:
        store.clear()
    except RedisUnreachable as error:
        # Redis is part of CI; a developer's machine may not run one.
        if in_ci():
            raise
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    yield store
    store.clear()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what advances the data version once it commits, as outside a test."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run


def home_counts(client) -> dict[str, int]:
    html = client.get("/").content.decode()
    found = re.findall(r"<strong>([\d,]+)</strong> (letters|councils|findings)", html)
    return {name: int(number.replace(",", "")) for number, name in found}


def theme_row(client, theme: Theme) -> list[int]:
    """A theme's four counts as /themes/ shows them."""
    html = client.get(reverse("inspections:theme-list")).content.decode()
    row = html.split(f'href="{theme.get_absolute_url()}"', 1)[1].split("</tr>", 1)[0]
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', row)]


def test_counts_are_counted_again_after_an_import(client, count_store, committed):
    committed(import_letter, data=seed_path(0).read_bytes(), source_name="000.txt")
    first = home_counts(client)

    committed(import_letter, data=seed_path(1).read_bytes(), source_name="001.txt")

    assert first["letters"] == 1
    assert home_counts(client) == {
        "letters": 2,
        "councils": Inspection.objects.values("authority").distinct().count(),
        "findings": Finding.objects.count(),
    }


def test_kept_counts_are_served_until_the_version_moves(client, count_store, committed):
    committed(import_paths, [SEED_DIR])
    before = home_counts(client)
    # A change that does not advance the version (factories write straight to the table):
    # the kept counts are what the page shows, so the store is truly read...
    FindingFactory(inspection=Inspection.objects.first(), position=10_000)
    assert home_counts(client) == before
    # ...and a change that advances it is seen at once.
    committed(bump_data_version)
    assert home_counts(client)["findings"] == before["findings"] + 1


def test_an_admin_edit_is_never_answered_with_the_counts_before_it(
    admin_client, count_store, committed
):
    committed(import_paths, [SEED_DIR])
    letters = home_counts(admin_client)["letters"]
    letter = Inspection.objects.order_by("pk").first()

    delete = reverse("admin:inspections_inspection_delete", args=[letter.pk])
    committed(admin_client.post, delete, {"post": "yes"})

    assert home_counts(admin_client)["letters"] == letters - 1


def test_a_retag_is_never_answered_with_the_theme_counts_before_it(
    client, count_store, committed, settings
):
    # The rules alone tag (no model), so that new rules surely change the theme's findings.
    settings.THEME_MODEL_FILE = ""
    committed(import_paths, [SEED_DIR])
    theme = Theme.objects.get(slug="caseloads-and-capacity")
    before = theme_row(client, theme)
    theme_page = client.get(theme.get_absolute_url()).content.decode()

    Theme.objects.filter(pk=theme.pk).update(rules="child")  # many more findings say it
    committed(tagging.retag_theme, Theme.objects.get(pk=theme.pk))

    after = theme_row(client, theme)
    assert after[0] == Finding.objects.filter(themes=theme).count() > before[0]
    assert client.get(theme.get_absolute_url()).content.decode() != theme_page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/themes/",
        "/themes/caseloads-and-capacity/",
        "/findings/",
        "/findings/?sort=newest",
        "/findings/?category=strength",
        "/findings/?theme=caseloads-and-capacity",
        "/letters/",
    ],
)
def test_pages_read_from_the_store_are_the_pages_counted_afresh(client, settings, committed, path):
    committed(import_paths, [SEED_DIR])
    afresh = client.get(path)  # the store is off in tests: everything counted
    settings.CACHES = {**settings.CACHES, "counts": STORES["locmem"]}
    caches["counts"].clear()

    with CaptureQueriesContext(connection) as counting:
        counted = client.get(path)  # counts made and kept
    with CaptureQueriesContext(connection) as reading:
        kept = client.get(path)  # counts read from the store

    assert afresh.status_code == counted.status_code == kept.status_code == 200
    assert afresh.content == counted.content == kept.content
    assert len(counted_data(reading)) < len(counted_data(counting))
    caches["counts"].clear()


def counted_data(queries) -> list[str]:
    """The statements that read the archive's rows, not the bookkeeping around them.

    Whether a page asks the replica how far it has replayed depends on whether the primary
    wrote any WAL since the last ask (the background writer logs a snapshot every 15 s): a
    count of every statement would follow the clock.
    """
    return [q["sql"] for q in queries if "pg_last_wal_replay_lsn" not in q["sql"]]


def test_warm_pages_count_no_findings(client, count_store, committed):
    committed(import_paths, [SEED_DIR])
    paths = ["/", "/themes/", "/themes/caseloads-and-capacity/", "/findings/", "/letters/"]
    for path in paths:
        client.get(path)

    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        counting = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        # Only the latest letters' own findings (a subquery for the ten rows listed).
        assert all("LIMIT 10" in sql for sql in counting), (path, counting)


def test_chosen_facets_and_words_are_counted_each_time(client, count_store, committed):
    committed(import_paths, [SEED_DIR])

    client.get(reverse("inspections:finding-list"), {"category": "strength"})
    client.get(reverse("inspections:finding-list"), {"q": "caseloads"})
    client.get(reverse("inspections:letter-list"), {"page": "1"})

    kept = [str(key) for key in _keys(count_store)]
    # Nothing counted under the choice or the words is kept: only the whole table's counts
    # (the category facet of a page choosing a category ignores that choice).
    assert not [key for key in kept if "strength" in key or "caseloads" in key]
    assert [key for key in kept if "facets:inspections.inspection:" in key]
    assert [key for key in kept if "whole_table:inspections.finding:" in key]


def category_counts(query: str) -> dict[str, int]:
    facets = browse_findings(QueryDict(query)).facets
    category = next(facet for facet in facets if facet.name == "category")
    return {value.value: value.count for value in category.values}


def test_a_facet_choosing_only_its_own_value_reads_the_whole_tables_counts_once_a_version(
    count_store, committed
):
    committed(import_paths, [SEED_DIR])
    letter = Inspection.objects.order_by("pk").first()
    first = category_counts("category=strength")
    # Choosing a category leaves the category facet's counts those of the whole table.
    assert first == category_counts("")

    # A change that does not advance the version (a factory): the kept counts are shown...
    FindingFactory(inspection=letter, position=10_000, category="development")
    assert category_counts("category=strength") == first
    # ...and once the version moves, they are counted again.
    committed(bump_data_version)
    after = category_counts("category=strength")
    assert after["development"] == first["development"] + 1
    assert after == category_counts("")


def test_the_facets_under_a_chosen_value_are_counted_each_time(count_store, committed):
    committed(import_paths, [SEED_DIR])
    letter = Inspection.objects.order_by("pk").first()
    browse_findings(QueryDict("category=development"))

    FindingFactory(inspection=letter, position=10_000, category="development")

    # The year facet under the choice counts the new finding at once, version or not.
    facets = browse_findings(QueryDict("category=development")).facets
    years = next(facet for facet in facets if facet.name == "year")
    year = str(letter.letter_date.year)
    assert next(v.count for v in years.values if v.value == year) == (
        Finding.objects.filter(category="development", letter_date__year=year).count()
    )


def test_a_count_is_computed_once_a_version(count_store, committed):
    calls = []

    def compute():
        calls.append(1)
        return {"n": len(calls)}

    assert cached_counts("test", compute) == {"n": 1}
    assert cached_counts("test", compute) == {"n": 1}
    committed(bump_data_version)
    assert cached_counts("test", compute) == {"n": 2}
    assert len(calls) == 2


def _keys(store) -> list[str]:
    if isinstance(store, LocMemCache):
        return list(store._cache)  # noqa: SLF001
    return [key.decode() for key in store._cache.get_client().keys("*")]  # noqa: SLF001


def test_a_council_page_is_counted_once_a_version_and_afresh_after_an_import(
    client, count_store, committed
):
    committed(import_letter, data=seed_path(0).read_bytes(), source_name="000.txt")
    council = Inspection.objects.get().authority
    first = client.get(council.get_absolute_url())
    with CaptureQueriesContext(connection) as reading:
        again = client.get(council.get_absolute_url())
    assert again.content == first.content
    # The overview (grades, years, recurring weaknesses) is read from the store: no
    # statement touches the council's findings.
    assert not [
        q
        for q in reading.captured_queries
        if "inspections_finding" in q["sql"] and "inspections_findingtheme" in q["sql"]
    ]

    # A letter written without advancing the version (a factory) is not in the kept
    # overview's year table; once the version moves, it is.
    InspectionFactory(authority=council, letter_date=datetime.date(2031, 5, 1))
    in_years_table = f"authority={council.slug}&amp;year=2031"
    assert in_years_table not in client.get(council.get_absolute_url()).content.decode()
    committed(bump_data_version)
    assert in_years_table in client.get(council.get_absolute_url()).content.decode()


def test_pages_past_the_first_slice_a_window_kept_until_the_version_moves(
    count_store, committed, settings, monkeypatch
):
    committed(import_paths, [SEED_DIR])
    settings.FACET_EXACT_COUNT_LIMIT = -1  # every search estimated: the best of the newest
    monkeypatch.setattr(browse, "RESULTS_PER_PAGE", 2)
    monkeypatch.setattr(browse, "FINDINGS_SCALE", browse.Scale(sample_rows=40_000, listed=8))

    def listed(page: int) -> list[int]:
        result = browse_findings(QueryDict(f"q=assessment&page={page}"))
        return [row.pk for row in result.page.object_list]

    kept = [listed(page) for page in range(1, 5)]
    afresh = []
    for page in range(1, 5):
        count_store.clear()
        afresh.append(listed(page))
    assert kept == afresh
    assert len(set(sum(kept, []))) == 8

    # The newest and best match of all, written without advancing the version: pages past
    # the first still slice the window kept...
    letter = InspectionFactory(letter_date=datetime.date(2031, 5, 1))
    newest = FindingFactory(inspection=letter, text="Assessment: assessments of assessment.")
    listed(2)  # the window kept, if it was not already
    assert [listed(page) for page in range(2, 5)] == kept[1:]
    # ...and once it moves, the window is found again, with the new finding first.
    committed(bump_data_version)
    after = [listed(page) for page in range(1, 5)]
    assert after[0][0] == newest.pk
    afresh = []
    for page in range(1, 5):
        count_store.clear()
        afresh.append(listed(page))
    assert after == afresh != kept


def test_an_export_reads_the_window_a_reader_paging_on_kept(
    client, count_store, committed, settings, monkeypatch
):
    committed(import_paths, [SEED_DIR])
    settings.FACET_EXACT_COUNT_LIMIT = -1  # every search estimated: the best of the newest
    monkeypatch.setattr(browse, "RESULTS_PER_PAGE", 2)
    monkeypatch.setattr(browse, "FINDINGS_SCALE", browse.Scale(sample_rows=40_000, listed=8))
    url = f"{reverse('inspections:finding-export-csv')}?q=assessment"

    def exported() -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as reading:
            body = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
        [statement] = [q["sql"] for q in reading.captured_queries if "chosen" in q["sql"]]
        return statement, [row["finding_url"] for row in csv.DictReader(io.StringIO(body))]

    finding, rows = exported()  # nobody has paged on: the statement finds the window
    pages = [browse_findings(QueryDict(f"q=assessment&page={page}")) for page in range(1, 5)]
    listed = [row for page in pages for row in page.page.object_list]
    kept, kept_rows = exported()

    assert "window_rows" in finding and "window_rows" not in kept
    assert kept_rows == rows == [f"http://testserver{row.get_absolute_url()}" for row in listed]
    # A finding of the kept window deleted without advancing the version (a factory's
    # way; an editor's deletion advances it): left out, the others in their places.
    Finding.objects.filter(pk=listed[1].pk).delete()
    assert exported() == (kept, rows[:1] + rows[2:])


def test_a_region_filters_by_its_councils_as_of_the_latest_version(count_store, committed):
    committed(import_paths, [SEED_DIR])
    regions = set(Finding.objects.values_list("authority__region", flat=True))

    def listed(region: str) -> set[int]:
        result = browse_findings(QueryDict(urlencode({"region": region, "sort": "newest"})))
        return {row.pk for row in result.page.paginator.object_list}

    for region in regions:
        assert listed(region) == set(
            Finding.objects.filter(authority__region=region).values_list("pk", flat=True)
        )
    # A region of England with no council in the archive yet: nothing, not an error.
    empty = [region for region, _ in region_choices() if region not in regions]
    assert empty
    assert all(listed(region) == set() for region in empty)

    # A council (and its letter) imported: the region's councils are read again with the
    # version it advances.
    council = AuthorityFactory(region="East of England")
    letter = InspectionFactory(authority=council)
    finding = FindingFactory(inspection=letter)
    committed(bump_data_version)
    assert finding.pk in listed("East of England")


def test_pages_past_the_first_show_their_querys_counts_kept_until_the_version_moves(
    count_store, committed, monkeypatch
):
    committed(import_paths, [SEED_DIR])
    monkeypatch.setattr(browse, "RESULTS_PER_PAGE", 2)

    def total(page: int) -> int:
        return browse_findings(QueryDict(f"q=assessment&category=development&page={page}")).total

    first = total(2)
    assert first > 2  # a page 2 there is
    letter = Inspection.objects.order_by("pk").first()
    FindingFactory(inspection=letter, position=10_000, text="An assessment of caseloads.")

    assert total(1) == first + 1  # the first page counts afresh
    assert total(2) == total(3) == first  # further pages: the counts kept for the query
    committed(bump_data_version)
    assert total(2) == first + 1
