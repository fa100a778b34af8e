"""Scoring model versions and rescoring: a new version never edits a used one; rescoring runs in time-boxed chunks."""

import logging
import time

from django.contrib.auth.models import User
from django.db import transaction
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


RESCORE_CHUNK = 2000
RESCORE_TASK = "triage.rescore_open_demands"


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
                enqueue_on_commit(NOTIFY_RESCORED_TASK, job.pk)
                return True
            assessments_compute_bulk(change_request_ids=ids, scoring_model=job.scoring_model)
            RescoreJob.objects.filter(pk=job.pk).update(
                status=RescoreJobStatus.RUNNING, done=F("done") + len(ids), last_pk=ids[-1], updated_at=timezone.now()
            )
    return False
