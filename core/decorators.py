"""Access checks for staff pages: what the decorator's name says, and a request type that says it was checked."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


class StaffRequest(HttpRequest):
    """A request that passed `staff_permission_required`: its user is a signed-in, active staff member."""

    user: User


def staff_permission_required(perm: str) -> Callable[[View], View]:
    """Anonymous users go to the login page; a signed-in user who is not active staff holding `perm` gets a 403.

    Both checks, because a permission can reach a non-staff account (a group given by mistake, an SSO mapping):
    staff pages are for staff, whatever else the account holds.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not (user.is_active and user.is_staff and user.has_perm(perm)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(checked)  # type: ignore[return-value]

    return decorator
