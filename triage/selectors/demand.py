"""One demand's page: detail, similar demands, assessment history, the diff of two assessments, latest decision."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from intake.models import ChangeRequest, SimilarDemand
from intake.selectors import asker_key
from triage import scoring
from triage.choices import ScoreBand
from triage.models import (
    Assessment,
    CostEstimate,
    Decision,
    ScoringModel,
)
from triage.selectors.scoring_inputs import scoring_inputs_for_ids, scoring_model_active


def assessment_history(*, change_request: ChangeRequest) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(change_request=change_request)
        .select_related("scoring_model")
        .order_by("-created_at", "-pk")
    )


def assessment_latest_for_reference(*, reference: str) -> Assessment | None:
    """A demand's latest assessment with its model, by the demand's reference (the API's score)."""
    return (
        Assessment.objects.filter(change_request__reference=reference)
        .select_related("scoring_model", "change_request")
        .order_by("-created_at", "-pk")
        .first()
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


@dataclass(frozen=True)
class LinkPreview:
    """What linking a similar demand would do to this demand's score, computed as scoring will, not written."""

    other: ChangeRequest
    before: scoring.ScoreResult
    after: scoring.ScoreResult
    value_before: Decimal
    value_after: Decimal
    askers_before: int
    askers_after: int
    same_asker: bool  # the other demand comes from this demand's own customer (intake.selectors.asker_key)

    @property
    def before_band_label(self) -> str:
        return str(ScoreBand(self.before.band).label)

    @property
    def after_band_label(self) -> str:
        return str(ScoreBand(self.after.band).label)

    @property
    def band_changes(self) -> bool:
        return self.before.band != self.after.band

    @property
    def adds_revenue(self) -> Decimal:
        return self.value_after - self.value_before

    @property
    def counts_unmatched_as_customer(self) -> bool:
        """The other demand adds a customer asking without being matched to a customer account: worth a look."""
        return self.askers_after > self.askers_before and self.other.customer_id is None


def similar_link_preview(*, change_request: ChangeRequest, candidate: SimilarDemand) -> LinkPreview:
    """This demand's score and band now and with `candidate` linked, under the active model."""
    weights = scoring_model_active().weights()
    now = scoring_inputs_for_ids([change_request.pk])[change_request.pk]
    linked = scoring_inputs_for_ids([change_request.pk], also_linked=candidate.pk)[change_request.pk]
    other = candidate.similar_to if candidate.change_request_id == change_request.pk else candidate.change_request
    return LinkPreview(
        other=other,
        before=scoring.score(now, weights),
        after=scoring.score(linked, weights),
        value_before=now.value,
        value_after=linked.value,
        askers_before=now.customers_asking,
        askers_after=linked.customers_asking,
        same_asker=asker_key(customer_id=other.customer_id, contact_email=other.contact_email)
        == asker_key(customer_id=change_request.customer_id, contact_email=change_request.contact_email),
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
