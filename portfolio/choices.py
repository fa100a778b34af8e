from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.choices import DeliveryStage


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


# A project under way may still take more demands (Project.is_open); a delivered or cancelled one is closed.
PROJECT_OPEN_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.ACTIVE, ProjectStatus.ON_HOLD)
PROJECT_CLOSED_STATUSES = (ProjectStatus.DELIVERED, ProjectStatus.CANCELLED)

# What a customer reads of their approved demand while a project in each status carries it.
PROJECT_DELIVERY_STAGES = {
    ProjectStatus.PLANNED: DeliveryStage.PLANNED,
    ProjectStatus.ACTIVE: DeliveryStage.IN_PROGRESS,
    ProjectStatus.ON_HOLD: DeliveryStage.IN_PROGRESS,
    ProjectStatus.DELIVERED: DeliveryStage.DELIVERED,
    ProjectStatus.CANCELLED: DeliveryStage.CANCELLED,
}


class Health(models.TextChoices):
    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")
