"""What search engines and reference managers read: the sitemap, canonical addresses, titles
and descriptions, and citation metadata on letter pages."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from inspections.importer import import_letter, import_paths
from inspections.models import Authority, Inspection, Theme
from tests.conftest import REPO_ROOT, SEED_DIR

pytestmark = pytest.mark.django_db

LETTER_PDF = REPO_ROOT / "fixtures" / "real" / "focused_visits" / "80418_norfolk_2019-10-31_fv.pdf"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def archive():
    import_paths([SEED_DIR])
    return import_letter(data=LETTER_PDF.read_bytes(), source_name=LETTER_PDF.name).inspection


def local(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "testserver"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_sitemap_lists_every_council_letter_and_theme_and_each_answers_200(client, archive):
    index = client.get(reverse("sitemap"))
    assert index.status_code == 200
    sections = [loc.text for loc in ET.fromstring(index.content).iter(f"{SITEMAP}loc")]

    listed = []
    for section in sections:
        response = client.get(local(section))
        assert response.status_code == 200
        listed += [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]

    paths = {local(url) for url in listed}
    assert len(paths) == len(listed)
    for letter in Inspection.objects.all():
        assert letter.get_absolute_url() in paths
    for theme in Theme.objects.all():
        assert theme.get_absolute_url() in paths
    for authority in Authority.objects.filter(inspections__isnull=False).distinct():
        assert authority.get_absolute_url() in paths
    assert {"/", "/findings/", "/letters/", "/authorities/", "/themes/"} <= paths
    for path in sorted(paths):
        assert client.get(path).status_code == 200, path


def test_robots_txt_points_to_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain"
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def canonical(html: str) -> str:
    return re.search(r'<link rel="canonical" href="([^"]*)">', html).group(1)


def test_a_filtered_page_names_one_address_for_its_state(client, archive):
    messy = client.get(
        reverse("inspections:finding-list"),
        {
            "sort": "relevance",
            "q": "caseloads",
            "category": "development",
            "page": "1",
            "colour": "blue",
            "authority": "narnia",
        },
    )

    assert canonical(messy.content.decode()) == (
        "http://testserver/findings/?category=development&amp;q=caseloads"
    )
    letter_page = client.get(reverse("inspections:letter-detail", args=[archive.pk]), {"q": "x"})
    assert canonical(letter_page.content.decode()) == f"http://testserver/letters/{archive.pk}/"


def test_pages_say_what_they_are(client, archive):
    authority = archive.authority
    page = client.get(authority.get_absolute_url()).content.decode()

    assert f"<title>{authority.name}: Ofsted letters on its children's services" in page
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert description.startswith(f"Ofsted's letters and reports about {authority.name}")
    findings = client.get(reverse("inspections:finding-list"), {"q": "caseloads"})
    description = re.search(
        r'<meta name="description" content="([^"]*)">', findings.content.decode()
    ).group(1)
    assert re.match(r"\d+ findings? from Ofsted", description)
    assert "matching “caseloads”" in description


def test_a_letter_page_carries_citation_metadata(client, archive):
    page = client.get(archive.get_absolute_url()).content.decode()

    meta = dict(re.findall(r'<meta name="(citation_[a-z_]+)" content="([^"]*)">', page))
    assert meta["citation_title"] == archive.title.replace("'", "&#x27;")
    assert meta["citation_date"] == archive.letter_date.strftime("%Y/%m/%d")
    assert meta["citation_publisher"] == "Ofsted"
    assert meta["citation_pdf_url"] == f"http://testserver/letters/{archive.pk}/original.pdf"
    assert client.get(local(meta["citation_pdf_url"])).status_code == 200
    text_letter = Inspection.objects.exclude(pk=archive.pk).first()
    assert "citation_pdf_url" not in client.get(text_letter.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url", ["/", "/findings/", "/letters/", "/authorities/", "/themes/", "/api/v1/docs/"]
)
def test_every_page_links_the_api_documentation_from_its_footer(client, archive, url):
    html = client.get(url).content.decode()

    footer = html[html.index('<footer class="site-footer">') :]
    assert f'<a href="{reverse("api:docs")}">' in footer
    assert f'<a href="{reverse("inspections:latest-feed")}">' in footer
