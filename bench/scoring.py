"""Scoring benchmarks: throughput of one worker process through Redis, and rescoring every open demand.

Both run the production code path: tasks published to Redis by name, consumed by a real
`celery worker` subprocess (prefork, one child), writing to PostgreSQL.
"""

import time
from pathlib import Path

from django.test import override_settings

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
        target="≥ 2,000 demands/s",
        met=rate >= 2_000,
    )


def rescore_all_open(*, processes: int, target_seconds: float) -> Result:
    """Save a new model version and time the rescoring job, run by `processes` worker processes, until it is done.

    Besides the rate: the peak RSS of each worker process (memory flat whatever the size), the CPU seconds per
    10,000 demands of the worker processes and of the PostgreSQL backends serving them (comparable on a busy
    machine, where wall-clock time is not), and how many of the demands table's updates were HOT.
    """
    from intake.choices import OPEN_STATUSES
    from intake.models import ChangeRequest
    from triage.choices import RescoreJobStatus
    from triage.models import RescoreJob
    from triage.selectors import scoring_model_active
    from triage.services import scoring_model_create_version

    worker = CeleryWorker(
        BENCH_BROKER_URL,
        database_url=Pooler.database_url(),
        visibility_timeout=45,
        name="bench-rescore",
        extra_env={
            "LOG_LEVEL": "WARNING",
            "RESCORE_TASKS": str(processes),
            "CONN_MAX_AGE": "60",
            **({"DATABASE_POOLER": "pgbouncer"} if Pooler.bouncer else {}),
        },
        concurrency=processes,
    ).start()
    try:
        open_count = ChangeRequest.objects.filter(status__in=OPEN_STATUSES).count()
        demands_before = table_writes("intake_changerequest")
        cpu = CpuMeter(worker)
        started = time.perf_counter()
        active = scoring_model_active()
        # Weights other than the active model's, so every run moves the scores (a rerun of the same weights
        # would rewrite nothing).
        changes = {"weight_roi": 75 - active.weight_roi, "weight_breadth": 35 - active.weight_breadth}
        with override_settings(RESCORE_TASKS=processes):
            model = scoring_model_create_version(changes=changes, note="bench", created_by=None)
        job = RescoreJob.objects.get(scoring_model=model)
        finished = RescoreJob.objects.filter(pk=job.pk, status=RescoreJobStatus.DONE)
        while not finished.exists():
            cpu.sample()  # often: a backend's CPU time is lost with it if it closes
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        cpu.sample()
        job.refresh_from_db()
        rss = [peak_rss_mib(pid) for pid in worker.pool_children()]
    finally:
        worker.stop()
    demands_after = table_writes("intake_changerequest")
    updates = demands_after[0] - demands_before[0]
    hot = demands_after[1] - demands_before[1]
    return Result(
        f"rescore every open demand after a model change ({open_count:,} open), {processes} worker process(es)",
        {
            "demands": job.done,
            "seconds": round(elapsed, 2),
            "per_second": round(job.done / elapsed, 1),
            "worker_peak_rss_mib": "/".join(f"{value:.0f}" for value in rss),
            "cpu_s_per_10k_workers": round(cpu.workers * 10_000 / max(job.done, 1), 2),
            "cpu_s_per_10k_postgres": round(cpu.backends * 10_000 / max(job.done, 1), 2),
            "demand_updates": updates,
            "hot_updates": hot,
        },
        target=f"≤ {target_seconds:g} s",
        met=elapsed <= target_seconds,
    )


def table_writes(table: str) -> tuple[int, int]:
    """A table's (updates, HOT updates) so far, from PostgreSQL's statistics (flushed first)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        time.sleep(1.5)  # other backends report their counters at most once a second
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = %s", [table])
        updates, hot = cursor.fetchone()
    return updates, hot


class CpuMeter:
    """CPU seconds used since it was made by a worker's pool processes and by this database's other backends."""

    def __init__(self, worker: CeleryWorker) -> None:
        self.worker = worker
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.kinds: dict[int, str] = {}
        self.sample()
        self.start = dict(self.last)

    def sample(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
            backends = [row[0] for row in cursor.fetchall()]
        for kind, pids in (("worker", self.worker.pool_children()), ("backend", backends)):
            for pid in pids:
                seconds = cpu_seconds(pid)
                if seconds is not None:
                    self.last[pid], self.kinds[pid] = seconds, kind

    def used(self, kind: str) -> float:
        return sum(seconds - self.start.get(pid, 0.0) for pid, seconds in self.last.items() if self.kinds[pid] == kind)

    @property
    def workers(self) -> float:
        return self.used("worker")

    @property
    def backends(self) -> float:
        return self.used("backend")


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process, from /proc (None once it is gone)."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
