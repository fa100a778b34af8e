"""`Authorization: Token <key>` or `Bearer <key>` against hashed, revocable, expiring API tokens."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from core.models import ApiToken, token_hash

# `Token` is DRF's word, `Bearer` the one OAuth-minded clients and generators send (RFC 6750): the same key.
KEYWORDS = ("token", "bearer")


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """Look a key up by its SHA-256 digest; a revoked or expired key is refused like a wrong one."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower().decode(errors="replace") not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the key as `Authorization: Bearer <key>`."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired token.")) from None
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        try:
            # get(), not first(): key_hash is unique, and first() would add an ORDER BY to every request.
            token = ApiToken.objects.select_related("user").get(key_hash=token_hash(key))
        except ApiToken.DoesNotExist:
            token = None
        if token is None or not token.is_usable or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, revoked or expired token."))
        now = timezone.now()
        # Record use at most once a minute, so polling clients do not turn every read into a write.
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token
