"""One error shape for the whole API: {"detail": ..., "fields": {name: [messages]}}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
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


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API, documented in the schema for every 4xx."""

    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


_ERROR_MEANINGS = {
    400: "Invalid input: `fields` names each bad parameter or field with its messages.",
    401: "Missing, wrong, revoked or expired token.",
    403: "The token may not do this (read-only token, or not a staff token).",
    404: "No such resource.",
    405: "Method not allowed.",
    409: "A business rule refused the request.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error statuses an endpoint can answer, all with the one error body."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_MEANINGS[code]) for code in codes}


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any unknown URL under /api/v1/ answers in the API's error shape, not with the HTML 404 page."""
    return JsonResponse({"detail": "Not found.", "fields": {}}, status=404)
