"""No page one letter can break: a letter of 10,000 findings costs every page a bounded
number of queries, none of which reads a letter's text or a search vector it does not show."""

import csv
import io
import json
import re

import pytest
from django.core.cache import caches
from django.urls import reverse

from inspections.importer import import_letter
from inspections.models import Category, Theme
from inspections.themes.tagging import tag_findings
from tests.factories import FindingFactory, InspectionFactory

pytestmark = pytest.mark.django_db

FINDINGS = 10_000
# A column holding a letter's text or what is built from it (megabytes for this letter),
# selected as such: searching and snippets use them inside the database, which is fine.
HEAVY_COLUMN = re.compile(
    r'(?:SELECT (?:DISTINCT )?|, )"\w+"\."(source_text|search_vector|search_extra)"(?:,|$)'
)


def long_letter() -> bytes:
    """A focused visit to Leeds with FINDINGS one-sentence findings, half of them weaknesses."""
    lines = [
        "3 June 2024",
        "",
        "Dear Ms Smith",
        "",
        "Focused visit to Leeds children’s services",
        "",
        "This letter summarises the findings of the focused visit to Leeds children’s services"
        " on 1 and 2 May 2024 by His Majesty’s inspectors Jane Doe and John Roe.",
        "",
        "Main findings",
        "",
    ]
    for number in range(FINDINGS):
        if number == FINDINGS // 2:
            lines += ["What needs to improve in this area of social work practice", ""]
        lines += [f"Finding {number}: caseloads and supervision vary between the teams.", ""]
    lines += ["Yours sincerely", "", "Jane Doe", "His Majesty’s Inspector"]
    return "\n".join(lines).encode()


@pytest.fixture
def huge(django_capture_on_commit_callbacks):
    # What the importer does once the letter is committed (fresh statistics) runs too.
    with django_capture_on_commit_callbacks(execute=True):
        result = import_letter(data=long_letter(), source_name="leeds-long.txt")
    inspection = result.inspection
    assert inspection.findings.count() == FINDINGS
    assert inspection.findings.filter(category=Category.DEVELOPMENT).exists()
    # An earlier Leeds letter with the same weaknesses, so its themes recur on the council page.
    earlier = InspectionFactory(authority=inspection.authority, letter_date="2019-03-01")
    FindingFactory(
        inspection=earlier, category=Category.DEVELOPMENT, text="Caseloads are too high."
    )
    tag_findings(inspection_ids=[earlier.pk])
    return inspection


def pages(inspection) -> dict[str, tuple[str, int]]:
    """Every page that shows the letter, with the most queries it may make."""
    theme = Theme.objects.filter(findings__inspection=inspection).first()
    letter = f"letter={inspection.pk}"
    return {
        "letter": (inspection.get_absolute_url(), 8),
        "letter, searched": (f"{inspection.get_absolute_url()}?q=caseloads", 8),
        "council": (inspection.authority.get_absolute_url(), 10),
        "findings of the letter": (f"{reverse('inspections:finding-list')}?{letter}", 20),
        "findings searched": (f"{reverse('inspections:finding-list')}?q=supervision", 20),
        "letters": (reverse("inspections:letter-list"), 20),
        "letters searched": (f"{reverse('inspections:letter-list')}?q=caseloads", 20),
        "home": (reverse("inspections:home"), 6),
        "councils": (reverse("inspections:authority-list"), 6),
        "themes": (reverse("inspections:theme-list"), 6),
        "a theme": (theme.get_absolute_url(), 10),
        "CSV export": (f"{reverse('inspections:finding-export-csv')}?{letter}", 30),
        "JSON export": (f"{reverse('inspections:finding-export-json')}?{letter}", 30),
    }


@pytest.fixture
def count_store(settings):
    """The store of archive-wide counts, on as everywhere but in tests (settings/test.py),
    and empty: every page below makes its counts, as the first reader after an import."""
    settings.CACHES = {
        **settings.CACHES,
        "counts": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "b"},
    }
    caches["counts"].clear()
    yield
    caches["counts"].clear()


def test_every_page_showing_a_letter_of_10000_findings_is_bounded(
    client, huge, count_store, django_assert_max_num_queries
):
    for name, (url, max_queries) in pages(huge).items():
        with django_assert_max_num_queries(max_queries) as captured:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else b""

        assert response.status_code == 200, name
        for query in captured.captured_queries:
            if query["sql"].startswith("EXPLAIN"):  # a plan's estimate reads no rows
                continue
            heavy = HEAVY_COLUMN.findall(query["sql"].split(" FROM ")[0])
            assert not heavy, f"{name} fetched {heavy}: {query['sql'][:300]}"
        if name == "CSV export":
            rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
            assert len(rows) == FINDINGS
        if name == "JSON export":
            assert len(json.loads(body)) == FINDINGS


def test_the_council_page_counts_recurring_weaknesses_without_reading_findings(client, huge):
    html = client.get(huge.authority.get_absolute_url()).content.decode()

    assert "Recurring weaknesses" in html
    assert f"{FINDINGS // 2:,} findings" in html or f"{FINDINGS // 2} findings" in html
