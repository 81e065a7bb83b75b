"""Conditional answers for the API and the feeds: 304 Not Modified while nothing was imported.

Every answer is stamped with the archive's data version (`selectors.data_version()`), as an
ETag and a Last-Modified; a client that sends either back gets an empty 304 until a letter is
imported, without the view running (no search, no serialisation, no throttle count).
"""

import functools

from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from inspections.selectors import data_version

# Seconds a client or shared cache may reuse an answer without asking: polling feed readers
# and scripts then ask again at most this often, and get a 304 when they do.
MAX_AGE = 300


def conditional(view):
    """Wrap a view so GET and HEAD answer 304 when the client has the current version."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        version = data_version()
        last_modified = int(version.last_modified.timestamp()) if version.last_modified else None
        not_modified = get_conditional_response(
            request, etag=version.etag, last_modified=last_modified
        )
        if not_modified is not None:
            response = not_modified
        else:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
        # Ours, not the view's: a feed sets Last-Modified from its newest entry, which a
        # client sending it back would compare with the wrong clock.
        response.headers["ETag"] = version.etag
        if last_modified is not None:
            response.headers["Last-Modified"] = http_date(last_modified)
        patch_cache_control(response, public=True, max_age=MAX_AGE)
        return response

    return wrapped
