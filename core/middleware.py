"""Request plumbing: a request id for every log line, an audit row for every refusal, the reader's time zone."""

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from core.choices import AuditAction
from core.database import request_scope
from core.enqueue import publish_scope
from core.formats import TIME_ZONE_COOKIE, reader_time_zone
from core.proxies import client_address
from core.redaction import redact_secrets
from core.requestlog import client_ip_var, request_id_from, request_id_var

logger = logging.getLogger("core.request")
REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Take the caller's `X-Request-ID` (if sane) or make one; echo it and log one line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        id_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(client_address(request))
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            path = redact_secrets(request.path)
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                extra={"status": response.status_code, "method": request.method, "path": path},
            )
            return response
        finally:
            request_id_var.reset(id_token)
            client_ip_var.reset(ip_token)


class PublishScopeMiddleware:
    """A request stops publishing Celery tasks after its first broker failure (see `core.enqueue.publish_scope`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with publish_scope():
            return self.get_response(request)


class DatabaseWaitScopeMiddleware:
    """A request waits for a database that does not answer once, not once per query (`core.database.request_scope`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_scope():
            return self.get_response(request)


class PermissionDeniedAuditMiddleware:
    """Record every 403 (a page, the API, a CSRF failure) in the audit trail; never fails the response.

    A signed-in user's refusal is a row of its own, naming the page (secrets redacted). Anonymous refusals
    are counted per client and window, one row each with the count (core.services.audit_anonymous_count):
    anyone can send them, so they must not cost a row apiece nor keep what the sender wrote.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403:
            from core.services import audit_anonymous_count, audit_record

            user = getattr(request, "user", None)
            try:
                if user is not None and user.is_authenticated:
                    audit_record(
                        action=AuditAction.PERMISSION_DENIED,
                        actor=user,
                        details={"method": request.method, "path": redact_secrets(request.path)[:200]},
                    )
                else:
                    audit_anonymous_count(action=AuditAction.PERMISSION_DENIED)
            except Exception:  # the database may be the reason; the refusal still goes out
                logger.warning("could not record a permission refusal in the audit trail", exc_info=True)
        return response


class ReaderTimeZoneMiddleware:
    """Show times in the time zone the reader chose (core.views.time_zone_choose, a cookie); else settings.TIME_ZONE.

    Only how times are shown changes: everything is stored and compared in UTC.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = reader_time_zone(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
        if zone is None:
            return self.get_response(request)
        with timezone.override(zone):
            return self.get_response(request)


class ApiErrorMiddleware:
    """Under /api/: every error is JSON in the API's one shape, never an HTML page, and no answer is cached shared.

    - An address longer than `API_MAX_URL_LENGTH` is a 414 (gunicorn lets long lines through to us, see
      config/gunicorn_conf.py, so this answer is ours).
    - An exception no view handled is a JSON 413 (body too large), 400 (a suspicious request) or 500 (logged).
    - An error page rendered by Django or another middleware (HTML) is replaced by the JSON body.
    - `Cache-Control: private, no-cache` and `Vary: Authorization, Accept-Language` on every answer: each
      answer depends on the token and the language, and a client must revalidate (ETag) before reusing it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from core.api import error_json_response, is_api_path
        from core.throttling import rate_limit_headers

        if not is_api_path(request.path):
            return self.get_response(request)
        if len(request.get_full_path()) > settings.API_MAX_URL_LENGTH:
            response: HttpResponse = error_json_response(414)
        else:
            response = self.get_response(request)
            if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
                keep = {name: response[name] for name in ("Allow", "Retry-After") if response.has_header(name)}
                response = error_json_response(response.status_code)
                for name, value in keep.items():
                    response[name] = value
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-cache"
        rate_limit_headers(request, response)
        patch_vary_headers(response, ["Authorization", "Accept-Language"])
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        from core.api import error_json_response, is_api_path, suspicious_status

        if not is_api_path(request.path):
            return None
        status = suspicious_status(exc)
        if status is None:
            logger.exception("unhandled error on %s %s", request.method, redact_secrets(request.path))
            status = 500
        return error_json_response(status)
