"""`make bench-rescore`: only the rescore scenario, at one size, with 1 and/or 2 worker processes.

Environment: BENCH_SIZE (demands seeded; default 100000), RESCORE_PROCESSES (comma-separated, default "2"),
BENCH_REUSE=1 (keep the bench database as the last run seeded it: each run then rescores the open demands
again under a new model version).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stopwatch, flush_broker, recreate_database, setup_django


def main() -> int:
    setup_django()
    from bench import seed
    from bench.common import Result
    from bench.run import print_table
    from bench.scoring import rescore_all_open

    size = int(os.environ.get("BENCH_SIZE", "100000"))
    results: list[Result] = []
    if not os.environ.get("BENCH_REUSE"):
        recreate_database()
        with Stopwatch() as seeding:
            customer_ids, product_ids = seed.seed_catalogue()
            seed.seed_demands(size, customer_ids=customer_ids, product_ids=product_ids)
            seed.seed_estimates()
            seed.seed_assessments()
        results.append(Result(f"seed {size:,} demands", {"seconds": round(seeding.seconds, 2)}))
    flush_broker()
    from intake.choices import OPEN_STATUSES
    from intake.models import ChangeRequest

    open_count = ChangeRequest.objects.filter(status__in=OPEN_STATUSES).count()
    for processes in [int(value) for value in os.environ.get("RESCORE_PROCESSES", "2").split(",")]:
        results.append(rescore_all_open(processes=processes, target_seconds=open_count / 5_000))
    print(f"load average: {os.getloadavg()}")
    print_table(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
