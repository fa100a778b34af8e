"""Time the scoring what-if (the CIO's Preview on the scoring-model page): median of 5 dry runs.

    .venv/bin/python bench/whatif.py            # against the bench database `make bench` leaves behind
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/dd_whatif_bench .venv/bin/python bench/whatif.py --seed 100000

`--seed N` drops and recreates the database named by BENCH_DATABASE_URL (never the development or test
one) and fills it with bench/seed.py as `make bench` does: N open demands and N/4 decided ones, a third
with an analyst's estimate, and 2 % of them linked to another demand as the same need. Without it, the
script times whatever the database holds and says so when it holds no open demand.
"""

import argparse
import math
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_DATABASE_URL, recreate_database, setup_django
from intake.choices import ChangeRequestStatus

RUNS = 5
OPEN_MIX = [(ChangeRequestStatus.SUBMITTED, 10), (ChangeRequestStatus.SCORED, 75), (ChangeRequestStatus.NEEDS_INFO, 15)]
DECIDED_MIX = [
    (ChangeRequestStatus.APPROVED, 8),
    (ChangeRequestStatus.REJECTED, 10),
    (ChangeRequestStatus.DEFERRED, 4),
    (ChangeRequestStatus.WITHDRAWN, 3),
]


def seed(count: int) -> None:
    from django.db import connection

    from bench import seed as bench_seed

    recreate_database()
    customer_ids, product_ids = bench_seed.seed_catalogue()
    # `count` open demands (the preview's work), plus a quarter as many decided ones around them.
    bench_seed.seed_demands(count, customer_ids=customer_ids, product_ids=product_ids, statuses=OPEN_MIX)
    bench_seed.seed_demands(
        count // 4,
        customer_ids=customer_ids,
        product_ids=product_ids,
        statuses=DECIDED_MIX,
        seed=12,
        start_number=count,
    )
    bench_seed.seed_estimates()
    with connection.cursor() as cursor:
        # Linked pairs, in both directions of the table and across open and decided demands.
        cursor.execute(
            "INSERT INTO intake_similardemand (change_request_id, similar_to_id, similarity, is_linked, created_at) "
            "SELECT id, id - 7, 0.8, true, now() FROM intake_changerequest "
            "WHERE id %% 50 = 0 AND id - 7 IN (SELECT id FROM intake_changerequest)",
            [],
        )
        cursor.execute("ANALYZE intake_similardemand")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0, help="recreate the database with this many demands first")
    arguments = parser.parse_args()
    setup_django()
    if arguments.seed:
        started = time.perf_counter()
        seed(arguments.seed)
        print(f"seeded {arguments.seed:,} demands in {time.perf_counter() - started:.1f} s")

    from dataclasses import replace

    from django.db import connection
    from django.db.utils import OperationalError, ProgrammingError
    from django.test.utils import CaptureQueriesContext

    from intake.choices import OPEN_STATUSES
    from intake.models import ChangeRequest
    from triage.selectors import scoring_model_active, scoring_whatif

    try:
        open_count = ChangeRequest.objects.filter(status__in=OPEN_STATUSES).count()
    except (OperationalError, ProgrammingError) as error:
        sys.exit(f"no usable database at {BENCH_DATABASE_URL}: {error}")
    if not open_count:
        sys.exit(f"{BENCH_DATABASE_URL} holds no open demand; run `make bench` first or pass --seed 100000")

    # A typical edit: return on IT cost matters less, breadth and urgency more, the fast-track bar lower.
    weights = replace(
        scoring_model_active().weights(),
        weight_roi=Decimal("30"),
        weight_breadth=Decimal("20"),
        weight_urgency=Decimal("15"),
        fast_track_threshold=Decimal("65"),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]
    seconds, cpu_seconds = [], []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            started, python_cpu, server_cpu = time.perf_counter(), time.process_time(), backend_cpu(backend_pid)
            result = scoring_whatif(weights=weights)
            seconds.append(time.perf_counter() - started)
            cpu_seconds.append(time.process_time() - python_cpu + backend_cpu(backend_pid) - server_cpu)
    print(f"database: {BENCH_DATABASE_URL}")
    print(f"open demands: {open_count:,} (scored {result.scored:,}, not yet scored {result.not_yet_scored:,})")
    print(f"demands moving band: {result.moved:,}; queries per dry run: {len(queries)}")
    print(
        f"what-if dry run, {RUNS} runs: median {statistics.median(seconds):.3f} s "
        f"(min {min(seconds):.3f} s, max {max(seconds):.3f} s); target < 2 s at 100,000 open demands"
    )
    if not math.isnan(cpu_seconds[0]):
        # On a busy machine wall time waits for the cores; the CPU both processes spent is what a quiet one needs.
        print(
            f"CPU time (this process + its PostgreSQL backend), median {statistics.median(cpu_seconds):.3f} s; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )


def backend_cpu(pid: int) -> float:
    """CPU seconds a PostgreSQL backend on this machine has used (NaN when the server is elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


if __name__ == "__main__":
    main()
