"""DRF throttles per API token.

Writes (which file demands) are counted exactly in the database, like every other rate limit, so
they hold across all web processes and whether or not Redis is up. Reads are counted by DRF's own
cache throttle in each process's local memory: no query and no Redis on the hot polling path (a
conditional poll stays at two queries), at the price of a limit that applies per web process.
"""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from core.models import ApiToken
from core.proxies import client_key
from core.ratelimit import rate_limit_hit, rate_parse


class ClientAddressMixin:
    """Identify an anonymous client as every other limit does (core.proxies), never by a header it chose.

    DRF's own `get_ident` believes X-Forwarded-For from anyone unless NUM_PROXIES is set; any throttle of
    ours that keys on the client (DRF's anonymous throttles do) must mix this in.
    """

    def get_ident(self, request: Request) -> str:
        return client_key(request)


class TokenRateThrottle(ClientAddressMixin, BaseThrottle):
    """At most `settings.API_TOKEN_RATE_LIMIT` writes per API token; reads go to TokenReadThrottle."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request: Request, view) -> bool:  # type: ignore[no-untyped-def]
        if not isinstance(request.auth, ApiToken) or request.method in SAFE_METHODS:
            return True
        limit, window_seconds = rate_parse(settings.API_TOKEN_RATE_LIMIT)
        allowed, retry_after = rate_limit_hit(f"api-token:{request.auth.pk}", limit, window_seconds)
        self.retry_after = None if allowed else retry_after
        return allowed

    def wait(self) -> float | None:
        return self.retry_after


class TokenReadThrottle(ClientAddressMixin, SimpleRateThrottle):
    """At most `settings.API_TOKEN_READ_RATE` reads per API token, counted in this process's memory."""

    scope = "token_read"

    def get_rate(self) -> str:
        return settings.API_TOKEN_READ_RATE

    def get_cache_key(self, request: Request, view) -> str | None:  # type: ignore[no-untyped-def]
        if not isinstance(request.auth, ApiToken) or request.method not in SAFE_METHODS:
            return None
        return f"throttle:token-read:{request.auth.pk}"
