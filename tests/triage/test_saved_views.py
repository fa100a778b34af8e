"""Saved views: the queue's filters and sort under a name, private or shared, a default per reader, each counted."""

import pytest
from django.test import Client

from core.exceptions import ApplicationError
from tests.factories import ProductFactory, UserFactory, file_demand, signed_in
from triage.models import SavedView
from triage.services import queue_query_normalize, saved_view_create, saved_view_set_default

pytestmark = pytest.mark.django_db


def test_only_the_queues_own_parameters_are_kept_in_a_stable_order():
    assert queue_query_normalize("page=3&ordering=-score&evil=1&status=scored&q=&status=submitted") == (
        "ordering=-score&status=scored&status=submitted"
    )


def test_a_reader_saves_the_current_filters_and_sees_the_view_with_its_count(analyst, analyst_client: Client):
    billing = ProductFactory(name="Billing")
    file_demand(product=billing, title="Invoices in SAP")
    file_demand(product=billing, title="Credit notes")
    file_demand(title="Something else entirely")
    query = f"product={billing.pk}&ordering=-revenue&page=2"
    response = analyst_client.post("/triage/views/", {"name": "Billing", "query": query})
    view = SavedView.objects.get()
    assert (view.owner, view.query, view.is_shared) == (analyst, f"ordering=-revenue&product={billing.pk}", False)
    assert response["Location"] == f"/triage/?{view.query}"
    page = analyst_client.get(response["Location"])
    assert len(page.context["page"]) == 2
    assert page.context["saved_view_counts"] == {view.pk: 2}
    assert 'data-testid="saved-view-count">2<' in page.content.decode()


def test_a_private_view_is_the_owners_alone_and_a_shared_one_is_the_teams(analyst, cio):
    colleague = UserFactory(username="colleague", role="Analyst")
    saved_view_create(owner=analyst, name="Private", query="status=scored", is_shared=False)
    shared = saved_view_create(owner=analyst, name="Team", query="status=submitted", is_shared=True)
    names = [view.name for view in signed_in(colleague).get("/triage/").context["saved_views"]]
    assert names == ["Team"]
    private = SavedView.objects.get(name="Private")
    with pytest.raises(ApplicationError, match="private"):
        saved_view_set_default(view=private, user=colleague)
    response = signed_in(colleague).post(f"/triage/views/{private.pk}/delete/")
    assert response.status_code == 404 and SavedView.objects.filter(pk=private.pk).exists()
    refused = signed_in(colleague).post(f"/triage/views/{shared.pk}/delete/", follow=True)
    assert "Only its owner can delete this view." in refused.content.decode()


def test_the_default_view_opens_the_queue_and_all_shows_everything(analyst, analyst_client: Client):
    fleet = ProductFactory(name="Fleet")
    file_demand(product=fleet, title="Live tracking")
    file_demand(title="Unrelated")
    view = saved_view_create(owner=analyst, name="Fleet", query=f"product={fleet.pk}", is_shared=False)
    analyst_client.post(f"/triage/views/{view.pk}/default/")
    opened = analyst_client.get("/triage/")
    assert opened.status_code == 302 and opened["Location"] == f"/triage/?{view.query}"  # pages and links keep it
    assert [demand.title for demand in analyst_client.get(opened["Location"]).context["page"]] == ["Live tracking"]
    assert len(analyst_client.get("/triage/", {"all": "1"}).context["page"]) == 2


def test_a_duplicate_name_or_bad_filters_are_refused_with_a_message(analyst, analyst_client: Client):
    saved_view_create(owner=analyst, name="Mine", query="mine=true", is_shared=False)
    again = analyst_client.post("/triage/views/", {"name": "Mine", "query": "status=scored"}, follow=True)
    assert "You already have a view named “Mine”." in again.content.decode()
    bad = analyst_client.post("/triage/views/", {"name": "Bad", "query": "status=nonsense"}, follow=True)
    assert bad.status_code == 400 and "These filters are not valid" in bad.content.decode()
    empty = analyst_client.post("/triage/views/", {"name": "  ", "query": "status=scored"}, follow=True)
    assert "The view was not saved" in empty.content.decode()
    assert SavedView.objects.count() == 1
