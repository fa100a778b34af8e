"""`make bench`: seed a dedicated database, run the scenarios, print one table, write JSON to bench/results/.

Environment: BENCH_SIZES (comma-separated demand counts; default "100000"), QUICK=1 (small sizes,
finishes in minutes), SMOKE=1 (tiny, seconds: what CI runs so the benchmarks never rot), BENCH_PGBOUNCER=1 (web
processes and workers through PgBouncer in transaction pooling, bench/common.py), BENCH_WORKER_PROCESSES (the
scoring worker's prefork processes, 1 by default).
"""

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ROOT,
    ConnectionPeak,
    Pooler,
    Result,
    Stopwatch,
    flush_broker,
    recreate_database,
    setup_django,
)


def sizes() -> list[int]:
    if os.environ.get("SMOKE"):
        return [500]
    if os.environ.get("QUICK"):
        return [10_000]
    return [int(size) for size in os.environ.get("BENCH_SIZES", "100000").split(",")]


def project_count() -> int:
    if os.environ.get("BENCH_PROJECTS"):
        return int(os.environ["BENCH_PROJECTS"])
    if os.environ.get("SMOKE"):
        return 200
    return 10_000 if os.environ.get("QUICK") else 100_000


def run_size(size: int) -> list[Result]:
    from bench import scoring, seed
    from bench.web import http_results
    from intake.choices import OPEN_STATUSES, ChangeRequestStatus
    from intake.models import ChangeRequest

    results: list[Result] = []
    recreate_database()
    flush_broker()
    projects = project_count()
    smoke = bool(os.environ.get("SMOKE"))
    throughput_count = 50 if smoke else min(3000, max(200, size // 20))
    with Stopwatch() as seeding:
        customer_ids, product_ids = seed.seed_catalogue()
        seed.seed_demands(size, customer_ids=customer_ids, product_ids=product_ids)
        seed.seed_estimates()
        seed.seed_assessments()
        seed.seed_projects(projects, customer_ids=customer_ids)
    results.append(
        Result(
            f"seed {size:,} demands (realistic mix) and {projects:,} projects",
            {"seconds": round(seeding.seconds, 2)},
            "1,000,000 in ≤ 300 s" if size >= 1_000_000 else "",
        )
    )
    scale = 0.02 if smoke else (0.25 if os.environ.get("QUICK") else 1.0)
    with ConnectionPeak() as web_connections:
        results.extend(http_results(size=size, projects=projects, scale=scale))
    # Scoring last: it adds demands and rewrites scores, which the page scenarios above should not see.
    seed.seed_demands(
        throughput_count,
        customer_ids=customer_ids,
        product_ids=product_ids,
        statuses=[(ChangeRequestStatus.SUBMITTED, 1)],
        seed=12,
        start_number=size + 10_000,
    )
    fresh = list(
        ChangeRequest.objects.filter(status=ChangeRequestStatus.SUBMITTED)
        .order_by("-pk")
        .values_list("pk", flat=True)[:throughput_count]
    )
    # The form scenario left its scoring, similarity and e-mail tasks queued: drop them, so the
    # throughput below measures only the tasks it enqueues.
    flush_broker()
    worker_processes = int(os.environ.get("BENCH_WORKER_PROCESSES", "1"))
    worker = scoring.start_worker(concurrency=worker_processes)
    try:
        with ConnectionPeak() as worker_connections:
            results.append(scoring.scoring_throughput(demand_ids=fresh, worker=worker))
    finally:
        worker.stop()
    open_count = ChangeRequest.objects.filter(status__in=OPEN_STATUSES).count()
    with ConnectionPeak() as rescore_connections:
        results.append(scoring.rescore_all_open(processes=2, target_seconds=open_count / 5_000))
    results.append(
        Result(
            f"PostgreSQL server connections at most [{size:,} demands]: {Pooler.label()}",
            {"web_scenarios": web_connections.peak, "worker_scenarios": worker_connections.peak,
             "rescore_scenario": rescore_connections.peak, "worker_processes": worker_processes},
        )
    )  # fmt: skip
    return results


def print_table(results: list[Result]) -> None:
    print()
    print(f"{'scenario':<78} {'figures':<70} {'target':<16} met")
    print("-" * 172)
    for result in results:
        figures = ", ".join(f"{key}={value}" for key, value in result.figures.items())
        met = "" if result.met is None else ("yes" if result.met else "NO")
        print(f"{result.scenario:<78} {figures:<70} {result.target:<16} {met}")
    print()


def main() -> int:
    setup_django()
    results: list[Result] = []
    started = time.time()
    Pooler.start()
    try:
        for size in sizes():
            results.extend(run_size(size))
    finally:
        Pooler.stop()
    print_table(results)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout
    report = {
        "started": started,
        "commit": commit.strip(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "database": "pgbouncer" if os.environ.get("BENCH_PGBOUNCER") else "direct",
        "results": [asdict(result) for result in results],
    }
    path = out_dir / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"results written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
