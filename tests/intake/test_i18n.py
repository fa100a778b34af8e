"""French for customers: chosen by the browser (Accept-Language) or the switcher, on every customer page, complete."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from intake.choices import CUSTOMER_STATUS_LABELS, ChangeRequestStatus
from tests.factories import ProductFactory, file_demand_with_token, form_data
from triage.services import change_request_ask_information

pytestmark = pytest.mark.django_db

PO_FILE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# Sources whose strings a customer can read: the public pages, the base layout, error pages, partials, the
# intake app (form, uploads, services' refusals, statuses) and the project statuses shown on the tracking page.
CUSTOMER_SOURCES = re.compile(r"^(intake/|templates/(?!drf_spectacular/)|portfolio/choices\.py)")
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}


def po_entries(path: Path) -> list[dict]:
    """The .po's entries as {msgctxt, msgid, msgid_plural, msgstr: [...], references: [...], fuzzy}: a tiny parser."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {
            "references": [],
            "msgstr": [],
            "fuzzy": False,
            "msgctxt": None,
            "msgid": None,
            "msgid_plural": None,
        }
        current = None
        for line in block.splitlines():
            if line.startswith("#:"):
                entry["references"] += [reference.rsplit(":", 1)[0] for reference in line[2:].split()]
            elif line.startswith("#,"):
                entry["fuzzy"] = "fuzzy" in line
            elif line.startswith(("msgctxt ", "msgid ", "msgid_plural ", "msgstr")):
                keyword, text = line.split(" ", 1)
                current = keyword
                if keyword.startswith("msgstr"):
                    entry["msgstr"].append("")
                else:
                    entry[keyword] = ""
                _append(entry, current, text)
            elif line.startswith('"') and current:
                _append(entry, current, line)
        if entry["msgid"]:
            entries.append(entry)
    return entries


def _append(entry: dict, keyword: str, quoted: str) -> None:
    text = quoted.strip()[1:-1].replace('\\"', '"').replace("\\n", "\n")
    if keyword.startswith("msgstr"):
        entry["msgstr"][-1] += text
    else:
        entry[keyword] += text


def _translated(entry: dict) -> str:
    if entry["msgctxt"] is not None:
        return translation.pgettext(entry["msgctxt"], entry["msgid"])
    return translation.gettext(entry["msgid"])


def customer_entries() -> list[dict]:
    return [entry for entry in po_entries(PO_FILE) if any(CUSTOMER_SOURCES.match(ref) for ref in entry["references"])]


def test_every_customer_facing_msgid_has_a_french_translation():
    entries = customer_entries()
    assert len(entries) > 100  # the form, the pages, the statuses, the upload refusals
    untranslated = [entry["msgid"] for entry in entries if entry["fuzzy"] or not all(entry["msgstr"])]
    assert untranslated == []


def test_the_compiled_catalog_answers_every_customer_msgid_in_french():
    """What the running site uses: the .mo, through Django's own lookup (so it is compiled and current)."""
    with translation.override("fr"):
        missing = [
            entry["msgid"]
            for entry in customer_entries()
            if not entry["msgid_plural"] and _translated(entry) == entry["msgid"] != entry["msgstr"][0]
        ]
        assert missing == []
        assert str(CUSTOMER_STATUS_LABELS[ChangeRequestStatus.SUBMITTED]) == "En cours d’examen"  # lazy labels follow


def test_the_form_speaks_french_to_a_browser_that_asks_for_it():
    ProductFactory(name="Billing Cloud")
    page = Client().get("/requests/new/", **FRENCH)
    html = page.content.decode()
    assert page["Content-Language"] == "fr"
    assert '<html lang="fr">' in html
    for french in ("Déposer une demande", "Votre nom", "Votre e-mail professionnel", "Envoyer ma demande"):
        assert french in html
    assert "Your work e-mail" not in html and "Send my demand" not in html


def test_the_form_speaks_english_without_a_preference_and_to_an_english_browser():
    ProductFactory(name="Billing Cloud")
    for headers in ({}, {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}, {"HTTP_ACCEPT_LANGUAGE": "de-DE"}):
        html = Client().get("/requests/new/", **headers).content.decode()
        assert '<html lang="en">' in html and "Send my demand" in html and "Your work e-mail" in html


def test_validation_errors_come_in_french(settings):
    settings.INTAKE_FORM_RATE_PER_IP = "1000/hour"
    product = ProductFactory(name="Billing Cloud")
    client = Client()
    response = client.post(
        "/requests/new/",
        form_data(product, title="abc", description="too short", contact_email="not-an-email"),
        **FRENCH,
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Veuillez corriger 3 champs" in html
    assert "Veuillez donner un titre d’au moins 5 caractères." in html
    assert "Veuillez décrire le changement en au moins 20 caractères." in html
    assert "Saisissez une adresse e-mail valide." in html  # Django's own message, from Django's French catalog
    assert 'value="not-an-email"' in html  # nothing typed is lost


def test_a_french_form_keeps_its_date_in_the_format_a_date_field_reads(settings):
    settings.INTAKE_FORM_RATE_PER_IP = "1000/hour"
    product = ProductFactory(name="Billing Cloud")
    response = Client().post("/requests/new/", form_data(product, title="abc", desired_date="2027-06-15"), **FRENCH)
    assert response.status_code == 400
    assert 'value="2027-06-15"' in response.content.decode()  # not 15/06/2027, which <input type=date> drops


def test_the_tracking_page_speaks_french_with_the_question_and_its_forms(analyst):
    demand, token = file_demand_with_token(product=ProductFactory(name="Billing Cloud"))
    change_request_ask_information(change_request=demand, question="Which SAP release?", asked_by=analyst)
    html = Client().get(f"/track/{token}/", **FRENCH).content.decode()
    for french in (
        "Nous avons besoin de plus d’informations",
        "Votre réponse",
        "Envoyer ma réponse",
        "Historique",
        "Retirer ma demande",
        "Nous avons besoin d’informations",  # the customer's status label
        "Intégration avec un autre système",  # the kind, from intake.choices
    ):
        assert french in html, french
    assert "Which SAP release?" in html  # what people wrote is shown as written


def test_the_switcher_sets_french_for_the_next_pages_and_back_to_english():
    _demand, token = file_demand_with_token(product=ProductFactory(name="Billing Cloud"))
    client = Client()
    switched = client.post("/i18n/setlang/", {"language": "fr", "next": f"/track/{token}/"})
    assert switched.status_code == 302 and switched["Location"] == f"/track/{token}/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    html = client.get(f"/track/{token}/").content.decode()
    assert "Retirer cette demande" in html and "Votre demande" in html
    # The switcher offers the other language, named in itself.
    assert 'lang="en">English</button>' in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Withdraw this demand" in client.get(f"/track/{token}/").content.decode()


def test_a_customer_refusal_from_the_services_comes_in_french():
    demand, token = file_demand_with_token(product=ProductFactory(name="Billing Cloud"))
    client = Client()
    client.post(f"/track/{token}/", {"action": "withdraw", "reason": "", "confirm": "on"}, **FRENCH)
    response = client.post(
        f"/track/{token}/", {"action": "withdraw", "reason": "", "confirm": "on"}, follow=True, **FRENCH
    )
    html = response.content.decode()
    assert f"{demand.reference} a le statut « retirée »" in html
