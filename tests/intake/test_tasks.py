"""The similarity pass is recoverable: a due-mark set at filing, cleared with the similar demands it records,
and a sweep that sends again what a broker outage (or a failed pass) left undone."""

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from core.enqueue import enqueue_now
from intake import selectors
from intake.models import ChangeRequest, SimilarDemand
from intake.similarity import similar_demands_record
from tests.factories import ProductFactory, file_demand, form_data
from tests.processes import CeleryWorker, app_broker, free_port, wait_for

SUBMISSIONS_WHILE_DOWN = 8


def a_while_ago() -> timezone.datetime:
    return timezone.now() - timezone.timedelta(minutes=2)


def similarity_done(demands: list[ChangeRequest]) -> bool:
    """Every demand's pass ran (no mark left) and each but the first found the ones filed before it."""
    marks = ChangeRequest.objects.filter(pk__in=[d.pk for d in demands], similarity_requested_at__isnull=False)
    if marks.exists():
        return False
    return all(SimilarDemand.objects.filter(change_request=demand).exists() for demand in demands[1:])


@pytest.mark.django_db
def test_filing_marks_the_similarity_pass_due_and_the_pass_clears_it():
    with app_broker(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens: the pass is not sent
        demand = file_demand()
    assert demand.similarity_requested_at is not None
    similar_demands_record(change_request_id=demand.pk)
    demand.refresh_from_db()
    assert demand.similarity_requested_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_pass_keeps_the_mark_and_the_sweep_selects_it_once_it_is_old():
    with app_broker(f"redis://127.0.0.1:{free_port()}/0"):
        first = file_demand(title="Export invoices to SAP every night")
        second = file_demand(product=first.product, title="Export invoices to SAP every night, please")
    with connection.cursor() as cursor:  # a real database error in the middle of the pass
        cursor.execute(
            "CREATE FUNCTION refuse_similar() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'disk quota exceeded (injected)'; END $$ LANGUAGE plpgsql; "
            "CREATE TRIGGER refuse_similar BEFORE INSERT ON intake_similardemand "
            "FOR EACH ROW EXECUTE FUNCTION refuse_similar();"
        )
    try:
        with pytest.raises(DatabaseError):
            similar_demands_record(change_request_id=second.pk)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_similar ON intake_similardemand; DROP FUNCTION refuse_similar();")
    second.refresh_from_db()
    assert second.similarity_requested_at is not None  # the mark stays: the pass is still due
    assert second.pk not in selectors.change_request_ids_similarity_due()  # too recent: its retries come first
    ChangeRequest.objects.filter(pk=second.pk).update(similarity_requested_at=a_while_ago())
    assert second.pk in selectors.change_request_ids_similarity_due()
    assert first.pk not in selectors.change_request_ids_similarity_due()


@pytest.mark.postgres
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_every_demand_filed_while_the_broker_is_down_gets_its_similar_demands_from_the_sweep(private_redis, settings):
    settings.INTAKE_FORM_RATE_PER_IP = "1000/hour"
    product = ProductFactory()
    with app_broker(f"redis://127.0.0.1:{free_port()}/0"):  # nothing listens there: the broker is down
        browser = Client()
        for index in range(SUBMISSIONS_WHILE_DOWN):
            response = browser.post(
                "/requests/new/", form_data(product, title=f"Export invoices to SAP every night, site {index}")
            )
            assert response.status_code == 302
    demands = list(ChangeRequest.objects.order_by("pk"))
    assert len(demands) == SUBMISSIONS_WHILE_DOWN
    assert SimilarDemand.objects.count() == 0
    assert not similarity_done(demands)

    private_redis.start()
    worker = CeleryWorker(private_redis.url).start()
    try:
        with app_broker(private_redis.url):
            ChangeRequest.objects.update(similarity_requested_at=a_while_ago())  # as the sweep sees them later
            assert enqueue_now("intake.sweep_similarity_due")
            wait_for(lambda: similarity_done(demands), timeout=60, message="every demand's similar demands recorded")
    finally:
        worker.stop()
    # The first demand had nothing earlier to resemble; each later one found every one filed before it.
    for position, demand in enumerate(demands):
        found = set(SimilarDemand.objects.filter(change_request=demand).values_list("similar_to_id", flat=True))
        assert found == {earlier.pk for earlier in demands[:position]}
