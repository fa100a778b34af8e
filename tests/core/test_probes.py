"""/healthz answers while the process lives; /readyz says whether the database and the broker answer.

The broker faults are injected into a private redis-server, never into the shared one.
"""

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


@pytest.mark.django_db
@override_settings(BROKER_CONFIGURED=True)
def test_readyz_is_503_while_redis_hangs_bound_by_its_own_timeout(client: Client, private_redis):
    private_redis.start()
    with app_broker(private_redis.url):
        private_redis.freeze()  # hung until the fixture stops it: an answer now comes from the check's timeout
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["broker"]["ok"] is False
