"""The staff demand page costs the same number of queries however long the demand's history is."""

import pytest

from notifications.choices import NotificationEvent
from notifications.services import notify
from tests.factories import demand_with_history

pytestmark = pytest.mark.django_db

# Session, user, permissions (2), the demand with its estimates, history, decision, attachments (for the roles
# that may see them), capacity (3 for a decider), comparison, similar demands, timeline, project, the customer
# list of the assign form, the conversation (one query for every message with its author; their files come from the
# attachment list above), the header's unread notifications (the bell: one count, whatever the number) and the
# staff who may own the demand (the owner form's choices); the partner disclosure section (issue 18): the plan's
# versions with partner, agreement and sign-off, the agreements behind the partner and agreement selects, and the
# product's components for the depth selects (their items, once a plan exists, are one more: tests/partners).
DEMAND_PAGE_QUERIES = 23


def test_the_demand_page_costs_the_same_queries_with_1_or_6_of_everything_it_lists(cio, cio_client, page_statements):
    counts = []
    for size in (1, 6):
        demand, _token = demand_with_history(size, contact_email=f"buyer{size}@history{size}.example")
        for number in range(size * 5):  # the bell's count costs the same whatever the number unread
            notify(event=NotificationEvent.MENTIONED, recipients=[cio], key=f"{size}:{number}", change_request=demand)
        response, statements = page_statements(cio_client, f"/triage/{demand.reference}/")
        assert response.status_code == 200
        assert response.content.decode().count("Question") >= size  # the timeline lists every question
        assert len(response.context["history"]) == len(response.context["similar"]) == size
        assert len(response.context["demand"].cost_estimates.all()) == size
        assert len(response.context["attachments"]) == size
        assert len(response.context["conversation"]) == 3 * size  # the customer's, the replies, the notes
        assert response.content.decode().count("Staff note") == size
        counts.append(statements)
    assert len(counts[0]) == len(counts[1]) <= DEMAND_PAGE_QUERIES, "\n".join(counts[1])
