"""Triage reads: the active model, a demand's scoring inputs, the queue and a demand's page."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Floor, Least
from django.utils import timezone

from intake.choices import OPEN_STATUSES, ChangeRequestStatus
from intake.models import ChangeRequest, Product, ProductKindDefault, SimilarDemand, StatusEvent
from triage import scoring
from triage.choices import RescoreJobStatus
from triage.clock import decision_clock, percentile
from triage.models import Assessment, CostEstimate, Decision, DecisionTarget, RescoreJob, ScoringFailure, ScoringModel


def scoring_model_active() -> ScoringModel:
    """The one active model; v1 with DESIGN.md's defaults is created by a migration."""
    return ScoringModel.objects.get(is_active=True)


def to_base_currency(amount: Decimal, currency: str) -> Decimal:
    return (amount * Decimal(settings.CURRENCY_RATES_TO_BASE.get(currency, "1"))).quantize(Decimal("0.01"))


def cost_estimate_latest(*, change_request: ChangeRequest) -> CostEstimate | None:
    return CostEstimate.objects.filter(change_request=change_request).order_by("-created_at", "-pk").first()


SCORING_DEMAND_FIELDS = (
    "pk",
    "product_id",
    "kind",
    "customer_id",
    "customer__tier",
    "revenue_at_stake",
    "currency",
    "desired_date",
    "risk_shares_ip",
    "risk_exclusive",
    "risk_security",
)


def _linked_groups(ids: list[int]) -> dict[int, set[int]]:
    """For each demand, the demands triage linked to it as the same need (in either direction)."""
    groups: dict[int, set[int]] = {pk: set() for pk in ids}
    pairs = (
        SimilarDemand.objects.filter(is_linked=True)
        .filter(Q(change_request_id__in=ids) | Q(similar_to_id__in=ids))
        .values_list("change_request_id", "similar_to_id")
    )
    for left, right in pairs:
        if left in groups:
            groups[left].add(right)
        if right in groups:
            groups[right].add(left)
    return groups


def _latest_estimates(ids: list[int]) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    latest: dict[int, tuple[Decimal, Decimal, Decimal]] = {}
    rows = (
        CostEstimate.objects.filter(change_request_id__in=ids)
        .order_by("change_request_id", "-created_at", "-pk")
        .values_list("change_request_id", "effort_days", "day_rate", "yearly_run_cost")
    )
    for change_request_id, effort, day_rate, run_cost in rows:
        latest.setdefault(change_request_id, (effort, day_rate, run_cost))
    return latest


def _product_defaults() -> tuple[dict[int, tuple[Decimal, Decimal, Decimal]], dict[tuple[int, str], tuple]]:
    """Products and their per-kind cost defaults: small catalogue tables, read whole."""
    products = {
        pk: (rate, effort, run_cost)
        for pk, rate, effort, run_cost in Product.objects.values_list(
            "pk", "default_day_rate", "default_effort_days", "default_yearly_run_cost"
        )
    }
    kind_defaults = {
        (product_id, kind): (effort, run_cost)
        for product_id, kind, effort, run_cost in ProductKindDefault.objects.values_list(
            "product_id", "kind", "effort_days", "yearly_run_cost"
        )
    }
    return products, kind_defaults


def scoring_inputs_for_ids(ids: list[int]) -> dict[int, scoring.ScoringInputs]:
    """The scoring inputs of many demands in a fixed number of queries, whatever their number.

    Value and breadth include linked similar demands; cost is the latest analyst estimate, else the
    product's default for the demand's kind (then the inputs are marked provisional).
    """
    if not ids:
        return {}
    demands = {row["pk"]: row for row in ChangeRequest.objects.filter(pk__in=ids).values(*SCORING_DEMAND_FIELDS)}
    groups = _linked_groups(list(demands))
    outside = {pk for linked in groups.values() for pk in linked} - demands.keys()
    linked_rows = (
        {
            row["pk"]: row
            for row in ChangeRequest.objects.filter(pk__in=outside).values(
                "pk", "revenue_at_stake", "currency", "customer_id"
            )
        }
        if outside
        else {}
    )
    estimates = _latest_estimates(list(demands))
    products, kind_defaults = _product_defaults()
    today = timezone.localdate()

    inputs = {}
    for pk, demand in demands.items():
        group = [
            demand,
            *(
                demands.get(other) or linked_rows[other]
                for other in groups[pk]
                if other in demands or other in linked_rows
            ),
        ]
        value = sum((to_base_currency(row["revenue_at_stake"], row["currency"]) for row in group), Decimal("0"))
        askers = {row["customer_id"] or f"unmatched-{row['pk']}" for row in group}
        if pk in estimates:
            effort, day_rate, run_cost = estimates[pk]
        else:
            day_rate, effort, run_cost = products[demand["product_id"]]
            effort, run_cost = kind_defaults.get((demand["product_id"], demand["kind"]), (effort, run_cost))
        inputs[pk] = scoring.ScoringInputs(
            value=value,
            effort_days=Decimal(effort),
            day_rate=Decimal(day_rate),
            yearly_run_cost=Decimal(run_cost),
            customers_asking=len(askers),
            days_until_desired=(demand["desired_date"] - today).days if demand["desired_date"] else None,
            customer_tier=demand["customer__tier"],
            shares_ip=demand["risk_shares_ip"],
            exclusive=demand["risk_exclusive"],
            security=demand["risk_security"],
            provisional=pk not in estimates,
        )
    return inputs


def assessment_history(*, change_request: ChangeRequest) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(change_request=change_request)
        .select_related("scoring_model")
        .order_by("-created_at", "-pk")
    )


def decision_latest(*, change_request: ChangeRequest) -> Decision | None:
    return (
        Decision.objects.filter(change_request=change_request)
        .select_related("decided_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def change_request_queue() -> QuerySet[ChangeRequest]:
    """Every demand with what a queue row shows, in one query."""
    return ChangeRequest.objects.select_related("customer", "product").order_by("-score", "-created_at")


def change_request_detail(*, reference: str) -> ChangeRequest | None:
    return (
        ChangeRequest.objects.select_related("customer", "product", "scoring_failure")
        .prefetch_related(Prefetch("cost_estimates", queryset=CostEstimate.objects.select_related("estimated_by")))
        .filter(reference=reference)
        .first()
    )


def similar_demand_list(*, change_request: ChangeRequest) -> QuerySet[SimilarDemand]:
    return (
        SimilarDemand.objects.filter(Q(change_request=change_request) | Q(similar_to=change_request))
        .select_related("change_request__customer", "similar_to__customer")
        .order_by("-is_linked", "-similarity")
    )


def change_request_ids_unscored(*, older_than_seconds: int = 60, limit: int = 1000) -> list[int]:
    """Demands whose score has been due for a while (the broker was down when they were filed, say)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        ChangeRequest.objects.filter(scoring_requested_at__lt=cutoff, scoring_failure__isnull=True)
        .order_by("scoring_requested_at")
        .values_list("pk", flat=True)[:limit]
    )


def rescore_job_ids_stalled(*, older_than_seconds: int = 90) -> list[int]:
    """Rescore jobs that stopped moving (their next run could not be enqueued, or its worker died)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        RescoreJob.objects.filter(
            status__in=(RescoreJobStatus.QUEUED, RescoreJobStatus.RUNNING), updated_at__lt=cutoff
        ).values_list("pk", flat=True)
    )


def scoring_model_list() -> QuerySet[ScoringModel]:
    return ScoringModel.objects.select_related("created_by").order_by("-version")


def rescore_job_list(*, limit: int = 5) -> list[RescoreJob]:
    return list(RescoreJob.objects.select_related("scoring_model", "started_by").order_by("-created_at")[:limit])


BUBBLE_LIMIT = 150
PIPELINE_ORDER = ("submitted", "scored", "needs_info", "deferred", "approved", "rejected", "withdrawn")


def queue_charts(*, queryset: QuerySet[ChangeRequest]) -> dict:
    """Everything the queue's charts draw, as SQL aggregates over the filtered queryset.

    A fixed number of queries whatever the queue's size; the bubble chart shows the open demands with
    the most revenue at stake (at most BUBBLE_LIMIT), the rest are summed in the other charts.
    """
    queryset = queryset.order_by()
    bubbles = list(
        queryset.filter(status__in=OPEN_STATUSES, value_total__isnull=False)
        .order_by("-value_total", "pk")
        .values("reference", "title", "value_total", "it_cost", "score", "score_band", "customers_asking")[
            :BUBBLE_LIMIT
        ]
    )
    histogram = dict(
        queryset.filter(score__isnull=False)
        .annotate(bucket=Least(Cast(Floor(F("score") / Value(10)), IntegerField()), Value(9)))
        .values_list("bucket")
        .annotate(count=Count("pk"))
        .values_list("bucket", "count")
    )
    by_status = dict(queryset.values_list("status").annotate(count=Count("pk")).values_list("status", "count"))
    by_agenda = {
        row["agenda"]: row
        for row in queryset.values("agenda").annotate(
            demands=Count("pk"),
            approved_cost=Sum("it_cost", filter=Q(status=ChangeRequestStatus.APPROVED)),
        )
    }
    return {
        "bubbles": bubbles,
        "histogram": [histogram.get(bucket, 0) for bucket in range(10)],
        "funnel": [(status, ChangeRequestStatus(status).label, by_status.get(status, 0)) for status in PIPELINE_ORDER],
        "agenda": {
            agenda: {
                "demands": by_agenda.get(agenda, {}).get("demands", 0),
                "approved_cost": by_agenda.get(agenda, {}).get("approved_cost") or Decimal("0"),
            }
            for agenda in ("bt", "it")
        },
    }


QUEUE_EXPORT_COLUMNS = (
    ("reference", "Reference"),
    ("title", "Title"),
    ("customer__name", "Customer"),
    ("product__name", "Product"),
    ("kind", "Kind"),
    ("agenda", "Agenda"),
    ("status", "Status"),
    ("revenue_at_stake", "Revenue at stake"),
    ("currency", "Currency"),
    ("value_total", "Value incl. linked (EUR)"),
    ("it_cost", "IT cost (EUR)"),
    ("score", "Score"),
    ("score_band", "Band"),
    ("score_is_provisional", "Provisional"),
    ("customers_asking", "Customers asking"),
    ("desired_date", "Desired date"),
    ("created_at", "Filed"),
)


def change_request_export_rows(*, queryset: QuerySet[ChangeRequest]):  # type: ignore[no-untyped-def]
    """The filtered queue as plain tuples, read in chunks (a server-side cursor on PostgreSQL)."""
    return queryset.values_list(*(name for name, _ in QUEUE_EXPORT_COLUMNS)).iterator(chunk_size=5000)


def scoring_failure_list(*, limit: int = 20) -> list[ScoringFailure]:
    return list(ScoringFailure.objects.select_related("change_request").order_by("-failed_at")[:limit])


def assessment_comparison(*, change_request: ChangeRequest, before_id: int | None, after_id: int | None) -> dict | None:
    """Two of a demand's assessments (by default the latest and the one before) and what changed."""
    history = list(assessment_history(change_request=change_request)[:50])
    if len(history) < 2:
        return None
    by_id = {assessment.pk: assessment for assessment in history}
    after = by_id.get(after_id) or history[0]
    before = by_id.get(before_id) or next(a for a in history if a.pk != after.pk)
    weights = {
        model.pk: {name: str(getattr(model, name)) for name in ScoringModel.WEIGHT_FIELDS}
        for model in {before.scoring_model, after.scoring_model}
    }
    differences = scoring.explain_difference(
        before_components=before.components,
        after_components=after.components,
        before_inputs=before.inputs,
        after_inputs=after.inputs,
        before_weights=weights[before.scoring_model_id],
        after_weights=weights[after.scoring_model_id],
    )
    return {
        "before": before,
        "after": after,
        "differences": differences,
        "history": history,
        "delta": after.total - before.total,
    }


DUE_SOON_SHARE = 0.8


def decision_targets() -> dict[str, int]:
    return dict(DecisionTarget.objects.values_list("scope", "days"))


def _target_days(demand: ChangeRequest, targets: dict[str, int]) -> int | None:
    """The strictest target that applies: the demand's agenda, or its customer's tier."""
    tier = demand.customer.tier if demand.customer_id else None
    matching = [targets.get(f"agenda:{demand.agenda}"), targets.get(f"tier:{tier}") if tier else None]
    matching = [days for days in matching if days]
    return min(matching) if matching else None


def decision_clocks(*, demands: list[ChangeRequest]) -> dict[int, dict]:
    """Each open demand's decision clock against its target, in two queries whatever the number of demands."""
    open_demands = [demand for demand in demands if demand.is_open or demand.status == "deferred"]
    if not open_demands:
        return {}
    transitions: dict[int, list] = {demand.pk: [] for demand in open_demands}
    for change_request_id, to_status, at in (
        StatusEvent.objects.filter(change_request_id__in=transitions)
        .exclude(to_status="")
        .order_by("change_request_id", "created_at", "pk")
        .values_list("change_request_id", "to_status", "created_at")
    ):
        transitions[change_request_id].append((to_status, at))
    targets, now, clocks = decision_targets(), timezone.now(), {}
    for demand in open_demands:
        if demand.status == "deferred":
            continue
        clock = decision_clock(filed_at=demand.created_at, transitions=transitions[demand.pk], now=now)
        target = _target_days(demand, targets)
        share = clock.running_days / target if target else 0
        state = "overdue" if share >= 1 else ("due_soon" if share >= DUE_SOON_SHARE else "")
        clocks[demand.pk] = {
            "clock": clock,
            "target_days": target,
            "state": state,
            "days": round(clock.running_days, 1),
        }
    return clocks


def decision_time_by_month(*, months: int = 12, limit: int = 20_000) -> list[dict]:
    """Median and 90th percentile of days to decision per month of decision, over the latest decisions."""
    since = timezone.now() - timedelta(days=31 * months)
    decided = dict(
        Decision.objects.filter(created_at__gte=since)
        .order_by("-created_at")
        .values_list("change_request_id", "change_request__created_at")[:limit]
    )
    transitions: dict[int, list] = {pk: [] for pk in decided}
    for change_request_id, to_status, at in (
        StatusEvent.objects.filter(change_request_id__in=list(decided))
        .exclude(to_status="")
        .order_by("change_request_id", "created_at", "pk")
        .values_list("change_request_id", "to_status", "created_at")
    ):
        transitions[change_request_id].append((to_status, at))
    by_month: dict[str, list[float]] = {}
    now = timezone.now()
    for pk, filed_at in decided.items():
        clock = decision_clock(filed_at=filed_at, transitions=transitions[pk], now=now)
        if clock.decided_at is not None:
            by_month.setdefault(f"{clock.decided_at:%Y-%m}", []).append(clock.running_days)
    return [
        {
            "month": month,
            "decisions": len(days),
            "median": round(percentile(days, 0.5), 1),
            "p90": round(percentile(days, 0.9), 1),
        }
        for month, days in sorted(by_month.items())
    ]
