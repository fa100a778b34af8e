"""Scoring writes: a demand's assessment, scoring batches claimed with SKIP LOCKED, failures and retries."""

import json
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from intake.choices import ChangeRequestStatus, EventVisibility
from intake.models import ChangeRequest, StatusEvent
from intake.services import (
    change_request_scoring_request,
)
from triage import scoring
from triage.models import (
    Assessment,
    ScoringFailure,
    ScoringModel,
)
from triage.selectors import scoring_inputs_for_ids, scoring_model_active
from webhooks.choices import EventType
from webhooks.services import webhook_events_publish

logger = logging.getLogger(__name__)


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
                note_key="score_computed",
                note_params={"total": str(scored[pk].total), "version": scoring_model.version},
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


_SCORE_FIELDS = ("score", "score_band", "score_is_provisional", "it_cost", "value_total", "customers_asking")
# One round trip per page: the assessments go in through a data-modifying CTE and the demands' current
# scores are updated from the same VALUES. Built by hand because bulk_create and bulk_update spent more
# time preparing each row's values in Python than PostgreSQL spent storing them. A demand whose stored score
# already is what was computed is not rewritten (unless its "score due" mark is to be cleared): a rescore that
# moves nothing writes no row version, and the demands table's indexes see only the rows that moved.
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
    "FROM v WHERE cr.id = v.change_request_id AND (v.clear OR (cr.score, cr.score_band, cr.score_is_provisional, "
    "cr.it_cost, cr.value_total, cr.customers_asking) IS DISTINCT FROM (v.total, v.band, v.provisional, v.it_cost, "
    "v.value_total, v.customers_asking))"
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
    stored = {
        pk: tuple(values)
        for pk, *values in ChangeRequest.objects.filter(pk__in=[row.change_request_id for row in rows]).values_list(
            "pk", *_SCORE_FIELDS
        )
    }
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
        # As on PostgreSQL: a demand whose stored score is what was computed is not rewritten.
        if clear_scoring_request
        or stored.get(row.change_request_id)
        != (row.total, row.band, row.provisional, row.it_cost, row.value_total, row.customers_asking)
    ]
    fields = [*_SCORE_FIELDS, "scored_at"]
    if clear_scoring_request:
        fields.append("scoring_requested_at")
    ChangeRequest.objects.bulk_update(demands, fields, batch_size=500)


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
