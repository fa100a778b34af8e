"""Decision times: flags in the queue against the targets, monthly median and p90, the CIO sets targets."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from intake.models import ChangeRequest, StatusEvent
from tests.factories import file_demand
from triage.models import Decision, DecisionTarget
from triage.services import change_request_ask_information, decision_record

pytestmark = pytest.mark.django_db


def backdate(demand: ChangeRequest, days: float) -> None:
    """As if filed `days` ago: the demand and its events move back together."""
    shift = timedelta(days=days)
    ChangeRequest.objects.filter(pk=demand.pk).update(created_at=timezone.now() - shift)
    for event in StatusEvent.objects.filter(change_request=demand):
        StatusEvent.objects.filter(pk=event.pk).update(created_at=event.created_at - shift)


def test_the_queue_flags_demands_near_or_past_their_target_and_pauses_while_the_customer_owes_an_answer(
    client: Client, cio
):
    DecisionTarget.objects.update_or_create(scope="agenda:bt", defaults={"days": 30})
    overdue, due_soon, fresh = file_demand(title="Overdue demand"), file_demand(title="Due soon demand"), file_demand()
    waiting = file_demand(title="Waiting demand")
    change_request_ask_information(change_request=waiting, question="Which ERP?", asked_by=cio)
    backdate(overdue, 40)
    backdate(due_soon, 26)
    backdate(waiting, 40)  # filed 40 days ago, but paused since moments after filing
    client.force_login(cio)
    response = client.get("/triage/")
    clocks = response.context["clocks"]
    assert clocks[overdue.pk]["state"] == "overdue"
    assert clocks[due_soon.pk]["state"] == "due_soon"
    assert clocks[fresh.pk]["state"] == ""
    assert clocks[waiting.pk]["state"] == "" and clocks[waiting.pk]["clock"].is_paused
    page = response.content.decode()
    assert "overdue" in page and "due soon" in page and "paused" in page


def test_the_strictest_target_applies(client: Client, cio):
    from tests.factories import CustomerFactory

    DecisionTarget.objects.update_or_create(scope="agenda:bt", defaults={"days": 30})
    DecisionTarget.objects.update_or_create(scope="tier:strategic", defaults={"days": 10})
    CustomerFactory(name="Big Co", tier="strategic")
    demand = file_demand(contact_email="ceo@big-co.example")
    backdate(demand, 12)
    client.force_login(cio)
    assert client.get("/triage/").context["clocks"][demand.pk]["state"] == "overdue"


def test_decision_times_by_month_leave_out_the_time_spent_waiting(client: Client, cio):
    quick = file_demand()
    slow = file_demand()
    change_request_ask_information(change_request=slow, question="More detail?", asked_by=cio)
    decision_record(change_request=quick, outcome="approved", decided_by=cio, rationale="ok")
    backdate(quick, 4)  # filed 4 days ago, decided just after filing: ~0 days
    Decision.objects.filter(change_request=quick).update(created_at=timezone.now())
    StatusEvent.objects.filter(change_request=quick, to_status="approved").update(created_at=timezone.now())
    client.force_login(cio)
    months = client.get("/triage/decision-times/").context["months"]
    assert months[-1]["decisions"] == 1 and months[-1]["median"] == pytest.approx(4.0, abs=0.1)


def test_only_the_cio_sets_targets(client: Client, cio, analyst):
    client.force_login(analyst)
    assert client.get("/triage/decision-times/").status_code == 200
    assert client.post("/triage/decision-times/", {"agenda:bt": "5"}).status_code == 403
    client.force_login(cio)
    response = client.post("/triage/decision-times/", {"agenda:bt": "12", "agenda:it": "", "tier:key": "400"})
    assert response.status_code == 400  # 400 days is above the 365-day maximum
    client.post("/triage/decision-times/", {"agenda:bt": "12", "agenda:it": ""})
    assert dict(DecisionTarget.objects.values_list("scope", "days")) == {"agenda:bt": 12}
    from core.models import AuditEvent

    event = AuditEvent.objects.get(action="decision_targets")
    assert event.actor == cio and event.details["agenda:bt"] == 12


def test_the_targets_form_reads_in_french(client: Client, cio):
    client.force_login(cio)
    page = client.get("/triage/decision-times/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Demandes BT (jours)" in page and "Clients stratégiques (jours)" in page
    assert "BT demands" not in page
