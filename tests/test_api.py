"""The read-only JSON API (/api/v1/), against the real database: every endpoint, its filters
and search (the pages' FilterSets), cursor pages, 404s, fair use and the OpenAPI schema."""

import re
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openapi_spec_validator import validate
from rest_framework.pagination import Cursor

from inspections import browse, result_order
from inspections.api.paging import ArchiveCursorPagination
from inspections.api.views import FindingViewSet
from inspections.importer import import_letter, import_paths
from inspections.models import Authority, Finding, Inspection, Theme
from tests.conftest import REPO_ROOT, SEED_DIR

pytestmark = pytest.mark.django_db

REPORT_PDF = REPO_ROOT / "fixtures" / "reports" / "ilacs" / "80441_bristol_2023-01-16_ilacs.pdf"
NEW_LETTER = REPO_ROOT / "tests" / "letters" / "pdftotext_focused_visit.txt"
LETTER_PDF = REPO_ROOT / "fixtures" / "real" / "focused_visits" / "80418_norfolk_2019-10-31_fv.pdf"


@pytest.fixture
def archive():
    """The five seed letters (text), a focused visit letter and a full report (PDFs)."""
    import_paths([SEED_DIR])
    for path in (REPORT_PDF, LETTER_PDF):
        assert import_letter(data=path.read_bytes(), source_name=path.name).inspection
    return Inspection.objects.all()


def get(client, url, **params):
    # Added to the URL's own query string, which the test client would replace.
    if params:
        url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
    response = client.get(url)
    assert response["Content-Type"] == "application/json", response.content[:200]
    return response


def walk(client, url, **params) -> list[dict]:
    """Every result of a list, following `next` page by page."""
    results = []
    page = get(client, url, **params).json()
    for _ in range(1000):
        results += page["results"]
        if not page["next"]:
            return results
        page = client.get(page["next"]).json()
    raise AssertionError("the pages never end")


def test_the_root_links_every_resource(client):
    response = get(client, "/api/v1/")

    assert response.status_code == 200
    assert set(response.json()) == {"councils", "letters", "findings", "themes"}
    assert response.json()["letters"] == "http://testserver/api/v1/letters/"


def test_councils_with_letters_are_listed_with_codes_counts_and_links(client, archive):
    councils = walk(client, reverse("api:council-list"), page_size=2)

    with_letters = Authority.objects.filter(inspections__isnull=False).distinct()
    assert [council["slug"] for council in councils] == sorted(
        with_letters.values_list("slug", flat=True),
        key=lambda slug: Authority.objects.get(slug=slug).name,
    )
    bristol = next(council for council in councils if council["slug"] == "bristol")
    assert bristol["gss_code"] == "E06000023"
    assert bristol["dfe_la_code"] == "801"
    assert bristol["letter_count"] == 1
    assert bristol["latest_letter_date"] == "2023-01-27"  # the letter date, not the visit
    assert bristol["url"] == "http://testserver/api/v1/councils/bristol/"
    assert bristol["html_url"] == "http://testserver/authorities/bristol/"
    assert bristol["letters_url"] == "http://testserver/api/v1/letters/?authority=bristol"
    assert bristol["feed_url"] == "http://testserver/authorities/bristol/feed/"
    assert client.get(bristol["url"]).json() == bristol


def test_a_full_report_comes_with_its_framework_and_judgements(client, archive):
    reports = get(client, reverse("api:letter-list"), inspection_type="ilacs").json()["results"]

    assert len(reports) == 1
    report = reports[0]
    assert report["council"]["slug"] == "bristol"
    assert report["inspection_type_label"] == "Inspection of local authority children's services"
    assert report["framework"] in {"standard", "short"}
    assert report["framework_label"].endswith("inspection")
    areas = {judgement["area"]: judgement for judgement in report["judgements"]}
    assert "overall_effectiveness" in areas
    assert areas["overall_effectiveness"]["area_label"] == "Overall effectiveness"
    assert areas["overall_effectiveness"]["grade_label"]
    assert report["original_pdf_url"] == f"http://testserver/letters/{report['id']}/original.pdf"
    assert client.get(report["original_pdf_url"])["Content-Type"] == "application/pdf"


def test_a_letter_lists_its_findings_in_order_with_codes_and_labels(client, archive):
    letter = Inspection.objects.get(source_name__startswith="004")

    body = get(client, reverse("api:letter-detail", args=[letter.pk])).json()

    assert body["id"] == letter.pk
    assert body["original_pdf_url"] is None  # imported from text
    assert body["source_text_url"] == f"http://testserver/letters/{letter.pk}/source.txt"
    assert [finding["position"] for finding in body["findings"]] == sorted(
        letter.findings.values_list("position", flat=True)
    )
    categories = {(f["category"], f["category_label"]) for f in body["findings"]}
    assert ("development", "Area for development") in categories
    assert ("priority_action", "Area for priority action") in categories
    first = body["findings"][0]
    assert first["html_url"] == f"http://testserver/letters/{letter.pk}/#finding-1"
    listed = walk(client, body["findings_url"])
    assert {f["id"] for f in listed} == {f["id"] for f in body["findings"]}


def test_every_label_is_the_one_the_site_shows_for_its_code(client, archive):
    for letter in walk(client, reverse("api:letter-list")):
        inspection = Inspection.objects.get(pk=letter["id"])
        assert letter["inspection_type_label"] == inspection.get_inspection_type_display()
        assert letter["framework_label"] == inspection.get_framework_display()
        judgements = {j.area: j for j in inspection.judgements.all()}
        for judgement in letter["judgements"]:
            assert judgement["area_label"] == judgements[judgement["area"]].get_area_display()
            assert judgement["grade_label"] == judgements[judgement["area"]].get_grade_display()
    findings = walk(client, reverse("api:finding-list"), page_size=100)
    labels = {f.pk: f.get_category_display() for f in Finding.objects.all()}
    assert {f["category_label"] for f in findings} == set(labels.values())
    assert all(f["category_label"] == labels[f["id"]] for f in findings)


def test_a_finding_links_to_its_letter_council_and_themes(client, archive):
    finding = Finding.objects.filter(themes__isnull=False).first()

    body = get(client, reverse("api:finding-detail", args=[finding.pk])).json()

    assert body["text"] == finding.text
    assert body["letter"]["id"] == finding.inspection_id
    assert body["letter"]["url"].endswith(f"/api/v1/letters/{finding.inspection_id}/")
    assert body["council"]["slug"] == finding.inspection.authority.slug
    assert {theme["slug"] for theme in body["themes"]} == set(
        finding.themes.values_list("slug", flat=True)
    )


def test_themes_are_listed_with_counts_and_their_findings(client, archive):
    themes = walk(client, reverse("api:theme-list"))

    assert [theme["slug"] for theme in themes] == list(
        Theme.objects.order_by("name").values_list("slug", flat=True)
    )
    counted = next(theme for theme in themes if theme["finding_count"])
    findings = walk(client, counted["findings_url"], page_size=100)
    assert len(findings) == counted["finding_count"]
    assert all(counted["slug"] in {t["slug"] for t in f["themes"]} for f in findings)


@pytest.mark.parametrize(
    "query",
    [
        "q=caseloads",
        'q="management oversight"',
        "q=children -police&sort=newest",
        "category=development&category=priority_action&year_from=2010",
        "region=West Midlands&sort=oldest",
        "theme=supervision&theme=management-oversight&q=supervision",
        "",
    ],
)
def test_findings_are_those_the_findings_page_lists_in_its_order(client, archive, query):
    data = QueryDict(query)
    page = browse.browse_findings(data)

    results = walk(client, reverse("api:finding-list"), **_params(data), page_size=100)

    assert [finding["id"] for finding in results] == [
        finding.pk for finding in page.page.paginator.object_list
    ]
    assert len(results) == page.total


@pytest.mark.parametrize(
    "query",
    ["q=social workers", "priority_action=true", "inspection_type=ilacs", "year=2010&year=2012"],
)
def test_letters_are_those_the_letters_page_lists_in_its_order(client, archive, query):
    data = QueryDict(query)
    page = browse.browse_letters(data)

    results = walk(client, reverse("api:letter-list"), **_params(data))

    assert [letter["id"] for letter in results] == [
        letter.pk for letter in page.page.paginator.object_list
    ]
    assert len(results) == page.total


def _params(data: QueryDict) -> dict:
    return {name: data.getlist(name) for name in data}


@pytest.mark.parametrize("page_size", [1, 3, 7])
def test_cursor_pages_go_through_every_result_once_either_way(client, archive, page_size):
    # Whole letters' findings share their letter's date: ties the cursor must step through.
    forward = walk(client, reverse("api:finding-list"), page_size=page_size, q="social")

    ids = [finding["id"] for finding in forward]
    assert len(ids) == len(set(ids)) == Finding.objects.search("social", newest_field="pk").count()
    last = get(client, reverse("api:finding-list"), page_size=page_size, q="social").json()
    while last["next"]:
        last = client.get(last["next"]).json()
    backward = []
    page = last
    while page["previous"] and len(backward) < len(ids):
        page = client.get(page["previous"]).json()
        backward = page["results"] + backward
    assert [finding["id"] for finding in backward] + [
        finding["id"] for finding in last["results"]
    ] == ids


def test_a_cursor_that_was_tampered_with_is_a_404(client, archive):
    response = client.get(reverse("api:finding-list"), {"cursor": "cD1bMSwyXQ=="})

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def test_a_search_too_big_to_rank_ranks_its_newest_matches_as_the_page_does(
    client, archive, monkeypatch
):
    monkeypatch.setattr(result_order, "too_many_to_count", lambda queryset: True)
    monkeypatch.setattr(FindingViewSet, "scale", browse.Scale(sample_rows=100, listed=5))

    results = get(client, reverse("api:finding-list"), q="social").json()["results"]
    newest_five = get(client, reverse("api:finding-list"), q="social", sort="newest", page_size=5)

    matches = Finding.objects.search("social", newest_field="inspection__letter_date")
    best_of_newest = sorted(
        matches.filter(pk__in=[f["id"] for f in newest_five.json()["results"]]),
        key=lambda f: (-f.rank, -f.inspection.letter_date.toordinal(), -f.pk),
    )
    assert [f["id"] for f in results] == [f.pk for f in best_of_newest]


@pytest.mark.parametrize("page_size", [1, 4])
def test_cursor_pages_through_the_best_of_the_newest_go_through_it_once_either_way(
    client, archive, monkeypatch, page_size
):
    monkeypatch.setattr(result_order, "too_many_to_count", lambda queryset: True)
    monkeypatch.setattr(FindingViewSet, "scale", browse.Scale(sample_rows=100, listed=9))
    first = get(client, reverse("api:finding-list"), q="social", page_size=9).json()
    assert len(first["results"]) == 9 and not first["next"]  # the window is the whole listing

    forward = walk(client, reverse("api:finding-list"), q="social", page_size=page_size)

    assert [f["id"] for f in forward] == [f["id"] for f in first["results"]]
    page = get(client, reverse("api:finding-list"), q="social", page_size=page_size).json()
    while page["next"]:
        page = client.get(page["next"]).json()
    backward = page["results"]
    while page["previous"]:
        page = client.get(page["previous"]).json()
        backward = page["results"] + backward
    assert [f["id"] for f in backward] == [f["id"] for f in forward]


def test_the_best_of_the_newest_is_ranked_and_paged_in_one_statement(client, archive, monkeypatch):
    monkeypatch.setattr(result_order, "too_many_to_count", lambda queryset: True)
    monkeypatch.setattr(FindingViewSet, "scale", browse.Scale(sample_rows=100, listed=9))
    window = [f["id"] for f in walk(client, reverse("api:finding-list"), q="social")]
    first = get(client, reverse("api:finding-list"), q="social", page_size=3).json()

    with CaptureQueriesContext(connection) as statements:
        second = client.get(first["next"]).json()

    assert [f["id"] for f in second["results"]] == window[3:6]
    ranking = [s["sql"] for s in statements.captured_queries if "ts_rank" in s["sql"]]
    assert len(ranking) == 1
    # No statement is handed the window's ids to rank them again: the most any is given
    # are the page's own (and the next one's, which says whether there is a next page).
    for statement in statements.captured_queries:
        named = {pk for pk in window if re.search(rf"\b{pk}\b", statement["sql"])}
        assert len(named) <= 4, statement["sql"]
    themes = [s for s in statements.captured_queries if 'FROM "inspections_theme"' in s["sql"]]
    assert len(themes) == 1  # every row's themes at once


def test_a_search_is_ranked_once_a_row_in_a_statement_of_ids_as_the_page_does(client, archive):
    with CaptureQueriesContext(connection) as statements:
        body = get(client, reverse("api:finding-list"), q="social", page_size=3).json()

    assert len(body["results"]) == 3
    ranking = [
        s["sql"]
        for s in statements.captured_queries
        if "ts_rank" in s["sql"] and not s["sql"].startswith("EXPLAIN")  # the size estimate
    ]
    assert len(ranking) == 1
    assert ranking[0].count("ts_rank(") == 1
    # Every match goes through the sort: its text and its letter are read after, for three.
    assert '"inspections_finding"."text"' not in ranking[0]


@pytest.mark.parametrize("position", ["[1, 2]", '["a", "2020-01-01", 1]', '[0.1, "soon", 1]'])
def test_a_tampered_cursor_into_the_best_of_the_newest_is_a_404(
    client, archive, monkeypatch, position
):
    monkeypatch.setattr(result_order, "too_many_to_count", lambda queryset: True)
    pagination = ArchiveCursorPagination()
    pagination.base_url = "http://testserver" + reverse("api:finding-list") + "?q=social"
    url = pagination.encode_cursor(Cursor(0, False, position))

    response = client.get(url)

    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def test_page_size_is_capped(client, archive):
    body = get(client, reverse("api:finding-list"), page_size=1000).json()

    assert len(body["results"]) == 100


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("authority=narnia", "council ‘narnia’ is not in the archive"),
        ("category=splendid", "category ‘splendid’ is not a category of finding"),
        ("colour=blue", "‘colour’ is not something this page can be narrowed by"),
    ],
)
def test_a_value_the_page_would_ignore_is_a_400_with_the_reason(client, archive, query, reason):
    response = client.get(f"{reverse('api:finding-list')}?{query}")

    assert response.status_code == 400
    assert response.json() == {"detail": [f"Ignored: {reason}."]}


def test_a_malformed_value_is_a_400_naming_the_parameter(client, archive):
    response = client.get(reverse("api:finding-list"), {"letter": "abc"})

    assert response.status_code == 400
    assert "letter" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/letters/999999/",
        "/api/v1/findings/999999/",
        "/api/v1/councils/narnia/",
        "/api/v1/themes/narnia/",
        "/api/v1/nothing/",
    ],
)
def test_what_is_not_there_is_a_404(client, archive, url):
    response = client.get(url)

    assert response.status_code == 404


def test_the_api_is_read_only(client, archive):
    response = client.post(reverse("api:letter-list"), {"title": "x"})

    assert response.status_code == 405


@override_settings(API_RATE_LIMIT="3/minute")
def test_an_address_over_its_limit_is_told_when_to_come_back(client, archive):
    counters = caches["counters"]
    counters.clear()
    url = reverse("api:council-list")
    try:
        answers = [client.get(url, REMOTE_ADDR="192.0.2.1") for _ in range(4)]
        other = client.get(url, REMOTE_ADDR="192.0.2.2")
        spoofed = client.get(url, REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    finally:
        counters.clear()

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert "throttled" in answers[-1].json()["detail"]
    assert other.status_code == 200  # per address
    assert spoofed.status_code == 429  # X-Forwarded-For is not believed without a proxy


def test_other_sites_may_read_the_api_but_not_the_pages(client, archive):
    origin = {"HTTP_ORIGIN": "https://example.org"}

    api = client.get(reverse("api:letter-list"), **origin)
    page = client.get(reverse("inspections:letter-list"), **origin)
    preflight = client.options(
        reverse("api:letter-list"), HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE", **origin
    )

    assert api["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in api["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in page
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_a_client_with_the_current_version_gets_a_304_until_a_letter_is_imported(client, archive):
    url = reverse("api:finding-list")
    first = client.get(url, {"q": "caseloads"})
    etag, last_modified = first["ETag"], first["Last-Modified"]

    again = client.get(url, {"q": "caseloads"}, HTTP_IF_NONE_MATCH=etag)
    since = client.get(url, {"q": "caseloads"}, HTTP_IF_MODIFIED_SINCE=last_modified)
    import_letter(data=NEW_LETTER.read_bytes(), source_name=NEW_LETTER.name)
    after = client.get(url, {"q": "caseloads"}, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200
    assert "max-age=" in first["Cache-Control"]
    assert again.status_code == since.status_code == 304
    assert again.content == b""
    assert after.status_code == 200
    assert after["ETag"] != etag


def test_the_schema_is_valid_openapi_and_describes_the_page_filters(client):
    response = client.get(reverse("api:schema"), {"format": "json"})

    schema = response.json()
    validate(schema)
    parameters = {
        parameter["name"]: parameter
        for parameter in schema["paths"]["/api/v1/findings/"]["get"]["parameters"]
    }
    assert {"q", "authority", "region", "year", "year_from", "year_to", "inspection_type"} <= set(
        parameters
    )
    assert {"category", "theme", "letter", "sort", "cursor", "page_size"} <= set(parameters)
    assert "development" in parameters["category"]["schema"]["items"]["enum"]
    assert 2020 in parameters["year"]["schema"]["items"]["enum"]
    letters = schema["paths"]["/api/v1/letters/"]["get"]["parameters"]
    assert "priority_action" in {parameter["name"] for parameter in letters}


def test_the_schema_is_generated_without_a_warning():
    # drf-spectacular's own validation, and every filter's type resolved.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_documentation_page_lists_every_endpoint_under_the_sites_policy(client):
    response = client.get(reverse("api:docs"))

    html = response.content.decode()
    assert response.status_code == 200
    for path in ("/api/v1/councils/", "/api/v1/letters/{id}/", "/api/v1/findings/"):
        assert f"GET {path}" in html
    assert "<code>category_label</code>" in html
    assert "<code>inspection_type</code> &quot;ilacs&quot;" in html  # backticks as code
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "<script" not in html and "<style" not in html and "style=" not in html
