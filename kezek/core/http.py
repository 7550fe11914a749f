"""Small request helpers shared by the API and the portal."""

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the entry our own trusted proxies appended to X-Forwarded-For."""
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class ClientRateThrottle(AnonRateThrottle):
    """django-ninja's per-client throttle, keyed by `client_ip` (our trusted-proxy rule), in the cache."""

    def get_ident(self, request: HttpRequest) -> str | None:
        return client_ip(request)
