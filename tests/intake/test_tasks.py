"""The similarity pass is recoverable: a due-mark set at filing, cleared with the similar demands it records,
and a sweep that sends again what a broker outage (or a failed pass) left undone. With a real worker after a
broker outage: tests/triage/test_faults.py and tests/ops/test_broker_hung.py."""

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from intake import selectors
from intake.models import ChangeRequest, SimilarDemand
from intake.similarity import similar_demands_record
from tests.factories import file_demand
from tests.processes import app_broker, free_port

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
