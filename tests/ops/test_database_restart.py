"""PostgreSQL restarts in the middle of a run of public submissions: nothing accepted is lost, nothing hangs.

A private PostgreSQL cluster (never the shared one) serves a gunicorn web process with the production
settings (persistent connections with CONN_HEALTH_CHECKS, a 3 s connect timeout, eager Celery as
without a broker). Three customer threads post the public form in a loop; the cluster is stopped for a
few seconds and started again. A customer whose post failed posts the same filled-in form again
(same form token), as a person would.
"""

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg2
import pytest
import requests
from django.core import signing

from intake.forms import FORM_TOKEN_SALT
from tests.ops.live import SECRET_KEY, Attempt, answers, manage, server_env
from tests.ops.postgres import postgres_available
from tests.processes import ROOT, free_port, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not postgres_available(), reason="needs the PostgreSQL 15 server binaries"),
    # A customer thread that dies would leave the test checking less than it says: fail instead.
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]

THREADS = 3
# Deadlines for each phase, not durations: a phase ends as soon as what it waits for is seen.
LOAD_BEFORE_SECONDS = 30
DOWN_SECONDS = 30
LOAD_AFTER_SECONDS = 20
RECOVERY_LIMIT_SECONDS = 10
REQUEST_TIMEOUT_SECONDS = 20


def customer(base_url: str, product_id: str, index: int, stop: threading.Event, attempts: list[Attempt]) -> None:
    session = requests.Session()
    session.get(f"{base_url}/requests/new/", timeout=REQUEST_TIMEOUT_SECONDS).raise_for_status()
    csrf = session.cookies["csrftoken"]
    number = 0
    retry_form: dict | None = None
    while not stop.is_set():
        if retry_form is None:
            number += 1
            retry_form = {
                "csrfmiddlewaretoken": csrf,
                "form_token": signing.dumps(f"restart-{index}-{number}", key=SECRET_KEY, salt=FORM_TOKEN_SALT),
                "contact_name": "Load Tester",
                "contact_email": f"load{index}@restart-test.example",
                "organization_name": "Restart Test",
                "product": product_id,
                "kind": "integration",
                "title": f"Restart load customer {index} number {number}",
                "description": "A demand filed while the database restarts under the web process.",
                "business_justification": "Testing.",
                "revenue_at_stake": "10000",
                "currency": "EUR",
                "desired_date": "",
                "agenda": "bt",
            }
        started = time.monotonic()
        try:
            response = session.post(
                f"{base_url}/requests/new/", retry_form, allow_redirects=False, timeout=REQUEST_TIMEOUT_SECONDS
            )
            status: int | None = response.status_code
        except requests.RequestException:
            status = None
        attempts.append(Attempt(retry_form["title"], started, time.monotonic() - started, status))
        if status == 302:
            retry_form = None  # accepted: next demand
        else:
            time.sleep(0.2)  # a person's pause before trying the same form again (pacing, not a wait for anything)


def test_a_database_restart_loses_no_accepted_demand_fails_fast_and_recovers_by_itself(private_postgres):
    database_url = private_postgres.url("demanddesk")
    admin = psycopg2.connect(private_postgres.url())
    admin.autocommit = True
    admin.cursor().execute("CREATE DATABASE demanddesk")
    admin.close()
    env = server_env(database_url)
    manage(env, "migrate", "--no-input", "-v", "0")
    product_id = manage(
        env, "shell", "-c", "from tests.factories import ProductFactory; print(ProductFactory(name='Restart').pk)"
    ).split()[-1]

    port = free_port()
    log = Path(tempfile.mkstemp(prefix="gunicorn-", suffix=".log")[1])
    with log.open("wb") as log_file:
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "4", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    attempts: list[Attempt] = []
    stop = threading.Event()
    try:
        wait_for(lambda: answers(f"{base_url}/healthz"), timeout=30, message="gunicorn answering /healthz")
        threads = [
            threading.Thread(target=customer, args=(base_url, product_id, index, stop, attempts), daemon=True)
            for index in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        # Each phase lasts until what it is for has been seen, with a deadline, not for a fixed time.
        # Every customer has had a demand accepted: on a busy machine one thread may still be loading the
        # form when the others have posted several times, and the stop must not fall into its first page load.
        wait_for(
            lambda: len({customer_of(attempt) for attempt in attempts if attempt.status == 302}) == THREADS,
            timeout=LOAD_BEFORE_SECONDS,
            message="a demand accepted from every customer before the restart",
        )
        down_at = time.monotonic()
        private_postgres.stop("fast")
        wait_for(
            lambda: sum(attempt.status != 302 and attempt.started >= down_at for attempt in attempts) >= THREADS,
            timeout=DOWN_SECONDS,
            message="posts failing while PostgreSQL is down",
        )
        private_postgres.start()
        up_at = time.monotonic()
        # Back by itself (no restart of the web process): a post is accepted again within the recovery limit,
        # a deadline for the wait, not a measurement; then the load goes on until posts started since have answered.
        recovered_at = wait_for(
            lambda: min((attempt.started for attempt in accepted_since(attempts, up_at)), default=None),
            timeout=RECOVERY_LIMIT_SECONDS,
            message="a post accepted after PostgreSQL is back",
        )
        wait_for(
            lambda: (
                sum(attempt.started > recovered_at and attempt.status is not None for attempt in attempts)
                >= 2 * THREADS
            ),
            timeout=LOAD_AFTER_SECONDS,
            message="posts answered after the recovery",
        )
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT_SECONDS + 5)
    finally:
        stop.set()
        web.terminate()
        web.wait(timeout=20)

    accepted = [attempt for attempt in attempts if attempt.status == 302]
    failed = [attempt for attempt in attempts if attempt.status != 302]
    after_recovery = [attempt for attempt in attempts if attempt.started > recovered_at]
    first_success_after_up = min(attempt.started + attempt.elapsed for attempt in accepted_since(attempts, up_at))
    print(
        f"\n{len(attempts)} posts: {len(accepted)} accepted, {len(failed)} failed "
        f"(statuses {sorted({attempt.status for attempt in failed}, key=str)}); "
        f"slowest failure {max((attempt.elapsed for attempt in failed), default=0):.2f} s; "
        f"slowest post {max(attempt.elapsed for attempt in attempts):.2f} s; "
        f"first success {first_success_after_up - up_at:.2f} s after PostgreSQL was back"
    )

    # The fault was real: posts failed while the database was down, and succeeded before and after.
    assert failed and all(down_at - 1 <= attempt.started + attempt.elapsed for attempt in failed)
    assert any(attempt.started < down_at for attempt in accepted)
    # Failures were errors the server answered, never hangs (a hung post ends in the client's timeout: no status).
    assert all(attempt.status is not None for attempt in failed)
    # Back by itself: once a post was accepted again, every post started after it was accepted too.
    assert after_recovery and all(attempt.status == 302 for attempt in after_recovery)

    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT title FROM intake_changerequest WHERE title LIKE 'Restart load customer %'")
        stored = [row[0] for row in cursor.fetchall()]
    connection.close()
    assert len(stored) == len(set(stored)), "a form posted again made a second demand"
    assert {attempt.title for attempt in accepted} <= set(stored), "an accepted demand is missing"
    assert set(stored) <= {attempt.title for attempt in attempts}


def customer_of(attempt: Attempt) -> str:
    return attempt.title.rsplit(" number ", 1)[0]  # "Restart load customer <index>"


def accepted_since(attempts: list[Attempt], moment: float) -> list[Attempt]:
    return [attempt for attempt in attempts if attempt.status == 302 and attempt.started > moment]
