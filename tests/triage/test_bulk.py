"""Bulk actions on the queue: checked per demand, one transaction each, a summary of what happened."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from intake.choices import ChangeRequestStatus, EventVisibility
from intake.models import ChangeRequest
from tests.factories import file_demand
from triage.choices import BulkAction
from triage.services import change_request_ask_information, change_requests_bulk_apply

pytestmark = pytest.mark.django_db


def test_asking_many_customers_gives_each_their_own_email_and_timeline_line(
    analyst, analyst_client, django_capture_on_commit_callbacks
):
    first = file_demand(contact_email="ann@first.example", contact_name="Ann")
    second = file_demand(contact_email="bob@second.example", contact_name="Bob")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(
            "/triage/bulk/", {"action": "ask", "ids": [first.pk, second.pk], "question": "Which release do you run?"}
        )
    assert response.status_code == 200
    assert "2 demands done, 0 not done." in response.content.decode()
    to_customers = {message.to[0]: message for message in mail.outbox}
    assert set(to_customers) == {"ann@first.example", "bob@second.example"}
    assert "Ann" in to_customers["ann@first.example"].body and "Bob" in to_customers["bob@second.example"].body
    for demand in (first, second):
        demand.refresh_from_db()
        assert demand.status == ChangeRequestStatus.NEEDS_INFO
        assert demand.events.filter(note="Which release do you run?", visibility=EventVisibility.CUSTOMER).count() == 1


def test_one_refusal_does_not_stop_the_others_and_the_summary_says_why(analyst):
    askable, already_asked = file_demand(title="Askable"), file_demand(title="Already asked")
    change_request_ask_information(change_request=already_asked, question="First question?", asked_by=analyst)
    outcomes = change_requests_bulk_apply(
        action=BulkAction.ASK,
        change_request_ids=[askable.pk, already_asked.pk, 987654],
        user=analyst,
        question="Anything else?",
    )
    by_reference = {outcome.reference: outcome for outcome in outcomes}
    assert by_reference[askable.reference].done
    assert not by_reference[already_asked.reference].done
    assert "cannot become" in by_reference[already_asked.reference].message
    assert by_reference["#987654"].message == "This demand no longer exists."
    askable.refresh_from_db()
    assert askable.status == ChangeRequestStatus.NEEDS_INFO


def test_the_permission_is_checked_for_every_demand(analyst, cio):
    demands = [file_demand(title=f"Demand {number}") for number in range(2)]
    defer_until = timezone.localdate() + timedelta(days=30)
    refused = change_requests_bulk_apply(
        action=BulkAction.DEFER,
        change_request_ids=[demand.pk for demand in demands],
        user=analyst,
        rationale="Not this quarter.",
        defer_until=defer_until,
    )
    assert [outcome.done for outcome in refused] == [False, False]
    assert {outcome.message for outcome in refused} == {"Your role may not do this."}
    deferred = change_requests_bulk_apply(
        action=BulkAction.DEFER,
        change_request_ids=[demand.pk for demand in demands],
        user=cio,
        rationale="Not this quarter.",
        defer_until=defer_until,
    )
    assert all(outcome.done for outcome in deferred)
    assert set(ChangeRequest.objects.values_list("status", flat=True)) == {ChangeRequestStatus.DEFERRED}


def test_assigning_many_sets_each_owner_on_its_timeline(cio_client, analyst):
    demands = [file_demand(title=f"To assign {number}") for number in range(3)]
    response = cio_client.post(
        "/triage/bulk/", {"action": "assign", "ids": [demand.pk for demand in demands], "owner": analyst.pk}
    )
    assert "3 demands done, 0 not done." in response.content.decode()
    assert set(ChangeRequest.objects.values_list("owner__username", flat=True)) == {"analyst"}
    assert all(demand.events.filter(note_key="owner_set").count() == 1 for demand in demands)


def test_exporting_the_selection_gives_only_the_selected_rows(analyst_client):
    chosen, other = file_demand(title="Chosen one"), file_demand(title="Left out")
    response = analyst_client.post("/triage/bulk/", {"action": "export", "ids": [chosen.pk]})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2 and chosen.reference in rows[1] and other.reference not in str(rows)


def test_a_bulk_post_without_selection_or_details_is_refused_and_keeps_what_was_typed(analyst_client):
    demand = file_demand()
    nothing = analyst_client.post("/triage/bulk/", {"action": "ask", "question": "Hello?"})
    assert nothing.status_code == 400 and "Select at least one demand." in nothing.content.decode()
    assert "Hello?" in nothing.content.decode()
    no_question = analyst_client.post("/triage/bulk/", {"action": "ask", "ids": [demand.pk], "query": "status=scored"})
    page = no_question.content.decode()
    assert no_question.status_code == 400 and "Write the question for the customers." in page
    assert f'name="ids" value="{demand.pk}"' in page and 'value="status=scored"' in page
    bad_ids = analyst_client.post("/triage/bulk/", {"action": "ask", "ids": ["x1"], "question": "?"})
    assert bad_ids.status_code == 400 and "Nothing was done" in bad_ids.content.decode()
    demand.refresh_from_db()
    assert demand.status != ChangeRequestStatus.NEEDS_INFO


def test_the_queue_offers_a_checkbox_per_row_and_the_bulk_form(analyst_client):
    demand = file_demand()
    page = analyst_client.get("/triage/").content.decode()
    assert f'name="ids" value="{demand.pk}" form="bulk-form"' in page and 'id="bulk-form"' in page
