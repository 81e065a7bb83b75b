"""Tests: the development settings (a real PostgreSQL always), without debug pages."""

from .local import *  # noqa: F403
from .local import CACHES

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# Tests change data through factories, not the importer, so the data version would not
# move: no page cache and no count store (tests of the caches turn them on for themselves).
CACHES = {
    **CACHES,
    "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    "counts": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
# Tests make many requests from one address; the throttling test sets its own limit.
API_RATE_LIMIT = "100000/minute"
