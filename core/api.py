"""One error shape for the whole API: {"detail": ..., "fields": {name: [messages]}}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django_filters.filters import BaseCSVFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
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
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


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


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter for the API: a filter given with an empty value is a 400, not silently ignored.

    Pages keep django-filter's lenient forms (an empty field means "any"); an API client that sends
    `?updated_since=` has a bug it should hear about, and the schema then says exactly what is accepted.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            blank = {
                name: ["This field may not be blank."]
                for name, field in filterset_class.base_filters.items()
                # A comma-separated list (e.g. `ordering`) may be empty: no items, the default.
                if name in request.query_params
                and not isinstance(field, BaseCSVFilter)
                and not any(request.query_params.getlist(name))
            }
            if blank:
                raise exceptions.ValidationError(blank)
        return super().filter_queryset(request, queryset, view)
