from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    DEMAND_SUBMITTED = "demand.submitted", _("A demand was filed")
    DEMAND_SCORED = "demand.scored", _("A demand's score or band changed")
    DEMAND_DECIDED = "demand.decided", _("A demand was decided")
    PROJECT_STATUS_CHANGED = "project.status_changed", _("A project's status changed")
    PROJECT_HEALTH_CHANGED = "project.health_changed", _("A project's health changed")
    DISCLOSURE_SIGNED_OFF = "disclosure.signed_off", _("A demand's disclosure plan was signed off")
    DISCLOSURE_OUTSIDE_PLAN = "disclosure.outside_plan", _("A handover outside the signed plan was accepted")


class EndpointStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    DEACTIVATED = "deactivated", _("Deactivated")


# Paused endpoints keep receiving events (held, sent once resumed); deactivated ones receive nothing.
RECEIVING_STATUSES = (EndpointStatus.ACTIVE, EndpointStatus.PAUSED)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Why an endpoint is paused, by key: the endpoint stores the key and its parameters, and staff read the sentence
# in their own language (the stored `paused_reason` text is the pauser's language, kept for rows before keys).
PAUSE_REASONS = {
    "paused_by": _("Paused by %(user)s."),
    "failures": _("Paused automatically after %(count)s failed deliveries in a row (last: %(last)s)."),
}
