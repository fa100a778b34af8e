from django.db import models


class CustomerTier(models.TextChoices):
    STRATEGIC = "strategic", "Strategic"
    KEY = "key", "Key"
    STANDARD = "standard", "Standard"


class ChangeRequestKind(models.TextChoices):
    CUSTOMIZATION = "customization", "Customization of an existing feature"
    NEW_CAPABILITY = "new_capability", "New capability"
    INTEGRATION = "integration", "Integration with another system"
    COMPLIANCE = "compliance", "Compliance or regulatory"
    OTHER = "other", "Other"


class Agenda(models.TextChoices):
    BT = "bt", "BT (customer-facing)"
    IT = "it", "IT (internal)"


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    USD = "USD", "USD"
    GBP = "GBP", "GBP"
    CHF = "CHF", "CHF"


class ChangeRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    SCORED = "scored", "Scored"
    NEEDS_INFO = "needs_info", "Needs information"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DEFERRED = "deferred", "Deferred"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_STATUSES = (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SCORED, ChangeRequestStatus.NEEDS_INFO)
CLOSED_STATUSES = (
    ChangeRequestStatus.APPROVED,
    ChangeRequestStatus.REJECTED,
    ChangeRequestStatus.DEFERRED,
    ChangeRequestStatus.WITHDRAWN,
)
WITHDRAWABLE_STATUSES = (*OPEN_STATUSES, ChangeRequestStatus.DEFERRED)


class ScoreBand(models.TextChoices):
    FAST_TRACK = "fast_track", "Fast-track"
    REVIEW = "review", "Review"
    DECLINE = "decline", "Decline suggested"


class EventVisibility(models.TextChoices):
    CUSTOMER = "customer", "Shown to the customer"
    INTERNAL = "internal", "Staff only"


# What the customer reads about each internal status: set here, and only here.
CUSTOMER_STATUS_LABELS = {
    ChangeRequestStatus.SUBMITTED: "Under review",
    ChangeRequestStatus.SCORED: "Under review",
    ChangeRequestStatus.NEEDS_INFO: "We need information",
    ChangeRequestStatus.APPROVED: "Planned",
    ChangeRequestStatus.REJECTED: "Declined",
    ChangeRequestStatus.DEFERRED: "Deferred",
    ChangeRequestStatus.WITHDRAWN: "Withdrawn",
}
