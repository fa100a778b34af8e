"""Shared fixtures: role users and their clients, API clients, waiting, a private Redis, webhook receivers,
query counts of a page, and a real Celery worker."""

import logging
import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

# A test that imports config.wsgi in-process (the API schema's fuzzer) must not make this process a web process:
# its statement timeout and client deadlines are for gunicorn (config/wsgi.py). Subprocesses get them.
os.environ["DB_TIMEOUTS"] = "off"

from core.choices import TokenScope
from core.services import api_token_create
from tests import processes
from tests.factories import UserFactory, signed_in
from tests.processes import RedisServer
from tests.webhooks.receiver import Receiver

# Property tests draw the same examples on every run, with no time limit per example: a run can fail only on
# a real bug, never by the luck of the draw or a slow machine (Hypothesis' default 200 ms deadline is a
# wall-clock bound). HYPOTHESIS_PROFILE=explore draws new examples each run, to search further by hand.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, database=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)"))
        if "worker" in item.keywords and not settings.TEST_BROKER_URL:
            item.add_marker(pytest.mark.skip(reason="needs Redis (set CELERY_BROKER_URL)"))


@pytest.fixture(scope="session", autouse=True)
def _french_catalog() -> None:
    """Compile the .po files whose .mo is missing or older, as `make messages` does (the .mo is not committed)."""
    import shutil
    from pathlib import Path

    from django.core.management import call_command

    for po in Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        stale = not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime
        if stale and shutil.which("msgfmt"):
            call_command(
                "compilemessages", locale=[po.parent.parent.name], ignore_patterns=[".venv", "var"], verbosity=0
            )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Per-process caches and the API read counters (Redis) start empty in every test."""
    from django.core.cache import cache

    from core.throttling import shared_counts_clear

    cache.clear()
    shared_counts_clear()


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in French leaves French active in this thread (LocaleMiddleware never deactivates): the next
    test starts in the default language whatever the last one asked for."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _rate_limit_clock(monkeypatch):
    """Hold the rate limiter's clock still: a test that fills a fixed window and expects the next request
    refused would otherwise fail whenever a window boundary (every second, minute or hour) falls inside it."""
    import time

    pinned = time.time()
    monkeypatch.setattr("core.ratelimit._now", lambda: pinned)


@pytest.fixture(autouse=True)
def reference_data(request):
    """Transactional tests flush the database afterwards; put back what the data migrations made."""
    transactional = {"transactional_db", "live_server", "celery_worker"} & set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if transactional or (marker and marker.kwargs.get("transaction")):
        request.getfixturevalue("transactional_db")
        from core.roles import roles_ensure
        from triage.services import scoring_model_ensure_default

        roles_ensure()
        scoring_model_ensure_default()


@pytest.fixture
def cio(db):
    return UserFactory(username="cio", first_name="Carla", last_name="Ionescu", role="CIO")


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", role="Analyst")


@pytest.fixture
def portfolio_manager(db):
    return UserFactory(username="pm", role="Portfolio manager")


@pytest.fixture
def cio_client(cio):
    return signed_in(cio)


@pytest.fixture
def analyst_client(analyst):
    return signed_in(analyst)


@pytest.fixture
def pm_client(portfolio_manager):
    return signed_in(portfolio_manager)


@pytest.fixture
def read_token(cio):
    _token, key = api_token_create(user=cio, name="test read", scope=TokenScope.READ)
    return key


@pytest.fixture
def write_token(cio):
    _token, key = api_token_create(user=cio, name="test write", scope=TokenScope.READ_WRITE)
    return key


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def reader_client(read_token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {read_token}")
    return client


@pytest.fixture
def writer_client(write_token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {write_token}")
    return client


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of this test's own (initdb in a temporary directory, started on a free port), to stop,
    restart or freeze; never the shared one. Skips without the server binaries."""
    from tests.ops.postgres import PostgresServer, postgres_available

    if not postgres_available():
        pytest.skip("needs the PostgreSQL 15 server binaries")
    server = PostgresServer().init()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def private_redis():
    """A redis-server of this test's own (started by the test), to stop or pause; never the shared one."""
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def dovecot():
    """A real IMAP server of this test's own (tests/processes.py::Dovecot); skipped where dovecot is not installed."""
    from tests.processes import Dovecot, dovecot_binary

    if dovecot_binary() is None:
        pytest.skip("needs dovecot (Debian package dovecot-imapd, installed by .ci/run)")
    server = Dovecot().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) in this process on a free port; Django sends to it. Yields the messages list."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    from tests.processes import free_port

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 Message accepted"

    controller = Controller(Handler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield received
    controller.stop()


@pytest.fixture
def wait_for():
    """The one way tests wait: poll a predicate until a deadline (tests.processes.wait_for)."""
    return processes.wait_for


@pytest.fixture
def start_receiver() -> Iterator:
    """Start real receivers on 127.0.0.1: `start_receiver(statuses=[500, 500, 200], hold=False)`."""
    started: list[Receiver] = []

    def start(**options) -> Receiver:
        receiver = Receiver(**options).start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


@pytest.fixture
def receiver(start_receiver) -> Receiver:
    return start_receiver()


@pytest.fixture
def page_statements():
    """GET a page and return (its response, the SQL statements it ran): for query counts at two data sizes."""
    from django.test.utils import CaptureQueriesContext

    def get(client, path: str) -> tuple:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        return response, [query["sql"] for query in queries.captured_queries]

    return get


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in a thread) consuming from the real Redis broker; eager mode off.

    Tests using it need committed data (`transactional_db`), as a worker in another process would.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    assert app.conf.broker_url == settings.TEST_BROKER_URL
    app.conf.task_always_eager = False
    # Celery's test worker reconfigures the root logger at its own level (ERROR) from its second start on;
    # later tests that read log lines need the level LOGGING set.
    root_level = logging.getLogger().level
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(app.conf.task_default_queue)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=20) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True
        logging.getLogger().setLevel(root_level)
        connection.close()
