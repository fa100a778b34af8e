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


class IsStaffToken(HasTokenScope):
    """Demands are triage data: only tokens of staff users read them."""

    message = "Only staff tokens may read demands."

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        return super().has_permission(request, view) and request.user.is_staff
