"""Intake: who asks (Customer), about what (Product), and the demand itself (ChangeRequest)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from intake.choices import (
    ANSWERABLE_STATUSES,
    ASKABLE_STATUSES,
    CUSTOMER_STATUS_LABELS,
    DECIDABLE_STATUSES,
    DECIDED_STATUSES,
    OPEN_STATUSES,
    TIMELINE_NOTES,
    TIMELINE_NUMBER_PARAMS,
    WITHDRAWABLE_STATUSES,
    Agenda,
    ChangeRequestKind,
    ChangeRequestStatus,
    Currency,
    CustomerTier,
    EventVisibility,
    ScoreBand,
)


class Customer(BaseModel):
    """An organization we sell to; its tier and revenue weigh in the score."""

    name = models.CharField(max_length=200, unique=True)
    tier = models.CharField(max_length=20, choices=CustomerTier.choices, default=CustomerTier.STANDARD)
    annual_recurring_revenue = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class CustomerDomain(models.Model):
    """An e-mail domain used by a customer's contacts; one domain belongs to one customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class Product(BaseModel):
    """A product line that demands are about, with the cost defaults used before an analyst estimates."""

    name = models.CharField(max_length=200, unique=True)
    product_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    default_day_rate = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("800"), validators=[MinValueValidator(Decimal("0"))]
    )
    default_effort_days = models.DecimalField(
        max_digits=8,
        decimal_places=1,
        default=Decimal("20"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Person-days assumed for a kind with no specific default below.",
    )
    default_yearly_run_cost = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("5000"), validators=[MinValueValidator(Decimal("0"))]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductKindDefault(models.Model):
    """A product's assumed cost for one kind of demand (an integration costs more than a tweak)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="kind_defaults")
    kind = models.CharField(max_length=20, choices=ChangeRequestKind.choices)
    effort_days = models.DecimalField(max_digits=8, decimal_places=1, validators=[MinValueValidator(Decimal("0"))])
    yearly_run_cost = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "kind"], name="product_kind_default_unique")]

    def __str__(self) -> str:
        return f"{self.product} / {self.get_kind_display()}"


class ChangeRequest(BaseModel):
    """A customer's demand to change or customize a product: the unit that flows through the pipeline."""

    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20_000)
    kind = models.CharField(max_length=20, choices=ChangeRequestKind.choices, default=ChangeRequestKind.CUSTOMIZATION)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="change_requests")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="change_requests"
    )
    organization_name = models.CharField(max_length=200, blank=True)
    contact_name = models.CharField(max_length=200)
    contact_email = models.EmailField()
    business_justification = models.TextField(max_length=10_000, blank=True)
    revenue_at_stake = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.EUR)
    desired_date = models.DateField(null=True, blank=True)
    agenda = models.CharField(max_length=2, choices=Agenda.choices, default=Agenda.BT)
    # The customer's language when filing (the page's): their e-mails are written in it.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    risk_shares_ip = models.BooleanField(_("needs our source code or IP shared with a third party"), default=False)
    risk_exclusive = models.BooleanField(_("exclusive to this customer"), default=False)
    risk_security = models.BooleanField(_("touches security or personal data"), default=False)
    status = models.CharField(
        max_length=20, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.SUBMITTED, db_index=True
    )
    # Only the SHA-256 of the tracking token is kept: the link in the customer's hands is the secret.
    tracking_token_hash = models.CharField(max_length=64, unique=True, editable=False)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    # The current score, denormalized by triage's scoring service so the queue sorts and filters
    # without joining the assessment history.
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True, editable=False)
    score_band = models.CharField(max_length=20, choices=ScoreBand.choices, blank=True, editable=False)
    score_is_provisional = models.BooleanField(default=True, editable=False)
    it_cost = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True, editable=False)
    value_total = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        editable=False,
        help_text="Revenue at stake with linked demands, in the base currency, as last scored.",
    )
    customers_asking = models.PositiveIntegerField(default=1, editable=False)
    scored_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the demand's scoring inputs change (filed, answered, estimated, linked...), cleared by the
    # scoring service in the same transaction as the new score: the work list a scoring worker batches from.
    scoring_requested_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        # Who the customer's contact is (name, e-mail) is personal data: not every role that reads demands sees it.
        permissions = [("view_contact_details", "Can see a demand's contact name and e-mail")]
        indexes = [
            models.Index(
                fields=["scoring_requested_at"],
                condition=Q(scoring_requested_at__isnull=False),
                name="cr_scoring_requested_idx",
            ),
            models.Index(fields=["-score", "-created_at"], name="cr_score_idx"),
            models.Index(fields=["status", "-score"], name="cr_status_score_idx"),
            # A band filter walks its band in the queue's order instead of skipping the bands above it.
            models.Index(fields=["score_band", "-score", "-created_at"], name="cr_band_score_idx"),
            models.Index(fields=["-created_at"], name="cr_created_idx"),
            models.Index(fields=["product", "-created_at"], name="cr_product_created_idx"),
            models.Index(fields=["-value_total"], name="cr_value_idx"),
            models.Index(fields=["-revenue_at_stake"], name="cr_revenue_idx"),
            models.Index(fields=["-it_cost"], name="cr_it_cost_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(revenue_at_stake__gte=0), name="cr_revenue_non_negative"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)), name="cr_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def customer_status_label(self) -> str:
        """The status as the customer reads it (intake.choices.CUSTOMER_STATUS_LABELS)."""
        return str(CUSTOMER_STATUS_LABELS[ChangeRequestStatus(self.status)])

    # The predicates pages, services and selectors ask of one demand; the sets are in intake/choices.py.
    @property
    def is_open(self) -> bool:
        """Waiting for a decision."""
        return self.status in OPEN_STATUSES

    @property
    def is_decided(self) -> bool:
        """A decision set the current status (approved, rejected or deferred)."""
        return self.status in DECIDED_STATUSES

    @property
    def is_approved(self) -> bool:
        return self.status == ChangeRequestStatus.APPROVED

    @property
    def is_decidable(self) -> bool:
        """The CIO may approve, reject or defer it now."""
        return self.status in DECIDABLE_STATUSES

    @property
    def can_be_asked(self) -> bool:
        """Triage may ask the customer a question now."""
        return self.status in ASKABLE_STATUSES

    @property
    def is_answerable(self) -> bool:
        """The customer owes an answer to triage's question."""
        return self.status in ANSWERABLE_STATUSES

    @property
    def is_withdrawable(self) -> bool:
        """The customer may still withdraw it."""
        return self.status in WITHDRAWABLE_STATUSES


class ReferenceCounter(models.Model):
    """The last reference number handed out per year; a row lock makes references sequential and unique."""

    year = models.PositiveIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class StatusEvent(models.Model):
    """One line of a demand's timeline: a status change or a note, who made it and for whom it is."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ChangeRequestStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ChangeRequestStatus.choices, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True, help_text="Who acted when it was not a staff user.")
    note = models.TextField(blank=True, max_length=10_000)
    # A line Demand Desk writes itself: a key of TIMELINE_NOTES and its parameters, written out when shown.
    note_key = models.CharField(max_length=40, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    visibility = models.CharField(max_length=10, choices=EventVisibility.choices, default=EventVisibility.CUSTOMER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["change_request", "created_at"], name="event_cr_created_idx")]

    def __str__(self) -> str:
        return f"{self.change_request_id}: {self.from_status or '-'} → {self.to_status or '-'}"

    @property
    def customer_status_label(self) -> str:
        return str(CUSTOMER_STATUS_LABELS[ChangeRequestStatus(self.to_status)]) if self.to_status else ""

    @property
    def note_shown(self) -> str:
        """The note in the active language: a keyed line is written from its parameters; typed text as typed."""
        if self.note_key not in TIMELINE_NOTES:
            return str(TIMELINE_NOTES["received"]) if self.note == "Demand received." else self.note
        params = {
            name: number_format(Decimal(str(value))) if name in TIMELINE_NUMBER_PARAMS else value
            for name, value in self.note_params.items()
        }
        return str(TIMELINE_NOTES[self.note_key]) % params

    @property
    def who(self) -> str:
        if self.actor is not None:
            return self.actor.get_full_name() or self.actor.get_username()
        return self.actor_label or "Demand Desk"


class SimilarDemand(models.Model):
    """An earlier demand that resembles this one; triage may link the two so they share value and breadth."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="similar_candidates")
    similar_to = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField()
    is_linked = models.BooleanField(default=False)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-similarity"]
        constraints = [
            models.UniqueConstraint(fields=["change_request", "similar_to"], name="similar_demand_unique"),
            models.CheckConstraint(condition=~Q(change_request=models.F("similar_to")), name="similar_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.change_request_id} ~ {self.similar_to_id} ({self.similarity:.2f})"


class Attachment(models.Model):
    """A file a customer sent with a demand: kept under a random name, served only through an access check."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="attachments")
    original_name = models.CharField(max_length=255, help_text="As the customer named it; shown escaped, never used.")
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    content_type = models.CharField(max_length=100, help_text="Detected from the content, not from the name.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]

    def __str__(self) -> str:
        return f"{self.change_request_id}: {self.original_name}"
