"""Scoring tasks work a backlog off in batches: what was asked for is scored, nothing twice, nothing lost."""

import psycopg2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.enqueue import enqueue_now
from intake.models import ChangeRequest, StatusEvent
from tests.factories import UserFactory, file_demand
from tests.processes import app_broker, database_url_of_this_test, wait_for
from triage import services
from triage.models import Assessment, ScoringFailure

pytestmark = pytest.mark.django_db


def backlog(count: int) -> list[ChangeRequest]:
    """Demands filed while no task ran (their tasks go to an in-memory queue nobody reads): each waits, marked due."""
    with app_broker("memory://localhost/"):
        return [file_demand(title=f"Backlog demand number {index}") for index in range(count)]


def test_a_filed_demand_waits_with_its_score_due():
    demand = file_demand()
    assert demand.scoring_requested_at is not None
    assert ChangeRequest.objects.get(pk=demand.pk).scoring_requested_at == demand.scoring_requested_at


def test_one_task_scores_its_demand_first_and_the_backlog_with_it_then_the_others_tasks_do_nothing():
    demands = backlog(5)
    asked = demands[3]
    scored = services.assessments_compute_requested(change_request_id=asked.pk, batch_size=3)
    assert len(scored) == 3 and scored[0] == asked.pk  # what was asked for, then the longest waiting
    assert scored[1:] == [demands[0].pk, demands[1].pk]
    rest = services.assessments_compute_requested(change_request_id=demands[0].pk, batch_size=3)
    assert sorted(rest) == sorted([demands[2].pk, demands[4].pk])  # its own demand is done: it takes what is left
    assert services.assessments_compute_requested(change_request_id=demands[1].pk, batch_size=3) == []
    assert Assessment.objects.count() == 5
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {"scored"}
    assert not ChangeRequest.objects.filter(scoring_requested_at__isnull=False).exists()
    assert StatusEvent.objects.filter(to_status="scored").count() == 5


def test_a_batch_costs_the_same_statements_for_3_demands_as_for_30():
    def statements(size: int) -> int:
        demands = backlog(size)
        with CaptureQueriesContext(connection) as queries:
            assert len(services.assessments_compute_requested(change_request_id=demands[0].pk, batch_size=size)) == size
        return len(queries)

    assert statements(3) == statements(30)


def test_a_task_for_a_demand_already_scored_by_a_batch_ends_after_two_reads(django_assert_num_queries):
    demands = backlog(2)
    services.assessments_compute_requested(change_request_id=demands[0].pk, batch_size=10)
    with django_assert_num_queries(4):  # its own row (not due), the empty work list, and the transaction's two ends
        assert services.assessments_compute_requested(change_request_id=demands[1].pk, batch_size=10) == []


def test_a_change_of_inputs_after_scoring_marks_the_demand_due_again_and_it_is_rescored():
    demand = backlog(1)[0]
    services.assessments_compute_requested(change_request_id=demand.pk, batch_size=10)
    services.cost_estimate_create(
        change_request=demand,
        effort_days=200,
        day_rate=1000,
        yearly_run_cost=0,
        confidence="high",
        estimated_by=UserFactory(),
    )
    demand.refresh_from_db()
    assert demand.scoring_requested_at is not None
    assert services.assessments_compute_requested(change_request_id=demand.pk, batch_size=10) == [demand.pk]
    assert Assessment.objects.filter(change_request=demand).count() == 2
    demand.refresh_from_db()
    assert demand.scoring_requested_at is None and not demand.score_is_provisional


def test_the_earliest_mark_is_kept_so_the_longest_waiting_demand_goes_first():
    demand = backlog(1)[0]
    first_mark = demand.scoring_requested_at
    from intake.services import change_request_scoring_request

    change_request_scoring_request(change_request_id=demand.pk)
    demand.refresh_from_db()
    assert demand.scoring_requested_at == first_mark


def test_a_demand_whose_scoring_failed_is_left_out_of_batches_until_asked_for_by_name():
    failed, other = backlog(2)
    ScoringFailure.objects.create(change_request=failed, error="boom", attempts=3)
    assert services.assessments_compute_requested(change_request_id=other.pk, batch_size=10) == [other.pk]
    assert services.assessments_compute_requested(change_request_id=failed.pk, batch_size=10) == [failed.pk]
    assert not ScoringFailure.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_bad_demand_in_a_batch_does_not_fail_the_demand_the_task_was_for():
    bad, good = backlog(2)
    with connection.cursor() as cursor:  # a persistent database error for one demand only
        cursor.execute(
            "CREATE FUNCTION refuse_assessment() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'disk quota exceeded (injected)'; END $$ LANGUAGE plpgsql; "
            "CREATE TRIGGER refuse_assessment BEFORE INSERT ON triage_assessment FOR EACH ROW "
            f"WHEN (NEW.change_request_id = {bad.pk}) EXECUTE FUNCTION refuse_assessment();"
        )
    try:
        assert services.assessments_compute_requested(change_request_id=good.pk, batch_size=10) == [good.pk]
        assert Assessment.objects.filter(change_request=good).count() == 1
        assert not Assessment.objects.filter(change_request=bad).exists()
        assert ChangeRequest.objects.get(pk=bad.pk).scoring_requested_at is not None  # still due, not lost
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_assessment ON triage_assessment; DROP FUNCTION refuse_assessment();")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_batch_skips_a_demand_another_transaction_holds_instead_of_waiting_for_it():
    held, free, asked = backlog(3)
    other = psycopg2.connect(database_url_of_this_test())
    try:
        other.cursor().execute("SELECT id FROM intake_changerequest WHERE id = %s FOR UPDATE", [held.pk])
        scored = services.assessments_compute_requested(change_request_id=asked.pk, batch_size=10)
        assert sorted(scored) == sorted([asked.pk, free.pk])
    finally:
        other.rollback()
        other.close()
    assert services.assessments_compute_requested(change_request_id=held.pk, batch_size=10) == [held.pk]


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_scores_a_backlog_of_40_in_batches_and_every_demand_once(celery_worker, settings):
    settings.SCORING_BATCH_SIZE = 8
    demands = backlog(40)
    started = timezone.now()
    for demand in demands:
        assert enqueue_now("triage.score_change_request", demand.pk)
    wait_for(lambda: not ChangeRequest.objects.filter(status="submitted").exists(), timeout=60)
    assert Assessment.objects.count() == 40
    assert StatusEvent.objects.filter(to_status="scored", created_at__gte=started).count() == 40
    assert not ChangeRequest.objects.filter(scoring_requested_at__isnull=False).exists()
