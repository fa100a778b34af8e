"""Filing a demand: one demand per form token (also under concurrency), sequential references, e-mails."""

import re
import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connection
from django.test import Client

from core.models import OutboundEmail
from intake.choices import ChangeRequestStatus
from intake.models import ChangeRequest
from intake.services import change_request_answer, change_request_submit, change_request_withdraw
from tests.factories import ProductFactory, file_demand_with_token, form_data, submission
from triage.services import change_request_ask_information


@pytest.mark.embedded
@pytest.mark.django_db
def test_the_same_form_token_posted_twice_makes_one_demand_and_the_same_link(client):
    data = form_data(ProductFactory())
    first = client.post("/requests/new/", data)
    second = client.post("/requests/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert ChangeRequest.objects.count() == 1


def _run_in_threads(count: int, work) -> list:
    """Start `count` threads at the same instant; each gets its own database connection."""
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # reported by the assertions below
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_20_concurrent_posts_of_one_form_token_make_exactly_one_demand_and_no_500(settings):
    settings.INTAKE_FORM_RATE_PER_IP = "1000/hour"
    data = form_data(ProductFactory())
    responses = _run_in_threads(20, lambda _index: Client().post("/requests/new/", data))
    assert [getattr(response, "status_code", response) for response in responses] == [302] * 20
    assert len({response["Location"] for response in responses}) == 1
    assert ChangeRequest.objects.count() == 1
    assert ChangeRequest.objects.get().reference.endswith("-00001")  # replays drew no reference number


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_8_concurrent_submissions_get_8_distinct_sequential_references(settings):
    settings.INTAKE_FORM_RATE_PER_IP = "1000/hour"
    product = ProductFactory()
    payloads = [form_data(product, title=f"Concurrent demand number {n}") for n in range(8)]
    responses = _run_in_threads(8, lambda index: Client().post("/requests/new/", payloads[index]))
    assert [getattr(response, "status_code", response) for response in responses] == [302] * 8
    references = sorted(ChangeRequest.objects.values_list("reference", flat=True))
    numbers = [int(re.fullmatch(r"CR-\d{4}-(\d{5})", reference).group(1)) for reference in references]
    assert numbers == list(range(1, 9))


@pytest.mark.django_db
def test_the_confirmation_email_is_queued_on_commit_and_sent_with_the_private_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        demand, token, _created = change_request_submit(submission=submission(contact_email="ana@client.example"))
    queued = OutboundEmail.objects.get()
    assert queued.sent_at is None and mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    (sent,) = mail.outbox
    assert sent.to == ["ana@client.example"]
    assert demand.reference in sent.subject
    assert f"/track/{token}/" in sent.body
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.body == ""


@pytest.mark.django_db
def test_a_rolled_back_submission_queues_no_email(django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        change_request_submit(submission=submission())
        raise RuntimeError("the surrounding work failed")
    assert callbacks == [] and mail.outbox == [] and OutboundEmail.objects.count() == 0


@pytest.mark.django_db
def test_status_changes_meant_for_the_customer_are_emailed(django_capture_on_commit_callbacks, analyst):
    demand, _token = file_demand_with_token()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_request_ask_information(change_request=demand, question="Which SAP release?", asked_by=analyst)
    (question_mail,) = mail.outbox
    assert "need more information" in question_mail.subject and "Which SAP release?" in question_mail.body
    with django_capture_on_commit_callbacks(execute=True):
        change_request_answer(change_request=demand, answer="ECC 6.0")
        change_request_withdraw(change_request=demand)
    demand.refresh_from_db()
    assert demand.status == ChangeRequestStatus.WITHDRAWN
    # Answering is the customer's own act: no e-mail to them, but the analyst who asked is notified.
    # Withdrawing sends the customer a receipt (issue 15, item 9).
    _question, *rest = mail.outbox
    assert sorted(message.to[0] for message in rest) == sorted([demand.contact_email, analyst.email])
    (receipt,) = [message for message in rest if message.to == [demand.contact_email]]
    assert "is withdrawn" in receipt.subject and demand.reference in receipt.body


def _tracking_token_in(body: str) -> str:
    (token,) = re.findall(r"/track/([A-Za-z0-9_-]+)/", body)
    return token


@pytest.mark.django_db
def test_every_customer_email_carries_its_own_working_link_to_that_demand_only(
    django_capture_on_commit_callbacks, analyst, cio
):
    """Issue 15, item 3: status e-mails after the first carried no link ("Open the private link from our first
    e-mail"). Now each e-mail carries a fresh link; each opens its demand, and no other."""
    from triage.services import decision_record

    demand, first_token = file_demand_with_token(contact_email="ana@client.example")
    other, _other_token = file_demand_with_token(contact_email="ana@client.example", title="Another one")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change_request_ask_information(change_request=demand, question="Which SAP release?", asked_by=analyst)
    with django_capture_on_commit_callbacks(execute=True):
        change_request_answer(change_request=demand, answer="ECC 6.0")
    with django_capture_on_commit_callbacks(execute=True):
        decision_record(
            change_request=demand,
            outcome="deferred",
            decided_by=cio,
            rationale="r",
            customer_message="Next year.",
            defer_until=date(2999, 1, 1),
        )
    with django_capture_on_commit_callbacks(execute=True):
        change_request_withdraw(change_request=demand)
    to_customer = [message for message in mail.outbox if message.to == ["ana@client.example"]]
    assert len(to_customer) == 3  # the question, the deferral, the withdrawal receipt (staff are notified apart)
    tokens = [_tracking_token_in(message.body) for message in to_customer]
    assert "first e-mail" not in " ".join(message.body for message in to_customer)
    assert len({first_token, *tokens}) == 4  # a fresh link each time, none stored in clear
    client = Client()
    for token in tokens:
        page = client.get(f"/track/{token}/")
        assert page.status_code == 200
        assert demand.reference in page.content.decode() and other.reference not in page.content.decode()
    assert client.get(f"/track/{first_token}/").status_code == 200  # the first link still works
    stored = set(demand.tracking_links.values_list("token_hash", flat=True))
    assert not {*tokens} & stored and len(stored) == 3


@pytest.mark.django_db
def test_lost_links_are_sent_for_the_open_demands_of_that_address_only(django_capture_on_commit_callbacks, cio):
    from intake.services import tracking_links_send
    from triage.services import decision_record

    mine = file_demand_with_token(contact_email="Ana@Client.example", title="Export to SAP")[0]
    also_mine = file_demand_with_token(contact_email="ana@client.example", title="Dark mode")[0]
    closed = file_demand_with_token(contact_email="ana@client.example", title="Old idea")[0]
    decision_record(change_request=closed, outcome="rejected", decided_by=cio, rationale="r", customer_message="No.")
    not_mine = file_demand_with_token(contact_email="bob@client.example", title="Bob's")[0]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tracking_links_send(email="ana@client.example") == 2
        assert tracking_links_send(email="nobody@client.example") == 0
    (sent,) = mail.outbox
    assert sent.to == ["ana@client.example"]  # as the latest demand spells it
    tokens = re.findall(r"/track/([A-Za-z0-9_-]+)/", sent.body)
    assert len(tokens) == 2
    assert mine.reference in sent.body and also_mine.reference in sent.body
    assert closed.reference not in sent.body and not_mine.reference not in sent.body
    client = Client()
    opened = [client.get(f"/track/{token}/").content.decode() for token in tokens]
    assert mine.reference in opened[0] and also_mine.reference not in opened[0]
    assert also_mine.reference in opened[1] and mine.reference not in opened[1]
