"""Portfolio: approved demands tracked as business-technology (BT) projects."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.models import BaseModel
from intake.choices import Agenda
from intake.models import ChangeRequest, Customer, Product
from partners.choices import DisclosureDepth
from partners.models import Agreement, Partner, ProductComponent
from portfolio.choices import PROJECT_OPEN_STATUSES, Health, ProjectStatus, RealizedKind

_money: dict[str, Any] = {
    "max_digits": 16,
    "decimal_places": 2,
    "default": Decimal("0"),
    "validators": [MinValueValidator(Decimal("0"))],
}


class ProjectCounter(models.Model):
    """The last project number handed out; locked while a code is taken, so codes never repeat."""

    name = models.CharField(max_length=20, primary_key=True, default="project")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_number}"


# The core.DataVersion that statement-level triggers bump on any write to the projects, their sponsors, customers and
# users (migrations 0004 and 0040): what the project list's ETag and the portfolio page's totals are kept by.
PROJECTS_DATA_VERSION = "projects"


class Project(BaseModel):
    """A BT project delivering one or more approved demands, with its budget, health and progress."""

    code = models.CharField(max_length=12, unique=True, editable=False)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_projects"
    )
    agenda = models.CharField(max_length=2, choices=Agenda.choices, default=Agenda.BT)
    status = models.CharField(max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    health = models.CharField(max_length=10, choices=Health.choices, default=Health.GREEN)
    approved_budget = models.DecimalField(**_money)
    actual_spend = models.DecimalField(**_money)
    start_date = models.DateField(null=True, blank=True)
    target_date = models.DateField(null=True, blank=True)
    expected_revenue = models.DecimalField(**_money)
    realized_revenue = models.DecimalField(
        help_text=_("The sum of the project's monthly revenue records; it moves only with a new record."), **_money
    )
    realized_savings = models.DecimalField(
        _("realized savings"),
        help_text=_("The sum of the project's monthly savings records: the cost it took out."),
        **_money,
    )
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text="Percent complete."
    )
    demands = models.ManyToManyField(ChangeRequest, through="ProjectDemand", related_name="projects")
    # An IT-agenda project states the cost per unit of work it aims its service at (base currency).
    target_unit_cost = models.DecimalField(
        _("target cost per unit"),
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    sponsors = models.ManyToManyField(Customer, blank=True, related_name="sponsored_projects")

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["updated_at", "id"], name="project_updated_idx"),
            models.Index(fields=["status", "health"], name="project_status_health_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="project_progress_max_100"),
            # The sum of the revenue history, corrections included, never goes below zero.
            models.CheckConstraint(condition=Q(realized_revenue__gte=0), name="project_realized_revenue_non_negative"),
            models.CheckConstraint(condition=Q(realized_savings__gte=0), name="project_realized_savings_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_open(self) -> bool:
        """Still under way, so it may take more demands."""
        return self.status in PROJECT_OPEN_STATUSES

    @property
    def budget_burn(self) -> Decimal | None:
        """Actual spend as a share of the approved budget (1 = all of it)."""
        return share_of(self.actual_spend, self.approved_budget)

    @property
    def revenue_realization(self) -> Decimal | None:
        """Realized revenue as a share of the expected revenue (1 = all of it)."""
        return share_of(self.realized_revenue, self.expected_revenue)


def share_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """`part` as a share of `whole` to the hundredth (1 = all of it); None when there is no whole to share.

    Also used on `values()` rows (portfolio.api.serializers), so the list API and the model say the same."""
    if not whole:
        return None
    return (part / whole).quantize(Decimal("0.01"))


class ProjectDemand(models.Model):
    """An approved demand delivered by a project; a demand belongs to at most one project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="project_demands")
    change_request = models.OneToOneField(ChangeRequest, on_delete=models.PROTECT, related_name="project_link")
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.project_id} delivers {self.change_request_id}"


class Milestone(models.Model):
    """A dated step of a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=200)
    due_date = models.DateField()
    done_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.name


class StatusUpdate(models.Model):
    """A dated note on a project's health: its history."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    health = models.CharField(max_length=10, choices=Health.choices)
    note = models.TextField(max_length=10_000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        indexes = [models.Index(fields=["project", "-created_at"], name="status_update_latest_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.health}"


class AppendOnlyModel(models.Model):
    """A history row: saved once, never edited nor deleted; `refused` is raised, with `refused_message`, otherwise."""

    refused: type[Exception]
    refused_message: str

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise self.refused(self.refused_message)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise self.refused(self.refused_message)


class RevenueRefused(Exception):
    """The revenue history is append-only: a record is corrected by a new (negative) record, never edited."""


class RevenueRecord(AppendOnlyModel):
    """Revenue a project realized in one month, as a portfolio manager recorded it; append-only history.

    Amounts are in the base currency (settings.BASE_CURRENCY), like the project's other money. A negative
    amount is a correction of an earlier record and must say why in its note. The project's
    `realized_revenue` is the sum of its records, kept in step by `revenue_record_add`.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="revenue_records")
    period = models.DateField(_("month"), help_text=_("The month the revenue was realized in (its first day)."))
    # Realized savings are recorded the same way: a monthly, append-only history of the cost a project took out.
    kind = models.CharField(_("kind"), max_length=10, choices=RealizedKind.choices, default=RealizedKind.REVENUE)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    note = models.CharField(_("note"), max_length=1_000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    refused = RevenueRefused
    refused_message = "Revenue records are append-only; record a correction instead."

    class Meta:
        ordering = ["-period", "-recorded_at", "-pk"]
        verbose_name = _("revenue record")
        verbose_name_plural = _("revenue records")
        indexes = [models.Index(fields=["project", "-period", "-recorded_at"], name="revenue_record_project_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="revenue_record_amount_not_zero"),
            models.CheckConstraint(condition=Q(period__day=1), name="revenue_record_period_is_a_month"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.period:%Y-%m}: {self.amount}"

    def clean(self) -> None:
        errors: dict[str, str | Promise] = {}
        if self.amount is not None and self.amount == 0:
            errors["amount"] = _("Enter an amount other than zero.")
        if self.amount is not None and self.amount < 0 and not self.note.strip():
            errors["note"] = _("A negative amount corrects an earlier record: say which one and why.")
        if self.period is not None and self.period.day != 1:
            errors["period"] = _("Record revenue per month (the first day of the month).")
        if self.period is not None and self.period > timezone.localdate().replace(day=1):
            errors["period"] = _("Revenue can only be recorded for a month that has started.")
        if errors:
            raise ValidationError(errors)


class UnitCostRecord(models.Model):
    """What one unit of a service's work cost in a month, as its production team recorded it: the trend.

    One record per service and month; recording the month again replaces its figure (the latest word counts).
    Amounts are in the base currency, converted on the way in like every other amount.
    """

    service = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="unit_costs")
    period = models.DateField(_("month"), help_text=_("The month the cost was measured in (its first day)."))
    cost_per_unit = models.DecimalField(
        _("cost per unit"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100000"))],
    )
    units = models.PositiveBigIntegerField(
        _("units of work in the month"), null=True, blank=True, validators=[MaxValueValidator(10**12)]
    )
    note = models.CharField(_("note"), max_length=1_000, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["service", "period"]
        verbose_name = _("unit cost record")
        verbose_name_plural = _("unit cost records")
        constraints = [
            models.UniqueConstraint(fields=["service", "period"], name="unit_cost_once_per_month"),
            models.CheckConstraint(condition=Q(period__day=1), name="unit_cost_period_is_a_month"),
            models.CheckConstraint(condition=Q(cost_per_unit__gte=0), name="unit_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.period:%Y-%m}: {self.cost_per_unit}"


class HandoverRefused(Exception):
    """The register of handovers is append-only: a row is never edited nor deleted."""


class Handover(AppendOnlyModel):
    """What a project actually handed over to a partner: a component, how deeply, when, to whom, under which agreement.

    Each one is checked against the signed disclosure plan of the project's demand when it is recorded
    (`handover_record`); one outside the plan exists only as an exception the CIO accepted, with the reason.
    Append-only like the revenue history: the register is the record of what left the company.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="handovers")
    # The demand whose signed plan the handover follows (a project may deliver several demands).
    change_request = models.ForeignKey(ChangeRequest, on_delete=models.PROTECT, related_name="handovers")
    component = models.ForeignKey(
        ProductComponent,
        on_delete=models.PROTECT,
        related_name="handovers",
        verbose_name=pgettext_lazy("product part", "component"),
    )
    depth = models.PositiveSmallIntegerField(_("depth"), choices=DisclosureDepth.choices)
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("partner"))
    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("agreement")
    )
    handed_over_on = models.DateField(_("handed over on"))
    recipient = models.CharField(_("recipient"), max_length=200, help_text=_("The person at the partner."))
    note = models.CharField(_("note"), max_length=1_000, blank=True)
    is_exception = models.BooleanField(_("exception to the plan"), default=False)
    exception_reason = models.CharField(_("why the exception"), max_length=1_000, blank=True)
    exception_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    refused = HandoverRefused
    refused_message = "Handovers are append-only: what was handed over stays on record."

    class Meta:
        ordering = ["-handed_over_on", "-pk"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        indexes = [
            models.Index(fields=["project", "-handed_over_on"], name="handover_project_idx"),
            models.Index(fields=["partner", "component"], name="handover_partner_component_idx"),
        ]
        constraints = [
            # An exception states why: the register must say who accepted what left outside the plan.
            models.CheckConstraint(
                condition=Q(is_exception=False) | ~Q(exception_reason=""), name="handover_exception_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.component_id} at depth {self.depth} to {self.partner_id}"
