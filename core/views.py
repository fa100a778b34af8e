"""Probes for load balancers, the Prometheus endpoint, the audit trail page and the reader's time zone."""

import logging
import os
import sys
import time
from urllib.parse import urlsplit

from django import db
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, gettext_noop
from django.views import defaults
from django.views.decorators.http import require_http_methods

from core import roles, selectors
from core.database import database_deadline
from core.decorators import StaffRequest, staff_permission_required
from core.filters import AuditEventFilterSet
from core.formats import TIME_ZONE_COOKIE
from core.forms import TimeZoneForm
from core.proxies import monitoring_client

logger = logging.getLogger(__name__)


# A database that is down, frozen or too slow (connect or statement deadline, core.database) is a passing
# state, not a bug: the customer is asked to come back in a minute, and load balancers may retry elsewhere.
DATABASE_UNAVAILABLE = (db.OperationalError, db.InterfaceError)
RETRY_AFTER_SECONDS = 60
UNAVAILABLE_MESSAGE = gettext_noop("We can't take demands right now. Please try again in a minute.")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a friendly 503 in the reader's language while the database does not answer, else the 500 page.

    Renders without touching the database (no session, no user): the language comes from the cookie or the
    browser's Accept-Language, the page is plain (templates/503.html)."""
    error = sys.exc_info()[1]
    if not isinstance(error, DATABASE_UNAVAILABLE):
        return defaults.server_error(request)
    logger.warning("database unavailable, answered 503: %s: %s", error.__class__.__name__, error)
    with translation.override(translation.get_language_from_request(request)):
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": gettext(UNAVAILABLE_MESSAGE)}, status=503)
        else:
            response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; touches nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The database (and the broker, when one is configured) answer; each check and its time in milliseconds
    only for this host and MONITORING_NETWORKS (everyone else gets the bare status). An unreachable reply mailbox
    makes the status "degraded" (still 200: the site serves, replies by e-mail wait)."""
    from django.conf import settings

    checks: dict[str, dict] = {}
    started = time.perf_counter()
    try:
        # Its own short deadline (connect and statement), so a frozen database makes the probe say so quickly.
        with database_deadline(settings.READYZ_DATABASE_TIMEOUT), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    checks["database"]["ms"] = round((time.perf_counter() - started) * 1000, 1)

    if settings.BROKER_CONFIGURED:
        from celery import current_app as app  # the project's app (config/celery.py); core never imports config

        started = time.perf_counter()
        try:
            with app.connection_for_write() as conn:
                # One attempt, bounded by the broker's socket timeouts (1 s): a hung broker costs the probe 1 s.
                conn.ensure_connection(max_retries=0, timeout=1)
            checks["broker"] = {"ok": True}
        except Exception as exc:
            checks["broker"] = {"ok": False, "error": exc.__class__.__name__}
        checks["broker"]["ms"] = round((time.perf_counter() - started) * 1000, 1)

    ready = all(check["ok"] for check in checks.values())
    body: dict[str, object] = {"status": "ok" if ready else "unavailable"}
    if settings.INBOUND_EMAIL_URL and ready:
        from core.mailbox import mailbox_health

        # Replies by e-mail wait while the mailbox is unreachable, but pages still serve: degraded, not unready.
        checks["mailbox"] = mailbox_health()
        if not checks["mailbox"]["ok"]:
            body["status"] = "degraded"
    if not ready:  # which part is not ready is no secret; the details (errors, times) are for monitoring
        body["not_ready"] = sorted(name for name, check in checks.items() if not check["ok"])
    # Which components answer and how fast is for our own probes and scrapers, not for the internet.
    if monitoring_client(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if ready else 503)


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """After sign-in (LOGIN_REDIRECT_URL): each role's own starting page."""
    return redirect(roles.landing_url_name(request.user))


@staff_permission_required(roles.VIEW_AUDIT)
def audit_list(request: StaffRequest) -> HttpResponse:
    """The audit trail for the CIO, newest first, filtered by action and user; two queries whatever its size."""
    filterset = AuditEventFilterSet(request.GET or None, queryset=selectors.audit_event_list())
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    return render(request, "core/audit_list.html", context, status=400 if filterset.errors else 200)


@require_http_methods(["GET", "POST"])
def time_zone_choose(request: HttpRequest) -> HttpResponse:
    """Choose the time zone every page shows times in; kept in a cookie, like the language, for a year.

    The way back is the page the reader came from (its Referer, this site only), carried in the form rather than
    in the address, so a tracking link never ends up in a query string; pages that send no Referer lead home.
    """
    if request.method == "POST":
        form = TimeZoneForm(request.POST)
        back = _own_path(request, request.POST.get("next", ""))
        if form.is_valid():
            response = redirect(back or "home")
            response.set_cookie(
                TIME_ZONE_COOKIE,
                form.cleaned_data["time_zone"],
                max_age=365 * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            return response
    else:
        back = _own_path(request, request.headers.get("Referer", ""))
        form = TimeZoneForm(initial={"time_zone": timezone.get_current_timezone_name(), "next": back})
    return render(request, "core/time_zone.html", {"form": form, "back": back}, status=400 if form.is_bound else 200)


def _own_path(request: HttpRequest, url: str) -> str:
    """`url`'s path and query if it is a page of this site (never another site, never this page), else ''."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    same_site = url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False)
    if not same_site or not path.startswith("/") or path.startswith("//") or parts.path == request.path:
        return ""
    return path


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics for a scraper (this host, MONITORING_NETWORKS) or a signed-in staff member; others get a 404.

    With PROMETHEUS_MULTIPROC_DIR set (several gunicorn workers), the request metrics of every worker
    are summed from that directory and Demand Desk's own gauges are read once, here.
    """
    import prometheus_client
    from prometheus_client import multiprocess

    from core.metrics import DemandDeskCollector

    if not (monitoring_client(request) or request.user.is_staff):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(DemandDeskCollector())
    else:
        registry = prometheus_client.REGISTRY
    return HttpResponse(prometheus_client.generate_latest(registry), content_type=prometheus_client.CONTENT_TYPE_LATEST)
