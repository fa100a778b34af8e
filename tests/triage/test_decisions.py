"""Decisions: exactly one wins a race, the loser is told who won, approval makes the project, login is guarded."""

import threading

import pytest
from django.db import connection
from django.test import Client

from intake.models import ChangeRequest
from portfolio.models import Project
from portfolio.services import change_request_approve
from tests.factories import UserFactory, file_demand
from triage import services
from triage.models import Decision


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_at_once_record_one_decision_and_the_other_is_told_who_won(cio):
    other_cio = UserFactory(username="deputy", first_name="Dana", last_name="Deputy", role="CIO")
    demand = file_demand()
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def decide(user, outcome: str) -> None:
        barrier.wait()
        try:
            if outcome == "approved":
                outcomes[user.username] = change_request_approve(
                    change_request=ChangeRequest.objects.get(pk=demand.pk), decided_by=user, rationale="go"
                )
            else:
                outcomes[user.username] = services.decision_record(
                    change_request=ChangeRequest.objects.get(pk=demand.pk),
                    outcome=outcome,
                    decided_by=user,
                    rationale="no",
                    customer_message="Sorry, not now.",
                )
        except services.AlreadyDecided as refusal:
            outcomes[user.username] = refusal
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(cio, "approved")),
        threading.Thread(target=decide, args=(other_cio, "rejected")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Decision.objects.filter(change_request=demand).count() == 1
    winner = Decision.objects.get(change_request=demand)
    loser_name = "deputy" if winner.decided_by == cio else "cio"
    refusal = outcomes[loser_name]
    assert isinstance(refusal, services.AlreadyDecided)
    assert winner.decided_by.get_full_name() in refusal.message
    demand.refresh_from_db()
    assert demand.status == winner.outcome
    assert Project.objects.count() == (1 if winner.outcome == "approved" else 0)


@pytest.mark.django_db
def test_a_second_decision_on_the_page_shows_who_decided_first(client: Client, cio):
    demand = file_demand()
    change_request_approve(change_request=demand, decided_by=cio, rationale="Worth it.")
    client.force_login(UserFactory(username="deputy", role="CIO"))
    response = client.post(
        f"/triage/{demand.reference}/decide/rejected/",
        {"reject-rationale": "no", "reject-customer_message": "Sorry."},
        follow=True,
    )
    page = response.content.decode()
    assert "was already decided: approved by Carla Ionescu" in page
    assert Decision.objects.filter(change_request=demand).count() == 1


@pytest.mark.django_db
def test_approval_creates_the_project_in_the_same_transaction(client: Client, cio):
    demand = file_demand()
    client.force_login(cio)
    response = client.post(f"/portfolio/approve/{demand.reference}/", {"approve-rationale": "Strong case."})
    project = Project.objects.get()
    assert response["Location"] == f"/portfolio/{project.code}/"
    assert list(project.demands.all()) == [demand]


@pytest.mark.django_db
def test_rejecting_needs_a_message_for_the_customer(client: Client, cio):
    demand = file_demand()
    client.force_login(cio)
    client.post(f"/triage/{demand.reference}/decide/rejected/", {"reject-rationale": "no"})
    demand.refresh_from_db()
    assert demand.status == "submitted" and not Decision.objects.exists()


@pytest.mark.django_db
def test_staff_login_locks_after_five_failures_with_the_same_answer_for_unknown_users(client: Client, cio):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "cio", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")
    locked = client.post("/accounts/login/", {"username": "cio", "password": "pw-for-tests-1"}, REMOTE_ADDR="10.0.0.9")
    assert locked.status_code == 429
    assert "locked" in locked.content.decode().lower()
    unknown = client.post("/accounts/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.0.0.8")
    wrong = client.post("/accounts/login/", {"username": "cio", "password": "x"}, REMOTE_ADDR="10.0.0.7")
    assert unknown.status_code == wrong.status_code == 200
    assert unknown.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()


@pytest.mark.django_db
def test_approval_can_add_the_demand_to_an_existing_project_by_its_code(client: Client, cio):
    first, second = file_demand(), file_demand(title="Second demand for it")
    project = change_request_approve(change_request=first, decided_by=cio, rationale="yes")
    client.force_login(cio)
    wrong = client.post(
        f"/portfolio/approve/{second.reference}/",
        {"approve-rationale": "Same need.", "approve-project": "BT-9999"},
        follow=True,
    )
    assert "No open project has this code." in wrong.content.decode()
    second.refresh_from_db()
    assert second.status != "approved"
    client.post(
        f"/portfolio/approve/{second.reference}/", {"approve-rationale": "Same need.", "approve-project": project.code}
    )
    assert set(project.demands.all()) == {first, second}
