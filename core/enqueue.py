"""Enqueue Celery work by task name once the surrounding transaction commits.

Apps call this instead of importing each other's tasks, so `intake` can start triage work without
depending on `triage`. A broker outage never fails the caller: the row is already the record and a
periodic sweep enqueues whatever was missed.
"""

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_now(task_name: str, *args: Any) -> bool:
    """Send the task now; return False (and log) when the broker cannot take it."""
    from config.celery import app

    try:
        # signature().delay() honours eager mode; send_task would not.
        result = app.signature(task_name, args=args).delay()
    except Exception:  # any broker/transport failure: the sweep is the safety net
        logger.warning("could not enqueue %s%r; the periodic sweep will retry", task_name, args, exc_info=True)
        return False
    if app.conf.task_always_eager and result.failed():
        # Eager mode runs the task here and keeps its error in the result: say so, loudly.
        logger.error("task %s%r failed: %r\n%s", task_name, args, result.result, result.traceback)
    return True


def enqueue_on_commit(task_name: str, *args: Any) -> None:
    """Enqueue `task_name(*args)` after the current transaction commits (at once if none is open)."""
    transaction.on_commit(lambda: enqueue_now(task_name, *args))
