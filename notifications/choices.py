from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationEvent(models.TextChoices):
    """What a staff member is told about; the label is the notification's sentence."""

    DEMAND_FILED = "demand_filed", _("New demand for your product or customer account")
    CUSTOMER_ANSWERED = "customer_answered", _("The customer answered")
    CUSTOMER_COMMENTED = "customer_commented", _("The customer commented")
    MENTIONED = "mentioned", _("You were mentioned")
    ASSIGNED = "assigned", _("A demand was assigned to you")
    DECISION_DUE_SOON = "decision_due_soon", _("A decision is due soon")
    DECISION_OVERDUE = "decision_overdue", _("A decision is overdue")
    RESCORE_FINISHED = "rescore_finished", _("A rescoring job finished")
    WEBHOOK_PAUSED = "webhook_paused", _("A webhook endpoint was paused")


class EmailMode(models.TextChoices):
    """How a staff member wants their notifications by e-mail."""

    IMMEDIATE = "immediate", _("At once, one e-mail each")
    DIGEST = "digest", _("Once a day, in one digest")
    NONE = "none", _("Never: only in the app")


# The local hour (in the reader's time zone) from which the day's digest is sent.
DIGEST_HOUR = 8
