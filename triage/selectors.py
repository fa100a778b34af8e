"""Triage reads: the active model, a demand's scoring inputs, the queue and a demand's page."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from intake.choices import ChangeRequestStatus
from intake.models import ChangeRequest, ProductKindDefault, SimilarDemand
from triage import scoring
from triage.models import Assessment, CostEstimate, Decision, ScoringModel


def scoring_model_active() -> ScoringModel:
    """The one active model; v1 with DESIGN.md's defaults is created by a migration."""
    return ScoringModel.objects.get(is_active=True)


def to_base_currency(amount: Decimal, currency: str) -> Decimal:
    return (amount * Decimal(settings.CURRENCY_RATES_TO_BASE.get(currency, "1"))).quantize(Decimal("0.01"))


def linked_demand_ids(*, change_request_id: int) -> set[int]:
    """Demands that triage linked to this one as the same need (in either direction)."""
    pairs = (
        SimilarDemand.objects.filter(is_linked=True)
        .filter(Q(change_request_id=change_request_id) | Q(similar_to_id=change_request_id))
        .values_list("change_request_id", "similar_to_id")
    )
    return {pk for pair in pairs for pk in pair} - {change_request_id}


def cost_estimate_latest(*, change_request: ChangeRequest) -> CostEstimate | None:
    return CostEstimate.objects.filter(change_request=change_request).order_by("-created_at", "-pk").first()


def scoring_inputs_for(*, change_request: ChangeRequest, weights: scoring.ScoringWeights) -> scoring.ScoringInputs:
    """Gather one demand's inputs: its value with linked demands, the estimate or the product's defaults."""
    linked_ids = linked_demand_ids(change_request_id=change_request.pk)
    group = [
        change_request,
        *ChangeRequest.objects.filter(pk__in=linked_ids).only("pk", "revenue_at_stake", "currency", "customer_id"),
    ]
    value = sum((to_base_currency(demand.revenue_at_stake, demand.currency) for demand in group), Decimal("0"))
    askers = {demand.customer_id or f"unmatched-{demand.pk}" for demand in group}

    estimate = cost_estimate_latest(change_request=change_request)
    if estimate is not None:
        effort, day_rate, run_cost = estimate.effort_days, estimate.day_rate, estimate.yearly_run_cost
    else:
        product = change_request.product
        default = ProductKindDefault.objects.filter(product=product, kind=change_request.kind).first()
        effort = default.effort_days if default else product.default_effort_days
        run_cost = default.yearly_run_cost if default else product.default_yearly_run_cost
        day_rate = product.default_day_rate

    days_until = None
    if change_request.desired_date:
        days_until = (change_request.desired_date - timezone.localdate()).days
    return scoring.ScoringInputs(
        value=value,
        effort_days=Decimal(effort),
        day_rate=Decimal(day_rate),
        yearly_run_cost=Decimal(run_cost),
        customers_asking=len(askers),
        days_until_desired=days_until,
        customer_tier=change_request.customer.tier if change_request.customer_id else None,
        shares_ip=change_request.risk_shares_ip,
        exclusive=change_request.risk_exclusive,
        security=change_request.risk_security,
        provisional=estimate is None,
    )


def assessment_history(*, change_request: ChangeRequest) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(change_request=change_request)
        .select_related("scoring_model")
        .order_by("-created_at", "-pk")
    )


def assessment_current(*, change_request: ChangeRequest) -> Assessment | None:
    """The assessment matching the demand's current score (the latest computed)."""
    return assessment_history(change_request=change_request).first()


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
        ChangeRequest.objects.select_related("customer", "product")
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
    """Demands still waiting for a score after a while (the broker was down when they were filed, say)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        ChangeRequest.objects.filter(status=ChangeRequestStatus.SUBMITTED, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:limit]
    )
