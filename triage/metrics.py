"""Triage's gauges for the Prometheus scrape, registered with core's collector when the app is ready."""

from django.utils import timezone

from core.metrics import metric_reading_register
from intake.choices import ChangeRequestStatus
from intake.models import ChangeRequest
from triage.models import ScoringFailure


def scoring_lag_seconds() -> float:
    """Age of the oldest demand still waiting to be scored (set-aside failures are counted apart)."""
    oldest = (
        ChangeRequest.objects.filter(status=ChangeRequestStatus.SUBMITTED, scoring_failure__isnull=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return 0.0 if oldest is None else max((timezone.now() - oldest).total_seconds(), 0.0)


def scoring_failures() -> int:
    """Scoring tasks that ran out of retries and were recorded as failed."""
    return ScoringFailure.objects.count()


def metrics_register() -> None:
    metric_reading_register(
        name="demanddesk_scoring_lag_seconds",
        documentation="Age of the oldest demand still waiting to be scored.",
        read=scoring_lag_seconds,
    )
    metric_reading_register(
        name="demanddesk_scoring_failed_tasks",
        documentation="Scoring tasks recorded as failed after their retries.",
        read=scoring_failures,
    )
