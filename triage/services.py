"""Triage writes: scoring a demand, cost estimates, asking the customer, linking demands, deciding."""

import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext

from core.enqueue import enqueue_on_commit
from core.exceptions import ApplicationError
from core.services import audit_record
from intake.choices import OPEN_STATUSES, ChangeRequestStatus, EventVisibility
from intake.models import ChangeRequest, Customer, SimilarDemand, StatusEvent
from intake.selectors import change_request_webhook_payload
from intake.services import (
    InvalidTransition,
    change_request_scoring_request,
    change_request_transition,
    status_event_record,
)
from triage import scoring
from triage.choices import DecisionOutcome, RescoreJobStatus
from triage.models import (
    Assessment,
    CostEstimate,
    Decision,
    DecisionTarget,
    QuarterCapacity,
    RescoreJob,
    ScoringFailure,
    ScoringModel,
)
from triage.selectors import capacity_latest, decision_latest, scoring_inputs_for_ids, scoring_model_active
from webhooks.choices import EventType
from webhooks.services import webhook_event_publish, webhook_events_publish

logger = logging.getLogger(__name__)

DECIDABLE_STATUSES = (
    ChangeRequestStatus.SUBMITTED,
    ChangeRequestStatus.SCORED,
    ChangeRequestStatus.NEEDS_INFO,
    ChangeRequestStatus.DEFERRED,
)
ASKABLE_STATUSES = (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.SCORED, ChangeRequestStatus.DEFERRED)


class AlreadyDecided(ApplicationError):
    """Someone decided this demand first."""


@dataclass(frozen=True)
class ScoredDemand:
    """What scoring stored for one demand."""

    total: Decimal
    band: str
    provisional: bool
    inputs_hash: str


def assessment_compute(*, change_request_id: int) -> Assessment | None:
    """Score one demand with the active model and make it the demand's current score.

    Idempotent: the same inputs under the same model version reuse the stored assessment (a unique
    key), so a task delivered twice stores one row. The demand row is locked while scoring so two
    workers cannot interleave their writes of the current score.
    """
    with transaction.atomic():
        locked = ChangeRequest.objects.select_for_update().filter(pk=change_request_id)
        row = locked.values_list(*_LOCKED_FIELDS).first()
        if row is None:
            return None
        model = scoring_model_active()
        scored = _score_locked_demands(rows=[row], scoring_model=model)
        return Assessment.objects.get(
            change_request_id=change_request_id, scoring_model=model, inputs_hash=scored[change_request_id].inputs_hash
        )


def assessments_compute_requested(*, change_request_id: int, batch_size: int) -> list[int]:
    """Score the demand a task was enqueued for and, in the same run, up to `batch_size - 1` others waiting.

    The scoring task's path. Scoring one demand costs a dozen statements whatever the batch, so a worker
    that finds a backlog scores it a batch at a time, and the tasks of demands already scored by a batch
    end after two statements. The enqueued demand is locked waiting (it is what was asked for); the others
    are claimed with SKIP LOCKED, so two workers never wait on each other and never score one demand twice.
    Demands with a recorded scoring failure are only scored when asked for by name (staff's retry).
    If the batch fails (one bad demand among them, say), the enqueued demand is scored on its own, so
    another demand's fault never becomes this one's. Returns the ids scored.
    """
    if batch_size > 1:
        try:
            return _compute_requested(change_request_id=change_request_id, batch_size=batch_size)
        except (DatabaseError, ArithmeticError, ValueError):
            logger.warning("scoring a batch with demand %s failed; scoring it alone", change_request_id, exc_info=True)
    return _compute_requested(change_request_id=change_request_id, batch_size=1)


def _compute_requested(*, change_request_id: int, batch_size: int) -> list[int]:
    with transaction.atomic():
        rows = list(
            ChangeRequest.objects.select_for_update()
            .filter(pk=change_request_id)
            .filter(Q(scoring_requested_at__isnull=False) | Q(status=ChangeRequestStatus.SUBMITTED))
            .values_list(*_LOCKED_FIELDS)
        )
        if batch_size > len(rows):
            rows += (
                ChangeRequest.objects.select_for_update(skip_locked=True)
                .filter(scoring_requested_at__isnull=False)
                .exclude(Exists(ScoringFailure.objects.filter(change_request_id=OuterRef("pk"))))
                .exclude(pk=change_request_id)
                .order_by("scoring_requested_at")
                .values_list(*_LOCKED_FIELDS)[: batch_size - len(rows)]
            )
        if not rows:
            return []
        _score_locked_demands(rows=rows, scoring_model=scoring_model_active())
        return [row[0] for row in rows]


# What a scoring run reads of each demand it locks: its status moves, and the old score tells news apart.
_LOCKED_FIELDS = ("pk", "status", "reference", "score", "score_band")


def _score_locked_demands(*, rows: list[tuple], scoring_model: ScoringModel) -> dict[int, ScoredDemand]:
    """Score demands whose rows the caller holds locked: new assessments, current scores, the mark cleared,
    `submitted` → `scored` with its event, any recorded failure forgotten, and a `demand.scored` webhook
    event for each demand whose score or band changed; a fixed number of statements when nobody subscribes."""
    ids = [row[0] for row in rows]
    scored = assessments_compute_bulk(change_request_ids=ids, scoring_model=scoring_model, clear_scoring_request=True)
    ScoringFailure.objects.filter(change_request_id__in=ids).delete()
    newly_scored = [pk for pk, status, *_ in rows if status == ChangeRequestStatus.SUBMITTED and pk in scored]
    if newly_scored:
        ChangeRequest.objects.filter(pk__in=newly_scored, status=ChangeRequestStatus.SUBMITTED).update(
            status=ChangeRequestStatus.SCORED, updated_at=timezone.now()
        )
        StatusEvent.objects.bulk_create(
            StatusEvent(
                change_request_id=pk,
                from_status=ChangeRequestStatus.SUBMITTED,
                to_status=ChangeRequestStatus.SCORED,
                note=f"Scored {scored[pk].total} with model v{scoring_model.version}.",
                visibility=EventVisibility.INTERNAL,
            )
            for pk in newly_scored
        )
    scored_at = timezone.now()
    webhook_events_publish(
        event_type=EventType.DEMAND_SCORED,
        payloads=[
            {
                "reference": reference,
                "status": ChangeRequestStatus.SCORED if pk in newly_scored else status,
                "score": scored[pk].total,
                "band": scored[pk].band,
                "previous_score": previous_score,
                "previous_band": previous_band or None,
                "provisional": scored[pk].provisional,
                "scoring_model_version": scoring_model.version,
                "scored_at": scored_at,
            }
            for pk, status, reference, previous_score, previous_band in rows
            # Only a changed score or band is news.
            if pk in scored and (previous_score, previous_band) != (scored[pk].total, scored[pk].band)
        ],
    )
    return scored


def assessments_compute_bulk(
    *, change_request_ids: list[int], scoring_model: ScoringModel, clear_scoring_request: bool = False
) -> dict[int, ScoredDemand]:
    """Score many demands with set-based reads and bulk writes; returns each demand's total, band and inputs hash.

    A fixed number of queries per call whatever its size: inputs in a few reads, then the assessments
    inserted (conflicts on the unique inputs key are skipped, which makes re-runs harmless) and the demands'
    current scores updated, in one statement per thousand demands on PostgreSQL. `clear_scoring_request`
    also clears the demands' "score due" mark: only for callers holding the rows locked, so a change
    committed meanwhile keeps its mark.
    """
    weights = scoring_model.weights()
    rows: list[_ScoreRow] = []
    for change_request_id, inputs in scoring_inputs_for_ids(change_request_ids).items():
        result = scoring.score(inputs, weights)
        inputs_text = inputs.canonical_json()
        rows.append(
            _ScoreRow(
                change_request_id=change_request_id,
                total=result.total,
                band=result.band,
                provisional=inputs.provisional,
                it_cost=result.it_cost,
                value_total=inputs.value,
                customers_asking=inputs.customers_asking,
                components=json.dumps(result.components_json()),
                inputs=inputs_text,
                inputs_hash=scoring.inputs_digest(inputs_text),
            )
        )
    if rows:
        store = _store_scores_postgresql if connection.vendor == "postgresql" else _store_scores_orm
        store(rows, scoring_model=scoring_model, clear_scoring_request=clear_scoring_request)
    return {row.change_request_id: ScoredDemand(row.total, row.band, row.provisional, row.inputs_hash) for row in rows}


@dataclass(frozen=True)
class _ScoreRow:
    change_request_id: int
    total: Decimal
    band: str
    provisional: bool
    it_cost: Decimal
    value_total: Decimal
    customers_asking: int
    components: str  # JSON text
    inputs: str  # JSON text, the one the inputs hash is taken of
    inputs_hash: str


# One round trip per page: the assessments go in through a data-modifying CTE and the demands' current
# scores are updated from the same VALUES. Built by hand because bulk_create and bulk_update spent more
# time preparing each row's values in Python than PostgreSQL spent storing them.
_STORE_SCORES_SQL = (
    "WITH v (change_request_id, total, band, provisional, it_cost, value_total, customers_asking, components, "
    "inputs, inputs_hash, scoring_model_id, now, clear) AS (VALUES %s), "
    "stored AS (INSERT INTO triage_assessment (change_request_id, scoring_model_id, total, band, is_provisional, "
    "it_cost, components, inputs, inputs_hash, created_at) "
    "SELECT change_request_id, scoring_model_id, total, band, provisional, it_cost, components, inputs, "
    "inputs_hash, now FROM v ON CONFLICT ON CONSTRAINT assessment_once_per_inputs DO NOTHING) "
    "UPDATE intake_changerequest AS cr SET score = v.total, score_band = v.band, score_is_provisional = v.provisional, "
    "it_cost = v.it_cost, value_total = v.value_total, customers_asking = v.customers_asking, scored_at = v.now, "
    "scoring_requested_at = CASE WHEN v.clear THEN NULL ELSE cr.scoring_requested_at END "
    "FROM v WHERE cr.id = v.change_request_id"
)
_STORE_SCORES_TEMPLATE = (
    "(%s::integer, %s::numeric, %s::varchar, %s::boolean, %s::numeric, %s::numeric, %s::integer, %s::jsonb, "
    "%s::jsonb, %s::varchar, %s::integer, %s::timestamptz, %s::boolean)"
)


def _store_scores_postgresql(
    rows: list[_ScoreRow], *, scoring_model: ScoringModel, clear_scoring_request: bool
) -> None:
    from psycopg2.extras import execute_values

    now = timezone.now()
    values = [
        (
            row.change_request_id,
            row.total,
            row.band,
            row.provisional,
            row.it_cost,
            row.value_total,
            row.customers_asking,
            row.components,
            row.inputs,
            row.inputs_hash,
            scoring_model.pk,
            now,
            clear_scoring_request,
        )
        for row in rows
    ]
    # The raw psycopg2 cursor bypasses Django's error translation; wrap it, so callers (and Celery's
    # autoretry_for) see django.db.DatabaseError as from any other query.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        execute_values(cursor.cursor, _STORE_SCORES_SQL, values, template=_STORE_SCORES_TEMPLATE, page_size=1000)


def _store_scores_orm(rows: list[_ScoreRow], *, scoring_model: ScoringModel, clear_scoring_request: bool) -> None:
    """The same writes through the ORM, for the embedded SQLite default."""
    now = timezone.now()
    Assessment.objects.bulk_create(
        [
            Assessment(
                change_request_id=row.change_request_id,
                scoring_model=scoring_model,
                total=row.total,
                band=row.band,
                is_provisional=row.provisional,
                it_cost=row.it_cost,
                components=json.loads(row.components),
                inputs=json.loads(row.inputs),
                inputs_hash=row.inputs_hash,
            )
            for row in rows
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    demands = [
        ChangeRequest(
            pk=row.change_request_id,
            score=row.total,
            score_band=row.band,
            score_is_provisional=row.provisional,
            it_cost=row.it_cost,
            value_total=row.value_total,
            customers_asking=row.customers_asking,
            scored_at=now,
            scoring_requested_at=None,
        )
        for row in rows
    ]
    fields = ["score", "score_band", "score_is_provisional", "it_cost", "value_total", "customers_asking", "scored_at"]
    if clear_scoring_request:
        fields.append("scoring_requested_at")
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
    change_request_scoring_request(change_request_id=change_request.pk)
    return estimate


def change_request_ask_information(
    *, change_request: ChangeRequest, question: str, asked_by: AbstractBaseUser
) -> ChangeRequest:
    """Ask the customer a question; the demand waits in `needs_info` until they answer."""
    question = question.strip()
    if not question:
        raise ApplicationError(gettext("Write the question the customer should answer."))
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
    change_request_scoring_request(change_request_id=change_request.pk)
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
        change_request_scoring_request(change_request_id=this.pk)
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
        raise ApplicationError(gettext("Write the rationale for this decision."))
    if outcome == DecisionOutcome.REJECTED and not customer_message.strip():
        raise ApplicationError(gettext("Write the message the customer will read about this rejection."))
    if outcome == DecisionOutcome.DEFERRED and (defer_until is None or defer_until <= timezone.localdate()):
        raise ApplicationError(gettext("Choose a future date to defer this demand until."))
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
                gettext("%(reference)s was already decided: %(outcome)s by %(who)s at %(decided_at)s.")
                % {
                    "reference": change_request.reference,
                    "outcome": winner.get_outcome_display().lower(),
                    "who": who,
                    "decided_at": f"{timezone.localtime(winner.created_at):%Y-%m-%d %H:%M}",
                },
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
    change_request_scoring_request(change_request_id=change_request.pk)


@transaction.atomic
def decision_targets_set(*, targets: dict[str, int | None], set_by: AbstractBaseUser) -> None:
    """Replace the decision-time targets (empty removes a scope's target)."""
    for scope, days in targets.items():
        if days:
            DecisionTarget.objects.update_or_create(scope=scope, defaults={"days": days})
        else:
            DecisionTarget.objects.filter(scope=scope).delete()
    audit_record(action="decision_targets", actor=set_by, details=targets)


@transaction.atomic
def quarter_capacities_set(
    *, capacities: dict[date, Decimal | None], set_by: AbstractBaseUser
) -> list[QuarterCapacity]:
    """Set the capacity of some quarters (None removes it); only the quarters whose value changes get a row.

    Rows are appended, never edited: the table keeps who set which capacity when. The quarters' rows are
    locked first, so two people saving at once append in turn and each compares with the latest value.
    """
    list(QuarterCapacity.objects.select_for_update().filter(quarter_start__in=list(capacities)))
    current = capacity_latest(quarters=list(capacities))
    changed = []
    for quarter, person_days in capacities.items():
        if person_days == current[quarter]:
            continue
        row = QuarterCapacity(quarter_start=quarter, person_days=person_days, set_by=set_by)
        row.full_clean()
        row.save()
        changed.append(row)
    return changed
