"""One HTTP POST to a receiver with the standard library: short timeouts, no redirects, no proxies."""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass

EXCERPT_CHARS = 1000


@dataclass(frozen=True)
class PostResult:
    """What one attempt observed: a status code or an error, how long it took, the start of the answer."""

    status_code: int | None
    error: str
    duration_ms: int
    body_excerpt: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer, not an instruction: following it could send the signed body somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        return None


# No ProxyHandler from the environment: deliveries go straight to the receiver that staff registered.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _RefuseRedirects())


def _excerpt(response) -> str:  # type: ignore[no-untyped-def]
    try:
        raw = response.read(EXCERPT_CHARS * 4)
    except Exception:  # a receiver that hangs up mid-body still gave us its status
        return ""
    return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST `body`; every outcome, including timeouts and refused connections, comes back as a result."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (checked URL)
    started = time.perf_counter()
    status_code: int | None = None
    error = ""
    excerpt = ""
    try:
        with _opener.open(request, timeout=timeout) as response:
            status_code = response.status
            excerpt = _excerpt(response)
    except urllib.error.HTTPError as failure:
        status_code = failure.code
        excerpt = _excerpt(failure)
    except urllib.error.URLError as failure:
        error = str(failure.reason)
    except Exception as failure:  # timeouts, resets, malformed answers, a task's soft time limit
        error = f"{failure.__class__.__name__}: {failure}" if str(failure) else failure.__class__.__name__
    duration_ms = round((time.perf_counter() - started) * 1000)
    return PostResult(status_code=status_code, error=error[:300], duration_ms=duration_ms, body_excerpt=excerpt)
