"""A customer in real headless Chromium: file, follow the link, answer a question, withdraw."""

import re

import pytest

from intake.models import ChangeRequest
from tests.factories import ProductFactory
from triage.services import change_request_ask_information

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_customer_files_follows_answers_and_withdraws_a_demand(page, live_server, analyst, artifacts, settings):
    ProductFactory(name="Billing Cloud")
    page.goto(f"{live_server.url}/requests/new/")
    page.screenshot(path=str(artifacts / "form-desktop.png"), full_page=True)

    page.get_by_label("Your name").fill("Maria Rossi")
    page.get_by_label("Your work e-mail").fill("maria@unknown-org.example")
    page.get_by_role("textbox", name="Your organization").fill("Unknown Org")
    page.get_by_role("combobox", name="Product").select_option(label="Billing Cloud")
    page.get_by_label("What kind of change is it?").select_option(label="Integration with another system")
    page.get_by_role("textbox", name="Title", exact=False).first.fill("Export invoices to SAP every night")
    page.get_by_label("What do you need?").fill("Every night, export all invoices of the day to SAP as IDocs.")
    page.get_by_label("Revenue at stake").fill("250000")
    page.get_by_label("Attachments").set_input_files(
        [{"name": "<i>offer.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}]
    )
    page.get_by_label("Does it touch security or personal data?").check()
    page.get_by_role("button", name="Send my demand").click()

    reference = page.get_by_test_id("reference").inner_text()
    assert re.fullmatch(r"CR-\d{4}-\d{5}", reference)
    demand = ChangeRequest.objects.get(reference=reference)
    assert demand.risk_security and demand.attachments.count() == 1

    page.get_by_test_id("tracking-link").click()
    page.wait_for_url(re.compile(r"/track/[^/]+/$"))
    tracking_url = page.url
    assert page.get_by_test_id("reference").inner_text() == reference
    assert page.get_by_role("link", name="<i>offer.pdf").is_visible()  # escaped, shown as typed

    change_request_ask_information(change_request=demand, question="Which SAP release do you run?", asked_by=analyst)
    page.goto(tracking_url)
    assert page.get_by_text("Which SAP release do you run?").first.is_visible()
    page.screenshot(path=str(artifacts / "track-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "track-phone.png"), full_page=True)
    page.goto(f"{live_server.url}/requests/new/")
    page.screenshot(path=str(artifacts / "form-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(tracking_url)
    page.get_by_label("Your answer").fill("We run SAP ECC 6.0 EHP8.")
    page.get_by_role("button", name="Send my answer").click()
    assert page.get_by_text("Thank you, your answer was sent").is_visible()
    demand.refresh_from_db()
    assert demand.status in ("submitted", "scored")  # answered, back in the queue and rescored

    page.get_by_label("Why are you withdrawing it? (optional)").fill("We found another way.")
    page.get_by_role("button", name="Withdraw my demand").click()
    # Not without confirming (issue 15, item 9): the page says so next to the box and keeps the reason.
    assert page.get_by_text("Tick this box to confirm").is_visible()
    assert page.get_by_label("Why are you withdrawing it? (optional)").input_value() == "We found another way."
    page.get_by_label("Yes, withdraw this demand").check()
    page.get_by_role("button", name="Withdraw my demand").click()
    assert page.get_by_text("Your demand is withdrawn.").is_visible()
    demand.refresh_from_db()
    assert demand.status == "withdrawn"
    assert page.get_by_role("button", name="Withdraw my demand").count() == 0
