"""One error shape for the whole API: {"detail": ..., "fields": {name: [messages]}}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn DRF, Django and domain errors into `{"detail", "fields"}` with a 4xx status."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(getattr(exc, "message_dict", None) or {"non_field_errors": exc.messages})
    elif isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "fields": {}, **exc.extra}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": "Invalid input.", "fields": data}
    else:
        response.data = {"detail": response.data.get("detail", str(exc)), "fields": {}}
    return response
