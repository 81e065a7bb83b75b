"""Pages, through Django's test client."""

import pytest
from django.urls import reverse

from inspections.importer import import_letter, import_paths
from tests.conftest import SEED_DIR, seed_path
from tests.factories import FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db


def test_letter_list_shows_every_letter_newest_first(client):
    import_paths([SEED_DIR])

    response = client.get(reverse("inspections:letter-list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>5</strong> letters, newest first" in html
    dates = [
        html.index(text)
        for text in ("11 Aug 2017", "10 Jan 2012", "4 Aug 2010", "17 Feb 2010", "2 Dec 2009")
    ]
    assert dates == sorted(dates)


def test_letter_page_groups_findings_by_category(client):
    inspection = import_letter(data=seed_path(4).read_bytes(), source_name="004.txt").inspection

    response = client.get(inspection.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Worcestershire" in html
    assert "Karen McKeown" in html
    assert html.index('id="category-strength"') < html.index('id="category-development"')
    assert html.index('id="category-development"') < html.index('id="category-priority_action"')
    assert html.count('<li id="finding-') == 15
    assert reverse("inspections:letter-source", args=[inspection.pk]) in html


def test_source_text_is_served_as_plain_text(client):
    inspection = import_letter(data=seed_path(0).read_bytes(), source_name="000.txt").inspection

    response = client.get(reverse("inspections:letter-source", args=[inspection.pk]))

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Marie McGuinness" in response.content.decode()


def test_letter_text_is_escaped_on_pages(client):
    finding = FindingFactory(text='<script>alert("x")</script> & more')

    html = client.get(finding.inspection.get_absolute_url()).content.decode()

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html


def test_missing_letter_is_404(client):
    assert client.get(reverse("inspections:letter-detail", args=[999999])).status_code == 404


def test_home_counts_the_archive(client):
    InspectionFactory.create_batch(3)

    html = client.get(reverse("inspections:home")).content.decode()

    assert "<strong>3</strong> letters" in html


@pytest.mark.parametrize(
    "query, shown",
    [
        ('"management oversight"', "“management oversight”"),
        ("caseloads", "“caseloads”"),
        ('"management oversight" caseloads', "“‘management oversight’ caseloads”"),
        ('"unclosed phrase', "“&quot;unclosed phrase”"),
    ],
)
def test_a_quoted_query_is_shown_between_one_pair_of_quotes(client, query, shown):
    finding = FindingFactory(text="Management oversight of caseloads is weak.")

    letter = client.get(finding.inspection.get_absolute_url(), {"q": query}).content.decode()
    findings = client.get(reverse("inspections:finding-list"), {"q": query}).content.decode()

    assert f"Showing matches for {shown}." in letter
    assert f"matching {shown}" in findings
    assert "“&quot;" not in letter.replace(shown, "")


def test_theme_tags_on_a_result_are_spaced_apart(client):
    css = (SEED_DIR.parent.parent / "static" / "css" / "site.css").read_text()

    assert ".tag + .tag { margin-left:" in css


def test_the_focus_ring_is_not_the_search_highlight_yellow():
    css = (SEED_DIR.parent.parent / "static" / "css" / "site.css").read_text()
    mark = css.split("--mark: ", 1)[1].split(";", 1)[0]
    focus = css.split("--focus: ", 1)[1].split(";", 1)[0]

    assert focus != mark
    assert ":focus-visible { outline: 3px solid var(--focus)" in css
    assert "#fd0" not in css


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")


def test_admin_pages_name_the_site_icon(client):
    html = client.get(reverse("admin:login")).content.decode()

    assert 'rel="icon"' in html and "favicon" in html
    assert "<h1>Log in</h1>" in html
