"""The public form stays cheap: a fixed, small number of SQL queries, nothing slow in the request."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from intake.models import ChangeRequest
from tests.factories import CustomerFactory, ProductFactory, demand_with_history, form_data
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
    # The products in one plain SELECT: no server-side cursor (three round trips, and none through a pooler).
    assert not [query["sql"] for query in many.captured_queries if query["sql"].startswith("DECLARE")]


# The rate limiter's read, the demand, timeline, open question, attachments, the conversation (one query for every
# message; their files come from the attachment list) (the session is not touched).
TRACKING_PAGE_QUERIES = 6


def test_the_tracking_page_costs_the_same_queries_with_1_or_6_events_and_attachments(client: Client, page_statements):
    counts = []
    for size in (1, 6):
        _demand, token = demand_with_history(size, contact_email=f"buyer{size}@history{size}.example")
        response, statements = page_statements(client, f"/track/{token}/")
        assert response.status_code == 200
        page = response.content.decode()
        assert page.count("Question") >= size and page.count("offer-") >= size  # every event and attachment
        assert page.count("Staff reply") == page.count("Customer message") == size  # every message the customer sees
        assert "Staff note" not in page
        counts.append(statements)
    assert len(counts[0]) == len(counts[1]) <= TRACKING_PAGE_QUERIES, "\n".join(counts[1])
