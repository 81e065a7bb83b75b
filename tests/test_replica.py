"""Reads from the replica, writes to the primary (inspections.routers).

In tests the `replica` alias mirrors the test database (settings/test.py). The tests that
watch which connection runs what name `replica`, so it is a connection of its own, and are
transactional, so that it sees the rows they commit. Each would fail were the router, or
a raw cursor, to send a query to the other alias.
"""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections import caching
from inspections.importer import import_letter
from inspections.models import Finding, Inspection
from inspections.routers import read_alias, reads_from_primary, replica_has_replayed
from tests.conftest import seed_path
from tests.factories import FindingFactory

ON_BOTH = pytest.mark.django_db(
    transaction=True, serialized_rollback=True, databases=["default", "replica"]
)


class Watch:
    """The statements each connection runs inside the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    def on_primary(self, table: str) -> list[str]:
        return [q["sql"] for q in self.primary.captured_queries if table in q["sql"]]

    def on_replica(self, table: str) -> list[str]:
        return [q["sql"] for q in self.replica.captured_queries if table in q["sql"]]


@pytest.fixture
def findings():
    return [FindingFactory(text="Caseloads are too high."), FindingFactory(text="Supervision.")]


# ---- which alias the router names (every test runs with it active, even without a watch)


@pytest.mark.django_db
def test_the_archives_reads_go_to_the_replica_and_its_writes_to_the_primary():
    assert Finding.objects.all().db == "replica"
    assert read_alias(Inspection) == "replica"
    assert Finding.objects.all()._db is None  # the router decided, not a .using()
    assert FindingFactory()._state.db == "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_on_the_primary():
    with transaction.atomic():
        assert Finding.objects.all().db == "default"
        assert read_alias(Finding) == "default"
    assert Finding.objects.all().db == "replica"


@pytest.mark.django_db
def test_sessions_users_and_lockouts_are_always_read_from_the_primary(django_user_model):
    assert Session.objects.all().db == "default"
    assert django_user_model.objects.all().db == "default"
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.all().db == "default"


@pytest.mark.django_db
def test_reads_from_primary_pins_reads_for_its_block_only():
    with reads_from_primary():
        assert Finding.objects.all().db == "default"
    assert Finding.objects.all().db == "replica"


# ---- what each connection actually runs


@ON_BOTH
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/findings/?q=caseloads",
        "/findings/?category=development",
        "/letters/",
        "/authorities/",
        "/themes/",
        "/api/v1/findings/?q=caseloads",
    ],
)
def test_pages_read_the_archive_from_the_replica(client, findings, url):
    with Watch() as watch:
        response = client.get(url)

    assert response.status_code == 200
    assert watch.on_replica("inspections_")
    # The primary is asked the data version (a sequence), and nothing of the archive.
    primary = [q["sql"] for q in watch.primary.captured_queries]
    assert all(caching.VERSION_SEQUENCE in sql for sql in primary)


@ON_BOTH
def test_the_facet_counts_set_their_planner_settings_on_the_replica(client, findings):
    letter = findings[0].inspection
    with Watch() as watch:
        client.get(f"/letters/{letter.pk}/")
        # Past the first page (whose ids come with the counts), few matches: ranked
        # without parallel workers.
        client.get("/findings/?q=caseloads&page=2")

    replica = [q["sql"] for q in watch.replica.captured_queries]
    assert any("GROUPING SETS" in sql for sql in replica)
    assert any(sql.startswith("SET LOCAL max_parallel_workers_per_gather = 0") for sql in replica)
    assert not any(q["sql"].startswith("SET LOCAL") for q in watch.primary.captured_queries)


@ON_BOTH
def test_an_export_streams_its_rows_from_the_replica(client, findings):
    with Watch() as watch:
        response = client.get(reverse("inspections:finding-export-csv"))
        body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert "Caseloads are too high." in body
    assert watch.on_replica("inspections_finding")
    assert not watch.on_primary("inspections_finding")


@ON_BOTH
def test_an_import_reads_and_writes_on_the_primary_only():
    with Watch() as watch:
        result = import_letter(data=seed_path(0).read_bytes(), source_name="000.txt")
        again = import_letter(data=seed_path(0).read_bytes(), source_name="000.txt")

    assert result.outcome == "created" and again.outcome == "unchanged"
    # Letters and findings go in by COPY, on the primary's connection but not in Django's
    # log; their ids are drawn from the primary's sequences, which is.
    assert Finding.objects.filter(inspection__source_name="000.txt").exists()
    assert any("nextval" in sql for sql in watch.on_primary("inspections_finding"))
    # The look-up that finds the letter stored (a lagging replica would not have it).
    assert watch.on_primary("inspections_inspection")
    assert not watch.replica.captured_queries


@ON_BOTH
def test_an_admin_edit_and_the_editors_next_pages_use_the_primary_only(admin_client, findings):
    letter = findings[0].inspection
    with Watch() as watch:
        response = admin_client.post(
            reverse("admin:inspections_inspection_delete", args=[letter.pk]), {"post": "yes"}
        )
        assert response.status_code == 302
        # The editor's own view of the result reads what they just wrote.
        assert admin_client.get(letter.get_absolute_url()).status_code == 404
        assert admin_client.get("/letters/").status_code == 200

    assert any(sql.startswith("DELETE") for sql in watch.on_primary("inspections_finding"))
    assert not watch.replica.captured_queries
    assert not Inspection.objects.filter(pk=letter.pk).exists()


@ON_BOTH
def test_a_read_inside_an_atomic_write_block_goes_to_the_primary(findings):
    with Watch() as watch, transaction.atomic():
        finding = Finding.objects.get(pk=findings[0].pk)
        finding.text = "Caseloads are lower."
        finding.save()
        assert Finding.objects.get(pk=finding.pk).text == "Caseloads are lower."
        assert list(Finding.objects.filter(pk=finding.pk).values_list("pk", flat=True))

    assert len(watch.on_primary("inspections_finding")) == 4
    assert not watch.replica.captured_queries


# ---- the page cache and the replica's lag


@ON_BOTH
def test_the_data_version_is_read_on_the_primary_with_its_wal_position(findings):
    with Watch() as watch:
        version = caching._read_version()  # noqa: SLF001

    assert version.wal_position  # e.g. "0/1A2B3C4"
    assert watch.on_primary(caching.VERSION_SEQUENCE) and not watch.replica.captured_queries
    # A server not replaying (the mirror) holds everything the primary wrote.
    assert replica_has_replayed(version.wal_position)


@pytest.mark.django_db
def test_a_page_built_while_the_replica_lags_is_served_but_not_cached(
    client, settings, monkeypatch, findings
):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "r"},
    }
    cache.clear()
    lagging = True
    monkeypatch.setattr(caching, "replica_has_replayed", lambda position: not lagging)
    url = "/findings/?q=caseloads"

    assert "are too high." in client.get(url).content.decode()
    assert not cache._cache  # noqa: SLF001
    lagging = False
    client.get(url)
    assert len(cache._cache) == 1  # noqa: SLF001
    cache.clear()
