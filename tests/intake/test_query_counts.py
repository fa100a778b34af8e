"""The public form stays cheap: a fixed, small number of SQL queries, nothing slow in the request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from intake.models import ChangeRequest
from tests.factories import CustomerFactory, ProductFactory, form_data
from tests.processes import app_broker
from webhooks.selectors import event_types_subscribed

pytestmark = pytest.mark.django_db


# Transactional, so the count is what production sees: no test transaction wrapping the request.
@pytest.mark.django_db(transaction=True)
def test_filing_a_demand_costs_at_most_8_queries_and_does_no_slow_work_in_the_request(client: Client):
    product = ProductFactory()
    CustomerFactory(name="Known Org")
    # Which event types have webhook endpoints is cached in each process, as it is in a process that has
    # served a request: then filing costs no query for webhooks when nobody subscribes. A cold process
    # pays one SELECT per cache period (tests/webhooks/test_outbox.py counts it).
    assert event_types_subscribed() == frozenset()
    # Tasks are published to an in-memory broker, as they would be to Redis: none runs in the request.
    with app_broker("memory://localhost/"), CaptureQueriesContext(connection) as queries:
        response = client.post("/requests/new/", form_data(product, contact_email="ann@known-org.example"))
    assert response.status_code == 302
    statements = [query["sql"] for query in queries.captured_queries if query["sql"] not in ("BEGIN", "COMMIT")]
    assert len(statements) <= 8, "\n".join(statements)
    demand = ChangeRequest.objects.get()
    assert demand.customer.name == "Known Org"
    # Scoring and similarity are handed to Celery after commit, not done in the request.
    assert not demand.assessments.exists()
    assert demand.status == "submitted"


def test_the_form_page_costs_a_fixed_number_of_queries(client: Client):
    for _ in range(3):
        ProductFactory()
    with CaptureQueriesContext(connection) as few:
        assert client.get("/requests/new/").status_code == 200
    for _ in range(30):
        ProductFactory()
    with CaptureQueriesContext(connection) as many:
        assert client.get("/requests/new/").status_code == 200
    assert len(few) == len(many) <= 2
