"""What PgBouncer costs per request, in-process: direct connection against PgBouncer in transaction pooling.

Run after `make bench` (or QUICK=1), on the bench database it left: `python bench/pooler.py [--requests N]`.
For each way of connecting, a child process sets Django up as a gunicorn web process would (the web role's
timeouts; DATABASE_POOLER=pgbouncer through PgBouncer) and sends N requests per page with Django's test client:
the median CPU time of the Django process per request (`time.process_time`), the median wall time, and, through
PgBouncer, PgBouncer's own CPU time per request (from /proc), which a node pays too. CPU times, not rates: they
hold on a busy machine.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_DATABASE_URL, BENCH_ENV, ROOT, Result

WARMUP = 3


def child(requests: int) -> dict[str, dict[str, float]]:
    """In the child: Django on the environment the parent gave, the web role, then N requests per page."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from core.choices import TokenScope
    from core.database import role_apply
    from core.services import api_token_create
    from intake.models import ChangeRequest, Product
    from tests.factories import form_data

    role_apply("web")
    staff = get_user_model().objects.get(username="bench-cio")
    browser = Client()
    browser.force_login(staff)
    _, key = api_token_create(user=staff, name="pooler", scope=TokenScope.READ)
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    reference = ChangeRequest.objects.order_by("pk").values_list("reference", flat=True).first()
    product = Product.objects.first()
    public = Client()

    def form_pair() -> None:
        assert public.get("/requests/new/").status_code == 200
        data = form_data(product, contact_email="pooler@bench.example")
        assert public.post("/requests/new/", data).status_code == 302

    pages = {
        "/healthz (no database)": lambda: public.get("/healthz"),
        "triage queue, first page": lambda: browser.get("/triage/"),
        "demand page": lambda: browser.get(f"/triage/{reference}/"),
        "GET /api/v1/projects/ (50)": lambda: api.get("/api/v1/projects/?page_size=50"),
        "public form GET+POST": form_pair,
        "CSV export, whole queue": lambda: b"".join(browser.get("/triage/export.csv?scope=all").streaming_content),
    }
    # An export reads every demand: a few of them say enough.
    repeat = {name: max(3, requests // 20) if name.startswith("CSV") else requests for name in pages}
    bouncer_pid = int(os.environ.get("POOLER_PID", "0"))
    figures: dict[str, dict[str, float]] = {}
    for name, request in pages.items():
        for _ in range(WARMUP):
            request()
        cpu, wall = [], []
        bouncer_before = _cpu_seconds(bouncer_pid)
        for _ in range(repeat[name]):
            started_cpu, started_wall = time.process_time(), time.perf_counter()
            request()
            cpu.append(time.process_time() - started_cpu)
            wall.append(time.perf_counter() - started_wall)
        figures[name] = {
            "cpu_ms": round(statistics.median(cpu) * 1000, 2),
            "wall_ms": round(statistics.median(wall) * 1000, 2),
        }
        if bouncer_pid:
            spent = _cpu_seconds(bouncer_pid) - bouncer_before
            figures[name]["pgbouncer_cpu_ms"] = round(spent / repeat[name] * 1000, 3)
    return figures


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process `pid` so far (0 without one)."""
    if not pid:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(requests: int, *, through_pgbouncer: bool) -> dict[str, dict[str, float]]:
    from tests.processes import PgBouncer

    env = {**os.environ, **BENCH_ENV}
    env.pop("DB_TIMEOUTS", None)
    bouncer = PgBouncer(BENCH_DATABASE_URL, pool_size=4).start() if through_pgbouncer else None
    try:
        if bouncer is not None:
            env.update(
                DATABASE_URL=bouncer.url_for(BENCH_DATABASE_URL),
                DATABASE_POOLER="pgbouncer",
                POOLER_PID=str(bouncer.process.pid),
            )
        output = subprocess.run(
            [sys.executable, __file__, "--child", str(requests)], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert output.returncode == 0, output.stderr[-3000:]
        return json.loads(output.stdout.strip().splitlines()[-1])
    finally:
        if bouncer is not None:
            bouncer.stop()


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(int(sys.argv[2]))))
        return 0
    requests = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 40
    direct = measure(requests, through_pgbouncer=False)
    pooled = measure(requests, through_pgbouncer=True)
    results = [
        Result(
            name,
            {
                **{f"direct_{key}": value for key, value in direct[name].items()},
                **{f"pgb_{key}": value for key, value in pooled[name].items()},
            },
        )
        for name in direct
    ]
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    exports = max(3, requests // 20)
    print(f"\nmedian per request over {requests} requests ({exports} exports), in-process test client; load {load}")
    for result in results:
        print(f"{result.scenario:<32} " + ", ".join(f"{key}={value}" for key, value in result.figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
