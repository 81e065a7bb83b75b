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
