"""Replies by e-mail, against a real IMAP server (dovecot) and a real SMTP server (aiosmtpd): a customer's reply to
any Demand Desk e-mail lands in that demand's conversation, once; robots, loops and forged addresses create nothing;
what cannot be applied whole waits in the review folder, never lost."""

import logging
from email.message import EmailMessage
from email.utils import make_msgid

import pytest

from core.models import MailboxStatus
from core.services import outbound_email_send
from intake.choices import CommentKind, CommentSource, InboundEmailOutcome
from intake.conversation import services
from intake.conversation.addresses import reply_address
from intake.models import Attachment, ChangeRequest, Comment, InboundEmail
from intake.tasks import poll_reply_mailbox
from tests.factories import UserFactory, file_demand_with_token
from tests.intake.files import exe_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox(dovecot, settings):
    settings.INBOUND_EMAIL_URL = dovecot.url
    return dovecot


def customer_reply(
    to: str, text: str, *, sender: str = "ann@buyer.example", files: tuple = (), **headers: str
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Ann Buyer <{sender}>"
    message["To"] = to
    message["Subject"] = "Re: your demand"
    message["Message-ID"] = make_msgid(domain="buyer.example")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    for name, content, subtype in files:
        message.add_attachment(content, maintype="application", subtype=subtype, filename=name)
    return message


def test_a_reply_to_the_staff_e_mail_lands_in_the_conversation_with_its_file_once(mailbox, smtp_server):
    demand, _token = file_demand_with_token(contact_email="ann@buyer.example", contact_name="Ann Buyer")
    analyst = UserFactory(username="lea", first_name="Léa", last_name="Martin", role="Analyst")
    # Staff reply, sent through the real SMTP server: its Reply-To is the demand's signed address.
    services.comment_reply_add(change_request=demand, author=analyst, body="Which SAP release do you run?")
    from core.models import OutboundEmail

    outbound = OutboundEmail.objects.filter(to="ann@buyer.example", reply_to__contains="+").order_by("pk").last()
    assert outbound_email_send(email_id=outbound.pk)
    sent = smtp_server[-1]
    assert sent["Reply-To"] == reply_address(demand.reference) and sent["Auto-Submitted"] == "auto-generated"
    assert "Which SAP release do you run?" in sent.get_content()

    reply = customer_reply(
        sent["Reply-To"],
        "We run ECC 6.0, EhP 8.\n\nBest regards,\n-- \nAnn Buyer\nHead of Finance\n\n"
        "On Mon, 7 Dec 2026 at 10:00, Demand Desk <demands@example.com> wrote:\n> Which SAP release do you run?\n",
        files=[("landscape.pdf", pdf_bytes(), "pdf")],
    )
    mailbox.deliver(reply.as_bytes())
    result = poll_reply_mailbox()
    assert result["done"] == 1 and result["review"] == 0

    comment = Comment.objects.get(change_request=demand, kind=CommentKind.CUSTOMER)
    assert comment.source == CommentSource.EMAIL
    assert comment.body == "We run ECC 6.0, EhP 8.\n\nBest regards,"  # no signature, no quoted history
    assert comment.author_label == "Ann Buyer"
    [attachment] = Attachment.objects.filter(comment=comment)
    assert (attachment.original_name, attachment.content_type) == ("landscape.pdf", "application/pdf")
    assert ChangeRequest.objects.get(pk=demand.pk).customer_replied_at is not None
    assert mailbox.messages("INBOX") == [] and len(mailbox.messages("Processed")) == 1

    # The same message delivered again (a resend, or a poll that crashed before moving it) adds nothing.
    mailbox.deliver(reply.as_bytes())
    assert poll_reply_mailbox()["done"] == 1
    assert Comment.objects.filter(change_request=demand).count() == 2  # the staff reply and the one customer reply
    assert InboundEmail.objects.get().outcome == InboundEmailOutcome.APPLIED


def test_a_crash_between_applying_and_moving_does_not_apply_twice(mailbox):
    demand, _token = file_demand_with_token()
    raw = customer_reply(reply_address(demand.reference), "Applied, then the poller died.").as_bytes()
    mailbox.deliver(raw)
    services.inbound_email_apply(raw=raw)  # what the poller did before it was killed, the message still in INBOX
    assert poll_reply_mailbox()["done"] == 1
    assert Comment.objects.filter(change_request=demand).count() == 1
    assert mailbox.messages("INBOX") == [] and len(mailbox.messages("Processed")) == 1


def test_a_forged_or_unknown_address_creates_nothing_and_is_logged(mailbox, caplog):
    demand, _token = file_demand_with_token()
    other, _ = file_demand_with_token()
    forged = reply_address(other.reference).replace(other.reference, demand.reference)  # another demand's tag
    mailbox.deliver(customer_reply(forged, "Let me in.").as_bytes())
    mailbox.deliver(customer_reply("demands@example.com", "No tag at all.").as_bytes())
    with caplog.at_level(logging.WARNING, logger="intake.conversation.services"):
        assert poll_reply_mailbox()["done"] == 2
    assert not Comment.objects.exists()
    outcomes = sorted(InboundEmail.objects.values_list("outcome", "detail"))
    assert [outcome for outcome, _detail in outcomes] == [InboundEmailOutcome.FORGED] * 2
    assert any("forged tag" in detail for _outcome, detail in outcomes)
    assert "forged tag" in caplog.text
    assert len(mailbox.messages("Processed")) == 2  # kept, not deleted


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"X_Autoreply": "yes"},
        {"Subject": "Out of Office: back on Monday"},
        {"X_Demand_Desk_Loop": "1"},  # one of our own e-mails coming back
    ],
)
def test_automatic_replies_and_loops_are_ignored(mailbox, headers):
    demand, _token = file_demand_with_token()
    message = customer_reply(reply_address(demand.reference), "I am away until Monday.")
    if "Subject" in headers:
        del message["Subject"]
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    mailbox.deliver(message.as_bytes())
    assert poll_reply_mailbox()["done"] == 1
    assert not Comment.objects.exists()
    assert InboundEmail.objects.get().outcome == InboundEmailOutcome.IGNORED


def test_a_bounce_is_ignored(mailbox):
    demand, _token = file_demand_with_token()
    message = customer_reply(reply_address(demand.reference), "Delivery failed.", sender="MAILER-DAEMON@buyer.example")
    mailbox.deliver(message.as_bytes())
    poll_reply_mailbox()
    assert not Comment.objects.exists() and InboundEmail.objects.get().outcome == InboundEmailOutcome.IGNORED


def test_a_refused_attachment_keeps_the_whole_message_for_review_and_applies_nothing(mailbox):
    demand, _token = file_demand_with_token()
    message = customer_reply(
        reply_address(demand.reference), "Here is the tool.", files=[("tool.pdf", exe_bytes(), "pdf")]
    )
    mailbox.deliver(message.as_bytes())
    result = poll_reply_mailbox()
    assert (result["done"], result["review"]) == (0, 1)
    assert not Comment.objects.exists() and not Attachment.objects.exists()
    assert ChangeRequest.objects.get(pk=demand.pk).customer_replied_at is None
    assert InboundEmail.objects.get().outcome == InboundEmailOutcome.REVIEW
    assert mailbox.messages("INBOX") == [] and len(mailbox.messages("Review")) == 1


def test_an_unparseable_or_too_large_message_goes_to_review_unapplied(mailbox, settings):
    demand, _token = file_demand_with_token()
    mailbox.deliver(b"Subject: no sender at all\r\n\r\nWho wrote this?\r\n")
    big = customer_reply(reply_address(demand.reference), "x" * 5000)
    mailbox.deliver(big.as_bytes())
    settings.INBOUND_EMAIL_MAX_BYTES = 4000
    result = poll_reply_mailbox()
    assert (result["done"], result["review"]) == (0, 2)
    assert not Comment.objects.exists()
    assert len(mailbox.messages("Review")) == 2 and mailbox.messages("INBOX") == []


def test_a_reply_to_a_closed_demand_is_kept_for_review(mailbox):
    demand, _token = file_demand_with_token()
    ChangeRequest.objects.filter(pk=demand.pk).update(status="rejected")
    mailbox.deliver(customer_reply(reply_address(demand.reference), "But why?").as_bytes())
    assert poll_reply_mailbox()["review"] == 1
    assert not Comment.objects.exists()
    assert "takes no more messages" in InboundEmail.objects.get().detail


def test_an_unreachable_mailbox_backs_off_and_readyz_says_so(settings, client, dovecot):
    from datetime import timedelta

    from django.utils import timezone

    from core.mailbox import mailbox_poll

    settings.INBOUND_EMAIL_URL = dovecot.url
    dovecot.stop()  # nothing listens on its port any more
    first = poll_reply_mailbox()
    assert first["failed"]
    status = MailboxStatus.objects.get()
    assert status.consecutive_failures == 1 and status.next_attempt_at > timezone.now()
    assert poll_reply_mailbox()["skipped"]  # backing off: no connection attempt before next_attempt_at
    assert MailboxStatus.objects.get().consecutive_failures == 1
    body = client.get("/readyz").json()
    assert body["status"] == "degraded" and body["checks"]["mailbox"]["ok"] is False
    assert body["checks"]["mailbox"]["failures"] == 1

    # Later, the mailbox back: the next poll due succeeds and the health clears.
    from tests.processes import Dovecot

    server = Dovecot().start()
    try:
        later = status.next_attempt_at + timedelta(seconds=1)
        poll = mailbox_poll(url=server.url, handler=lambda raw: services.inbound_email_apply(raw=raw), now=later)
        assert not poll.failed and not poll.skipped
    finally:
        server.stop()
    assert MailboxStatus.objects.get().consecutive_failures == 0
    assert client.get("/readyz").json()["status"] == "ok"


def test_the_backoff_doubles_up_to_its_ceiling(settings):
    from core.mailbox import backoff_delay

    assert [backoff_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff_delay(50).total_seconds() == settings.INBOUND_EMAIL_BACKOFF_MAX_SECONDS


def test_a_poll_while_another_runs_reads_nothing_and_a_dead_polls_lease_expires(mailbox):
    from datetime import timedelta

    from django.utils import timezone

    demand, _token = file_demand_with_token()
    mailbox.deliver(customer_reply(reply_address(demand.reference), "Only once.").as_bytes())
    MailboxStatus.objects.create(name="replies", polling_until=timezone.now() + timedelta(seconds=60))
    assert poll_reply_mailbox()["skipped"]  # another poll holds the mailbox
    assert not Comment.objects.exists() and len(mailbox.messages("INBOX")) == 1
    MailboxStatus.objects.filter(name="replies").update(polling_until=timezone.now() - timedelta(seconds=1))
    assert poll_reply_mailbox()["done"] == 1  # the lease of a poll that died has run out
    assert Comment.objects.count() == 1 and MailboxStatus.objects.get().polling_until is None


def test_an_operator_finds_refused_mail_in_the_admin():
    from django.test import Client

    services.inbound_email_apply(
        raw=b"From: a@b.example\r\nTo: demands@example.com\r\nMessage-ID: <x@b.example>\r\nSubject: hi\r\n\r\nhello\r\n"
    )
    browser = Client()
    browser.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    page = browser.get("/admin/intake/inboundemail/?outcome=forged")
    assert page.status_code == 200 and "no reply address of a demand" in page.content.decode()
