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


class RealizedKind(models.TextChoices):
    """What a project's monthly record realized: revenue won (the BT agenda) or cost taken out (the IT agenda)."""

    REVENUE = "revenue", _("Revenue won")
    SAVINGS = "savings", _("Cost taken out")


# The project's running total each kind of record moves.
REALIZED_TOTAL_FIELD = {RealizedKind.REVENUE: "realized_revenue", RealizedKind.SAVINGS: "realized_savings"}
