"""Delivery to a real HTTP receiver on 127.0.0.1: signatures, retries with backoff, failure, auto-pause, timeouts."""

import json
import threading
import time
from datetime import timedelta
from itertools import pairwise

import pytest
from django.db import connection
from django.utils import timezone

from config.celery import app
from tests.factories import webhook_endpoint
from tests.processes import wait_for
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.services import (
    retry_delay,
    webhook_delivery_redeliver,
    webhook_endpoint_resume,
    webhook_event_publish,
)

pytestmark = pytest.mark.django_db


def run_task(name: str, *args):
    """Run a registered task by name in this process, as the eager worker would, and return its result."""
    return app.signature(name, args=args).apply().get()


def publish(django_capture_on_commit_callbacks, event_type: str = "demand.submitted", **payload) -> WebhookDelivery:
    """Publish one event and let its after-commit delivery task run (eagerly, in this process)."""
    with django_capture_on_commit_callbacks(execute=True):
        (delivery_id,) = webhook_event_publish(event_type=event_type, payload=payload or {"reference": "CR-2026-00001"})
    return WebhookDelivery.objects.get(pk=delivery_id)


def make_due(delivery: WebhookDelivery) -> None:
    """Time passes: the next attempt is due now."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


@pytest.mark.embedded
def test_a_delivery_is_signed_and_its_receiver_verifies_it(django_capture_on_commit_callbacks, receiver):
    _endpoint, receiver.secret = webhook_endpoint(receiver.url)
    before = int(time.time())
    delivery = publish(django_capture_on_commit_callbacks, reference="CR-2026-00007", score="71.20")
    after = time.time()

    (request,) = receiver.received
    assert request.signature_valid
    assert request.headers["x-demanddesk-event"] == "demand.submitted"
    assert request.headers["x-demanddesk-delivery"] == str(delivery.pk)
    assert before <= int(request.headers["x-demanddesk-timestamp"]) <= after  # signed when it was sent
    body = json.loads(request.body)
    assert body["type"] == "demand.submitted" and body["id"] == str(delivery.event_id)
    assert body["data"] == {"reference": "CR-2026-00007", "score": "71.20"}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("succeeded", 1, None)
    (attempt,) = delivery.attempts.all()
    assert attempt.succeeded and attempt.status_code == 200 and attempt.response_excerpt == "ok"


def test_the_secret_never_reaches_the_audit_trail_or_the_logs(
    django_capture_on_commit_callbacks, start_receiver, caplog
):
    from core.models import AuditEvent

    receiver = start_receiver(statuses=[500, 200])
    endpoint, secret = webhook_endpoint(receiver.url)
    receiver.secret = secret
    delivery = publish(django_capture_on_commit_callbacks)
    make_due(delivery)
    run_task("webhooks.deliver", delivery.pk)
    assert [request.signature_valid for request in receiver.received] == [True, True]
    assert AuditEvent.objects.filter(action="webhook", object_id=str(endpoint.pk)).exists()
    assert secret not in json.dumps(list(AuditEvent.objects.values_list("details", flat=True)))
    assert secret not in caplog.text


@pytest.mark.embedded
def test_failed_attempts_are_retried_with_exponential_backoff_until_one_succeeds(
    django_capture_on_commit_callbacks, start_receiver, settings
):
    settings.WEBHOOKS_BACKOFF_BASE_SECONDS = 30
    receiver = start_receiver(statuses=[500, 503, 200])
    _endpoint, receiver.secret = webhook_endpoint(receiver.url)
    delivery = publish(django_capture_on_commit_callbacks)

    schedule = []
    for failed in (1, 2):
        delivery.refresh_from_db()
        # The next attempt is set when the failure is recorded (the row's updated_at), that long after it.
        delay = delivery.next_attempt_at - delivery.updated_at
        assert delay == retry_delay(delivery_id=delivery.pk, failed_attempts=failed)
        schedule.append(delay.total_seconds())
        assert run_task("webhooks.deliver", delivery.pk) == "skipped"  # not due yet: nothing is sent early
        make_due(delivery)
        assert run_task("webhooks.sweep_due_deliveries") == 1  # the sweep sends what is due
    # 30 s, then 60 s, each plus up to 20 % jitter.
    assert 30 <= schedule[0] <= 36 and 60 <= schedule[1] <= 72, schedule
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert [(a.status_code, a.succeeded) for a in delivery.attempts.all()] == [(500, False), (503, False), (200, True)]
    assert [request.answered for request in receiver.received] == [500, 503, 200]
    assert all(request.signature_valid for request in receiver.received)
    assert len({request.headers["x-demanddesk-delivery"] for request in receiver.received}) == 1
    assert len({request.body for request in receiver.received}) == 1  # the same bytes at every attempt


def test_the_retries_of_deliveries_that_failed_together_spread_over_a_fifth_of_the_delay(settings):
    settings.WEBHOOKS_BACKOFF_BASE_SECONDS = 30
    delays = [retry_delay(delivery_id=pk, failed_attempts=1).total_seconds() for pk in range(1, 201)]
    assert len(set(delays)) == 200 and 30 <= min(delays) < 31 and 35 < max(delays) < 36
    # The same delivery and attempt always get the same delay: a schedule can be checked exactly.
    assert retry_delay(delivery_id=7, failed_attempts=3) == retry_delay(delivery_id=7, failed_attempts=3)


def test_with_short_delays_the_sweep_alone_drives_retries_to_success(
    django_capture_on_commit_callbacks, start_receiver, quick_retries
):
    receiver = start_receiver(statuses=[500, 500, 200])
    _endpoint, receiver.secret = webhook_endpoint(receiver.url)
    delivery = publish(django_capture_on_commit_callbacks)

    def sweep_until_done() -> bool:
        run_task("webhooks.sweep_due_deliveries")
        delivery.refresh_from_db()
        return delivery.status != "pending"

    wait_for(sweep_until_done, timeout=10, interval=0.05, message="the sweep finishing the delivery")
    assert delivery.status == "succeeded" and delivery.attempt_count == 3
    attempts = list(delivery.attempts.all())
    gaps = [(later.attempted_at - earlier.attempted_at).total_seconds() for earlier, later in pairwise(attempts)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1, gaps


def test_a_delivery_still_failing_24_hours_after_its_first_attempt_is_marked_failed(
    django_capture_on_commit_callbacks, start_receiver, cio
):
    receiver = start_receiver(statuses=[500])
    endpoint, receiver.secret = webhook_endpoint(receiver.url)
    delivery = publish(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    # A day later, the first attempt is almost 24 hours old: the next failure is the last.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        first_attempt_at=timezone.now() - timedelta(hours=23, minutes=59), next_attempt_at=timezone.now()
    )
    assert run_task("webhooks.deliver", delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.next_attempt_at, delivery.attempt_count) == ("failed", None, 2)
    assert delivery.completed_at is not None
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 1 and endpoint.status == "active"
    assert run_task("webhooks.sweep_due_deliveries") == 0

    # Redelivered by hand, it gets a fresh 24 hours that start again at the shortest delay.
    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_redeliver(delivery=delivery, requested_by=cio)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, len(receiver.received)) == ("pending", 3, 3)
    delay = delivery.next_attempt_at - delivery.updated_at
    assert delay == retry_delay(delivery_id=delivery.pk, failed_attempts=1)
    assert 30 <= delay.total_seconds() <= 36


@pytest.mark.embedded
def test_n_failed_deliveries_in_a_row_pause_the_endpoint_which_holds_new_events_until_resumed(
    django_capture_on_commit_callbacks, start_receiver, settings, cio
):
    settings.WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES = 3
    settings.WEBHOOKS_RETRY_WINDOW_SECONDS = 0  # every failed attempt ends its delivery
    receiver = start_receiver(statuses=[500])
    endpoint, receiver.secret = webhook_endpoint(receiver.url)
    for number in range(3):
        publish(django_capture_on_commit_callbacks, reference=f"CR-{number}")
    endpoint.refresh_from_db()
    assert endpoint.status == "paused" and endpoint.consecutive_failures == 3
    assert "3 failed deliveries in a row" in endpoint.paused_reason and "HTTP 500" in endpoint.paused_reason

    held = publish(django_capture_on_commit_callbacks, reference="CR-held")
    assert len(receiver.received) == 3  # held, not sent...
    assert held.status == "pending" and held.attempt_count == 0  # ...and not dropped
    assert run_task("webhooks.sweep_due_deliveries") == 0

    receiver.statuses = [200]
    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_resume(endpoint=endpoint, resumed_by=cio)
    held.refresh_from_db()
    endpoint.refresh_from_db()
    assert held.status == "succeeded" and json.loads(receiver.received[-1].body)["data"]["reference"] == "CR-held"
    assert (endpoint.status, endpoint.consecutive_failures, endpoint.paused_reason) == ("active", 0, "")


def test_a_success_resets_the_count_of_failed_deliveries(django_capture_on_commit_callbacks, start_receiver, settings):
    settings.WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES = 2
    settings.WEBHOOKS_RETRY_WINDOW_SECONDS = 0
    receiver = start_receiver(statuses=[500, 200, 500])
    endpoint, receiver.secret = webhook_endpoint(receiver.url)
    for _ in range(3):
        publish(django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert (endpoint.status, endpoint.consecutive_failures) == ("active", 1)


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt(
    django_capture_on_commit_callbacks, start_receiver, settings
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver = start_receiver(hold=True)  # never answers while the test runs
    webhook_endpoint(receiver.url)
    delivery = publish(django_capture_on_commit_callbacks)
    # The attempt is over while the receiver still holds the request unanswered: the timeout ended it.
    assert (len(receiver.received), receiver.holding) == (1, 1)
    (attempt,) = delivery.attempts.all()
    assert not attempt.succeeded and attempt.status_code is None
    assert "timed out" in attempt.error
    assert attempt.duration_ms >= 250  # it waited out the timeout first
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()


def test_a_refused_connection_is_a_failed_attempt(django_capture_on_commit_callbacks, start_receiver):
    receiver = start_receiver()
    url = receiver.url
    receiver.stop()  # nobody listens on that port any more
    webhook_endpoint(url)
    delivery = publish(django_capture_on_commit_callbacks)
    (attempt,) = delivery.attempts.all()
    assert attempt.status_code is None and "refused" in attempt.error.lower()


def test_a_redirect_is_not_followed(django_capture_on_commit_callbacks, start_receiver):
    receiver = start_receiver(statuses=[302])
    webhook_endpoint(receiver.url)
    delivery = publish(django_capture_on_commit_callbacks)
    (attempt,) = delivery.attempts.all()
    assert (attempt.status_code, attempt.succeeded) == (302, False)
    assert [request.path for request in receiver.received] == ["/hooks/demand-desk"]


def test_a_host_that_is_no_longer_allowed_is_not_contacted(django_capture_on_commit_callbacks, receiver, settings):
    webhook_endpoint(receiver.url)
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = []  # e.g. production settings after a copy of the database
    delivery = publish(django_capture_on_commit_callbacks)
    (attempt,) = delivery.attempts.all()
    assert "non-public address" in attempt.error
    assert receiver.received == []


def test_running_the_task_twice_sends_once(django_capture_on_commit_callbacks, receiver):
    webhook_endpoint(receiver.url)
    delivery = publish(django_capture_on_commit_callbacks)
    assert run_task("webhooks.deliver", delivery.pk) == "skipped"
    assert len(receiver.received) == 1 and delivery.attempts.count() == 1


def test_a_paused_or_deactivated_endpoints_delivery_task_sends_nothing(django_capture_on_commit_callbacks, receiver):
    endpoint, _ = webhook_endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=False):
        (delivery_id,) = webhook_event_publish(event_type="demand.submitted", payload={})
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(status="paused")
    assert run_task("webhooks.deliver", delivery_id) == "skipped"
    assert receiver.received == []


def publish_without_sending() -> list[int]:
    """Publish while every endpoint is paused, so no task runs yet (in autocommit it would run at once)."""
    WebhookEndpoint.objects.update(status="paused")
    delivery_ids = webhook_event_publish(event_type="demand.submitted", payload={})
    WebhookEndpoint.objects.update(status="active")
    return delivery_ids


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_delivery_at_once_send_it_once(start_receiver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 60  # the receiver answers when the test releases it, never later
    receiver = start_receiver(hold=True)
    webhook_endpoint(receiver.url)
    (delivery_id,) = publish_without_sending()
    results: list[str] = []

    def worker() -> None:
        try:
            results.append(run_task("webhooks.deliver", delivery_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    # While one worker's request is in flight, the other two find the delivery claimed and skip it.
    wait_for(lambda: len(results) == 2, message="two of the three workers done")
    assert (results, receiver.holding) == (["skipped", "skipped"], 1)
    receiver.release()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["delivered", "skipped", "skipped"]
    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get(pk=delivery_id).attempts.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_endpoint_does_not_hold_up_another(start_receiver, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 60  # the slow receiver answers when the test releases it, never later
    slow = start_receiver(hold=True)
    fast = start_receiver()
    webhook_endpoint(slow.url, name="Slow")
    webhook_endpoint(fast.url, name="Fast")
    slow_id, fast_id = publish_without_sending()

    def deliver_slow() -> None:
        try:
            run_task("webhooks.deliver", slow_id)
        finally:
            connection.close()

    thread = threading.Thread(target=deliver_slow)
    thread.start()
    slow.wait_for(1)  # the slow receiver is now sitting on its request, and keeps it until released
    assert run_task("webhooks.deliver", fast_id) == "delivered"
    assert (len(fast.received), slow.holding) == (1, 1)  # delivered while the slow one still waits
    assert run_task("webhooks.sweep_due_deliveries") == 0  # the slow one is claimed, not due again
    slow.release()
    thread.join()
    assert WebhookDelivery.objects.get(pk=slow_id).status == "succeeded"
