"""Filing a demand: one demand per form token (also under concurrency), sequential references, e-mails."""

import re
import threading

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
    # Answering and withdrawing are the customer's own acts: no e-mail to them (the analyst who asked is notified).
    assert [message.to for message in mail.outbox] == [[demand.contact_email], [analyst.email]]
