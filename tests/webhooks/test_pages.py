"""The CIO's webhook pages: register (secret shown once), refuse bad URLs, pause, rotate, redeliver; query counts."""

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from tests.factories import webhook_endpoint
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_event_publish

pytestmark = pytest.mark.django_db

ALL_EVENTS = ["demand.submitted", "demand.scored", "demand.decided", "project.status_changed", "project.health_changed"]


def register(client: Client, **overrides) -> object:
    data = {"name": "CRM sync", "url": "https://hooks.example.com/demand-desk", "events": ["demand.submitted"]}
    data.update(overrides)
    return client.post("/webhooks/", data)


def test_the_cio_registers_an_endpoint_and_sees_its_secret_once(cio_client):
    response = register(cio_client, events=["demand.submitted", "demand.decided"])
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in response.content.decode()
    assert sorted(endpoint.subscriptions.values_list("event_type", flat=True)) == ["demand.decided", "demand.submitted"]

    detail = cio_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    listing = cio_client.get("/webhooks/").content.decode()
    assert "CRM sync" in listing and "https://hooks.example.com/demand-desk" in detail
    assert endpoint.secret not in detail and endpoint.secret not in listing
    audit = AuditEvent.objects.get(action="webhook")
    assert audit.username == "cio" and audit.details["change"] == "created"
    assert endpoint.secret not in str(audit.details)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/demand-desk", "Use an https:// URL; plain http:// is refused."),
        ("https://admin:hunter2@hooks.example.com/", "Leave user names and passwords out of the URL"),
        ("https://10.1.2.3/hook", "Use a public address"),
        ("not a url", "Enter a valid URL."),
    ],
)
def test_a_refused_url_is_a_field_error_and_nothing_is_registered(cio_client, settings, url, message):
    settings.WEBHOOKS_ALLOW_HTTP_HOSTS = []
    response = register(cio_client, url=url)
    assert response.status_code == 400
    html = response.content.decode()
    field = html[html.index('id="id_url"') - 600 : html.index('id="id_url"') + 600]
    assert message in html and message.split(";")[0] in field  # the error sits next to its field
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_a_name_and_at_least_one_event(cio_client):
    response = register(cio_client, name="", events=[])
    assert response.status_code == 400
    assert "Choose at least one event." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_analyst_may_not_see_or_register_webhooks_and_has_no_link_to_them(analyst, cio_client):
    client = Client()
    client.force_login(analyst)
    assert client.get("/webhooks/").status_code == 403
    assert register(client).status_code == 403
    assert not WebhookEndpoint.objects.exists()
    assert 'href="/webhooks/"' not in client.get("/triage/").content.decode()
    assert 'href="/webhooks/"' in cio_client.get("/triage/").content.decode()


def test_pause_resume_and_deactivate_from_the_page(cio_client):
    endpoint, _ = webhook_endpoint("https://hooks.example.com/in")
    assert cio_client.post(f"/webhooks/{endpoint.pk}/pause/").status_code == 302
    page = cio_client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "Paused by Carla Ionescu." in page
    endpoint.refresh_from_db()
    assert endpoint.status == "paused"
    cio_client.post(f"/webhooks/{endpoint.pk}/resume/")
    endpoint.refresh_from_db()
    assert endpoint.status == "active"
    answer = cio_client.post(f"/webhooks/{endpoint.pk}/resume/", follow=True)
    assert "This endpoint is already active." in answer.content.decode()

    with_pending = webhook_event_publish(event_type="demand.submitted", payload={})
    cio_client.post(f"/webhooks/{endpoint.pk}/deactivate/")
    endpoint.refresh_from_db()
    assert endpoint.status == "deactivated"
    assert WebhookDelivery.objects.get(pk=with_pending[0]).status == "cancelled"
    assert webhook_event_publish(event_type="demand.submitted", payload={}) == []  # receives nothing any more
    changes = list(AuditEvent.objects.filter(action="webhook").order_by("id").values_list("details__change", flat=True))
    assert changes == ["created", "paused", "resumed", "deactivated"]


def test_changing_events_from_the_page(cio_client):
    endpoint, _ = webhook_endpoint("https://hooks.example.com/in")
    cio_client.post(f"/webhooks/{endpoint.pk}/events/", {"events": ["demand.scored", "project.status_changed"]})
    assert sorted(endpoint.subscriptions.values_list("event_type", flat=True)) == [
        "demand.scored",
        "project.status_changed",
    ]
    answer = cio_client.post(f"/webhooks/{endpoint.pk}/events/", {"events": ["nonsense"]}, follow=True)
    assert "Nothing changed" in answer.content.decode()
    assert endpoint.subscriptions.count() == 2


def test_rotating_the_secret_shows_the_new_one_once_and_later_attempts_are_signed_with_it(
    cio_client, receiver, django_capture_on_commit_callbacks
):
    endpoint, old_secret = webhook_endpoint(receiver.url)
    response = cio_client.post(f"/webhooks/{endpoint.pk}/rotate-secret/")
    new_secret = re.search(r'data-testid="webhook-secret">([^<]+)<', response.content.decode()).group(1)
    assert new_secret != old_secret and "no-store" in response["Cache-Control"]
    receiver.secret = new_secret
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_publish(event_type="demand.submitted", payload={})
    assert [request.signature_valid for request in receiver.received] == [True]
    assert new_secret not in cio_client.get(f"/webhooks/{endpoint.pk}/").content.decode()


@pytest.mark.embedded
def test_the_redeliver_button_sends_a_fresh_attempt_of_a_delivered_event(
    cio, receiver, django_capture_on_commit_callbacks
):
    endpoint, receiver.secret = webhook_endpoint(receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        (delivery_id,) = webhook_event_publish(event_type="demand.submitted", payload={"reference": "CR-9"})
    assert len(receiver.received) == 1

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cio)
    page = browser.get(f"/webhooks/{endpoint.pk}/").content.decode()
    action = f"/webhooks/{endpoint.pk}/deliveries/{delivery_id}/redeliver/"
    assert f'action="{action}"' in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    assert browser.post(action).status_code == 403  # no CSRF token, no redelivery
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(action, {"csrfmiddlewaretoken": token}).status_code == 302
    assert len(receiver.received) == 2 and all(request.signature_valid for request in receiver.received)
    assert receiver.received[0].body == receiver.received[1].body
    assert receiver.received[1].headers["x-demanddesk-delivery"] == str(delivery_id)
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)
    page = browser.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert page.count('data-testid="attempt"') == 2


def test_a_delivery_of_another_endpoint_is_a_404(cio_client):
    mine, _ = webhook_endpoint("https://hooks.example.com/mine", name="Mine")
    theirs, _ = webhook_endpoint("https://hooks.example.com/theirs", name="Theirs")
    delivery = theirs.deliveries.create(event_id=uuid.uuid4(), event_type="demand.submitted")
    assert cio_client.post(f"/webhooks/{mine.pk}/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert cio_client.get("/webhooks/999999/").status_code == 404


def add_endpoints(count: int) -> None:
    for number in range(count):
        endpoint, _ = webhook_endpoint(
            f"https://hooks{number}.example.com/in", name=f"Receiver {number}", events=ALL_EVENTS[: number % 5 + 1]
        )
        delivery = endpoint.deliveries.create(event_id=uuid.uuid4(), event_type="demand.submitted")
        WebhookAttempt.objects.create(delivery=delivery, status_code=500, duration_ms=12)


def add_deliveries(endpoint: WebhookEndpoint, count: int) -> None:
    for number in range(count):
        delivery = endpoint.deliveries.create(
            event_id=uuid.uuid4(), event_type="demand.submitted", payload={"n": number}
        )
        for status_code in (500, 502, 200)[: number % 3 + 1]:
            WebhookAttempt.objects.create(delivery=delivery, status_code=status_code, duration_ms=5)


def test_the_list_page_costs_the_same_queries_for_2_or_12_endpoints(cio_client):
    add_endpoints(2)
    with CaptureQueriesContext(connection) as few:
        assert cio_client.get("/webhooks/").status_code == 200
    add_endpoints(10)
    with CaptureQueriesContext(connection) as many:
        response = cio_client.get("/webhooks/")
    assert response.content.decode().count('data-testid="endpoint-row"') == 12
    assert len(few) == len(many), [query["sql"] for query in many.captured_queries]


def test_the_detail_page_costs_the_same_queries_for_2_or_15_deliveries(cio_client):
    endpoint, _ = webhook_endpoint("https://hooks.example.com/in", events=ALL_EVENTS)
    add_deliveries(endpoint, 2)
    with CaptureQueriesContext(connection) as few:
        assert cio_client.get(f"/webhooks/{endpoint.pk}/").status_code == 200
    add_deliveries(endpoint, 13)
    with CaptureQueriesContext(connection) as many:
        response = cio_client.get(f"/webhooks/{endpoint.pk}/")
    assert response.content.decode().count('data-testid="delivery-row"') == 15
    assert len(few) == len(many), [query["sql"] for query in many.captured_queries]


def test_why_an_endpoint_is_paused_reads_in_the_readers_language(cio, cio_client):
    from django.utils import translation

    from webhooks.services import webhook_endpoint_pause

    endpoint, _secret = webhook_endpoint("https://crm.example.com/hook")
    with translation.override("en"):  # paused by someone reading English
        webhook_endpoint_pause(endpoint=endpoint, paused_by=cio)
    french = cio_client.get(f"/webhooks/{endpoint.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = cio_client.get(f"/webhooks/{endpoint.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mis en pause par Carla Ionescu." in french and "Paused by" not in french
    assert "Paused by Carla Ionescu." in english
