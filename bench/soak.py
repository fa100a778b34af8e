"""A bounded soak: customers submitting, staff reading and API clients polling at once, then the books checked.

    python bench/soak.py --seconds 300

Against gunicorn, PostgreSQL, Redis and one Celery worker started as production runs them. Passes when
no request got a 5xx or no answer, the database holds exactly one demand per accepted submission, and
the scoring queue is empty (every new demand scored) within two minutes after the load stops.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_BROKER_URL, ROOT, flush_broker, recreate_database, setup_django


def load_process(base: str, seconds: float, **options) -> subprocess.Popen:
    command = [
        sys.executable,
        str(ROOT / "bench" / "load.py"),
        "--base",
        base,
        "--max-seconds",
        str(seconds),
        "--requests",
        "100000000",
    ]
    for key, value in options.items():
        for item in value if isinstance(value, list) else [value]:
            command += [f"--{key.replace('_', '-')}", str(item)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300)
    args = parser.parse_args()
    setup_django()

    import redis
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from bench import scoring, seed
    from bench.web import Gunicorn
    from core.choices import TokenScope
    from core.services import api_token_create
    from intake.choices import ChangeRequestStatus
    from intake.models import ChangeRequest

    recreate_database()
    flush_broker()
    customer_ids, product_ids = seed.seed_catalogue()
    seed.seed_demands(2000, customer_ids=customer_ids, product_ids=product_ids)
    seed.seed_assessments()
    seed.seed_projects(200, customer_ids=customer_ids)
    cio, _ = get_user_model().objects.get_or_create(username="soak-cio", defaults={"is_staff": True})
    cio.groups.add(Group.objects.get(name="CIO"))
    client = Client()
    client.force_login(cio)
    session = f"Cookie: sessionid={client.cookies['sessionid'].value}"
    token = f"Authorization: Token {api_token_create(user=cio, name='soak', scope=TokenScope.READ)[1]}"
    references = list(ChangeRequest.objects.order_by("?").values_list("reference", flat=True)[:50])
    before = ChangeRequest.objects.count()

    # One worker pool process per core, as a 2-core production machine would run: each filing brings
    # three tasks (scoring, similarity, e-mail).
    server, worker = Gunicorn().start(), scoring.start_worker(concurrency=2)
    try:
        started = time.time()
        drivers = {
            "customers submitting": load_process(server.base, args.seconds, mode="form", concurrency=3),
            "staff reading": load_process(
                server.base,
                args.seconds,
                concurrency=2,
                header=session,
                path=["/triage/", "/portfolio/", *(f"/triage/{reference}/" for reference in references[:10])],
            ),
            "API clients polling": load_process(
                server.base,
                args.seconds,
                concurrency=2,
                header=token,
                path=["/api/v1/projects/?page_size=50", "/api/v1/portfolio/summary/"],
            ),
        }
        figures = {name: json.loads(process.communicate()[0]) for name, process in drivers.items()}
        load_seconds = time.time() - started
        accepted = figures["customers submitting"]["statuses"].get("302", 0)
        broker = redis.Redis.from_url(BENCH_BROKER_URL, socket_timeout=2)
        drain_started = time.time()
        while time.time() - drain_started < 120:
            if (
                broker.llen("celery") == 0
                and not ChangeRequest.objects.filter(
                    status=ChangeRequestStatus.SUBMITTED, contact_name="Load Test"
                ).exists()
            ):
                break
            time.sleep(1)
        drained_after = time.time() - drain_started
        created = ChangeRequest.objects.count() - before
        unscored = ChangeRequest.objects.filter(status=ChangeRequestStatus.SUBMITTED, contact_name="Load Test").count()
    finally:
        worker.stop()
        server.stop()

    failures = {
        name: sum(n for code, n in result["statuses"].items() if code == "0" or code.startswith("5"))
        for name, result in figures.items()
    }
    report = {
        "seconds": round(load_seconds, 1),
        "drivers": figures,
        "server_errors_or_no_answer": failures,
        "accepted_submissions": accepted,
        "demands_created": created,
        "queue_drained_after_seconds": round(drained_after, 1),
        "left_unscored": unscored,
    }
    passed = not any(failures.values()) and created == accepted and unscored == 0 and drained_after < 120
    print(f"\nsoak of {load_seconds:.0f} s")
    for name, result in figures.items():
        print(
            f"  {name:<22} requests={result['requests']} rps={result['rps']} p50={result['p50']} ms "
            f"p99={result['p99']} ms statuses={result['statuses']}"
        )
    print(f"  5xx or no answer: {failures}")
    print(
        f"  accepted submissions {accepted}, demands created {created}; queue drained {drained_after:.1f} s "
        f"after the load, {unscored} left unscored"
    )
    print("  PASSED" if passed else "  FAILED")
    out = ROOT / "bench" / "results" / f"soak-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**report, "passed": passed}, indent=2))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
