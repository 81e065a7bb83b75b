"""Request guards that every page shares, kept out of the views."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.template import loader

from inspections.routers import reads_from_primary

logger = logging.getLogger(__name__)

# C0 control characters but tab, newline and carriage return: no search or filter value
# holds one, PostgreSQL refuses NUL in text, and \x02/\x03 are our highlight markers.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class QueryStringGuardMiddleware:
    """Refuse query strings with control characters; cap long and repeated values.

    A control character is refused with a 400 that names the parameter, before any view or
    export starts (a streamed export cannot take back the bytes it has sent). Values longer
    than QUERY_VALUE_MAX_LENGTH are cut, and a parameter repeated more than
    QUERY_VALUE_MAX_REPEATS times keeps its first values: every facet link repeats the
    query string, so an unbounded one makes an unbounded page. What was cut is listed in
    `request.query_notices`, which base.html shows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.META.get("QUERY_STRING"):
            return self.get_response(request)
        for key, values in request.GET.lists():
            if any(CONTROL_CHARACTER.search(text) for text in (key, *values)):
                parameter = CONTROL_CHARACTER.sub("", key)[:50]
                if is_api(request):
                    detail = f"The query parameter “{parameter}” holds a control character."
                    return JsonResponse({"detail": detail}, status=400)
                return render(
                    request,
                    "400_query.html",
                    {"parameter": CONTROL_CHARACTER.sub("", key)[:50]},
                    status=400,
                )
        notices = []
        capped = QueryDict(mutable=True)
        max_length = settings.QUERY_VALUE_MAX_LENGTH
        max_repeats = settings.QUERY_VALUE_MAX_REPEATS
        for key, values in request.GET.lists():
            if len(values) > max_repeats:
                notices.append(
                    f"Only the first {max_repeats} of the {len(values)} values given for "
                    f"“{key[:50]}” were used."
                )
                values = values[:max_repeats]
            if any(len(value) > max_length for value in values):
                notices.append(
                    f"“{key[:50]}” was cut to its first {max_length} characters; "
                    "a shorter search finds the same letters."
                )
                values = [value[:max_length] for value in values]
            capped.setlist(key[:max_length], values)
        if notices:
            capped._mutable = False
            request.GET = capped
            # What templates and views rebuild links from, so they repeat the capped values.
            request.META["QUERY_STRING"] = capped.urlencode()
            request.query_notices = notices
        return self.get_response(request)


def is_api(request) -> bool:
    """A request to the JSON API, which answers its errors in JSON too."""
    return request.path.startswith("/api/")


class DatabaseUnavailableMiddleware:
    """While PostgreSQL cannot be reached, answer 503 with a page that says so, not a 500.

    OperationalError is what a refused or dropped connection raises, InterfaceError a use
    of a connection already closed. Django closes a connection that failed at the end of
    the request and health-checks kept ones (CONN_HEALTH_CHECKS) before reuse, so pages
    come back by themselves when the database does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable, answering 503: %s", exception)
        if is_api(request):
            detail = "The archive is briefly unavailable (its database cannot be reached)."
            response = JsonResponse({"detail": detail}, status=503)
            response["Retry-After"] = "30"
            return response
        # No request context: its processors could need the database that just failed.
        html = loader.render_to_string("503.html")
        response = HttpResponse(html, status=503)
        response["Retry-After"] = "30"
        return response


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header (settings.PERMISSIONS_POLICY), which Django does not set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class ReadYourWritesMiddleware:
    """Requests that write, and signed-in editors' requests, read from the primary.

    An editor who saves a letter and opens its page expects to see the change, which a
    replica a second behind would not show yet; they are few, and their pages are never
    cached (inspections.caching). A POST reads what it is about to change. Anyone else's
    GET reads from the replica, where there is one (inspections.routers).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS") and not request.user.is_authenticated:
            return self.get_response(request)
        with reads_from_primary():
            return self.get_response(request)
