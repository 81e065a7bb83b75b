"""The client's address when a proxy stands in front of gunicorn (DJANGO_BEHIND_HTTPS_PROXY)."""

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The address the proxy saw: the last X-Forwarded-For entry, which it appended itself.

    Earlier entries come from the client and can say anything; REMOTE_ADDR is the proxy's
    own address, shared by every client, so locking out by it would lock out everyone.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    last = forwarded.rsplit(",", 1)[-1].strip()
    return last or request.META.get("REMOTE_ADDR")
