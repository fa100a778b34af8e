"""Scoring's background work: demands whose score is due, stalled rescore jobs, failures and model versions."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from intake.models import ChangeRequest
from triage.choices import RescoreJobStatus
from triage.models import (
    RescoreJob,
    ScoringFailure,
    ScoringModel,
)


def change_request_ids_unscored(*, older_than_seconds: int = 60, limit: int = 1000) -> list[int]:
    """Demands whose score has been due for a while (the broker was down when they were filed, say)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        ChangeRequest.objects.filter(scoring_requested_at__lt=cutoff, scoring_failure__isnull=True)
        .order_by("scoring_requested_at")
        .values_list("pk", flat=True)[:limit]
    )


def rescore_job_ids_stalled(*, older_than_seconds: int = 90) -> list[int]:
    """Rescore jobs that stopped moving (their next run could not be enqueued, or its worker died)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        RescoreJob.objects.filter(
            status__in=(RescoreJobStatus.QUEUED, RescoreJobStatus.RUNNING), updated_at__lt=cutoff
        ).values_list("pk", flat=True)
    )


def scoring_model_list() -> QuerySet[ScoringModel]:
    return ScoringModel.objects.select_related("created_by").order_by("-version")


def scoring_model_by_version(*, version: int) -> ScoringModel | None:
    """One version of the scoring model, active or not, to read or restore."""
    return ScoringModel.objects.select_related("created_by").filter(version=version).first()


def rescore_job_list(*, limit: int = 5) -> list[RescoreJob]:
    return list(RescoreJob.objects.select_related("scoring_model", "started_by").order_by("-created_at")[:limit])


def scoring_failure_list(*, limit: int = 20) -> list[ScoringFailure]:
    return list(ScoringFailure.objects.select_related("change_request").order_by("-failed_at")[:limit])
