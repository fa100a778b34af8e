"""Behind a real nginx, in front of a real gunicorn: every client has its own limits, and no log shows a token.

nginx runs the repository's deploy/nginx/proxy.conf and logging.conf (minus TLS) as a plain subprocess;
gunicorn runs config/gunicorn_conf.py with the production settings against this test's database, with
TRUSTED_PROXY_NETWORKS naming nginx's address. The test's clients open their connections from distinct
loopback addresses (127.0.0.2, 127.0.0.3, ...), which nginx sees as theirs and appends to
X-Forwarded-For, as it would for visitors on the internet.
"""

import os
import re
import time

import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from requests.adapters import HTTPAdapter

from core.models import AuditEvent, RateCounter
from tests.factories import UserFactory, file_demand_with_token
from tests.processes import Gunicorn, Nginx, database_url_of_this_test, nginx_binary, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(nginx_binary() is None, reason="needs nginx (Debian package `nginx`, installed by .ci/run)"),
]

SECRET_KEY = "behind-proxy-test-secret-key-0123456789abcdefghijklmnop"
PASSWORD = "pw-for-the-proxy-test-1"


class SourceAddressAdapter(HTTPAdapter):
    """Connections opened from one loopback address: a visitor of its own, as nginx sees it."""

    def __init__(self, source: str) -> None:
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


class Visitor:
    def __init__(self, base_url: str, address: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.mount("http://", SourceAddressAdapter(address))

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.base_url + path, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> requests.Response:
        return self.session.post(self.base_url + path, data=data or {}, allow_redirects=False, timeout=30, **kwargs)

    def sign_in(self, username: str, password: str) -> int:
        self.get("/accounts/login/")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        return self.post("/accounts/login/", form).status_code


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    """gunicorn with the production settings, then nginx in front of it; stopped after the module."""
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "tests.ops.settings_live",
        "DATABASE_URL": database_url_of_this_test(),
        "SECRET_KEY": SECRET_KEY,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CONN_MAX_AGE": "0",
        "EMAIL_URL": "dummymail://",
        "ATTACHMENT_ROOT": str(tmp_path_factory.mktemp("attachments")),
        "TRUSTED_PROXY_NETWORKS": "127.0.0.1/32",
        "INTAKE_TRACK_MISSES_PER_IP": "3/hour",
        "INTAKE_FORM_RATE_PER_IP": "2/hour",
        "RATE_LIMIT_CLOCK": str(time.time()),
        "LOG_LEVEL": "INFO",
    }
    web = Gunicorn(env, app="tests.security.pinned_clock_wsgi:application").start()
    proxy = Nginx(web.port)
    try:
        proxy.start()
        yield web, proxy
    finally:
        proxy.stop()
        web.stop()


def test_two_clients_behind_nginx_get_separate_limits_and_a_spoofed_header_gains_nothing(stack):
    _web, proxy = stack
    first, second = Visitor(proxy.url, "127.0.0.2"), Visitor(proxy.url, "127.0.0.3")
    # Wrong tracking links: 3 an hour per client.
    assert [first.get(f"/track/wrong-{n}/").status_code for n in range(4)] == [404, 404, 404, 429]
    assert second.get("/track/wrong-0/").status_code == 404
    spoofed = {"X-Forwarded-For": "198.51.100.7"}
    assert first.get("/track/wrong-9/", headers=spoofed).status_code == 429
    # The public form: 2 posts an hour per client (counted before the CSRF check refuses these empty ones).
    assert [first.post("/requests/new/").status_code for _ in range(3)] == [403, 403, 429]
    assert second.post("/requests/new/").status_code == 403
    assert first.post("/requests/new/", headers=spoofed).status_code == 429
    keys = set(RateCounter.objects.filter(key__startswith="intake-").values_list("key", flat=True))
    assert keys == {
        "intake-track-miss-ip:127.0.0.2",
        "intake-track-miss-ip:127.0.0.3",
        "intake-form-ip:127.0.0.2",
        "intake-form-ip:127.0.0.3",
    }  # never nginx's own address, never the spoofed one


def test_one_customers_tracking_page_cannot_be_blocked_by_anothers_misses(stack):
    _web, proxy = stack
    _demand, token = file_demand_with_token()
    guesser, customer = Visitor(proxy.url, "127.0.0.4"), Visitor(proxy.url, "127.0.0.5")
    assert [guesser.get(f"/track/guess-{n}/").status_code for n in range(4)] == [404, 404, 404, 429]
    assert customer.get(f"/track/{token}/").status_code == 200
    assert guesser.get(f"/track/{token}/").status_code == 200  # a good link always opens


def test_a_staff_lockout_behind_nginx_locks_out_one_client_not_the_company(stack):
    _web, proxy = stack
    user = UserFactory(username="cio-behind-proxy")
    # The production settings know no MD5, the test settings' fast hasher: a real hash, with few iterations.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "proxysalt0123456", iterations=1000)
    user.save()
    attacker, colleague = Visitor(proxy.url, "127.0.0.6"), Visitor(proxy.url, "127.0.0.7")
    for _ in range(5):
        attacker.sign_in(user.username, "wrong")
    assert attacker.sign_in(user.username, PASSWORD) == 429
    assert colleague.sign_in(user.username, PASSWORD) == 302
    assert {event.ip_address for event in AuditEvent.objects.filter(action="locked_out")} == {"127.0.0.6"}
    assert [event.ip_address for event in AuditEvent.objects.filter(action="login")] == ["127.0.0.7"]


def test_neither_nginx_nor_gunicorn_nor_django_logs_a_tracking_token(stack):
    web, proxy = stack
    _demand, token = file_demand_with_token()
    customer = Visitor(proxy.url, "127.0.0.8")
    assert customer.get(f"/track/{token}/").status_code == 200
    assert customer.post(f"/track/{token}/", {"action": "answer"}).status_code == 403  # no CSRF token
    assert customer.get(f"/track/{token}/submitted/?utm_source=mail").status_code == 200
    wait_for(lambda: web.output().count('"127.0.0.8"') >= 3, message="gunicorn's access lines")
    wait_for(lambda: proxy.access_log.read_text().count("127.0.0.8 ") >= 3, message="nginx's access lines")
    gunicorn_and_django, nginx = web.output(), proxy.access_log.read_text()
    assert token not in gunicorn_and_django and token not in nginx
    # gunicorn's access line: nginx's address, the forwarded client, the request line redacted, the request id
    # (nginx's, which Django answered with and logged its own lines under).
    [access] = [line for line in gunicorn_and_django.splitlines() if line.startswith('127.0.0.1 "127.0.0.8" ')][:1]
    assert '"GET /track/[redacted]/ HTTP/1.1" 200' in access
    request_id = access.split()[-2]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id) and request_id in nginx
    assert f'"request_id": "{request_id}"' in gunicorn_and_django
    assert '"GET /track/[redacted]/submitted/?utm_source=mail HTTP/1.1" 200' in nginx
    assert '"POST /track/[redacted]/ HTTP/1.1" 403' in nginx
    assert re.search(r"Forbidden \(CSRF [^)]*\): /track/\[redacted\]/", gunicorn_and_django)  # Django's warning
