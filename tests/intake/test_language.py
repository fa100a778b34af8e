"""The customer's language: stored when they file, used for every e-mail they get, and the timeline's own
lines written in the language of whoever reads them (keys and parameters are stored, not English sentences)."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core.models import OutboundEmail
from intake.choices import EventVisibility
from intake.models import ChangeRequest, StatusEvent
from intake.services import status_event_record
from tests.factories import ProductFactory, UserFactory, file_demand_with_token, form_data
from triage.services import change_request_ask_information

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}


def test_a_demand_filed_from_the_french_form_is_french_and_so_is_its_receipt():
    product = ProductFactory(name="Billing Cloud")
    response = Client().post(reverse("intake:new"), form_data(product, contact_email="ana@client.example"), **FRENCH)
    assert response.status_code == 302
    demand = ChangeRequest.objects.get(contact_email="ana@client.example")
    assert demand.language == "fr"
    receipt = OutboundEmail.objects.get(to="ana@client.example")
    assert receipt.subject == f"Nous avons bien reçu votre demande {demand.reference}"


def test_a_demand_filed_in_english_stays_english():
    product = ProductFactory(name="Billing Cloud")
    Client().post(reverse("intake:new"), form_data(product, contact_email="bob@client.example"), **ENGLISH)
    assert ChangeRequest.objects.get(contact_email="bob@client.example").language == "en"


def test_a_status_e_mail_is_in_the_customers_language_whatever_the_staff_member_reads():
    with translation.override("fr"):
        demand, _token = file_demand_with_token(contact_email="ana@client.example")
    assert demand.language == "fr"
    analyst = UserFactory(username="arjun", role="Analyst")
    with translation.override("en"):  # the analyst works in English
        change_request_ask_information(change_request=demand, question="Which SAP release?", asked_by=analyst)
    question = OutboundEmail.objects.filter(to="ana@client.example").order_by("pk").last()
    assert question.subject == f"Nous avons besoin de précisions sur votre demande {demand.reference}"
    assert "Which SAP release?" in question.body


def test_the_received_line_is_stored_as_a_key_and_read_in_the_readers_language():
    demand, token = file_demand_with_token()
    event = StatusEvent.objects.get(change_request=demand, note_key="received")
    assert event.note == ""
    french = Client().get(reverse("intake:track", kwargs={"token": token}), **FRENCH).content.decode()
    english = Client().get(reverse("intake:track", kwargs={"token": token}), **ENGLISH).content.decode()
    assert "Demande reçue." in french and "Demand received." not in french
    assert "Demand received." in english


def test_lines_written_before_keys_stay_readable():
    demand, _token = file_demand_with_token()
    old = status_event_record(change_request=demand, note="Demand received.")
    typed = status_event_record(change_request=demand, note="Customer called: SAP ECC 6.0.")
    with translation.override("fr"):
        assert old.note_shown == "Demande reçue."
        assert typed.note_shown == "Customer called: SAP ECC 6.0."  # typed text is shown as typed


def test_keyed_lines_format_their_numbers_by_locale():
    demand, _token = file_demand_with_token()
    event = status_event_record(
        change_request=demand,
        note_key="score_computed",
        note_params={"total": "48.43", "version": 2},
        visibility=EventVisibility.INTERNAL,
    )
    with translation.override("fr"):
        assert event.note_shown == "Score 48,43 avec le modèle v2."
    with translation.override("en"):
        assert event.note_shown == "Scored 48.43 with model v2."
