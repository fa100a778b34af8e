"""One demand's page: detail, similar demands, assessment history, the diff of two assessments, latest decision."""

from django.db.models import Prefetch, Q, QuerySet

from intake.models import ChangeRequest, SimilarDemand
from triage import scoring
from triage.models import (
    Assessment,
    CostEstimate,
    Decision,
    ScoringModel,
)


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


def change_request_detail(*, reference: str) -> ChangeRequest | None:
    return (
        ChangeRequest.objects.select_related(
            "customer__account_manager", "product__product_manager", "owner", "scoring_failure"
        )
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


def assessment_comparison(*, change_request: ChangeRequest, before_id: int | None, after_id: int | None) -> dict | None:
    """Two of a demand's assessments (by default the latest and the one before) and what changed."""
    history = list(assessment_history(change_request=change_request)[:50])
    if len(history) < 2:
        return None
    by_id = {assessment.pk: assessment for assessment in history}
    after = (by_id.get(after_id) if after_id is not None else None) or history[0]
    before = (by_id.get(before_id) if before_id is not None else None) or next(a for a in history if a.pk != after.pk)
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
