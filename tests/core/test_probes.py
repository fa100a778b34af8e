"""/healthz answers while the process lives; /readyz says whether the database and the broker answer.

The broker faults are injected into a private redis-server, never into the shared one.
"""

import json

import pytest
from django.test import Client
from django.test.utils import override_settings

from tests.processes import app_broker


def test_healthz_answers_without_touching_the_database(client: Client):
    # No django_db mark: pytest-django makes any database access in this test raise.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
@override_settings(BROKER_CONFIGURED=True)
def test_readyz_is_200_with_timings_when_database_and_broker_answer(client: Client, private_redis):
    private_redis.start()
    with app_broker(private_redis.url):
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert body["checks"]["database"]["ms"] >= 0 and body["checks"]["broker"]["ms"] >= 0


@pytest.mark.django_db
@override_settings(BROKER_CONFIGURED=True)
def test_readyz_is_503_naming_the_broker_when_redis_is_stopped(client: Client, private_redis):
    private_redis.start()
    with app_broker(private_redis.url):
        assert client.get("/readyz").status_code == 200
        private_redis.stop()
        response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True
    assert body["not_ready"] == ["broker"]  # said to everyone; the details above only to monitoring


@pytest.mark.django_db
@override_settings(BROKER_CONFIGURED=True)
def test_readyz_is_503_while_redis_hangs_bound_by_its_own_timeout(client: Client, private_redis):
    private_redis.start()
    with app_broker(private_redis.url):
        private_redis.freeze()  # hung until the fixture stops it: an answer now comes from the check's timeout
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["broker"]["ok"] is False


def _answer_while_the_database_is_unavailable(rf, path: str, language: str):
    from django import db

    from core.views import server_error

    request = rf.post(path, HTTP_ACCEPT_LANGUAGE=language)
    try:  # handler500 runs while the request's exception is being handled, as here
        raise db.OperationalError("PostgreSQL did not answer within 5 s (statement); connection closed")
    except db.OperationalError:
        return server_error(request)


@pytest.mark.parametrize(
    ("language", "words"), [("fr", "Nous ne pouvons pas recevoir de demandes"), ("en", "We can't take demands")]
)
def test_a_database_outage_answers_the_friendly_503_page_in_the_readers_language(rf, language, words):
    response = _answer_while_the_database_is_unavailable(rf, "/requests/new/", language)
    assert response.status_code == 503 and response["Retry-After"] == "60"
    assert words in response.content.decode()


def test_a_database_outage_answers_json_503_on_the_api(rf):
    response = _answer_while_the_database_is_unavailable(rf, "/api/v1/projects/", "fr")
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert json.loads(response.content)["detail"].startswith("Nous ne pouvons pas")


def test_any_other_error_is_still_the_plain_500(rf):
    from core.views import server_error

    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500 and b"Something went wrong on our side" in response.content
