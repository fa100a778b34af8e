"""Scoring survives faults: a broker down while demands are filed, workers killed mid-task.

Real PostgreSQL, a private redis-server and `celery worker` subprocesses; faults are injected with
SIGKILL and by stopping that private Redis.
"""

import logging

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from core.enqueue import enqueue_now
from intake.models import ChangeRequest, SimilarDemand
from tests.factories import ProductFactory, file_demand, form_data
from tests.processes import CeleryWorker, RowLock, app_broker, free_port, stays_true, wait_for
from triage.models import Assessment

pytestmark = [pytest.mark.postgres, pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SUBMISSIONS_WHILE_DOWN = 20


@pytest.fixture
def workers():
    started: list[CeleryWorker] = []

    def start(broker_url: str) -> CeleryWorker:
        worker = CeleryWorker(broker_url).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def assessments_of(demand: ChangeRequest) -> int:
    return Assessment.objects.filter(change_request=demand).count()


def test_demands_filed_while_redis_is_down_are_saved_at_once_then_scored_and_given_similar_demands_by_the_sweeps(
    private_redis, workers, settings, caplog
):
    settings.INTAKE_FORM_RATE_PER_IP = "1000/hour"  # twenty filings from one test address; the limit has its own tests
    product = ProductFactory()
    with app_broker(private_redis.url):  # nothing listens there yet: the broker is down
        browser = Client()
        with caplog.at_level(logging.WARNING, logger="core.enqueue"):
            for index in range(SUBMISSIONS_WHILE_DOWN):
                response = browser.post("/requests/new/", form_data(product, title=f"Demand number {index} filed"))
                assert response.status_code == 302
        # The first request tried the broker once; the next ones, within the back-off, did not try at all, and
        # every request left its tasks to the sweeps (core.enqueue.publish_scope).
        failed = [record for record in caplog.records if record.getMessage().startswith("could not enqueue")]
        assert len(failed) == 1
        demands = list(ChangeRequest.objects.all())
        assert len(demands) == SUBMISSIONS_WHILE_DOWN and {demand.status for demand in demands} == {"submitted"}
        assert Assessment.objects.count() == 0

        private_redis.start()
        workers(private_redis.url)
        a_while_ago = timezone.now() - timezone.timedelta(minutes=2)
        # As the sweeps see them a while later.
        ChangeRequest.objects.update(scoring_requested_at=a_while_ago, similarity_requested_at=a_while_ago)
        assert SimilarDemand.objects.count() == 0
        assert enqueue_now("triage.sweep_unscored") and enqueue_now("intake.sweep_similarity_due")
        wait_for(
            lambda: Assessment.objects.count() == SUBMISSIONS_WHILE_DOWN, timeout=60, message="every demand scored"
        )
        wait_for(
            lambda: not ChangeRequest.objects.filter(similarity_requested_at__isnull=False).exists(),
            timeout=60,
            message="every demand's similarity pass done",
        )
    assert all(assessments_of(demand) == 1 for demand in demands)
    # Every demand found the ones filed before it with the same wording (the ten closest at most).
    for position, demand in enumerate(sorted(demands, key=lambda demand: demand.pk)):
        assert SimilarDemand.objects.filter(change_request=demand).count() == min(position, 10)
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"scored"}


@pytest.mark.parametrize("kill", ["pool_child", "whole_worker"])
def test_a_worker_killed_in_the_middle_of_scoring_leaves_the_demand_scored_exactly_once(kill, private_redis, workers):
    private_redis.start()
    with app_broker(f"redis://127.0.0.1:{free_port()}/0"):  # file it without enqueueing anything
        demand = file_demand()
    with app_broker(private_redis.url):
        worker = workers(private_redis.url)
        lock = RowLock(demand)
        assert enqueue_now("triage.score_change_request", demand.pk)
        wait_for(
            lambda: RowLock.waiters() == 1, timeout=20, message="the task blocked on the row lock"
        )  # the task is running, blocked on the row
        if kill == "pool_child":
            worker.kill_pool_child()  # the worker's parent sees it die and requeues the message
        else:
            worker.kill_whole()  # nothing left to requeue: the message waits for its visibility timeout
            workers(private_redis.url)
        lock.release()
        assert assessments_of(demand) == 0
        wait_for(lambda: assessments_of(demand) == 1, timeout=45, message="the demand scored after the kill")
        # About elapsed time: nothing more arrives (a second delivery would have made no second row anyway).
        stays_true(lambda: assessments_of(demand) == 1, duration=2, message="no second assessment arrives")
    assert assessments_of(demand) == 1
    demand.refresh_from_db()
    assert demand.status == "scored"


def test_a_scoring_task_that_keeps_failing_backs_off_then_is_recorded_and_skipped_by_the_sweep(private_redis, client):
    from triage.models import ScoringFailure
    from triage.selectors import change_request_ids_unscored

    private_redis.start()
    with app_broker(f"redis://127.0.0.1:{free_port()}/0"):
        demand = file_demand()
    with connection.cursor() as cursor:  # a real, persistent database error for this one demand
        cursor.execute(
            "CREATE FUNCTION refuse_assessment() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'disk quota exceeded (injected)'; END $$ LANGUAGE plpgsql; "
            "CREATE TRIGGER refuse_assessment BEFORE INSERT ON triage_assessment FOR EACH ROW "
            f"WHEN (NEW.change_request_id = {demand.pk}) EXECUTE FUNCTION refuse_assessment();"
        )
    worker = CeleryWorker(private_redis.url, extra_env={"SCORING_MAX_RETRIES": "2", "SCORING_RETRY_BACKOFF": "1"})
    try:
        worker.start()
        with app_broker(private_redis.url):
            assert enqueue_now("triage.score_change_request", demand.pk)
            wait_for(
                lambda: ScoringFailure.objects.filter(change_request=demand).exists(),
                timeout=60,
                message="the failure recorded",
            )
        failure = ScoringFailure.objects.get(change_request=demand)
        assert failure.attempts == 3 and "disk quota exceeded" in failure.error
        assert worker.output().count("Retry in") == 2  # two retries, each scheduled with a backoff delay
        an_hour_ago = timezone.now() - timezone.timedelta(hours=1)
        ChangeRequest.objects.filter(pk=demand.pk).update(scoring_requested_at=an_hour_ago)
        assert demand.pk not in change_request_ids_unscored()  # never retried forever by the sweep
    finally:
        worker.stop()
        with connection.cursor() as cursor:
            cursor.execute(
                "DROP TRIGGER IF EXISTS refuse_assessment ON triage_assessment; "
                "DROP FUNCTION IF EXISTS refuse_assessment();"
            )
