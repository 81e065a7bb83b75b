"""Theme pages in a real browser: Debian's chromium driven by Playwright against a live server."""

import datetime

import pytest

from inspections.themes.services import load_taxonomy
from inspections.themes.tagging import tag_findings
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture
def themed_site(live_server):
    load_taxonomy()
    council = AuthorityFactory(name="Northshire")
    for year, category in [(2011, "development"), (2014, "strength"), (2014, "priority_action")]:
        inspection = InspectionFactory(authority=council, letter_date=datetime.date(year, 5, 1))
        FindingFactory(inspection=inspection, category=category, text="Caseloads are too high.")
    tag_findings()
    return live_server.url


def test_reader_goes_from_the_theme_list_to_a_theme_chart_and_its_table(page, themed_site):
    page.goto(f"{themed_site}/themes/")
    with page.expect_navigation():
        page.get_by_role("link", name="Caseloads and capacity").click()

    chart = page.locator("figure.theme-chart svg")
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    assert page.locator("svg rect").count() == 3
    assert chart.bounding_box()["width"] > 300
    rows = page.locator("table.chart-data tbody tr")
    assert rows.count() == 4  # 2011 to 2014, the years between included
    # Counts by category, all with the theme, all findings that year, and the share.
    assert rows.last.inner_text().split() == ["2014", "1", "0", "1", "0", "2", "2", "100.0%"]
    assert page.get_by_role("link", name="Northshire").first.is_visible()
