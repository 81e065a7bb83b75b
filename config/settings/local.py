"""Development: `make run` and the management commands on a developer's machine."""

import os

from .base import *  # noqa: F403
from .base import CACHES, databases, env_bool


def _database_url() -> str:
    if url := os.environ.get("DATABASE_URL"):
        return url
    from config.embedded_db import embedded_database_url

    return embedded_database_url()


DATABASES = databases(_database_url())

# Debug pages list every URL pattern and setting to whoever reaches the server (make run
# with HOST=0.0.0.0, a 404 from a link): opt in with DJANGO_DEBUG=1.
DEBUG = env_bool("DJANGO_DEBUG")
# Manifest storage needs collectstatic; in development serve the files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the app folders; collectstatic is for production only.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True  # an edited stylesheet shows on reload, debug or not
# While developing, a changed template or view shows at once: no page cache with debug on.
if DEBUG:
    CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
