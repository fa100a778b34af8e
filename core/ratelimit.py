"""Fixed-window rate limits counted in the database, so they hold whether or not Redis is up."""

import math
import time

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from core.models import RateCounter

# Counters older than this are deleted by the periodic sweep (core.sweep_rate_counters); no limit in the
# product spans more than a day. Never in the request: a request costs the same statements every time.
PRUNE_AFTER_SECONDS = 2 * 24 * 3600
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _now() -> float:
    """The wall clock the windows are cut from (one place, so tests can hold it still)."""
    return time.time()


def rate_parse(rate: str) -> tuple[int, int]:
    """`"600/minute"` → (600, 60), as DRF writes rates."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0].lower()]


def _window(window_seconds: int, now: float) -> tuple[int, int]:
    """The start of the current window and the whole seconds until it closes (at least 1)."""
    window_start = int(now // window_seconds) * window_seconds
    retry_after = max(1, math.ceil(window_start + window_seconds - now))
    return window_start, retry_after


def _increment(key: str, window_start: int) -> int:
    """Add one to the key's counter for this window and return the new count, in one atomic statement."""
    quote = connection.ops.quote_name
    table, key_column, window_column, count_column = (
        quote(name) for name in (RateCounter._meta.db_table, "key", "window_start", "count")
    )
    # INSERT .. ON CONFLICT .. RETURNING is one statement on PostgreSQL and SQLite (3.35+): concurrent
    # requests never read-then-write, so none is lost and none sees another's half-done update.
    sql = (
        f"INSERT INTO {table} ({key_column}, {window_column}, {count_column}) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT ({key_column}, {window_column}) "
        f"DO UPDATE SET {count_column} = {table}.{count_column} + 1 RETURNING {count_column}"
    )
    # One statement is atomic on its own: no BEGIN/COMMIT round trips around it.
    with connection.cursor() as cursor:
        cursor.execute(sql, [key[:200], window_start])
        return int(cursor.fetchone()[0])


def window_now(window_seconds: int) -> tuple[int, int]:
    """The current window's start (seconds since the epoch) and the whole seconds until it closes."""
    return _window(window_seconds, _now())


def rate_limit_take(key: str, window_seconds: int) -> tuple[int, int]:
    """Count one request for `key`; return the window's count so far and the seconds until the window closes."""
    window_start, reset = _window(window_seconds, _now())
    return _increment(key, window_start), reset


def rate_limit_hit(key: str, limit: int, window_seconds: int) -> tuple[bool, int]:
    """Count one request for `key`; return whether it is within `limit` per window and the seconds to wait if not."""
    now = _now()
    window_start, retry_after = _window(window_seconds, now)
    count = _increment(key, window_start)
    return count <= limit, (0 if count <= limit else retry_after)


def counter_add(key: str, window_seconds: int) -> int:
    """Count one event for `key` in the current window (one statement) and return the window's count so far."""
    window_start, _retry_after = _window(window_seconds, _now())
    return _increment(key, window_start)


def window_start_current(window_seconds: int, *, now: float | None = None) -> int:
    """When the current window of this length opened, in seconds since the epoch (the counters' `window_start`)."""
    return _window(window_seconds, _now() if now is None else now)[0]


def rate_counter_prune(*, now: float | None = None) -> int:
    """Delete counters of windows long closed; safe to run twice or concurrently (one DELETE)."""
    cutoff = int((now if now is not None else _now()) - PRUNE_AFTER_SECONDS)
    deleted, _ = RateCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The plain 429 page, with the seconds to wait in `Retry-After`."""
    response = HttpResponse(render_to_string("429.html", {"retry_after": retry_after}, request=request), status=429)
    response["Retry-After"] = str(retry_after)
    return response
