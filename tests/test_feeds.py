"""Atom feeds, read by a feed library as a reader would: searches, councils, themes, new
letters, and the 304 a polling reader gets while nothing was imported."""

import feedparser
import pytest
from django.http import QueryDict
from django.urls import reverse

from inspections.filters import FindingFilter, LetterFilter
from inspections.importer import import_letter, import_paths
from inspections.models import Authority, Finding, Inspection, Theme
from tests.conftest import REPO_ROOT, SEED_DIR

pytestmark = pytest.mark.django_db

REPORT_PDF = REPO_ROOT / "fixtures" / "reports" / "ilacs" / "80441_bristol_2023-01-16_ilacs.pdf"
NEW_LETTER = REPO_ROOT / "tests" / "letters" / "pdftotext_focused_visit.txt"


@pytest.fixture
def archive():
    import_paths([SEED_DIR])
    import_letter(data=REPORT_PDF.read_bytes(), source_name=REPORT_PDF.name)


def read_feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    return feed


def links(entry) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in entry.links}


def newest_first(filterset_class, query: str, model) -> list:
    data = QueryDict(query, mutable=True)
    data["sort"] = "newest"
    return list(filterset_class(data, queryset=model.objects.all()).qs[:50])


@pytest.mark.parametrize(
    "query", ["q=caseloads", "category=priority_action", "q=social&region=North West", ""]
)
def test_a_findings_search_feed_holds_that_search_newest_first(client, archive, query):
    feed = read_feed(client, f"{reverse('inspections:finding-feed')}?{query}")

    expected = newest_first(FindingFilter, query, Finding)
    assert expected, "the search should find something"
    assert [entry.id for entry in feed.entries] == [
        f"http://testserver{finding.get_absolute_url()}" for finding in expected
    ]
    first, finding = feed.entries[0], expected[0]
    assert links(first)["alternate"] == f"http://testserver{finding.get_absolute_url()}"
    assert links(first)["related"] == f"http://testserver{finding.inspection.get_absolute_url()}"
    assert first.summary == finding.text
    assert finding.inspection.authority.name in first.title
    assert feed.feed.link == f"http://testserver{reverse('inspections:finding-list')}" + (
        f"?{QueryDict(query).urlencode()}" if query else ""
    )


@pytest.mark.parametrize("query", ["q=social workers", "inspection_type=ilacs", "year=2010"])
def test_a_letters_search_feed_holds_that_search_newest_first(client, archive, query):
    feed = read_feed(client, f"{reverse('inspections:letter-feed')}?{query}")

    expected = newest_first(LetterFilter, query, Inspection)
    assert expected
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver{letter.get_absolute_url()}" for letter in expected
    ]
    assert feed.entries[0].published.startswith(expected[0].letter_date.isoformat())


def test_a_councils_feed_holds_its_letters(client, archive):
    authority = Authority.objects.get(slug="bristol")

    feed = read_feed(client, reverse("inspections:authority-feed", args=[authority.slug]))

    assert "Bristol" in feed.feed.title
    assert [entry.link for entry in feed.entries] == [
        f"http://testserver{letter.get_absolute_url()}"
        for letter in authority.inspections.order_by("-letter_date")
    ]


def test_a_themes_feed_holds_its_findings(client, archive):
    theme = Theme.objects.filter(findings__isnull=False).distinct().first()

    feed = read_feed(client, reverse("inspections:theme-feed", args=[theme.slug]))

    tagged = set(theme.findings.values_list("pk", flat=True))
    assert len(feed.entries) == min(len(tagged), 50)
    for entry in feed.entries:
        letter_id, position = entry.link.split("/letters/")[1].split("/#finding-")
        finding = Finding.objects.get(inspection_id=letter_id, position=position)
        assert finding.pk in tagged
        assert theme.name in {tag.term for tag in entry.tags}


def test_the_new_letters_feed_lists_the_latest_import_first(client, archive):
    newest = import_letter(data=NEW_LETTER.read_bytes(), source_name=NEW_LETTER.name).inspection

    feed = read_feed(client, reverse("inspections:latest-feed"))

    assert len(feed.entries) == Inspection.objects.count()
    assert feed.entries[0].link == f"http://testserver{newest.get_absolute_url()}"


@pytest.mark.parametrize("url", ["/authorities/narnia/feed/", "/themes/narnia/feed/"])
def test_a_feed_of_nothing_is_a_404(client, archive, url):
    assert client.get(url).status_code == 404


def test_a_feed_answers_304_until_something_is_imported(client, archive):
    url = f"{reverse('inspections:finding-feed')}?q=caseloads"
    first = client.get(url)

    by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    import_letter(data=NEW_LETTER.read_bytes(), source_name=NEW_LETTER.name)
    after = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert by_etag.status_code == by_date.status_code == 304
    assert by_etag.content == b""
    assert after.status_code == 200
    assert after["ETag"] != first["ETag"]


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("inspections:finding-list", "inspections:finding-feed"),
        ("inspections:letter-list", "inspections:letter-feed"),
    ],
)
def test_follow_this_search_links_the_feed_of_the_same_search(client, archive, page, feed):
    response = client.get(reverse(page), {"q": "caseloads", "region": "North West"})

    html = response.content.decode()
    href = f"{reverse(feed)}?q=caseloads&amp;region=North+West"
    assert f'<a href="{href}" type="application/atom+xml">Follow this search</a>' in html
    alternate = f'type="application/atom+xml" title="Follow this search" href="{href}">'
    assert f'<link rel="alternate" {alternate}' in html
    read_feed(client, href.replace("&amp;", "&"))
