"""Fair use: each address may ask API_RATE_LIMIT requests; beyond, 429 with Retry-After."""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle

from config.proxy import client_address


class AddressRateThrottle(AnonRateThrottle):
    """Per client address, as the login lock-out counts it (config/proxy.py).

    DRF's own reading of X-Forwarded-For would believe whatever a client sends when no proxy
    is configured, so that anyone could change address at will.
    """

    scope = "address"
    cache = caches["counters"]  # not the page cache, which may be off

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_ident(self, request):
        if settings.BEHIND_HTTPS_PROXY:
            return client_address(request)
        return request.META.get("REMOTE_ADDR")
