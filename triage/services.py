"""Triage writes: scoring a demand, cost estimates, asking the customer, linking demands, deciding."""

import logging
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from intake.choices import ChangeRequestStatus, EventVisibility
from intake.models import ChangeRequest, Customer, SimilarDemand
from intake.services import InvalidTransition, change_request_transition, status_event_record
from triage import scoring
from triage.choices import DecisionOutcome
from triage.models import Assessment, CostEstimate, Decision, ScoringModel
from triage.selectors import decision_latest, scoring_inputs_for, scoring_model_active

logger = logging.getLogger(__name__)
SCORE_TASK = "triage.score_change_request"

DECIDABLE_STATUSES = (
    ChangeRequestStatus.SUBMITTED,
    ChangeRequestStatus.SCORED,
    ChangeRequestStatus.NEEDS_INFO,
    ChangeRequestStatus.DEFERRED,
)
ASKABLE_STATUSES = (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SCORED, ChangeRequestStatus.DEFERRED)


class AlreadyDecided(ApplicationError):
    """Someone decided this demand first."""


def assessment_compute(*, change_request_id: int) -> Assessment | None:
    """Score a demand with the active model and make it the demand's current score.

    Idempotent: the same inputs under the same model version reuse the stored assessment (a unique
    key), so a task delivered twice stores one row. The demand row is locked while scoring so two
    workers cannot interleave their writes of the current score.
    """
    with transaction.atomic():
        demand = (
            ChangeRequest.objects.select_for_update(of=("self",))
            .select_related("product", "customer")
            .filter(pk=change_request_id)
            .first()
        )
        if demand is None:
            return None
        model = scoring_model_active()
        inputs = scoring_inputs_for(change_request=demand, weights=model.weights())
        result = scoring.score(inputs, model.weights())
        assessment = Assessment.objects.filter(
            change_request=demand, scoring_model=model, inputs_hash=inputs.digest()
        ).first()
        if assessment is None:
            assessment = Assessment.objects.create(
                change_request=demand,
                scoring_model=model,
                total=result.total,
                band=result.band,
                is_provisional=inputs.provisional,
                it_cost=result.it_cost,
                components=result.components_json(),
                inputs=inputs.as_json(),
                inputs_hash=inputs.digest(),
            )
        now = timezone.now()
        ChangeRequest.objects.filter(pk=demand.pk).update(
            score=result.total,
            score_band=result.band,
            score_is_provisional=inputs.provisional,
            it_cost=result.it_cost,
            scored_at=now,
        )
        moved = ChangeRequest.objects.filter(pk=demand.pk, status=ChangeRequestStatus.SUBMITTED).update(
            status=ChangeRequestStatus.SCORED, updated_at=now
        )
        if moved:
            status_event_record(
                change_request=demand,
                from_status=ChangeRequestStatus.SUBMITTED,
                to_status=ChangeRequestStatus.SCORED,
                note=f"Scored {result.total} with model v{model.version}.",
                visibility=EventVisibility.INTERNAL,
            )
    return assessment


@transaction.atomic
def cost_estimate_create(
    *,
    change_request: ChangeRequest,
    effort_days: Decimal,
    day_rate: Decimal,
    yearly_run_cost: Decimal,
    confidence: str,
    estimated_by: AbstractBaseUser,
    note: str = "",
) -> CostEstimate:
    """Record an analyst's estimate; the demand is rescored once it commits."""
    estimate = CostEstimate(
        change_request=change_request,
        effort_days=effort_days,
        day_rate=day_rate,
        yearly_run_cost=yearly_run_cost,
        confidence=confidence,
        estimated_by=estimated_by,
        note=note,
    )
    estimate.full_clean()
    estimate.save()
    status_event_record(
        change_request=change_request,
        actor=estimated_by,
        note=f"Cost estimated: {effort_days} person-days at {day_rate}/day, {yearly_run_cost}/year to run.",
        visibility=EventVisibility.INTERNAL,
    )
    enqueue_on_commit(SCORE_TASK, change_request.pk)
    return estimate


def change_request_ask_information(
    *, change_request: ChangeRequest, question: str, asked_by: AbstractBaseUser
) -> ChangeRequest:
    """Ask the customer a question; the demand waits in `needs_info` until they answer."""
    question = question.strip()
    if not question:
        raise ApplicationError("Write the question the customer should answer.")
    return change_request_transition(
        change_request=change_request,
        from_statuses=ASKABLE_STATUSES,
        to_status=ChangeRequestStatus.NEEDS_INFO,
        actor=asked_by,
        note=question,
    )


@transaction.atomic
def change_request_assign_customer(
    *, change_request: ChangeRequest, customer: Customer, assigned_by: AbstractBaseUser
) -> ChangeRequest:
    """Attach an unmatched demand to a customer account; the tier changes the score."""
    ChangeRequest.objects.filter(pk=change_request.pk).update(customer=customer, updated_at=timezone.now())
    change_request.customer = customer
    status_event_record(
        change_request=change_request,
        actor=assigned_by,
        note=f"Customer set to {customer.name}.",
        visibility=EventVisibility.INTERNAL,
    )
    enqueue_on_commit(SCORE_TASK, change_request.pk)
    return change_request


@transaction.atomic
def similar_demand_set_link(
    *, similar_demand: SimilarDemand, is_linked: bool, linked_by: AbstractBaseUser
) -> SimilarDemand:
    """Link (or unlink) two demands as the same need; both are rescored."""
    SimilarDemand.objects.filter(pk=similar_demand.pk).update(is_linked=is_linked, linked_by=linked_by)
    similar_demand.is_linked = is_linked
    verb = "Linked with" if is_linked else "Unlinked from"
    for this, other in (
        (similar_demand.change_request, similar_demand.similar_to),
        (similar_demand.similar_to, similar_demand.change_request),
    ):
        status_event_record(
            change_request=this, actor=linked_by, note=f"{verb} {other.reference}.", visibility=EventVisibility.INTERNAL
        )
        enqueue_on_commit(SCORE_TASK, this.pk)
    return similar_demand


def decision_record(
    *,
    change_request: ChangeRequest,
    outcome: str,
    rationale: str,
    decided_by: AbstractBaseUser,
    customer_message: str = "",
    defer_until: date | None = None,
) -> Decision:
    """Record the CIO's decision. Of two people deciding at once exactly one wins; the other is told who.

    Call inside the caller's transaction when the decision must commit with other writes (approval
    creates a portfolio project in the same transaction).
    """
    rationale = rationale.strip()
    if not rationale:
        raise ApplicationError("Write the rationale for this decision.")
    if outcome == DecisionOutcome.REJECTED and not customer_message.strip():
        raise ApplicationError("Write the message the customer will read about this rejection.")
    if outcome == DecisionOutcome.DEFERRED and (defer_until is None or defer_until <= timezone.localdate()):
        raise ApplicationError("Choose a future date to defer this demand until.")
    with transaction.atomic():
        try:
            change_request_transition(
                change_request=change_request,
                from_statuses=DECIDABLE_STATUSES,
                to_status=outcome,
                actor=decided_by,
                note=customer_message.strip() or _default_customer_message(outcome, defer_until),
            )
        except InvalidTransition:
            winner = decision_latest(change_request=change_request)
            if winner is None:
                raise
            who = winner.decided_by.get_full_name() or winner.decided_by.get_username() if winner.decided_by else "?"
            raise AlreadyDecided(
                f"{change_request.reference} was already decided: {winner.get_outcome_display().lower()} by {who} "
                f"at {timezone.localtime(winner.created_at):%Y-%m-%d %H:%M}.",
                extra={"decided_by": who, "outcome": winner.outcome},
            ) from None
        decision = Decision(
            change_request=change_request,
            outcome=outcome,
            rationale=rationale,
            customer_message=customer_message.strip(),
            defer_until=defer_until,
            decided_by=decided_by,
        )
        decision.full_clean()
        decision.save()
        status_event_record(
            change_request=change_request,
            actor=decided_by,
            note=f"Rationale: {rationale}",
            visibility=EventVisibility.INTERNAL,
        )
    return decision


def _default_customer_message(outcome: str, defer_until: date | None) -> str:
    if outcome == DecisionOutcome.APPROVED:
        return "Good news: we will build this. We will keep you posted on its progress here."
    if outcome == DecisionOutcome.DEFERRED:
        return (
            f"We will look at this again by {defer_until:%d %B %Y}." if defer_until else "We will look at this later."
        )
    return ""


def scoring_model_ensure_default() -> ScoringModel:
    """Model v1 of DESIGN.md, active, when no model exists yet (a migration and tests call this)."""
    model = ScoringModel.objects.filter(is_active=True).first()
    if model is None:
        model = ScoringModel.objects.create(version=1, is_active=True, note="Default model v1 from the design.")
    return model
