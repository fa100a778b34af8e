from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerTier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    STANDARD = "standard", _("Standard")


class ChangeRequestKind(models.TextChoices):
    CUSTOMIZATION = "customization", _("Customization of an existing feature")
    NEW_CAPABILITY = "new_capability", _("New capability")
    INTEGRATION = "integration", _("Integration with another system")
    COMPLIANCE = "compliance", _("Compliance or regulatory")
    OTHER = "other", _("Other")


class Agenda(models.TextChoices):
    BT = "bt", _("BT (customer-facing)")
    IT = "it", _("IT (internal)")


class Currency(models.TextChoices):
    EUR = "EUR", "EUR"
    USD = "USD", "USD"
    GBP = "GBP", "GBP"
    CHF = "CHF", "CHF"


class ChangeRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SCORED = "scored", _("Scored")
    NEEDS_INFO = "needs_info", _("Needs information")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DEFERRED = "deferred", _("Deferred")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SCORED, ChangeRequestStatus.NEEDS_INFO)
CLOSED_STATUSES = (
    ChangeRequestStatus.APPROVED,
    ChangeRequestStatus.REJECTED,
    ChangeRequestStatus.DEFERRED,
    ChangeRequestStatus.WITHDRAWN,
)
WITHDRAWABLE_STATUSES = (*OPEN_STATUSES, ChangeRequestStatus.DEFERRED)


class ScoreBand(models.TextChoices):
    FAST_TRACK = "fast_track", _("Fast-track")
    REVIEW = "review", _("Review")
    DECLINE = "decline", _("Decline suggested")


class EventVisibility(models.TextChoices):
    CUSTOMER = "customer", _("Shown to the customer")
    INTERNAL = "internal", _("Staff only")


# What the customer reads about each internal status: set here, and only here.
CUSTOMER_STATUS_LABELS = {
    ChangeRequestStatus.SUBMITTED: _("Under review"),
    ChangeRequestStatus.SCORED: _("Under review"),
    ChangeRequestStatus.NEEDS_INFO: _("We need information"),
    ChangeRequestStatus.APPROVED: _("Planned"),
    ChangeRequestStatus.REJECTED: _("Declined"),
    ChangeRequestStatus.DEFERRED: _("Deferred"),
    ChangeRequestStatus.WITHDRAWN: _("Withdrawn"),
}
