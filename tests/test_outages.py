"""When the database goes away: a 503 page in the site's design, and back by itself."""

import socket

import pytest
from django.db import connection
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.factories import FindingFactory


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_answer_503_while_the_database_is_unreachable_then_recover(client):
    finding = FindingFactory()
    pages = [
        "/",
        "/findings/?q=caseloads",
        "/letters/",
        finding.inspection.get_absolute_url(),
        "/authorities/",
        "/themes/",
    ]
    real = dict(connection.settings_dict)
    connection.close()
    # The same settings a restarted or unreachable server leaves us with: a refused connect.
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        for url in pages:
            response = client.get(url)

            assert response.status_code == 503, url
            assert response["Retry-After"] == "30"
            html = response.content.decode()
            assert "The archive is briefly unavailable" in html
            assert 'href="/findings/"' in html  # the site's navigation
    finally:
        connection.close()
        connection.settings_dict.update(HOST=real["HOST"], PORT=real["PORT"])

    for url in pages:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_answers_an_outage_in_json(client):
    FindingFactory()
    real = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        response = client.get("/api/v1/findings/")
    finally:
        connection.close()
        connection.settings_dict.update(HOST=real["HOST"], PORT=real["PORT"])

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.json()["detail"]


def test_connections_are_health_checked(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


@pytest.mark.django_db
def test_a_missing_page_is_a_404_in_the_sites_design(client):
    response = client.get("/letters/987654321/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/letters/"' in html
    assert 'name="q"' in html and 'action="/findings/"' in html


def test_the_500_page_needs_neither_the_database_nor_a_request_context(django_db_blocker):
    with django_db_blocker.block():
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert 'href="/findings/"' in html
    assert 'name="q"' in html
