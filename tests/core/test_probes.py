"""/healthz answers while the process lives; /readyz says whether the database and the broker answer.

The broker faults are injected into a private redis-server, never into the shared one.
"""

import time

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
def test_readyz_is_503_within_seconds_naming_the_broker_when_redis_is_stopped(client: Client, private_redis):
    private_redis.start()
    with app_broker(private_redis.url):
        assert client.get("/readyz").status_code == 200
        private_redis.stop()
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    body = response.json()
    assert response.status_code == 503 and body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False and body["checks"]["broker"]["error"]
    assert body["checks"]["database"]["ok"] is True
    assert elapsed < 5, elapsed


@pytest.mark.django_db
@override_settings(BROKER_CONFIGURED=True)
def test_readyz_is_503_within_seconds_when_redis_hangs(client: Client, private_redis):
    private_redis.start()
    with app_broker(private_redis.url):
        private_redis.pause_clients(8000)
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503 and response.json()["checks"]["broker"]["ok"] is False
    assert elapsed < 5, elapsed
