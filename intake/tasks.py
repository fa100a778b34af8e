"""Thin Celery tasks: load by id, call a service."""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from intake import selectors, services, similarity


# Database errors (a restart, a failover, a statement timeout) and broker hiccups are retried after 2, 4, 8...
# up to 120 s, jittered; past the last retry the due-mark stays and the sweep sends the demand again.
@shared_task(
    name="intake.find_similar_demands",
    acks_late=True,
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=6,
)
def find_similar_demands(change_request_id: int) -> int:
    """Record earlier demands that resemble this one, for triage to compare and link."""
    return similarity.similar_demands_record(change_request_id=change_request_id)


@shared_task(
    name="intake.send_tracking_links",
    acks_late=True,
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=True,
    max_retries=5,
)
def send_tracking_links(email: str, language: str | None = None) -> int:
    """Answer "Lost your link?": e-mail the address a fresh link to each of its open demands (if any)."""
    return services.tracking_links_send(email=email, language=language)


@shared_task(name="intake.poll_reply_mailbox", acks_late=True, soft_time_limit=25, time_limit=30)
def poll_reply_mailbox() -> dict:
    """Read customers' replies by e-mail into their demands' conversations (core.mailbox, then intake.conversation)."""
    from dataclasses import asdict

    from django.conf import settings

    from core.mailbox import mailbox_poll
    from intake.conversation.services import inbound_email_apply

    if not settings.INBOUND_EMAIL_URL:
        return {"skipped": True}
    return asdict(mailbox_poll(url=settings.INBOUND_EMAIL_URL, handler=lambda raw: inbound_email_apply(raw=raw)))


@shared_task(name="intake.sweep_similarity_due", acks_late=True)
def sweep_similarity_due() -> int:
    """Send again the similarity pass of demands still due; the safety net for a broker that was down."""
    ids = selectors.change_request_ids_similarity_due(older_than_seconds=settings.SWEEP_GRACE_SECONDS)
    services.similarity_due_resend(change_request_ids=ids)
    return len(ids)
