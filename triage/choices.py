from django.db import models
from django.utils.translation import gettext_lazy as _

from intake.choices import ChangeRequestStatus, ScoreBand

__all__ = ["PIPELINE_ORDER", "Confidence", "DecisionOutcome", "RescoreJobStatus", "ScoreBand"]


class Confidence(models.TextChoices):
    LOW = "low", _("Low (±50 %)")
    MEDIUM = "medium", _("Medium (±25 %)")
    HIGH = "high", _("High (±10 %)")


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("Approve")
    REJECTED = "rejected", _("Reject")
    DEFERRED = "deferred", _("Defer")


class RescoreJobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    SUPERSEDED = "superseded", _("Superseded by a newer model")
    FAILED = "failed", _("Failed")


# The order a demand moves through, as the queue's funnel chart draws it.
PIPELINE_ORDER = (
    ChangeRequestStatus.SUBMITTED,
    ChangeRequestStatus.SCORED,
    ChangeRequestStatus.NEEDS_INFO,
    ChangeRequestStatus.DEFERRED,
    ChangeRequestStatus.APPROVED,
    ChangeRequestStatus.REJECTED,
    ChangeRequestStatus.WITHDRAWN,
)


class BulkAction(models.TextChoices):
    """What staff can do to the demands they selected in the queue."""

    ASSIGN = "assign", _("Assign to an owner")
    ASK = "ask", _("Ask the customers for information")
    DEFER = "defer", _("Defer")
    EXPORT = "export", _("Export as CSV")


# The most demands one bulk action takes: each runs in its own transaction within the request.
BULK_LIMIT = 200
