"""Thin Celery tasks: each tells the people concerned of one event, after the change committed.

The stages enqueue these by name (core.enqueue.enqueue_on_commit), so none of them imports this app.
Every task is safe to run twice: `notify` is idempotent by its (recipient, key) constraint.
"""

from celery import shared_task
from django.contrib.auth.models import User
from django.db import DatabaseError

from intake.models import ChangeRequest
from notifications import events, services


@shared_task(
    name="notifications.demand_filed", acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=2, max_retries=5
)
def demand_filed(change_request_id: int) -> int:
    """Tell the managers of a new demand's product and customer, and its owner."""
    return events.demand_filed_notify(change_request_id=change_request_id)


@shared_task(
    name="notifications.customer_answered",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    max_retries=5,
)
def customer_answered(change_request_id: int, status_event_id: int) -> int:
    """Tell the owner and the asker that the customer answered."""
    return events.customer_answered_notify(change_request_id=change_request_id, status_event_id=status_event_id)


@shared_task(
    name="notifications.demand_assigned", acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=2, max_retries=5
)
def demand_assigned(change_request_id: int, status_event_id: int, owner_id: int, actor_id: int | None = None) -> int:
    """Tell a demand's new owner."""
    return events.demand_assigned_notify(
        change_request_id=change_request_id, status_event_id=status_event_id, owner_id=owner_id, actor_id=actor_id
    )


@shared_task(
    name="notifications.rescore_finished",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    max_retries=5,
)
def rescore_finished(job_id: int) -> int:
    """Tell whoever started a rescoring job that it is over."""
    return events.rescore_finished_notify(job_id=job_id)


@shared_task(
    name="notifications.webhook_paused", acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=2, max_retries=5
)
def webhook_paused(endpoint_id: int, actor_id: int | None = None) -> int:
    """Tell the webhook managers that an endpoint was paused."""
    return events.webhook_paused_notify(endpoint_id=endpoint_id, actor_id=actor_id)


@shared_task(
    name="notifications.comment_posted",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    max_retries=5,
)
def comment_posted(comment_id: int) -> int:
    """Tell the staff concerned by a new message of a conversation (the customer's, or a note's mentions)."""
    return events.comment_posted_notify(comment_id=comment_id)


@shared_task(
    name="notifications.notify", acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=2, max_retries=5
)
def notify(
    event: str, recipient_ids: list[int], key: str, change_request_id: int | None = None, actor_id: int | None = None
) -> int:
    """Any event, for the stages below this app that cannot call `services.notify` (comments, mentions…)."""
    return len(
        services.notify(
            event=event,
            recipients=recipient_ids,
            key=key,
            change_request=ChangeRequest.objects.filter(pk=change_request_id).first() if change_request_id else None,
            actor=User.objects.filter(pk=actor_id).first() if actor_id else None,
        )
    )


@shared_task(name="notifications.sweep_decisions_due", acks_late=True, soft_time_limit=300, time_limit=330)
def sweep_decisions_due() -> int:
    """Tell of each decision that became due soon or overdue (once per demand and state)."""
    return events.decisions_due_notify()


@shared_task(name="notifications.send_digests", acks_late=True, soft_time_limit=300, time_limit=330)
def send_digests() -> int:
    """Send the daily digests whose local hour has come."""
    return services.notification_digests_send()
