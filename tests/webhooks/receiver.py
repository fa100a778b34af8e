"""A real webhook receiver on 127.0.0.1 (stdlib http.server in a thread) that checks signatures like a customer's."""

import hashlib
import hmac
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.processes import wait_for

# A held request is answered at the latest after this long, so a test that forgets to release cannot leave a
# thread behind for good; tests release as soon as they have checked what they wait for.
RELEASE_LIMIT_SECONDS = 120


@dataclass
class Received:
    """One POST as the receiver saw it, with its own verdict on the signature."""

    path: str
    headers: dict[str, str]  # names in lower case: HTTP header names are case-insensitive
    body: bytes
    signature_valid: bool
    answered: int


@dataclass
class Receiver:
    """Answers each POST with the next status of `statuses` (the last one repeats).

    With `hold`, each request waits, unanswered, until the test calls `release()`: a receiver slower than any
    timeout, for as long as the test needs, so a test asserts what happened meanwhile instead of how long it took.
    """

    statuses: list[int] = field(default_factory=lambda: [200])
    hold: bool = False
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    holding: int = 0  # requests waiting for `release()` right now
    _released: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/demand-desk"

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        """What docs/api.md tells receivers to do, written independently of webhooks.signing."""
        timestamp = headers.get("x-demanddesk-timestamp", "")
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"sha256={expected}", headers.get("x-demanddesk-signature", ""))

    def next_status(self) -> int:
        return self.statuses[min(len(self.received), len(self.statuses) - 1)]

    def start(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {name.lower(): value for name, value in self.headers.items()}
                status = receiver.next_status()
                receiver.received.append(
                    Received(self.path, headers, body, receiver.verify(headers, body), answered=status)
                )
                if receiver.hold:
                    with receiver._lock:
                        receiver.holding += 1
                    receiver._released.wait(timeout=RELEASE_LIMIT_SECONDS)
                    with receiver._lock:
                        receiver.holding -= 1
                answer = b"ok" if 200 <= status < 300 else b"receiver says no"
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("Location", "/somewhere-else")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the sender gave up waiting (a timeout test)
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def release(self) -> None:
        """Let every held request (and any later one) be answered."""
        self._released.set()

    def stop(self) -> None:
        self.release()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        wait_for(
            lambda: len(self.received) >= count,
            timeout=timeout,
            interval=0.05,
            message=f"{count} requests at the receiver",
        )
