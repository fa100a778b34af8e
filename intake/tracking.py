"""Private tracking links: a random token for the customer, only its hash in the database."""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.urls import reverse


def tracking_token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def tracking_token_new(*, idempotency_key: str | None) -> str:
    """A 32-byte random token; with an idempotency key, derived from it with the server's secret.

    Deriving it lets a replayed submission show the same private link again without the token ever
    being stored: only its hash is. Idempotency keys are scoped (a signed form nonce, or an API token
    id plus the client's key), so nobody can replay someone else's.
    """
    if idempotency_key is None:
        return secrets.token_urlsafe(32)
    digest = hmac.new(settings.SECRET_KEY.encode(), f"tracking:{idempotency_key}".encode(), hashlib.sha256)
    return digest.hexdigest()


def tracking_url(raw_token: str) -> str:
    return settings.SITE_URL + reverse("intake:track", kwargs={"token": raw_token})
