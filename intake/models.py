"""Intake: who asks (Customer), about what (Product), and the demand itself (ChangeRequest)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from core.people import person_name
from intake.choices import (
    ANSWERABLE_STATUSES,
    ASKABLE_STATUSES,
    COMMENTABLE_STATUSES,
    CUSTOMER_STATUS_LABELS,
    CUSTOMER_VISIBLE_COMMENT_KINDS,
    DECIDABLE_STATUSES,
    DECIDED_STATUSES,
    OPEN_STATUSES,
    TIMELINE_NOTES,
    TIMELINE_NUMBER_PARAMS,
    WITHDRAWABLE_STATUSES,
    Agenda,
    ChangeRequestKind,
    ChangeRequestStatus,
    CommentKind,
    CommentSource,
    Currency,
    CustomerKind,
    CustomerTier,
    DeliveryStage,
    EventVisibility,
    InboundEmailOutcome,
    ScoreBand,
    ValueType,
)

# The sane limits of what a customer states about savings: beyond them a figure is a typing mistake.
SAVINGS_BOUNDS: dict[str, Decimal] = {
    "hours": Decimal("10000000"),  # ten million hours a year: some 6,000 full-time people
    "rate": Decimal("5000"),  # a loaded hour
    "amount": Decimal("1000000000"),  # a billion a year
    "volume": Decimal("10000000000"),  # ten billion transactions a year
    "unit_cost": Decimal("100000"),  # one transaction
    "savings": Decimal("100000000000000"),  # what the largest of the above can add up to
}


# The savings questions of the public form, in its order (the yearly savings are computed from all but the last).
SAVINGS_FIELDS = (
    "hours_saved_per_year",
    "loaded_hourly_rate",
    "licences_retired_per_year",
    "transactions_per_year",
    "cost_per_transaction_before",
    "cost_per_transaction_after",
    "risk_exposure_avoided",
)


def _bounded(bound: str) -> list:
    return [MinValueValidator(Decimal("0")), MaxValueValidator(SAVINGS_BOUNDS[bound])]


def value_types_of(*, revenue_at_stake: Decimal, yearly_savings: Decimal, risk_exposure_avoided: Decimal) -> list[str]:
    """What a demand's value is made of (intake.choices.ValueType): each kind with an amount, else `none`.

    Also applied to `values()` rows (triage.api.serializers.queue_list_json), so the API and the model agree."""
    types: list[str] = [
        value_type.value
        for value_type, amount in (
            (ValueType.REVENUE, revenue_at_stake),
            (ValueType.SAVINGS, yearly_savings),
            (ValueType.RISK, risk_exposure_avoided),
        )
        if amount > 0
    ]
    return types or [ValueType.NONE.value]


def yearly_savings_of(
    *,
    hours_saved_per_year: Decimal,
    loaded_hourly_rate: Decimal,
    licences_retired_per_year: Decimal,
    transactions_per_year: int,
    cost_per_transaction_before: Decimal,
    cost_per_transaction_after: Decimal,
) -> Decimal:
    """The yearly cost a change takes out: hours × loaded rate + licences retired + volume × cost saved per transaction.

    A transaction made dearer saves nothing here (the form refuses it); rounded half to even to the cent, as money is.
    """
    per_transaction = max(Decimal("0"), cost_per_transaction_before - cost_per_transaction_after)
    total = (
        hours_saved_per_year * loaded_hourly_rate + licences_retired_per_year + transactions_per_year * per_transaction
    )
    return Decimal(total).quantize(Decimal("0.01"))


def value_claim_errors(*, internal: bool, revenue_at_stake: Decimal, savings: dict[str, Decimal | int]) -> dict:
    """What is wrong with the value a contact states, field by field (empty when nothing is).

    An internal business unit saves costs and has no revenue at stake; an external client states revenue and
    its savings are not ours to count: either claim the wrong way round gets a message, never a silent zero.
    Hours need their loaded rate, transactions their cost before and after, and a change must not make a
    transaction dearer. The form, the API and `ChangeRequest.clean` all ask this one function.
    """
    errors: dict = {}
    stated = [name for name in SAVINGS_FIELDS if savings.get(name)]
    if internal and revenue_at_stake:
        errors["revenue_at_stake"] = _(
            "An internal business unit has no revenue at stake: tell us instead what the change saves each year."
        )
    if not internal:
        for name in stated:
            errors[name] = _(
                "Savings are asked of our own business units. As a customer, tell us the revenue at stake instead."
            )
        return errors
    hours, rate = savings.get("hours_saved_per_year"), savings.get("loaded_hourly_rate")
    if hours and not rate:
        errors["loaded_hourly_rate"] = _("Give the loaded cost of an hour too, so that the hours saved can be counted.")
    if rate and not hours:
        errors["hours_saved_per_year"] = _("Give the hours saved each year too, or leave the hourly cost empty.")
    volume = savings.get("transactions_per_year")
    before, after = savings.get("cost_per_transaction_before") or 0, savings.get("cost_per_transaction_after") or 0
    if volume and not before:
        errors["cost_per_transaction_before"] = _("Give what one transaction costs today, so that the saving is known.")
    if (before or after) and not volume:
        errors["transactions_per_year"] = _("Give how many transactions a year, or leave their costs empty.")
    if after > before:
        errors["cost_per_transaction_after"] = _(
            "This is more than a transaction costs today: the change would not save on transactions."
        )
    return errors


# Which demands have each type of value: the queue's and the API's filter (ChangeRequest.value_types says the same).
VALUE_TYPE_CONDITIONS: dict[str, Q] = {
    ValueType.REVENUE: Q(revenue_at_stake__gt=0),
    ValueType.SAVINGS: Q(yearly_savings__gt=0),
    ValueType.RISK: Q(risk_exposure_avoided__gt=0),
    ValueType.NONE: Q(revenue_at_stake=0, yearly_savings=0, risk_exposure_avoided=0),
}


class Customer(BaseModel):
    """Who a service is for: an external client, or an internal business unit; its tier weighs in the score."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.EXTERNAL)
    # An internal business unit is charged through its cost centre and sponsored by its head of unit.
    cost_centre = models.CharField(_("cost centre"), max_length=50, blank=True)
    sponsor_name = models.CharField(_("head of unit (sponsor)"), max_length=200, blank=True)
    value_notes = models.TextField(_("what this customer values"), max_length=5_000, blank=True)
    tier = models.CharField(max_length=20, choices=CustomerTier.choices, default=CustomerTier.STANDARD)
    annual_recurring_revenue = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=CustomerKind.INTERNAL) | (Q(cost_centre="") & Q(sponsor_name="")),
                name="customer_cost_centre_internal_only",
            ),
        ]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name

    @property
    def is_internal(self) -> bool:
        """An internal business unit: its demands are valued on savings, not revenue."""
        return self.kind == CustomerKind.INTERNAL


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
    # The ownership rule: a new demand for this product is owned by this analyst (triage may reassign it).
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The analyst who owns new demands for this product.",
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
    # The services catalogue: what one unit of the service's work is; its cost per unit is recorded over time.
    unit_of_work = models.CharField(
        _("unit of work"), max_length=100, blank=True, help_text=_("For example “invoices processed”.")
    )

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

    # reference, tracking_token_hash, idempotency_key: unique by Meta constraints, which (unlike unique=True on
    # PostgreSQL) add no second, LIKE-pattern index that every write of a row must also update.
    reference = models.CharField(max_length=20, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20_000)
    kind = models.CharField(max_length=20, choices=ChangeRequestKind.choices, default=ChangeRequestKind.CUSTOMIZATION)
    # No index of its own: cr_product_created_idx starts with it (likewise owner and status below).
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="change_requests", db_index=False)
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
    # What an internal business unit saves each year, in the demand's currency (SAVINGS_BOUNDS are the sane limits).
    hours_saved_per_year = models.DecimalField(
        _("hours saved per year"), max_digits=9, decimal_places=1, default=Decimal("0"), validators=_bounded("hours")
    )
    loaded_hourly_rate = models.DecimalField(
        _("loaded cost of an hour"), max_digits=8, decimal_places=2, default=Decimal("0"), validators=_bounded("rate")
    )
    licences_retired_per_year = models.DecimalField(
        _("licences retired (cost per year)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=_bounded("amount"),
    )
    transactions_per_year = models.PositiveBigIntegerField(
        _("transactions per year"), default=0, validators=_bounded("volume")
    )
    cost_per_transaction_before = models.DecimalField(
        _("cost per transaction today"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=_bounded("unit_cost"),
    )
    cost_per_transaction_after = models.DecimalField(
        _("cost per transaction after the change"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
        validators=_bounded("unit_cost"),
    )
    risk_exposure_avoided = models.DecimalField(
        _("risk or compliance exposure avoided"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=_bounded("amount"),
    )
    # yearly_savings_of(...) of the fields above, kept so that scoring, the queue and the what-if read one column.
    yearly_savings = models.DecimalField(
        max_digits=16, decimal_places=2, default=Decimal("0"), editable=False, validators=_bounded("savings")
    )
    desired_date = models.DateField(null=True, blank=True)
    agenda = models.CharField(max_length=2, choices=Agenda.choices, default=Agenda.BT)
    # The customer's language when filing (the page's): their e-mails are written in it.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    risk_shares_ip = models.BooleanField(_("needs our source code or IP shared with a third party"), default=False)
    risk_exclusive = models.BooleanField(_("exclusive to this customer"), default=False)
    risk_security = models.BooleanField(_("touches security or personal data"), default=False)
    status = models.CharField(max_length=20, choices=ChangeRequestStatus.choices, default=ChangeRequestStatus.SUBMITTED)
    # Only the SHA-256 of the tracking token is kept: the link in the customer's hands is the secret.
    tracking_token_hash = models.CharField(max_length=64, editable=False)
    # NULL when none was given: the unique constraint holds among the keys given.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001
    # For an approved demand: where its project stands, as the customer reads it (set by portfolio).
    delivery_stage = models.CharField(
        max_length=20, choices=DeliveryStage.choices, blank=True, db_default="", editable=False
    )
    # SHA-256 of the API request that first used the key: a replay with another body is refused, not answered
    # with this demand (blank for the public form, whose key is a one-time nonce).
    idempotency_fingerprint = models.CharField(max_length=64, blank=True, default="", editable=False)

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
    # When the customer wrote last with no staff reply since (intake.conversation): the queue's "customer replied".
    customer_replied_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the demand is filed, cleared by the similarity pass in the same transaction as the similar demands
    # it records: what a broker outage left undone, for the sweep to send again (intake.tasks.sweep_similarity_due).
    similarity_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The analyst who owns the demand: set by the product's rule at filing, changed by triage (with a timeline line).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_demands",
        editable=False,
        db_index=False,
    )

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
            models.Index(
                fields=["similarity_requested_at"],
                condition=Q(similarity_requested_at__isnull=False),
                name="cr_similarity_requested_idx",
            ),
            models.Index(fields=["-score", "-created_at"], name="cr_score_idx"),
            # The queue's default view (open demands, best first): walking cr_score_idx skipped every decided demand
            # above the first open one (19,000 rows, 45 ms at 1,000,000 demands); this one holds only open demands.
            models.Index(
                fields=["-score", "-created_at"], name="cr_open_score_idx", condition=Q(status__in=OPEN_STATUSES)
            ),
            models.Index(fields=["status", "-score"], name="cr_status_score_idx"),
            # A band filter walks its band in the queue's order instead of skipping the bands above it.
            models.Index(fields=["score_band", "-score", "-created_at"], name="cr_band_score_idx"),
            models.Index(fields=["-created_at"], name="cr_created_idx"),
            models.Index(fields=["product", "-created_at"], name="cr_product_created_idx"),
            models.Index(fields=["-value_total"], name="cr_value_idx"),
            models.Index(fields=["-revenue_at_stake"], name="cr_revenue_idx"),
            models.Index(fields=["-it_cost"], name="cr_it_cost_idx"),
            # "Lost your link?" finds a contact's demands by address, in any case (`contact_email__iexact`).
            models.Index(Upper("contact_email"), name="cr_contact_email_upper_idx"),
            models.Index(
                fields=["-customer_replied_at"],
                condition=Q(customer_replied_at__isnull=False),
                name="cr_customer_replied_idx",
            ),
            models.Index(fields=["owner", "-created_at"], name="cr_owner_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="cr_reference_unique"),
            models.UniqueConstraint(fields=["tracking_token_hash"], name="cr_tracking_token_hash_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], name="cr_idempotency_key_unique"),
            models.CheckConstraint(condition=Q(revenue_at_stake__gte=0), name="cr_revenue_non_negative"),
            models.CheckConstraint(
                condition=Q(yearly_savings__gte=0) & Q(risk_exposure_avoided__gte=0), name="cr_savings_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)), name="cr_score_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_internal(self) -> bool:
        """Filed for an internal business unit: the IT agenda, valued on the costs it takes out."""
        return self.agenda == Agenda.IT

    def clean(self) -> None:
        errors = value_claim_errors(
            internal=self.is_internal,
            revenue_at_stake=self.revenue_at_stake,
            savings={name: getattr(self, name) for name in SAVINGS_FIELDS},
        )
        if errors:
            raise ValidationError(errors)

    @property
    def value_types(self) -> list[str]:
        """What the demand's value is made of (intake.choices.ValueType), as the queue filters on it."""
        return value_types_of(
            revenue_at_stake=self.revenue_at_stake,
            yearly_savings=self.yearly_savings,
            risk_exposure_avoided=self.risk_exposure_avoided,
        )

    @property
    def customer_status_label(self) -> str:
        """The status as the customer reads it: an approved demand's follows its project (delivery_stage),
        any other status reads as intake.choices.CUSTOMER_STATUS_LABELS says."""
        if self.status == ChangeRequestStatus.APPROVED and self.delivery_stage:
            return str(DeliveryStage(self.delivery_stage).label)
        return str(CUSTOMER_STATUS_LABELS[ChangeRequestStatus(self.status)])

    @property
    def is_in_delivery(self) -> bool:
        """Approved and its project neither delivered nor cancelled: the customer sees the plan and progress."""
        return self.is_approved and self.delivery_stage not in (DeliveryStage.DELIVERED, DeliveryStage.CANCELLED)

    @property
    def is_delivered(self) -> bool:
        return self.delivery_stage == DeliveryStage.DELIVERED

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
    def accepts_comments(self) -> bool:
        """The customer may write on its conversation now."""
        return self.status in COMMENTABLE_STATUSES

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
    # Set on the entry that records an approved demand's project moving (started, delivered, cancelled).
    delivery_stage = models.CharField(max_length=20, choices=DeliveryStage.choices, blank=True, db_default="")
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
        if self.delivery_stage:
            return str(DeliveryStage(self.delivery_stage).label)
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
            return person_name(self.actor)
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
    # The message of the conversation it came with; none for the files sent with the form.
    comment = models.ForeignKey(
        "Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]

    def __str__(self) -> str:
        return f"{self.change_request_id}: {self.original_name}"


class Comment(models.Model):
    """One message of a demand's conversation: the customer's, a staff reply to them, or a staff-only note."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="comments")
    kind = models.CharField(max_length=10, choices=CommentKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200, blank=True, help_text="Who wrote it when not a staff user.")
    body = models.TextField(max_length=20_000)
    source = models.CharField(max_length=10, choices=CommentSource.choices, default=CommentSource.WEB)
    # The staff users an internal note @mentions (intake.conversation.services.comment_note_add).
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="comment_mentions")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["change_request", "created_at"], name="comment_cr_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=CommentKind.CUSTOMER) | Q(source=CommentSource.WEB), name="comment_email_from_customer"
            ),
            models.CheckConstraint(
                condition=~Q(kind=CommentKind.CUSTOMER) | Q(author__isnull=True), name="comment_customer_no_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.change_request_id}: {self.get_kind_display()}"

    @property
    def is_customer_visible(self) -> bool:
        return self.kind in CUSTOMER_VISIBLE_COMMENT_KINDS

    @property
    def who(self) -> str:
        if self.author is not None:
            return self.author.get_full_name() or self.author.get_username()
        return self.author_label or "Demand Desk"


class InboundEmail(models.Model):
    """One e-mail read from the reply mailbox, kept by its Message-ID so that none is processed twice."""

    message_id = models.CharField(max_length=255, unique=True)
    outcome = models.CharField(max_length=10, choices=InboundEmailOutcome.choices)
    change_request = models.ForeignKey(ChangeRequest, null=True, blank=True, on_delete=models.SET_NULL)
    comment = models.OneToOneField(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sender = models.CharField(max_length=320, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=InboundEmailOutcome.APPLIED) | Q(comment__isnull=False),
                name="inbound_applied_has_comment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id}: {self.outcome}"


class TrackingLink(models.Model):
    """A further private link to one demand, minted for one e-mail: only its SHA-256 is kept, like the first.

    The first link's hash stays on the demand (`ChangeRequest.tracking_token_hash`); every later e-mail
    (a status change, a receipt, a "Lost your link?" answer) carries a fresh token whose hash is a row here.
    Each link opens its one demand and nothing else.
    """

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="tracking_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.change_request_id}: link of {self.created_at:%Y-%m-%d}"
