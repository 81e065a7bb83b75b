"""Accessibility in a real browser: axe-core on every kind of page at a phone's width and a
desktop's, the filters' fold on a small screen, focus order, and scroll regions."""

import pytest

from inspections.importer import import_paths
from inspections.models import Inspection
from inspections.themes import services as themes
from tests.conftest import REPO_ROOT, SEED_DIR
from tests.factories import AuthorityFactory, FindingFactory, InspectionFactory

REPORTS = REPO_ROOT / "fixtures" / "reports" / "ilacs"

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser,
]

# axe-core 4.14.1 (MPL-2.0), vendored: see tests/vendor/README.md.
AXE_SOURCE = (REPO_ROOT / "tests" / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PHONE, DESKTOP = 390, 1280


@pytest.fixture
def site(live_server):
    themes.load_taxonomy()
    import_paths([SEED_DIR, *sorted(REPORTS.glob("80441_bristol_*.pdf"))])
    # Enough councils for the council facet to be a long one, with its "Find" box.
    for name in ["Barnet", "Bexley", "Brent", "Bromley", "Camden", "Ealing", "Enfield"]:
        authority = AuthorityFactory(name=name, slug=name.lower())
        FindingFactory(inspection=InspectionFactory(authority=authority))
    return live_server.url


def axe_violations(page) -> list[str]:
    """axe's violations on the page as loaded, one line each.

    Evaluated through the DevTools protocol, which the page's Content-Security-Policy does
    not govern: no inline script is added to the page, and its policy stays as served.
    """
    page.evaluate(AXE_SOURCE + "\n;0")
    found = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
    )
    return found


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_axe_finds_no_violation_on_any_page(browser, site, width):
    letter = Inspection.objects.order_by("pk").first()
    report = Inspection.objects.filter(inspection_type="ilacs").order_by("pk").first()
    pages = [
        "/",
        "/findings/",
        "/findings/?q=caseloads&authority=halton&find_authority=h",
        "/letters/",
        f"/letters/{letter.pk}/?q=%22management+oversight%22",
        "/authorities/",
        f"/authorities/{letter.authority.slug}/",
        "/themes/",
        "/themes/supervision/",
        "/grades/",
        f"/letters/{report.pk}/",
        "/authorities/bristol/",
        "/api/v1/docs/",
        "/no-such-page/",
        "/admin/login/",
    ]
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    found = {}
    for path in pages:
        page.goto(site + path)
        page.wait_for_load_state()
        violations = axe_violations(page)
        if violations:
            found[path] = violations
    context.close()

    assert found == {}


def test_on_a_phone_the_filters_fold_under_one_control_above_the_results(browser, site):
    context = browser.new_context(viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/findings/?authority=halton")

    toggle = page.locator("summary.filters-summary")
    assert toggle.is_visible()
    assert toggle.inner_text().endswith("Filters (1 chosen)")
    council = page.locator('[data-facet="authority"]')
    assert not council.is_visible()  # folded by the script on a small screen
    # The control is above the first result, and nothing is wider than the screen.
    assert toggle.bounding_box()["y"] < page.locator(".result").first.bounding_box()["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE

    toggle.click()
    assert council.is_visible()
    # Choosing a value keeps the filters open while the results change in place.
    page.locator('[data-facet="region"] a.facet-value').first.click()
    page.wait_for_selector(".chip >> nth=1")
    assert council.is_visible()
    context.close()


def test_on_a_phone_without_javascript_the_filters_are_open_above_the_results(browser, site):
    context = browser.new_context(
        viewport={"width": PHONE, "height": 800}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(f"{site}/findings/")

    council = page.locator('[data-facet="authority"]')
    assert council.is_visible()
    assert council.bounding_box()["y"] < page.locator(".result").first.bounding_box()["y"]
    page.locator("summary.filters-summary").click()  # and they fold by hand
    assert not council.is_visible()
    context.close()


def test_on_a_desktop_the_filters_are_always_open_beside_the_results(page, site):
    page.set_viewport_size({"width": DESKTOP, "height": 800})
    page.goto(f"{site}/findings/")

    assert not page.locator("summary.filters-summary").is_visible()
    facets = page.locator('[data-facet="authority"]').bounding_box()
    first = page.locator(".result").first.bounding_box()
    assert facets["x"] + facets["width"] <= first["x"]


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_tab_order_follows_what_is_seen(browser, site, width):
    """From the search form, Tab reaches the filters before the results, as they are drawn:
    on a phone the "Filters" control above the results, on a desktop the column beside them."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/findings/")
    page.locator("#id_sort").focus()
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(() => { const e = document.activeElement, box = e.getBoundingClientRect();"
                " return {name: e.className || e.tagName, in_filters: !!e.closest('aside'),"
                " top: box.top + window.scrollY}; })()"
            )
        )
    context.close()

    assert reached[0]["name"] == "BUTTON"  # Apply
    if width == PHONE:
        assert reached[1]["name"] == "filters-summary"
        assert not any(item["in_filters"] for item in reached[2:])  # folded: on to the results
        tops = [item["top"] for item in reached]
        assert tops == sorted(tops), reached  # down the page, never back up
    else:
        assert reached[1]["name"] == "skip-facets"
        assert all(item["in_filters"] for item in reached[1:]), reached


def test_typing_in_the_find_box_narrows_the_councils_at_once(page, site):
    page.goto(f"{site}/findings/")
    values = page.locator('[data-facet="authority"] li')
    every = values.count()

    page.get_by_label("Find a council").fill("hal")

    visible = page.locator('[data-facet="authority"] li:not([hidden])')
    assert visible.count() == 1 and "Halton" in visible.inner_text()
    assert "1 shown, " in page.locator("#find-authority-status").inner_text()
    page.get_by_label("Find a council").fill("")
    assert page.locator('[data-facet="authority"] li:not([hidden])').count() == every


def test_the_find_box_works_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/findings/?authority=liverpool")
    page.get_by_label("Find a council").fill("hal")
    with page.expect_navigation():
        page.get_by_role("button", name="Find a council").click()

    labels = page.locator('[data-facet="authority"] .facet-label').all_inner_texts()
    assert labels == ["Liverpool", "Halton"]  # the chosen one first, then the match
    assert "find_authority=hal" in page.url and "authority=liverpool" in page.url
    context.close()


def test_wide_tables_and_the_chart_scroll_in_labelled_focusable_regions(browser, site):
    context = browser.new_context(viewport={"width": PHONE, "height": 800})
    page = context.new_page()
    page.goto(f"{site}/themes/supervision/")

    chart = page.locator(".chart-scroll")
    assert chart.get_attribute("tabindex") == "0"
    assert chart.get_attribute("role") == "region"
    assert chart.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls, not shrinks
    # Axis labels are drawn at 14px or more, whatever the screen.
    size = page.locator(".chart text.axis").first.evaluate("e => e.getBoundingClientRect().height")
    assert size >= 12
    chart.focus()
    page.keyboard.press("ArrowRight")
    for _ in range(20):  # the browser scrolls smoothly: a few frames
        if chart.evaluate("e => e.scrollLeft") > 0:
            break
        page.wait_for_timeout(50)
    assert chart.evaluate("e => e.scrollLeft") > 0
    for region in page.locator(".table-scroll").all():
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-labelledby") or region.get_attribute("aria-label")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    context.close()


def test_focus_ring_differs_from_the_highlight_and_theme_tags_stand_apart(page, site):
    page.goto(f"{site}/findings/?q=caseloads")
    page.keyboard.press("Tab")  # the skip link, then the first link of the header
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    highlight = page.locator("mark").first.evaluate("e => getComputedStyle(e).backgroundColor")
    assert ring != highlight
    page.locator("#id_q").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # by keyboard, so :focus-visible applies
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineColor") != highlight

    tagged = page.locator(".result-links:has(.tag + .tag)").first
    first, second = (tag.bounding_box() for tag in tagged.locator(".tag").all()[:2])
    same_line = abs(first["y"] - second["y"]) < 2
    assert not same_line or second["x"] - (first["x"] + first["width"]) >= 4
