"""Settings shared by every environment; each value that differs comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "axes",
    "csp",
    "inspections",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything that may answer (CommonMiddleware, the 503 page), as it asks.
    "corsheaders.middleware.CorsMiddleware",
    "csp.middleware.CSPMiddleware",
    "inspections.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "inspections.middleware.QueryStringGuardMiddleware",
    "inspections.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: an editor's requests read from the primary (inspections.routers).
    "inspections.middleware.ReadYourWritesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lock-out raised during login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_settings(url: str) -> dict:
    """Django's DATABASES entry for a PostgreSQL URL.

    Each environment's settings choose the URL: production only DATABASE_URL, development
    and tests DATABASE_URL else the embedded server, which production must never import.
    """
    settings = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    )
    # Starting parallel workers costs ~15 ms a query on a small server, more than a rare
    # word's whole search; a higher setup cost keeps parallel plans for scans that gain.
    # JIT compiling cost the facet counts ~350 ms at 100,000 letters, more than it saved;
    # 4 MB of work_mem made a common word's bitmap lossy (every match's text read again)
    # and spilled the counts' sorts to disk (at most 2 processes x 8 threads use it).
    options = "-c parallel_setup_cost=5000 -c jit=off -c work_mem=32MB"
    # More server settings for every connection, e.g. "-c work_mem=64MB" (the benchmark's
    # --pg-options): libpq's PGOPTIONS would be overridden by the options set here.
    if extra := os.environ.get("DATABASE_OPTIONS", "").strip():
        options = f"{options} {extra}"
    settings.setdefault("OPTIONS", {})["options"] = options
    # While the database is unreachable, fail fast (a 503 page) rather than hang a worker.
    settings["OPTIONS"]["connect_timeout"] = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    # A kept connection is checked before a request reuses it, so one broken by a database
    # restart is replaced rather than failing the request.
    settings["CONN_HEALTH_CHECKS"] = True
    return settings


def env_count_limit(name: str, default: int) -> int | None:
    """A number of results from the environment; "none" (or "off") for no limit at all."""
    value = os.environ.get(name, str(default)).strip().lower()
    if value in {"none", "off"}:
        return None
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number or none, not {value!r}"
        ) from None


# Facet counts and the total are exact up to this many results; above it they are estimated
# on a sample of the table, and a search by relevance lists the best of its newest matches
# (inspections.facets, inspections.browse): counting a common word exactly reads half the
# findings table. "none" counts and ranks every result exactly, however many: the
# benchmark's like-for-like comparison (seconds a page at 100,000 letters).
FACET_EXACT_COUNT_LIMIT = env_count_limit("FACET_EXACT_COUNT_LIMIT", 10_000)


def databases(primary_url: str) -> dict:
    """DATABASES: `default` at `primary_url`, and `replica` where DATABASE_REPLICA_URL is set.

    The replica (a streaming replica of the primary) takes the archive's reads; see
    inspections.routers for which reads stay on the primary, and why.
    """
    aliases = {"default": database_settings(primary_url)}
    if replica_url := os.environ.get("DATABASE_REPLICA_URL", "").strip():
        aliases["replica"] = database_settings(replica_url)
    return aliases


# Inert while there is no `replica` alias.
DATABASE_ROUTERS = ["inspections.routers.ReplicaRouter"]


# The trained theme model (inspections.themes.model), rebuilt by `manage.py train_themes`;
# empty to tag every theme by its rules alone.
THEME_MODEL_FILE = os.environ.get(
    "THEME_MODEL_FILE", str(BASE_DIR / "inspections" / "data" / "theme_model.json")
)

# Exports streamed at once by one server process; more are asked to come back (a 503).
EXPORT_CONCURRENCY = int(os.environ.get("EXPORT_CONCURRENCY", "2"))

# Public pages are cached whole, keyed by the archive's data version (inspections.caching).
# Redis where REDIS_URL is set (shared by every process: one render serves them all);
# otherwise each process keeps its own pages in memory. DJANGO_PAGE_CACHE=0 turns it off
# (bench/run.py times the pages themselves).
if not env_bool("DJANGO_PAGE_CACHE", default=True):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
elif os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            # Pages are 10-100 KB: a few tens of MB a process at most.
            "OPTIONS": {"MAX_ENTRIES": 500},
        }
    }
# The API's rate counters: never switched off with the page cache (a dummy cache would let
# every request through); shared through Redis where there is one.
CACHES["counters"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
    if os.environ.get("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "counters"}
)
# Counts over the whole archive (home, themes, a theme's page, the findings and letters pages
# with nothing chosen), kept under the data version (inspections.caching.cached_counts): never
# switched off with the page cache, so that bench/run.py times the pages as served. Shared
# through Redis where there is one: one process's count serves every process until the next
# import. In memory, a few KB an entry: 45 themes' three entries and a dozen more.
CACHES["counts"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": "counts",
    }
    if os.environ.get("REDIS_URL")
    else {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "counts",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Every page is served with this policy, in every environment, so the browser tests see
# what production does: scripts and styles from our own static files only, never inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # the admin's widgets use small data: images
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the site never uses, refused to any script that might ask for them.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one user
# name from one address, that pair is refused, right password or not, for
# LOGIN_LOCKOUT_MINUTES. Per pair, so one attacker cannot lock every editor out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Uploaded letters: one file at most this size, and at most this many files at once. The
# largest real letter or report PDF seen is under 1 MB; 5 MB leaves room for a scanned page.
LETTER_UPLOAD_MAX_BYTES = int(os.environ.get("LETTER_UPLOAD_MAX_BYTES", str(5 * 1024 * 1024)))
LETTER_UPLOAD_MAX_FILES = int(os.environ.get("LETTER_UPLOAD_MAX_FILES", "50"))
DATA_UPLOAD_MAX_NUMBER_FILES = LETTER_UPLOAD_MAX_FILES

# Query strings: longer values are cut and more repeats of one parameter dropped, with a
# notice on the page (inspections.middleware); every facet link repeats the query string.
QUERY_VALUE_MAX_LENGTH = 500
QUERY_VALUE_MAX_REPEATS = 20

# The read-only API (/api/v1/): JSON only (DRF's browsable pages need inline script, which
# the policy above refuses), anonymous, throttled per address, paged by cursor.
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_THROTTLE_CLASSES": ["inspections.api.throttling.AddressRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "inspections.api.paging.ArchiveCursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["inspections.api.paging.ArchiveFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# Requests per address: "N/second", "N/minute", "N/hour" or "N/day".
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60/minute")
# Only production may sit behind a proxy whose X-Forwarded-For is believed (production.py).
BEHIND_HTTPS_PROXY = False
SPECTACULAR_SETTINGS = {
    "TITLE": "Inspection letters archive API",
    "DESCRIPTION": (
        "Read-only JSON about Ofsted's letters and full inspection reports on English "
        "councils' children's services: councils, letters and reports (with their "
        "judgements), findings and themes, filtered and searched as on the site's pages."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}
# Other sites' scripts may read the API (GET only, no cookies); nothing else is shared.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
