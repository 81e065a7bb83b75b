"""The archive's data version, and what is cached under it: whole public pages, and counts.

Every public page is a pure function of the query string and the archive's contents, and
the contents change only when letters are imported or an editor changes something. So a
page is cached whole, under a key holding the data version: a PostgreSQL sequence that the
importer, retagging and admin edits advance after they commit. Nothing is ever invalidated
by hand; a new version simply makes new keys, and old entries age out.

Counts over the whole archive (`cached_counts`) are kept the same way in a cache of their
own, `counts`, which stays on when the page cache is off: a page built afresh (a new query
string, a signed-in editor, the benchmark) still reads them instead of recounting them.

The sequence, not a cache entry, holds the version: with the local-memory cache (no
REDIS_URL) each gunicorn process has its own cache, and an import runs in yet another
process. Reading it is one cheap query a request.

With a replica (inspections.routers), the version is still read from the primary: a
replica replays a sequence only when the primary writes it to the WAL, which nextval does
once in 32 calls, so a replica's copy can miss an import's bump altogether. The pages are
built from the replica, which may not yet hold the import that made the version: with the
version comes the primary's WAL position, and a page is cached only once the replica has
replayed that far. Until then (a lag of milliseconds, usually) it is built and served but
not kept, so no page of old data is ever cached under a new version.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.cache import cache, caches
from django.db import InterfaceError, OperationalError, connection, transaction
from django.http import HttpResponse

from inspections.routers import replica_configured, replica_has_replayed

VERSION_SEQUENCE = "inspections_data_version"
PAGE_TIMEOUT = 600  # seconds: a bound on staleness should a change not bump the version
MAX_CACHED_BYTES = 512 * 1024  # a letter of thousands of findings is not worth the memory
# Counts cost seconds to make at 100,000 letters and a few KB to keep: kept longer than
# pages, with the same role (a bound on staleness should a change not bump the version).
COUNTS_TIMEOUT = 3600


@dataclass(frozen=True)
class Version:
    number: int
    wal_position: str | None  # the primary's, when read; None without a replica


_last_seen: Version | None = None  # the version this process last read


def data_version() -> int:
    return _read_version().number


def _read_version() -> Version:
    global _last_seen
    # On the primary (`connection`), never the replica: see the module's docstring.
    wal_position = "pg_current_wal_lsn()::text" if replica_configured() else "NULL"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value, is_called, {wal_position} FROM {VERSION_SEQUENCE}")
        value, called, position = cursor.fetchone()
    _last_seen = Version(value if called else 0, position)
    return _last_seen


def _version_for_cache() -> Version:
    """The data version; while the database cannot be reached, the last one seen.

    Nothing can change the archive while its database is down, so pages cached under the
    last version seen are still exactly right: they are served, and only pages not in the
    cache get the 503 page.
    """
    try:
        return _read_version()
    except (OperationalError, InterfaceError):
        if _last_seen is None:
            raise
        return _last_seen


def bump_data_version() -> None:
    """Make every cached page stale: once the current transaction commits, if there is one.

    After the commit, so that no page built from the old data is cached under the new
    version; a sequence, so that concurrent imports never wait on each other for it.
    Robust: should advancing fail, the change is still made and reported as made (the
    pages then stay stale for PAGE_TIMEOUT at most), and the failure is logged.
    """
    transaction.on_commit(_advance, robust=True)


def _advance() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [VERSION_SEQUENCE])


def cached_page(view):
    """Serve the view's 200 answers to GET requests from the cache, keyed by data version."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        # Pages whose query string was capped carry a notice about it: not worth keeping.
        # Signed-in staff see their own page (edit links on findings): never cached, nor
        # served from the cache.
        if (
            request.method not in ("GET", "HEAD")
            or getattr(request, "query_notices", None)
            or request.user.is_authenticated
        ):
            return view(request, *args, **kwargs)
        path = request.get_full_path().encode()
        version = _version_for_cache()
        # The counts the view reads (cached_counts) belong to the same version: not read again.
        _counting.version = version
        key = f"page:{version.number}:{hashlib.sha256(path).hexdigest()}"
        hit = cache.get(key)
        if hit is None:
            # Fifty readers of a page that just went stale would otherwise all build it at
            # once, each slower for the others: the threads of a process take turns, and
            # all but the first find it built.
            with _building(key):
                hit = cache.get(key)
                if hit is None:
                    if not replica_has_replayed(version.wal_position):
                        return view(request, *args, **kwargs)  # old data: serve, never keep
                    return _build(view, request, key, *args, **kwargs)
        content, content_type = hit
        return HttpResponse(content, content_type=content_type)

    @functools.wraps(view)
    def reading_one_version(request, *args, **kwargs):
        try:
            return wrapper(request, *args, **kwargs)
        finally:
            _counting.version = None

    return reading_one_version


def _build(view, request, key, *args, **kwargs):
    response = view(request, *args, **kwargs)
    if (
        response.status_code == 200
        and not response.streaming
        and len(response.content) <= MAX_CACHED_BYTES
        and not response.cookies
    ):
        cache.set(key, (response.content, response["Content-Type"]), PAGE_TIMEOUT)
    return response


T = TypeVar("T")
_MISSING = object()


def cached_counts(name: str, compute: Callable[[], T]) -> T:
    """`compute()`'s answer for the archive as it is now: computed once a data version.

    `name` says what is counted (and for what: `theme_summary:12`); the answer must
    pickle (numbers, ids, dataclasses of them). The version is read before computing, so an
    answer is never kept under a version newer than the data it was counted on.
    """
    store = caches["counts"]
    version, outer = _counts_version()
    key = _counts_key(name, version)
    value = store.get(key, _MISSING)
    if value is _MISSING:
        # As with pages: the threads of a process that all find it missing take turns.
        with _building(f"counts:{key}"):
            value = store.get(key, _MISSING)
            if value is _MISSING:
                _counting.version = version
                try:
                    value = compute()
                finally:
                    _counting.version = outer
                # Counted on a replica that has not replayed this version yet: old counts,
                # used for this request but never kept under the new version.
                if replica_has_replayed(version.wal_position):
                    store.set(key, value, COUNTS_TIMEOUT)
    return value


def kept_counts(name: str):
    """What `cached_counts` keeps under `name` for the archive as it is now, or None if
    nothing is kept: never computed here (for a read that has a cheaper way than
    computing it whole, such as an export reading a search's window with its rows)."""
    version, _ = _counts_version()
    return caches["counts"].get(_counts_key(name, version))


def _counts_version():
    """The version counts are read under, and the outer read's (None outside one).

    Counts made of other counts (a theme's chart of every year's findings) keep the
    version the outermost read: one query for it, and every part of one version."""
    outer = getattr(_counting, "version", None)
    return (_version_for_cache() if outer is None else outer), outer


def _counts_key(name: str, version) -> str:
    return f"{name}:{version.number}"


_counting = threading.local()  # the version counts are being made for, in this thread


_locks: dict[str, tuple[threading.Lock, list[int]]] = {}
_locks_lock = threading.Lock()


@contextlib.contextmanager
def _building(key: str):
    """Hold the lock for building `key` in this process; it goes once nobody waits for it."""
    with _locks_lock:
        lock, users = _locks.setdefault(key, (threading.Lock(), [0]))
        users[0] += 1
    try:
        with lock:
            yield
    finally:
        with _locks_lock:
            users[0] -= 1
            if not users[0]:
                del _locks[key]
