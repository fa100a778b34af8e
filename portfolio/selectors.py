"""Portfolio reads, shared by the pages and the API so they cannot drift apart."""

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Expression,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Floor, Least, RowNumber
from django.utils.translation import gettext_lazy as _

from intake.choices import OPEN_STATUSES, Agenda, ScoreBand
from intake.models import ChangeRequest
from portfolio.choices import Health, ProjectStatus
from portfolio.models import Milestone, Project, ProjectDemand, RevenueRecord, StatusUpdate
from triage.choices import DecisionOutcome
from triage.models import Assessment, Decision


def project_list() -> QuerySet[Project]:
    """Projects with their owner and sponsors; a constant number of queries whatever the page size."""
    return Project.objects.select_related("owner").prefetch_related("sponsors").order_by("code")


def project_detail_queryset() -> QuerySet[Project]:
    return project_list().prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "pk")),
        Prefetch("status_updates", queryset=StatusUpdate.objects.select_related("author").order_by("-created_at")),
        Prefetch("demands", queryset=ChangeRequest.objects.select_related("customer", "product").order_by("reference")),
    )


def project_by_code(*, code: str) -> Project | None:
    return project_detail_queryset().filter(code=code).first()


def project_open_choices() -> QuerySet[Project]:
    return Project.objects.exclude(status__in=("delivered", "cancelled")).order_by("code").only("pk", "code", "name")


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
    from intake.models import Customer

    money = DecimalField(max_digits=18, decimal_places=2)
    zero = Value(Decimal("0"), output_field=money)
    return (
        Customer.objects.select_related("account_manager")
        .annotate(
            demands=Count("change_requests", distinct=True),
            open_demands=Count("change_requests", filter=Q(change_requests__status__in=OPEN_STATUSES), distinct=True),
            approved_demands=Count("change_requests", filter=Q(change_requests__status="approved"), distinct=True),
            revenue_open=Coalesce(
                Sum("change_requests__revenue_at_stake", filter=Q(change_requests__status__in=OPEN_STATUSES)), zero
            ),
        )
        .order_by("name")
    )


def customer_account(*, customer_id: int) -> dict | None:
    """One customer's demands (score, status, project) and the value delivered to it, for its account manager."""
    from intake.models import Customer

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
    )
    return {
        "customer": customer,
        "demands": demands,
        "projects": projects,
        "revenue_open": sum((d.revenue_at_stake for d in demands if d.is_open), Decimal("0")),
        "revenue_approved": sum((d.revenue_at_stake for d in demands if d.status == "approved"), Decimal("0")),
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
    from django.conf import settings
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


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
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
    totals["budget_burn"] = _share(totals["actual_spend"], totals["approved_budget"])
    totals["revenue_realization"] = _share(totals["realized_revenue"], totals["expected_revenue"])
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
            project.owner.get_username() if project.owner else "",
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

BASE_MONEY = DecimalField(max_digits=24, decimal_places=2)
FRACTION = DecimalField(max_digits=30, decimal_places=10)
SCORE_BUCKET_POINTS = 10
NOT_SCORED = "unscored"


class Fraction(Func):
    """`numerator / denominator` as a fraction on every database.

    SQLite divides two whole numbers as integers (100000 / 300000 = 0), and it stores whole decimal amounts
    as integers; the numerator becomes a REAL there. PostgreSQL divides numerics exactly.
    """

    arg_joiner = " / "
    template = "(%(expressions)s)"
    output_field = FRACTION

    def __init__(self, numerator: Expression | str, denominator: Expression | str) -> None:
        super().__init__(numerator, denominator)

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        numerator, denominator = (compiler.compile(expression) for expression in self.get_source_expressions())
        return f"(CAST({numerator[0]} AS REAL) / {denominator[0]})", (*numerator[1], *denominator[1])


CURRENCY_RATES = settings.CURRENCY_RATES_TO_BASE


def in_base_currency(amount: str, currency: str) -> Expression:
    """`amount` converted with its `currency`'s rate (settings.CURRENCY_RATES_TO_BASE), in SQL."""
    rate = Case(
        *(
            When(**{currency: code}, then=Value(Decimal(rate)))
            for code, rate in settings.CURRENCY_RATES_TO_BASE.items()
        ),
        default=Value(Decimal("1")),
        output_field=DecimalField(max_digits=12, decimal_places=6),
    )
    return Func(F(amount) * rate, Value(2), function="ROUND", output_field=BASE_MONEY)


def approved_demand_outcomes(*, project_statuses: Sequence[str] = ()) -> QuerySet[Decision]:
    """One row per approved demand delivered by a project, annotated with what calibration compares:

    - `band_at_decision`, `score_at_decision`: of the latest assessment made at or before the approval (the
      score the CIO saw), not of today's score, which a later rescoring may have moved;
    - `stake`: the demand's revenue at stake in the base currency (what its project expects from it);
    - `attributed`: the share of its project's realized revenue credited to this demand. A project that
      delivers several demands splits its realized revenue in proportion to each demand's revenue at stake
      (equally when none of them had any), so the attributed amounts add up to the project's realized revenue;
    - `realization`: attributed / stake, or null when nothing was at stake.
    """
    at_decision = Assessment.objects.filter(
        change_request_id=OuterRef("change_request_id"), created_at__lte=OuterRef("created_at")
    ).order_by("-created_at", "-pk")
    siblings = ProjectDemand.objects.filter(project_id=OuterRef("change_request__project_link__project_id")).order_by()
    project_stake = siblings.values("project_id").annotate(
        total=Sum(in_base_currency("change_request__revenue_at_stake", "change_request__currency"))
    )
    project_demands = siblings.values("project_id").annotate(total=Count("pk"))
    rows = Decision.objects.filter(outcome=DecisionOutcome.APPROVED, change_request__project_link__isnull=False)
    if project_statuses:
        rows = rows.filter(change_request__project_link__project__status__in=project_statuses)
    return (
        rows.annotate(
            band_at_decision=Coalesce(Subquery(at_decision.values("band")[:1]), Value(NOT_SCORED)),
            score_at_decision=Subquery(at_decision.values("total")[:1]),
            stake=in_base_currency("change_request__revenue_at_stake", "change_request__currency"),
            project_stake=Subquery(project_stake.values("total"), output_field=BASE_MONEY),
            project_demands=Subquery(project_demands.values("total"), output_field=IntegerField()),
            project_realized=F("change_request__project_link__project__realized_revenue"),
        )
        .annotate(
            attributed=Case(
                When(project_stake__gt=0, then=F("project_realized") * Fraction("stake", "project_stake")),
                default=Fraction("project_realized", "project_demands"),
                output_field=BASE_MONEY,
            )
        )
        .annotate(
            realization=Case(
                When(stake__gt=0, then=Fraction("attributed", "stake")), default=None, output_field=FRACTION
            )
        )
    )


def _score_bucket() -> Expression:
    """0, 10, ..., 90: the lower bound of the 10-point bucket of the score at decision (100 joins 90-100)."""
    points = Value(Decimal(SCORE_BUCKET_POINTS))
    bucket = Floor(ExpressionWrapper(F("score_at_decision") / points, output_field=FRACTION))
    return Cast(Least(bucket, Value(Decimal("9"))) * points, output_field=IntegerField())


def _grouped(rows: QuerySet[Decision], key: Expression | None) -> list[dict]:
    """Count, stake, attributed revenue and mean realization per group of `key` (one GROUP BY query; one group
    of every row when `key` is None), and the median realization per group (one query: the middle one or two
    rows of each group, ranked by a window function, which PostgreSQL and SQLite both have)."""
    keyed = rows.annotate(group=key if key is not None else Value(""))
    sums = {
        "demands": Count("pk"),
        "stake_total": Coalesce(Sum("stake"), Value(Decimal("0")), output_field=BASE_MONEY),
        "realized_total": Coalesce(Sum("attributed"), Value(Decimal("0")), output_field=BASE_MONEY),
        "realization_mean": Avg("realization", output_field=FRACTION),
    }
    if key is None:
        groups = [{"group": "", **keyed.order_by().aggregate(**sums)}]
    else:
        groups = list(keyed.order_by().values("group").annotate(**sums))
    partition = {"partition_by": [key]} if key is not None else {}
    ranked = (
        keyed.filter(realization__isnull=False)
        .annotate(
            position=Window(RowNumber(), order_by=[F("realization").asc(), F("pk").asc()], **partition),
            group_size=Window(Count("pk"), **partition),
        )
        .order_by()
    )
    # Rank p of n is a middle one when n <= 2p <= n + 2: one rank when n is odd, two when it is even.
    middle = ranked.filter(group_size__lte=F("position") * 2, group_size__gte=F("position") * 2 - 2)
    medians: dict[Any, list[Decimal]] = defaultdict(list)
    for group, realization in middle.values_list("group", "realization"):
        medians[group].append(Decimal(realization))
    for row in groups:
        middle_values = medians.get(row["group"], [])
        median = sum(middle_values, Decimal("0")) / len(middle_values) if middle_values else None
        mean = row["realization_mean"]
        row["realization_median"] = median.quantize(Decimal("0.01")) if median is not None else None
        row["realization_mean"] = Decimal(mean).quantize(Decimal("0.01")) if mean is not None else None
        row["realization_total"] = _share(row["realized_total"], row["stake_total"])
    return [row for row in groups if row["demands"]]


BAND_ORDER = (*ScoreBand.values, NOT_SCORED)
BAND_LABELS = {**dict(ScoreBand.choices), NOT_SCORED: _("Not scored at decision")}


def calibration_report(*, project_statuses: Iterable[str] = ()) -> dict:
    """Approved demands grouped by the score band (and 10-point score bucket) they had when approved,
    with the revenue they put at stake and the revenue their projects realized: six queries, whatever
    the number of demands."""
    rows = approved_demand_outcomes(project_statuses=tuple(project_statuses))
    by_band = {row["group"]: row for row in _grouped(rows, F("band_at_decision"))}
    bands = [{"key": band, "label": BAND_LABELS[band], **by_band[band]} for band in BAND_ORDER if band in by_band]
    buckets = []
    for row in sorted(
        _grouped(rows.filter(score_at_decision__isnull=False), _score_bucket()), key=lambda row: row["group"]
    ):
        low = int(row["group"])
        high = low + SCORE_BUCKET_POINTS - 1 if low < 90 else 100
        buckets.append({"key": low, "label": f"{low}–{high}", **row})
    total = _grouped(rows, None)
    return {"bands": bands, "buckets": buckets, "total": total[0] if total else None}
