"""Exports: validated before the first byte, a failure never passes for a complete file."""

import csv
import io
import json

import pytest
from django.core.signals import request_finished
from django.db import OperationalError, close_old_connections, connection
from django.urls import reverse

from inspections import exports
from tests.factories import FindingFactory, InspectionFactory
from tests.test_outages import closed_port

pytestmark = pytest.mark.django_db

EXPORTS = ["inspections:finding-export-csv", "inspections:finding-export-json"]


@pytest.fixture
def findings():
    inspection = InspectionFactory()
    return [FindingFactory(inspection=inspection, text=f"Finding {n}.") for n in range(5)]


@pytest.mark.parametrize("name", EXPORTS)
# Values of a many-valued facet that do not exist are dropped, as on the page (filters.py);
# these cannot be dropped without exporting something other than what was asked for.
@pytest.mark.parametrize("query", ["year_from=abc", "year_to=1900", "letter=x", "sort=best"])
def test_an_export_with_a_bad_filter_is_a_400_before_any_byte(client, findings, name, query):
    response = client.get(f"{reverse(name)}?{query}")

    assert response.status_code == 400
    assert not response.streaming
    assert "Nothing was exported" in response.content.decode()


@pytest.mark.parametrize("name", EXPORTS)
def test_a_failure_mid_export_breaks_the_stream_and_never_ends_the_file(
    client, findings, name, monkeypatch
):
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 2)
    chunk_reader = "_json_chunk" if name.endswith("json") else "_csv_chunk"
    real_chunk = getattr(exports, chunk_reader)
    calls = []

    def failing_chunk(*args):
        calls.append(args)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_chunk(*args)

    monkeypatch.setattr(exports, chunk_reader, failing_chunk)
    response = client.get(reverse(name))
    assert response.status_code == 200  # the file had started: only breaking it can tell
    received = []
    with pytest.raises(OperationalError):
        for part in response.streaming_content:
            received.append(part)

    text = b"".join(received).decode("utf-8-sig")
    if name.endswith("json"):
        assert text.startswith("[") and "]" not in text  # never a complete-looking array
    else:
        assert len(list(csv.reader(io.StringIO(text)))) < 1 + len(findings)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_begun_while_the_database_is_down_is_a_503_not_an_empty_200(client, name):
    FindingFactory()
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        response = client.get(reverse(name))
    finally:
        connection.close()
        connection.settings_dict.update(HOST=real["HOST"], PORT=real["PORT"])

    assert response.status_code == 503
    assert not response.streaming
    assert "The archive is briefly unavailable" in response.content.decode()


@pytest.mark.parametrize("name", EXPORTS)
def test_an_export_reads_rows_a_chunk_at_a_time_in_a_few_queries(
    client, findings, name, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(exports, "EXPORT_CHUNK", 2)
    # The ids, then 3 chunks of 2: a statement each for the CSV, rows and themes for JSON.
    per_chunk = 2 if name.endswith("json") else 1
    with django_assert_max_num_queries(2 + 3 * per_chunk) as captured:
        response = client.get(reverse(name))
        body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert len(captured.captured_queries) >= 1 + 3 * per_chunk
    if name.endswith("json"):
        rows = json.loads(body)
    else:
        rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["text"] for row in rows] == [f"Finding {n}." for n in range(4, -1, -1)]
    assert rows[0]["finding_url"] == f"http://testserver{findings[4].get_absolute_url()}"
    assert rows[0]["letter_url"] == f"http://testserver{findings[4].inspection.get_absolute_url()}"


def test_exports_beyond_the_cap_are_asked_to_come_back_and_slots_are_given_back(
    client, findings, settings
):
    settings.EXPORT_CONCURRENCY = 1
    url = reverse("inspections:finding-export-csv")
    slow = client.get(url)  # its client has not read it yet: the slot is held

    refused = client.get(url)
    assert refused.status_code == 503
    assert refused["Retry-After"] == "30"

    # The client went away: the server closes the response. (Without closing this test's
    # database connection, as request_finished would: it holds the test's transaction.)
    request_finished.disconnect(close_old_connections)
    try:
        slow.close()
    finally:
        request_finished.connect(close_old_connections)
    after_close = client.get(url)
    assert after_close.status_code == 200
    b"".join(after_close.streaming_content)  # read to the end: the slot comes back
    assert client.get(reverse("inspections:finding-export-json")).status_code == 200
