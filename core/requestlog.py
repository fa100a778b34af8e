"""Request ids and client addresses carried through a request (or a Celery task) into every log record.

A context variable, not a thread local, so the values follow the request through async code too;
the logging filter copies them onto each record, whoever logs it.
"""

import logging
import re
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
client_ip_var: ContextVar[str | None] = ContextVar("client_ip", default=None)

# A request id from a proxy or client is kept only when it cannot break a log line or a header.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def request_id_from(header_value: str | None) -> str:
    """The caller's id when it is sane, a fresh one otherwise."""
    if header_value and SANE_REQUEST_ID.match(header_value):
        return header_value
    return uuid.uuid4().hex


class RequestContextFilter(logging.Filter):
    """Put `request_id` and `task_id` on every record (`-` when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.task_id = _current_task_id()
        return True


def _current_task_id() -> str:
    from celery import current_task

    try:
        task_id = current_task.request.id if current_task else None
    except Exception:  # logging must never fail because Celery has no task context
        task_id = None
    return task_id or "-"
