from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from intake.choices import ChangeRequestStatus, ScoreBand

__all__ = [
    "DECISION_DONE_LABELS",
    "PIPELINE_ORDER",
    "Confidence",
    "DecisionOutcome",
    "QueueScope",
    "RescoreJobStatus",
    "ScoreBand",
]


class Confidence(models.TextChoices):
    LOW = "low", _("Low (±50 %)")
    MEDIUM = "medium", _("Medium (±25 %)")
    HIGH = "high", _("High (±10 %)")


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", _("Approve")
    REJECTED = "rejected", _("Reject")
    DEFERRED = "deferred", _("Defer")


# The outcome as something done to a demand, for sentences ("CR-2026-00004 was rejected."); the labels above are
# the buttons' verbs. French agrees with "la demande".
DECISION_DONE_LABELS = {
    DecisionOutcome.APPROVED: pgettext_lazy("a demand was", "approved"),
    DecisionOutcome.REJECTED: pgettext_lazy("a demand was", "rejected"),
    DecisionOutcome.DEFERRED: pgettext_lazy("a demand was", "deferred"),
}


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


class QueueScope(models.TextChoices):
    """Which demands the queue lists when no status is chosen: the work still to do, or everything."""

    OPEN = "open", _("Open")
    ALL = "all", _("All")
