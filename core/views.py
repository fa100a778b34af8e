"""Probes for load balancers."""

import time

from django.db import connection
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; touches nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The database (and the broker, when one is configured) answer; timings in milliseconds."""
    from django.conf import settings

    checks: dict[str, dict] = {}
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": exc.__class__.__name__}
    checks["database"]["ms"] = round((time.perf_counter() - started) * 1000, 1)

    if settings.BROKER_CONFIGURED:
        from config.celery import app

        started = time.perf_counter()
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = {"ok": True}
        except Exception as exc:
            checks["broker"] = {"ok": False, "error": exc.__class__.__name__}
        checks["broker"]["ms"] = round((time.perf_counter() - started) * 1000, 1)

    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
