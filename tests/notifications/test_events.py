"""Who is told of what, once, and never of their own action (notifications/events.py through its tasks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import OutboundEmail
from intake.choices import ChangeRequestStatus
from intake.models import ChangeRequest
from intake.services import change_request_answer
from notifications import events
from notifications.choices import NotificationEvent
from notifications.models import Notification
from tests.factories import CustomerFactory, ProductFactory, UserFactory, file_demand, webhook_endpoint
from triage.models import DecisionTarget
from triage.services import change_request_ask_information, scoring_model_create_version
from webhooks.services import webhook_endpoint_pause

pytestmark = pytest.mark.django_db


def told(event: str) -> set[str]:
    return set(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


def test_a_filed_demand_tells_its_product_and_account_managers_after_commit(django_capture_on_commit_callbacks):
    product_manager = UserFactory(username="pm-of-product", role="Analyst")
    account_manager = UserFactory(username="am-of-customer", role="Analyst")
    customer = CustomerFactory(name="Acme", account_manager=account_manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demand = file_demand(product=ProductFactory(product_manager=product_manager), contact_email="x@acme.example")
    assert demand.customer == customer
    assert not Notification.objects.exists()  # nothing before the demand is committed
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    assert told(NotificationEvent.DEMAND_FILED) == {"pm-of-product", "am-of-customer"}
    notification = Notification.objects.get(recipient=product_manager)
    assert notification.change_request == demand and notification.link == f"/triage/{demand.reference}/"
    assert OutboundEmail.objects.filter(to="pm-of-product@example.com", subject__contains=demand.reference).count() == 1


def test_a_retried_task_notifies_and_emails_nobody_twice(django_capture_on_commit_callbacks):
    product_manager = UserFactory(username="pm-twice", role="Analyst")
    demand = file_demand(product=ProductFactory(product_manager=product_manager))
    with django_capture_on_commit_callbacks(execute=True):
        first = events.demand_filed_notify(change_request_id=demand.pk)
        again = events.demand_filed_notify(change_request_id=demand.pk)
    assert (first, again) == (1, 0)
    assert Notification.objects.filter(recipient=product_manager).count() == 1
    assert OutboundEmail.objects.filter(to="pm-twice@example.com").count() == 1


def test_the_rule_owner_is_told_the_demand_is_theirs(django_capture_on_commit_callbacks):
    owner = UserFactory(username="rule-owner", role="Analyst")
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand(product=ProductFactory(default_owner=owner))
    assert demand.owner == owner
    assert told(NotificationEvent.ASSIGNED) == {"rule-owner"}


def test_a_customer_answer_tells_the_owner_and_who_asked(cio, django_capture_on_commit_callbacks):
    owner = UserFactory(username="answer-owner", role="Analyst")
    demand = file_demand(product=ProductFactory(default_owner=owner))
    change_request_ask_information(change_request=demand, question="Which SAP version?", asked_by=cio)
    demand.refresh_from_db()
    assert demand.status == ChangeRequestStatus.NEEDS_INFO
    with django_capture_on_commit_callbacks(execute=True):
        change_request_answer(change_request=demand, answer="S/4HANA 2023.")
    assert told(NotificationEvent.CUSTOMER_ANSWERED) == {"answer-owner", "cio"}


def test_pausing_an_endpoint_tells_the_other_webhook_managers_but_not_who_paused_it(
    cio, django_capture_on_commit_callbacks
):
    UserFactory(username="second-cio", role="CIO")
    UserFactory(username="an-analyst", role="Analyst")
    endpoint, _secret = webhook_endpoint("https://receiver.example/hook")
    with django_capture_on_commit_callbacks(execute=True):
        webhook_endpoint_pause(endpoint=endpoint, paused_by=cio)
    assert told(NotificationEvent.WEBHOOK_PAUSED) == {"second-cio"}
    assert Notification.objects.get().actor == cio


def test_a_finished_rescoring_job_tells_whoever_started_it(cio, django_capture_on_commit_callbacks):
    file_demand()
    with django_capture_on_commit_callbacks(execute=True):
        model = scoring_model_create_version(changes={}, note="v2", created_by=cio)
    job = model.rescore_jobs.get()
    job.refresh_from_db()
    assert job.status == "done"
    assert told(NotificationEvent.RESCORE_FINISHED) == {"cio"}
    notification = Notification.objects.get()
    assert (notification.link, notification.label) == ("/triage/scoring-model/", f"v{model.version}: 1/1")


def test_a_due_decision_is_told_once_per_state_however_often_the_sweep_runs(cio, django_capture_on_commit_callbacks):
    owner = UserFactory(username="due-owner", role="Analyst")
    DecisionTarget.objects.update_or_create(scope="agenda:bt", defaults={"days": 10})
    soon = file_demand(product=ProductFactory(default_owner=owner), title="Due soon")
    late = file_demand(title="Overdue")
    ChangeRequest.objects.filter(pk=soon.pk).update(created_at=timezone.now() - timedelta(days=9))
    ChangeRequest.objects.filter(pk=late.pk).update(created_at=timezone.now() - timedelta(days=11))
    with django_capture_on_commit_callbacks(execute=True):
        first = events.decisions_due_notify()
        second = events.decisions_due_notify()
    assert second == 0 and first == 3  # due soon: its owner and the CIO; overdue: the CIO
    assert told(NotificationEvent.DECISION_DUE_SOON) == {"due-owner", "cio"}
    assert told(NotificationEvent.DECISION_OVERDUE) == {"cio"}


def test_a_customer_comment_tells_the_owner_and_who_replied_and_a_note_tells_whom_it_mentions(
    cio, django_capture_on_commit_callbacks
):
    """The conversation (intake.conversation) signals each committed message; notifications.apps hears it."""
    from intake.conversation.services import comment_customer_add, comment_note_add, comment_reply_add

    owner = UserFactory(username="conv-owner", role="Analyst")
    replier = UserFactory(username="conv-replier", role="Analyst")
    with django_capture_on_commit_callbacks(execute=True):
        demand = file_demand(product=ProductFactory(default_owner=owner))
    with django_capture_on_commit_callbacks(execute=True):
        comment_reply_add(change_request=demand, author=replier, body="Which release do you run?")
    assert not Notification.objects.filter(event=NotificationEvent.CUSTOMER_COMMENTED).exists()  # staff told no staff
    with django_capture_on_commit_callbacks(execute=True):
        comment_customer_add(change_request=demand, body="ECC 6.0, and a file follows.")
    assert told(NotificationEvent.CUSTOMER_COMMENTED) == {"conv-owner", "conv-replier"}
    with django_capture_on_commit_callbacks(execute=True):
        comment_note_add(change_request=demand, author=replier, body="@cio worth a look; @conv-replier is me.")
    assert told(NotificationEvent.MENTIONED) == {"cio"}  # never the note's own author
    assert Notification.objects.get(event=NotificationEvent.MENTIONED).change_request == demand
