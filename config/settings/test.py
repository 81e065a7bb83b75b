"""Tests: the development settings (a real PostgreSQL always), without debug pages."""

from .local import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# Tests change data through factories, not the importer, so the data version would not
# move: no page cache (tests of the cache turn it on for themselves).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
