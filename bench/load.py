"""A small HTTP load driver, run as its own process: bounded by request count and time, loopback only.

    python bench/load.py --base http://127.0.0.1:8123 --path /healthz --concurrency 8 --requests 2000

Modes: `get` cycles through one or more paths; `form` files a demand per iteration the way a browser
does (GET the form, then POST it with its CSRF and form tokens) and times the pair. Prints one JSON
object: requests, errors, seconds, rps, latency percentiles (ms) and status counts.
"""

import argparse
import http.client
import itertools
import json
import re
import statistics
import threading
import time
import urllib.parse
from collections import Counter

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
PRODUCT = re.compile(r'<option value="(\d+)"')


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Driver:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        parsed = urllib.parse.urlsplit(args.base)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("load tests only target this machine (127.0.0.1)")
        self.host, self.port = parsed.hostname, parsed.port
        self.paths = itertools.cycle(args.path)
        self.lock = threading.Lock()
        self.issued = 0
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.errors = 0
        self.deadline = time.monotonic() + args.max_seconds
        self.headers = dict(header.split(": ", 1) for header in args.header)

    def next_ticket(self) -> int | None:
        with self.lock:
            if self.issued >= self.args.requests or time.monotonic() > self.deadline:
                return None
            self.issued += 1
            return self.issued

    def record(self, started: float, status: int, ok: bool) -> None:
        with self.lock:
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.statuses[status] += 1
            if not ok:
                self.errors += 1

    def request(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict | None = None,
    ) -> tuple[int, dict, bytes]:
        conn.request(method, path, body=body, headers={**self.headers, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        headers = dict(response.getheaders())
        # Every cookie the answer sets (the form sets two), as the one Cookie header a browser sends back.
        headers["Set-Cookie"] = "; ".join(
            value.split(";", 1)[0] for name, value in response.getheaders() if name.lower() == "set-cookie"
        )
        return response.status, headers, data

    def worker_get(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        expected = {int(code) for code in self.args.expect.split(",")}
        while (ticket := self.next_ticket()) is not None:
            with self.lock:
                path = next(self.paths)
            started = time.perf_counter()
            try:
                status, _, _ = self.request(conn, "GET", path)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.record(started, 0, False)
                continue
            self.record(started, status, status in expected)
            del ticket

    def worker_form(self) -> None:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        while (ticket := self.next_ticket()) is not None:
            started = time.perf_counter()
            try:
                status, headers, page = self.request(conn, "GET", "/requests/new/")
                html = page.decode()
                cookie = headers["Set-Cookie"]
                fields = {
                    "csrfmiddlewaretoken": CSRF_FIELD.search(html).group(1),
                    "form_token": FORM_TOKEN.search(html).group(1),
                    "product": PRODUCT.search(html).group(1),
                    "contact_name": "Load Test",
                    "contact_email": f"buyer{ticket}@customer{ticket % 50}.example",
                    "kind": "integration",
                    "title": f"Load test demand number {ticket}",
                    "description": "Export every invoice of the day to our ERP, with an audit trail, every night.",
                    "revenue_at_stake": str(1000 * (ticket % 500)),
                    "currency": "EUR",
                    "agenda": "bt",
                }
                status, _, _ = self.request(
                    conn,
                    "POST",
                    "/requests/new/",
                    body=urllib.parse.urlencode(fields),
                    headers={
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": cookie,
                        "Origin": f"http://{self.host}:{self.port}",
                    },
                )
            except (OSError, http.client.HTTPException, AttributeError):
                conn.close()
                conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.record(started, 0, False)
                continue
            self.record(started, status, status == 302)

    def run(self) -> dict:
        target = self.worker_form if self.args.mode == "form" else self.worker_get
        threads = [threading.Thread(target=target) for _ in range(self.args.concurrency)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
        count = len(self.latencies)
        return {
            "requests": count,
            "errors": self.errors,
            "seconds": round(seconds, 2),
            "rps": round(count / seconds, 1) if seconds else 0.0,
            "p50": round(percentile(self.latencies, 0.50), 1),
            "p95": round(percentile(self.latencies, 0.95), 1),
            "p99": round(percentile(self.latencies, 0.99), 1),
            "mean": round(statistics.fmean(self.latencies), 1) if self.latencies else float("nan"),
            "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--path", action="append", default=[])
    parser.add_argument("--mode", choices=["get", "form"], default="get")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--max-seconds", type=float, default=30)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--expect", default="200")
    args = parser.parse_args()
    if args.mode == "get" and not args.path:
        parser.error("--path is required in get mode")
    print(json.dumps(Driver(args).run()))


if __name__ == "__main__":
    main()
