"""Tests: the development settings (a real PostgreSQL always), without debug pages."""

import copy

from .local import *  # noqa: F403
from .local import CACHES, DATABASES

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
# Every test runs with the replica router active: a `replica` alias (DATABASE_REPLICA_URL's
# settings, else default's) that mirrors the test database rather than getting its own.
# tests/conftest.py gives it default's connection, so that it sees each test's rows.
DATABASES.setdefault("replica", copy.deepcopy(DATABASES["default"]))
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
