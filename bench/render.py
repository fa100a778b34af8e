"""CPU time per request of the staff pages, in-process: the triage queue, the demand page, the portfolio page.

    .venv/bin/python bench/render.py --seed 100000     # recreate BENCH_DATABASE_URL's database, then measure
    .venv/bin/python bench/render.py                   # measure against what the bench database holds
    make bench-render                                  # the same, against the database `make bench` leaves

Each page is requested through Django's test client (DEBUG=False, a CIO's session) `--runs` times after a
warm-up; the figure is the median of `time.process_time()` around each request, so PostgreSQL's own time and
the other processes on a busy machine are left out. `--profile PAGE` prints a cProfile of that page instead.

`--seed N` drops and recreates the database named by BENCH_DATABASE_URL (never the development or test one)
and fills it as `make bench` does: N demands in the realistic mix, estimates, assessments, and N projects
(`--projects` to change). The candidates measured for issue 22 and their figures are in docs/benchmarks.md.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import recreate_database, setup_django


def seed(count: int, projects: int) -> None:
    from bench import seed as bench_seed

    recreate_database()
    customer_ids, product_ids = bench_seed.seed_catalogue()
    bench_seed.seed_demands(count, customer_ids=customer_ids, product_ids=product_ids)
    bench_seed.seed_estimates()
    bench_seed.seed_assessments()
    bench_seed.seed_projects(projects, customer_ids=customer_ids)


DEMAND_PAGES = 20


def pages() -> dict[str, list[str]]:
    """Each page's paths: the demand page cycles over demands spread over the table (every status)."""
    from intake.models import ChangeRequest

    references = list(ChangeRequest.objects.order_by("pk").values_list("reference", flat=True))
    references = references[:: max(1, len(references) // DEMAND_PAGES)][:DEMAND_PAGES]  # the same ones every run
    return {
        "/healthz": ["/healthz"],
        "triage queue (first page, charts)": ["/triage/"],
        "demand page": [f"/triage/{reference}/" for reference in references],
        "portfolio page": ["/portfolio/"],
    }


def client_for_cio():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    cio, _ = get_user_model().objects.get_or_create(username="bench-cio", defaults={"is_staff": True})
    cio.groups.add(Group.objects.get(name="CIO"))
    client = Client()
    client.force_login(cio)
    return client


def cpu_ms(request: Callable[[], object], runs: int) -> float:
    """Median CPU milliseconds of `request` over `runs` calls."""
    samples = []
    for _ in range(runs):
        started = time.process_time()
        request()
        samples.append((time.process_time() - started) * 1000)
    return statistics.median(samples)


def measure(client, paths: list[str], runs: int, language: str) -> float:
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    for path in paths:  # warm: templates compiled, caches filled, as in a long-running worker
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
    position = iter(range(1 << 30))
    return cpu_ms(lambda: client.get(paths[next(position) % len(paths)], **headers), runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0, help="recreate the database with this many demands first")
    parser.add_argument("--projects", type=int, default=0, help="projects to seed (default: as many as demands)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("RENDER_RUNS", "30")))
    parser.add_argument("--language", default="en", help="Accept-Language of the requests (en or fr)")
    parser.add_argument("--profile", default="", help="profile the page whose name contains this instead")
    arguments = parser.parse_args()
    setup_django()
    if arguments.seed:
        started = time.perf_counter()
        seed(arguments.seed, arguments.projects or arguments.seed)
        print(f"seeded {arguments.seed:,} demands in {time.perf_counter() - started:.1f} s")

    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest the pages' {% static %} reads
    client = client_for_cio()
    if arguments.profile:
        name, paths = next((name, paths) for name, paths in pages().items() if arguments.profile in name)
        measure(client, paths, 1, arguments.language)
        profiler = cProfile.Profile()
        profiler.enable()
        for index in range(arguments.runs):
            client.get(paths[index % len(paths)], HTTP_ACCEPT_LANGUAGE=arguments.language)
        profiler.disable()
        print(f"{name}: {arguments.runs} requests")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        return
    print(f"load average {os.getloadavg()[0]:.2f}; median CPU ms per request over {arguments.runs} requests")
    print(f"{'page':<40} {'CPU ms':>8}")
    for name, paths in pages().items():
        print(f"{name:<40} {measure(client, paths, arguments.runs, arguments.language):>8.1f}")


if __name__ == "__main__":
    main()
