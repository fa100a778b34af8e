"""The conversation in real headless Chromium: the customer writes with a file, an analyst replies (a real e-mail,
through a real SMTP server), the customer answers that e-mail and the answer, read from a real IMAP server, is in
the conversation on both sides; the analyst's internal note never is on the customer's side."""

import re
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from playwright.sync_api import expect

from intake.tasks import poll_reply_mailbox
from tests.e2e.browsing import log_in
from tests.factories import ProductFactory, file_demand_with_token
from tests.processes import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_customer_comment_staff_reply_and_a_reply_by_e_mail_land_in_one_conversation(
    browser, page, live_server, analyst, dovecot, smtp_server, settings
):
    settings.INBOUND_EMAIL_URL = dovecot.url
    demand, token = file_demand_with_token(
        product=ProductFactory(name="Billing Cloud"), contact_email="ann@buyer.example", contact_name="Ann Buyer"
    )
    tracking_url = f"{live_server.url}/track/{token}/"

    # The customer writes, with a file, from the tracking page.
    page.goto(tracking_url)
    page.get_by_label("Your message").fill("We also need credit notes in the export.")
    page.locator("input[name=attachments]").set_input_files(
        [{"name": "credit-notes.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}]
    )
    page.get_by_role("button", name="Send my message").click()
    expect(page.get_by_text("Thank you, your message was sent.")).to_be_visible()
    conversation = page.get_by_test_id("conversation")
    expect(conversation.get_by_text("We also need credit notes in the export.")).to_be_visible()
    expect(conversation.get_by_role("link", name="credit-notes.pdf")).to_be_visible()

    # An analyst sees "customer replied" in the queue, replies to the customer and writes an internal note.
    staff = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(staff, live_server.url, analyst.username)
    staff.goto(f"{live_server.url}/triage/?customer_replied=on")
    row = staff.get_by_role("row").filter(has_text=demand.reference)
    expect(row.get_by_text("customer replied")).to_be_visible()
    row.get_by_role("link", name=demand.reference).click()
    staff.wait_for_url(re.compile(rf"/triage/{demand.reference}/$"))
    expect(staff.get_by_test_id("conversation").get_by_text("We also need credit notes")).to_be_visible()
    staff.get_by_label("Reply to the customer (e-mailed)").fill("Credit notes too: noted. Which SAP release?")
    staff.get_by_role("button", name="Send reply").click()
    expect(staff.get_by_text("Reply sent to the customer.")).to_be_visible()
    staff.get_by_label("Internal note").fill("Margin is thin on this one, @analyst check with finance.")
    staff.get_by_role("button", name="Add note").click()
    expect(staff.get_by_test_id("conversation").get_by_text("Margin is thin")).to_be_visible()

    # The reply reached the customer through the SMTP server, answerable by e-mail.
    email = wait_for(lambda: next((m for m in smtp_server if "Which SAP release?" in m.get_content()), None))
    assert email["To"] == "ann@buyer.example" and email["Reply-To"].startswith(f"demands+{demand.reference}.")

    answer = EmailMessage()
    answer["From"] = "Ann Buyer <ann@buyer.example>"
    answer["To"] = email["Reply-To"]
    answer["Subject"] = f"Re: {email['Subject']}"
    answer["Message-ID"] = make_msgid(domain="buyer.example")
    answer.set_content(
        "ECC 6.0, EhP 8.\n\nOn Tue, 8 Dec 2026, Demand Desk <demands@example.com> wrote:\n> Which SAP release?\n"
    )
    dovecot.deliver(answer.as_bytes())
    assert poll_reply_mailbox()["done"] == 1

    # The customer sees the whole conversation, their e-mail included, and never the note.
    page.goto(tracking_url)
    conversation = page.get_by_test_id("conversation")
    expect(conversation.get_by_text("Credit notes too: noted. Which SAP release?")).to_be_visible()
    expect(conversation.get_by_text("ECC 6.0, EhP 8.")).to_be_visible()
    expect(conversation.get_by_text("by e-mail")).to_be_visible()
    content = page.content()
    assert "Margin is thin" not in content and "> Which SAP release?" not in content
    # And so does the analyst, the queue flagging the new answer again.
    staff.goto(f"{live_server.url}/triage/{demand.reference}/")
    expect(staff.get_by_test_id("conversation").get_by_text("ECC 6.0, EhP 8.")).to_be_visible()
    staff.context.close()
