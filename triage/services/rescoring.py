"""Scoring model versions and rescoring: a new version never edits a used one; rescoring runs in ranges that
several worker processes claim, each task time-boxed."""

import logging
import time

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone

from core.choices import AuditAction
from core.enqueue import enqueue_on_commit
from core.services import audit_record
from intake.choices import OPEN_STATUSES
from intake.models import ChangeRequest
from triage.choices import RescoreJobStatus
from triage.models import (
    RescoreJob,
    RescoreRange,
    ScoringModel,
)
from triage.services.scoring import assessments_compute_bulk

logger = logging.getLogger(__name__)
NOTIFY_RESCORED_TASK = "notifications.rescore_finished"  # tells whoever started the job (notifications app)


def scoring_model_ensure_default() -> ScoringModel:
    """Model v1 of DESIGN.md, active, when no model exists yet (a migration and tests call this)."""
    model = ScoringModel.objects.filter(is_active=True).first()
    if model is None:
        model = ScoringModel.objects.create(version=1, is_active=True, note="Default model v1 from the design.")
    return model


RESCORE_TASK = "triage.rescore_open_demands"
RESCORE_WAIT_SECONDS = 0.25  # how often a worker with nothing to claim looks again while others finish


@transaction.atomic
def scoring_model_create_version(*, changes: dict, note: str, created_by: User | None) -> ScoringModel:
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
    audit_record(
        action=AuditAction.SCORING_MODEL, actor=created_by, obj=model, reference=f"v{model.version}", details=changes
    )
    return model


@transaction.atomic
def rescore_job_start(*, scoring_model: ScoringModel, started_by: User | None) -> RescoreJob:
    """Queue the rescoring of every open demand; a job already running for this model is returned instead.

    `RESCORE_TASKS` tasks are enqueued, so as many worker processes can rescore the job's ranges at once.
    """
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
    for _ in range(settings.RESCORE_TASKS):
        enqueue_on_commit(RESCORE_TASK, job.pk)
    return job


def rescore_job_run(*, job_id: int, time_budget_seconds: float = 20.0) -> bool:
    """Rescore the job's ranges one claim at a time for up to `time_budget_seconds`; True once there is nothing
    left for this task.

    The first run splits the open demands into ranges of `RESCORE_RANGE_SIZE`. Each range is claimed with SKIP
    LOCKED and its assessments, the demands' scores, the range's end and the job's progress commit together:
    several worker processes rescore one job at once, a task killed midway leaves its range (rolled back,
    unlocked) to the next claimant, and no range is rescored twice. A worker that finds every remaining range
    claimed by others waits for them, so a range whose worker died is still finished by this one; the last
    one out marks the job done, once. The caller re-enqueues while this returns False, so no single task
    outlives the broker's visibility timeout. A job whose model was replaced stops.
    It publishes no `demand.scored` webhooks: a model change moves every open demand's score at once, and
    one event per demand (100,000 of them) would flood receivers; they pull the API after a model change.
    """
    deadline = time.monotonic() + time_budget_seconds
    if not _rescore_ranges_ensure(job_id=job_id):
        return True
    while time.monotonic() < deadline:
        claimed = _rescore_next_range(job_id=job_id)
        if claimed is None:
            return True
        if claimed:
            continue
        if not _rescore_job_finish_if_done(job_id=job_id):
            return True
        time.sleep(RESCORE_WAIT_SECONDS)  # the ranges left are held by others; a dead worker's comes free
    return False


def _rescore_ranges_ensure(*, job_id: int) -> bool:
    """Split a job into ranges the first time it runs (the job row locked: once); False if the job is over."""
    with transaction.atomic():
        job = RescoreJob.objects.select_for_update().get(pk=job_id)
        if not job.is_running:
            return False
        if RescoreRange.objects.filter(job=job).exists():
            return True
        bounds, total = _open_demand_bounds(chunk=settings.RESCORE_RANGE_SIZE)
        starts = [0, *bounds]
        RescoreRange.objects.bulk_create(
            RescoreRange(job=job, after_pk=after, through_pk=through)
            for after, through in zip(starts, [*bounds, None], strict=True)
        )
        RescoreJob.objects.filter(pk=job.pk).update(
            status=RescoreJobStatus.RUNNING, total=total, done=0, updated_at=timezone.now()
        )
        return True


def _open_demand_bounds(*, chunk: int) -> tuple[list[int], int]:
    """The id of every `chunk`-th open demand in id order (one window scan), and how many demands are open."""
    table = connection.ops.quote_name(ChangeRequest._meta.db_table)
    statuses = list(OPEN_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, position FROM (SELECT id, row_number() OVER (ORDER BY id) AS position FROM {table} "  # noqa: S608 (our table name)
            f"WHERE status IN ({', '.join(['%s'] * len(statuses))})) AS numbered "
            "WHERE position %% %s = 0 ORDER BY id",
            [*statuses, chunk],
        )
        bounds = [row[0] for row in cursor.fetchall()]
    total = ChangeRequest.objects.filter(status__in=OPEN_STATUSES).count()
    return bounds, total


def _rescore_next_range(*, job_id: int) -> bool | None:
    """Claim one range nobody holds and rescore it: True when done, False when none was free, None if the job
    is over (finished, or stopped because its model was replaced)."""
    with transaction.atomic():
        job = RescoreJob.objects.select_related("scoring_model").get(pk=job_id)
        if not job.is_running:
            return None
        if not job.scoring_model.is_active:
            RescoreJob.objects.filter(pk=job.pk, status__in=(RescoreJobStatus.QUEUED, RescoreJobStatus.RUNNING)).update(
                status=RescoreJobStatus.SUPERSEDED, finished_at=timezone.now(), updated_at=timezone.now()
            )
            return None
        claimed = (
            RescoreRange.objects.select_for_update(skip_locked=True)
            .filter(job_id=job_id, is_done=False)
            .order_by("after_pk")
            .first()
        )
        if claimed is None:
            return False
        demands = ChangeRequest.objects.filter(status__in=OPEN_STATUSES, pk__gt=claimed.after_pk)
        if claimed.through_pk is not None:
            demands = demands.filter(pk__lte=claimed.through_pk)
        ids = list(demands.order_by("pk").values_list("pk", flat=True))
        if ids:
            assessments_compute_bulk(change_request_ids=ids, scoring_model=job.scoring_model)
        RescoreRange.objects.filter(pk=claimed.pk).update(is_done=True, rescored=len(ids))
        RescoreJob.objects.filter(pk=job.pk).update(done=F("done") + len(ids), updated_at=timezone.now())
        return True


def _rescore_job_finish_if_done(*, job_id: int) -> bool:
    """Mark the job done, once, if no range is left; True while ranges held by other workers remain."""
    with transaction.atomic():
        job = RescoreJob.objects.select_for_update().get(pk=job_id)
        if not job.is_running:
            return False
        if RescoreRange.objects.filter(job=job, is_done=False).exists():
            return True
        RescoreJob.objects.filter(pk=job.pk).update(
            status=RescoreJobStatus.DONE, finished_at=timezone.now(), updated_at=timezone.now()
        )
        enqueue_on_commit(NOTIFY_RESCORED_TASK, job.pk)
        return False
