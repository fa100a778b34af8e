"""DRF throttles per API token, and the `RateLimit` / `RateLimit-Policy` headers they report.

Writes (which file demands) are counted exactly in the database, like every other rate limit, so they hold
across all web processes and whether or not Redis is up. Reads are counted in Redis, shared by every web
process (one INCR and EXPIRE in one round trip, no SQL: a conditional poll stays at its two queries). When
Redis does not answer within `API_READ_LIMIT_REDIS_TIMEOUT` the read is let through (fail open: polling must
not stop because a counter is unreachable) and Redis is left alone for a few seconds before the next try.

The headers follow the IETF draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers):
`RateLimit-Policy: "read";q=1200;w=60` and `RateLimit: "read";r=1187;t=42` (quota left, seconds to reset).
"""

import logging
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core import ratelimit
from core.models import ApiToken
from core.proxies import client_key
from core.ratelimit import rate_limit_take, rate_parse

logger = logging.getLogger("core.throttling")
READ_KEY_PREFIX = "dd:api-read:"
# After Redis failed to answer, reads skip it (and pass) for this long, so an outage costs one timeout per
# process every few seconds, not one per request.
REDIS_BACKOFF_SECONDS = 5.0
_redis_down_until = 0.0


@dataclass(frozen=True)
class RateLimitState:
    """One policy's quota and what is left of it, for the headers."""

    policy: str
    limit: int
    window_seconds: int
    remaining: int | None  # None when the counter could not be read (fail open)
    reset_seconds: int


class ClientAddressMixin:
    """Identify an anonymous client as every other limit does (core.proxies), never by a header it chose.

    DRF's own `get_ident` believes X-Forwarded-For from anyone unless NUM_PROXIES is set; any throttle of
    ours that keys on the client (DRF's anonymous throttles do) must mix this in.
    """

    def get_ident(self, request: Request) -> str:
        return client_key(request)


def _remember(request: Request, state: RateLimitState) -> None:
    request._request.rate_limit_state = state  # type: ignore[attr-defined]  # read by rate_limit_headers


class TokenRateThrottle(ClientAddressMixin, BaseThrottle):
    """At most `settings.API_TOKEN_RATE_LIMIT` writes per API token; reads go to TokenReadThrottle."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request: Request, view) -> bool:  # type: ignore[no-untyped-def]
        if not isinstance(request.auth, ApiToken) or request.method in SAFE_METHODS:
            return True
        limit, window_seconds = rate_parse(settings.API_TOKEN_RATE_LIMIT)
        count, reset = rate_limit_take(f"api-token:{request.auth.pk}", window_seconds)
        _remember(request, RateLimitState("write", limit, window_seconds, max(0, limit - count), reset))
        self.retry_after = None if count <= limit else reset
        return count <= limit

    def wait(self) -> float | None:
        return self.retry_after


@cache
def _redis_client(url: str) -> redis.Redis:
    timeout = settings.API_READ_LIMIT_REDIS_TIMEOUT
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)


def shared_count_add(key: str, window_seconds: int, window_start: int) -> int | None:
    """Add one to `key`'s counter for this window in Redis and return it; None when Redis is out of reach."""
    global _redis_down_until
    url = settings.API_READ_LIMIT_REDIS_URL
    if not url or time.monotonic() < _redis_down_until:
        return None
    name = f"{READ_KEY_PREFIX}{key}:{window_start}"
    try:
        pipe = _redis_client(url).pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, window_seconds + 60)
        count, _ = pipe.execute()
    except redis.RedisError:
        _redis_down_until = time.monotonic() + REDIS_BACKOFF_SECONDS
        logger.warning("API read limit: Redis out of reach, reads pass uncounted for %ss", REDIS_BACKOFF_SECONDS)
        return None
    return int(count)


def shared_counts_clear() -> None:
    """Forget every read counter (tests start each from zero)."""
    global _redis_down_until
    _redis_down_until = 0.0
    url = settings.API_READ_LIMIT_REDIS_URL
    if not url:
        return
    try:
        client = _redis_client(url)
        names = list(client.scan_iter(match=f"{READ_KEY_PREFIX}*", count=1000))
        if names:
            client.delete(*names)
    except redis.RedisError:
        pass


class TokenReadThrottle(ClientAddressMixin, BaseThrottle):
    """At most `settings.API_TOKEN_READ_RATE` reads per API token, counted in Redis across all web processes."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request: Request, view) -> bool:  # type: ignore[no-untyped-def]
        if not isinstance(request.auth, ApiToken) or request.method not in SAFE_METHODS:
            return True
        limit, window_seconds = rate_parse(settings.API_TOKEN_READ_RATE)
        window_start, reset = ratelimit.window_now(window_seconds)
        count = shared_count_add(f"token:{request.auth.pk}", window_seconds, window_start)
        remaining = None if count is None else max(0, limit - count)
        _remember(request, RateLimitState("read", limit, window_seconds, remaining, reset))
        allowed = count is None or count <= limit
        self.retry_after = None if allowed else reset
        return allowed

    def wait(self) -> float | None:
        return self.retry_after


def rate_limit_headers(request: HttpRequest, response: HttpResponseBase) -> None:
    """`RateLimit-Policy` on every API answer; `RateLimit` too once a token's request was counted."""
    state: Any = getattr(request, "rate_limit_state", None)
    if state is None:
        read_limit, read_window = rate_parse(settings.API_TOKEN_READ_RATE)
        write_limit, write_window = rate_parse(settings.API_TOKEN_RATE_LIMIT)
        response["RateLimit-Policy"] = (
            f'"read";q={read_limit};w={read_window}, "write";q={write_limit};w={write_window}'
        )
        return
    response["RateLimit-Policy"] = f'"{state.policy}";q={state.limit};w={state.window_seconds}'
    if state.remaining is not None:
        response["RateLimit"] = f'"{state.policy}";r={state.remaining};t={state.reset_seconds}'
