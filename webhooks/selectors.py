"""Webhook reads: endpoints for the pages, deliveries with their attempts, and who subscribes to what."""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from webhooks.choices import RECEIVING_STATUSES, DeliveryStatus, EndpointStatus
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSubscription

SUBSCRIBED_CACHE_KEY = "webhooks:subscribed-event-types"


def event_types_subscribed() -> frozenset[str]:
    """The event types at least one active or paused endpoint receives, cached in this process.

    Publishing asks this first, so an event nobody subscribes to costs no SQL at all (filing a demand
    stays at its query budget). Every endpoint change clears the cache of the process that made it at
    once; other processes see the change within WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS.
    """
    subscribed = cache.get(SUBSCRIBED_CACHE_KEY)
    if subscribed is None:
        subscribed = frozenset(
            WebhookSubscription.objects.filter(endpoint__status__in=RECEIVING_STATUSES)
            .values_list("event_type", flat=True)
            .distinct()
        )
        cache.set(SUBSCRIBED_CACHE_KEY, subscribed, settings.WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS)
    return subscribed


def endpoints_receiving(*, event_type: str) -> list[tuple[int, str]]:
    """(id, status) of every endpoint that should get an event of this type now."""
    return list(
        WebhookEndpoint.objects.filter(subscriptions__event_type=event_type, status__in=RECEIVING_STATUSES)
        .order_by("pk")
        .values_list("pk", "status")
    )


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    """Endpoints with their events and their latest delivery's time; no per-row queries."""
    latest = WebhookDelivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    return (
        WebhookEndpoint.objects.annotate(last_delivery_at=Subquery(latest))
        .prefetch_related(Prefetch("subscriptions", queryset=WebhookSubscription.objects.order_by("event_type")))
        .order_by("name", "pk")
    )


def webhook_endpoint_detail(*, endpoint_id: int) -> WebhookEndpoint | None:
    return (
        WebhookEndpoint.objects.select_related("created_by")
        .prefetch_related(Prefetch("subscriptions", queryset=WebhookSubscription.objects.order_by("event_type")))
        .filter(pk=endpoint_id)
        .first()
    )


def delivery_counts(*, endpoint: WebhookEndpoint) -> dict[str, int]:
    """How many of the endpoint's deliveries are in each status, in one GROUP BY."""
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    rows = endpoint.deliveries.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    counts.update(dict(rows))
    return counts


def deliveries_with_attempts(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first, each with its attempts in order (one prefetch per page)."""
    return endpoint.deliveries.prefetch_related(
        Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("attempted_at", "pk"))
    ).order_by("-created_at", "-pk")


def delivery_ids_due(*, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come, of active endpoints (paused ones hold theirs), oldest due first."""
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=timezone.now(),
            endpoint__status=EndpointStatus.ACTIVE,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
