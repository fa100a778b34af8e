"""gunicorn's configuration: `gunicorn -c config/gunicorn_conf.py config.wsgi` (the Dockerfile and compose).

Bind address, workers and timeouts stay on the command line, per deployment. What is fixed here is the
logging: one access line per request on stdout, in the format below, and every access and error line
passed through core.redaction, so a private tracking link (`/track/<token>/`) is written as
`/track/[redacted]/`. gunicorn's `--forwarded-allow-ips` does not change REMOTE_ADDR (it only lets
the listed proxies set the scheme); the client's address behind a proxy is Django's business
(TRUSTED_PROXY_NETWORKS, core.proxies).
"""

from typing import Any

from gunicorn.glogging import Logger

from core.redaction import SecretRedactingFilter


class RedactingLogger(Logger):
    """gunicorn's own logger, with secrets in URLs redacted from its access and error lines."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, SecretRedactingFilter) for existing in log.filters):
                log.addFilter(SecretRedactingFilter())


logger_class = RedactingLogger
accesslog = "-"
# The proxy's address (h), the X-Forwarded-For it sent, the time, the request line (redacted), the status,
# bytes, milliseconds, the request id Django answered with (the same id as in its JSON log lines) and the
# user agent. No Referer: a page's address is no business of the access log.
access_log_format = '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s "%(a)s"'

# The request line (method, path, query string) is not limited here: gunicorn would answer a long one with
# its own HTML 414 before Django sees it. The app refuses a path and query string longer than
# API_MAX_URL_LENGTH with the API's JSON 414 (core.middleware.ApiErrorMiddleware). With 0, gunicorn's
# parser still stops at 1 MB. Header count and size keep gunicorn's defaults (100 fields of 8,190 bytes).
limit_request_line = 0
