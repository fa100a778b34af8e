"""Scoring benchmarks: throughput of one worker process through Redis, and rescoring every open demand.

Both run the production code path: tasks published to Redis by name, consumed by a real
`celery worker` subprocess (prefork, one child), writing to PostgreSQL.
"""

import time

from bench.common import BENCH_BROKER_URL, Pooler, Result, peak_rss_mib
from tests.processes import CeleryWorker, wait_for


def start_worker(concurrency: int = 1) -> CeleryWorker:
    # The production visibility timeout: these tasks are short, nothing should be redelivered.
    return CeleryWorker(
        BENCH_BROKER_URL,
        database_url=Pooler.database_url(),
        visibility_timeout=45,
        name="bench",
        extra_env={"LOG_LEVEL": "WARNING", **({"DATABASE_POOLER": "pgbouncer"} if Pooler.bouncer else {})},
        concurrency=concurrency,
    ).start()


def scoring_throughput(*, demand_ids: list[int], worker: CeleryWorker) -> Result:
    """Enqueue one scoring task per new demand and time until every demand due for a score has its assessment.

    The work is every demand whose score is due when the tasks go out: the new demands, plus the seeded
    demands still `submitted` (a backlog, as after a burst of filings). Tasks score in batches, so the
    time until the last demand is scored comes before the time until the last (by then empty) task is
    consumed; both are reported.
    """
    import redis
    from django.conf import settings

    from bench.common import BENCH_BROKER_URL
    from core.enqueue import enqueue_now
    from intake.models import ChangeRequest
    from triage.models import Assessment

    due = ChangeRequest.objects.filter(scoring_requested_at__isnull=False)
    due_count = due.count()
    assessments_before = Assessment.objects.count()
    queue = redis.Redis.from_url(BENCH_BROKER_URL)
    started = time.perf_counter()
    for demand_id in demand_ids:
        enqueue_now("triage.score_change_request", demand_id)
    enqueued = time.perf_counter() - started
    wait_for(lambda: not due.exists(), timeout=600, interval=0.1)
    elapsed = time.perf_counter() - started
    wait_for(lambda: queue.llen("celery") == 0, timeout=600, interval=0.1)
    drained = time.perf_counter() - started
    stored = Assessment.objects.count() - assessments_before
    rate = due_count / elapsed
    return Result(
        "scoring, one worker process via Redis (enqueue → stored assessment)",
        {
            "demands": due_count,
            "assessments": stored,
            "tasks": len(demand_ids),
            "batch": settings.SCORING_BATCH_SIZE,
            "seconds": round(elapsed, 2),
            "per_second": round(rate, 1),
            "queue_drained_s": round(drained, 2),
            "enqueue_per_second": round(len(demand_ids) / enqueued, 1),
        },
        target="≥ 300 demands/s",
        met=rate >= 300,
    )


def rescore_all_open(*, worker: CeleryWorker, target_seconds: float) -> Result:
    """Save a new model version and time the chunked rescoring job until every open demand is done."""
    from intake.choices import OPEN_STATUSES
    from intake.models import ChangeRequest
    from triage.choices import RescoreJobStatus
    from triage.models import RescoreJob
    from triage.services import scoring_model_create_version

    open_count = ChangeRequest.objects.filter(status__in=OPEN_STATUSES).count()
    started = time.perf_counter()
    model = scoring_model_create_version(
        changes={"weight_roi": 35, "weight_breadth": 20}, note="bench", created_by=None
    )
    job = RescoreJob.objects.get(scoring_model=model)
    wait_for(
        lambda: RescoreJob.objects.filter(pk=job.pk, status=RescoreJobStatus.DONE).exists(), timeout=1800, interval=0.2
    )
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    children = worker.pool_children()
    rss = max((peak_rss_mib(pid) for pid in children), default=float("nan"))
    return Result(
        f"rescore every open demand after a model change ({open_count:,} open)",
        {
            "demands": job.done,
            "seconds": round(elapsed, 2),
            "per_second": round(job.done / elapsed, 1),
            "worker_peak_rss_mib": round(rss, 1),
        },
        target=f"≤ {target_seconds:g} s",
        met=elapsed <= target_seconds,
    )
