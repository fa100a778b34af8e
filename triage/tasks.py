"""Thin Celery tasks: load by id, call a service."""

from celery import Task, shared_task
from django.conf import settings
from django.db import DatabaseError

from core.enqueue import enqueue_now
from triage import selectors, services


class ScoringTask(Task):
    """When the last retry fails, record the failure instead of retrying forever."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # type: ignore[no-untyped-def]
        services.scoring_failure_record(
            change_request_id=args[0], error=f"{exc.__class__.__name__}: {exc}", attempts=self.request.retries + 1
        )


@shared_task(
    base=ScoringTask,
    name="triage.score_change_request",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=settings.SCORING_RETRY_BACKOFF,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=settings.SCORING_MAX_RETRIES,
)
def score_change_request(change_request_id: int) -> int:
    """Score a demand with the active model, with any others waiting in the same batch; returns how many."""
    scored = services.assessments_compute_requested(
        change_request_id=change_request_id, batch_size=settings.SCORING_BATCH_SIZE
    )
    return len(scored)


@shared_task(name="triage.sweep_unscored", acks_late=True)
def sweep_unscored() -> int:
    """Re-enqueue demands that were never scored; the safety net for a broker that was down."""
    ids = selectors.change_request_ids_unscored(older_than_seconds=settings.SWEEP_GRACE_SECONDS)
    for change_request_id in ids:
        enqueue_now("triage.score_change_request", change_request_id)
    for job_id in selectors.rescore_job_ids_stalled():
        enqueue_now(services.RESCORE_TASK, job_id)
    return len(ids)


@shared_task(
    name="triage.rescore_open_demands",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=2,
    max_retries=6,
)
def rescore_open_demands(job_id: int) -> bool:
    """Rescore open demands after a model change for a bounded time, then hand over to the next run."""
    finished = services.rescore_job_run(job_id=job_id)
    if not finished:
        enqueue_now(services.RESCORE_TASK, job_id)
    return finished
