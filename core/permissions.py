from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.choices import TokenScope
from core.models import ApiToken


class HasTokenScope(BasePermission):
    """Any valid token may read; only a read-write token may write."""

    message = "This token is read-only."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        if not isinstance(request.auth, ApiToken):
            return False
        return request.method in SAFE_METHODS or request.auth.scope == TokenScope.READ_WRITE


class WebhooksTokenPermission(BasePermission):
    """Webhook endpoints through the API: a token of the `webhooks` scope whose user may manage them."""

    message = "This needs a token of the webhooks scope whose user may manage webhooks."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        from core.roles import MANAGE_WEBHOOKS

        token, user = request.auth, request.user
        return (
            isinstance(token, ApiToken)
            and token.scope == TokenScope.WEBHOOKS
            and user.is_active
            and user.is_staff
            and user.has_perm(MANAGE_WEBHOOKS)
        )


class StaffTokenPermission(HasTokenScope):
    """Triage data through the API: the token's user must be active staff holding the endpoint's permission.

    A token acts with its user's roles (core/roles.py), exactly as that user would on the pages: the view names
    the one permission it needs in `required_permission`, so a staff account without that role is refused.
    """

    message = "This token's user has no role that may read this."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        required = view.required_permission
        user = request.user
        return super().has_permission(request, view) and user.is_active and user.is_staff and user.has_perm(required)
