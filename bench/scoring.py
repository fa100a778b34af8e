"""Scoring benchmarks: throughput of one worker process through Redis, and rescoring every open demand.

Both run the production code path: tasks published to Redis by name, consumed by a real
`celery worker` subprocess (prefork, one child), writing to PostgreSQL.
"""

import time

from bench.common import BENCH_BROKER_URL, BENCH_DATABASE_URL, Result, peak_rss_mib
from tests.processes import CeleryWorker, wait_for


def start_worker(concurrency: int = 1) -> CeleryWorker:
    # The production visibility timeout: these tasks are short, nothing should be redelivered.
    return CeleryWorker(
        BENCH_BROKER_URL,
        database_url=BENCH_DATABASE_URL,
        visibility_timeout=45,
        name="bench",
        extra_env={"LOG_LEVEL": "WARNING"},
        concurrency=concurrency,
    ).start()


def scoring_throughput(*, demand_ids: list[int], worker: CeleryWorker) -> Result:
    """Enqueue one scoring task per demand and time until every assessment is stored."""
    from core.enqueue import enqueue_now
    from intake.models import ChangeRequest

    started = time.perf_counter()
    for demand_id in demand_ids:
        enqueue_now("triage.score_change_request", demand_id)
    enqueued = time.perf_counter() - started
    remaining = ChangeRequest.objects.filter(pk__in=demand_ids, status="submitted")
    wait_for(lambda: not remaining.exists(), timeout=600, interval=0.2)
    elapsed = time.perf_counter() - started
    rate = len(demand_ids) / elapsed
    return Result(
        "scoring, one worker process via Redis (enqueue → stored assessment)",
        {
            "demands": len(demand_ids),
            "seconds": round(elapsed, 2),
            "per_second": round(rate, 1),
            "enqueue_per_second": round(len(demand_ids) / enqueued, 1),
        },
        target="≥ 300 demands/s",
        met=rate >= 300,
    )


def rescore_all_open(*, worker: CeleryWorker, target_seconds: float) -> Result:
    """Save a new model version and time the chunked rescoring job until every open demand is done."""
    from intake.choices import OPEN_STATUSES
    from intake.models import ChangeRequest
    from triage.models import RescoreJob
    from triage.services import scoring_model_create_version

    open_count = ChangeRequest.objects.filter(status__in=OPEN_STATUSES).count()
    started = time.perf_counter()
    model = scoring_model_create_version(
        changes={"weight_roi": 35, "weight_breadth": 20}, note="bench", created_by=None
    )
    job = RescoreJob.objects.get(scoring_model=model)
    wait_for(lambda: RescoreJob.objects.filter(pk=job.pk, status="done").exists(), timeout=1800, interval=0.2)
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
