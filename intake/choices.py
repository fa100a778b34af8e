from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CustomerTier(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    KEY = "key", _("Key")
    STANDARD = "standard", _("Standard")


class CustomerKind(models.TextChoices):
    EXTERNAL = "external", _("External client")
    INTERNAL = "internal", _("Internal business unit")


class ValueType(models.TextChoices):
    """What a demand's value is made of: what the queue and the API filter on."""

    REVENUE = "revenue", _("Revenue at stake")
    SAVINGS = "savings", _("Savings")
    RISK = "risk", _("Risk avoided")
    NONE = "none", _("No value stated")


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


# The status sets: every rule about "which statuses" names one of these, here and only here, and
# ChangeRequest's predicates (is_open, is_decidable, can_be_asked...) read them. Triage's and portfolio's
# rules live here too when intake must know them (a later stage may import intake, never the reverse).

# Waiting for a decision: counted as open on every page, in every total and by rescoring.
OPEN_STATUSES = (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SCORED, ChangeRequestStatus.NEEDS_INFO)
CLOSED_STATUSES = (
    ChangeRequestStatus.APPROVED,
    ChangeRequestStatus.REJECTED,
    ChangeRequestStatus.DEFERRED,
    ChangeRequestStatus.WITHDRAWN,
)
# Set by a decision (the decision outcomes): the decision clock stops, the customer reads the decision message.
DECIDED_STATUSES = (ChangeRequestStatus.APPROVED, ChangeRequestStatus.REJECTED, ChangeRequestStatus.DEFERRED)
# The CIO may decide: an open demand, or a deferred one taken up again.
DECIDABLE_STATUSES = (*OPEN_STATUSES, ChangeRequestStatus.DEFERRED)
# Triage may ask the customer a question (not while one is already waiting for its answer).
ASKABLE_STATUSES = (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SCORED, ChangeRequestStatus.DEFERRED)
# The customer owes an answer: the tracking page asks for it and the decision clock is paused.
ANSWERABLE_STATUSES = (ChangeRequestStatus.NEEDS_INFO,)
# The customer may write on the demand's conversation (tracking page, e-mail): while it waits for a decision.
COMMENTABLE_STATUSES = OPEN_STATUSES
# The customer may withdraw: anything not finally decided.
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


class DeliveryStage(models.TextChoices):
    """What the customer reads of an approved demand once a project carries it; portfolio sets it
    (portfolio.choices.PROJECT_DELIVERY_STAGES maps each project status to one of these)."""

    PLANNED = "planned", pgettext_lazy("customer status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("customer status", "In progress")
    DELIVERED = "delivered", pgettext_lazy("customer status", "Delivered")
    CANCELLED = "cancelled", pgettext_lazy("customer status", "Cancelled")


class CommentKind(models.TextChoices):
    """Who wrote a message of a demand's conversation, and who may read it."""

    CUSTOMER = "customer", _("From the customer")
    REPLY = "reply", _("Reply to the customer")
    NOTE = "note", _("Internal note")


# What the customer reads on the tracking page and in e-mails: never a NOTE.
CUSTOMER_VISIBLE_COMMENT_KINDS = (CommentKind.CUSTOMER, CommentKind.REPLY)


class CommentSource(models.TextChoices):
    WEB = "web", _("Web page")
    EMAIL = "email", _("E-mail")


class InboundEmailOutcome(models.TextChoices):
    """What became of one e-mail read from the reply mailbox (each kept once, by its Message-ID)."""

    APPLIED = "applied", _("Added to the conversation")
    IGNORED = "ignored", _("Ignored (automatic reply or loop)")
    FORGED = "forged", _("Refused: unknown or forged reply address")
    REVIEW = "review", _("Kept for review")


# The timeline lines Demand Desk writes itself, by key: an event stores the key and its parameters, and the
# sentence is written in the reader's language when shown. Lines written before keys existed keep their text.
TIMELINE_NOTES = {
    "received": _("Demand received."),
    "score_computed": _("Scored %(total)s with model v%(version)s."),
    "estimated": _("Cost estimated: %(effort_days)s person-days at %(day_rate)s/day, %(yearly_run_cost)s/year to run."),
    "customer_set": _("Customer set to %(customer)s."),
    "linked": _("Linked with %(reference)s."),
    "unlinked": _("Unlinked from %(reference)s."),
    "rationale": _("Rationale: %(rationale)s"),
    "owner_set": _("Owner set to %(owner)s."),
    "owner_removed": _("Owner removed."),
    "disclosure_proposed": _("Disclosure plan v%(version)s proposed."),
    "disclosure_signed_off": _("Disclosure plan v%(version)s signed off."),
    "disclosure_refused": _("Disclosure plan v%(version)s refused: %(reason)s"),
}
# Parameters that are numbers, shown in the reader's number format ("48,43" in French).
TIMELINE_NUMBER_PARAMS = ("total", "effort_days", "day_rate", "yearly_run_cost")
