from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    DEMAND_SUBMITTED = "demand.submitted", _("A demand was filed")
    DEMAND_SCORED = "demand.scored", _("A demand's score or band changed")
    DEMAND_DECIDED = "demand.decided", _("A demand was decided")
    PROJECT_STATUS_CHANGED = "project.status_changed", _("A project's status changed")
    PROJECT_HEALTH_CHANGED = "project.health_changed", _("A project's health changed")


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
