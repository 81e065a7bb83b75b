"""Pages in a real browser: Debian's chromium driven by Playwright against a live server."""

import pytest

from inspections.importer import import_paths
from tests.conftest import SEED_DIR

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


@pytest.fixture
def seeded_site(live_server):
    import_paths([SEED_DIR])
    return live_server.url


def test_reader_goes_from_the_letter_list_to_a_letter_and_its_source(page, seeded_site):
    page.goto(f"{seeded_site}/letters/")

    results = page.locator(".result-list .result")
    assert results.count() == 5
    assert results.first.inner_text().startswith("11 Aug 2017 · Liverpool")

    page.locator(".result-heading a", has_text="Worcestershire").click()
    page.wait_for_url("**/letters/*/")
    assert page.locator("h1").inner_text().startswith("Annual unannounced inspection")
    assert page.locator("#category-priority_action").is_visible()
    assert page.locator("ol.findings li").count() == 15

    with page.expect_navigation():
        page.get_by_role("link", name="The letter's text as imported").click()
    assert "Karen McKeown" in page.locator("body").inner_text()


def facet_count(page, facet: str, value: str) -> int:
    link = page.locator(f'[data-facet="{facet}"] a[data-value="{value}"] .facet-count')
    return int(link.inner_text())


def test_search_facet_chip_letter_and_csv(page, seeded_site):
    page.goto(f"{seeded_site}/findings/")
    page.get_by_label("Search the words of every finding").fill("caseloads")
    page.get_by_role("button", name="Search", exact=True).click()

    # Locators, not wait_for_function: the page's policy forbids the eval() that needs.
    page.locator("#result-count", has_text="matching").wait_for()
    assert page.locator("mark").first.inner_text().lower().startswith("caseload")
    total = int(page.locator("#result-count strong").inner_text())
    halton = facet_count(page, "authority", "halton")
    assert 0 < halton < total
    assert "?q=caseloads" in page.url

    # Choosing a council narrows the results to exactly the count its facet showed.
    page.locator('[data-facet="authority"] a[data-value="halton"]').click()
    page.wait_for_selector(".chip")
    assert int(page.locator("#result-count strong").inner_text()) == halton
    assert "authority=halton" in page.url
    assert "finding" in page.locator("#live-status").inner_text()
    assert page.locator(".chip").inner_text().startswith("Council: Halton")
    # The other facets' counts changed with the choice: only Halton's year remains.
    assert page.locator('[data-facet="year"] a').count() == 1

    # Removing the chip brings the wider result set back.
    page.locator(".chip").click()
    page.locator(".chip").wait_for(state="detached")
    assert int(page.locator("#result-count strong").inner_text()) == total

    # The CSV holds the rows the page counts.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    csv_text = open(download_info.value.path(), encoding="utf-8-sig").read()
    assert csv_text.startswith("council,gss_code,dfe_la_code,region,letter_date")
    assert len(csv_text.strip().splitlines()) == total + 1

    # Opening a result lands on the finding in its letter, with the words marked.
    page.locator(".result-links a").first.click()
    page.wait_for_url("**/letters/*/?q=caseloads*#finding-*")
    target = page.url.rsplit("#", 1)[1]
    assert page.locator(f"#{target} mark").count() >= 1


def test_facets_work_without_javascript(browser, seeded_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{seeded_site}/findings/?q=supervision")
    total = int(page.locator("#result-count strong").inner_text())
    halton = facet_count(page, "authority", "halton")

    page.locator('[data-facet="authority"] a[data-value="halton"]').click()
    page.wait_for_load_state()

    assert int(page.locator("#result-count strong").inner_text()) == halton < total
    context.close()
