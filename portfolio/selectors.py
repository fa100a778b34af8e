"""Portfolio reads, shared by the pages and the API so they cannot drift apart."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from core.money import sum_to_base, to_base_expression
from core.people import person_name
from intake.choices import OPEN_STATUSES, Agenda, ChangeRequestStatus
from intake.models import ChangeRequest, Customer, Product
from portfolio.choices import PROJECT_CLOSED_STATUSES, Health, ProjectStatus
from portfolio.models import Milestone, Project, RevenueRecord, StatusUpdate, UnitCostRecord


def project_list() -> QuerySet[Project]:
    """Projects with their owner and sponsors; a constant number of queries whatever the page size."""
    return Project.objects.select_related("owner").prefetch_related("sponsors").order_by("code")


# A project list row's columns, for lists serialized from `values()` (portfolio.api.serializers.project_list_json).
PROJECT_ROW_COLUMNS = (
    "id",
    "code",
    "name",
    "owner__username",
    "agenda",
    "status",
    "health",
    "approved_budget",
    "actual_spend",
    "start_date",
    "target_date",
    "expected_revenue",
    "realized_revenue",
    "realized_savings",
    "target_unit_cost",
    "progress",
    "created_at",
    "updated_at",
)


def project_rows(*, projects: QuerySet[Project]) -> QuerySet[Project, dict[str, Any]]:
    """The projects' list columns as dicts, in the queryset's order (filters, ordering and page still apply)."""
    return projects.prefetch_related(None).values(*PROJECT_ROW_COLUMNS)


class SponsorRef(TypedDict):
    id: int
    name: str


def project_sponsors(*, project_ids: list[int]) -> dict[int, list[SponsorRef]]:
    """Each project's sponsors as `{"id", "name"}`, by name (as `Project.sponsors` reads them): one query.

    Ordered by project first: ordered by name alone, PostgreSQL walked every customer by name and each one's
    sponsorships of all 100,000 projects (24 ms of the API list's page at the bench's size, against 0.4 ms).
    """
    links = (
        Project.sponsors.through.objects.filter(project_id__in=project_ids)
        .order_by("project_id", "customer__name", "customer_id")
        .values_list("project_id", "customer_id", "customer__name")
    )
    sponsors: dict[int, list[SponsorRef]] = {project_id: [] for project_id in project_ids}
    for project_id, customer_id, name in links:
        sponsors[project_id].append({"id": customer_id, "name": name})
    return sponsors


def project_detail_queryset() -> QuerySet[Project]:
    return project_list().prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
        Prefetch("status_updates", queryset=StatusUpdate.objects.select_related("author").order_by("-created_at")),
        Prefetch("demands", queryset=ChangeRequest.objects.select_related("customer", "product").order_by("reference")),
    )


def project_by_code(*, code: str) -> Project | None:
    return project_detail_queryset().filter(code=code).first()


def project_open_choices() -> QuerySet[Project]:
    return Project.objects.exclude(status__in=PROJECT_CLOSED_STATUSES).order_by("code").only("pk", "code", "name")


MONEY_FIELDS = ("approved_budget", "actual_spend", "expected_revenue", "realized_revenue")
SUMMARY_DIMENSIONS = {"status": ProjectStatus, "health": Health, "agenda": Agenda}


def portfolio_summary(*, projects: QuerySet[Project] | None = None) -> dict:
    """Counts and money by status, health and agenda: one GROUP BY query per dimension, whatever the size.

    Every choice appears (with zeros when no project has it), so a chart or a client sees a stable shape.
    """
    projects = Project.objects.all() if projects is None else projects
    sums = {field: Coalesce(Sum(field), Value(Decimal("0")), output_field=DecimalField()) for field in MONEY_FIELDS}
    zero = {"count": 0, **dict.fromkeys(MONEY_FIELDS, Decimal("0"))}
    # Filtering by customer joins sponsors; group over distinct projects so no one is counted twice.
    base = Project.objects.filter(pk__in=projects.values("pk")) if projects.query.distinct else projects
    summary: dict = {}
    for dimension, choices in SUMMARY_DIMENSIONS.items():
        rows = base.order_by().values(dimension).annotate(count=Count("pk"), **sums)
        found = {row[dimension]: row for row in rows}
        summary[f"by_{dimension}"] = [
            {"key": value, "label": label, **{name: found.get(value, zero)[name] for name in zero}}
            for value, label in choices.choices
        ]
    summary["total"] = {name: sum(group[name] for group in summary["by_status"]) for name in zero}
    return summary


def customer_accounts() -> QuerySet:
    """Every customer with what it asks for and what it got: one grouped query."""

    money = DecimalField(max_digits=18, decimal_places=2)
    zero = Value(Decimal("0"), output_field=money)
    return (
        Customer.objects.select_related("account_manager")
        .annotate(
            demands=Count("change_requests", distinct=True),
            open_demands=Count("change_requests", filter=Q(change_requests__status__in=OPEN_STATUSES), distinct=True),
            approved_demands=Count(
                "change_requests", filter=Q(change_requests__status=ChangeRequestStatus.APPROVED), distinct=True
            ),
            revenue_open=Coalesce(
                Sum(
                    to_base_expression("change_requests__revenue_at_stake", "change_requests__currency"),
                    filter=Q(change_requests__status__in=OPEN_STATUSES),
                ),
                zero,
            ),
        )
        .order_by("name")
    )


def customer_account(*, customer_id: int) -> dict | None:
    """One customer's demands (score, status, project) and the value delivered to it, for its account manager."""

    customer = Customer.objects.select_related("account_manager").filter(pk=customer_id).first()
    if customer is None:
        return None
    demands = list(
        ChangeRequest.objects.filter(customer=customer)
        .select_related("product", "project_link__project")
        .order_by("-created_at")
    )
    projects = list(Project.objects.filter(sponsors=customer).order_by("code"))
    money = DecimalField(max_digits=18, decimal_places=2)
    totals = Project.objects.filter(sponsors=customer).aggregate(
        expected=Coalesce(Sum("expected_revenue"), Value(Decimal("0"), output_field=money)),
        realized=Coalesce(Sum("realized_revenue"), Value(Decimal("0"), output_field=money)),
        realized_savings=Coalesce(Sum("realized_savings"), Value(Decimal("0"), output_field=money)),
    )
    return {
        "customer": customer,
        "demands": demands,
        "projects": projects,
        "revenue_open": sum_to_base((d.revenue_at_stake, d.currency) for d in demands if d.is_open),
        "revenue_approved": sum_to_base((d.revenue_at_stake, d.currency) for d in demands if d.is_approved),
        # An internal business unit asks for savings (per year) and is delivered the cost its projects took out.
        "savings_open": sum_to_base((d.yearly_savings, d.currency) for d in demands if d.is_open),
        "savings_approved": sum_to_base((d.yearly_savings, d.currency) for d in demands if d.is_approved),
        **totals,
    }


ACCOUNT_EXPORT_COLUMNS = (
    ("reference", "Reference"),
    ("title", "Title"),
    ("product__name", "Product"),
    ("status", "Status"),
    ("score", "Score"),
    ("score_band", "Band"),
    ("revenue_at_stake", "Revenue at stake"),
    ("currency", "Currency"),
    ("created_at", "Filed"),
    ("project_link__project__code", "Project"),
    ("project_link__project__realized_revenue", "Project realized revenue"),
)


def customer_account_export_rows(*, customer_id: int):  # type: ignore[no-untyped-def]
    return (
        ChangeRequest.objects.filter(customer_id=customer_id)
        .order_by("-created_at")
        .values_list(*(name for name, _ in ACCOUNT_EXPORT_COLUMNS))
        .iterator(chunk_size=2000)
    )


def project_webhook_payload(project: Project) -> dict:
    """What webhook receivers learn about a project; built from the loaded row, no query."""
    from django.urls import reverse

    return {
        "code": project.code,
        "name": project.name,
        "status": project.status,
        "health": project.health,
        "agenda": project.agenda,
        "progress": project.progress,
        "start_date": project.start_date,
        "target_date": project.target_date,
        "url": settings.SITE_URL + reverse("portfolio:detail", kwargs={"code": project.code}),
    }


def revenue_record_list(*, project: Project) -> QuerySet[RevenueRecord]:
    """A project's revenue history, newest month first, with who recorded each entry."""
    return (
        RevenueRecord.objects.filter(project=project)
        .select_related("recorded_by")
        .order_by("-period", "-recorded_at", "-pk")
    )


TOTAL_MONEY = DecimalField(max_digits=20, decimal_places=2)


def share_of(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole).quantize(Decimal("0.01")) if whole else None


def project_totals(*, projects: QuerySet[Project]) -> dict:
    """Count, budget against spend and expected against realized revenue of the selected projects: one
    aggregate query, with the burn and realization shares of the totals."""
    # Filtering by customer joins sponsors; sum over distinct projects so no one is counted twice.
    base = Project.objects.filter(pk__in=projects.values("pk")) if projects.query.distinct else projects
    zero = Value(Decimal("0"), output_field=TOTAL_MONEY)
    totals = base.order_by().aggregate(
        count=Count("pk"),
        **{field: Coalesce(Sum(field), zero, output_field=TOTAL_MONEY) for field in MONEY_FIELDS},
    )
    totals["budget_burn"] = share_of(totals["actual_spend"], totals["approved_budget"])
    totals["revenue_realization"] = share_of(totals["realized_revenue"], totals["expected_revenue"])
    return totals


PORTFOLIO_EXPORT_COLUMNS = (
    ("code", _("Code")),
    ("name", _("Name")),
    ("status", _("Status")),
    ("health", _("Health")),
    ("agenda", _("Agenda")),
    ("owner", _("Owner")),
    ("sponsors", _("Sponsors")),
    ("approved_budget", _("Approved budget")),
    ("actual_spend", _("Actual spend")),
    ("budget_burn", _("Spend / budget")),
    ("expected_revenue", _("Expected revenue")),
    ("realized_revenue", _("Realized revenue")),
    ("revenue_realization", _("Realized / expected")),
    ("progress", _("Progress (%)")),
    ("start_date", _("Start date")),
    ("target_date", _("Target date")),
    ("updated_at", _("Last changed")),
)
EXPORT_CHUNK = 2000


def project_export_rows(*, projects: QuerySet[Project]) -> Iterator[list[Any]]:
    """The filtered portfolio as CSV rows, read in chunks of EXPORT_CHUNK projects: owners are joined and
    sponsors prefetched once per chunk, never once per project."""
    chunks = projects.select_related("owner").prefetch_related("sponsors").iterator(chunk_size=EXPORT_CHUNK)
    for project in chunks:
        yield [
            project.code,
            project.name,
            project.status,
            project.health,
            project.agenda,
            person_name(project.owner),
            "; ".join(sponsor.name for sponsor in project.sponsors.all()),
            project.approved_budget,
            project.actual_spend,
            project.budget_burn,
            project.expected_revenue,
            project.realized_revenue,
            project.revenue_realization,
            project.progress,
            project.start_date,
            project.target_date,
            project.updated_at,
        ]


# Calibration: did the demands each score band approved pay off?


def service_list() -> QuerySet[Product]:
    """The services catalogue: each product with its manager, unit of work and latest cost per unit, one query."""
    latest = UnitCostRecord.objects.filter(service=OuterRef("pk")).order_by("-period")
    return (
        Product.objects.select_related("product_manager")
        .annotate(
            latest_unit_cost=Subquery(latest.values("cost_per_unit")[:1]),
            latest_period=Subquery(latest.values("period")[:1]),
        )
        .order_by("name")
    )


def service_unit_costs(*, service_ids: list[int] | None = None) -> QuerySet[UnitCostRecord]:
    """Unit-cost history, oldest month first (of some services, or of all)."""
    records = UnitCostRecord.objects.order_by("service_id", "period")
    return records if service_ids is None else records.filter(service_id__in=service_ids)


def service_detail(*, service_id: int) -> dict[str, Any] | None:
    """One service: its cost per unit month by month and the projects that aim at a unit cost for it."""
    service = service_list().filter(pk=service_id).first()
    if service is None:
        return None
    targets = list(
        Project.objects.filter(demands__product=service, target_unit_cost__isnull=False)
        .distinct()
        .order_by("code")
        .values("code", "name", "status", "target_unit_cost", "target_date")
    )
    return {"service": service, "history": list(service_unit_costs(service_ids=[service.pk])), "targets": targets}


def agendas_year(*, year: int) -> dict[str, Any]:
    """The CIO's two mindsets side by side for one calendar year, in two queries (base currency):

    - IT agenda: the run cost of the services (each month's cost per unit × units of work recorded) and the cost
      taken out (realized savings recorded);
    - BT agenda: the revenue won (realized revenue recorded).
    """
    from portfolio.choices import RealizedKind

    run = UnitCostRecord.objects.filter(period__year=year, units__isnull=False).aggregate(
        total=Coalesce(
            Sum(F("cost_per_unit") * F("units"), output_field=DecimalField(max_digits=30, decimal_places=4)),
            Value(Decimal("0")),
        )
    )["total"]
    realized = dict(
        RevenueRecord.objects.filter(period__year=year)
        .order_by()
        .values_list("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    return {
        "year": year,
        "it_run_cost": Decimal(run).quantize(Decimal("0.01")),
        "it_cost_taken_out": realized.get(RealizedKind.SAVINGS, Decimal("0")),
        "bt_revenue_won": realized.get(RealizedKind.REVENUE, Decimal("0")),
    }
