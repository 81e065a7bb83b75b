"""Production: everything from the environment; refuses to start on a weak secret key.

HTTPS is assumed: HSTS and the redirect to HTTPS are on unless the environment turns them
off (DJANGO_SECURE_HSTS_SECONDS=0, DJANGO_SECURE_SSL_REDIRECT=0), as for a compose stack
tried on http://localhost.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, databases, env_bool

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# Django's own test of a weak key (check --deploy, security.W009), made fatal at start.
if (
    SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters, e.g. "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured(
        "DATABASE_URL must be set in production, e.g. postgres://user:password@host:5432/name "
        "(the embedded PostgreSQL is for development and tests only)."
    )

DATABASES = databases(os.environ["DATABASE_URL"])

DEBUG = False

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Only a proxy in front of gunicorn may say a request came over HTTPS: trusting the header
# when clients reach gunicorn directly would let any of them claim it.
BEHIND_HTTPS_PROXY = env_bool("DJANGO_BEHIND_HTTPS_PROXY")
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Login lock-outs (and the API's rate limits) are per client address, which only the
    # proxy knows.
    AXES_CLIENT_IP_CALLABLE = "config.proxy.client_address"

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
