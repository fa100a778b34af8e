"""Portfolio: approved demands tracked as business-technology (BT) projects."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import BaseModel
from intake.choices import Agenda
from intake.models import ChangeRequest, Customer
from portfolio.choices import Health, ProjectStatus

_money = {
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
    realized_revenue = models.DecimalField(**_money)
    progress = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(100)], help_text="Percent complete."
    )
    demands = models.ManyToManyField(ChangeRequest, through="ProjectDemand", related_name="projects")
    sponsors = models.ManyToManyField(Customer, blank=True, related_name="sponsored_projects")

    class Meta:
        ordering = ["code"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="project_updated_idx"),
            models.Index(fields=["status", "health"], name="project_status_health_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="project_progress_max_100"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def budget_burn(self) -> Decimal | None:
        """Actual spend as a share of the approved budget (1 = all of it)."""
        if not self.approved_budget:
            return None
        return (self.actual_spend / self.approved_budget).quantize(Decimal("0.01"))


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
        indexes = [models.Index(fields=["project", "-created_at"], name="status_update_latest_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.health}"
