"""A demand's conversation: the customer writes (with files) from the tracking page, staff reply (e-mailed with the
signed reply address) and write internal notes with @mentions that the customer never sees anywhere."""

import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import OutboundEmail
from intake.choices import CommentKind, CommentSource
from intake.conversation import services
from intake.conversation.addresses import reference_from_recipients, reply_address
from intake.conversation.signals import comment_posted
from intake.models import Attachment, ChangeRequest, Comment
from tests.factories import UserFactory, file_demand_with_token, webhook_endpoint
from tests.intake.files import exe_bytes, pdf_bytes
from webhooks.choices import EventType
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


def test_the_customer_writes_with_a_file_from_the_tracking_page_and_the_queue_shows_it(client, analyst_client):
    demand, token = file_demand_with_token(title="Nightly SAP export")
    response = client.post(
        f"/track/{token}/",
        {
            "action": "comment",
            "body": "Here is the IDoc layout we use.",
            "attachments": [SimpleUploadedFile("layout.pdf", pdf_bytes(), content_type="application/pdf")],
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get(change_request=demand)
    assert (comment.kind, comment.source, comment.body) == (CommentKind.CUSTOMER, CommentSource.WEB, comment.body)
    assert comment.body == "Here is the IDoc layout we use."
    [attachment] = Attachment.objects.filter(comment=comment)
    assert (attachment.original_name, attachment.content_type) == ("layout.pdf", "application/pdf")
    page = client.get(f"/track/{token}/").content.decode()
    assert "Here is the IDoc layout we use." in page and "layout.pdf" in page

    queue = analyst_client.get("/triage/?customer_replied=on").content.decode()
    assert demand.reference in queue and "customer replied" in queue
    other = file_demand_with_token(title="Quiet demand")[0]
    assert other.reference not in queue


def test_a_refused_file_keeps_the_message_as_typed_and_stores_nothing(client):
    demand, token = file_demand_with_token()
    response = client.post(
        f"/track/{token}/",
        {
            "action": "comment",
            "body": "Please run this tool.",
            "attachments": [SimpleUploadedFile("tool.pdf", exe_bytes(), content_type="application/pdf")],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Please run this tool." in page  # the text stays in the form
    assert "Please choose the files you want to send again." in page
    assert not Comment.objects.filter(change_request=demand).exists()
    assert not Attachment.objects.filter(change_request=demand).exists()
    assert ChangeRequest.objects.get(pk=demand.pk).customer_replied_at is None


def test_an_empty_message_is_refused_with_a_sentence(client):
    _demand, token = file_demand_with_token()
    response = client.post(f"/track/{token}/", {"action": "comment", "body": "   "})
    assert response.status_code == 400
    assert "Please write a message or attach a file." in response.content.decode()
    assert not Comment.objects.exists()


def test_a_closed_demand_takes_no_message_and_keeps_what_was_typed(client):
    demand, token = file_demand_with_token()
    ChangeRequest.objects.filter(pk=demand.pk).update(status="withdrawn")
    assert 'name="action" value="comment"' not in client.get(f"/track/{token}/").content.decode()
    response = client.post(f"/track/{token}/", {"action": "comment", "body": "One more thing."})
    assert response.status_code == 400
    page = response.content.decode()
    assert "it takes no more messages" in page and "One more thing." in page
    assert not Comment.objects.exists()


def test_a_staff_reply_is_shown_to_the_customer_and_e_mailed_with_the_signed_reply_address(
    client, analyst, analyst_client, django_capture_on_commit_callbacks
):
    demand, token = file_demand_with_token(contact_email="ann@buyer.example")
    services.comment_customer_add(change_request=demand, body="Any news?")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(
            f"/triage/{demand.reference}/reply/", {"reply-body": "Yes: we estimate it this week."}
        )
    assert response.status_code == 302
    assert ChangeRequest.objects.get(pk=demand.pk).customer_replied_at is None  # answered: off the "replied" list
    [email] = mail.outbox
    assert email.to == ["ann@buyer.example"]
    assert "Yes: we estimate it this week." in email.body and demand.reference in email.subject
    assert email.reply_to == [reply_address(demand.reference)]
    assert reference_from_recipients(email.reply_to).reference == demand.reference
    assert email.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "Yes: we estimate it this week." in client.get(f"/track/{token}/").content.decode()


def test_the_demand_received_e_mail_carries_the_reply_address_too():
    demand, _token = file_demand_with_token()
    email = OutboundEmail.objects.get(to=demand.contact_email)
    assert email.reply_to == reply_address(demand.reference)
    assert email.reply_to.startswith(f"demands+{demand.reference}.")


def test_an_internal_note_records_its_mentions_and_never_reaches_the_customer(
    client, analyst, analyst_client, cio, django_capture_on_commit_callbacks
):
    webhook_endpoint("http://127.0.0.1:9/hook", events=tuple(EventType.values))
    demand, token = file_demand_with_token()
    UserFactory(username="former", role="Analyst", is_active=False)
    heard = []

    def listener(**kwargs):
        heard.append(kwargs)

    comment_posted.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = analyst_client.post(
                f"/triage/{demand.reference}/note/",
                {"note-body": "SECRET-NOTE: @cio please check the margin; @nobody and @former cannot be told."},
            )
    finally:
        comment_posted.disconnect(listener)
    assert response.status_code == 302
    note = Comment.objects.get(kind=CommentKind.NOTE)
    assert [user.username for user in note.mentions.all()] == ["cio"]
    assert heard[-1]["comment_id"] == note.pk and heard[-1]["mentioned_user_ids"] == [cio.pk]
    assert heard[-1]["kind"] == CommentKind.NOTE

    # Staff see it; the tracking page does not.
    assert "SECRET-NOTE" in analyst_client.get(f"/triage/{demand.reference}/").content.decode()
    assert "SECRET-NOTE" not in client.get(f"/track/{token}/").content.decode()
    # Customer e-mails sent afterwards (a reply, a decision) never carry it.
    services.comment_reply_add(change_request=demand, author=analyst, body="We are on it.")
    from triage.services import decision_record

    decision_record(
        change_request=demand, outcome="rejected", rationale="Too narrow.", decided_by=cio, customer_message="Sorry."
    )
    bodies = [email.body + email.subject for email in mail.outbox]
    bodies += list(OutboundEmail.objects.values_list("body", flat=True))
    assert len(bodies) >= 3 and not any("SECRET-NOTE" in body for body in bodies)
    # Webhook payloads neither.
    payloads = [
        json.dumps(payload, default=str) for payload in WebhookDelivery.objects.values_list("payload", flat=True)
    ]
    assert len(payloads) >= 2 and not any("SECRET-NOTE" in payload for payload in payloads)


def test_a_note_mentioning_its_own_author_records_no_mention(analyst):
    demand, _token = file_demand_with_token()
    note = services.comment_note_add(change_request=demand, author=analyst, body="Reminder to @analyst.")
    assert not note.mentions.exists()


def test_the_queue_sorts_latest_customer_replies_first_and_the_rest_after(analyst_client):
    first, _ = file_demand_with_token(title="First to write")
    second, _ = file_demand_with_token(title="Second to write")
    silent, _ = file_demand_with_token(title="Never wrote")
    services.comment_customer_add(change_request=first, body="Hello.")
    services.comment_customer_add(change_request=second, body="Hello again.")
    page = analyst_client.get("/triage/?ordering=-customer_replied").content.decode()
    assert page.index(second.reference) < page.index(first.reference) < page.index(silent.reference)
    page = analyst_client.get("/triage/?ordering=customer_replied").content.decode()
    assert page.index(first.reference) < page.index(second.reference) < page.index(silent.reference)


def test_an_empty_reply_is_refused_and_only_roles_that_may_ask_the_customer_reply(analyst_client, pm_client):
    demand, _token = file_demand_with_token()
    response = analyst_client.post(f"/triage/{demand.reference}/reply/", {"reply-body": "  "})
    assert response.status_code == 400  # the demand page again, nothing typed lost
    assert "Reply to the customer (e-mailed): This field is required." in response.content.decode()
    assert pm_client.post(f"/triage/{demand.reference}/reply/", {"reply-body": "Hi"}).status_code == 403
    assert not Comment.objects.exists()
    # Every staff role that reads the demand page may write an internal note (the portfolio manager too).
    assert pm_client.post(f"/triage/{demand.reference}/note/", {"note-body": "Budget ok."}).status_code == 302
    assert Comment.objects.get().kind == CommentKind.NOTE


def test_a_tracking_link_cannot_flood_the_conversation(client, settings):
    settings.INTAKE_COMMENTS_PER_DEMAND = "2/hour"
    demand, token = file_demand_with_token()
    for number in (1, 2):
        assert client.post(f"/track/{token}/", {"action": "comment", "body": f"Message {number}"}).status_code == 302
    refused = client.post(f"/track/{token}/", {"action": "comment", "body": "Message 3"})
    assert refused.status_code == 429 and "Retry-After" in refused
    assert Comment.objects.filter(change_request=demand).count() == 2


def test_the_conversation_speaks_french_on_the_tracking_page(client, analyst):
    demand, token = file_demand_with_token()
    services.comment_reply_add(change_request=demand, author=analyst, body="Merci !")
    html = client.get(f"/track/{token}/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    for french in ("Conversation", "Écrivez-nous", "Votre message", "Envoyer mon message"):
        assert french in html, french
    assert "Write to us" not in html and "Send my message" not in html


def test_a_message_is_shown_as_typed_never_run(client, analyst_client):
    demand, token = file_demand_with_token()
    services.comment_customer_add(change_request=demand, body='<script>alert("x")</script> & <b>bold</b>')
    for page in (client.get(f"/track/{token}/"), analyst_client.get(f"/triage/{demand.reference}/")):
        html = page.content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
        assert '<script>alert("x")' not in html
