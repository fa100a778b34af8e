"""The queue list written from `values()` rows is, byte for byte, what QueueItemSerializer writes."""

from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView  # noqa: F401  # DRF's views before core.api, as the URLconf loads them (import cycle)

from tests.factories import file_demand
from triage import services
from triage.api.serializers import QueueItemSerializer, queue_list_json
from triage.models import ScoringModel
from triage.selectors import change_request_queue
from triage.selectors.queue import queue_rows

pytestmark = pytest.mark.django_db


def varied_demands() -> None:
    """Revenue, savings, risk, none of them; scored and not (score null, band empty); another currency."""
    selling = file_demand(title="Nightly SAP export", revenue_at_stake=Decimal("1000.5"), currency="USD")
    file_demand(
        title="Deflect password-reset calls",
        agenda="it",
        revenue_at_stake=Decimal("0"),
        transactions_per_year=90000,
        cost_per_transaction_before=Decimal("4.80"),
        risk_exposure_avoided=Decimal("12000"),
    )
    file_demand(title="A nicer <b>logo</b> & more", revenue_at_stake=Decimal("0"))
    services.assessments_compute_bulk(
        change_request_ids=[selling.pk], scoring_model=ScoringModel.objects.get(is_active=True)
    )


def old_and_new() -> tuple[bytes, bytes]:
    demands = change_request_queue()
    old = JSONRenderer().render(QueueItemSerializer(demands, many=True).data)
    new = JSONRenderer().render(queue_list_json(queue_rows(queryset=demands)))
    return old, new


def test_rows_are_written_as_the_serializer_writes_them():
    varied_demands()
    old, new = old_and_new()
    assert new == old
    assert b'"score":null' in new and b'"value_types":["none"]' in new and b'"savings","risk"' in new


def test_times_follow_the_readers_time_zone_as_the_serializer_does():
    varied_demands()
    with timezone.override("America/St_Johns"):
        old, new = old_and_new()
    assert new == old
    assert b"-03:30" in new or b"-02:30" in new


def test_the_queue_answers_the_same_bytes_through_the_api(reader_client):
    varied_demands()
    body = reader_client.get("/api/v1/queue/").content
    old = JSONRenderer().render(QueueItemSerializer(change_request_queue(), many=True).data)
    assert body == b'{"count":3,"next":null,"previous":null,"results":' + old + b"}"
