"""`make bench`: seed a dedicated database, run the scenarios, print one table, write JSON to bench/results/.

Environment: BENCH_SIZES (comma-separated demand counts; default "100000"), QUICK=1 (small sizes,
finishes in minutes), SMOKE=1 (tiny, seconds: what CI runs so the benchmarks never rot).
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

from bench.common import ROOT, Result, Stopwatch, flush_broker, recreate_database, setup_django


def sizes() -> list[int]:
    if os.environ.get("SMOKE"):
        return [500]
    if os.environ.get("QUICK"):
        return [10_000]
    return [int(size) for size in os.environ.get("BENCH_SIZES", "100000").split(",")]


def run_size(size: int) -> list[Result]:
    from bench import scoring, seed
    from intake.models import ChangeRequest

    results: list[Result] = []
    recreate_database()
    flush_broker()
    throughput_count = min(3000, max(200, size // 20))
    with Stopwatch() as seeding:
        customer_ids, product_ids = seed.seed_catalogue()
        # Every seeded demand is open: the rescore figure is for exactly `size` open demands.
        seed.seed_demands(size, customer_ids=customer_ids, product_ids=product_ids, statuses=[("scored", 1)])
        seed.seed_estimates()
        seed.seed_demands(
            throughput_count,
            customer_ids=customer_ids,
            product_ids=product_ids,
            statuses=[("submitted", 1)],
            seed=12,
            start_number=size,
        )
    results.append(Result(f"seed {size:,} open demands (COPY)", {"seconds": round(seeding.seconds, 2)}))
    fresh = list(ChangeRequest.objects.filter(status="submitted").values_list("pk", flat=True))
    worker = scoring.start_worker()
    try:
        results.append(scoring.scoring_throughput(demand_ids=fresh, worker=worker))
        results.append(scoring.rescore_all_open(worker=worker, target_seconds=20 * (size + len(fresh)) / 100_000))
    finally:
        worker.stop()
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
    for size in sizes():
        results.extend(run_size(size))
    print_table(results)
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout
    report = {
        "started": started,
        "commit": commit.strip(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "results": [asdict(result) for result in results],
    }
    path = out_dir / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"results written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
