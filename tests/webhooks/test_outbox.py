"""Publishing: one delivery row per receiving endpoint, written in the caller's transaction, sent after commit."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from intake.models import ChangeRequest
from portfolio.services import project_update, status_update_post
from tests.factories import ProjectFactory, UserFactory, file_demand, webhook_endpoint
from triage import services as triage_services
from triage.selectors import scoring_model_active
from webhooks.choices import EventType
from webhooks.models import WebhookDelivery
from webhooks.selectors import event_types_subscribed
from webhooks.services import (
    webhook_endpoint_deactivate,
    webhook_endpoint_pause,
    webhook_endpoint_set_events,
    webhook_event_publish,
)

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hook"  # the discard port: nothing in these tests is sent
ALL_EVENTS = tuple(EventType.values)


def deliveries(event_type: str) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(event_type=event_type).select_related("endpoint").order_by("pk"))


def test_an_event_nobody_subscribes_to_costs_one_query_per_cache_period_then_none():
    with CaptureQueriesContext(connection) as cold:
        assert webhook_event_publish(event_type="demand.submitted", payload={"reference": "CR-1"}) == []
    with CaptureQueriesContext(connection) as warm:
        assert webhook_event_publish(event_type="demand.submitted", payload={"reference": "CR-2"}) == []
    assert (len(cold), len(warm)) == (1, 0)
    assert "webhooks_webhooksubscription" in cold[0]["sql"]
    assert not WebhookDelivery.objects.exists()


def test_a_new_endpoint_is_seen_at_once_by_the_process_that_registered_it():
    assert event_types_subscribed() == frozenset()
    webhook_endpoint(URL, events=("demand.decided", "demand.scored"))
    assert event_types_subscribed() == {"demand.decided", "demand.scored"}
    assert len(webhook_event_publish(event_type="demand.scored", payload={})) == 1


@pytest.mark.embedded
def test_a_rolled_back_change_leaves_no_delivery_and_enqueues_nothing(django_capture_on_commit_callbacks):
    webhook_endpoint(URL)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        file_demand()
        assert WebhookDelivery.objects.count() == 1  # written with the demand...
        raise RuntimeError("the request failed after filing")
    assert WebhookDelivery.objects.count() == 0  # ...and gone with it
    assert callbacks == []


@pytest.mark.embedded
def test_a_committed_event_owes_one_delivery_to_each_receiving_endpoint(django_capture_on_commit_callbacks):
    submitted, _ = webhook_endpoint(URL, name="A", events=("demand.submitted",))
    both, _ = webhook_endpoint(URL, name="B", events=("demand.submitted", "demand.decided"))
    webhook_endpoint(URL, name="Not subscribed", events=("demand.decided",))
    paused, _ = webhook_endpoint(URL, name="Paused", events=("demand.submitted",))
    gone, _ = webhook_endpoint(URL, name="Deactivated", events=("demand.submitted",))
    cio = UserFactory(username="cio", role="CIO")
    webhook_endpoint_pause(endpoint=paused, paused_by=cio)
    webhook_endpoint_deactivate(endpoint=gone, deactivated_by=cio)

    with django_capture_on_commit_callbacks() as callbacks:
        demand = file_demand()
    owed = deliveries("demand.submitted")
    assert [delivery.endpoint.name for delivery in owed] == ["A", "B", "Paused"]
    assert len({delivery.event_id for delivery in owed}) == 1  # one event, three deliveries
    assert all(delivery.status == "pending" and delivery.payload["reference"] == demand.reference for delivery in owed)
    # Scoring, similarity, the e-mail and the staff notifications, plus one delivery task per active endpoint: the
    # paused one's waits.
    assert len(callbacks) == 4 + 2
    assert {submitted.pk, both.pk} < {delivery.endpoint_id for delivery in owed}


def test_changing_an_endpoints_events_changes_what_it_receives(cio):
    endpoint, _ = webhook_endpoint(URL, events=("demand.submitted",))
    webhook_endpoint_set_events(endpoint=endpoint, event_types=["project.status_changed"], changed_by=cio)
    file_demand()
    assert not WebhookDelivery.objects.exists()
    assert list(endpoint.subscriptions.values_list("event_type", flat=True)) == ["project.status_changed"]


def test_a_filed_demand_tells_receivers_what_was_asked_but_not_who_asked():
    webhook_endpoint(URL)
    demand = file_demand(revenue_at_stake=Decimal("125000.50"), contact_email="maria.rossi@unknown-org.example")
    (delivery,) = deliveries("demand.submitted")
    payload = delivery.payload
    assert payload["reference"] == demand.reference and payload["title"] == demand.title
    assert payload["revenue_at_stake"] == "125000.50"  # as the API writes money
    assert payload["url"].endswith(f"/triage/{demand.reference}/")
    assert "maria" not in str(payload).lower() and "contact" not in str(payload)


@pytest.mark.parametrize(
    ("typed", "sent"), [(Decimal("40000"), "40000.00"), (Decimal("0"), "0.00"), (Decimal("7.5"), "7.50")]
)
def test_money_in_a_payload_has_two_decimals_and_its_currency_whatever_was_typed(typed, sent):
    webhook_endpoint(URL)
    file_demand(revenue_at_stake=typed, currency="CHF")
    (delivery,) = deliveries("demand.submitted")
    assert (delivery.payload["revenue_at_stake"], delivery.payload["currency"]) == (sent, "CHF")


def test_scoring_publishes_only_when_the_score_or_band_changes(django_capture_on_commit_callbacks, analyst):
    webhook_endpoint(URL, events=("demand.scored",))
    demand = file_demand()
    triage_services.assessment_compute(change_request_id=demand.pk)
    (first,) = deliveries("demand.scored")
    assert first.payload["previous_score"] is None and first.payload["status"] == "scored"
    assert first.payload["score"] == str(ChangeRequest.objects.get(pk=demand.pk).score)

    triage_services.assessment_compute(change_request_id=demand.pk)  # same inputs, same score
    assert len(deliveries("demand.scored")) == 1

    triage_services.cost_estimate_create(
        change_request=demand,
        effort_days=Decimal("400"),
        day_rate=Decimal("1500"),
        yearly_run_cost=Decimal("90000"),
        confidence="high",
        estimated_by=analyst,
    )
    triage_services.assessment_compute(change_request_id=demand.pk)
    second = deliveries("demand.scored")[1]
    assert second.payload["previous_score"] == first.payload["score"]
    assert Decimal(second.payload["score"]) < Decimal(first.payload["score"])


def test_a_scoring_batch_publishes_one_event_per_demand_in_a_fixed_number_of_statements():
    webhook_endpoint(URL, events=("demand.scored",))

    def statements(count: int) -> int:
        demands = [file_demand(title=f"Batch demand number {index}") for index in range(count)]
        with CaptureQueriesContext(connection) as queries:
            scored = triage_services.assessments_compute_requested(change_request_id=demands[0].pk, batch_size=count)
        assert len(scored) == count
        return len(queries)

    assert statements(2) == statements(6)
    events = deliveries("demand.scored")
    assert len(events) == 8 and len({delivery.event_id for delivery in events}) == 8


def test_bulk_rescoring_after_a_model_change_publishes_no_score_events(cio):
    webhook_endpoint(URL, events=("demand.scored",))
    demands = [file_demand(title=f"Demand {n}") for n in range(3)]
    for demand in demands:
        triage_services.assessment_compute(change_request_id=demand.pk)
    assert len(deliveries("demand.scored")) == 3
    before = dict(ChangeRequest.objects.values_list("pk", "score"))
    model = triage_services.scoring_model_create_version(changes={"weight_revenue": 5}, note="", created_by=cio)
    job = model.rescore_jobs.get()
    assert triage_services.rescore_job_run(job_id=job.pk) is True
    assert scoring_model_active() == model
    assert dict(ChangeRequest.objects.values_list("pk", "score")) != before  # the scores did move
    assert len(deliveries("demand.scored")) == 3


def test_a_decision_publishes_demand_decided(cio):
    webhook_endpoint(URL, events=("demand.decided",))
    demand = file_demand()
    triage_services.decision_record(
        change_request=demand, outcome="rejected", rationale="Too narrow.", customer_message="Sorry.", decided_by=cio
    )
    (delivery,) = deliveries("demand.decided")
    assert delivery.payload["outcome"] == "rejected" and delivery.payload["status"] == "rejected"
    assert delivery.payload["reference"] == demand.reference


def test_project_status_and_health_changes_publish_only_real_changes(portfolio_manager):
    webhook_endpoint(URL, events=("project.status_changed", "project.health_changed"))
    project = ProjectFactory(code="BT-0100")
    project_update(project=project, status="active", progress=10)
    project_update(project=project, progress=20)  # status unchanged
    status_update_post(project=project, author=portfolio_manager, health="amber", note="Vendor is late.")
    status_update_post(project=project, author=portfolio_manager, health="amber", note="Still late.")
    (status,) = deliveries("project.status_changed")
    (health,) = deliveries("project.health_changed")
    assert (status.payload["code"], status.payload["previous_status"], status.payload["status"]) == (
        "BT-0100",
        "planned",
        "active",
    )
    assert (health.payload["previous_health"], health.payload["health"]) == ("green", "amber")


def test_a_bound_progress_form_does_not_hide_a_status_change(portfolio_manager, client):
    """The form writes its values onto the instance first; the service compares with the row."""
    webhook_endpoint(URL, events=("project.status_changed",))
    ProjectFactory(code="BT-0101")
    client.force_login(portfolio_manager)
    form = {"status": "on_hold", "progress": "0", "actual_spend": "0", "realized_revenue": "0"}
    assert client.post("/portfolio/BT-0101/progress/", form).status_code == 302
    (delivery,) = deliveries("project.status_changed")
    assert (delivery.payload["previous_status"], delivery.payload["status"]) == ("planned", "on_hold")


def test_publishing_an_unknown_event_type_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown webhook event type"):
        webhook_event_publish(event_type="demand.eaten", payload={})
