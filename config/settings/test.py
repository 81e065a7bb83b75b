"""Tests: the development settings (a real PostgreSQL always), without debug pages."""

from .local import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# Tests make many requests from one address; the throttling test sets its own limit.
API_RATE_LIMIT = "100000/minute"
