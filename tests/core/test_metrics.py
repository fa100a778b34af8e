"""/metrics: request latency from django-prometheus, and the scoring queue depth, lag and failures, read on scrape."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from core.enqueue import enqueue_now
from intake.models import ChangeRequest
from tests.factories import UserFactory, file_demand
from tests.processes import app_broker, free_port
from triage.services import scoring_failure_record

pytestmark = pytest.mark.django_db


def sample(text: str, name: str, labels: str = "") -> float:
    """The value of one sample in the Prometheus text format."""
    match = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{labels} not exposed"
    return float(match.group(1))


def scrape(client: Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def test_metrics_expose_scoring_lag_and_failed_tasks_with_their_values(client: Client):
    with app_broker(f"redis://127.0.0.1:{free_port()}/0"):  # filed but never scored: nothing listens there
        oldest, waiting, failing = file_demand(), file_demand(), file_demand()
    ChangeRequest.objects.filter(pk=oldest.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    ChangeRequest.objects.filter(pk=failing.pk).update(created_at=timezone.now() - timedelta(hours=5))
    scoring_failure_record(change_request_id=failing.pk, error="DatabaseError: boom", attempts=7)
    assert waiting.status == "submitted"

    text = scrape(client)
    # The set-aside failure is counted apart, so it does not hold the lag at five hours.
    assert 600 <= sample(text, "demanddesk_scoring_lag_seconds") < 660
    assert sample(text, "demanddesk_scoring_failed_tasks") == 1
    assert sample(text, "demanddesk_metric_read_ok", '{metric="demanddesk_scoring_lag_seconds"}') == 1


def test_scoring_lag_is_zero_when_nothing_waits(client: Client):
    assert sample(scrape(client), "demanddesk_scoring_lag_seconds") == 0


def test_metrics_expose_request_counts_and_latency_by_view(client: Client):
    client.get("/healthz")
    text = scrape(client)
    assert (
        sample(
            text,
            "django_http_responses_total_by_status_view_method_total",
            '{method="GET",status="200",view="healthz"}',
        )
        >= 1
    )
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text


@override_settings(BROKER_CONFIGURED=True)
def test_metrics_expose_the_broker_queue_depth(client: Client, private_redis):
    private_redis.start()
    with app_broker(private_redis.url):  # no worker consumes: the messages wait
        for demand_id in (1, 2, 3):
            assert enqueue_now("triage.score_change_request", demand_id)
        assert sample(scrape(client), "demanddesk_scoring_queue_depth") == 3


@override_settings(BROKER_CONFIGURED=True)
def test_a_hung_broker_leaves_the_queue_depth_out_but_the_scrape_answers(client: Client, private_redis):
    private_redis.start()
    with app_broker(private_redis.url):
        private_redis.freeze()  # hung until the fixture stops it: the scrape answers by its read timeout
        text = scrape(client)
    assert not re.search(r"^demanddesk_scoring_queue_depth ", text, re.MULTILINE)
    assert sample(text, "demanddesk_metric_read_ok", '{metric="demanddesk_scoring_queue_depth"}') == 0
    assert sample(text, "demanddesk_scoring_failed_tasks") == 0


def test_metrics_are_hidden_from_other_hosts_unless_staff():
    outsider = Client(REMOTE_ADDR="203.0.113.5")
    assert outsider.get("/metrics").status_code == 404
    outsider.force_login(UserFactory(username="ops", is_staff=True))
    assert outsider.get("/metrics").status_code == 200
    customer = Client(REMOTE_ADDR="203.0.113.6")
    customer.force_login(UserFactory(username="notstaff", is_staff=False))
    assert customer.get("/metrics").status_code == 404
