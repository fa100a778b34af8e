"""One error shape for the whole API: {"code", "detail", "fields", "request_id"}.

`code` is stable and never translated (a client branches on it); `detail` and the field messages are in the
reader's language (Accept-Language); `request_id` is the `X-Request-ID` the answer carries, to quote in a report.
"""

import hashlib
import io
import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ApplicationError
from core.money import base_currency
from core.requestlog import request_id_var

logger = logging.getLogger("core.api")

# Every `code` the API answers with, and its status: the schema lists them (ErrorCodeEnum), docs/api.md too.
ERROR_CODES = {
    "invalid": 400,
    "parse_error": 400,
    "idempotency_key_invalid": 400,
    "not_authenticated": 401,
    "authentication_failed": 401,
    "permission_denied": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "conflict": 409,
    "idempotency_key_reused": 409,
    "idempotency_key_expired": 422,
    "request_too_large": 413,
    "uri_too_long": 414,
    "unsupported_media_type": 415,
    "throttled": 429,
    "server_error": 500,
}
_DRF_CODES = {
    exceptions.ParseError: "parse_error",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
}
_STATUS_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "request_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    429: "throttled",
}


def error_body(*, code: str, detail: str, fields: dict | None = None) -> dict[str, Any]:
    """The one error body: a stable code, a message for people, field messages, the request's id."""
    return {"code": code, "detail": str(detail), "fields": fields or {}, "request_id": request_id_var.get()}


def error_json_response(status_code: int, *, code: str | None = None, detail: str | None = None) -> JsonResponse:
    """An error outside DRF (middleware, URL resolver) in the same shape."""
    code = code or _STATUS_CODES.get(status_code, "server_error" if status_code >= 500 else "invalid")
    return JsonResponse(
        error_body(code=code, detail=detail or str(ERROR_DETAILS.get(code, ERROR_DETAILS["server_error"]))),
        status=status_code,
    )


ERROR_DETAILS = {
    "not_found": gettext_lazy("Not found."),
    "method_not_allowed": gettext_lazy("Method not allowed."),
    "not_acceptable": gettext_lazy("This API answers in JSON only (application/json)."),
    "request_too_large": gettext_lazy("The request body is too large."),
    "uri_too_long": gettext_lazy("The address (path and query string) is too long."),
    "unsupported_media_type": gettext_lazy("Send the body as JSON (Content-Type: application/json)."),
    "permission_denied": gettext_lazy("You do not have permission to perform this action."),
    "invalid": gettext_lazy("Invalid input."),
    "server_error": gettext_lazy("Something went wrong on our side; quote the request id if you report it."),
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn DRF, Django and domain errors into the one error body with a 4xx status."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(getattr(exc, "message_dict", None) or {"non_field_errors": exc.messages})
    elif isinstance(exc, ApplicationError):
        body = {**error_body(code=exc.code, detail=exc.message), **exc.extra}
        return Response(body, status=exc.status)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
        return Response(
            error_body(code="request_too_large", detail=str(ERROR_DETAILS["request_too_large"])),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(code="invalid", detail=_("Invalid input."), fields=data)
    else:
        code = next((name for kind, name in _DRF_CODES.items() if isinstance(exc, kind)), None)
        code = code or _STATUS_CODES.get(response.status_code, "invalid")
        response.data = error_body(code=code, detail=response.data.get("detail", str(exc)))
    return response


IDEMPOTENCY_KEY_MAX_LENGTH = 255


class IdempotencyKeyInvalid(ApplicationError):
    """An `Idempotency-Key` header that is blank or longer than 255 characters (never cut: two keys would collide)."""

    code = "idempotency_key_invalid"
    status = 400


def idempotency_key_from(request: Request) -> str | None:
    """The caller's `Idempotency-Key`, scoped to its token (`api:<token id>:<key>`), or None without the header."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        message = _("Send a key of 1 to %(max)d characters.") % {"max": IDEMPOTENCY_KEY_MAX_LENGTH}
        raise IdempotencyKeyInvalid(message, extra={"fields": {"Idempotency-Key": [message]}})
    # Per token: another client's identical key is another key (and cannot replay this one's answer).
    return f"api:{request.auth.pk}:{key}"


def request_fingerprint(request: Request) -> str:
    """A digest of the parsed body, key order aside: a replay must send the same parameters as the first try."""
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API, documented in the schema for every error status."""

    code = serializers.ChoiceField(
        choices=sorted(ERROR_CODES), help_text="Stable and never translated: branch on this, not on `detail`."
    )
    detail = serializers.CharField(help_text="What went wrong, in the reader's language (Accept-Language).")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Each bad field or query parameter with its messages; empty unless the status is 400.",
    )
    request_id = serializers.CharField(help_text="The answer's `X-Request-ID`: quote it when reporting a problem.")


ERROR_MEANINGS = {
    400: "Invalid input: `fields` names each bad parameter or field with its messages.",
    401: "Missing, wrong, revoked or expired token.",
    403: "The token may not do this (read-only token, or not a staff token).",
    404: "No such resource, or a page past the end.",
    405: "Method not allowed.",
    406: "A media type other than JSON was asked for (`Accept` or `?format=`).",
    409: "A business rule refused the request, or an `Idempotency-Key` was reused with another body.",
    413: "The request body is too large.",
    414: "The path and query string are too long.",
    415: "The body is not JSON.",
    422: "The `Idempotency-Key` is past its lifetime (24 hours).",
    429: "Too many requests: wait `Retry-After` seconds.",
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error statuses an endpoint can answer, all with the one error body."""
    return {code: OpenApiResponse(ErrorSerializer, description=ERROR_MEANINGS[code]) for code in codes}


# A conditional GET (core.etag.conditional_response): the request header and the 304 it may earn.
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="The `ETag` of your last answer: 304 with no body when nothing changed.",
)
CONDITIONAL = {304: None}


def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any unknown URL under /api/v1/ answers in the API's error shape, not with the HTML 404 page."""
    return error_json_response(404)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^\d{1,12}(?:\.\d{1,2})?$", "example": "120000.00"}
)
class MoneyAmountField(serializers.DecimalField):
    """A non-negative amount of money as the API writes it everywhere: a string with two decimals."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


class BaseCurrencyField(serializers.Field):
    """The base currency's code beside amounts that are in it (core.money): money never travels without it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", "The currency of every amount here (the base currency, e.g. EUR).")
        super().__init__(**kwargs)

    def to_representation(self, value: object) -> str:
        return base_currency()


extend_schema_field({"type": "string", "example": "EUR"})(BaseCurrencyField)


class SafeJSONParser(JSONParser):
    """JSON of at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (else 413), where a body nested too deep for Python's
    parser is a 400, not a RecursionError (500). DRF's own parser reads the stream without any limit."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if stream is None:  # no body at all
            return super().parse(io.BytesIO(b""), media_type, parser_context)
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig(str(ERROR_DETAILS["request_too_large"]))
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error: the body is nested too deeply.")) from None


class StrictContentNegotiation(DefaultContentNegotiation):
    """`?format=xml` is a 406 (not acceptable), as an `Accept` header asking for it is; DRF answers 404.

    A format suffix in the path (`/projects/BT-0001.xml`) names no resource we have: that stays a 404.
    """

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple:
        if format_suffix and not any(renderer.format == format_suffix for renderer in renderers):
            raise Http404
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers: Iterable[BaseRenderer], format: str) -> list:  # DRF's name
        renderers = list(renderers)
        kept = [renderer for renderer in renderers if renderer.format == format]
        if not kept:
            raise exceptions.NotAcceptable(available_renderers=renderers)
        return kept


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter for the API: a filter given with an empty value is a 400, not silently ignored.

    Pages keep django-filter's lenient forms (an empty field means "any"); an API client that sends
    `?updated_since=` or `?ordering=` has a bug it should hear about, and the schema says what is accepted.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            blank = {
                name: [_("This field may not be blank.")]
                for name in filterset_class.base_filters
                if name in request.query_params and not any(request.query_params.getlist(name))
            }
            if blank:
                raise exceptions.ValidationError(blank)
        return super().filter_queryset(request, queryset, view)


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


def suspicious_status(exc: Exception) -> int | None:
    """The status an exception raised before or around a view deserves on the API (None: a real 500)."""
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent)):
        return 413
    if isinstance(exc, SuspiciousOperation):
        return 400
    return None


class ValuesRowsList:
    """A list whose page is `values()` rows written by a plain, typed function instead of a serializer field per
    value (issue 22: the project list spent two thirds of its time in DRF's fields). The view's serializer
    still describes the rows in the OpenAPI schema, and a test holds the function to its output byte for byte.
    Put it after core.etag.ETagMixin in the bases, so a 304 still answers before any row is read.
    """

    def list_rows(self, queryset: QuerySet) -> QuerySet:
        """The filtered queryset as `values()` rows (a selector's)."""
        raise NotImplementedError

    def rows_json(self, rows: list[dict[str, Any]]) -> list[Any]:
        """The page's rows as the API writes them (a typed function of the app's api/serializers.py)."""
        raise NotImplementedError

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = self.list_rows(self.filter_queryset(self.get_queryset()))  # type: ignore[attr-defined]
        page = self.paginate_queryset(rows)  # type: ignore[attr-defined]
        if page is None:
            return Response(self.rows_json(list(rows)))
        return self.get_paginated_response(self.rows_json(page))  # type: ignore[attr-defined]
