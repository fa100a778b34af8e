"""A DRF throttle per API token, counted in the database like every other rate limit."""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from core.models import ApiToken
from core.ratelimit import rate_limit_hit, rate_parse


class TokenRateThrottle(BaseThrottle):
    """At most `settings.API_TOKEN_RATE_LIMIT` requests per API token; other requests pass to other throttles."""

    def __init__(self) -> None:
        self.retry_after: int | None = None

    def allow_request(self, request: Request, view) -> bool:  # type: ignore[no-untyped-def]
        if not isinstance(request.auth, ApiToken):
            return True
        limit, window_seconds = rate_parse(settings.API_TOKEN_RATE_LIMIT)
        allowed, retry_after = rate_limit_hit(f"api-token:{request.auth.pk}", limit, window_seconds)
        self.retry_after = None if allowed else retry_after
        return allowed

    def wait(self) -> float | None:
        return self.retry_after
