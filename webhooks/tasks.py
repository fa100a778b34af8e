"""Thin Celery tasks: deliver one webhook by id; sweep up deliveries that are due."""

from celery import shared_task
from django.db import DatabaseError

from core.enqueue import enqueue_now
from webhooks import selectors, services


@shared_task(
    name="webhooks.deliver",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=25,
    time_limit=30,
)
def deliver(delivery_id: int) -> str:
    """Attempt one due delivery (a no-op when it is not due, held, done or claimed by another worker)."""
    attempt = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if attempt is None:
        return "skipped"
    return "delivered" if attempt.succeeded else "failed"


@shared_task(name="webhooks.sweep_due_deliveries", acks_late=True, soft_time_limit=25, time_limit=30)
def sweep_due_deliveries() -> int:
    """Enqueue deliveries whose next attempt is due: retries, and any whose task was lost with the broker."""
    ids = selectors.delivery_ids_due()
    for delivery_id in ids:
        enqueue_now(services.DELIVER_TASK, delivery_id)
    return len(ids)
