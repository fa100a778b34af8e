"""A rescore job split over several worker processes: ranges claimed with SKIP LOCKED, a killed worker's range
finished by another, the job finished once.

Real PostgreSQL, a private redis-server and `celery worker` subprocesses (tests/processes.py); the fault is
a SIGKILL of a worker blocked in the middle of a range.
"""

import re

import pytest
from django.db.models import Count

from intake.choices import OPEN_STATUSES
from intake.models import ChangeRequest
from tests.factories import ProductFactory, file_demand
from tests.processes import CeleryWorker, RowLock, app_broker, free_port, wait_for
from triage import services
from triage.choices import RescoreJobStatus
from triage.models import Assessment, RescoreJob, ScoringModel
from triage.selectors import scoring_model_active

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
DEMANDS = 40
RANGE_SIZE = 5
# Small ranges, so both processes get several; the rescore tasks of a job: one per worker process.
WORKER_ENV = {"RESCORE_RANGE_SIZE": str(RANGE_SIZE), "RESCORE_TASKS": "2"}


@pytest.fixture
def scored_demands() -> list[ChangeRequest]:
    """Open demands scored by model v1, and one withdrawn, filed without enqueueing anything."""
    product = ProductFactory()
    with app_broker(f"redis://127.0.0.1:{free_port()}/0"):  # nobody listens: nothing is enqueued
        demands = [file_demand(product=product, title=f"Demand number {index} to rescore") for index in range(DEMANDS)]
    ids = [demand.pk for demand in demands]
    services.assessments_compute_bulk(
        change_request_ids=ids, scoring_model=scoring_model_active(), clear_scoring_request=True
    )
    ChangeRequest.objects.filter(pk=ids[-1]).update(status="withdrawn")
    return demands[:-1]


@pytest.fixture
def workers(private_redis):
    private_redis.start()
    started: list[CeleryWorker] = []

    def start() -> CeleryWorker:
        worker = CeleryWorker(private_redis.url, name="rescore", extra_env=WORKER_ENV).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def new_model_version(private_redis, cio) -> ScoringModel:
    with app_broker(private_redis.url):  # RESCORE_TASKS is 2 here too: two tasks enqueued
        return services.scoring_model_create_version(changes={"weight_revenue": 35}, note="", created_by=cio)


def assert_rescored_once(model: ScoringModel, demands: list[ChangeRequest], workers: list[CeleryWorker]) -> None:
    job = RescoreJob.objects.get(scoring_model=model)
    assert (job.status, job.done, job.total) == (RescoreJobStatus.DONE, len(demands), len(demands))
    per_demand = dict(
        Assessment.objects.filter(scoring_model=model)
        .values("change_request")
        .annotate(count=Count("pk"))
        .values_list("change_request", "count")
    )
    assert per_demand == {demand.pk: 1 for demand in demands}  # every open demand, once; the withdrawn one not
    assert sum(job.ranges.values_list("rescored", flat=True)) == len(demands)  # no range counted twice
    assert not job.ranges.filter(is_done=False).exists()
    for demand in ChangeRequest.objects.filter(status__in=OPEN_STATUSES):
        assert demand.score == Assessment.objects.get(scoring_model=model, change_request=demand).total
    # The job was finished once: one "rescore finished" task ran, in one of the processes.
    logs = "".join(worker.output() for worker in workers)
    assert len(re.findall(r"Task notifications\.rescore_finished\[[^]]+\] received", logs)) == 1


def test_a_job_over_two_worker_processes_rescores_every_open_demand_once_and_finishes_once(
    scored_demands, workers, private_redis, cio
):
    both = [workers(), workers()]
    model = new_model_version(private_redis, cio)
    wait_for(
        lambda: RescoreJob.objects.filter(scoring_model=model, status=RescoreJobStatus.DONE).exists(),
        timeout=60,
        message="the job done",
    )
    wait_for(lambda: all("succeeded" in worker.output() for worker in both), timeout=20, message="both tasks ran")
    assert len(RescoreJob.objects.get(scoring_model=model).ranges.all()) == DEMANDS // RANGE_SIZE
    for worker in both:  # each process took one of the job's two tasks
        assert re.search(r"Task triage\.rescore_open_demands\[[^]]+\] received", worker.output())
    assert_rescored_once(model, scored_demands, both)


def test_the_range_of_a_worker_killed_mid_range_is_finished_by_the_other(scored_demands, workers, private_redis, cio):
    first = workers()
    lock = RowLock(scored_demands[0])  # the first range's UPDATE blocks on this demand's row
    model = new_model_version(private_redis, cio)
    wait_for(lambda: RowLock.waiters() == 1, timeout=30, message="the first worker blocked in the first range")
    second = workers()
    job = RescoreJob.objects.get(scoring_model=model)
    # The second process rescores every other range, then waits for the one the first holds.
    wait_for(lambda: job.ranges.filter(is_done=False).count() == 1, timeout=30, message="every other range rescored")
    first.kill_whole()
    assert not Assessment.objects.filter(scoring_model=model, change_request__in=scored_demands[:RANGE_SIZE]).exists()
    lock.release()  # the dead worker's transaction rolls back; its range comes free
    wait_for(
        lambda: RescoreJob.objects.filter(pk=job.pk, status=RescoreJobStatus.DONE).exists(),
        timeout=60,
        message="the job done by the second worker",
    )
    assert_rescored_once(model, scored_demands, [first, second])
