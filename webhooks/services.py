"""Webhook writes: registering endpoints, publishing events into the outbox, and delivering them.

Publishing happens inside the caller's transaction: the delivery rows commit (or roll back) with the
change they report, and each is sent by a task only after that commit. A delivery is attempted by
whoever claims it first (a row lock, then a claim time written on the row), so a task delivered twice,
the sweep and a redelivery never send one attempt twice at the same time. The HTTP call itself runs
outside any transaction: a slow receiver holds one worker for at most the timeout, and no lock.
"""

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.choices import AuditAction
from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.people import person_name
from core.services import audit_record
from webhooks import signing, transport
from webhooks.choices import PAUSE_REASONS, DeliveryStatus, EndpointStatus, EventType
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSubscription, secret_generate
from webhooks.selectors import SUBSCRIBED_CACHE_KEY, endpoints_receiving, event_types_subscribed
from webhooks.targets import address_refusal

logger = logging.getLogger(__name__)
DELIVER_TASK = "webhooks.deliver"
NOTIFY_PAUSED_TASK = "notifications.webhook_paused"  # tells the webhook managers (notifications app)
# Deliveries a resume sends at once; the periodic sweep sends any others.
RESUME_BATCH = 500


def _subscriptions_changed() -> None:
    """Forget which event types have endpoints: now for this transaction, and again once it commits."""
    cache.delete(SUBSCRIBED_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(SUBSCRIBED_CACHE_KEY))


def _audit(*, endpoint: WebhookEndpoint, actor: User | None, change: str, **details: object) -> None:
    """The audit line of an endpoint change; the secret is never part of it."""
    audit_record(
        action=AuditAction.WEBHOOK,
        actor=actor,
        username="" if actor is not None else "system",
        obj=endpoint,
        reference=endpoint.name,
        details={"change": change, "url": endpoint.url, **details},
    )


def _event_types_clean(event_types: Iterable[str]) -> list[str]:
    chosen = sorted(set(event_types))
    if not chosen:
        raise ApplicationError(_("Choose at least one event."))
    unknown = set(chosen) - set(EventType.values)
    if unknown:
        raise ApplicationError(_("Unknown events: %(events)s.") % {"events": ", ".join(sorted(unknown))})
    return chosen


@transaction.atomic
def webhook_endpoint_create(
    *, name: str, url: str, event_types: Iterable[str], created_by: User | None
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; returns it with its signing secret, which the pages show this once."""
    chosen = _event_types_clean(event_types)
    endpoint = WebhookEndpoint(name=name.strip(), url=url.strip(), created_by=created_by)
    endpoint.full_clean()
    endpoint.save()
    WebhookSubscription.objects.bulk_create(
        [WebhookSubscription(endpoint=endpoint, event_type=event_type) for event_type in chosen]
    )
    _subscriptions_changed()
    _audit(endpoint=endpoint, actor=created_by, change="created", events=chosen)
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_set_events(
    *, endpoint: WebhookEndpoint, event_types: Iterable[str], changed_by: User
) -> WebhookEndpoint:
    """Replace the events an endpoint receives; deliveries already written are kept."""
    chosen = _event_types_clean(event_types)
    WebhookSubscription.objects.filter(endpoint=endpoint).exclude(event_type__in=chosen).delete()
    WebhookSubscription.objects.bulk_create(
        [WebhookSubscription(endpoint=endpoint, event_type=event_type) for event_type in chosen],
        ignore_conflicts=True,
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(updated_at=timezone.now())
    _subscriptions_changed()
    _audit(endpoint=endpoint, actor=changed_by, change="events", events=chosen)
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, rotated_by: User) -> str:
    """Give the endpoint a new secret and return it; every later attempt, retries included, is signed with it."""
    secret = secret_generate()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret, updated_at=timezone.now())
    endpoint.secret = secret
    _audit(endpoint=endpoint, actor=rotated_by, change="secret_rotated")
    return secret


@transaction.atomic
def webhook_endpoint_pause(*, endpoint: WebhookEndpoint, paused_by: User) -> WebhookEndpoint:
    """Stop sending to an endpoint; its events are still written and wait until it is resumed."""
    now = timezone.now()
    params = {"user": person_name(paused_by)}
    moved = WebhookEndpoint.objects.filter(pk=endpoint.pk, status=EndpointStatus.ACTIVE).update(
        status=EndpointStatus.PAUSED,
        paused_reason=str(PAUSE_REASONS["paused_by"]) % params,
        paused_reason_key="paused_by",
        paused_reason_params=params,
        paused_at=now,
        updated_at=now,
    )
    if not moved:
        raise ApplicationError(_("Only an active endpoint can be paused."))
    endpoint.refresh_from_db()
    _audit(endpoint=endpoint, actor=paused_by, change="paused")
    enqueue_on_commit(NOTIFY_PAUSED_TASK, endpoint.pk, paused_by.pk)
    return endpoint


@transaction.atomic
def webhook_endpoint_resume(*, endpoint: WebhookEndpoint, resumed_by: User) -> WebhookEndpoint:
    """Send to a paused (or deactivated) endpoint again, starting with the events it held."""
    now = timezone.now()
    moved = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, status__in=(EndpointStatus.PAUSED, EndpointStatus.DEACTIVATED)
    ).update(
        status=EndpointStatus.ACTIVE,
        paused_reason="",
        paused_reason_key="",
        paused_at=None,
        consecutive_failures=0,
        updated_at=now,
    )
    if not moved:
        raise ApplicationError(_("This endpoint is already active."))
    held = (
        WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:RESUME_BATCH]
    )
    for delivery_id in held:
        enqueue_on_commit(DELIVER_TASK, delivery_id)
    endpoint.refresh_from_db()
    _subscriptions_changed()
    _audit(endpoint=endpoint, actor=resumed_by, change="resumed")
    return endpoint


@transaction.atomic
def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint, deactivated_by: User) -> WebhookEndpoint:
    """Stop an endpoint for good: no new events, pending ones cancelled; its history stays readable."""
    now = timezone.now()
    moved = (
        WebhookEndpoint.objects.filter(pk=endpoint.pk)
        .exclude(status=EndpointStatus.DEACTIVATED)
        .update(
            status=EndpointStatus.DEACTIVATED, paused_reason="", paused_reason_key="", paused_at=None, updated_at=now
        )
    )
    if not moved:
        raise ApplicationError(_("This endpoint is already deactivated."))
    cancelled = WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.CANCELLED, next_attempt_at=None, completed_at=now, updated_at=now
    )
    endpoint.refresh_from_db()
    _subscriptions_changed()
    _audit(endpoint=endpoint, actor=deactivated_by, change="deactivated", cancelled_deliveries=cancelled)
    return endpoint


def webhook_event_publish(*, event_type: str, payload: dict) -> list[int]:
    """Owe one delivery of this event to each endpoint receiving it; call it inside the change's transaction.

    The rows are the outbox: they commit or roll back with the caller's change, and each is sent by a
    task once that commits (the sweep sends any whose task was lost). An event type nobody subscribes
    to costs no query (see `event_types_subscribed`). Returns the new deliveries' ids.
    """
    return webhook_events_publish(event_type=event_type, payloads=[payload])


def webhook_events_publish(*, event_type: str, payloads: list[dict]) -> list[int]:
    """Several events of one type (a scoring batch's, say) in one read of the receivers and one insert."""
    if event_type not in EventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    if not payloads or event_type not in event_types_subscribed():
        return []
    receivers = endpoints_receiving(event_type=event_type)
    if not receivers:
        return []
    now = timezone.now()
    deliveries = []
    for payload in payloads:
        event_id = uuid.uuid4()
        # Stored exactly as it will be sent: decimals and dates become the strings the API would show.
        data = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
        deliveries += [
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event_id=event_id,
                event_type=event_type,
                payload=data,
                created_at=now,
                next_attempt_at=now,
            )
            for endpoint_id, _status in receivers
        ]
    deliveries = WebhookDelivery.objects.bulk_create(deliveries)
    statuses = dict(receivers)
    for delivery in deliveries:
        if statuses[delivery.endpoint_id] == EndpointStatus.ACTIVE:  # a paused endpoint's deliveries wait for it
            enqueue_on_commit(DELIVER_TASK, delivery.pk)
    return [delivery.pk for delivery in deliveries]


def retry_delay(*, delivery_id: int, failed_attempts: int) -> timedelta:
    """base × 2^(n−1) seconds after the n-th failed attempt, capped, plus up to 20 % jitter.

    The jitter spreads the retries of deliveries that failed together (an endpoint down for a while). It is
    taken from a hash of the delivery and the attempt number rather than drawn at random: as well spread, and
    a schedule can be recomputed and checked exactly.
    """
    base = settings.WEBHOOKS_BACKOFF_BASE_SECONDS * 2 ** max(failed_attempts - 1, 0)
    delay = min(base, settings.WEBHOOKS_BACKOFF_MAX_SECONDS)
    digest = hashlib.blake2b(f"{delivery_id}:{failed_attempts}".encode(), digest_size=4).digest()
    share = int.from_bytes(digest) / 2**32  # 0 ≤ share < 1
    return timedelta(seconds=delay + delay * 0.2 * share)


def _claim(delivery_id: int) -> tuple[WebhookDelivery, datetime] | None:
    """Take a due delivery for one attempt, or None when it is not due, not ours, done or held.

    The row lock (skipping a row someone else holds) makes the claim exclusive; the claim time written
    on the row keeps the sweep and duplicate tasks away while the HTTP call runs without any lock, and
    hands the delivery back to the sweep if this worker dies before recording the attempt.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(
                pk=delivery_id,
                status=DeliveryStatus.PENDING,
                next_attempt_at__lte=now,
                endpoint__status=EndpointStatus.ACTIVE,
            )
            .first()
        )
        if delivery is None:
            return None
        claimed_until = now + timedelta(seconds=2 * settings.WEBHOOKS_TIMEOUT_SECONDS + 60)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=claimed_until, updated_at=now)
    return delivery, claimed_until


def webhook_delivery_attempt(*, delivery_id: int) -> WebhookAttempt | None:
    """POST one due delivery once, record the attempt, and schedule the next one or close the delivery."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return None
    delivery, claimed_until = claimed
    endpoint = delivery.endpoint
    body = signing.body_for(
        event_id=str(delivery.event_id),
        event_type=delivery.event_type,
        created_at=delivery.created_at,
        payload=delivery.payload,
    )
    started = timezone.now()
    refusal = address_refusal(endpoint.url)
    if refusal:
        result = transport.PostResult(status_code=None, error=refusal[:300], duration_ms=0, body_excerpt="")
    else:
        timestamp = int(time.time())
        headers = signing.headers_for(
            event_type=delivery.event_type,
            delivery_id=delivery.pk,
            timestamp=timestamp,
            signature=signing.signature_for(secret=endpoint.secret, timestamp=timestamp, body=body),
        )
        result = transport.post(url=endpoint.url, body=body, headers=headers, timeout=settings.WEBHOOKS_TIMEOUT_SECONDS)
    return _attempt_record(delivery=delivery, claimed_until=claimed_until, started=started, result=result)


@transaction.atomic
def _attempt_record(
    *, delivery: WebhookDelivery, claimed_until: datetime, started: datetime, result: transport.PostResult
) -> WebhookAttempt:
    now = timezone.now()
    attempt = WebhookAttempt.objects.create(
        delivery=delivery,
        attempted_at=started,
        succeeded=result.succeeded,
        status_code=result.status_code,
        error=result.error,
        duration_ms=result.duration_ms,
        response_excerpt=result.body_excerpt,
    )
    first_attempt_at = delivery.first_attempt_at or started
    changes: dict[str, object] = {"attempt_count": F("attempt_count") + 1, "updated_at": now}
    ends_failed = False
    if result.succeeded:
        changes.update(status=DeliveryStatus.SUCCEEDED, next_attempt_at=None, completed_at=now)
    else:
        # Counted from the window's first attempt, so a redelivery starts again at the shortest delay.
        failed_in_window = WebhookAttempt.objects.filter(delivery=delivery, attempted_at__gte=first_attempt_at).count()
        next_attempt_at = now + retry_delay(delivery_id=delivery.pk, failed_attempts=failed_in_window)
        window_ends = first_attempt_at + timedelta(seconds=settings.WEBHOOKS_RETRY_WINDOW_SECONDS)
        if next_attempt_at > window_ends:
            ends_failed = True
            changes.update(status=DeliveryStatus.FAILED, next_attempt_at=None, completed_at=now)
        else:
            changes.update(next_attempt_at=next_attempt_at)
    # Only while our claim stands: a redelivery (or a deactivation) meanwhile has the last word on the schedule.
    ours = WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=claimed_until)
    if ours.update(first_attempt_at=first_attempt_at, **changes):
        if result.succeeded:
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, consecutive_failures__gt=0).update(
                consecutive_failures=0, updated_at=now
            )
        elif ends_failed:
            _failed_delivery_count(endpoint=delivery.endpoint, result=result)
    else:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(attempt_count=F("attempt_count") + 1)
    if not result.succeeded:
        # No secret, no body: which delivery, where, and what came back.
        logger.info(
            "webhook delivery %s to endpoint %s failed: %s",
            delivery.pk,
            delivery.endpoint_id,
            result.status_code or result.error,
        )
    return attempt


def _failed_delivery_count(*, endpoint: WebhookEndpoint, result: transport.PostResult) -> None:
    """One more delivery ended failed; enough in a row pause the endpoint, and staff see why."""
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, updated_at=now
    )
    limit = settings.WEBHOOKS_PAUSE_AFTER_FAILED_DELIVERIES
    last = f"HTTP {result.status_code}" if result.status_code is not None else result.error
    params = {"count": limit, "last": (last or "")[:200]}
    reason = str(PAUSE_REASONS["failures"]) % params
    paused = WebhookEndpoint.objects.filter(
        pk=endpoint.pk, status=EndpointStatus.ACTIVE, consecutive_failures__gte=limit
    ).update(
        status=EndpointStatus.PAUSED,
        paused_reason=reason[:300],
        paused_reason_key="failures",
        paused_reason_params=params,
        paused_at=now,
    )
    if paused:
        logger.warning("webhook endpoint %s paused after %s failed deliveries in a row", endpoint.pk, limit)
        _audit(endpoint=endpoint, actor=None, change="auto_paused", failed_deliveries=limit)
        enqueue_on_commit(NOTIFY_PAUSED_TASK, endpoint.pk, None)


PING_EVENT = "ping"


@transaction.atomic
def webhook_endpoint_ping(*, endpoint: WebhookEndpoint, requested_by: User) -> WebhookDelivery:
    """Send one `ping` event to this endpoint only, signed and retried like any delivery, to test a receiver."""
    if not endpoint.is_active:
        raise ApplicationError(_("Only an active endpoint can be pinged."))
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id=uuid.uuid4(),
        event_type=PING_EVENT,
        payload={"endpoint_id": endpoint.pk, "requested_by": requested_by.get_username()},
    )
    enqueue_on_commit(DELIVER_TASK, delivery.pk)
    _audit(endpoint=endpoint, actor=requested_by, change="pinged", delivery=delivery.pk)
    return delivery


@transaction.atomic
def webhook_delivery_redeliver(*, delivery: WebhookDelivery, requested_by: User) -> WebhookDelivery:
    """Send a delivery again, whatever became of it: it is due now, with a fresh retry window."""
    endpoint = delivery.endpoint
    if not endpoint.is_receiving:
        raise ApplicationError(_("This endpoint is deactivated; reactivate it before redelivering."))
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now, first_attempt_at=None, completed_at=None, updated_at=now
    )
    if endpoint.is_active:
        enqueue_on_commit(DELIVER_TASK, delivery.pk)
    _audit(endpoint=endpoint, actor=requested_by, change="redelivered", delivery=delivery.pk)
    delivery.refresh_from_db()
    return delivery
