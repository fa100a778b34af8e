"""Triage: what IT thinks a demand costs, how it is scored, and what the CIO decided."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import BaseModel
from intake.models import ChangeRequest
from triage import scoring
from triage.choices import Confidence, DecisionOutcome, RescoreJobStatus, ScoreBand
from triage.quarters import is_quarter_start, quarter_label

_money: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}
_weight: dict[str, Any] = {
    "max_digits": 6,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
}
_share: dict[str, Any] = {
    "max_digits": 4,
    "decimal_places": 2,
    "validators": [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
}


class ScoringModel(BaseModel):
    """A versioned set of weights and thresholds; exactly one is active, and a used one is never edited."""

    version = models.PositiveIntegerField(unique=True)
    is_active = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True, help_text=_("What changed and why."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    weight_roi = models.DecimalField(_("return on IT cost weight"), default=Decimal("40"), **_weight)
    weight_revenue = models.DecimalField(_("revenue weight"), default=Decimal("20"), **_weight)
    weight_breadth = models.DecimalField(_("breadth weight"), default=Decimal("15"), **_weight)
    weight_urgency = models.DecimalField(_("urgency weight"), default=Decimal("10"), **_weight)
    weight_strategic = models.DecimalField(_("strategic fit weight"), default=Decimal("15"), **_weight)
    penalty_shares_ip = models.DecimalField(_("penalty: IP shared"), default=Decimal("15"), **_weight)
    penalty_exclusive = models.DecimalField(_("penalty: exclusive fork"), default=Decimal("10"), **_weight)
    penalty_security = models.DecimalField(_("penalty: security/personal data"), default=Decimal("5"), **_weight)
    roi_midpoint = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1.0"))
    roi_steepness = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1.0"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    revenue_floor = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("1000"), validators=[MinValueValidator(Decimal("1"))]
    )
    revenue_ceiling = models.DecimalField(
        max_digits=14, decimal_places=2, default=Decimal("10000000"), validators=[MinValueValidator(Decimal("2"))]
    )
    urgency_full_days = models.PositiveIntegerField(default=30)
    urgency_zero_days = models.PositiveIntegerField(default=365)
    horizon_years = models.DecimalField(
        max_digits=4, decimal_places=1, default=Decimal("3"), validators=[MinValueValidator(Decimal("0"))]
    )
    tier_strategic = models.DecimalField(default=Decimal("1"), **_share)
    tier_key = models.DecimalField(default=Decimal("0.6"), **_share)
    tier_standard = models.DecimalField(default=Decimal("0.3"), **_share)
    fast_track_threshold = models.DecimalField(default=Decimal("70"), **_weight)
    review_threshold = models.DecimalField(default=Decimal("40"), **_weight)
    # Model v2's value parts (scoring.py's module docstring says how they combine); 0 leaves a part unvalued, as in v1.
    weight_savings = models.DecimalField(_("savings weight"), default=Decimal("0"), **_weight)
    weight_risk = models.DecimalField(_("risk avoided weight"), default=Decimal("0"), **_weight)
    savings_years = models.DecimalField(
        _("years of savings counted"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
    )
    risk_cap = models.DecimalField(
        _("risk avoided counted up to"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Model v3's disclosure penalty (scoring.py's module docstring); 0 keeps the flat "shares IP" penalty, as v1, v2.
    penalty_disclosure = models.DecimalField(
        _("penalty: points per unit of disclosure exposure"), default=Decimal("0"), **_weight
    )
    penalty_disclosure_cap = models.DecimalField(_("penalty: disclosure at most"), default=Decimal("0"), **_weight)
    disclosure_uncovered_factor = models.DecimalField(
        _("disclosure not covered by an agreement weighs"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
    )

    WEIGHT_FIELDS = tuple(field for field in scoring.ScoringWeights.__dataclass_fields__)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_scoring_model"),
            models.CheckConstraint(
                condition=Q(revenue_ceiling__gt=models.F("revenue_floor")), name="scoring_revenue_range"
            ),
            models.CheckConstraint(
                condition=Q(urgency_zero_days__gt=models.F("urgency_full_days")), name="scoring_urgency_range"
            ),
            models.CheckConstraint(
                condition=Q(fast_track_threshold__gte=models.F("review_threshold")), name="scoring_band_order"
            ),
        ]
        permissions = [("activate_scoringmodel", "Can change the active scoring model")]

    def __str__(self) -> str:
        return f"v{self.version}{' (active)' if self.is_active else ''}"

    def weights(self) -> scoring.ScoringWeights:
        return scoring.ScoringWeights(**{name: getattr(self, name) for name in self.WEIGHT_FIELDS})


class CostEstimate(BaseModel):
    """An analyst's estimate of what a demand costs IT to build and run; the latest one counts."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="cost_estimates")
    effort_days = models.DecimalField(max_digits=8, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))])
    day_rate = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))])
    yearly_run_cost = models.DecimalField(**_money)
    confidence = models.CharField(max_length=10, choices=Confidence.choices, default=Confidence.MEDIUM)
    note = models.TextField(blank=True, max_length=5_000)
    estimated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["change_request", "-created_at"], name="estimate_cr_latest_idx")]

    def __str__(self) -> str:
        return f"{self.effort_days} days for {self.change_request_id}"


class Assessment(models.Model):
    """One computation of a demand's score: the model version, the inputs it used and each component's points."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="assessments")
    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="assessments")
    total = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
    )
    band = models.CharField(max_length=20, choices=ScoreBand.choices)
    is_provisional = models.BooleanField()
    it_cost = models.DecimalField(max_digits=16, decimal_places=2)
    components = models.JSONField()
    inputs = models.JSONField()
    inputs_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["change_request", "scoring_model", "inputs_hash"], name="assessment_once_per_inputs"
            ),
            models.CheckConstraint(condition=Q(total__gte=0) & Q(total__lte=100), name="assessment_total_in_range"),
        ]
        indexes = [models.Index(fields=["change_request", "-created_at"], name="assessment_cr_latest_idx")]

    def __str__(self) -> str:
        return f"{self.total} for {self.change_request_id} (model {self.scoring_model_id})"


class Decision(models.Model):
    """The CIO's decision on a demand, with the rationale and what the customer is told."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=DecisionOutcome.choices)
    rationale = models.TextField(max_length=5_000)
    customer_message = models.TextField(blank=True, max_length=5_000)
    defer_until = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        permissions = [
            ("decide_changerequest", "Can approve, reject or defer demands"),
            ("request_information", "Can ask a customer for more information"),
        ]
        # The capacity plan reads a quarter's approvals; decision-time statistics read months of decisions.
        indexes = [models.Index(fields=["outcome", "created_at"], name="decision_outcome_created_idx")]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.change_request_id}"


class RescoreJob(BaseModel):
    """Rescoring every open demand after a model change: progress the CIO's page reads."""

    scoring_model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="rescore_jobs")
    status = models.CharField(max_length=10, choices=RescoreJobStatus.choices, default=RescoreJobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Demands are rescored in primary-key order; a redelivered task resumes after this one.
    last_pk = models.BigIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"rescore v{self.scoring_model_id}: {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))

    @property
    def is_running(self) -> bool:
        return self.status in (RescoreJobStatus.QUEUED, RescoreJobStatus.RUNNING)


class ScoringFailure(models.Model):
    """A demand whose scoring kept failing after every retry: shown to staff, skipped by the sweep."""

    change_request = models.OneToOneField(ChangeRequest, on_delete=models.CASCADE, related_name="scoring_failure")
    error = models.TextField()
    attempts = models.PositiveIntegerField()
    failed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self) -> str:
        return f"scoring failed for {self.change_request_id}: {self.error[:60]}"


class DecisionTarget(models.Model):
    """How many days (clock paused while the customer owes an answer) a demand may wait for a decision."""

    scope = models.CharField(
        max_length=20,
        unique=True,
        choices=[
            ("agenda:bt", _("BT demands")),
            ("agenda:it", _("IT demands")),
            ("tier:strategic", _("Strategic customers")),
            ("tier:key", _("Key customers")),
            ("tier:standard", _("Standard customers")),
        ],
    )
    days = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(365)])

    class Meta:
        ordering = ["scope"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()}: {self.days} days"


def validate_quarter_start(day: date) -> None:
    if not is_quarter_start(day):
        raise ValidationError(_("A quarter starts on 1 January, 1 April, 1 July or 1 October."))


class QuarterCapacity(models.Model):
    """Person-days of new work the CIO may approve in a quarter; a change appends a row and the latest one counts.

    Rows are never edited, so the table is its own history of who set which capacity when. An empty
    `person_days` removes the quarter's capacity.
    """

    quarter_start = models.DateField(_("quarter"), validators=[validate_quarter_start])
    person_days = models.DecimalField(
        _("capacity (person-days)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    # The share of the quarter's capacity the CIO aims at the BT agenda (the rest is the IT agenda's), in percent.
    bt_share_target = models.DecimalField(
        _("BT share target (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quarter capacity")
        verbose_name_plural = _("quarter capacities")
        ordering = ["quarter_start", "-created_at", "-pk"]
        indexes = [models.Index(fields=["quarter_start", "-created_at"], name="capacity_quarter_latest_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(person_days__isnull=True) | Q(person_days__gte=0), name="capacity_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.person_days if self.person_days is not None else '-'}"

    @property
    def label(self) -> str:
        return quarter_label(self.quarter_start)


class SavedView(BaseModel):
    """A named set of queue filters and sort (a query string), private to its owner or shared with the team."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(_("name"), max_length=80)
    # Only the queue's own filter and sort parameters, normalized by triage.services.saved_view_create.
    query = models.CharField(max_length=2000, blank=True)
    is_shared = models.BooleanField(_("shared with the team"), default=False)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_owner_name_unique")]

    def __str__(self) -> str:
        return self.name


class SavedViewDefault(models.Model):
    """The view a staff member's queue opens with: one per user, theirs or one shared with them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    view = models.ForeignKey(SavedView, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.view_id}"


class QueuePreference(models.Model):
    """How one staff member likes the queue page: for now, whether its charts are collapsed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_preference")
    charts_collapsed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"queue preference of {self.user_id}"
