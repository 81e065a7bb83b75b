"""Whole pages cached under the archive's data version: fast when repeated, fresh on change."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from inspections.caching import bump_data_version, data_version
from inspections.importer import import_letter
from tests.conftest import seed_path
from tests.factories import FindingFactory
from tests.test_outages import closed_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_cache(settings):
    # Tests run without one (settings/test.py): data made by factories never bumps the version.
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
    }
    cache.clear()
    yield
    cache.clear()


def test_a_repeated_page_is_served_from_the_cache_with_one_query(
    client, page_cache, django_assert_num_queries
):
    FindingFactory(text="Caseloads are too high.")
    url = f"{reverse('inspections:finding-list')}?q=caseloads"
    first = client.get(url)

    with django_assert_num_queries(1):  # the data version
        again = client.get(url)

    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert "Content-Security-Policy" in again  # the middleware still runs on a cached page


def test_an_import_makes_every_cached_page_stale(
    client, page_cache, django_capture_on_commit_callbacks
):
    url = reverse("inspections:letter-list")
    empty = client.get(url).content.decode()
    before = data_version()

    with django_capture_on_commit_callbacks(execute=True):
        result = import_letter(data=seed_path(0).read_bytes(), source_name="000.txt")

    assert data_version() > before
    council = result.inspection.authority.get_absolute_url()
    assert council not in empty
    assert council in client.get(url).content.decode()


def test_an_edit_in_the_admin_makes_cached_pages_stale(
    admin_client, page_cache, django_capture_on_commit_callbacks
):
    finding = FindingFactory(text="Caseloads are too high.")
    inspection = finding.inspection
    assert admin_client.get(inspection.get_absolute_url()).status_code == 200
    before = data_version()

    delete_url = reverse("admin:inspections_inspection_delete", args=[inspection.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(delete_url, {"post": "yes"})

    assert data_version() > before
    assert admin_client.get(inspection.get_absolute_url()).status_code == 404


def test_pages_with_a_capped_query_string_are_not_cached(client, page_cache, settings):
    settings.QUERY_VALUE_MAX_REPEATS = 1
    url = f"{reverse('inspections:finding-list')}?region=a&region=b"
    client.get(url)

    assert "Only the first 1" in client.get(url).content.decode()
    assert not cache._cache  # noqa: SLF001 (locmem's own store: nothing was kept)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_while_the_database_is_down_cached_pages_are_served_and_others_get_the_503(
    client, page_cache
):
    finding = FindingFactory(text="Caseloads are too high.")
    cached = finding.inspection.get_absolute_url()
    assert client.get(cached).status_code == 200
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        # Nothing can change while the database is down: the cached page is still right.
        assert client.get(cached).status_code == 200
        assert client.get("/letters/").status_code == 503
    finally:
        connection.close()
        connection.settings_dict.update(HOST=real["HOST"], PORT=real["PORT"])


def test_the_api_etag_is_the_data_version(client, django_capture_on_commit_callbacks):
    # One version for pages, counts and the API: an edit that imports nothing (an admin
    # correcting a finding) still tells API clients their copy is stale.
    FindingFactory(text="Caseloads are too high.")
    url = reverse("api:finding-list")
    etag = client.get(url)["ETag"]
    assert client.get(url)["ETag"] == etag

    with django_capture_on_commit_callbacks(execute=True):
        bump_data_version()

    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200
    assert client.get(url)["ETag"] != etag
