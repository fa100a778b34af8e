"""Ownership: an owner per demand (by the product's rule or by hand), on the timeline, notified; the "Mine" view."""

import pytest
from django.utils import translation

from core.exceptions import ApplicationError
from intake.choices import EventVisibility
from notifications.choices import NotificationEvent
from notifications.models import Notification
from tests.factories import CustomerFactory, ProductFactory, UserFactory, file_demand
from triage.services import change_request_set_owner

pytestmark = pytest.mark.django_db


def test_a_reassignment_is_on_the_timeline_and_each_new_owner_is_told(cio, django_capture_on_commit_callbacks):
    first, second = UserFactory(username="first-owner", role="Analyst"), UserFactory(username="next", role="Analyst")
    demand = file_demand()
    with django_capture_on_commit_callbacks(execute=True):
        change_request_set_owner(change_request=demand, owner=first, assigned_by=cio)
        change_request_set_owner(change_request=demand, owner=second, assigned_by=cio)
    demand.refresh_from_db()
    assert demand.owner == second
    events = list(demand.events.filter(visibility=EventVisibility.INTERNAL).order_by("pk"))
    assert [(event.note_shown, event.actor.username) for event in events] == [
        (f"Owner set to {first.username}.", "cio"),
        (f"Owner set to {second.username}.", "cio"),
    ]
    with translation.override("fr"):  # a line of ours, in the reader's language
        assert events[0].note_shown == f"Responsable : {first.username}."
    told = Notification.objects.filter(event=NotificationEvent.ASSIGNED)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["first-owner", "next"]
    assert {notification.actor for notification in told} == {cio}


def test_taking_a_demand_yourself_notifies_nobody(analyst, django_capture_on_commit_callbacks):
    demand = file_demand()
    with django_capture_on_commit_callbacks(execute=True):
        change_request_set_owner(change_request=demand, owner=analyst, assigned_by=analyst)
    assert not Notification.objects.exists()


def test_only_staff_who_may_change_demands_can_own_one(cio, portfolio_manager):
    demand = file_demand()
    with pytest.raises(ApplicationError, match="cannot own demands"):
        change_request_set_owner(change_request=demand, owner=portfolio_manager, assigned_by=cio)
    change_request_set_owner(change_request=demand, owner=cio, assigned_by=cio)
    with pytest.raises(ApplicationError, match="already has this owner"):
        change_request_set_owner(change_request=demand, owner=cio, assigned_by=cio)


def test_the_demand_page_shows_the_owner_and_both_managers_and_sets_the_owner(cio_client, analyst):
    product_manager = UserFactory(username="pm1", first_name="Paula", last_name="Martin", role="Analyst")
    account_manager = UserFactory(username="am1", first_name="Anton", last_name="Meyer", role="Analyst")
    CustomerFactory(name="Owned Corp", account_manager=account_manager)
    demand = file_demand(product=ProductFactory(product_manager=product_manager), contact_email="a@owned-corp.example")
    page = cio_client.get(f"/triage/{demand.reference}/").content.decode()
    assert "Paula Martin" in page and "Anton Meyer" in page and "nobody yet" in page
    response = cio_client.post(f"/triage/{demand.reference}/owner/", {"owner": analyst.pk}, follow=True)
    assert "Owner updated." in response.content.decode()
    demand.refresh_from_db()
    assert demand.owner == analyst


def test_a_portfolio_manager_cannot_set_an_owner(pm_client, analyst):
    demand = file_demand()
    assert pm_client.post(f"/triage/{demand.reference}/owner/", {"owner": analyst.pk}).status_code == 403
    demand.refresh_from_db()
    assert demand.owner is None


def test_an_unknown_owner_is_refused_with_a_message_not_a_500(cio_client):
    demand = file_demand()
    response = cio_client.post(f"/triage/{demand.reference}/owner/", {"owner": "999999"}, follow=True)
    assert response.status_code == 200 and "The owner was not changed" in response.content.decode()


def test_the_queue_shows_each_owner_and_mine_keeps_only_the_readers(analyst, analyst_client):
    other = UserFactory(username="someone-else", first_name="Sam", last_name="Else", role="Analyst")
    mine = file_demand(title="Mine to handle", product=ProductFactory(default_owner=analyst))
    file_demand(title="Not mine at all", product=ProductFactory(default_owner=other))
    everything = analyst_client.get("/triage/").content.decode()
    assert "Sam Else" in everything and "Mine to handle" in everything and "Not mine at all" in everything
    only_mine = analyst_client.get("/triage/", {"mine": "true"})
    assert [demand.pk for demand in only_mine.context["page"]] == [mine.pk]


def test_the_charts_of_mine_are_each_readers_own(analyst, analyst_client, cio_client):
    other = UserFactory(username="another-analyst", role="Analyst")
    file_demand(title="The analyst's", product=ProductFactory(default_owner=analyst))
    file_demand(title="Someone else's", product=ProductFactory(default_owner=other))
    assert analyst_client.get("/triage/", {"mine": "true"}).context["charts"]["funnel"][0][2] == 1
    # The charts are cached per query: the CIO's "Mine" (nothing) is not the analyst's copy.
    assert cio_client.get("/triage/", {"mine": "true"}).context["charts"]["funnel"][0][2] == 0
