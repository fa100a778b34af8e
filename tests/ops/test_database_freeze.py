"""A frozen PostgreSQL (every process stopped with SIGSTOP) costs each request a bounded wait, never a hang.

A private PostgreSQL cluster (never the shared one) serves gunicorn with the production settings, one worker
of four threads, so a hung request would soon leave none free. Three customers post the public form in a loop
and a probe polls /readyz while the cluster is frozen: the kernel still accepts connections and acknowledges
what is sent, but nothing answers. The client-side deadlines (core.database) cut every wait: posts answer the
friendly 503 page in the customer's language, /healthz keeps answering, /readyz says 503 "database" within its
own short timeout, and once thawed everything is accepted again with nothing lost or filed twice.
"""

import threading
import time

import pytest
import requests

from tests.ops.live import Load, answers, books, database_prepare, server_env
from tests.ops.postgres import postgres_available
from tests.processes import Gunicorn, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_available(), reason="needs the PostgreSQL 15 server binaries"),
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

STATEMENT_TIMEOUT_MS = 2000
CONNECT_TIMEOUT = 2
# The longest a request may take: one cut wait (the statement timeout plus the client's 0.5 s margin; a request
# never waits twice, core.database.request_scope), and a generous second for everything else it does. A bound,
# not a measurement.
LONGEST_REQUEST_SECONDS = STATEMENT_TIMEOUT_MS / 1000 + 0.5 + 1.0


def test_a_frozen_database_answers_503_fast_keeps_workers_free_and_recovers_when_thawed(private_postgres):
    database_url = private_postgres.url("demanddesk")
    env = server_env(
        database_url, DB_STATEMENT_TIMEOUT_MS=str(STATEMENT_TIMEOUT_MS), DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT)
    )
    product_id = database_prepare(private_postgres.url(), database_url, env)
    web = Gunicorn(env, workers=1, threads=4).start()
    load = Load(web.url, product_id, customers=3, name="freeze")
    probes: list[tuple[str, float, float, int | None, str]] = []  # path, started, elapsed, status, body
    probing = threading.Event()

    def probe() -> None:
        while not probing.is_set():
            for path in ("/readyz", "/healthz"):
                started = time.monotonic()
                try:
                    response = requests.get(f"{web.url}{path}", timeout=20)
                    status, body = response.status_code, response.text
                except requests.RequestException:
                    status, body = None, ""
                probes.append((path, started, time.monotonic() - started, status, body))
            time.sleep(0.2)  # pacing

    prober = threading.Thread(target=probe, daemon=True)
    try:
        load.start()
        prober.start()
        wait_for(load.accepted_from_every_customer, timeout=30, message="a demand accepted from every customer")
        private_postgres.freeze()
        frozen_at = time.monotonic()  # once every process is stopped: what starts from now meets a frozen database
        french = requests.post(
            f"{web.url}/requests/new/", {}, headers={"Accept-Language": "fr"}, timeout=20, allow_redirects=False
        )
        wait_for(
            lambda: (
                len(load.failed_since(frozen_at)) >= 2 * load.customers
                and any(p[0] == "/readyz" and p[1] > frozen_at and p[3] == 503 for p in probes)
                and sum(p[0] == "/healthz" and p[1] > frozen_at and p[3] == 200 for p in probes) >= 3
            ),
            timeout=60,
            message="posts refused, /readyz not ready and /healthz answering while PostgreSQL is frozen",
        )
        thawed_at = time.monotonic()
        private_postgres.thaw()
        wait_for(
            lambda: load.accepted_from_every_customer(since=thawed_at),
            timeout=30,
            message="every customer's demand accepted again after the thaw",
        )
        load.finish()
        wait_for(lambda: answers(f"{web.url}/readyz"), timeout=10, message="/readyz ready again after the thaw")
    finally:
        probing.set()
        load.stop.set()
        private_postgres.thaw()
        web.stop()
    prober.join(timeout=25)

    during = [attempt for attempt in load.attempts if frozen_at <= attempt.started < thawed_at]
    print(
        f"\n{len(load.attempts)} posts, {len(during)} during the freeze: statuses "
        f"{sorted({attempt.status for attempt in during}, key=str)}, slowest refusal "
        f"{max(attempt.elapsed for attempt in during if attempt.status == 503):.2f} s "
        f"(bound {LONGEST_REQUEST_SECONDS} s)"
    )
    # Refused fast and clearly: every post answered (none ran into the client's 20 s timeout), within the bound;
    # every post that ended before the thaw was refused (a post may start frozen and be accepted once thawed).
    refused = [attempt for attempt in during if attempt.status != 302]
    assert refused and {attempt.status for attempt in refused} == {503}
    assert all(attempt.elapsed < LONGEST_REQUEST_SECONDS for attempt in refused)
    assert all(attempt.status == 503 for attempt in during if attempt.started + attempt.elapsed < thawed_at)
    # The customer's language: the French page for a French browser.
    assert french.status_code == 503 and "Nous ne pouvons pas recevoir de demandes" in french.text
    assert french.headers["Retry-After"] == "60"
    # The probes: /readyz said "not ready: database" within its own timeout, /healthz kept answering.
    readyz_frozen = [p for p in probes if p[0] == "/readyz" and frozen_at < p[1] and p[1] + p[2] < thawed_at]
    assert readyz_frozen and all(p[3] == 503 and '"database"' in p[4] for p in readyz_frozen)
    assert all(p[2] < LONGEST_REQUEST_SECONDS for p in probes if p[0] == "/healthz")
    # The books: every demand a customer was told about exists once; nothing refused was filed.
    result = books(database_url, load, "postgres frozen")
    assert result.missing == result.duplicated == result.told_failed_but_exist == 0, result
