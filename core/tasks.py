from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from core import services


# SMTP hiccups and database errors (a restart, a failover) are retried with backoff; past the last retry
# the sweep sends the e-mail again (up to 10 attempts in all).
@shared_task(
    name="core.send_email",
    acks_late=True,
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=8,
)
def send_email(email_id: int) -> bool:
    """Send one queued e-mail."""
    return services.outbound_email_send(email_id=email_id)


@shared_task(name="core.sweep_unsent_email", acks_late=True)
def sweep_unsent_email() -> int:
    """Re-enqueue e-mails that were never sent (e.g. the broker was down when they were queued)."""
    from datetime import timedelta

    from django.utils import timezone

    from core.enqueue import enqueue_now
    from core.models import OutboundEmail

    cutoff = timezone.now() - timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    ids = list(
        OutboundEmail.objects.filter(sent_at__isnull=True, created_at__lt=cutoff, attempts__lt=10)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )
    for email_id in ids:
        enqueue_now("core.send_email", email_id)
    return len(ids)


@shared_task(name="core.sweep_rate_counters", acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_rate_counters() -> int:
    """Delete rate-limit counters of windows long closed, so the table stays small."""
    from core.ratelimit import rate_counter_prune

    return rate_counter_prune()


@shared_task(name="core.audit_flush_anonymous", acks_late=True, soft_time_limit=50, time_limit=60)
def audit_flush_anonymous() -> int:
    """Turn closed windows of anonymous refusals into one audit row per client, with the count."""
    return services.audit_anonymous_flush()
