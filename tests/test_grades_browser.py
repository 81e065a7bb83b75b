"""Grade pages in a real browser: a council's grade chart, the national table sorted with
and without JavaScript, and its CSV."""

import csv

import pytest

from inspections.importer import import_paths
from tests.conftest import REAL_FIXTURES, REPO_ROOT

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

REPORTS_DIR = REPO_ROOT / "fixtures" / "reports" / "ilacs"


@pytest.fixture
def graded_site(live_server):
    """The 12 real reports, and Bristol's real letters between them."""
    import_paths([REPORTS_DIR, *sorted(REAL_FIXTURES.glob("*/*bristol*"))])
    return live_server.url


@pytest.fixture
def page_without_js(browser):
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def council_names(page) -> list[str]:
    return page.locator("#national-grades tbody th[scope=row]").all_inner_texts()


def test_council_page_charts_grades_and_letters_and_leads_to_a_report(page, graded_site):
    page.goto(f"{graded_site}/authorities/bristol/")

    chart = page.locator("svg.grade-timeline")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 400 and box["height"] > 150
    assert page.locator("svg.grade-timeline .mark-report").count() == 2
    assert page.locator("svg.grade-timeline .mark-letter").count() >= 2
    # Two reports grade overall effectiveness: two bands in its lane, both drawn.
    bands = page.locator("svg.grade-timeline rect.band")
    assert bands.count() >= 9
    assert all(bands.nth(i).bounding_box()["width"] > 5 for i in range(bands.count()))
    assert page.locator("table.grade-history tr.is-report").count() == 2

    # The chart is an image (no links nested in it); its reports are links in the table.
    assert page.locator("svg.grade-timeline a").count() == 0
    page.locator("table.grade-history tr.is-report a").first.click()
    page.wait_for_url("**/letters/*/")
    assert page.locator("#judgements-title").is_visible()
    assert page.locator("table.judgement-table tbody tr").count() >= 4


def test_national_table_sorts_without_javascript(page_without_js, graded_site):
    page = page_without_js
    page.goto(f"{graded_site}/grades/")
    assert council_names(page)[0] == "Bristol"

    page.locator("#national-grades th a", has_text="Overall effectiveness").click()
    page.wait_for_url("**/grades/?sort=overall_effectiveness")
    assert council_names(page)[0] == "Haringey"  # the one outstanding
    head = page.locator('#national-grades th[data-column="overall_effectiveness"]')
    assert head.get_attribute("aria-sort") == "ascending"

    page.locator("#national-grades th a", has_text="Overall effectiveness").click()
    page.wait_for_url("**/grades/?sort=-overall_effectiveness")
    assert council_names(page)[-1] == "Haringey"


def test_national_table_sorts_in_place_with_javascript_as_the_server_does(
    page, page_without_js, graded_site
):
    for column in ["overall_effectiveness", "-date", "region", "care_leavers"]:
        page_without_js.goto(f"{graded_site}/grades/?sort={column}")
        expected = council_names(page_without_js)

        page.goto(f"{graded_site}/grades/")
        name = column.removeprefix("-")
        link = page.locator(f'#national-grades th[data-column="{name}"] a')
        link.click()
        if column.startswith("-"):
            link.click()
        assert council_names(page) == expected, column
        assert page.url.endswith(f"/grades/?sort={column}")  # no reload, the address follows
        want = "descending" if column.startswith("-") else "ascending"
        assert link.locator("..").get_attribute("aria-sort") == want


def test_national_csv_downloads_in_the_tables_order(page, graded_site):
    page.goto(f"{graded_site}/grades/")
    page.locator('#national-grades th[data-column="overall_effectiveness"] a').click()
    shown = council_names(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this table as CSV").click()
    with open(download_info.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["council"] for row in rows] == shown
    assert rows[0]["overall_effectiveness"] == "outstanding"
    assert download_info.value.suggested_filename.startswith("grades-")


def test_grade_pages_run_under_the_policy_without_violations(page, graded_site):
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => window.__violations ="
        " (window.__violations || []).concat([e.violatedDirective + ' ' + e.blockedURI]));"
    )
    refused = []
    for path in ["/grades/", "/authorities/bristol/", "/letters/?latest_leadership=good"]:
        assert page.goto(graded_site + path).status == 200, path
        refused.extend(page.evaluate("window.__violations || []"))
    page.goto(f"{graded_site}/grades/")
    page.locator('#national-grades th[data-column="region"] a').click()
    page.wait_for_url("**/grades/?sort=region")
    refused.extend(page.evaluate("window.__violations || []"))
    assert refused == []


def test_a_grade_facet_narrows_the_letters_in_place(page, graded_site):
    page.goto(f"{graded_site}/letters/")
    facet = '[data-facet="latest_overall_effectiveness"] a[data-value="requires_improvement"]'
    shown = int(page.locator(f"{facet} .facet-count").inner_text())
    assert shown > 0

    page.locator(facet).click()
    page.wait_for_selector(".chip")
    assert int(page.locator("#result-count strong").inner_text()) == shown
    assert "latest_overall_effectiveness=requires_improvement" in page.url
    assert page.locator(".chip").inner_text().startswith("Overall effectiveness (council")
