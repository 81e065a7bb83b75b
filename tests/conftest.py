"""Shared test fixtures: paths to the letters, and a real browser for page tests."""

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = REPO_ROOT / "fixtures" / "letters"
REAL_FIXTURES = REPO_ROOT / "fixtures" / "real"  # real letters, a few as PDFs
OWN_LETTERS_DIR = Path(__file__).resolve().parent / "letters"
SHARED_DIR = Path(os.environ.get("SHARED_DIR", REPO_ROOT.parent / "shared"))

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The real letters' text, copied byte for byte from ../shared/real/ (fixtures/real/README.md).
REAL_DIR = REPO_ROOT / "fixtures" / "real"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def require_shared(path: Path) -> None:
    """Fail where a test that truly needs ../shared/ (it runs in CI only) does not find it."""
    if not path.exists():
        pytest.fail(f"{path} is missing: ../shared/ should be beside the checkout (or SHARED_DIR)")


def pytest_collection_modifyitems(config, items):
    """Tests marked `shared` (they read what only ../shared/ holds, such as the PDFs) run in CI,
    or where CI=1 is set; elsewhere they are deselected, not skipped."""
    for item in items:
        if "live_server" in item.fixturenames:
            name_the_replica(item)
    if in_ci():
        return
    deselected = [item for item in items if item.get_closest_marker("shared")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("shared")]


def name_the_replica(item) -> None:
    """Let a live-server test's server thread read from the `replica` alias.

    pytest-django refuses a thread any alias its test did not name. A live-server test is
    transactional, so the replica's own connection (a mirror of the test database) sees
    the rows it committed.
    """
    marker = item.get_closest_marker("django_db")
    kwargs = dict(marker.kwargs) if marker else {}
    databases = list(kwargs.get("databases") or ["default"])
    if "replica" not in databases:
        kwargs["databases"] = [*databases, "replica"]
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def pytest_report_header(config):
    if not in_ci():
        return "tests marked `shared` (../shared/: PDFs, the copies' source) run in CI only"


def seed_path(number: int) -> Path:
    return next(SEED_DIR.glob(f"{number:03d}_*.txt"))


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (Playwright's own browser download is not used)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"{executable} is missing: `make test` installs Debian's chromium package.")
    # Playwright's sync API runs an event loop; Django refuses ORM calls from async contexts.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The theme taxonomy a migration seeds, back in place however the last run left the DB.

    Transactional (browser) tests flush every table when they finish, and --reuse-db keeps
    that empty database for the next run.
    """
    from inspections.themes.services import load_taxonomy

    with django_db_blocker.unblock():
        load_taxonomy()


@pytest.fixture(autouse=True)
def replica_reads_share_the_test_connection(request):
    """The `replica` alias (a test mirror: settings/test.py) reads through default's connection.

    A mirror is its own connection to the same database, so it cannot see the rows a test
    wrote inside its still-open transaction, and pytest-django refuses queries to an alias
    a test did not name. Sharing default's connection keeps the router at work in every
    test (a read of the archive still goes to `replica`, and code that opens the wrong
    alias still fails) while each test sees its own rows. Tests that name `replica` in
    `django_db(databases=...)` keep it as a connection of its own (tests/test_replica.py,
    and live-server tests: see name_the_replica); they must be transactional to see the
    rows, as Django's docs say of mirrors.
    """
    marker = request.node.get_closest_marker("django_db")
    uses_database = marker is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    named = (marker.kwargs.get("databases") if marker else None) or ()
    if not uses_database or named == "__all__" or "replica" in named:
        yield
        return
    # After pytest-django has fenced off the aliases the test did not name, and undone
    # (its teardown comes after this fixture's) before it takes the fence down.
    request.getfixturevalue("_django_db_helper")
    from django.db import connections

    own = connections["replica"]
    connections["replica"] = connections["default"]
    try:
        yield
    finally:
        connections["replica"] = own
