"""The API behind a real gunicorn (config/gunicorn_conf.py, production settings, two workers).

What only a real server shows: gunicorn's own limits (a long request line reaches Django and gets the API's
JSON 414, never gunicorn's HTML page), and read limits that hold across web processes (a shared Redis counter).
"""

import os
import time

import pytest
import requests

from core.choices import TokenScope
from core.services import api_token_create
from tests.factories import ProjectFactory, UserFactory
from tests.processes import Gunicorn, database_url_of_this_test

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def live_env(tmp_path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "tests.ops.settings_live",
        "DATABASE_URL": database_url_of_this_test(),
        "SECRET_KEY": "api-gunicorn-test-secret-key-0123456789abcdefghijklmnop",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": "0",
        "EMAIL_URL": "dummymail://",
        "ATTACHMENT_ROOT": str(tmp_path),
        **extra,
    }


@pytest.fixture
def key(db):
    ProjectFactory(code="BT-0001")
    return api_token_create(user=UserFactory(username="cio", role="CIO"), name="live", scope=TokenScope.READ)[1]


def test_a_long_request_line_gets_the_apis_json_414_not_gunicorns_html(tmp_path, key):
    web = Gunicorn(live_env(tmp_path)).start()
    try:
        headers = {"Authorization": f"Bearer {key}"}
        ok = requests.get(f"{web.url}/api/v1/projects/", params={"_": "B" * 6000}, headers=headers, timeout=10)
        assert ok.status_code == 200  # past gunicorn's default 4,094-byte line, still answered
        long = requests.get(f"{web.url}/api/v1/projects/", params={"_": "B" * 9000}, headers=headers, timeout=10)
        assert long.status_code == 414
        assert long.headers["Content-Type"] == "application/json"
        assert long.json()["code"] == "uri_too_long" and long.json()["request_id"] == long.headers["X-Request-ID"]
    finally:
        web.stop()


def test_read_limits_hold_across_web_processes(tmp_path, key):
    """Two gunicorn workers, one Redis counter: 5 reads an hour means 5, however the requests are spread."""
    from concurrent.futures import ThreadPoolExecutor

    env = live_env(
        tmp_path,
        API_TOKEN_READ_RATE="5/hour",
        API_READ_LIMIT_REDIS_URL=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        RATE_LIMIT_CLOCK=str(time.time()),  # the window cannot close during the test
    )
    web = Gunicorn(env, app="tests.security.pinned_clock_wsgi:application", workers=2).start()
    try:

        def read(_index: int) -> requests.Response:
            # A connection of its own per request, several at once: both workers take their share.
            return requests.get(f"{web.url}/api/v1/projects/", headers={"Authorization": f"Bearer {key}"}, timeout=30)

        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(pool.map(read, range(12)))
        assert sorted(answer.status_code for answer in answers) == [200] * 5 + [429] * 7
        refused = next(answer for answer in answers if answer.status_code == 429)
        assert refused.json()["code"] == "throttled" and int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["RateLimit-Policy"] == '"read";q=5;w=3600'
    finally:
        web.stop()
