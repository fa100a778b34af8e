"""Enqueue Celery work by task name once the surrounding transaction commits.

Apps call this instead of importing each other's tasks, so `intake` can start triage work without
depending on `triage`. A broker outage never fails the caller: the row is already the record and a
periodic sweep enqueues whatever was missed.
"""

import contextlib
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

# Set for the length of one web request: whether a publish has already failed in it.
_publish_failed_in_request: ContextVar[list[bool] | None] = ContextVar("publish_failed_in_request", default=None)
# Until when (time.monotonic()) web requests of this process do not try the broker: a publish failed just now.
_broker_backoff_until = 0.0


@contextlib.contextmanager
def publish_scope() -> Iterator[None]:
    """Within this scope (one web request), give up publishing after the first failure.

    A hung broker then costs the customer one publish timeout (about 0.5-1 s), not one per task the
    request enqueues (a demand enqueues its scoring, similarity pass and e-mail); and for
    BROKER_BACKOFF_SECONDS after a failure the other requests of this process do not try at all, so
    under load the cost is not paid once per request either. The sweeps send the rest.
    Outside a scope (workers, the sweep, commands) every publish is tried.
    """
    token = _publish_failed_in_request.set([False])
    try:
        yield
    finally:
        _publish_failed_in_request.reset(token)


def broker_backoff_reset() -> None:
    """Forget a recent broker failure (a new broker configured, as tests do): the next request tries it again."""
    global _broker_backoff_until
    _broker_backoff_until = 0.0


def enqueue_now(task_name: str, *args: Any) -> bool:
    """Send the task now; return False (and log) when the broker cannot take it."""
    from celery import current_app as app  # the project's app (config/celery.py); core never imports config

    global _broker_backoff_until
    failed_in_request = _publish_failed_in_request.get()
    if failed_in_request and failed_in_request[0]:
        logger.warning("the broker failed earlier in this request; %s%r is left to the periodic sweep", task_name, args)
        return False
    if failed_in_request is not None and time.monotonic() < _broker_backoff_until:
        failed_in_request[0] = True
        logger.warning("the broker failed moments ago; %s%r is left to the periodic sweep", task_name, args)
        return False
    try:
        # signature().delay() honours eager mode; send_task would not.
        result = app.signature(task_name, args=args).delay()
    except Exception:  # any broker/transport failure: the sweep is the safety net
        logger.warning("could not enqueue %s%r; the periodic sweep will retry", task_name, args, exc_info=True)
        if failed_in_request is not None:
            failed_in_request[0] = True
            _broker_backoff_until = time.monotonic() + settings.BROKER_BACKOFF_SECONDS
        return False
    if app.conf.task_always_eager and result.failed():
        # Eager mode runs the task here and keeps its error in the result: say so, loudly.
        logger.error("task %s%r failed: %r\n%s", task_name, args, result.result, result.traceback)
    return True


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Enqueue `task_name(*args)` after the current transaction commits (at once if none is open)."""
    transaction.on_commit(lambda: enqueue_now(task_name, *args))
