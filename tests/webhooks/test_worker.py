"""With a real Celery worker on Redis: a filed demand reaches its receivers, and failed attempts are retried."""

import json

import pytest
from django.test import Client

from core.enqueue import enqueue_now
from intake.models import ChangeRequest
from tests.factories import ProductFactory, form_data, webhook_endpoint
from tests.processes import wait_for
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_filed_demand_is_delivered_by_the_worker_and_retried_by_the_sweep_until_it_succeeds(
    celery_worker, start_receiver, quick_retries
):
    flaky = start_receiver(statuses=[500, 500, 200])
    steady = start_receiver()
    _endpoint, flaky.secret = webhook_endpoint(flaky.url, name="Flaky", events=("demand.submitted",))
    _endpoint, steady.secret = webhook_endpoint(steady.url, name="Steady", events=("demand.scored",))

    response = Client().post("/requests/new/", form_data(ProductFactory()))
    assert response.status_code == 302
    demand = ChangeRequest.objects.get()

    # The worker makes the first attempt on its own; the periodic sweep (sent here by hand, as beat would
    # every few seconds) enqueues each retry once it is due.
    def sweep_until_three_attempts() -> bool:
        enqueue_now("webhooks.sweep_due_deliveries")
        return len(flaky.received) >= 3

    wait_for(sweep_until_three_attempts, timeout=60, interval=0.3, message="three attempts at the flaky receiver")
    steady.wait_for(1)

    assert [request.answered for request in flaky.received] == [500, 500, 200]
    assert all(request.signature_valid for request in flaky.received + steady.received)
    assert json.loads(flaky.received[0].body)["data"]["reference"] == demand.reference
    scored = json.loads(steady.received[0].body)
    assert scored["type"] == "demand.scored" and scored["data"]["reference"] == demand.reference
    delivery = WebhookDelivery.objects.get(event_type="demand.submitted")

    def recorded() -> bool:  # the worker records the last attempt just after the receiver answered
        delivery.refresh_from_db()
        return delivery.status == "succeeded"

    wait_for(recorded, timeout=5, message="the last attempt recorded")
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 3)
