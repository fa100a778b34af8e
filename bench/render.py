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
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import recreate_database, setup_django

setup_django()  # before the imports of the project's code below

from django.forms.renderers import BaseRenderer  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from core.forms import FormRenderer  # noqa: E402


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


class JinjaFormTemplates(FormRenderer):
    """Candidate (a) alone: Django's form templates through Jinja2, selects included (no hand-written markup)."""

    render = BaseRenderer.render


def _charts_drawn_each_view(charts: Callable[[], dict], key: str) -> str:
    return render_to_string("triage/_charts.html", {"charts": charts()})


# What each column switches back or on, in this process; "now" is the code as it stands.
CANDIDATES: dict[str, Callable[[], AbstractContextManager]] = {
    "now": nullcontext,
    "forms: Django templates": lambda: override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"),
    "forms: Jinja2 without select markup": lambda: override_settings(FORM_RENDERER="bench.render.JinjaFormTemplates"),
    "charts drawn each view": lambda: mock.patch("triage.views._queue_charts_html", _charts_drawn_each_view),
}


def measure(client, paths: list[str], runs: int, language: str, candidates: list[str]) -> dict[str, list[float]]:
    """CPU milliseconds of each request, per candidate: blocks of requests per candidate in turn (each block cycles
    through the paths), so that a change of load on a busy machine falls on every candidate alike."""
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    block = max(len(paths), 10)
    for _ in range(max(1, runs // block)):
        for name in candidates:
            with CANDIDATES[name]():
                for path in paths:  # warm: templates compiled, caches filled, as in a long-running worker
                    response = client.get(path, **headers)
                    assert response.status_code == 200, (path, response.status_code)
                for index in range(block):
                    started = time.process_time()
                    client.get(paths[index % len(paths)], **headers)
                    samples[name].append((time.process_time() - started) * 1000)
    return samples


def sections(client, paths: list[str], runs: int, language: str) -> dict[str, float]:
    """Candidate (d), what loading sections only when opened could save: the CPU ms each card of a page costs, per
    request (the mean over `runs` requests; a card some demands lack counts as 0 for them)."""
    from core.templatetags.demanddesk import ComponentNode

    spent: dict[str, float] = {}
    render = ComponentNode.render

    def timed(node: ComponentNode, context) -> str:
        started = time.process_time()
        try:
            return render(node, context)
        finally:
            name = "?"
            for option in ("id", "heading", "testid"):
                if option in node.options:
                    name = str(node.options[option].resolve(context))
                    break
            if node.template_name.endswith("card.html"):  # tables sit inside cards: counted there
                spent[name] = spent.get(name, 0.0) + (time.process_time() - started) * 1000

    measure(client, paths, 1, language, ["now"])
    with mock.patch.object(ComponentNode, "render", timed):
        for index in range(runs):
            client.get(paths[index % len(paths)], HTTP_ACCEPT_LANGUAGE=language)
    return {name: total / runs for name, total in sorted(spent.items(), key=lambda item: -item[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0, help="recreate the database with this many demands first")
    parser.add_argument("--projects", type=int, default=0, help="projects to seed (default: as many as demands)")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("RENDER_RUNS", "30")))
    parser.add_argument("--language", default="en", help="Accept-Language of the requests (en or fr)")
    parser.add_argument("--candidates", default="", help=f"comma-separated, of: {', '.join(CANDIDATES)} (all)")
    parser.add_argument("--page", default="", help="only the pages whose name contains this")
    parser.add_argument("--sections", action="store_true", help="the CPU ms of each card of the demand page")
    parser.add_argument("--profile", default="", help="profile the page whose name contains this instead")
    arguments = parser.parse_args()
    if arguments.seed:
        started = time.perf_counter()
        seed(arguments.seed, arguments.projects or arguments.seed)
        print(f"seeded {arguments.seed:,} demands in {time.perf_counter() - started:.1f} s")

    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the manifest the pages' {% static %} reads
    client = client_for_cio()
    if arguments.sections:
        for name, ms in sections(client, pages()["demand page"], arguments.runs, arguments.language).items():
            print(f"{name:<40} {ms:>6.2f} CPU ms per request")
        return
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
    candidates = arguments.candidates.split(",") if arguments.candidates else list(CANDIDATES)
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} at the start; CPU ms per request, median (mean), language {arguments.language}")
    print(f"{'page':<36}" + "".join(f"{name:>34}" for name in candidates))
    for page, paths in pages().items():
        if arguments.page not in page:
            continue
        samples = measure(client, paths, arguments.runs, arguments.language, candidates)
        cells = (
            f"{statistics.median(values):.1f} ({statistics.mean(values):.1f}) n={len(values)}"
            for values in samples.values()
        )
        print(f"{page:<36}" + "".join(f"{cell:>34}" for cell in cells))
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
