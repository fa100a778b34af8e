"""Secrets that travel in URLs never reach a log line or an audit row: the private tracking links, today.

`redact_secrets` is the one rule; `SecretRedactingFilter` applies it to every record our log handlers write
(the request log, Django's own warnings, tracebacks) and to gunicorn's access and error logs
(config/gunicorn_conf.py). The nginx configuration in deploy/nginx/ redacts the same paths in its access log.
Nothing here imports Django: gunicorn loads it before the application.
"""

import logging
import re

REDACTED = "[redacted]"
# A secret is group 1 of a pattern; the text around it stays, so a line still says which page was asked for.
# The second form is the same path percent-encoded, as it appears in a `next=` parameter.
SECRET_URL_PATTERNS = (
    re.compile(r"/track/([^/?#\s\"'<>]+)", re.IGNORECASE),
    re.compile(r"%2Ftrack%2F([^/?#&%\s\"'<>]+)", re.IGNORECASE),
    # A password-reset link signs in whoever holds it, for an hour: its user id and token are secrets too.
    re.compile(r"/accounts/password/reset/([^/?#\s\"'<>]+/[^/?#\s\"'<>]+)", re.IGNORECASE),
)
# What every LogRecord has; anything else on a record is an `extra` a logger added (a path, a request...).
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def redact_secrets(text: str) -> str:
    """`text` with every secret of SECRET_URL_PATTERNS replaced by `[redacted]`."""
    for pattern in SECRET_URL_PATTERNS:
        text = pattern.sub(lambda match: match.group(0)[: match.start(1) - match.start(0)] + REDACTED, text)
    return text


class SecretRedactingFilter(logging.Filter):
    """Redact secrets from a record's message, its extras and its traceback, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        for name, value in list(vars(record).items()):
            if name in _RECORD_ATTRIBUTES or value is None or isinstance(value, bool | int | float):
                continue
            # Django's request log passes the request itself: its text (`<WSGIRequest: GET '/track/…'>`) is
            # what a formatter would print, so a secret in it is replaced by that text, redacted.
            text = value if isinstance(value, str) else _text(value)
            if text is not None and redact_secrets(text) != text:
                setattr(record, name, redact_secrets(text))
        if record.exc_info:
            traceback_text = logging.Formatter().formatException(record.exc_info)
            if redact_secrets(traceback_text) != traceback_text:
                record.exc_info, record.exc_text = None, redact_secrets(traceback_text)
        elif record.exc_text:
            record.exc_text = redact_secrets(record.exc_text)
        return True


def _text(value: object) -> str | None:
    try:
        return str(value)
    except Exception:  # a log line never fails because an extra cannot print itself
        return None
