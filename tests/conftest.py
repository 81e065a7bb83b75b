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


def require_shared(path: Path) -> None:
    """Skip where ../shared/ is not beside the checkout; in CI, where it always is, fail."""
    if path.exists():
        return
    message = f"{path} is missing: ../shared/ should be beside the checkout (or set SHARED_DIR)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


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
    from inspections.themes import load_taxonomy

    with django_db_blocker.unblock():
        load_taxonomy()
