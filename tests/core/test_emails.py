"""Every e-mail the product sends is a template pair, rendered whole in English or in French."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.utils import translation

from core.emails import email_render
from intake.choices import ChangeRequestStatus, DeliveryStage
from intake.services import CUSTOMER_STATUS_EMAILS
from tests.intake.test_i18n import po_entries

PO_FILE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
EMAILS_DIR = Path(settings.BASE_DIR) / "templates" / "emails"
# Neutral values, so that any English left in a French e-mail comes from the templates, never from the context.
DEMAND = SimpleNamespace(contact_name="Ana Lima", title="Export FHIR <HL7> & co", reference="CR-2026-00042")
LINK = "http://127.0.0.1:8000/track/abc123/"
NOTE = "SAP ECC 6.0 ?"


@pytest.fixture(autouse=True)
def _english_reader():
    """The lazy labels in the expectations read in English whatever an earlier test's request activated."""
    with translation.override("en"):
        yield


# What staff receive (notifications, tested in tests/notifications); every other e-mail goes to a customer.
STAFF_EMAILS = {"notification", "notification_digest"}


def contexts() -> dict[str, dict]:
    """Each e-mail the product sends, with the context its caller gives it."""
    status_emails = {
        name: {"demand": DEMAND, "status": ChangeRequestStatus(status).label, "note": NOTE, "tracking_url": LINK}
        for status, name in CUSTOMER_STATUS_EMAILS.items()
    }
    reply = {"demand": DEMAND, "comment": SimpleNamespace(who="Carla Ionescu", body=NOTE), "tracking_url": LINK}
    return {
        "demand_received": {"demand": DEMAND, "tracking_url": LINK},
        "demand_reply": reply,
        "tracking_links": {"name": DEMAND.contact_name, "links": [(DEMAND, LINK)]},
        "demand_delivery": {
            "demand": DEMAND,
            "stage": "delivered",
            "stages": DeliveryStage,
            "status": DeliveryStage.DELIVERED.label,
            "tracking_url": LINK,
        },
        **status_emails,
    }


# E-mails that tell a new status ("... is now: <status>."), as opposed to a receipt or a list of links.
STATUS_SENTENCE_EMAILS = {"demand_needs_info", "demand_approved", "demand_rejected", "demand_deferred"}


@pytest.mark.parametrize("stage", list(DeliveryStage))
def test_the_delivery_email_says_each_stage_in_both_languages(stage):
    context = {"demand": DEMAND, "stage": stage, "stages": DeliveryStage, "status": stage.label, "tracking_url": LINK}
    english = email_render("demand_delivery", context=context)
    french = email_render("demand_delivery", context=context, language="fr")
    assert DEMAND.reference in english.subject and DEMAND.reference in french.subject
    assert english.subject != french.subject and english.body != french.body
    assert f"is now: {stage.label}." in english.body and LINK in french.body


# The e-mails to staff (their notifications), tested with their producer in tests/notifications/test_services.py.
STAFF_EMAILS = {"notification", "notification_digest"}


def test_every_email_template_is_sent_by_the_product():
    on_disk = {path.name for path in EMAILS_DIR.iterdir() if path.is_dir()} - STAFF_EMAILS
    assert on_disk == set(contexts()) and len(on_disk) == 9


@pytest.mark.parametrize("name", sorted(contexts()))
def test_each_email_renders_in_english_as_plain_text_with_what_the_customer_needs(name):
    email = email_render(name, context=contexts()[name])
    assert "\n" not in email.subject
    assert DEMAND.reference in (email.subject if name != "tracking_links" else email.body)
    assert email.body.startswith("Hello Ana Lima,\n\n")
    assert "Export FHIR <HL7> & co" in email.body  # plain text: nothing escaped
    assert f"\n{LINK}\n" in email.body  # every e-mail carries a private link (issue 15, item 3)
    if name == "demand_received":
        assert email.subject == "We received your demand CR-2026-00042"
    elif name == "demand_reply":
        assert (
            f'Carla Ionescu wrote about your demand CR-2026-00042 "Export FHIR <HL7> & co":\n\n{NOTE}\n\n' in email.body
        )
    elif name in STATUS_SENTENCE_EMAILS:
        assert f"\n\n{NOTE}\n\n" in email.body
        assert f"is now: {contexts()[name]['status']}." in email.body


def english_fragments(name: str) -> list[str]:
    """The English words of every msgid in the e-mail's templates (placeholders cut out)."""
    files = [EMAILS_DIR / name / "subject.txt", EMAILS_DIR / name / "body.txt"]
    files += [EMAILS_DIR.parent / found for found in re.findall(r'include "([^"]+)"', files[1].read_text())]
    references = {str(path.relative_to(settings.BASE_DIR)) for path in files}
    entries = [entry for entry in po_entries(PO_FILE) if references & set(entry["references"])]
    assert entries, name
    fragments = [part.strip(' .,:"') for entry in entries for part in re.split(r"%\(\w+\)s", entry["msgid"])]
    return [fragment for fragment in fragments if re.search(r"[A-Za-z]{3}", fragment)]


@pytest.mark.parametrize("name", sorted(contexts()))
def test_each_email_renders_in_french_with_no_english_left(name):
    french = email_render(name, context=contexts()[name], language="fr")
    english = email_render(name, context=contexts()[name], language="en")
    text = f"{french.subject}\n{french.body}"
    assert french.body.startswith("Bonjour Ana Lima,\n\n")
    assert DEMAND.reference in (french.subject if name != "tracking_links" else french.body)
    fragments = english_fragments(name)
    assert len(fragments) >= 2
    assert [fragment for fragment in fragments if fragment in text] == []
    assert len(french.body.splitlines()) == len(english.body.splitlines())  # the same layout, line for line
    if name in STATUS_SENTENCE_EMAILS:
        with translation.override("fr"):
            status = str(contexts()[name]["status"])
        assert f"est désormais : {status}.\n\n{NOTE}\n\n" in french.body


def test_the_language_is_the_callers_choice_not_whoever_is_browsing():
    """A French-speaking analyst's question reaches the customer in the language asked for (English by default)."""
    with translation.override("fr"):
        email = email_render("demand_needs_info", context=contexts()["demand_needs_info"])
    assert settings.LANGUAGE_CODE == "en"
    assert email.subject == "We need more information about your demand CR-2026-00042"
    assert "is now: Needs information." in email.body
