"""Pages in a real browser: Debian's chromium driven by Playwright against a live server."""

import pytest

from inspections.importer import import_paths
from tests.conftest import SEED_DIR

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def seeded_site(live_server):
    import_paths([SEED_DIR])
    return live_server.url


def test_reader_goes_from_the_letter_list_to_a_letter_and_its_source(page, seeded_site):
    page.goto(f"{seeded_site}/letters/")

    rows = page.locator("table.letters tbody tr")
    assert rows.count() == 5
    assert page.locator("table.letters tbody tr").first.inner_text().startswith("11 Aug 2017")

    page.get_by_role("link", name="Unannounced inspection of contact, referral and assessment").nth(2).click()
    page.wait_for_url("**/letters/*/")
    assert page.locator("h1").inner_text().startswith("Annual unannounced inspection")
    assert page.locator("#category-priority_action").is_visible()
    assert page.locator("ol.findings li").count() == 15

    with page.expect_navigation():
        page.get_by_role("link", name="Letter text").click()
    assert "Karen McKeown" in page.locator("body").inner_text()
