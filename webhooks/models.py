"""Webhooks: endpoints that staff register, and the outbox of deliveries made to them, with every attempt."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from webhooks.choices import PAUSE_REASONS, RECEIVING_STATUSES, DeliveryStatus, EndpointStatus, EventType
from webhooks.targets import validate_endpoint_url


def secret_generate() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(BaseModel):
    """A receiver URL, the events it subscribes to and the secret its deliveries are signed with."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=2000, validators=[validate_endpoint_url])
    # Kept in clear, unlike API tokens: signing needs the secret itself, a hash could not sign. It is shown
    # once (at creation or rotation), never logged and never written to the audit trail.
    secret = models.CharField(max_length=100, default=secret_generate, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=EndpointStatus.choices, default=EndpointStatus.ACTIVE)
    paused_reason = models.CharField(_("why paused"), max_length=300, blank=True)
    paused_reason_key = models.CharField(max_length=20, blank=True)
    paused_reason_params = models.JSONField(default=dict, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Deliveries that ended failed since the last success; enough of them in a row pause the endpoint.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        permissions = [("manage_webhookendpoint", "Can manage webhook endpoints")]

    def __str__(self) -> str:
        return f"{self.name} ({self.url})"

    @property
    def is_active(self) -> bool:
        """Deliveries go out now."""
        return self.status == EndpointStatus.ACTIVE

    @property
    def paused_reason_shown(self) -> str:
        """Why it is paused, in the reader's language when the reason was stored as a key."""
        if self.paused_reason_key in PAUSE_REASONS:
            return str(PAUSE_REASONS[self.paused_reason_key]) % self.paused_reason_params
        return self.paused_reason

    @property
    def is_paused(self) -> bool:
        """New events are held until it is resumed."""
        return self.status == EndpointStatus.PAUSED

    @property
    def is_receiving(self) -> bool:
        """Events are still owed to it (active or paused), unlike a deactivated endpoint."""
        return self.status in RECEIVING_STATUSES


class WebhookSubscription(models.Model):
    """One event type an endpoint receives."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="subscriptions")
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)

    class Meta:
        ordering = ["event_type"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_type"], name="webhook_subscription_unique"),
        ]
        indexes = [models.Index(fields=["event_type", "endpoint"], name="webhook_subscription_event_idx")]

    def __str__(self) -> str:
        return f"{self.endpoint_id}: {self.event_type}"


class WebhookDelivery(BaseModel):
    """One event owed to one endpoint: written with the change it reports (an outbox), sent by a task."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The same for every endpoint that receives the event, so a receiver can tell a redelivery from a new event.
    event_id = models.UUIDField(_("event id"))
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    # The retry window runs from the first attempt, not from the event: a paused endpoint's held events get theirs.
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=DeliveryStatus.PENDING) | Q(next_attempt_at__isnull=False),
                name="webhook_delivery_pending_has_due_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        """Not delivered yet, and not given up on: it has a next attempt."""
        return self.status == DeliveryStatus.PENDING


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, what came back (a status code or an error), how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["attempted_at", "pk"]
        indexes = [models.Index(fields=["delivery", "attempted_at"], name="webhook_attempt_delivery_idx")]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"
