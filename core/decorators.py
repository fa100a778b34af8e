from collections.abc import Callable

from django.contrib.auth.decorators import login_required, permission_required


def staff_permission_required(perm: str) -> Callable:
    """Anonymous users go to the login page; a logged-in user without the permission gets a 403."""

    def decorator(view: Callable) -> Callable:
        return login_required(permission_required(perm, raise_exception=True)(view))

    return decorator
