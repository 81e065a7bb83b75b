"""The Content-Security-Policy in a real browser: no page needs inline script or style."""

import pytest

from inspections.importer import import_paths
from inspections.themes.services import load_taxonomy
from tests.conftest import SEED_DIR

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]


def test_pages_and_the_admin_run_under_the_policy_without_violations(
    page, live_server, django_user_model
):
    load_taxonomy()
    import_paths([SEED_DIR])
    django_user_model.objects.create_superuser("admin", "admin@example.org", "a long password 9")
    # Every violation on every page loaded, gathered by a listener the browser installs
    # before the page's own scripts (Playwright's init scripts are exempt from the policy).
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => window.__violations ="
        " (window.__violations || []).concat([e.violatedDirective + ' ' + e.blockedURI]));"
    )
    refused = []

    def check():
        page.wait_for_load_state()
        refused.extend(page.evaluate("window.__violations || []"))

    site = live_server.url

    pages = [
        "/",
        "/letters/",
        "/authorities/liverpool/",
        "/themes/",
        "/themes/supervision/",
        "/api/v1/docs/",
    ]
    for path in pages:
        response = page.goto(site + path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        check()
    # The findings page updates in place with its script; a letter page scrolls to a match.
    page.goto(f"{site}/findings/?q=caseloads")
    page.locator('[data-facet="authority"] a[data-value="halton"]').click()
    page.wait_for_selector(".chip")
    check()
    page.locator(".result-links a").first.click()
    page.wait_for_url("**/letters/*/?q=caseloads*")
    check()
    # The admin, whose pages use scripts of their own.
    page.goto(f"{site}/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("a long password 9")
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    for path in [
        "/admin/",
        "/admin/inspections/inspection/",
        "/admin/inspections/inspection/upload/",
        "/admin/inspections/finding/?q=caseloads",
        "/admin/inspections/theme/",
    ]:
        assert page.goto(site + path).status == 200, path
        check()

    assert refused == []
