"""Production settings and the security headers every page carries."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

STRONG_KEY = "a-strong-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG"
SHOWN = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "AXES_CLIENT_IP_CALLABLE",
    "SESSION_COOKIE_SECURE",
    "DEBUG",
]


def production_settings(**environ: str) -> subprocess.CompletedProcess:
    """Load config.settings.production in a fresh process with exactly this environment."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": "postgres://unused/unused",
        **environ,
    }
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name, None) for name in {SHOWN!r}}}))"
    )
    return subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=REPO_ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "key",
    [None, "short-key", "insecure-development-key-do-not-use-in-production", "a" * 60],
)
def test_production_refuses_a_missing_weak_or_development_secret_key(key):
    result = production_settings(**({"DJANGO_SECRET_KEY": key} if key else {}))

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set to a random string of at least 50" in result.stderr


def test_production_is_https_only_by_default_and_trusts_no_proxy_header():
    result = production_settings(DJANGO_SECRET_KEY=STRONG_KEY)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "AXES_CLIENT_IP_CALLABLE": None,
        "SESSION_COOKIE_SECURE": True,
        "DEBUG": False,
    }


def test_production_https_settings_come_from_the_environment():
    result = production_settings(
        DJANGO_SECRET_KEY=STRONG_KEY,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_BEHIND_HTTPS_PROXY="1",
        DJANGO_SECURE_COOKIES="0",
    )

    shown = json.loads(result.stdout)
    assert shown["SECURE_SSL_REDIRECT"] is False
    assert shown["SECURE_HSTS_SECONDS"] == 0
    assert shown["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["AXES_CLIENT_IP_CALLABLE"] == "config.proxy.client_address"
    assert shown["SESSION_COOKIE_SECURE"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/findings/?q=caseloads", "/admin/login/", "/nowhere/"])
def test_every_page_has_a_content_security_policy_and_a_permissions_policy(client, url):
    response = client.get(url)

    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "camera=()" in response["Permissions-Policy"]
