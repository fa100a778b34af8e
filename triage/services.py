"""Triage writes: scoring a demand, cost estimates, asking the customer, linking demands, deciding."""

import logging
import time
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.services import audit_record
from intake.choices import OPEN_STATUSES, ChangeRequestStatus, EventVisibility
from intake.models import ChangeRequest, Customer, SimilarDemand, StatusEvent
from intake.selectors import change_request_webhook_payload
from intake.services import InvalidTransition, change_request_transition, status_event_record
from triage import scoring
from triage.choices import DecisionOutcome, RescoreJobStatus
from triage.models import (
    Assessment,
    CostEstimate,
    Decision,
    DecisionTarget,
    RescoreJob,
    ScoringFailure,
    ScoringModel,
)
from triage.selectors import decision_latest, scoring_inputs_for_ids, scoring_model_active
from webhooks.choices import EventType
from webhooks.services import webhook_event_publish

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
    """Score one demand with the active model and make it the demand's current score.

    Idempotent: the same inputs under the same model version reuse the stored assessment (a unique
    key), so a task delivered twice stores one row. The demand row is locked while scoring so two
    workers cannot interleave their writes of the current score.
    """
    with transaction.atomic():
        locked = ChangeRequest.objects.select_for_update().filter(pk=change_request_id)
        row = locked.values_list("reference", "status", "score", "score_band").first()
        if row is None:
            return None
        model = scoring_model_active()
        inputs_hashes = assessments_compute_bulk(change_request_ids=[change_request_id], scoring_model=model)
        assessment = Assessment.objects.get(
            change_request_id=change_request_id, scoring_model=model, inputs_hash=inputs_hashes[change_request_id]
        )
        ScoringFailure.objects.filter(change_request_id=change_request_id).delete()
        now = timezone.now()
        moved = ChangeRequest.objects.filter(pk=change_request_id, status=ChangeRequestStatus.SUBMITTED).update(
            status=ChangeRequestStatus.SCORED, updated_at=now
        )
        if moved:
            StatusEvent.objects.create(
                change_request_id=change_request_id,
                from_status=ChangeRequestStatus.SUBMITTED,
                to_status=ChangeRequestStatus.SCORED,
                note=f"Scored {assessment.total} with model v{model.version}.",
                visibility=EventVisibility.INTERNAL,
            )
        if (row[2], row[3]) != (assessment.total, assessment.band):  # only a changed score or band is news
            webhook_event_publish(
                event_type=EventType.DEMAND_SCORED, payload=_scored_payload(row, assessment, model, moved)
            )
    return assessment


def _scored_payload(row: tuple, assessment: Assessment, model: ScoringModel, moved: int) -> dict:
    reference, status, previous_score, previous_band = row
    return {
        "reference": reference,
        "status": ChangeRequestStatus.SCORED if moved else status,
        "score": assessment.total,
        "band": assessment.band,
        "previous_score": previous_score,
        "previous_band": previous_band or None,
        "provisional": assessment.is_provisional,
        "scoring_model_version": model.version,
        "scored_at": assessment.created_at,
    }


def assessments_compute_bulk(*, change_request_ids: list[int], scoring_model: ScoringModel) -> dict[int, str]:
    """Score many demands with set-based reads and bulk writes; returns each demand's inputs hash.

    A fixed number of queries per call whatever its size: inputs in a few reads, assessments in one
    bulk insert (conflicts on the unique inputs key are skipped, which makes re-runs harmless) and the
    demands' current scores in one bulk update.
    """
    weights = scoring_model.weights()
    inputs_by_id = scoring_inputs_for_ids(change_request_ids)
    assessments, scores = [], []
    for change_request_id, inputs in inputs_by_id.items():
        result = scoring.score(inputs, weights)
        inputs_json = inputs.as_json()
        assessments.append(
            Assessment(
                change_request_id=change_request_id,
                scoring_model=scoring_model,
                total=result.total,
                band=result.band,
                is_provisional=inputs.provisional,
                it_cost=result.it_cost,
                components=result.components_json(),
                inputs=inputs_json,
                inputs_hash=inputs.digest(inputs_json),
            )
        )
        scores.append(
            (
                change_request_id,
                result.total,
                result.band,
                inputs.provisional,
                result.it_cost,
                inputs.value,
                inputs.customers_asking,
            )
        )
    Assessment.objects.bulk_create(assessments, ignore_conflicts=True, batch_size=1000)
    _store_current_scores(scores)
    return {assessment.change_request_id: assessment.inputs_hash for assessment in assessments}


def _store_current_scores(scores: list[tuple[int, Decimal, str, bool, Decimal, Decimal, int]]) -> None:
    """Write the denormalized current score of many demands in one statement."""
    if not scores:
        return
    now = timezone.now()
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        with connection.cursor() as cursor:
            execute_values(
                cursor.cursor,
                "UPDATE intake_changerequest AS cr SET score = v.score, score_band = v.band, "
                "score_is_provisional = v.provisional, it_cost = v.it_cost, value_total = v.value_total, "
                "customers_asking = v.customers_asking, scored_at = v.scored_at "
                "FROM (VALUES %s) AS v(id, score, band, provisional, it_cost, value_total, customers_asking, "
                "scored_at) WHERE cr.id = v.id",
                [(*row, now) for row in scores],
                template="(%s, %s::numeric, %s, %s, %s::numeric, %s::numeric, %s::integer, %s::timestamptz)",
                page_size=1000,
            )
        return
    demands = [
        ChangeRequest(
            pk=pk,
            score=total,
            score_band=band,
            score_is_provisional=provisional,
            it_cost=it_cost,
            value_total=value,
            customers_asking=asking,
            scored_at=now,
        )
        for pk, total, band, provisional, it_cost, value, asking in scores
    ]
    fields = ["score", "score_band", "score_is_provisional", "it_cost", "value_total", "customers_asking", "scored_at"]
    ChangeRequest.objects.bulk_update(demands, fields, batch_size=500)


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
    audit_record(action="estimate", actor=estimated_by, obj=estimate, reference=change_request.reference)
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
        audit_record(action="decision", actor=decided_by, obj=decision, reference=change_request.reference)
        decided = {"outcome": outcome, "decided_at": decision.created_at, "defer_until": defer_until}
        webhook_event_publish(
            event_type=EventType.DEMAND_DECIDED, payload=change_request_webhook_payload(change_request) | decided
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


RESCORE_CHUNK = 2000
RESCORE_TASK = "triage.rescore_open_demands"


@transaction.atomic
def scoring_model_create_version(*, changes: dict, note: str, created_by: AbstractBaseUser | None) -> ScoringModel:
    """Save new weights as the next version and make it the active one; a used model is never edited.

    Every open demand is then rescored by one chunked background job.
    """
    current = ScoringModel.objects.select_for_update().get(is_active=True)
    fields = {name: getattr(current, name) for name in ScoringModel.WEIGHT_FIELDS}
    fields.update({name: value for name, value in changes.items() if name in ScoringModel.WEIGHT_FIELDS})
    next_version = (ScoringModel.objects.aggregate(highest=Max("version"))["highest"] or 0) + 1
    ScoringModel.objects.filter(pk=current.pk).update(is_active=False)
    model = ScoringModel(version=next_version, is_active=True, note=note.strip(), created_by=created_by, **fields)
    model.full_clean()
    model.save()
    rescore_job_start(scoring_model=model, started_by=created_by)
    audit_record(action="scoring_model", actor=created_by, obj=model, reference=f"v{model.version}", details=changes)
    return model


@transaction.atomic
def rescore_job_start(*, scoring_model: ScoringModel, started_by: AbstractBaseUser | None) -> RescoreJob:
    """Queue the rescoring of every open demand; a job already running for this model is returned instead."""
    running = RescoreJob.objects.select_for_update().filter(
        scoring_model=scoring_model, status__in=(RescoreJobStatus.QUEUED, RescoreJobStatus.RUNNING)
    )
    job = running.first()
    if job is None:
        job = RescoreJob.objects.create(
            scoring_model=scoring_model,
            started_by=started_by,
            total=ChangeRequest.objects.filter(status__in=OPEN_STATUSES).count(),
        )
    enqueue_on_commit(RESCORE_TASK, job.pk)
    return job


def rescore_job_run(*, job_id: int, time_budget_seconds: float = 20.0) -> bool:
    """Rescore open demands chunk by chunk for up to `time_budget_seconds`; True once the job is over.

    Each chunk locks the job row, reads its progress, and commits its assessments, the demands'
    scores and the new progress together: a task killed midway, delivered twice or run by two
    workers at once never skips or repeats a chunk. The caller re-enqueues while this returns False,
    so no single task outlives the broker's visibility timeout. A job whose model was replaced stops.
    It publishes no `demand.scored` webhooks: a model change moves every open demand's score at once, and
    one event per demand (100,000 of them) would flood receivers; they pull the API after a model change.
    """
    deadline = time.monotonic() + time_budget_seconds
    while time.monotonic() < deadline:
        with transaction.atomic():
            job = RescoreJob.objects.select_for_update().select_related("scoring_model").get(pk=job_id)
            if not job.is_running:
                return True
            if not job.scoring_model.is_active:
                RescoreJob.objects.filter(pk=job.pk).update(
                    status=RescoreJobStatus.SUPERSEDED, finished_at=timezone.now(), updated_at=timezone.now()
                )
                return True
            ids = list(
                ChangeRequest.objects.filter(status__in=OPEN_STATUSES, pk__gt=job.last_pk)
                .order_by("pk")
                .values_list("pk", flat=True)[:RESCORE_CHUNK]
            )
            if not ids:
                RescoreJob.objects.filter(pk=job.pk).update(
                    status=RescoreJobStatus.DONE, finished_at=timezone.now(), updated_at=timezone.now()
                )
                return True
            assessments_compute_bulk(change_request_ids=ids, scoring_model=job.scoring_model)
            RescoreJob.objects.filter(pk=job.pk).update(
                status=RescoreJobStatus.RUNNING, done=F("done") + len(ids), last_pk=ids[-1], updated_at=timezone.now()
            )
    return False


def scoring_failure_record(*, change_request_id: int, error: str, attempts: int) -> ScoringFailure | None:
    """Remember that scoring a demand failed for good, so people see it and the sweep stops retrying."""
    if not ChangeRequest.objects.filter(pk=change_request_id).exists():
        return None
    failure, _ = ScoringFailure.objects.update_or_create(
        change_request_id=change_request_id, defaults={"error": error[:5000], "attempts": attempts}
    )
    logger.error("scoring %s failed after %s attempts: %s", change_request_id, attempts, error)
    return failure


@transaction.atomic
def scoring_retry(*, change_request: ChangeRequest) -> None:
    """Staff asks to score a failed demand again (after fixing the cause)."""
    ScoringFailure.objects.filter(change_request=change_request).delete()
    enqueue_on_commit(SCORE_TASK, change_request.pk)


@transaction.atomic
def decision_targets_set(*, targets: dict[str, int | None], set_by: AbstractBaseUser) -> None:
    """Replace the decision-time targets (empty removes a scope's target)."""
    for scope, days in targets.items():
        if days:
            DecisionTarget.objects.update_or_create(scope=scope, defaults={"days": days})
        else:
            DecisionTarget.objects.filter(scope=scope).delete()
    audit_record(action="decision_targets", actor=set_by, details=targets)
